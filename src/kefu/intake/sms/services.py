"""An SMS reply (上行短信): an opt-out keyword stops the care messages of every customer with that
mobile (退订); any other text is a contact, recorded as a work order on the SMS channel."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import FieldCode, ValidationError
from kefu.crm.optout import VIA_SMS, care_opt_out
from kefu.customers.models import Customer
from kefu.customers.phones import normalise_phone
from kefu.tickets.models import Channel, Ticket, TicketType
from kefu.tickets.services import ticket_create

#: What Chinese carriers and gateways accept as "stop" (回TD退订), compared after `keyword_of`.
OPT_OUT_KEYWORDS = frozenset({"TD", "T", "N", "0000", "退订", "取消", "STOP", "UNSUBSCRIBE"})
#: The longest SMS text kept (a long SMS is at most a few hundred characters).
MAX_TEXT = 2000


def keyword_of(text: str) -> str:
    """The reply as a keyword: full-width folded to half-width (ＴＤ → TD, NFKC), trimmed of spaces
    and end punctuation, upper case."""
    return unicodedata.normalize("NFKC", text or "").strip().strip(".。!！").strip().upper()


def is_opt_out(text: str) -> bool:
    return keyword_of(text) in OPT_OUT_KEYWORDS


@dataclass(frozen=True)
class SmsReply:
    """What a reply did: how many customers it opted out, or the work order it opened."""

    opted_out: int = 0
    ticket: Ticket | None = None


@transaction.atomic
def sms_receive(
    *, sender: str, text: str, at: datetime | None = None, now: datetime | None = None
) -> SmsReply:
    """Take one SMS reply from `sender` (any way of writing the number: +86 138 …, 138…).

    An opt-out keyword (`OPT_OUT_KEYWORDS`) opts out of care every customer holding that number
    (none known: nothing, and no work order); any other text opens a consultation on the SMS channel
    for the customer with that number — a number Kefu does not know becomes a new customer with the
    number as their name, as an unknown mail sender does. `at` (when it was sent; default and at most
    `now`) is the opt-out's and the work order's time. Refuses a missing or invalid `from` and an
    empty or too long `text`, naming the field; nothing is saved then.
    """
    now = now or timezone.now()
    at = min(at or now, now)
    number = normalise_phone(sender, "from")
    if number is None:
        raise ValidationError.for_field("from", _("Give the sender's phone number."), FieldCode.REQUIRED)
    text = (text or "").strip()
    if not text:
        raise ValidationError.for_field("text", _("The SMS has no text."), FieldCode.REQUIRED)
    if len(text) > MAX_TEXT:
        raise ValidationError.for_field(
            "text", _("At most %(limit)s characters.") % {"limit": MAX_TEXT}, FieldCode.TOO_LONG
        )
    if is_opt_out(text):
        customers = list(Customer.objects.filter(phones__number=number.key).distinct().order_by("pk"))
        for customer in customers:
            care_opt_out(customer=customer, via=VIA_SMS, now=at)
        return SmsReply(opted_out=len(customers))
    created = ticket_create(
        by=None,
        ticket_type=TicketType.CONSULTATION,
        channel=Channel.SMS,
        content=text,
        customer_phone=number.key,
        now=at,
    )
    return SmsReply(ticket=created.ticket)
