"""Telephony API: the CTI event endpoint a PBX integration calls, and calls of a work order or customer.

POST /api/telephony/events takes a request signed with settings.KEFU_CTI_SECRET (X-Kefu-Timestamp and
X-Kefu-Signature, the scheme of the outgoing webhooks: nothing captured can be replayed), the shared
secret of settings.KEFU_CTI_TOKEN in the `X-Kefu-CTI-Token` header (the PBX acts as the system), or a
personal API token of service-center staff.
"""

import hmac
from datetime import datetime
from typing import Annotated, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader
from pydantic import BeforeValidator, field_validator

from kefu.accounts.api import Id, Moment, SessionAuth, TokenAuth, not_a_bool
from kefu.callcenter import agent_states, selectors, services
from kefu.core import signatures
from kefu.core.errors import NotFound, PermissionDenied, ValidationError
from kefu.tickets.models import Ticket
from kefu.tickets.permissions import can_view

CTI_HEADER = "X-Kefu-CTI-Token"


class CtiTokenAuth(APIKeyHeader):
    """`X-Kefu-CTI-Token: <settings.KEFU_CTI_TOKEN>`; a wrong value is refused, not passed on."""

    param_name = CTI_HEADER

    def authenticate(self, request: HttpRequest, key):
        if not key:
            return None
        expected = getattr(settings, "KEFU_CTI_TOKEN", "")
        if not expected or not hmac.compare_digest(key.encode(), expected.encode()):
            raise AuthenticationError(message=_("The CTI token is wrong, or no KEFU_CTI_TOKEN is set."))
        request.cti_system = True
        return "cti"


class CtiSignatureAuth(APIKeyHeader):
    """X-Kefu-Timestamp + X-Kefu-Signature over the raw body with settings.KEFU_CTI_SECRET.

    A timestamp further than KEFU_CTI_SIGNATURE_TOLERANCE seconds from now, a wrong MAC and a request
    already received are refused (401), not passed on to the other ways in. Another endpoint signed
    the same way (the SMS gateway's replies) subclasses it with its own settings and messages.
    """

    param_name = signatures.SIGNATURE_HEADER
    secret_setting = "KEFU_CTI_SECRET"
    tolerance_setting = "KEFU_CTI_SIGNATURE_TOLERANCE"

    def no_secret(self) -> str:
        return _("Signed CTI requests need KEFU_CTI_SECRET on the server.")

    def refused(self, reason: str) -> str:
        return _("The CTI signature is refused: %(reason)s") % {"reason": reason}

    def authenticate(self, request: HttpRequest, key):
        if not key:
            return None
        secret = getattr(settings, self.secret_setting, "")
        if not secret:
            raise AuthenticationError(message=self.no_secret())
        try:
            signatures.verify(
                secret=secret,
                timestamp=request.headers.get(signatures.TIMESTAMP_HEADER, ""),
                signature=key,
                body=request.body,
                tolerance=getattr(settings, self.tolerance_setting),
            )
        except signatures.BadSignature as exc:
            raise AuthenticationError(message=self.refused(str(exc))) from None
        request.cti_system = True
        return "cti"


router = Router(tags=["telephony"])


class CtiEventIn(Schema):
    event: Literal["ring", "answer", "hangup"]
    call_id: str = Field(
        min_length=1, max_length=120, description="the PBX's id of the call (Asterisk uniqueid)"
    )
    at: Moment | None = Field(None, description="when it happened, with offset; default: now")
    caller: str = Field("", max_length=40, description="the caller's number")
    called: str = Field("", max_length=40, description="the number dialled (hotline, DID)")
    agent: str = Field("", max_length=80, description="extension, CTI agent id or username of the agent")
    queue: str = Field("", max_length=80)
    direction: Literal["inbound", "outbound", "internal"] | None = None
    outcome: Literal["answered", "abandoned", "transferred", "timed_out", "failed"] | None = Field(
        None, description="hangup only; default: answered if answered, else abandoned"
    )
    wrapup_seconds: Annotated[int, Field(ge=0, le=86400), BeforeValidator(not_a_bool)] | None = None
    hold_seconds: Annotated[int, Field(ge=0, le=86400), BeforeValidator(not_a_bool)] | None = Field(
        None, description="hangup only: seconds the caller was on hold during the talk"
    )
    wrapup_code: str = Field("", max_length=80)
    recording_url: str = Field("", max_length=500)

    @field_validator("call_id")
    @classmethod
    def _call_id(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(_("Give the PBX's call id."))
        return value

    @field_validator("recording_url")
    @classmethod
    def _recording(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(_("Give an http(s) URL."))
        return value


class CallOut(Schema):
    id: int
    source: str
    external_id: str
    queue: str
    caller_number: str
    called_number: str
    direction: str
    outcome: str
    arrived_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: int | None
    talk_seconds: int | None
    hold_seconds: int | None
    wrapup_seconds: int | None
    wrapup_code: str
    agent: str | None = Field(None, alias="agent.username")
    customer_id: int | None
    ticket: str | None = Field(None, alias="ticket.number")
    recording_url: str


def _staff(request: HttpRequest):
    if getattr(request, "cti_system", False):
        return None
    user = request.auth
    if not (user.is_center_staff or user.is_superuser):
        raise PermissionDenied(_("Only service-center staff and the PBX send call events."))
    return user


@router.post(
    "/events",
    response=CallOut,
    auth=[CtiSignatureAuth(), CtiTokenAuth(), TokenAuth()],
    summary="A PBX call event",
)
def cti_event(request: HttpRequest, payload: CtiEventIn):
    """ring / answer / hangup of one call; repeating an event changes nothing. Ring pops the caller's card."""
    by = _staff(request)
    return services.cti_event(by=by, **payload.dict())


class AgentStateIn(Schema):
    agent: str = Field(
        min_length=1, max_length=80, description="extension, CTI agent id or username of the agent"
    )
    state: Literal["logged_out", "available", "on_contact", "wrap_up", "break"] = Field(
        description="the agent's state from `at` on"
    )
    at: Moment | None = Field(None, description="when the agent entered the state, with offset; default: now")
    reason: str = Field("", max_length=40, description="why (a break's reason code: 小休, 用餐, 培训 …)")
    event_id: str = Field(
        "", max_length=150, description="the PBX's id of this change: the same id posted again adds nothing"
    )


class AgentStateOut(Schema):
    id: int
    agent: str = Field(alias="agent.username")
    agent_id: int
    state: str
    reason: str
    at: datetime
    source: str
    external_id: str
    duplicate: bool = Field(description="true when this event id was already recorded (nothing added)")


@router.post(
    "/agent-states",
    response=AgentStateOut,
    auth=[CtiSignatureAuth(), CtiTokenAuth(), TokenAuth()],
    summary="An agent's state change (坐席状态)",
)
def cti_agent_state(request: HttpRequest, payload: AgentStateIn):
    """logged_out / available / on_contact / wrap_up / break of one agent from `at` on; late and
    repeated posts are fine (placed by time; the same event_id adds nothing)."""
    by = _staff(request)
    event, created = agent_states.agent_state_from_pbx(by=by, **payload.dict())
    event.duplicate = not created
    return event


class LinkIn(Schema):
    ticket: str = Field(min_length=1, max_length=32, description="work-order number")


def _visible_ticket(request, number: str) -> Ticket:
    ticket = Ticket.objects.filter(number=number).first()
    if ticket is None or not can_view(request.auth, ticket):
        raise NotFound(_("No such work order."))
    return ticket


@router.get(
    "/calls",
    response=list[CallOut],
    auth=[TokenAuth(), SessionAuth()],
    summary="Calls of a work order or customer",
)
def call_list(request: HttpRequest, ticket: str = "", customer: Id | None = None):
    """Customers are service-center data (as in /api/customers); a work order's calls follow its visibility."""
    _staff(request)
    if ticket:
        return list(selectors.calls_of_ticket(_visible_ticket(request, ticket)).select_related("ticket"))
    if customer is not None:
        return list(selectors.calls_of_customer(customer))
    raise ValidationError.for_field("ticket", _("Give ticket=<number> or customer=<id>."))


@router.post(
    "/calls/{call_id}/link",
    response=CallOut,
    auth=[TokenAuth(), SessionAuth()],
    summary="Link a call to a work order",
)
def call_link(request: HttpRequest, call_id: Id, payload: LinkIn):
    user = _staff(request)
    call = services.call_by_id(call_id)
    return services.call_link_ticket(call=call, ticket=_visible_ticket(request, payload.ticket), by=user)
