"""No policy pack process outlives preflight, whichever way it fails: a configuration error before the pack
starts, a program error while it boots, a pack that cannot start beside one that did, a rejected pack
configuration, and SIGTERM or SIGINT in the middle of a run. Processes are found by a marker in their
environment, then checked by PID."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import (
    REPO,
    dev_config,
    new_mark,
    pack_pids,
    preflight_command,
    preflight_env,
    project_with_stack,
    run_preflight,
)

PACK = REPO / "policypacks" / "aml-security"
BROKEN_PACK = REPO / "tests" / "preflight" / "fixtures" / "packs" / "broken"


def _gone(pids: list[int]) -> list[int]:
    """Those of `pids` that still run (not zombies)."""
    alive = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if "State:\tZ" not in status:
            alive.append(pid)
    return alive


def test_stack_config_error_before_the_pack_starts(tmp_path: Path) -> None:
    project = project_with_stack(tmp_path, "broken", {**dev_config(), "aml-secure-baseline:locks": "often"})
    result = run_preflight("--stack", "broken", "--cwd", project)
    assert result.code == 2
    assert (
        "error: configuration: stack 'broken': configuration key 'aml-secure-baseline:locks'" in result.stderr
    )
    assert pack_pids(result.mark) == []


def test_program_error_while_the_pack_boots(tmp_path: Path) -> None:
    project = project_with_stack(tmp_path, "broken", {**dev_config(), "aml-secure-baseline:prefix": "9x"})
    result = run_preflight("--stack", "broken", "--cwd", project)
    assert result.code == 2
    # A settings error is a configuration error: the message and the program line, no traceback.
    assert result.stderr.startswith("error: configuration: aml-secure-baseline:prefix: '9x' is invalid")
    assert pack_pids(result.mark) == []


def test_a_pack_that_cannot_start_stops_the_one_that_did() -> None:
    result = run_preflight("--stack", "dev", "--policy-pack", PACK, "--policy-pack", BROKEN_PACK)
    assert result.code == 2
    assert f"error: policy pack: policy pack {BROKEN_PACK} exited with code 1" in result.stderr
    assert pack_pids(result.mark) == []


def test_rejected_pack_configuration(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"no-such-policy": "mandatory"}))
    result = run_preflight("--stack", "dev", "--policy-pack", PACK, "--policy-pack-config", config)
    assert result.code == 2
    assert (
        "error: policy pack configuration: policy pack 'aml-security' has no policy named 'no-such-policy'"
        in (result.stderr)
    )
    assert pack_pids(result.mark) == []


def test_unreadable_pack_configuration(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text("{not json")
    result = run_preflight("--stack", "dev", "--policy-pack", PACK, "--policy-pack-config", config)
    assert result.code == 2
    assert f"error: policy pack configuration: policy pack config {config} is not valid JSON" in result.stderr
    assert pack_pids(result.mark) == []


@pytest.mark.parametrize(
    ("signum", "code", "delay"),
    [
        (signal.SIGTERM, 128 + signal.SIGTERM, 0.0),
        (signal.SIGINT, 130, 0.0),
        (signal.SIGTERM, 128 + signal.SIGTERM, 1.5),
        (signal.SIGINT, 130, 1.5),
    ],
    ids=["sigterm-at-pack-start", "sigint-at-pack-start", "sigterm-later", "sigint-later"],
)
def test_signal_mid_run_stops_the_pack(signum: int, code: int, delay: float) -> None:
    mark = new_mark()
    proc = subprocess.Popen(
        preflight_command("--stack", "dev"),
        cwd=REPO,
        env=preflight_env(mark),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        pids: list[int] = []
        while not pids and proc.poll() is None and time.monotonic() < deadline:
            pids = pack_pids(mark)
            time.sleep(0.02)
        assert pids, "the pack never started"
        time.sleep(delay)
        assert proc.poll() is None, "preflight finished before the signal; the test needs a longer run"
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, stderr
    assert _gone(pids) == []
    assert pack_pids(mark) == []
