"""`union_all`: several ordered and limited reads in one statement, on SQLite and PostgreSQL.

Django's `QuerySet.union()` refuses ORDER BY and LIMIT inside its parts on SQLite (the compound
SELECT allows them only at its end). Each part is wrapped as a subquery instead, which both
databases accept; the values come back converted as the ORM converts them (SQLite's datetimes as
text become aware datetimes).

A part read on every page for one row of many (a customer's calls, orders ...) can be compiled once
per process (`compiled_once`): building and compiling a Django queryset costs far more CPU than the
indexed read it makes.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql import Query


class Part(NamedTuple):
    """One read compiled: its SQL and parameters, and its query and selected columns (to convert the
    values read as the ORM does, on the connection of the thread that reads)."""

    sql: str
    params: tuple
    query: Query
    columns: tuple


def compiled(queryset: QuerySet) -> Part | None:
    """`queryset` compiled; None when it can match nothing (`.none()`)."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    return Part(sql, tuple(params), queryset.query, tuple(s[0] for s in compiler.select))


def union_all(parts: Sequence[QuerySet | Part], *, using: str | None = None) -> list[tuple]:
    """The rows of every part in one statement, each as `(index of its part, *values)`.

    Each part is a `values_list` queryset (or one `compiled`) of the same number of columns with
    compatible types, and may be ordered and sliced. A part that can match nothing (`.none()`) is
    left out. The rows come in no particular order. `using`: the database (default: the first
    queryset's)."""
    if using is None:
        using = next((p.db for p in parts if isinstance(p, QuerySet)), "default")
    sqls, params, converters = [], [], {}
    for index, part in enumerate(parts):
        if isinstance(part, QuerySet):
            part = compiled(part)
        if part is None:
            continue
        sqls.append(f"SELECT {index:d} AS part, p{index:d}.* FROM ({part.sql}) p{index:d}")
        params.extend(part.params)
        compiler = part.query.get_compiler(using=using)
        converters[index] = compiler, compiler.get_converters(part.columns)
    if not sqls:
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sqls), params)
        rows = cursor.fetchall()
    result = []
    for index, *values in rows:
        compiler, convert = converters[index]
        if convert:
            values = next(iter(compiler.apply_converters([values], convert)))
        result.append((index, *values))
    return result


# --- reads compiled once ------------------------------------------------------------------------------

#: Two stand-ins for the one parameter (an id) of a read compiled once: compiled with both, the read
#: must differ only in the parameters where they stand (anything else would be frozen wrongly). No
#: row has a negative id; within a 32-bit integer column's range, so that Django does not drop the
#: condition as one that cannot match.
_STAND_INS = (-1_987_654_321, -1_987_654_322)
_KEPT = 512  # reads kept (each a few kilobytes of SQL); the least recently used is forgotten


class _Template(NamedTuple):
    part: Part
    at: tuple[int, ...]  # the positions of the parameter among the part's params


_templates: OrderedDict[tuple, _Template | None] = OrderedDict()


def compiled_once(key: Hashable, build: Callable[[int], QuerySet], value: int, *, using: str) -> Part | None:
    """`build(value)` compiled, its SQL compiled only the first time `key` is asked for (per database)
    and `value` bound to it each time.

    `build` must depend on nothing but its argument and constants: not on who asks, the time, the
    active time zone or language. It is checked once, by compiling it for two values: a read whose
    SQL (not only its parameters) changes with the value is refused (ValueError)."""
    cache_key = (key, using)
    if cache_key in _templates:
        _templates.move_to_end(cache_key)
        template = _templates[cache_key]
    else:
        template = _templates[cache_key] = _template(build, using)
        if len(_templates) > _KEPT:
            _templates.popitem(last=False)
    if template is None:
        return None
    params = list(template.part.params)
    for i in template.at:
        params[i] = value
    return template.part._replace(params=tuple(params))


def _template(build: Callable[[int], QuerySet], using: str) -> _Template | None:
    first, second = (compiled(build(stand_in).using(using)) for stand_in in _STAND_INS)
    if first is None or second is None:
        if first is not second:
            raise ValueError(f"{build!r}: matches nothing for one value and something for another")
        return None
    at = tuple(i for i, p in enumerate(first.params) if p == _STAND_INS[0])
    same_shape = first.sql == second.sql and len(first.params) == len(second.params)
    if not (at and same_shape) or any(
        (b == _STAND_INS[1]) != (i in at) or (a != b and i not in at)
        for i, (a, b) in enumerate(zip(first.params, second.params, strict=True))
    ):
        raise ValueError(f"{build!r}: its SQL depends on its argument other than as one parameter")
    return _Template(first, at)
