"""The component package: the provider starts as the engine starts a plugin and serves its schema over gRPC.

`pulumi package add` runs `provider/__main__.py` (PulumiPlugin.yaml `main`), reads the port it prints,
and calls `GetSchema`; SDKs in other languages are generated from that schema. This test does the same
and checks that each public component is listed with typed inputs (required ones marked) and outputs.
"""

from __future__ import annotations

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
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "aml-baseline"


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
    assert schema["name"] == PACKAGE
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


def test_wrappers_build_the_real_components_under_the_emulator() -> None:
    """What the provider constructs for another language: the library's components, secure defaults on."""
    from tests.engine_programs import run_on_engine

    program = """
    import aml_baseline_provider as pkg

    pkg.SecureMlPlatform(
        "team",
        {
            "environment": "dev",
            "owner": "team-a",
            "prefix": "teama",
            "location": "westeurope",
            "outbound_rules": {"pypi": {"type": "FQDN", "destination": "pypi.org"}},
            "compute_clusters": {"cpu": {"vm_size": "Standard_DS2_v2", "max_nodes": 2}},
        },
    )
    """
    recording = run_on_engine(program, project="consumer")
    (ws,) = recording.by_type("azure-native:machinelearningservices:Workspace")
    assert ws.inputs["publicNetworkAccess"] == "Disabled"
    assert ws.inputs["managedNetwork"]["isolationMode"] == "AllowOnlyApprovedOutbound"
    assert ws.inputs["managedNetwork"]["outboundRules"]["pypi"]["destination"] == "pypi.org"
    (root,) = [r for r in recording.resources if r.type == f"{PACKAGE}:index:SecureMlPlatform"]
    assert root.parent is None and ws.urn.startswith(
        "urn:pulumi:dev::consumer::aml-baseline:index:SecureMlPlatform$"
    )
    assert len(recording.by_type("azure-native:machinelearningservices:Compute")) == 1
