"""Role assignments and locks (the one helper for each), persona access and the workspace identity's access.

Every assignment names a built-in role through roles.ROLE_IDS and is scoped to one resource. Privileged
roles are refused here too (roles.check_grant), not only by the policy pack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azuread as azuread

from components.interfaces import LockArgs, RoleAssignmentArgs
from components.roles import check_grant, role_definition_id


def _role_id(subscription_id: pulumi.Output[str], role: str) -> pulumi.Output[str]:
    return subscription_id.apply(lambda sub: role_definition_id(sub, role))


def add_role_assignments(
    name: str,
    scope: pulumi.Input[str],
    assignments: Mapping[str, RoleAssignmentArgs],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> dict[str, authorization.RoleAssignment]:
    """One RoleAssignment per entry, named `<name>-ra-<key>`, scoped to `scope`."""
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
            description=f"aml-secure-baseline: {ra.role}",
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
        )
    return result


def add_lock(
    name: str, scope: pulumi.Input[str], lock: LockArgs | None, parent: pulumi.Resource
) -> authorization.ManagementLockByScope | None:
    """A management lock named `<name>-lock` on `scope`, or nothing when `lock` is None."""
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


@dataclass(frozen=True)
class PersonaAccessArgs:
    """Persona role assignments (Group principals) at workspace scope, keyed by persona name."""

    workspace_id: pulumi.Input[str]
    personas: Mapping[str, PersonaGroup] = field(default_factory=dict)


class PersonaAccess(pulumi.ComponentResource):
    """Entra groups (created with azuread when asked) holding persona roles on the workspace."""

    group_ids: dict[str, pulumi.Output[str]]
    role_assignments: dict[str, authorization.RoleAssignment]

    def __init__(
        self, name: str, args: PersonaAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aml-baseline:access:PersonaAccess", name, None, opts)
        self.group_ids = {}
        assignments: dict[str, RoleAssignmentArgs] = {}
        for key, persona in args.personas.items():
            if bool(persona.group_object_id) == bool(persona.create_group_name):
                raise ValueError(f"personas.{key}: give exactly one of group_object_id and create_group_name")
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
        self.role_assignments = add_role_assignments(name, args.workspace_id, assignments, self)
        self.register_outputs({"group_ids": self.group_ids})


@dataclass(frozen=True)
class IdentityAccessArgs:
    """Scopes the workspace's user-assigned identity needs (Azure ML docs), one resource each."""

    principal_id: pulumi.Input[str]
    storage_account_id: pulumi.Input[str]
    key_vault_id: pulumi.Input[str]
    registry_id: pulumi.Input[str]
    app_insights_id: pulumi.Input[str]


class WorkspaceIdentityAccess(pulumi.ComponentResource):
    """What Azure ML documents for a user-assigned workspace identity, each scoped to its single resource.

    Contributor and Storage Blob Data Contributor on storage, Contributor and Key Vault Administrator on the
    key vault, Contributor on the registry and on Application Insights. (The CMK role is the key vault's.)
    """

    role_assignments: dict[str, authorization.RoleAssignment]

    def __init__(
        self, name: str, args: IdentityAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aml-baseline:access:WorkspaceIdentityAccess", name, None, opts)
        p = args.principal_id
        grants: dict[str, tuple[pulumi.Input[str], dict[str, str]]] = {
            "storage": (
                args.storage_account_id,
                {"contributor": "Contributor", "blob": "Storage Blob Data Contributor"},
            ),
            "kv": (args.key_vault_id, {"contributor": "Contributor", "admin": "Key Vault Administrator"}),
            "acr": (args.registry_id, {"contributor": "Contributor"}),
            "appi": (args.app_insights_id, {"contributor": "Contributor"}),
        }
        self.role_assignments = {}
        for target, (scope, roles) in grants.items():
            created = add_role_assignments(
                f"{name}-{target}",
                scope,
                {k: RoleAssignmentArgs(role=r, principal_id=p) for k, r in roles.items()},
                self,
            )
            self.role_assignments.update({f"{target}-{k}": v for k, v in created.items()})
        self.register_outputs({"role_assignment_ids": {k: v.id for k, v in self.role_assignments.items()}})
