"""The file cache of setups without Redis, with an atomic `add`.

django-allauth's rate limiter takes its lock with `cache.add()` and a TOTP code
is spent with `cache.add()`; Django's FileBasedCache checks then writes, so two
requests could both win. Here the check and the write happen under an exclusive
file lock (flock), which holds between processes and between threads alike."""

import os

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks


class AtomicFileBasedCache(FileBasedCache):
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._createdir()
        with open(os.path.join(self._dir, "add.lock"), "ab") as lock:
            locks.lock(lock, locks.LOCK_EX)
            try:
                if self.has_key(key, version):
                    return False
                self.set(key, value, timeout, version)
                return True
            finally:
                locks.unlock(lock)
