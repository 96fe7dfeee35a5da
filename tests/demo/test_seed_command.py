"""The seed_demo command: it refuses without DEBUG, and seeding twice adds nothing.

Apart from tests/demo/test_demo_history.py, whose module-wide seeded demo would be in
this test's way: here the database starts empty.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from actions.models import Plan
from demo.history import HISTORY_WEEKS
from demo.seed import DemoRefused, demo_seed
from reporting.models import ExceptionReport
from tests.demo.test_demo_history import SEEDED_AT, counts, travel


@pytest.mark.django_db
def test_the_command_writes_the_history_and_refuses_without_debug(capsys):
    with travel(SEEDED_AT), override_settings(DEBUG=False):
        with pytest.raises(DemoRefused):
            demo_seed(history=True)
    assert counts()["Plan"] == 0
    with travel(SEEDED_AT), override_settings(DEBUG=True):
        call_command("seed_demo")
        call_command("seed_demo")
    out = capsys.readouterr().out
    assert f"{HISTORY_WEEKS} weeks locked" in out
    assert "5 workstreams" in out and "sath_pmo" in out
    # The CCC plan and the seed 004 plan, each once.
    assert Plan.objects.count() == 2
    assert ExceptionReport.objects.count() == HISTORY_WEEKS
