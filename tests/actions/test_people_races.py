"""The last PMO, on the real PostgreSQL: two PMOs giving up the role at once leave one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from improvement import people
from improvement.roles import Role
from tests.factories import UserFactory
from tests.races import Holder, Worker, blocked_behind

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_pmos_giving_up_the_role_at_once_leave_one_pmo(race):
    first = UserFactory(username="pmo-a", roles=["PMO"])
    second = UserFactory(username="pmo-b", roles=["PMO"])

    holder = race(Holder(lambda: people.person_roles_set(person=first, by=first, roles=[])))
    waiter = race(Worker(lambda: people.person_roles_set(person=second, by=second, roles=[])))
    blocked_behind(waiter, holder)
    holder.commit()
    waiter.join()

    assert isinstance(waiter.error, ValidationError)
    assert people.LAST_PMO in waiter.error.messages
    assert list(
        UserFactory._meta.model.objects.filter(groups__name=Role.PMO).values_list(
            "username", flat=True
        )
    ) == ["pmo-b"]


def test_deactivating_a_pmo_while_they_take_the_role_from_the_other_leaves_one(race):
    first = UserFactory(username="pmo-a", roles=["PMO"])
    second = UserFactory(username="pmo-b", roles=["PMO"])

    holder = race(Holder(lambda: people.person_roles_set(person=second, by=first, roles=[])))
    waiter = race(Worker(lambda: people.person_deactivate(person=first, by=second)))
    blocked_behind(waiter, holder)
    holder.commit()
    waiter.join()

    assert isinstance(waiter.error, ValidationError)
    first.refresh_from_db()
    assert first.is_active
