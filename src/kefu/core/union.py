"""`union_all`: several ordered and limited reads in one statement, on SQLite and PostgreSQL.

Django's `QuerySet.union()` refuses ORDER BY and LIMIT inside its parts on SQLite (the compound
SELECT allows them only at its end). Each part is wrapped as a subquery instead, which both
databases accept; the values come back converted as the ORM converts them (SQLite's datetimes as
text become aware datetimes).
"""

from collections.abc import Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


def union_all(querysets: Sequence[QuerySet]) -> list[tuple]:
    """The rows of every queryset in one statement, each as `(index of its queryset, *values)`.

    Each queryset is a `values_list` of the same number of columns with compatible types, and may
    be ordered and sliced. A queryset that can match nothing (`.none()`) is left out. The rows come
    in no particular order."""
    if not querysets:
        return []
    using = querysets[0].db
    parts, params, converters = [], [], {}
    for index, queryset in enumerate(querysets):
        compiler = queryset.query.get_compiler(using=using)
        try:
            sql, part_params = compiler.as_sql()
        except EmptyResultSet:
            continue
        parts.append(f"SELECT {index:d} AS part, p{index:d}.* FROM ({sql}) p{index:d}")
        params.extend(part_params)
        converters[index] = compiler, compiler.get_converters([s[0] for s in compiler.select])
    if not parts:
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    result = []
    for index, *values in rows:
        compiler, convert = converters[index]
        if convert:
            values = next(iter(compiler.apply_converters([values], convert)))
        result.append((index, *values))
    return result
