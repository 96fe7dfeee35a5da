"""An inspection's ratings grid, and two inspections side by side (seed 001's 2019 v 2020)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from actions.inspections import ratings
from actions.models import Finding, FindingKind, InspectionRating, KeyQuestion, Rating
from tests.factories import InspectionFactory, UserFactory

pytestmark = pytest.mark.django_db

QUESTIONS = ["", *KeyQuestion.values]
SERVICES_2019 = [
    "Urgent and emergency care",
    "Medicine",
    "Surgery",
    "Critical care",
    "Maternity",
    "Services for children",
    "End of life care",
    "Outpatients",
    "Diagnostic imaging",
    "Community inpatients",
    "Sexual health",
]


@pytest.fixture
def inspection(db):
    return InspectionFactory(published_on=dt.date(2020, 12, 17))


def grid_of(counts: dict[str, int]) -> dict[tuple[str, str], str]:
    """66 cells (11 services × overall and five questions) with ``counts`` of each rating."""
    given = [rating for rating, n in counts.items() for _ in range(n)]
    cells = [(s, q) for s in SERVICES_2019 for q in QUESTIONS]
    assert len(given) == len(cells)
    return dict(zip(cells, given, strict=True))


def findings_of(inspection, **kinds: int) -> None:
    Finding.objects.bulk_create(
        Finding(inspection=inspection, ref=f"{kind[0].upper()}{n}", kind=kind, text="A finding")
        for kind, count in kinds.items()
        for n in range(1, count + 1)
    )


def row_data(form_rows: list[tuple[str, dict[str, str]]], blank_rows: int = 3) -> dict:
    """The grid form's POST: the trust row first, then (service, {question: rating}) rows."""
    data = {"rows": str(len(form_rows) + blank_rows)}
    for i, (service, by_question) in enumerate(form_rows):
        if i:
            data[f"service-{i}"] = service
        for question in QUESTIONS:
            data[f"rating-{i}-{question or 'overall'}"] = by_question.get(question, "")
    for i in range(len(form_rows), len(form_rows) + blank_rows):
        data[f"service-{i}"] = ""
    return data


# Entering the grid ------------------------------------------------------------------------


def test_pmo_enters_the_ratings_grid_and_sees_it_again(client, pmo, inspection):
    client.force_login(pmo)
    url = reverse("inspection_ratings", args=[inspection.pk])
    data = row_data(
        [
            ("", {"": Rating.GOOD, "well_led": Rating.REQUIRES_IMPROVEMENT}),
            ("Maternity", {"": Rating.GOOD, "safe": Rating.REQUIRES_IMPROVEMENT}),
            ("  Diagnostic   imaging ", {"caring": Rating.GOOD}),
        ]
    )
    response = client.post(url, data)
    assert response.status_code == 302
    cells = {
        (c.core_service, c.key_question): c.rating
        for c in InspectionRating.objects.filter(inspection=inspection)
    }
    assert cells == {
        ("", ""): Rating.GOOD,
        ("", "well_led"): Rating.REQUIRES_IMPROVEMENT,
        ("Maternity", ""): Rating.GOOD,
        ("Maternity", "safe"): Rating.REQUIRES_IMPROVEMENT,
        ("Diagnostic imaging", "caring"): Rating.GOOD,
    }
    page = client.get(url)
    assert "Ratings saved: 5 recorded" in page.content.decode()
    form = page.context["form"]
    assert form["service-1"].value() == "Diagnostic imaging"  # rows in name order
    assert form["rating-2-safe"].value() == Rating.REQUIRES_IMPROVEMENT
    assert form.row_count == 3 + 3  # trust, two services, three blank rows

    # Clearing a cell and a row's name with no ratings removes them.
    data = row_data(
        [
            ("", {"": Rating.GOOD}),
            ("Maternity", {"": Rating.GOOD, "safe": Rating.GOOD}),
        ]
    )
    client.post(url, data)
    assert InspectionRating.objects.filter(inspection=inspection).count() == 3
    assert InspectionRating.objects.get(core_service="Maternity", key_question="safe").rating == (
        Rating.GOOD
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("", {}), ("", {"safe": Rating.GOOD})], "Name the core service rated on row 2."),
        (
            [("", {}), ("Surgery", {"": Rating.GOOD}), ("surgery", {"safe": Rating.GOOD})],
            "“surgery” is already on row 2",
        ),
    ],
)
def test_a_grid_that_does_not_add_up_is_refused_and_nothing_changes(
    client, pmo, inspection, rows, message
):
    InspectionRating.objects.create(inspection=inspection, rating=Rating.OUTSTANDING)
    client.force_login(pmo)
    response = client.post(reverse("inspection_ratings", args=[inspection.pk]), row_data(rows))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert list(InspectionRating.objects.values_list("rating", flat=True)) == [Rating.OUTSTANDING]


def test_the_service_refuses_a_rating_it_does_not_know(inspection):
    with pytest.raises(ValidationError, match="not a CQC rating"):
        ratings.inspection_ratings_save(inspection=inspection, grid={("", ""): "excellent"})
    with pytest.raises(ValidationError, match="rated twice"):
        ratings.inspection_ratings_save(
            inspection=inspection,
            grid={("Surgery", ""): Rating.GOOD, ("surgery ", ""): Rating.INADEQUATE},
        )
    assert not InspectionRating.objects.exists()


@pytest.mark.parametrize("role", ["Action lead", "Board member", "Executive lead"])
def test_only_the_pmo_edits_ratings(client, inspection, role):
    client.force_login(UserFactory(roles=[role]))
    url = reverse("inspection_ratings", args=[inspection.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, row_data([("", {"": Rating.GOOD})])).status_code == 403
    assert not InspectionRating.objects.exists()


# Side by side -----------------------------------------------------------------------------


@pytest.fixture
def reports_2019_and_2020(db):
    """Seed 001: "2019 Report 19 22 23 2 / 2020 Report Nil 36 28 2"; 206 → 36 must/should."""
    before = InspectionFactory(published_on=dt.date(2019, 8, 1))
    after = InspectionFactory(published_on=dt.date(2020, 12, 17))
    ratings.inspection_ratings_save(
        inspection=before,
        grid=grid_of(
            {
                Rating.INADEQUATE: 19,
                Rating.REQUIRES_IMPROVEMENT: 22,
                Rating.GOOD: 23,
                Rating.NOT_RATED: 2,
            }
        ),
    )
    ratings.inspection_ratings_save(
        inspection=after,
        grid=grid_of({Rating.REQUIRES_IMPROVEMENT: 36, Rating.GOOD: 28, Rating.NOT_RATED: 2}),
    )
    findings_of(before, must=70, should=136)
    findings_of(after, must=3, should=33)
    return before, after


def test_comparison_counts_each_rating_and_the_must_and_should_totals(reports_2019_and_2020):
    before, after = reports_2019_and_2020
    comparison = ratings.inspections_compare(before=before, after=after)
    assert [(r.label, r.before, r.after) for r in comparison.rating_counts] == [
        ("Outstanding", 0, 0),
        ("Good", 23, 28),
        ("Requires improvement", 22, 36),
        ("Inadequate", 19, 0),
        ("Not rated", 2, 2),
    ]
    totals = {r.label: (r.before, r.after, r.percent_change) for r in comparison.finding_totals}
    assert totals == {
        "Must do": (70, 3, "down 95.7%"),
        "Should do": (136, 33, "down 75.7%"),
        # Seed 001: "compared to 206 in total in 2019 and marking a 82% reduction".
        "Must do and should do": (206, 36, "down 82.5%"),
    }


def test_the_compare_page_shows_both_reports_side_by_side(
    client, board, reports_2019_and_2020, django_assert_num_queries
):
    """Reads are fixed: user, roles, the header's menu, the inspections once (both menus),
    two grids, two tallies."""
    before, after = reports_2019_and_2020
    InspectionRating.objects.filter(
        inspection=after, core_service="Maternity", key_question="safe"
    ).update(rating=Rating.GOOD)
    client.force_login(board)
    url = reverse("inspections_compare") + f"?before={before.pk}&after={after.pk}"
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert '<th scope="row" class="nhsuk-table__header">Inadequate</th>' in text
    assert '<td class="nhsuk-table__cell">19</td><td class="nhsuk-table__cell">None</td>' in text
    assert '206</td><td class="nhsuk-table__cell">36</td>' in text
    assert "-170 (down 82.5%)" in text
    rows = {r.label: r for r in response.context["comparison"].rows}
    maternity_safe = rows["Maternity"].cells[1]
    assert (maternity_safe.before_label, maternity_safe.after_label) == (
        Rating(before.ratings.get(core_service="Maternity", key_question="safe").rating).label,
        "Good",
    )


def test_the_compare_page_defaults_to_the_two_newest_reports(client, pmo, reports_2019_and_2020):
    before, after = reports_2019_and_2020
    client.force_login(pmo)
    response = client.get(reverse("inspections_compare"))
    comparison = response.context["comparison"]
    assert (comparison.before, comparison.after) == (before, after)


def test_comparing_an_inspection_with_itself_is_refused(client, pmo, reports_2019_and_2020):
    before, _after = reports_2019_and_2020
    client.force_login(pmo)
    url = reverse("inspections_compare") + f"?before={before.pk}&after={before.pk}"
    response = client.get(url)
    assert response.status_code == 422
    assert "Choose two different inspections to compare." in response.content.decode()


@pytest.mark.parametrize("role", ["PMO", "Executive lead", "Assurance reviewer", "Board member"])
def test_readers_of_the_plan_may_compare(client, role, reports_2019_and_2020):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("inspections_compare")).status_code == 200


def test_an_action_lead_and_anonymous_may_not_compare(client, lead, reports_2019_and_2020):
    response = client.get(reverse("inspections_compare"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(lead)
    assert client.get(reverse("inspections_compare")).status_code == 403


def test_percent_change_reads_as_the_board_paper_does():
    assert ratings.percent_change(206, 36) == "down 82.5%"
    assert ratings.percent_change(10, 12) == "up 20.0%"
    assert ratings.percent_change(5, 5) == "no change"
    assert ratings.percent_change(0, 3) == "new"
    assert ratings.percent_change(0, 0) == ""


def test_finding_kinds_beyond_must_and_should_are_counted_when_present(inspection):
    earlier = InspectionFactory(published_on=dt.date(2019, 4, 16))
    findings_of(earlier, regulatory=4, must=14, should=19)
    comparison = ratings.inspections_compare(before=earlier, after=inspection)
    assert [(r.label, r.before, r.after) for r in comparison.finding_totals] == [
        ("Regulatory requirement notice", 4, 0),
        ("Must do", 14, 0),
        ("Should do", 19, 0),
        ("Must do and should do", 33, 0),
    ]
    assert FindingKind.REGULATORY.label == "Regulatory requirement notice"


def test_the_demo_inspection_carries_its_2019_ratings_once(settings):
    """Seed 000: Good overall, Requires improvement for well-led; seeding twice adds nothing."""
    from demo.seed import demo_seed

    settings.DEBUG = True
    plan = demo_seed()
    demo_seed()
    grid = ratings.ratings_grid(plan.inspection)
    assert [(row.label, row.ratings) for row in grid] == [
        ("Trust overall", {"": Rating.GOOD, "well_led": Rating.REQUIRES_IMPROVEMENT})
    ]
    assert InspectionRating.objects.count() == 2
