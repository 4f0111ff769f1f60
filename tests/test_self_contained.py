"""The repository stands alone: no tracked file points at documents or paths outside it.

A team that clones or installs the baseline gets the control catalogue (the pack READMEs) and the security
recommendations it implements (docs/controls.md) with it; a reference to an authoring folder (a
specification or review kept next to the checkout, a machine's absolute path) would be a dead link for them.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Names and paths that only exist outside the repository, on the machine it was written on.
OUTSIDE = re.compile(
    r"SEED\.md|RULES\.md|DESIGN\.md"  # the authoring folder's specification files
    r"|\.\./shared\b|\bshared/reviews\b"  # the folder next to the checkout
    r"|(?<![\w.])/(?:work|home|Users|root)/"  # absolute paths of a machine ("/work/...", "/home/...")
)


def tracked_text_files() -> list[Path]:
    """Every file git tracks in this repository that decodes as UTF-8 text (binaries are skipped)."""
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    files = []
    for name in filter(None, out.split("\0")):
        path = REPO / name
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        files.append(path)
    return files


def outside_references(text: str) -> list[tuple[int, str]]:
    """(line number, match) of every reference to something outside the repository."""
    return [
        (n, m.group(0)) for n, line in enumerate(text.splitlines(), start=1) for m in OUTSIDE.finditer(line)
    ]


def test_no_tracked_file_points_outside_the_repository() -> None:
    """Docs, code, tests and configuration cite only what ships with them."""
    files = tracked_text_files()
    assert len(files) > 100 and REPO / "README.md" in files
    found = [
        f"{path.relative_to(REPO)}:{n}: {match}"
        for path in files
        if path != Path(__file__).resolve()
        for n, match in outside_references(path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("the controls are in RULES.md", ["RULES.md"]),
        ('(`SEED.md`, "Azure AI security best practices")', ["SEED.md"]),
        ("see ../shared/reviews/team-trial.md", ["../shared"]),
        ("the trial (shared/reviews/team-trial.md)", ["shared/reviews"]),
        ('rules = Path("/work/shared/RULES.md")', ["/work/", "RULES.md"]),
        ("cd /home/alice/aml && make", ["/home/"]),
        ("policypacks/aml-security/README.md#control-catalogue", []),
        ("/subscriptions/x/resourceGroups/rg-work/providers/Microsoft.Storage", []),
        ("docs/controls.md and /usr/bin/chromium", []),
    ],
)
def test_the_check_recognises_outside_references(text: str, found: list[str]) -> None:
    """The pattern catches each kind of outside reference and leaves repository paths and ARM IDs alone."""
    assert [m for _, m in outside_references(text)] == found
