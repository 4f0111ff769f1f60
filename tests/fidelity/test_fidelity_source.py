"""`make fidelity` without the programs' sources says what to set (the programs are not in this repository)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from .check_programs import SOURCE_VARIABLE, SOURCES_VARIABLE, _at, _root, _source
from .programs import EXAMPLES, FRIDGE, PROGRAMS

COMMIT = EXAMPLES.commit


def test_missing_source_names_the_variable_and_the_clone_to_make(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SOURCE_VARIABLE, raising=False)
    monkeypatch.delenv(SOURCES_VARIABLE, raising=False)
    with pytest.raises(pytest.fail.Exception) as failed:
        _source()
    assert str(failed.value) == (
        f"FIDELITY_SOURCE: not set; allowed: a clone of https://github.com/pulumi/examples that has commit "
        f"{COMMIT} (`git clone https://github.com/pulumi/examples examples && make fidelity "
        "FIDELITY_SOURCE=examples`)"
    )


def test_source_without_the_pinned_commit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.delenv(SOURCES_VARIABLE, raising=False)
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


def _clone_with_commit(path: Path) -> str:
    """A git repository with one commit; its full hash."""
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(
        ["git", "-C", str(path), *identity, "commit", "-q", "--allow-empty", "-m", "x"], check=True
    )
    done = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_other_repositories_are_found_in_the_sources_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = _clone_with_commit(tmp_path / "fridge")
    pinned = replace(FRIDGE, commit=commit)
    monkeypatch.setenv(
        SOURCES_VARIABLE, f"other/repo={tmp_path / 'none'}  {pinned.repository}={tmp_path / 'fridge'}"
    )
    assert _source(pinned) == tmp_path / "fridge"


def test_sources_variable_may_name_pulumi_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit = _clone_with_commit(tmp_path / "examples")
    monkeypatch.delenv(SOURCE_VARIABLE, raising=False)
    monkeypatch.setenv(SOURCES_VARIABLE, f"pulumi/examples={tmp_path / 'examples'}")
    assert _source(replace(EXAMPLES, commit=commit)) == tmp_path / "examples"


def test_repository_missing_from_the_sources_variable_names_the_clone_to_make(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SOURCES_VARIABLE, "pulumi/examples=/nowhere")
    with pytest.raises(pytest.fail.Exception) as failed:
        _source(FRIDGE)
    assert str(failed.value) == (
        "FIDELITY_SOURCES: no clone of alan-turing-institute/fridge; allowed: space-separated OWNER/NAME=CLONE "
        "pairs, each clone a work tree or bare git directory, one a clone of "
        f"https://github.com/alan-turing-institute/fridge that has commit {FRIDGE.commit} "
        "(`git clone https://github.com/alan-turing-institute/fridge fridge && make fidelity "
        "FIDELITY_SOURCES=alan-turing-institute/fridge=fridge`)"
    )


@pytest.mark.parametrize("entry", ["fridge=/clone", "alan-turing-institute/fridge", "a/b/c=/clone"])
def test_malformed_sources_entry_is_refused(entry: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SOURCES_VARIABLE, entry)
    with pytest.raises(pytest.fail.Exception) as failed:
        _source(FRIDGE)
    assert str(failed.value) == (
        f"FIDELITY_SOURCES: {entry!r} is not OWNER/NAME=CLONE; allowed: space-separated OWNER/NAME=CLONE pairs, "
        "each clone a work tree or bare git directory"
    )


def test_a_nested_program_is_found_below_its_build_directory(tmp_path: Path) -> None:
    fridge = next(p for p in PROGRAMS if p.source == FRIDGE)
    assert fridge.id == "fridge/infra/aks@a0dc05f"
    assert _root(tmp_path / "infra" / "aks", fridge) == tmp_path
    examples = next(p for p in PROGRAMS if p.source == EXAMPLES)
    assert examples.id == examples.path
    assert _root(tmp_path / examples.path, examples) == tmp_path
