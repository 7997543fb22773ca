"""Chat pages: the agent console (staff) and the demo page that embeds the widget (public)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from kefu.intake.chat import selectors
from kefu.intake.chat.models import AgentChatStatus, ChatPhrase


@login_required
def console(request):
    if not request.user.is_center_staff:
        raise PermissionDenied
    status = AgentChatStatus.objects.filter(agent=request.user).first()
    phrases = ChatPhrase.objects.filter(is_active=True)
    return render(
        request,
        "chat/console.html",
        {
            "status": status.status if status else AgentChatStatus.Status.OFFLINE,
            "statuses": AgentChatStatus.Status.choices,
            "phrases": phrases,
            "snapshot": {
                **selectors.agent_snapshot(request.user),
                "agents": selectors.transfer_targets(request.user),
            },
        },
    )


def demo(request):
    """A stand-in customer website with the widget embedded by its one script tag."""
    return render(request, "chat/demo.html", {"lang": request.GET.get("lang", "")})
