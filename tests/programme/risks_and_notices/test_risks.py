"""Risks and the BAF: scores and bands, links within the plan, the alignment table, the import."""

import pytest
from django.core.exceptions import ValidationError

from actions.models import Finding, FindingKind
from programme import risks as services
from programme.models import Alignment, Risk, RiskKind, RootCause
from programme.models.risks import rating_band
from tests.factories import ActionFactory, InspectionFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("score", "band"),
    [(1, "Low"), (3, "Low"), (4, "Moderate"), (6, "Moderate"), (8, "High"), (12, "High"),
     (15, "Extreme"), (25, "Extreme"), (None, "")],
)  # fmt: skip
def test_the_nhs_5x5_rating_bands(score, band):
    assert rating_band(score)[1] == band


def test_the_score_is_likelihood_times_consequence(plan):
    risk = services.risk_create(
        plan=plan,
        kind=RiskKind.BAF,
        reference="BAF 3",
        title="Quality",
        likelihood=4,
        consequence=4,
    )

    assert risk.score == 16
    assert risk.band_label == "Extreme"


def test_a_score_that_disagrees_with_likelihood_and_consequence_is_refused(plan):
    with pytest.raises(ValidationError) as refused:
        services.risk_create(plan=plan, title="X", likelihood=2, consequence=3, score=9)

    assert "2 x 3 = 6" in str(refused.value)
    assert not Risk.objects.exists()


def test_a_score_alone_is_kept_and_out_of_range_refused(plan):
    assert services.risk_create(plan=plan, title="Scored only", score=12).score == 12
    with pytest.raises(ValidationError):
        services.risk_create(plan=plan, title="Too high", score=30)


def test_two_risks_cannot_share_a_reference_in_a_plan(plan):
    services.risk_create(plan=plan, reference="R1234", title="One")

    with pytest.raises(ValidationError):
        services.risk_create(plan=plan, reference="R1234", title="Two")
    services.risk_create(plan=PlanFactory(), reference="R1234", title="Other plan")


def test_typed_text_loses_its_invisible_characters(plan):
    risk = services.risk_create(plan=plan, title="\u202eMedicine\u200b staffing ")

    assert risk.title == "Medicine staffing"


def test_a_risk_links_to_actions_findings_and_root_causes_of_its_plan(plan):
    plan.inspection = InspectionFactory()
    plan.save()
    action = ActionFactory(plan=plan, ref="T3")
    finding = Finding.objects.create(
        inspection=plan.inspection, ref="M1", kind=FindingKind.MUST, text="Must"
    )
    cause = RootCause.objects.create(plan=plan, finding=finding, ref="RC1", description="Cause")
    risk = services.risk_create(plan=plan, title="Staffing")

    services.risk_links_set(risk=risk, actions=[action], findings=[finding], root_causes=[cause])

    assert list(action.risks.all()) == [risk]
    assert list(finding.risks.all()) == [risk]
    assert list(cause.risks.all()) == [risk]
    services.risk_links_set(risk=risk)  # unlink all
    assert not risk.actions.exists() and not risk.findings.exists()


def test_a_risk_cannot_link_to_another_plans_action_or_finding(plan):
    risk = services.risk_create(plan=plan, title="Staffing")
    elsewhere = ActionFactory(plan=PlanFactory())
    stranger = Finding.objects.create(
        inspection=InspectionFactory(), ref="M9", kind=FindingKind.MUST, text="x"
    )

    with pytest.raises(ValidationError):
        services.risk_links_set(risk=risk, actions=[elsewhere])
    with pytest.raises(ValidationError):
        services.risk_links_set(risk=risk, findings=[stranger])
    assert not risk.actions.exists()


def test_the_alignment_table_counts_the_themed_risks_as_seed_003_does(plan):
    for n in range(3):
        services.risk_create(
            plan=plan, reference=f"R{n}", title=f"u{n}", theme="Staffing",
            alignment=Alignment.NEEDS_UPDATE,
        )  # fmt: skip
    for n in range(2):
        services.risk_create(
            plan=plan, title=f"n{n}", theme="End of life care",
            alignment=Alignment.NOT_ON_REGISTER,
        )  # fmt: skip
    services.risk_create(plan=plan, reference="R9", title="ok", alignment=Alignment.ON_REGISTER)
    services.risk_create(plan=plan, reference="BAF 1", title="not themed", kind=RiskKind.BAF)

    table = services.alignment_table(plan)

    assert table.total.identified == 6
    assert table.total.needs_update == 3
    assert table.total.not_on_register == 2
    assert table.total.on_register == 1
    assert table.sentences[0] == (6, "Risks identified once themed")
    assert [r.label for r in table.by_theme] == [
        "End of life care",
        "Staffing",
        "Theme not recorded",
    ]


def test_a_risk_not_on_the_register_has_no_reference(plan):
    with pytest.raises(ValidationError):
        services.risk_create(
            plan=plan, reference="R1", title="x", alignment=Alignment.NOT_ON_REGISTER
        )


CSV = (
    "Reference,Kind,Title,Owner,Likelihood,Consequence,Theme,Alignment\n"
    "BAF 3,BAF,Quality and safety,Ann Owner,4,5,,\n"
    "R1234,Register,Medicine staffing,Someone External,3,4,Staffing,needs updating\n"
    ",Register,Deteriorating patient,,,,Deteriorating patient,not on the register\n"
)


def test_risks_import_from_csv(plan):
    UserFactory(username="annowner", first_name="Ann", last_name="Owner")

    report = services.risks_import(plan=plan, data=CSV.encode(), filename="risks.csv")

    assert report.ok, report.errors
    assert report.summary() == "3 new, 0 updated"
    baf = Risk.objects.get(reference="BAF 3")
    assert (baf.kind, baf.score, baf.owner.username) == ("baf", 20, "annowner")
    r1234 = Risk.objects.get(reference="R1234")
    assert (r1234.owner, r1234.owner_name, r1234.alignment) == (
        None,
        "Someone External",
        "needs_update",
    )
    assert services.alignment_table(plan).total.identified == 2


def test_a_second_import_updates_risks_by_reference(plan):
    services.risks_import(plan=plan, data=CSV.encode(), filename="risks.csv")
    again = "Reference,Title,Score\nR1234,Medicine staffing (reworded),9\n"

    report = services.risks_import(plan=plan, data=again.encode(), filename="again.csv")

    assert report.ok and report.summary() == "0 new, 1 updated"
    risk = Risk.objects.get(reference="R1234")
    assert (risk.title, risk.score) == ("Medicine staffing (reworded)", 9)


def test_an_import_with_a_bad_row_saves_nothing_and_says_which_row(plan):
    bad = "Reference,Title,Likelihood,Consequence,Kind\nR1,Good,2,2,\nR2,,7,2,Opportunity\n"

    report = services.risks_import(plan=plan, data=bad.encode(), filename="bad.csv")

    assert not report.ok
    assert len(report.errors) == 1
    error = report.errors[0]
    assert error.startswith("Row 3:")
    assert "title is blank" in error and "likelihood" in error and "Opportunity" in error
    assert not Risk.objects.exists()


def test_an_import_without_a_title_column_is_refused(plan):
    report = services.risks_import(plan=plan, data=b"Ref,Score\nR1,4\n", filename="x.csv")

    assert not report.ok and "No header row" in report.errors[0]


def test_an_import_keeps_a_formula_looking_title_as_text(plan):
    data = b'Title\n\'=HYPERLINK("http://x")\n'

    report = services.risks_import(plan=plan, data=data, filename="x.csv")

    assert report.ok
    assert Risk.objects.get().title == '=HYPERLINK("http://x")'
