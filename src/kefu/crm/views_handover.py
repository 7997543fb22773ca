"""The hand-over pages (离职交接): what inactive colleagues still hold, and the one-step form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kefu.accounts.forms import report_domain_error
from kefu.accounts.models import User
from kefu.accounts.services import can_manage_user
from kefu.accounts.views import role_required
from kefu.core.errors import DomainError
from kefu.crm import handover as service
from kefu.crm.forms import HandoverForm
from kefu.crm.models import Handover


@role_required(service.can_hand_over)
def handover_home(request):
    return render(
        request,
        "crm/handover_home.html",
        {
            "leftovers": service.leftovers(),
            "recent": Handover.objects.select_related("user", "by")[:20],
            "kinds": [(kind, service.kind_label(kind)) for kind in service.KINDS],
        },
    )


@role_required(service.can_hand_over)
def handover_page(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    if not can_manage_user(request.user, user):
        raise HttpForbidden(_("You may not edit %(name)s.") % {"name": user.label})
    form = HandoverForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            record = service.handover(user=user, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(
                request,
                _("%(name)s's work was handed over (%(told)s customers told).")
                % {"name": user.label, "told": record.notified},
            )
            return redirect("handover:home")
    held = service.held_counts(user)
    return render(
        request,
        "crm/handover.html",
        {
            "person": user,
            "form": form,
            "held": [(service.kind_label(kind), held[kind]) for kind in service.KINDS],
        },
    )
