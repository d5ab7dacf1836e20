"""pmhc settings: one module, driven by ``PMHC_*`` environment variables (see README).

``PMHC_MODE`` is ``demo`` (the default: SQLite, e-mail written to files, relaxed two-factor) or
``production`` (refuses the demo secret key, secure cookies, HSTS, two-factor required).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from pmhc.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(env_str("PMHC_VAR_DIR", str(PROJECT_DIR / "var")))
ASSETS_DIR = Path(env_str("PMHC_ASSETS_DIR", str(PROJECT_DIR / "node_modules")))

MODE = env_str("PMHC_MODE", "demo")
if MODE not in {"demo", "production"}:
    raise ImproperlyConfigured(f"PMHC_MODE must be demo or production, not {MODE!r}")
PRODUCTION = MODE == "production"
if not PRODUCTION:
    # The demo keeps its database, uploads and collected assets here.
    (VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

DEMO_SECRET_KEY = "demo-only-insecure-key-0b7f5c1e-never-use-in-production-8d2a"  # noqa: S105
SECRET_KEY = env_str("PMHC_SECRET_KEY", DEMO_SECRET_KEY)
if PRODUCTION and SECRET_KEY == DEMO_SECRET_KEY:
    raise ImproperlyConfigured(
        "PMHC_MODE=production refuses the demo secret key: set PMHC_SECRET_KEY"
    )

# The key of the audit trail's chain (an HMAC over each event and its predecessor), held
# outside the database so that write access to the database alone cannot rewrite the trail
# and recompute its links (platform/audit.py, ADR 11).
DEMO_AUDIT_KEY = "demo-only-audit-chain-key-5e0d9a63-never-use-in-production-71c4"
AUDIT_KEY = env_str("PMHC_AUDIT_KEY", DEMO_AUDIT_KEY)
if PRODUCTION and AUDIT_KEY == DEMO_AUDIT_KEY:
    raise ImproperlyConfigured(
        "PMHC_MODE=production refuses the demo audit key: set PMHC_AUDIT_KEY"
    )

# Off in the demo too: with DEBUG on, Django answers a missing page or an error with its own
# debug page, which lists every URL of the product (or a stack trace) to anyone who asks; the
# demo is shown to the people the product is for, so it shows the product's own 404 and 500
# pages instead. The demo still serves its static files: WhiteNoise finds them in the apps
# and assets folders (``WHITENOISE_USE_FINDERS`` below), whatever DEBUG is. A developer who
# wants the debug pages sets PMHC_DEBUG=true.
DEBUG = env_bool("PMHC_DEBUG", False)
ALLOWED_HOSTS = env_list("PMHC_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("PMHC_CSRF_TRUSTED_ORIGINS", [])
TRUST_X_FORWARDED_FOR = env_bool("PMHC_TRUST_X_FORWARDED_FOR", False)
#: System checks to silence, e.g. ``pmhc.W001`` for an install that clients reach directly.
SILENCED_SYSTEM_CHECKS = env_list("PMHC_SILENCED_CHECKS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "pmhc.platform",
    "pmhc.toolkit",
    "pmhc.assessment",
    "pmhc.training",
    "pmhc.planning",
    "pmhc.people",
    "pmhc.dispatch",
    "pmhc.response",
    "pmhc.care",
    "pmhc.homesafe",
    "pmhc.evaluation",
    "pmhc.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pmhc.platform.middleware.RequestContextMiddleware",
    "pmhc.platform.middleware.SecurityHeadersMiddleware",
    "pmhc.platform.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pmhc.platform.middleware.ActorMiddleware",
    "pmhc.platform.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it wraps the view alone: a repeated form POST goes where the first went.
    "pmhc.platform.submit_once.SubmitOnceMiddleware",
]

ROOT_URLCONF = "pmhc.urls"
WSGI_APPLICATION = "pmhc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pmhc.platform.context_processors.shell",
            ],
            # Replaces {% csrf_token %}: every form also carries a one-time submit token.
            "builtins": ["pmhc.platform.templatetags.submit_once"],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "pmhc.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE transactions serialise writers up front, so two requests never
                # deadlock upgrading a read lock; WAL lets readers go on during a write.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication (CJIS Security Policy 5.6: hashing, lockout, session lock, MFA) ---------
AUTH_USER_MODEL = "platform.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
#: Signing in leads to the page of the person's work, by role (``platform.landing``).
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60

#: How long one break-glass use opens emergency access, unless its user ends it sooner.
BREAK_GLASS_MINUTES = env_int("PMHC_BREAK_GLASS_MINUTES", 60, minimum=1)
#: How long after a unit clears a call its responders may still read the response plans of
#: the people on it (to finish the report, or the hand-over).
PLAN_AFTER_CALL_HOURS = env_int("PMHC_PLAN_AFTER_CALL_HOURS", 12, minimum=0)
#: How many hours a service's open beds or chairs stay current before the directory flags the
#: figure as stale and no longer counts the service as open on its strength.
CAPACITY_STALE_HOURS = env_int("PMHC_CAPACITY_STALE_HOURS", 4, minimum=1)

SESSION_IDLE_MINUTES = env_int("PMHC_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # the idle clock restarts on every request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LOGIN_FAILURE_LIMIT = env_int("PMHC_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("PMHC_LOGIN_FAILURE_WINDOW_MINUTES", 15, minimum=1)
LOGIN_FAILURE_LIMIT_PER_IP = env_int("PMHC_LOGIN_FAILURE_LIMIT_PER_IP", 50, minimum=1)
#: How long a browser that signed in to an account is let past the per-address limit for it.
LOGIN_KNOWN_DEVICE_DAYS = env_int("PMHC_LOGIN_KNOWN_DEVICE_DAYS", 90, minimum=1)

REQUIRE_TWO_FACTOR = env_bool("PMHC_REQUIRE_2FA", PRODUCTION)
OTP_TOTP_ISSUER = "pmhc"

# --- Toolkit -------------------------------------------------------------------------------
TTA_ORGANIZATION = env_str("PMHC_TTA_ORGANIZATION", "")
#: Where people reach pmhc; links in e-mail sent by the worker (which has no request) use it.
PUBLIC_BASE_URL = env_str("PMHC_PUBLIC_BASE_URL", None if PRODUCTION else "http://127.0.0.1:8000")
TA_REQUEST_LIMIT_PER_HOUR = env_int("PMHC_TA_REQUEST_LIMIT_PER_HOUR", 5, minimum=1)
LIBRARY_SUBMISSIONS_PER_HOUR = env_int("PMHC_LIBRARY_SUBMISSIONS_PER_HOUR", 5, minimum=1)

# --- Demo ----------------------------------------------------------------------------------
DEMO_PASSWORD = env_str("PMHC_DEMO_PASSWORD", "demo-pmhc-2026")

# --- Internationalisation and time ---------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # stored in UTC; shown in each organization's own zone

# --- Static files and uploads ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_FINDERS = [
    "pmhc.platform.staticfinders.AssetFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [
    ("uswds", ASSETS_DIR / "@uswds" / "uswds" / "dist"),
    ("htmx", ASSETS_DIR / "htmx.org" / "dist"),
]
# Uploads live outside the web root and are only ever streamed by a view that checks access,
# as attachments (see org_views.agreement_document); there is deliberately no MEDIA_URL route.
MEDIA_ROOT = VAR_DIR / "private"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- E-mail --------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("PMHC_FROM_EMAIL", "pmhc <no-reply@pmhc.invalid>")
EMAIL_BACKEND = env_str(
    "PMHC_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    # The demo writes each message to a file under var/mail/, so that the terminal stays
    # readable while the worker sends the demo's own backlog.
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env_str("PMHC_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("PMHC_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("PMHC_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("PMHC_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("PMHC_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("PMHC_EMAIL_TIMEOUT_SECONDS", 20, minimum=1)

# --- Background work -----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pmhc.platform.api_auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, bounded in size and depth; no endpoint takes forms or files.
    "DEFAULT_PARSER_CLASSES": ["pmhc.platform.api_parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "pmhc API",
    "DESCRIPTION": (
        "The pmhc platform's API for systems (CAD, records, case management). "
        "Authenticate with an organization API key: `Authorization: Api-Key <key>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# --- Security headers ----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("PMHC_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("PMHC_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PMHC_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("PMHC_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PMHC_LOG_LEVEL", "INFO")},
}

# The CAD import reads CSV files column-wise (pyarrow) where its mapping allows; off, every
# file goes through the row reader.
PMHC_IMPORT_COLUMNAR = env_bool("PMHC_IMPORT_COLUMNAR", True)
