"""Pages of issue 14, parts 3 and 4: order imports with their progress, the value-tier ladder,
overrides, and the customers who need a responsible person (专人负责)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.forms import report_domain_error
from kefu.accounts.models import CENTER_ROLES
from kefu.accounts.views import lead_required, role_required
from kefu.core.errors import DomainError, ValidationError
from kefu.customers.forms_tiers import ImportForm, OverrideForm, RungForm
from kefu.customers.imports import FIELDS, import_job_start
from kefu.customers.models import Customer, ImportJob, TierChange, TierLevel
from kefu.customers.tier_actions import (
    customer_assign_responsible,
    customers_needing_responsible,
    tier_level_update,
    tier_override_clear,
    tier_override_set,
)
from kefu.customers.tiers import (
    can_manage_tiers,
    change_text,
    condition_choices,
    condition_text,
    tiers_recompute,
)

tier_manager_required = role_required(can_manage_tiers)


# --- imports ---------------------------------------------------------------------------------------


def _columns(text: str) -> dict | None:
    """The mapping typed as `column=field` lines; None when empty (the saved or usual names)."""
    pairs = [line.split("=", 1) for line in (text or "").splitlines() if line.strip()]
    if any(len(p) != 2 for p in pairs):
        raise ValidationError.for_field("columns", _("Write one “column=field” a line."))
    return {column.strip(): name.strip() for column, name in pairs} or None


@lead_required
def import_list(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_start(
                source=form.cleaned_data["source"],
                kind=form.cleaned_data["kind"],
                file_name=upload.name,
                data=upload.read(),
                columns=_columns(form.cleaned_data["columns"]),
                by=request.user,
            )
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            return redirect("customers:import_job", pk=job.pk)
    jobs = ImportJob.objects.defer("data").select_related("by")[:30]
    return render(
        request,
        "customers/imports.html",
        {"form": form, "jobs": jobs, "fields": FIELDS},
        status=400 if form.errors else 200,
    )


@lead_required
def import_job(request, pk: int):
    job = get_object_or_404(ImportJob.objects.defer("data"), pk=pk)
    template = "customers/_import_progress.html" if request.htmx else "customers/import_job.html"
    return render(request, template, {"job": job})


# --- the ladder ----------------------------------------------------------------------------------------


@role_required(lambda user: user.is_center_staff)
def tier_ladder(request):
    levels = list(TierLevel.objects.annotate(members=Count("customers")))
    for level in levels:
        level.condition_texts = [condition_text(c) for c in level.conditions or ()]
    changes = list(TierChange.objects.select_related("customer", "by")[:30])
    for change in changes:
        change.text = change_text(change)
    return render(
        request,
        "customers/tiers.html",
        {"levels": levels, "changes": changes, "may_manage": can_manage_tiers(request.user)},
    )


@require_POST
@tier_manager_required
def tier_recompute_now(request):
    result = tiers_recompute(by=request.user)
    messages.success(
        request,
        _("%(customers)s customers placed on the ladder; %(changed)s changed tier.")
        % {"customers": result.customers, "changed": result.changed},
    )
    return redirect("customers:tiers")


def _condition_rows(request) -> list[dict]:
    """The condition rows of the rung form (`cond` and `cond_min` lists; an empty row is skipped)."""
    rows = []
    for what, minimum in zip(request.POST.getlist("cond"), request.POST.getlist("cond_min"), strict=False):
        if not what:
            continue
        rows.append({"flag": what[5:]} if what.startswith("flag:") else {"measure": what, "min": minimum})
    return rows


@tier_manager_required
def tier_edit(request, code: str):
    level = get_object_or_404(TierLevel, code=code)
    initial = {
        "name": level.name,
        "rank": level.rank,
        "needs_responsible": level.needs_responsible,
        "routing_priority": level.routing_priority,
    }
    form = RungForm(request.POST or None, initial=initial)
    conditions = level.conditions or []
    errors: dict = {}
    if request.method == "POST":
        conditions = _condition_rows(request)
        if form.is_valid():
            try:
                tier_level_update(level=level, by=request.user, conditions=conditions, **form.cleaned_data)
            except DomainError as exc:
                errors = exc.errors or {}
                report_domain_error(request, exc, form)
            else:
                messages.success(request, _("%(name)s was saved.") % {"name": level.name})
                return redirect("customers:tiers")
    rows = [
        {
            "value": f"flag:{c['flag']}" if "flag" in c else c.get("measure", ""),
            "min": c.get("min", ""),
            "errors": errors.get(f"conditions.{i}", []),
        }
        for i, c in enumerate(conditions, 1)
    ]
    rows += [{"value": "", "min": "", "errors": []} for _n in range(3)]
    return render(
        request,
        "customers/tier_edit.html",
        {"level": level, "form": form, "rows": rows, "choices": condition_choices()},
        status=400 if form.errors else 200,
    )


@require_POST
@tier_manager_required
def tier_override(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    if request.POST.get("clear"):
        tier_override_clear(customer=customer, by=request.user)
        messages.success(
            request, _("The tier set by hand was removed; the ladder placed the customer again.")
        )
        return redirect("customers:detail", pk=pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            tier_override_set(customer=customer, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            report_domain_error(request, exc, form)
    for message in [m for ms in form.errors.values() for m in ms]:
        messages.error(request, message)
    if not form.errors:
        messages.success(request, _("The tier was set by hand."))
    return redirect("customers:detail", pk=pk)


# --- the responsible person (专人负责) ----------------------------------------------------------------


@lead_required
def responsible_list(request):
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("customer") if v.isdigit()]
        try:
            owner_id = int(request.POST.get("owner") or 0)
            done = customer_assign_responsible(
                customers=list(Customer.objects.filter(pk__in=ids)), owner_id=owner_id, by=request.user
            )
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, _("%(n)s customers have their responsible person.") % {"n": done})
            return redirect("customers:responsible")
    colleagues = get_user_model().objects.filter(is_active=True, role__in=CENTER_ROLES).order_by("username")
    return render(
        request,
        "customers/responsible.html",
        {"customers": customers_needing_responsible()[:500], "colleagues": colleagues},
    )
