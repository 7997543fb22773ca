"""Care opt-out (退订): the customer's public page behind the email's link, and staff's buttons on the
customer page. The rules (the token, who may change it, what an opt-out stops) are in kefu.crm.optout."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kefu.core.errors import DomainError, NotFound
from kefu.crm import optout
from kefu.customers.models import Customer
from kefu.customers.privacy import mask_name

#: The body a mail program posts for its unsubscribe button (RFC 8058).
ONE_CLICK = ("List-Unsubscribe", "One-Click")


def _csrf_refusal(request):
    """The 403 Django's CSRF check gives this request, or None when it passes."""
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})


# Exempt from Django's CSRF check as a whole because Gmail and Outlook post the one-click form
# (List-Unsubscribe=One-Click, RFC 8058) from their servers, without our cookie or token: the signed
# link alone authorises it. Every other POST (the page's own button) is checked by `_csrf_refusal`.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def opt_out(request, token: str):
    """GET: who is unsubscribing (the name masked) and a button; POST: unsubscribed (idempotent)."""
    try:
        customer = optout.opt_out_customer(token)
    except NotFound as exc:
        return render(request, "crm/opt_out.html", {"invalid": exc.message}, status=400)
    if request.method == "POST":
        one_click = request.POST.get(ONE_CLICK[0]) == ONE_CLICK[1]
        if not one_click:
            refused = _csrf_refusal(request)
            if refused is not None:
                return refused
        optout.care_opt_out(
            customer=customer, via=optout.VIA_ONE_CLICK if one_click else optout.VIA_EMAIL_LINK
        )
        if not one_click:
            return redirect("care_opt_out", token=token)
    return render(
        request,
        "crm/opt_out.html",
        {"name": mask_name(customer.name), "opted_out": optout.opt_out_of(customer)},
    )


@login_required
@require_POST
def staff_opt_out(request, pk: int):
    """Record the customer's opt-out (they asked on a call, at the desk …), by the signed-in person."""
    customer = get_object_or_404(Customer, pk=pk)
    try:
        optout.care_opt_out(customer=customer, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s receives no more care messages.") % {"name": customer.name})
    return redirect("customers:detail", pk=pk)


@login_required
@require_POST
def staff_opt_in(request, pk: int):
    """Care messages reach the customer again (they asked for them back)."""
    customer = get_object_or_404(Customer, pk=pk)
    try:
        optout.care_opt_in(customer=customer, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s receives care messages again.") % {"name": customer.name})
    return redirect("customers:detail", pk=pk)
