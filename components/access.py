"""Role assignments and locks (the one helper for each), the one table of every grant the baseline makes
(`GRANTS`, with its documented reason), persona access, and the workspace and job identities' access.

Every assignment names a built-in role through roles.ROLE_IDS and is scoped to one resource (or the platform
resource group, where the docs need it). Privileged roles are refused here too (roles.check_grant), not only by
the policy pack.

Two identities, one job each: the *workspace identity* (user-assigned; the workspace's primary identity and
the CMK identity) holds what Azure ML documents for a user-assigned workspace identity, including Key Vault
Administrator; the *job identity* is what compute clusters, and so job code (`DEFAULT_IDENTITY_CLIENT_ID`),
run as: data roles only, no key management, no Contributor, no role assignment rights.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azuread as azuread

from .interfaces import LockArgs, RoleAssignmentArgs, RoleAssignmentSpec
from .roles import check_grant, role_definition_id, role_guid
from .settings import arg_errors, validate_role_assignment_list

WORKSPACE_IDENTITY = "workspace identity"
JOB_IDENTITY = "job identity"
PERSONA = "persona group"
PERSONA_READ_WRITE = "persona group, storageAccess readWrite"
PERSONA_READ = "persona group, storageAccess read"
CI_IDENTITY = "CI identity"
DEPLOYER = "deploying principal"
COSMOS_DB = "Azure Cosmos DB service principal"

SCOPES: dict[str, str] = {
    "rg": "the platform resource group",
    "mlw": "the workspace",
    "st": "the workspace storage account",
    "kv": "the key vault",
    "acr": "the workspace container registry",
    "appi": "Application Insights",
    "blob-pe": "the storage blob private endpoint in the client network",
    "file-pe": "the storage file private endpoint in the client network",
    "mlr": "the approved-models Azure ML registry",
    "ais": "the AI Services (Foundry) account",
}
"""Where a grant applies (GRANTS.scope), in words for the docs."""

_UAI_TABLE = (
    '"Set up authentication between Azure Machine Learning and other services", section "User-assigned '
    'managed identity > Workspace" (required roles table)'
)
_SHARED_KEY = (
    '"Disable shared key access for your workspace\'s storage account (preview)", sections "Create a new '
    'workspace" and "Scenarios for role assignments"'
)
_MANAGED_NETWORK = '"Workspace Managed Virtual Network Isolation"'


@dataclass(frozen=True)
class Grant:
    """One role the baseline grants: who, what, where, the Azure resource name key, and the documented why."""

    principal: str
    role: str
    scope: str
    """A SCOPES key."""
    key: str
    """Suffix of the role assignment's resource name."""
    reason: str
    source: str
    """Microsoft page title and section."""


GRANTS: tuple[Grant, ...] = (
    # The workspace identity: what Azure ML documents for a user-assigned workspace identity.
    Grant(WORKSPACE_IDENTITY, "Contributor", "mlw", "contributor",
          "Azure ML operates on the workspace as this identity; granted right after the workspace exists.",
          _UAI_TABLE),
    Grant(WORKSPACE_IDENTITY, "Contributor", "st", "contributor", "Control plane of the workspace storage.",
          _UAI_TABLE),
    Grant(WORKSPACE_IDENTITY, "Storage Blob Data Contributor", "st", "blob",
          "Data preview in the studio; system datastores use identity (shared keys are off).", _UAI_TABLE),
    Grant(WORKSPACE_IDENTITY, "Contributor", "kv", "contributor", "Control plane of the key vault.", _UAI_TABLE),
    Grant(WORKSPACE_IDENTITY, "Key Vault Administrator", "kv", "admin",
          "Data plane of an RBAC key vault (the documented role; secrets of workspace connections).", _UAI_TABLE),
    Grant(WORKSPACE_IDENTITY, "Contributor", "acr", "contributor", "Image builds and pulls.", _UAI_TABLE),
    Grant(WORKSPACE_IDENTITY, "Contributor", "appi", "contributor", "Workspace telemetry.", _UAI_TABLE),
    Grant(WORKSPACE_IDENTITY, "Azure AI Enterprise Network Connection Approver", "rg", "approver",
          "Approves the managed network's private endpoints to the workspace, storage, key vault, container "
          "registry and model registry. Resource-group scope: provisionNetworkNow approves the endpoint to the "
          "workspace while the workspace is being created, before a workspace-scoped grant could exist.",
          f'{_MANAGED_NETWORK}, section "Prerequisites" (note on UAI workspaces)'),
    Grant(WORKSPACE_IDENTITY, "Reader", "blob-pe", "reader",
          "Studio access to a storage account with public network access disabled.",
          f'{_MANAGED_NETWORK}, section "Azure Machine Learning studio"'),
    Grant(WORKSPACE_IDENTITY, "Reader", "file-pe", "reader",
          "Studio access to a storage account with public network access disabled.",
          f'{_MANAGED_NETWORK}, section "Azure Machine Learning studio"'),
    Grant(WORKSPACE_IDENTITY, "Key Vault Crypto Service Encryption User", "kv", "cmk",
          "Wraps and unwraps the customer-managed key for storage, registry and workspace (components/keyvault.py).",
          '"Use customer-managed keys with Azure Machine Learning"'),
    # The job identity: what compute clusters and job code run as. No key management, no role assignments.
    Grant(JOB_IDENTITY, "Storage Blob Data Contributor", "st", "blob",
          "Jobs mount inputs and write outputs and models through identity-based datastores.",
          f"{_SHARED_KEY} (row \"Model Registry and ML Flow\": a compute cluster with a user-assigned identity); "
          '"Set up authentication between Azure Machine Learning and other services", section "Access data '
          'for training jobs on compute using managed identity"'),
    Grant(JOB_IDENTITY, "AcrPull", "acr", "acrpull",
          "The cluster pulls environment images from the workspace registry with its identity.",
          '"Set up authentication between Azure Machine Learning and other services", sections "Create compute '
          'with managed identity to access Docker images for training" and "Scenario: Use a private Azure '
          'Container Registry"'),
    Grant(JOB_IDENTITY, "AzureML Registry User", "mlr", "registryuser",
          "Jobs use approved models and components from the model registry.",
          '"Network isolation with Azure Machine Learning registries", section "Create assets in registry from '
          'local files" (AzureML Registry User, Owner or Contributor)'),
    # People (persona groups): the persona's workspace role (config personas.<name>.role; defaults below) and,
    # with shared keys off, data roles on the workspace storage (config personas.<name>.storageAccess).
    Grant(PERSONA, "AzureML Data Scientist", "mlw", "datascientists",
          "Default role of personas.dataScientists.", '"Manage access to Azure Machine Learning workspaces"'),
    Grant(PERSONA, "AzureML Compute Operator", "mlw", "mlengineers",
          "Default role of personas.mlEngineers.", '"Manage access to Azure Machine Learning workspaces"'),
    Grant(PERSONA, "Reader", "mlw", "readers", "Default role of personas.readers.",
          '"Manage access to Azure Machine Learning workspaces"'),
    # AI Services (Foundry): data-plane roles only, never keys (config aiServices.personaRoles.<persona>; the
    # assignment is named after the persona).
    Grant(PERSONA, "Azure AI User", "ais", "ai-user",
          "aiServices.personaRoles: build with projects and call deployed models.",
          '"Role-based access control for Microsoft Foundry"'),
    Grant(PERSONA, "Cognitive Services OpenAI User", "ais", "openai-user",
          "aiServices.personaRoles: call deployed models only.",
          '"Role-based access control for Azure OpenAI in Microsoft Foundry Models"'),
    Grant(PERSONA_READ_WRITE, "Storage Blob Data Contributor", "st", "blob",
          "Studio data browsing, datasets and datastores with shared keys off.", _SHARED_KEY),
    Grant(PERSONA_READ_WRITE, "Storage File Data Privileged Contributor", "st", "file",
          "Compute instances, studio notebooks and their file explorer with shared keys off.", _SHARED_KEY),
    Grant(PERSONA_READ, "Storage Blob Data Reader", "st", "blob", "Read-only data browsing.", _SHARED_KEY),
    Grant(PERSONA_READ, "Storage File Data Privileged Reader", "st", "file", "Read-only notebook files.",
          _SHARED_KEY),
    # The keyless CI identity (components/governance.py).
    Grant(CI_IDENTITY, "Contributor", "rg", "contributor", "Deploys the platform's resources.",
          '"Azure built-in roles" (Contributor: no Microsoft.Authorization writes)'),
    Grant(CI_IDENTITY, "Role Based Access Control Administrator", "rg", "rbac-admin",
          "Creates the stack's own role assignments, limited by an ABAC condition (never Owner, User Access "
          "Administrator, Contributor or a key-management role).",
          '"Delegate Azure role assignment management to others with conditions"'),
    Grant(CI_IDENTITY, "Key Vault Crypto Officer", "kv", "crypto-officer",
          "Creating or reading a key through ARM in an RBAC vault is a data action; granted once by the "
          "bootstrap administrator, never delegated.",
          '"Provide access to Key Vault keys, certificates, and secrets with Azure role-based access control"'),
    # Key grants made by components/keyvault.py.
    Grant(DEPLOYER, "Key Vault Crypto Officer", "kv", "deployer",
          "The principal running the first `pulumi up` creates the key (a data action in an RBAC vault).",
          '"Provide access to Key Vault keys, certificates, and secrets with Azure role-based access control"'),
    Grant(COSMOS_DB, "Key Vault Crypto Service Encryption User", "kv", "cosmosdb",
          "Classic workspace CMK: Azure Cosmos DB wraps and unwraps with the key.",
          '"Use customer-managed keys with Azure Machine Learning", section "Allow Azure Cosmos DB to access '
          'the key"'),
)  # fmt: skip
"""Every role the baseline grants, with its documented reason: code builds the assignments from it, the CI
delegation is derived from it, and docs/access.md is rendered from it (tests keep all three equal)."""

GROUP_PRINCIPALS = frozenset({PERSONA, PERSONA_READ_WRITE, PERSONA_READ})
STORAGE_ACCESS: dict[str, str] = {"readWrite": PERSONA_READ_WRITE, "read": PERSONA_READ, "none": ""}
"""Config personas.<name>.storageAccess -> the GRANTS principal whose storage roles the persona gets."""


def grants_for(principal: str, scope: str | None = None) -> tuple[Grant, ...]:
    """The GRANTS rows of one principal (optionally one scope), in table order."""
    return tuple(g for g in GRANTS if g.principal == principal and (scope is None or g.scope == scope))


def render_grants_markdown() -> str:
    """The grant table as Markdown (docs/access.md embeds exactly this)."""
    lines = ["| Principal | Role | Scope | Why | Source |", "|---|---|---|---|---|"]
    for g in GRANTS:
        lines.append(f"| {g.principal} | {g.role} | {SCOPES[g.scope]} | {g.reason} | {g.source} |")
    return "\n".join(lines) + "\n"


def _role_id(subscription_id: pulumi.Output[str], role: str) -> pulumi.Output[str]:
    return subscription_id.apply(lambda sub: role_definition_id(sub, role))


def add_role_assignments(
    name: str,
    scope: pulumi.Input[str],
    assignments: Mapping[str, RoleAssignmentArgs],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    ignore_changes: Sequence[str] = (),
) -> dict[str, authorization.RoleAssignment]:
    """One RoleAssignment per entry, named `<name>-ra-<key>`, scoped to `scope` (`ignore_changes`: inputs a
    later run must not replace the assignment for, e.g. the principal of a grant made once at bootstrap)."""
    for ra in assignments.values():
        check_grant(ra.role, ra.principal_type)
    if not assignments:
        return {}
    subscription = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    result: dict[str, authorization.RoleAssignment] = {}
    for key, ra in assignments.items():
        result[key] = authorization.RoleAssignment(
            f"{name}-ra-{key}",
            scope=scope,
            principal_id=ra.principal_id,
            principal_type=ra.principal_type,
            role_definition_id=_role_id(subscription.subscription_id, ra.role),
            description=f"aml-secure-baseline: {ra.role}" + (f" for {ra.purpose}" if ra.purpose else ""),
            opts=pulumi.ResourceOptions(
                parent=parent, depends_on=list(depends_on), ignore_changes=list(ignore_changes) or None
            ),
        )
    return result


def add_lock(
    name: str, scope: pulumi.Input[str], lock: LockArgs | None, parent: pulumi.Resource
) -> authorization.ManagementLockByScope | None:
    """A management lock named `<name>-lock` on `scope`, or nothing when `lock` is None.

    Lock data, not what has children the stack changes: a CanNotDelete lock is inherited by extension
    resources (role assignments, diagnostic settings) and children, so it blocks deleting them; on an Azure ML
    workspace it also blocks compute scale-down and deleting computes ("Lock your resources to protect your
    infrastructure", sections "Lock inheritance" and "Considerations before applying your locks"). The baseline
    locks the key vault and the storage account only.

    To lift a lock (Owner or User Access Administrator; the CI identity cannot): set the stack's `locks` to
    false and run `pulumi up`, or once, by hand,
    `az lock delete --name <name>-lock --resource <resource ID>`; change what the lock blocked; set `locks`
    back to true and run `pulumi up` again.
    """
    if lock is None:
        return None
    return authorization.ManagementLockByScope(
        f"{name}-lock",
        scope=scope,
        level=lock.level,
        notes=lock.notes,
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class PersonaGroup:
    """A persona's Entra group: an existing object ID, or a display name to create (exactly one)."""

    role: str
    group_object_id: str = ""
    create_group_name: str = ""
    storage_access: str = "none"
    """Data roles on the workspace storage (STORAGE_ACCESS): readWrite, read or none (default)."""


@dataclass(frozen=True)
class PersonaAccessArgs:
    """Persona role assignments (Group principals) at workspace scope, keyed by persona name, and their data
    roles on the workspace storage (needed when the storage account has shared keys off)."""

    workspace_id: pulumi.Input[str]
    personas: Mapping[str, PersonaGroup] = field(default_factory=dict)
    storage_account_id: pulumi.Input[str] | None = None
    """Required when a persona has storage_access other than none."""


class PersonaAccess(pulumi.ComponentResource):
    """Entra groups (created with azuread when asked) holding persona roles on the workspace (`<name>-ra-<key>`)
    and data roles on the workspace storage (`<name>-st-ra-<key>-<blob|file>`)."""

    group_ids: dict[str, pulumi.Output[str]]
    role_assignments: dict[str, authorization.RoleAssignment]
    storage_role_assignments: dict[str, authorization.RoleAssignment]

    def __init__(
        self, name: str, args: PersonaAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aml-baseline:access:PersonaAccess", name, None, opts)
        self.group_ids = {}
        assignments: dict[str, RoleAssignmentArgs] = {}
        storage: dict[str, RoleAssignmentArgs] = {}
        for key, persona in args.personas.items():
            if bool(persona.group_object_id) == bool(persona.create_group_name):
                raise ValueError(f"personas.{key}: give exactly one of group_object_id and create_group_name")
            if persona.storage_access not in STORAGE_ACCESS:
                raise ValueError(
                    f"personas.{key}.storage_access: {persona.storage_access!r} is not supported; "
                    f"allowed: {', '.join(STORAGE_ACCESS)}"
                )
            if persona.storage_access != "none" and args.storage_account_id is None:
                raise ValueError(f"personas.{key}.storage_access: needs storage_account_id")
            check_grant(persona.role, "Group")
            if persona.create_group_name:
                group = azuread.Group(
                    f"{name}-group-{key.lower()}",
                    display_name=persona.create_group_name,
                    security_enabled=True,
                    mail_enabled=False,
                    description=f"aml-secure-baseline persona {key}: {persona.role}",
                    opts=pulumi.ResourceOptions(parent=self),
                )
                self.group_ids[key] = group.object_id
            else:
                self.group_ids[key] = pulumi.Output.from_input(persona.group_object_id)
            assignments[key.lower()] = RoleAssignmentArgs(
                role=persona.role, principal_id=self.group_ids[key], principal_type="Group"
            )
            for grant in grants_for(STORAGE_ACCESS[persona.storage_access], "st"):
                storage[f"{key.lower()}-{grant.key}"] = RoleAssignmentArgs(
                    role=grant.role, principal_id=self.group_ids[key], principal_type="Group"
                )
        self.role_assignments = add_role_assignments(name, args.workspace_id, assignments, self)
        self.storage_role_assignments = (
            add_role_assignments(f"{name}-st", args.storage_account_id, storage, self)
            if args.storage_account_id is not None
            else {}
        )
        self.register_outputs({"group_ids": self.group_ids})


def _grant_all(
    name: str,
    principal: str,
    principal_id: pulumi.Input[str],
    scopes: Mapping[str, pulumi.Input[str]],
    parent: pulumi.Resource,
    skip: frozenset[str] = frozenset(),
) -> dict[str, authorization.RoleAssignment]:
    """Every GRANTS row of `principal` whose scope is in `scopes` (but not its keys in `skip`):
    `<name>-<scope>-ra-<key>`, keyed `<scope>-<key>`."""
    created: dict[str, authorization.RoleAssignment] = {}
    for scope_key, scope in scopes.items():
        rows = [g for g in grants_for(principal, scope_key) if g.key not in skip]
        made = add_role_assignments(
            f"{name}-{scope_key}",
            scope,
            {g.key: RoleAssignmentArgs(role=g.role, principal_id=principal_id) for g in rows},
            parent,
        )
        created.update({f"{scope_key}-{k}": v for k, v in made.items()})
    return created


@dataclass(frozen=True)
class IdentityAccessArgs:
    """Scopes the workspace's user-assigned identity needs before the workspace exists (Azure ML docs)."""

    principal_id: pulumi.Input[str]
    storage_account_id: pulumi.Input[str]
    key_vault_id: pulumi.Input[str]
    registry_id: pulumi.Input[str]
    app_insights_id: pulumi.Input[str]
    resource_group_id: pulumi.Input[str] | None = None
    """Scope of Azure AI Enterprise Network Connection Approver (managed network only; None: not granted)."""
    storage_private_endpoint_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Client-network storage endpoints keyed blob-pe / file-pe: Reader for studio access."""


class WorkspaceIdentityAccess(pulumi.ComponentResource):
    """The workspace identity's GRANTS that can exist before the workspace: `<name>-<scope>-ra-<key>`.

    Contributor on the workspace itself comes after it (MlWorkspaceArgs.role_assignments); the CMK role is the
    key vault's.
    """

    role_assignments: dict[str, authorization.RoleAssignment]

    def __init__(
        self, name: str, args: IdentityAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aml-baseline:access:WorkspaceIdentityAccess", name, None, opts)
        for key in args.storage_private_endpoint_ids:
            if key not in ("blob-pe", "file-pe"):
                raise ValueError(
                    f"storage_private_endpoint_ids: {key!r} is not supported; allowed: blob-pe, file-pe"
                )
        scopes: dict[str, pulumi.Input[str]] = {
            "st": args.storage_account_id,
            "kv": args.key_vault_id,
            "acr": args.registry_id,
            "appi": args.app_insights_id,
        }
        if args.resource_group_id is not None:
            scopes["rg"] = args.resource_group_id
        scopes.update(args.storage_private_endpoint_ids)
        # The CMK role is created with the key (components/keyvault.py), not here.
        self.role_assignments = _grant_all(
            name, WORKSPACE_IDENTITY, args.principal_id, scopes, self, skip=frozenset({"cmk"})
        )
        self.register_outputs({"role_assignment_ids": {k: v.id for k, v in self.role_assignments.items()}})


@dataclass(frozen=True)
class JobIdentityAccessArgs:
    """Where the job identity (compute clusters) reads and writes: data roles only."""

    principal_id: pulumi.Input[str]
    storage_account_id: pulumi.Input[str]
    registry_id: pulumi.Input[str]
    """The workspace container registry (AcrPull)."""
    model_registry_id: pulumi.Input[str] | None = None
    """The approved-models Azure ML registry (AzureML Registry User); None: no registry."""


class JobIdentityAccess(pulumi.ComponentResource):
    """The job identity's GRANTS: `<name>-<scope>-ra-<key>`. It can neither manage keys nor grant roles."""

    role_assignments: dict[str, authorization.RoleAssignment]

    def __init__(
        self, name: str, args: JobIdentityAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aml-baseline:access:JobIdentityAccess", name, None, opts)
        scopes: dict[str, pulumi.Input[str]] = {"st": args.storage_account_id, "acr": args.registry_id}
        if args.model_registry_id is not None:
            scopes["mlr"] = args.model_registry_id
        self.role_assignments = _grant_all(name, JOB_IDENTITY, args.principal_id, scopes, self)
        self.register_outputs({"role_assignment_ids": {k: v.id for k, v in self.role_assignments.items()}})


_ASSIGNMENT_NAMESPACE = uuid.UUID("6f1c2d9e-5b7a-4c3e-9d1f-2a8b4e6c0d17")
"""Namespace of the deterministic (UUID v5) names of team role assignments (add_role_assignment_specs)."""


def add_role_assignment_specs(
    name: str,
    scope: pulumi.Input[str],
    specs: Sequence[RoleAssignmentSpec],
    parent: pulumi.Resource,
    argument: str = "role_assignments",
) -> dict[str, authorization.RoleAssignment]:
    """AVM-style role assignments on one resource (`scope`), validated like SecureMlWorkspaceArgs.role_assignments
    (errors name `argument`). Returns them keyed by their logical-name suffix.

    Names are deterministic, so reordering the list replaces nothing: the logical name is `<name>-ra-<id>`, `id`
    a UUID v5 of the role definition GUID and the principal ID (of the position in the list when the principal
    ID is an Output, known only at deploy time); the Azure name is a UUID v5 of scope, principal and role, as
    AVM's `guid(scope, principalId, roleDefinitionId)`, so a recreated stack finds the same assignment.
    """
    errors = arg_errors()
    validate_role_assignment_list(errors, argument, specs)
    errors.raise_if_any()
    if not specs:
        return {}
    subscription = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    result: dict[str, authorization.RoleAssignment] = {}
    for i, spec in enumerate(specs):
        guid = role_guid(spec.role_definition_id_or_name)
        assert guid is not None  # validated above
        principal = spec.principal_id
        seed = f"{guid}|{principal.lower()}" if isinstance(principal, str) else f"{guid}|#{i}"
        key = str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, seed))[:13].replace("-", "")
        result[key] = authorization.RoleAssignment(
            f"{name}-ra-{key}",
            scope=scope,
            role_assignment_name=pulumi.Output.all(scope, principal).apply(_azure_name(guid)),
            principal_id=principal,
            principal_type=spec.principal_type,
            role_definition_id=subscription.subscription_id.apply(_role_definition(guid)),
            description=spec.description or None,
            condition=spec.condition or None,
            condition_version="2.0" if spec.condition else None,
            opts=pulumi.ResourceOptions(parent=parent),
        )
    return result


def _azure_name(guid: str) -> Callable[[list[Any]], str]:
    """Scope and principal ID -> the assignment's Azure name, a UUID v5 as AVM's guid(scope, principal, role)."""
    return lambda a: str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, f"{str(a[0]).lower()}|{str(a[1]).lower()}|{guid}"))


def _role_definition(guid: str) -> Callable[[str], str]:
    """Subscription ID -> the role definition's ARM ID."""
    return lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
