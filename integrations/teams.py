"""Teams: the Adaptive Cards the product posts to a plan's channel, and the post itself.

A card is built from what happened (an issued exception report, an early lock, a closure
waiting for a decision) and kept as JSON on its ``TeamsPost`` row, so a retry sends the
same card. Anything a person typed goes into the card as text: Teams reads TextBlocks and
facts as Markdown, so its special characters are escaped.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import Truncator

from improvement.people import display_name

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
TIMEOUT = (5, 20)  # connect, read: seconds
# What Teams' card Markdown acts on: links, emphasis, code; and a list marker at the start.
_MARKDOWN = re.compile(r"([\\`*_\[\]()~<>])")
_BULLET_START = re.compile(r"^([-+])(\s)")
_NUMBER_START = re.compile(r"^(\d+)\.(\s)")


class TeamsRefused(Exception):
    """Teams (or the network) did not take the card; the message says why."""


def text(value: object, limit: int = 500) -> str:
    """A person's words as literal text in a card (Markdown characters escaped)."""
    plain = " ".join(str(value or "").split())  # one line: no lists or headings
    plain = _MARKDOWN.sub(r"\\\1", Truncator(plain).chars(limit))
    plain = _BULLET_START.sub(r"\\\1\2", plain)
    return _NUMBER_START.sub(r"\1\\.\2", plain)


def check_webhook_url(url: str) -> None:
    """Only Microsoft's Workflows hosts over HTTPS: the server posts wherever this points."""
    parts = urlsplit(url)
    allowed_schemes = {"https"} | ({"http"} if settings.TEAMS_WEBHOOK_ALLOW_HTTP else set())
    host = (parts.hostname or "").lower()
    if parts.scheme not in allowed_schemes:
        raise ValidationError("Enter the HTTPS address that Teams Workflows gave you.")
    if parts.username or parts.password:
        raise ValidationError("The address must not contain a user name or password.")
    if not any(host == h.lstrip(".") or host.endswith(h) for h in settings.TEAMS_WEBHOOK_HOSTS):
        raise ValidationError(
            'That is not a Teams Workflows address. In Teams, add the workflow "Post to a '
            'channel when a webhook request is received" and paste the address it shows '
            f"(it ends in {' or '.join(h.lstrip('.') for h in settings.TEAMS_WEBHOOK_HOSTS)})."
        )


def card(
    *,
    title: str,
    subtitle: str,
    facts: list[tuple[str, str]],
    body: str = "",
    link: tuple[str, str] | None = None,
) -> dict:
    """A Teams message holding one Adaptive Card (title, facts, text and a button)."""
    items: list[dict] = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": subtitle, "isSubtle": True, "spacing": "None", "wrap": True},
    ]
    if facts:
        items.append(
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts if v]}
        )
    if body:
        items.append({"type": "TextBlock", "text": body, "wrap": True})
    content = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": items,
    }
    if link:
        content["actions"] = [{"type": "Action.OpenUrl", "title": link[0], "url": link[1]}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": content,
            }
        ],
    }


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _person(user) -> str:
    return text(display_name(user))


def _when(instant) -> str:
    local = timezone.localtime(instant)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def report_issued_card(report) -> dict:
    content = report.content
    actions = content.get("actions", [])
    compliance = content.get("compliance", {}).get("overall", {})
    by_status = {s: sum(1 for a in actions if a.get("status") == s) for s in ("R", "A")}
    plan = text(content["plan"]["name"])
    issued = (
        f"automatically at {_when(report.issued_at)}"
        if report.auto_issued
        else f"{_when(report.issued_at)} by {_person(report.issued_by) or 'the PMO'}"
    )
    return card(
        title=f"Exception report issued: {text(content['period']['label'])}",
        subtitle=plan + (f" (correction, version {report.version})" if report.version > 1 else ""),
        facts=[
            ("Issued", issued),
            ("Updates received", f"{compliance.get('received', 0)} of {compliance.get('due', 0)}"),
            ("Red", str(by_status["R"])),
            ("Amber", str(by_status["A"])),
        ],
        link=("Open the report", _absolute(report.get_absolute_url())),
    )


def early_lock_card(event) -> dict:
    period = event.period
    return card(
        title=f"{text(event.plan.name)} locked early",
        subtitle=text(period.label) if period else "",
        facts=[
            ("Locked", f"{_when(event.at)} by {_person(event.actor) or 'the PMO'}"),
            ("Reason", text(event.detail, 300)),
        ],
        body="Updates for this period can no longer be written.",
        link=("Open the plan", _absolute(event.plan.get_absolute_url())),
    )


def closure_waiting_card(closure) -> dict:
    action = closure.action
    return card(
        title=f"Closure waiting for a decision: {text(action.ref)}",
        subtitle=text(action.plan.name),
        facts=[
            ("Action", text(action.theme or action.requirement, 120)),
            ("Requested", f"{_when(closure.requested_at)} by {_person(closure.requested_by)}"),
        ],
        body=text(closure.summary, 400),
        link=("Open the closure", _absolute(closure.get_absolute_url())),
    )


def test_card(plan, by) -> dict:
    return card(
        title="Improvement plan: test card",
        subtitle=text(plan.name),
        facts=[("Sent", f"{_when(timezone.now())} by {_person(by) or 'the PMO'}")],
        body="Issued exception reports, early locks and closures waiting will appear here.",
        link=("Open the plan", _absolute(plan.get_absolute_url())),
    )


def post_card(url: str, payload: dict) -> None:
    """Send one card. Teams Workflows answers 202 when it has taken it."""
    check_webhook_url(url)
    try:
        response = requests.post(url, json=payload, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        raise TeamsRefused(f"Teams could not be reached: {type(error).__name__}.") from error
    if not 200 <= response.status_code < 300:
        raise TeamsRefused(f"Teams answered {response.status_code}: {response.text[:300]}")
