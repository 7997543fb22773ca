"""What people do with the value tiers (客户分级): edit the ladder, set a tier by hand, name the
responsible person (专人负责) of the customers who need one. The figures and the recompute are in
customers.tiers."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import FieldCode, FieldError, PermissionDenied, ValidationError
from kefu.customers.models import Customer, TierChange, TierLevel, TierOverride
from kefu.customers.tiers import can_manage_tiers, clean_conditions, tiers_recompute


@transaction.atomic
def tier_level_update(
    *,
    level: TierLevel,
    by,
    name: str,
    rank: int,
    conditions: list,
    needs_responsible: bool,
    routing_priority: int,
) -> TierLevel:
    """Edit one rung of the ladder (its conditions as rows). Refuses anyone but managers and
    administrators, an empty name, a routing priority outside −3…3, conditions on the fallback rung
    (it holds "the others"), and any condition that names an unknown measure or flag."""
    if not can_manage_tiers(by):
        raise PermissionDenied(_("Only managers and administrators edit the tier ladder."))
    errors: dict[str, list] = {}
    if not (name or "").strip():
        errors["name"] = [FieldError(_("A tier needs a name."), FieldCode.REQUIRED)]
    if not -3 <= int(routing_priority) <= 3:
        errors["routing_priority"] = [FieldError(_("Give −3 to 3."), FieldCode.OUT_OF_RANGE)]
    if not 0 <= int(rank) <= 100:
        errors["rank"] = [FieldError(_("Give 0 to 100."), FieldCode.OUT_OF_RANGE)]
    try:
        cleaned = clean_conditions(conditions)
    except ValidationError as exc:
        errors.update(exc.errors)
        cleaned = []
    if level.is_fallback and cleaned:
        errors["conditions"] = [
            FieldError(_("The fallback tier holds the customers no other tier takes: it has no conditions."))
        ]
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    level.name, level.rank, level.conditions = name.strip(), int(rank), cleaned
    level.needs_responsible, level.routing_priority = bool(needs_responsible), int(routing_priority)
    level.save(update_fields=["name", "rank", "conditions", "needs_responsible", "routing_priority"])
    return level


@transaction.atomic
def tier_override_set(
    *,
    customer: Customer,
    tier: str,
    reason: str,
    expires_on: date | None,
    by,
    now: datetime | None = None,
) -> TierOverride:
    """Set a customer's tier by hand (手工定级) until `expires_on` (None: no expiry); the customer
    moves at once, with the change kept. Refuses anyone but managers and administrators, an unknown
    tier, an empty reason and an expiry in the past."""
    if not can_manage_tiers(by):
        raise PermissionDenied(_("Only managers and administrators set a tier by hand."))
    now = now or timezone.now()
    errors: dict[str, list] = {}
    if not TierLevel.objects.filter(code=tier).exists():
        errors["tier"] = [
            FieldError(_("Unknown tier “%(value)s”.") % {"value": tier}, FieldCode.INVALID_CHOICE)
        ]
    if not (reason or "").strip():
        errors["reason"] = [FieldError(_("Say why the tier is set by hand."), FieldCode.REQUIRED)]
    if expires_on is not None and expires_on < timezone.localdate(now):
        errors["expires_on"] = [FieldError(_("The expiry is in the past."), FieldCode.OUT_OF_RANGE)]
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    override, _created = TierOverride.objects.update_or_create(
        customer=customer,
        defaults={"tier_id": tier, "reason": reason.strip()[:300], "expires_on": expires_on, "by": by},
    )
    if customer.tier_id != tier:
        TierChange.objects.create(
            customer=customer,
            from_tier=customer.tier_id,
            to_tier=tier,
            reason={"override": override.reason},
            at=now,
            by=by,
        )
        Customer.objects.filter(pk=customer.pk).update(tier=tier)
        customer.tier_id = tier
    return override


@transaction.atomic
def tier_override_clear(*, customer: Customer, by, now: datetime | None = None) -> None:
    """End a customer's override; the ladder places them again at once."""
    if not can_manage_tiers(by):
        raise PermissionDenied(_("Only managers and administrators set a tier by hand."))
    TierOverride.objects.filter(customer=customer).delete()
    tiers_recompute(by=by, now=now, customer_ids=[customer.pk])


def customers_needing_responsible() -> QuerySet:
    """Customers on a rung that needs a responsible person (专人负责: A by default) who have none,
    or whose responsible person left (inactive) — the supervisor's list."""
    from django.db.models import Q

    return (
        Customer.objects.filter(tier__needs_responsible=True, anonymised_at__isnull=True)
        .filter(Q(owner__isnull=True) | Q(owner__is_active=False))
        .select_related("tier", "owner")
        .prefetch_related("phones")
        .order_by("-tier__rank", "name", "id")
    )


@transaction.atomic
def customer_assign_responsible(*, customers: list[Customer], owner_id: int, by) -> int:
    """Name the responsible person (专人负责) of `customers`; returns how many changed. Refuses anyone
    but supervisors and managers, and anyone but active service-center staff as the person."""
    if by is not None and not (by.is_superuser or by.is_lead):
        raise PermissionDenied(_("Only supervisors and managers assign responsible persons."))
    owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
    if owner is None or not owner.is_center_staff:
        raise ValidationError.for_field(
            "owner", FieldError(_("Choose an active colleague of the service center."), FieldCode.NOT_FOUND)
        )
    return Customer.objects.filter(pk__in=[c.pk for c in customers]).exclude(owner=owner).update(owner=owner)
