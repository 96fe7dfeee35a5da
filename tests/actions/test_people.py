"""People and roles: the PMO adds people, gives and takes roles, sets who holds each
executive role and deactivates people who left; every change is recorded."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.html import escape

from actions import services
from actions.models import ExecRole
from improvement.models import PeopleChange
from tests.factories import ExecRoleFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def pmo_client(client, pmo):
    client.force_login(pmo)
    return client


def new_person(**overrides) -> dict:
    return {
        "first_name": "Grace",
        "last_name": "Okafor",
        "email": "grace.okafor@nhs.net",
        "username": "grace.okafor",
        "roles": ["Action lead"],
        **overrides,
    }


# Adding people ---------------------------------------------------------------------------


def test_pmo_adds_a_person_who_chooses_their_own_password_from_the_email(
    pmo_client, pmo, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = pmo_client.post(reverse("person_add"), new_person())

    person = User.objects.get(username="grace.okafor")
    assert response.status_code == 302
    assert response.url == reverse("person_detail", args=[person.pk])
    assert not person.has_usable_password()
    assert list(person.groups.values_list("name", flat=True)) == ["Action lead"]
    kinds = set(PeopleChange.objects.filter(person=person).values_list("kind", "by"))
    assert kinds == {
        (PeopleChange.Kind.ADDED, pmo.pk),
        (PeopleChange.Kind.ROLE_GIVEN, pmo.pk),
        (PeopleChange.Kind.SIGN_IN_EMAIL, pmo.pk),
    }
    [email] = mailoutbox
    assert email.to == ["grace.okafor@nhs.net"]
    link = re.search(r"http\S+/accounts/set-password/\S+", email.body).group(0)

    client.logout()
    page = client.get(link, follow=True)
    assert b"Choose your password" in page.content
    chosen = "a long walk by the river 42"
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": chosen, "new_password2": chosen}
    )
    assert done.status_code == 302 and done.url == reverse("login")
    person.refresh_from_db()
    assert person.check_password(chosen)
    # The link works once.
    assert b"This link no longer works" in client.get(link, follow=True).content


@override_settings(OIDC_ENABLED=True, OIDC_PROVIDER_NAME="your NHS account")
def test_person_on_the_identity_provider_is_emailed_to_sign_in_with_it_not_a_password_link(
    pmo_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pmo_client.post(reverse("person_add"), new_person())

    [email] = mailoutbox
    assert "Sign in with your NHS account" in email.body
    assert "set-password" not in email.body


def test_adding_a_person_with_an_email_already_used_is_refused_with_the_error_summary(
    pmo_client, lead
):
    response = pmo_client.post(
        reverse("person_add"), new_person(email=lead.email.upper(), username="someone")
    )

    assert response.status_code == 422
    assert b"There is a problem" in response.content
    assert f"Someone here already uses {lead.email.upper()}".encode() in response.content
    assert not User.objects.filter(username="someone").exists()


def test_adding_a_person_without_a_name_says_what_to_enter(pmo_client):
    response = pmo_client.post(reverse("person_add"), new_person(first_name=" "))

    assert response.status_code == 422
    assert b"Enter their first name." in response.content


# Who may ---------------------------------------------------------------------------------


PMO_PAGES = [
    ("people_list", False),
    ("person_add", False),
    ("person_detail", True),
    ("person_edit", True),
    ("person_roles", True),
    ("person_deactivate", True),
    ("exec_role_list", False),
    ("exec_role_create", False),
]


@pytest.mark.parametrize(
    "role", ["Action lead", "Executive lead", "Board member", "Assurance reviewer"]
)
@pytest.mark.parametrize("name,takes_person", PMO_PAGES)
def test_only_the_pmo_reaches_the_people_pages(client, lead, role, name, takes_person):
    someone = UserFactory(username="someone", roles=[role])
    client.force_login(someone)
    url = reverse(name, args=[lead.pk] if takes_person else [])

    assert client.get(url).status_code == 403
    assert client.post(url, new_person()).status_code == 403


@pytest.mark.parametrize("name", ["person_reactivate", "person_sign_in_email", "exec_role_edit"])
def test_a_lead_cannot_post_to_the_people_actions(client, lead, name):
    exec_role = ExecRoleFactory(code="DWOD")
    client.force_login(lead)
    pk = exec_role.pk if name == "exec_role_edit" else lead.pk

    assert client.post(reverse(name, args=[pk])).status_code == 403


def test_someone_not_signed_in_is_sent_to_sign_in(client, lead):
    response = client.get(reverse("person_detail", args=[lead.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# Roles -----------------------------------------------------------------------------------


def test_pmo_gives_and_takes_roles_and_each_change_is_recorded(pmo_client, pmo, lead):
    response = pmo_client.post(
        reverse("person_roles", args=[lead.pk]), {"roles": ["Assurance reviewer"]}
    )

    assert response.status_code == 302
    assert set(lead.groups.values_list("name", flat=True)) == {"Assurance reviewer"}
    changes = set(PeopleChange.objects.filter(person=lead).values_list("kind", "what", "by"))
    assert changes == {
        (PeopleChange.Kind.ROLE_GIVEN, "Assurance reviewer", pmo.pk),
        (PeopleChange.Kind.ROLE_TAKEN, "Action lead", pmo.pk),
    }
    page = pmo_client.get(reverse("person_detail", args=[lead.pk]))
    assert b"Role taken away: Action lead" in page.content


def test_the_last_pmo_cannot_take_away_their_own_pmo_role(pmo_client, pmo):
    response = pmo_client.post(reverse("person_roles", args=[pmo.pk]), {"roles": ["Board member"]})

    assert response.status_code == 422
    assert b"At least one person must keep the PMO role." in response.content
    assert set(pmo.groups.values_list("name", flat=True)) == {"PMO"}
    assert not PeopleChange.objects.exists()


def test_a_pmo_can_give_up_the_role_while_another_active_pmo_keeps_it(pmo_client, pmo):
    UserFactory(username="pmo2", roles=["PMO"])
    UserFactory(username="pmo3", roles=["PMO"], is_active=False)

    response = pmo_client.post(reverse("person_roles", args=[pmo.pk]), {"roles": []})

    assert response.status_code == 302
    assert response.url == reverse("home")  # the person's page is the PMO's only
    assert not pmo.groups.exists()
    assert PeopleChange.objects.get(person=pmo).kind == PeopleChange.Kind.ROLE_TAKEN


def test_the_only_active_pmo_is_not_counted_twice_with_a_deactivated_one(pmo, lead):
    UserFactory(username="oldpmo", roles=["PMO"], is_active=False)

    with pytest.raises(Exception, match="At least one person must keep the PMO role"):
        from improvement.people import person_roles_set

        person_roles_set(person=pmo, by=lead, roles=[])


# Deactivating ----------------------------------------------------------------------------


def test_deactivating_someone_ends_their_sessions_and_keeps_them_on_record(pmo_client, pmo, lead):
    their_browser = Client()
    their_browser.force_login(lead)
    assert their_browser.get(reverse("my_actions")).status_code == 200

    response = pmo_client.post(reverse("person_deactivate", args=[lead.pk]))

    assert response.status_code == 302
    lead.refresh_from_db()
    assert not lead.is_active
    assert PeopleChange.objects.filter(person=lead, kind=PeopleChange.Kind.DEACTIVATED, by=pmo)
    signed_out = their_browser.get(reverse("my_actions"))
    assert signed_out.status_code == 302 and signed_out.url.startswith(reverse("login"))
    listed = pmo_client.get(reverse("people_list"), {"status": "left"})
    assert escape(lead.get_full_name()).encode() in listed.content


def test_deactivating_an_exec_role_holder_asks_who_holds_it_now(pmo_client, pmo, lead):
    leaver = UserFactory(username="director", roles=["Executive lead"])
    successor = UserFactory(username="successor", roles=["Executive lead"])
    dwod = ExecRoleFactory(code="DWOD", holder=leaver)

    asked = pmo_client.post(reverse("person_deactivate", args=[leaver.pk]))
    assert asked.status_code == 422
    assert b"Choose who holds DWOD now, or leave it vacant." in asked.content
    leaver.refresh_from_db()
    assert leaver.is_active

    done = pmo_client.post(
        reverse("person_deactivate", args=[leaver.pk]), {f"holder_{dwod.pk}": successor.pk}
    )

    assert done.status_code == 302
    dwod.refresh_from_db()
    assert dwod.holder == successor
    for person in (leaver, successor):
        change = PeopleChange.objects.get(person=person, kind=PeopleChange.Kind.EXEC_ROLE)
        assert (change.what, change.before, change.after) == (
            "DWOD",
            leaver.get_full_name(),
            successor.get_full_name(),
        )


def test_leaving_an_exec_role_vacant_warns(pmo_client, lead):
    leaver = UserFactory(username="director", roles=["Executive lead"])
    dwod = ExecRoleFactory(code="DWOD", holder=leaver)

    response = pmo_client.post(
        reverse("person_deactivate", args=[leaver.pk]), {f"holder_{dwod.pk}": "vacant"}
    )

    dwod.refresh_from_db()
    assert dwod.holder is None
    assert any("DWOD is now vacant" in m for m in _messages(response))


def test_the_pmo_cannot_deactivate_themselves(pmo_client, pmo):
    response = pmo_client.post(reverse("person_deactivate", args=[pmo.pk]))

    assert response.status_code == 422
    pmo.refresh_from_db()
    assert pmo.is_active


def test_a_failed_deactivation_hands_over_nothing(pmo, lead):
    """The exec role moves only if the deactivation succeeds: nothing half-saved."""
    other_pmo = UserFactory(username="pmo2", roles=["PMO"])
    dwod = ExecRoleFactory(code="DWOD", holder=pmo)

    with pytest.raises(Exception, match="cannot deactivate your own account"):
        services.person_deactivate_and_hand_over(
            person=pmo, by=pmo, new_holders={dwod.pk: other_pmo}
        )

    dwod.refresh_from_db()
    assert dwod.holder == pmo
    assert not PeopleChange.objects.exists()


def test_reactivating_someone_sends_a_new_sign_in_email(
    pmo_client, lead, mailoutbox, django_capture_on_commit_callbacks
):
    lead.is_active = False
    lead.save()

    with django_capture_on_commit_callbacks(execute=True):
        pmo_client.post(reverse("person_reactivate", args=[lead.pk]))

    lead.refresh_from_db()
    assert lead.is_active
    assert [m.to for m in mailoutbox] == [[lead.email]]


# Executive roles -------------------------------------------------------------------------


def test_pmo_sets_who_holds_an_exec_role_and_the_change_is_recorded(pmo_client, pmo, lead):
    dwod = ExecRoleFactory(code="DWOD", title="Director of Workforce")

    response = pmo_client.post(
        reverse("exec_role_edit", args=[dwod.pk]),
        {"title": "Director of Workforce and OD", "holder": lead.pk},
    )

    assert response.status_code == 302
    dwod.refresh_from_db()
    assert (dwod.title, dwod.holder) == ("Director of Workforce and OD", lead)
    change = PeopleChange.objects.get(person=lead)
    assert (change.kind, change.what, change.before, change.after, change.by) == (
        PeopleChange.Kind.EXEC_ROLE,
        "DWOD",
        "Vacant",
        lead.get_full_name(),
        pmo,
    )
    listed = pmo_client.get(reverse("exec_role_list"))
    assert escape(lead.get_full_name()).encode() in listed.content


def test_a_deactivated_person_cannot_hold_an_exec_role(pmo, lead):
    lead.is_active = False
    lead.save()
    dwod = ExecRoleFactory(code="DWOD")

    with pytest.raises(Exception, match="is deactivated"):
        services.exec_role_holder_set(exec_role=dwod, holder=lead, by=pmo)


def test_pmo_adds_an_exec_role_once(pmo_client):
    data = {"code": "DoN&Q", "title": "Director of Nursing and Quality", "holder": ""}
    assert pmo_client.post(reverse("exec_role_create"), data).status_code == 302

    again = pmo_client.post(reverse("exec_role_create"), {**data, "code": "don&q"})

    assert again.status_code == 422
    assert b"There is already an executive role don&amp;q." in again.content
    assert ExecRole.objects.count() == 1


# The people list -------------------------------------------------------------------------


def test_people_list_filters_by_role_and_search(pmo_client):
    UserFactory(username="lead", first_name="Lee", last_name="Able", roles=["Action lead"])
    UserFactory(username="board", first_name="Bo", last_name="Ard", roles=["Board member"])
    UserFactory(username="ada", first_name="Ada", last_name="Lovelace", roles=["Board member"])

    by_role = pmo_client.get(reverse("people_list"), {"role": "Board member"})
    by_text = pmo_client.get(reverse("people_list"), {"q": "lovelace", "role": "Board member"})

    assert b"Bo Ard" in by_role.content and b"Ada Lovelace" in by_role.content
    assert b"Lee Able" not in by_role.content
    assert b"Ada Lovelace" in by_text.content
    assert b"Bo Ard" not in by_text.content


def test_person_page_links_the_two_factor_reset(pmo_client, lead):
    page = pmo_client.get(reverse("person_detail", args=[lead.pk]))

    assert reverse("two_factor_reset", args=[lead.pk]).encode() in page.content


def test_people_list_reads_a_fixed_number_of_queries(pmo_client, django_assert_num_queries):
    """Roles and exec roles are prefetched: 200 people cost no more queries than 2 (no N+1
    on groups or exec roles per row)."""
    groups = list(Group.objects.filter(name__in=["Action lead", "Executive lead"]))
    people = User.objects.bulk_create(
        [User(username=f"p{i}", first_name="P", last_name=f"{i:03}") for i in range(200)]
    )
    for person in people:
        person.groups.set(groups)
    for i, person in enumerate(people[:20]):
        ExecRoleFactory(code=f"R{i}", holder=person)

    # the user, their groups (the PMO check), the people, their groups, their exec roles
    # (the session is read from the cache)
    # 5, plus the header's menu (actions.selectors.navigation): one query.
    with django_assert_num_queries(6):
        response = pmo_client.get(reverse("people_list"))

    assert response.content.count(b"Action lead, Executive lead") == 200


def test_the_admin_shows_roles_and_status_but_leaves_changing_them_to_the_people_pages(
    client, lead
):
    """Changes made in the admin would not be recorded; there they are read-only."""
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[lead.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert b'name="is_active"' not in page.content
    assert b'name="groups"' not in page.content
    assert client.post(reverse("admin:auth_user_delete", args=[lead.pk])).status_code == 403
