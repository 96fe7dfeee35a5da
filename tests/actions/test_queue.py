"""The catch-up lock through the real queue: beat's task goes over Redis to a worker."""

import datetime as dt
import os
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker

from actions.models import ReportingPeriod
from actions.tasks import lock_due_periods
from improvement.celery import app
from tests.factories import ActionFactory, PlanFactory

REDIS_URL = os.environ.get("REDIS_URL", "")
LONDON = ZoneInfo("Europe/London")

pytestmark = pytest.mark.skipif(
    not REDIS_URL and not os.environ.get("REQUIRE_REDIS"),
    reason="needs Redis: set REDIS_URL (CI always does)",
)


@pytest.fixture
def redis_celery():
    """The app on the real Redis (broker and results, from settings), a worker in a thread."""
    assert REDIS_URL, "REQUIRE_REDIS is set but REDIS_URL is not"
    assert app.conf.result_backend == REDIS_URL
    saved = {
        k: app.conf[k]
        for k in (
            "broker_url",
            "task_always_eager",
            "task_ignore_result",
            "task_default_queue",
        )
    }
    app.conf.update(
        broker_url=REDIS_URL,
        task_always_eager=False,
        task_ignore_result=False,
        # A queue of its own: no other worker on this Redis can take the test's task.
        task_default_queue=f"test-{uuid.uuid4().hex}",
    )
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app
    app.conf.update(saved)


@pytest.mark.django_db(transaction=True)
def test_lock_task_sent_over_redis_locks_missed_periods_once(redis_celery):
    plan = PlanFactory(cycle_starts_on=dt.date(2026, 11, 2))
    ActionFactory(plan=plan)
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=LONDON), tick=True):
        first = lock_due_periods.apply_async(ignore_result=False).get(timeout=30)
        second = lock_due_periods.apply_async(ignore_result=False).get(timeout=30)

    assert (first, second) == (3, 0)  # Wed 4, 11 and 18 November; then nothing
    locked = ReportingPeriod.objects.filter(plan=plan, locked_at__isnull=False)
    assert sorted(p.locked_at for p in locked) == [
        dt.datetime(2026, 11, d, 12, tzinfo=LONDON) for d in (4, 11, 18)
    ]
