"""The same stack gives the same JSON plan, byte for byte, run after run (dev and prod, each twice, as
separate processes started together), and the emulated Azure answers all of it: nothing of our stacks is
served generically or answered empty (the plan the in-process mode gave, before the engine replaced it)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO, new_mark, preflight_command, preflight_env


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_two_runs_give_byte_identical_json_plans(tmp_path: Path, stack: str) -> None:
    outs = [tmp_path / f"plan-{i}.json" for i in range(2)]
    procs = [
        subprocess.Popen(
            preflight_command("--stack", stack, "--format", "json", "-o", out),
            cwd=REPO,
            env=preflight_env(new_mark()),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outs
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode in (0, 1), stderr
    first, second = (out.read_bytes() for out in outs)
    assert len(first) > 10_000
    assert first == second
    plan = json.loads(first)
    assert "servedGenerically" not in plan and "emptyAnswers" not in plan
