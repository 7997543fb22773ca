"""A request that cannot get the database in time is answered 503 with Retry-After, never a 500.

Two ways to be busy: SQLite's one write lock stayed taken longer than KEFU_SQLITE_LOCK_TIMEOUT
(kefu.core.sqlite.base waits and retries up to then), or every pooled PostgreSQL connection stayed
in use longer than KEFU_DB_POOL_TIMEOUT. The API answers the usual JSON error with the code
"service_unavailable" (kefu.api's handler, or this middleware for what happens outside it); pages
answer a short page that needs no database to render.
"""

import logging

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
BUSY_CODE = "service_unavailable"  # the API's code for every 503 (docs/api.md)


def busy_message() -> str:
    return _("The server is busy. Try again in a few seconds.")


def is_busy_error(exc: BaseException) -> bool:
    """SQLite's "database is locked" after the whole wait, or a pool with no free connection."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ or exc
    if "database is locked" in str(cause):
        return True
    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover - the pool is a dependency; SQLite-only installs may lack it
        return False
    return isinstance(cause, PoolTimeout)


class DatabaseBusyMiddleware:
    """Turns a busy database into 503 + Retry-After (JSON under /api/, a page elsewhere)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if not is_busy_error(exc):
            return None
        # One line, not a traceback: the cause is load, and the client is told to come back.
        log.warning("busy database, answered 503: %s %s (%s)", request.method, request.path, exc)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {
                    "code": BUSY_CODE,
                    "message": busy_message(),
                    "errors": {},
                    "details": [],
                },
                status=503,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            response = HttpResponse(render_to_string("busy.html", request=None), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
