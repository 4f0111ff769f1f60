"""Role-based access control: privileged role assignments, custom roles, assignments to users."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pulumi_policy import Severity

from .helpers import (
    MISSING,
    UNKNOWN,
    Anchors,
    Config,
    Resource,
    as_list,
    at,
    expect,
    fmt,
    guid_of,
    is_unknown,
    resource_policy,
    shown,
    str_list,
    unknown_message,
)

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
USER_ACCESS_ADMIN = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RBAC_ADMIN = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
ROLE_NAMES = {
    OWNER: "Owner",
    USER_ACCESS_ADMIN: "User Access Administrator",
    RBAC_ADMIN: "Role Based Access Control Administrator",
    CONTRIBUTOR: "Contributor",
}

_SUBSCRIPTION = re.compile(r"/subscriptions/[^/]+/?", re.IGNORECASE)
_MANAGEMENT_GROUP = re.compile(r"/providers/microsoft\.management/managementgroups/[^/]+/?", re.IGNORECASE)


def scope_level(scope: object) -> str:
    """`root`, `management group`, `subscription`, or `narrow` (resource group, resource, unknown reference)."""
    if not isinstance(scope, str) or is_unknown(scope):
        return "narrow"
    s = scope.strip()
    if s == "/":
        return "root"
    if _MANAGEMENT_GROUP.fullmatch(s):
        return "management group"
    if _SUBSCRIPTION.fullmatch(s):
        return "subscription"
    return "narrow"


# The role sets an ABAC condition compares roleAssignments:RoleDefinitionId with (GuidEquals: the roles it
# may assign; GuidNotEquals: every role except these).
_ROLE_SET = re.compile(
    r"roleassignments:roledefinitionid\]\s*(?:for(?:any|all)of(?:any|all)values:)?\s*(guid(?:not)?equals)\s*\{([^}]*)\}",
    re.IGNORECASE,
)
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_NEVER_DELEGATED = (OWNER, USER_ACCESS_ADMIN, RBAC_ADMIN)


def _delegation_problems(condition: str, name: str) -> list[str]:
    """What is wrong with an RBAC Administrator condition: no role constraint, or one that lets it hand out
    Owner, User Access Administrator or RBAC Administrator itself."""
    allowed: set[str] = set()
    excluded: set[str] = set()
    for operator, body in _ROLE_SET.findall(condition):
        guids = {g.casefold() for g in _GUID.findall(body)}
        (excluded if "not" in operator.casefold() else allowed).update(guids)
    never = ", ".join(ROLE_NAMES[g] for g in _NEVER_DELEGATED)
    if allowed:
        privileged = [ROLE_NAMES[g] for g in _NEVER_DELEGATED if g in allowed]
        if privileged:
            return [
                f"condition lets {name} assign {', '.join(privileged)}; remove them from the roles it may assign."
            ]
        return []
    if excluded:
        missing = [ROLE_NAMES[g] for g in _NEVER_DELEGATED if g not in excluded]
        if missing:
            return [
                f"condition lets {name} assign every role but those it excludes, including {', '.join(missing)}; "
                f"exclude {never}, or list the roles it may assign with GuidEquals."
            ]
        return []
    return [
        f"condition does not limit which roles {name} may assign; constrain "
        "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] with GuidEquals {<role GUIDs>}."
    ]


def _privileged(r: Resource, cfg: Config) -> Iterable[str]:
    role = guid_of(at(r.props, "roleDefinitionId"))
    if role not in ROLE_NAMES:
        return []  # another role, or a reference to a custom role (rbac-custom-roles checks those)
    principal = at(r.props, "principalId")
    exempt = {p.casefold() for p in cfg.strings("exemptPrincipals")}
    if isinstance(principal, str) and principal.casefold() in exempt:
        return []
    name = ROLE_NAMES[role]
    if role in (OWNER, USER_ACCESS_ADMIN):
        return [f"roleDefinitionId is {name} ({role}); {name} must never be assigned, use a narrower role."]
    if role == RBAC_ADMIN:
        condition = at(r.props, "condition")
        if condition is UNKNOWN:
            return [unknown_message("condition")]
        if not isinstance(condition, str) or not condition.strip():
            return [
                f'roleDefinitionId is {name} without a condition; add a condition (conditionVersion "2.0") '
                "limiting which roles it may assign."
            ]
        out = _delegation_problems(condition, name)
        out += expect(r.props, "conditionVersion", ["2.0"])
        return out
    out = []
    ptype = at(r.props, "principalType")
    if ptype is UNKNOWN:
        out.append(unknown_message("principalType"))
    elif not (isinstance(ptype, str) and ptype.casefold() == "serviceprincipal"):
        out.append(
            f"principalType is {shown(ptype)}; Contributor may only be assigned to service principals "
            '(managed identities, the CI identity): set principalType "ServicePrincipal".'
        )
    level = scope_level(at(r.props, "scope"))
    if level != "narrow":
        out.append(
            f"scope is {fmt(at(r.props, 'scope'))} ({level}); Contributor must be scoped to a resource group "
            "or a single resource."
        )
    return out


def _grants_authorization_write(action: str) -> bool:
    a = action.strip().casefold()
    if not a.startswith("microsoft.authorization/"):
        return False
    return a.endswith("/write") or a.endswith("/*") or a.endswith("*")


def _custom_roles(r: Resource, cfg: Config) -> Iterable[str]:
    out: list[str] = []
    permissions = at(r.props, "permissions")
    if permissions is UNKNOWN:
        out.append(unknown_message("permissions"))
    for i, perm in enumerate(as_list(permissions)):
        actions = at(perm, "actions")
        if actions is UNKNOWN:
            out.append(unknown_message(f"permissions[{i}].actions"))
            continue
        for j, action in enumerate(as_list(actions)):
            where = f"permissions[{i}].actions[{j}]"
            if is_unknown(action):
                out.append(unknown_message(where))
            elif isinstance(action, str) and action.strip() == "*":
                out.append(f'{where} is "*"; custom roles must list the actions they need.')
            elif isinstance(action, str) and _grants_authorization_write(action):
                out.append(
                    f"{where} is {fmt(action)}; custom roles must not grant Microsoft.Authorization writes."
                )
    scopes = at(r.props, "assignableScopes")
    for j, scope in enumerate(as_list(scopes)):
        if isinstance(scope, str) and scope.strip() == "/":
            out.append(
                f'assignableScopes[{j}] is "/"; custom roles must not be assignable at the tenant root.'
            )
    return out


def _groups(r: Resource, cfg: Config) -> Iterable[str]:
    ptype = at(r.props, "principalType")
    if ptype is UNKNOWN:
        return [unknown_message("principalType")]
    if ptype is MISSING:
        return ['principalType is not set; assign roles to a "Group" or "ServicePrincipal" and say so.']
    if isinstance(ptype, str) and ptype.casefold() == "user":
        return ['principalType is "User"; assign roles to groups or service principals, not users.']
    return []


POLICIES = [
    resource_policy(
        name="rbac-privileged-roles",
        description="Privileged roles must not be assigned broadly (Owner, User Access Administrator, unconditioned RBAC Administrator, wide Contributor).",
        types=[ROLE_ASSIGNMENT],
        check=_privileged,
        config={
            "exemptPrincipals": str_list(
                [], "Principal object IDs allowed to hold privileged roles (break-glass accounts)."
            )
        },
        severity=Severity.CRITICAL,
        anchors=Anchors(
            mcsb=("PA-7", "AI-4"),
            other=("MS docs: Set up authentication between Azure Machine Learning and other services",),
        ),
        remediation_steps=(
            "Never assign Owner or User Access Administrator; give Role Based Access Control Administrator a "
            'condition (conditionVersion "2.0") on the roles it may assign; give Contributor only to service '
            "principals at resource-group or single-resource scope (a user-assigned workspace identity on its "
            "storage, key vault, registry and Application Insights)."
        ),
    ),
    resource_policy(
        name="rbac-custom-roles",
        description="Custom roles must not grant all actions, authorization writes, or be assignable at the root.",
        types=[ROLE_DEFINITION],
        check=_custom_roles,
        severity=Severity.HIGH,
        anchors=Anchors(checkov=("CKV_AZURE_39",), mcsb=("PA-7",)),
        remediation_steps=(
            'List the specific actions the role needs (no "*", no Microsoft.Authorization/*/write) and '
            "restrict assignableScopes to subscriptions or resource groups."
        ),
    ),
    resource_policy(
        name="rbac-groups",
        description="Role assignments should go to groups or service principals, not individual users.",
        types=[ROLE_ASSIGNMENT],
        check=_groups,
        advisory=True,
        severity=Severity.LOW,
        anchors=Anchors(mcsb=("PA-7",)),
        remediation_steps='Assign the role to an Entra ID group and set principalType "Group" (or "ServicePrincipal").',
    ),
]
