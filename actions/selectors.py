"""Reads of the weekly cycle that several pages share."""

from __future__ import annotations

import hashlib

from django.db import connection

from .models import Plan, ReportingPeriod
from .table1 import status_by_kind  # noqa: F401 - Table 1 of the plan page

# One statement, read on every request of the plan page: everything a change to its table
# moves. A saved change to an action moves its ``version`` or ``updated_at``; an action
# added, moved or deleted moves the count; an update saved or replaced this period moves the
# period's count or revision sum; a lock moves ``locked_at``. Aggregates only, no joins:
# about 1 ms on a 2,000-action plan.
_PLAN_PAGE_FINGERPRINT_SQL = """
SELECT a.n, a.version_sum, a.changed_at, u.n, u.revision_sum,
  (SELECT MAX(p.locked_at) FROM actions_reportingperiod p WHERE p.plan_id = %s)
FROM (SELECT COUNT(*) AS n, SUM(version) AS version_sum, MAX(updated_at) AS changed_at
        FROM actions_action WHERE plan_id = %s) a,
     (SELECT COUNT(*) AS n, SUM(revision) AS revision_sum
        FROM actions_weeklyupdate WHERE period_id = %s) u
"""


def plan_page_fingerprint(*, plan: Plan, period: ReportingPeriod) -> str:
    """What the plan page caches its table under: it changes whenever the table would."""
    with connection.cursor() as cursor:
        cursor.execute(_PLAN_PAGE_FINGERPRINT_SQL, [plan.pk, plan.pk, period.pk])
        row = cursor.fetchone()
    raw = "|".join(str(value) for value in (plan.pk, period.pk, *row))
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()
