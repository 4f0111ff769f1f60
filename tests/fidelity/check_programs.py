"""`make fidelity`: the preflight runs public third-party Pulumi programs, unmodified, to completion.

For each program of `programs.py`: take it from a local clone of its repository at the pinned commit (with the
repository's licence and a NOTICE naming the source), write the stack config a user would set, create its
environment with `preflight --install` (once: the environment cache of `tests/envcache.py`, keyed by
repository, commit and path), run the preflight with both of our policy packs, and check that it ends with
exit 0 or 1 and that the JSON plan records exactly the resources the program declares, with the inputs
read from its code. Not part of `make test`: the environments take minutes and gigabytes.

`FIDELITY_SOURCE` names the clone of pulumi/examples (a work tree or a bare git directory) that has its pinned
commit: `git clone https://github.com/pulumi/examples`. `FIDELITY_SOURCES` names the clones of the other
repositories, as space-separated `OWNER/NAME=CLONE` pairs (it may name pulumi/examples too).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.envcache import LEAN_PIP, build_once, cache_root, content_key, disk_usage
from tests.preflight.conftest import REPO, CliRun, run_cli

from .conftest import RESULTS
from .programs import EXAMPLES, PROGRAMS, Program, Source

SOURCE_VARIABLE = "FIDELITY_SOURCE"
SOURCES_VARIABLE = "FIDELITY_SOURCES"
SOURCES_ALLOWED = "space-separated OWNER/NAME=CLONE pairs, each clone a work tree or bare git directory"
STACK = "dev"
PACKS = [REPO / "policypacks" / "aml-security", REPO / "policypacks" / "azure-deployability"]


def _clones() -> dict[str, str]:
    """The clones named by FIDELITY_SOURCES, by repository (FIDELITY_SOURCE for pulumi/examples)."""
    clones: dict[str, str] = {}
    for entry in os.environ.get(SOURCES_VARIABLE, "").split():
        repository, _, clone = entry.partition("=")
        if repository.count("/") != 1 or not clone:
            pytest.fail(
                f"{SOURCES_VARIABLE}: {entry!r} is not OWNER/NAME=CLONE; allowed: {SOURCES_ALLOWED}",
                pytrace=False,
            )
        clones[repository] = clone
    if os.environ.get(SOURCE_VARIABLE):
        clones[EXAMPLES.repository] = os.environ[SOURCE_VARIABLE]
    return clones


def _source(source: Source = EXAMPLES) -> Path:
    """The local clone of the program's repository, which must have the pinned commit."""
    configured = _clones().get(source.repository)
    variable = SOURCE_VARIABLE if source == EXAMPLES else SOURCES_VARIABLE
    if not configured:
        if source == EXAMPLES:
            pytest.fail(
                f"{SOURCE_VARIABLE}: not set; allowed: a clone of {source.url} that has commit {source.commit} "
                f"(`git clone {source.url} examples && make fidelity {SOURCE_VARIABLE}=examples`)",
                pytrace=False,
            )
        name = source.repository.split("/")[1]
        pytest.fail(
            f"{SOURCES_VARIABLE}: no clone of {source.repository}; allowed: {SOURCES_ALLOWED}, one a clone of "
            f"{source.url} that has commit {source.commit} "
            f"(`git clone {source.url} {name} && make fidelity {SOURCES_VARIABLE}={source.repository}={name}`)",
            pytrace=False,
        )
    clone = Path(configured).resolve()
    found = subprocess.run(
        ["git", "-C", str(clone), "cat-file", "-e", f"{source.commit}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if found.returncode != 0:
        pytest.fail(
            f"{variable}: {clone} has no commit {source.commit}; allowed: a clone of {source.url} "
            "that has it (`git fetch` in the clone)",
            pytrace=False,
        )
    return clone


def _preflight(project: Path, *extra: str) -> tuple[CliRun, float]:
    """One preflight run of the project with both packs (JSON plan), and its wall time."""
    packs = [arg for pack in PACKS for arg in ("--policy-pack", str(pack))]
    start = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in LEAN_PIP.items():
            patch.setenv(name, value)
        run = run_cli("--stack", STACK, "--cwd", project, "--format", "json", *packs, *extra)
    return run, time.monotonic() - start


def _extract(clone: Path, program: Program, target: Path) -> Path:
    """The program's directory and the licence at the pinned commit, unmodified, plus NOTICE and stack file."""
    source = program.source
    archive = subprocess.run(
        ["git", "-C", str(clone), "archive", "--format=tar", source.commit, program.path, source.licence],
        capture_output=True,
        check=True,
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    project = target / program.path
    (target / "NOTICE").write_text(
        f"{program.path}/ and {source.licence} are unmodified copies from {source.url}\n"
        f"(repository {source.repository}, commit {source.commit}, path {program.path}), "
        f"under the licence in {source.licence} ({source.licence_name}).\n"
        f"Pulumi.{STACK}.yaml was written by tests/fidelity/check_programs.py (the stack config).\n"
    )
    (project / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump({"config": program.config}))
    return project


def _prepared(program: Program) -> Path:
    """The program with its environment installed by `preflight --install`, built once per pinned source."""
    clone = _source(program.source)

    def build(target: Path) -> None:
        project = _extract(clone, program, target)
        run, seconds = _preflight(project, "--install")
        installed = project / ("node_modules" if (project / "package.json").exists() else "venv")
        assert installed.is_dir() and "--install:" not in run.stderr, run.stderr[-4000:]
        (target / "install.json").write_text(
            json.dumps({"seconds": round(seconds, 1), "bytes": disk_usage(installed)})
        )

    source = program.source
    name = (
        f"{program.id.replace('/', '-')}-{content_key(f'{source.repository}@{source.commit}:{program.path}')}"
    )
    return build_once(cache_root() / "fidelity", name, build) / program.path


def _root(project: Path, program: Program) -> Path:
    """The build directory of a prepared program (its path may be nested, as `infra/aks`)."""
    return project.parents[len(Path(program.path).parts) - 1]


def _at(inputs: Any, path: str) -> Any:
    """The value at a dotted path of wire inputs (list indexes as numbers); KeyError if absent."""
    value = inputs
    for step in path.split("."):
        value = value[int(step)] if isinstance(value, list) else value[step]
    return value


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.id for p in PROGRAMS])
def test_program_runs_to_completion_and_records_every_resource(program: Program) -> None:
    project = _prepared(program)
    run, seconds = _preflight(project)
    install = json.loads((_root(project, program) / "install.json").read_text())
    timing = f"run {seconds:.1f} s; install {install['seconds']} s, {install['bytes'] / 2**30:.2f} GiB"
    if program.fails_with is not None:
        RESULTS.append(f"{program.id}: exit {run.code} (the program fails under its own SDKs); {timing}")
        assert run.code == 2 and program.fails_with in run.stderr, run.stderr[-4000:]
        return
    assert run.code in (0, 1), f"exit {run.code}:\n{run.stderr[-4000:]}"
    plan = json.loads(run.stdout)
    recorded = {(r["type"], r["name"]): r["inputs"] for r in plan["resources"]}
    RESULTS.append(
        f"{program.id}: exit {run.code}, {len(recorded)} resources, "
        f"{len(plan['violations'])} violations ({plan['summary']['mandatory']} mandatory), "
        f"served generically {len(plan.get('servedGenerically', []))}, "
        f"empty answers {plan.get('emptyAnswers', [])}; {timing}"
    )
    assert sorted(recorded) == sorted(program.resources)
    for key, expected in program.resources.items():
        actual = {path: _at(recorded[key], path) for path in expected}
        assert actual == expected, key
    assert plan["placeholders"] == program.secure_keys
