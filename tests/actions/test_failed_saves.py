"""An in-page save that cannot be made never throws away what the lead typed: the server
answers htmx with a status and a reason the page explains, never the sign-in page."""

from __future__ import annotations

import time_machine
from django.test import Client
from django.urls import reverse

from actions import services
from actions.models import WeeklyUpdate

from .test_my_actions import MONDAY_9AM, _post

TYPED = "Audit booked for 2 December; ward managers briefed."


def _save(client, action, plan, **extra):
    period = services.period_current_row(plan=plan)
    return client.post(
        reverse("action_update", args=[action.pk]),
        _post(action, period, TYPED),
        HTTP_HX_REQUEST="true",
        **extra,
    )


@time_machine.travel(MONDAY_9AM, tick=False)
def test_htmx_save_after_the_session_ended_is_401_not_the_sign_in_page(client, action, lead, plan):
    client.force_login(lead)
    client.session.delete()  # the session expired on the server; the cookie is still sent

    response = _save(client, action, plan)

    assert response.status_code == 401
    assert response["X-Save-Problem"] == "signed-out"
    body = response.content.decode()
    assert "<html" not in body and "Password" not in body
    assert "signed out" in body
    assert not WeeklyUpdate.objects.exists()


@time_machine.travel(MONDAY_9AM, tick=False)
def test_a_plain_form_after_the_session_ended_still_goes_to_sign_in(client, action, lead, plan):
    period = services.period_current_row(plan=plan)

    response = client.post(reverse("action_update", args=[action.pk]), _post(action, period, TYPED))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@time_machine.travel(MONDAY_9AM, tick=False)
def test_htmx_get_of_a_signed_in_page_after_sign_out_is_401_too(client, action):
    response = client.get(reverse("action_update", args=[action.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 401
    assert response["X-Save-Problem"] == "signed-out"


@time_machine.travel(MONDAY_9AM, tick=False)
def test_htmx_save_with_an_out_of_date_csrf_token_is_refused_as_out_of_date(action, lead, plan):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    client.get(reverse("my_actions"))  # sets the CSRF cookie

    response = _save(client, action, plan, HTTP_X_CSRFTOKEN="x" * 32)

    assert response.status_code == 403
    assert response["X-Save-Problem"] == "out-of-date"
    assert "<html" not in response.content.decode()
    assert not WeeklyUpdate.objects.exists()


@time_machine.travel(MONDAY_9AM, tick=False)
def test_htmx_save_with_no_session_and_no_csrf_cookie_says_signed_out(action, plan):
    client = Client(enforce_csrf_checks=True)  # the browser's cookies were cleared

    response = _save(client, action, plan, HTTP_X_CSRFTOKEN="x" * 32)

    assert response.status_code == 401
    assert response["X-Save-Problem"] == "signed-out"


@time_machine.travel(MONDAY_9AM, tick=False)
def test_a_plain_form_with_an_out_of_date_token_says_what_to_do(action, lead, plan):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    client.get(reverse("my_actions"))
    period = services.period_current_row(plan=plan)

    response = client.post(
        reverse("action_update", args=[action.pk]),
        {**_post(action, period, TYPED), "csrfmiddlewaretoken": "x" * 32},
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "This was not saved" in page
    assert "reload the page" in page
    assert not WeeklyUpdate.objects.exists()


@time_machine.travel(MONDAY_9AM, tick=False)
def test_a_lead_refused_the_action_gets_an_error_status_htmx_does_not_swap(
    client, action, other_lead, plan
):
    client.force_login(other_lead)

    response = _save(client, action, plan)

    assert response.status_code in (403, 404)
    assert not WeeklyUpdate.objects.exists()


@time_machine.travel(MONDAY_9AM, tick=False)
def test_each_card_has_a_problem_region_beside_save_and_the_page_loads_the_script(
    client, action, lead
):
    client.force_login(lead)

    page = client.get(reverse("my_actions")).content.decode()

    form = page[page.index(f'hx-post="{reverse("action_update", args=[action.pk])}"') :]
    form = form[: form.index("</form>")]
    assert 'data-save-problem data-what="this update"' in form
    assert "save-problems" in page and 'data-sign-in-url="/accounts/login/"' in page
