"""Composition: `SecureMlWorkspace` (workspace and its dependencies, in a network you give it) and
`SecureMlPlatform` (resource group, network and a SecureMlWorkspace, from validated `Settings`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.managedidentity as managedidentity
import pulumi_azure_native.resources as resources
import pulumi_random as random

from . import naming
from .access import (
    WORKSPACE_IDENTITY,
    IdentityAccessArgs,
    JobIdentityAccess,
    JobIdentityAccessArgs,
    PersonaAccess,
    PersonaAccessArgs,
    PersonaGroup,
    WorkspaceIdentityAccess,
    add_role_assignment_specs,
    grants_for,
)
from .ai_services import (
    AiServicesArgs,
    ContentFilterSpec,
    ModelDeploymentSpec,
    ProjectSpec,
    SecureAiServices,
)
from .compute import MlCompute, MlComputeArgs
from .governance import (
    AuditTrailArgs,
    CiIdentityArgs,
    Governance,
    GovernanceArgs,
    ModelRegistry,
    ModelRegistryArgs,
    baseline_roles,
)
from .interfaces import (
    DiagnosticsArgs,
    IdentityArgs,
    LockArgs,
    Placement,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
    RoleAssignmentSpec,
)
from .keyvault import KeyVault, KeyVaultArgs
from .monitoring import Monitoring, MonitoringArgs
from .network import Network, NetworkArgs
from .policy_parity import ParityContext
from .propagation import propagation_wait
from .registry import Registry, RegistryArgs
from .settings import (
    DEPLOYER_PRINCIPAL_TYPES,
    FIREWALL_SKUS,
    ISOLATION_MODES,
    STORAGE_SKUS,
    TENANT_ALLOWED,
    ComputeClusterSpec,
    ComputeInstanceSpec,
    OutboundRule,
    Settings,
    arg_errors,
    validate_choice,
    validate_compute,
    validate_guid,
    validate_int,
    validate_key_days,
    validate_mapping,
    validate_name_input,
    validate_outbound_rules,
    validate_personas,
    validate_prefix_environment,
    validate_role_assignments,
    validate_tags,
)
from .storage import Storage, StorageArgs
from .workspace import MlWorkspace, MlWorkspaceArgs


@dataclass(frozen=True)
class SecureMlWorkspaceArgs:
    """Everything a team sets for a hardened workspace in its own network. Defaults are the secure values.

    Every value is checked before anything is created (validate_workspace_args): all problems at once, each
    named as the argument (`compute_instances['ci_alice']: ...`) with what is allowed.

    Attributes:
        placement: Resource group name, region and tags of every resource (a Placement; names, not resources:
            `rg.name`, never `rg`).
        prefix: 2-10 lower-case letters/digits, starting with a letter. Azure names derive from prefix and
            environment (key vault, storage and registry also get a random suffix); keep prefix+environment
            unique per resource group, or two workspaces name the same identity and workspace.
        environment: 2-8 lower-case letters/digits, starting with a letter (tag `environment`).
        private_endpoint: PrivateEndpointArgs: the subnet of every private endpoint and the IDs of all six
            private DNS zones keyed by zone name (naming.PRIVATE_DNS_ZONES; central hub zones work as is).
        compute_subnet_id: Subnet of compute and serverless compute; only with isolation_mode Disabled (a
            managed network runs compute in the managed VNet), and then required.
        existing_log_analytics_workspace_id: Send diagnostics to this Log Analytics workspace instead of
            creating one.
        log_retention_days: Retention of a created Log Analytics workspace, 30-730 (default 90); not with
            existing_log_analytics_workspace_id.
        tenant_id: Entra tenant ID (GUID); default: the deploying identity's tenant.
        isolation_mode: Managed network: AllowOnlyApprovedOutbound (default), AllowInternetOutbound (refused by
            the security pack's ws-managed-network) or Disabled (needs compute_subnet_id).
        firewall_sku: Standard (default) or Basic: the managed network's firewall (AllowOnlyApprovedOutbound).
        outbound_rules: Approved outbound rules keyed by rule name (OutboundRule: FQDN, ServiceTag or
            PrivateEndpoint; none may open the internet); only with AllowOnlyApprovedOutbound.
        service_side_cmk: Refused: the service-side encryption preview supports neither the created vault
            (public network access disabled) nor key rotation.
        registry_cmk: Refused: the registry cannot reach a key behind the created vault's firewall; the
            registry uses Microsoft-managed encryption, storage and workspace the customer-managed key.
        deployer_principal_type: Who runs `pulumi up` (it gets Key Vault Crypto Officer to create the key):
            ServicePrincipal (default) or User.
        storage_sku: Standard_LRS (default), Standard_ZRS, Standard_GRS, Standard_GZRS, Standard_RAGRS or
            Standard_RAGZRS.
        registry_zone_redundancy: Zone-redundant container registry (default False).
        key_rotation_days: Rotate the customer-managed key this many days after creation, 7 to
            key_expiry_days - 7 (default 90).
        key_expiry_days: Key versions expire this many days after creation, 28-3650 (default 365).
        compute_instances: Personal compute instances keyed by Azure compute name (ComputeInstanceSpec: the
            user's object ID, VM size, idle shutdown 15-240 minutes, start/stop ComputeSchedule). Name: up to
            18 letters, digits or '-', starting with a letter; it gets '-<suffix>'.
        compute_clusters: Compute clusters keyed by Azure compute name, 3-16 letters, digits or '-' starting
            with a letter (ComputeClusterSpec: VM size, 1-100 nodes, Dedicated or LowPriority, scale-down).
        image_build_compute: A compute_clusters key: the cluster that builds environment images (the
            registry is private); default none.
        personas: Entra groups keyed by persona name (PersonaGroup: a least-privilege role on the workspace,
            an existing group's object ID or a group to create, storage access readWrite/read/none).
        role_assignments: Your own role assignments on the resources this creates, keyed storage, key_vault,
            registry or workspace, each a list of RoleAssignmentSpec (AVM shape); privileged roles are refused.
        model_registry_id: An Azure ML registry jobs use (created before this workspace; put it in
            depends_on): a private endpoint rule to it and AzureML Registry User for the job identity.
        depends_on: What the workspace waits for besides its own dependencies (the model registry).
        lock: Default None (no locks). Production: LockArgs() (CanNotDelete) on the key vault and the storage
            account only: on a workspace or registry a lock blocks compute scale-down and deleting computes,
            role assignments and diagnostic settings. See access.add_lock for how to lift one.
        protect: Pulumi protect on key vault, key, storage and workspace (default False).
    """

    placement: Placement
    prefix: str
    environment: str
    private_endpoint: PrivateEndpointArgs
    compute_subnet_id: pulumi.Input[str] | None = None
    existing_log_analytics_workspace_id: pulumi.Input[str] | None = None
    log_retention_days: int | None = None
    tenant_id: pulumi.Input[str] | None = None
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
    compute_instances: Mapping[str, ComputeInstanceSpec] = field(default_factory=dict)
    compute_clusters: Mapping[str, ComputeClusterSpec] = field(default_factory=dict)
    image_build_compute: str = ""
    personas: Mapping[str, PersonaGroup] = field(default_factory=dict)
    role_assignments: Mapping[str, Sequence[RoleAssignmentSpec]] = field(default_factory=dict)
    model_registry_id: pulumi.Input[str] | None = None
    depends_on: Sequence[pulumi.Resource] = ()
    lock: LockArgs | None = None
    protect: bool = False


def validate_workspace_args(args: SecureMlWorkspaceArgs) -> None:
    """The stack-config checks (components.settings, the same functions load_settings runs) on a team's
    Args, plus the option rules of the library. Raises `SettingsError` (a ValueError) listing every problem,
    each named as the argument (`compute_instances['ci_alice']: ...`) with what is allowed."""
    errors = arg_errors()
    p = args.placement
    if not isinstance(p, Placement):
        errors.add("placement", f"{type(p).__name__} given", "a Placement")
    else:
        validate_name_input(errors, "placement.resource_group_name", p.resource_group_name)
        validate_name_input(errors, "placement.location", p.location)
        validate_tags(errors, p.tags)
    validate_prefix_environment(errors, args.prefix, args.environment)
    pe = args.private_endpoint
    if not isinstance(pe, PrivateEndpointArgs):
        errors.add("private_endpoint", f"{type(pe).__name__} given", "a PrivateEndpointArgs")
    else:
        zones = validate_mapping(errors, "private_endpoint.dns_zone_ids", pe.dns_zone_ids)
        missing = [z for z in naming.PRIVATE_DNS_ZONES if z not in zones]
        if isinstance(pe.dns_zone_ids, Mapping) and missing:
            errors.add(
                "private_endpoint.dns_zone_ids",
                f"missing {missing}",
                "the IDs of the zones " + ", ".join(naming.PRIVATE_DNS_ZONES) + ", keyed by zone name",
            )
    if args.tenant_id is not None:
        validate_guid(errors, "tenant_id", args.tenant_id, TENANT_ALLOWED)
    if args.log_retention_days is not None:
        if args.existing_log_analytics_workspace_id is not None:
            errors.add(
                "log_retention_days",
                "given with existing_log_analytics_workspace_id",
                "one of them, not both (retention is the existing workspace's own)",
            )
        validate_int(errors, "log_retention_days", args.log_retention_days, 30, 730, strict=True)
    isolation = validate_choice(errors, "isolation_mode", args.isolation_mode, ISOLATION_MODES)
    validate_choice(errors, "firewall_sku", args.firewall_sku, FIREWALL_SKUS)
    validate_outbound_rules(errors, args.outbound_rules, isolation)
    validate_choice(errors, "storage_sku", args.storage_sku, STORAGE_SKUS)
    validate_key_days(errors, args.key_rotation_days, args.key_expiry_days, strict=True)
    validate_compute(errors, args.compute_instances, args.compute_clusters, args.image_build_compute)
    validate_personas(errors, args.personas, PersonaGroup)
    validate_role_assignments(errors, args.role_assignments)
    if isolation == "Disabled" and args.compute_subnet_id is None:
        errors.add(
            "compute_subnet_id",
            "missing while isolation_mode is Disabled",
            "a subnet ID (compute needs a subnet without a managed network)",
        )
    if isolation in ISOLATION_MODES and isolation != "Disabled" and args.compute_subnet_id is not None:
        errors.add(
            "compute_subnet_id",
            f"given while isolation_mode is {isolation}",
            "None (managed network compute runs in the managed VNet)",
        )
    if args.service_side_cmk:
        errors.add(
            "service_side_cmk",
            "the service-side encryption preview supports neither a key vault with public network access "
            "disabled (the created vault always disables it) nor key rotation (key_rotation_days)",
            "False (classic CMK)",
        )
    if args.registry_cmk:
        errors.add(
            "registry_cmk",
            "a container registry reaches a customer-managed key only through a user-assigned identity, which "
            "cannot pass the created vault's firewall",
            "False (Microsoft-managed registry encryption)",
        )
    validate_choice(errors, "deployer_principal_type", args.deployer_principal_type, DEPLOYER_PRINCIPAL_TYPES)
    errors.raise_if_any()


class SecureMlWorkspace(pulumi.ComponentResource):
    """Workspace and job identities, monitoring, key vault and CMK, storage, registry, workspace, compute and
    access (every grant from access.GRANTS)."""

    identity: managedidentity.UserAssignedIdentity
    job_identity: managedidentity.UserAssignedIdentity
    monitoring: Monitoring
    key_vault: KeyVault
    storage: Storage
    registry: Registry
    identity_access: WorkspaceIdentityAccess
    job_access: JobIdentityAccess
    workspace: MlWorkspace
    compute: MlCompute
    persona_access: PersonaAccess

    def __init__(
        self, name: str, args: SecureMlWorkspaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aml-baseline:platform:SecureMlWorkspace", name, None, opts)
        validate_workspace_args(args)
        p = args.placement
        child = pulumi.ResourceOptions(parent=self)
        prefix, env = args.prefix, args.environment
        suffix = random.RandomString(
            f"{name}-suffix",
            length=naming.SUFFIX_LENGTH,
            special=False,
            upper=False,
            numeric=True,
            opts=child,
        ).result
        tenant_id: pulumi.Input[str] = (
            args.tenant_id
            if args.tenant_id is not None
            else authorization.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self)
            ).tenant_id
        )

        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-id",
            resource_group_name=p.resource_group_name,
            location=p.location,
            resource_name_=f"id-{prefix}-{env}-mlw",
            tags=dict(p.tags),
            opts=child,
        )
        identity = IdentityArgs(
            id=self.identity.id, principal_id=self.identity.principal_id, client_id=self.identity.client_id
        )
        # One identity per job: compute clusters (and so job code) run as this one, never as the workspace
        # and CMK identity above, which holds Key Vault Administrator.
        self.job_identity = managedidentity.UserAssignedIdentity(
            f"{name}-jobs-id",
            resource_group_name=p.resource_group_name,
            location=p.location,
            resource_name_=f"id-{prefix}-{env}-jobs",
            tags=dict(p.tags),
            opts=child,
        )
        job_identity = IdentityArgs(
            id=self.job_identity.id,
            principal_id=self.job_identity.principal_id,
            client_id=self.job_identity.client_id,
        )
        self.monitoring = Monitoring(
            f"{name}-mon",
            MonitoringArgs(
                placement=p,
                retention_in_days=args.log_retention_days,
                existing_log_analytics_workspace_id=args.existing_log_analytics_workspace_id,
            ),
            opts=child,
        )
        diagnostics = DiagnosticsArgs(log_analytics_workspace_id=self.monitoring.log_analytics_workspace_id)
        self.key_vault = KeyVault(
            f"{name}",
            KeyVaultArgs(
                placement=p,
                vault_name=suffix.apply(lambda s: naming.key_vault_name(prefix, env, s)),
                tenant_id=tenant_id,
                identity=identity,
                private_endpoint=args.private_endpoint,
                diagnostics=diagnostics,
                key_rotation_days=args.key_rotation_days,
                key_expiry_days=args.key_expiry_days,
                deployer_principal_type=args.deployer_principal_type,
                cosmos_db_key_access=not args.service_side_cmk,  # classic CMK: Azure Cosmos DB wraps with it
                lock=args.lock,
                protect=args.protect,
            ),
            opts=child,
        )
        cmk = self.key_vault.customer_managed_key
        self.storage = Storage(
            f"{name}",
            StorageArgs(
                placement=p,
                account_name=suffix.apply(lambda s: naming.storage_account_name(prefix, env, s)),
                customer_managed_key=cmk,
                private_endpoint=args.private_endpoint,
                diagnostics=diagnostics,
                sku=args.storage_sku,
                lock=args.lock,
                protect=args.protect,
            ),
            opts=child,
        )
        self.registry = Registry(
            f"{name}",
            RegistryArgs(
                placement=p,
                registry_name=suffix.apply(lambda s: naming.registry_name(prefix, env, s)),
                customer_managed_key=None,  # Microsoft-managed: see registry_cmk
                private_endpoint=args.private_endpoint,
                diagnostics=diagnostics,
                zone_redundancy=args.registry_zone_redundancy,
                lock=None,  # never: see SecureMlWorkspaceArgs.lock
            ),
            opts=child,
        )
        managed = args.isolation_mode != "Disabled"
        resource_group_id = pulumi.Output.all(
            authorization.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self)
            ).subscription_id,
            p.resource_group_name,
        ).apply(lambda a: f"/subscriptions/{a[0]}/resourceGroups/{a[1]}")
        self.identity_access = WorkspaceIdentityAccess(
            f"{name}-access",
            IdentityAccessArgs(
                principal_id=self.identity.principal_id,
                storage_account_id=self.storage.account.id,
                key_vault_id=self.key_vault.vault.id,
                registry_id=self.registry.registry.id,
                app_insights_id=self.monitoring.app_insights.id,
                resource_group_id=resource_group_id if managed else None,
                storage_private_endpoint_ids={
                    f"{group}-pe": link.private_endpoint.id
                    for group, link in self.storage.private_links.items()
                },
            ),
            opts=child,
        )
        self.workspace = MlWorkspace(
            f"{name}",
            MlWorkspaceArgs(
                placement=p,
                workspace_name=naming.workspace_name(prefix, env),
                identity=identity,
                customer_managed_key=cmk,
                storage_account_id=self.storage.account.id,
                key_vault_id=self.key_vault.vault.id,
                registry_id=self.registry.registry.id,
                app_insights_id=self.monitoring.app_insights.id,
                private_endpoint=args.private_endpoint,
                diagnostics=diagnostics,
                isolation_mode=args.isolation_mode,
                firewall_sku=args.firewall_sku,
                outbound_rules=args.outbound_rules,
                model_registry_id=args.model_registry_id,
                service_side_cmk=args.service_side_cmk,
                image_build_compute=args.image_build_compute,
                compute_subnet_id=args.compute_subnet_id,
                # The workspace checks its identity's access to its dependencies: wait for the grants.
                depends_on=[
                    propagation_wait(f"{name}-access", self.identity_access.role_assignments, self),
                    *args.depends_on,
                ],
                role_assignments={
                    g.key: RoleAssignmentArgs(role=g.role, principal_id=self.identity.principal_id)
                    for g in grants_for(WORKSPACE_IDENTITY, "mlw")
                },
                lock=None,  # never: see SecureMlWorkspaceArgs.lock
                protect=args.protect,
            ),
            opts=child,
        )
        self.job_access = JobIdentityAccess(
            f"{name}-jobs",
            JobIdentityAccessArgs(
                principal_id=self.job_identity.principal_id,
                storage_account_id=self.storage.account.id,
                registry_id=self.registry.registry.id,
                model_registry_id=args.model_registry_id,
            ),
            opts=child,
        )
        pl = self.workspace.private_link
        self.compute = MlCompute(
            f"{name}-compute",
            MlComputeArgs(
                placement=p,
                workspace_name=self.workspace.workspace.name,
                tenant_id=tenant_id,
                identity=job_identity,
                instances=args.compute_instances,
                clusters=args.compute_clusters,
                subnet_id=args.compute_subnet_id,
                name_suffix=suffix,
                depends_on=[pl.private_endpoint, pl.zone_group, *self.job_access.role_assignments.values()],
            ),
            opts=child,
        )
        self.persona_access = PersonaAccess(
            f"{name}-personas",
            PersonaAccessArgs(
                workspace_id=self.workspace.workspace.id,
                personas=args.personas,
                storage_account_id=self.storage.account.id,
            ),
            opts=child,
        )
        # The team's own grants on the four resources it may reach (AVM role_assignments), under each resource.
        targets: dict[str, tuple[str, pulumi.Input[str], pulumi.Resource]] = {
            "storage": ("st", self.storage.account.id, self.storage),
            "key_vault": ("kv", self.key_vault.vault.id, self.key_vault),
            "registry": ("acr", self.registry.registry.id, self.registry),
            "workspace": ("mlw", self.workspace.workspace.id, self.workspace),
        }
        self.team_role_assignments: dict[str, dict[str, authorization.RoleAssignment]] = {
            target: add_role_assignment_specs(
                f"{name}-{short}",
                scope,
                args.role_assignments.get(target, ()),
                parent,
                f"role_assignments[{target!r}]",
            )
            for target, (short, scope, parent) in targets.items()
        }
        self.workspace_id = self.workspace.workspace.id
        self.workspace_name = self.workspace.workspace.name
        self.identity_client_id = self.identity.client_id
        self.register_outputs(
            {
                "workspace_id": self.workspace_id,
                "workspace_name": self.workspace_name,
                "discovery_url": self.workspace.workspace.discovery_url,
                "identity_id": self.identity.id,
                "identity_client_id": self.identity_client_id,
                "job_identity_id": self.job_identity.id,
                "job_identity_client_id": self.job_identity.client_id,
                "key_vault_id": self.key_vault.vault.id,
                "key_vault_uri": self.key_vault.vault.properties.vault_uri,
                "storage_account_id": self.storage.account.id,
                "registry_id": self.registry.registry.id,
                "registry_login_server": self.registry.registry.login_server,
                "log_analytics_workspace_id": self.monitoring.log_analytics_workspace_id,
                "app_insights_id": self.monitoring.app_insights.id,
                ARGUMENT_SOURCES: argument_sources(self, args),
            }
        )


ARGUMENT_SOURCES = "argument_sources"
"""The output that says which argument set which property of the created resources: the preflight names the
argument in a finding on such a property. `urn` "*" stands for every resource under the component that has
the property."""


def argument_sources(ws: SecureMlWorkspace, args: SecureMlWorkspaceArgs) -> list[dict[str, object]]:
    """`[{"urn": <resource>, "properties": {<property path as the engine sends it>: <argument>}}]` for the
    properties of created resources that a team sets through `SecureMlWorkspaceArgs`."""
    every = {"tags": "placement.tags", "location": "placement.location"}
    if args.log_retention_days is not None:
        every["retentionInDays"] = "log_retention_days"  # only the created Log Analytics workspace has it
    network = {"managedNetwork.isolationMode": "isolation_mode"}
    if args.isolation_mode == "AllowOnlyApprovedOutbound":
        network["managedNetwork.firewallSku"] = "firewall_sku"
    network |= {f"managedNetwork.outboundRules.{k}": f"outbound_rules[{k!r}]" for k in args.outbound_rules}
    if args.image_build_compute:
        network["imageBuildCompute"] = "image_build_compute"
    if args.compute_subnet_id is not None:
        network["serverlessComputeSettings.serverlessComputeCustomSubnet"] = "compute_subnet_id"
    out: list[dict[str, object]] = [
        {"urn": "*", "properties": every},
        {"urn": ws.workspace.workspace.urn, "properties": network},
        {"urn": ws.storage.account.urn, "properties": {"sku.name": "storage_sku"}},
        {"urn": ws.registry.registry.urn, "properties": {"zoneRedundancy": "registry_zone_redundancy"}},
    ]
    inner = "properties.properties"
    for key, instance in ws.compute.instances.items():
        arg = f"compute_instances[{key!r}]"
        props = {
            f"{inner}.idleTimeBeforeShutdown": f"{arg}.idle_shutdown_minutes",
            f"{inner}.vmSize": f"{arg}.vm_size",
            f"{inner}.personalComputeInstanceSettings.assignedUser.objectId": f"{arg}.user_object_id",
        }
        if args.compute_instances[key].schedule is not None:
            props[f"{inner}.schedules"] = f"{arg}.schedule"
        out.append({"urn": instance.urn, "properties": props})
    for key, cluster in ws.compute.clusters.items():
        arg = f"compute_clusters[{key!r}]"
        props = {
            f"{inner}.vmSize": f"{arg}.vm_size",
            f"{inner}.vmPriority": f"{arg}.vm_priority",
            f"{inner}.scaleSettings.maxNodeCount": f"{arg}.max_nodes",
            f"{inner}.scaleSettings.nodeIdleTimeBeforeScaleDown": f"{arg}.scale_down_seconds",
        }
        out.append({"urn": cluster.urn, "properties": props})
    return out


@dataclass(frozen=True)
class SecureMlPlatformArgs:
    """The validated stack settings (see settings.load_settings)."""

    settings: Settings


class SecureMlPlatform(pulumi.ComponentResource):
    """Resource group (or an existing one), network, a SecureMlWorkspace and Governance, from Settings."""

    network: Network
    model_registry: ModelRegistry | None
    ml: SecureMlWorkspace
    governance: Governance

    def __init__(
        self, name: str, args: SecureMlPlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aml-baseline:platform:SecureMlPlatform", name, None, opts)
        s = args.settings
        child = pulumi.ResourceOptions(parent=self)
        tags = s.all_tags
        rg_name: pulumi.Input[str]
        rg_id: pulumi.Input[str]
        if s.resource_group_name:
            rg_name = s.resource_group_name
            rg_id = authorization.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self)
            ).subscription_id.apply(
                lambda sub: f"/subscriptions/{sub}/resourceGroups/{s.resource_group_name}"
            )
        else:
            rg = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=f"rg-{s.prefix}-{s.environment}",
                location=s.location,
                tags=tags,
                opts=child,
            )
            rg_name, rg_id = rg.name, rg.id
        self.resource_group_name: pulumi.Output[str] = pulumi.Output.from_input(rg_name)
        placement = Placement(resource_group_name=rg_name, location=s.location, tags=tags)
        self.network = Network(
            f"{name}-net",
            NetworkArgs(
                placement=placement,
                address_space=NetworkArgs.address_space if s.existing_vnet_id else s.vnet_address_space,
                private_endpoint_subnet_prefix=s.private_endpoint_subnet_prefix,
                compute_subnet_prefix=s.compute_subnet_prefix if s.isolation_mode == "Disabled" else "",
                existing_vnet_id=s.existing_vnet_id,
                existing_dns_zone_ids=s.existing_private_dns_zone_ids,
                extra_dns_zones=naming.AI_PRIVATE_DNS_ZONES if s.ai_services else (),
            ),
            opts=child,
        )
        pe_args = PrivateEndpointArgs(
            subnet_id=self.network.private_endpoint_subnet_id, dns_zone_ids=self.network.dns_zone_ids
        )
        # The approved-models registry comes first: the workspace's managed network gets a private endpoint
        # rule to it, provisioned while the workspace is created (provisionNetworkNow).
        self.model_registry = None
        if s.model_registry_name:
            self.model_registry = ModelRegistry(
                f"{name}-gov",
                ModelRegistryArgs(
                    registry_name=s.model_registry_name,
                    private_endpoint=pe_args,
                    diagnostics=None,  # added below, once the Log Analytics workspace exists
                    lock=None,  # never: see SecureMlWorkspaceArgs.lock
                    protect=s.protect,
                ),
                placement,
                opts=child,
            )
        self.ml = SecureMlWorkspace(
            f"{name}",
            SecureMlWorkspaceArgs(
                placement=placement,
                prefix=s.prefix,
                environment=s.environment,
                private_endpoint=PrivateEndpointArgs(
                    subnet_id=self.network.private_endpoint_subnet_id, dns_zone_ids=self.network.dns_zone_ids
                ),
                compute_subnet_id=self.network.compute_subnet_id,
                existing_log_analytics_workspace_id=s.existing_log_analytics_workspace_id or None,
                log_retention_days=None if s.existing_log_analytics_workspace_id else s.log_retention_days,
                tenant_id=s.tenant_id or None,
                isolation_mode=s.isolation_mode,
                firewall_sku=s.firewall_sku,
                outbound_rules=s.outbound_rules,
                service_side_cmk=s.service_side_cmk,
                registry_cmk=s.registry_cmk,
                deployer_principal_type=s.deployer_principal_type,
                storage_sku=s.storage_sku,
                registry_zone_redundancy=s.registry_zone_redundancy,
                key_rotation_days=s.key_rotation_days,
                key_expiry_days=s.key_expiry_days,
                compute_instances=s.compute_instances,
                compute_clusters=s.compute_clusters,
                image_build_compute=s.image_build_compute,
                personas={
                    k: PersonaGroup(
                        role=v.role,
                        group_object_id=v.group_object_id,
                        create_group_name=v.create_group_name,
                        storage_access=v.storage_access,
                    )
                    for k, v in s.personas.items()
                },
                model_registry_id=self.model_registry.registry.id if self.model_registry else None,
                depends_on=[self.model_registry.registry] if self.model_registry else [],
                lock=LockArgs() if s.locks else None,
                protect=s.protect,
            ),
            opts=child,
        )
        if self.model_registry is not None:
            self.model_registry.add_diagnostics(
                DiagnosticsArgs(log_analytics_workspace_id=self.ml.monitoring.log_analytics_workspace_id)
            )
        self.ai: SecureAiServices | None = ai_services(name, s, placement, self) if s.ai_services else None
        self.governance = Governance(f"{name}-gov", governance_args(s, placement, rg_id, self), opts=child)
        self.register_outputs(
            {
                "resource_group_name": rg_name,
                "vnet_id": self.network.vnet_id,
                "workspace_id": self.ml.workspace_id,
                "identity_client_id": self.ml.identity_client_id,
            }
        )


def ai_services(name: str, s: Settings, placement: Placement, platform: SecureMlPlatform) -> SecureAiServices:
    """The stack's AI Services account (settings `aiServices`): its own identity, suffixed name, the
    platform's private endpoint subnet, AI zones and Log Analytics; persona groups get AI data-plane roles."""
    ai = s.ai_services
    assert ai is not None
    child = pulumi.ResourceOptions(parent=platform)
    suffix = random.RandomString(
        f"{name}-ai-suffix", length=naming.SUFFIX_LENGTH, special=False, upper=False, numeric=True, opts=child
    ).result
    identity = managedidentity.UserAssignedIdentity(
        f"{name}-ai-id",
        resource_group_name=placement.resource_group_name,
        location=placement.location,
        resource_name_=f"id-{s.prefix}-{s.environment}-ais",
        tags=dict(placement.tags),
        opts=child,
    )
    groups = platform.ml.persona_access.group_ids
    return SecureAiServices(
        f"{name}-ai",
        AiServicesArgs(
            placement=placement,
            account_name=suffix.apply(lambda x: naming.ai_services_name(s.prefix, s.environment, x)),
            identity=IdentityArgs(
                id=identity.id, principal_id=identity.principal_id, client_id=identity.client_id
            ),
            private_endpoint=PrivateEndpointArgs(
                subnet_id=platform.network.private_endpoint_subnet_id,
                dns_zone_ids=platform.network.dns_zone_ids,
            ),
            diagnostics=DiagnosticsArgs(
                log_analytics_workspace_id=platform.ml.monitoring.log_analytics_workspace_id
            ),
            allowed_fqdns=ai.allowed_fqdns,
            projects={k: ProjectSpec(display_name=d, description=t) for k, (d, t) in ai.projects.items()},
            content_filters={
                k: ContentFilterSpec(severity_threshold=t, protected_material=m)
                for k, (t, m) in ai.content_filters.items()
            },
            deployments={
                k: ModelDeploymentSpec(
                    model_name=d.model_name,
                    model_version=d.model_version,
                    capacity=d.capacity,
                    model_format=d.model_format,
                    sku_name=d.sku_name,
                    content_filter=d.content_filter,
                )
                for k, d in ai.deployments.items()
            },
            role_assignments={
                persona.lower(): RoleAssignmentArgs(
                    role=role, principal_id=groups[persona], principal_type="Group"
                )
                for persona, role in ai.persona_roles.items()
            },
            # No CanNotDelete lock: a lock on the account blocks deleting its children (model deployments,
            # content filters, projects), as on a workspace (deployability rule lock-blocks-children).
            lock=None,
            protect=s.protect,
        ),
        opts=child,
    )


def governance_args(
    s: Settings, placement: Placement, rg_id: pulumi.Input[str], platform: SecureMlPlatform
) -> GovernanceArgs:
    """Governance from Settings: policy parity mirrors the pack configuration the stack's
    `stacks/policy-config.<stack>.json` passes (approvedRegistries = the model registry)."""
    law_id = platform.ml.monitoring.log_analytics_workspace_id
    approved = (s.model_registry_name,) if s.model_registry_name else ()
    persona_roles = [
        *(p.role for p in s.personas.values()),
        *(s.ai_services.persona_roles.values() if s.ai_services else ()),
    ]
    service_roles, group_roles = baseline_roles(
        persona_roles, (p.storage_access for p in s.personas.values())
    )
    return GovernanceArgs(
        placement=placement,
        resource_group_id=rg_id,
        policy_parity=ParityContext(
            isolation_mode=s.isolation_mode,
            approved_registries=approved,
            maximum_days_to_rotate=s.key_rotation_days,
            registry_cmk=s.registry_cmk,
            approved_models=s.ai_services.approved_models if s.ai_services else (),
        )
        if s.policy_assignments
        else None,
        model_registry=None,  # created by SecureMlPlatform before the workspace
        defender_plans=s.defender_plans,
        audit_trail=AuditTrailArgs(
            log_analytics_workspace_id=law_id,
            retention_in_days=None
            if s.existing_log_analytics_workspace_id
            else s.activity_log_retention_days,
        )
        if s.activity_log
        else None,
        ci_identity=CiIdentityArgs(
            display_name=f"sp-{s.prefix}-{s.environment}-ci-deploy",
            subject=s.ci_subject,
            delegated_roles=service_roles,
            delegated_group_roles=group_roles,
            issuer=s.ci_issuer,
            audience=s.ci_audience,
            key_vault_id=platform.ml.key_vault.vault.id,
        )
        if s.ci_subject
        else None,
    )
