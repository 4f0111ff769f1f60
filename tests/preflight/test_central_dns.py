"""A team stack with central (hub) private DNS zones passes `private-dns` without pack config (issue 15)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from .conftest import FIXTURES, REPO, run_cli

TEAM = FIXTURES / "central-dns-team"
HUB = "/subscriptions/aaaaaaaa-1111-2222-3333-444444444444/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones"
ZONES = (
    "privatelink.api.azureml.ms",
    "privatelink.notebooks.azure.net",
    "privatelink.blob.core.windows.net",
    "privatelink.file.core.windows.net",
    "privatelink.vaultcore.azure.net",
    "privatelink.azurecr.io",
)


def test_team_stack_with_hub_zone_ids_passes_private_dns_without_pack_config() -> None:
    """The zone group of each SecureMlWorkspace endpoint carries the hub's zone IDs (given as
    `dns_zone_ids`, known at preview); their last path segments name the zones, so the stack needs neither
    its own privatedns:PrivateZone resources nor `centralDnsZones` (its pack config only relaxes acr-cmk)."""
    run = run_cli(
        "--stack", "dev", "--cwd", TEAM, "--format", "json",
        "--policy-pack", REPO / "policypacks" / "aml-security",
        "--policy-pack-config", TEAM / "stacks" / "policy-config.dev.json",
    )  # fmt: skip
    assert run.code == 0, run.stderr + run.stdout
    plan = json.loads(run.stdout)
    assert "private-dns" not in json.loads((TEAM / "stacks" / "policy-config.dev.json").read_text())
    types = {r["type"] for r in plan["resources"]}
    assert "azure-native:privatedns:PrivateZone" not in types
    groups = [r for r in plan["resources"] if r["type"] == "azure-native:network:PrivateDnsZoneGroup"]
    zone_ids = {c["privateDnsZoneId"] for g in groups for c in g["inputs"]["privateDnsZoneConfigs"]}
    assert any(z.endswith("/privateDnsZones/privatelink.notebooks.azure.net") for z in zone_ids)
    assert [v for v in plan["violations"] if v["policy"] == "private-dns"] == []
    assert plan["summary"]["mandatory"] == 0


def test_baseline_stack_with_existing_private_dns_zone_ids_passes_with_its_shipped_pack_config(
    tmp_path: Path,
) -> None:
    """The trial's stack `hub` (dev plus `existingPrivateDnsZoneIds`) under the shipped
    stacks/policy-config.dev.json, which has no private-dns entry: no private DNS zone is created, the zone
    groups carry the hub's IDs, and private-dns passes."""
    project = tmp_path / "baseline"
    (project / "stacks").mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, project / name)
    (project / "components").symlink_to(REPO / "components")
    (project / "venv").symlink_to(REPO / "venv")  # Pulumi.yaml: the program runs in ./venv
    dev = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())
    dev["config"]["aml-secure-baseline:existingPrivateDnsZoneIds"] = {zone: f"{HUB}/{zone}" for zone in ZONES}
    (project / "stacks" / "Pulumi.hub.yaml").write_text(yaml.safe_dump(dev))
    pack_config = REPO / "stacks" / "policy-config.dev.json"
    assert "private-dns" not in json.loads(pack_config.read_text())
    run = run_cli(
        "--stack", "hub", "--format", "json",
        "--policy-pack", REPO / "policypacks" / "aml-security", "--policy-pack-config", pack_config,
        cwd=project,
    )  # fmt: skip
    assert run.code == 0, run.stderr + run.stdout
    plan = json.loads(run.stdout)
    assert "azure-native:privatedns:PrivateZone" not in {r["type"] for r in plan["resources"]}
    assert [v for v in plan["violations"] if v["policy"] == "private-dns"] == []
