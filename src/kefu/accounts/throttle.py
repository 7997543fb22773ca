"""Throttling and lockout of sign-in attempts, on django-axes (docs/operations.md, Security).

One mechanism for every door that takes a secret: the login pages (Django's `authenticate`, which
axes watches through its backend), unknown API tokens and the portal's number + phone look-up (both
reported here as failed logins under a pseudo user name). A client is locked once the account has
KEFU_LOGIN_FAILURE_LIMIT failures within the cool-off, or the address KEFU_LOGIN_ADDRESS_FAILURE_LIMIT;
the cool-off doubles with every further round of failures in the last day (back-off), up to a day.
axes keeps the attempts, the failures and the successful logins in the database, shown in the admin
(登录审计).
"""

from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_credentials
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

# Pseudo user names: unknown API tokens are throttled per address alone (no account to lock);
# portal look-ups per work-order number and per address.
API_TOKEN = "api-token"
PORTAL_PREFIX = "portal:"
BACKOFF_WINDOW = timedelta(days=1)
MAX_COOL_OFF = timedelta(days=1)


def lockout_parameters(request_or_attempt, credentials: dict | None = None) -> list:
    """Lock the account at KEFU_LOGIN_FAILURE_LIMIT failures, the address at the (higher) address limit.

    axes has one limit for every parameter, so the address joins the lock only once its own failures
    reach the address limit: a call center behind one NAT address is not locked out by a few
    agents' typos. Unknown API tokens have no account: they are counted per address alone.
    """
    if credentials is not None:
        username = credentials.get("username")
    else:
        username = getattr(request_or_attempt, "username", None)
    if username == API_TOKEN:
        return ["ip_address"]
    if isinstance(request_or_attempt, HttpRequest) and _address_failures(request_or_attempt) >= (
        settings.KEFU_LOGIN_ADDRESS_FAILURE_LIMIT
    ):
        return ["username", "ip_address"]
    return ["username"]


def _address_failures(request: HttpRequest) -> int:
    ip = getattr(request, "axes_ip_address", None)
    if not ip:
        return 0
    since = timezone.now() - cool_off(request)
    total = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


def _username(request: HttpRequest) -> str | None:
    hinted = getattr(request, "kefu_login_username", None)
    if hinted:
        return hinted
    return get_client_username(request, getattr(request, "axes_credentials", None))


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """KEFU_LOGIN_COOLOFF_MINUTES, doubled for each further round of failures in the last day.

    A round is a limit's worth: KEFU_LOGIN_FAILURE_LIMIT failures of the account, or the address
    limit's worth of failures from the address, whichever has more rounds.
    """
    base = timedelta(minutes=settings.KEFU_LOGIN_COOLOFF_MINUTES)
    if request is None:
        return base
    cached = getattr(request, "_kefu_cool_off", None)
    if cached is not None:
        return cached
    ip, username = getattr(request, "axes_ip_address", None), _username(request)
    since = timezone.now() - BACKOFF_WINDOW
    limit = max(1, settings.KEFU_LOGIN_FAILURE_LIMIT)
    rounds = 0
    if username and username != API_TOKEN:
        rounds = AccessFailureLog.objects.filter(username=username, attempt_time__gte=since).count() // limit
    if ip:
        address_limit = limit if username == API_TOKEN else max(1, settings.KEFU_LOGIN_ADDRESS_FAILURE_LIMIT)
        from_address = AccessFailureLog.objects.filter(ip_address=ip, attempt_time__gte=since).count()
        rounds = max(rounds, from_address // address_limit)
    value = min(base * (2 ** min(max(0, rounds - 1), 16)), MAX_COOL_OFF)
    request._kefu_cool_off = value
    return value


def retry_after(request: HttpRequest) -> int:
    """Seconds until the client may try again (the whole cool-off: each refused try restarts it)."""
    return int(cool_off(request).total_seconds())


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None):
    """429 with Retry-After: JSON under /api/ (the API's error shape), a page elsewhere."""
    seconds = retry_after(request)
    minutes = max(1, round(seconds / 60))
    message = _("Too many failed attempts. Try again in %(minutes)s minutes.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": "too_many_requests", "message": message, "errors": {}},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = render(request, "registration/locked.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _prepared(request: HttpRequest, username: str) -> dict:
    AxesProxyHandler.update_request(request)
    request.kefu_login_username = username
    return get_credentials(username)


def is_locked(request: HttpRequest, *, username: str) -> bool:
    """Whether `username` (or the request's address) is locked out now."""
    return AxesProxyHandler.is_locked(request, _prepared(request, username))


def record_failure(request: HttpRequest, *, username: str) -> bool:
    """Count a failed attempt as axes counts a failed login; True when the client is now locked.

    The request is marked, so AxesMiddleware answers with lockout_response instead of the view's answer.
    """
    credentials = _prepared(request, username)
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return bool(getattr(request, "axes_locked_out", False))


def portal_username(number: str) -> str:
    return f"{PORTAL_PREFIX}{number}"
