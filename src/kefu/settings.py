"""Kefu settings: one module, configured by the environment (KEFU_*).

The embedded default is SQLite (WAL) + SqliteHuey + the in-memory channel layer, so that
`kefu run` needs nothing else. Production sets KEFU_DATABASE_URL (PostgreSQL) and
KEFU_REDIS_URL (tasks, channel layer, cache); see docs/operations.md.
"""

import json
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from kefu.core.secretkey import embedded_secret_key

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("KEFU_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite database and SqliteHuey live here


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("KEFU_DEBUG", False)
DATABASE_URL = os.environ.get("KEFU_DATABASE_URL", f"sqlite:///{DATA_DIR / 'kefu.sqlite3'}")

# --- profile: "embedded" (one machine, SQLite) or "production" ----------------------------------
# Unset, the database decides: SQLite is the embedded profile, any other database is production.
# Production insists on a given secret key and turns HTTPS-only settings on by default.
KEFU_PROFILE = os.environ.get("KEFU_PROFILE", "").strip().lower() or (
    "embedded" if DATABASE_URL.startswith("sqlite") else "production"
)
if KEFU_PROFILE not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"KEFU_PROFILE must be 'embedded' or 'production', not {KEFU_PROFILE!r}")
PRODUCTION = KEFU_PROFILE == "production"

# There is no built-in key: anyone who knows the key can forge portal and survey links. Embedded, a
# random key is made on first start and kept in the data directory (0600); production must set one.
SECRET_KEY = os.environ.get("KEFU_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "KEFU_SECRET_KEY is not set. The production profile (KEFU_PROFILE=production, or a "
            "KEFU_DATABASE_URL that is not SQLite) needs the same secret key on every machine; make one with "
            'python3 -c "import secrets; print(secrets.token_urlsafe(50))" (docs/operations.md, Security).'
        )
    SECRET_KEY = embedded_secret_key(DATA_DIR)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("KEFU_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("KEFU_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
SITE_URL = os.environ.get("KEFU_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "kefu.accounts.signin_app.SignInProtectionConfig",  # django-axes, named in the reader's language
    "ninja",  # /api/docs from ninja's own static Swagger UI, not from a CDN (the CSP refuses those)
    "channels",
    "huey.contrib.djhuey",
    "kefu.core",
    "kefu.accounts",
    "kefu.customers",
    "kefu.tickets",
    "kefu.notify",
    "kefu.intake.portal",
    "kefu.intake.manual",
    "kefu.intake.chat",
    "kefu.callcenter",
    "kefu.intake.email",
    "kefu.intake.sms",  # customers' SMS replies: opt-out keywords, other text a work order
    "kefu.knowledge",
    "kefu.callbacks",
    "kefu.quality",
    "kefu.crm",  # the customer 360 view, care calendar and hand-over: reads the apps above
    "kefu.reports",  # reads every app above: the KPIs, dashboards and reports
    "kefu.demo",  # last: it loads data through every app above
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kefu.api.ApiErrorsMiddleware",  # JSON errors under /api/, also for unknown paths and methods
    "axes.middleware.AxesMiddleware",  # turns a lockout into kefu.accounts.throttle's 429
    "kefu.core.middleware.DatabaseBusyMiddleware",  # last: it sees the views' exceptions
]

ROOT_URLCONF = "kefu.urls"
ASGI_APPLICATION = "kefu.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
# Seconds a write may wait for SQLite's one write lock before the request is answered 503 (busy).
KEFU_SQLITE_LOCK_TIMEOUT = float(os.environ.get("KEFU_SQLITE_LOCK_TIMEOUT", 30))
# PostgreSQL connections each web or worker process keeps open (its pool) and may open at most;
# KEFU_DB_POOL_MAX=0: no pool (behind PgBouncer), one connection per request as before.
KEFU_DB_POOL_MIN = int(os.environ.get("KEFU_DB_POOL_MIN", 2))
KEFU_DB_POOL_MAX = int(os.environ.get("KEFU_DB_POOL_MAX", 10))
# Seconds a request waits for a free pooled connection before it is answered 503 (busy).
KEFU_DB_POOL_TIMEOUT = float(os.environ.get("KEFU_DB_POOL_TIMEOUT", 10))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend whose writers wait their turn (kefu.core.sqlite.base says why). WAL lets
    # readers run beside the one writer; IMMEDIATE transactions avoid the read-to-write upgrade
    # deadlock; busy_timeout is one attempt's wait, KEFU_SQLITE_LOCK_TIMEOUT the whole wait.
    DATABASES["default"]["ENGINE"] = "kefu.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=1000;",
        "transaction_mode": "IMMEDIATE",
    }
    # Tests on a file, not Django's shared-cache in-memory default: there a browser test's server
    # threads meet "database table is locked" (shared-cache locks ignore busy_timeout).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_kefu.sqlite3")}
elif KEFU_DB_POOL_MAX > 0:
    # A pool per process (psycopg_pool): under ASGI every request runs in a thread of its own, so
    # CONN_MAX_AGE kept nothing and each request opened a new connection. The pool needs
    # CONN_MAX_AGE 0; a connection goes back to it at the end of each request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": KEFU_DB_POOL_MIN,
        "max_size": KEFU_DB_POOL_MAX,
        "timeout": KEFU_DB_POOL_TIMEOUT,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# --- sign-in: lockout, passwords (docs/operations.md, Security) ---------------------------------
# django-axes counts failures per account and per address (kefu.accounts.throttle adds the API's
# unknown tokens and the portal look-up) and keeps the audit of logins in the admin.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "kefu.accounts.backends.AccountBackend",  # Django's ModelBackend, with fewer statements
]
KEFU_LOGIN_FAILURE_LIMIT = int(os.environ.get("KEFU_LOGIN_FAILURE_LIMIT", 10))
KEFU_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("KEFU_LOGIN_ADDRESS_FAILURE_LIMIT", 50))
KEFU_LOGIN_COOLOFF_MINUTES = int(os.environ.get("KEFU_LOGIN_COOLOFF_MINUTES", 15))
AXES_FAILURE_LIMIT = KEFU_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = "kefu.accounts.throttle.cool_off"
AXES_LOCKOUT_PARAMETERS = "kefu.accounts.throttle.lockout_parameters"
AXES_LOCKOUT_CALLABLE = "kefu.accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the back-off counts these; the admin shows them
AXES_VERBOSE = False
KEFU_PASSWORD_MIN_LENGTH = int(os.environ.get("KEFU_PASSWORD_MIN_LENGTH", 10))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": KEFU_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "login"

# --- redis: tasks, channel layer, cache -------------------------------------------------------
REDIS_URL = os.environ.get("KEFU_REDIS_URL", "")


def redis_channel_layer(url: str) -> dict:
    """The Redis channel layer. Each consumer's receive is a BZPOPMIN that Redis answers empty after
    5 s (channels-redis' brpop_timeout); redis-py 8 gives every read a 5 s socket timeout by
    default, so the two raced and a waiting websocket died with TimeoutError under load. The read
    waits longer than the longest blocking command instead (a dead server is still noticed).
    """
    host = {"address": url, "socket_timeout": 30, "socket_connect_timeout": 5}
    return {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [host]}}


if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "kefu",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 4, "worker_type": "thread"},
    }
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kefu",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": env_bool("KEFU_HUEY_IMMEDIATE", False),
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- live chat (kefu.intake.chat; docs/chat.md) ------------------------------------------------
# Origins (scheme://host[:port]) whose pages may embed the chat widget; "*" allows any. Same-origin always may.
KEFU_CHAT_ALLOWED_ORIGINS = [
    o.strip() for o in os.environ.get("KEFU_CHAT_ALLOWED_ORIGINS", "").split(",") if o.strip()
]
KEFU_CHAT_OFFER_SECONDS = int(os.environ.get("KEFU_CHAT_OFFER_SECONDS", 30))  # an unanswered offer moves on
KEFU_CHAT_WAIT_SECONDS = int(os.environ.get("KEFU_CHAT_WAIT_SECONDS", 180))  # then invite to leave a message
KEFU_CHAT_ABANDON_SECONDS = int(os.environ.get("KEFU_CHAT_ABANDON_SECONDS", 60))  # page closed while waiting
# Call-log import: a time stamped up to this many seconds too early (PBX clock skew) is clamped.
KEFU_CALL_SKEW_SECONDS = int(os.environ.get("KEFU_CALL_SKEW_SECONDS", 5))
# Quality inspection: an agent may appeal a review within this many working days (business calendar).
KEFU_QUALITY_APPEAL_DAYS = int(os.environ.get("KEFU_QUALITY_APPEAL_DAYS", 3))

# --- i18n: zh-hans first, English complete ---------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("KEFU_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # site-wide CSS/JS; each app keeps its own static/
# Front-end libraries from the npm registry (package-lock.json; scripts/install runs `npm ci`), served
# by Kefu itself: Apache ECharts as static/vendor/echarts/echarts.min.js. The reports app warns at
# start when they are missing.
NODE_MODULES = Path(os.environ.get("KEFU_NODE_MODULES", BASE_DIR.parent.parent / "node_modules"))
if (NODE_MODULES / "echarts" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/echarts", NODE_MODULES / "echarts" / "dist"))
# Interval rollups (kefu.reports.rollups): dashboards read them where fresh; off, every figure reads
# the raw records (slower over long periods, never different).
KEFU_ROLLUPS = env_bool("KEFU_ROLLUPS", True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("KEFU_MEDIA_ROOT", DATA_DIR / "media"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The region a phone number without a country code belongs to (ISO 3166 code; customers/phones.py).
KEFU_PHONE_REGION = os.environ.get("KEFU_PHONE_REGION", "CN").strip().upper() or "CN"
KEFU_MAX_ATTACHMENT_BYTES = int(os.environ.get("KEFU_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024))
# Shared secret a PBX integration sends as X-Kefu-CTI-Token to POST /api/telephony/events (empty: tokens only).
KEFU_CTI_TOKEN = os.environ.get("KEFU_CTI_TOKEN", "")
# Secret of signed CTI requests (X-Kefu-Timestamp, X-Kefu-Signature: the webhooks' scheme), and how far
# (seconds) a timestamp may be from the server's clock; a signed request is accepted once.
KEFU_CTI_SECRET = os.environ.get("KEFU_CTI_SECRET", "")
KEFU_CTI_SIGNATURE_TOLERANCE = int(os.environ.get("KEFU_CTI_SIGNATURE_TOLERANCE", 300))
# Secret the SMS gateway signs customers' replies with (POST /api/sms/inbound, the same scheme as the
# CTI; empty: no replies accepted), and how far (seconds) its timestamp may be from the server's clock.
KEFU_SMS_INBOUND_SECRET = os.environ.get("KEFU_SMS_INBOUND_SECRET", "")
KEFU_SMS_INBOUND_SIGNATURE_TOLERANCE = int(os.environ.get("KEFU_SMS_INBOUND_SIGNATURE_TOLERANCE", 300))

# --- mail -------------------------------------------------------------------------------------
# Embedded default: every outgoing mail is a file under <data dir>/mail, so `kefu run` shows what it
# would send without burying its own output; production sets the SMTP backend.
EMAIL_BACKEND = os.environ.get("KEFU_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(os.environ.get("KEFU_EMAIL_FILE_PATH", DATA_DIR / "mail"))
EMAIL_HOST = os.environ.get("KEFU_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("KEFU_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("KEFU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KEFU_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KEFU_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("KEFU_DEFAULT_FROM_EMAIL", "kefu@localhost")
# The email channel: acknowledgements per sender and hour; the domain of our Message-IDs (empty: the mailbox's).
KEFU_EMAIL_ACK_PER_HOUR = int(os.environ.get("KEFU_EMAIL_ACK_PER_HOUR", 3))
KEFU_EMAIL_DOMAIN = os.environ.get("KEFU_EMAIL_DOMAIN", "")

# --- SMS, customer notices and webhooks (kefu.notify; see docs/notifications.md) ----------------
KEFU_SMS_BACKEND = os.environ.get("KEFU_SMS_BACKEND", "kefu.notify.sms.backends.FileBackend")
KEFU_SMS_FILE_DIR = Path(os.environ.get("KEFU_SMS_FILE_DIR", DATA_DIR / "sms"))
KEFU_SMS_SIGN_NAME = os.environ.get("KEFU_SMS_SIGN_NAME", "")
KEFU_SMS_HTTP_URL = os.environ.get("KEFU_SMS_HTTP_URL", "")
KEFU_SMS_HTTP_TOKEN = os.environ.get("KEFU_SMS_HTTP_TOKEN", "")
KEFU_SMS_HTTP_SECRET = os.environ.get("KEFU_SMS_HTTP_SECRET", "")
try:  # kind → the provider's template code, e.g. {"acknowledgement": "SMS_000001"}
    KEFU_SMS_HTTP_TEMPLATES = json.loads(os.environ.get("KEFU_SMS_HTTP_TEMPLATES", "{}") or "{}")
except ValueError as exc:
    raise ValueError(f"KEFU_SMS_HTTP_TEMPLATES must be a JSON object: {exc}") from exc
KEFU_SMS_HTTP_TIMEOUT = float(os.environ.get("KEFU_SMS_HTTP_TIMEOUT", 10))
KEFU_SMS_ACKNOWLEDGE = env_bool("KEFU_SMS_ACKNOWLEDGE", True)
KEFU_SMS_RESULT_NOTICE = env_bool("KEFU_SMS_RESULT_NOTICE", True)
KEFU_SMS_QUIET_HOURS = os.environ.get("KEFU_SMS_QUIET_HOURS", "21:00-08:00")
KEFU_SURVEY_URL = os.environ.get("KEFU_SURVEY_URL", "")
KEFU_WEBHOOK_TIMEOUT = float(os.environ.get("KEFU_WEBHOOK_TIMEOUT", 10))

# --- HTTPS and headers (docs/operations.md, Security) -------------------------------------------
# On by default in the production profile; behind a proxy, uvicorn takes https from X-Forwarded-Proto
# (FORWARDED_ALLOW_IPS), so request.is_secure() needs no SECURE_PROXY_SSL_HEADER.
SESSION_COOKIE_SECURE = env_bool("KEFU_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("KEFU_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("KEFU_HSTS_SECONDS", 31536000 if PRODUCTION else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KEFU_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("KEFU_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Asking browsers to preload the domain is the domain owner's commitment, not a default of ours.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Content-Security-Policy on every response (django-csp; Django has its own only from 6.0): scripts
# and styles from Kefu's own static files only, no inline code, no framing by other sites. The chat
# widget runs on customer sites under *their* policy (docs/chat.md); websockets are same-origin.
# Call recordings play from the PBX's or the speech-recognition vendor's server (the transcript
# page's <audio>): list their origins in KEFU_RECORDING_ORIGINS (comma-separated, e.g.
# https://pbx.example.com), or the browser refuses them.
KEFU_RECORDING_ORIGINS = [
    o.strip() for o in os.environ.get("KEFU_RECORDING_ORIGINS", "").split(",") if o.strip()
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "media-src": [SELF, *KEFU_RECORDING_ORIGINS],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_denials": {"()": "kefu.core.logs.OneLineDenials"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KEFU_LOG_LEVEL", "WARNING")},
    "loggers": {
        "kefu": {
            "handlers": ["console"],
            "level": os.environ.get("KEFU_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        # Expected 403s as one line (Django attaches the exception's traceback).
        "django.request": {"filters": ["one_line_denials"]},
    },
}

# --- customer portal (kefu.intake.portal; docs/portal.md) -----------------------------------
KEFU_PORTAL_RATE_WINDOW = int(os.environ.get("KEFU_PORTAL_RATE_WINDOW", 3600))  # seconds
KEFU_PORTAL_SUBMITS_PER_IP = int(os.environ.get("KEFU_PORTAL_SUBMITS_PER_IP", 20))  # form posts per window
KEFU_PORTAL_SUBMITS_PER_PHONE = int(os.environ.get("KEFU_PORTAL_SUBMITS_PER_PHONE", 5))  # work orders
KEFU_PORTAL_CHALLENGE_AFTER = int(os.environ.get("KEFU_PORTAL_CHALLENGE_AFTER", 2))  # work orders per IP
KEFU_PORTAL_LOOKUPS_PER_IP = int(os.environ.get("KEFU_PORTAL_LOOKUPS_PER_IP", 30))
KEFU_PORTAL_ADDS_PER_TICKET = int(os.environ.get("KEFU_PORTAL_ADDS_PER_TICKET", 20))
KEFU_PORTAL_MAX_FILES = int(os.environ.get("KEFU_PORTAL_MAX_FILES", 5))
KEFU_PORTAL_LINK_MAX_AGE_DAYS = int(os.environ.get("KEFU_PORTAL_LINK_MAX_AGE_DAYS", 365))
KEFU_PORTAL_CLIENT_IP_HEADER = os.environ.get("KEFU_PORTAL_CLIENT_IP_HEADER", "")  # e.g. HTTP_X_FORWARDED_FOR
