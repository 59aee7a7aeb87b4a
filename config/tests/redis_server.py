"""A throwaway redis-server on its own port, to stop, freeze and thaw under a test.

Never the shared Redis on 6379: each test gets its own process, so tests can
run in parallel and killing one hurts nobody. A missing redis-server fails the
test rather than skipping it; the Redis-outage tests must run in every CI run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

START_SECONDS = 10


def redis_server_binary() -> str:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.access(binary, os.X_OK):
        pytest.fail("redis-server is not installed (apt-get install redis-server); the Redis-outage tests need it")
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)

    def start(self) -> None:
        for _attempt in range(3):
            cmd = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1"]
            cmd += ["--save", "", "--appendonly", "no", "--dir", str(self.folder), "--logfile", "redis.log"]
            self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # noqa: S603
            if self.wait_until_answering(fail=False):
                return
            # Another process took the free port between the probe and the start.
            self.kill()
            self.port = free_port()
        log = self.folder / "redis.log"
        pytest.fail(f"redis-server did not start: {log.read_text() if log.exists() else ''}")

    def wait_until_answering(self, fail: bool = True) -> bool:
        import redis

        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if self.client().ping():
                    return True
            except redis.RedisError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                if fail:
                    pytest.fail(f"redis-server on port {self.port} does not answer")
                return False
            time.sleep(0.02)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    @contextmanager
    def frozen(self, at_most: float) -> Iterator[None]:
        """Frozen until the block ends, or at_most seconds if a request hangs on it."""
        self.freeze()
        safety = threading.Timer(at_most, self.thaw)
        safety.start()
        try:
            yield
        finally:
            safety.cancel()
            self.thaw()
            self.wait_until_answering()


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()
