"""Every write to KPIs and their values: one function per change, each in one transaction."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.models import Plan
from actions.services import plan_ensure_writable

from .models import Kpi, KpiValue, KpiValueReplaced
from .series import parse_value

KPI_FIELDS = (
    "ref",
    "name",
    "unit",
    "direction",
    "target",
    "owner",
    "key_question",
    "description",
)


def kpi_create(*, plan: Plan, **fields: Any) -> Kpi:
    """A new KPI in an open plan."""
    unknown = set(fields) - set(KPI_FIELDS)
    if unknown:
        raise TypeError(f"kpi_create: unknown fields {', '.join(sorted(unknown))}")
    plan_ensure_writable(plan)
    kpi = Kpi(plan=plan, **fields)
    kpi.full_clean()
    with transaction.atomic():
        kpi.save()
    return kpi


def kpi_update(*, kpi: Kpi, **fields: Any) -> Kpi:
    """Change a KPI's name, owner, target… (its values stay)."""
    unknown = set(fields) - set(KPI_FIELDS)
    if unknown:
        raise TypeError(f"kpi_update: unknown fields {', '.join(sorted(unknown))}")
    plan_ensure_writable(kpi.plan)
    for name, value in fields.items():
        setattr(kpi, name, value)
    kpi.full_clean()
    with transaction.atomic():
        kpi.save()
    return kpi


def value_as_number(value: Any) -> float:
    """A KPI value as a number, or a ValidationError saying what to type instead."""
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str):
        number = parse_value(value)
    else:
        number = None
    if number is None or not math.isfinite(number):
        raise ValidationError(
            {"value": f"“{str(value)[:40]}” is not a number. Type a number such as 92.5."}
        )
    return number


def today_in_plan(plan: Plan, now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), plan.tz).date()


def check_date(*, plan: Plan, date: Any, now: dt.datetime | None = None) -> dt.date:
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise ValidationError({"date": "Give the date the value is for, e.g. 30/04/2026."})
    today = today_in_plan(plan, now)
    if date > today:
        raise ValidationError(
            {
                "date": f"{date:%d/%m/%Y} is in the future. Values are entered once they are "
                f"measured: give a date on or before today ({today:%d/%m/%Y})."
            }
        )
    return date


@dataclass(frozen=True)
class Recorded:
    value: KpiValue
    replaced: KpiValueReplaced | None  # the earlier value for the same date, if any
    unchanged: bool = False  # the same value was there already: nothing saved


def kpi_value_record(
    *,
    kpi: Kpi,
    date: dt.date,
    value: Any,
    by,
    now: dt.datetime | None = None,
    source: str = "",
) -> Recorded:
    """Record a KPI's value for a date; a value already there for the date is replaced,
    and the replaced value is kept in ``KpiValueReplaced``."""
    now = now or timezone.now()
    plan_ensure_writable(kpi.plan)
    number = value_as_number(value)
    date = check_date(plan=kpi.plan, date=date, now=now)
    user = by if by is not None and by.is_authenticated else None
    with transaction.atomic():
        # The KPI's row, locked: two people saving the same date one after the other, the
        # second replaces the first (and records it) rather than failing on the unique date.
        Kpi.objects.select_for_update().filter(pk=kpi.pk).first()
        existing = KpiValue.objects.filter(kpi=kpi, date=date).first()
        if existing is None:
            created = KpiValue.objects.create(
                kpi=kpi, date=date, value=number, entered_by=user, entered_at=now
            )
            return Recorded(created, None)
        if existing.value == number:
            return Recorded(existing, None, unchanged=True)
        replaced = KpiValueReplaced.objects.create(
            kpi=kpi,
            date=date,
            old_value=existing.value,
            old_entered_by_id=existing.entered_by_id,
            old_entered_at=existing.entered_at,
            new_value=number,
            replaced_by=user,
            replaced_at=now,
            source=source[:200],
        )
        existing.value, existing.entered_by, existing.entered_at = number, user, now
        existing.save(update_fields=["value", "entered_by", "entered_at"])
        return Recorded(existing, replaced)
