"""Recording mocks for component tests: every registration (type, name, parent, inputs, dependencies)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks

SUB = "00000000-0000-0000-0000-000000000000"
TENANT = "00000000-0000-0000-0000-00000000000a"
CLIENT_CONFIG = {"clientId": "cid", "objectId": "oid", "subscriptionId": SUB, "tenantId": TENANT}
_NAME_KEYS = {
    "resources:ResourceGroup": "resourceGroupName", "keyvault:Vault": "vaultName", "keyvault:Key": "keyName",
    "storage:StorageAccount": "accountName", "containerregistry:Registry": "registryName",
    "machinelearningservices:Workspace": "workspaceName", "machinelearningservices:Compute": "computeName",
    "network:VirtualNetwork": "virtualNetworkName", "network:Subnet": "subnetName",
    "privatedns:PrivateZone": "privateZoneName", "managedidentity:UserAssignedIdentity": "resourceName",
    "applicationinsights:Component": "resourceName", "machinelearningservices:Registry": "registryName",
}  # fmt: skip


@dataclass
class Recorded:
    """One RegisterResource request."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    protect: bool
    inputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    ignore_changes: list[str] = field(default_factory=list)


class AzureMocks(Mocks):
    """Echo inputs as outputs (reshaped where Azure's output type differs) plus what Azure computes."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        inputs = dict(args.inputs)
        module = args.typ.split(":")[1]
        kind = args.typ.split(":")[-1]
        name_key = _NAME_KEYS.get(args.typ.split(":", 1)[-1], "")
        name = inputs[name_key] if isinstance(inputs.get(name_key), str) else args.name
        rid = f"/subscriptions/{SUB}/resourceGroups/rg/providers/{module}/{kind}/{name}"
        out: dict[str, Any] = {**inputs, "name": name}
        identity = inputs.get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
            out["identity"] = {
                **identity,
                "userAssignedIdentities": {i: {} for i in identity["userAssignedIdentities"]},
            }
        if args.typ == "azure-native:keyvault:Vault":
            out["properties"] = {**inputs["properties"], "vaultUri": f"https://{name}.vault.azure.net/"}
        elif args.typ == "azure-native:keyvault:Key":
            out["keyUri"] = f"https://vault.vault.azure.net/keys/{name}"
            out["keyUriWithVersion"] = f"https://vault.vault.azure.net/keys/{name}/v1"
        elif args.typ == "azure-native:managedidentity:UserAssignedIdentity":
            out.update(principalId=f"{args.name}-principal", clientId=f"{args.name}-client", tenantId=TENANT)
        elif args.typ == "azure-native:storage:StorageAccount":
            out["primaryEndpoints"] = {"blob": f"https://{name}.blob.core.windows.net/"}
        elif args.typ == "azure-native:containerregistry:Registry":
            out["loginServer"] = f"{name}.azurecr.io"
        elif args.typ == "azure-native:machinelearningservices:Registry":
            # Azure fills the system-created accounts' IDs once they exist (in the managed resource group).
            managed = f"/subscriptions/{SUB}/resourceGroups/azureml-rg-{name}_guid/providers"
            out["regionDetails"] = [
                {
                    **region,
                    "acrDetails": [
                        {"systemCreatedAcrAccount": {**acr.get("systemCreatedAcrAccount", {}),
                         "armResourceId": {"resourceId": f"{managed}/Microsoft.ContainerRegistry/registries/cr{name}"}}}
                        for acr in region.get("acrDetails", [])
                    ],
                    "storageAccountDetails": [
                        {"systemCreatedStorageAccount": {**st.get("systemCreatedStorageAccount", {}),
                         "armResourceId": {"resourceId": f"{managed}/Microsoft.Storage/storageAccounts/st{name}"}}}
                        for st in region.get("storageAccountDetails", [])
                    ],
                }
                for region in inputs.get("regionDetails", [])
            ]  # fmt: skip
        elif args.typ == "azure-native:machinelearningservices:Workspace":
            out["discoveryUrl"] = "https://westeurope.api.azureml.ms/discovery"
        elif args.typ == "random:index/randomString:RandomString":
            out["result"] = "ab1cd"
            rid = args.name
        elif args.typ == "azuread:index/group:Group":
            out["objectId"] = f"{args.name}-object-id"
            rid = out["objectId"]
        elif args.typ == "azuread:index/application:Application":
            out.update(clientId=f"{args.name}-client-id", objectId=f"{args.name}-object-id")
            rid = f"/applications/{out['objectId']}"
        elif args.typ == "azuread:index/servicePrincipal:ServicePrincipal":
            out["objectId"] = f"{args.name}-object-id"
            rid = f"/servicePrincipals/{out['objectId']}"
        return rid, out

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        if args.token == "azure-native:authorization:getClientConfig":
            return dict(CLIENT_CONFIG), []
        if args.token == "azuread:index/getServicePrincipal:getServicePrincipal":
            return {"objectId": f"sp-{args.args['clientId']}", "clientId": args.args["clientId"]}, []
        return {}, []


class RecordingMonitor(MockMonitor):
    """MockMonitor that keeps each registration with its parent and dependencies."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.records: list[Recorded] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.records.append(
                Recorded(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    custom=request.custom,
                    protect=request.protect,
                    inputs=rpc.deserialize_properties(request.object),
                    dependencies=list(request.dependencies),
                    property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                    ignore_changes=list(request.ignoreChanges),
                )
            )
        return response


class Program:
    """The resources one program registered, with lookups by type and name."""

    def __init__(self, records: list[Recorded]) -> None:
        self.records = records

    def of_type(self, suffix: str) -> list[Recorded]:
        """Resources whose type token ends with `suffix` (e.g. 'keyvault:Vault')."""
        return [r for r in self.records if r.type.endswith(suffix)]

    def one(self, suffix: str) -> Recorded:
        found = self.of_type(suffix)
        assert len(found) == 1, f"expected one {suffix}, got {[r.name for r in found]}"
        return found[0]

    def named(self, name: str) -> Recorded:
        found = [r for r in self.records if r.name == name]
        assert len(found) == 1, f"expected one resource named {name}, got {len(found)}"
        return found[0]

    def depends(self, a: Recorded, b: Recorded) -> bool:
        """True if `a` lists `b` among its dependencies (directly or through a property)."""
        urns = set(a.dependencies) | {u for us in a.property_dependencies.values() for u in us}
        return b.urn in urns

    def waits_for(self, a: Recorded, b: Recorded) -> bool:
        """True if `a` depends on `b` directly or through a role propagation wait (`time:index/sleep:Sleep`)."""
        if self.depends(a, b):
            return True
        sleeps = [r for r in self.records if r.type == "time:index/sleep:Sleep" and self.depends(r, b)]
        return any(self.depends(a, s) for s in sleeps)


def run_program(program: Callable[[], Any], preview: bool = False) -> Program:
    """Run `program` under fresh recording mocks and wait for every registration."""
    monitor = RecordingMonitor(AzureMocks())
    pulumi.runtime.set_mocks(
        AzureMocks(), project="aml-secure-baseline", stack="test", preview=preview, monitor=monitor
    )

    @pulumi.runtime.test
    def _run() -> Any:
        return program()

    _run()
    return Program(monitor.records)


@pytest.fixture
def run() -> Callable[..., Program]:
    return run_program
