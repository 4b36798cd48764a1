"""One env-driven settings module (Healthchecks style).

SQLite under var/ by default; DATABASE_URL selects PostgreSQL. DEBUG is off unless DEBUG=1.
SLW_HTTPS=1 is the production switch for a deployment behind TLS (secure cookies, HSTS, redirect).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SLW_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Take SECRET_KEY from the environment, else a key generated once into var/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
HTTPS = _env_bool("SLW_HTTPS")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    # Before the project's apps: its login signal receivers run first, so accounts.security sees a lock it set.
    "axes",
    "sanluanwu.core",
    "sanluanwu.accounts",
    "sanluanwu.audit",
    "sanluanwu.campaigns",
    "sanluanwu.notices",
    "sanluanwu.registry",
    "sanluanwu.remediation",
    "sanluanwu.imports",
    "sanluanwu.lookback",
    "sanluanwu.reporting",
    "sanluanwu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A request id for audit events, and the audit heads read once per request (audit.memo), before the session's
    # user is read.
    "sanluanwu.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whose eyes the outputs are for (core.masking.viewer): a utility sees no phone or ID number, not even masked.
    "sanluanwu.core.middleware.ViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # 等保 (accounts.middleware): too many failed logins from one address → 429; idle/absolute session timeouts;
    # an expired or new/reset password must be changed before anything else works.
    "sanluanwu.accounts.middleware.LoginThrottleMiddleware",
    "sanluanwu.accounts.middleware.SessionTimeoutMiddleware",
    "sanluanwu.accounts.middleware.PasswordPolicyMiddleware",
    "sanluanwu.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "sanluanwu.core.middleware.BusyDatabaseMiddleware",
    "sanluanwu.core.middleware.MethodNotAllowedMiddleware",
    "sanluanwu.core.middleware.NoStoreMiddleware",
    # Last: it turns a login that axes refused into accounts.security.lockout_response (the plain failed login).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sanluanwu.accounts.context_processors.scope",
                "sanluanwu.accounts.context_processors.password_reminder",
                "sanluanwu.notices.context_processors.bell",
                "sanluanwu.reporting.context_processors.campaign_banner",
                "sanluanwu.core.context_processors.upload_limits",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'sanluanwu.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the job worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: this service's queries are short, and PostgreSQL compiled a 12 ms count of 10,000 cases
    # for 9 ms more once its estimated cost crossed jit_above_cost (at a million cases, every count and list would).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = " ".join(filter(None, [options.get("options", ""), "-c jit=off"]))
    # Which of our processes a connection serves (pg_stat_activity, the deadline benchmark's CPU per process): bin/serve
    # names the web server's, the job worker's, the scheduler's; the file builder names its own (core.exporting).
    options.setdefault("application_name", os.environ.get("SLW_DB_APPLICATION_NAME", "sanluanwu"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the home view sends each role to its work
LOGOUT_REDIRECT_URL = "login"
# django-axes refuses a locked account's login before the password is checked (accounts/security.py).
AUTHENTICATION_BACKENDS = [
    "sanluanwu.accounts.security.LockoutBackend",
    # Django's ModelBackend with the user's row remembered until the next accounts write (audit.memo).
    "sanluanwu.accounts.security.RememberedUserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "sanluanwu.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("PASSWORD_MIN_LENGTH", 10))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "sanluanwu.accounts.passwords.CommonShapeValidator"},  # Admin@123456, P@ssw0rd1234, 1qaz@WSX3edc
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保 2.0 level 2 (sanluanwu/accounts/passwords.py): 3 of 4 character classes, not the user name, not the last 5.
    {
        "NAME": "sanluanwu.accounts.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": int(os.environ.get("PASSWORD_MIN_CLASSES", 3))},
    },
    {"NAME": "sanluanwu.accounts.passwords.NotContainingUsernameValidator"},
    {"NAME": "sanluanwu.accounts.passwords.HistoryValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise expects it even before the first collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if _env_bool("SLW_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Reads remembered until the next write (audit.memo: the campaign banner, work counts, a list's page). Off
# (SLW_REMEMBER_READS=0) every request reads the database: how benchmarks measure the path a deadline's writes take.
REMEMBER_READS = os.environ.get("SLW_REMEMBER_READS", "1") != "0"

# Large files (district workbook, 附件2, campaign summary) built at once by one server process, and how long a
# download waits for its turn before it is answered 503 (core.exporting.one_at_a_time; gunicorn's timeout is 60 s).
EXPORTS_AT_ONCE = max(1, int(os.environ.get("SLW_EXPORTS_AT_ONCE", "1")))
EXPORT_WAIT_SECONDS = float(os.environ.get("SLW_EXPORT_WAIT_SECONDS", "40"))
# How many downloads of one server process may wait for a turn (each holds a thread); the next is answered 503 at once.
# Four: five officials downloading at once, all in one process, are one building and four waiting; three of its eight
# threads stay for pages.
EXPORTS_WAITING = max(0, int(os.environ.get("SLW_EXPORTS_WAITING", "4")))
# And built in a process of their own at a lower CPU priority (core.exporting.build_apart): bin/serve turns it on.
EXPORTS_APART = _env_bool("SLW_EXPORTS_APART")

# The share of the wall time background work (an import in the job worker) may work; it rests the rest
# (core.pacing). 1: no rests (tests, a request's own small import); bin/serve gives the job worker 0.5.
BACKGROUND_DUTY = float(os.environ.get("SLW_BACKGROUND_DUTY", "1"))
if not (math.isfinite(BACKGROUND_DUTY) and 0 < BACKGROUND_DUTY <= 1):
    raise ImproperlyConfigured("SLW_BACKGROUND_DUTY must be a number above 0 and at most 1")

# Sessions (等保, accounts.middleware.SessionTimeoutMiddleware): ended after SESSION_IDLE_SECONDS without a request
# and SESSION_ABSOLUTE_SECONDS after the login, whatever the activity. The last activity is written at most once a
# minute, never on every request (SESSION_SAVE_EVERY_REQUEST halved a trivial page's throughput); the stored
# session outlives the idle timeout by that minute and a margin so the middleware, not the row's expiry, decides.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", 30 * 60))
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60))
SESSION_ACTIVITY_WRITE_SECONDS = 60
SESSION_ENGINE = "sanluanwu.accounts.session_store"  # Django's db sessions, the row read by plain SQL
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + 5 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Everything is served by the app itself: no CDN, no outside fonts or tiles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# Request limits: a request beyond them is answered 400 with a Chinese message (core.api for the API,
# core.views.bad_request for pages) before any view reads it.
# Everything but uploaded files: the largest such body is an inspection with its checklist notes (a few KB)
# or an import's column mapping; 2 MB leaves room and bounds what one request holds in memory. DRF's JSON
# parser is held to the same bound (core.api.JSONParser).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Form fields of one request: the import page's column mapping has one per unknown header of each sheet,
# the inspection form two per checklist item; Django's default of 1,000 is ample and stays.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Files of one request: the photo form takes several photos of one inspection at once; 20 is a phone's burst.
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# An upload above this is spooled to a temporary file instead of memory; views check its size (imports: 20 MB,
# photos: PHOTO_MAX_BYTES) from UploadedFile.size before reading it.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

REST_FRAMEWORK = {
    # The token first: a request with no or a bad credential is answered 401 with `WWW-Authenticate: Token` (the
    # session class names no scheme, with which DRF answers 403); a browser's session is tried all the same.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sanluanwu.accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every API view names the permission (accounts/permissions.py) of each of its actions; undeclared → 403.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "sanluanwu.accounts.security.PasswordCurrent",
        "sanluanwu.accounts.api.TablePermission",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "sanluanwu.core.api.KeysetPagination",
    "DEFAULT_PARSER_CLASSES": [
        "sanluanwu.core.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "sanluanwu.core.api.exception_handler",
    "PAGE_SIZE": 50,
    # JSON only: DRF's browsable pages are English ("Raw data", "HTML form"); the API's page in Chinese is /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # OPTIONS says what an endpoint accepts without the view's English name and docstring (core.api.Metadata).
    "DEFAULT_METADATA_CLASS": "sanluanwu.core.api.Metadata",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "武进区散乱污动态管理系统 API",
    "DESCRIPTION": (
        "“散乱污”企业（作坊）动态管理整治名单的 REST 接口。\n\n"
        "**认证**：用户名、密码（已开启双因素认证的账户另加动态码）提交到 `POST /api/v1/auth/token/`，取得令牌后在每个请求的"
        "请求头中写 `Authorization: Token <令牌>`。令牌只显示一次，有效期见应答的 expires_at；退出所有设备、修改密码都会"
        "撤销令牌，账户页可查看和撤销自己的令牌。连续登录失败会锁定账户，同一地址频繁失败会被限流（429）。\n\n"
        "**范围**：每个接口只返回和修改您的单位范围内的记录，能做什么由角色的权限决定，与网页一致。\n\n"
        "**分页**：列表按编号从新到旧，应答中的 next、previous 为下一页、上一页的地址（`after`、`before` 游标），"
        "`page_size` 每页 1-200 条；count 为封顶计数。列表只接受本文档为它列出的查询参数，其他有值的参数答 400 并列出"
        "可用的参数。\n\n"
        "**个人信息**：联系电话、身份证号一律脱敏（如 138****5678）；有权限的用户可通过 reveal 接口查看一条并留痕。\n\n"
        "**错误**：应答为 JSON，detail 为中文说明、code 为错误类别；字段校验错误以字段名为键列出中文消息。"
        "修改记录时须带上读取时的 version，记录已被他人修改时返回 409。"
    ),
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "sanluanwu.core.api_docs.chinese"],
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page to logged-in users whose password is current only: the API's map is not for
    # anyone on the network (等保: least information to the unauthenticated).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated", "sanluanwu.accounts.security.PasswordCurrent"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ImportKindEnum": "sanluanwu.imports.choices.ImportKind.choices",
        "ImportBatchStatusEnum": "sanluanwu.imports.choices.BatchStatus.choices",
        "NewPlaceKindEnum": "sanluanwu.lookback.choices.NEW_PLACE_KINDS",
        "PlaceKindEnum": "sanluanwu.lookback.choices.PlaceKind.choices",
    },
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_without_traceback": {"()": "sanluanwu.core.logs.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Every failed login is an audit event (accounts.login.failed); axes' own line per failure adds nothing.
        "axes": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # A refused request (403, 404) is one line in the log, without the traceback Django adds (core.logs).
        "django.request": {"filters": ["client_errors_without_traceback"]},
        # A form with too many files or fields, too large a body, or a Host header not ours is the sender's error (a
        # 400): one line.
        **{
            f"django.security.{name}": {"filters": ["client_errors_without_traceback"]}
            for name in ("TooManyFilesSent", "TooManyFieldsSent", "RequestDataTooBig", "DisallowedHost")
        },
    },
}

# Login lockout and throttle (等保, django-axes; accounts/security.py). LOGIN_FAILURE_LIMIT failed logins of one
# account within LOGIN_LOCK_MINUTES lock it for LOGIN_LOCK_MINUTES (counted from the last failure); the answer stays
# the plain failed login, so nobody learns whether the account exists, the password was wrong or it is locked.
# LOGIN_ADDRESS_FAILURE_LIMIT failures from one address within the same window are answered 429 on every login
# path: one office behind one NAT address (a town's 20-odd staff) can still mistype, a guesser gets 20 tries in
# 15 minutes instead of the 230 a minute measured before.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", 15))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", 20))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCK_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 warns that a lock by user name alone lets one address try many names: that address is throttled by
# LOGIN_ADDRESS_FAILURE_LIMIT (accounts.middleware.LoginThrottleMiddleware), counted from axes' rows by address and
# the tries against a locked account (axes' failure log, written by accounts.security.record_locked_try alone).
# Adding "ip_address" here would lock everyone behind an office's NAT address after 5 failures.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_CALLABLE = "sanluanwu.accounts.security.lockout_response"
# The failures are cleared when a login is complete (accounts.security.record_login), not when the password alone
# was right: for an account with a second factor that is half a login, and clearing there let wrong codes go
# uncounted, four at a time, by giving the password again (helper-48).
AXES_RESET_ON_SUCCESS = False
# A try against a locked account does not restart its 15 minutes (else anyone could keep an account locked for good
# by trying it every few minutes); each try is still audited.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The address is REMOTE_ADDR, as the audit events record it (a proxy in front sets it; headers are never trusted).
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_VERBOSE = False
# axes' own admin pages would let an admin delete login attempts (security records): locks are read and lifted on
# /security/lockouts/ (accounts.security.unlock, audited) instead.
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True  # logins and logouts are audit events (audit.AuditEvent), not a second log
# Off: axes' failure log holds only the tries against a locked account, written by accounts.security (the throttle
# counts them); every failure is an audit event already.
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Password expiry (等保): PASSWORD_MAX_AGE_DAYS, PASSWORD_ADMIN_MAX_AGE_DAYS for accounts holding an admin role
# (三员), a reminder on every page PASSWORD_REMINDER_DAYS ahead.
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", 180))
PASSWORD_ADMIN_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_ADMIN_MAX_AGE_DAYS", 90))
PASSWORD_REMINDER_DAYS = int(os.environ.get("PASSWORD_REMINDER_DAYS", 15))
# API tokens (accounts.tokens): days a new one lasts; at most 90 whatever is set here.
API_TOKEN_DAYS = min(int(os.environ.get("API_TOKEN_DAYS", 30)), 90)
# Two-factor login (accounts.twofactor): the name authenticator apps show for this system.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "武进区散乱污系统")

# The demo password for the demo accounts created by `load_demo`; never used by a plain migrate.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Wujin@2020")

# Photos live outside any served directory; every access goes through an authorising view.
PHOTO_ROOT = Path(os.environ.get("SLW_PHOTO_ROOT", VAR_DIR / "photos"))
# An import preview's plan, kept for its confirm (imports.plans); removed when applied or previewed anew.
IMPORT_PLAN_ROOT = Path(os.environ.get("SLW_IMPORT_PLAN_ROOT", VAR_DIR / "import-plans"))
# Photos a refused form was sent with, kept for the user's next try (core.staging); a day at most.
STAGING_ROOT = Path(os.environ.get("SLW_STAGING_ROOT", VAR_DIR / "staged"))
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", 15 * 1024 * 1024))
# A town's ledger is built in the request (about 30 ms a case on this 2-core machine): more cases than this are
# refused with the reason, within gunicorn's worker timeout; a larger town downloads case by case for now.
LEDGER_MAX_CASES = int(os.environ.get("LEDGER_MAX_CASES", 800))
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", 40_000_000))

# A town's work plan (工作方案): a Word, WPS, PDF or OFD document, checked by size before it is read.
WORKPLAN_MAX_BYTES = int(os.environ.get("WORKPLAN_MAX_BYTES", 20 * 1024 * 1024))
# How often the scheduler (bin/serve, `manage.py run_schedule`) runs the reporting reminders, in seconds.
SCHEDULE_INTERVAL = int(os.environ.get("SCHEDULE_INTERVAL", 900))

# PostgreSQL: the schema's owner (the migration role). When set, `migrate`, `setup_db_roles`, `backup` and `restore`
# connect as it, and DATABASE_URL's role gets DML everywhere but only SELECT and INSERT on the audit log
# (sanluanwu/audit/dbroles.py).
MIGRATION_DATABASE_URL = os.environ.get("MIGRATION_DATABASE_URL", "")
# Where `manage.py backup` writes (a directory 0700 per backup, files 0600; sanluanwu/audit/backups.py).
BACKUP_ROOT = Path(os.environ.get("SLW_BACKUP_ROOT", VAR_DIR / "backups"))
