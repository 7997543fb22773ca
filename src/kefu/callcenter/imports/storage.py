"""Storing parsed calls: plain INSERT ... ON CONFLICT DO NOTHING in batches, one transaction each.

The unique (source, external id) is the idempotence: importing a file again, or a file overlapping
the last one, adds nothing the second time, and a re-run after a crash finishes the job. The
database-specific halves (COPY, the datetime adapter, parallel writers) are in kefu.core.rows.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from kefu.callcenter.imports.parsers.common import ParsedCall
from kefu.callcenter.models import CallRecord, ImportRun
from kefu.callcenter.selectors import AgentDirectory
from kefu.core import rows
from kefu.customers.models import CustomerPhone, normalize_phone

BATCH_SIZE = 5000

# The columns `store_calls` writes, in order (attribute names of CallRecord).
STORED_FIELDS = (
    "source", "external_id", "queue", "caller_number", "called_number", "direction", "arrived_at",
    "answered_at", "ended_at", "agent_id", "agent_code", "outcome", "wait_seconds", "talk_seconds",
    "wrapup_seconds", "wrapup_code", "customer_id", "recording_url", "import_run_id", "created_at",
)  # fmt: skip


def insert_sql(connection, source_table: str = "") -> str:
    """The INSERT of STORED_FIELDS: the row form (values as parameters), or the set form from `source_table`."""
    meta = CallRecord._meta
    table = connection.ops.quote_name(meta.db_table)
    column_of = {f.attname: f.column for f in meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(column_of[name]) for name in STORED_FIELDS)
    # The customer is found by phone inside the INSERT (the oldest holder of the number, as
    # kefu.customers' look-up picks): an index probe per row instead of look-up queries from Python.
    # The row's customer_id value is the caller's number (SQLite) / the staged caller_number (PostgreSQL).
    phone = CustomerPhone._meta
    q = connection.ops.quote_name
    number = f"s.{q(column_of['caller_number'])}" if source_table else "%s"
    # SQLite: MIN over the few rows of that number (no sort); "+ 0" keeps the planner from walking
    # the (customer, number) index in order hoping to meet the number.
    lookup = (
        f"(SELECT MIN(p.{q(phone.get_field('customer').column)} + 0) FROM {q(phone.db_table)} p "
        f"WHERE p.{q(phone.get_field('number').column)} = {number})"
    )
    if source_table:
        # PostgreSQL: one hash join with the holders of the batch's numbers (the oldest per number)
        # instead of an index probe per row.
        number_col, customer_col = q(phone.get_field("number").column), q(phone.get_field("customer").column)
        picked = ", ".join(
            f"h.{customer_col}" if name == "customer_id" else f"s.{q(column_of[name])}"
            for name in STORED_FIELDS
        )
        holders = (
            f"SELECT DISTINCT ON ({number_col}) {number_col}, {customer_col} FROM {q(phone.db_table)} "
            f"WHERE {number_col} IN (SELECT {q(column_of['caller_number'])} FROM {source_table}) "
            f"ORDER BY {number_col}, {customer_col}"
        )
        values = (
            f"SELECT {picked} FROM {source_table} s LEFT JOIN ({holders}) h "
            f"ON h.{number_col} = s.{q(column_of['caller_number'])}"
        )
    else:
        values = (
            "VALUES (" + ", ".join(lookup if name == "customer_id" else "%s" for name in STORED_FIELDS) + ")"
        )
    # ON CONFLICT DO NOTHING (SQLite 3.24+, PostgreSQL) is the idempotence: a call already stored — by
    # the last import of this file, or by another import running now — is skipped, not duplicated.
    return f"INSERT INTO {table} ({columns}) {values} ON CONFLICT DO NOTHING"


def insert_calls(connection, values: list[tuple]) -> int:
    """Insert rows of STORED_FIELDS, skipping stored ones; returns how many were new."""
    meta = CallRecord._meta
    column_of = {f.attname: f.column for f in meta.concrete_fields}
    return rows.insert_new_rows(
        connection,
        table=meta.db_table,
        columns=[column_of[name] for name in STORED_FIELDS],
        rows=values,
        row_sql=insert_sql(connection),
        set_sql=lambda staging: insert_sql(connection, staging),
    )


#: PostgreSQL: batches stored by this many connections at once (each its own server process).
PG_WRITERS = 2


def store_calls(
    *,
    source: str,
    calls: list[ParsedCall],
    run: ImportRun | None,
    now: datetime,
    batch_size: int = BATCH_SIZE,
    writers: int | None = None,
) -> tuple[int, int]:
    """Insert the calls not stored yet, one transaction per batch; returns (inserted, already there).

    Plain INSERTs of value tuples rather than bulk_create: the ORM's per-field preparation cost ten
    times the insert itself (bench/calls.py); the values were checked by the parsers.

    On PostgreSQL the server's share (the indexes, the customer look-up, the foreign-key checks)
    is most of the time, so `writers` connections (PG_WRITERS) store batches side by side, each
    batch still its own transaction; only outside a caller's transaction (whose rows the other
    connections could not see), and never on SQLite (one writer at a time).
    """
    from django.db import connection

    agents = AgentDirectory()
    dt = rows.adapt_datetimes(connection)
    run_id = run.pk if run is not None else None
    created = dt(now)
    staged = rows.stages_rows(connection)  # customers: see insert_sql
    agent_of = agents.user_id
    seen: set[str] = set()
    duplicates = 0

    def batches():
        nonlocal duplicates
        for start in range(0, len(calls), batch_size):
            batch = []
            for call in calls[start : start + batch_size]:
                if call.external_id in seen:
                    duplicates += 1  # the same call twice in one file
                    continue
                seen.add(call.external_id)
                batch.append(call)
            values = [
                (
                    source,
                    c.external_id,
                    c.queue,
                    phone,
                    c.called,
                    c.direction,
                    dt(c.arrived_at),
                    dt(c.answered_at),
                    dt(c.ended_at),
                    agent_of(c.agent) if c.agent else None,
                    c.agent[:80],
                    c.outcome,
                    c.wait,
                    c.talk,
                    c.wrapup,
                    c.wrapup_code,
                    None if staged else phone,
                    c.recording,
                    run_id,
                    created,
                )  # fmt: skip
                for c, phone in ((c, _phone(c.caller)) for c in batch)
            ]
            if values:
                yield batch, values

    def store(batch, values) -> int:
        from django.db import connection  # this thread's own

        with transaction.atomic():
            added = insert_calls(connection, values)  # conflicts (already stored) add 0
            if added is None or added < 0:  # a driver that cannot tell: count what the batch left behind
                added = _count_new(source, [c.external_id for c in batch], run_id)
        return added

    writers = PG_WRITERS if writers is None else writers
    parallel = (
        rows.writes_in_parallel(connection)
        and writers > 1
        and not connection.in_atomic_block
        and len(calls) > batch_size
    )
    stored = rows_total = 0
    if not parallel:
        for batch, values in batches():
            stored += store(batch, values)
            rows_total += len(values)
        return stored, duplicates + rows_total - stored
    for added, count in _in_threads(store, batches(), writers):
        stored += added
        rows_total += count
    return stored, duplicates + rows_total - stored


def _in_threads(store, batches, writers: int):
    """Run store(batch, rows) on `writers` threads, each with its own database connection; yields
    (added, rows) per batch. The first failure stops the others and is raised here."""
    import queue
    import threading

    from django.db import connections

    todo: queue.Queue = queue.Queue(maxsize=writers)
    done: queue.Queue = queue.Queue()
    failed = threading.Event()

    def work():
        try:
            while (item := todo.get()) is not None:
                if not failed.is_set():
                    try:
                        done.put((store(*item), len(item[1]), None))
                    except BaseException as exc:  # handed to the caller's thread
                        failed.set()
                        done.put((0, 0, exc))
        finally:
            connections.close_all()

    def results():
        while not done.empty():
            added, count, exc = done.get()
            if exc is not None:
                raise exc
            yield added, count

    threads = [threading.Thread(target=work, name=f"call-import-{n}", daemon=True) for n in range(writers)]
    for thread in threads:
        thread.start()
    try:
        for item in batches:
            if failed.is_set():
                break
            todo.put(item)
            yield from results()
    finally:
        for _thread in threads:
            todo.put(None)
        for thread in threads:
            thread.join()
    yield from results()


def _count_new(source: str, keys: list[str], run_id) -> int:
    return sum(
        CallRecord.objects.filter(
            source=source, external_id__in=keys[i : i + 900], import_run_id=run_id
        ).count()
        for i in range(0, len(keys), 900)
    )


def _phone(raw: str) -> str:
    if raw.isdigit() and not raw.startswith("86") and not raw.startswith("0086"):
        return raw[:40]  # already normalized: the common case in PBX logs
    return normalize_phone(raw)[:40]
