"""Django settings for LocalStat, all from environment variables.

``DATABASE_URL`` selects PostgreSQL; without it LocalStat uses one SQLite file in WAL mode at
``var/localstat.sqlite3`` inside the repository, whatever the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LOCALSTAT_VAR_DIR", BASE_DIR / "var"))


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("LOCALSTAT_DEBUG")
SECRET_KEY = (
    os.environ.get("LOCALSTAT_SECRET_KEY")
    or "localstat-development-key-set-LOCALSTAT_SECRET_KEY-in-production"
)
ALLOWED_HOSTS = [
    h for h in os.environ.get("LOCALSTAT_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("LOCALSTAT_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "govuk_frontend_django",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    # LocalStat's apps, in the order the delivery chain flows; the demo pipeline follows it too.
    "localstat.core",
    "localstat.chain",
    "localstat.framework",
    "localstat.returns",
    "localstat.agreements",
    "localstat.assessment",
    "localstat.inspection",
    "localstat.regime",
    "localstat.review",
    "localstat.publication",
    "localstat.demo",
    "localstat.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "localstat.urls"
WSGI_APPLICATION = "localstat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "localstat" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "localstat.core.context_processors.localstat",
            ],
        },
    },
]

#: How LocalStat uses SQLite, whichever file it is: IMMEDIATE takes the write lock at BEGIN, so two
#: writers queue instead of one failing with "database is locked" half-way through its transaction;
#: write-ahead logging lets pages read while the tick writes.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
    ),
}

_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url,
            conn_max_age=int(os.environ.get("LOCALSTAT_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
        # A file opened in every request is cheap; a kept SQLite connection across threads is not.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "localstat.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
            "TEST": {"NAME": os.environ.get("LOCALSTAT_TEST_SQLITE", "")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# WhiteNoise warns about a missing root at start-up; collectstatic fills it before serving.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "localstat" / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if _flag("LOCALSTAT_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MANIFEST_STRICT = False

#: Uploads through the web or the API with more rows than this run as a background task with a job page.
LOCALSTAT_ASYNC_ROWS = int(os.environ.get("LOCALSTAT_ASYNC_ROWS", "10000"))

# After approvals: "auto" judges small approvals in the request and hands bulk ones to the worker;
# "inline" always judges at once, "task" always hands over, "off" waits for the next full run.
LOCALSTAT_ASSESS_ON_APPROVAL = os.environ.get("LOCALSTAT_ASSESS_ON_APPROVAL", "auto")

TASKS = {"default": {"BACKEND": os.environ.get("LOCALSTAT_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

EMAIL_BACKEND = os.environ.get("LOCALSTAT_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("LOCALSTAT_FROM_EMAIL", "LocalStat <localstat@localhost>")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOCALSTAT_LOG_LEVEL", "WARNING")},
}
