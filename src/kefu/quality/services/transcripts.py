"""Transcripts (对话文本) arrive: speech-recognition results of calls, chats as they end, mail threads
as their work orders are resolved. Every new transcript sends `transcript_ready` after commit.

- `transcript_ingest` stores one speech-recognition item (kefu.quality.asr reads and checks it);
  `transcripts_ingest` a whole document (API body or file), each item on its own, so a bad item
  never costs a good one. A transcript sent twice lands once (source_key `phone:<call id>`).
- A call id Kefu does not know yet is kept; `transcripts_link_call` links it when the call record
  arrives (CTI: post_save; imports: kefu.callcenter.signals.calls_imported) and fills agent,
  customer, queue and recording from the call.
- `transcript_from_chat` and `transcript_from_mail` turn a finished chat and a resolved email work
  order into transcripts (kefu.quality.receivers calls them after the ending commits).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import FieldCode, FieldError, PermissionDenied
from kefu.quality import asr
from kefu.quality.models import Channel, Transcript
from kefu.quality.permissions import can_ingest_transcripts
from kefu.quality.signals import transcript_ready

log = logging.getLogger(__name__)

#: Transcripts whose call has not arrived are looked for by each call import this long.
WAITING_FOR_CALL = timedelta(days=90)
#: A transcript's call arrived within this of the transcript's start (clocks of PBX and ASR differ).
CALL_WINDOW = timedelta(days=1)


def _announce(transcript: Transcript) -> None:
    """transcript_ready once the transcript is committed (inspection reads it from the database)."""
    transaction.on_commit(lambda: transcript_ready.send(sender=Transcript, transcript=transcript))


# --- speech recognition -----------------------------------------------------------------------------


@dataclass
class IngestOutcome:
    """What happened to one item: created, existing (sent before) or error, with the details."""

    status: str
    index: int = 0
    line: int | None = None
    call_id: str = ""
    transcript: Transcript | None = None
    dropped: int = 0
    sorted: bool = False
    overlaps: int = 0
    linked: bool = False
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, list[FieldError]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = {"index": self.index, "status": self.status, "call_id": self.call_id}
        if self.line is not None:
            data["line"] = self.line
        if self.transcript is not None:
            data["id"] = self.transcript.pk
        if self.status == "created":
            data.update(dropped=self.dropped, sorted=self.sorted, overlaps=self.overlaps, linked=self.linked)
        if self.warnings:
            data["warnings"] = self.warnings
        if self.errors:
            data["errors"] = {k: [str(m) for m in v] for k, v in self.errors.items()}
            data["details"] = [
                {"field": k, "code": getattr(m, "code", FieldCode.INVALID.value), "message": str(m)}
                for k, v in self.errors.items()
                for m in v
            ]
        return data


def phone_source_key(call_id: str) -> str:
    return f"phone:{call_id}"


def find_call(call_id: str, *, around: datetime | None = None):
    """The call record a speech-recognition result names: its external id, whatever the source; the
    exact id through the (source, external_id) index. An Asterisk queue_log call is stored per queue
    visit as `<uniqueid>|<queue>`: those are found by prefix among the calls that arrived within a
    day of `around` (the arrival index; a prefix is no index range under every collation). The
    exact id wins, then an answered visit."""
    from kefu.callcenter.models import CallRecord, Source

    if not call_id:
        return None
    exact = (
        CallRecord.objects.filter(source__in=list(Source.values), external_id=call_id).order_by("pk").first()
    )
    if exact is not None:
        return exact
    visits = CallRecord.objects.filter(external_id__startswith=f"{call_id}|")
    if around is not None:
        visits = visits.filter(arrived_at__gte=around - CALL_WINDOW, arrived_at__lte=around + CALL_WINDOW)
    rows = list(visits.order_by("pk")[:20])
    answered = [c for c in rows if c.answered_at is not None]
    return (answered or rows or [None])[0]


def _fill_from_call(transcript: Transcript, call) -> list[str]:
    """Link `call` and fill what the transcript lacks from it; returns the fields changed."""
    changed = []
    if transcript.call_id != call.pk:
        transcript.call = call
        changed.append("call")
    for name in ("agent_id", "customer_id", "ticket_id"):
        if getattr(transcript, name) is None and getattr(call, name) is not None:
            setattr(transcript, name, getattr(call, name))
            changed.append(name.removesuffix("_id"))
    for name in ("queue", "recording_url"):
        if not getattr(transcript, name) and getattr(call, name):
            setattr(transcript, name, getattr(call, name))
            changed.append(name)
    if transcript.ended_at is None and call.ended_at is not None:
        transcript.ended_at = call.ended_at
        changed.append("ended_at")
    return changed


def transcript_ingest(
    *, data, by, agent_channel: int | str = 0, index: int = 0, line: int | None = None
) -> IngestOutcome:
    """Store one speech-recognition item (any format kefu.quality.asr reads) as a phone transcript.

    Never raises for bad input: the outcome says `error` with every bad field named, or `existing`
    when the call's transcript was stored before (nothing changes then). A call Kefu does not know
    yet is kept unlinked (a warning says so) and linked when the call arrives; an unknown agent is
    left empty (a warning) and filled from the call. Refuses (PermissionDenied) staff who may not
    send transcripts; `by=None` is the system (the CLI).
    """
    if by is not None and not can_ingest_transcripts(by):
        raise PermissionDenied(_("Only supervisors, managers and QA inspectors send transcripts."))
    outcome = IngestOutcome(status="error", index=index, line=line)
    try:
        item = asr.normalize(data, agent_channel=agent_channel)
    except asr.ItemInvalid as exc:
        outcome.errors = exc.errors
        if isinstance(data, dict) and isinstance(data.get("call_id"), (str, int)):
            outcome.call_id = str(data["call_id"])[:150]
        return outcome
    outcome.call_id = item.call_id
    key = phone_source_key(item.call_id)
    existing = Transcript.objects.filter(source_key=key).first()
    if existing is not None:
        outcome.status, outcome.transcript = "existing", existing
        return outcome
    call = find_call(item.call_id, around=item.started_at)
    started_at = item.started_at or (call and (call.answered_at or call.arrived_at))
    if started_at is None:
        outcome.errors = {
            "started_at": [
                FieldError(_("Required while Kefu does not know the call yet."), FieldCode.REQUIRED)
            ]
        }
        return outcome
    agent = None
    if item.agent:
        from kefu.callcenter.selectors import agent_for

        agent = agent_for(item.agent)
        if agent is None:
            outcome.warnings.append(
                _("agent: no active staff member has the username or extension %(agent)r; left empty.")
                % {"agent": item.agent}
            )
    if call is None:
        outcome.warnings.append(
            _("call_id: Kefu does not know this call yet; the transcript is linked when it arrives.")
        )
    transcript = Transcript(
        channel=Channel.PHONE,
        source_key=key,
        sentences=item.sentences,
        call_external_id=item.call_id,
        agent=agent,
        queue=item.queue,
        recording_url=item.recording_url,
        vendor=item.format,
        started_at=started_at,
    )
    if call is not None:
        _fill_from_call(transcript, call)
    try:
        with transaction.atomic():
            transcript.save()
            _announce(transcript)
    except IntegrityError:  # the same call's transcript stored by another request meanwhile
        outcome.status = "existing"
        outcome.transcript = Transcript.objects.get(source_key=key)
        return outcome
    outcome.status, outcome.transcript, outcome.linked = "created", transcript, call is not None
    outcome.dropped, outcome.sorted, outcome.overlaps = item.dropped, item.sorted, item.overlaps
    return outcome


def transcripts_ingest(*, text: str, by, agent_channel: int | str = 0) -> list[IngestOutcome]:
    """Every item of a document (one object, an array, or JSON lines), each stored on its own.

    A line that is not JSON is an error outcome naming its line and column; the other lines are
    stored. Refuses (PermissionDenied) staff who may not send transcripts, before reading.
    """
    if by is not None and not can_ingest_transcripts(by):
        raise PermissionDenied(_("Only supervisors, managers and QA inspectors send transcripts."))
    outcomes = []
    for entry in asr.read_document(text):
        if entry.error:
            name = "line" if entry.line is not None else "body"
            outcome = IngestOutcome(
                status="error",
                index=entry.index,
                line=entry.line,
                errors={name: [FieldError(entry.error, FieldCode.WRONG_TYPE)]},
            )
        else:
            outcome = transcript_ingest(
                data=entry.data, by=by, agent_channel=agent_channel, index=entry.index, line=entry.line
            )
        outcomes.append(outcome)
    return outcomes


def transcripts_link_call(*, call) -> int:
    """Link the transcripts waiting for `call` (by its external id) and fill what they lack from it;
    also fills transcripts already linked to it when the call has learnt more (a CTI hang-up adds
    the agent and the recording). Returns how many transcripts changed."""
    ids = {call.external_id}
    if "|" in call.external_id:  # queue_log: <uniqueid>|<queue>
        ids.add(call.external_id.split("|", 1)[0])
    waiting = Transcript.objects.filter(
        Q(channel=Channel.PHONE, call__isnull=True, call_external_id__in=ids) | Q(call=call)
    )
    count = 0
    for transcript in waiting:
        changed = _fill_from_call(transcript, call)
        if changed:
            transcript.save(update_fields=changed)
            count += 1
    return count


def transcripts_link_waiting(*, now: datetime | None = None) -> int:
    """After a call import: link every transcript still waiting for its call (received within
    WAITING_FOR_CALL). Returns how many were linked."""
    now = now or timezone.now()
    waiting = Transcript.objects.filter(
        channel=Channel.PHONE, call__isnull=True, created_at__gte=now - WAITING_FOR_CALL
    ).exclude(call_external_id="")
    linked = 0
    for transcript in waiting.iterator():
        call = find_call(transcript.call_external_id, around=transcript.started_at)
        if call is not None:
            with transaction.atomic():
                linked += bool(transcripts_link_call(call=call))
    return linked


# --- chats and mails ---------------------------------------------------------------------------------


def _ms_since(start: datetime, moment: datetime) -> int:
    return max(0, int((moment - start).total_seconds() * 1000))


@transaction.atomic
def transcript_from_chat(*, session) -> Transcript | None:
    """The transcript of a finished chat: its lines but the internal ones (agent notes, transfers),
    as agent / customer / system sentences timed in ms since the customer's request (chat lines
    have no duration: end_ms is empty). None for a chat no agent took or with nothing said. Once
    per chat (source_key `chat:<id>`)."""
    from kefu.intake.chat.models import ChatSession

    if session.state != ChatSession.State.ENDED or session.agent_id is None:
        return None
    key = f"chat:{session.pk}"
    existing = Transcript.objects.filter(source_key=key).first()
    if existing is not None:
        return existing
    start = session.requested_at
    sentences = []
    for line in session.lines.filter(internal=False).select_related("agent").order_by("created_at", "id"):
        text = (line.text or "").strip()
        if not text:
            continue
        if line.sender == "agent":
            speaker = str(line.agent or session.agent)
        elif line.sender == "customer":
            speaker = session.customer_name
        else:
            speaker = ""
        sentences.append(
            {
                "role": line.sender if line.sender in asr.ROLES else "system",
                "speaker": speaker[:80],
                "text": text,
                "start_ms": _ms_since(start, line.created_at),
                "end_ms": None,
            }
        )
    if not any(s["role"] != "system" for s in sentences):
        return None
    ticket = session.ticket
    transcript = Transcript.objects.create(
        channel=Channel.CHAT,
        source_key=key,
        sentences=sentences,
        chat_session=session,
        ticket=ticket,
        agent_id=session.agent_id,
        customer_id=ticket.customer_id if ticket else None,
        queue=(session.skill.name if session.skill_id else "")[:80],
        started_at=start,
        ended_at=session.ended_at,
    )
    _announce(transcript)
    return transcript


@transaction.atomic
def transcript_from_mail(*, ticket, resolved_at: datetime | None = None) -> Transcript | None:
    """The transcript of an email work order at its resolution: the customer's mails and the
    agents' replies, oldest first, each without the quoted history (as intake strips it), timed in
    ms since the first, and last the reply given at the resolution (its notice is sent after this
    commits). The agent is the first-contact owner, else the author of the first reply.
    A work order resolved again after more mail gets a new transcript of the whole thread
    (source_key `email:<work order>:<last message>`); resolved again with nothing new, none."""
    from kefu.intake.email.parser import strip_quoted
    from kefu.tickets.models import Channel as TicketChannel
    from kefu.tickets.models import Message

    if ticket.channel != TicketChannel.EMAIL:
        return None
    messages = list(
        ticket.messages.exclude(delivery=Message.Delivery.FAILED)
        .select_related("author")
        .order_by("created_at", "id")
    )
    if not messages:
        return None
    key = f"email:{ticket.pk}:{messages[-1].pk}"
    existing = Transcript.objects.filter(source_key=key).first()
    if existing is not None:
        return existing
    start = messages[0].created_at
    sentences, first_author = [], None
    for message in messages:
        text = strip_quoted(message.body_text or "").strip()
        if not text:
            continue
        inbound = message.direction == Message.Direction.INBOUND
        if not inbound and first_author is None and message.author_id:
            first_author = message.author
        speaker = message.author_name or (str(message.author) if message.author else message.address)
        sentences.append(
            {
                # A reply nobody wrote (an automatic acknowledgement) is the system's.
                "role": "customer" if inbound else ("agent" if message.author_id else "system"),
                "speaker": (speaker or "")[:80],
                "text": text,
                "start_ms": _ms_since(start, message.created_at),
                "end_ms": None,
            }
        )
    # The reply given at the resolution reaches the customer as a notice the worker sends after
    # this commits; it is what the agent told the customer, so it is the thread's last word.
    reply = (ticket.customer_reply or "").strip()
    if reply and not any(s["role"] == "agent" and reply in s["text"] for s in sentences):
        resolved = resolved_at or ticket.resolved_at or messages[-1].created_at
        sentences.append(
            {
                "role": "agent",
                "speaker": str(ticket.owner or first_author or "")[:80],
                "text": reply,
                "start_ms": _ms_since(start, max(resolved, messages[-1].created_at)),
                "end_ms": None,
            }
        )
    if not sentences:
        return None
    transcript = Transcript.objects.create(
        channel=Channel.EMAIL,
        source_key=key,
        sentences=sentences,
        ticket=ticket,
        agent_id=ticket.owner_id or (first_author.pk if first_author else None),
        customer_id=ticket.customer_id,
        queue=(ticket.group.name if ticket.group_id else "")[:80],
        started_at=start,
        ended_at=messages[-1].created_at,
    )
    _announce(transcript)
    return transcript
