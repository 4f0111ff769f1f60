"""AVM-style shared interfaces, with the same names in every component.

`diagnostics`, `private_endpoint`, `role_assignments`, `lock`, `customer_managed_key`, `identity`: each
component accepts the ones that apply to it, and each is wired by one helper (monitoring.add_diagnostics,
private_link.PrivateLink, access.add_role_assignments for the baseline's own grants and
access.add_role_assignment_specs for a team's RoleAssignmentSpec, access.add_lock).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi


@dataclass(frozen=True)
class Placement:
    """Where a component's resources go, and the tags every taggable resource gets."""

    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DiagnosticsArgs:
    """Send all logs (category group `allLogs`) and metrics of a resource to a Log Analytics workspace."""

    log_analytics_workspace_id: pulumi.Input[str]


@dataclass(frozen=True)
class PrivateEndpointArgs:
    """A private endpoint in `subnet_id`, registered in the private DNS zones keyed by zone name."""

    subnet_id: pulumi.Input[str]
    dns_zone_ids: Mapping[str, pulumi.Input[str]]


@dataclass(frozen=True)
class RoleAssignmentArgs:
    """A built-in role (name from roles.ROLE_IDS) for a principal on the component's main resource."""

    role: str
    principal_id: pulumi.Input[str]
    principal_type: str = "ServicePrincipal"
    """ServicePrincipal (default, managed identities) or Group; users and groups never get privileged roles."""
    purpose: str = ""
    """Appended to the assignment's description (whom it is for), so reviewers and the deployability pack can
    tell a first-party principal's grant apart."""


@dataclass(frozen=True)
class LockArgs:
    """A management lock on the component's main resource. Default level: CanNotDelete."""

    level: str = "CanNotDelete"
    notes: str = "Protected by aml-secure-baseline: stateful resource."


@dataclass(frozen=True)
class CustomerManagedKeyArgs:
    """A customer-managed key in Key Vault, used through a user-assigned identity.

    `depends_on` holds what must exist before use: the wait after the identity's key access (role assignment).
    """

    key_vault_id: pulumi.Input[str]
    key_vault_uri: pulumi.Input[str]
    key_name: pulumi.Input[str]
    key_uri: pulumi.Input[str]
    """Versionless key URI (auto-rotation)."""
    key_uri_with_version: pulumi.Input[str]
    identity: IdentityArgs
    depends_on: Sequence[pulumi.Resource] = ()
    behind_firewall: bool = False
    """The vault denies public network access (firewall): only trusted services that use their system-assigned
    identity get through, so a consumer that reaches keys only through a user-assigned identity (a container
    registry) cannot use this key."""


@dataclass(frozen=True)
class IdentityArgs:
    """A user-assigned managed identity: resource ID, principal (object) ID and client ID."""

    id: pulumi.Input[str]
    principal_id: pulumi.Input[str]
    client_id: pulumi.Input[str]


@dataclass(frozen=True)
class RoleAssignmentSpec:
    """One AVM-style role assignment a team adds on a resource the component creates (AVM `roleAssignments`).

    Attributes:
        role_definition_id_or_name: A built-in role name from roles.ROLE_IDS (e.g. "Storage Blob Data Reader")
            or a role definition GUID. Owner and User Access Administrator are refused; Contributor and Role
            Based Access Control Administrator only for a ServicePrincipal, the latter with a `condition` that
            limits the roles it may assign (as the security pack's rbac-privileged-roles requires).
        principal_id: Entra object ID (GUID) of the user, group or service principal; an Output is accepted.
        principal_type: User, Group or ServicePrincipal (the security pack advises groups over users).
        description: Shown on the role assignment in Azure.
        condition: An ABAC condition (condition version 2.0 is set with it).
    """

    role_definition_id_or_name: str
    principal_id: pulumi.Input[str]
    principal_type: str
    description: str = ""
    condition: str | None = None
