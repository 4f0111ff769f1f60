"""The public components as a Pulumi component package (`pulumi package add`), for TypeScript, Go, C# and Java.

`pulumi.provider.experimental` derives the package schema from type annotations: the component's
`__init__(self, name, args: <Args>, opts)` and the class's `pulumi.Output[...]` attributes. The library's
own Args (`components.SecureMlWorkspaceArgs`, `components.SecureMlPlatformArgs`) cannot be read that way:
their modules use `from __future__ import annotations` (annotations are strings the analyzer does not
resolve), and they hold Python-only types (`Placement`, `Settings`, `PrivateEndpointArgs`, resource
objects as outputs). So this module declares thin typed wrappers with the same names: flat inputs with
the library's secure defaults, string outputs; each builds the real component as its only child.

Parity with the Python library: the same fields (snake_case here, camelCase in the generated SDKs), checked by
the same `validate_*` functions before anything is created. A refused value raises `InputPropertiesError`
whose message lists every problem named as the package input (`computeInstances["ci_alice"]: ...`).

No `from __future__ import annotations` here, on purpose: the analyzer needs real types.
"""

import re
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi.errors import InputPropertiesError

from components import PrivateEndpointArgs
from components import SecureMlPlatform as _Platform
from components import SecureMlPlatformArgs as _PlatformArgs
from components import SecureMlWorkspace as _Workspace
from components import SecureMlWorkspaceArgs as _WorkspaceArgs
from components.access import PersonaGroup
from components.interfaces import LockArgs, Placement, RoleAssignmentSpec
from components.platform import validate_workspace_args
from components.settings import (
    PROJECT,
    ComputeClusterSpec,
    ComputeInstanceSpec,
    ComputeSchedule,
    OutboundRule,
    SettingsError,
    load_settings,
)

PACKAGE = "aml-baseline"
"""The package name in the schema (`aml-baseline:index:SecureMlWorkspace`)."""
NAMESPACE = "aml-secure-baseline"
"""The package namespace: `pulumi package add` names the Node.js SDK `@<namespace>/<name>` when the schema has a
namespace (pulumi/pulumi pkg/cmd/pulumi/packages/packages.go, getNodeJSPkgName), the .NET one
`<Namespace>.<Name>` (linkDotnetPackage)."""
VERSION = "0.1.0"
NODE_PACKAGE = f"@{NAMESPACE}/{PACKAGE}"
"""What a TypeScript program imports: `import * as aml from "@aml-secure-baseline/aml-baseline";`."""
DOTNET_NAMESPACE = "AmlSecureBaseline.AmlBaseline"
"""What a C# program uses: `using AmlSecureBaseline.AmlBaseline;`."""
LANGUAGES = ("TypeScript", "Go", "C#", "Java")
"""The languages the package is generated for (Python programs import `components` directly). `pulumi package
add` links the SDK into a Node.js, Go or .NET project and prints the steps for Java (LinkPackage)."""
LANGUAGES_TEXT = "TypeScript, Go, C# and Java"
"""LANGUAGES as the README and docs/reports.md spell them (a test keeps the three equal)."""


class OutboundRuleArgs(TypedDict):
    """A managed-network outbound rule (the workspace allows only approved outbound traffic)."""

    type: str
    """FQDN, ServiceTag or PrivateEndpoint."""
    destination: str
    """FQDN rules: the host name; ServiceTag: the service tag; PrivateEndpoint: the target resource ID."""
    subresource_target: NotRequired[str]
    """PrivateEndpoint rules: the sub-resource (blob, vault, ...)."""
    protocol: NotRequired[str]
    """ServiceTag rules: TCP (default), UDP, ICMP or *."""
    port_ranges: NotRequired[str]
    """ServiceTag rules: ports, default 443."""
    spark_enabled: NotRequired[bool]
    """PrivateEndpoint rules: also for Spark jobs (default false)."""


class ComputeScheduleArgs(TypedDict):
    """Start/stop schedules of a compute instance: 5-field cron expressions in `time_zone`."""

    start: NotRequired[str]
    """Cron expression that starts the instance, e.g. 0 8 * * 1-5; empty: never."""
    stop: NotRequired[str]
    """Cron expression that stops the instance, e.g. 0 19 * * 1-5; empty: never."""
    time_zone: NotRequired[str]
    """Time zone of both expressions, default UTC."""


class ComputeInstanceArgs(TypedDict):
    """A personal compute instance, assigned to one user, shut down when idle. Its key is the Azure compute name:
    up to 18 letters, digits or '-', starting with a letter (it gets '-<suffix>')."""

    user_object_id: str
    """Entra object ID (GUID) of the only user of this instance."""
    vm_size: NotRequired[str]
    """An Azure VM size, default Standard_DS3_v2."""
    idle_shutdown_minutes: NotRequired[int]
    """15-240 (the security pack's maximum), default 60."""
    schedule: NotRequired[ComputeScheduleArgs]
    """Start/stop schedules."""


class ComputeClusterArgs(TypedDict):
    """A compute cluster that scales to zero. Its key is the Azure compute name: 3-16 letters, digits or '-',
    starting with a letter."""

    vm_size: NotRequired[str]
    """An Azure VM size, default Standard_DS3_v2."""
    max_nodes: NotRequired[int]
    """1-100, default 4."""
    vm_priority: NotRequired[str]
    """Dedicated (default) or LowPriority."""
    scale_down_seconds: NotRequired[int]
    """Idle seconds before nodes scale down, 60-86400, default 120."""


class PersonaGroupArgs(TypedDict):
    """A persona's Entra group on the workspace: exactly one of an existing group's object ID or the display
    name of a group to create."""

    role: str
    """A least-privilege role on the workspace, e.g. AzureML Data Scientist (Owner, Contributor, User Access
    Administrator and Role Based Access Control Administrator are refused for groups)."""
    group_object_id: NotRequired[str]
    """Object ID (GUID) of an existing group."""
    create_group_name: NotRequired[str]
    """Display name of a group to create."""
    storage_access: NotRequired[str]
    """Data roles on the workspace storage: readWrite, read or none (default)."""


class RoleAssignmentArgs(TypedDict):
    """One role assignment on a resource the component creates (the Azure Verified Modules shape)."""

    role_definition_id_or_name: str
    """A built-in role name (e.g. Storage Blob Data Reader), a role definition GUID or ID. Owner and User Access
    Administrator are refused; Contributor and Role Based Access Control Administrator only for a
    ServicePrincipal, the latter with a condition that limits the roles it may assign."""
    principal_id: pulumi.Input[str]
    """Entra object ID (GUID) of the user, group or service principal."""
    principal_type: str
    """User, Group or ServicePrincipal."""
    description: NotRequired[str]
    """Shown on the role assignment in Azure."""
    condition: NotRequired[str]
    """An ABAC condition (condition version 2.0)."""


class RoleAssignmentsArgs(TypedDict):
    """Your own role assignments, per resource the component creates."""

    storage: NotRequired[list[RoleAssignmentArgs]]
    """On the workspace storage account."""
    key_vault: NotRequired[list[RoleAssignmentArgs]]
    """On the key vault."""
    registry: NotRequired[list[RoleAssignmentArgs]]
    """On the container registry."""
    workspace: NotRequired[list[RoleAssignmentArgs]]
    """On the workspace."""


class PersonaArgs(TypedDict):
    """A persona (dataScientists, mlEngineers or readers) of SecureMlPlatform: an existing group's object ID or
    the display name of a group to create; role and storage access default per persona."""

    group_object_id: NotRequired[str]
    """Object ID (GUID) of an existing group."""
    create_group: NotRequired[str]
    """Display name of a group to create."""
    role: NotRequired[str]
    """Default: AzureML Data Scientist, AzureML Compute Operator, Reader (per persona)."""
    storage_access: NotRequired[str]
    """readWrite, read or none; default readWrite for dataScientists, read for the others."""


def _whole(value: Any) -> Any:
    """A whole number that crossed the wire as a float (JSON) back to an int; anything else unchanged."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _rules(rules: Any) -> Any:
    if not isinstance(rules, Mapping):
        return rules  # validation names it
    return {
        name: OutboundRule(
            type=r.get("type", ""),
            destination=r.get("destination", ""),
            subresource_target=r.get("subresource_target", ""),
            protocol=r.get("protocol", "TCP"),
            port_ranges=r.get("port_ranges", "443"),
            spark_enabled=r.get("spark_enabled", False),
        )
        if isinstance(r, Mapping)
        else r
        for name, r in rules.items()
    }


def _instances(instances: Any) -> Any:
    if not isinstance(instances, Mapping):
        return instances
    out: dict[str, Any] = {}
    for name, v in instances.items():
        if not isinstance(v, Mapping):
            out[name] = v
            continue
        s = v.get("schedule")
        out[name] = ComputeInstanceSpec(
            user_object_id=v.get("user_object_id", ""),
            vm_size=v.get("vm_size", "Standard_DS3_v2"),
            idle_shutdown_minutes=_whole(v.get("idle_shutdown_minutes", 60)),
            schedule=ComputeSchedule(
                start=s.get("start", ""), stop=s.get("stop", ""), time_zone=s.get("time_zone", "UTC")
            )
            if isinstance(s, Mapping)
            else s,
        )
    return out


def _clusters(clusters: Any) -> Any:
    if not isinstance(clusters, Mapping):
        return clusters
    return {
        name: ComputeClusterSpec(
            vm_size=v.get("vm_size", "Standard_DS3_v2"),
            max_nodes=_whole(v.get("max_nodes", 4)),
            vm_priority=v.get("vm_priority", "Dedicated"),
            scale_down_seconds=_whole(v.get("scale_down_seconds", 120)),
        )
        if isinstance(v, Mapping)
        else v
        for name, v in clusters.items()
    }


def _personas(personas: Any) -> Any:
    if not isinstance(personas, Mapping):
        return personas
    return {
        name: PersonaGroup(
            role=v.get("role", ""),
            group_object_id=v.get("group_object_id", ""),
            create_group_name=v.get("create_group_name", ""),
            storage_access=v.get("storage_access", "none"),
        )
        if isinstance(v, Mapping)
        else v
        for name, v in personas.items()
    }


def _role_assignments(targets: Any) -> Any:
    if not isinstance(targets, Mapping):
        return targets
    return {
        target: [
            RoleAssignmentSpec(
                role_definition_id_or_name=e.get("role_definition_id_or_name", ""),
                principal_id=e.get("principal_id", ""),
                principal_type=e.get("principal_type", ""),
                description=e.get("description", ""),
                condition=e.get("condition"),
            )
            if isinstance(e, Mapping)
            else e
            for e in entries
        ]
        if isinstance(entries, list)
        else entries
        for target, entries in targets.items()
    }


_WORKSPACE_PATHS = {
    "placement.resource_group_name": "resource_group_name",
    "placement.location": "location",
    "placement.tags": "tags",
    "private_endpoint.dns_zone_ids": "private_dns_zone_ids",
    "private_endpoint.subnet_id": "private_endpoint_subnet_id",
    "lock": "locks",
}
"""Library argument paths whose package input is spelled differently."""


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _input_names() -> set[str]:
    """Every snake_case input and field name of the package (translated to camelCase in messages)."""
    names: set[str] = {"key_expiry_days", "compute_subnet_id", "existing_log_analytics_workspace_id"}
    for typ in (
        OutboundRuleArgs, ComputeScheduleArgs, ComputeInstanceArgs, ComputeClusterArgs, PersonaGroupArgs,
        RoleAssignmentArgs, RoleAssignmentsArgs, PersonaArgs, SecureMlWorkspaceArgs, SecureMlPlatformArgs,
    ):  # fmt: skip
        names.update(k for k in typ.__annotations__ if "_" in k)
    return names


def _package_path(key: str) -> str:
    """A library argument path (`compute_instances['ci_alice'].vm_size`) as the package input path
    (`computeInstances["ci_alice"].vmSize`)."""
    for lib, pkg in _WORKSPACE_PATHS.items():
        if key == lib or key.startswith((lib + ".", lib + "[")):
            key = pkg + key[len(lib) :]
            break
    parts = re.split(r"(\[[^\]]*\])", key)
    out = []
    for part in parts:
        if part.startswith("["):
            inner = part[1:-1]
            out.append(f'["{inner[1:-1]}"]' if inner[:1] in "'\"" and len(inner) > 1 else part)
        else:
            out.append(".".join(_camel(seg) for seg in part.split(".")))
    return "".join(out)


def _package_text(text: str) -> str:
    """Argument names inside a problem or allowed text in the package's spelling."""
    names = sorted(_input_names(), key=len, reverse=True)
    return re.sub(r"\b(" + "|".join(map(re.escape, names)) + r")\b", lambda m: _camel(m.group(1)), text)


def _refused(component: str, name: str, items: list[tuple[str, str]]) -> InputPropertiesError:
    """The package's error for refused inputs: every problem as `<input path>: <problem>; allowed: <...>`."""
    lines = [f"{path}: {reason}" for path, reason in items]
    return InputPropertiesError(
        f"{component} {name!r}: invalid inputs\n" + "\n".join(lines),
        [{"property_path": path, "reason": reason} for path, reason in items],
    )


def _workspace_error(name: str, err: SettingsError) -> InputPropertiesError:
    items = []
    for line in err.errors:
        key, _, reason = line.partition(": ")
        items.append((_package_path(key), _package_text(reason)))
    return _refused("SecureMlWorkspace", name, items)


class SecureMlWorkspaceArgs(TypedDict):
    """A hardened Azure ML workspace and its dependencies, in a network you own (hub VNet, central DNS)."""

    resource_group_name: pulumi.Input[str]
    """Existing resource group for every resource."""
    location: pulumi.Input[str]
    """Azure region."""
    prefix: str
    """2-10 lower-case letters/digits; resource names derive from prefix and environment."""
    environment: str
    """Environment name (2-8 lower-case letters/digits), tag `environment`."""
    private_endpoint_subnet_id: pulumi.Input[str]
    """Subnet for every private endpoint (workspace, key vault, storage blob/file, registry)."""
    private_dns_zone_ids: dict[str, pulumi.Input[str]]
    """IDs of the six private DNS zones keyed by zone name (privatelink.api.azureml.ms, ...)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every taggable resource."""
    existing_log_analytics_workspace_id: NotRequired[pulumi.Input[str]]
    """Send diagnostics to this Log Analytics workspace instead of creating one."""
    log_retention_days: NotRequired[int]
    """Retention of a created Log Analytics workspace, 30-730; default 90."""
    tenant_id: NotRequired[pulumi.Input[str]]
    """Entra tenant; default: the deploying identity's tenant."""
    isolation_mode: NotRequired[str]
    """AllowOnlyApprovedOutbound (default), AllowInternetOutbound or Disabled (needs computeSubnetId)."""
    firewall_sku: NotRequired[str]
    """Managed network firewall: Standard (default) or Basic."""
    compute_subnet_id: NotRequired[pulumi.Input[str]]
    """Subnet of compute; only and always with isolationMode Disabled."""
    outbound_rules: NotRequired[dict[str, OutboundRuleArgs]]
    """Approved outbound rules of the managed network, keyed by rule name."""
    storage_sku: NotRequired[str]
    """Standard_LRS (default), Standard_ZRS, Standard_GRS, Standard_GZRS, Standard_RAGRS or Standard_RAGZRS."""
    deployer_principal_type: NotRequired[str]
    """Who runs `pulumi up` (it gets Key Vault Crypto Officer to create the key): ServicePrincipal or User."""
    registry_zone_redundancy: NotRequired[bool]
    """Zone-redundant container registry."""
    key_rotation_days: NotRequired[int]
    """Rotate the customer-managed key this many days after creation (7 to keyExpiryDays - 7, default 90)."""
    key_expiry_days: NotRequired[int]
    """Key versions expire this many days after creation (28-3650, default 365)."""
    compute_instances: NotRequired[dict[str, ComputeInstanceArgs]]
    """Personal compute instances keyed by Azure compute name."""
    compute_clusters: NotRequired[dict[str, ComputeClusterArgs]]
    """Compute clusters keyed by Azure compute name."""
    image_build_compute: NotRequired[str]
    """A computeClusters key: the cluster that builds environment images (the registry is private)."""
    personas: NotRequired[dict[str, PersonaGroupArgs]]
    """Entra groups with a role on the workspace, keyed by persona name."""
    role_assignments: NotRequired[RoleAssignmentsArgs]
    """Your own role assignments on the storage account, key vault, container registry and workspace."""
    model_registry_id: NotRequired[pulumi.Input[str]]
    """An existing Azure ML registry jobs use: a private endpoint rule and AzureML Registry User for jobs."""
    locks: NotRequired[bool]
    """CanNotDelete locks on the key vault and the storage account (production)."""
    protect: NotRequired[bool]
    """Pulumi protect on the stateful resources (production)."""


def workspace_args(args: Mapping[str, Any]) -> _WorkspaceArgs:
    """The library's Args from the package inputs (the same fields, snake_case), not yet validated."""
    return _WorkspaceArgs(
        placement=Placement(
            resource_group_name=args.get("resource_group_name", ""),
            location=args.get("location", ""),
            tags=args.get("tags") or {},
        ),
        prefix=args.get("prefix", ""),
        environment=args.get("environment", ""),
        private_endpoint=PrivateEndpointArgs(
            subnet_id=args.get("private_endpoint_subnet_id", ""),
            dns_zone_ids=args.get("private_dns_zone_ids") or {},
        ),
        existing_log_analytics_workspace_id=args.get("existing_log_analytics_workspace_id"),
        log_retention_days=_whole(args.get("log_retention_days")),
        tenant_id=args.get("tenant_id"),
        isolation_mode=args.get("isolation_mode", "AllowOnlyApprovedOutbound"),
        firewall_sku=args.get("firewall_sku", "Standard"),
        compute_subnet_id=args.get("compute_subnet_id"),
        outbound_rules=_rules(args.get("outbound_rules") or {}),
        storage_sku=args.get("storage_sku", "Standard_LRS"),
        deployer_principal_type=args.get("deployer_principal_type", "ServicePrincipal"),
        registry_zone_redundancy=bool(args.get("registry_zone_redundancy", False)),
        key_rotation_days=_whole(args.get("key_rotation_days", 90)),
        key_expiry_days=_whole(args.get("key_expiry_days", 365)),
        compute_instances=_instances(args.get("compute_instances") or {}),
        compute_clusters=_clusters(args.get("compute_clusters") or {}),
        image_build_compute=args.get("image_build_compute", ""),
        personas=_personas(args.get("personas") or {}),
        role_assignments=_role_assignments(args.get("role_assignments") or {}),
        model_registry_id=args.get("model_registry_id"),
        lock=LockArgs() if args.get("locks") else None,
        protect=bool(args.get("protect", False)),
    )


class SecureMlWorkspace(pulumi.ComponentResource):
    """Identity, monitoring, key vault with a customer-managed key, storage, registry, workspace behind
    private endpoints with a managed network, compute and access, with every secure default on."""

    workspace_id: pulumi.Output[str]
    """ARM ID of the workspace."""
    workspace_name: pulumi.Output[str]
    identity_id: pulumi.Output[str]
    """ARM ID of the workspace's user-assigned identity."""
    identity_client_id: pulumi.Output[str]
    key_vault_id: pulumi.Output[str]
    storage_account_id: pulumi.Output[str]
    registry_id: pulumi.Output[str]
    log_analytics_workspace_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: SecureMlWorkspaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        lib_args = workspace_args(args)
        try:
            validate_workspace_args(lib_args)
        except SettingsError as err:
            raise _workspace_error(name, err) from None
        super().__init__(f"{PACKAGE}:index:SecureMlWorkspace", name, {}, opts)
        inner = _Workspace(name, lib_args, opts=pulumi.ResourceOptions(parent=self))
        self.workspace_id = inner.workspace_id
        self.workspace_name = inner.workspace_name
        self.identity_id = inner.identity.id
        self.identity_client_id = inner.identity_client_id
        self.key_vault_id = inner.key_vault.vault.id
        self.storage_account_id = inner.storage.account.id
        self.registry_id = inner.registry.registry.id
        self.log_analytics_workspace_id = pulumi.Output.from_input(
            inner.monitoring.log_analytics_workspace_id
        )
        self.register_outputs({k: getattr(self, k) for k in _outputs(SecureMlWorkspace)})


class SecureMlPlatformArgs(TypedDict):
    """The whole platform from the same settings as this project's stacks (`Pulumi.<stack>.yaml` keys)."""

    environment: str
    """Environment name (2-8 lower-case letters/digits)."""
    owner: str
    """Owning team or contact, tag `owner`."""
    prefix: str
    """Short name prefix (2-10 lower-case letters/digits, starting with a letter)."""
    location: str
    """Azure region."""
    tags: NotRequired[dict[str, str]]
    """Extra tags for every taggable resource."""
    resource_group_name: NotRequired[str]
    """Existing resource group; default: create rg-<prefix>-<environment>."""
    vnet_address_space: NotRequired[list[str]]
    """VNet address prefixes (CIDR), default 10.20.0.0/22."""
    private_endpoint_subnet_prefix: NotRequired[str]
    """Private endpoint subnet (CIDR), default 10.20.0.0/24."""
    compute_subnet_prefix: NotRequired[str]
    """Compute subnet (CIDR inside the address space); required with isolationMode Disabled, else not used."""
    existing_vnet_id: NotRequired[str]
    """Bring your own (hub-connected) VNet."""
    existing_private_dns_zone_ids: NotRequired[dict[str, str]]
    """Central private DNS zone IDs keyed by zone name; empty creates them."""
    existing_log_analytics_workspace_id: NotRequired[str]
    """Existing Log Analytics workspace ID; empty creates one."""
    log_retention_days: NotRequired[int]
    """Log Analytics retention in days (30-730), default 90."""
    tenant_id: NotRequired[str]
    """Entra tenant ID; default: the deploying identity's tenant."""
    isolation_mode: NotRequired[str]
    """AllowOnlyApprovedOutbound (default), AllowInternetOutbound, or Disabled (needs computeSubnetPrefix)."""
    firewall_sku: NotRequired[str]
    """Managed network firewall: Standard (default) or Basic."""
    outbound_rules: NotRequired[dict[str, OutboundRuleArgs]]
    """Approved outbound rules keyed by rule name."""
    storage_sku: NotRequired[str]
    """Storage account SKU, default Standard_LRS."""
    deployer_principal_type: NotRequired[str]
    """Who runs `pulumi up`: ServicePrincipal (default) or User."""
    registry_zone_redundancy: NotRequired[bool]
    """Zone-redundant container registry."""
    key_rotation_days: NotRequired[int]
    """Rotate the customer-managed key after this many days (7 to keyExpiryDays - 7, default 90)."""
    key_expiry_days: NotRequired[int]
    """Key versions expire after this many days (28-3650, default 365)."""
    compute_instances: NotRequired[dict[str, ComputeInstanceArgs]]
    """Personal compute instances keyed by Azure compute name."""
    compute_clusters: NotRequired[dict[str, ComputeClusterArgs]]
    """Compute clusters keyed by Azure compute name."""
    image_build_compute: NotRequired[str]
    """A computeClusters key: the cluster that builds environment images."""
    personas: NotRequired[dict[str, PersonaArgs]]
    """Persona groups keyed dataScientists, mlEngineers, readers."""
    policy_assignments: NotRequired[bool]
    """Azure Policy assignments (Deny where supported) at the resource group, mirroring the policy pack. Default
    false here: assigning policy needs Microsoft.Authorization/policyAssignments/write at the resource group
    (Resource Policy Contributor or Owner), which Contributor lacks."""
    locks: NotRequired[bool]
    """CanNotDelete locks on the key vault and the storage account (production)."""
    protect: NotRequired[bool]
    """Pulumi protect on the stateful resources (production)."""


PLATFORM_NOT_OFFERED: dict[str, str] = {
    "serviceSideCmk": "always refused with this baseline's key vault (settings)",
    "registryCmk": "always refused with this baseline's key vault (settings)",
    "defenderPlans": "subscription-wide: a platform team's decision, not a workload's",
    "activityLog": "subscription-wide: a platform team's decision, not a workload's",
    "activityLogRetentionDays": "only with activityLog",
    "ciSubject": "the keyless CI identity of this repository's own stacks (Entra application rights)",
    "ciIssuer": "only with ciSubject",
    "ciAudience": "only with ciSubject",
    "modelRegistryName": "not offered yet: SecureMlWorkspace takes modelRegistryId of an existing registry",
    "aiServices": "not offered yet: the AI Services account exists in the Python library only",
}
"""Stack settings SecureMlPlatform does not take as inputs, and why (docs/reports.md lists them)."""

_MAP_INPUTS = {"outboundRules", "computeInstances", "computeClusters", "personas"}
"""Platform inputs keyed by a name whose entries are objects (the name is one path segment)."""
_FLAT_MAPS = {"tags", "existingPrivateDnsZoneIds"}
"""Platform inputs keyed by a name (which may contain dots) with plain values."""


def platform_config(args: Mapping[str, Any]) -> dict[str, Any]:
    """The stack configuration (camelCase keys, as `Pulumi.<stack>.yaml` holds it) from the package inputs.
    Governance is opt-in here: `policyAssignments` defaults to false (the project's own stacks default true)."""
    config = {_camel(k): _camel_keys(v) for k, v in args.items() if k != "location"}
    config.setdefault("policyAssignments", False)
    return config


def _platform_path(key: str) -> str:
    """A settings key (`aml-secure-baseline:computeInstances.ci_alice.vmSize`) as the package input path."""
    if key == "azure-native:location":
        return "location"
    key = key.removeprefix(f"{PROJECT}:")
    head, _, rest = key.partition(".")
    if rest and head in _FLAT_MAPS:
        return f'{head}["{rest}"]'
    if rest and head in _MAP_INPUTS:
        entry, _, fields = rest.partition(".")
        return f'{head}["{entry}"]' + (f".{fields}" if fields else "")
    return key


class SecureMlPlatform(pulumi.ComponentResource):
    """Resource group, network (VNet, subnets, NSGs, private DNS) and a SecureMlWorkspace, validated
    exactly as this project's stack settings are (errors name the input). Azure Policy assignments only with
    policyAssignments true."""

    resource_group_name: pulumi.Output[str]
    workspace_id: pulumi.Output[str]
    workspace_name: pulumi.Output[str]
    identity_id: pulumi.Output[str]
    key_vault_id: pulumi.Output[str]
    storage_account_id: pulumi.Output[str]
    registry_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: SecureMlPlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        try:
            settings = load_settings(platform_config(args), args.get("location"))
        except SettingsError as err:
            items = []
            for line in err.errors:
                key, _, reason = line.partition(": ")
                items.append((_platform_path(key), reason.replace(f"{PROJECT}:", "")))
            raise _refused("SecureMlPlatform", name, items) from None
        super().__init__(f"{PACKAGE}:index:SecureMlPlatform", name, {}, opts)
        inner = _Platform(name, _PlatformArgs(settings=settings), opts=pulumi.ResourceOptions(parent=self))
        self.resource_group_name = inner.resource_group_name
        self.workspace_id = inner.ml.workspace_id
        self.workspace_name = inner.ml.workspace_name
        self.identity_id = inner.ml.identity.id
        self.key_vault_id = inner.ml.key_vault.vault.id
        self.storage_account_id = inner.ml.storage.account.id
        self.registry_id = inner.ml.registry.registry.id
        self.register_outputs({k: getattr(self, k) for k in _outputs(SecureMlPlatform)})


def _camel_keys(value: Any) -> Any:
    """Nested settings objects (rules, compute and its schedule, personas) in the config's camelCase; map keys
    unchanged."""
    if isinstance(value, dict):
        return {
            k: {
                _camel(f): ({_camel(a): b for a, b in v.items()} if isinstance(v, dict) else v)
                for f, v in item.items()
            }
            if isinstance(item, dict)
            else item
            for k, item in value.items()
        }
    return value


def _outputs(cls: type) -> list[str]:
    return [k for k in cls.__annotations__ if not k.startswith("_")]


COMPONENTS: list[type[pulumi.ComponentResource]] = [SecureMlWorkspace, SecureMlPlatform]
