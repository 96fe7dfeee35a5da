import os

import pytest
from django.db import connection

from tests.factories import ActionFactory, PlanFactory, UserFactory
from tests.races import race  # noqa: F401 - the fixture for the PostgreSQL race tests


def pytest_collection_modifyitems(config, items):
    """Postgres-only tests run in CI (REQUIRE_POSTGRES=1); there a missing PostgreSQL fails."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))
    if on_postgres or os.environ.get("REQUIRE_POSTGRES"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI always does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (the test settings keep it in this process)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def require_postgres(db):
    assert connection.vendor == "postgresql", "this test needs the real PostgreSQL"


@pytest.fixture
def plan(db):
    return PlanFactory()


@pytest.fixture
def pmo(db):
    return UserFactory(username="pmo", roles=["PMO"])


@pytest.fixture
def lead(db):
    return UserFactory(username="lead", roles=["Action lead"])


@pytest.fixture
def other_lead(db):
    return UserFactory(username="lead2", roles=["Action lead"])


@pytest.fixture
def board(db):
    return UserFactory(username="board", roles=["Board member"])


@pytest.fixture
def action(plan, lead):
    return ActionFactory(plan=plan, ref="T3", action_lead=lead)
