"""The chat-session state machine (会话流转): one table of (state, action) -> state, consulted by every
chat service through `check`, as tickets/workflow.py is for work orders.

    waiting → offered            offer (routing picks an agent)
    offered → waiting            withdraw (the offer expired, the agent went away), decline
    waiting, offered → active    accept
    active → active              transfer (to a colleague; the state stays)
    waiting, offered → missed    end (nobody took it), leave_message
    active → ended               end
    waiting, offered, active     post (a line), the state stays

Who may act (the agent offered the chat, the agent serving it, a lead) is the service's guard; this
table only says which moves exist. Ended and missed chats move no more.
"""

from django.utils.translation import gettext_lazy as _

from kefu.core.errors import TransitionNotAllowed
from kefu.intake.chat.models import ChatSession

State = ChatSession.State

OFFER = "offer"
WITHDRAW = "withdraw"
DECLINE = "decline"
ACCEPT = "accept"
TRANSFER = "transfer"
POST = "post"
END = "end"
LEAVE_MESSAGE = "leave_message"

TRANSITIONS: dict[tuple[str, str], str] = {
    (State.WAITING, OFFER): State.OFFERED,
    (State.OFFERED, WITHDRAW): State.WAITING,
    (State.OFFERED, DECLINE): State.WAITING,
    (State.WAITING, ACCEPT): State.ACTIVE,
    (State.OFFERED, ACCEPT): State.ACTIVE,
    (State.ACTIVE, TRANSFER): State.ACTIVE,
    (State.WAITING, POST): State.WAITING,
    (State.OFFERED, POST): State.OFFERED,
    (State.ACTIVE, POST): State.ACTIVE,
    (State.WAITING, END): State.MISSED,
    (State.OFFERED, END): State.MISSED,
    (State.ACTIVE, END): State.ENDED,
    (State.WAITING, LEAVE_MESSAGE): State.MISSED,
    (State.OFFERED, LEAVE_MESSAGE): State.MISSED,
}

#: What the person is told when an action does not apply to the chat's state.
REFUSALS = {
    OFFER: _("This chat was already taken or has ended."),
    WITHDRAW: _("This chat is not offered to anyone."),
    DECLINE: _("This chat is not offered to you."),
    ACCEPT: _("This chat was already taken or has ended."),
    TRANSFER: _("Only a chat in progress can be transferred."),
    POST: _("This chat has ended."),
    END: _("This chat has ended."),
    LEAVE_MESSAGE: _("An agent is already with you, or the chat has ended."),
}


def allowed(state: str, action: str) -> bool:
    return (state, action) in TRANSITIONS


def check(state: str, action: str) -> str:
    """The state `action` leads to from `state`; TransitionNotAllowed (with the refusal for that
    action) when the table has no such move."""
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise TransitionNotAllowed(str(REFUSALS.get(action, REFUSALS[POST])))
    return target
