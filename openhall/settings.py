"""OpenHall settings: one file, every value from the environment.

Every setting has a safe default for `make run` (SQLite in var/, console backends) and a line
in docs/configuration.md. Production sets DEBUG=false, SECRET_KEY, OPENHALL_DATA_KEY,
DATABASE_URL and usually REDIS_URL.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    return int(os.environ.get(name, default))


def envsecret(name: str, default: str = "") -> str:
    """Read NAME, or the file named by NAME_FILE (systemd credentials, Docker secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


VAR_DIR = Path(os.environ.get("OPENHALL_VAR_DIR", PROJECT_DIR / "var"))

DEBUG = envbool("DEBUG", "true")

# The server under test runs on a pinned clock (openhall/core/clock.py): never in production.
OPENHALL_CLOCK = os.environ.get("OPENHALL_CLOCK", "").strip()
if OPENHALL_CLOCK:
    if not DEBUG:
        raise ImproperlyConfigured(
            "OPENHALL_CLOCK pins the clock for tests; never with DEBUG=false"
        )
    from openhall.core.clock import pin_clock

    pin_clock(OPENHALL_CLOCK)

# The development defaults below are public: production must replace them.
DEV_SECRET_KEY = "openhall-development-secret-key-not-for-production"  # noqa: S105
DEV_DATA_KEY = "b3BlbmhhbGwtZGV2LWRhdGEta2V5LW5vdC1zZWNyZXQ="  # noqa: S105
SECRET_KEY = envsecret("SECRET_KEY", DEV_SECRET_KEY)
# Fernet keys, comma separated: the first encrypts, all decrypt (key rotation).
OPENHALL_DATA_KEY = envsecret("OPENHALL_DATA_KEY", DEV_DATA_KEY)
# The key of the blind indexes (PINs, ID numbers, mobile numbers found by keyed hash). Unset,
# it is the LAST data key — the original one, as rotation puts new keys first — so indexes
# survive `OPENHALL_DATA_KEY=NEW,OLD`; it must be pinned before OLD is dropped, hence the refusal
# below (docs/deployment.md, "Rotating").
OPENHALL_INDEX_KEY = envsecret("OPENHALL_INDEX_KEY", "")
if not DEBUG and "," in OPENHALL_DATA_KEY.strip(", ") and not OPENHALL_INDEX_KEY:
    raise ImproperlyConfigured(
        "OPENHALL_DATA_KEY holds several keys: set OPENHALL_INDEX_KEY to the last (oldest) one, "
        "which the blind indexes are made with, before dropping it (docs/deployment.md)"
    )
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("DEBUG=false needs a SECRET_KEY of your own")
if not DEBUG and OPENHALL_DATA_KEY == DEV_DATA_KEY:
    raise ImproperlyConfigured("DEBUG=false needs an OPENHALL_DATA_KEY of your own")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "").split(
        ","
    )
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "openhall.core",
    "openhall.accounts",
    "openhall.venues",
    "openhall.bookings",
    "openhall.notifications",
    "openhall.wechat",
    "openhall.news",
    "openhall.civic",
    "openhall.activities",
    "openhall.access",
    "openhall.display",
    "openhall.reports",
    "openhall.portal",
    "openhall.console",
    # The top: the demo center and `serve`, which need every app (docs/architecture.md).
    "openhall.site",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "huey.contrib.djhuey",
    "ninja",
    "axes",
]

MIDDLEWARE = [
    # First: its request id is on every line logged while the request is served.
    "openhall.core.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Times what Django answers, by route (/metrics, core/metrics.py); static files excluded.
    "openhall.core.metrics.MetricsMiddleware",
    "openhall.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "openhall.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "openhall.core.middleware.RequestContextMiddleware",
    "openhall.core.middleware.ApiErrorShapeMiddleware",
    "openhall.core.middleware.RefusalMiddleware",
    # A view's exception from a database that does not answer is a 503, at once.
    "openhall.core.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its answer (accounts/throttle.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "openhall.urls"
ASGI_APPLICATION = "openhall.asgi.application"
WSGI_APPLICATION = "openhall.wsgi.application"

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
                "openhall.core.context_processors.openhall",
                "openhall.portal.context_processors.unread_messages",
                "openhall.portal.context_processors.wechat_page",
            ],
        },
    }
]

# --- Database ------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'openhall.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", "0"))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one failing
    # with "database is locked" half-way through; WAL lets readers run beside the writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_BUSY_TIMEOUT", "20"),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool(
    "DB_POOL", "true"
):
    # A connection pool shared by the process's threads: under ASGI each request may run on
    # another thread, so per-thread persistent connections pile up; without them every
    # request would pay for a new PostgreSQL connection.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A connection is checked when lent (psycopg_pool's check_connection): after a PostgreSQL
    # restart the pool replaces its dead connections instead of serving an error on each.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": envint("DB_POOL_MIN_SIZE", "2"),
        "max_size": envint("DB_POOL_MAX_SIZE", "10"),
        # Short: a database that does not answer gets a quick 503 (core/views.py), not a hang.
        "timeout": envint("DB_POOL_TIMEOUT", "3"),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", envint("DB_CONNECT_TIMEOUT", "3")
    )
    # Behind pgbouncer in transaction mode a server connection is ours only inside a
    # transaction: no cursor may stay open across statements (QuerySet.iterator). Django already
    # turns psycopg's prepared statements off, and our advisory locks are all
    # pg_advisory_xact_lock (docs/deployment.md, "pgbouncer").
    if envbool("DB_TRANSACTION_POOLING", "false"):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Redis, tasks -------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
MQTT_URL = os.environ.get("MQTT_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # One Redis connection pool a process, not one a request (core/cache.py).
            "BACKEND": "openhall.core.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "openhall",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

HUEY_IMMEDIATE = envbool("HUEY_IMMEDIATE", "false")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": os.environ.get("HUEY_NAME", "openhall"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": envint("HUEY_WORKERS", "4"), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "openhall",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": envint("HUEY_WORKERS", "2"), "worker_type": "thread"},
    }

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(14 * 24 * 3600))
# Every password sign-in (portal, console, Django admin) asks django-axes first; it counts
# failures in the database, so the count survives restarts and a Redis outage.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are keyed on the number *and* the client address: nobody can lock a resident out
# from elsewhere, and one resident's typos do not lock out a center's shared Wi-Fi. One address
# is also capped across all numbers (OPENHALL_SIGN_IN_IP_FAILURE_LIMIT, accounts/throttle.py).
AXES_HANDLER = "openhall.accounts.throttle.SignInThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = envint("OPENHALL_SIGN_IN_FAILURE_LIMIT", "10")
OPENHALL_SIGN_IN_IP_FAILURE_LIMIT = envint("OPENHALL_SIGN_IN_IP_FAILURE_LIMIT", "100")
AXES_COOLOFF_TIME = timedelta(minutes=envint("OPENHALL_SIGN_IN_LOCKOUT_MINUTES", "15"))
AXES_RESET_ON_SUCCESS = True
# Tries during a lockout do not push it further out, so the time the page shows holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "mobile"  # User.USERNAME_FIELD; the admin form's "username" too
AXES_USERNAME_CALLABLE = "openhall.accounts.throttle.sign_in_username"
AXES_CLIENT_IP_CALLABLE = "openhall.core.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "openhall.accounts.throttle.lockout_response"
# Successful sign-ins are not logged by axes: nothing we need, and less personal data kept.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "mobile", "ip_address", "code"]

# --- Security --------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "false")
# Off by default: HSTS set on a site not yet on https locks browsers out for its whole max-age.
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", "false" if DEBUG else "true")
if envbool("BEHIND_PROXY", "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Addresses (or CIDR networks) of our own reverse proxies, comma separated. Only a request from
# one of them has its X-Forwarded-For / X-Real-IP believed (core/middleware.py: client_ip);
# empty trusts nobody and REMOTE_ADDR is the client.
OPENHALL_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("OPENHALL_TRUSTED_PROXIES", "").split(",") if p.strip()
]
for _proxy in OPENHALL_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"OPENHALL_TRUSTED_PROXIES: {_proxy!r} is no address") from exc
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", str(5 * 1024 * 1024))

# --- Language and time -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True  # stored in UTC, shown in Asia/Shanghai

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]  # our CSS and the vendored front-end libraries
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing root before collectstatic
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# News articles need the street's content reviewer, not only the center admin, to publish.
OPENHALL_NEWS_STREET_REVIEW = envbool("OPENHALL_NEWS_STREET_REVIEW", "false")
# Activities proposed to the center also need the street reviewer's approval before publishing.
OPENHALL_ACTIVITY_STREET_REVIEW = envbool("OPENHALL_ACTIVITY_STREET_REVIEW", "false")

# TTLock cloud (doors with lock type "TTLock"): the account the locks belong to.
TTLOCK_API_BASE = os.environ.get("TTLOCK_API_BASE", "https://cnapi.ttlock.com")
TTLOCK_CLIENT_ID = os.environ.get("TTLOCK_CLIENT_ID", "")
TTLOCK_CLIENT_SECRET = os.environ.get("TTLOCK_CLIENT_SECRET", "")
TTLOCK_USERNAME = os.environ.get("TTLOCK_USERNAME", "")
TTLOCK_PASSWORD = os.environ.get("TTLOCK_PASSWORD", "")
TTLOCK_WEBHOOK_SECRET = os.environ.get("TTLOCK_WEBHOOK_SECRET", "")
# The lock simulator (web keypad, virtual locks): what `make run` opens doors with. Anyone who
# can reach its keypad page may type codes, so production has it off unless turned on on purpose
# (and `openhall check --deploy` then warns).
OPENHALL_LOCK_SIMULATOR = envbool("OPENHALL_LOCK_SIMULATOR", "true" if DEBUG else "false")
# Uploaded pictures under /media/ with OPENHALL_STORAGE=local (never article files, see
# openhall/urls.py); nginx should serve them in production.
OPENHALL_SERVE_MEDIA = envbool("OPENHALL_SERVE_MEDIA", "true")
WHITENOISE_USE_FINDERS = DEBUG

# --- Uploaded files --------------------------------------------------------------------------
# "default" holds pictures shown on public pages (spaces, activities, article covers); "private"
# holds files behind a permission check (article attachments, openhall/core/storage.py). On one
# box both are MEDIA_ROOT. Several web machines need one store they all see: an S3-compatible
# bucket (Aliyun OSS, Tencent COS, MinIO), public pictures under `public/`, private files under
# `private/`; the bucket itself stays private (docs/deployment.md, "Uploads on S3-compatible
# storage").
OPENHALL_STORAGE = os.environ.get("OPENHALL_STORAGE", "local").strip().lower()
# A private file's signed URL lives this long: long enough to start a download, too short to be
# worth passing on. The permission check runs again for every new URL.
S3_SIGNED_URL_SECONDS = envint("S3_SIGNED_URL_SECONDS", "300")
# Pictures on public pages: signed for hours (a resident may scroll to a lazy image long after
# the page came), or plain URLs when the bucket lets anyone read `public/` (S3_PUBLIC_READ).
S3_PICTURE_URL_SECONDS = 6 * 3600
S3_PUBLIC_READ = envbool("S3_PUBLIC_READ", "false")
if OPENHALL_STORAGE == "local":
    _pictures = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _private = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif OPENHALL_STORAGE == "s3":
    _s3 = {
        "bucket_name": os.environ.get("S3_BUCKET", "").strip(),
        "endpoint_url": os.environ.get("S3_ENDPOINT_URL", "").strip() or None,
        "region_name": os.environ.get("S3_REGION", "").strip() or None,
        # Empty: boto3's own chain (AWS_* variables, an instance role).
        "access_key": envsecret("S3_ACCESS_KEY_ID").strip() or None,
        "secret_key": envsecret("S3_SECRET_ACCESS_KEY").strip() or None,
        # Aliyun OSS and Tencent COS want "virtual"; MinIO usually "path"; boto3's "auto" means
        # path style whenever an endpoint is given.
        "addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "auto").strip() or "auto",
        "default_acl": None,  # no object is made public one by one; the bucket policy decides
        "file_overwrite": False,  # names are random, but never replace another upload's file
        "querystring_auth": True,
    }
    if not _s3["bucket_name"]:
        raise ImproperlyConfigured("OPENHALL_STORAGE=s3 needs S3_BUCKET")
    if _s3["addressing_style"] not in {"auto", "path", "virtual"}:
        raise ImproperlyConfigured("S3_ADDRESSING_STYLE must be auto, path or virtual")
    if not 0 < S3_SIGNED_URL_SECONDS <= 3600:
        raise ImproperlyConfigured("S3_SIGNED_URL_SECONDS must be between 1 and 3600")
    from botocore.config import Config as _BotoConfig

    # An upload waits on the bucket inside a request: a store that does not answer must fail it
    # in seconds (boto3 waits a minute per try by default), like the database's short timeouts.
    _s3["client_config"] = _BotoConfig(
        s3={"addressing_style": _s3.pop("addressing_style")},
        signature_version="s3v4",
        connect_timeout=3,
        read_timeout=20,
        retries={"mode": "standard", "max_attempts": 3},
    )
    _pictures = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "location": "public",
            "querystring_auth": not S3_PUBLIC_READ,
            "querystring_expire": S3_PICTURE_URL_SECONDS,
        },
    }
    _private = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "private", "querystring_expire": S3_SIGNED_URL_SECONDS},
    }
else:
    raise ImproperlyConfigured(f"OPENHALL_STORAGE must be local or s3, not {OPENHALL_STORAGE!r}")
STORAGES = {
    "default": _pictures,
    "private": _private,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Logging ---------------------------------------------------------------------------------
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")  # plain | json
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # structlog renders every line (openhall/core/logs.py): the request id, user and center
    # where known; JSON for a log server.
    "formatters": {"openhall": {"()": f"openhall.core.logs.{LOG_FORMAT}_formatter"}},
    # Every line is masked (mobile numbers, screen and feed links) on its way out.
    "filters": {"redact": {"()": "openhall.core.log_filters.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "openhall",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # django.request logs every 4xx as a warning; a 409 "slot taken" is an ordinary answer, and
    # under a booking rush those lines cost more than the answers. Errors (5xx) still log.
    "loggers": {
        # Huey's "executing"/"executed" pair per task: OpenHall logs one line (core/tasks.py).
        "huey": {"level": "WARNING"},
        # axes says hello at INFO on every start; failures and lockouts still log as warnings.
        "axes": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # httpx logs every URL at INFO, and WeChat puts the access token in the query string.
        "httpx": {"level": "WARNING"},
        # Django's and uvicorn's own handlers would write unmasked lines: theirs go through
        # ours. uvicorn configures its loggers first; Django's setup, when uvicorn loads the
        # app, replaces that, so plain `uvicorn` and `openhall serve` log the same way.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # OpenHall writes its own access line (openhall.access: route, status, latency, request
        # id, user, center); uvicorn's would repeat it without them.
        "uvicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- OpenHall --------------------------------------------------------------------------------
OPENHALL_HEARTBEAT_STALE_SECONDS = envint("OPENHALL_HEARTBEAT_STALE_SECONDS", "180")
# /metrics answers local callers, and others only with this bearer token (docs/metrics.md). Long
# enough that guessing is hopeless, so the endpoint needs no throttle of its own.
OPENHALL_METRICS_TOKEN = envsecret("OPENHALL_METRICS_TOKEN", "")
if OPENHALL_METRICS_TOKEN and len(OPENHALL_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("OPENHALL_METRICS_TOKEN must be at least 32 characters long")
# A worker on a machine without a web process shows its own counters here (0: off).
OPENHALL_WORKER_METRICS_PORT = envint("OPENHALL_WORKER_METRICS_PORT", "0")
OPENHALL_WORKER_METRICS_ADDR = os.environ.get("OPENHALL_WORKER_METRICS_ADDR", "127.0.0.1")
OPENHALL_API_TOKEN_PREFIX = "oh_"  # noqa: S105 — a label, not a secret
# Bookings: an approved booking not checked in this long after its start is a no-show;
# NO_SHOW_LIMIT no-shows within NO_SHOW_WINDOW_DAYS suspend booking rights for SUSPENSION_DAYS.
OPENHALL_NO_SHOW_GRACE_MINUTES = envint("OPENHALL_NO_SHOW_GRACE_MINUTES", "15")
OPENHALL_NO_SHOW_LIMIT = envint("OPENHALL_NO_SHOW_LIMIT", "3")
OPENHALL_NO_SHOW_WINDOW_DAYS = envint("OPENHALL_NO_SHOW_WINDOW_DAYS", "60")
OPENHALL_SUSPENSION_DAYS = envint("OPENHALL_SUSPENSION_DAYS", "30")

# --- Real-name sign-in, SMS and privacy ------------------------------------------------------
# The privacy policy's version: raising it asks everyone to agree again at their next sign-in.
OPENHALL_PRIVACY_POLICY_VERSION = os.environ.get("OPENHALL_PRIVACY_POLICY_VERSION", "1")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")  # console | aliyun | tencent
SMS_ACCESS_KEY_ID = envsecret("SMS_ACCESS_KEY_ID")
SMS_ACCESS_KEY_SECRET = envsecret("SMS_ACCESS_KEY_SECRET")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_APP_ID = os.environ.get("SMS_APP_ID", "")  # Tencent SmsSdkAppId
SMS_REGION = os.environ.get("SMS_REGION", "")
SMS_API_BASE = os.environ.get("SMS_API_BASE", "")
# Provider template ids: "login_code=SMS_123,notice=SMS_456" (Aliyun) or "login_code=1234567,…".
SMS_TEMPLATES = dict(
    pair.split("=", 1) for pair in os.environ.get("SMS_TEMPLATES", "").split(",") if "=" in pair
)
IDENTITY_VERIFIER = os.environ.get("IDENTITY_VERIFIER", "fake")
# A demo or training site run with DEBUG=false (benchmarks, a trial box): console SMS and the
# demo accounts are allowed there. A site with real residents never sets it.
OPENHALL_DEMO_SITE = envbool("OPENHALL_DEMO_SITE", "false")
if not DEBUG and SMS_BACKEND == "console" and not OPENHALL_DEMO_SITE:
    raise ImproperlyConfigured(
        "DEBUG=false needs a real SMS_BACKEND (aliyun, tencent): 'console' prints sign-in codes "
        "to the log. OPENHALL_DEMO_SITE=true allows it on a demo site."
    )

# --- WeChat Official Account -----------------------------------------------------------------
# WECHAT_FAKE_SERVER (development only) answers the WeChat API from an in-process fake and
# mounts its OAuth page at /wechat/fake/, so "WeChat login" works on `make run`.
WECHAT_FAKE_SERVER = DEBUG and envbool("WECHAT_FAKE_SERVER", "false")  # never in production
WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "wx0000000000000test" if WECHAT_FAKE_SERVER else "")
WECHAT_APP_SECRET = envsecret("WECHAT_APP_SECRET", "fake-secret" if WECHAT_FAKE_SERVER else "")
WECHAT_TOKEN = envsecret("WECHAT_TOKEN")  # unset: /wechat/callback answers 404
WECHAT_ENCODING_AES_KEY = envsecret("WECHAT_ENCODING_AES_KEY")  # set: safe (AES) mode
WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "")  # default https://api.weixin.qq.com/
WECHAT_OAUTH_BASE = os.environ.get("WECHAT_OAUTH_BASE", "")  # default https://open.weixin.qq.com
WECHAT_CALLBACK_MAX_AGE = envint("WECHAT_CALLBACK_MAX_AGE", "300")  # seconds a timestamp is fresh
WECHAT_MENU_FILE = os.environ.get("WECHAT_MENU_FILE", str(BASE_DIR / "wechat" / "menu.json"))
# Our notice kinds → template ids: "booking=TEMPLATE_ID,booking_subscribe=PRIVATE_TEMPLATE_ID".
WECHAT_TEMPLATES = dict(
    pair.split("=", 1) for pair in os.environ.get("WECHAT_TEMPLATES", "").split(",") if "=" in pair
)
