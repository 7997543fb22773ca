"""Notification pages: the list, marking read, and the header's unread counter (polled by htmx)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kefu.notify.models import Notification
from kefu.notify.services import mark_read


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
