"""The offline preflight runs a team stack that declares governed resources through the side doors
(azure-native's generic resource, an inline ARM template deployment, the classic provider) end to end,
and the aml-security pack blocks each path with a message naming it (pack README "Every path to a
governed resource")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from preflight.emulator import AzureEmulator, EmulatorSettings

from .conftest import FIXTURES, REPO, run_cli

PACK = REPO / "policypacks" / "aml-security"


@pytest.mark.parametrize("mode", ["preview", "up"])
def test_side_door_stack_runs_and_every_path_is_blocked(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "plan.json"
    result = run_cli(
        "--stack", "dev", "--cwd", FIXTURES / "sidedoors", "--policy-pack", PACK, "--mode", mode,
        "--format", "json", "-o", out,
    )  # fmt: skip
    assert result.code == 1, result.stderr  # mandatory violations, not a program error (2)
    plan = json.loads(out.read_text())
    types = {r["name"]: r["type"] for r in plan["resources"]}
    assert types["team-classic"] == "azure:storage/account:Account"
    assert types["team-arm"] == "azure-native:resources:Deployment"
    bodies = {(v["policy"], v["message"].split("\n", 1)[1]) for v in plan["violations"]}
    assert (
        "storage-public",
        "in ARM deployment `team-arm`, Microsoft.Storage/storageAccounts `starm`: allowBlobPublicAccess is "
        "true; must be false. (template parameter allowBlobPublic = true)",
    ) in bodies
    assert (
        "ws-public-network",
        "generic resource `team-ws` (Microsoft.MachineLearningServices/workspaces): publicNetworkAccess is "
        '"Enabled"; must be "Disabled".',
    ) in bodies
    assert (
        "storage-shared-key",
        "classic provider azure:storage/account:Account `team-classic`: allowSharedKeyAccess is true; must be "
        "false. (classic argument sharedAccessKeyEnabled not set, the provider's default is true)",
    ) in bodies
    assert (
        "rbac-privileged-roles",
        "classic provider azure:authorization/assignment:Assignment `team-owner`: roleDefinitionId is Owner "
        "(8e3af657-a8ff-443c-a75c-2fe8c4bcb635); Owner must never be assigned, use a narrower role. "
        '(classic argument roleDefinitionName = "Owner")',
    ) in bodies
    assert (
        "rbac-privileged-roles",
        "in ARM deployment `team-sub`, Microsoft.Authorization/roleAssignments `[guid(subscription().id, "
        "'team')]`: scope is \"/subscriptions/{deployment subscription}\" (subscription); Contributor must be "
        "scoped to a resource group or a single resource.",
    ) in bodies
    assert not [v for v in plan["violations"] if "could not evaluate" in v["message"]]


def _args(token: str, name: str, inputs: dict[str, Any]) -> MockResourceArgs:
    return MockResourceArgs(typ=token, name=name, inputs=inputs, provider=None, resource_id=None, custom=True)


def test_classic_resources_are_served_generically() -> None:
    """Outputs are the inputs; an ID only in up mode (unknown in a first preview, like every computed value)."""
    inputs = {"resourceGroupName": "rg-team", "accountTier": "Standard"}
    rid, outputs = AzureEmulator(EmulatorSettings(preview=True)).new_resource(
        _args("azure:storage/account:Account", "st", inputs)
    )
    assert (rid, outputs) == ("", inputs)
    rid, outputs = AzureEmulator(EmulatorSettings(preview=False, stack="dev")).new_resource(
        _args("azure:storage/account:Account", "st", inputs)
    )
    assert rid is not None and rid.startswith(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-team/providers/azure.storage/account/st"
    )
    assert outputs == inputs | {"id": rid, "name": rid.rsplit("/", 1)[-1]}
