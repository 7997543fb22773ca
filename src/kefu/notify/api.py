"""API for the caller's in-app notifications (通知)."""

from datetime import datetime

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from kefu.accounts.api import Id, Pages, user_of
from kefu.notify.models import Notification
from kefu.notify.services import mark_read

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    ticket: str | None = Field(None, description="Number of the work order it is about.")
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_ticket(obj: Notification) -> str | None:
        return obj.ticket.number if obj.ticket_id else None


class NotificationFilters(Schema):
    unread: bool = False


class MarkReadIn(Schema):
    ids: list[Id] | None = Field(None, description="Empty: mark every notification read.")


class MarkedOut(Schema):
    marked: int


@router.get("", response=list[NotificationOut], summary="My notifications")
@paginate(Pages)
def notification_list(request, filters: Query[NotificationFilters]) -> QuerySet:
    qs = Notification.objects.filter(user=user_of(request)).select_related("ticket")
    if filters.unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


@router.post("/read", response=MarkedOut, summary="Mark notifications read")
def notification_mark_read(request, payload: MarkReadIn):
    return {"marked": mark_read(user=user_of(request), notification_ids=payload.ids)}
