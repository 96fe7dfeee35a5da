"""Who may open each programme page: PMO, the workstream's executive and lead, a root
cause's owner, the board, a reviewer, someone else, and nobody signed in."""

import pytest
from django.urls import reverse

OK, REFUSED = 200, 403


def _pages(p):
    ws, rc, plan = p["ws"], p["rc"], p["plan"]
    return {
        "overview": reverse("programme", args=[plan.pk]),
        "workstream": reverse("workstream", args=[ws.pk]),
        "narrative": reverse("workstream_narrative", args=[ws.pk]),
        "ws_create": reverse("workstream_create", args=[plan.pk]),
        "ws_edit": reverse("workstream_edit", args=[ws.pk]),
        "ws_actions": reverse("workstream_actions", args=[ws.pk]),
        "settings": reverse("programme_settings", args=[plan.pk]),
        "root_causes": reverse("root_causes", args=[plan.pk]),
        "root_cause": reverse("root_cause", args=[rc.pk]),
        "rc_create": reverse("root_cause_create", args=[plan.pk, p["finding"].pk]),
        "rc_edit": reverse("root_cause_edit", args=[rc.pk]),
    }


PMO_ONLY = {"ws_create", "ws_edit", "ws_actions", "settings", "rc_create", "rc_edit"}
EXPECTED = {
    "pmo": set(),
    "exec": PMO_ONLY,
    "ws_lead": PMO_ONLY | {"root_causes", "root_cause"},
    "owner": PMO_ONLY | {"overview", "workstream", "narrative"},
    "board": PMO_ONLY | {"narrative"},
    "reviewer": PMO_ONLY | {"narrative"},
    "outsider": {
        "overview",
        "workstream",
        "narrative",
        "root_causes",
        "root_cause",
        *PMO_ONLY,
    },
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_opens_only_its_pages(client, people, programme, who):
    client.force_login(people[who])
    for name, url in _pages(programme).items():
        expected = REFUSED if name in EXPECTED[who] else OK
        assert client.get(url).status_code == expected, (who, name)


def test_anonymous_users_go_to_sign_in(client, programme):
    for name, url in _pages(programme).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


@pytest.mark.parametrize("who", ["board", "reviewer", "owner", "outsider"])
def test_only_the_pmo_executive_and_lead_write_the_narrative(client, people, programme, who):
    client.force_login(people[who])
    url = reverse("workstream_narrative", args=[programme["ws"].pk])

    response = client.post(url, {"month": "2026-11", "progress": "Done a lot"})

    assert response.status_code == REFUSED
    assert not programme["ws"].narratives.exists()


@pytest.mark.parametrize("who", ["exec", "ws_lead", "owner", "board"])
def test_only_the_pmo_changes_workstreams_and_root_causes(client, people, programme, who):
    client.force_login(people[who])
    ws, rc = programme["ws"], programme["rc"]

    posts = [
        (reverse("workstream_move", args=[ws.pk]), {"direction": "up"}),
        (reverse("workstream_edit", args=[ws.pk]), {"name": "Renamed", "cadence": "weekly"}),
        (reverse("workstream_actions", args=[ws.pk]), {"action": [], "do": "remove"}),
        (reverse("root_cause_delete", args=[rc.pk]), {}),
        (reverse("workstream_delete", args=[ws.pk]), {}),
        (reverse("root_cause_edit", args=[rc.pk]), {"ref": "X", "description": "Y"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == REFUSED, url
    ws.refresh_from_db()
    rc.refresh_from_db()
    assert ws.name == "Women's and Children's" and rc.ref == "M1.1"


def test_a_workstream_lead_sees_only_their_workstreams_on_the_overview(client, people, programme):
    from programme.models import Workstream

    Workstream.objects.create(plan=programme["plan"], name="Workforce", position=2)
    client.force_login(people["ws_lead"])

    html = client.get(reverse("programme", args=[programme["plan"].pk])).content.decode()

    assert "Women&#x27;s and Children&#x27;s" in html
    assert "Workforce" not in html


def test_an_owner_sees_only_their_root_causes(client, people, programme):
    from programme.models import RootCause

    RootCause.objects.create(
        plan=programme["plan"], finding=programme["finding"], ref="M1.2", description="Other"
    )
    client.force_login(people["owner"])

    html = client.get(reverse("root_causes", args=[programme["plan"].pk])).content.decode()

    assert "M1.1" in html and "M1.2" not in html
