"""POST /api/sms/inbound: the SMS gateway posts each reply a customer sends to the center's number.

Signed like the CTI events (kefu.core.signatures: X-Kefu-Timestamp and X-Kefu-Signature, HMAC-SHA256
over "<timestamp>.<raw body>") with settings.KEFU_SMS_INBOUND_SECRET; nothing else gets in.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status as HttpStatus

from kefu.accounts.api import Moment
from kefu.callcenter.api import CtiSignatureAuth
from kefu.intake.sms.services import sms_receive


class SmsSignatureAuth(CtiSignatureAuth):
    """The CTI endpoint's signature scheme with the SMS gateway's own secret."""

    secret_setting = "KEFU_SMS_INBOUND_SECRET"
    tolerance_setting = "KEFU_SMS_INBOUND_SIGNATURE_TOLERANCE"

    def no_secret(self) -> str:
        return _("Signed SMS replies need KEFU_SMS_INBOUND_SECRET on the server.")

    def refused(self, reason: str) -> str:
        return _("The SMS gateway's signature is refused: %(reason)s") % {"reason": reason}


router = Router(tags=["sms"])


class SmsInboundIn(Schema):
    sender: str = Field(
        ..., alias="from", max_length=40, description="the customer's number, e.g. +86 138 0013 8000"
    )
    text: str = Field(..., max_length=2000, description="what they wrote (TD, 退订 … opt out of care)")
    at: Moment | None = Field(None, description="when it was sent, with offset; default: now")


class SmsInboundOut(Schema):
    opted_out: int = Field(0, description="customers opted out of care by this reply (an opt-out keyword)")
    ticket: str | None = Field(None, description="the number of the work order this reply opened")


@router.post(
    "/inbound",
    response={200: SmsInboundOut, 201: SmsInboundOut},
    auth=[SmsSignatureAuth()],
    summary="A customer's SMS reply (上行短信), from the SMS gateway",
)
def sms_inbound(request: HttpRequest, payload: SmsInboundIn):
    """An opt-out keyword (TD, T, N, 0000, 退订, 取消, STOP, UNSUBSCRIBE, in any case or width): 200
    with how many customers with that number were opted out of care (0 for an unknown number).
    Any other text: 201 with the work order it opened on the SMS channel."""
    reply = sms_receive(sender=payload.sender, text=payload.text, at=payload.at)
    if reply.ticket is None:
        return HttpStatus(200, {"opted_out": reply.opted_out, "ticket": None})
    return HttpStatus(201, {"opted_out": 0, "ticket": reply.ticket.number})
