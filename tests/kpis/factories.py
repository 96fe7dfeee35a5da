"""Factories for KPIs and their values."""

import datetime as dt

import factory
from django.utils import timezone

from actions.models import KeyQuestion
from kpis.models import Direction, Kpi, KpiValue
from tests.factories import PlanFactory


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kpi

    plan = factory.SubFactory(PlanFactory)
    name = factory.Sequence(lambda n: f"Patients seen within 15 minutes {n}")
    unit = "%"
    direction = Direction.INCREASE
    key_question = KeyQuestion.SAFE


class KpiValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KpiValue

    kpi = factory.SubFactory(KpiFactory)
    date = factory.Sequence(lambda n: dt.date(2024, 1, 1) + dt.timedelta(days=30 * n))
    value = 50.0
    entered_at = factory.LazyFunction(timezone.now)
