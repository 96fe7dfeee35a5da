"""No user's name, username or email appears anywhere in a public publication.

Every user here has a distinctive first name, surname, username and email, and they are
written into everything a publication can show: narratives (current and earlier), the
action's history (lead changes, notes), evidence descriptions, the findings, the PMO's
summary and the glossary. The plan is published with every field chosen; the public page,
the public list, the PDF (read back with pdftotext) and the stored document are searched.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from actions import services as plan_services
from actions.models import ExecRole, Finding, FindingKind, Role, Status
from evidence import services as evidence_services
from reporting.models import Publication
from reporting.publication import services
from reporting.publication.content import FIELD_KEYS
from reporting.publication.glossary import DEFAULT_GLOSSARY
from reporting.publication.redact import EMAIL, SOMEONE, Person, Redactor
from tests.factories import ActionFactory, InspectionFactory, PlanFactory, UserFactory

from .conftest import london, pdf_text, requires_pdftotext, travel

PEOPLE = {
    # role: (username, first name, surname, email)
    "pmo": ("ofairquince", "Ottoline", "Fairweather-Quince", "o.fairquince@trust.example.nhs.uk"),
    "don": ("bzanzibar", "Bartholomew", "Zanzibar", "bartholomew.zanzibar@trust.example.nhs.uk"),
    "md": ("xkowalczyk", "Xanthe", "Kowalczyk", "xanthe.k@trust.example.nhs.uk"),
    "lead": (
        "pthistlewood",
        "Philippa",
        "Thistlewood",
        "philippa.thistlewood@trust.example.nhs.uk",
    ),
    "lead2": ("iquarrington", "Ignatius", "Quarrington", "ignatius.q@trust.example.nhs.uk"),
    "reviewer": ("svandersloot", "Saoirse", "Vandersloot", "saoirse.v@trust.example.nhs.uk"),
    "board": ("mpennyfeather", "Marmaduke", "Pennyfeather", "m.pennyfeather@trust.example.nhs.uk"),
}
START = london(2026, 11, 2, 9, 0)


@pytest.fixture
def people(db):
    made = {}
    roles = {
        "pmo": Role.PMO,
        "don": Role.EXEC_LEAD,
        "md": Role.EXEC_LEAD,
        "lead": Role.ACTION_LEAD,
        "lead2": Role.ACTION_LEAD,
        "reviewer": Role.REVIEWER,
        "board": Role.BOARD,
    }
    for key, (username, first, last, email) in PEOPLE.items():
        made[key] = UserFactory(
            username=username, first_name=first, last_name=last, email=email, roles=[roles[key]]
        )
    ExecRole.objects.create(code="DoN", title="Director of Nursing", holder=made["don"])
    ExecRole.objects.create(code="MD", title="Medical Director", holder=made["md"])
    return made


def identifiers() -> list[str]:
    """Everything that identifies a user: names, the full name, username, email."""
    found = []
    for user in get_user_model().objects.all():
        found += [user.first_name, user.last_name, user.get_full_name(), user.username, user.email]
        found += re.findall(r"[^\W_]+", user.last_name)  # "Quince" of "Fairweather-Quince"
    return [f for f in found if f]


def assert_nobody_in(text: str, where: str) -> None:
    low = text.lower()
    squeezed = re.sub(r"\s+", "", low)  # a name broken over two lines of the PDF
    for identifier in identifiers():
        needle = identifier.lower()
        assert needle not in low, f"{identifier!r} appears in {where}"
        assert re.sub(r"\s+", "", needle) not in squeezed, f"{identifier!r} appears in {where}"
    assert not EMAIL.search(text), f"an email address appears in {where}"


@pytest.fixture
def published(people):
    """A plan where every kind of text mentions people, published with every field."""
    pmo, lead, lead2 = people["pmo"], people["lead"], people["lead2"]
    don, md = ExecRole.objects.get(code="DoN"), ExecRole.objects.get(code="MD")
    with travel(START):
        inspection = InspectionFactory()
        plan = PlanFactory(
            name="CQC improvement plan 2026", inspection=inspection, cycle_starts_on=START.date()
        )
        finding = Finding.objects.create(
            inspection=inspection,
            ref="M1",
            kind=FindingKind.MUST,
            key_question="safe",
            core_service="Maternity",
            text="Staff told us Dr Zanzibar's CTG audit was not acted on.",
        )
        m1 = ActionFactory(
            plan=plan,
            ref="M1",
            department="Maternity",
            action_lead=lead,
            status=Status.AMBER,
            requirement="CTG training for midwives; Philippa Thistlewood to report to "
            "bartholomew.zanzibar@trust.example.nhs.uk monthly.",
        )
        m1.exec_roles.set([don, md])
        m1.findings.set([finding])
        s1 = ActionFactory(
            plan=plan,
            ref="S1",
            kind=FindingKind.SHOULD,
            department="Surgery",
            action_lead=lead2,
            requirement="Discharge lounge staffing (owner: iquarrington).",
        )

    # History: a lead change (full names in the change), edits with notes naming people.
    with travel(START + dt.timedelta(days=1)):
        plan_services.actions_assign_lead(actions=[s1], lead=lead, by=pmo)
        plan_services.actions_assign_lead(actions=[s1], lead=lead2, by=pmo)
        plan_services.action_edit(
            action=m1,
            by=pmo,
            base_version=None,
            end_date=dt.date(2027, 3, 31),
            note="Agreed with Xanthe Kowalczyk and KOWALCZYK, Xanthe at IPAG; "
            "see https://sharepoint.example/personal/pthistlewood/minutes.docx",
        )

    # Narratives, this week and earlier weeks, naming people every way they get named.
    narratives = [
        "Ottoline chased estates; Mr Quarrington covering. Contact o.fairquince@trust.example"
        ".nhs.uk or call Saoirse.",
        "P. Thistlewood met Marmaduke Pennyfeather (board) and Thistlewood, Philippa agreed "
        "dates; svandersloot to review.",
        "Quince away; ZANZIBAR escalated. Ignatius emailed ignatius.q@trust.example.nhs.uk and "
        "someone.else@gmail.com.",
    ]
    for n, narrative in enumerate(narratives):
        now = START + dt.timedelta(days=7 * n)
        period = plan_services.period_current_row(plan=plan, now=now)
        plan_services.update_submit(
            action=m1, period=period, author=lead, status=Status.AMBER, narrative=narrative, now=now
        )

    # Evidence descriptions and notes naming people.
    with travel(START + dt.timedelta(days=15)):
        evidence_services.evidence_add(
            action=m1,
            by=lead,
            kind="note",
            description="Training register signed by Saoirse Vandersloot and pthistlewood",
            note="Checked by Bartholomew.",
        )
        evidence_services.evidence_add(
            action=m1,
            by=people["don"],
            kind="link",
            description="Audit by Kowalczyk (xkowalczyk)",
            url="https://sharepoint.example/sites/maternity/xkowalczyk-audit.xlsx",
        )

    with travel(START + dt.timedelta(days=20)):
        services.publication_settings_save(
            plan=plan,
            by=pmo,
            fields=FIELD_KEYS,
            highlights="Thanks to Marmaduke Pennyfeather and mpennyfeather for the support.",
            challenges="Ottoline Fairweather-Quince is recruiting; ask o.fairquince@"
            "trust.example.nhs.uk.",
            glossary=[
                *DEFAULT_GLOSSARY,
                {
                    "term": "IPAG",
                    "definition": "Chaired by Xanthe (xanthe.k@trust.example.nhs.uk).",
                },
            ],
        )
        with TestCase.captureOnCommitCallbacks(execute=True):  # and the worker's PDF
            publication = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
    return Publication.objects.get(pk=publication.pk)


def test_the_public_page_names_nobody(client, published):
    html = client.get(published.get_absolute_url()).content.decode()

    assert_nobody_in(html, "the public page")
    # Not vacuous: the text around the names, and the roles in their place, are there.
    for text in (
        "Director of Nursing (DoN) and Medical Director (MD)",
        "Action lead (Maternity)",
        "PMO chased estates",
        "covering",
        "Training register signed by Assurance reviewer",
        "Agreed with Medical Director (MD) and Medical Director (MD) at IPAG",
        "[link removed]",
        "[email address removed]",
        "Action lead assigned",
        "Thanks to Board member",
        "CTG audit was not acted on",
    ):
        assert text in html, text


def test_the_stored_document_and_the_public_list_name_nobody(client, published):
    assert_nobody_in(str(published.content), "the stored document")
    assert_nobody_in(
        client.get(reverse("publication_public_list", args=[published.slug])).content.decode(),
        "the public list",
    )
    assert set(published.content["fields"]) == set(FIELD_KEYS)
    m1 = published.content["actions"][0]
    assert len(m1["earlier_updates"]) == 2 and m1["latest_update"]["narrative"]
    assert len(m1["evidence"]) == 2 and m1["history"]


@requires_pdftotext
def test_the_pdf_names_nobody(client, published, tmp_path):
    response = client.get(reverse("publication_public_pdf", args=[published.slug, 1]))
    text = pdf_text(response.content, tmp_path)

    assert_nobody_in(text, "the PDF")
    assert "Director of Nursing (DoN)" in text
    assert "Training register signed by Assurance reviewer" in text


def test_the_preview_names_nobody_either(client, published, people):
    client.force_login(people["pmo"])
    html = client.get(reverse("publication_preview", args=[published.plan_id])).content.decode()
    body = html.split('id="maincontent"', 1)[1]
    assert_nobody_in(body, "the preview")


def test_a_name_that_survives_redaction_stops_the_publication(published, people, monkeypatch):
    """Belt and braces: were a name to survive redaction, nothing is published."""
    original = services.publication_document

    def leaky(*, plan, draft):
        document, redactor = original(plan=plan, draft=draft)
        document["summary"]["highlights"] += " Zanzibar"
        return document, redactor

    monkeypatch.setattr(services, "publication_document", leaky)
    with pytest.raises(ValidationError, match="would still name 1 person"):
        services.publication_create(plan=published.plan, by=people["pmo"], token=uuid.uuid4())
    assert Publication.objects.count() == 1


# The redactor on its own: every way a name is written --------------------------------------


def person(pk, username, first, last, email, title):
    return Person(pk, username, first, last, email, title)


@pytest.fixture
def redactor():
    return Redactor(
        [
            person(1, "jokafor", "Jane", "Okafor", "jane.okafor@trust.nhs.uk", "DoN"),
            person(2, "mann_smythe", "Mary Ann", "Smythe-Oduya", "m.smythe@trust.nhs.uk", "PMO"),
            person(3, "wward", "Will", "Ward", "will.ward@trust.nhs.uk", "Matron"),
            person(4, "akhan", "Amir", "Khan", "amir.khan@trust.nhs.uk", "Action lead"),
            person(5, "akhan2", "Aisha", "Khan", "aisha.khan@trust.nhs.uk", "Board member"),
        ]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Okafor chased estates.", "DoN chased estates."),
        ("OKAFOR, Jane agreed.", "DoN agreed."),
        ("Okafor,  jane; then", "DoN; then"),  # up to three joining characters
        ("J. Okafor and j.okafor", "DoN and DoN"),
        ("Dr Okafor and Mrs. Jane Okafor", "DoN and DoN"),
        ("Okafor alone; Jane alone", "DoN alone; DoN alone"),
        ("jokafor to review", "DoN to review"),
        ("Jane\n\n\n\nOkafor", "DoN\n\n\n\nDoN"),  # too far apart: each on its own
        ("Okaforish is not a name", "Okaforish is not a name"),
        ("Mary Ann Smythe-Oduya, Mary Smythe-Oduya, Oduya", "PMO, PMO, PMO"),
        ("mann_smythe wrote", "PMO wrote"),
        ("Will Ward checked the ward; will ward", "Matron checked the ward; will ward"),
        ("Will Ward's team", "Matron's team"),
        ("Amir Khan and Aisha Khan; Khan", "Action lead and Board member; " + SOMEONE),
        ("mail jane.okafor@trust.nhs.uk now", "mail DoN now"),
        ("JANE.OKAFOR@TRUST.NHS.UK", "DoN"),
        ("x.jane.okafor@trust.nhs.uk", "x.DoN"),  # a known address inside a longer one
        ("someone@gmail.com or a.b@c.org", "[email address removed] or [email address removed]"),
        ("see www.x.nhs.uk/jokafor; then", "see [link removed]; then"),
        ("https://sp.example/personal/jokafor/minutes.docx.", "[link removed]."),
    ],
)
def test_each_way_a_name_is_written_becomes_the_role(redactor, text, expected):
    assert redactor.text(text) == expected
    assert redactor.leaks(redactor.text(text)) == []


def test_everyday_names_left_alone_are_listed_for_the_pmo(redactor):
    redactor.text("The Ward round: Will do. Ward 4 and Will Ward.")

    assert redactor.kept == {"Ward": 2, "Will": 1}


def test_the_safety_scan_finds_what_redaction_would_take_out(redactor):
    found = redactor.leaks("Ms Okafor, S. Khan? x mann_smythe jane.okafor@trust.nhs.uk Will Ward")

    assert found == [
        "jane.okafor@trust.nhs.uk",  # the known address
        "jane.okafor@trust.nhs.uk",  # an address
        "Okafor",  # after "Ms"
        "Khan",
        "mann_smythe",
        "jane.okafor",  # the full name inside the address
        "Will Ward",
    ]
