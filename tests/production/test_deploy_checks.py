"""Production settings: `check --deploy` reports nothing; bad values stop the start loudly.

Settings are read from the environment when the module is imported, so each case runs in
a fresh interpreter, as production starts.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def production_env(tmp_path, **overrides) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OIDC_", "DJANGO_", "SECURE_", "SESSION_", "AXES_", "TWO_FACTOR_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="improvement.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="improvement.example-trust.nhs.uk",
        IMPROVEMENT_VAR_DIR=str(tmp_path),
        PYTHON=sys.executable,
    )
    env.update(overrides)
    return env


def load_settings(tmp_path, **overrides) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=production_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_values(tmp_path):
    """What compose's image and CI run: deploy/entrypoint.sh check (fail level WARNING)."""
    result = subprocess.run(
        ["deploy/entrypoint.sh", "check"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_with_oidc_configured_reports_nothing(tmp_path):
    result = subprocess.run(
        ["deploy/entrypoint.sh", "check"],
        cwd=ROOT,
        env=production_env(
            tmp_path,
            OIDC_RP_CLIENT_ID="improvement",
            OIDC_RP_CLIENT_SECRET=secrets.token_urlsafe(20),
            OIDC_OP_DISCOVERY_URL="https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration",
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SECRET_KEY": ""}, "Set SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY is too weak"),
        ({"ALLOWED_HOSTS": "*"}, "Set ALLOWED_HOSTS"),
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES must be"),
        ({"TWO_FACTOR_ENFORCED": "0"}, "TWO_FACTOR_ENFORCED=0 is for a local demo only"),
        ({"OIDC_RP_CLIENT_ID": "improvement"}, "set OIDC_RP_CLIENT_SECRET too"),
        (
            {"OIDC_RP_CLIENT_ID": "improvement", "OIDC_RP_CLIENT_SECRET": "s"},
            "set OIDC_OP_DISCOVERY_URL",
        ),
        (
            {
                "OIDC_RP_CLIENT_ID": "improvement",
                "OIDC_RP_CLIENT_SECRET": "s",
                "OIDC_OP_DISCOVERY_URL": "http://idp.example/.well-known/openid-configuration",
            },
            "must use https://",
        ),
        (
            {
                "OIDC_RP_CLIENT_ID": "improvement",
                "OIDC_RP_CLIENT_SECRET": "s",
                "OIDC_OP_DISCOVERY_URL": "https://idp.example/.well-known/openid-configuration",
                "OIDC_RP_SIGN_ALGO": "HS256",
            },
            "OIDC_RP_SIGN_ALGO=HS256 is not allowed",
        ),
    ],
)
def test_bad_production_values_stop_the_start_with_a_clear_message(tmp_path, overrides, message):
    result = load_settings(tmp_path, **overrides)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_good_production_values_load(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
