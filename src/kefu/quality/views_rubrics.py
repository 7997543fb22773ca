"""Rubric and rule editor pages (质检评分表与规则): the rubrics with their versions, a version's items
grouped as the rubric shows them, editing a draft, publishing it, a new version from a published one,
and the rule editor with its condition builder and "try it on a transcript".

Who: kefu.quality.permissions.can_manage_rubrics (leads and QA inspectors). Writes go through the
rubric and rule services (kefu.quality.services), which refuse a rule the engine refuses with a
message naming the condition and the field; kefu.quality.rubric_editing holds the page glue.
"""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.core.errors import DomainError, ValidationError
from kefu.quality import rubric_editing as editing
from kefu.quality.models import (
    Channel,
    Direction,
    ItemGroup,
    Rubric,
    RubricItem,
    RubricVersion,
    Rule,
    Severity,
    Transcript,
)
from kefu.quality.permissions import can_manage_rubrics
from kefu.quality.services import rubrics as rubric_services
from kefu.quality.services import rules as rule_services


def _manager_required(request) -> None:
    if not can_manage_rubrics(request.user):
        raise DjangoPermissionDenied(_("Supervisors, managers and QA inspectors only."))


def _words(text: str) -> list[str]:
    return [w.strip() for w in (text or "").replace("，", ",").replace("、", ",").split(",") if w.strip()]


# --- forms ----------------------------------------------------------------------------------------


class RubricForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Rubric name"), max_length=100)
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"), choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )
    queues = forms.CharField(
        label=gettext_lazy("Queues"),
        required=False,
        help_text=gettext_lazy("Comma-separated; empty: every queue of those channels."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ScoresForm(forms.Form):
    start_score = forms.DecimalField(label=gettext_lazy("Start score"), max_digits=6, decimal_places=2)
    floor_score = forms.DecimalField(label=gettext_lazy("Floor"), max_digits=6, decimal_places=2)
    ceiling_score = forms.DecimalField(label=gettext_lazy("Ceiling"), max_digits=6, decimal_places=2)
    note = forms.CharField(label=gettext_lazy("What changed"), max_length=300, required=False)


class ItemForm(forms.ModelForm):
    class Meta:
        model = RubricItem
        fields = ["code", "group", "name", "points", "direction", "severity", "per_occurrence", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False


ItemFormSet = forms.modelformset_factory(RubricItem, form=ItemForm, extra=1, can_delete=True)


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Rule name"), max_length=200)
    item = forms.ModelChoiceField(label=gettext_lazy("Item"), queryset=RubricItem.objects.none())
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    condition = forms.CharField(
        label=gettext_lazy("Conditions (JSON)"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono", "data-rule-json": ""}),
        help_text=gettext_lazy("Written by the builder above; you may also edit it by hand."),
    )

    def __init__(self, *args, version: RubricVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = version.items.all()
        self.fields["item"].label_from_instance = lambda item: f"{item.get_group_display()} · {item.name}"

    def clean_condition(self) -> dict:
        raw = self.cleaned_data["condition"]
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON (line %(line)s, column %(column)s): %(problem)s")
                % {"line": exc.lineno, "column": exc.colno, "problem": exc.msg}
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The conditions must be one JSON object."))
        problems = editing.condition_problems(value)
        if problems:
            raise forms.ValidationError(problems)
        return value


# --- pages ----------------------------------------------------------------------------------------


@login_required
def rubric_list(request):
    """质检评分表: every rubric with its versions; a form to start a new one."""
    _manager_required(request)
    form = RubricForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rubric = rubric_services.rubric_create(
                by=request.user,
                name=data["name"],
                channels=data["channels"],
                queues=_words(data["queues"]),
                description=data["description"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Rubric created: add its items, then publish it."))
            return redirect("quality:rubric_version", pk=rubric.versions.get().pk)
    rubrics = Rubric.objects.prefetch_related("versions").order_by("position", "name")
    return render(request, "quality/rubric_list.html", {"rubrics": rubrics, "form": form})


@login_required
def rubric_version(request, pk: int):
    """One version: items grouped (开场/服务用语/…/结束); a draft is edited here (scores, items)."""
    _manager_required(request)
    version = get_object_or_404(RubricVersion.objects.select_related("rubric"), pk=pk)
    draft = version.state == RubricVersion.State.DRAFT
    items = list(version.items.prefetch_related("rules"))
    scores = ScoresForm(
        initial={
            "start_score": version.start_score,
            "floor_score": version.floor_score,
            "ceiling_score": version.ceiling_score,
            "note": version.note,
        }
    )
    formset = ItemFormSet(queryset=version.items.all(), prefix="items") if draft else None
    if request.method == "POST":
        if not draft:
            messages.error(request, _("A published version never changes: make a new version to edit it."))
            return redirect("quality:rubric_version", pk=version.pk)
        if request.POST.get("action") == "scores":
            scores = ScoresForm(request.POST)
            if scores.is_valid():
                try:
                    rubric_services.version_update(version=version, by=request.user, **scores.cleaned_data)
                except ValidationError as exc:
                    _form_errors(scores, exc)
                else:
                    messages.success(request, _("Scores saved."))
                    return redirect("quality:rubric_version", pk=version.pk)
        else:
            formset = ItemFormSet(request.POST, queryset=version.items.all(), prefix="items")
            if formset.is_valid():
                try:
                    editing.version_items_save(version=version, by=request.user, rows=_item_rows(formset))
                except ValidationError as exc:
                    _formset_errors(formset, exc)
                else:
                    messages.success(request, _("Items saved."))
                    return redirect("quality:rubric_version", pk=version.pk)
    groups = [(label, [item for item in items if item.group == value]) for value, label in ItemGroup.choices]
    return render(
        request,
        "quality/rubric_version.html",
        {
            "version": version,
            "rubric": version.rubric,
            "draft": draft,
            "groups": [(label, rows) for label, rows in groups if rows],
            "items": items,
            "scores": scores,
            "formset": formset,
            "versions": version.rubric.versions.all(),
            "Direction": Direction,
            "fatal": Severity.FATAL,
        },
    )


@login_required
@require_POST
def rubric_version_publish(request, pk: int):
    _manager_required(request)
    version = get_object_or_404(RubricVersion, pk=pk)
    try:
        rubric_services.version_publish(version=version, by=request.user)
    except DomainError as exc:
        for problem in _messages(exc):
            messages.error(request, problem)
    else:
        messages.success(
            request,
            _("Version %(number)s published: new conversations are scored against it.")
            % {"number": version.number},
        )
    return redirect("quality:rubric_version", pk=version.pk)


@login_required
@require_POST
def rubric_version_copy(request, pk: int):
    """The rubric's draft: a new one copied from its latest version (items and rules), or the draft
    that already exists."""
    _manager_required(request)
    version = get_object_or_404(RubricVersion.objects.select_related("rubric"), pk=pk)
    try:
        draft = rubric_services.version_draft(rubric=version.rubric, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("quality:rubric_version", pk=version.pk)
    messages.success(
        request, _("Draft version %(number)s made: edit it, then publish it.") % {"number": draft.number}
    )
    return redirect("quality:rubric_version", pk=draft.pk)


@login_required
def rule_edit(request, version_pk: int, pk: int | None = None):
    """规则编辑: name, item and the condition tree; "Try" runs it on a transcript without saving."""
    _manager_required(request)
    version = get_object_or_404(RubricVersion.objects.select_related("rubric"), pk=version_pk)
    rule = get_object_or_404(Rule, pk=pk, version=version) if pk else None
    draft = version.state == RubricVersion.State.DRAFT
    initial = {
        "is_active": True,
        "condition": json.dumps(editing.EXAMPLE_CONDITION, ensure_ascii=False, indent=2),
    }
    if rule is not None:
        initial = {
            "name": rule.name,
            "item": rule.item_id,
            "is_active": rule.is_active,
            "condition": json.dumps(rule.condition, ensure_ascii=False, indent=2),
        }
    if request.GET.get("item", "").isdigit() and rule is None:
        initial["item"] = int(request.GET["item"])
    form = RuleForm(request.POST or None, version=version, initial=initial)
    transcripts = Transcript.objects.order_by("-started_at")[:50]
    chosen = request.POST.get("transcript", "") or request.GET.get("transcript", "")
    trial = None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "try":
            trial = _try(form, chosen, request.user)
        elif not draft:
            messages.error(request, _("A published version never changes: make a new version to edit it."))
        elif form.is_valid():
            data = form.cleaned_data
            values = {
                "name": data["name"],
                "item": data["item"],
                "condition": data["condition"],
                "is_active": data["is_active"],
            }
            try:
                if rule is None:
                    saved = rule_services.rule_create(version=version, by=request.user, **values)
                else:
                    saved = rule_services.rule_update(rule=rule, by=request.user, **values)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Rule saved."))
                return redirect("quality:rule_edit", version_pk=version.pk, pk=saved.pk)
    return render(
        request,
        "quality/rubric_rule.html",
        {
            "version": version,
            "rubric": version.rubric,
            "rule": rule,
            "draft": draft,
            "form": form,
            "transcripts": transcripts,
            "chosen": chosen,
            "trial": trial,
            "builder": editing.builder_spec(),
        },
    )


@login_required
@require_POST
def rule_delete(request, version_pk: int, pk: int):
    _manager_required(request)
    rule = get_object_or_404(Rule.objects.select_related("version"), pk=pk, version_id=version_pk)
    try:
        rule_services.rule_delete(rule=rule, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("quality:rule_edit", version_pk=version_pk, pk=pk)
    messages.success(request, _("Rule deleted."))
    return redirect("quality:rubric_version", pk=version_pk)


def _try(form: RuleForm, chosen: str, by) -> dict | None:
    """Run the form's condition on the chosen transcript: the sentences with what matched marked."""
    # Only the condition matters for a try: a half-named rule may still be tried.
    form.is_valid()
    if "condition" in form.errors:
        return None
    if not chosen.isdigit() or not (transcript := Transcript.objects.filter(pk=int(chosen)).first()):
        form.add_error(None, _("Choose a transcript to try the rule on."))
        return None
    try:
        return editing.rule_try(condition=form.cleaned_data["condition"], transcript=transcript, by=by)
    except ValidationError as exc:
        _form_errors(form, exc)
        return None


def _item_rows(formset) -> list:
    """The item table as (item or None, values or None to delete); untouched empty rows left out."""
    rows = []
    for form in formset.forms:
        item = form.instance if form.instance.pk else None
        if form in formset.deleted_forms:
            rows.append((item, None))
        elif item is not None or form.has_changed():
            rows.append((item, {f: form.cleaned_data[f] for f in editing.ITEM_FIELDS}))
        else:
            rows.append((None, None))
    return rows


def _formset_errors(formset, exc: ValidationError) -> None:
    for key, problems in exc.errors.items():
        row, _dot, field = key.partition(".")
        form = formset.forms[int(row)] if row.isdigit() and int(row) < len(formset.forms) else None
        for problem in problems:
            if form is not None:
                form.add_error(field if field in form.fields else None, str(problem))
            else:
                formset._non_form_errors = formset.error_class([*formset.non_form_errors(), str(problem)])


def _messages(exc: DomainError) -> list[str]:
    """Every problem of a refusal, each naming its field ("rules.4.condition.all[1].pattern: …")."""
    if not getattr(exc, "errors", None):
        return [exc.message]
    return [f"{field}: {problem}" for field, problems in exc.errors.items() for problem in problems]


# Where the services name a field differently from the pages' forms.
FIELD_ALIASES = {"item_id": "item"}


def _form_errors(form: forms.Form, exc: ValidationError) -> None:
    if not exc.errors:
        form.add_error(None, exc.message)
    for field, problems in exc.errors.items():
        name = FIELD_ALIASES.get(field, field)
        for problem in problems:
            if name in form.fields:
                form.add_error(name, str(problem))
            elif field.startswith("condition."):
                form.add_error("condition", f"{field.removeprefix('condition.')}: {problem}")
            else:
                form.add_error(None, f"{field}: {problem}")
