"""The offline engine: programs run in their own runtime against preflight's resource monitor.

The Python fixtures share one virtualenv, created once per test session by `preflight --install` itself
(`pulumi==3.250.0`, deliberately not our SDK version, and no provider SDKs). The Node.js fixture gets its
`node_modules` from `npm install` the same way. Both are built under pytest's shared temporary directory
behind a file lock, so parallel workers build them once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from preflight.engine import FEATURES, _key_listing, azure_modules_in
from preflight.model import SECRET_SIG, SECRET_SIG_KEY

from ..envcache import build_once
from .conftest import FIXTURES, REPO, TEST_PACK, CliRun, copy_fixture, run_cli

AML_PACK = REPO / "policypacks" / "aml-security"


def _shared_build(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """Build `name` once for every pytest worker (under the shared base temp, behind a file lock)."""
    return build_once(tmp_path_factory.getbasetemp().parent, name, build)


def _copy_project(name: str, dest: Path, shared: Path, link: str) -> Path:
    """A private copy of a fixture project whose `link` (venv or node_modules) points at the shared build."""
    return copy_fixture(name, dest, links={link: shared / link})


@pytest.fixture(scope="session")
def venv_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, CliRun]]:
    """The `ownvenv` fixture after `preflight --install` created its virtualenv: (project, that run)."""

    def build(target: Path) -> None:
        shutil.copytree(FIXTURES / "ownvenv", target)
        run = run_cli("--stack", "dev", "--cwd", target, "--install", "--policy-pack", TEST_PACK)
        (target / "install-run.json").write_text(json.dumps(run.__dict__))

    project = _shared_build(tmp_path_factory, "ownvenv-installed", build)
    yield project, CliRun(**json.loads((project / "install-run.json").read_text()))


@pytest.fixture(scope="session")
def node_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The TypeScript fixture with `node_modules` installed by `preflight --install` (npm install)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip(
            "Node.js (node and npm) is not installed on this machine: the TypeScript fixture cannot run"
        )

    def build(target: Path) -> None:
        shutil.copytree(FIXTURES / "nodejs", target)
        run = run_cli("--stack", "dev", "--cwd", target, "--install", "--policy-pack", TEST_PACK)
        assert run.code == 0, run.stderr

    return _shared_build(tmp_path_factory, "nodejs-installed", build)


def _plan(run: CliRun) -> dict[str, Any]:
    assert run.code in (0, 1), run.stderr
    return json.loads(run.stdout)


def test_missing_virtualenv_exits_2_with_the_command_that_creates_it(tmp_path: Path) -> None:
    project = tmp_path / "ownvenv"
    shutil.copytree(FIXTURES / "ownvenv", project)
    run = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    assert run.code == 2
    venv = project / "venv"
    assert (
        f"runtime.options.virtualenv: {venv} does not exist; create it with "
        f"`python3 -m venv {venv} && {venv}/bin/python -m pip install -r {project / 'requirements.txt'}` "
        "or run preflight with --install"
    ) in run.stderr
    assert not venv.exists()


def test_install_creates_the_virtualenv_and_the_program_runs_with_the_sdk_it_pins(
    venv_project: tuple[Path, CliRun],
) -> None:
    project, run = venv_project
    assert run.code == 0, run.stderr
    assert (project / "venv" / "bin" / "python").exists()
    assert "sdkVersion: 3.250.0" in run.stdout  # ours is 3.272.0


def test_provider_we_do_not_model_is_served_generically_and_listed(venv_project: tuple[Path, CliRun]) -> None:
    project, _ = venv_project
    plan = _plan(
        run_cli(
            "--stack",
            "dev",
            "--cwd",
            project,
            "--format",
            "json",
            "--policy-pack",
            TEST_PACK,
        )
    )
    key = "urn:pulumi:dev::ownvenv::tls:index/privateKey:PrivateKey::team-key"
    assert plan["servedGenerically"] == [key]
    by_urn = {r["urn"]: r for r in plan["resources"]}
    assert by_urn[key]["inputs"] == {"algorithm": "RSA", "rsaBits": 4096.0}
    vault = by_urn["urn:pulumi:dev::ownvenv::azure-native:keyvault:Vault::team-kv"]
    # The emulated Azure still answers the azure-native resources next to it (auto-name, group name).
    assert vault["inputs"]["vaultName"].startswith("team-kv") and len(vault["inputs"]["vaultName"]) == 15
    assert vault["inputs"]["tags"] == {"sshKeyAlgorithm": "RSA"}
    assert vault["propertyDependencies"]["tags"] == [key]


def test_key_listing_answers_a_secret_and_unknown_functions_are_named(
    tmp_path: Path, venv_project: tuple[Path, CliRun]
) -> None:
    project = _copy_project("ownvenv-invoke", tmp_path, venv_project[0], "venv")
    plan = _plan(
        run_cli(
            "--stack",
            "dev",
            "--cwd",
            project,
            "--format",
            "json",
            "--policy-pack",
            TEST_PACK,
        )
    )
    command = next(r for r in plan["resources"] if r["name"] == "uses-key")
    assert command["inputs"]["environment"] == {"STORAGE_KEY": "[secret]"}
    assert plan["emptyAnswers"] == ["example:index:getSomething"]
    assert plan["servedGenerically"] == ["urn:pulumi:dev::ownvenv-invoke::command:local:Command::uses-key"]


def test_program_that_cannot_continue_after_an_empty_answer_exits_2_naming_the_function(
    tmp_path: Path, venv_project: tuple[Path, CliRun]
) -> None:
    project = _copy_project("ownvenv-invoke", tmp_path, venv_project[0], "venv")
    (project / "stacks" / "Pulumi.dev.yaml").write_text("config:\n  ownvenv-invoke:useUnknownResult: true\n")
    run = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    assert run.code == 2
    assert "error: program failed: KeyError: 'thing'" in run.stderr
    assert (
        "(the emulated Azure answered these functions with an empty result: example:index:getSomething)"
        in run.stderr
    )


def test_sigterm_stops_the_program_and_the_pack_and_exits_143(
    tmp_path: Path, venv_project: tuple[Path, CliRun], private_pack: Path
) -> None:
    project = _copy_project("ownvenv", tmp_path, venv_project[0], "venv")
    (project / "stacks" / "Pulumi.dev.yaml").write_text("config:\n  ownvenv:sleepSeconds: '60'\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "preflight",
            "--stack",
            "dev",
            "--cwd",
            str(project),
            "--policy-pack",
            str(private_pack),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    marker = str(project / "__main__.py")
    deadline = time.monotonic() + 60
    while not _processes_mentioning(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_mentioning(marker), "the program never started"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert _processes_mentioning(marker) == []
    assert _processes_mentioning(str(private_pack)) == []


def _cmdline(pid: int) -> str:
    try:
        return (
            (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _processes_mentioning(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and marker in _cmdline(int(entry.name)):
            try:
                if "State:\tZ" in (entry / "status").read_text():
                    continue
            except OSError:
                continue
            pids.append(int(entry.name))
    return [p for p in pids if p != os.getpid()]


def test_typescript_program_runs_through_the_nodejs_entry_point_and_the_pack_checks_it(
    node_project: Path,
) -> None:
    run = run_cli(
        "--stack",
        "dev",
        "--cwd",
        node_project,
        "--format",
        "json",
        "--policy-pack",
        AML_PACK,
    )
    plan = _plan(run)
    assert [r["type"] for r in plan["resources"]] == [
        "azure-native:resources:ResourceGroup",
        "random:index/randomPassword:RandomPassword",
        "azure-native:storage:StorageAccount",
    ]
    account = plan["resources"][2]
    assert account["inputs"]["allowBlobPublicAccess"] is True
    assert account["inputs"]["tags"] == {"passwordLength": "24"}
    assert account["dependencies"] == [r["urn"] for r in plan["resources"][:2]]
    assert plan["servedGenerically"] == [
        "urn:pulumi:dev::nodejs-team::random:index/randomPassword:RandomPassword::ts-pw"
    ]
    assert any(v["urn"] == account["urn"] for v in plan["violations"])


def test_nodejs_project_without_node_modules_exits_2_saying_how_to_install(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed on this machine")
    project = tmp_path / "nodejs"
    shutil.copytree(FIXTURES / "nodejs", project)
    run = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    assert run.code == 2
    assert (
        f"@pulumi/pulumi/cmd/run not found from {project}: install the program's dependencies" in run.stderr
    )


def test_monitor_features_are_the_ones_implemented() -> None:
    """Transforms, hooks and output values need callbacks into the program: not offered."""
    assert set(FEATURES) == {
        "secrets",
        "resourceReferences",
        "aliasSpecs",
        "deletedWith",
        "replaceWith",
        "parameterization",
    }


def test_storage_key_listing_shape_and_secrecy() -> None:
    """Shape of `listStorageAccountKeys` per the SDK's ListStorageAccountKeysResult (keys: keyName, permissions,
    value, creationTime); values wrapped as engine secrets, deterministic per arguments."""
    args = {"resourceGroupName": "rg", "accountName": "sa"}
    first = _key_listing("azure-native:storage:listStorageAccountKeys", args)
    assert first is not None
    assert [k["keyName"] for k in first["keys"]] == ["key1", "key2"]
    assert all(k["value"][SECRET_SIG_KEY] == SECRET_SIG for k in first["keys"])
    assert _key_listing("azure-native:storage:listStorageAccountKeys", args) == first
    assert _key_listing("azure-native:storage:getStorageAccount", args) is None


def test_emulator_modules_are_found_in_the_program_sources() -> None:
    modules = azure_modules_in(FIXTURES / "minimal")
    assert modules == ["machinelearningservices", "resources", "storage"]


_RUN_MINIMAL = """
import json, sys
from pathlib import Path
from preflight.emulator import EmulatorSettings
from preflight.engine import run_engine
from preflight.project import load_project, load_stack

project = load_project(Path(sys.argv[1]))
stack = load_stack(project, "dev")
rec = run_engine(project, stack="dev", config=stack.values, secret_keys=stack.secret_keys, preview=True,
                 emulator=EmulatorSettings())
loaded = sorted(m for m in sys.modules if m.startswith("pulumi_azure_native."))
print(json.dumps({"resources": [r.__dict__ for r in rec.resources], "outputs": rec.outputs, "sdk": loaded}))
"""


def test_a_warm_schema_cache_gives_the_same_recording_without_importing_the_sdk(tmp_path: Path) -> None:
    """The emulator's view of the SDK (types known, ARM paths, output shapes) is cached per SDK install: the
    second run answers the same without importing the azure-native modules the program imports itself."""
    project = copy_fixture("minimal", tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PREFLIGHT_CACHE_DIR": str(tmp_path / "cache")}
    runs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", _RUN_MINIMAL, str(project)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(done.stdout))
    cold, warm = runs
    assert [r["type"] for r in cold["resources"]] == [
        "azure-native:resources:ResourceGroup",
        "azure-native:storage:StorageAccount",
        "azure-native:machinelearningservices:Workspace",
    ]
    assert warm["resources"] == cold["resources"] and warm["outputs"] == cold["outputs"]
    assert "pulumi_azure_native.storage" in cold["sdk"]
    assert warm["sdk"] == []
    assert len(list((tmp_path / "cache").glob("emulator-schema-*.json"))) == 1
