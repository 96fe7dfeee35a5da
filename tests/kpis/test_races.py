"""Two people record the same KPI date at once, on the real PostgreSQL."""

import datetime as dt

import pytest
from django.utils import timezone

from kpis import services
from kpis.models import KpiValue, KpiValueReplaced
from tests.factories import PlanFactory, UserFactory
from tests.races import WAIT, Holder, Worker, blocked_behind

from .factories import KpiFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_second_save_of_a_new_date_waits_then_replaces_the_first(race):
    owner = UserFactory(username="race-owner", roles=["Action lead"])
    pmo = UserFactory(username="race-pmo", roles=["PMO"])
    kpi = KpiFactory(plan=PlanFactory(), owner=owner)
    day, now = dt.date(2026, 10, 31), timezone.now()

    def record(value, by):
        return lambda: services.kpi_value_record(kpi=kpi, date=day, value=value, by=by, now=now)

    first = race(Holder(record(80, owner)))
    second = race(Worker(record(82, pmo)))
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)

    assert first.error is None and second.error is None
    assert list(KpiValue.objects.values_list("value", "entered_by")) == [(82.0, pmo.pk)]
    replaced = KpiValueReplaced.objects.get()
    assert (replaced.old_value, replaced.old_entered_by, replaced.replaced_by) == (80, owner, pmo)
