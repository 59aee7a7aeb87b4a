"""The default cache: Redis, and a memory cache of this process while Redis cannot answer.

allauth's rate limiter takes a lock and keeps its counters in the default
cache on every login, signup, password reset and login-code request. Django's
Redis backend raises on a connection error and, with redis-py's defaults,
waits five seconds per command on a hung server, so an outage of the cache
would turn every login into a server error. Here a command that fails moves
the whole process to a local memory cache for a few seconds: rate limits then
count per process (brute force is still slowed down) and nothing waits on
Redis again until one request tries it.

A command sent into a hung connection still runs when Redis wakes up. For the
rate limiter's lock that means a lock nobody releases, refusing the first
logins after recovery, so deletes made during an outage are replayed on Redis
before it is used again.

Sessions must not live in this cache (SESSION_ENGINE is the database): a
fallback to memory would log members out, or in, per process.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# A cache answers in a millisecond; a Redis slower than this is treated as down.
SOCKET_TIMEOUT = 0.5
# How long a process keeps to its memory cache before it tries Redis again.
RETRY_AFTER = 5.0
# Deletes remembered for replay; a longer outage drops the oldest (their keys expire anyway).
MAX_PENDING_DELETES = 10_000
FALLBACK_MAX_ENTRIES = 50_000


@dataclass
class _Outage:
    """Shared by every thread of the process that uses one Redis location."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    down: bool = False
    retry_at: float = 0.0
    pending_deletes: dict[str, None] = field(default_factory=dict)


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class ResilientRedisCache(RedisCache):
    """Django's RedisCache with short timeouts that degrades to memory instead of raising.

    OPTIONS may set RETRY_AFTER (seconds); the rest goes to redis-py as usual,
    with socket timeouts of SOCKET_TIMEOUT unless given.
    """

    def __init__(self, server: str | list[str], params: dict[str, Any]):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("RETRY_AFTER", RETRY_AFTER))
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        # One attempt: a retry only doubles the wait of a request on a dead server.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._errors = (redis.RedisError,)
        location = server if isinstance(server, str) else ",".join(server)
        self._outage = _outage_for(location)
        # Django's 300 entries would cull rate-limit counters of a busy site within seconds.
        fallback_params = {**params, "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES}}
        # LocMemCache shares its store by name, so every thread falls back to the same one.
        self._fallback = LocMemCache(f"redis-fallback:{location}", fallback_params)

    # --- choosing Redis or the fallback ---------------------------------------------------

    def _route(self) -> str:
        """Where a command goes: to redis, to the fallback, or a probe (one caller after an outage)."""
        outage = self._outage
        with outage.lock:
            if not outage.down:
                return "redis"
            now = time.monotonic()
            if now < outage.retry_at:
                return "fallback"
            # The others stay on memory until this caller has an answer.
            outage.retry_at = now + self.retry_after
            return "probe"

    def _replay_deletes(self) -> None:
        with self._outage.lock:
            pending = list(self._outage.pending_deletes)
        if pending:
            self._cache.delete_many(pending)
            with self._outage.lock:
                for key in pending:
                    self._outage.pending_deletes.pop(key, None)

    def _came_back(self) -> None:
        with self._outage.lock:
            self._outage.down = False
        logger.warning("Redis cache at %s answers again; the memory fallback is no longer used", self._location())

    def _went_down(self, exc: Exception) -> None:
        outage = self._outage
        with outage.lock:
            first = not outage.down
            outage.down = True
            outage.retry_at = time.monotonic() + self.retry_after
        if first:
            logger.warning(
                "Redis cache at %s failed (%s: %s); using this process's memory cache for now",
                self._location(),
                type(exc).__name__,
                exc,
            )

    def _remember_deletes(self, keys: list[str]) -> None:
        outage = self._outage
        with outage.lock:
            for key in keys:
                outage.pending_deletes[key] = None
            while len(outage.pending_deletes) > MAX_PENDING_DELETES:
                outage.pending_deletes.pop(next(iter(outage.pending_deletes)))

    def _location(self) -> str:
        # The URL may hold a password.
        return ",".join(server.rsplit("@", 1)[-1] for server in self._servers)

    def _call(self, name: str, *args: Any, deleted: list[str] | None = None, **kwargs: Any) -> Any:
        route = self._route()
        if route != "fallback":
            try:
                if route == "probe":
                    self._replay_deletes()
                result = getattr(super(), name)(*args, **kwargs)
            except self._errors as exc:
                self._went_down(exc)
            else:
                if route == "probe":
                    self._came_back()
                return result
        if deleted:
            self._remember_deletes(deleted)
        return getattr(self._fallback, name)(*args, **kwargs)

    # --- the cache API ----------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        made = [self.make_and_validate_key(key, version=version)]
        return self._call("delete", key, version=version, deleted=made)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta=delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        return self._call("delete_many", keys, version=version, deleted=made)

    def clear(self):
        return self._call("clear")
