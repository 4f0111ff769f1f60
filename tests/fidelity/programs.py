"""The third-party programs of `make fidelity` and what each declares, read from its code.

The programs are public Pulumi examples, pinned by repository, commit and path; they are not copied into
this repository: `make fidelity` takes them, unmodified, with the repository's licence, from a local clone
named by `FIDELITY_SOURCE` (see `check_programs.py`). `config` is the stack configuration a user would set
with `pulumi config set` before `pulumi preview` (a `secure:` value is not decrypted offline: the preflight
substitutes a placeholder and lists the key); `resources` maps every resource the program declares, as
(type, name), to a few inputs it sets (dotted paths into the plan's wire inputs). `fails_with` is set for
a program that fails under the SDKs it pins, as `pulumi preview` would: the preflight must then exit 2
with that error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REPOSITORY = "pulumi/examples"
REPOSITORY_URL = "https://github.com/pulumi/examples"
COMMIT = "40c09b266d44e9975e15289c42cc0c2ad8d14995"
LICENSE = "LICENSE"  # Apache License 2.0, at the repository's root
PLACEHOLDER = "preflight-placeholder-for-{}"  # what a `secure:` value reads as offline, by key


@dataclass(frozen=True)
class Program:
    """One program: its directory in the repository, its stack config, what it declares."""

    path: str
    what: str
    config: dict[str, Any] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    fails_with: str | None = None

    @property
    def secure_keys(self) -> list[str]:
        """The config keys given as `secure:` values (the plan's `placeholders`)."""
        return sorted(
            key for key, value in self.config.items() if isinstance(value, dict) and "secure" in value
        )


RG = "azure-native:resources:ResourceGroup"
NET = "azure-native:network:"
LB = "azure-py-loadbalancer-vm"  # the program names its resources after the project (get_project())

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
]
