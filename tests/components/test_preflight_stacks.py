"""The dev and prod stacks, and a team's own stack importing SecureMlWorkspace, through the offline
preflight (emulated Azure + the policy pack over the analyzer protocol): zero mandatory violations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEAM_STACK = Path(__file__).resolve().parent / "fixtures" / "team_stack"


EXPECTED_TYPES = {
    "azure-native:resources:ResourceGroup", "azure-native:network:VirtualNetwork", "azure-native:network:Subnet",
    "azure-native:network:NetworkSecurityGroup", "azure-native:network:PrivateEndpoint",
    "azure-native:network:PrivateDnsZoneGroup", "azure-native:privatedns:PrivateZone",
    "azure-native:privatedns:VirtualNetworkLink", "azure-native:managedidentity:UserAssignedIdentity",
    "azure-native:operationalinsights:Workspace", "azure-native:applicationinsights:Component",
    "azure-native:monitor:DiagnosticSetting", "azure-native:keyvault:Vault", "azure-native:keyvault:Key",
    "azure-native:storage:StorageAccount", "azure-native:containerregistry:Registry",
    "azure-native:machinelearningservices:Workspace", "azure-native:machinelearningservices:Compute",
    "azure-native:authorization:RoleAssignment", "random:index/randomString:RandomString",
}  # fmt: skip


def pack_config(stack: str, extra: tuple[str, ...]) -> list[str]:
    """The security pack with the project's stack config (`<project>/stacks/policy-config.<stack>.json`), as
    `make preflight` and CI pass it; the project is `--cwd` when given (the azure-deployability pack's verdict
    on our stacks is tests/deployability/test_our_stacks.py)."""
    pack = ["--policy-pack", str(ROOT / "policypacks" / "aml-security")]
    project = Path(extra[extra.index("--cwd") + 1]) if "--cwd" in extra else ROOT
    path = project / "stacks" / f"policy-config.{stack}.json"
    return pack + (["--policy-pack-config", str(path)] if path.is_file() else [])


def preflight(stack: str, *extra: str) -> dict[str, Any]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "preflight",
            "--stack",
            stack,
            "--format",
            "json",
            *pack_config(stack, extra),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def mandatory(report: dict[str, Any]) -> list[Any]:
    return [v for v in report["violations"] if v["level"] == "mandatory"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_passes_preflight_with_every_resource(stack: str) -> None:
    report = preflight(stack)
    assert mandatory(report) == [] and report["summary"]["mandatory"] == 0
    types = {r["type"] for r in report["resources"]}
    assert types >= EXPECTED_TYPES
    if stack == "prod":
        assert "azure-native:authorization:ManagementLockByScope" in types
    else:
        assert "azuread:index/group:Group" in types


def test_team_stack_with_its_own_vnet_passes_preflight() -> None:
    report = preflight("dev", "--cwd", str(TEAM_STACK))
    assert mandatory(report) == []
    names = {r["name"] for r in report["resources"]}
    assert {"team-vnet", "team-pe-subnet", "fraud-mlw", "fraud-mlw-pe", "fraud-kv"} <= names
    assert not any(r["type"] == "aml-baseline:network:Network" for r in report["resources"])
