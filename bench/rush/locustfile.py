"""The Wednesday rush, as locust users: action leads saving their weekly updates.

Each lead signs in once (the sign-in page, then the form), opens My actions once, then
saves an update on one of its actions after another, as htmx does (HX-Request, the
card's form fields, the CSRF header), at RUSH_SAVE_RATE saves a second at most. Every
answer is read: "Update saved" is an accepted save, remembered with its text and the
revision the card now shows; "This period locked at" is a refusal by the lock (expected
once the lock is taken mid-run), after which the lead saves into the period the card now
offers; anything else, and any 5xx, is an error. A few readers fetch the bare view.

bench/rush/run.py starts this with the run's settings in the environment and reads the
JSON written at the end (RUSH_RESULTS) to check every accepted save against the database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import time
from collections import defaultdict

from locust import FastHttpUser, constant_throughput, events, task

PASSWORD = os.environ.get("RUSH_PASSWORD", "")
LEADS = iter(os.environ.get("RUSH_LEADS", "").split(","))
SAVE_RATE = float(os.environ.get("RUSH_SAVE_RATE", "1.6"))
BARE_READERS = int(os.environ.get("RUSH_BARE_READERS", "2"))
RESULTS = os.environ.get("RUSH_RESULTS", "rush-results.json")

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN = re.compile(r'name="a(\d+)-(period|base_revision)" value="(\d+)"')
STATUSES = ["R", "A", "G", "W"]

latencies: dict[str, list[float]] = defaultdict(list)
accepted: list[dict] = []  # one per "Update saved"
refused: list[dict] = []  # one per "This period locked at"
errors: list[dict] = []
signed_in: list[float] = []  # when each lead had signed in and opened My actions
started_at = time.time()


@events.request.add_listener
def _timing(request_type, name, response_time, response_length, exception, **kwargs):
    latencies[name].append(response_time)


@events.test_stop.add_listener
def _write_results(environment, **kwargs):
    with open(RESULTS, "w") as out:
        json.dump(
            {
                "started_at": started_at,
                "stopped_at": time.time(),
                "latencies_ms": latencies,
                "accepted": accepted,
                "refused": refused,
                "errors": errors,
                "all_signed_in_at": max(signed_in) if signed_in else None,
                "signed_in": len(signed_in),
            },
            out,
        )


def _cards(html: str) -> dict[int, dict[str, int]]:
    """Each card's form: {action pk: {"period": …, "base_revision": …}}."""
    cards: dict[int, dict[str, int]] = defaultdict(dict)
    for pk, field, value in HIDDEN.findall(html):
        cards[int(pk)][field] = int(value)
    return dict(cards)


class Lead(FastHttpUser):
    """One action lead: signs in once, then saves update after update."""

    wait_time = constant_throughput(SAVE_RATE)

    def on_start(self) -> None:
        self.username = next(LEADS)
        self.saves = 0
        page = self.client.get("/accounts/login/", name="sign-in page")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            allow_redirects=False,
            name="sign in",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                errors.append(
                    {"what": "sign in", "user": self.username, "status": response.status_code}
                )
                response.failure(f"sign-in answered {response.status_code}")
                raise RuntimeError(f"{self.username} could not sign in")
        mine = self.client.get("/my-actions/", name="my actions")
        self.token = CSRF.search(mine.text).group(1)
        self.cards = _cards(mine.text)
        if not self.cards:
            raise RuntimeError(f"{self.username} has no actions to update")
        self.order = itertools.cycle(sorted(self.cards))
        signed_in.append(time.time())

    @task
    def save_update(self) -> None:
        pk = next(self.order)
        card = self.cards[pk]
        self.saves += 1
        narrative = f"{self.username} update {self.saves}: audit booked, on plan."
        data = {
            f"a{pk}-status": random.choice(STATUSES),  # noqa: S311 (not for security)
            f"a{pk}-narrative": narrative,
            f"a{pk}-period": card["period"],
            f"a{pk}-base_revision": card["base_revision"],
            "csrfmiddlewaretoken": self.token,
        }
        if data[f"a{pk}-status"] == "R":  # a lead turning an action Red gives a recovery plan
            data[f"a{pk}-recovery_what"] = "Extra audit sessions booked"
            data[f"a{pk}-recovery_by_when"] = (dt.date.today() + dt.timedelta(days=28)).isoformat()
            data[f"a{pk}-recovery_who"] = "Ward manager"
        sent = time.time()
        with self.client.post(
            f"/actions/{pk}/update/",
            data=data,
            headers={
                "HX-Request": "true",
                "HX-Target": f"card-{pk}",
                "X-CSRFToken": self.token,
                "Referer": f"{self.host}/my-actions/",
            },
            name="save",
            catch_response=True,
        ) as response:
            body = response.text or ""
            record = {
                "user": self.username,
                "action": pk,
                "period": card["period"],
                "sent": sent,
                "answered": time.time(),
                "status": response.status_code,
            }
            if response.status_code >= 500 or response.status_code == 0:
                errors.append({**record, "what": "server error", "body": body[:300]})
                response.failure(f"{response.status_code}")
                return
            now_shown = _cards(body).get(pk)
            if response.status_code == 200 and "Update saved" in body and now_shown:
                accepted.append(
                    {**record, "narrative": narrative, "revision": now_shown["base_revision"]}
                )
                self.cards[pk] = now_shown
                response.success()
            elif response.status_code == 200 and "This period locked at" in body and now_shown:
                refused.append({**record, "next_period": now_shown["period"]})
                self.cards[pk] = now_shown  # the card now offers the open period
                response.success()
            else:
                what = "conflict" if "Your update was not saved" in body else "unexpected answer"
                errors.append({**record, "what": what, "body": body[:300]})
                response.failure(what)


class BareReader(FastHttpUser):
    """The yardstick: the base template with no query, under the same load."""

    fixed_count = BARE_READERS
    wait_time = constant_throughput(5)

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare/", name="bare")
