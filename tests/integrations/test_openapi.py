"""The API's contract: the OpenAPI schema is compared with the committed snapshot, so any
change to what Power BI reads is seen in review. Every path is GET-only and secured.

When a change to the schema is intended, refresh the snapshot and commit it:

    UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/pytest tests/integrations/test_openapi.py
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SNAPSHOT = Path(__file__).with_name("openapi.json")


def _as_text(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.fixture
def schema(pmo) -> dict:
    client = Client()
    client.force_login(pmo)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_matches_the_committed_snapshot(schema):
    current = _as_text(schema)
    if os.environ.get("UPDATE_OPENAPI_SNAPSHOT") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
        pytest.skip(f"snapshot written to {SNAPSHOT}; review and commit it")
    committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    if current != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile="tests/integrations/openapi.json (committed)",
                tofile="/api/v1/openapi.json (now)",
            )
        )
        pytest.fail(
            "The API's schema changed. If that is intended, refresh the snapshot with "
            "UPDATE_OPENAPI_SNAPSHOT=1 and commit it; Power BI reports may need changing too.\n"
            + diff,
            pytrace=False,
        )


def test_every_path_is_read_only(schema):
    assert schema["paths"], "the API has paths"
    for path, operations in schema["paths"].items():
        assert list(operations) == ["get"], path


def test_every_operation_declares_the_token_and_the_session(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiTokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["ApiTokenAuth"]["description"],
    }
    assert schemes["SignedInAuth"]["type"] == "apiKey"
    assert schemes["SignedInAuth"]["in"] == "cookie"
    for path, operations in schema["paths"].items():
        security = operations["get"]["security"]
        assert security == [{"ApiTokenAuth": []}, {"SignedInAuth": []}], path
        assert "401" in operations["get"]["responses"], path


def test_every_list_is_paginated(schema):
    for path, operations in schema["paths"].items():
        if not path.endswith("}"):
            names = {p["name"] for p in operations["get"]["parameters"]}
            assert {"page", "page_size"} <= names, path


def test_the_endpoints_are_the_documented_ones(schema):
    assert sorted(schema["paths"]) == [
        "/api/v1/plans",
        "/api/v1/plans/{plan_id}",
        "/api/v1/plans/{plan_id}/actions",
        "/api/v1/plans/{plan_id}/kpis",
        "/api/v1/plans/{plan_id}/kpis/{kpi_id}/values",
        "/api/v1/plans/{plan_id}/periods",
        "/api/v1/plans/{plan_id}/sign-offs",
        "/api/v1/plans/{plan_id}/updates",
    ]


def test_the_docs_are_for_people_signed_in_and_load_nothing_from_outside(client, pmo):
    for url in ["/api/v1/docs", "/api/v1/openapi.json"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(pmo)
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "/static/ninja/swagger-ui-init.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert '"validatorUrl": null' in page, "Swagger UI would fetch a badge from outside"


def test_kpis_document_their_xmr_reading_and_its_values(schema):
    kpi = schema["components"]["schemas"]["KpiOut"]["properties"]
    for field in ["latest_value", "variation", "variation_icon", "assurance", "owner", "target"]:
        assert field in kpi, field
    values = schema["components"]["schemas"]["KpiValueOut"]["properties"]
    assert set(values) == {"kpi_id", "date", "value"}
    for path in ["/api/v1/plans/{plan_id}/kpis", "/api/v1/plans/{plan_id}/kpis/{kpi_id}/values"]:
        assert {"403", "404"} <= set(schema["paths"][path]["get"]["responses"]), path
