"""Settings shared by every environment, read from the environment in one place.

The defaults give a working site with no servers to install: SQLite in WAL mode
and an embedded (filesystem) Celery broker. ``DATABASE_URL`` and ``REDIS_URL``
switch to PostgreSQL and Redis.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "allauth",
    "allauth.account",
    # WeChat login for members who bound their WeChat from the "me" page (members.social).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.weixin",
    "csp",
]
LOCAL_APPS = [
    "branches",
    "members",
    "activities",
    "notifications",
    "evaluations",
    "dues",
    "itinerant",
    "committees",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    "branches.errors.DomainErrorMiddleware",
]

# Pages load nothing from other origins: no CDN, no web fonts, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat are separate processes writing one file: WAL lets
    # readers go on during a write, and IMMEDIATE takes the write lock at BEGIN
    # so a transaction never fails half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The site's queries are short index lookups over at most a branch or a
        # committee; a count over 100,000 members crosses jit_above_cost, and
        # compiling it took ~180 ms for a query that runs in ~10 ms without.
        # Nothing here runs long enough for compiled code to pay that back.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")


def redis_cache(url: str, **options) -> dict:
    """The default cache on the Redis at url.

    Login, signup, password reset and login codes count their rate limits in
    it, so a Redis that is down or hung must not take them down: the backend
    answers from a memory cache of the process instead of raising or waiting.
    """
    return {
        "BACKEND": "branches.cache.ResilientRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "netbranch",
        "OPTIONS": options,
    }


if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    # Rate limits must be shared by every web process; a file cache is shared
    # and needs no server (locmem would give each process its own counters).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# Sessions stay in the database, never in the cache: a member stays logged in
# while Redis is down, and its memory fallback cannot mix up sessions.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Auth -------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# --- Internationalization ---------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")

# --- Celery -----------------------------------------------------------------------------
# The embedded broker's folder; the integration tests give each worker its own.
BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
# Members per fan-out batch (activities.services.CHUNK_SIZE); the drills make it
# small so that a worker can be killed half-way through a dispatch.
FANOUT_CHUNK = env.int("NETBRANCH_FANOUT_CHUNK", default=2000)
# "localhost" means nothing to the filesystem transport, but without a host
# kombu warns on every connection that it assumed one.
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
if not REDIS_URL:
    # The embedded broker: worker and beat exchange messages through one folder.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        # Its exchange tables; the default is a "control" folder in the current directory.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# A web request that enqueues a task while Redis is down, or up but hung,
# fails within seconds with kombu's OperationalError instead of waiting forever
# (redis-py has no socket timeout by default). Above the worker's 1 s BRPOP.
REDIS_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A publish is retried briefly (a restart blip), then the error reaches the caller.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it finished, so a worker killed mid-task
# leaves the message to be redelivered (Redis); tasks are idempotent for that.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 5 * 60
CELERY_TASK_TIME_LIMIT = 6 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = False
# Beat only triggers sweeps; what is due lives in the database (see DESIGN.md).
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "branches.tasks.run_sweep",
        "schedule": 60.0,
        "args": ["heartbeat"],
        "options": {"expires": 55},
    },
    # The activity-day sweeps look at the database for what is due, so running
    # them often is cheap and a missed run is caught up by the next one.
    "plan": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=5, hour="1"),
        "args": ["plan"],
        "options": {"expires": 3600},
    },
    **{
        name: {
            "task": "branches.tasks.run_sweep",
            "schedule": crontab(minute=f"{offset}-59/10"),
            "args": [name],
            "options": {"expires": 540},
        }
        for offset, name in enumerate(["dispatch", "remind", "close"], start=1)
    },
    # Hardship visit reminders: once a morning; a missed day is caught up by the next.
    "visits": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=30, hour="7"),
        "args": ["visits"],
        "options": {"expires": 3600},
    },
    # Self-assessment deadlines: members who have not sent theirs hear of it once, in the last days.
    "evaluation_deadlines": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=45, hour="7"),
        "args": ["evaluation_deadlines"],
        "options": {"expires": 3600},
    },
    # The managers' digest of new work: once a morning, after the visit reminders; a missed day is
    # covered by the next digest, which counts from the previous one.
    "digest": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=0, hour="8"),
        "args": ["digest"],
        "options": {"expires": 3600},
    },
    # The month's dues (and any month a stopped beat missed), then the arrears reminders: once a
    # night; the rows are unique per member and month, so a second run writes nothing.
    "dues": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=20, hour="1"),
        "args": ["dues"],
        "options": {"expires": 3600},
    },
    # Arrears reminders, once a month per member: in the morning, after the night's dues; the notice
    # keys are unique per member and month, so a missed morning is caught up by the next one.
    "dues_reminders": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=0, hour="9"),
        "args": ["dues_reminders"],
        "options": {"expires": 3600},
    },
    # The yearly report on life away: itinerant members who have not sent this year's hear of it
    # once, from 1 December; the notice key is per member and year, so a second run sends nothing.
    "away_reports": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=30, hour="9"),
        "args": ["away_reports"],
        "options": {"expires": 3600},
    },
    # Letters of introduction: a warning before one runs out with no receipt, then its expiry; once a
    # morning, before the digest. Notice keys per transfer and event make a second run tell nobody twice.
    "transfers": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=40, hour="7"),
        "args": ["transfers"],
        "options": {"expires": 3600},
    },
    # Six-month warnings and proposed transfers: once a morning, before the digest that counts them;
    # the rows are unique per member and spell (or stay), so a second run writes nothing.
    "life_warnings": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=50, hour="7"),
        "args": ["life_warnings"],
        "options": {"expires": 3600},
    },
    "itinerant_proposals": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=55, hour="7"),
        "args": ["itinerant_proposals"],
        "options": {"expires": 3600},
    },
    # Committee terms: six months and one month before a term ends, once each; the mark on the term and the
    # notice keys make a replayed morning send nothing twice.
    "committee_terms": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=35, hour="7"),
        "args": ["committee_terms"],
        "options": {"expires": 3600},
    },
    # SMS, email and WeCom deliveries whose due time has come (quiet hours, retries).
    "deliver": {
        "task": "branches.tasks.run_sweep",
        "schedule": 60.0,
        "args": ["deliver"],
        "options": {"expires": 55},
    },
    # Political-birthday greetings: every morning; the sweep catches up a week of missed days.
    "birthdays": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=0, hour=7),
        "args": ["birthdays"],
        "options": {"expires": 3600},
    },
    # Roster imports still queued after a few minutes (their message was lost, or the broker was down).
    "roster_imports": {
        "task": "branches.tasks.run_sweep",
        "schedule": 300.0,
        "args": ["roster_imports"],
        "options": {"expires": 290},
    },
    # Evaluation rounds whose scoring lost its message or its worker.
    "evaluation_jobs": {
        "task": "branches.tasks.run_sweep",
        "schedule": 300.0,
        "args": ["evaluation_jobs"],
        "options": {"expires": 290},
    },
    # Check-in photos whose re-encoding task was lost or whose worker died.
    "checkin_photos": {
        "task": "branches.tasks.run_sweep",
        "schedule": 300.0,
        "args": ["checkin_photos"],
        "options": {"expires": 290},
    },
    # Activation SMS rows that are due: never sent yet, or back after a gateway error.
    "activation_texts": {
        "task": "branches.tasks.run_sweep",
        "schedule": 60.0,
        "args": ["activation_texts"],
        "options": {"expires": 55},
    },
    # Meetings still short of what is due, N days before each period ends: once a morning; the notice
    # keys are per branch, kind and period, so a replayed morning sends nothing twice.
    "meeting_due": {
        "task": "branches.tasks.run_sweep",
        "schedule": crontab(minute=25, hour="8"),
        "args": ["meeting_due"],
        "options": {"expires": 3600},
    },
}
# /healthz reports the heartbeat as stale after this many seconds.
HEARTBEAT_STALE_AFTER = env.int("HEARTBEAT_STALE_AFTER", default=180)
# Roster imports with at least this many rows are previewed and applied by a worker.
ROSTER_IMPORT_ASYNC_ROWS = env.int("ROSTER_IMPORT_ASYNC_ROWS", default=5000)
# How often each kind of gathering is due, (period, times), unless an organization sets its own
# (activities.MeetingFrequency): 《中国共产党支部工作条例》 arts. 11-18; 党小组会 per group.
MEETING_FREQUENCIES = {
    "theme_day": ("month", 1),
    "general": ("quarter", 1),
    "committee": ("month", 1),
    "group": ("month", 1),
    "lecture": ("quarter", 1),
    "life_meeting": ("year", 1),
    "review": ("year", 1),
}
# The branch's secretaries hear this many days before a period ends that a kind is still short.
MEETING_DUE_REMINDER_DAYS = env.int("MEETING_DUE_REMINDER_DAYS", default=14)

# --- allauth: members log in with their phone number ------------------------------------
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone"}
ACCOUNT_SIGNUP_FIELDS = ["phone*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_USER_MODEL_EMAIL_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
# Codes sent by SMS are typed on a phone's numeric keypad: six digits, no dash.
# Login by phone uses the phone verification format; the login code format
# applies to e-mailed codes and is kept the same.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_FORMS = {
    "signup": "members.forms.SignupForm",
    # The SMS code fields: labelled 验证码, numeric keypad, filled in from the SMS.
    "confirm_login_code": "members.forms.ConfirmLoginCodeForm",
    "verify_phone": "members.forms.VerifyPhoneForm",
}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Failed password logins: the key is the phone number and the client IP
    # (members.adapter), so a stranger's failures never lock the owner out from
    # elsewhere. One IP gets 5 tries in 5 minutes and 20 a day on a number;
    # every IP together gets 100 a day on it, well above what one IP can spend,
    # and login by SMS code is never counted here.
    "login_failed": "10/m/ip,5/5m/key,20/d/key",
    "login_failed_phone": "100/d/key",
    "signup": "20/m/ip",
    "request_login_code": "10/m/ip,3/m/key",
    "change_password": "5/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "change_phone": "1/m/user",
    # Keyed by phone number: each verification SMS costs money and can be abused
    # to text a stranger, so it is limited per number rather than per IP (many
    # phones share one carrier IP).
    "verify_phone": "1/30s/key,5/h/key",
}
# WeChat (Weixin) login: never a way in for someone new. A member binds their WeChat from the "me"
# page after activating with their phone; an unbound WeChat is refused (members.social.adapter).
# The app is configured here, not in the database; with no id and secret, no WeChat button shows.
WECHAT_APP_ID = env("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env("WECHAT_APP_SECRET", default="")
WECHAT_APPS = [{"client_id": WECHAT_APP_ID, "secret": WECHAT_APP_SECRET}] if WECHAT_APP_ID and WECHAT_APP_SECRET else []
SOCIALACCOUNT_ADAPTER = "members.social.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_PROVIDERS = {
    "weixin": {
        # allauth's provider with its endpoints read from here (the tests point them at a fake).
        "provider_class": "members.social.provider.WeixinProvider",
        "APPS": WECHAT_APPS,
        # qrconnect is the website QR login; inside WeChat an official account's page uses
        # https://open.weixin.qq.com/connect/oauth2/authorize with the snsapi_userinfo scope.
        "AUTHORIZE_URL": env("WECHAT_AUTHORIZE_URL", default="https://open.weixin.qq.com/connect/qrconnect"),
        "ACCESS_TOKEN_URL": env("WECHAT_ACCESS_TOKEN_URL", default="https://api.weixin.qq.com/sns/oauth2/access_token"),
        "PROFILE_URL": env("WECHAT_PROFILE_URL", default="https://api.weixin.qq.com/sns/userinfo"),
        "SCOPE": env.list("WECHAT_SCOPE", default=["snsapi_login"]),
    }
}
if SOCIALACCOUNT_PROVIDERS["weixin"]["APPS"]:
    # The login form posts to the site, which redirects to WeChat: form-action covers that redirect.
    _authorize = urlsplit(SOCIALACCOUNT_PROVIDERS["weixin"]["AUTHORIZE_URL"])
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_authorize.scheme}://{_authorize.netloc}")

# SMS goes through a pluggable backend, like Django's EMAIL_BACKEND.
SMS_BACKEND = env("SMS_BACKEND", default="members.sms.ConsoleBackend")
# The signature registered with the SMS provider, put once in front of every
# text (members.sms.send_sms): carriers drop mainland texts without it. Empty
# when the gateway adds the signature itself (e.g. in SMS_GATEWAY_TEMPLATE).
SMS_SIGNATURE = env("SMS_SIGNATURE", default="【网络党支部】")
# members.sms.HttpGatewayBackend: POSTs SMS_GATEWAY_TEMPLATE, a JSON document whose
# strings may hold {phone} and {text}, with the token as a bearer credential.
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TEMPLATE = env("SMS_GATEWAY_TEMPLATE", default='{"phone": "{phone}", "text": "{text}"}')
# Template providers (members.sms.AliyunBackend, members.sms.TencentBackend) send an approved
# template per kind of text (members.sms_templates), not the text: SMS_TEMPLATES maps each kind to
# its template code per provider, as JSON: {"verification_code": {"aliyun": "SMS_1", "tencent": "1"}}.
SMS_TEMPLATES = env.json("SMS_TEMPLATES", default={})
# Seconds to connect and seconds to wait for the provider's answer; the deliver sweep retries later.
SMS_PROVIDER_TIMEOUT = env.float("SMS_PROVIDER_TIMEOUT", default=5.0)
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_SIGN_NAME = env("ALIYUN_SMS_SIGN_NAME", default="")
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com")
TENCENT_SMS_SECRET_ID = env("TENCENT_SMS_SECRET_ID", default="")
TENCENT_SMS_SECRET_KEY = env("TENCENT_SMS_SECRET_KEY", default="")
TENCENT_SMS_SDK_APP_ID = env("TENCENT_SMS_SDK_APP_ID", default="")
TENCENT_SMS_SIGN_NAME = env("TENCENT_SMS_SIGN_NAME", default="")
TENCENT_SMS_REGION = env("TENCENT_SMS_REGION", default="ap-guangzhou")
TENCENT_SMS_ENDPOINT = env("TENCENT_SMS_ENDPOINT", default="https://sms.tencentcloudapi.com")
# The secret in the delivery-receipt URLs the providers push to (?token=…); empty turns them off.
SMS_RECEIPT_TOKEN = env("SMS_RECEIPT_TOKEN", default="")
# Which kinds of notice also go out by SMS, email or the branch's WeCom group robot;
# every notice reaches the inbox. Each SMS costs money, so the list is short.
# The activity-day morning notice is not among them: the reminder of the same
# morning already texts every member who has not checked in, and one SMS a
# morning is enough (it also keeps the 100,000-member dispatch light).
NOTIFICATION_SMS_KINDS = env.list("NOTIFICATION_SMS_KINDS", default=["reminder", "absent", "greeting", "dues_arrears"])
NOTIFICATION_EMAIL_KINDS = env.list(
    "NOTIFICATION_EMAIL_KINDS", default=["reminder", "absent", "greeting", "dues_arrears"]
)
# The robot posts to a whole group chat: only notices that say nothing personal.
NOTIFICATION_WECOM_KINDS = env.list("NOTIFICATION_WECOM_KINDS", default=["activity_day", "reminder"])
# WeCom (企业微信) application messages to one member, to those whose WeCom user id their branch
# recorded; free like email, so it carries what SMS does and the activity-day notice too. Off
# until WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_APP_SECRET are all set.
NOTIFICATION_WECOM_APP_KINDS = env.list(
    "NOTIFICATION_WECOM_APP_KINDS", default=["activity_day", "reminder", "absent", "greeting", "dues_arrears"]
)
WECOM_CORP_ID = env("WECOM_CORP_ID", default="")
WECOM_AGENT_ID = env("WECOM_AGENT_ID", default="")
WECOM_APP_SECRET = env("WECOM_APP_SECRET", default="")
WECOM_API_BASE = env("WECOM_API_BASE", default="https://qyapi.weixin.qq.com")

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="netbranch <noreply@localhost>")

# The branch committee's term in years by branch type, and for the others (支部工作条例 art. 21), and the
# member count above which the committee view flags a branch (the 条例's guideline of 50).
COMMITTEE_TERM_YEARS = {"village": 5, "community": 5}
COMMITTEE_DEFAULT_TERM_YEARS = 3
BRANCH_SIZE_GUIDELINE = 50

SITE_NAME = _("netbranch")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's loggers (runserver's request lines too) go through the root's
        # handler alone, in its format: Django's default console handler printed
        # every 404 and 403 a second time.
        "django": {"handlers": [], "level": "INFO"},
        # The SMS providers' SDKs and their HTTP client log each request at DEBUG, with
        # the phone number and the login code in it: never below WARNING.
        "urllib3": {"level": "WARNING"},
        "tencentcloud_sdk_common": {"level": "WARNING"},
        "darabonba-core": {"level": "WARNING"},
    },
}
