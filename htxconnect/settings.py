"""HTX Connect settings: one module, everything from the environment (see .env.example).

DJANGO_ENV selects the defaults: "production" (the default: secure, needs SECRET_KEY),
"demo" (what `make demo` runs: SQLite, local cache, DEBUG off but plain HTTP) and "test".
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is read when present (never committed); real deployments set the environment.
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))


def secret(name, default=None):
    """A secret from NAME, or from the file named by NAME_FILE (systemd credentials, Docker)."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text().strip()
    return env.str(name, default=default)


DJANGO_ENV = env.str("DJANGO_ENV", default="production")
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"
DEBUG = env.bool("DEBUG", default=False)

# What a person who ran `python manage.py …` after `make demo` (no DJANGO_ENV: production) reads.
NO_SECRET_KEY = (
    "SECRET_KEY must be set to at least 32 random characters in production.\n"
    "Chưa đặt DJANGO_ENV nên HTX Connect chạy ở chế độ thật (production), chế độ này cần SECRET_KEY.\n"
    "  • Chạy lệnh với bản chạy thử của `make demo`:  make manage ARGS=\"issue_api_key admin\"\n"
    "    hoặc:  DJANGO_ENV=demo .venv/bin/python manage.py issue_api_key admin\n"
    "  • Chạy thật: đặt SECRET_KEY (ít nhất 32 ký tự ngẫu nhiên) và các biến khác (xem .env.example,\n"
    "    docs/admin/deploy.md).\n"
    "(No DJANGO_ENV means production, which needs SECRET_KEY. To run a command against the demo:\n"
    " make manage ARGS=\"issue_api_key admin\", or DJANGO_ENV=demo .venv/bin/python manage.py ….)"
)

if PRODUCTION:
    SECRET_KEY = secret("SECRET_KEY", default="") or ""  # no usable default: production refuses to start
    if len(SECRET_KEY) < 32:  # missing, empty or short (e.g. `SECRET_KEY=` in the env file)
        raise environ.ImproperlyConfigured(NO_SECRET_KEY)
else:
    SECRET_KEY = secret("SECRET_KEY", default=f"insecure-{DJANGO_ENV}-key-not-for-production-use-0123456789")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"] if not PRODUCTION else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base of absolute links (Digital Link QR codes, e-mails); empty = the request's host.
SITE_URL = env.str("SITE_URL", default="")
TRUST_X_REAL_IP = env.bool("TRUST_X_REAL_IP", default=False)
# Take the request id from nginx's X-Request-ID (only behind our own proxy, which overwrites it).
TRUST_X_REQUEST_ID = env.bool("TRUST_X_REQUEST_ID", default=False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "htxconnect.core",
    "htxconnect.accounts",
    "htxconnect.registry",
    "htxconnect.programs",
    "htxconnect.events",
    "htxconnect.market",
    "htxconnect.trace",
    "htxconnect.resolver",
    "htxconnect.reports",
    "htxconnect.portal",
    "htxconnect.api",
]

MIDDLEWARE = [
    # First: the request id, one log line, the request metrics, around everything below.
    "htxconnect.core.observability.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "htxconnect.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "htxconnect.core.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "htxconnect.core.middleware.ActorAddressMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "htxconnect.core.storage.StorageFullMiddleware",
]

ROOT_URLCONF = "htxconnect.urls"
WSGI_APPLICATION = "htxconnect.wsgi.application"
ASGI_APPLICATION = "htxconnect.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "htxconnect" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "htxconnect.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker use the demo database at the same time.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A read replica (streaming replication of the primary): the views marked with
# core.db_router.use_replica() (public pages, reports, dashboards) read from it; every write,
# and every read after a write in the same request, goes to the primary (read-your-writes).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    for _key in ("OPTIONS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        if _key in DATABASES["default"]:
            DATABASES["replica"].setdefault(_key, DATABASES["default"][_key])
    if TESTING:  # the test run reads the replica alias from the primary's test database
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["htxconnect.core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis down → the site keeps working from a per-process cache, more slowly (core/cache.py).
    CACHES = {"default": {"BACKEND": "htxconnect.core.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": env.float("REDIS_TIMEOUT", default=0.5),
                                      "socket_timeout": env.float("REDIS_TIMEOUT", default=0.5)},
                          "RETRY_SECONDS": env.float("REDIS_RETRY_SECONDS", default=5)}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "htx"}}

# --- Tasks ----------------------------------------------------------------------------
# "database" (django-tasks-db, the demo's default), "rq" (RQ on Redis, production past one
# worker: TASKS_REDIS_URL or REDIS_URL) or "immediate" (tests). Each kind of work has its own
# queue so it can have its own workers (docs/admin/deploy.md, `manage.py run_worker QUEUE…`).
TASK_BACKEND = env.str("TASK_BACKEND", default="immediate" if TESTING else "database")
TASK_QUEUES = ["default", "capture", "mail", "reports", "labels"]
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "htxconnect.core.task_backends.RQBackend",
}
if TASK_BACKEND not in TASK_BACKENDS:
    raise environ.ImproperlyConfigured(
        f"TASK_BACKEND={TASK_BACKEND!r}: chỉ nhận / must be one of {', '.join(TASK_BACKENDS)}.")
TASKS_REDIS_URL = env.str("TASKS_REDIS_URL", default="") or REDIS_URL
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASK_BACKEND], "QUEUES": TASK_QUEUES}}
if TASK_BACKEND == "rq":
    if not TASKS_REDIS_URL:
        raise environ.ImproperlyConfigured("TASK_BACKEND=rq cần TASKS_REDIS_URL hoặc REDIS_URL (needs a Redis URL).")
    INSTALLED_APPS += ["django_rq"]
    # A job whose worker died (killed work-horse, or found abandoned by run_worker) runs again
    # after these delays; the tasks are written to be safe to run twice (core.joblock).
    TASKS["default"]["OPTIONS"] = {
        "RETRY_INTERVALS": env.list("TASK_RETRY_INTERVALS", cast=int, default=[10, 60, 300])}
# Read by django-rq (and so by the RQ backend) whatever TASK_BACKEND is: tests switch to RQ
# with override_settings(TASKS=…) and run_worker reads the queue names from here.
RQ_QUEUES = {name: {"URL": TASKS_REDIS_URL or "redis://127.0.0.1:6379/0",
                    "DEFAULT_TIMEOUT": env.int("TASK_TIMEOUT_SECONDS", default=3600)} for name in TASK_QUEUES}
# Where the SQLite job locks live (PostgreSQL uses advisory locks): see core.joblock.
TASK_LOCK_DIR = Path(env.str("TASK_LOCK_DIR", default="") or BASE_DIR / "var" / "locks")

# --- Accounts and security ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing is the slowest part of a test that logs in; the algorithm is not under test.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Sessions end after SESSION_IDLE_SECONDS of inactivity (refreshed on each request).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
# Database sessions; a refresh that fails because the database just stopped is let go (core/sessions.py).
SESSION_ENGINE = "htxconnect.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads it
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Cookies (ASVS 5.0 3.3.1, decision 0031): SECURE_COOKIES, on in production, makes every cookie we set
# Secure *and* names it __Host-… (with Path=/ and no Domain, Django's defaults, kept): a browser then
# takes it only from HTTPS for this exact host, so neither plain HTTP nor a sibling subdomain can set
# or shadow it. Off (development and tests over plain http): plain names, since a browser drops a
# __Host- cookie that is not Secure. deploy/nginx/htxconnect.conf reads the production names.
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=PRODUCTION)
COOKIE_NAME_PREFIX = "__Host-" if SECURE_COOKIES else ""
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_NAME = COOKIE_NAME_PREFIX + "sessionid"
CSRF_COOKIE_NAME = COOKIE_NAME_PREFIX + "csrftoken"
LANGUAGE_COOKIE_NAME = COOKIE_NAME_PREFIX + "django_language"
CSRF_FAILURE_VIEW = "htxconnect.core.views.csrf_failure"

# Login throttling: after LOGIN_MAX_FAILURES failures for one username or one address within
# LOGIN_LOCKOUT_SECONDS, further attempts are refused with 429 until the window passes.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
# Every public form (core.ratelimit): at most PUBLIC_POST_LIMIT POSTs per address per window, then 429.
PUBLIC_POST_LIMIT = env.int("PUBLIC_POST_LIMIT", default=30)
PUBLIC_POST_WINDOW = env.int("PUBLIC_POST_WINDOW", default=10 * 60)
PUBLIC_POST_LIMITS: dict[str, int] = {}  # per kind, when one form needs another bound
# Machine clients (accounts.apikeys): at most API_KEY_RATE_LIMIT requests per API key per
# API_KEY_RATE_WINDOW seconds, then 429 with Retry-After; 0 turns the limit off. Generous: a
# cooperative's scanners share one key and push a capture per scan, and replay a day's queue at once
# when they come back online (20 a second, sustained, is far beyond one cooperative's packing line).
API_KEY_RATE_LIMIT = env.int("API_KEY_RATE_LIMIT", default=1200)
API_KEY_RATE_WINDOW = env.int("API_KEY_RATE_WINDOW", default=60)
OTP_TOTP_ISSUER = "HTX Connect"

# Behind a TLS proxy (nginx, deploy/nginx/htxconnect-proxy.conf sets X-Forwarded-Proto from the
# connection) the request's scheme is the proxy's. Trusted only when configured: without a proxy
# that overwrites it, any client could send the header.
TRUST_X_FORWARDED_PROTO = env.bool("TRUST_X_FORWARDED_PROTO", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_X_FORWARDED_PROTO else None

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Health and metrics are probed over plain HTTP by the load balancer, systemd and Prometheus.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# Served by ContentSecurityPolicyMiddleware; all assets are the project's own.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'"
)

# --- Mail -----------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = secret("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="HTX Connect <no-reply@htxconnect.local>")

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "htxconnect" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "htxconnect" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Private uploads (everything outside core.storage.PUBLIC_PREFIXES) are served by /files/<name>
# after a permission check (core.private_files). true behind deploy/nginx: Django answers with
# X-Accel-Redirect and nginx sends the bytes from its internal /_protected/ location (MEDIA_ROOT).
FILES_X_ACCEL_REDIRECT = env.bool("FILES_X_ACCEL_REDIRECT", default=False)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=20 * 1024 * 1024)
# Uploads and generated files: on disk under MEDIA_ROOT (default) or in an S3-compatible bucket
# (STORAGE_BACKEND=s3; docs/admin/deploy.md, htxconnect/core/storage_s3.py).
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="filesystem")
if STORAGE_BACKEND == "s3":
    _default_storage = {"BACKEND": "htxconnect.core.storage_s3.HtxS3Storage", "OPTIONS": {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
        # Empty: AWS itself; MinIO/Ceph/a provider: its URL, e.g. https://s3.example.vn
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        # Empty: boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an instance role).
        "access_key": secret("AWS_S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": secret("AWS_S3_SECRET_ACCESS_KEY", default="") or None,
        "location": env.str("AWS_LOCATION", default=""),
        "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,  # "path" for MinIO
        "signature_version": "s3v4",
        "querystring_auth": True,
        "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
        "file_overwrite": False,
    }}
elif STORAGE_BACKEND == "filesystem":
    _default_storage = {"BACKEND": "htxconnect.core.storage.CleanFileSystemStorage"}
else:
    raise environ.ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', not {STORAGE_BACKEND!r}")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Console logs: JSON lines in production (LOG_FORMAT=json), plain lines elsewhere; every line
# carries request_id / task_id (core.logcontext), each request adds one line from
# htxconnect.request with method, path, route, status, duration_ms and user_id.
LOG_FORMAT = env.str("LOG_FORMAT", default="") or ("json" if PRODUCTION else "plain")
if LOG_FORMAT not in ("json", "plain"):
    raise environ.ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "htxconnect.core.logcontext.ContextFilter"}},
    "formatters": {
        "plain": {"()": "htxconnect.core.logcontext.PlainFormatter",
                  "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s", "timestamp": "time",
                 "rename_fields": {"levelname": "level", "name": "logger"}},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.security": {"level": "INFO"}, "htxconnect.security": {"level": "INFO"},
                # Python warnings (logging.captureWarnings, set by Django) in the same format.
                "py.warnings": {"handlers": ["console"], "propagate": False},
                # The request line is the access log; the test suite keeps it quiet unless asked.
                "htxconnect.request": {"level": env.str("REQUEST_LOG_LEVEL", default="WARNING" if TESTING else "INFO")}},
}

# Prometheus metrics at /metrics (core.metrics): a bearer token, or loopback-only when allowed.
METRICS_TOKEN = secret("METRICS_TOKEN", default="")
METRICS_ALLOW_LOOPBACK = env.bool("METRICS_ALLOW_LOOPBACK", default=False)

# The demo prints TOTP codes for staff accounts so a tester can pass two-factor login.
DEMO_MODE = DJANGO_ENV == "demo"

# --- Traceability and registry limits (see .env.example) ---------------------------------
EPCIS_CAPTURE_LIMIT = env.int("EPCIS_CAPTURE_LIMIT", default=10000)
EPCIS_CAPTURE_MAX_BYTES = env.int("EPCIS_CAPTURE_MAX_BYTES", default=20 * 1024 * 1024)
EPCIS_SYNC_CAPTURE_LIMIT = env.int("EPCIS_SYNC_CAPTURE_LIMIT", default=2000)
EPCIS_MAX_PER_PAGE = env.int("EPCIS_MAX_PER_PAGE", default=1000)
# Webhooks of EPCIS subscriptions may target private/loopback addresses only when True (tests).
EPCIS_WEBHOOK_ALLOW_PRIVATE = env.bool("EPCIS_WEBHOOK_ALLOW_PRIVATE", default=False)
GS1_COMPANY_PREFIXES = env.list("GS1_COMPANY_PREFIXES", default=[])
REGISTRY_IMPORT_MAX_BYTES = env.int("REGISTRY_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
EPCIS_WEBHOOK_RETRY_DELAYS = env.list("EPCIS_WEBHOOK_RETRY_DELAYS", cast=float, default=[10, 60, 300, 1800])
# Public scan page: shared-cache lifetime (nginx), Django page-cache bound.
# 3 s of s-maxage: a change is visible through nginx within 5 s even counting the background refresh.
SCAN_PAGE_S_MAXAGE = env.int("SCAN_PAGE_S_MAXAGE", default=3)
SCAN_PAGE_CACHE_SECONDS = env.int("SCAN_PAGE_CACHE_SECONDS", default=300)
# Scan pages written as files for nginx (deploy/nginx/htxconnect.conf, `try_files`); "" = off.
# nginx must read this directory and every app server of the site must write to the same one.
SCAN_PAGE_ROOT = env.str("SCAN_PAGE_ROOT", default="")
# Scans appended to a per-process spool file and stored in batches (resolver.spool, decision
# 0022); "" = one INSERT per scan. Each app host must run the "minute" periodic job.
SCAN_SPOOL_DIR = env.str("SCAN_SPOOL_DIR", default="")
SCAN_SPOOL_FSYNC_SECONDS = env.float("SCAN_SPOOL_FSYNC_SECONDS", default=1.0)
SCAN_SPOOL_ROTATE_SECONDS = env.float("SCAN_SPOOL_ROTATE_SECONDS", default=10.0)
# Anonymous resolver redirects answered from the cache before Django's middleware (resolver.fastpath).
SCAN_FAST_PATH = env.bool("SCAN_FAST_PATH", default=True)
# …re-checked with the shared cache after this many seconds (a purge reaches replays within it).
SCAN_FAST_PATH_LOCAL_SECONDS = env.float("SCAN_FAST_PATH_LOCAL_SECONDS", default=0.5)
