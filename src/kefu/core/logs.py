"""Logging helpers named in settings.LOGGING."""

import logging

from django.core.exceptions import PermissionDenied


class OneLineDenials(logging.Filter):
    """Expected refusals (403 PermissionDenied) stay one warning line, without the traceback.

    Django logs "Forbidden (Permission denied): /path" with the exception attached, and a page
    refusing a role is routine: the tracebacks buried the errors worth reading.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
