"""Tell staff: an in-app notification row, a real-time push, and (optionally) an email.

Pushes and emails leave only after the surrounding transaction commits.
"""

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from kefu.core.rows import build, insert_many
from kefu.core.tasks import run_later
from kefu.notify.consumers import user_group
from kefu.notify.models import Notification, NotificationKind, NotificationPreference
from kefu.notify.staff import EMAIL_BY_DEFAULT
from kefu.tickets.permissions import is_recused

log = logging.getLogger(__name__)


def notify(
    *, users: Iterable, ticket=None, kind: str, title: str, body: str = "", email: bool = False
) -> list[Notification]:
    """Tell `users` (duplicates, None, inactive people and the person a complaint is about skipped) in-app, in real time, and by email
    where `email` is set, unless a person's preference for this kind says otherwise
    (NotificationPreference wins over the caller's default)."""
    return notify_many(
        [{"users": users, "ticket": ticket, "kind": kind, "title": title, "body": body, "email": email}]
    )


def notify_many(notices: list[dict]) -> list[Notification]:
    """Many notifications at once (a sweep's batch): each dict holds notify()'s keyword arguments.

    One INSERT for all rows, one read of the recipients' email preferences and one delivery after
    the commit, instead of one of each per notice.
    """
    rows, wants_email = [], []
    for notice in notices:
        seen = set()
        ticket = notice.get("ticket")
        for user in notice["users"]:
            if user is None or user.pk in seen or not user.is_active:
                continue
            if ticket is not None and is_recused(ticket, user):
                continue  # 回避: nobody hears of a complaint about themselves
            seen.add(user.pk)
            rows.append(
                build(
                    Notification,
                    user=user,
                    ticket=notice.get("ticket"),
                    kind=notice["kind"],
                    title=str(notice["title"])[:200],
                    body=str(notice.get("body", "")),
                )
            )
            wants_email.append(bool(notice.get("email")))
    if not rows:
        return []
    created = insert_many(rows)  # plain INSERTs / COPY: a sweep's thousands (kefu.core.rows)
    prefs = dict(
        ((user_id, kind), email)
        for user_id, kind, email in NotificationPreference.objects.filter(
            user_id__in={n.user_id for n in created}, kind__in={n.kind for n in created}
        ).values_list("user_id", "kind", "email")
    )
    email_ids = [
        n.pk
        for n, default in zip(created, wants_email, strict=True)
        if n.pk and prefs.get((n.user_id, n.kind), default)
    ]
    transaction.on_commit(lambda: _deliver(created, email_ids))
    return created


def _deliver(notifications: list[Notification], email_ids: list[int]) -> None:
    """Push the notifications in one trip to the channel layer, then queue the emails.

    One message per person: a sweep's batch tells a few dozen people about a thousand work orders,
    and each group_send is a round trip to Redis in production. The websocket still gets one
    frame per notification, in order (NotificationConsumer.notify_batch).
    """
    layer = get_channel_layer()
    by_user: dict[int, list[dict]] = {}
    for n in notifications:
        by_user.setdefault(n.user_id, []).append(
            {
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "ticket": n.ticket.number if n.ticket_id else None,
            }
        )
    messages = [
        (
            user_group(user_id),
            {"type": "notify", "payload": payloads[0]}
            if len(payloads) == 1
            else {"type": "notify_batch", "payloads": payloads},
        )
        for user_id, payloads in by_user.items()
    ]
    if layer is not None and messages:
        try:
            # One event-loop hop for the whole batch, not one hop per person.
            async_to_sync(_push_all)(layer, messages)
        except Exception:  # a push is best effort; the rows are the record
            log.exception("real-time push of %s notifications failed", len(notifications))
    if email_ids:
        run_later(send_emails, retries=True, notification_ids=email_ids)


async def _push_all(layer, messages: list[tuple[str, dict]]) -> None:
    for group, message in messages:
        await layer.group_send(group, message)


def send_emails(*, notification_ids: list[int]) -> int:
    """Email each notification to its recipient, if they have an address."""
    from django.conf import settings
    from django.core.mail import send_mail

    sent = 0
    for n in Notification.objects.filter(pk__in=notification_ids).select_related("user", "ticket"):
        if not n.user.email:
            continue
        link = f"{settings.SITE_URL}/tickets/{n.ticket.number}/" if n.ticket_id else settings.SITE_URL
        send_mail(
            subject=f"[Kefu] {n.title}",
            message=f"{n.body}\n\n{link}",
            from_email=None,
            recipient_list=[n.user.email],
            fail_silently=False,
        )
        sent += 1
    return sent


def mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark the given notifications of `user` read (all unread ones when no ids are given)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def email_preferences(user) -> list[tuple[str, str, bool]]:
    """(kind, label, email?) for every notification kind, as it applies to `user` now."""
    prefs = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return [
        (kind.value, str(kind.label), prefs.get(kind.value, EMAIL_BY_DEFAULT.get(kind, False)))
        for kind in NotificationKind
    ]


@transaction.atomic
def notification_preferences_set(*, user, email_kinds: Iterable[str]) -> int:
    """Store which kinds `user` also wants by email (every known kind gets a row); returns how many.

    Unknown kinds are ignored: the form only offers known ones.
    """
    wanted = set(email_kinds)
    for kind in NotificationKind.values:
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": kind in wanted}
        )
    return len(wanted & set(NotificationKind.values))
