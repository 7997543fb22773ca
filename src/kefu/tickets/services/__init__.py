"""Every write on work orders. Views, the API, tasks and the CLI call these functions."""

from kefu.tickets.services.bulk import tickets_transition_bulk
from kefu.tickets.services.dispatch import dispatch_reply, dispatch_return, ticket_dispatch
from kefu.tickets.services.escalation import ticket_escalate_manually
from kefu.tickets.services.messages import message_receive, message_reply
from kefu.tickets.services.sla import sla_sweep
from kefu.tickets.services.tickets import (
    ticket_add_note,
    ticket_attach,
    ticket_create,
    ticket_merge,
    ticket_transition,
    ticket_update,
)

__all__ = [
    "dispatch_reply",
    "dispatch_return",
    "message_receive",
    "message_reply",
    "sla_sweep",
    "ticket_add_note",
    "ticket_attach",
    "ticket_create",
    "ticket_dispatch",
    "ticket_escalate_manually",
    "ticket_merge",
    "ticket_transition",
    "ticket_update",
    "tickets_transition_bulk",
]
