"""Notification pages: the list, marking read, the header's unread counter (polled by htmx and bumped
by the websocket), email preferences; the customer message templates and the webhook delivery log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.services import can_manage_org
from kefu.core.errors import DomainError
from kefu.notify.models import MessageTemplate, Notification, Webhook, WebhookDelivery
from kefu.notify.services import email_preferences, mark_read, notification_preferences_set
from kefu.notify.templating import VARIABLES
from kefu.notify.webhooks import can_manage_webhooks, webhook_redeliver


@login_required
def notification_list(request):
    rows = Notification.objects.filter(user=request.user).select_related("ticket").order_by("-created_at")
    if request.GET.get("unread"):
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page, "unread_only": bool(request.GET.get("unread"))})


@login_required
@require_POST
def notification_read(request):
    """Mark the given notifications (or all of mine) read; open the work order if one was chosen."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    mark_read(user=request.user, notification_ids=ids or None)
    opened = request.POST.get("open", "")
    if opened.isdigit():
        row = Notification.objects.filter(user=request.user, pk=int(opened)).select_related("ticket").first()
        if row is not None and row.ticket_id:
            return redirect("tickets:detail", number=row.ticket.number)
    return redirect("notify:list")


@login_required
def notification_count(request):
    """htmx: the unread counter of the header."""
    return render(request, "notify/_count.html")


@login_required
def notification_preferences(request):
    """Which notifications I also want by email."""
    if request.method == "POST":
        notification_preferences_set(user=request.user, email_kinds=request.POST.getlist("email"))
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notify:preferences")
    return render(request, "notify/preferences.html", {"rows": email_preferences(request.user)})


@login_required
def template_list(request):
    """The customer message templates (edited in the admin by managers)."""
    if not can_manage_org(request.user):
        raise PermissionDenied
    rows = MessageTemplate.objects.order_by("kind", "channel", "id")
    return render(
        request,
        "notify/templates.html",
        {"rows": rows, "variables": VARIABLES, "can_edit": request.user.is_staff},
    )


@login_required
def delivery_list(request):
    """The webhook delivery log, newest first, with a redeliver button."""
    if not can_manage_webhooks(request.user):
        raise PermissionDenied
    rows = WebhookDelivery.objects.select_related("webhook").order_by("-created_at", "-id")
    state = request.GET.get("state", "")
    if state in WebhookDelivery.State.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/deliveries.html",
        {
            "page": page,
            "state": state,
            "states": WebhookDelivery.State.choices,
            "webhooks": Webhook.objects.all(),
        },
    )


@login_required
@require_POST
def delivery_redeliver(request, pk: int):
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    try:
        webhook_redeliver(delivery=delivery, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The delivery was queued again."))
    return redirect("notify:deliveries")


@login_required
@require_POST
def notice_send(request, number: str):
    """Send the customer a notice (e.g. the survey link) from the work-order page."""
    from kefu.notify.notices import customer_notice_send
    from kefu.tickets.models import Ticket
    from kefu.tickets.permissions import can_view

    ticket = get_object_or_404(Ticket, number=number)
    if not can_view(request.user, ticket):
        raise Http404
    try:
        notice = customer_notice_send(ticket=ticket, kind=request.POST.get("kind", ""), by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if notice.state == notice.State.HELD:
            messages.success(
                request,
                _("Quiet hours: the SMS will be sent at %(time)s.")
                % {"time": timezone.localtime(notice.hold_until).strftime("%H:%M")},
            )
        else:
            messages.success(request, _("The notice is on its way to the customer."))
    return redirect("tickets:detail", number=ticket.number)
