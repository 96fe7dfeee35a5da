"""The template helpers that make long pages quicker write what Django's own would."""

from __future__ import annotations

import pytest
from django.template.defaultfilters import truncatechars
from django.urls import reverse

from actions.templatetags.nhsuk import action_url_base, truncatechars_plain

TEXTS = [
    "",
    "Short.",
    "x" * 199,
    "x" * 200,
    "x" * 201,
    "The trust must ensure that risks are recorded and mitigated. " * 5,
    "Café staff réview the notes. " * 10,  # not ASCII: Django's own walk
    "Cafe\u0301 staff review the notes. " * 10,  # a combining accent
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("length", [0, 1, 2, 60, 200])
def test_truncatechars_plain_writes_what_truncatechars_writes(text, length):
    assert truncatechars_plain(text, length) == truncatechars(text, length)


def test_an_actions_address_is_the_base_and_its_id():
    assert f"{action_url_base()}1234/" == reverse("action", args=[1234])
