"""Test settings: the same as production, with fast hashing, mail captured in
memory and Celery tasks run in-process. DATABASE_URL and REDIS_URL are honoured."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("SECURE", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")

from practice.settings import *  # noqa: E402,F403
from practice.settings import REDIS_URL  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL or "memory://"
# In-process by default; a real worker started by a test may turn it off.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "1") == "1"
CELERY_TASK_EAGER_PROPAGATES = True
ALLOWED_HOSTS = ["*"]
# Test receivers listen on loopback over http; the tests of the refusal turn it off.
WEBHOOKS_ALLOW_PRIVATE = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Test workers (tests/imports/test_worker_*.py) write Celery's own log to --logfile.
CELERY_WORKER_HIJACK_ROOT_LOGGER = True
# Static files come from the finders in tests; no collected folder is needed.
STATIC_ROOT = None
