"""KPIs in the read-only API: whoever reads the plan's KPI pages reads them here (a plan
reader all of them, a KPI's owner their own), with the latest value and the XmR reading;
each KPI's values come in pages."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from actions.models import KeyQuestion, Role
from integrations import services
from kpis import spc
from kpis.models import Direction, KpiValue
from tests.factories import PlanFactory, UserFactory
from tests.kpis.factories import KpiFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/London"))
# 20 months of a KPI that improves: a run of 7 above the mean at the end is special cause.
RISING = [60, 62, 58, 61, 59, 63, 60, 61, 59, 62, 60, 58, 70, 71, 72, 70, 73, 71, 72, 74]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _values(kpi, values, start=dt.date(2025, 4, 1)) -> None:
    months = [
        dt.date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
        for i in range(len(values))
    ]
    KpiValue.objects.bulk_create(
        KpiValue(kpi=kpi, date=d, value=v, entered_at=timezone.now())
        for d, v in zip(months, values, strict=True)
    )


@pytest.fixture
def owner(db):
    user = UserFactory(username="kpiowner", roles=[Role.ACTION_LEAD])
    user.first_name, user.last_name = "Priya", "Shah"
    user.save()
    return user


@pytest.fixture
def world(plan, owner):
    """A plan with two KPIs (one with a target, 20 months), another plan with one KPI."""
    streamed = KpiFactory(
        plan=plan,
        ref="K1",
        name="Children streamed within 15 minutes",
        unit="%",
        target=65,
        owner=owner,
        key_question=KeyQuestion.SAFE,
    )
    _values(streamed, RISING)
    falls = KpiFactory(
        plan=plan,
        ref="K2",
        name="Falls with harm",
        unit="falls",
        direction=Direction.DECREASE,
        key_question=KeyQuestion.WELL_LED,
        owner=UserFactory(username="someone-else"),
    )
    other_plan = PlanFactory(name="Well-led plan")
    elsewhere = KpiFactory(plan=other_plan, name="Board papers on time", owner=owner)
    return {
        "plan": plan,
        "streamed": streamed,
        "falls": falls,
        "other": other_plan,
        "elsewhere": elsewhere,
    }


@pytest.fixture
def token(pmo):
    return services.api_token_create(name="Power BI quality dashboard", by=pmo)


@pytest.fixture
def api(token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token[1]}")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def kpis_url(plan) -> str:
    return f"/api/v1/plans/{plan.pk}/kpis"


def values_url(kpi) -> str:
    return f"/api/v1/plans/{kpi.plan_id}/kpis/{kpi.pk}/values"


# Who may read ---------------------------------------------------------------------------


def test_a_token_reads_every_kpi_of_the_plan_with_its_xmr_reading(world, api):
    body = api.get(kpis_url(world["plan"])).json()
    assert body["count"] == 2
    k1, k2 = body["items"]
    chart = spc.xmr_chart(
        [(v.date, v.value) for v in world["streamed"].values.order_by("date")],
        direction="increase",
        target=65,
    )
    assert chart.variation is spc.PointType.IMPROVEMENT
    assert k1 == {
        "id": world["streamed"].pk,
        "plan_id": world["plan"].pk,
        "ref": "K1",
        "name": "Children streamed within 15 minutes",
        "unit": "%",
        "direction": "increase",
        "direction_label": "Higher is better",
        "target": 65.0,
        "key_question": "safe",
        "key_question_label": "Safe",
        "owner": "Priya Shah",
        "values_count": 20,
        "latest_date": "2026-11-01",
        "latest_value": 74.0,
        "variation": "special_cause_improvement",
        "variation_icon": "improvement-high",
        "variation_label": "Special cause variation: improvement (higher values)",
        "assurance": str(chart.assurance),
        "assurance_icon": {"inconsistent": "hit-and-miss", "consistent_pass": "pass"}[
            str(chart.assurance)
        ],
        "assurance_label": spc.ASSURANCE_LABELS[chart.assurance],
    }
    # No values yet: no latest value and no reading, but the KPI is listed.
    assert (k2["ref"], k2["values_count"], k2["latest_value"]) == ("K2", 0, None)
    assert k2["variation"] is None and k2["assurance"] is None
    assert k2["direction"] == "decrease"


@pytest.mark.parametrize(
    "role", [Role.PMO, Role.EXEC_LEAD, Role.REVIEWER, Role.BOARD], ids=lambda r: r.label
)
def test_plan_readers_signed_in_read_every_kpi_and_its_values(world, role):
    client = signed_in(UserFactory(username=f"reader-{role.name.lower()}", roles=[role]))
    assert client.get(kpis_url(world["plan"])).json()["count"] == 2
    for kpi in (world["streamed"], world["falls"]):
        assert client.get(values_url(kpi)).status_code == 200


def test_an_owner_reads_only_the_kpis_they_own(world, owner):
    client = signed_in(owner)
    body = client.get(kpis_url(world["plan"])).json()
    assert [k["ref"] for k in body["items"]] == ["K1"] and body["count"] == 1
    assert client.get(values_url(world["streamed"])).json()["count"] == 20
    refused = client.get(values_url(world["falls"]))
    assert refused.status_code == 403
    assert "each KPI's owner" in refused.json()["detail"]


def test_a_lead_who_owns_no_kpi_in_the_plan_is_refused(world, lead):
    client = signed_in(lead)
    for url in [kpis_url(world["plan"]), values_url(world["streamed"])]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "PMO, exec leads, reviewers, the board" in response.json()["detail"]


def test_anonymous_and_revoked_tokens_are_refused_with_401(world, api, token, pmo):
    for url in [kpis_url(world["plan"]), values_url(world["streamed"])]:
        assert Client().get(url).status_code == 401, url
    services.api_token_revoke(token=token[0], by=pmo)
    for url in [kpis_url(world["plan"]), values_url(world["streamed"])]:
        assert api.get(url).status_code == 401, url


def test_a_kpi_is_read_only_through_its_own_plan(world, api):
    """Another plan's KPI under this plan's address is not found, as a missing plan is."""
    elsewhere = world["elsewhere"]
    assert api.get(f"/api/v1/plans/{world['plan'].pk}/kpis/{elsewhere.pk}/values").status_code == (
        404
    )
    assert api.get("/api/v1/plans/999999/kpis").status_code == 404
    assert api.get(f"/api/v1/plans/{world['plan'].pk}/kpis/999999/values").status_code == 404
    assert api.get(values_url(elsewhere)).status_code == 200


def test_kpis_filter_by_key_question(world, api):
    url = kpis_url(world["plan"])
    assert [k["ref"] for k in api.get(url, {"key_question": "well_led"}).json()["items"]] == ["K2"]
    assert api.get(url, {"key_question": "kind"}).status_code == 422


def test_nothing_about_kpis_can_be_written(world, api):
    for url in [kpis_url(world["plan"]), values_url(world["streamed"])]:
        for method in ("post", "put", "patch", "delete"):
            assert getattr(api, method)(url).status_code == 405, (method, url)


# Values and pages -----------------------------------------------------------------------


def test_values_come_oldest_first_in_pages(world, api):
    kpi = world["streamed"]
    first = api.get(values_url(kpi), {"page_size": 12}).json()
    assert first["count"] == 20 and len(first["items"]) == 12
    assert first["items"][0] == {"kpi_id": kpi.pk, "date": "2025-04-01", "value": 60.0}
    second = api.get(values_url(kpi), {"page_size": 12, "page": 2}).json()
    assert [v["value"] for v in second["items"]] == [float(v) for v in RISING[12:]]
    assert second["items"][-1]["date"] == "2026-11-01"


def test_kpis_come_in_pages_with_their_values_read_once_per_page(
    plan, api, django_assert_max_num_queries
):
    """A page of KPIs reads its values in one prefetch, not once per KPI (no N+1): the
    token, the plan, the count, the page and the values."""
    for n in range(130):
        _values(KpiFactory(plan=plan, ref=f"K{n:03}", name=f"KPI {n:03}"), [50, 52, 51])
    with django_assert_max_num_queries(5):
        first = api.get(kpis_url(plan)).json()
    assert first["count"] == 130 and len(first["items"]) == 100
    assert first["items"][0]["ref"] == "K000" and first["items"][0]["values_count"] == 3
    second = api.get(kpis_url(plan), {"page": 2}).json()
    assert [k["ref"] for k in second["items"]] == [f"K{n:03}" for n in range(100, 130)]
    assert len(api.get(kpis_url(plan), {"page_size": 5000}).json()["items"]) == 130
    assert api.get(kpis_url(plan), {"page": 0}).status_code == 422


# The log --------------------------------------------------------------------------------


def test_kpi_requests_are_logged_with_the_token_or_user_and_status(world, api, token, lead, caplog):
    with caplog.at_level(logging.INFO, logger="integrations.api"):
        api.get(values_url(world["streamed"]))
        signed_in(lead).get(kpis_url(world["plan"]))
    ok, refused = [r for r in caplog.records if r.name == "integrations.api"]
    assert (ok.api_token_id, ok.path, ok.status) == (
        token[0].pk,
        values_url(world["streamed"]),
        200,
    )
    assert (refused.user_id, refused.api_token_id, refused.status) == (lead.pk, None, 403)
