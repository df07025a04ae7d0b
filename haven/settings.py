"""Haven's one settings module; every knob is a ``HAVEN_*`` environment variable.

Defaults let a fresh clone run at once: SQLite under ``var/`` and a generated key.
Behind TLS set ``HAVEN_HTTPS=1``: secure ``__Host-`` cookies, HSTS and redirects.
"""

import re
from pathlib import Path

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from haven.lib.env import (
    ConfigError,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_rate,
    env_secret,
    env_str,
)
from haven.lib.instance import load_or_create_secret_key

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = env_path("HAVEN_VAR_DIR", BASE_DIR.parent / "var")

DEBUG = env_bool("HAVEN_DEBUG", False)
HTTPS = env_bool("HAVEN_HTTPS", False)

SECRET_KEY = env_secret("HAVEN_SECRET_KEY") or load_or_create_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("HAVEN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("HAVEN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "csp",
    "haven.accounts",
    # After accounts: its models module asks for the user model as it is imported.
    "django_otp_webauthn",
    "haven.audit",
    "haven.keys",
    "haven.records",
    "haven.vocab",
    "haven.people",
    "haven.cases",
    "haven.locations",
    "haven.sources",
    "haven.incidents",
    "haven.search",
    "haven.notifications",
    "haven.backups",
    "haven.retention",
    "django_tasks",
    "django_tasks_db",
    "haven.jobs",
    "haven.imports",
    "haven.exports",
    "haven.exchange",
    "haven.reports",
    "haven.documents",
    "haven.drafts",
    "haven.intake",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "haven.api",
    "haven.web",
]

MIDDLEWARE = [
    # First: on the public page's own host name, only that page answers.
    "haven.intake.hosts.IntakeHostMiddleware",
    "haven.intake.hosts.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "haven.accounts.middleware.LocaleMiddleware",
    "haven.audit.actions.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "haven.accounts.middleware.SessionTimeoutMiddleware",
    "haven.accounts.middleware.LockdownMiddleware",
    "haven.accounts.middleware.DenyByDefaultMiddleware",
    "haven.accounts.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "haven.urls"
WSGI_APPLICATION = "haven.wsgi.application"

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
                "haven.notifications.context_processors.reminders",
                "haven.intake.context_processors.waiting_public_requests",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        # The URL may carry a password, so it can come from a file (HAVEN_DATABASE_URL_FILE).
        env_secret("HAVEN_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'haven.sqlite3'}"
    )
}
# Browser tests run a live server whose requests overlap (a double click). An in-memory
# test database shares one cache between threads and answers "table is locked" instead
# of waiting; a test database in a file waits its turn like the real one.
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and env_str("HAVEN_SQLITE_TEST_FILE", ""):
    DATABASES["default"]["TEST"] = {"NAME": env_str("HAVEN_SQLITE_TEST_FILE", "")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- keys -------------------------------------------------------------------------------
# The key-encryption key: a key file, unless HAVEN_PASSPHRASE(_FILE) is set.
HAVEN_KEY_FILE = env_path("HAVEN_KEY_FILE", VAR_DIR / "master.key")

# --- accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",  # argon2id
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
# Failures before back-off starts, per (account, address) pair and per address.
HAVEN_LOGIN_FAILURES_BEFORE_BACKOFF = env_int("HAVEN_LOGIN_FAILURES", 10, minimum=1)
HAVEN_ADDRESS_FAILURES_BEFORE_BACKOFF = env_int("HAVEN_ADDRESS_FAILURES", 50, minimum=1)
# Behind a reverse proxy, the request header that carries the client's address
# (e.g. HTTP_X_FORWARDED_FOR); empty means REMOTE_ADDR is the client.
HAVEN_CLIENT_IP_HEADER = env_str("HAVEN_CLIENT_IP_HEADER", "")
# Up to this many people (about a second's work) the review of possible duplicates
# compares them while its page waits; beyond, the background worker does, and the page
# shows its progress, then its pairs.
HAVEN_DUPLICATES_IN_REQUEST = env_int("HAVEN_DUPLICATES_IN_REQUEST", 5000, minimum=0)
HAVEN_SESSION_IDLE_SECONDS = env_int("HAVEN_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
HAVEN_SESSION_MAX_SECONDS = env_int("HAVEN_SESSION_MAX_HOURS", 12, minimum=1) * 3600
OTP_TOTP_ISSUER = env_str("HAVEN_TOTP_ISSUER", "Haven")
HAVEN_RECOVERY_CODES = 10

# Security keys and passkeys (WebAuthn, through django-otp-webauthn) as a second factor.
# The relying party is the host Haven is opened at unless HAVEN_WEBAUTHN_RP_ID names it
# (a key added under one name does not work under another); the origins a key's answer
# may come from are that host's own unless HAVEN_WEBAUTHN_ORIGINS lists them
# (https://haven.example.org). See haven/accounts/security_keys.py.
HAVEN_WEBAUTHN_RP_ID = env_str("HAVEN_WEBAUTHN_RP_ID", "")
OTP_WEBAUTHN_RP_ID_CALLABLE = "haven.accounts.security_keys.relying_party_id"
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("HAVEN_WEBAUTHN_ORIGINS", [])
OTP_WEBAUTHN_HELPER_CLASS = "haven.accounts.security_keys.SecurityKeyHelper"
OTP_WEBAUTHN_CREDENTIAL_MODEL = "accounts.SecurityKey"
OTP_WEBAUTHN_ATTESTATION_MODEL = "accounts.SecurityKeyAttestation"
# A key is a second factor after the password, never a way to skip the password.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# Without HAVEN_WEBAUTHN_ORIGINS the origin is the request's own (checked per request).
SILENCED_SYSTEM_CHECKS = [] if OTP_WEBAUTHN_ALLOWED_ORIGINS else ["otp_webauthn.E030"]
# Django's check looks for its SecurityMiddleware by name; Haven runs a subclass of it
# (haven/intake/hosts.py: no HTTPS redirect on an onion intake host), and
# haven/tests/test_security.py checks that the subclass is in MIDDLEWARE instead.
SILENCED_SYSTEM_CHECKS += ["security.W001"]
# Roles whose users, once they have added a security key, must use it: their
# authenticator app's codes are refused from then on.
HAVEN_KEY_REQUIRED_ROLES = env_list("HAVEN_KEY_REQUIRED_ROLES", ["administrator"])
# Lockdown: what everyone who is refused sees (empty: a plain "not available" notice),
# and where the quick-exit button leads (empty: a blank page of Haven's own).
HAVEN_LOCKDOWN_NOTICE = env_str("HAVEN_LOCKDOWN_NOTICE", "")
# Besides an administrator, any two full members of this team (its name; empty: none)
# can start a lockdown: one proposes, a different one confirms within the minutes given.
HAVEN_LOCKDOWN_TEAM = env_str("HAVEN_LOCKDOWN_TEAM", "")
HAVEN_LOCKDOWN_CONFIRM_MINUTES = env_int("HAVEN_LOCKDOWN_CONFIRM_MINUTES", 10, minimum=1)
HAVEN_QUICK_EXIT_URL = env_str("HAVEN_QUICK_EXIT_URL", "")

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = HAVEN_SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "haven.web.views.csrf_failure"
# Messages can quote what was saved: keep them server-side, not in a readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- e-mail: the daily reminder digest and the intake team's digest -------------------
EMAIL_HOST = env_str("HAVEN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("HAVEN_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("HAVEN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_secret("HAVEN_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("HAVEN_EMAIL_STARTTLS", False)
EMAIL_USE_SSL = env_bool("HAVEN_EMAIL_SSL", False)
EMAIL_TIMEOUT = env_int("HAVEN_EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("HAVEN_EMAIL_FROM", "haven@localhost")
# The address people open Haven at (https://haven.example.org): e-mail links to it.
HAVEN_SITE_URL = env_str("HAVEN_SITE_URL", "")

# --- transport security ---------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure,
    # has Path=/ and no Domain: a sibling subdomain cannot plant or read it.
    SESSION_COOKIE_NAME = "__Host-haven-session"
    CSRF_COOKIE_NAME = "__Host-haven-csrf"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("HAVEN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("HAVEN_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HAVEN_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HAVEN_HSTS_PRELOAD", True)
    if env_bool("HAVEN_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
else:
    SESSION_COOKIE_NAME = "haven-session"
    CSRF_COOKIE_NAME = "haven-csrf"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- language ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "haven-language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = HTTPS
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("HAVEN_TIME_ZONE", "UTC")

# --- static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves the packaged static files straight from the apps, so an
# instance needs no collectstatic step and cannot serve a stale copy.
WHITENOISE_USE_FINDERS = True

# --- evidence -----------------------------------------------------------------------------
HAVEN_EVIDENCE_DIR = env_path("HAVEN_EVIDENCE_DIR", VAR_DIR / "evidence")
# Signed audit checkpoints: written by the server every N minutes (when the log grew)
# and when it stops. Best on storage the database's administrators cannot rewrite.
HAVEN_AUDIT_CHECKPOINT_DIR = env_path("HAVEN_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints")
HAVEN_AUDIT_CHECKPOINT_MINUTES = env_int("HAVEN_AUDIT_CHECKPOINT_MINUTES", 15, minimum=1)
# Backups: 'haven backup' and, when a folder and a recipient are set, the server's schedule.
HAVEN_BACKUP_DIR = env_path("HAVEN_BACKUP_DIR", Path()) if env_str("HAVEN_BACKUP_DIR", "") else None
HAVEN_BACKUP_RECIPIENTS = env_list("HAVEN_BACKUP_RECIPIENT", [])
HAVEN_BACKUP_IDENTITY_FILE = env_str("HAVEN_BACKUP_IDENTITY_FILE", "") or None
HAVEN_BACKUP_HOURS = env_int("HAVEN_BACKUP_HOURS", 24, minimum=1)
HAVEN_BACKUP_KEEP = env_int("HAVEN_BACKUP_KEEP", 7, minimum=1)
# Retention rules applied by the server every N hours (0: only by 'haven retention apply').
# Off unless an administrator turns it on: an unattended erasure is a choice, not a default.
HAVEN_RETENTION_HOURS = env_int("HAVEN_RETENTION_HOURS", 0, minimum=0)
HAVEN_EVIDENCE_MAX_BYTES = env_int("HAVEN_EVIDENCE_MAX_MB", 200, minimum=1) * 1024 * 1024
HAVEN_CAPTURE_MAX_BYTES = env_int("HAVEN_CAPTURE_MAX_MB", 10, minimum=1) * 1024 * 1024
HAVEN_CAPTURE_TIMEOUT = env_int("HAVEN_CAPTURE_TIMEOUT", 20, minimum=1)
# Only tests set this: web capture then may fetch from loopback addresses.
HAVEN_CAPTURE_ALLOW_PRIVATE = False

# --- background jobs -------------------------------------------------------------------
# Long work (imports, reports, retention runs) is queued in the database and run by
# 'haven worker' (see haven/jobs/queue.py): no queue server to install. The task table
# is not encrypted, so a job's arguments are ids and short codes only.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# How many 'haven worker' processes 'haven serve' starts and keeps running beside the
# web server; 0 when the workers run on their own (e.g. a systemd unit per worker).
HAVEN_WORKERS_BACKGROUND = env_int("HAVEN_WORKERS_BACKGROUND", 1, minimum=0)

# --- imports ------------------------------------------------------------------------------
# How much of an uploaded spreadsheet Haven reads (haven/imports/readers): a file beyond any
# of these is refused with a message that names the variable to raise. A workbook sheet is
# held in memory whole, about 32 bytes a cell, hence the cap on rows x columns.
HAVEN_IMPORT_MAX_BYTES = env_int("HAVEN_IMPORT_MAX_MB", 100, minimum=1) * 1024 * 1024
HAVEN_IMPORT_MAX_UNPACKED = env_int("HAVEN_IMPORT_MAX_UNPACKED_MB", 500, minimum=1) * 1024 * 1024
HAVEN_IMPORT_MAX_ROWS = env_int("HAVEN_IMPORT_MAX_ROWS", 500_000, minimum=1)
HAVEN_IMPORT_MAX_COLUMNS = env_int("HAVEN_IMPORT_MAX_COLUMNS", 500, minimum=1)
HAVEN_IMPORT_MAX_CELL = env_int("HAVEN_IMPORT_MAX_CELL", 100_000, minimum=1)
HAVEN_IMPORT_MAX_SHEET_CELLS = env_int("HAVEN_IMPORT_MAX_SHEET_CELLS", 10_000_000, minimum=1)
# Imports of more rows than this are committed this many rows at a time (resumable);
# smaller ones in one transaction.
HAVEN_IMPORT_CHUNK_ROWS = env_int("HAVEN_IMPORT_CHUNK_ROWS", 2000, minimum=1)
# An import of more than one chunk runs in two processes, one preparing the next chunk
# while the other writes (docs/import.md, "Speed"); 1 keeps it in one process.
HAVEN_IMPORT_PROCESSES = env_int("HAVEN_IMPORT_PROCESSES", 2, minimum=1)
# --- search ---------------------------------------------------------------------------
# Narrative fields (comma-separated scopes, e.g. "people.person.notes,cases.casenote.text")
# whose words are NOT put in the word index: a text search will not find them, and the
# index reveals nothing of them (docs/blind-indexes.md). Checked when the app starts;
# run "haven search reindex" after changing it to drop or add the stored words.
HAVEN_WORD_INDEX_SKIP = env_list("HAVEN_WORD_INDEX_SKIP", [])

# --- exports ----------------------------------------------------------------------------
# Roles (haven.accounts.models.Role values, comma-separated) whose users may make an
# identifying export (names, contacts, places), each with a stated reason; everyone
# else exports pseudonymised. Checked against the roles when the app starts.
HAVEN_EXPORT_IDENTIFYING_ROLES = env_list(
    "HAVEN_EXPORT_IDENTIFYING_ROLES", ["coordinator", "lawyer", "administrator"]
)
# The roles that may make a person's own copy (subject access, haven.documents), as
# a member of the person's team, with a stated reason.
HAVEN_SUBJECT_ACCESS_ROLES = env_list(
    "HAVEN_SUBJECT_ACCESS_ROLES", ["coordinator", "administrator"]
)
# An Excel workbook is built whole in memory (no plaintext temporary files): its rows
# are limited. CSV and JSON stream and have no limit.
HAVEN_EXPORT_XLSX_MAX_ROWS = env_int("HAVEN_EXPORT_XLSX_MAX_ROWS", 20_000, minimum=1)

# --- API (/api/v1/) -------------------------------------------------------------------
# Django REST framework, with drf-spectacular writing the OpenAPI 3 schema. Clients sign
# in with a personal access token (Authorization: Bearer hvn_...), the browser with its
# session (CSRF checked); errors are RFC 9457 problem details (haven/api/problems.py).
# HAVEN_API_RATE: requests per token, "<n>/second|minute|hour|day"; beyond it 429 with
# Retry-After. Counted in the process's cache: per worker unless CACHES is shared.
HAVEN_API_RATE = env_str("HAVEN_API_RATE", "600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "haven.api.authentication.TokenAuthentication",
        "haven.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["haven.api.permissions.ScopedAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["haven.api.throttling.TokenRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["haven.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "haven.api.pagination.Cursor",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "haven.api.problems.problem_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Haven API",
    "DESCRIPTION": "Records about people at risk, cases, incidents and sources, "
    "for the teams that may see them. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PersonKindEnum": "haven.people.models.Person.Kind",
        "SourceKindEnum": "haven.sources.models.Source.Kind",
        "CaseStatusEnum": "haven.cases.models.Case.Status",
        "ActionStatusEnum": "haven.cases.models.CaseAction.Status",
        "ConsentStatusEnum": "haven.cases.models.Consent.Status",
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# Requests larger than this are refused with a 400 before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("HAVEN_MAX_FORM_BYTES", 2_621_440, minimum=1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("HAVEN_LOG_LEVEL", "WARNING")},
    # Django logs a DisallowedHost with the offending header; keep it short.
    "loggers": {"django.security.DisallowedHost": {"handlers": [], "propagate": False}},
}

# --- pattern reports (haven/reports) -----------------------------------------------------
# A report shows a figure below this as "< N" and hides as many others as it takes for
# the totals not to give it away (haven/reports/suppression.py). 1 shows every figure.
HAVEN_REPORT_MIN_CELL = env_int("HAVEN_REPORT_MIN_CELL", 5, minimum=1)

# --- the public request page (haven/intake) ---------------------------------------------
# Where the JavaScript-free page for people asking for help lives, and what its tab says:
# neither should tell someone glancing at the screen what the page is for.
HAVEN_INTAKE_PATH = (env_str("HAVEN_INTAKE_PATH", "help") or "help").strip("/") + "/"
# A host name of its own for the page (an onion service, say): on it the page is at "/"
# and nothing else of Haven answers (haven/intake/hosts.py). It is allowed as a host.
# HAVEN_INTAKE_ON_MAIN_HOST=0 then takes the page off Haven's other host names.
HAVEN_INTAKE_HOST = env_str("HAVEN_INTAKE_HOST", "").strip().lower().rstrip(".")
if HAVEN_INTAKE_HOST and not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", HAVEN_INTAKE_HOST):
    raise ConfigError(
        "HAVEN_INTAKE_HOST is a host name alone (e.g. abcdef...xyz.onion or contact.example.org), "
        f"without a scheme, port or path; got {HAVEN_INTAKE_HOST!r}"
    )
HAVEN_INTAKE_ON_MAIN_HOST = env_bool("HAVEN_INTAKE_ON_MAIN_HOST", True)
if HAVEN_INTAKE_HOST and HAVEN_INTAKE_HOST not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(HAVEN_INTAKE_HOST)
# 'haven serve' e-mails the intake team's members who asked for it how many public
# requests came in, every N minutes when one did (0: only by 'haven intake digest').
HAVEN_INTAKE_DIGEST_MINUTES = env_int("HAVEN_INTAKE_DIGEST_MINUTES", 0, minimum=0)
HAVEN_INTAKE_TITLE_EN = env_str("HAVEN_INTAKE_TITLE_EN", "Contact form")
HAVEN_INTAKE_TITLE_RU = env_str("HAVEN_INTAKE_TITLE_RU", "Форма связи")
# The organisation's own words above the form (plain text; blank lines make paragraphs).
HAVEN_INTAKE_INTRO_EN = env_secret("HAVEN_INTAKE_INTRO_EN") or ""
HAVEN_INTAKE_INTRO_RU = env_secret("HAVEN_INTAKE_INTRO_RU") or ""
# The team whose queue public requests land in (its name); none: the page says it is closed.
HAVEN_INTAKE_TEAM = env_str("HAVEN_INTAKE_TEAM", "")
# Which questions the form asks beyond "what happened": name, where, urgency, contact, consent.
HAVEN_INTAKE_FIELDS = env_list(
    "HAVEN_INTAKE_FIELDS", ["name", "where", "urgency", "contact", "consent"]
)
# The neutral site the quick-exit button leads to.
HAVEN_INTAKE_EXIT_URL = env_str("HAVEN_INTAKE_EXIT_URL", "https://www.wikipedia.org/")
HAVEN_INTAKE_MAX_CHARS = env_int("HAVEN_INTAKE_MAX_CHARS", 5000, minimum=100)
HAVEN_INTAKE_MAX_FILE_BYTES = env_int("HAVEN_INTAKE_MAX_FILE_MB", 20, minimum=1) * 1024 * 1024
# A form sent sooner than this after it was shown is a machine's (no JavaScript is needed
# to wait); one older than the maximum is shown again with what was typed.
HAVEN_INTAKE_MIN_FILL_SECONDS = env_int("HAVEN_INTAKE_MIN_FILL_SECONDS", 4, minimum=0)
HAVEN_INTAKE_MAX_FORM_AGE = env_int("HAVEN_INTAKE_MAX_FORM_AGE_MINUTES", 180, minimum=1) * 60
# Sent requests and wrong receipts, "<n>/minute|hour|day", per address and for everyone.
# Behind an onion service every visitor has the same address: set the per-address
# limits to "off" there and rely on the global ones.
HAVEN_INTAKE_RATE_PER_ADDRESS = env_rate("HAVEN_INTAKE_RATE_PER_ADDRESS", "10/hour")
HAVEN_INTAKE_RATE_GLOBAL = env_rate("HAVEN_INTAKE_RATE_GLOBAL", "2000/hour")
HAVEN_INTAKE_GUESSES_PER_ADDRESS = env_rate("HAVEN_INTAKE_GUESSES_PER_ADDRESS", "10/hour")
HAVEN_INTAKE_GUESSES_GLOBAL = env_rate("HAVEN_INTAKE_GUESSES_GLOBAL", "500/hour")
# How long a receipt opens its request after the person last used it.
HAVEN_INTAKE_RECEIPT_DAYS = env_int("HAVEN_INTAKE_RECEIPT_DAYS", 180, minimum=1)
