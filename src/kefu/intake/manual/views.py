"""Capture pages of the manual channels (/intake/<channel>/new/): nothing is saved unless all of it is."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kefu.accounts.forms import report_domain_error
from kefu.accounts.views import center_staff_required
from kefu.core.errors import DomainError, StaleVersion
from kefu.intake.manual.facts import FACTS
from kefu.intake.manual.forms import FactsEditForm, ManualCaptureForm
from kefu.intake.manual.services import ticket_create_with_details
from kefu.tickets import permissions, selectors, services
from kefu.tickets.models import Channel


@center_staff_required
def capture(request, channel: str):
    if channel not in FACTS:
        raise Http404(_("No such channel."))
    form = ManualCaptureForm(request.POST or None, request.FILES or None, channel=channel)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                ticket = ticket_create_with_details(by=request.user, **form.service_kwargs())
                for uploaded in form.cleaned_data["attachments"]:
                    services.ticket_attach(ticket=ticket, by=request.user, uploaded_file=uploaded)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("Work order %(number)s was recorded.") % {"number": ticket.number})
            return redirect("tickets:detail", number=ticket.number)
    context = {
        "form": form,
        "channel": channel,
        "channel_label": Channel(channel).label,
        "channels": [(key, Channel(key).label) for key in FACTS],
        **selectors.customer_card(user=request.user, phone=form["customer_phone"].value() or ""),
    }
    return render(request, "intake_manual/capture.html", context, status=400 if form.is_bound else 200)


@center_staff_required
def edit_facts(request, number: str):
    """Correct a recorded work order's channel facts (e.g. the regulator moved its deadline)."""
    ticket = selectors.visible_ticket(user=request.user, number=number)
    if ticket is None:
        raise Http404(_("No such work order."))
    if ticket.channel not in FACTS:
        raise Http404(_("This channel has no facts."))
    if not permissions.can_edit(request.user, ticket):
        raise PermissionDenied(_("You may not edit this work order."))
    initial = {
        "version": ticket.version,
        **{f"fact_{k}": v for k, v in (ticket.channel_details or {}).items()},
    }
    form = FactsEditForm(request.POST or None, initial=initial, channel=ticket.channel)
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_update(
                ticket=ticket, by=request.user, version=form.cleaned_data["version"], **form.service_kwargs()
            )
        except StaleVersion as exc:
            report_domain_error(request, exc)
            return redirect("tickets:detail", number=ticket.number)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("%(number)s was saved.") % {"number": ticket.number})
            return redirect("tickets:detail", number=ticket.number)
    context = {"ticket": ticket, "form": form, "channel_label": Channel(ticket.channel).label}
    return render(request, "intake_manual/edit_facts.html", context, status=400 if form.errors else 200)
