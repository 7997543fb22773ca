"""Care opt-out (退订): a customer who wants no more care messages — greetings, regular touches,
renewal reminders, on any channel — and the ways they say so.

The customer: the personal link at the end of every care email (`opt_out_url`, a token of their id
signed by django.core.signing that never expires and cannot be forged), the mail programs' one-click
button (the same link's List-Unsubscribe headers) or an SMS reply with an opt-out keyword
(kefu.intake.sms). Staff: on the customer page or through the API, recorded under their name, and
undone (`care_opt_in`) when the customer asks for the messages again — by whoever may edit the
customer record. The care run (kefu.crm.care) skips an opted-out customer's touches and says so.
"""

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.core.errors import NotFound, PermissionDenied
from kefu.crm.models import CareOptOut, CareStatus, CareTouch
from kefu.customers.models import Customer
from kefu.customers.services import may_edit_customer

#: How a customer opted out (`CareOptOut.via`); a member of staff who recorded it: "staff: <name>".
VIA_EMAIL_LINK = "email link"
VIA_ONE_CLICK = "email one-click"
VIA_SMS = "sms reply"
VIA_STAFF = "staff: "
#: The opt-out link's signing salt: a token made for anything else never opens it.
OPT_OUT_SALT = "kefu.crm.care.opt-out"


def opt_out_token(customer_id: int) -> str:
    """The customer's personal opt-out token: their id signed with the secret key (django.core.signing).

    Without expiry — an unsubscribe link in an old email must keep working — but not forgeable: the
    MAC covers the id, so changing it (or guessing another customer's) fails."""
    return signing.Signer(salt=OPT_OUT_SALT).sign(str(customer_id))


def opt_out_url(customer_id: int) -> str:
    """The absolute link of the opt-out page (settings.SITE_URL, as the survey links)."""
    path = reverse("care_opt_out", kwargs={"token": opt_out_token(customer_id)})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def opt_out_customer(token: str) -> Customer:
    """The customer an opt-out token names; NotFound when it was tampered with or the customer is gone."""
    try:
        customer_id = int(signing.Signer(salt=OPT_OUT_SALT).unsign(token or ""))
    except (signing.BadSignature, ValueError):
        raise NotFound(_("This unsubscribe link is not valid.")) from None
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("This unsubscribe link is not valid."))
    return customer


def via_label(via: str) -> str:
    """How an opt-out came, in the reader's language."""
    labels = {
        VIA_EMAIL_LINK: _("the email's link"),
        VIA_ONE_CLICK: _("the mail program's unsubscribe button"),
        VIA_SMS: _("an SMS reply"),
    }
    if via.startswith(VIA_STAFF):
        return _("recorded by %(name)s") % {"name": via.removeprefix(VIA_STAFF)}
    return labels.get(via, via)


def _check_may_change(by: User | None) -> None:
    if not may_edit_customer(by):
        raise PermissionDenied(_("Only those who may edit the customer record change their care opt-out."))


@transaction.atomic
def care_opt_out(
    *, customer: Customer, via: str = "", by: User | None = None, now: datetime | None = None
) -> CareOptOut:
    """The customer asks for no more care messages (退订); idempotent (the first opt-out stands).
    Scheduled touches are skipped.

    `by`: the member of staff who records it (the customer asked on a call); refused unless they may
    edit the customer record (`may_edit_customer`), and `via` is then "staff: <their name>". Without
    `by` it is the customer themself: the email's link, the one-click button or an SMS reply."""
    now = now or timezone.now()
    if by is not None:
        _check_may_change(by)
        via = f"{VIA_STAFF}{by.label}"
    opt_out, _created = CareOptOut.objects.get_or_create(
        customer=customer, defaults={"at": now, "via": via[:40]}
    )
    CareTouch.objects.filter(customer=customer, status=CareStatus.SCHEDULED).update(
        status=CareStatus.SKIPPED_OPT_OUT, at=now
    )
    return opt_out


@transaction.atomic
def care_opt_in(*, customer: Customer, by: User) -> bool:
    """Care messages reach the customer again (恢复关怀): the opt-out is removed. Refused unless `by`
    may edit the customer record. Touches already skipped stay skipped (their occasion has passed);
    returns whether there was an opt-out."""
    _check_may_change(by)
    deleted, _rows = CareOptOut.objects.filter(customer=customer).delete()
    return bool(deleted)


def opt_out_of(customer: Customer) -> CareOptOut | None:
    """The customer's care opt-out, or None."""
    return CareOptOut.objects.filter(customer=customer).first()
