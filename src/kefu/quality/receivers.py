"""What quality inspection does when other apps report (registered in QualityConfig.ready): a call
record links the transcripts waiting for it; a chat that ends and an email work order that is
resolved become transcripts, after the ending commits; a transcript ready is inspected in the worker."""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from kefu.callcenter.models import CallRecord
from kefu.callcenter.signals import calls_imported
from kefu.intake.chat.models import ChatSession
from kefu.quality.signals import transcript_ready
from kefu.tickets.models import TicketEvent
from kefu.tickets.signals import events_recorded

log = logging.getLogger(__name__)


@receiver(post_save, sender=CallRecord, dispatch_uid="kefu.quality.link_call")
def on_call_saved(sender, instance: CallRecord, raw: bool = False, **kwargs):
    """A CTI call (created at ringing, completed at hang-up) links and fills its transcripts."""
    if raw:
        return
    from kefu.quality.services.transcripts import transcripts_link_call

    transcripts_link_call(call=instance)


@receiver(calls_imported, dispatch_uid="kefu.quality.link_imported_calls")
def on_calls_imported(sender, run=None, **kwargs):
    """Imported calls are written by plain INSERTs (no post_save): look for the waiting transcripts."""
    from kefu.quality.services.transcripts import transcripts_link_waiting

    transcripts_link_waiting()


def _chat_ended(session_id: int) -> None:
    from kefu.quality.services.transcripts import transcript_from_chat

    session = ChatSession.objects.filter(pk=session_id).select_related("ticket", "skill").first()
    if session is not None:
        transcript_from_chat(session=session)


@receiver(post_save, sender=ChatSession, dispatch_uid="kefu.quality.chat_ended")
def on_chat_saved(sender, instance: ChatSession, raw: bool = False, update_fields=None, **kwargs):
    """A chat that ended becomes a transcript once the ending (and its last system line) commits."""
    if raw or instance.ended_at is None or instance.state != ChatSession.State.ENDED:
        return
    if update_fields is not None and "ended_at" not in update_fields:
        return
    session_id = instance.pk
    transaction.on_commit(lambda: _chat_ended(session_id))


def _mail_resolved(ticket_id: int, resolved_at) -> None:
    from kefu.quality.services.transcripts import transcript_from_mail
    from kefu.tickets.models import Ticket

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is not None:
        transcript_from_mail(ticket=ticket, resolved_at=resolved_at)


@receiver(events_recorded, dispatch_uid="kefu.quality.mail_resolved")
def on_events(sender, events: list[TicketEvent], **kwargs):
    """An email work order resolved: its thread becomes a transcript after the resolution commits."""
    for event in events:
        if event.kind == TicketEvent.Kind.TRANSITION and event.action == "resolve":
            if event.ticket.channel != "email":
                continue
            ticket_id, at = event.ticket_id, event.created_at
            transaction.on_commit(lambda ticket_id=ticket_id, at=at: _mail_resolved(ticket_id, at))


@receiver(transcript_ready, dispatch_uid="kefu.quality.inspect_on_ready")
def on_transcript_ready(sender, transcript, **kwargs):
    """Enqueue the inspection once the transcript is committed (at once when the sender already
    waited for the commit, as it should)."""
    from kefu.quality.tasks import inspect_conversation

    transcript_id = transcript.pk
    transaction.on_commit(lambda: inspect_conversation(transcript_id))
