"""The call center hears of agents' presence elsewhere: the chat console's status is a state change."""

from django.dispatch import receiver

from kefu.callcenter.agent_states import agent_state_record
from kefu.callcenter.models import AgentState, StateSource
from kefu.intake.chat.signals import agent_status_changed

# The chat console's statuses (AgentChatStatus.Status) as agent states.
CHAT_STATES = {"online": AgentState.AVAILABLE, "away": AgentState.BREAK, "offline": AgentState.LOGGED_OUT}


@receiver(agent_status_changed, dispatch_uid="callcenter_chat_presence")
def chat_presence_recorded(sender, *, agent, status: str, at, **kwargs) -> None:
    """Online → available, away → break (reason "away"), offline → logged_out; in the chat status's
    own transaction, so the two never disagree."""
    state = CHAT_STATES.get(status)
    if state is None:
        return
    agent_state_record(
        agent=agent,
        state=state,
        source=StateSource.CHAT,
        by=None,
        at=at,
        reason="away" if state == AgentState.BREAK else "",
        now=at,
    )
