"""Shared test vocabulary: cases, URNs, type tokens, and reading violations as the CLI shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from preflight.model import RecordedResource, Violation

PROJECT = "proj"
STACK = "dev"

ML = "azure-native:machinelearningservices:"
WORKSPACE = ML + "Workspace"
COMPUTE = ML + "Compute"
OUTBOUND_RULE = ML + "ManagedNetworkSettingsRule"
ONLINE_ENDPOINT = ML + "OnlineEndpoint"
ONLINE_DEPLOYMENT = ML + "OnlineDeployment"
BATCH_DEPLOYMENT = ML + "BatchDeployment"
DATASTORE = ML + "Datastore"
ML_REGISTRY = ML + "Registry"
STORAGE = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
VAULT = "azure-native:keyvault:Vault"
KEY = "azure-native:keyvault:Key"
ACR = "azure-native:containerregistry:Registry"
APP_INSIGHTS = "azure-native:applicationinsights:Component"
LOG_ANALYTICS = "azure-native:operationalinsights:Workspace"
NSG = "azure-native:network:NetworkSecurityGroup"
SECURITY_RULE = "azure-native:network:SecurityRule"
VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
PRIVATE_ZONE = "azure-native:privatedns:PrivateZone"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
PRICING = "azure-native:security:Pricing"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"

UNKNOWN_MSG = "{} must be known at preview (it is computed from another resource's output)."

# Policies the control catalogue marks advisory, plus the two advisory halves kept as their own policies.
ADVISORY = frozenset(
    {
        "compute-min-nodes",
        "rbac-groups",
        "defender-for-ai",
        "required-tags",
        "allowed-locations",
        "storage-infrastructure-encryption",
        "loganalytics-retention",
    }
)
RULES_IDS = [
    "ws-public-network",
    "ws-managed-network",
    "ws-outbound-rules",
    "ws-cmk",
    "ws-hbi",
    "ws-identity",
    "ws-datastore-auth",
    "ws-legacy-mode",
    "compute-local-auth",
    "compute-public-ip",
    "compute-ssh",
    "compute-local-accounts",
    "compute-instance-personal",
    "compute-idle-shutdown",
    "compute-subnet",
    "compute-min-nodes",
    "endpoint-auth",
    "endpoint-public-network",
    "deployment-approved-model",
    "datastore-credentials",
    "registry-public-network",
    "storage-shared-key",
    "storage-public",
    "storage-transport",
    "storage-cmk",
    "storage-cross-tenant",
    "keyvault-recovery",
    "keyvault-rbac",
    "keyvault-network",
    "key-strength",
    "key-rotation",
    "acr-auth",
    "acr-network",
    "acr-cmk",
    "appinsights-auth",
    "loganalytics-auth",
    "nsg-management-ports",
    "subnet-nsg",
    "private-endpoints",
    "private-dns",
    "arm-template-inspectable",
    "rbac-privileged-roles",
    "rbac-custom-roles",
    "rbac-groups",
    "diagnostics",
    "defender-for-ai",
    "required-tags",
    "allowed-locations",
]


def urn(type_token: str, name: str) -> str:
    """An engine-shaped URN (no root stack type in the chain)."""
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_token}::{name}"


def res(
    type_token: str,
    name: str,
    inputs: dict[str, Any],
    property_dependencies: dict[str, list[str]] | None = None,
) -> RecordedResource:
    """A custom resource as the engine registers it."""
    deps = property_dependencies or {}
    return RecordedResource(
        urn=urn(type_token, name),
        type=type_token,
        name=name,
        custom=True,
        inputs=inputs,
        dependencies=sorted({u for us in deps.values() for u in us}),
        property_dependencies=deps,
    )


def body(v: Violation) -> str:
    """The rule's own message: pulumi-policy prefixes the policy description and a newline."""
    prefix = v.description + "\n"
    return v.message[len(prefix) :] if v.message.startswith(prefix) else v.message


@dataclass(frozen=True)
class Case:
    """One resource sent to every policy; `expect` are the exact messages of `policy` (empty: passes)."""

    policy: str
    type: str
    props: dict[str, Any]
    expect: tuple[str, ...] = ()
    config: dict[str, Any] | None = None
    label: str = ""


@dataclass(frozen=True)
class StackCase:
    """A stack sent to AnalyzeStack; `expect` are (resource name or "", message) of `policy`."""

    policy: str
    resources: tuple[RecordedResource, ...]
    expect: tuple[tuple[str, str], ...] = ()
    config: dict[str, Any] | None = None
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def ok(policy: str, type_token: str, props: dict[str, Any], label: str = "", **config: Any) -> Case:
    """A passing case (config given as keyword arguments)."""
    return Case(policy, type_token, props, (), config or None, label)


def bad(
    policy: str, type_token: str, props: dict[str, Any], *messages: str, label: str = "", **config: Any
) -> Case:
    """A failing case with the exact messages expected."""
    return Case(policy, type_token, props, tuple(messages), config or None, label)


# -- Azure AI Services and Foundry (test_ai_services.py) ----------------------------------------------
AI_ACCOUNT = "azure-native:cognitiveservices:Account"
AI_DEPLOYMENT = "azure-native:cognitiveservices:Deployment"
AI_RAI_POLICY = "azure-native:cognitiveservices:RaiPolicy"
RULES_IDS += [
    "ai-public-network",
    "ai-local-auth",
    "ai-identity",
    "ai-cmk",
    "ai-outbound",
    "ai-custom-subdomain",
    "ai-allowed-kinds",
    "ai-content-filter",
    "ai-rai-policy",
    "ai-model-pinned",
    "ai-approved-models",
]
