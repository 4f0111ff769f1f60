"""A team program on pulumi-azure-native v2 runs with the SDK it pins, not ours (issue 12).

Its virtualenv (pulumi 3.160.0, pulumi-azure-native 2.92.3, which ships every API version) is created by
`preflight --install` once (pip without byte-compilation: 0.8 GB), in the environment cache outside git (`tests/envcache.py`), keyed by the hash
of the fixture's `requirements.txt`: CI builds it once per machine, a local rerun reuses it. Each test runs
a fresh copy of the fixture program against that virtualenv.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ..envcache import LEAN_PIP, build_once, cache_root, content_key
from .conftest import FIXTURES, TEST_PACK, CliRun, copy_fixture, run_cli

FIXTURE = FIXTURES / "azure-native-v2"
PROJECT = "urn:pulumi:dev::azure-native-v2::"


def _run(*args: str | Path, env: dict[str, str] | None = None) -> CliRun:
    """The CLI, with extra environment variables."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        return run_cli(*args)


@pytest.fixture(scope="session")
def v2_virtualenv() -> Path:
    """The fixture's own virtualenv, created by `preflight --install` (once per requirements file)."""

    def build(target: Path) -> None:
        shutil.copytree(FIXTURE, target)
        run = _run("--stack", "dev", "--cwd", target, "--install", "--policy-pack", TEST_PACK, env=LEAN_PIP)
        assert run.code == 0, run.stderr

    name = f"azure-native-v2-{content_key(FIXTURE / 'requirements.txt')}"
    return build_once(cache_root(), name, build) / "venv"


@pytest.fixture(scope="session")
def v2_plan(tmp_path_factory: pytest.TempPathFactory, v2_virtualenv: Path) -> dict[str, Any]:
    """The JSON plan of a fresh copy of the program, run in that virtualenv."""
    project = copy_fixture("azure-native-v2", tmp_path_factory.mktemp("v2"), links={"venv": v2_virtualenv})
    run = _run("--stack", "dev", "--cwd", project, "--format", "json", "--policy-pack", TEST_PACK)
    assert run.code in (0, 1), run.stderr
    plan: dict[str, Any] = json.loads(run.stdout)
    return plan


def test_v2_program_runs_with_the_sdk_it_pins(v2_plan: dict[str, Any]) -> None:
    """Every module the program imports (`cache`, `documentdb`, `insights`, `storage.v20230101`) is absent
    from our v3 SDK; the program tags its resource group with the versions it runs with."""
    group = next(r for r in v2_plan["resources"] if r["type"] == "azure-native:resources:ResourceGroup")
    assert group["inputs"]["tags"] == {"pulumi": "3.160.0", "pulumi_azure_native": "2.92.3"}


def test_v2_program_records_every_resource_it_declares(v2_plan: dict[str, Any]) -> None:
    """Types keep the v2 tokens (module names and API-version modules), with the inputs the program set and
    the defaults the v2 SDK adds on the program's side (`kind`, `createMode`, `flowType`, ...)."""
    resources = {(r["type"], r["name"]): r for r in v2_plan["resources"]}
    assert sorted(resources) == [
        ("azure-native:cache:Redis", "sessions"),
        ("azure-native:documentdb:DatabaseAccount", "docs"),
        ("azure-native:insights:Component", "telemetry"),
        ("azure-native:resources:ResourceGroup", "app-rg"),
        ("azure-native:storage/v20230101:StorageAccount", "applogs"),
    ]
    group = resources["azure-native:resources:ResourceGroup", "app-rg"]["inputs"]["resourceGroupName"]
    assert group.startswith("app-rg") and len(group) == len("app-rg") + 8  # auto-named by the emulator
    inputs = {key: r["inputs"] for key, r in resources.items()}
    assert inputs["azure-native:storage/v20230101:StorageAccount", "applogs"] == {
        "allowBlobPublicAccess": False,
        "kind": "StorageV2",
        "minimumTlsVersion": "TLS1_2",
        "resourceGroupName": group,
        "sku": {"name": "Standard_LRS"},
    }
    assert inputs["azure-native:cache:Redis", "sessions"] == {
        "enableNonSslPort": False,
        "minimumTlsVersion": "1.2",
        "publicNetworkAccess": "Enabled",
        "resourceGroupName": group,
        "sku": {"capacity": 0.0, "family": "C", "name": "Basic"},
    }
    docs = inputs["azure-native:documentdb:DatabaseAccount", "docs"]
    assert (docs["disableLocalAuth"], docs["kind"], docs["createMode"]) == (
        True,
        "GlobalDocumentDB",
        "Default",
    )
    assert docs["locations"] == [{"failoverPriority": 0.0, "locationName": "westeurope"}]
    telemetry = inputs["azure-native:insights:Component", "telemetry"]
    assert (telemetry["applicationType"], telemetry["ingestionMode"], telemetry["flowType"]) == (
        "web",
        "ApplicationInsights",
        "Bluefield",
    )
    rg_urn = f"{PROJECT}azure-native:resources:ResourceGroup::app-rg"
    assert all(r["dependencies"] == [rg_urn] for key, r in resources.items() if key[1] != "app-rg")


def test_v2_only_types_are_served_generically_and_listed(v2_plan: dict[str, Any]) -> None:
    """Types our v3 SDK lacks are served generically, and the plan says which (the resource group, a type
    both versions have, is emulated)."""
    assert v2_plan["servedGenerically"] == [
        f"{PROJECT}azure-native:cache:Redis::sessions",
        f"{PROJECT}azure-native:documentdb:DatabaseAccount::docs",
        f"{PROJECT}azure-native:insights:Component::telemetry",
        f"{PROJECT}azure-native:storage/v20230101:StorageAccount::applogs",
    ]
