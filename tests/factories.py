"""Factories for tests: small, explicit data instead of fixtures."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from actions.models import Action, ExecRole, FindingKind, Inspection, Plan, Role, Status


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@trust.example.nhs.uk")
    password = factory.django.Password("change-me-demo")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=Role(role).value)[0])


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    provider = "Example NHS Foundation Trust"
    published_on = dt.date(2019, 4, 16)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Improvement plan {n}")
    trust = "Example NHS Foundation Trust"
    cycle_starts_on = dt.date(2026, 1, 1)


class ExecRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExecRole
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"EX{n}")
    title = factory.LazyAttribute(lambda r: f"Director {r.code}")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    plan = factory.SubFactory(PlanFactory)
    ref = factory.Sequence(lambda n: f"A{n}")
    theme = "Governance"
    department = "Trust wide"
    kind = FindingKind.MUST
    requirement = "The Trust must ensure that risks are recorded and mitigated."
    action_lead = factory.SubFactory(UserFactory, roles=[Role.ACTION_LEAD])
    start_date = dt.date(2026, 1, 1)
    end_date = dt.date(2026, 12, 31)
    status = Status.GREEN


# A recovery plan for saves that turn an action Red in tests not about recovery plans.
RECOVERY = {
    "what": "Escalated to the exec lead; extra staff found",
    "by_when": dt.date(2099, 12, 31),
    "who": "DoN with ward managers",
}
