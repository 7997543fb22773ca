"""Why not satisfied (不满意原因复核): reviewers tag every "not satisfied" contact with reasons."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import OVERSIGHT_ROLES, User
from kefu.callbacks.models import Reason, Review, Satisfaction
from kefu.core.errors import PermissionDenied, ValidationError


def can_review(user: User) -> bool:
    return user.is_active and user.role in OVERSIGHT_ROLES


@transaction.atomic
def review_record(
    *,
    satisfaction: Satisfaction,
    by: User,
    reason_ids: list[int],
    note: str = "",
    now: datetime | None = None,
) -> Review:
    """Tag a "not satisfied" contact with one or more reasons (agent and/or non-agent factors).

    A second review of the same contact replaces the reasons. Refuses people who are not leads or QA,
    a satisfied contact, no reason, and unknown or retired reasons.
    """
    now = now or timezone.now()
    if not can_review(by):
        raise PermissionDenied(_("Only supervisors, managers and QA review dissatisfaction."))
    if not satisfaction.not_satisfied:
        raise ValidationError.for_field("satisfaction", _("Only “not satisfied” contacts are reviewed."))
    ids = {int(i) for i in reason_ids or []}
    if not ids:
        raise ValidationError.for_field("reasons", _("Choose at least one reason."))
    reasons = list(Reason.objects.filter(pk__in=ids, is_active=True))
    if len(reasons) != len(ids):
        raise ValidationError.for_field("reasons", _("Unknown reason."))
    review, _created = Review.objects.update_or_create(
        satisfaction=satisfaction, defaults={"reviewer": by, "reviewed_at": now, "note": (note or "").strip()}
    )
    review.reasons.set(reasons)
    return review
