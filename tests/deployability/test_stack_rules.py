"""Stack rules through AnalyzeStack: the compliant platform passes, one change per failing case with the exact
message, each in both shapes (known IDs without property dependencies, unknown IDs with them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from preflight.analyzer import PolicyPackProcess

from ..policies.conftest import configured
from ..policies.support import body
from . import platform as pl
from .platform import Ref

SRC = {
    "acr-cmk-firewalled-vault": '(Source: "Encrypt registry using a customer-managed key", section "Advanced '
    'scenario: Key Vault firewall".)',
    "ws-service-side-cmk": '(Source: "Customer-managed keys for Azure Machine Learning", section "(Preview) '
    'Service-side encryption of metadata".)',
    "key-deployer-data-role": '(Source: "Azure built-in roles", section "Key Vault Crypto Officer".)',
    "cmk-rbac-propagation": '(Source: "Troubleshoot Azure RBAC", section "Symptom - Role assignment changes are '
    'not being detected".)',
    "ws-identity-roles": '(Source: "Set up authentication between Azure Machine Learning and other services", '
    'section "User-assigned managed identity".)',
    "ws-cosmos-key-access": '(Source: "Use customer-managed keys with Azure Machine Learning", section "Allow '
    'Azure Cosmos DB to access the key".)',
    "storage-identity-data-roles": '(Source: "Disable shared key access for your workspace\'s storage account", '
    'section "Assign roles to users".)',
    "compute-instance-name-unique": '(Source: "Create a compute instance", section "Create (Compute name)".)',
    "lock-blocks-children": '(Source: "Lock your resources to protect your infrastructure", section '
    '"Considerations before applying your locks".)',
    "resource-names-unique": '(Source: "Naming rules and restrictions for Azure resources", section '
    '"Microsoft.Storage, Microsoft.KeyVault, Microsoft.ContainerRegistry, Microsoft.MachineLearningServices".)',
    "subnet-layout": '(Source: "Azure Virtual Network frequently asked questions (FAQ)", section "Are there any '
    'restrictions on using IP addresses within these subnets?".)',
}

ACR_CMK: dict[str, Any] = {
    "refs": {
        "acr": [
            Ref("registryName", "suffix", "literal"),
            Ref("encryption.keyVaultProperties.keyIdentifier", "key", "url"),
            Ref("encryption.keyVaultProperties.identity", "uai", "client"),
        ]
    },
    "change": {"acr": ("encryption.status", "enabled")},
}
VAULT_OPEN = {"vault": ("properties.publicNetworkAccess", "Enabled")}
NO_ROTATION = {"key": ("properties.rotationPolicy", None)}


@dataclass(frozen=True)
class SCase:
    """A stack edit (see `platform.edited`) and the exact (resource, message) pairs `policy` reports."""

    policy: str
    label: str
    edit: dict[str, Any]
    expect: tuple[tuple[str, str], ...] = ()
    config: dict[str, Any] | None = None
    modes: tuple[str, ...] = pl.MODES
    extra: dict[str, Any] = field(default_factory=dict)


def m(policy: str, text: str) -> str:
    return f"{text} {SRC[policy]}"


WHO = 'the user-assigned identity "uai" of workspace "ws"'
CONTRIB = (
    "; a workspace's user-assigned identity needs Contributor on the workspace and on its storage account, key "
    "vault, container registry and Application Insights: grant it."
)

STACK_CASES = [
    # acr-cmk-firewalled-vault
    SCase("acr-cmk-firewalled-vault", "compliant: no registry CMK", {}),
    SCase(
        "acr-cmk-firewalled-vault",
        "cmk with a vault whose public access is disabled",
        ACR_CMK,
        (
            (
                "acr",
                m(
                    "acr-cmk-firewalled-vault",
                    'registry "acr" is encrypted with a customer-managed key in key vault "vault", whose firewall '
                    'is on (properties.publicNetworkAccess is "Disabled"); a registry\'s customer-managed key is '
                    "enabled at creation through a user-assigned identity, and a registry can bypass the Key Vault "
                    "firewall only with its system-assigned identity, so the registry cannot reach the key: create "
                    'the registry without a customer-managed key (encryption.status "disabled") or with a key in a '
                    "vault without a firewall.",
                ),
            ),
        ),
    ),
    SCase(
        "acr-cmk-firewalled-vault",
        "cmk with a vault whose default action is Deny",
        ACR_CMK | {"change": ACR_CMK["change"] | VAULT_OPEN},
        (
            (
                "acr",
                m(
                    "acr-cmk-firewalled-vault",
                    'registry "acr" is encrypted with a customer-managed key in key vault "vault", whose firewall '
                    'is on (properties.networkAcls.defaultAction is "Deny"); a registry\'s customer-managed key is '
                    "enabled at creation through a user-assigned identity, and a registry can bypass the Key Vault "
                    "firewall only with its system-assigned identity, so the registry cannot reach the key: create "
                    'the registry without a customer-managed key (encryption.status "disabled") or with a key in a '
                    "vault without a firewall.",
                ),
            ),
        ),
    ),
    SCase(
        "acr-cmk-firewalled-vault",
        "cmk with a vault without firewall",
        ACR_CMK
        | {
            "change": ACR_CMK["change"]
            | {
                "vault": [
                    ("properties.publicNetworkAccess", "Enabled"),
                    ("properties.networkAcls.defaultAction", "Allow"),
                ]
            }
        },
    ),
    # ws-service-side-cmk
    SCase("ws-service-side-cmk", "compliant: classic cmk", {}),
    SCase(
        "ws-service-side-cmk",
        "service-side with a closed vault and a rotating key",
        {"change": {"ws": ("enableServiceSideCMKEncryption", True)}},
        (
            (
                "ws",
                m(
                    "ws-service-side-cmk",
                    'workspace "ws" sets enableServiceSideCMKEncryption with a key in key vault "vault", whose '
                    'properties.publicNetworkAccess is "Disabled"; service-side encryption is not supported with a '
                    "key vault that has public network access disabled: set enableServiceSideCMKEncryption to "
                    "false (classic customer-managed keys).",
                ),
            ),
            (
                "ws",
                m(
                    "ws-service-side-cmk",
                    'workspace "ws" sets enableServiceSideCMKEncryption with key "key", which rotates '
                    'automatically (a "rotate" lifetime action in properties.rotationPolicy); key rotation is not '
                    "supported during the service-side encryption preview: set enableServiceSideCMKEncryption to "
                    "false or remove the rotation action.",
                ),
            ),
        ),
    ),
    SCase(
        "ws-service-side-cmk",
        "service-side with an open vault and a key without rotation",
        {"change": {"ws": ("enableServiceSideCMKEncryption", True)} | VAULT_OPEN | NO_ROTATION},
    ),
    SCase(
        "ws-service-side-cmk",
        "service-side with a rotating key only",
        {"change": {"ws": ("enableServiceSideCMKEncryption", True)} | VAULT_OPEN},
        (
            (
                "ws",
                m(
                    "ws-service-side-cmk",
                    'workspace "ws" sets enableServiceSideCMKEncryption with key "key", which rotates '
                    'automatically (a "rotate" lifetime action in properties.rotationPolicy); key rotation is not '
                    "supported during the service-side encryption preview: set enableServiceSideCMKEncryption to "
                    "false or remove the rotation action.",
                ),
            ),
        ),
    ),
    # key-deployer-data-role
    SCase("key-deployer-data-role", "compliant: crypto officer behind a sleep", {}),
    SCase(
        "key-deployer-data-role",
        "no deployer grant",
        {"drop": ["ra-deployer"]},
        (
            (
                "key",
                m(
                    "key-deployer-data-role",
                    'key "key" is created in the RBAC key vault "vault", but no role assignment in the stack '
                    "grants the deploying principal Key Vault Crypto Officer or Key Vault Administrator on the "
                    "vault; Resource Manager creates the key as a Key Vault data action "
                    "(Microsoft.KeyVault/vaults/keys/read, ForbiddenByRbac for Owner and Contributor): grant one "
                    "of these roles to the deploying principal on the vault and make the key depend on that grant.",
                ),
            ),
        ),
    ),
    SCase(
        "key-deployer-data-role",
        "the grant goes to the stack's own identity",
        {"refs": {"ra-deployer": [Ref("scope", "vault"), Ref("principalId", "uai", "principal")]}},
        (
            (
                "key",
                m(
                    "key-deployer-data-role",
                    'key "key" is created in the RBAC key vault "vault", but no role assignment in the stack '
                    "grants the deploying principal Key Vault Crypto Officer or Key Vault Administrator on the "
                    "vault; Resource Manager creates the key as a Key Vault data action "
                    "(Microsoft.KeyVault/vaults/keys/read, ForbiddenByRbac for Owner and Contributor): grant one "
                    "of these roles to the deploying principal on the vault and make the key depend on that grant.",
                ),
            ),
        ),
    ),
    SCase(
        "key-deployer-data-role",
        "the key does not wait for the grant",
        {"deps": {"key": []}},
        (
            (
                "key",
                m(
                    "key-deployer-data-role",
                    'key "key" does not depend on "ra-deployer", the role assignment that grants the deploying '
                    'principal its data role on key vault "vault"; without the dependency the key is created '
                    "before the grant exists: add the grant (or a propagation wait after it) to the key's "
                    "dependsOn.",
                ),
            ),
        ),
    ),
    SCase(
        "key-deployer-data-role",
        "key vault administrator at resource group scope",
        {
            "change": {"ra-deployer": ("roleDefinitionId", pl.RA_DEF + pl.KV_ADMIN)},
            "refs": {"ra-deployer": [Ref("scope", "rg")]},
        },
    ),
    SCase(
        "key-deployer-data-role",
        "access-policy vault needs no grant",
        {"drop": ["ra-deployer"], "change": {"vault": ("properties.enableRbacAuthorization", False)}},
    ),
    SCase(
        "key-deployer-data-role",
        "listed deployers exclude the grant's principal",
        {},
        (
            (
                "key",
                m(
                    "key-deployer-data-role",
                    'key "key" is created in the RBAC key vault "vault", but no role assignment in the stack '
                    "grants the deploying principal Key Vault Crypto Officer or Key Vault Administrator on the "
                    "vault; Resource Manager creates the key as a Key Vault data action "
                    "(Microsoft.KeyVault/vaults/keys/read, ForbiddenByRbac for Owner and Contributor): grant one "
                    "of these roles to the deploying principal on the vault and make the key depend on that grant.",
                ),
            ),
        ),
        config={"key-deployer-data-role": {"deployerPrincipalIds": ["99999999-9999-9999-9999-999999999999"]}},
    ),
    SCase(
        "key-deployer-data-role",
        "listed deployer",
        {},
        config={"key-deployer-data-role": {"deployerPrincipalIds": [pl.DEPLOYER.upper()]}},
    ),
    # cmk-rbac-propagation
    SCase("cmk-rbac-propagation", "compliant: consumers wait after the grants", {}),
    SCase(
        "cmk-rbac-propagation",
        "storage waits for nothing",
        {"deps": {"st": []}},
        (
            (
                "st",
                m(
                    "cmk-rbac-propagation",
                    '"st" is encrypted with a customer-managed key that its identity "uai" may use through '
                    '"ra-kv-cmk" and "ra-kv-admin", but it depends on no propagation wait (time:index/sleep:Sleep) '
                    "created after that grant; a new role assignment can take up to 10 minutes to take effect, and "
                    "the first deployment fails with KeyVaultAuthenticationFailure: add a wait that depends on the "
                    "grant and make the resource depend on the wait.",
                ),
            ),
        ),
    ),
    SCase(
        "cmk-rbac-propagation",
        "the wait precedes the identity's grants",
        {"deps": {"sleep-cmk": ["ra-cosmos"]}},
        tuple(
            (
                name,
                m(
                    "cmk-rbac-propagation",
                    f'"{name}" is encrypted with a customer-managed key that its identity "uai" may use through '
                    '"ra-kv-cmk" and "ra-kv-admin", but it depends on no propagation wait (time:index/sleep:Sleep) '
                    "created after that grant; a new role assignment can take up to 10 minutes to take effect, and "
                    "the first deployment fails with KeyVaultAuthenticationFailure: add a wait that depends on the "
                    "grant and make the resource depend on the wait.",
                ),
            )
            for name in ("st", "ws")
        ),
    ),
    SCase(
        "cmk-rbac-propagation",
        "a wait after the administrator grant counts",
        {"deps": {"sleep-cmk": ["ra-cosmos", "ra-kv-admin"]}},
    ),
    SCase(
        "cmk-rbac-propagation",
        "the registry's cmk waits for nothing",
        ACR_CMK,
        (
            (
                "acr",
                m(
                    "cmk-rbac-propagation",
                    '"acr" is encrypted with a customer-managed key that its identity "uai" may use through '
                    '"ra-kv-cmk" and "ra-kv-admin", but it depends on no propagation wait (time:index/sleep:Sleep) '
                    "created after that grant; a new role assignment can take up to 10 minutes to take effect, and "
                    "the first deployment fails with KeyVaultAuthenticationFailure: add a wait that depends on the "
                    "grant and make the resource depend on the wait.",
                ),
            ),
        ),
    ),
    SCase(
        "cmk-rbac-propagation",
        "another wait type, configured",
        {"add": {"sleep-cmk": ("command:local:Command", {"create": "sleep 120"}, [], pl.CMK_GRANTS)}},
        config={"cmk-rbac-propagation": {"waitTypes": ["command:local:Command"]}},
    ),
    SCase(
        "cmk-rbac-propagation",
        "another wait type, not configured",
        {"add": {"sleep-cmk": ("command:local:Command", {"create": "sleep 120"}, [], pl.CMK_GRANTS)}},
        tuple(
            (
                name,
                m(
                    "cmk-rbac-propagation",
                    f'"{name}" is encrypted with a customer-managed key that its identity "uai" may use through '
                    '"ra-kv-cmk" and "ra-kv-admin", but it depends on no propagation wait (time:index/sleep:Sleep) '
                    "created after that grant; a new role assignment can take up to 10 minutes to take effect, and "
                    "the first deployment fails with KeyVaultAuthenticationFailure: add a wait that depends on the "
                    "grant and make the resource depend on the wait.",
                ),
            )
            for name in ("st", "ws")
        ),
    ),
    # ws-identity-roles
    SCase("ws-identity-roles", "compliant: the documented roles", {}),
    SCase(
        "ws-identity-roles",
        "no contributor on the workspace",
        {"drop": ["ra-ws-contrib"]},
        (("ws", m("ws-identity-roles", f'{WHO} holds no Contributor on the workspace "ws"{CONTRIB}')),),
    ),
    SCase(
        "ws-identity-roles",
        "no contributor on application insights",
        {"drop": ["ra-appi-contrib"]},
        (
            (
                "ws",
                m(
                    "ws-identity-roles",
                    f'{WHO} holds no Contributor on the Application Insights "appi"{CONTRIB}',
                ),
            ),
        ),
    ),
    SCase(
        "ws-identity-roles",
        "no blob data role",
        {"drop": ["ra-st-blob"]},
        (
            (
                "ws",
                m(
                    "ws-identity-roles",
                    f'{WHO} holds no Storage Blob Data Contributor on the storage account "st"; the workspace reads '
                    "and writes its default datastores with this identity: grant it.",
                ),
            ),
        ),
    ),
    SCase(
        "ws-identity-roles",
        "no key vault administrator",
        {"drop": ["ra-kv-admin"]},
        (
            (
                "ws",
                m(
                    "ws-identity-roles",
                    f'{WHO} holds no Key Vault Administrator on the RBAC key vault "vault"; the documented '
                    "data-plane role of a workspace identity on an RBAC vault is Key Vault Administrator: grant it.",
                ),
            ),
        ),
    ),
    SCase(
        "ws-identity-roles",
        "no network connection approver",
        {"drop": ["ra-approver"]},
        (
            (
                "ws",
                m(
                    "ws-identity-roles",
                    f"{WHO} holds no Azure AI Enterprise Network Connection Approver at a scope that covers the "
                    'workspace, and its managed network (managedNetwork.isolationMode "AllowOnlyApprovedOutbound") '
                    "creates private endpoints that this identity must approve (Workspace Managed Virtual Network "
                    'Isolation: "If you are using UAI workspace please make sure to add the Azure AI Enterprise '
                    'Network Connection Approver role to your identity"): grant it on the resource group or the '
                    "workspace.",
                ),
            ),
        ),
    ),
    SCase(
        "ws-identity-roles",
        "approver on the workspace itself",
        {"refs": {"ra-approver": [Ref("scope", "ws"), Ref("principalId", "uai", "principal")]}},
    ),
    SCase(
        "ws-identity-roles",
        "no managed network, no approver",
        {"drop": ["ra-approver"], "change": {"ws": ("managedNetwork.isolationMode", "Disabled")}},
    ),
    # ws-cosmos-key-access
    SCase("ws-cosmos-key-access", "compliant: the cosmos db principal is granted", {}),
    SCase(
        "ws-cosmos-key-access",
        "no cosmos db grant",
        {"drop": ["ra-cosmos"]},
        (
            (
                "ws",
                m(
                    "ws-cosmos-key-access",
                    'workspace "ws" uses classic customer-managed keys with a key in the RBAC key vault "vault", '
                    "but no role assignment grants the Azure Cosmos DB first-party principal (app ID "
                    "a232010e-820c-4083-83bb-3ace5fc29d0b) Key Vault Crypto Service Encryption User on the vault; "
                    "Azure Machine Learning creates an Azure Cosmos DB account encrypted with this key, which needs "
                    "get, wrap key and unwrap key on it: grant that role to the Azure Cosmos DB principal (a "
                    "description naming Azure Cosmos DB, or its object ID in cosmosDbPrincipalIds) and make the "
                    "workspace depend on the grant.",
                ),
            ),
        ),
    ),
    SCase(
        "ws-cosmos-key-access",
        "a grant whose description does not name cosmos db",
        {"change": {"ra-cosmos": ("description", "key access")}},
        (
            (
                "ws",
                m(
                    "ws-cosmos-key-access",
                    'workspace "ws" uses classic customer-managed keys with a key in the RBAC key vault "vault", '
                    "but no role assignment grants the Azure Cosmos DB first-party principal (app ID "
                    "a232010e-820c-4083-83bb-3ace5fc29d0b) Key Vault Crypto Service Encryption User on the vault; "
                    "Azure Machine Learning creates an Azure Cosmos DB account encrypted with this key, which needs "
                    "get, wrap key and unwrap key on it: grant that role to the Azure Cosmos DB principal (a "
                    "description naming Azure Cosmos DB, or its object ID in cosmosDbPrincipalIds) and make the "
                    "workspace depend on the grant.",
                ),
            ),
        ),
    ),
    SCase(
        "ws-cosmos-key-access",
        "the workspace does not wait for the grant",
        {"deps": {"sleep-cmk": ["ra-kv-cmk"]}},
        (
            (
                "ws",
                m(
                    "ws-cosmos-key-access",
                    'workspace "ws" does not depend on "ra-cosmos", the role assignment that lets the Azure Cosmos '
                    'DB principal use its key in key vault "vault"; without the dependency the workspace is '
                    "created before the grant exists: add the grant (or a propagation wait after it) to the "
                    "workspace's dependsOn.",
                ),
            ),
        ),
    ),
    SCase(
        "ws-cosmos-key-access",
        "service-side encryption needs no cosmos db grant",
        {"drop": ["ra-cosmos"], "change": {"ws": ("enableServiceSideCMKEncryption", True)}},
    ),
    SCase(
        "ws-cosmos-key-access",
        "cosmos db principal listed by object ID",
        {"change": {"ra-cosmos": ("description", "key access")}},
        config={"ws-cosmos-key-access": {"cosmosDbPrincipalIds": [pl.COSMOS]}},
        modes=("known-ids",),
    ),
    # storage-identity-data-roles
    SCase("storage-identity-data-roles", "compliant: users hold both data roles", {}),
    SCase(
        "storage-identity-data-roles",
        "no file data role for users",
        {"drop": ["ra-group-file"]},
        (
            (
                "st",
                m(
                    "storage-identity-data-roles",
                    'storage account "st" of workspace "ws" disallows shared key access (allowSharedKeyAccess '
                    "false), but no User or Group holds Storage File Data Privileged Contributor (or its Reader "
                    "variant) on it; studio notebooks, compute instances and data browsing then fail for the "
                    "workspace's users: grant them Storage Blob Data Contributor and Storage File Data Privileged "
                    "Contributor on the storage account.",
                ),
            ),
        ),
    ),
    SCase(
        "storage-identity-data-roles",
        "shared keys allowed",
        {"drop": ["ra-group-file", "ra-group-blob"], "change": {"st": ("allowSharedKeyAccess", True)}},
    ),
    # compute-instance-name-unique
    SCase("compute-instance-name-unique", "compliant: name with a generated suffix", {}),
    SCase(
        "compute-instance-name-unique",
        "fixed instance name",
        {"refs": {"ci": [Ref("workspaceName", "ws", "name")]}},
        (
            (
                "ci",
                m(
                    "compute-instance-name-unique",
                    'compute instance "ci" has the fixed name "ci-alice-x7k2p"; compute instance names must be '
                    "unique across all existing computes within an Azure region, so a fixed name collides with any "
                    "other instance of that name in the region: derive the name from a generated suffix.",
                ),
            ),
        ),
    ),
    # lock-blocks-children
    SCase("lock-blocks-children", "compliant: the vault is locked, not the workspace", {}),
    SCase(
        "lock-blocks-children",
        "lock on the workspace",
        {"refs": {"vault-lock": [Ref("scope", "ws")]}},
        (
            (
                "vault-lock",
                m(
                    "lock-blocks-children",
                    'CanNotDelete lock "vault-lock" covers workspace "ws"; a lock is inherited by the workspace\'s '
                    "child and extension resources, so later updates cannot delete or replace its computes, role "
                    "assignments and diagnostic settings, and compute clusters cannot remove unused nodes: lock the "
                    "stateful dependencies instead and protect the workspace with the `protect` resource option.",
                ),
            ),
        ),
    ),
    SCase(
        "lock-blocks-children",
        "lock on the resource group",
        {"refs": {"vault-lock": [Ref("scope", "rg")]}},
        (
            (
                "vault-lock",
                m(
                    "lock-blocks-children",
                    'CanNotDelete lock "vault-lock" covers workspace "ws"; a lock is inherited by the workspace\'s '
                    "child and extension resources, so later updates cannot delete or replace its computes, role "
                    "assignments and diagnostic settings, and compute clusters cannot remove unused nodes: lock the "
                    "stateful dependencies instead and protect the workspace with the `protect` resource option.",
                ),
            ),
        ),
    ),
    SCase(
        "lock-blocks-children",
        "read-only lock is another matter",
        {"refs": {"vault-lock": [Ref("scope", "ws")]}, "change": {"vault-lock": ("level", "ReadOnly")}},
    ),
    # resource-names-unique
    SCase("resource-names-unique", "compliant: global names with a generated suffix", {}),
    SCase(
        "resource-names-unique",
        "fixed storage account name",
        {
            "refs": {
                "st": [
                    Ref("encryption.keyVaultProperties.keyVaultUri", "vault", "url"),
                    Ref("encryption.encryptionIdentity.encryptionUserAssignedIdentity", "uai"),
                ]
            }
        },
        (
            (
                "st",
                m(
                    "resource-names-unique",
                    'storage account "st" has the fixed name "stamlx7k2p"; storage account names are globally '
                    "unique in Azure, so a fixed name fails as soon as another subscription (or another stack of "
                    "this program) holds it: derive the name from a generated suffix.",
                ),
            ),
        ),
    ),
    # subnet-layout
    SCase("subnet-layout", "compliant: two /24 inside a /22", {}),
    SCase(
        "subnet-layout",
        "subnet outside the address space",
        {"change": {"snet-compute": ("addressPrefix", "10.20.8.0/24")}},
        (
            (
                "snet-compute",
                m(
                    "subnet-layout",
                    'subnet "snet-compute" (10.20.8.0/24) is outside the address space of virtual network "vnet" '
                    "(10.20.0.0/22); a subnet's prefix must lie within its virtual network's address space.",
                ),
            ),
        ),
    ),
    SCase(
        "subnet-layout",
        "overlapping subnets",
        {"change": {"snet-compute": ("addressPrefix", "10.20.0.128/25")}},
        (
            (
                "snet-compute",
                m(
                    "subnet-layout",
                    'subnets "snet-pe" (10.20.0.0/24) and "snet-compute" (10.20.0.128/25) of virtual network '
                    '"vnet" overlap; the subnets of a virtual network must not overlap.',
                ),
            ),
        ),
    ),
    SCase(
        "subnet-layout",
        "private endpoint subnet too small",
        {"change": {"snet-pe": ("addressPrefix", "10.20.0.0/28")}},
        (
            (
                "snet-pe",
                m(
                    "subnet-layout",
                    'subnet "snet-pe" (10.20.0.0/28) holds private endpoints but has only 11 usable addresses; '
                    "Azure reserves five addresses in every subnet and each private endpoint takes one: use a /27 "
                    "or larger prefix (maxPrivateEndpointSubnetPrefixLength).",
                ),
            ),
        ),
    ),
    SCase(
        "subnet-layout",
        "smaller endpoint subnet allowed by config",
        {"change": {"snet-pe": ("addressPrefix", "10.20.0.0/28")}},
        config={"subnet-layout": {"maxPrivateEndpointSubnetPrefixLength": 28}},
    ),
    SCase(
        "subnet-layout",
        "malformed prefix",
        {"change": {"snet-compute": ("addressPrefix", "10.20.1.1/24")}},
        (
            (
                "snet-compute",
                m(
                    "subnet-layout",
                    'subnet "snet-compute" has the address prefix "10.20.1.1/24", which is not a valid CIDR prefix.',
                ),
            ),
        ),
    ),
]


def _id(c: SCase) -> str:
    return f"{c.policy}: {c.label}"


CASES_BY_MODE = [(c, mode) for c in STACK_CASES for mode in c.modes]


@pytest.mark.parametrize(("case", "mode"), CASES_BY_MODE, ids=[f"{_id(c)} [{mo}]" for c, mo in CASES_BY_MODE])
def test_stack_case(pack: PolicyPackProcess, case: SCase, mode: str) -> None:
    """The case's policy reports exactly the expected (resource, message) pairs; a bare edit passes."""
    resources = pl.build(mode, pl.edited(**case.edit))
    with configured(pack, case.config):
        found = [v for v in pack.analyze_stack(resources) if v.policy == case.policy]
    got = sorted((v.urn.rsplit("::", 1)[-1] if v.urn else "", body(v)) for v in found)
    assert got == sorted(case.expect)


@pytest.mark.parametrize("mode", pl.MODES)
def test_compliant_platform_passes_every_rule(pack: PolicyPackProcess, mode: str) -> None:
    """The compliant platform: no violation from any policy, stack or resource."""
    resources = pl.build(mode)
    assert pack.analyze_stack(resources) == []
    assert pack.analyze_many(resources) == []


def test_an_outside_vault_is_not_guessed(pack: PolicyPackProcess) -> None:
    """Unknown references that resolve to nothing in the stack count as present: a registry whose key and
    identity come from outside the stack (unknown values, no property dependencies) is not reported."""
    table = pl.edited(
        change={"acr": ("encryption.status", "enabled")},
        refs={"acr": [Ref("registryName", "suffix", "literal")]},
    )
    resources = pl.build("unknown-ids", table)
    for r in resources:
        if r.name == "acr":
            r.inputs["encryption"]["keyVaultProperties"] = {
                "keyIdentifier": pl.UNKNOWN,
                "identity": pl.UNKNOWN,
            }
    found = [v.policy for v in pack.analyze_stack(resources)]
    assert "acr-cmk-firewalled-vault" not in found and "cmk-rbac-propagation" not in found
