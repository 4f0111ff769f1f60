"""Governance beyond the workspace: runtime Azure Policy parity, approved models, Defender for Cloud, the
activity-log audit trail and the keyless CI identity.

- **Policy parity**: the built-in Azure Policy definitions the pack mirrors (`policy_parity.PARITY`), assigned
  at the platform's resource group with Deny where the definition allows it, so the controls also hold for
  changes made outside Pulumi (portal, CLI, scripts).
- **Approved models** (`ModelRegistry`): an Azure ML registry with a fixed name (the pack's `approvedRegistries`
  names it before it exists), public network access disabled, private endpoints to the registry and to its
  system-created storage and container registry, and diagnostics.
- **Defender for Cloud** plans and the **activity log** diagnostic setting are SUBSCRIPTION-WIDE: they are
  opt-in per stack, never implied by anything else.
- **Keyless CI identity**: an Entra application and service principal with a federated identity credential
  (OIDC, no secret or password anywhere), Contributor on the resource group, Key Vault Crypto Officer on the
  vault, and Role Based Access Control Administrator constrained by an ABAC condition to the roles the baseline
  assigns that can neither write resources nor manage keys (CI_NEVER_DELEGATED are granted at bootstrap).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.machinelearningservices as ml
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights
import pulumi_azure_native.security as security
import pulumi_azuread as azuread

from .access import (
    CI_IDENTITY,
    GRANTS,
    GROUP_PRINCIPALS,
    STORAGE_ACCESS,
    add_lock,
    add_role_assignments,
    grants_for,
)
from .interfaces import (
    DiagnosticsArgs,
    LockArgs,
    Placement,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
)
from .monitoring import add_diagnostics
from .policy_parity import ParityContext, planned_assignments
from .private_link import GROUP_ZONES, PrivateLink, PrivateLinkArgs
from .roles import (
    FORBIDDEN_FOR_PRINCIPALS,
    NEVER_GRANTED,
    ROLE_IDS,
    check_grant,
    role_definition_id,
)
from .settings import DEFENDER_PLANS, GITHUB_OIDC_ISSUER, TOKEN_EXCHANGE_AUDIENCE

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACTIVITY_LOG_CATEGORIES: tuple[str, ...] = ("Administrative", "Security", "Policy", "Alert")
REGISTRY_GROUP_ID = "amlregistry"
REGISTRY_DNS_ZONES: tuple[str, ...] = GROUP_ZONES[REGISTRY_GROUP_ID]
"""An Azure ML registry's private endpoint resolves through the Azure ML API zone."""
RBAC_ADMIN = "Role Based Access Control Administrator"
CI_NEVER_DELEGATED: frozenset[str] = frozenset(
    {
        *NEVER_GRANTED,
        RBAC_ADMIN,
        "Contributor",
        "Key Vault Administrator",
        "Key Vault Crypto Officer",
        "Azure AI Enterprise Network Connection Approver",
    }
)
"""Roles the CI identity may never assign or remove, to anyone (itself included): they write resources, manage
keys, approve network connections or grant roles. The grants of them in GRANTS are made by the bootstrap
administrator's first `pulumi up` and left alone by later CI runs. (A condition naming the stack's own
identities by principal ID cannot be known at preview, which rbac-privileged-roles requires.)"""


def baseline_roles(
    persona_roles: Iterable[str], storage_accesses: Iterable[str] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the CI identity may delegate, derived from GRANTS: (roles for service principals, roles for
    groups), each sorted, without CI_NEVER_DELEGATED. Groups get the personas' roles and the storage data
    roles of the personas' storageAccess levels."""
    service = {g.role for g in GRANTS if g.principal not in GROUP_PRINCIPALS and g.principal != CI_IDENTITY}
    groups = {*persona_roles}
    for access in storage_accesses:
        if STORAGE_ACCESS[access]:
            groups |= {g.role for g in grants_for(STORAGE_ACCESS[access])}
    return tuple(sorted(service - CI_NEVER_DELEGATED)), tuple(sorted(groups - CI_NEVER_DELEGATED))


@dataclass(frozen=True)
class ModelRegistryArgs:
    """The approved-models Azure ML registry. Public network access is always Disabled."""

    registry_name: str
    """Fixed name (3-33 letters, digits, '-', '_'), so the pack's approvedRegistries can name it up front."""
    private_endpoint: PrivateEndpointArgs
    """Needs the privatelink.api.azureml.ms zone."""
    diagnostics: DiagnosticsArgs | None
    """All logs to Log Analytics (no default: pass None explicitly to skip)."""
    lock: LockArgs | None = None
    """Default: no lock. The platform never locks the registry: a CanNotDelete lock blocks deleting its role
    assignments and diagnostic settings ("Lock your resources to protect your infrastructure"); `protect`
    guards it instead."""
    protect: bool = False
    """Pulumi protect (default off; production on)."""
    private_dependencies: bool = True
    """Private endpoints (blob, registry) to the registry's system-created storage account and container
    registry, next to the registry's own ("Network isolation with Azure Machine Learning registries")."""


@dataclass(frozen=True)
class AuditTrailArgs:
    """SUBSCRIPTION-WIDE: the activity log (ACTIVITY_LOG_CATEGORIES) sent to a Log Analytics workspace."""

    log_analytics_workspace_id: pulumi.Input[str]
    retention_in_days: int | None = None
    """Retention of the workspace's AzureActivity table; default None keeps the workspace's retention (use
    None for a central workspace you do not own)."""


@dataclass(frozen=True)
class CiIdentityArgs:
    """The keyless CI identity: an Entra app + service principal trusted through OIDC federation only."""

    display_name: str
    subject: str
    """Exact token subject, e.g. repo:<org>/<repo>:environment:prod (ties the identity to the environment
    whose deployments need a manual approval)."""
    delegated_roles: Sequence[str]
    """Built-in role names (roles.ROLE_IDS) it may assign to and remove from service principals (baseline_roles);
    never one of CI_NEVER_DELEGATED."""
    issuer: str = GITHUB_OIDC_ISSUER
    """Default: GitHub Actions."""
    audience: str = TOKEN_EXCHANGE_AUDIENCE
    """Default: api://AzureADTokenExchange (what Entra expects)."""
    delegated_group_roles: Sequence[str] | None = None
    """Roles it may assign to and remove from groups; default: delegated_roles without FORBIDDEN_FOR_PRINCIPALS."""
    key_vault_id: pulumi.Input[str] | None = None
    """The CMK vault: Key Vault Crypto Officer for the CI identity (it creates and reads the key through ARM)."""
    pinned_grants: Mapping[str, Sequence[pulumi.Input[str]]] = field(default_factory=dict)
    """Roles it may assign only to the listed principal object IDs (e.g. Key Vault Crypto Service Encryption
    User to the Azure Cosmos DB service principal). Only IDs known at preview (a lookup, a config value), never
    a principal this stack creates: rbac-privileged-roles refuses a condition unknown at preview."""


@dataclass(frozen=True)
class GovernanceArgs:
    """Which governance pieces a stack gets. Defaults: policy parity on; everything subscription-wide off."""

    placement: Placement
    resource_group_id: pulumi.Input[str]
    """Scope of the policy assignments and of the CI identity's roles."""
    policy_parity: ParityContext | None = field(default_factory=ParityContext)
    """Default: assign every built-in the pack mirrors (parameters from this context). None: no assignments."""
    model_registry: ModelRegistryArgs | None = None
    defender_plans: Sequence[str] = ()
    """SUBSCRIPTION-WIDE Defender plans set to Standard (names from DEFENDER_PLANS). Default: none."""
    audit_trail: AuditTrailArgs | None = None
    """SUBSCRIPTION-WIDE activity log diagnostic setting. Default: none."""
    ci_identity: CiIdentityArgs | None = None


def validate_governance_args(args: GovernanceArgs) -> None:
    """Option rules; raises ValueError naming the argument."""
    unknown = [p for p in args.defender_plans if p not in DEFENDER_PLANS]
    if unknown:
        raise ValueError(f"defender_plans: unknown {unknown}; allowed: {', '.join(DEFENDER_PLANS)}")
    if len(set(args.defender_plans)) != len(args.defender_plans):
        raise ValueError("defender_plans: a plan is listed twice")
    if args.policy_parity is not None and args.policy_parity.minimum_rsa_key_size not in (2048, 3072, 4096):
        raise ValueError(
            "policy_parity.minimum_rsa_key_size: allowed 2048, 3072 or 4096 (definition 82067dbb)"
        )
    if args.model_registry is not None:
        missing = [
            z for z in REGISTRY_DNS_ZONES if z not in args.model_registry.private_endpoint.dns_zone_ids
        ]
        if missing:
            raise ValueError(f"model_registry.private_endpoint.dns_zone_ids: missing {missing}")
    ci = args.ci_identity
    if ci is not None:
        if not ci.subject or "*" in ci.subject:
            raise ValueError("ci_identity.subject: an exact subject is required (no wildcards)")
        if not ci.issuer.startswith("https://"):
            raise ValueError("ci_identity.issuer: an https URL is required")
        if not ci.audience:
            raise ValueError("ci_identity.audience: required (api://AzureADTokenExchange)")
        if not ci.delegated_roles:
            raise ValueError("ci_identity.delegated_roles: at least one role")
        for key, roles in (
            ("delegated_roles", ci.delegated_roles),
            ("delegated_group_roles", ci.delegated_group_roles or ()),
        ):
            for role in roles:
                if role not in ROLE_IDS:
                    raise ValueError(f"ci_identity.{key}: unknown role {role!r}")
                if role in CI_NEVER_DELEGATED:
                    raise ValueError(
                        f"ci_identity.{key}: {role!r} may never be delegated; allowed: a role outside "
                        f"{', '.join(sorted(CI_NEVER_DELEGATED))}"
                    )
                if key == "delegated_group_roles" and role in FORBIDDEN_FOR_PRINCIPALS:
                    raise ValueError(f"ci_identity.{key}: {role!r} may not be given to a group")
        for role, ids in ci.pinned_grants.items():
            if role not in ROLE_IDS:
                raise ValueError(f"ci_identity.pinned_grants: unknown role {role!r}")
            if role in NEVER_GRANTED or role == RBAC_ADMIN or role == "Contributor":
                raise ValueError(f"ci_identity.pinned_grants: {role!r} may never be delegated")
            if not ids:
                raise ValueError(f"ci_identity.pinned_grants.{role}: at least one principal object ID")


def constrained_delegation_condition(
    roles: Iterable[str],
    group_roles: Iterable[str] | None = None,
    pinned: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """ABAC condition (version 2.0) for Role Based Access Control Administrator: it may create and delete
    role assignments only of `roles` for service principals and of `group_roles` for groups (default: `roles`
    without FORBIDDEN_FOR_PRINCIPALS, so never Contributor to a group), and of each `pinned` role for exactly
    the listed principal object IDs.

    The "constrain roles and principal types" and "constrain roles and specific principals" forms of
    Microsoft's "Delegate Azure role assignment management to others with conditions" (attribute
    `Microsoft.Authorization/roleAssignments:PrincipalId`): the write action is checked on the request, the
    delete action on the existing assignment (@Resource).
    """
    names = set(roles)
    group_names = set(group_roles) if group_roles is not None else names - FORBIDDEN_FOR_PRINCIPALS
    for role, ids in (pinned or {}).items():
        bad = [i for i in ids if not _GUID.match(i)]
        if bad:
            raise ValueError(f"pinned_grants.{role}: {bad} are not principal object IDs; allowed: GUIDs")
    attr = "Microsoft.Authorization/roleAssignments"
    grants = [
        ("ServicePrincipal", sorted(ROLE_IDS[r] for r in names)),
        ("Group", sorted(ROLE_IDS[r] for r in group_names if r not in FORBIDDEN_FOR_PRINCIPALS)),
    ]

    def branch(action: str, source: str) -> str:
        allowed = [
            f"(@{source}[{attr}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{', '.join(guids)}}} AND "
            f"@{source}[{attr}:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {{'{principal_type}'}})"
            for principal_type, guids in grants
            if guids
        ]
        allowed += [
            f"(@{source}[{attr}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{ROLE_IDS[role]}}} AND "
            f"@{source}[{attr}:PrincipalId] ForAnyOfAnyValues:GuidEquals {{{', '.join(sorted(ids))}}})"
            for role, ids in sorted((pinned or {}).items())
            if ids
        ]
        return f"((!(ActionMatches{{'{attr}/{action}'}})) OR " + " OR ".join(allowed) + ")"

    return f"{branch('write', 'Request')} AND {branch('delete', 'Resource')}"


def _system_created_id(registry: ml.Registry, kind: str) -> pulumi.Output[str]:
    """The ARM ID of the registry's system-created storage account or container registry (`kind` storage or
    acr). The API fills it once the account exists, so it is known after the registry is created, in the same
    `pulumi up` (unknown at preview)."""

    def pick(details: Sequence[ml.outputs.RegistryRegionArmDetailsResponse] | None) -> str:
        found: str | None = None
        for region in details or ():
            accounts: Sequence[object] = (
                [a.system_created_storage_account for a in region.storage_account_details or ()]
                if kind == "storage"
                else [a.system_created_acr_account for a in region.acr_details or ()]
            )
            for account in accounts:
                arm = getattr(account, "arm_resource_id", None)
                found = found or getattr(arm, "resource_id", None)
        if not found:
            raise ValueError(
                f"model registry: Azure returned no ID for the registry's system-created {kind} account; "
                "set ModelRegistryArgs.private_dependencies to False and create its private endpoints by hand"
            )
        return found

    return registry.region_details.apply(pick)


class ModelRegistry(pulumi.ComponentResource):
    """The approved-models registry `<name>-mlr`: private endpoints `<name>-mlr` (amlregistry), `<name>-mlr-st`
    (blob, its storage) and `<name>-mlr-cr` (registry, its container registry), diagnostics, optional lock.

    Created before the workspace when the workspace's managed network has a private endpoint rule to it.
    """

    registry: ml.Registry
    storage_account_id: pulumi.Output[str] | None
    container_registry_id: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        args: ModelRegistryArgs,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aml-baseline:governance:ModelRegistry", name, None, opts)
        missing = [z for z in REGISTRY_DNS_ZONES if z not in args.private_endpoint.dns_zone_ids]
        if missing:
            raise ValueError(f"model_registry.private_endpoint.dns_zone_ids: missing {missing}")
        p = placement
        self._name = name
        self.registry = ml.Registry(
            f"{name}-mlr",
            resource_group_name=p.resource_group_name,
            location=p.location,
            registry_name=args.registry_name,
            tags=dict(p.tags),
            public_network_access="Disabled",
            identity=ml.ManagedServiceIdentityArgs(type=ml.ManagedServiceIdentityType.SYSTEM_ASSIGNED),
            sku=ml.SkuArgs(name="Basic", tier=ml.SkuTier.BASIC),
            region_details=[
                ml.RegistryRegionArmDetailsArgs(
                    location=p.location,
                    acr_details=[
                        ml.AcrDetailsArgs(
                            system_created_acr_account=ml.SystemCreatedAcrAccountArgs(
                                acr_account_sku="Premium"
                            )
                        )
                    ],
                    storage_account_details=[
                        ml.StorageAccountDetailsArgs(
                            system_created_storage_account=ml.SystemCreatedStorageAccountArgs(
                                storage_account_type="Standard_LRS",
                                storage_account_hns_enabled=False,
                                allow_blob_public_access=False,
                            )
                        )
                    ],
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        child = pulumi.ResourceOptions(parent=self)
        targets: dict[str, tuple[pulumi.Input[str], str]] = {"mlr": (self.registry.id, REGISTRY_GROUP_ID)}
        self.storage_account_id = self.container_registry_id = None
        if args.private_dependencies:
            self.storage_account_id = _system_created_id(self.registry, "storage")
            self.container_registry_id = _system_created_id(self.registry, "acr")
            targets["mlr-st"] = (self.storage_account_id, "blob")
            targets["mlr-cr"] = (self.container_registry_id, "registry")
        for suffix, (target, group) in targets.items():
            PrivateLink(
                f"{name}-{suffix}",
                PrivateLinkArgs(
                    placement=p, target_id=target, group_id=group, private_endpoint=args.private_endpoint
                ),
                opts=child,
            )
        self.add_diagnostics(args.diagnostics)
        add_lock(f"{name}-mlr", self.registry.id, args.lock, self)
        self.register_outputs({"registry_id": self.registry.id})

    def add_diagnostics(self, diagnostics: DiagnosticsArgs | None) -> None:
        """All registry logs to Log Analytics (`<name>-mlr-diag`); separate so a platform can create the
        registry before the Log Analytics workspace it logs to."""
        add_diagnostics(f"{self._name}-mlr", self.registry.id, diagnostics, self, metric_categories=())


class Governance(pulumi.ComponentResource):
    """Policy assignments `<name>-policy-<key>`, registry `<name>-mlr`, Defender plans `<name>-defender-<plan>`,
    activity log `<name>-activity-log`, CI identity `<name>-ci-*`."""

    policy_assignments: dict[str, authorization.PolicyAssignment]
    model_registry: ml.Registry | None
    defender_pricings: dict[str, security.Pricing]
    activity_log: monitor.SubscriptionDiagnosticSetting | None
    ci_application: azuread.Application | None
    ci_service_principal: azuread.ServicePrincipal | None
    ci_federated_credential: azuread.ApplicationFederatedIdentityCredential | None
    ci_role_assignments: dict[str, authorization.RoleAssignment]

    def __init__(self, name: str, args: GovernanceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:governance:Governance", name, None, opts)
        validate_governance_args(args)
        child = pulumi.ResourceOptions(parent=self)
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        subscription_scope = client.subscription_id.apply(lambda s: f"/subscriptions/{s}")

        self.policy_assignments = {}
        if args.policy_parity is not None:
            for key, (entry, params) in planned_assignments(args.policy_parity).items():
                self.policy_assignments[key] = authorization.PolicyAssignment(
                    f"{name}-policy-{key}",
                    policy_assignment_name=f"aml-{key}",
                    scope=args.resource_group_id,
                    policy_definition_id=entry.definition_id,
                    display_name=f"aml-secure-baseline {entry.rule}: {entry.display_name}"[:128],
                    description=(
                        f"Runtime parity with policy-pack rule {entry.rule} (aml-secure-baseline); "
                        f"effect {entry.effect}."
                    ),
                    enforcement_mode="Default",
                    parameters={
                        k: authorization.ParameterValuesValueArgs(value=v) for k, v in params.items()
                    },
                    non_compliance_messages=[
                        authorization.NonComplianceMessageArgs(
                            message=(
                                f"aml-secure-baseline control {entry.rule}: {entry.display_name} "
                                "See docs/controls.md."
                            )
                        )
                    ],
                    metadata={"rule": entry.rule, "source": "aml-secure-baseline"},
                    opts=child,
                )

        self.model_registry = None
        if args.model_registry is not None:
            self.model_registry = ModelRegistry(
                name, args.model_registry, args.placement, opts=child
            ).registry

        self.defender_pricings = {
            plan: security.Pricing(
                f"{name}-defender-{plan.lower()}",
                pricing_name=plan,
                pricing_tier="Standard",
                scope_id=subscription_scope,
                opts=child,
            )
            for plan in args.defender_plans
        }

        self.activity_log = None
        if args.audit_trail is not None:
            self.activity_log = self._activity_log(name, args.audit_trail)

        self.ci_application = self.ci_service_principal = self.ci_federated_credential = None
        self.ci_role_assignments = {}
        if args.ci_identity is not None:
            self._ci_identity(name, args.ci_identity, args.resource_group_id, client.subscription_id)

        self.register_outputs(
            {
                "policy_assignment_ids": {k: v.id for k, v in self.policy_assignments.items()},
                "model_registry_id": self.model_registry.id if self.model_registry else None,
                "defender_plans": list(self.defender_pricings),
                "activity_log_id": self.activity_log.id if self.activity_log else None,
                "ci_client_id": self.ci_application.client_id if self.ci_application else None,
            }
        )

    def _activity_log(self, name: str, args: AuditTrailArgs) -> monitor.SubscriptionDiagnosticSetting:
        """The subscription's activity log categories to Log Analytics, and the AzureActivity retention."""
        setting = monitor.SubscriptionDiagnosticSetting(
            f"{name}-activity-log",
            name="aml-baseline-activity-log",
            workspace_id=args.log_analytics_workspace_id,
            logs=[
                monitor.SubscriptionLogSettingsArgs(category=c, enabled=True) for c in ACTIVITY_LOG_CATEGORIES
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        if args.retention_in_days is not None:
            workspace_id = pulumi.Output.from_input(args.log_analytics_workspace_id)
            operationalinsights.Table(
                f"{name}-activity-retention",
                resource_group_name=workspace_id.apply(lambda i: i.split("/")[4]),
                workspace_name=workspace_id.apply(lambda i: i.rstrip("/").rsplit("/", 1)[-1]),
                table_name="AzureActivity",
                retention_in_days=args.retention_in_days,
                total_retention_in_days=args.retention_in_days,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return setting

    def _ci_identity(
        self,
        name: str,
        ci: CiIdentityArgs,
        scope: pulumi.Input[str],
        subscription_id: pulumi.Output[str],
    ) -> None:
        """App (no password, no certificate), service principal, federated credential, scoped roles."""
        child = pulumi.ResourceOptions(parent=self)
        app = azuread.Application(
            f"{name}-ci-app",
            display_name=ci.display_name,
            description="aml-secure-baseline keyless CI deployment identity (OIDC federation only).",
            sign_in_audience="AzureADMyOrg",
            prevent_duplicate_names=True,
            opts=child,
        )
        sp = azuread.ServicePrincipal(
            f"{name}-ci-sp",
            client_id=app.client_id,
            description="aml-secure-baseline keyless CI deployment identity.",
            opts=child,
        )
        self.ci_federated_credential = azuread.ApplicationFederatedIdentityCredential(
            f"{name}-ci-fic",
            application_id=app.id,
            display_name=f"{ci.display_name}-oidc"[:120],
            description="CI OIDC token exchange; no client secret exists for this application.",
            issuer=ci.issuer,
            subject=ci.subject,
            audiences=[ci.audience],
            opts=child,
        )
        self.ci_application, self.ci_service_principal = app, sp
        self.ci_role_assignments = add_role_assignments(
            f"{name}-ci",
            scope,
            {
                g.key: RoleAssignmentArgs(role=g.role, principal_id=sp.object_id)
                for g in grants_for(CI_IDENTITY, "rg")
                if g.role != RBAC_ADMIN
            },
            self,
        )
        check_grant(RBAC_ADMIN, "ServicePrincipal")
        self.ci_role_assignments["rbac-admin"] = authorization.RoleAssignment(
            f"{name}-ci-ra-rbac-admin",
            scope=scope,
            principal_id=sp.object_id,
            principal_type="ServicePrincipal",
            role_definition_id=subscription_id.apply(lambda s: role_definition_id(s, RBAC_ADMIN)),
            condition=pulumi.Output.all(
                *[pulumi.Output.all(*ids) for ids in ci.pinned_grants.values()]
            ).apply(
                lambda resolved: constrained_delegation_condition(
                    ci.delegated_roles,
                    ci.delegated_group_roles,
                    dict(zip(ci.pinned_grants, resolved, strict=True)),
                )
            ),
            condition_version="2.0",
            description="aml-secure-baseline: constrained delegation to the roles the baseline assigns",
            opts=child,
        )
        if ci.key_vault_id is not None:
            self.ci_role_assignments.update(
                add_role_assignments(
                    f"{name}-ci-kv",
                    ci.key_vault_id,
                    {
                        g.key: RoleAssignmentArgs(role=g.role, principal_id=sp.object_id)
                        for g in grants_for(CI_IDENTITY, "kv")
                    },
                    self,
                )
            )
