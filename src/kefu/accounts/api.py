"""API: who am I, personal API tokens, the department tree; and how API callers sign in.

Two ways in, tried in this order (kefu/api.py installs both on every endpoint):
- `Authorization: Bearer kf_...`: a personal token, looked up by its SHA-256 digest; a token that is
  unknown, revoked or belongs to an inactive person is refused with 401 (never passed on to the session),
  and counted as a failed sign-in of the address: after KEFU_LOGIN_FAILURE_LIMIT of them the address
  gets 429 with Retry-After (kefu.accounts.throttle) until its cool-off ends.
  Each process keeps a token it has read for TOKEN_CACHE_SECONDS (10 s): a revocation or deactivation
  applies at once in the process that made it, within those seconds in the others;
- the Django session of the pages, with Django's CSRF check on unsafe methods (the `X-CSRFToken`
  header carrying the `csrftoken` cookie), so the pages' own scripts can call the API.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError
from ninja.pagination import PageNumberPagination
from ninja.responses import Status as HttpStatus
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import AfterValidator, AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

from kefu.accounts import throttle
from kefu.accounts.models import ApiToken, Department, User
from kefu.core.errors import NotFound
from kefu.core.refcache import KeyedRefCache
from kefu.core.rows import shallow_copy

# last_used_at is written at most this often per token, so a busy integration costs no write per call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _load_token(digest: str) -> ApiToken | None:
    # The digest is unique: [:1] rather than first(), which would sort by id for nothing.
    rows = ApiToken.objects.select_related("user", "user__department").filter(
        digest=digest, revoked=False, user__is_active=True
    )[:1]
    return next(iter(rows), None)


# Each token's row and owner, kept per process for a few seconds: most API calls come in bursts from
# one integration, and reading them cost more than some of the endpoints themselves. A revocation,
# a deactivation or any edit of a person or department in this process applies at once; in other
# processes within TOKEN_CACHE_SECONDS (docs/operations.md).
TOKEN_CACHE_SECONDS = 10.0
api_tokens = KeyedRefCache("accounts.api_tokens", _load_token, seconds=TOKEN_CACHE_SECONDS).watch(
    ApiToken, User, Department
)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer kf_...` (a personal API token)."""

    def __call__(self, request: HttpRequest):
        value = request.headers.get(self.header, "")
        scheme, _sep, raw = value.partition(" ")
        if scheme.lower() != "bearer":
            return None  # no token given: let the session try
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = api_tokens.get(ApiToken.hash(token)) if token else None
        if found is None:
            # Guessing costs the guesser: a locked address gets AxesMiddleware's 429 instead of this 401.
            throttle.record_failure(request, username=throttle.API_TOKEN)
            # A bad token is an error of its own, not a reason to fall back to a session cookie.
            raise AuthenticationError(
                message=_("The API token is unknown, revoked or its owner is inactive.")
            )
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now  # the kept row too, so the next call within the minute writes nothing
        # Copies: a request may change attributes of its user; the kept
        # snapshot stays as loaded.
        user = shallow_copy(found.user)
        request.api_token = shallow_copy(found)
        request.api_token.user = user
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The pages' Django session; unsafe methods must pass Django's CSRF check."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest):
        # Unlike ninja's SessionAuth, check CSRF only for a signed-in session: a request with no
        # credentials at all must get 401, not a CSRF 403.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, _("CSRF check failed: send the csrftoken cookie's value as X-CSRFToken."))
        return user


# --- shared by every API module -------------------------------------------------------------------


def user_of(request: HttpRequest) -> User:
    """The person the request signed in as (token or session)."""
    return request.auth


def not_a_bool(value):
    """pydantic reads JSON true as the number 1; a number field refuses it."""
    if isinstance(value, bool):
        raise PydanticCustomError("wrong_type", _("Must be a whole number."))
    return value


# Row ids as the database can hold them (64-bit); a larger number is a 422, not a driver overflow.
# (Field first: after a validator, its bounds would reach the schema as `ge`/`le`, not JSON Schema's words.)
Id = Annotated[int, Field(ge=1, le=2**63 - 1), BeforeValidator(not_a_bool)]

# The moments the API takes. Outside these years arithmetic overflows (a deadline added to year
# 9999) or the zone database answers local mean time (year 1271 at +08:05:43, no valid RFC 3339).
ISO_DATE_START = re.compile(r"\d{4}-")
MOMENT_MIN = datetime(1970, 1, 1, tzinfo=UTC)
MOMENT_MAX = datetime(2100, 1, 1, tzinfo=UTC)


def moment_in_range(value: datetime) -> datetime:
    """Refuse a datetime before 1970 or from 2100 on (422 out_of_range); a naive one is read as UTC here."""
    if not MOMENT_MIN <= (value if value.tzinfo else value.replace(tzinfo=UTC)) < MOMENT_MAX:
        message = _("Must be between %(min)s and %(max)s.") % {
            "min": MOMENT_MIN.date().isoformat(),
            "max": MOMENT_MAX.date().isoformat(),
        }
        raise PydanticCustomError("out_of_range", message.replace("{", "{{").replace("}", "}}"))
    return value


def moment_as_text(value):
    """Only ISO 8601 text: pydantic would also read a number (or "0.5") as seconds since 1970."""
    if isinstance(value, int | float) or (isinstance(value, str) and not ISO_DATE_START.match(value)):
        raise PydanticCustomError("wrong_type", _("Must be a date and time, e.g. 2026-11-22T09:30:00+08:00."))
    return value


# A moment with its offset (Z or +08:00), in range.
Moment = Annotated[AwareDatetime, BeforeValidator(moment_as_text), AfterValidator(moment_in_range)]
# A moment that may come without offset (the center's local time), in range.
LocalMoment = Annotated[datetime, BeforeValidator(moment_as_text), AfterValidator(moment_in_range)]


class Pages(PageNumberPagination):
    """`page` and `page_size` query parameters; the answer is {"items": [...], "count": total}."""

    class Input(PageNumberPagination.Input):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=10_000, description="At most 100 are returned.")

    def __init__(self, page_size: int = 20, max_page_size: int = 100, **kwargs):
        super().__init__(page_size=page_size, max_page_size=max_page_size, **kwargs)


# --- schemas -----------------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    label: str


class DepartmentRef(Schema):
    id: int
    name: str


class GroupRef(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    label: str
    email: str
    role: str
    is_lead: bool
    is_center_staff: bool
    department: DepartmentRef | None
    superior: UserRef | None
    groups: list[GroupRef]

    @staticmethod
    def resolve_groups(obj: User):
        return obj.agent_groups.order_by("name")


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The raw token; shown this once, only its digest is stored.")


class DepartmentOut(Schema):
    id: int
    name: str
    code: str
    parent: int | None

    @staticmethod
    def resolve_parent(obj: Department) -> int | None:
        return obj.parent_id

    head: UserRef | None
    is_service_center: bool
    depth: int = 0


router = Router(tags=["accounts"])


@router.get("/me", response=MeOut, summary="Who am I")
@decorate_view(ensure_csrf_cookie)
def me(request):
    """The signed-in person; also sets the `csrftoken` cookie the pages' scripts send back as X-CSRFToken."""
    return User.objects.select_related("department", "superior").get(pk=user_of(request).pk)


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def token_list(request):
    return ApiToken.objects.filter(user=user_of(request)).order_by("-created_at", "-id")


@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    auth=[SessionAuth()],
    summary="Issue an API token (session only)",
)
def token_issue(request, payload: TokenIn):
    """Issue a personal token for the signed-in person. Needs a browser session: a token cannot mint tokens."""
    token, raw = ApiToken.issue(user=user_of(request), name=payload.name.strip() or "API")
    token.token = raw
    return HttpStatus(201, token)


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of my API tokens")
def token_revoke(request, token_id: Id):
    # Revoked, not deleted: the row keeps when it was created and last used.
    if not ApiToken.objects.filter(pk=token_id, user=user_of(request)).update(revoked=True):
        raise NotFound(_("No such token."))
    api_tokens.clear()  # an UPDATE sends no signal: this process refuses the token from now on
    return HttpStatus(204, None)


@router.get("/departments", response=list[DepartmentOut], summary="Departments, as a tree")
def department_list(request):
    """Every department in tree order (parents before children, `depth` from the root), for dispatch forms."""
    departments = list(Department.objects.select_related("head").order_by("name"))
    children: dict[int | None, list[Department]] = {}
    known = {d.pk for d in departments}
    for d in departments:
        children.setdefault(d.parent_id if d.parent_id in known else None, []).append(d)
    ordered, seen = [], set()

    def walk(parent_id: int | None, depth: int) -> None:
        for d in children.get(parent_id, []):
            if d.pk in seen:
                continue
            seen.add(d.pk)
            d.depth = depth
            ordered.append(d)
            walk(d.pk, depth + 1)

    walk(None, 0)
    # A cycle in the parent links (impossible through the admin, possible by hand) still lists every row.
    for d in departments:
        if d.pk not in seen:
            d.depth = 0
            ordered.append(d)
    return ordered
