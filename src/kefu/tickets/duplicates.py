"""Likely duplicates (疑似重复工单): the one rule that says a new contact may already be recorded.

The same customer often calls twice about one thing, or two agents record one visit. Before a new
work order is saved, the agent sees the work orders that are probably the same: recorded from the
same phone number in the last WINDOW (30 minutes) with similar words (at least SIMILARITY of the
shorter text's words — jieba words and character pairs, as search reads them — found in the other).
Only work orders the agent may see are shown; the agent can save anyway.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from kefu.accounts.models import User
from kefu.core.search import tokenize
from kefu.customers.phones import phone_key
from kefu.tickets import permissions
from kefu.tickets.models import Status, Ticket

WINDOW = timedelta(minutes=30)
SIMILARITY = 0.3
MAX_SHOWN = 5
# A merged or cancelled work order is not the one to continue.
LIVE = [s for s in Status.values if s not in (Status.MERGED, Status.CANCELLED)]


def _words(text: str) -> set[str]:
    return set(tokenize(text or ""))


def similarity(a: str, b: str) -> float:
    """The share of the shorter text's words found in the other (0 when either has none)."""
    words_a, words_b = _words(a), _words(b)
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / min(len(words_a), len(words_b))


def likely_duplicates(*, user: User, phone: str, text: str, now: datetime | None = None) -> list[Ticket]:
    """The work orders `user` may see that the new contact (phone, title and content) probably repeats,
    most similar first; [] without a valid phone number or any words."""
    key = phone_key(phone)
    if not key or not (text or "").strip():
        return []
    now = now or timezone.now()
    recent = permissions.visible_tickets(
        user,
        Ticket.objects.filter(customer_phone=key, created_at__gte=now - WINDOW, status__in=LIVE),
    ).order_by("-created_at")[:50]
    scored = [(similarity(text, f"{t.title} {t.content}"), t) for t in recent]
    return [t for score, t in sorted(scored, key=lambda st: -st[0]) if score >= SIMILARITY][:MAX_SHOWN]
