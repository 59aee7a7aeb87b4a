"""Fast, isolated settings for the test suite."""

import tempfile

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "members.sms.LocmemBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="netbranch-media-")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests run without collectstatic; whitenoise then serves from the finders
# instead of warning that STATIC_ROOT is missing.
WHITENOISE_AUTOREFRESH = True
# Unit tests run tasks inline; the integration tests start a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a real worker process can open the test database.
    # TEST_SQLITE_PATH lets two test runs in one checkout keep out of each other's way.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_PATH", default=str(BASE_DIR / "var" / "test-db.sqlite3"))}
else:
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_netbranch")}
