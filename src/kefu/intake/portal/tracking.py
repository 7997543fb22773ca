"""Signed tracking links: the work-order number signed with a timestamp (django.core.signing).

The link proves nothing but possession of the link; it is valid for KEFU_PORTAL_LINK_MAX_AGE_DAYS.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from kefu.core.errors import NotFound
from kefu.tickets.models import Ticket

SALT = "kefu.intake.portal.track"


class LinkExpired(NotFound):
    """The signature is right but older than the allowed age."""


def tracking_token(ticket: Ticket) -> str:
    return signing.TimestampSigner(salt=SALT).sign(ticket.number)


def ticket_for_token(token: str) -> Ticket:
    """The work order of a tracking token; refuses tampered, expired and unknown ones."""
    max_age = timedelta(days=settings.KEFU_PORTAL_LINK_MAX_AGE_DAYS)
    try:
        number = signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired(
            _("This tracking link has expired. Look the work order up with its number and your phone.")
        ) from None
    except signing.BadSignature:
        raise NotFound(_("This tracking link is not valid.")) from None
    ticket = Ticket.objects.filter(number=number).first()
    if ticket is None:
        raise NotFound(_("This tracking link is not valid."))
    return ticket
