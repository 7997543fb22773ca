"""The REST API (django-ninja), mounted at /api/; interactive docs at /api/docs.

Every error has one shape, whatever raised it (a service, pydantic, ninja, Django, a crash):

    {"code": "validation_error", "message": "请更正：content", "errors": {"content": ["这个字段是必填项。"]},
     "details": [{"field": "content", "code": "required", "message": "这个字段是必填项。"}]}

`code` is stable (kefu.core.errors.ErrorCode plus the HTTP-level codes below), `message` is for
people, `errors` maps field names (dotted for nested fields) to their messages, and `details` gives
each problem's machine-readable code (kefu.core.errors.FieldCode and the apps' own error codes).
Every operation declares these answers in the OpenAPI schema (ErrorOut), once, here.
"""

import logging
from datetime import UTC, datetime
from enum import StrEnum

import orjson
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from kefu.accounts.api import SessionAuth, TokenAuth
from kefu.accounts.api import router as accounts_router
from kefu.callbacks.api import router as callbacks_router
from kefu.callcenter.api import router as telephony_router
from kefu.core.errors import DomainError, ErrorCode, FieldCode, FieldError, error_body
from kefu.core.middleware import RETRY_AFTER_SECONDS, busy_message, is_busy_error
from kefu.customers.api import rfm_router as customers_rfm_router
from kefu.customers.api import router as customers_router
from kefu.intake.sms.api import router as sms_router
from kefu.knowledge.api import router as knowledge_router
from kefu.notify.api import router as notify_router
from kefu.quality.api import router as quality_router
from kefu.reports.api import router as reports_router
from kefu.tickets.api import dispatches_router, tickets_router


class HttpErrorCode(StrEnum):
    """Codes for refusals that come from HTTP itself rather than from a service."""

    NOT_AUTHENTICATED = "not_authenticated"
    BAD_REQUEST = "bad_request"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    TOO_MANY_REQUESTS = "too_many_requests"
    SERVER_ERROR = "server_error"
    UNAVAILABLE = "service_unavailable"


HTTP_CODES = {
    400: HttpErrorCode.BAD_REQUEST,
    401: HttpErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: HttpErrorCode.METHOD_NOT_ALLOWED,
    422: ErrorCode.VALIDATION,
    429: HttpErrorCode.TOO_MANY_REQUESTS,
    500: HttpErrorCode.SERVER_ERROR,
    503: HttpErrorCode.UNAVAILABLE,
}
# How long a client should wait before retrying when the database was too busy (503).

logger = logging.getLogger(__name__)

# Where ninja says a bad value came from; the first element of every error's `loc`.
PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
# The names the endpoints give their schema parameters; dropped from field names.
SCHEMA_PARAMS = {"payload", "filters"}


class LocalTimeEncoder(NinjaJSONEncoder):
    """Datetimes as RFC 3339 in the center's time zone with its offset (2026-11-22T09:30:00+08:00)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = timezone.get_current_timezone()  # once per answer, not per moment

    def default(self, o):
        if isinstance(o, datetime) and o.utcoffset() is not None:
            local = o.astimezone(self.zone)
            # Before 1901 the zone database gives local mean time (+08:05:43): RFC 3339 has no
            # seconds in an offset, so such a moment is written in UTC.
            if int(local.utcoffset().total_seconds()) % 60:
                local = o.astimezone(UTC)
            return local.isoformat()
        return super().default(o)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class BodyNotAnObject(ValueError):
    """The JSON body is a list, a string or a number: every endpoint takes an object."""


class KefuParser(Parser):
    """JSON bodies and query strings, refusing NUL characters (PostgreSQL cannot store them in text)."""

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        if _has_nul(data):
            raise ValueError("NUL character in the request body")  # ninja answers 400 bad_request
        if not isinstance(data, dict):
            # Every body is an object of fields; ninja's schemas would read a list or a string as
            # "no field given" and answer 200 for nothing. ninja turns this into a 400 caused by it,
            # which on_http_error answers as the 422 it is.
            raise BodyNotAnObject
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
    """Answers encoded by orjson, several times faster than the standard library's json on large
    answers (a month of KPIs by 30 minutes is 1,440 rows of figures), with LocalTimeEncoder deciding
    what orjson hands back: every date and time (OPT_PASSTHROUGH_DATETIME, so a moment is written in
    the center's zone as before), Decimals, lazy translations and pydantic models. Keys that are not
    text (ids) are written as text, as json does."""

    encoder_class = LocalTimeEncoder
    options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(self, request, data, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=self.encoder_class().default, option=self.options)


# --- the error format, declared once for every operation ------------------------------------------


class ProblemOut(Schema):
    field: str = Field(
        ..., description="Dotted field name (`channel_details.reference_number`, `department_ids.0`)."
    )
    code: str = Field(..., description="What is wrong, machine-readable (docs/api.md lists the codes).")
    message: str = Field(..., description="The same, for people, in the request's language.")


class ErrorOut(Schema):
    """Every refusal and failure of the API."""

    code: str = Field(
        ...,
        description="validation_error, not_found, permission_denied, transition_not_allowed, stale_version, "
        "bad_request, not_authenticated, method_not_allowed, too_many_requests, server_error, "
        "service_unavailable",
    )
    message: str
    errors: dict[str, list[str]] = Field(..., description="Each field's messages.")
    details: list[ProblemOut] = Field(..., description="Each problem of each field, with its code.")


# Declared on every operation (401 only where it needs credentials); 409 on writes, 400 where a
# body is read. `default` covers the rest: 405, 429, 500, 503.
ERROR_ANSWERS = {
    400: "The body is not JSON.",
    401: "No, unknown or revoked credentials.",
    403: "Signed in, but not allowed.",
    404: "No such record, or one the caller may not see.",
    409: "Not possible in the record's current state, or changed by someone else meanwhile.",
    422: "Bad input: `details` names each field and problem.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def declare_errors(schema: dict) -> dict:
    """Add the error answers (ErrorOut) to every operation of an OpenAPI schema."""
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(error_schema.pop("$defs", {}))
    components["ErrorOut"] = error_schema
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            statuses = {403, 404, 422}
            if operation.get("security"):
                statuses.add(401)
            if method in WRITE_METHODS:
                statuses.add(409)
            if "requestBody" in operation:
                statuses.add(400)
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(status, {"description": ERROR_ANSWERS[status], "content": content})
            responses["default"] = {
                "description": "Any other error (405, 429, 500, 503).",
                "content": content,
            }
    return schema


class KefuAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return declare_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = KefuAPI(
    title="Kefu API",
    version="1",
    description=(
        "Work orders, dispatches, customers and accounts of the Kefu service center. "
        "Sign in with `Authorization: Bearer kf_...` (issue a token at POST /api/tokens from a browser "
        "session) or with the pages' session (unsafe methods need the X-CSRFToken header). "
        'Errors: `{"code", "message", "errors": {field: [messages]}, "details": [{field, code, message}]}`.'
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    renderer=KefuRenderer(),
    parser=KefuParser(),
)


def error_response(request: HttpRequest, status: int, code: str, message: str, errors: dict | None = None):
    return api.create_response(request, error_body(code, message, errors), status=status)


def field_name(loc: list | tuple) -> str:
    """ninja's error location (["body", "payload", "customer", "phone"]) as a dotted field name."""
    parts = [str(p) for p in loc]
    source = parts.pop(0) if parts and parts[0] in PARAM_SOURCES else ""
    if len(parts) > 1 and parts[0] in SCHEMA_PARAMS:
        parts.pop(0)
    if parts and parts[0] in SCHEMA_PARAMS and source == "body":
        return "body"  # the whole body is missing or not an object
    return ".".join(parts) or source or "request"


def _problems() -> dict:
    """pydantic's error types → (our code, the message for people from the error's context).

    Built per call so the messages follow the request's language, not pydantic's English.
    """
    whole = _("Must be a whole number.")
    moment = _("Must be a date and time with its offset, e.g. 2026-11-22T09:30:00+08:00.")
    date = _("Must be a date, e.g. 2026-11-22.")
    an_object = _("Must be a JSON object.")
    return {
        "missing": (FieldCode.REQUIRED, _("This field is required.")),
        "string_too_long": (FieldCode.TOO_LONG, _("At most %(max_length)s characters.")),
        "too_long": (FieldCode.TOO_LONG, _("At most %(max_length)s items.")),
        "string_too_short": (FieldCode.TOO_SHORT, _("At least %(min_length)s characters.")),
        "too_short": (FieldCode.TOO_SHORT, _("At least %(min_length)s items.")),
        "greater_than_equal": (FieldCode.OUT_OF_RANGE, _("Must be at least %(ge)s.")),
        "greater_than": (FieldCode.OUT_OF_RANGE, _("Must be more than %(gt)s.")),
        "less_than_equal": (FieldCode.OUT_OF_RANGE, _("Must be at most %(le)s.")),
        "less_than": (FieldCode.OUT_OF_RANGE, _("Must be less than %(lt)s.")),
        "enum": (FieldCode.INVALID_CHOICE, _("Must be one of: %(expected)s.")),
        "literal_error": (FieldCode.INVALID_CHOICE, _("Must be one of: %(expected)s.")),
        "timezone_aware": (FieldCode.TIMEZONE_REQUIRED, _("Give the time with its offset (Z or +08:00).")),
        "int_parsing": (FieldCode.WRONG_TYPE, whole),
        "int_type": (FieldCode.WRONG_TYPE, whole),
        "int_from_float": (FieldCode.WRONG_TYPE, whole),
        "int_parsing_size": (FieldCode.OUT_OF_RANGE, whole),
        "float_parsing": (FieldCode.WRONG_TYPE, _("Must be a number.")),
        "float_type": (FieldCode.WRONG_TYPE, _("Must be a number.")),
        "bool_parsing": (FieldCode.WRONG_TYPE, _("Must be true or false.")),
        "bool_type": (FieldCode.WRONG_TYPE, _("Must be true or false.")),
        "string_type": (FieldCode.WRONG_TYPE, _("Must be text.")),
        "list_type": (FieldCode.WRONG_TYPE, _("Must be a list.")),
        "dict_type": (FieldCode.WRONG_TYPE, an_object),
        "model_type": (FieldCode.WRONG_TYPE, an_object),
        "model_attributes_type": (FieldCode.WRONG_TYPE, an_object),
        "datetime_parsing": (FieldCode.WRONG_TYPE, moment),
        "datetime_type": (FieldCode.WRONG_TYPE, moment),
        "datetime_from_date_parsing": (FieldCode.WRONG_TYPE, moment),
        "datetime_object_invalid": (FieldCode.WRONG_TYPE, moment),
        "date_parsing": (FieldCode.WRONG_TYPE, date),
        "date_type": (FieldCode.WRONG_TYPE, date),
        "date_from_datetime_parsing": (FieldCode.WRONG_TYPE, date),
    }


def schema_problem(error: dict, problems: dict) -> FieldError:
    """One pydantic error as our message with its code."""
    kind = error.get("type", "")
    if kind in FieldCode.__members__.values():  # our own validators' PydanticCustomError
        return FieldError(error.get("msg") or _("Invalid value."), kind)
    if kind in problems:
        code, template = problems[kind]
        try:
            return FieldError(template % (error.get("ctx") or {}), code)
        except (KeyError, TypeError, ValueError):
            return FieldError(template.split("%", 1)[0].rstrip(" :：") or _("Invalid value."), code)
    # Our field validators raise ValueError with a translated message; pydantic prefixes it.
    text = str(error.get("msg") or "").removeprefix("Value error, ")
    return FieldError(text if kind == "value_error" and text else _("Invalid value."), FieldCode.INVALID)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.http_status)


@api.exception_handler(SchemaValidationError)
def on_schema_error(request, exc: SchemaValidationError) -> HttpResponse:
    problems = _problems()
    errors: dict[str, list[FieldError]] = {}
    for error in exc.errors:
        errors.setdefault(field_name(error.get("loc", ())), []).append(schema_problem(error, problems))
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
    if isinstance(exc.__cause__, BodyNotAnObject):
        return on_schema_error(request, SchemaValidationError([{"loc": ("body",), "type": "model_type"}]))
    code = HTTP_CODES.get(exc.status_code, HttpErrorCode.BAD_REQUEST)
    message = str(exc)
    if message.startswith("Cannot parse request body"):  # ninja's English
        message = _("The body is not valid JSON.")
    if exc.status_code == 401 and message == "Unauthorized":
        message = _("Sign in: send Authorization: Bearer <token>, or use a browser session.")
    response = error_response(request, exc.status_code, code, message)
    if getattr(exc, "wait", None):  # ninja's Throttled: when to try again
        response["Retry-After"] = str(int(exc.wait))
    return response


@api.exception_handler(ObjectDoesNotExist)
@api.exception_handler(Http404)
def on_not_found(request, exc: Exception) -> HttpResponse:
    return error_response(request, 404, ErrorCode.NOT_FOUND, _("Not found."))


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request, exc: Exception) -> HttpResponse:
    return error_response(request, 403, ErrorCode.PERMISSION_DENIED, str(exc) or _("Permission denied."))


@api.exception_handler(OperationalError)
def on_database_error(request, exc: OperationalError) -> HttpResponse:
    """A busy database (kefu.core.middleware.is_busy_error decides what that is): a 503 the client may
    retry, not a crash; the same answer the middleware gives outside the API's own handling."""
    if not is_busy_error(exc):
        return on_server_error(request, exc)
    logger.warning("API %s %s: database busy (%s)", request.method, request.path, exc)
    response = error_response(request, 503, HttpErrorCode.UNAVAILABLE, busy_message())
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(Exception)
def on_server_error(request, exc: Exception) -> HttpResponse:
    """A bug: logged with its traceback, answered in the error format rather than Django's HTML page."""
    logger.error("API %s %s failed", request.method, request.path, exc_info=exc)
    return error_response(
        request, 500, HttpErrorCode.SERVER_ERROR, _("Something went wrong on our side; it has been logged.")
    )


api.add_router("/tickets", tickets_router)
api.add_router("/dispatches", dispatches_router)
api.add_router("/customers/rfm", customers_rfm_router)  # before /customers/{customer_id}
api.add_router("/customers", customers_router)
api.add_router("/notifications", notify_router)
api.add_router("/telephony", telephony_router)
api.add_router("/sms", sms_router)
api.add_router("/callbacks", callbacks_router)
api.add_router("/knowledge", knowledge_router)
api.add_router("/quality", quality_router)
api.add_router("/reports", reports_router)
api.add_router("", accounts_router)


class ApiErrorsMiddleware:
    """Under /api/, an error that Django or ninja answered outside the API's handlers (an unknown
    path's 404, a wrong method's 405) gets the API's JSON error too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        if status == 405:
            message = _("%(method)s is not allowed here.") % {"method": request.method}
        elif status == 404:
            message = _("Not found.")
        else:
            message = response.reason_phrase
        json_response = error_response(
            request, status, HTTP_CODES.get(status, HttpErrorCode.BAD_REQUEST), message
        )
        for header in ("Allow", "Retry-After"):  # which methods (405); when to try again (429, 503)
            if response.has_header(header):
                json_response[header] = response[header]
        return json_response
