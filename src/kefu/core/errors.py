"""Domain errors raised by services and rendered once: as HTTP 4xx in the API, as form errors in pages."""

from enum import StrEnum


class ErrorCode(StrEnum):
    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    STALE_VERSION = "stale_version"


class DomainError(Exception):
    """Base of every refusal a service can give; `code` is stable, `message` is for people."""

    code: ErrorCode = ErrorCode.VALIDATION
    http_status = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.errors = errors or {}

    def as_dict(self) -> dict:
        return {"code": str(self.code), "message": self.message, "errors": self.errors}


class ValidationError(DomainError):
    """Bad input; `errors` maps each field name to its messages."""

    code = ErrorCode.VALIDATION
    http_status = 422

    @classmethod
    def for_field(cls, field: str, message: str) -> "ValidationError":
        return cls(f"{field}: {message}", errors={field: [str(message)]})


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
