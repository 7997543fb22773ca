"""What the chat console tells other apps, without knowing them."""

from django.dispatch import Signal

#: Sent by agent_set_status, inside its transaction, when an agent's chat status changes, with
#: `agent` (User), `status` and `previous` (AgentChatStatus.Status values) and `at` (when). The call
#: center records it as the agent's state (kefu.callcenter.receivers).
agent_status_changed = Signal()
