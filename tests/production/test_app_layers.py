"""The apps depend one way (pyproject.toml's import contract, run by `make test` too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.conf import settings

LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def _lint_imports(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_apps_import_only_the_apps_below_them():
    result = _lint_imports()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_sees_the_imports_it_checks(tmp_path):
    """Turned upside down, the same layers break: the check is not vacuous."""
    config = tmp_path / "upside_down.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_packages = ["actions", "demo", "evidence", "improvement", "reporting"]\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "upside down"\n'
        'type = "layers"\n'
        'layers = ["improvement", "actions", "evidence", "reporting", "demo"]\n'
    )

    result = _lint_imports(str(config))

    assert result.returncode == 1
    assert "reporting is not allowed to import actions" in result.stdout
