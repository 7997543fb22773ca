"""Records arriving make their days' rollups stale (call imports: one signal per file; every call saved
by the CTI link) and tell the open wallboards to refresh (calls, chats, agents' states: one by one
from the CTI link and the chat console, in batches from imports)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from kefu.callcenter.models import AgentStateEvent, CallRecord
from kefu.callcenter.signals import agent_states_stored, calls_imported
from kefu.intake.chat.models import ChatSession
from kefu.reports import rollups, wallboard

CALLS = "calls"  # the calls family (kefu.reports.metrics.calls)


@receiver(calls_imported, dispatch_uid="kefu.reports.rollups_after_import")
def after_import(sender, run=None, first=None, last=None, **kwargs):
    if first is not None and last is not None:
        rollups.arrived(CALLS, first=first, last=last)
    wallboard.changed()


@receiver(post_save, sender=CallRecord, dispatch_uid="kefu.reports.rollups_after_call")
def after_call(sender, instance: CallRecord, raw: bool = False, **kwargs):
    """A CTI event: the day is stale; the worker's minute sweep rebuilds it (not one job per event)."""
    if raw:
        return
    if rollups.enabled():
        rollups.mark_stale(CALLS, first=instance.arrived_at, last=instance.arrived_at)
    wallboard.changed()


@receiver(post_save, sender=ChatSession, dispatch_uid="kefu.reports.wallboard_after_chat")
def after_chat(sender, instance: ChatSession, raw: bool = False, **kwargs):
    if not raw:
        wallboard.changed()


@receiver(post_save, sender=AgentStateEvent, dispatch_uid="kefu.reports.wallboard_after_agent_state")
def after_agent_state(sender, instance: AgentStateEvent, raw: bool = False, **kwargs):
    """An agent's state changed (CTI link, chat console, by hand): the board's agents by state."""
    if not raw:
        wallboard.changed()


@receiver(agent_states_stored, dispatch_uid="kefu.reports.wallboard_after_agent_states")
def after_agent_states(sender, **kwargs):
    """A batch of state changes imported (queue_log member events)."""
    wallboard.changed()
