"""The one way to hand a task to the broker without letting a broker outage become a server error.

Work that must happen later is a row in the database first; the message only
carries it. When the broker cannot be reached the message is dropped with one
warning, and the sweep that looks at the database queues the work again.
"""

from __future__ import annotations

import functools
import logging

from celery.app.task import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What a publish raises when the broker is down or hung: kombu wraps most of
# it, but a socket error or redis-py's own error can come through unwrapped.
BROKER_ERRORS: tuple[type[BaseException], ...] = (OperationalError, OSError)
try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # the embedded filesystem broker needs no redis client
    pass
else:
    BROKER_ERRORS += (RedisConnectionError, RedisTimeoutError)


def enqueue(task: Task, *args) -> bool:
    """Queue ``task``; False, with one warning in the log, when the broker cannot be reached.

    Callers first write what is to be done in the database, so a lost
    message is only a delay: a sweep finds the work still waiting and
    queues it again. The request that asked for it answers normally.
    """
    if task.app.conf.task_always_eager:
        # Run inline: an OSError here is the task's own, not the broker's.
        task.delay(*args)
        return True
    try:
        task.delay(*args)
    except BROKER_ERRORS as exc:
        logger.warning(
            "%s%r not queued, the broker is unreachable (%s); a sweep will queue it again", task.name, args, exc
        )
        return False
    return True


def enqueue_on_commit(task: Task, *args) -> None:
    """``enqueue`` once the current transaction commits, so the worker sees the rows it is told about."""
    transaction.on_commit(functools.partial(enqueue, task, *args))
