"""checkov scan of the Terraform: zero failed checks, and every waiver written in place with a
reason and actually needed.

checkov runs from its own virtualenv (``.venv-checkov``, pinned by ``infra/requirements-checkov.txt``)
because its pins clash with the app's; the test creates it on first use. The scan is offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.hcl_model import INFRA, REPO

VENV = REPO / ".venv-checkov"
REQUIREMENTS = INFRA / "requirements-checkov.txt"
WAIVER = re.compile(r"#checkov:skip=(CKV2?_AZURE_\d+):(.*)")


def checkov_executable() -> Path:
    """``.venv-checkov/bin/checkov``, installed when the pinned requirements changed. The stamp
    name matches the Makefile's (sha1 of the requirements file), so either may install it."""
    digest = hashlib.sha1(REQUIREMENTS.read_bytes()).hexdigest()[:12]  # noqa: S324 - a cache key
    stamp = VENV / f".installed-{digest}"
    if not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=120)
        subprocess.run(
            [
                str(VENV / "bin" / "pip"),
                "install",
                "-q",
                "--disable-pip-version-check",
                "-r",
                str(REQUIREMENTS),
            ],
            check=True,
            timeout=900,
        )
        for old in VENV.glob(".installed-*"):
            old.unlink()
        stamp.touch()
    return VENV / "bin" / "checkov"


@pytest.fixture(scope="module")
def scan() -> list[dict]:
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    done = subprocess.run(
        [
            str(checkov_executable()),
            "-d",
            str(INFRA),
            "--framework",
            "terraform",
            "--compact",
            "-o",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=REPO,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    reports = json.loads(done.stdout)
    return reports if isinstance(reports, list) else [reports]


def written_waivers() -> dict[tuple[str, str], str]:
    """(check id, file name) -> reason, for every ``#checkov:skip`` comment in the module."""
    waivers = {}
    for path in INFRA.rglob("*.tf"):
        for line in path.read_text().splitlines():
            if match := WAIVER.search(line):
                waivers[(match.group(1), path.name)] = match.group(2).strip()
    return waivers


def test_checkov_finds_no_failed_check(scan) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']})"
        for report in scan
        for c in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert sum(report["summary"]["passed"] for report in scan) >= 30, (
        "the scan saw too little to be meaningful"
    )
    assert all(report["summary"]["parsing_errors"] == 0 for report in scan)


def test_every_waiver_has_a_reason() -> None:
    waivers = written_waivers()
    assert waivers
    for (check, file), reason in waivers.items():
        assert len(reason) >= 30, f"{check} in {file}: a waiver needs a real reason"


def test_every_waiver_is_needed(scan) -> None:
    """A waiver for a check that would not fire is noise that hides the real ones."""
    skipped = {
        (c["check_id"], Path(c["file_path"]).name)
        for report in scan
        for c in report["results"]["skipped_checks"]
    }
    assert set(written_waivers()) == skipped
