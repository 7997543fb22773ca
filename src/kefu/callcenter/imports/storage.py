"""Storing parsed calls: plain INSERT ... ON CONFLICT DO NOTHING in batches, one transaction each.

The unique (source, external id) is the idempotence: importing a file again, or a file overlapping
the last one, adds nothing the second time, and a re-run after a crash finishes the job. The
database-specific halves (COPY, the datetime adapter, parallel writers) are in kefu.core.rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from kefu.callcenter.imports.parsers.common import ParsedCall
from kefu.callcenter.models import CallRecord, ImportRun
from kefu.callcenter.selectors import AgentDirectory
from kefu.core import rows
from kefu.customers.models import CustomerPhone
from kefu.customers.phones import phone_key

BATCH_SIZE = 5000

# The columns `store_calls` writes, in order (attribute names of CallRecord).
STORED_FIELDS = (
    "source", "external_id", "queue", "caller_number", "called_number", "direction", "arrived_at",
    "answered_at", "ended_at", "agent_id", "agent_code", "outcome", "wait_seconds", "talk_seconds",
    "wrapup_seconds", "wrapup_code", "customer_id", "recording_url", "import_run_id", "created_at",
    "queued", "queued_at", "hold_seconds",
)  # fmt: skip


def insert_sql(connection, source_table: str = "", on_conflict: str = "nothing") -> str:
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
    if on_conflict == "nothing":
        return f"INSERT INTO {table} ({columns}) {values} ON CONFLICT DO NOTHING"
    return (
        f"INSERT INTO {table} ({columns}) {values} {_on_changed(connection, table, column_of, on_conflict)}"
    )


# What a file says about a call (attribute names of CallRecord): a stored call whose values differ
# under the same id is a changed line. The agent and the customer are looked up, not compared.
COMPARED = (
    "queue", "caller_number", "called_number", "direction", "arrived_at", "answered_at", "ended_at",
    "agent_code", "outcome", "wait_seconds", "talk_seconds", "wrapup_seconds", "wrapup_code",
    "recording_url", "hold_seconds",
)  # fmt: skip
QUEUE_FACT = ("queued", "queued_at")


def _on_changed(connection, table: str, column_of: dict, mode: str) -> str:
    """The upsert clause that touches only the stored calls whose values differ, so its row count is
    the changed calls: `count` rewrites nothing (sets a column to itself), `update` writes the file's
    values and looks the customer up again only when the caller's number changed."""
    q = connection.ops.quote_name

    def differs(name: str) -> str:  # NULL-safe on both databases (IS DISTINCT FROM: SQLite 3.39+ only)
        old, new = f"{table}.{q(column_of[name])}", f"excluded.{q(column_of[name])}"
        return f"NOT COALESCE({old} = {new}, {old} IS NULL AND {new} IS NULL)"

    # Calls imported before the queue fact was kept (queued unknown) are compared without it.
    where = " OR ".join(
        [
            *map(differs, COMPARED),
            f"({table}.{q('queued')} IS NOT NULL AND ({' OR '.join(map(differs, QUEUE_FACT))}))",
        ]
    )
    if mode == "count":
        first = q(column_of["queue"])
        sets = f"{first} = {table}.{first}"
    else:
        caller, customer = q(column_of["caller_number"]), q(column_of["customer_id"])
        sets = ", ".join(
            [
                *(
                    f"{q(column_of[n])} = excluded.{q(column_of[n])}"
                    for n in (*COMPARED, *QUEUE_FACT, "agent_id")
                ),
                f"{customer} = CASE WHEN {table}.{caller} = excluded.{caller} THEN {table}.{customer} "
                f"ELSE excluded.{customer} END",
            ]
        )
    key = ", ".join(q(column_of[n]) for n in ("source", "external_id"))
    return f"ON CONFLICT ({key}) DO UPDATE SET {sets} WHERE {where}"


def insert_calls(connection, values: list[tuple], on_conflict: str = "nothing") -> int:
    """Insert rows of STORED_FIELDS; returns how many were written. `nothing`: stored ones are skipped
    (the count is the new ones); `count` / `update`: the count is the stored ones that differ, which
    `update` rewrites (see _on_changed)."""
    meta = CallRecord._meta
    column_of = {f.attname: f.column for f in meta.concrete_fields}
    return rows.insert_new_rows(
        connection,
        table=meta.db_table,
        columns=[column_of[name] for name in STORED_FIELDS],
        rows=values,
        row_sql=insert_sql(connection, on_conflict=on_conflict),
        set_sql=lambda staging: insert_sql(connection, staging, on_conflict),
    )


#: PostgreSQL: batches stored by this many connections at once (each its own server process).
PG_WRITERS = 2


@dataclass
class Stored:
    """What storing a file's calls did."""

    imported: int = 0
    duplicates: int = 0  # already stored as they are
    changed: int = 0  # stored under the same id with other values
    updated: int = 0  # of the changed, rewritten (update_changed)


def store_calls(
    *,
    source: str,
    calls: list[ParsedCall],
    run: ImportRun | None,
    now: datetime,
    batch_size: int = BATCH_SIZE,
    writers: int | None = None,
    update_changed: bool = False,
) -> Stored:
    """Insert the calls not stored yet, one transaction per batch; counts those already stored as
    duplicates, or as changed when the file now says something else under their id (and with
    `update_changed` rewrites them, keeping their work-order link).

    Plain INSERTs of value tuples rather than bulk_create: the ORM's per-field preparation cost ten
    times the insert itself (bench/calls.py); the values were checked by the parsers. Stored calls
    are only compared (by a second statement) for a batch where some were already there, so a new
    file costs nothing more.

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
    result = Stored()

    def batches():
        for start in range(0, len(calls), batch_size):
            batch = []
            for call in calls[start : start + batch_size]:
                if call.external_id in seen:
                    result.duplicates += 1  # the same call twice in one file
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
                    None if staged else _lookup_number(phone),
                    c.recording,
                    run_id,
                    created,
                    c.queued,
                    dt(c.queued_at),
                    c.hold,
                )  # fmt: skip
                for c, phone in ((c, _phone(c.caller)) for c in batch)
            ]
            if values:
                yield batch, values

    def store(batch, values) -> tuple[int, int, int, int]:
        """(rows, added, changed, updated) of one batch."""
        from django.db import connection  # this thread's own

        changed = updated = 0
        with transaction.atomic():
            added = insert_calls(connection, values)  # conflicts (already stored) add 0
            if added is None or added < 0:  # a driver that cannot tell: count what the batch left behind
                added = _count_new(source, [c.external_id for c in batch], run_id)
            if added < len(values):  # some were there: which of them differ (rows just added do not)
                changed = max(
                    0, insert_calls(connection, values, "update" if update_changed else "count") or 0
                )
                updated = changed if update_changed else 0
        return len(values), added, changed, updated

    writers = PG_WRITERS if writers is None else writers
    parallel = (
        rows.writes_in_parallel(connection)
        and writers > 1
        and not connection.in_atomic_block
        and len(calls) > batch_size
    )
    done = _in_threads(store, batches(), writers) if parallel else (store(*item) for item in batches())
    for count, added, changed, updated in done:
        result.imported += added
        result.changed += changed
        result.updated += updated
        result.duplicates += count - added - changed
    return result


def _in_threads(store, batches, writers: int):
    """Run store(batch, rows) on `writers` threads, each with its own database connection; yields
    what it returns per batch. The first failure stops the others and is raised here."""
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
                        done.put((store(*item), None))
                    except BaseException as exc:  # handed to the caller's thread
                        failed.set()
                        done.put((None, exc))
        finally:
            connections.close_all()

    def results():
        while not done.empty():
            result, exc = done.get()
            if exc is not None:
                raise exc
            yield result

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
    """The stored form of a valid caller number; else the caller id as the PBX wrote it (an extension,
    `anonymous`), which no customer's number equals (customers keep only valid numbers)."""
    return phone_key(raw) or (raw or "").strip()[:40]


def _lookup_number(phone: str) -> str | None:
    """The number to find the customer by: only a valid one."""
    return phone if phone and phone_key(phone) == phone else None
