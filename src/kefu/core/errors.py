"""Domain errors raised by services and rendered once: as HTTP 4xx in the API, as form errors in pages.

Codes come in two kinds, both stable strings a client can act on:
- `ErrorCode`: what kind of refusal the whole request got (the `code` of an API error);
- `FieldCode`: what is wrong with one field (each entry of `details`). The generic problems live here,
  in core, because the API layer finds them in every app (required, too long, out of range ...); a
  rule that belongs to one app has its code in that app's `error_codes.py` (as Saleor does), since
  core imports no app. Every code is listed in docs/api.md (a test checks it).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    STALE_VERSION = "stale_version"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"  # the same Idempotency-Key with another body


class FieldCode(StrEnum):
    """What is wrong with one field, whatever the app."""

    INVALID = "invalid"  # a rule of the field's own (the message says which)
    REQUIRED = "required"
    WRONG_TYPE = "wrong_type"  # not a number, not a date, not an object ...
    INVALID_CHOICE = "invalid_choice"  # not one of the allowed values
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    OUT_OF_RANGE = "out_of_range"  # a number or date beyond what Kefu accepts
    TIMEZONE_REQUIRED = "timezone_required"
    NOT_FOUND = "not_found"  # the id names no record (or none the caller may see)
    NOT_EDITABLE = "not_editable"


class FieldError(str):
    """One problem of one field: the message for people, carrying its machine-readable `code`.

    A str, so pages, forms and templates that show `errors` keep working unchanged; the API reads
    `code` to fill `details`.
    """

    code: str

    def __new__(cls, message: str, code: StrEnum | str = FieldCode.INVALID) -> "FieldError":
        obj = super().__new__(cls, str(message))
        obj.code = str(code)
        return obj


def code_of(message) -> str:
    """The code of a field message; a plain string is a rule of the field's own (`invalid`)."""
    return getattr(message, "code", FieldCode.INVALID.value)


def error_details(errors: dict) -> list[dict]:
    """`errors` ({field: [messages]}) as one {field, code, message} entry per problem."""
    return [
        {"field": field, "code": code_of(message), "message": str(message)}
        for field, messages in errors.items()
        for message in messages
    ]


def error_body(code: str, message: str, errors: dict | None = None) -> dict:
    """The one shape of every API error (docs/api.md)."""
    errors = errors or {}
    return {
        "code": str(code),
        "message": str(message),
        "errors": {field: [str(m) for m in messages] for field, messages in errors.items()},
        "details": error_details(errors),
    }


class DomainError(Exception):
    """Base of every refusal a service can give; `code` is stable, `message` is for people."""

    code: ErrorCode = ErrorCode.VALIDATION
    http_status = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.errors = errors or {}

    def as_dict(self) -> dict:
        return error_body(self.code, self.message, self.errors)


class ValidationError(DomainError):
    """Bad input; `errors` maps each field name to its messages (FieldError carries a code)."""

    code = ErrorCode.VALIDATION
    http_status = 422

    @classmethod
    def for_field(cls, field: str, message: str, code: StrEnum | str | None = None) -> "ValidationError":
        """A refusal of one field; `code` defaults to the message's own (FieldError) or `invalid`."""
        return cls(f"{field}: {message}", errors={field: [FieldError(message, code or code_of(message))]})


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND
    http_status = 404


class PermissionDenied(DomainError):
    code = ErrorCode.PERMISSION_DENIED
    http_status = 403


class TransitionNotAllowed(DomainError):
    code = ErrorCode.TRANSITION_NOT_ALLOWED
    http_status = 409


class StaleVersion(DomainError):
    """Someone else changed the record after it was read; nothing was written."""

    code = ErrorCode.STALE_VERSION
    http_status = 409
