"""`make fidelity` without the programs' source says what to set (the programs are not in this repository)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .check_programs import SOURCE_VARIABLE, _at, _source
from .programs import COMMIT, PROGRAMS


def test_missing_source_names_the_variable_and_the_clone_to_make(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SOURCE_VARIABLE, raising=False)
    with pytest.raises(pytest.fail.Exception) as failed:
        _source()
    assert str(failed.value) == (
        f"FIDELITY_SOURCE: not set; allowed: a clone of https://github.com/pulumi/examples that has commit "
        f"{COMMIT} (`git clone https://github.com/pulumi/examples examples && make fidelity "
        "FIDELITY_SOURCE=examples`)"
    )


def test_source_without_the_pinned_commit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.setenv(SOURCE_VARIABLE, str(tmp_path))
    with pytest.raises(pytest.fail.Exception) as failed:
        _source()
    assert str(failed.value).startswith(f"FIDELITY_SOURCE: {tmp_path} has no commit {COMMIT}; allowed: ")


def test_expected_inputs_are_read_by_dotted_path() -> None:
    inputs = {"agentPoolProfiles": [{"vmSize": "Standard_DS2_v2"}], "enableRBAC": True}
    assert _at(inputs, "agentPoolProfiles.0.vmSize") == "Standard_DS2_v2"
    with pytest.raises(KeyError):
        _at(inputs, "linuxProfile.adminUsername")


def test_every_program_expects_resources_or_names_its_failure() -> None:
    assert all(bool(p.resources) != (p.fails_with is not None) for p in PROGRAMS)
