"""The component package: the provider starts as the engine starts a plugin and serves its schema over gRPC.

`pulumi package add` runs `provider/__main__.py` (PulumiPlugin.yaml `main`), reads the port it prints,
and calls `GetSchema`; SDKs in other languages are generated from that schema. This test does the same
and checks that each public component is listed with typed inputs (required ones marked) and outputs.

Parity with the Python library (team trial 2026-11-30, F7): the package's SecureMlWorkspace takes every field of
the library's SecureMlWorkspaceArgs (personas, compute schedules, image build compute, role assignments, ...),
validated by the same functions, with errors named as the package's inputs; SecureMlPlatform creates Azure
Policy assignments only when asked; isolationMode Disabled works with a compute subnet.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from pulumi.errors import InputPropertiesError
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

import components
from components.policy_parity import ParityContext, planned_assignments
from components.roles import grantable
from components.settings import CONFIG_SCHEMA, ISOLATION_MODES, ROLE_ASSIGNMENT_TARGETS
from tests.components.conftest import Program, run_program

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "provider"))
try:
    import aml_baseline_provider as pkg  # type: ignore[import-not-found]
finally:
    sys.path.remove(str(REPO / "provider"))
PACKAGE = "aml-baseline"
GUID = "6b1c2d3e-4f50-4a1b-9c2d-3e4f5a6b7c8d"
ZONES = {
    z: f"/subscriptions/s/resourceGroups/hub/providers/Microsoft.Network/privateDnsZones/{z}"
    for z in components.PRIVATE_DNS_ZONES
}


def _read_port(proc: subprocess.Popen[bytes], timeout: float = 120.0) -> int:
    assert proc.stdout is not None
    line: dict[str, bytes] = {}
    reader = threading.Thread(target=lambda: line.setdefault("v", proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    text = line.get("v", b"").decode().strip()
    if not text.isdigit():
        stderr = (
            proc.stderr.read().decode(errors="replace") if proc.stderr and proc.poll() is not None else ""
        )
        raise AssertionError(f"provider printed {text!r} instead of a port; stderr: {stderr[-2000:]}")
    return int(text)


@pytest.fixture(scope="module")
def schema() -> Iterator[dict[str, Any]]:
    manifest = yaml.safe_load((REPO / "PulumiPlugin.yaml").read_text())
    entry = REPO / manifest["main"] / "__main__.py"
    proc = subprocess.Popen(
        [sys.executable, str(entry), "127.0.0.1:1"],  # engine address: GetSchema does not call the engine
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        port = _read_port(proc)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            response = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=120)
        yield json.loads(response.schema)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_manifest_names_the_python_runtime_and_the_entry_point() -> None:
    manifest = yaml.safe_load((REPO / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert (REPO / manifest["main"] / "__main__.py").is_file()


def test_schema_names_the_package_and_lists_both_components(schema: dict[str, Any]) -> None:
    assert schema["name"] == PACKAGE == pkg.PACKAGE
    assert schema["namespace"] == pkg.NAMESPACE == "aml-secure-baseline"
    assert schema["version"] == "0.1.0"
    assert sorted(schema["resources"]) == [
        f"{PACKAGE}:index:SecureMlPlatform",
        f"{PACKAGE}:index:SecureMlWorkspace",
    ]
    assert all(r["isComponent"] for r in schema["resources"].values())


def test_workspace_component_has_typed_inputs_and_outputs(schema: dict[str, Any]) -> None:
    ws = schema["resources"][f"{PACKAGE}:index:SecureMlWorkspace"]
    inputs = ws["inputProperties"]
    assert sorted(ws["requiredInputs"]) == [
        "environment",
        "location",
        "prefix",
        "privateDnsZoneIds",
        "privateEndpointSubnetId",
        "resourceGroupName",
    ]
    assert inputs["resourceGroupName"]["type"] == "string"
    assert inputs["prefix"] == {
        "type": "string",
        "plain": True,
        "description": "2-10 lower-case letters/digits; resource names derive from prefix and environment.",
    }
    assert inputs["privateDnsZoneIds"]["type"] == "object"
    assert inputs["privateDnsZoneIds"]["additionalProperties"]["type"] == "string"
    assert inputs["logRetentionDays"]["type"] == "integer"
    assert inputs["locks"]["type"] == "boolean"
    rules = inputs["outboundRules"]["additionalProperties"]["$ref"]
    assert rules == f"#/types/{PACKAGE}:index:OutboundRuleArgs"
    rule_type = schema["types"][f"{PACKAGE}:index:OutboundRuleArgs"]
    assert sorted(rule_type["properties"]) == [
        "destination",
        "portRanges",
        "protocol",
        "sparkEnabled",
        "subresourceTarget",
        "type",
    ]
    assert sorted(rule_type["required"]) == ["destination", "type"]
    outputs = ws["properties"]
    assert sorted(outputs) == [
        "identityClientId",
        "identityId",
        "keyVaultId",
        "logAnalyticsWorkspaceId",
        "registryId",
        "storageAccountId",
        "workspaceId",
        "workspaceName",
    ]
    assert all(p["type"] == "string" for p in outputs.values())
    assert sorted(ws["required"]) == sorted(outputs)


def test_platform_component_takes_the_stack_settings(schema: dict[str, Any]) -> None:
    platform = schema["resources"][f"{PACKAGE}:index:SecureMlPlatform"]
    assert sorted(platform["requiredInputs"]) == ["environment", "location", "owner", "prefix"]
    inputs = platform["inputProperties"]
    assert inputs["vnetAddressSpace"]["type"] == "array"
    assert inputs["vnetAddressSpace"]["items"]["type"] == "string"
    assert inputs["personas"]["additionalProperties"]["$ref"] == f"#/types/{PACKAGE}:index:PersonaArgs"
    assert (
        inputs["computeInstances"]["additionalProperties"]["$ref"]
        == f"#/types/{PACKAGE}:index:ComputeInstanceArgs"
    )
    assert sorted(platform["properties"]) == [
        "identityId",
        "keyVaultId",
        "registryId",
        "resourceGroupName",
        "storageAccountId",
        "workspaceId",
        "workspaceName",
    ]


def test_the_docs_name_the_generated_package_and_one_list_of_languages() -> None:
    """`pulumi package add` names the Node.js SDK `@<namespace>/<name>` when the schema has a namespace, and the
    .NET one `<Namespace>.<Name>` (pulumi/pulumi pkg/cmd/pulumi/packages/packages.go, getNodeJSPkgName and
    linkDotnetPackage); it links Node.js, Go and .NET projects and prints the steps for Java (LinkPackage)."""
    assert pkg.NODE_PACKAGE == "@aml-secure-baseline/aml-baseline"
    readme = (REPO / "README.md").read_text()
    reports = (REPO / "docs" / "reports.md").read_text()
    assert f'import * as aml from "{pkg.NODE_PACKAGE}";' in reports
    assert f"using {pkg.DOTNET_NAMESPACE};" in reports
    for text in (readme, reports, pkg.__doc__ or ""):
        assert "@pulumi/aml-baseline" not in text
        assert pkg.LANGUAGES_TEXT in text
        for other in ("TypeScript, Go and C#", "TypeScript, Go, C#, Java", "TypeScript, Go, C#, and Java"):
            assert other not in text
    assert ", ".join(pkg.LANGUAGES[:-1]) + " and " + pkg.LANGUAGES[-1] == pkg.LANGUAGES_TEXT


# -- Parity: the same fields as the Python library -------------------------------------------------------

_LIBRARY_ONLY = {
    "depends_on": "Python resource objects",
    "service_side_cmk": "always refused",
    "registry_cmk": "always refused",
}
_RENAMED = {
    "placement": ["resource_group_name", "location", "tags"],
    "private_endpoint": ["private_endpoint_subnet_id", "private_dns_zone_ids"],
    "lock": ["locks"],
}


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_the_package_workspace_takes_every_field_of_the_library_args() -> None:
    package = set(pkg.SecureMlWorkspaceArgs.__annotations__)
    expected = set()
    for name in _fields(components.SecureMlWorkspaceArgs) - set(_LIBRARY_ONLY):
        expected.update(_RENAMED.get(name, [name]))
    assert package == expected
    nested = {
        pkg.ComputeInstanceArgs: components.ComputeInstanceSpec,
        pkg.ComputeClusterArgs: components.ComputeClusterSpec,
        pkg.ComputeScheduleArgs: components.ComputeSchedule,
        pkg.PersonaGroupArgs: components.PersonaGroup,
        pkg.RoleAssignmentArgs: components.RoleAssignmentSpec,
        pkg.OutboundRuleArgs: components.OutboundRule,
    }
    for typed, library in nested.items():
        assert set(typed.__annotations__) == _fields(library), typed.__name__
    assert tuple(pkg.RoleAssignmentsArgs.__annotations__) == ROLE_ASSIGNMENT_TARGETS


def test_the_package_platform_takes_every_stack_setting_but_the_listed_ones() -> None:
    package = {pkg._camel(k) for k in pkg.SecureMlPlatformArgs.__annotations__} - {"location"}
    assert package | set(pkg.PLATFORM_NOT_OFFERED) == set(CONFIG_SCHEMA)
    assert not package & set(pkg.PLATFORM_NOT_OFFERED)


def test_schema_marks_the_role_assignment_fields(schema: dict[str, Any]) -> None:
    ra = schema["types"][f"{PACKAGE}:index:RoleAssignmentArgs"]
    assert sorted(ra["required"]) == ["principalId", "principalType", "roleDefinitionIdOrName"]
    assert "plain" not in ra["properties"]["principalId"]  # an Output (another resource's principal) is fine
    ws = schema["resources"][f"{PACKAGE}:index:SecureMlWorkspace"]["inputProperties"]
    assert ws["roleAssignments"]["$ref"] == f"#/types/{PACKAGE}:index:RoleAssignmentsArgs"
    targets = schema["types"][f"{PACKAGE}:index:RoleAssignmentsArgs"]["properties"]
    assert sorted(targets) == ["keyVault", "registry", "storage", "workspace"]
    assert targets["storage"]["items"]["$ref"] == f"#/types/{PACKAGE}:index:RoleAssignmentArgs"
    assert ws["personas"]["additionalProperties"]["$ref"] == f"#/types/{PACKAGE}:index:PersonaGroupArgs"
    instance = schema["types"][f"{PACKAGE}:index:ComputeInstanceArgs"]["properties"]
    assert instance["schedule"]["$ref"] == f"#/types/{PACKAGE}:index:ComputeScheduleArgs"
    assert ws["imageBuildCompute"]["type"] == "string"


# -- Under the emulator ----------------------------------------------------------------------------------


def team_workspace(**more: Any) -> dict[str, Any]:
    return {
        "resource_group_name": "rg-churn",
        "location": "westeurope",
        "prefix": "churn",
        "environment": "dev",
        "private_endpoint_subnet_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pe",
        "private_dns_zone_ids": ZONES,
        **more,
    }


def test_the_package_workspace_builds_personas_schedules_image_build_and_role_assignments() -> None:
    """What a TypeScript team writes (numbers arrive as floats over gRPC)."""

    def program() -> None:
        pkg.SecureMlWorkspace(
            "churn",
            team_workspace(
                compute_instances={
                    "ci-alice": {
                        "user_object_id": GUID,
                        "idle_shutdown_minutes": 30.0,
                        "schedule": {"stop": "0 19 * * 1-5", "time_zone": "W. Europe Standard Time"},
                    }
                },
                compute_clusters={"cpu": {"max_nodes": 2.0, "vm_priority": "LowPriority"}},
                image_build_compute="cpu",
                personas={"dataScientists": {"role": "AzureML Data Scientist", "group_object_id": GUID}},
                role_assignments={
                    "storage": [
                        {
                            "role_definition_id_or_name": "Storage Blob Data Reader",
                            "principal_id": GUID,
                            "principal_type": "Group",
                        }
                    ]
                },
            ),
        )

    program_run = run_program(program)
    (ws,) = program_run.of_type("machinelearningservices:Workspace")
    assert ws.inputs["imageBuildCompute"] == "cpu"
    (ci,) = [
        c
        for c in program_run.of_type("machinelearningservices:Compute")
        if c.inputs["properties"]["computeType"] == "ComputeInstance"
    ]
    props = ci.inputs["properties"]["properties"]
    assert props["idleTimeBeforeShutdown"] == "PT30M"
    (stop,) = props["schedules"]["computeStartStop"]
    assert (stop["action"], stop["cron"]) == (
        "Stop",
        {"expression": "0 19 * * 1-5", "timeZone": "W. Europe Standard Time"},
    )
    persona = [
        r
        for r in program_run.of_type("authorization:RoleAssignment")
        if r.name == "churn-personas-ra-datascientists"
    ]
    assert persona and persona[0].inputs["principalId"] == GUID
    team = [
        r
        for r in program_run.of_type("authorization:RoleAssignment")
        if r.name.startswith("churn-st-ra-") and r.inputs.get("principalType") == "Group"
    ]
    assert [r.inputs["principalId"] for r in team] == [GUID]
    (root,) = [r for r in program_run.records if r.type == f"{PACKAGE}:index:SecureMlWorkspace"]
    assert "::pulumi:pulumi:Stack::" in root.parent  # the team's own call, at the top of its stack
    parents = {r.urn: r.parent for r in program_run.records}
    chain = [ws.parent]
    while parents.get(chain[-1]):
        chain.append(parents[chain[-1]])
    assert root.urn in chain  # the library's component tree hangs under the package's component


PLATFORM = {"environment": "dev", "owner": "team-a", "prefix": "teama", "location": "westeurope"}


def test_the_package_platform_builds_the_real_components_without_governance() -> None:
    """Governance is opt-in for teams. Assigning Azure Policy needs Microsoft.Authorization/policyAssignments/write
    at the resource group: "What is Azure Policy?", section "Azure RBAC permissions in Azure Policy" (the
    Resource Policy Contributor role includes most Azure Policy operations; Contributor can't create or update
    definitions and assignments) and "Azure built-in roles for General", Contributor (NotActions
    Microsoft.Authorization/*/Write: role assignments, policy assignments)."""

    def platform(**more: Any) -> Program:
        return run_program(
            lambda: pkg.SecureMlPlatform(
                "team",
                {
                    **PLATFORM,
                    "outbound_rules": {"pypi": {"type": "FQDN", "destination": "pypi.org"}},
                    "compute_clusters": {"cpu": {"vm_size": "Standard_DS2_v2", "max_nodes": 2}},
                    **more,
                },
            )
        )

    default = platform()
    (ws,) = default.of_type("machinelearningservices:Workspace")
    assert ws.inputs["publicNetworkAccess"] == "Disabled"
    assert ws.inputs["managedNetwork"]["isolationMode"] == "AllowOnlyApprovedOutbound"
    assert ws.inputs["managedNetwork"]["outboundRules"]["pypi"]["destination"] == "pypi.org"
    assert len(default.of_type("machinelearningservices:Compute")) == 1
    assert default.of_type("authorization:PolicyAssignment") == []
    governed = platform(policy_assignments=True)
    expected = planned_assignments(
        ParityContext(isolation_mode="AllowOnlyApprovedOutbound", maximum_days_to_rotate=90)
    )
    assert len(governed.of_type("authorization:PolicyAssignment")) == len(expected) > 0


def test_isolation_disabled_works_with_a_compute_subnet() -> None:
    """ "Workspace Managed Virtual Network Isolation": without a managed network, compute runs in a subnet of your
    VNet; the trial's `isolationMode: Disabled` failed on a stack key a TypeScript user never sees."""
    program = run_program(
        lambda: pkg.SecureMlPlatform(
            "team", {**PLATFORM, "isolation_mode": "Disabled", "compute_subnet_prefix": "10.20.1.0/24"}
        )
    )
    (ws,) = program.of_type("machinelearningservices:Workspace")
    assert ws.inputs["managedNetwork"]["isolationMode"] == "Disabled"
    assert ws.inputs["serverlessComputeSettings"]["serverlessComputeNoPublicIP"] is True
    assert [s.inputs["addressPrefix"] for s in program.of_type("network:Subnet")].count("10.20.1.0/24") == 1
    with pytest.raises(InputPropertiesError) as err:
        pkg.SecureMlPlatform("team", {**PLATFORM, "isolation_mode": "Disabled"})
    assert err.value.errors == [
        {
            "property_path": "computeSubnetPrefix",
            "reason": "missing while isolationMode is Disabled; allowed: an IPv4 CIDR inside vnetAddressSpace "
            "(compute needs a subnet without a managed network)",
        }
    ]


# -- Errors name the package's inputs (team trial F8) ------------------------------------------------------


def refused(component: type, args: dict[str, Any]) -> list[str]:
    """The refused inputs as `<path>: <reason>`; nothing is registered (no Pulumi runtime is needed)."""
    with pytest.raises(InputPropertiesError) as err:
        component("churn", args)
    assert err.value.errors is not None
    lines = [f"{e['property_path']}: {e['reason']}" for e in err.value.errors]
    assert str(err.value).splitlines()[1:] == lines
    return lines


def test_a_list_instead_of_a_map_is_named_not_the_image_build_compute() -> None:
    assert refused(
        pkg.SecureMlWorkspace,
        team_workspace(compute_clusters=[{"vm_size": "Standard_DS3_v2"}], image_build_compute="cpu"),
    ) == ["computeClusters: list given; allowed: a mapping keyed by name"]


def test_an_isolation_mode_typo_is_named_not_the_outbound_rules() -> None:
    rules = {"pypi": {"type": "FQDN", "destination": "pypi.org"}}
    allowed = ", ".join(ISOLATION_MODES)
    assert refused(
        pkg.SecureMlWorkspace, team_workspace(isolation_mode="AllowOnlyApprovedOutbond", outbound_rules=rules)
    ) == [f"isolationMode: 'AllowOnlyApprovedOutbond' is not supported; allowed: {allowed}"]
    assert refused(
        pkg.SecureMlPlatform,
        {**PLATFORM, "isolation_mode": "AllowOnlyApprovedOutbond", "outbound_rules": rules},
    ) == [f"isolationMode: 'AllowOnlyApprovedOutbond' is not supported; allowed: {allowed}"]


def test_the_allowed_roles_are_roles_that_are_then_granted() -> None:
    persona = {"ds": {"role": "Contributor", "group_object_id": GUID}}
    (line,) = refused(pkg.SecureMlWorkspace, team_workspace(personas=persona))
    assert line == (
        f"personas[\"ds\"].role: role 'Contributor' may not be granted to a Group; allowed: {', '.join(grantable('Group'))}"
    )
    offered = line.split("; allowed: ")[1].split(", ")
    assert "Contributor" not in offered and "Owner" not in offered


def test_every_problem_is_named_as_the_package_input() -> None:
    assert refused(
        pkg.SecureMlWorkspace,
        team_workspace(
            tags={"owner": 4711},
            compute_instances={
                "ci_alice": {"user_object_id": "alice@contoso.com", "schedule": {"stop": "19:00 weekdays"}}
            },
            key_rotation_days=400,
            role_assignments={
                "key_vault": [
                    {
                        "role_definition_id_or_name": "Owner",
                        "principal_id": GUID,
                        "principal_type": "ServicePrincipal",
                    }
                ]
            },
        ),
    ) == [
        'tags["owner"]: invalid tag; allowed: names up to 512 characters without <>%&\\?/ and string values up to 256',
        "keyRotationDays: 400 is out of range; allowed: an integer from 7 to 358 (keyExpiryDays - 7)",
        f"computeInstances[\"ci_alice\"]: name 'ci_alice' {components.naming.compute_instance_name_problem('ci_alice')}; "
        f"allowed: {components.naming.COMPUTE_INSTANCE_RULE}",
        "computeInstances[\"ci_alice\"].userObjectId: 'alice@contoso.com' is not a GUID; allowed: the Entra object ID "
        "(GUID) of the instance's single user",
        "computeInstances[\"ci_alice\"].schedule.stop: '19:00 weekdays' is not a cron expression; allowed: 5 fields: "
        "minute hour day month weekday",
        "roleAssignments[\"key_vault\"][0].roleDefinitionIdOrName: role 'Owner' is never granted; allowed: a role "
        f"definition GUID or ID, or one of {', '.join(grantable('ServicePrincipal'))}",
    ]
