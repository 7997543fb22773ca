"""Plain INSERTs of new model instances, for the hot paths (a new work order, a sweep's batch).

Django's `save()` and `bulk_create()` build a query object and compile it for every call; for a
work order's few rows and a sweep's thousands that costs more Python than PostgreSQL spends on
the INSERT itself (docs/benchmarks.md). Here each model's INSERT statement is built once per
process and the values are prepared field by field exactly as Django prepares them
(`pre_save` — so `auto_now_add` still stamps — then `get_db_prep_save`, skipping it for the
plain types it leaves unchanged). Columns the database computes (`GeneratedField`) are not
sent; a model with a `db_default` column goes through the ORM as before.

`save_new` stands in for `obj.save()` on a new instance: it sends `pre_save` and `post_save` as
Django does, so receivers (webhooks, the call-centre link) see no difference. `insert_many`
stands in for `bulk_create`, which sends no signals either. Both set the primary key on each
instance and mark it saved.
"""

import datetime
import json
from collections.abc import Sequence
from contextlib import contextmanager
from decimal import Decimal

from django.db import connections, models, router
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_init, post_save, pre_init, pre_save

# Field classes whose get_db_prep_save returns the value as given (after pre_save) on both backends.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def _json_text(value, connection):
    """JSONField.get_db_prep_save for a plain JSONField (no encoder) where the backend stores JSON as
    text with json.dumps (SQLite): the same text, without the four calls around it."""
    return None if value is None else json.dumps(value)


def _decimal_prep(field: models.DecimalField):
    """DecimalField.get_db_prep_save where the backend takes a Decimal as it is: a finite Decimal is
    returned unchanged (what to_python gives for one); anything else goes Django's way (floats,
    strings, expressions, and the refusal of NaN)."""
    prep = field.get_db_prep_save

    def decimal_prep(value, connection):
        if type(value) is Decimal and value.is_finite():
            return value
        return prep(value, connection)

    return decimal_prep


def _prep_of(field: models.Field, connection, plain: tuple):
    """How `field`'s values are prepared for `connection`: None when they go as they are."""
    if isinstance(field, plain):
        return None
    ops = type(connection.ops)
    if (
        type(field) is models.JSONField
        and field.encoder is None
        and ops.adapt_json_value is BaseDatabaseOperations.adapt_json_value
    ):
        return _json_text
    if (
        type(field) is models.DecimalField
        and ops.adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value
    ):
        return _decimal_prep(field)
    return field.get_db_prep_save


class _Plan:
    """The INSERT statement of one model on one connection, and how to prepare its values."""

    def __init__(self, model: type[models.Model], connection) -> None:
        meta = model._meta
        quote = connection.ops.quote_name
        self.pk = meta.pk
        self.fields = [
            f
            for f in meta.concrete_fields
            if not getattr(f, "generated", False) and not (f.primary_key and isinstance(f, models.AutoField))
        ]
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.table = quote(meta.db_table)
        self.row = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        self.returning = f" RETURNING {quote(self.pk.column)}"
        self.can_return = connection.features.can_return_rows_from_bulk_insert
        self.stamps = [
            f
            for f in self.fields
            if isinstance(f, models.DateField)
            and (f.auto_now or f.auto_now_add)
            or isinstance(f, models.FileField)
        ]
        # PostgreSQL takes aware datetimes as they are (Django's adapter returns them unchanged).
        plain = (*_PLAIN, models.DateTimeField) if connection.vendor == "postgresql" else _PLAIN
        self.prep = [_prep_of(f, connection, plain) for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        # A database default (db_default) is an SQL expression: those models go through the ORM.
        self.orm_only = any(f.db_default is not models.NOT_PROVIDED for f in self.fields)
        # Parameters per statement: SQLite's limit is the tightest (999 on old builds).
        self.per_statement = max(1, min(500, 999 // max(1, len(self.fields))))

    def values(self, obj: models.Model, connection) -> list:
        for f in self.stamps:
            setattr(obj, f.attname, f.pre_save(obj, True))
        d = obj.__dict__
        return [
            d[name] if prep is None else prep(d[name], connection)
            for name, prep in zip(self.attnames, self.prep, strict=True)
        ]


_plans: dict[tuple[type, str], _Plan] = {}


def _plan(model: type[models.Model], connection) -> _Plan:
    key = (model, connection.alias)
    plan = _plans.get(key)
    if plan is None:
        plan = _plans[key] = _Plan(model, connection)
    return plan


class _Shape:
    """How `build` fills a new instance of one model: every concrete field by attname, each default
    worked out once — a value where Django's get_default gives the same one every time (a constant
    default, None, ""), a function called per row where the default is callable (list, now)."""

    def __init__(self, model: type[models.Model]) -> None:
        meta = model._meta
        self.relations = {f.name: f for f in meta.concrete_fields if f.is_relation}
        self.attnames = {f.attname for f in meta.concrete_fields}
        self.constants: dict[str, object] = {}
        self.made: list[tuple[str, str, object]] = []  # (attname, name, default function)
        for f in meta.concrete_fields:
            if f.has_default() and callable(f.default):
                self.made.append((f.attname, f.name, f.get_default))
            else:
                self.constants[f.attname] = f.get_default()


_shapes: dict[type, _Shape] = {}


def build(model: type[models.Model], **values) -> models.Model:
    """`model(**values)` for a new row, without Model.__init__'s per-field descriptor work.

    `values` name fields by attname (``ticket_id``) or by relation (``ticket=<Ticket>``, cached on
    the instance as Django would); missing fields get their defaults. Models with pre_init or
    post_init receivers are built the ordinary way, so those receivers still run.
    """
    # (.receivers first: has_listeners walks the receivers, and usually there are none at all.)
    if (pre_init.receivers or post_init.receivers) and (
        pre_init.has_listeners(model) or post_init.has_listeners(model)
    ):
        return model(**values)
    shape = _shapes.get(model)
    if shape is None:
        shape = _shapes[model] = _Shape(model)
    obj = model.__new__(model)
    state = obj._state = ModelState()
    state.fields_cache = {}
    d = obj.__dict__
    d.update(shape.constants)  # then overwritten by the values given
    for attname, name, make in shape.made:
        if attname not in values and name not in values:
            d[attname] = make()
    for name, value in values.items():
        related = shape.relations.get(name)
        if related is not None:
            d[related.attname] = None if value is None else value.pk
            state.fields_cache[name] = value
        elif name in shape.attnames:
            d[name] = value
        else:
            raise TypeError(f"{model.__name__}() got an unexpected keyword argument '{name}'")
    return obj


def shallow_copy(obj: models.Model) -> models.Model:
    """What copy.copy() gives for a model instance (own __dict__ and _state, shared field values),
    without the pickling protocol it goes through: for handing out copies of cached rows."""
    new = obj.__class__.__new__(obj.__class__)
    new.__dict__.update(obj.__dict__)
    state = new._state = ModelState()
    state.db, state.adding = obj._state.db, obj._state.adding
    state.fields_cache = dict(obj._state.fields_cache)
    return new


def _mark_saved(obj: models.Model, pk, alias: str) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = alias


# From this many rows on, PostgreSQL gets them by COPY (ids drawn from the table's sequence first):
# the statement text of a multi-row INSERT costs Python more than the rows cost the server.
COPY_FROM = 20


def insert_many(objs: Sequence[models.Model]) -> Sequence[models.Model]:
    """INSERT new instances of one model (like bulk_create: no signals, no save()); returns them, pks set."""
    if not objs:
        return objs
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    plan = _plan(model, connection)
    if plan.orm_only:
        return model._base_manager.using(alias).bulk_create(objs)
    if connection.vendor == "postgresql" and len(objs) >= COPY_FROM and isinstance(plan.pk, models.AutoField):
        _copy_in(plan, objs, connection, alias)
        return objs
    step = plan.per_statement if plan.can_return else 1
    with connection.cursor() as cursor:
        for start in range(0, len(objs), step):
            chunk = objs[start : start + step]
            params = []
            for obj in chunk:
                params.extend(plan.values(obj, connection))
            sql = f"INSERT INTO {plan.table} ({plan.columns}) VALUES " + ", ".join([plan.row] * len(chunk))
            if plan.can_return:
                cursor.execute(sql + plan.returning, params)
                # Both backends return the rows of a multi-row VALUES in order (Django relies on it too).
                for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    _mark_saved(obj, pk, alias)
            else:
                cursor.execute(sql, params)
                _mark_saved(chunk[0], cursor.lastrowid, alias)
    return objs


def _copy_in(plan: _Plan, objs: Sequence[models.Model], connection, alias: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [plan.table, plan.pk.column, len(objs)],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        rows = [[pk, *plan.values(obj, connection)] for pk, obj in zip(pks, objs, strict=True)]
        sql = f"COPY {plan.table} ({quote(plan.pk.column)}, {plan.columns}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:  # psycopg's own cursor: COPY is not in the DB-API
            for row in rows:
                copy.write_row(row)
    for pk, obj in zip(pks, objs, strict=True):
        _mark_saved(obj, pk, alias)


def save_new(obj: models.Model) -> models.Model:
    """`obj.save()` for a new instance of a plain model, with its pre_save / post_save signals."""
    model = type(obj)
    alias = router.db_for_write(model)
    if _plan(model, connections[alias]).orm_only:
        obj.save(force_insert=True, using=alias)
        return obj
    pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
    insert_many([obj])
    post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias)
    return obj


# From this many rows on, update_from_rows gives the planner the staging table's figures (ANALYZE:
# a few milliseconds; a sweep's batches of a few thousand do well without).
ANALYZE_FROM = 10_000


def update_from_rows(
    connection,
    *,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple],
    set_sql: str,
    params: Sequence = (),
    key: str = "id",
) -> None:
    """PostgreSQL: one UPDATE of many rows, each with its own values (a sweep's batch).

    `rows` are (id, *columns) tuples (`key`: the id's column, when the primary key is another); they are copied into a temporary table shaped like those
    columns of `table` (private to the session, emptied at commit) and applied with one
    ``UPDATE table AS t SET <set_sql> FROM staging AS s WHERE t.id = s.id``; `set_sql` refers to
    the new values as ``s.<column>`` and may hold ``%s`` placeholders filled from `params`. One
    statement instead of one per row: the server plans it once, and Python quotes no values.
    """
    quote = connection.ops.quote_name
    staging = quote(f"kefu_staging_{table}")
    cols = ", ".join(quote(c) for c in (key, *columns))
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
            f"SELECT {cols} FROM {quote(table)} WITH NO DATA"
        )
        cursor.execute(f"DELETE FROM {staging}")  # inside a caller's longer transaction, too
        with cursor.cursor.copy(f"COPY {staging} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if len(rows) >= ANALYZE_FROM:
            # Planned without figures for the staging table, the UPDATE hashed the whole target table
            # (a million customers, on disk) for each batch of a tier recompute: with them, a merge
            # join along the primary key, 1.4 s → 0.3 s a batch of 100,000.
            cursor.execute(f"ANALYZE {staging}")
        cursor.execute(
            f"UPDATE {quote(table)} AS t SET {set_sql} FROM {staging} AS s WHERE t.{quote(key)} = s.{quote(key)}",
            params,
        )


def pk_in(queryset: models.QuerySet, ids: Sequence[int], *, field: str = "") -> RawSQL:
    """`pk IN ids` as one parameter (a PostgreSQL array, a JSON list on SQLite), for `.filter()`:
    for a batch of thousands, the placeholders would cost the driver more than the lookup itself.
    `field`: another integer column of the model's own table instead of the pk (a foreign key)."""
    connection = connections[queryset.db]
    qn = connection.ops.quote_name
    meta = queryset.model._meta
    column = f"{qn(meta.db_table)}.{qn(meta.get_field(field).column if field else meta.pk.column)}"
    ids = [int(pk) for pk in ids]
    if connection.vendor == "postgresql":
        # An array literal as text ('{1,2,3}'): the driver's list adapter costs ~1 µs a number.
        literal = "{" + ",".join(map(str, ids)) + "}"
        return RawSQL(f"{column} = ANY(%s::bigint[])", (literal,), output_field=models.BooleanField())
    return RawSQL(f"{column} IN (SELECT value FROM json_each(%s))", (json.dumps(ids),),
                  output_field=models.BooleanField())  # fmt: skip


# --- Set inserts that skip stored rows (the call-log import) -------------------------------------
# The database-specific halves of a bulk import, so the import itself never asks for the vendor.


def adapt_datetimes(connection):
    """A function turning aware datetimes (or None) into what raw SQL on `connection` takes.

    SQLite keeps naive UTC text: the adapter does what Django's does, faster, and remembers the few
    distinct values a log repeats. PostgreSQL takes aware datetimes as they are.
    """
    from datetime import UTC  # here, not at the top: this block stays in one piece for merges

    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    done: dict = {}

    def adapt(value):
        if value is None:
            return None
        text = done.get(value)
        if text is None:
            text = done[value] = str(value.astimezone(UTC).replace(tzinfo=None))
        return text

    return adapt


def stages_rows(connection) -> bool:
    """Whether `insert_new_rows` copies the rows into a staging table (then the statement is the
    set form, ``INSERT ... SELECT FROM <staging>``) instead of executing the row form per row."""
    return connection.vendor == "postgresql"


def writes_in_parallel(connection) -> bool:
    """Whether several connections may write batches side by side (SQLite: one writer at a time)."""
    return connection.vendor == "postgresql"


def roomy_sorts(connection, megabytes: int = 256) -> None:
    """Inside a transaction: let this transaction's statements sort and group in memory up to
    `megabytes` each (PostgreSQL's work_mem, 4 MB by default, spills a million groups to disk) —
    the nightly recomputes' aggregates over every customer. Nothing elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{int(megabytes)}MB'")


def refresh_statistics(connection, table: str) -> None:
    """PostgreSQL: renew the planner's figures for `table` (ANALYZE) inside the current transaction,
    whose own new rows it counts: for a statement right after a bulk write, which the stale figures
    of a table that was empty would plan as a nested loop over a million rows. Nothing elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def in_batches(cursor, size: int):
    """The rows of an executed cursor, `size` at a time, safe to write to the same tables between
    batches: PostgreSQL's (client-side) cursor holds the whole result already; SQLite reads lazily
    from the tables, so there it is read whole first."""
    if cursor.db.vendor == "postgresql":
        while batch := cursor.fetchmany(size):
            yield batch
    else:
        found = cursor.fetchall()
        for start in range(0, len(found), size):
            yield found[start : start + size]


def insert_new_rows(connection, *, table: str, columns: Sequence[str], rows: Sequence[tuple], row_sql: str,
                    set_sql) -> int:  # fmt: skip
    """Store `rows` (values of `columns` of `table`) with an INSERT that skips stored ones; returns
    the driver's count of rows written (None or -1 when it cannot tell).

    SQLite: one executemany of `row_sql` (its rowcount is the sum). PostgreSQL: COPY into a temporary
    table shaped like those columns (private to the session, emptied at commit), then one
    `set_sql(staging)` statement: four times faster than executemany through Django's cursor
    (bench/calls.py).
    """
    with connection.cursor() as cursor:
        if not stages_rows(connection):
            cursor.executemany(row_sql, rows)
            return cursor.rowcount
        quote = connection.ops.quote_name
        staging = quote(f"kefu_new_{table}")  # not update_from_rows' table: another shape
        cols = ", ".join(quote(c) for c in columns)
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
            f"SELECT {cols} FROM {quote(table)} WITH NO DATA"
        )
        cursor.execute(f"DELETE FROM {staging}")  # inside a caller's longer transaction, too
        # The planner's estimate of per-row look-ups in `set_sql` passes jit_above_cost: compiling
        # the plan costs more than it saves on a few thousand rows.
        cursor.execute("SET LOCAL jit = off")
        with cursor.cursor.copy(f"COPY {staging} ({cols}) FROM STDIN") as copy:  # psycopg's own cursor
            for row in rows:
                copy.write_row(row)
        cursor.execute(set_sql(staging))
        return cursor.rowcount


def copy_rows(model: type[models.Model], *, fields: Sequence[str], rows) -> None:
    """Store new `rows` of `model`: values of the `fields` named (attnames), adapted for the database
    (connection.ops.adapt_*), any iterable; as they are, with no conflict handling: the table's
    defaults fill the other columns (the id).

    PostgreSQL: one binary COPY straight into the table, typed by the fields' columns (no staging
    table, no INSERT ... SELECT; text COPY formats and parses every value: 2.5× slower for a
    snapshot's million rows). SQLite: one executemany of an INSERT.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    named = [model._meta.get_field(name) for name in fields]
    table, cols = quote(model._meta.db_table), ", ".join(quote(f.column) for f in named)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [f.db_type(connection).split("(")[0] for f in named]  # varchar(10) → varchar
            with cursor.cursor.copy(
                f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)"
            ) as copy:  # psycopg's own
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(named))
        cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(rows))


# --- many rows, each with its own values (the database's own fast path behind one function) ----------


def _adapt(connection, value):
    """A value as the driver takes it: SQLite stores datetimes and dates as text (Django's adapters)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def update_each(
    model: type[models.Model],
    *,
    columns: Sequence[str],
    rows: Sequence[tuple],
    combine: dict[str, str] | None = None,
    also: dict[str, object] | None = None,
) -> None:
    """Give each row of `model`'s table its own values: `rows` are (id, *values of `columns`).

    `combine` names columns whose new value is combined with the old one instead of replacing it:
    ``"max"`` keeps the greater (the columns must not be NULL: SQLite's max() of a NULL is NULL),
    ``"add"`` adds the given value. `also` sets columns to one value for every row (updated_at).
    In SQL, so a concurrent version check elsewhere stays honest.

    PostgreSQL: one UPDATE from a staging table (update_from_rows). Elsewhere: one statement run
    per row (executemany). Django's bulk_update (CASE ... WHEN over every id) costs seconds of
    Python for a few thousand rows.
    """
    if not rows:
        return
    combine, also = combine or {}, also or {}
    connection = connections[router.db_for_write(model)]
    table = model._meta.db_table
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        pg = {"max": "GREATEST(t.{c}, s.{c})", "add": "t.{c} + s.{c}", None: "s.{c}"}
        assignments = [f"{quote(c)} = " + pg[combine.get(c)].format(c=quote(c)) for c in columns]
        assignments += [f"{quote(c)} = %s" for c in also]
        update_from_rows(
            connection, table=table, columns=columns, rows=rows, set_sql=", ".join(assignments),
            params=list(also.values()), key=model._meta.pk.column,
        )  # fmt: skip
        return
    other = {"max": "MAX({c}, %s)", "add": "{c} + %s", None: "%s"}
    assignments = [f"{quote(c)} = " + other[combine.get(c)].format(c=quote(c)) for c in columns]
    assignments += [f"{quote(c)} = %s" for c in also]
    fixed = [_adapt(connection, v) for v in also.values()]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(table)} SET {', '.join(assignments)} WHERE {quote(model._meta.pk.column)} = %s",
            [[*(_adapt(connection, v) for v in values), *fixed, pk] for pk, *values in rows],
        )


def insert_rows(
    model: type[models.Model],
    *,
    columns: Sequence[str],
    rows: Sequence[tuple],
    fixed: dict[str, object] | None = None,
    unique: Sequence[str] = (),
) -> int:
    """INSERT plain tuples (values of `columns`, no model instances) into `model`'s table in one
    statement; return how many rows were new.

    `fixed` gives columns one value for every row (the plan, the moment). `unique`: the columns of
    a unique constraint; a row that would break it is skipped (ON CONFLICT DO NOTHING), so a
    second writer of the same rows adds nothing. No signals, no defaults: every column not named
    must be nullable or have a database default.

    PostgreSQL gets one array per column (unnest), so the driver does not parse a statement of
    twenty thousand placeholders; SQLite gets the rows as VALUES.
    """
    if not rows:
        return 0
    fixed = fixed or {}
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    names = [*fixed, *columns]
    target = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in names)})"
    conflict = f" ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO NOTHING" if unique else ""
    constants = [_adapt(connection, v) for v in fixed.values()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            by_column = {f.column: f for f in meta.concrete_fields}
            arrays = ", ".join(f"%s::{by_column[c].db_type(connection)}[]" for c in columns)
            consts = "".join("%s, " for _ in fixed)
            cursor.execute(
                f"{target} SELECT {consts}u.* FROM unnest({arrays}) AS u{conflict}",
                [*constants, *(list(column) for column in zip(*rows, strict=True))],
            )
        else:
            row = "(" + ", ".join(["%s"] * len(names)) + ")"
            cursor.execute(
                f"{target} VALUES {', '.join([row] * len(rows))}{conflict}",
                [v for values in rows for v in (*constants, *(_adapt(connection, x) for x in values))],
            )
        return max(cursor.rowcount, 0)


def insert_select(model: type[models.Model], *, columns: Sequence[str], queryset: models.QuerySet,
                  unique: Sequence[str], count_by: str) -> dict:  # fmt: skip
    """INSERT into `model`'s table the rows `queryset` selects — its `.values(...)`, in the order of
    `columns` (column names of the table) — in one statement the database runs itself, skipping a
    row that would break the unique constraint on `unique` (ON CONFLICT DO NOTHING: a row stored
    meanwhile by another writer stands). Returns how many new rows each value of column `count_by`
    has ({value: n}).

    The select is wrapped so SQLite reads ON CONFLICT as the upsert clause and not as part of a join
    (its documented ambiguity of INSERT ... SELECT). PostgreSQL counts the new rows in the same
    statement (a data-modifying WITH); SQLite hands them back (RETURNING) and they are counted here.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    sql, params = queryset.query.sql_with_params()
    insert = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT * FROM ({sql}) AS selected WHERE TRUE "
        f"ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO NOTHING RETURNING {quote(count_by)}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling the plan (JIT) costs more than it saves here: half of a two-second statement.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                f"WITH new AS ({insert}) SELECT {quote(count_by)}, count(*) FROM new GROUP BY 1", params
            )
            return dict(cursor.fetchall())
        cursor.execute(insert, params)
        counts: dict = {}
        for (value,) in cursor.fetchall():
            counts[value] = counts.get(value, 0) + 1
        return counts


def seconds_between_sql(connection, start: str, end: str) -> str:
    """SQL for the seconds (a number with fractions) from datetime expression `start` to `end`.

    SQLite keeps datetimes as UTC text, which julianday() reads (to about 0.1 ms at today's dates);
    PostgreSQL subtracts timestamps and takes the interval's epoch. On both, `end` is written before
    `start` (core.sqltime.SecondsBetween orders its parameters so).
    """
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({end}) - ({start}))"
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def epoch_sql(connection, moment: str) -> str:
    """SQL for the seconds since 1970 (with fractions) of datetime expression `moment`: julianday()
    of SQLite's UTC text, EXTRACT(EPOCH …) on PostgreSQL."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({moment}))::double precision"
    return f"((julianday({moment}) - 2440587.5) * 86400.0)"


@contextmanager
def reading(connection, sql: str, params: Sequence):
    """A cursor that has run the read `sql`, for reads of many numbers: on PostgreSQL its rows come
    in binary. A month of a dashboard by 30 minutes is 1,488 rows × 19 sums, and the server writing
    each float as text and psycopg parsing it back took 4.4 ms of its 5; binary, 0.9 ms. Django's
    psycopg cursor binds on the client and gives no binary results, so the statement is bound as
    it binds it (mogrify) and run, without parameters, on a cursor of psycopg's that gives binary,
    wrapped by Django as its own are (the query log, the errors, the execute wrappers)."""
    with connection.cursor() as cursor:
        mogrify = getattr(cursor.cursor, "mogrify", None)
        if connection.vendor != "postgresql" or mogrify is None:
            cursor.execute(sql, params)
            yield cursor
            return
        bound = mogrify(sql, params)
    import psycopg

    binary = psycopg.Cursor(connection.connection)
    binary.format = psycopg.pq.Format.BINARY
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(binary) as cursor:
        cursor.execute(bound)
        yield cursor


def read_all(connection, sql: str, params: Sequence) -> tuple[list, list[tuple]]:
    """A read's column descriptions and its rows (`reading`: binary on PostgreSQL)."""
    with reading(connection, sql, params) as cursor:
        return cursor.description, cursor.fetchall()
