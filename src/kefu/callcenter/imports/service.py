"""The call-log import service (导入话单): read a file, parse it in its format, store the calls, keep the run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.callcenter.agent_states import StateRow, agent_states_store
from kefu.callcenter.imports.outcomes import outcome_table
from kefu.callcenter.imports.parsers.cdr import parse_cdr
from kefu.callcenter.imports.parsers.common import Options, decode
from kefu.callcenter.imports.parsers.mapped_csv import parse_mapped_csv, parse_mapping
from kefu.callcenter.imports.parsers.queue_log import parse_queue_log, parse_queue_log_states
from kefu.callcenter.imports.storage import BATCH_SIZE, store_calls
from kefu.callcenter.models import ImportLineError, ImportRun, Source, StateSource
from kefu.callcenter.selectors import AgentDirectory
from kefu.core.errors import PermissionDenied, ValidationError

MAX_STORED_ERRORS = 1000  # per run; the count is always exact
PARSERS = {Source.QUEUE_LOG: parse_queue_log, Source.CDR: parse_cdr, Source.CSV: parse_mapped_csv}


def import_calls(
    *,
    path: str | Path,
    fmt: str,
    by=None,
    mapping: str | dict | None = None,
    encoding: str = "auto",
    time_zone: str | None = None,
    file_name: str = "",
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
    skew_seconds: int | None = None,
    update_changed: bool = False,
) -> ImportRun:
    """Import one call-log file (导入话单); returns the run with its counts and refused lines.

    Not one transaction: a file of millions of lines is stored batch by batch, each batch in its own
    transaction, and the unique external ids make a re-run after a crash finish the job without
    duplicates. Refuses staff outside the service center, unknown formats, mappings naming unknown
    fields or missing columns, and undecodable files — before anything is stored.

    `skew_seconds` (default KEFU_CALL_SKEW_SECONDS) is the PBX clock skew tolerated and corrected;
    `update_changed` rewrites calls stored under the same ids whose lines changed (otherwise they
    are only counted as changed).
    """
    now = now or timezone.now()
    if by is not None and not (by.is_lead or by.is_superuser):
        raise PermissionDenied(_("Only supervisors and managers import call records."))
    if fmt not in PARSERS:
        raise ValidationError.for_field("format", _("Use queue_log, cdr or csv."))
    try:
        tz = ZoneInfo(time_zone or settings.TIME_ZONE)
    except (KeyError, ValueError):
        raise ValidationError.for_field(
            "timezone", _("Unknown time zone %(tz)r") % {"tz": time_zone}
        ) from None
    if skew_seconds is not None and not 0 <= skew_seconds <= 3600:
        raise ValidationError.for_field("skew_seconds", _("Give 0 to 3600 seconds."))
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError.for_field("file", str(exc)) from exc
    text = decode(data, encoding)
    options = Options(skew=-1 if skew_seconds is None else skew_seconds, outcomes=outcome_table())
    if fmt == Source.CSV:
        parsed = parse_mapped_csv(text, tz, parse_mapping(mapping), options)
    else:
        parsed = PARSERS[fmt](text, tz, options)
    run = ImportRun.objects.create(
        source=fmt, file_name=(file_name or str(path))[:500], started_at=now, by=by
    )
    stored = store_calls(
        source=fmt,
        calls=parsed.calls,
        run=run,
        now=now,
        batch_size=batch_size,
        update_changed=update_changed,
    )
    if fmt == Source.QUEUE_LOG:
        states = parse_queue_log_states(text, tz, now, options)
        run.agent_states, run.agent_states_unknown = _store_states(states.states, now)
        parsed.errors = sorted([*parsed.errors, *states.errors], key=lambda e: e.line_no)
    ImportLineError.objects.bulk_create(
        [
            ImportLineError(run=run, line_no=e.line_no, reason=e.reason[:300], raw=e.raw)
            for e in parsed.errors[:MAX_STORED_ERRORS]
        ]
    )
    run.lines, run.imported, run.duplicates = parsed.lines, stored.imported, stored.duplicates
    run.changed, run.updated, run.skewed = stored.changed, stored.updated, parsed.skewed
    run.incomplete, run.error_count, run.finished_at = parsed.incomplete, len(parsed.errors), timezone.now()
    run.save(
        update_fields=[
            "lines", "imported", "duplicates", "changed", "updated", "skewed", "incomplete", "error_count",
            "finished_at", "agent_states", "agent_states_unknown",
        ]
    )  # fmt: skip
    run.parsed_errors = parsed.errors  # every refused line, for the caller's report
    if stored.imported or stored.updated:
        from kefu.callcenter.signals import calls_imported

        arrivals = [call.arrived_at for call in parsed.calls]
        calls_imported.send(sender=ImportRun, run=run, first=min(arrivals), last=max(arrivals))
    return run


def _store_states(states, now: datetime) -> tuple[int, int]:
    """(stored, of agents Kefu does not know): a queue_log's agent state changes, by their agents'
    extensions (Agent lines), usernames or employee numbers. A member Kefu does not know (a new hire
    without an agent line, a test extension) is counted, not refused: their calls are imported all
    the same."""
    agents = AgentDirectory()
    rows, unknown = [], 0
    for state in states:
        agent_id = agents.user_id(state.agent)
        if agent_id is None:
            unknown += 1
            continue
        rows.append(StateRow(state.external_id, agent_id, state.state, state.at, state.reason))
    return agent_states_store(source=StateSource.QUEUE_LOG, states=rows, now=now), unknown
