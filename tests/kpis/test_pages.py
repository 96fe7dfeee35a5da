"""The KPI pages: who may see and do what, and what they show."""

import datetime as dt

import pytest
from django.urls import reverse

from actions.models import KeyQuestion
from kpis.models import Direction, Kpi, KpiValue, KpiValueReplaced
from tests.factories import UserFactory

from .factories import KpiFactory, KpiValueFactory


@pytest.fixture
def readers(db):
    return {
        "pmo": UserFactory(username="pmo", roles=["PMO"]),
        "exec": UserFactory(username="exec", roles=["Executive lead"]),
        "reviewer": UserFactory(username="reviewer", roles=["Assurance reviewer"]),
        "board": UserFactory(username="board", roles=["Board member"]),
    }


@pytest.fixture
def with_values(kpi, monthly_values):
    for date, value in monthly_values:
        KpiValueFactory(kpi=kpi, date=date, value=value)
    return kpi


def test_plan_readers_see_the_kpi_list_and_a_kpi(client, plan, with_values, readers):
    for user in readers.values():
        client.force_login(user)
        listing = client.get(reverse("kpi_list", args=[plan.pk]))
        assert listing.status_code == 200, user
        assert with_values.name in listing.content.decode()
        assert client.get(reverse("kpi", args=[with_values.pk])).status_code == 200, user


def test_the_owner_sees_their_kpi_and_only_theirs_in_the_list(client, plan, kpi, owner):
    other = KpiFactory(plan=plan, name="Someone else's KPI")
    client.force_login(owner)

    listing = client.get(reverse("kpi_list", args=[plan.pk])).content.decode()

    assert kpi.name in listing
    assert other.name not in listing
    assert client.get(reverse("kpi", args=[kpi.pk])).status_code == 200
    assert client.get(reverse("kpi", args=[other.pk])).status_code == 403


def test_another_lead_is_refused(client, plan, kpi, other_lead):
    client.force_login(other_lead)

    assert client.get(reverse("kpi_list", args=[plan.pk])).status_code == 403
    assert client.get(reverse("kpi", args=[kpi.pk])).status_code == 403
    response = client.post(reverse("kpi", args=[kpi.pk]), {"date": "31/10/2026", "value": "9"})
    assert response.status_code == 403
    assert not KpiValue.objects.exists()


def test_anonymous_users_go_to_sign_in(client, plan, kpi):
    for url in [
        reverse("kpi_list", args=[plan.pk]),
        reverse("kpi", args=[kpi.pk]),
        reverse("kpi_create", args=[plan.pk]),
        reverse("kpi_edit", args=[kpi.pk]),
        reverse("kpi_import", args=[plan.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_the_owner_enters_a_value_and_sees_it(client, kpi, owner):
    client.force_login(owner)

    response = client.post(
        reverse("kpi", args=[kpi.pk]), {"date": "31/10/2026", "value": "84.5"}, follow=True
    )

    html = response.content.decode()
    assert "Saved 84.5% for 31/10/2026." in html
    value = KpiValue.objects.get()
    assert (value.date, value.value, value.entered_by) == (dt.date(2026, 10, 31), 84.5, owner)


def test_entering_a_value_again_for_a_date_replaces_it_and_says_so(client, kpi, owner):
    KpiValueFactory(kpi=kpi, date=dt.date(2026, 10, 31), value=80, entered_by=owner)
    client.force_login(owner)

    response = client.post(
        reverse("kpi", args=[kpi.pk]), {"date": "31/10/2026", "value": "82"}, follow=True
    )

    html = response.content.decode()
    assert "Saved 82% for 31/10/2026, replacing 80%." in html
    assert "Values replaced" in html
    assert KpiValueReplaced.objects.count() == 1


def test_a_future_date_and_a_word_are_refused_with_what_to_do(client, kpi, owner):
    client.force_login(owner)

    response = client.post(reverse("kpi", args=[kpi.pk]), {"date": "30/11/2026", "value": "x"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "is not a number" in html or "is in the future" in html
    response = client.post(reverse("kpi", args=[kpi.pk]), {"date": "30/11/2026", "value": "8"})
    assert "30/11/2026 is in the future" in response.content.decode()
    response = client.post(reverse("kpi", args=[kpi.pk]), {"date": "31/10/2026", "value": "x"})
    assert "“x” is not a number" in response.content.decode()
    assert not KpiValue.objects.exists()


def test_board_and_exec_read_but_cannot_enter_values(client, kpi, readers):
    for role in ("board", "exec"):
        client.force_login(readers[role])
        page = client.get(reverse("kpi", args=[kpi.pk])).content.decode()
        assert "Enter a value" not in page
        response = client.post(reverse("kpi", args=[kpi.pk]), {"date": "31/10/2026", "value": "1"})
        assert response.status_code == 403
    assert not KpiValue.objects.exists()


def test_the_detail_page_shows_chart_icons_and_the_values_table(client, with_values, readers):
    client.force_login(readers["board"])

    html = client.get(reverse("kpi", args=[with_values.pk])).content.decode()

    assert '<svg role="img"' in html
    assert f"<title>{with_values.name}: XmR chart</title>" in html
    assert "Special cause variation: improvement (higher values)" in html
    assert 'data-icon="improvement-high"' in html
    assert "No target" in html
    assert '<th scope="col" class="nhsuk-table__header">Variation</th>' in html
    assert "Nov 2026" in html or "Oct 2026" in html


def test_a_kpi_named_with_html_and_dollars_is_shown_as_text(client, plan, owner, readers):
    kpi = KpiFactory(plan=plan, name="Cost $ per bed <script>x</script>", unit="$", owner=owner)
    KpiValueFactory(kpi=kpi, date=dt.date(2026, 9, 30), value=10)
    KpiValueFactory(kpi=kpi, date=dt.date(2026, 10, 31), value=12)
    client.force_login(readers["pmo"])

    for url in (reverse("kpi", args=[kpi.pk]), reverse("kpi_list", args=[plan.pk])):
        html = client.get(url).content.decode()
        assert "<script>x</script>" not in html
        assert "Cost $ per bed &lt;script&gt;" in html


def test_the_list_groups_kpis_by_cqc_key_question(client, plan, readers):
    KpiFactory(plan=plan, name="Appraisal rate", key_question=KeyQuestion.WELL_LED)
    KpiFactory(plan=plan, name="Falls", key_question=KeyQuestion.SAFE)
    client.force_login(readers["exec"])

    html = client.get(reverse("kpi_list", args=[plan.pk])).content.decode()

    assert html.index('id="kq-safe"') < html.index("Falls") < html.index('id="kq-well_led"')
    assert 'id="kq-caring"' not in html


def test_the_pmo_adds_and_edits_a_kpi(client, plan, owner, readers):
    client.force_login(readers["pmo"])
    response = client.post(
        reverse("kpi_create", args=[plan.pk]),
        {
            "name": "Falls per 1,000 bed days",
            "ref": "K2",
            "key_question": "safe",
            "direction": "decrease",
            "unit": "",
            "target": "4",
            "owner": owner.pk,
            "description": "From Datix, monthly.",
        },
    )
    kpi = Kpi.objects.get()
    assert response.status_code == 302
    assert (kpi.direction, kpi.target, kpi.owner, kpi.plan) == (
        Direction.DECREASE,
        4.0,
        owner,
        plan,
    )
    response = client.post(
        reverse("kpi_edit", args=[kpi.pk]),
        {"name": "Falls", "key_question": "safe", "direction": "decrease", "target": "3.5"},
    )
    kpi.refresh_from_db()
    assert (kpi.name, kpi.target, kpi.owner) == ("Falls", 3.5, None)


def test_a_duplicate_name_is_refused_on_the_form(client, plan, kpi, readers):
    client.force_login(readers["pmo"])

    response = client.post(
        reverse("kpi_create", args=[plan.pk]),
        {"name": kpi.name, "key_question": "safe", "direction": "increase"},
    )

    assert "Another KPI in this plan has this name." in response.content.decode()
    assert Kpi.objects.count() == 1


def test_only_the_pmo_adds_or_edits_kpis(client, plan, kpi, owner, readers):
    for user in (owner, readers["exec"], readers["board"]):
        client.force_login(user)
        assert client.get(reverse("kpi_create", args=[plan.pk])).status_code == 403
        assert client.get(reverse("kpi_edit", args=[kpi.pk])).status_code == 403
        response = client.post(reverse("kpi_edit", args=[kpi.pk]), {"name": "Renamed"})
        assert response.status_code == 403
    kpi.refresh_from_db()
    assert kpi.name != "Renamed"


def test_my_actions_lists_your_kpis(client, kpi, owner, other_lead):
    KpiValueFactory(kpi=kpi, date=dt.date(2026, 10, 31), value=84)
    client.force_login(owner)

    html = client.get(reverse("my_actions")).content.decode()

    assert "Your KPIs" in html
    assert reverse("kpi", args=[kpi.pk]) in html
    assert "latest 84% on 31 Oct 2026" in html
    client.force_login(other_lead)
    assert "Your KPIs" not in client.get(reverse("my_actions")).content.decode()


def test_the_kpi_lists_query_count_does_not_grow_with_kpis(
    client, plan, owner, readers, django_assert_num_queries
):
    """Five queries for 3 KPIs or 33: the user (the session is cached), the plan, their
    roles, the KPIs with their owners, and all their values at once. Not one per KPI."""
    client.force_login(readers["board"])
    url = reverse("kpi_list", args=[plan.pk])

    def add(n):
        for _ in range(n):
            kpi = KpiFactory(plan=plan, owner=UserFactory(), target=51)
            for month in range(1, 11):
                KpiValueFactory(kpi=kpi, date=dt.date(2026, month, 1), value=50 + month % 3)

    add(3)
    client.get(url)
    with django_assert_num_queries(QUERIES):
        client.get(url)
    add(30)
    with django_assert_num_queries(QUERIES):
        response = client.get(url)
    assert response.content.decode().count('data-icon="hit-and-miss"') == 33


QUERIES = 6  # with the header's menu (actions.selectors.navigation): one query


def test_the_kpi_pages_query_count_does_not_grow_with_values(
    client, kpi, owner, django_assert_num_queries
):
    """The owner's page of a KPI reads the same queries for 2 values or 40: the user, the
    KPI with its plan and owner, the roles, the values with who entered them, the replaced
    values with who replaced them. Not one query per value."""
    client.force_login(owner)
    url = reverse("kpi", args=[kpi.pk])
    for month in range(1, 3):
        KpiValueFactory(kpi=kpi, date=dt.date(2023, month, 1), value=month, entered_by=owner)
    client.get(url)
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(url)
    for n in range(38):
        KpiValueFactory(kpi=kpi, date=dt.date(2024, 1, 1) + dt.timedelta(days=7 * n), value=n)
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(url)


DETAIL_QUERIES = 6  # with the header's menu: one query
