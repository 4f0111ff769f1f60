"""Helpers for the evidence tests: the real project with one stack file swapped, preflight in a fresh process,
and policy pack processes found by a marker in their environment (the pack inherits preflight's)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
MARK_VAR = "PREFLIGHT_EVIDENCE_MARK"


@dataclass
class Result:
    """Exit status and output of one `python -m preflight` run, and the marker its processes carry."""

    code: int
    stdout: str
    stderr: str
    mark: str


def dev_config() -> dict[str, Any]:
    """The real dev stack's `config:` mapping."""
    data = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())
    config: dict[str, Any] = data["config"]
    return config


def project_with_stack(tmp: Path, stack: str, config: dict[str, Any]) -> Path:
    """A project directory that is the real one (Pulumi.yaml, program, components linked, not copied) with
    a stacks/ directory holding only `Pulumi.<stack>.yaml` = `config`. Its `venv` links to the repository's, the
    interpreter Pulumi.yaml names for the program."""
    project = tmp / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "components", "venv"):
        (project / name).symlink_to(REPO / name)
    (project / "stacks").mkdir()
    (project / "stacks" / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return project


def preflight_command(*args: str | Path) -> list[str]:
    """The command line of `python -m preflight` with this interpreter."""
    return [sys.executable, "-m", "preflight", *map(str, args)]


def preflight_env(mark: str) -> dict[str, str]:
    """Environment for a preflight process: this repository importable, and a marker its packs inherit."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    env[MARK_VAR] = mark
    return env


def new_mark() -> str:
    """A marker unique to one preflight run."""
    return uuid.uuid4().hex


def run_preflight(*args: str | Path, timeout: float = 300) -> Result:
    """Run preflight to completion in a fresh process, as CI does."""
    mark = new_mark()
    proc = subprocess.run(
        preflight_command(*args),
        cwd=REPO,
        env=preflight_env(mark),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr, mark)


def pack_pids(mark: str) -> list[int]:
    """Live (not zombie) `pulumi.policy` processes whose environment carries `mark`."""
    needle = f"{MARK_VAR}={mark}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            if b"pulumi.policy" not in cmdline:
                continue
            environ = (entry / "environ").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if needle in environ.split(b"\0") and "State:\tZ" not in status:
            pids.append(int(entry.name))
    return pids
