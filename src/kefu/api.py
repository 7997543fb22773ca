"""The REST API (django-ninja), mounted at /api/; interactive docs at /api/docs.

Every error has one shape, whatever raised it:

    {"code": "validation_error", "message": "Please correct: content", "errors": {"content": ["..."]}}

`code` is stable (kefu.core.errors.ErrorCode plus the HTTP-level codes below), `message` is for
people, `errors` maps field names (dotted for nested fields) to their messages.
"""

from datetime import datetime
from enum import StrEnum

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from kefu.accounts.api import SessionAuth, TokenAuth
from kefu.accounts.api import router as accounts_router
from kefu.callbacks.api import router as callbacks_router
from kefu.callcenter.api import router as telephony_router
from kefu.core.errors import DomainError, ErrorCode
from kefu.customers.api import router as customers_router
from kefu.knowledge.api import router as knowledge_router
from kefu.notify.api import router as notify_router
from kefu.tickets.api import dispatches_router, tickets_router


class HttpErrorCode(StrEnum):
    """Codes for refusals that come from HTTP itself rather than from a service."""

    NOT_AUTHENTICATED = "not_authenticated"
    BAD_REQUEST = "bad_request"
    TOO_MANY_REQUESTS = "too_many_requests"


HTTP_CODES = {
    400: HttpErrorCode.BAD_REQUEST,
    401: HttpErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    422: ErrorCode.VALIDATION,
    429: HttpErrorCode.TOO_MANY_REQUESTS,
}

# Where ninja says a bad value came from; the first element of every error's `loc`.
PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
# The names the endpoints give their schema parameters; dropped from field names.
SCHEMA_PARAMS = {"payload", "filters"}


class LocalTimeEncoder(NinjaJSONEncoder):
    """Datetimes as ISO 8601 in the center's time zone with its offset (2026-11-22T09:30:00+08:00)."""

    def default(self, o):
        if isinstance(o, datetime) and timezone.is_aware(o):
            return timezone.localtime(o).isoformat()
        return super().default(o)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class KefuParser(Parser):
    """JSON bodies and query strings, refusing NUL characters (PostgreSQL cannot store them in text)."""

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        if _has_nul(data):
            raise ValueError("NUL character in the request body")  # ninja answers 400 bad_request
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest):
        result = super().parse_querydict(data, list_fields, request)
        bad = [key for key, value in result.items() if _has_nul(key) or _has_nul(value)]
        if bad:
            raise SchemaValidationError(
                [{"loc": ("query", key), "msg": _("NUL characters are not allowed.")} for key in bad]
            )
        return result


class KefuRenderer(JSONRenderer):
    encoder_class = LocalTimeEncoder
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Kefu API",
    version="1",
    description=(
        "Work orders, dispatches, customers and accounts of the Kefu service center. "
        "Sign in with `Authorization: Bearer kf_...` (issue a token at POST /api/tokens from a browser "
        "session) or with the pages' session (unsafe methods need the X-CSRFToken header). "
        'Errors: `{"code", "message", "errors": {field: [messages]}}`.'
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    renderer=KefuRenderer(),
    parser=KefuParser(),
)


def error_response(request: HttpRequest, status: int, code: str, message: str, errors: dict | None = None):
    return api.create_response(
        request, {"code": str(code), "message": str(message), "errors": errors or {}}, status=status
    )


def field_name(loc: list | tuple) -> str:
    """ninja's error location (["body", "payload", "customer", "phone"]) as a dotted field name."""
    parts = [str(p) for p in loc]
    source = parts.pop(0) if parts and parts[0] in PARAM_SOURCES else ""
    if len(parts) > 1 and parts[0] in SCHEMA_PARAMS:
        parts.pop(0)
    if parts and parts[0] in SCHEMA_PARAMS and source == "body":
        return "body"  # the whole body is missing or not an object
    return ".".join(parts) or source or "request"


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.http_status)


@api.exception_handler(SchemaValidationError)
def on_schema_error(request, exc: SchemaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        text = str(error.get("msg") or _("Invalid value."))
        # pydantic prefixes the messages of our own validators; the field name already says where.
        text = text.removeprefix("Value error, ")
        errors.setdefault(field_name(error.get("loc", ())), []).append(text)
    message = _("Please correct: %(fields)s") % {"fields": ", ".join(errors)}
    return error_response(request, 422, ErrorCode.VALIDATION, message, errors)


@api.exception_handler(DjangoValidationError)
def on_model_validation_error(request, exc: DjangoValidationError) -> HttpResponse:
    errors = (
        {k: [str(m) for m in v] for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
    )
    message = "; ".join(str(m) for m in exc.messages)
    return error_response(request, 422, ErrorCode.VALIDATION, message, errors)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError) -> HttpResponse:
    code = HTTP_CODES.get(exc.status_code, HttpErrorCode.BAD_REQUEST)
    message = str(exc)
    if exc.status_code == 401 and message == "Unauthorized":
        message = _("Sign in: send Authorization: Bearer <token>, or use a browser session.")
    return error_response(request, exc.status_code, code, message)


@api.exception_handler(ObjectDoesNotExist)
@api.exception_handler(Http404)
def on_not_found(request, exc: Exception) -> HttpResponse:
    return error_response(request, 404, ErrorCode.NOT_FOUND, _("Not found."))


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request, exc: Exception) -> HttpResponse:
    return error_response(request, 403, ErrorCode.PERMISSION_DENIED, str(exc) or _("Permission denied."))


api.add_router("/tickets", tickets_router)
api.add_router("/dispatches", dispatches_router)
api.add_router("/customers", customers_router)
api.add_router("/notifications", notify_router)
api.add_router("/telephony", telephony_router)
api.add_router("/callbacks", callbacks_router)
api.add_router("/knowledge", knowledge_router)
api.add_router("", accounts_router)
