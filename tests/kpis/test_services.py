"""Recording KPI values: one per date, replaced values kept, bad input refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from actions.models import KeyQuestion
from actions.services import PlanReadOnly
from kpis import services
from kpis.models import Direction, Kpi, KpiValue, KpiValueReplaced


def test_a_second_value_for_a_date_replaces_the_first_and_is_recorded(kpi, owner, pmo):
    day = dt.date(2026, 10, 31)
    services.kpi_value_record(kpi=kpi, date=day, value="81.5", by=owner)

    recorded = services.kpi_value_record(kpi=kpi, date=day, value=84, by=pmo)

    assert list(KpiValue.objects.filter(kpi=kpi).values_list("value", flat=True)) == [84.0]
    assert recorded.value.entered_by == pmo
    replaced = KpiValueReplaced.objects.get()
    assert (replaced.old_value, replaced.new_value) == (81.5, 84.0)
    assert replaced.old_entered_by == owner
    assert replaced.replaced_by == pmo
    assert recorded.replaced == replaced


def test_the_same_value_again_changes_nothing(kpi, owner):
    day = dt.date(2026, 10, 31)
    services.kpi_value_record(kpi=kpi, date=day, value=80, by=owner)

    recorded = services.kpi_value_record(kpi=kpi, date=day, value="80", by=owner)

    assert recorded.unchanged
    assert not KpiValueReplaced.objects.exists()


def test_a_date_in_the_future_is_refused(kpi, owner):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    with pytest.raises(ValidationError, match="is in the future"):
        services.kpi_value_record(kpi=kpi, date=tomorrow, value=80, by=owner)
    assert not KpiValue.objects.exists()


def test_today_in_the_plans_time_zone_is_accepted(kpi, owner):
    services.kpi_value_record(kpi=kpi, date=dt.date(2026, 11, 23), value=80, by=owner)

    assert KpiValue.objects.count() == 1


@pytest.mark.parametrize("bad", ["", "eighty", "nan", "inf", None, True, "1e400"])
def test_a_value_that_is_not_a_number_is_refused(kpi, owner, bad):
    with pytest.raises(ValidationError, match="is not a number"):
        services.kpi_value_record(kpi=kpi, date=dt.date(2026, 10, 31), value=bad, by=owner)
    assert not KpiValue.objects.exists()


def test_a_percentage_and_thousands_are_read_as_numbers(kpi, owner):
    services.kpi_value_record(kpi=kpi, date=dt.date(2026, 9, 30), value="92.5%", by=owner)
    services.kpi_value_record(kpi=kpi, date=dt.date(2026, 10, 31), value="1,204", by=owner)

    assert sorted(KpiValue.objects.values_list("value", flat=True)) == [92.5, 1204.0]


def test_a_closed_plan_takes_no_values(kpi, owner):
    kpi.plan.closed_at = timezone.now()
    kpi.plan.save()

    with pytest.raises(PlanReadOnly):
        services.kpi_value_record(kpi=kpi, date=dt.date(2026, 10, 31), value=80, by=owner)


def test_kpi_create_refuses_a_second_kpi_of_the_same_name(plan, owner):
    fields = {
        "name": "Falls per 1,000 bed days",
        "direction": Direction.DECREASE,
        "key_question": KeyQuestion.SAFE,
        "owner": owner,
    }
    services.kpi_create(plan=plan, **fields)

    with pytest.raises(ValidationError, match="Another KPI in this plan has this name"):
        services.kpi_create(plan=plan, **fields)
    assert Kpi.objects.count() == 1


def test_kpi_update_changes_the_target_and_keeps_the_values(kpi, owner):
    services.kpi_value_record(kpi=kpi, date=dt.date(2026, 10, 31), value=80, by=owner)

    services.kpi_update(kpi=kpi, target=95)

    kpi.refresh_from_db()
    assert kpi.target == 95
    assert kpi.values.count() == 1


def test_with_latest_gives_each_kpis_latest_value(kpi, owner):
    services.kpi_value_record(kpi=kpi, date=dt.date(2026, 9, 30), value=70, by=owner)
    services.kpi_value_record(kpi=kpi, date=dt.date(2026, 10, 31), value=75, by=owner)

    row = Kpi.objects.with_latest().get(pk=kpi.pk)

    assert (row.latest_date, row.latest_value) == (dt.date(2026, 10, 31), 75)
