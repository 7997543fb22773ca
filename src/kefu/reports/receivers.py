"""Records arriving make their days' rollups stale (call imports: one signal per file; every call saved
by the CTI link; agents' state changes, one by one or a batch per import) and tell the open wallboards to refresh (calls, chats, agents' states: one by one
from the CTI link and the chat console, in batches from imports)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kefu.callcenter.agent_states import changed_until
from kefu.callcenter.models import AgentStateEvent, CallRecord
from kefu.callcenter.signals import agent_states_stored, calls_imported
from kefu.core.models import BusinessCalendar, CalendarOverride, Shift
from kefu.intake.chat.models import ChatSession
from kefu.reports import rollups, wallboard

CALLS = "calls"  # the calls family (kefu.reports.metrics.calls)
AGENT_TIME = "agent_time"  # agent time (kefu.reports.metrics.agents)


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
    """An agent's state changed (CTI link, chat console, by hand): the board's agents by state, and
    the days of agent time it changes are stale (the worker's minute sweep rebuilds them)."""
    if raw:
        return
    if rollups.enabled():
        until = changed_until({instance.agent_id: instance.at})
        rollups.mark_stale(AGENT_TIME, first=instance.at, last=until)
    wallboard.changed()


@receiver(agent_states_stored, dispatch_uid="kefu.reports.wallboard_after_agent_states")
def after_agent_states(sender, first=None, last=None, **kwargs):
    """A batch of state changes imported (queue_log member events): the days it changed are stale."""
    if first is not None:
        rollups.arrived(AGENT_TIME, first=first, last=last)
    wallboard.changed()


def calendar_changed(sender, raw: bool = False, **kwargs):
    """A business calendar, shift or override changed: paid time (utilisation) follows the default
    calendar's working time, so every built day of agent time is stale."""
    if not raw and rollups.enabled():
        rollups.mark_stale(AGENT_TIME, first=None, last=None)


for model in (BusinessCalendar, Shift, CalendarOverride):
    post_save.connect(
        calendar_changed, sender=model, dispatch_uid=f"kefu.reports.rollups_{model.__name__}_saved"
    )
    post_delete.connect(
        calendar_changed, sender=model, dispatch_uid=f"kefu.reports.rollups_{model.__name__}_deleted"
    )
