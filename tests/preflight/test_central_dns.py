"""A team stack with central (hub) private DNS zones passes `private-dns` without pack config (issue 15)."""

from __future__ import annotations

import json

from .conftest import FIXTURES, REPO, run_cli

TEAM = FIXTURES / "central-dns-team"


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
