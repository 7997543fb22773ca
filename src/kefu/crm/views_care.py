"""The care calendar page (/crm/care/): rules for managers, the next 30 days, recent touches."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.forms import report_domain_error
from kefu.accounts.views import role_required
from kefu.core.errors import DomainError
from kefu.crm import care
from kefu.crm.forms import CareRuleForm
from kefu.crm.models import CareRule


@role_required(care.can_see_care)
def care_home(request):
    today = timezone.localdate()
    return render(
        request,
        "crm/care.html",
        {
            "rules": CareRule.objects.select_related("template").order_by("kind", "id"),
            "upcoming": care.upcoming(today=today),
            "touches": care.recent_touches(limit=50),
            "can_edit": care.can_manage_care(request.user),
            "today": today,
        },
    )


@role_required(care.can_see_care)
def care_rule_edit(request, pk: int | None = None):
    rule = get_object_or_404(CareRule, pk=pk) if pk else None
    if not care.can_manage_care(request.user):
        raise HttpForbidden(_("Only managers and administrators keep the care rules."))
    form = CareRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            saved = care.care_rule_save(rule=rule, by=request.user, **form.service_kwargs())
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": saved.name})
            return redirect("care:home")
    title = _("Edit %(name)s") % {"name": rule.name} if rule else _("New care rule")
    return render(request, "crm/care_rule.html", {"form": form, "title": title})
