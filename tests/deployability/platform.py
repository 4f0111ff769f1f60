"""A compliant Azure ML platform as the engine would send it to AnalyzeStack, in two shapes.

- `known-ids`: references are known ARM IDs, key URLs, principal and client IDs (an `up`-style preview);
  no property dependencies name them, only the resource `dependencies` (ordering) do.
- `unknown-ids`: references are the engine's unknown sentinel with property dependencies on their target
  (a first preview, as our stacks produce it).

It follows the shapes our components are moving to (issue 10): the deployer's Key Vault Crypto Officer grant
and the identity's key grant each behind a `time:index/sleep:Sleep`, the Azure Cosmos DB grant with a
description naming it, the workspace identity's documented roles, persona storage data roles, a registry
without CMK, fixed names with a generated suffix.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from preflight.model import UNKNOWN, RecordedResource

from ..policies.support import urn

MODES = ("known-ids", "unknown-ids")

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
RG_ID = f"{SUB}/resourceGroups/rg-aml"
RA_DEF = f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
DEPLOYER = "11111111-1111-1111-1111-111111111111"
COSMOS = "22222222-2222-2222-2222-222222222222"
GROUP = "33333333-3333-3333-3333-333333333333"

CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
KV_ADMIN = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
KV_CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"
KV_CSEU = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
BLOB_CONTRIB = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
FILE_PRIV_CONTRIB = "69566ab7-960f-475b-8e7c-b3118f30c6bd"
APPROVER = "b556d68e-0be0-4f35-a333-ad7ee1ce17ea"

T = {
    "rg": "azure-native:resources:ResourceGroup",
    "uai": "azure-native:managedidentity:UserAssignedIdentity",
    "vault": "azure-native:keyvault:Vault",
    "key": "azure-native:keyvault:Key",
    "ra": "azure-native:authorization:RoleAssignment",
    "sleep": "time:index/sleep:Sleep",
    "st": "azure-native:storage:StorageAccount",
    "acr": "azure-native:containerregistry:Registry",
    "appi": "azure-native:applicationinsights:Component",
    "ws": "azure-native:machinelearningservices:Workspace",
    "compute": "azure-native:machinelearningservices:Compute",
    "vnet": "azure-native:network:VirtualNetwork",
    "subnet": "azure-native:network:Subnet",
    "pe": "azure-native:network:PrivateEndpoint",
    "lock": "azure-native:authorization:ManagementLockByScope",
    "random": "random:index/randomString:RandomString",
}


@dataclass(frozen=True)
class Ref:
    """A reference at `path` to resource `target`, written in `form`: id, url (key/vault), principal, client."""

    path: str
    target: str
    form: str = "id"


def ra(
    name: str, role: str, scope: str, principal: str, **extra: Any
) -> tuple[str, dict[str, Any], list[Ref]]:
    """A role assignment spec: `principal` is a resource name (its principal ID) or a literal GUID."""
    inputs: dict[str, Any] = {"roleDefinitionId": RA_DEF + role, "principalType": "ServicePrincipal"} | extra
    refs = [Ref("scope", scope)]
    if principal in SPECS_NAMES:
        refs.append(Ref("principalId", principal, "principal"))
    else:
        inputs["principalId"] = principal
    return name, inputs, refs


SPECS_NAMES = {"uai"}


def _ids() -> dict[str, str]:
    p = f"{RG_ID}/providers"
    return {
        "rg": RG_ID,
        "uai": f"{p}/Microsoft.ManagedIdentity/userAssignedIdentities/id-aml",
        "vault": f"{p}/Microsoft.KeyVault/vaults/kv-aml-x7k2p",
        "key": f"{p}/Microsoft.KeyVault/vaults/kv-aml-x7k2p/keys/cmk",
        "st": f"{p}/Microsoft.Storage/storageAccounts/stamlx7k2p",
        "acr": f"{p}/Microsoft.ContainerRegistry/registries/cramlx7k2p",
        "appi": f"{p}/Microsoft.Insights/components/appi-aml",
        "ws": f"{p}/Microsoft.MachineLearningServices/workspaces/mlw-aml",
        "vnet": f"{p}/Microsoft.Network/virtualNetworks/vnet-aml",
        "snet-pe": f"{p}/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe",
        "snet-compute": f"{p}/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-compute",
    }


IDS = _ids()
KNOWN_VALUES = {
    ("uai", "principal"): "44444444-4444-4444-4444-444444444444",
    ("uai", "client"): "55555555-5555-5555-5555-555555555555",
    ("key", "url"): "https://kv-aml-x7k2p.vault.azure.net/keys/cmk/0123456789abcdef",
    ("vault", "url"): "https://kv-aml-x7k2p.vault.azure.net/",
}

CMK_GRANTS = ["ra-kv-cmk", "ra-cosmos"]


def specs() -> dict[str, tuple[str, dict[str, Any], list[Ref], list[str]]]:
    """name -> (type, inputs, references, explicit dependencies) of the compliant platform."""
    s: dict[str, tuple[str, dict[str, Any], list[Ref], list[str]]] = {}

    def add(
        kind: str, name: str, inputs: dict[str, Any], refs: Iterable[Ref] = (), deps: Iterable[str] = ()
    ) -> None:
        s[name] = (T[kind], inputs, list(refs), list(deps))

    def grant(spec: tuple[str, dict[str, Any], list[Ref]], deps: Iterable[str] = ()) -> None:
        name, inputs, refs = spec
        add("ra", name, inputs, refs, deps)

    add("rg", "rg", {"resourceGroupName": "rg-aml", "location": "westeurope"})
    add("random", "suffix", {"length": 5, "special": False, "upper": False})
    add("uai", "uai", {"resourceName": "id-aml", "resourceGroupName": "rg-aml"})
    add(
        "vault",
        "vault",
        {
            "vaultName": "kv-aml-x7k2p",
            "resourceGroupName": "rg-aml",
            "properties": {
                "enableRbacAuthorization": True,
                "publicNetworkAccess": "Disabled",
                "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
            },
        },
        [Ref("vaultName", "suffix", "literal")],
    )
    grant(ra("ra-deployer", KV_CRYPTO_OFFICER, "vault", DEPLOYER, principalType="User"))
    add("sleep", "sleep-deployer", {"createDuration": "60s"}, deps=["ra-deployer"])
    add(
        "key",
        "key",
        {
            "keyName": "cmk",
            "resourceGroupName": "rg-aml",
            "properties": {
                "kty": "RSA-HSM",
                "keySize": 3072,
                "rotationPolicy": {"lifetimeActions": [{"action": {"type": "rotate"}}]},
            },
        },
        [Ref("vaultName", "vault", "name")],
        ["sleep-deployer"],
    )
    grant(ra("ra-kv-cmk", KV_CSEU, "vault", "uai"))
    grant(
        ra(
            "ra-cosmos",
            KV_CSEU,
            "vault",
            COSMOS,
            description="aml-secure-baseline: Azure Cosmos DB first-party principal, Key Vault Crypto Service Encryption User",
        )
    )
    add("sleep", "sleep-cmk", {"createDuration": "120s"}, deps=CMK_GRANTS)
    add(
        "st",
        "st",
        {
            "accountName": "stamlx7k2p",
            "resourceGroupName": "rg-aml",
            "allowSharedKeyAccess": False,
            "encryption": {
                "keySource": "Microsoft.Keyvault",
                "keyVaultProperties": {"keyName": "cmk"},
                "encryptionIdentity": {},
            },
        },
        [
            Ref("encryption.keyVaultProperties.keyVaultUri", "vault", "url"),
            Ref("encryption.encryptionIdentity.encryptionUserAssignedIdentity", "uai"),
            Ref("accountName", "suffix", "literal"),
        ],
        ["sleep-cmk"],
    )
    add(
        "acr",
        "acr",
        {"registryName": "cramlx7k2p", "resourceGroupName": "rg-aml", "encryption": {"status": "disabled"}},
        [Ref("registryName", "suffix", "literal")],
    )
    add("appi", "appi", {"resourceName": "appi-aml", "resourceGroupName": "rg-aml"})
    identity_grants = {
        "ra-st-contrib": (CONTRIBUTOR, "st"),
        "ra-st-blob": (BLOB_CONTRIB, "st"),
        "ra-kv-contrib": (CONTRIBUTOR, "vault"),
        "ra-kv-admin": (KV_ADMIN, "vault"),
        "ra-acr-contrib": (CONTRIBUTOR, "acr"),
        "ra-appi-contrib": (CONTRIBUTOR, "appi"),
        "ra-approver": (APPROVER, "rg"),
    }
    for name, (role, scope) in identity_grants.items():
        grant(ra(name, role, scope, "uai"))
    add(
        "ws",
        "ws",
        {
            "workspaceName": "mlw-aml",
            "resourceGroupName": "rg-aml",
            "identity": {"type": "UserAssigned"},
            "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"},
            "serverlessComputeSettings": {"serverlessComputeNoPublicIP": False},
            "enableServiceSideCMKEncryption": False,
            "encryption": {"status": "Enabled", "keyVaultProperties": {}, "identity": {}},
        },
        [
            Ref("identity.userAssignedIdentities", "uai", "idlist"),
            Ref("primaryUserAssignedIdentity", "uai"),
            Ref("storageAccount", "st"),
            Ref("keyVault", "vault"),
            Ref("containerRegistry", "acr"),
            Ref("applicationInsights", "appi"),
            Ref("encryption.keyVaultProperties.keyIdentifier", "key", "url"),
            Ref("encryption.keyVaultProperties.keyVaultArmId", "vault"),
            Ref("encryption.identity.userAssignedIdentity", "uai"),
        ],
        ["sleep-cmk", *identity_grants],
    )
    grant(ra("ra-ws-contrib", CONTRIBUTOR, "ws", "uai"))
    grant(ra("ra-group-blob", BLOB_CONTRIB, "st", GROUP, principalType="Group"))
    grant(ra("ra-group-file", FILE_PRIV_CONTRIB, "st", GROUP, principalType="Group"))
    add(
        "compute",
        "ci",
        {
            "resourceGroupName": "rg-aml",
            "computeName": "ci-alice-x7k2p",
            "properties": {"computeType": "ComputeInstance"},
        },
        [Ref("workspaceName", "ws", "name"), Ref("computeName", "suffix", "literal")],
    )
    add("lock", "vault-lock", {"level": "CanNotDelete"}, [Ref("scope", "vault")])
    add(
        "vnet",
        "vnet",
        {
            "virtualNetworkName": "vnet-aml",
            "resourceGroupName": "rg-aml",
            "addressSpace": {"addressPrefixes": ["10.20.0.0/22"]},
        },
    )
    add(
        "subnet",
        "snet-pe",
        {"subnetName": "snet-pe", "resourceGroupName": "rg-aml", "addressPrefix": "10.20.0.0/24"},
        [Ref("virtualNetworkName", "vnet", "name")],
    )
    add(
        "subnet",
        "snet-compute",
        {"subnetName": "snet-compute", "resourceGroupName": "rg-aml", "addressPrefix": "10.20.1.0/24"},
        [Ref("virtualNetworkName", "vnet", "name")],
    )
    add(
        "pe",
        "pe-kv",
        {"resourceGroupName": "rg-aml", "subnet": {}},
        [Ref("subnet.id", "snet-pe"), Ref("privateLinkServiceConnections", "vault", "plsc")],
    )
    return s


NAMES = {"vault": "kv-aml-x7k2p", "ws": "mlw-aml", "vnet": "vnet-aml"}


def _known(ref: Ref, target_type: str) -> Any:
    if ref.form == "name":
        return NAMES[ref.target]
    if ref.form == "literal":
        return None  # the value is already in the inputs; only the dependency is recorded
    if ref.form in ("url", "principal", "client"):
        return KNOWN_VALUES[(ref.target, ref.form)]
    if ref.form == "idlist":
        return [IDS[ref.target]]
    if ref.form == "plsc":
        return [{"privateLinkServiceId": IDS[ref.target], "groupIds": ["vault"], "name": "plsc"}]
    return IDS[ref.target]


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    steps = path.split(".")
    for step in steps[:-1]:
        tree = tree.setdefault(step, {})
    tree[steps[-1]] = value


def build(
    mode: str,
    specs_: dict[str, tuple[str, dict[str, Any], list[Ref], list[str]]] | None = None,
) -> list[RecordedResource]:
    """The platform (or edited `specs_`) as recorded resources in `mode`."""
    known = mode == "known-ids"
    table = specs_ if specs_ is not None else specs()
    out: list[RecordedResource] = []
    for name, (type_token, inputs, refs, deps) in table.items():
        props = copy.deepcopy(inputs)
        pdeps: dict[str, list[str]] = {}
        dependencies: set[str] = set()
        for ref in refs:
            if ref.target not in table:
                continue
            target_urn = urn(table[ref.target][0], ref.target)
            dependencies.add(target_urn)
            if ref.form == "literal":
                if not known:
                    _set(props, ref.path, UNKNOWN)
                pdeps.setdefault(ref.path.split(".")[0], []).append(target_urn)
                continue
            if known:
                _set(props, ref.path, _known(ref, table[ref.target][0]))
            else:
                _set(props, ref.path, [UNKNOWN] if ref.form == "idlist" else UNKNOWN)
                pdeps.setdefault(ref.path.split(".")[0], []).append(target_urn)
        for dep in deps:
            if dep in table:
                dependencies.add(urn(table[dep][0], dep))
        if known:
            if name in IDS:
                props["id"] = IDS[name]
            if type_token == T["uai"]:
                props["principalId"] = KNOWN_VALUES[("uai", "principal")]
                props["clientId"] = KNOWN_VALUES[("uai", "client")]
        elif type_token == T["ra"] and props.get("principalId") == COSMOS:
            props["principalId"] = UNKNOWN  # looked up with azuread at preview: unknown, depends on nothing
        out.append(
            RecordedResource(
                urn=urn(type_token, name),
                type=type_token,
                name=name,
                custom=True,
                inputs=props,
                dependencies=sorted(dependencies),
                property_dependencies=pdeps,
            )
        )
    return out


def edited(
    *,
    drop: Iterable[str] = (),
    change: dict[str, tuple[str, Any] | list[tuple[str, Any]]] | None = None,
    deps: dict[str, list[str]] | None = None,
    refs: dict[str, list[Ref]] | None = None,
    add: dict[str, tuple[str, dict[str, Any], list[Ref], list[str]]] | None = None,
) -> dict[str, tuple[str, dict[str, Any], list[Ref], list[str]]]:
    """The compliant specs with one kind of edit: dropped resources, an input change (path, value; None
    deletes; a list for several), replaced explicit dependencies, replaced references, or added resources."""
    table = specs()
    for name in drop:
        table.pop(name, None)
    for name, edits in (change or {}).items():
        kind, inputs, r, d = table[name]
        inputs = copy.deepcopy(inputs)
        for path, value in edits if isinstance(edits, list) else [edits]:
            steps = path.split(".")
            tree = inputs
            for step in steps[:-1]:
                tree = tree.setdefault(step, {})
            if value is None:
                tree.pop(steps[-1], None)
            else:
                tree[steps[-1]] = value
        table[name] = (kind, inputs, r, d)
    for name, new_deps in (deps or {}).items():
        kind, inputs, r, _ = table[name]
        table[name] = (kind, inputs, r, new_deps)
    for name, new_refs in (refs or {}).items():
        kind, inputs, _, d = table[name]
        table[name] = (kind, inputs, new_refs, d)
    table.update(add or {})
    return table
