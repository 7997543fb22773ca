"""Targets (目标): set by supervisors, asked by every page, report and API answer that shows a figure.

`verdict(code, value)` is the one rule for "below target": a figure where higher is better misses
when its value is under the target, one where lower is better when it is over; an empty value
(no calls) neither meets nor misses.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import FieldCode, FieldError, PermissionDenied, ValidationError
from kefu.reports import permissions
from kefu.reports.metrics import FIGURES, Better, Unit
from kefu.reports.models import Target

MET, MISSED = "met", "missed"


def targets_in_force(*, queue: str = "") -> dict[str, float]:
    """{figure code: target} for `queue` (a queue's own target, else the center's)."""
    found: dict[str, float] = {}
    for figure, target_queue, value in Target.objects.filter(queue__in={"", queue}).values_list(
        "figure", "queue", "value"
    ):
        if target_queue or figure not in found:
            found[figure] = value
    return found


def verdict(code: str, value: float | None, targets: dict[str, float]) -> str | None:
    """MET, MISSED, or None (no target, no value, or a figure with no better direction)."""
    target = targets.get(code)
    figure = FIGURES.get(code)
    if target is None or value is None or figure is None or figure.better == Better.NEITHER:
        return None
    ok = value >= target if figure.better == Better.HIGHER else value <= target
    return MET if ok else MISSED


def target_set(*, figure: str, value: float | None, queue: str = "", note: str = "", by) -> Target | None:
    """Set (or with `value` None, remove) the target of `figure`. Shares are given as 0..1. Only
    supervisors and managers set targets."""
    if not permissions.can_set_targets(by):
        raise PermissionDenied(_("Only supervisors and managers set targets."))
    if figure not in FIGURES:
        raise ValidationError.for_field("figure", FieldError(_("No such figure."), FieldCode.INVALID_CHOICE))
    with transaction.atomic():
        if value is None:
            Target.objects.filter(figure=figure, queue=queue).delete()
            return None
        if FIGURES[figure].unit == Unit.PERCENT and not 0 <= value <= 1:
            raise ValidationError.for_field(
                "value", FieldError(_("Give a percentage from 0 to 100."), FieldCode.OUT_OF_RANGE)
            )
        if value < 0:
            raise ValidationError.for_field(
                "value", FieldError(_("Give a number of at least 0."), FieldCode.OUT_OF_RANGE)
            )
        target, _created = Target.objects.update_or_create(
            figure=figure, queue=queue, defaults={"value": value, "note": note[:200], "set_by": by}
        )
        return target
