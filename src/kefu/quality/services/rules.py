"""Rules (质检规则): conditions over a whole conversation that find a rubric item; saved only when
the engine accepts them, and tried on a conversation before they are saved."""

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import FieldCode, FieldError, ValidationError
from kefu.quality.engine.conversation import Conversation
from kefu.quality.engine.rules import RuleSpec, compile_rules, validate_condition
from kefu.quality.error_codes import QualityErrorCode
from kefu.quality.models import RubricItem, RubricVersion, Rule
from kefu.quality.services.phrases import phrase_entries
from kefu.quality.services.rubrics import _locked_draft, require_manager

_UNSET = object()


def condition_errors(condition, *, prefix: str = "condition") -> dict:
    """The engine's objections to `condition` as {field: [messages]}, each field naming the place in
    the condition (`condition.all[1].pattern`); {} when it is valid."""
    if not isinstance(condition, dict) or not condition:
        return {prefix: [FieldError(_("Must be a JSON object."), FieldCode.WRONG_TYPE)]}
    errors: dict = {}
    for problem in validate_condition(condition):
        field = f"{prefix}.{problem.path}" if problem.path else prefix
        errors.setdefault(field, []).append(FieldError(problem.message, QualityErrorCode.INVALID_CONDITION))
    return errors


def _refuse(errors: dict):
    raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)


def _clean(errors: dict, version: RubricVersion, *, name=_UNSET, condition=_UNSET, item=_UNSET) -> dict:
    out = {}
    if name is not _UNSET:
        name = (name or "").strip()
        if not name:
            errors["name"] = [FieldError(_("This field is required."), FieldCode.REQUIRED)]
        elif len(name) > 200:
            errors["name"] = [FieldError(_("At most 200 characters."), FieldCode.TOO_LONG)]
        out["name"] = name
    if item is not _UNSET:
        if item is None:
            errors["item_id"] = [FieldError(_("This field is required."), FieldCode.REQUIRED)]
        elif item.version_id != version.pk:
            errors["item_id"] = [
                FieldError(
                    _("The item belongs to another rubric version."), QualityErrorCode.ITEM_OF_ANOTHER_VERSION
                )
            ]
        out["item"] = item
    if condition is not _UNSET:
        errors.update(condition_errors(condition))
        out["condition"] = condition
    return out


@transaction.atomic
def rule_create(
    *, version: RubricVersion, item: RubricItem | None, name: str, condition: dict, is_active: bool = True, by
) -> Rule:
    """Add a rule to a draft, finding `item` (an item of the same version). Refuses a condition the
    engine refuses, naming the place (`condition.all[1].pattern`, invalid_condition), an item of
    another version, and a published or retired version."""
    require_manager(by)
    version = _locked_draft(version)
    errors: dict = {}
    fields = _clean(errors, version, name=name, condition=condition, item=item)
    if errors:
        _refuse(errors)
    return Rule.objects.create(version=version, is_active=bool(is_active), **fields)


@transaction.atomic
def rule_update(*, rule: Rule, by, name=_UNSET, condition=_UNSET, item=_UNSET, is_active=_UNSET) -> Rule:
    """Change a rule of a draft (only the fields given). Refuses what rule_create refuses."""
    require_manager(by)
    version = _locked_draft(rule.version)
    errors: dict = {}
    fields = _clean(errors, version, name=name, condition=condition, item=item)
    if errors:
        _refuse(errors)
    if is_active is not _UNSET:
        fields["is_active"] = bool(is_active)
    for key, value in fields.items():
        setattr(rule, key, value)
    if fields:
        rule.save(update_fields=list(fields))
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, by) -> None:
    """Remove a rule from a draft. Refuses a published or retired version."""
    require_manager(by)
    _locked_draft(rule.version)
    rule.delete()


def rule_try(*, condition: dict, conversation: Conversation, by) -> dict:
    """Try a condition on a conversation before saving it (试运行): the engine's explanation, every
    leaf with whether it held and what it matched (sentence, text, span). Nothing is stored.
    Refuses an invalid condition like rule_create does."""
    require_manager(by)
    errors = condition_errors(condition)
    if errors:
        _refuse(errors)
    compiled = compile_rules([RuleSpec(key="try", condition=condition)], phrases=phrase_entries())
    return _with_sentences(compiled.explain(conversation), conversation)


def _with_sentences(explained, conversation: Conversation):
    """Each piece of evidence also gets its whole sentence (`sentence_text`, `role`) beside the
    matched text, so the rule editor can show the match in context."""
    if isinstance(explained, list):
        return [_with_sentences(x, conversation) for x in explained]
    if not isinstance(explained, dict):
        return explained
    out = {key: _with_sentences(value, conversation) for key, value in explained.items()}
    index = out.get("sentence")
    if "start" in out and isinstance(index, int) and 0 <= index < len(conversation.sentences):
        out["sentence_text"] = conversation.sentences[index].text
        out["role"] = conversation.sentences[index].role
    return out
