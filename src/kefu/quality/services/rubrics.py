"""Rubrics (质检评分表), their versions and items: create, route, edit a draft, publish.

A published version never changes (every recorded score names it); "editing" a published rubric
makes a new draft that copies its items (same codes) and rules, and publishing that draft retires
the version before it.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import FieldCode, FieldError, PermissionDenied, ValidationError
from kefu.quality.error_codes import QualityErrorCode
from kefu.quality.models import (
    Channel,
    Direction,
    ItemGroup,
    Rubric,
    RubricItem,
    RubricVersion,
    Rule,
    Severity,
)
from kefu.quality.permissions import can_manage_rubrics

_UNSET = object()


def require_manager(by) -> None:
    """Leads and QA inspectors keep rubrics and rules; `by=None` is the system (migrations, demo)."""
    if by is not None and not can_manage_rubrics(by):
        raise PermissionDenied(_("Only supervisors, managers and QA inspectors keep rubrics and rules."))


def require_draft(version: RubricVersion) -> None:
    if version.state != RubricVersion.State.DRAFT:
        raise ValidationError.for_field(
            "version",
            _("Version %(number)s is %(state)s and never changes; make a new draft.")
            % {"number": version.number, "state": version.get_state_display()},
            QualityErrorCode.VERSION_NOT_DRAFT,
        )


def _locked_draft(version: RubricVersion) -> RubricVersion:
    """The version row, locked so a publish cannot slip between our check and our write."""
    locked = RubricVersion.objects.select_for_update().get(pk=version.pk)
    require_draft(locked)
    return locked


# --- rubrics ---------------------------------------------------------------------------------------


def _clean_rubric(errors: dict, *, name=_UNSET, channels=_UNSET, queues=_UNSET, position=_UNSET, rubric=None):
    out = {}
    if name is not _UNSET:
        name = (name or "").strip()
        if not name:
            errors["name"] = [FieldError(_("This field is required."), FieldCode.REQUIRED)]
        elif len(name) > 100:
            errors["name"] = [FieldError(_("At most 100 characters."), FieldCode.TOO_LONG)]
        elif Rubric.objects.filter(name=name).exclude(pk=getattr(rubric, "pk", None)).exists():
            errors["name"] = [FieldError(_("Another rubric has this name."), FieldCode.INVALID)]
        out["name"] = name
    if channels is not _UNSET:
        channels = list(dict.fromkeys(channels or []))
        bad = [c for c in channels if c not in Channel.values]
        if not channels:
            errors["channels"] = [FieldError(_("Name at least one channel."), FieldCode.REQUIRED)]
        elif bad:
            errors["channels"] = [
                FieldError(
                    _("Must be one of: %(expected)s.") % {"expected": ", ".join(Channel.values)},
                    FieldCode.INVALID_CHOICE,
                )
            ]
        out["channels"] = channels
    if queues is not _UNSET:
        queues = list(dict.fromkeys(q.strip() for q in (queues or []) if q and q.strip()))
        if any(len(q) > 80 for q in queues):
            errors["queues"] = [FieldError(_("At most 80 characters."), FieldCode.TOO_LONG)]
        out["queues"] = queues
    if position is not _UNSET:
        out["position"] = _position(errors, position)
    return out


def _position(errors: dict, value) -> int:
    """A place in a list: a whole number from 0."""
    if isinstance(value, bool) or not isinstance(value, int | type(None)) or (value or 0) < 0:
        errors["position"] = [FieldError(_("Must be a whole number from 0."), FieldCode.OUT_OF_RANGE)]
        return 0
    return value or 0


@transaction.atomic
def rubric_create(
    *, name: str, channels: list[str], queues: list[str] | None = None, position: int = 0,
    description: str = "", by,
) -> Rubric:  # fmt: skip
    """A new rubric routed to `channels` (and `queues`; none: every queue), with an empty draft v1.

    Refuses a missing or taken name, no channel or an unknown one (ValidationError naming the
    field), and anyone but leads and QA inspectors (PermissionDenied)."""
    require_manager(by)
    errors: dict = {}
    fields = _clean_rubric(errors, name=name, channels=channels, queues=queues, position=position)
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    rubric = Rubric.objects.create(description=description or "", **fields)
    RubricVersion.objects.create(rubric=rubric, number=1, created_by=by)
    return rubric


@transaction.atomic
def rubric_update(
    *, rubric: Rubric, by, name=_UNSET, channels=_UNSET, queues=_UNSET, position=_UNSET,
    description=_UNSET, is_active=_UNSET,
) -> Rubric:  # fmt: skip
    """Rename or re-route a rubric (its versions and past scores are untouched). Only the fields
    given change. Refuses what rubric_create refuses."""
    require_manager(by)
    errors: dict = {}
    fields = _clean_rubric(
        errors, name=name, channels=channels, queues=queues, position=position, rubric=rubric
    )
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    if description is not _UNSET:
        fields["description"] = description or ""
    if is_active is not _UNSET:
        fields["is_active"] = bool(is_active)
    for key, value in fields.items():
        setattr(rubric, key, value)
    if fields:
        rubric.save(update_fields=list(fields))
    return rubric


# --- versions ---------------------------------------------------------------------------------------


def _decimal(errors: dict, field: str, value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = [FieldError(_("Must be a number."), FieldCode.WRONG_TYPE)]
        return None
    if not number.is_finite() or abs(number) >= Decimal("10000"):
        errors[field] = [FieldError(_("Must be between -9999.99 and 9999.99."), FieldCode.OUT_OF_RANGE)]
        return None
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def version_draft(*, rubric: Rubric, by) -> RubricVersion:
    """The rubric's draft to edit: the existing one, or a new one copying the latest version's scores,
    items (same codes, so reports follow an item across versions) and rules. 新建草稿."""
    require_manager(by)
    Rubric.objects.select_for_update().filter(pk=rubric.pk).first()  # one draft, even when two click at once
    draft = rubric.versions.filter(state=RubricVersion.State.DRAFT).first()
    if draft is not None:
        return draft
    source = rubric.versions.order_by("-number").first()
    number = (rubric.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = RubricVersion.objects.create(rubric=rubric, number=number, created_by=by)
    if source is None:
        return draft
    draft.start_score, draft.floor_score, draft.ceiling_score = (
        source.start_score, source.floor_score, source.ceiling_score
    )  # fmt: skip
    draft.save(update_fields=["start_score", "floor_score", "ceiling_score"])
    copies = {}
    for item in source.items.all():
        old_pk = item.pk
        item.pk = None
        item.version = draft
        item.save()
        copies[old_pk] = item
    Rule.objects.bulk_create(
        Rule(version=draft, item=copies[rule.item_id], name=rule.name, condition=rule.condition,
             is_active=rule.is_active)
        for rule in source.rules.all()
    )  # fmt: skip
    return draft


@transaction.atomic
def version_update(
    *, version: RubricVersion, by, start_score=_UNSET, floor_score=_UNSET, ceiling_score=_UNSET, note=_UNSET
) -> RubricVersion:
    """Change a draft's start, floor and ceiling scores or its note. Refuses a published or retired
    version (version_not_draft) and scores that are not floor ≤ start ≤ ceiling."""
    require_manager(by)
    version = _locked_draft(version)
    errors: dict = {}
    changed = []
    for field, value in (
        ("start_score", start_score),
        ("floor_score", floor_score),
        ("ceiling_score", ceiling_score),
    ):
        if value is _UNSET:
            continue
        number = _decimal(errors, field, value)
        if number is not None:
            setattr(version, field, number)
            changed.append(field)
    if note is not _UNSET:
        note = (note or "").strip()
        if len(note) > 300:
            errors["note"] = [FieldError(_("At most 300 characters."), FieldCode.TOO_LONG)]
        version.note = note
        changed.append("note")
    if not errors and not (version.floor_score <= version.start_score <= version.ceiling_score):
        errors["start_score"] = [
            FieldError(
                _("Scores must satisfy floor ≤ start ≤ ceiling."), QualityErrorCode.SCORES_OUT_OF_ORDER
            )
        ]
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    if changed:
        version.save(update_fields=changed)
    return version


@transaction.atomic
def version_publish(*, version: RubricVersion, by, now=None) -> RubricVersion:
    """Publish a draft: it becomes the rubric's current version and the version published before it
    is retired (its inspections keep naming it). 发布.

    Refuses a version that is not a draft, one without any item (version_has_no_items), and one with
    a rule the engine refuses (invalid_condition, naming the rule: `rules.<id>.condition.<path>`)."""
    from kefu.quality.engine.rules import validate_condition

    require_manager(by)
    Rubric.objects.select_for_update().filter(pk=version.rubric_id).first()  # one publish at a time
    version = _locked_draft(version)
    if not version.items.exists():
        raise ValidationError.for_field(
            "items", _("Add at least one item before publishing."), QualityErrorCode.VERSION_HAS_NO_ITEMS
        )
    errors: dict = {}
    for rule in version.rules.all():
        for problem in validate_condition(rule.condition):
            field = f"rules.{rule.pk}.condition" + (f".{problem.path}" if problem.path else "")
            errors.setdefault(field, []).append(
                FieldError(problem.message, QualityErrorCode.INVALID_CONDITION)
            )
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    now = now or timezone.now()
    RubricVersion.objects.filter(rubric_id=version.rubric_id, state=RubricVersion.State.PUBLISHED).update(
        state=RubricVersion.State.RETIRED
    )
    version.state = RubricVersion.State.PUBLISHED
    version.published_at = now
    version.save(update_fields=["state", "published_at"])
    return version


# --- items ------------------------------------------------------------------------------------------


def _clean_item(errors: dict, version: RubricVersion, item: RubricItem | None, **given) -> dict:
    out = {}
    if "code" in given:
        code = (given["code"] or "").strip()
        if not code:
            errors["code"] = [FieldError(_("This field is required."), FieldCode.REQUIRED)]
        elif len(code) > 40:
            errors["code"] = [FieldError(_("At most 40 characters."), FieldCode.TOO_LONG)]
        elif version.items.filter(code=code).exclude(pk=getattr(item, "pk", None)).exists():
            errors["code"] = [
                FieldError(
                    _("This version already has an item with this code."),
                    QualityErrorCode.DUPLICATE_ITEM_CODE,
                )
            ]
        out["code"] = code
    if "name" in given:
        name = (given["name"] or "").strip()
        if not name:
            errors["name"] = [FieldError(_("This field is required."), FieldCode.REQUIRED)]
        elif len(name) > 200:
            errors["name"] = [FieldError(_("At most 200 characters."), FieldCode.TOO_LONG)]
        out["name"] = name
    for field, choices in (("group", ItemGroup), ("direction", Direction), ("severity", Severity)):
        if field in given:
            if given[field] not in choices.values:
                errors[field] = [
                    FieldError(
                        _("Must be one of: %(expected)s.") % {"expected": ", ".join(choices.values)},
                        FieldCode.INVALID_CHOICE,
                    )
                ]
            out[field] = given[field]
    if "points" in given:
        points = _decimal(errors, "points", given["points"])
        if points is not None and points <= 0:
            errors["points"] = [FieldError(_("Must be more than 0."), FieldCode.OUT_OF_RANGE)]
        out["points"] = points
    if "per_occurrence" in given:
        out["per_occurrence"] = bool(given["per_occurrence"])
    if "position" in given:
        out["position"] = _position(errors, given["position"])
    return out


@transaction.atomic
def item_create(
    *, version: RubricVersion, code: str, name: str, group: str, points, direction: str = Direction.SUBTRACT,
    severity: str = Severity.NORMAL, per_occurrence: bool = False, position: int | None = None, by,
) -> RubricItem:  # fmt: skip
    """Add an item (评分项) to a draft. Refuses a non-draft version, a taken code, points ≤ 0 and
    unknown group, direction or severity, naming each field."""
    require_manager(by)
    version = _locked_draft(version)
    if position is None:
        position = (version.items.aggregate(p=Max("position"))["p"] or 0) + 1
    errors: dict = {}
    fields = _clean_item(
        errors, version, None, code=code, name=name, group=group, points=points, direction=direction,
        severity=severity, per_occurrence=per_occurrence, position=position,
    )  # fmt: skip
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    return RubricItem.objects.create(version=version, **fields)


@transaction.atomic
def item_update(*, item: RubricItem, by, **changes) -> RubricItem:
    """Change an item of a draft (any of code, name, group, points, direction, severity,
    per_occurrence, position). Refuses what item_create refuses."""
    require_manager(by)
    unknown = set(changes) - {
        "code",
        "name",
        "group",
        "points",
        "direction",
        "severity",
        "per_occurrence",
        "position",
    }
    if unknown:
        raise TypeError(f"item_update() got unexpected fields {sorted(unknown)}")
    version = _locked_draft(item.version)
    errors: dict = {}
    fields = _clean_item(errors, version, item, **changes)
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    for key, value in fields.items():
        setattr(item, key, value)
    if fields:
        item.save(update_fields=list(fields))
    return item


@transaction.atomic
def item_delete(*, item: RubricItem, by) -> None:
    """Remove an item from a draft, with its rules. Refuses a non-draft version."""
    require_manager(by)
    _locked_draft(item.version)
    item.delete()
