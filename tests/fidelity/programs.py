"""The third-party programs of `make fidelity` and what each declares, read from its code.

The programs are public Pulumi programs, each pinned by repository, commit and path (its `Source`); they are
not copied into this repository: `make fidelity` takes them, unmodified, with the repository's licence, from
local clones named by `FIDELITY_SOURCE` (pulumi/examples) and `FIDELITY_SOURCES` (any repository; see
`check_programs.py`). `config` is the stack configuration a user would set with `pulumi config set` before
`pulumi preview` (a `secure:` value is not decrypted offline: the preflight substitutes a placeholder and
lists the key); `resources` maps every resource the program declares, as (type, name), to a few inputs it
sets (dotted paths into the plan's wire inputs). `fails_with` is set for a program that fails under the
SDKs it pins, as `pulumi preview` would: the preflight must then exit 2 with that error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PLACEHOLDER = "preflight-placeholder-for-{}"  # what a `secure:` value reads as offline, by key


@dataclass(frozen=True)
class Source:
    """A public repository at a pinned commit, and the licence file at its root that goes with its code."""

    repository: str  # owner/name on GitHub
    commit: str
    licence: str  # path of the licence file in the repository
    licence_name: str

    @property
    def url(self) -> str:
        """Where a user clones it from."""
        return f"https://github.com/{self.repository}"


EXAMPLES = Source(
    "pulumi/examples", "40c09b266d44e9975e15289c42cc0c2ad8d14995", "LICENSE", "Apache License 2.0"
)
# The Alan Turing Institute's FRIDGE platform, its AKS program on azure-native v3 at two commits: the
# single-cluster program as reinstated on 2025-10-17, and the dual-cluster one (three component resources in
# a local package) as last changed on 2026-08-20.
FRIDGE_REPOSITORY = "alan-turing-institute/fridge"
FRIDGE = Source(
    FRIDGE_REPOSITORY, "a0dc05f5566e16b70ae67da036e67d43e8d51b91", "LICENSE", "BSD 3-Clause License"
)
FRIDGE_DUAL = Source(
    FRIDGE_REPOSITORY, "ff5323053a80e1540bfc9998bc0016ae2f4f2eee", "LICENSE", "BSD 3-Clause License"
)


@dataclass(frozen=True)
class Program:
    """One program: its source and directory there, its stack config, what it declares."""

    path: str
    what: str
    config: dict[str, Any] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    fails_with: str | None = None
    source: Source = EXAMPLES

    @property
    def id(self) -> str:
        """How the run names it: the path in pulumi/examples, else the repository's name, path and commit."""
        if self.source == EXAMPLES:
            return self.path
        return f"{self.source.repository.split('/')[1]}/{self.path}@{self.source.commit[:7]}"

    @property
    def secure_keys(self) -> list[str]:
        """The config keys given as `secure:` values (the plan's `placeholders`)."""
        return sorted(
            key for key, value in self.config.items() if isinstance(value, dict) and "secure" in value
        )


RG = "azure-native:resources:ResourceGroup"
NET = "azure-native:network:"
KV = "azure-native:keyvault:"
LB = "azure-py-loadbalancer-vm"  # the program names its resources after the project (get_project())
# FRIDGE's stack config: the keys of the repository's own Pulumi.dev.yaml, with made-up subscription and tenant.
FRIDGE_SUBSCRIPTION = "5f0e2a8c-3b1d-4c6e-9a7f-2d4b6c8e0a13"
FRIDGE_TENANT = "7c2e4a6b-8d0f-4e1a-b3c5-9f1d3e5a7b24"
FRIDGE_CONFIG = {
    "azure-native:location": "uksouth",
    "azure-native:subscriptionId": FRIDGE_SUBSCRIPTION,
    "azure-native:tenantId": FRIDGE_TENANT,
}
CONTRIBUTOR = (
    f"/subscriptions/{FRIDGE_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
    "b24988ac-6180-42a0-ab88-20f7382dd24c"
)
CONTRIBUTOR_FOR_IDENTITY = {"principalType": "ServicePrincipal", "roleDefinitionId": CONTRIBUTOR}
CLUSTER = "azure-native:containerservice:ManagedCluster"
# What both FRIDGE programs declare in __main__.py: the key vault key that encrypts the clusters' disks.
FRIDGE_DISK_ENCRYPTION: dict[tuple[str, str], dict[str, Any]] = {
    # `rsa_bits="3072"`: the program passes a string where the SDK types an int; it goes as sent.
    ("tls:index/privateKey:PrivateKey", "ssh-key"): {"algorithm": "RSA", "rsaBits": "3072"},
    ("random:index/randomString:RandomString", "suffix"): {
        "length": 8,
        "lower": True,
        "numeric": True,
        "special": False,
    },
    (KV + "Vault", "keyvault"): {
        "properties.enablePurgeProtection": True,
        "properties.enableRbacAuthorization": False,
        "properties.sku.name": "standard",
        "properties.softDeleteRetentionInDays": 90,
        "properties.tenantId": FRIDGE_TENANT,
    },
    (KV + "Key", "disk-encryption-key"): {
        "keyName": "fridge-pvc-key",
        "properties.keySize": 2048,
        "properties.kty": "RSA",
    },
    ("azure-native:compute:DiskEncryptionSet", "disk-encryption-set"): {
        "diskEncryptionSetName": "fridge-disk-encryption-set",
        "encryptionType": "EncryptionAtRestWithCustomerKey",
        "identity.type": "SystemAssigned",
    },
    (KV + "AccessPolicy", "access-policy"): {
        "policy.permissions.keys": ["unwrapKey", "wrapKey", "get"],
        "policy.tenantId": FRIDGE_TENANT,
    },
    ("azure-native:managedidentity:UserAssignedIdentity", "cluster_managed_identity"): {},
    (
        "azure-native:authorization:RoleAssignment",
        "cluster_role_assignment_disk_encryption_set",
    ): CONTRIBUTOR_FOR_IDENTITY,
}

PROGRAMS = [
    Program(
        path="azure-py-aks",
        what="Python, azure-native v2, azuread, tls, random; an AKS cluster and a credentials invoke",
        config={"azure-native:location": "westus"},
        # The program passes `ad_app.application_id`; the pulumi-azuread it pins (>=6.9.0,<6.10.0, so 6.9.1)
        # has `client_id` and no `application_id` on Application (pulumi_azuread/application.py), so the
        # program stops at its line 18 under `pulumi preview` too.
        fails_with="error: program failed: AttributeError: 'Application' object has no attribute 'application_id'",
    ),
    Program(
        path="azure-py-webserver",
        what="Python, azure-native v2; a VM whose password is a secret config value",
        config={
            "azure-native:location": "westus",
            "azure-py-webserver:username": "webadmin",
            "azure-py-webserver:password": {"secure": "AAABAPlaceholderCipherText"},
        },
        resources={
            (RG, "server"): {},
            (NET + "VirtualNetwork", "server-network"): {
                "addressSpace.addressPrefixes": ["10.0.0.0/16"],
                "subnets.0.addressPrefix": "10.0.1.0/24",
            },
            (NET + "PublicIPAddress", "server-ip"): {"publicIPAllocationMethod": "Dynamic"},
            (NET + "NetworkInterface", "server-nic"): {"ipConfigurations.0.name": "webserveripcfg"},
            ("azure-native:compute:VirtualMachine", "server-vm"): {
                "hardwareProfile.vmSize": "Standard_A1_v2",
                "osProfile.adminUsername": "webadmin",
                # Read with `config.require`, not `require_secret`: a plain value, as the SDK returns it.
                "osProfile.adminPassword": PLACEHOLDER.format("azure-py-webserver-password"),
                "storageProfile.imageReference.sku": "16.04-LTS",
            },
        },
    ),
    Program(
        path="azure-py-loadbalancer-vm",
        what="Python, azure-native v2, random, getClientConfig, a second module; a load-balanced VM",
        config={
            "azure-native:location": "westus",
            f"{LB}:username": "lbadmin",
            f"{LB}:password": {"secure": "AAABAPlaceholderCipherText"},
        },
        resources={
            (RG, f"{LB}-resource-group"): {},
            (NET + "VirtualNetwork", f"{LB}-network"): {"addressSpace.addressPrefixes": ["10.0.0.0/16"]},
            ("random:index/randomString:RandomString", f"{LB}-lb-domain-label"): {
                "length": 8,
                "upper": False,
                "special": False,
            },
            (NET + "PublicIPAddress", f"{LB}-lb-public-ip"): {
                "publicIPAllocationMethod": "Static",
                "sku.name": "Standard",
            },
            (NET + "LoadBalancer", f"{LB}-lb"): {
                "loadBalancerName": f"{LB}-lb",
                "probes.0.requestPath": "/",
                "loadBalancingRules.0.frontendPort": 80,
            },
            (NET + "NetworkSecurityGroup", f"{LB}-security-group"): {
                "securityRules.0.destinationPortRanges": ["80"],
                "securityRules.0.direction": "Inbound",
            },
            (NET + "NetworkInterface", f"{LB}-network-interface"): {
                "ipConfigurations.0.privateIPAllocationMethod": "Dynamic",
            },
            ("azure-native:compute:VirtualMachine", LB): {
                "hardwareProfile.vmSize": "Standard_A0",
                "osProfile.adminUsername": "lbadmin",
                "osProfile.adminPassword": PLACEHOLDER.format(f"{LB}-password"),
            },
        },
    ),
    Program(
        path="azure-ts-static-website",
        what="TypeScript, azure-native v2 (npm); static website with file assets and a CDN endpoint",
        config={"azure-native:location": "westus"},
        resources={
            (RG, "resourceGroup"): {},
            ("azure-native:cdn:Profile", "profile"): {"sku.name": "Standard_Microsoft"},
            ("azure-native:storage:StorageAccount", "storageaccount"): {
                "enableHttpsTrafficOnly": True,
                "kind": "StorageV2",
                "sku.name": "Standard_LRS",
            },
            ("azure-native:storage:StorageAccountStaticWebsite", "staticWebsite"): {
                "indexDocument": "index.html",
                "error404Document": "404.html",
            },
            ("azure-native:storage:Blob", "index.html"): {"contentType": "text/html"},
            ("azure-native:storage:Blob", "404.html"): {"contentType": "text/html"},
            ("azure-native:cdn:Endpoint", "endpoint"): {
                "isHttpAllowed": False,
                "isHttpsAllowed": True,
                "origins.0.httpsPort": 443,
            },
        },
    ),
    Program(
        source=FRIDGE,
        path="infra/aks",
        what=(
            "Python, azure-native v3, tls, random, a credentials invoke; an AKS cluster whose disks a key in "
            "a key vault encrypts"
        ),
        config={
            **FRIDGE_CONFIG,
            "fridge_aks:cluster_name": "cluster",
            "fridge_aks:resource_group_name": "fridge-one",
            # As the repository's stack sets it: auto-named resources get their logical names.
            "pulumi:autonaming": {"mode": "verbatim"},
        },
        resources={
            (RG, "resource_group"): {"resourceGroupName": "fridge-one"},
            **FRIDGE_DISK_ENCRYPTION,
            (CLUSTER, "cluster"): {
                "resourceName": "cluster",
                "dnsPrefix": "fridge",
                "kubernetesVersion": "1.32",
                "agentPoolProfiles.0.vmSize": "Standard_B4als_v2",
                "agentPoolProfiles.1.nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"],
                "identity.type": "UserAssigned",
                "linuxProfile.adminUsername": "fridgeadmin",
                "networkProfile.networkDataplane": "cilium",
                "networkProfile.advancedNetworking.observability.enabled": True,
            },
        },
    ),
    Program(
        source=FRIDGE_DUAL,
        path="infra/aks",
        what=(
            "Python, azure-native v3, tls, random, component resources in a local package, project config "
            "defaults, invokes on unknown inputs; two AKS clusters in peered virtual networks"
        ),
        # Without the CIDRs: Pulumi.yaml gives their defaults (10.10.0.0/16 and 10.10.1.0/24, 10.20.0.0/16 and
        # 10.20.1.0/24), which `pulumi preview` applies.
        config={
            **FRIDGE_CONFIG,
            "fridge_aks:admin_ip_allowlist": ["203.0.113.10/32", "198.51.100.0/24"],
            "fridge_aks:cluster_name": "multi",
            "fridge_aks:resource_group_name": "fridge-multiple",
        },
        resources={
            (RG, "resource_group"): {"resourceGroupName": "fridge-multiple"},
            **FRIDGE_DISK_ENCRYPTION,
            ("fridge_aks:Networking", "networking"): {},
            (NET + "RouteTable", "networking_route_table"): {"routeTableName": "networking-route-table"},
            (NET + "NetworkSecurityGroup", "networking-isolated-nsg"): {
                "securityRules.0.sourceAddressPrefix": "10.10.1.0/24",
                "securityRules.1.access": "Deny",
                "securityRules.2.destinationAddressPrefix": "10.10.0.0/16",
            },
            (NET + "NetworkSecurityGroup", "networking-access-nsg"): {
                "securityRules.2.name": "AllowSSHServerInbound",
                "securityRules.2.sourceAddressPrefixes": ["203.0.113.10/32", "198.51.100.0/24"],
                "securityRules.5.destinationPortRanges": ["443"],
                "securityRules.6.destinationAddressPrefix": "10.20.0.0/16",
            },
            (NET + "VirtualNetwork", "networking-access-vnet"): {
                "addressSpace.addressPrefixes": ["10.10.0.0/16"]
            },
            (NET + "Subnet", "networking-access-nodes"): {"addressPrefix": "10.10.1.0/24"},
            (NET + "VirtualNetwork", "networking-isolated-vnet"): {
                "addressSpace.addressPrefixes": ["10.20.0.0/16"]
            },
            (NET + "Subnet", "networking-isolated-nodes"): {"addressPrefix": "10.20.1.0/24"},
            (NET + "VirtualNetworkPeering", "networking-isolated-to-access-peering"): {
                "allowVirtualNetworkAccess": True,
                "allowForwardedTraffic": False,
            },
            (NET + "VirtualNetworkPeering", "networking-access-to-isolated-peering"): {
                "allowVirtualNetworkAccess": True,
                "useRemoteGateways": False,
            },
            ("azure-native:authorization:RoleAssignment", "cluster_role_assignment_access_vnet"): (
                CONTRIBUTOR_FOR_IDENTITY
            ),
            ("azure-native:authorization:RoleAssignment", "cluster_role_assignment_isolated_vnet"): (
                CONTRIBUTOR_FOR_IDENTITY
            ),
            ("fridge_aks:IsolatedCluster", "isolated-cluster"): {},
            (CLUSTER, "multi-isolated"): {
                "apiServerAccessProfile.enablePrivateCluster": True,
                "dnsPrefix": "fridge-private",
                "kubernetesVersion": "1.33",
                "networkProfile.networkPluginMode": "overlay",
            },
            ("fridge_aks:AccessCluster", "access-cluster"): {},
            (CLUSTER, "multi-access"): {
                "dnsPrefix": "fridge",
                "agentPoolProfiles.1.nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"],
                "networkProfile.networkPolicy": "cilium",
            },
        },
    ),
]
