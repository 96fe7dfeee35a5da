"""The import tests' client: each request lets the worker run what it queued.

Celery runs eagerly in tests, but a task queued with ``transaction.on_commit`` waits for
the test's own transaction, which never commits; this runs it when the request ends.
"""

from __future__ import annotations

import pytest
from django.test import TestCase


@pytest.fixture(autouse=True)
def worker_runs_after_each_request(client):
    """The test client, with the worker's tasks run as each request finishes."""
    send = client.request

    def request(**kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return send(**kwargs)

    client.request = request
    return client
