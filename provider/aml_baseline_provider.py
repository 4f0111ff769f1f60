"""The public components as a Pulumi component package (`pulumi package add`), for TypeScript, Go, C#, Java.

`pulumi.provider.experimental` derives the package schema from type annotations: the component's
`__init__(self, name, args: <Args>, opts)` and the class's `pulumi.Output[...]` attributes. The library's
own Args (`components.SecureMlWorkspaceArgs`, `components.SecureMlPlatformArgs`) cannot be read that way:
their modules use `from __future__ import annotations` (annotations are strings the analyzer does not
resolve), and they hold Python-only types (`Placement`, `Settings`, `PrivateEndpointArgs`, resource
objects as outputs). So this module declares thin typed wrappers with the same names: flat inputs with
the library's secure defaults, string outputs; each builds the real component as its only child.

No `from __future__ import annotations` here, on purpose: the analyzer needs real types.
"""

from typing import Any, NotRequired, TypedDict

import pulumi

from components import PrivateEndpointArgs
from components import SecureMlPlatform as _Platform
from components import SecureMlPlatformArgs as _PlatformArgs
from components import SecureMlWorkspace as _Workspace
from components import SecureMlWorkspaceArgs as _WorkspaceArgs
from components.interfaces import LockArgs, Placement
from components.settings import OutboundRule, load_settings

PACKAGE = "aml-baseline"
"""The package name other languages import (`@pulumi/aml-baseline` style SDKs are generated from it)."""


class OutboundRuleArgs(TypedDict):
    """A managed-network outbound rule (the workspace allows only approved outbound traffic)."""

    type: str
    """FQDN, ServiceTag or PrivateEndpoint."""
    destination: str
    """FQDN rules: the host name; ServiceTag: the service tag; PrivateEndpoint: the target resource ID."""
    subresource_target: NotRequired[str]
    """PrivateEndpoint rules: the sub-resource (blob, vault, ...)."""
    protocol: NotRequired[str]
    """ServiceTag rules: TCP (default), UDP or *."""
    port_ranges: NotRequired[str]
    """ServiceTag rules: ports, default 443."""


class ComputeInstanceArgs(TypedDict):
    """A personal compute instance, assigned to one user, shut down when idle."""

    user_object_id: str
    """Entra object ID of the only user of this instance."""
    vm_size: NotRequired[str]
    """Default Standard_DS3_v2."""
    idle_shutdown_minutes: NotRequired[int]
    """Default 60."""


class ComputeClusterArgs(TypedDict):
    """A compute cluster that scales to zero."""

    vm_size: NotRequired[str]
    """Default Standard_DS3_v2."""
    max_nodes: NotRequired[int]
    """Default 4."""
    vm_priority: NotRequired[str]
    """Dedicated (default) or LowPriority."""


class PersonaArgs(TypedDict):
    """An Entra group for a persona: an existing group's object ID, or the display name of a group to create."""

    group_object_id: NotRequired[str]
    create_group: NotRequired[str]


def _rules(rules: dict[str, OutboundRuleArgs] | None) -> dict[str, OutboundRule]:
    out = {}
    for name, r in (rules or {}).items():
        out[name] = OutboundRule(
            type=r["type"],
            destination=r.get("destination", ""),
            subresource_target=r.get("subresource_target", ""),
            protocol=r.get("protocol", "TCP"),
            port_ranges=r.get("port_ranges", "443"),
        )
    return out


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
    """Retention of a created Log Analytics workspace; default 90."""
    tenant_id: NotRequired[pulumi.Input[str]]
    """Entra tenant; default: the deploying identity's tenant."""
    outbound_rules: NotRequired[dict[str, OutboundRuleArgs]]
    """Approved outbound rules of the managed network, keyed by rule name."""
    storage_sku: NotRequired[str]
    """Default Standard_LRS."""
    compute_instances: NotRequired[dict[str, ComputeInstanceArgs]]
    """Personal compute instances keyed by name."""
    compute_clusters: NotRequired[dict[str, ComputeClusterArgs]]
    """Compute clusters keyed by name."""
    locks: NotRequired[bool]
    """CanNotDelete locks on key vault, storage, registry and workspace (production)."""
    protect: NotRequired[bool]
    """Pulumi protect on the stateful resources (production)."""


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
        super().__init__(f"{PACKAGE}:index:SecureMlWorkspace", name, {}, opts)
        from components.settings import ComputeClusterSpec, ComputeInstanceSpec

        inner = _Workspace(
            name,
            _WorkspaceArgs(
                placement=Placement(
                    resource_group_name=args["resource_group_name"],
                    location=args["location"],
                    tags=dict(args.get("tags") or {}),
                ),
                prefix=args["prefix"],
                environment=args["environment"],
                private_endpoint=PrivateEndpointArgs(
                    subnet_id=args["private_endpoint_subnet_id"],
                    dns_zone_ids=dict(args["private_dns_zone_ids"]),
                ),
                existing_log_analytics_workspace_id=args.get("existing_log_analytics_workspace_id"),
                log_retention_days=args.get("log_retention_days"),
                tenant_id=args.get("tenant_id"),
                outbound_rules=_rules(args.get("outbound_rules")),
                storage_sku=args.get("storage_sku", "Standard_LRS"),
                compute_instances={
                    k: ComputeInstanceSpec(
                        user_object_id=v["user_object_id"],
                        vm_size=v.get("vm_size", "Standard_DS3_v2"),
                        idle_shutdown_minutes=v.get("idle_shutdown_minutes", 60),
                    )
                    for k, v in (args.get("compute_instances") or {}).items()
                },
                compute_clusters={
                    k: ComputeClusterSpec(
                        vm_size=v.get("vm_size", "Standard_DS3_v2"),
                        max_nodes=v.get("max_nodes", 4),
                        vm_priority=v.get("vm_priority", "Dedicated"),
                    )
                    for k, v in (args.get("compute_clusters") or {}).items()
                },
                lock=LockArgs() if args.get("locks") else None,
                protect=bool(args.get("protect", False)),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
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
    resource_group_name: NotRequired[str]
    """Existing resource group; default: create rg-<prefix>-<environment>."""
    vnet_address_space: NotRequired[list[str]]
    private_endpoint_subnet_prefix: NotRequired[str]
    existing_vnet_id: NotRequired[str]
    """Bring your own (hub-connected) VNet."""
    existing_private_dns_zone_ids: NotRequired[dict[str, str]]
    """Central private DNS zone IDs keyed by zone name; empty creates them."""
    existing_log_analytics_workspace_id: NotRequired[str]
    log_retention_days: NotRequired[int]
    isolation_mode: NotRequired[str]
    """AllowOnlyApprovedOutbound (default) or AllowInternetOutbound for sandboxes."""
    outbound_rules: NotRequired[dict[str, OutboundRuleArgs]]
    storage_sku: NotRequired[str]
    compute_instances: NotRequired[dict[str, ComputeInstanceArgs]]
    compute_clusters: NotRequired[dict[str, ComputeClusterArgs]]
    personas: NotRequired[dict[str, PersonaArgs]]
    """Persona groups keyed dataScientists, mlEngineers, readers."""
    locks: NotRequired[bool]
    protect: NotRequired[bool]


class SecureMlPlatform(pulumi.ComponentResource):
    """Resource group, network (VNet, subnets, NSGs, private DNS) and a SecureMlWorkspace, validated
    exactly as this project's stack settings are (errors name the setting)."""

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
        super().__init__(f"{PACKAGE}:index:SecureMlPlatform", name, {}, opts)
        config = {_camel(k): _camel_keys(v) for k, v in args.items() if k != "location"}
        settings = load_settings(config, args["location"])
        inner = _Platform(name, _PlatformArgs(settings=settings), opts=pulumi.ResourceOptions(parent=self))
        self.resource_group_name = inner.resource_group_name
        self.workspace_id = inner.ml.workspace_id
        self.workspace_name = inner.ml.workspace_name
        self.identity_id = inner.ml.identity.id
        self.key_vault_id = inner.ml.key_vault.vault.id
        self.storage_account_id = inner.ml.storage.account.id
        self.registry_id = inner.ml.registry.registry.id
        self.register_outputs({k: getattr(self, k) for k in _outputs(SecureMlPlatform)})


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _camel_keys(value: Any) -> Any:
    """Nested settings objects (rules, compute, personas) in the config's camelCase; map keys unchanged."""
    if isinstance(value, dict):
        return {
            k: {_camel(f): v for f, v in item.items()} if isinstance(item, dict) else item
            for k, item in value.items()
        }
    return value


def _outputs(cls: type) -> list[str]:
    return [k for k in cls.__annotations__ if not k.startswith("_")]


COMPONENTS: list[type[pulumi.ComponentResource]] = [SecureMlWorkspace, SecureMlPlatform]
