"""Shared helpers for the preflight tests: fixture projects, a test pack, running the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
TEST_PACK = FIXTURES / "packs" / "workspace-network"
BROKEN_PACK = FIXTURES / "packs" / "broken"


@dataclass
class CliRun:
    """Exit status and output of one `python -m preflight` run."""

    code: int
    stdout: str
    stderr: str


def run_cli(*args: str | Path, cwd: Path = REPO) -> CliRun:
    """Run `python -m preflight` in a fresh process, as a user or CI does."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run(
        [sys.executable, "-m", "preflight", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


REPO_VENV_FROM_FIXTURE = "../../../../venv"
"""How a fixture's Pulumi.yaml names the repository's virtualenv (the program's interpreter under the engine)."""


def use_repo_venv(project: Path) -> None:
    """Point a copied project's `runtime.options.virtualenv` at this repository's virtualenv by absolute path
    (the fixture's relative path does not reach it from a copy)."""
    settings = project / "Pulumi.yaml"
    settings.write_text(settings.read_text().replace(REPO_VENV_FROM_FIXTURE, str(REPO / "venv")))


def copy_fixture(
    name: str,
    dest: Path,
    stack_config: dict[str, object] | None = None,
    links: dict[str, Path] | None = None,
) -> Path:
    """A private copy of a fixture project, optionally with its dev stack config replaced and with `links`
    (`venv`, `node_modules`) pointing at environments built once for the session; without a `venv` link, its
    program runs with this repository's virtualenv."""
    target = dest / name
    shutil.copytree(FIXTURES / name, target)
    use_repo_venv(target)
    if stack_config is not None:
        (target / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": stack_config}))
    for link, shared in (links or {}).items():
        (target / link).symlink_to(shared)
    return target


def pack_processes(marker: str) -> list[int]:
    """PIDs of running `pulumi.policy` processes whose command line mentions `marker`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = (entry / "status").read_text()
        except OSError:
            continue
        if "pulumi.policy" in cmdline and marker in cmdline and "State:\tZ" not in status:
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def private_pack(tmp_path: Path) -> Path:
    """A copy of the test pack at a unique path, so leftover processes can be found by path."""
    target = tmp_path / "pack-under-test"
    shutil.copytree(TEST_PACK, target)
    return target
