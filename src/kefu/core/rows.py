"""Plain INSERTs of new model instances, for the hot paths (a new work order, a sweep's batch).

Django's `save()` and `bulk_create()` build a query object and compile it for every call; for a
work order's few rows and a sweep's thousands that costs more Python than PostgreSQL spends on
the INSERT itself (docs/benchmarks.md). Here each model's INSERT statement is built once per
process and the values are prepared field by field exactly as Django prepares them
(`pre_save` — so `auto_now_add` still stamps — then `get_db_prep_save`, skipping it for the
plain types it leaves unchanged). Columns the database computes (`GeneratedField`, `db_default`
left as given) are not sent.

`save_new` stands in for `obj.save()` on a new instance: it sends `pre_save` and `post_save` as
Django does, so receivers (webhooks, the call-centre link) see no difference. `insert_many`
stands in for `bulk_create`, which sends no signals either. Both set the primary key on each
instance and mark it saved.
"""

from collections.abc import Sequence

from django.db import connections, models, router
from django.db.models.signals import post_save, pre_save

# Field classes whose get_db_prep_save returns the value as given (after pre_save) on both backends.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


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
            if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add) or isinstance(f, models.FileField)
        ]
        self.prep = [
            None if isinstance(f, _PLAIN) and not isinstance(f, models.AutoField) else f.get_db_prep_save
            for f in self.fields
        ]
        self.attnames = [f.attname for f in self.fields]
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


def _mark_saved(obj: models.Model, pk, alias: str) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = alias


def insert_many(objs: Sequence[models.Model]) -> Sequence[models.Model]:
    """INSERT new instances of one model (like bulk_create: no signals, no save()); returns them, pks set."""
    if not objs:
        return objs
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    plan = _plan(model, connection)
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


def save_new(obj: models.Model) -> models.Model:
    """`obj.save()` for a new instance of a plain model, with its pre_save / post_save signals."""
    model = type(obj)
    alias = router.db_for_write(model)
    pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
    insert_many([obj])
    post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias)
    return obj
