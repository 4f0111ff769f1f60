"""SecureMlWorkspace says which argument set which property of the resources it creates (its
`argument_sources` output), so the preflight can name the argument behind a finding (issue 15).

Each entry must name a property the resource really has, with the value the argument gave: a mapping that
drifted from the component would blame the wrong argument."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pulumi

from components import (
    ComputeClusterSpec,
    ComputeInstanceSpec,
    ComputeSchedule,
    OutboundRule,
    Placement,
    SecureMlWorkspace,
)
from components.platform import ARGUMENT_SOURCES, argument_sources
from tests.components.conftest import Program, run_program
from tests.components.test_deploy_names_and_network import workspace_args

TAGS = {"environment": "dev", "owner": "team-churn"}
USER = "11111111-2222-3333-4444-555555555555"


def _at(tree: Any, path: str) -> Any:
    for part in path.split("."):
        assert isinstance(tree, dict) and part in tree, f"{path}: no {part!r}"
        tree = tree[part]
    return tree


def _sources() -> tuple[Program, list[tuple[str, dict[str, str]]]]:
    args = workspace_args(
        log_retention_days=120,
        storage_sku="Standard_ZRS",
        outbound_rules={"pypi": OutboundRule(type="FQDN", destination="pypi.org")},
        image_build_compute="cpu-small",
        compute_instances={
            "ci-alice": ComputeInstanceSpec(
                user_object_id=USER,
                vm_size="Standard_E4s_v3",
                idle_shutdown_minutes=45,
                schedule=ComputeSchedule(stop="0 19 * * 1-5"),
            )
        },
        compute_clusters={"cpu-small": ComputeClusterSpec(vm_priority="LowPriority", max_nodes=3)},
    )
    args = replace(args, placement=Placement(resource_group_name="rg", location="westeurope", tags=TAGS))
    resolved: list[tuple[str, dict[str, str]]] = []

    def program() -> Any:
        ws = SecureMlWorkspace("churn", args)
        entries = argument_sources(ws, args)
        return pulumi.Output.all(*[e["urn"] for e in entries]).apply(
            lambda urns: resolved.extend(
                (urn, dict(e["properties"]))  # type: ignore[call-overload]
                for urn, e in zip(urns, entries, strict=True)
            )
        )

    return run_program(program), resolved


def test_each_argument_source_names_a_property_the_resource_has_with_the_arguments_value() -> None:
    prog, entries = _sources()
    by_urn = {r.urn: r for r in prog.records}
    expected = {
        ("churn-mlw", "managedNetwork.isolationMode"): ("isolation_mode", "AllowOnlyApprovedOutbound"),
        ("churn-mlw", "managedNetwork.firewallSku"): ("firewall_sku", "Standard"),
        ("churn-mlw", "imageBuildCompute"): ("image_build_compute", "cpu-small"),
        ("churn-st", "sku.name"): ("storage_sku", "Standard_ZRS"),
        ("churn-cr", "zoneRedundancy"): ("registry_zone_redundancy", "Disabled"),
        ("churn-compute-ci-ci-alice", "properties.properties.idleTimeBeforeShutdown"): (
            "compute_instances['ci-alice'].idle_shutdown_minutes",
            "PT45M",
        ),
        ("churn-compute-ci-ci-alice", "properties.properties.vmSize"): (
            "compute_instances['ci-alice'].vm_size",
            "Standard_E4s_v3",
        ),
        ("churn-compute-cc-cpu-small", "properties.properties.vmPriority"): (
            "compute_clusters['cpu-small'].vm_priority",
            "LowPriority",
        ),
        ("churn-compute-cc-cpu-small", "properties.properties.scaleSettings.maxNodeCount"): (
            "compute_clusters['cpu-small'].max_nodes",
            3,
        ),
    }
    seen: dict[tuple[str, str], str] = {}
    for urn, props in entries:
        if urn == "*":
            continue
        assert urn in by_urn, urn
        for path, argument in props.items():
            value = _at(by_urn[urn].inputs, path)  # the resource has the property
            seen[(by_urn[urn].name, path)] = argument
            if (by_urn[urn].name, path) in expected:
                assert (argument, value) == expected[(by_urn[urn].name, path)]
    assert set(expected) <= set(seen)
    assert seen[("churn-mlw", "managedNetwork.outboundRules.pypi")] == "outbound_rules['pypi']"
    workspace = prog.one("machinelearningservices:Workspace")
    assert _at(workspace.inputs, "managedNetwork.outboundRules.pypi.destination") == "pypi.org"
    assert seen[("churn-compute-ci-ci-alice", "properties.properties.schedules")] == (
        "compute_instances['ci-alice'].schedule"
    )


def test_every_descendant_entry_holds_for_every_resource_that_has_the_property() -> None:
    """`*`: tags, location and retention of every created resource that has them are the arguments' values."""
    prog, entries = _sources()
    (every,) = [props for urn, props in entries if urn == "*"]
    assert every == {
        "tags": "placement.tags",
        "location": "placement.location",
        "retentionInDays": "log_retention_days",
    }
    tagged = [r for r in prog.records if "tags" in r.inputs]
    assert len(tagged) > 10 and all(r.inputs["tags"] == TAGS for r in tagged)
    located = [r for r in prog.records if "location" in r.inputs]
    assert located and all(r.inputs["location"] == "westeurope" for r in located)
    assert [r.inputs["retentionInDays"] for r in prog.records if "retentionInDays" in r.inputs] == [120]


def test_the_output_name_is_the_one_the_preflight_reads() -> None:
    from preflight.user_code import ARGUMENT_SOURCES as READ

    assert ARGUMENT_SOURCES == READ == "argument_sources"
