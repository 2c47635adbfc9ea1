"""Settings, read from the environment.

DATABASE_URL, DATABASE_REPLICA_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS,
SITE_URL, the mail settings (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL), errors and logs (ADMINS,
SENTRY_DSN, LOG_LEVEL, LOG_FORMAT) and limits (IMPORT_MAX_BYTES, REQUEST_MAX_BYTES, ...).
Without DATABASE_URL the app uses SQLite in var/; without REDIS_URL the Celery
broker is a SQLite file in var/, so `make run` needs neither server.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_scopes",
    "practice",
    "clients",
    "subscriptions",
    "billing",
    "imports",
    "webhooks",
    "ninja",
    "api",
]

MIDDLEWARE = [
    "practice.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "api.middleware.ApiProblemMiddleware",
    "practice.uploads.UploadGateMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "practice.middleware.TenantGateMiddleware",
]

ROOT_URLCONF = "practice.urls"
WSGI_APPLICATION = "practice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "practice.context_processors.workspace",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
    # The client name index's non-key columns serve PostgreSQL's index-only scans;
    # SQLite builds the index without them, as it should.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# A PostgreSQL read replica (practice.replicas): GET requests read from it, except
# for a browser that wrote in the last DATABASE_REPLICA_STICKY_SECONDS.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_STICKY_SECONDS = int(os.environ.get("DATABASE_REPLICA_STICKY_SECONDS", "10"))
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["practice.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "practice.replicas.ReplicaMiddleware",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "practice.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (ACCOUNT_RATE_LIMITS below): LOGIN_MAX_FAILURES failed
# attempts for one e-mail, or four times as many from one address, per LOGIN_LOCKOUT_SECONDS.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))
# Reverse proxies in front of the app (a load balancer: 1). The client address is
# then read from X-Forwarded-For, so one office's failures don't lock out everyone.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Team invitations are valid for 30 days after they were (re)sent.
INVITATION_MAX_AGE_DAYS = 30

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("STATIC_MANIFEST", True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.db"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Mail: the console backend in development unless EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": os.environ.get(
                "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
            )
        }
    }
del EMAIL_HOST
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Ledgerly <no-reply@ledgerly.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Base address used in e-mailed links (invitations), where no request is at hand.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Celery: Redis when REDIS_URL is set, otherwise a broker in a SQLite file so a
# worker runs beside `make run` without any server installed. Each message is
# written and read in a database transaction, so a reader never sees half of one
# (the folder broker could, and its worker then died on a JSONDecodeError).
CELERY_BROKER_URL = REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}"
if not REDIS_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Writers wait for each other rather than fail with "database is locked".
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
# The queue tasks go to and workers read (several deployments may share one Redis).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    "billing-monthly-statements": {
        "task": "billing.tasks.statements_generate_due",
        "schedule": crontab(minute=30, hour=2),
    },
    "clients-access-expiry": {
        "task": "clients.tasks.assignments_expire_due",
        "schedule": crontab(minute=5, hour=0),
    },
    "subscriptions-pending-enrolments": {
        "task": "subscriptions.tasks.enrolments_sweep",
        "schedule": 600.0,
    },
}

# Client-number imports (R27): uploads over these limits are refused before any work.
# Statements with more lines get their PDF rendered in the background.
STATEMENT_PDF_SYNC_LINES = int(os.environ.get("STATEMENT_PDF_SYNC_LINES", "300"))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "100000"))
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
# Request bodies: a Content-Length over REQUEST_MAX_BYTES is refused (413) unread;
# uploaded files stop being read past IMPORT_MAX_BYTES (see practice.uploads).
REQUEST_MAX_BYTES = int(os.environ.get("REQUEST_MAX_BYTES", str(IMPORT_MAX_BYTES + 1024 * 1024)))
FILE_UPLOAD_HANDLERS = [
    "practice.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# An import whose heartbeat is older than this lost its worker: it is queued again
# when a worker starts (and by beat every minute).
IMPORT_STALE_SECONDS = int(os.environ.get("IMPORT_STALE_SECONDS", "120"))
# Workers stamp a heartbeat this often; pages waiting on background work say the
# jobs are not running when none was heard from for WORKER_SILENT_SECONDS.
WORKER_HEARTBEAT_SECONDS = int(os.environ.get("WORKER_HEARTBEAT_SECONDS", "30"))
WORKER_SILENT_SECONDS = int(os.environ.get("WORKER_SILENT_SECONDS", "120"))
CELERY_BEAT_SCHEDULE["imports-requeue-stale"] = {
    "task": "imports.tasks.imports_requeue_stale",
    "schedule": 60.0,
}

# Webhooks: events signed and sent to the firms' endpoints by the worker. Only https
# and public internet addresses, unless WEBHOOKS_ALLOW_PRIVATE (on with DEBUG, for
# local development; tests turn it on too) also allows http and private, loopback
# and link-local addresses. A delivery is tried WEBHOOKS_MAX_ATTEMPTS times, waiting
# WEBHOOKS_RETRY_BASE_SECONDS, then three times longer after each failure (at most
# WEBHOOKS_RETRY_MAX_SECONDS); an endpoint whose last WEBHOOKS_DISABLE_AFTER
# deliveries all failed every attempt is turned off and the firm's admins are told.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", DEBUG)
WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("WEBHOOKS_MAX_ATTEMPTS", "8"))
WEBHOOKS_RETRY_BASE_SECONDS = int(os.environ.get("WEBHOOKS_RETRY_BASE_SECONDS", "30"))
WEBHOOKS_RETRY_MAX_SECONDS = int(os.environ.get("WEBHOOKS_RETRY_MAX_SECONDS", str(6 * 3600)))
WEBHOOKS_DISABLE_AFTER = int(os.environ.get("WEBHOOKS_DISABLE_AFTER", "5"))
WEBHOOKS_CONNECT_TIMEOUT = float(os.environ.get("WEBHOOKS_CONNECT_TIMEOUT", "3"))
WEBHOOKS_READ_TIMEOUT = float(os.environ.get("WEBHOOKS_READ_TIMEOUT", "7"))
# Receivers should refuse a delivery whose timestamp is further than this from their clock.
WEBHOOKS_REPLAY_WINDOW_SECONDS = 300
WEBHOOKS_MAX_ENDPOINTS = int(os.environ.get("WEBHOOKS_MAX_ENDPOINTS", "20"))
# Events and their delivery logs are kept this many days.
WEBHOOKS_KEEP_DAYS = int(os.environ.get("WEBHOOKS_KEEP_DAYS", "30"))
CELERY_BEAT_SCHEDULE["webhooks-deliveries-due"] = {
    "task": "webhooks.tasks.deliveries_requeue_due",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["webhooks-prune"] = {
    "task": "webhooks.tasks.webhooks_prune",
    "schedule": crontab(minute=45, hour=3),
}
# The API (/api/v1/): requests per token per window (429 past them), the largest
# JSON body (the CSV upload takes IMPORT_MAX_BYTES).
API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "600"))
API_RATE_WINDOW = int(os.environ.get("API_RATE_WINDOW", "60"))
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(256 * 1024)))

# Security. Production (DEBUG off) turns on HTTPS-only cookies, HSTS and redirects.
SECURE = env_bool("SECURE", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Logs: one line per record on stderr, as key=value pairs (LOG_FORMAT=kv) or JSON
# lines (LOG_FORMAT=json), each with the request id, the task id and the firm.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = os.environ.get("LOG_FORMAT", "kv").lower()
if LOG_FORMAT not in {"kv", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be kv or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "practice.logs.LogContextFilter"}},
    "formatters": {
        "kv": {"()": "practice.logs.KeyValueFormatter"},
        "json": {"()": "practice.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# Celery workers log through the configuration above.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Server errors reach someone: mailed to ADMINS (comma-separated addresses) and,
# when SENTRY_DSN is set, reported to Sentry (requests and Celery tasks).
ADMINS = env_list("ADMINS")
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from practice.logs import sentry_init

    sentry_init(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", ""),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
    )

# Accounts (issue 13): sign-in, password reset and change, and two-step
# verification (authenticator app, recovery codes, passkeys) are django-allauth's.
INSTALLED_APPS += ["allauth", "allauth.account", "allauth.mfa"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "allauth.account.middleware.AccountMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("practice.middleware.TenantGateMiddleware") + 1,
    "practice.accounts.middleware.TwoStepPolicyMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "practice.accounts.middleware.PrivateNoStoreMiddleware",
)
# The API's gate comes last: it sets the firm and membership from the token.
MIDDLEWARE.append("api.middleware.ApiGateMiddleware")
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "practice.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Failed sign-ins: LOGIN_MAX_FAILURES per e-mail address, four times as many per
# client address (an office behind one router), in a sliding window of
# LOGIN_LOCKOUT_SECONDS. Every attempt is counted before the password is checked,
# under a lock in the cache, so concurrent attempts cannot exceed the limit; a
# successful one gives its count back. Nothing locks forever: the window slides.
ACCOUNT_RATE_LIMITS = {
    "login_failed": (
        f"{LOGIN_MAX_FAILURES * 4}/{LOGIN_LOCKOUT_SECONDS}s/ip,"
        f"{LOGIN_MAX_FAILURES}/{LOGIN_LOCKOUT_SECONDS}s/key"
    ),
}
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_ADAPTER = "practice.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Ledgerly"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# The passkey forms with a credential field that refuses any malformed one.
MFA_FORMS = {
    name: f"practice.accounts.forms.{cls}"
    for name, cls in [
        ("add_webauthn", "AddWebAuthnForm"),
        ("signup_webauthn", "SignupWebAuthnForm"),
        ("authenticate_webauthn", "AuthenticateWebAuthnForm"),
        ("login_webauthn", "LoginWebAuthnForm"),
        ("reauthenticate_webauthn", "ReauthenticateWebAuthnForm"),
    ]
}
# The rate limiter and the one-time use of a TOTP code rely on an atomic
# cache.add(): Redis has it, Django's file cache does not, so ours adds it.
if not REDIS_URL:
    CACHES["default"]["BACKEND"] = "practice.accounts.cache.AtomicFileBasedCache"
    # Culling could drop a rate-limit lock or history: keep room for many.
    CACHES["default"]["OPTIONS"] = {"MAX_ENTRIES": 20000}
