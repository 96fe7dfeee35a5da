"""Race helpers for the PostgreSQL tests: threads on their own connections, made certain.

One thread does its work inside a transaction and holds it open; the other starts, and the
test waits until PostgreSQL itself reports the second connection blocked by the first
(``pg_blocking_pids``); only then does the first commit. Nothing sleeps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

WAIT = 20  # seconds: an upper bound for things that take milliseconds, never a guess at order


class Worker(threading.Thread):
    """Runs ``work`` on its own database connection; keeps the result or the exception."""

    def __init__(self, work: Callable[[], Any]):
        super().__init__(daemon=True)
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None
        self.pid: int | None = None
        self.connected = threading.Event()

    def run(self) -> None:
        try:
            connection.ensure_connection()
            self.pid = connection.connection.info.backend_pid
            self.connected.set()
            self.result = self.work()
        except BaseException as error:  # noqa: BLE001 - the test inspects it
            self.error = error
        finally:
            self.connected.set()
            connection.close()


class Holder(Worker):
    """Does ``work`` inside a transaction, then keeps it open (and its row locks) until told."""

    def __init__(self, work: Callable[[], Any]):
        self.done = threading.Event()
        self.release = threading.Event()
        super().__init__(self._hold(work))

    def _hold(self, work: Callable[[], Any]) -> Callable[[], Any]:
        def held() -> Any:
            try:
                with transaction.atomic():
                    result = work()
                    self.done.set()
                    self.release.wait(WAIT)
                return result
            finally:
                self.done.set()

        return held

    def hold(self) -> Holder:
        self.start()
        assert self.done.wait(WAIT), "the holder never finished its work"
        assert self.error is None, self.error
        assert self.is_alive(), "the holder committed before being released"
        return self

    def commit(self) -> None:
        self.release.set()
        self.join(WAIT)
        assert not self.is_alive()


def blocked_behind(waiter: Worker, holder: Worker) -> None:
    """Wait until PostgreSQL says ``waiter``'s connection is blocked by ``holder``'s."""
    assert waiter.connected.wait(WAIT)
    deadline = time.monotonic() + WAIT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_blocking_pids(%s)", [waiter.pid])
            if holder.pid in cursor.fetchone()[0]:
                return
            assert waiter.is_alive(), f"it finished without waiting: {waiter.error!r}"
    raise AssertionError("the second connection was never blocked by the first")


@pytest.fixture
def race(require_postgres):
    """Start workers through this; whatever happens, every one is released and joined."""
    started: list[Worker] = []

    def start(worker: Worker) -> Worker:
        started.append(worker)
        if isinstance(worker, Holder):
            return worker.hold()
        worker.start()
        return worker

    yield start
    for worker in started:
        if isinstance(worker, Holder):
            worker.release.set()
        worker.join(WAIT)
