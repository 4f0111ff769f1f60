"""Typed, validated stack settings.

`load_settings` is a pure function from a plain mapping (what `pulumi.Config` holds, camelCase keys) to a
frozen `Settings`. It runs before any resource registers; every error names the config key (namespaced as
Pulumi shows it) and says what is allowed. All errors of one configuration are reported together.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from . import naming
from .ai_settings import AI_SERVICES_KEY, AiServicesSettings, validate_ai_services
from .interfaces import RoleAssignmentSpec
from .naming import AI_PRIVATE_DNS_ZONES, PRIVATE_DNS_ZONES
from .roles import PRINCIPAL_TYPES, assignment_problem, grant_problem, role_guid

PROJECT = "aml-secure-baseline"
LOCATION_KEY = "azure-native:location"

# Azure regions where Azure Machine Learning with managed networks is offered (lower-case, no spaces).
KNOWN_REGIONS: frozenset[str] = frozenset(
    {
        "australiaeast", "brazilsouth", "canadacentral", "centralindia", "centralus", "eastasia", "eastus",
        "eastus2", "francecentral", "germanywestcentral", "italynorth", "japaneast", "japanwest", "koreacentral",
        "northcentralus", "northeurope", "norwayeast", "polandcentral", "qatarcentral", "southafricanorth",
        "southcentralus", "southeastasia", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "ukwest",
        "westcentralus", "westeurope", "westus", "westus2", "westus3",
    }
)  # fmt: skip

ISOLATION_MODES = ("AllowOnlyApprovedOutbound", "AllowInternetOutbound", "Disabled")
FIREWALL_SKUS = ("Standard", "Basic")
STORAGE_SKUS = (
    "Standard_LRS",
    "Standard_ZRS",
    "Standard_GRS",
    "Standard_GZRS",
    "Standard_RAGRS",
    "Standard_RAGZRS",
)
PERSONAS: dict[str, str] = {
    "dataScientists": "AzureML Data Scientist",
    "mlEngineers": "AzureML Compute Operator",
    "readers": "Reader",
}
STORAGE_ACCESS_LEVELS = ("readWrite", "read", "none")
PERSONA_STORAGE_ACCESS: dict[str, str] = {
    "dataScientists": "readWrite",
    "mlEngineers": "read",
    "readers": "read",
}
"""Default personas.<name>.storageAccess: data roles on the workspace storage, which has shared keys off
(readWrite: Storage Blob Data Contributor + Storage File Data Privileged Contributor; read: the Reader
variants; see access.GRANTS)."""
OUTBOUND_RULE_TYPES = ("FQDN", "PrivateEndpoint", "ServiceTag")
FORBIDDEN_SERVICE_TAGS = frozenset({"internet", "*"})
VM_PRIORITIES = ("Dedicated", "LowPriority")
IDLE_MIN_MINUTES = 15
IDLE_MAX_MINUTES = 240
"""The security pack's compute-idle-shutdown default maximumIdleMinutes (Azure itself accepts up to 4320): a
longer idle time would pass settings and then fail the mandatory rule."""
IDLE_UNIT = " minutes (the security pack's compute-idle-shutdown maximum)"
DEFENDER_PLANS = ("AI", "StorageAccounts", "KeyVaults", "Containers", "CloudPosture")
GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ARM_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/[^/]+/.+", re.IGNORECASE)
_VNET_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+$",
    re.IGNORECASE,
)
_FQDN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_PORTS = re.compile(r"^(\*|\d{1,5}(-\d{1,5})?)(,\s*\d{1,5}(-\d{1,5})?)*$")
_CRON = re.compile(r"^\S+ \S+ \S+ \S+ \S+$")
_RULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
_VM_SIZE = re.compile(r"^Standard_[A-Za-z0-9_]+$")
_ENV = re.compile(r"^[a-z][a-z0-9]{1,7}$")
_PREFIX = re.compile(r"^[a-z][a-z0-9]{1,9}$")
_ML_REGISTRY = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$")
_AUDIENCE = re.compile(r"^api://AzureADTokenExchange[A-Za-z]*$")


class SettingsError(ValueError):
    """Invalid stack configuration. `errors` lists each problem; the message joins them one per line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class OutboundRule:
    """One managed-network outbound rule (config `outboundRules.<name>`)."""

    type: str
    destination: str = ""
    """FQDN rules: the host name; ServiceTag rules: the service tag; PrivateEndpoint: the target resource ID."""
    subresource_target: str = ""
    protocol: str = "TCP"
    port_ranges: str = "443"
    spark_enabled: bool = False


@dataclass(frozen=True)
class ComputeSchedule:
    """Start/stop cron schedules of a compute instance (5-field cron, in `time_zone`)."""

    start: str = ""
    stop: str = ""
    time_zone: str = "UTC"


@dataclass(frozen=True)
class ComputeInstanceSpec:
    """A personal compute instance (config `computeInstances.<name>`)."""

    user_object_id: str
    vm_size: str = "Standard_DS3_v2"
    idle_shutdown_minutes: int = 60
    schedule: ComputeSchedule | None = None


@dataclass(frozen=True)
class ComputeClusterSpec:
    """A compute cluster that scales to zero (config `computeClusters.<name>`)."""

    vm_size: str = "Standard_DS3_v2"
    max_nodes: int = 4
    vm_priority: str = "Dedicated"
    scale_down_seconds: int = 120


@dataclass(frozen=True)
class PersonaSpec:
    """An Entra group that gets a persona's role on the workspace (existing object ID, or created)."""

    role: str
    group_object_id: str = ""
    create_group_name: str = ""
    storage_access: str = "none"
    """readWrite, read or none (config storageAccess; default per persona: PERSONA_STORAGE_ACCESS)."""


@dataclass(frozen=True)
class Settings:
    """The validated configuration of one stack. Defaults are the secure values."""

    environment: str
    owner: str
    prefix: str
    location: str
    tags: Mapping[str, str] = field(default_factory=dict)
    resource_group_name: str = ""
    vnet_address_space: tuple[str, ...] = ("10.20.0.0/22",)
    private_endpoint_subnet_prefix: str = "10.20.0.0/24"
    compute_subnet_prefix: str = ""
    existing_vnet_id: str = ""
    existing_private_dns_zone_ids: Mapping[str, str] = field(default_factory=dict)
    existing_log_analytics_workspace_id: str = ""
    log_retention_days: int = 90
    isolation_mode: str = "AllowOnlyApprovedOutbound"
    firewall_sku: str = "Standard"
    outbound_rules: Mapping[str, OutboundRule] = field(default_factory=dict)
    service_side_cmk: bool = False
    registry_cmk: bool = False
    deployer_principal_type: str = "ServicePrincipal"
    storage_sku: str = "Standard_LRS"
    registry_zone_redundancy: bool = False
    key_rotation_days: int = 90
    key_expiry_days: int = 365
    locks: bool = False
    protect: bool = False
    tenant_id: str = ""
    compute_instances: Mapping[str, ComputeInstanceSpec] = field(default_factory=dict)
    compute_clusters: Mapping[str, ComputeClusterSpec] = field(default_factory=dict)
    image_build_compute: str = ""
    personas: Mapping[str, PersonaSpec] = field(default_factory=dict)
    policy_assignments: bool = True
    model_registry_name: str = ""
    defender_plans: tuple[str, ...] = ()
    activity_log: bool = False
    activity_log_retention_days: int = 365
    ci_subject: str = ""
    ci_issuer: str = GITHUB_OIDC_ISSUER
    ci_audience: str = TOKEN_EXCHANGE_AUDIENCE
    ai_services: AiServicesSettings | None = None
    """An AI Services (Foundry) account; None (default) creates none."""

    @property
    def all_tags(self) -> dict[str, str]:
        """Tags for every taggable resource: config tags plus the required `environment` and `owner`."""
        return {**self.tags, "environment": self.environment, "owner": self.owner}


# Project config keys, their Pulumi types and defaults: the single source for Pulumi.yaml and __main__.py.
CONFIG_SCHEMA: dict[str, tuple[str, Any, str]] = {
    "environment": ("string", "dev", "Environment name (2-8 lower-case letters/digits); tag `environment`."),
    "owner": ("string", "platform-team", "Owning team or contact; tag `owner`."),
    "prefix": (
        "string",
        "amlsec",
        "Short name prefix (2-10 lower-case letters/digits, starting with a letter).",
    ),
    "tags": ("object", {}, "Extra tags for every taggable resource."),
    "resourceGroupName": ("string", "", "Existing resource group to deploy into; empty creates one."),
    "vnetAddressSpace": ("array", ["10.20.0.0/22"], "VNet address prefixes (CIDR)."),
    "privateEndpointSubnetPrefix": ("string", "10.20.0.0/24", "Private endpoint subnet (CIDR)."),
    "computeSubnetPrefix": ("string", "", "Compute subnet (CIDR); required when isolationMode is Disabled."),
    "existingVnetId": ("string", "", "Existing (spoke) VNet resource ID; empty creates a VNet."),
    "existingPrivateDnsZoneIds": (
        "object",
        {},
        "Central private DNS zone IDs keyed by zone name; empty creates them.",
    ),
    "existingLogAnalyticsWorkspaceId": (
        "string",
        "",
        "Existing Log Analytics workspace ID; empty creates one.",
    ),
    "logRetentionDays": ("integer", 90, "Log Analytics retention in days (30-730)."),
    "isolationMode": ("string", "AllowOnlyApprovedOutbound", "Managed network isolation mode."),
    "firewallSku": ("string", "Standard", "Managed network firewall SKU (Standard or Basic)."),
    "outboundRules": ("object", {}, "Managed network outbound rules keyed by rule name."),
    "serviceSideCmk": (
        "boolean",
        False,
        "Service-side CMK for workspace metadata (preview); refused: unsupported with this key vault and rotation.",
    ),
    "registryCmk": (
        "boolean",
        False,
        "Container registry CMK; refused: the registry cannot reach a key behind the key vault firewall.",
    ),
    "deployerPrincipalType": (
        "string",
        "ServicePrincipal",
        "Who runs pulumi up (gets Key Vault Crypto Officer to create the key): ServicePrincipal or User.",
    ),
    "storageSku": ("string", "Standard_LRS", "Storage account SKU."),
    "registryZoneRedundancy": ("boolean", False, "Zone-redundant container registry."),
    "keyRotationDays": (
        "integer",
        90,
        "Rotate the CMK this many days after creation (7 to keyExpiryDays-7); set when the key is created.",
    ),
    "keyExpiryDays": (
        "integer",
        365,
        "CMK versions expire this many days after creation (28-3650); set when the key is created.",
    ),
    "locks": ("boolean", False, "CanNotDelete locks on the key vault and the storage account (data only)."),
    "protect": ("boolean", False, "Pulumi protect on key vault, key, storage and workspace."),
    "tenantId": ("string", "", "Entra tenant ID; empty uses the deploying identity's tenant."),
    "computeInstances": (
        "object",
        {},
        "Personal compute instances keyed by name: userObjectId, vmSize, idleShutdownMinutes (15-240, the "
        "security pack's maximum), schedule.",
    ),
    "computeClusters": ("object", {}, "Compute clusters keyed by name."),
    "imageBuildCompute": ("string", "", "Cluster (a computeClusters key) that builds images; empty: none."),
    "personas": (
        "object",
        {},
        "Persona groups: dataScientists, mlEngineers, readers (groupObjectId or createGroup, role, "
        "storageAccess readWrite/read/none).",
    ),
    "policyAssignments": (
        "boolean",
        True,
        "Azure Policy assignments (Deny where supported) at the resource group, mirroring the policy pack.",
    ),
    "modelRegistryName": (
        "string",
        "",
        "Fixed name of the approved-models Azure ML registry (the pack's approvedRegistries); empty: none.",
    ),
    "defenderPlans": (
        "array",
        [],
        "SUBSCRIPTION-WIDE Defender for Cloud plans (Standard): AI, StorageAccounts, KeyVaults, Containers, "
        "CloudPosture.",
    ),
    "activityLog": (
        "boolean",
        False,
        "SUBSCRIPTION-WIDE: send the activity log (Administrative, Security, Policy, Alert) to Log Analytics.",
    ),
    "activityLogRetentionDays": (
        "integer",
        365,
        "Retention of the AzureActivity table in a created Log Analytics workspace (30-730).",
    ),
    "ciSubject": (
        "string",
        "",
        "Keyless CI identity: federated credential subject (repo:<org>/<repo>:environment:<env>); empty: none.",
    ),
    "ciIssuer": ("string", GITHUB_OIDC_ISSUER, "Keyless CI identity: OIDC token issuer (https URL)."),
    "ciAudience": ("string", TOKEN_EXCHANGE_AUDIENCE, "Keyless CI identity: federated credential audience."),
    AI_SERVICES_KEY: (
        "object",
        {},
        "AI Services (Foundry) account: allowedFqdns, projects, contentFilters, deployments, personaRoles, "
        "approvedModels; empty: none.",
    ),
}


_PY_NAMES: dict[str, str] = {
    "tags": "placement.tags",
    "resourceGroupName": "placement.resource_group_name",
    "createGroup": "create_group_name",
    "existingPrivateDnsZoneIds": "private_endpoint.dns_zone_ids",
}
"""Config keys whose Python argument is not the snake_case spelling of the key (SecureMlWorkspaceArgs)."""


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


class _Errors:
    """Collects problems as `<key>: <problem>; allowed: <what>`, the key in the caller's terms.

    Style "yaml" (config loader): `aml-secure-baseline:computeInstances.ci_alice.vmSize`. Style "python"
    (component Args): `compute_instances['ci_alice'].vm_size`, with `names` renaming top-level keys for Args
    whose fields are spelled differently (MlComputeArgs calls computeInstances `instances`).
    """

    def __init__(self, style: str = "yaml", names: Mapping[str, str] | None = None) -> None:
        self.items: list[str] = []
        self.python = style == "python"
        self.names = {**_PY_NAMES, **(names or {})}

    def name(self, key: str) -> str:
        """A top-level key (camelCase config spelling) in the caller's terms."""
        return (self.names.get(key) or _snake(key)) if self.python else key

    def item(self, base: str, key: str) -> str:
        """An entry of a keyed collection."""
        return f"{base}[{key!r}]" if self.python else f"{base}.{key}"

    def field(self, base: str, key: str) -> str:
        """A field of an object (camelCase config spelling)."""
        return f"{base}.{self.names.get(key) or _snake(key)}" if self.python else f"{base}.{key}"

    def add(self, key: str, problem: str, allowed: str) -> None:
        full = key if self.python or ":" in key.split(".")[0] else f"{PROJECT}:{key}"
        self.items.append(f"{full}: {problem}; allowed: {allowed}")

    def raise_if_any(self) -> None:
        """Raise `SettingsError` listing every problem collected."""
        if self.items:
            raise SettingsError(self.items)


def arg_errors(**names: str) -> _Errors:
    """An error collector for component Args: keys in Python terms (`compute_instances['ci_alice']`);
    `names` maps config keys to the Args' field names where they differ (computeInstances="instances")."""
    return _Errors("python", names)


def _is_output(value: Any) -> bool:
    return isinstance(value, pulumi.Output)


def _cidr(errors: _Errors, key: str, value: Any) -> ipaddress.IPv4Network | None:
    if not isinstance(value, str):
        errors.add(key, f"{value!r} is not a CIDR", "an IPv4 CIDR such as 10.20.0.0/24")
        return None
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        errors.add(
            key, f"{value!r} is not a valid CIDR", "an IPv4 CIDR with host bits zero, such as 10.20.0.0/24"
        )
        return None


def _int(
    errors: _Errors, key: str, value: Any, low: int, high: int, unit: str = "", strict: bool = False
) -> int:
    """An integer in range (a whole float such as 4.0 counts). `strict` (values inside objects and Args
    fields): a string such as "4" is refused, as Azure would get it verbatim; top-level config values may
    arrive as strings and are parsed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a whole number that arrived as a float (JSON over gRPC: the component package)
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            if strict or isinstance(value, bool | float):
                raise ValueError(value)
            value = int(str(value))
        except ValueError:
            errors.add(key, f"{value!r} is not an integer", f"an integer from {low} to {high}{unit}")
            return low
    if not low <= value <= high:
        errors.add(key, f"{value} is out of range", f"an integer from {low} to {high}{unit}")
    return int(value)


def _bool(errors: _Errors, key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    errors.add(key, f"{value!r} is not a boolean", "true or false")
    return False


def _choice(errors: _Errors, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        errors.add(key, f"{value!r} is not supported", ", ".join(allowed))
    return str(value)


def _mapping(errors: _Errors, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        errors.add(key, f"{type(value).__name__} given", "a mapping keyed by name")
        return {}
    return value


def _unknown_keys(errors: _Errors, key: str, value: Mapping[str, Any], known: set[str]) -> None:
    for k in value:
        if k not in known:
            errors.add(f"{key}.{k}", "unknown setting", ", ".join(sorted(known)))


def _spec(
    errors: _Errors, key: str, value: Any, cls: type, fields: Mapping[str, str]
) -> dict[str, Any] | None:
    """One entry of a keyed collection as a camelCase mapping: from YAML an object with only `fields` keys,
    from Python an instance of `cls` (its attributes, `fields` mapping config key -> attribute). None when
    the value has the wrong shape (reported)."""
    if errors.python:
        if not isinstance(value, cls):
            errors.add(key, f"{type(value).__name__} given", f"a {cls.__name__}")
            return None
        return {k: getattr(value, attr) for k, attr in fields.items() if getattr(value, attr) is not None}
    if not isinstance(value, Mapping):
        errors.add(key, f"{type(value).__name__} given", "an object")
        return None
    _unknown_keys(errors, key, value, set(fields))
    return dict(value)


def validate_name_input(errors: _Errors, key: str, value: Any) -> None:
    """A name (resource group, location): a string, or in Python an Output of one, never a resource."""
    if isinstance(value, str) or _is_output(value):
        return
    given = (
        f"a {type(value).__name__} resource" if isinstance(value, pulumi.Resource) else type(value).__name__
    )
    errors.add(key, f"{given} given", "a name (a string; in Python also an Output[str], such as rg.name)")


def validate_guid(errors: _Errors, key: str, value: Any, what: str) -> None:
    """An Entra object or tenant ID; Outputs (known only at deploy time) pass."""
    if _is_output(value):
        return
    if not isinstance(value, str) or not _GUID.match(value):
        errors.add(key, f"{value!r} is not a GUID", what)


def validate_prefix_environment(errors: _Errors, prefix: Any, env: Any) -> None:
    """Prefix and environment spelling, and the Azure names derived from them."""
    env_ok = isinstance(env, str) and bool(_ENV.match(env))
    if not env_ok:
        errors.add(
            errors.name("environment"),
            f"{env!r} is invalid",
            "2-8 lower-case letters or digits, starting with a letter",
        )
    if not (isinstance(prefix, str) and _PREFIX.match(prefix)):
        errors.add(
            errors.name("prefix"),
            f"{prefix!r} is invalid",
            "2-10 lower-case letters or digits, starting with a letter",
        )
    elif env_ok:
        for resource, problem in naming.name_problems(prefix, env).items():
            errors.add(
                errors.name("prefix"),
                f"{prefix!r} with environment {env!r} makes the {resource} name {problem}",
                "a shorter prefix",
            )


def validate_tags(errors: _Errors, raw: Any) -> dict[str, str]:
    """Tag names and string values within Azure's limits."""
    tags = _mapping(errors, errors.name("tags"), raw)
    for k, v in tags.items():
        if len(k) > 512 or any(c in k for c in "<>%&\\?/") or not isinstance(v, str) or len(v) > 256:
            errors.add(
                errors.item(errors.name("tags"), k),
                "invalid tag",
                "names up to 512 characters without <>%&\\?/ and string values up to 256",
            )
    return {str(k): str(v) for k, v in tags.items()}


def validate_key_days(errors: _Errors, rotation: Any, expiry: Any, strict: bool = False) -> tuple[int, int]:
    """Key expiry 28-3650 days; rotation from 7 days to 7 days before expiry."""
    expiry_days = _int(errors, errors.name("keyExpiryDays"), expiry, 28, 3650, strict=strict)
    rotation_days = _int(
        errors,
        errors.name("keyRotationDays"),
        rotation,
        7,
        max(7, expiry_days - 7),
        f" ({errors.name('keyExpiryDays')} - 7)",
        strict=strict,
    )
    return rotation_days, expiry_days


def validate_network(
    errors: _Errors, cfg: Mapping[str, Any], isolation_mode: str
) -> tuple[tuple[str, ...], str, str]:
    """CIDRs well-formed, subnets inside the address space, subnets not overlapping."""
    raw_space = cfg["vnetAddressSpace"]
    if not isinstance(raw_space, list | tuple) or not raw_space:
        errors.add("vnetAddressSpace", f"{raw_space!r} given", "a non-empty list of IPv4 CIDRs")
        raw_space = []
    spaces = [n for i, s in enumerate(raw_space) if (n := _cidr(errors, f"vnetAddressSpace[{i}]", s))]
    for i, a in enumerate(spaces):
        for b in spaces[i + 1 :]:
            if a.overlaps(b):
                errors.add("vnetAddressSpace", f"{a} overlaps {b}", "address prefixes that do not overlap")
    subnets: dict[str, ipaddress.IPv4Network] = {}
    pe = _cidr(errors, "privateEndpointSubnetPrefix", cfg["privateEndpointSubnetPrefix"])
    if pe:
        subnets["privateEndpointSubnetPrefix"] = pe
    compute_raw = cfg["computeSubnetPrefix"]
    if compute_raw:
        compute = _cidr(errors, "computeSubnetPrefix", compute_raw)
        if compute:
            subnets["computeSubnetPrefix"] = compute
    elif isolation_mode == "Disabled":
        errors.add(
            "computeSubnetPrefix",
            "missing while isolationMode is Disabled",
            "an IPv4 CIDR inside vnetAddressSpace (compute needs a subnet without a managed network)",
        )
    for key, net in subnets.items():
        if net.prefixlen > 28:
            errors.add(key, f"{net} is smaller than /28", "a prefix length of /28 or larger (Azure minimum)")
        if spaces and not any(net.subnet_of(s) for s in spaces):
            errors.add(
                key, f"{net} is outside the address space", f"a subnet of {', '.join(map(str, spaces))}"
            )
    if len(subnets) == 2 and subnets["privateEndpointSubnetPrefix"].overlaps(subnets["computeSubnetPrefix"]):
        errors.add(
            "computeSubnetPrefix",
            f"{subnets['computeSubnetPrefix']} overlaps privateEndpointSubnetPrefix {subnets['privateEndpointSubnetPrefix']}",
            "subnets that do not overlap",
        )
    return tuple(str(s) for s in raw_space), str(cfg["privateEndpointSubnetPrefix"]), str(compute_raw or "")


# The generic categories of RFC 1591 (com, edu, gov, int, mil, net, org) and the two spellings registries
# use for them under country codes (co, ac): `*.co.uk` or `*.com.au` reach every owner in that country.
# Copied from the security pack's ws-outbound-rules (aml_security/workspace.py, wildcard_reach): components
# do not import the pack; tests/components/test_one_validation.py proves both judge patterns alike.
_GENERIC_SECOND_LEVEL = frozenset({"com", "edu", "gov", "int", "mil", "net", "org", "co", "ac"})


def wildcard_reach(pattern: str) -> str | None:
    """What a wildcard FQDN pattern opens when it reaches hosts of every owner, else None.

    Judged by what it matches, not by its spelling: `*` may stand for any characters (dots included), so
    only whole labels of the literal text after the last `*` bind. Open when they name no registrable
    domain: none (`*`, `*.*`), one label (a top-level domain), or a generic category under a country code.
    """
    text = pattern.strip().casefold().rstrip(".")
    if "*" not in text:
        return None
    fixed = text.rsplit("*", 1)[1]
    labels = fixed.split(".")
    if not fixed.startswith("."):
        labels = labels[1:]  # the wildcard extends the first label
    labels = [label for label in labels if label]
    if not labels:
        return "every host name"
    if len(labels) == 1:
        return f"every host under the top-level domain {labels[0]!r}"
    if len(labels) == 2 and labels[0] in _GENERIC_SECOND_LEVEL and len(labels[1]) == 2:
        return f"every host under the public suffix {'.'.join(labels)!r}"
    return None


_RULE_FIELDS = {
    "type": "type",
    "destination": "destination",
    "subresourceTarget": "subresource_target",
    "protocol": "protocol",
    "portRanges": "port_ranges",
    "sparkEnabled": "spark_enabled",
}


def validate_outbound_rules(errors: _Errors, raw: Any, isolation_mode: str) -> dict[str, OutboundRule]:
    """FQDN, PrivateEndpoint and ServiceTag rules; none may open the internet."""
    rules: dict[str, OutboundRule] = {}
    top = errors.name("outboundRules")
    raw_map = _mapping(errors, top, raw)
    # An unknown isolation mode is reported by its own check; rules are judged against a valid one only.
    if raw_map and isolation_mode in ISOLATION_MODES and isolation_mode != "AllowOnlyApprovedOutbound":
        errors.add(
            top,
            f"rules given while {errors.name('isolationMode')} is {isolation_mode}",
            "rules only with AllowOnlyApprovedOutbound",
        )
    for name, raw_spec in raw_map.items():
        key = errors.item(top, name)
        if not isinstance(name, str) or not _RULE_NAME.match(name):
            errors.add(
                key, "invalid rule name", "1-63 letters, digits, '-' or '_', starting with a letter or digit"
            )
        spec = _spec(errors, key, raw_spec, OutboundRule, _RULE_FIELDS)
        if not spec:
            continue
        rtype = _choice(errors, errors.field(key, "type"), spec.get("type"), OUTBOUND_RULE_TYPES)
        raw_dest = spec.get("destination", "")
        dest = "" if _is_output(raw_dest) else str(raw_dest)
        where = errors.field(key, "destination")
        if _is_output(raw_dest):
            pass  # known at deploy time only (a resource ID from another resource)
        elif rtype == "FQDN":
            if (reach := wildcard_reach(dest)) is not None:
                errors.add(
                    where,
                    f"{dest!r} opens the internet (it matches {reach})",
                    "a host name such as pypi.org, or a wildcard under a registrable domain such as "
                    "*.pythonhosted.org",
                )
            elif not _FQDN.match(dest.lower()):
                errors.add(
                    where,
                    f"{dest!r} is not an approved FQDN",
                    "a host name such as pypi.org, or a wildcard under a registrable domain such as "
                    "*.pythonhosted.org",
                )
        elif rtype == "ServiceTag":
            if not dest or dest.lower() in FORBIDDEN_SERVICE_TAGS:
                errors.add(
                    where, f"{dest!r} opens the internet", "an Azure service tag other than Internet or *"
                )
            ports = str(spec.get("portRanges", "443"))
            if not _PORTS.match(ports):
                errors.add(
                    errors.field(key, "portRanges"),
                    f"{ports!r} is not a port list",
                    "ports or ranges such as 443 or 80,8000-8080",
                )
            _choice(
                errors,
                errors.field(key, "protocol"),
                spec.get("protocol", "TCP"),
                ("TCP", "UDP", "ICMP", "*"),
            )
        elif rtype == "PrivateEndpoint":
            if not _ARM_ID.match(dest):
                errors.add(where, f"{dest!r} is not a resource ID", "an Azure resource ID")
            if not spec.get("subresourceTarget"):
                errors.add(
                    errors.field(key, "subresourceTarget"),
                    "missing",
                    "the target's private link group ID, such as blob",
                )
        rules[name] = OutboundRule(
            type=rtype,
            destination=dest,
            subresource_target=str(spec.get("subresourceTarget", "")),
            protocol=str(spec.get("protocol", "TCP")),
            port_ranges=str(spec.get("portRanges", "443")),
            spark_enabled=_bool(errors, errors.field(key, "sparkEnabled"), spec.get("sparkEnabled", False)),
        )
    return rules


_INSTANCE_FIELDS = {
    "userObjectId": "user_object_id",
    "vmSize": "vm_size",
    "idleShutdownMinutes": "idle_shutdown_minutes",
    "schedule": "schedule",
}
_SCHEDULE_FIELDS = {"start": "start", "stop": "stop", "timeZone": "time_zone"}
_CLUSTER_FIELDS = {
    "vmSize": "vm_size",
    "maxNodes": "max_nodes",
    "vmPriority": "vm_priority",
    "scaleDownSeconds": "scale_down_seconds",
}
TENANT_ALLOWED = "an Entra tenant ID (GUID); unset: the deploying identity's tenant"
_VM_SIZE_ALLOWED = "an Azure VM size such as Standard_DS3_v2"
_USER_ALLOWED = "the Entra object ID (GUID) of the instance's single user"


def validate_compute(
    errors: _Errors, raw_instances: Any, raw_clusters: Any, image_build: Any
) -> tuple[dict[str, ComputeInstanceSpec], dict[str, ComputeClusterSpec]]:
    """Compute names, sizes, idle shutdown, schedules and user assignment."""
    instances: dict[str, ComputeInstanceSpec] = {}
    top_instances, top_clusters = errors.name("computeInstances"), errors.name("computeClusters")
    for name, raw_spec in _mapping(errors, top_instances, raw_instances).items():
        key = errors.item(top_instances, name)
        if problem := naming.compute_instance_name_problem(name):
            errors.add(key, f"name {name!r} {problem}", naming.COMPUTE_INSTANCE_RULE)
        spec = _spec(errors, key, raw_spec, ComputeInstanceSpec, _INSTANCE_FIELDS)
        if spec is None:
            continue
        user = spec.get("userObjectId", "")
        if user == "":
            errors.add(errors.field(key, "userObjectId"), "missing", _USER_ALLOWED)
        else:
            validate_guid(errors, errors.field(key, "userObjectId"), user, _USER_ALLOWED)
        vm_size = spec.get("vmSize", "Standard_DS3_v2")
        if not isinstance(vm_size, str) or not _VM_SIZE.match(vm_size):
            errors.add(errors.field(key, "vmSize"), f"{vm_size!r} is not a VM size", _VM_SIZE_ALLOWED)
        idle = _int(
            errors,
            errors.field(key, "idleShutdownMinutes"),
            spec.get("idleShutdownMinutes", 60),
            IDLE_MIN_MINUTES,
            IDLE_MAX_MINUTES,
            IDLE_UNIT,
            strict=True,
        )
        schedule = None
        if "schedule" in spec:
            where = errors.field(key, "schedule")
            sched = _spec(errors, where, spec["schedule"], ComputeSchedule, _SCHEDULE_FIELDS) or {}
            for part in ("start", "stop"):
                expr = sched.get(part, "")
                if expr and not (isinstance(expr, str) and _CRON.match(expr)):
                    errors.add(
                        errors.field(where, part),
                        f"{expr!r} is not a cron expression",
                        "5 fields: minute hour day month weekday",
                    )
            schedule = ComputeSchedule(
                str(sched.get("start", "")), str(sched.get("stop", "")), str(sched.get("timeZone", "UTC"))
            )
        instances[name] = ComputeInstanceSpec(str(user), str(vm_size), idle, schedule)
    clusters: dict[str, ComputeClusterSpec] = {}
    clusters_ok = isinstance(raw_clusters, Mapping)
    for name, raw_spec in _mapping(errors, top_clusters, raw_clusters).items():
        key = errors.item(top_clusters, name)
        if problem := naming.compute_cluster_name_problem(name):
            errors.add(key, f"name {name!r} {problem}", naming.COMPUTE_CLUSTER_RULE)
        spec = _spec(errors, key, raw_spec, ComputeClusterSpec, _CLUSTER_FIELDS)
        if spec is None:
            continue
        vm_size = spec.get("vmSize", "Standard_DS3_v2")
        if not isinstance(vm_size, str) or not _VM_SIZE.match(vm_size):
            errors.add(errors.field(key, "vmSize"), f"{vm_size!r} is not a VM size", _VM_SIZE_ALLOWED)
        clusters[name] = ComputeClusterSpec(
            vm_size=str(vm_size),
            max_nodes=_int(
                errors, errors.field(key, "maxNodes"), spec.get("maxNodes", 4), 1, 100, strict=True
            ),
            vm_priority=_choice(
                errors, errors.field(key, "vmPriority"), spec.get("vmPriority", "Dedicated"), VM_PRIORITIES
            ),
            scale_down_seconds=_int(
                errors,
                errors.field(key, "scaleDownSeconds"),
                spec.get("scaleDownSeconds", 120),
                60,
                86400,
                strict=True,
            ),
        )
    instance_names = set(raw_instances) if isinstance(raw_instances, Mapping) else set()
    for name in sorted(instance_names & set(clusters)):
        errors.add(
            errors.item(top_clusters, name),
            "name is also a compute instance",
            "compute names unique within the workspace",
        )
    # A compute_clusters of the wrong shape is reported above; the image build compute is judged against a
    # mapping only (a list does not make the image build compute wrong).
    if image_build and clusters_ok and image_build not in raw_clusters:
        errors.add(
            errors.name("imageBuildCompute"),
            f"{image_build!r} is not a configured cluster",
            f"one of {top_clusters}: {', '.join(sorted(clusters)) or '(none configured)'}",
        )
    return instances, clusters


DEPLOYER_PRINCIPAL_TYPES = ("ServicePrincipal", "User")


def validate_encryption(errors: _Errors, cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Customer-managed key options that cannot deploy with this baseline's key vault, which always denies
    public network access and rotates its key.

    serviceSideCmk: "Customer-managed keys for Azure Machine Learning", "(Preview) Service-side encryption of
    metadata": no key rotation, no key vault with public network access disabled. registryCmk: "Encrypt
    registry using a customer-managed key", "Advanced scenario: Key Vault firewall": only a registry's
    system-assigned identity passes the firewall, and a CMK can be enabled only at creation through a
    user-assigned identity.
    """
    service_side = _bool(errors, "serviceSideCmk", cfg["serviceSideCmk"])
    if service_side:
        errors.add(
            "serviceSideCmk",
            "the service-side encryption preview supports neither a key vault with public network access "
            "disabled (this baseline's vault always disables it) nor key rotation (keyRotationDays)",
            "false (classic CMK: the workspace metadata in a managed resource group, encrypted with the key)",
        )
    registry = _bool(errors, "registryCmk", cfg["registryCmk"])
    if registry:
        errors.add(
            "registryCmk",
            "a container registry reaches a customer-managed key only through a user-assigned identity, which "
            "cannot pass the key vault firewall (this baseline's vault always denies public network access)",
            "false (Microsoft-managed registry encryption)",
        )
    deployer = _choice(
        errors, "deployerPrincipalType", cfg["deployerPrincipalType"], DEPLOYER_PRINCIPAL_TYPES
    )
    return {"service_side_cmk": service_side, "registry_cmk": registry, "deployer_principal_type": deployer}


_PERSONA_FIELDS = {
    "role": "role",
    "groupObjectId": "group_object_id",
    "createGroup": "create_group_name",
    "storageAccess": "storage_access",
}


def validate_personas(errors: _Errors, raw: Any, cls: type = PersonaSpec) -> dict[str, PersonaSpec]:
    """Non-privileged known roles, an existing group or one to create (never both), storage access.

    From YAML the persona names are dataScientists, mlEngineers and readers (role and storage access default
    per persona); from Python (`cls` access.PersonaGroup) any name, with the role given.
    """
    personas: dict[str, PersonaSpec] = {}
    top = errors.name("personas")
    for name, raw_spec in _mapping(errors, top, raw).items():
        key = errors.item(top, name)
        if not errors.python and name not in PERSONAS:
            errors.add(key, "unknown persona", ", ".join(PERSONAS))
            continue
        spec = _spec(errors, key, raw_spec, cls, _PERSONA_FIELDS)
        if spec is None:
            continue
        access = _choice(
            errors,
            errors.field(key, "storageAccess"),
            spec.get("storageAccess", PERSONA_STORAGE_ACCESS.get(name, "none")),
            STORAGE_ACCESS_LEVELS,
        )
        role = str(spec.get("role", PERSONAS.get(name, "")))
        if found := grant_problem(role, "Group"):
            errors.add(errors.field(key, "role"), *found)
        group = spec.get("groupObjectId", "")
        create = str(spec.get("createGroup", ""))
        group_key, create_key = errors.field(key, "groupObjectId"), errors.field(key, "createGroup")
        if bool(group) == bool(create):
            errors.add(
                key,
                f"needs exactly one of {group_key.rsplit('.', 1)[1]} and {create_key.rsplit('.', 1)[1]}",
                f"{group_key.rsplit('.', 1)[1]} (an existing Entra group) or {create_key.rsplit('.', 1)[1]} "
                "(a display name)",
            )
        elif group:
            validate_guid(errors, group_key, group, "the Entra object ID (GUID) of an existing group")
        personas[name] = PersonaSpec(
            role=role, group_object_id=str(group), create_group_name=create, storage_access=access
        )
    return personas


def validate_governance(errors: _Errors, cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Registry name, Defender plans, activity log retention and the CI identity's federated credential."""
    registry = str(cfg["modelRegistryName"])
    if registry and not _ML_REGISTRY.match(registry):
        errors.add(
            "modelRegistryName",
            f"{registry!r} is invalid",
            "3-33 letters, digits, '-' or '_', starting with a letter or digit (or empty for no registry)",
        )
    raw_plans = cfg["defenderPlans"]
    plans: list[str] = []
    if not isinstance(raw_plans, list | tuple):
        errors.add("defenderPlans", f"{raw_plans!r} given", "a list of " + ", ".join(DEFENDER_PLANS))
    else:
        for i, plan in enumerate(raw_plans):
            if plan not in DEFENDER_PLANS:
                errors.add(f"defenderPlans[{i}]", f"{plan!r} is not supported", ", ".join(DEFENDER_PLANS))
            elif plan in plans:
                errors.add(f"defenderPlans[{i}]", f"{plan!r} is listed twice", "each plan once")
            else:
                plans.append(str(plan))
    subject = str(cfg["ciSubject"])
    if subject and (any(c.isspace() for c in subject) or "*" in subject or len(subject) > 600):
        errors.add(
            "ciSubject",
            f"{subject!r} is invalid",
            "an exact subject such as repo:<org>/<repo>:environment:prod (no wildcards or spaces, up to 600)",
        )
    issuer = str(cfg["ciIssuer"])
    if not re.match(r"^https://[^\s/]+(/\S*)?$", issuer):
        errors.add(
            "ciIssuer", f"{issuer!r} is not an https URL", f"the OIDC issuer, e.g. {GITHUB_OIDC_ISSUER}"
        )
    audience = str(cfg["ciAudience"])
    if not _AUDIENCE.match(audience):
        errors.add(
            "ciAudience",
            f"{audience!r} is not a token exchange audience",
            f"{TOKEN_EXCHANGE_AUDIENCE} (or its national-cloud variant)",
        )
    return {
        "model_registry_name": registry,
        "defender_plans": tuple(plans),
        "activity_log": _bool(errors, "activityLog", cfg["activityLog"]),
        "activity_log_retention_days": _int(
            errors, "activityLogRetentionDays", cfg["activityLogRetentionDays"], 30, 730
        ),
        "policy_assignments": _bool(errors, "policyAssignments", cfg["policyAssignments"]),
        "ci_subject": subject,
        "ci_issuer": issuer,
        "ci_audience": audience,
    }


def load_settings(config: Mapping[str, Any], location: str | None) -> Settings:
    """Validate a stack's configuration (project keys without namespace, camelCase) and build `Settings`.

    Missing keys take the defaults of `CONFIG_SCHEMA`. Raises `SettingsError` listing every problem.
    """
    errors = _Errors()
    unknown = sorted(set(config) - set(CONFIG_SCHEMA))
    for key in unknown:
        errors.add(key, "unknown config key", "the keys declared in Pulumi.yaml")
    cfg = {
        k: (config[k] if config.get(k) is not None else default)
        for k, (_, default, _) in CONFIG_SCHEMA.items()
    }

    region = (location or "").replace(" ", "").lower()
    if region not in KNOWN_REGIONS:
        errors.add(
            LOCATION_KEY,
            f"{location!r} is not a known region",
            "an Azure region with Azure ML, such as westeurope",
        )
    env = str(cfg["environment"])
    prefix = str(cfg["prefix"])
    validate_prefix_environment(errors, prefix, env)
    owner = str(cfg["owner"])
    if not owner or len(owner) > 256:
        errors.add(
            "owner", f"{owner!r} is invalid", "a non-empty team name or contact, at most 256 characters"
        )
    tags = validate_tags(errors, cfg["tags"])

    isolation = _choice(errors, "isolationMode", cfg["isolationMode"], ISOLATION_MODES)
    space, pe_prefix, compute_prefix = validate_network(errors, cfg, isolation)
    vnet_id = str(cfg["existingVnetId"])
    if vnet_id and not _VNET_ID.match(vnet_id):
        errors.add(
            "existingVnetId",
            f"{vnet_id!r} is not a VNet resource ID",
            "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>",
        )
    zone_ids = {
        str(k): str(v)
        for k, v in _mapping(errors, "existingPrivateDnsZoneIds", cfg["existingPrivateDnsZoneIds"]).items()
    }
    # With aiServices, central DNS must also hold the AI Services account's three zones.
    wanted_zones = PRIVATE_DNS_ZONES + (AI_PRIVATE_DNS_ZONES if cfg[AI_SERVICES_KEY] else ())
    if zone_ids:
        missing = [z for z in wanted_zones if z not in zone_ids]
        extra = [z for z in zone_ids if z not in wanted_zones]
        if missing or extra:
            errors.add(
                "existingPrivateDnsZoneIds",
                f"missing {missing}, unknown {extra}",
                "exactly the zones " + ", ".join(wanted_zones),
            )
        for zone, zid in zone_ids.items():
            if not _ARM_ID.match(zid) or "/privatednszones/" not in zid.lower():
                errors.add(
                    f"existingPrivateDnsZoneIds.{zone}",
                    f"{zid!r} is not a private DNS zone ID",
                    "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/<zone>",
                )
    law_id = str(cfg["existingLogAnalyticsWorkspaceId"])
    if law_id and not (
        _ARM_ID.match(law_id) and "/microsoft.operationalinsights/workspaces/" in law_id.lower()
    ):
        errors.add(
            "existingLogAnalyticsWorkspaceId",
            f"{law_id!r} is not a Log Analytics workspace ID",
            "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>",
        )
    validate_name_input(errors, "resourceGroupName", cfg["resourceGroupName"])
    rg = str(cfg["resourceGroupName"])
    if rg and not re.match(r"^[-\w.()]{0,89}[-\w()]$", rg):
        errors.add(
            "resourceGroupName",
            f"{rg!r} is invalid",
            "1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
        )
    tenant = str(cfg["tenantId"])
    if tenant:
        validate_guid(errors, "tenantId", tenant, TENANT_ALLOWED)

    retention = _int(errors, "logRetentionDays", cfg["logRetentionDays"], 30, 730)
    firewall = _choice(errors, "firewallSku", cfg["firewallSku"], FIREWALL_SKUS)
    rules = validate_outbound_rules(errors, cfg["outboundRules"], isolation)
    storage_sku = _choice(errors, "storageSku", cfg["storageSku"], STORAGE_SKUS)
    rotation, expiry = validate_key_days(errors, cfg["keyRotationDays"], cfg["keyExpiryDays"])
    image_build = str(cfg["imageBuildCompute"])
    instances, clusters = validate_compute(
        errors, cfg["computeInstances"], cfg["computeClusters"], image_build
    )
    personas = validate_personas(errors, cfg["personas"])
    governance = validate_governance(errors, cfg)
    encryption = validate_encryption(errors, cfg)
    ai_services = validate_ai_services(errors.add, cfg[AI_SERVICES_KEY], set(personas))
    flags = {k: _bool(errors, k, cfg[k]) for k in ("registryZoneRedundancy", "locks", "protect")}

    if errors.items:
        raise SettingsError(errors.items)
    return Settings(
        environment=env,
        owner=owner,
        prefix=prefix,
        location=region,
        tags=tags,
        resource_group_name=rg,
        vnet_address_space=space,
        private_endpoint_subnet_prefix=pe_prefix,
        compute_subnet_prefix=compute_prefix,
        existing_vnet_id=vnet_id,
        existing_private_dns_zone_ids=zone_ids,
        existing_log_analytics_workspace_id=law_id,
        log_retention_days=retention,
        isolation_mode=isolation,
        firewall_sku=firewall,
        outbound_rules=rules,
        storage_sku=storage_sku,
        registry_zone_redundancy=flags["registryZoneRedundancy"],
        key_rotation_days=rotation,
        key_expiry_days=expiry,
        locks=flags["locks"],
        protect=flags["protect"],
        tenant_id=tenant,
        compute_instances=instances,
        compute_clusters=clusters,
        image_build_compute=image_build,
        personas=personas,
        **governance,
        **encryption,
        ai_services=ai_services,
    )


ROLE_ASSIGNMENT_TARGETS = ("storage", "key_vault", "registry", "workspace")
"""The resources of a SecureMlWorkspace that take team role assignments (SecureMlWorkspaceArgs.role_assignments)."""
_ROLE_ASSIGNMENT_FIELDS = {
    "roleDefinitionIdOrName": "role_definition_id_or_name",
    "principalId": "principal_id",
    "principalType": "principal_type",
    "description": "description",
    "condition": "condition",
}
_PRINCIPAL_ALLOWED = "the Entra object ID (GUID) of the user, group or service principal"


def validate_role_assignments(errors: _Errors, raw: Any) -> dict[str, list[RoleAssignmentSpec]]:
    """AVM-style role assignments keyed by target resource (ROLE_ASSIGNMENT_TARGETS), each a list checked by
    validate_role_assignment_list."""
    result: dict[str, list[RoleAssignmentSpec]] = {}
    top = errors.name("roleAssignments")
    for target, entries in _mapping(errors, top, raw).items():
        key = errors.item(top, target)
        if target not in ROLE_ASSIGNMENT_TARGETS:
            errors.add(key, "unknown resource", ", ".join(ROLE_ASSIGNMENT_TARGETS))
            continue
        result[str(target)] = validate_role_assignment_list(errors, key, entries)
    return result


def validate_role_assignment_list(errors: _Errors, key: str, entries: Any) -> list[RoleAssignmentSpec]:
    """The role assignments of one resource: known role (ROLE_IDS name, GUID or role definition ID) not refused
    as privileged, principal ID a GUID, principal type one of PRINCIPAL_TYPES, no role given twice to the same
    principal."""
    if isinstance(entries, str | bytes | Mapping) or not isinstance(entries, list | tuple):
        errors.add(key, f"{type(entries).__name__} given", "a list of RoleAssignmentSpec")
        return []
    seen: dict[tuple[str, str], int] = {}
    specs: list[RoleAssignmentSpec] = []
    for i, raw_spec in enumerate(entries):
        where = f"{key}[{i}]"
        spec = _spec(errors, where, raw_spec, RoleAssignmentSpec, _ROLE_ASSIGNMENT_FIELDS)
        if spec is None:
            continue
        ptype = _choice(
            errors, errors.field(where, "principalType"), spec.get("principalType"), PRINCIPAL_TYPES
        )
        principal = spec.get("principalId", "")
        validate_guid(errors, errors.field(where, "principalId"), principal, _PRINCIPAL_ALLOWED)
        role = spec.get("roleDefinitionIdOrName")
        condition = spec.get("condition")
        if condition is not None and not isinstance(condition, str):
            errors.add(errors.field(where, "condition"), f"{type(condition).__name__} given", "a string")
            condition = None
        if not isinstance(spec.get("description", ""), str):
            errors.add(errors.field(where, "description"), "not a string", "a string")
        if found := assignment_problem(role, ptype, condition):
            errors.add(errors.field(where, "roleDefinitionIdOrName"), *found)
        guid = role_guid(role)
        if guid is not None and isinstance(principal, str):
            pair = (guid, principal.lower())
            if pair in seen:
                errors.add(
                    where,
                    f"the same role and principal as {key}[{seen[pair]}]",
                    "each role once per principal and resource",
                )
            seen.setdefault(pair, i)
        if isinstance(raw_spec, RoleAssignmentSpec):
            specs.append(raw_spec)
    return specs


validate_choice = _choice
validate_int = _int
validate_mapping = _mapping
