"""``make audit``: pip-audit over both lock files, with a verdict a person can act on.

Fails when PyPI reports a known vulnerability in a locked version, and when PyPI cannot
be reached (saying so, rather than with a traceback). A locked version PyPI's JSON API
does not describe (``/pypi/<name>/<version>/json`` answers 404, as a private mirror's
builds do) cannot be audited: each is listed, and with ``--strict`` (or
AUDIT_STRICT=1) the run fails on them too.
"""

from __future__ import annotations

import argparse
import json
import os

# pip-audit is run as a fixed command, never through a shell.
import subprocess  # nosec B404
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ["requirements.lock", "requirements-dev.lock", "requirements-model.lock"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--strict",
        action="store_true",
        default=os.environ.get("AUDIT_STRICT", "") not in ("", "0"),
        help="also fail when a locked version could not be audited",
    )
    args = parser.parse_args()
    pip_audit = Path(sys.executable).with_name("pip-audit")
    seen: dict[tuple[str, str | None], dict] = {}
    # One run per lock (the model's is installed with --no-deps). requirements-dev.lock repeats
    # the runtime pins of requirements.lock: each locked version is counted once.
    for lock in LOCKS:
        command = [str(pip_audit), "--no-deps", "--disable-pip", "--progress-spinner", "off"]
        command += ["-r", str(ROOT / lock), "--format", "json"]
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)  # nosec B603
        try:
            report = json.loads(result.stdout)
        except json.JSONDecodeError:
            last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
            print(
                f"pip-audit could not run to the end on {lock}. Most often PyPI's JSON API "
                "(https://pypi.org/pypi/) cannot be reached from this machine.\n"
                f"  {last}",
                file=sys.stderr,
            )
            return 1
        for dep in report.get("dependencies", []):
            seen.setdefault((dep.get("name", "").lower(), dep.get("version")), dep)
    deps = list(seen.values())

    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if skipped:
        names = ", ".join(f"{d['name']} {d.get('version', '')}".strip() for d in skipped)
        print(
            f"pip-audit: {len(skipped)} of {len(deps)} locked versions could not be audited "
            f"(PyPI does not describe them): {names}",
            file=sys.stderr,
        )
    print(
        f"pip-audit: {audited} of {len(deps)} locked versions audited; "
        f"{len(vulnerable)} with a known vulnerability."
    )
    if vulnerable:
        return 1
    if skipped and args.strict:
        print("pip-audit: failing because of unaudited versions (--strict).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
