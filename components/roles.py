"""The one table of Azure built-in role names and their role definition GUIDs, and the privilege rules."""

from __future__ import annotations

import re

ROLE_IDS: dict[str, str] = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
    "AzureML Compute Operator": "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Key Vault Crypto Officer": "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    # Identities, roles and locks (issue 10); GUIDs from "Azure built-in roles".
    "Storage File Data Privileged Contributor": "69566ab7-960f-475b-8e7c-b3118f30c6bd",
    "Storage File Data Privileged Reader": "b8eda974-7b85-4f76-af95-65846b26df6d",
    "Azure AI Enterprise Network Connection Approver": "b556d68e-0be0-4f35-a333-ad7ee1ce17ea",
    "AzureML Registry User": "1823dd4f-9b8c-4ab6-ab4e-7397a3684615",
    # Azure AI Services / Foundry data-plane roles ("Azure built-in roles for AI + machine learning").
    "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "Azure AI User": "53ca6127-db72-4b80-b1b0-d745d6d5456d",
}

# Never granted by these components to anyone (rbac-privileged-roles).
NEVER_GRANTED: frozenset[str] = frozenset({"Owner", "User Access Administrator"})
# Never granted to users or groups; service principals may hold Contributor on a single resource.
# Role Based Access Control Administrator is granted only to the keyless CI identity, with an ABAC condition.
FORBIDDEN_FOR_PRINCIPALS: frozenset[str] = frozenset(
    {"Owner", "Contributor", "User Access Administrator", "Role Based Access Control Administrator"}
)


def role_definition_id(subscription_id: str, role: str) -> str:
    """ARM ID of a built-in role definition at subscription scope; raises KeyError on an unknown role name."""
    return (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_IDS[role]}"
    )


def _refusal(role: str, principal_type: str) -> str | None:
    """Why the baseline refuses this grant, or None."""
    if role not in ROLE_IDS:
        return f"unknown role {role!r}"
    if role in NEVER_GRANTED:
        return f"role {role!r} is never granted"
    if role in FORBIDDEN_FOR_PRINCIPALS and principal_type != "ServicePrincipal":
        return f"role {role!r} may not be granted to a {principal_type}"
    return None


def grantable(principal_type: str) -> list[str]:
    """The roles these components may grant to a principal of this type, sorted."""
    return sorted(r for r in ROLE_IDS if _refusal(r, principal_type) is None)


def grant_problem(role: str, principal_type: str) -> tuple[str, str] | None:
    """(problem, allowed) when the baseline refuses this grant, else None; `allowed` lists only the roles
    this principal type may get (never one it would then refuse)."""
    problem = _refusal(role, principal_type)
    return None if problem is None else (problem, ", ".join(grantable(principal_type)))


def check_grant(role: str, principal_type: str) -> None:
    """Refuse grants the baseline forbids: Owner/UAA to anyone, Contributor to users or groups."""
    if found := grant_problem(role, principal_type):
        raise ValueError(f"{found[0]}; allowed: {found[1]}")


# Role assignments a team adds to the resources a SecureMlWorkspace creates (AVM's `roleAssignments` shape:
# settings.validate_role_assignments, access.add_role_assignment_specs). A role is named from ROLE_IDS or given
# as a role definition GUID; privileged roles are refused as the security pack's rbac-privileged-roles refuses
# them (policypacks/aml-security/aml_security/identity.py), and users and groups never get one.
PRINCIPAL_TYPES = ("User", "Group", "ServicePrincipal")
_ROLE_NAMES = {guid: name for name, guid in ROLE_IDS.items()}
_GUID_TEXT = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ROLE_REF = re.compile(
    f"^(?:(?:/subscriptions/[^/]+)?/providers/Microsoft\\.Authorization/roleDefinitions/)?({_GUID_TEXT})$",
    re.IGNORECASE,
)
_NEVER_DELEGATED = tuple(
    ROLE_IDS[r] for r in ("Owner", "User Access Administrator", "Role Based Access Control Administrator")
)
# The role sets an ABAC condition compares roleAssignments:RoleDefinitionId with (GuidEquals: the roles it may
# assign; GuidNotEquals: every role except these). Copied from the pack's rbac-privileged-roles: components do
# not import the pack; tests/components/test_role_assignments.py proves both judge conditions alike.
_ROLE_SET = re.compile(
    r"roleassignments:roledefinitionid\]\s*(?:for(?:any|all)of(?:any|all)values:)?\s*(guid(?:not)?equals)\s*\{([^}]*)\}",
    re.IGNORECASE,
)


def role_guid(role: object) -> str | None:
    """The role definition GUID (lower case) of a ROLE_IDS name, a GUID or a role definition ID
    (`[/subscriptions/<id>]/providers/Microsoft.Authorization/roleDefinitions/<GUID>`); None for anything else."""
    if not isinstance(role, str):
        return None
    if role in ROLE_IDS:
        return ROLE_IDS[role]
    found = _ROLE_REF.match(role)
    return found.group(1).lower() if found else None


def delegation_problem(condition: str) -> str | None:
    """Why a Role Based Access Control Administrator condition is too wide, else None: it must limit the roles
    the holder may assign, and never let it assign Owner, User Access Administrator or itself."""
    allowed: set[str] = set()
    excluded: set[str] = set()
    for operator, body in _ROLE_SET.findall(condition):
        guids = {g.casefold() for g in re.findall(_GUID_TEXT, body)}
        (excluded if "not" in operator.casefold() else allowed).update(guids)
    if allowed:
        privileged = [_ROLE_NAMES[g] for g in _NEVER_DELEGATED if g in allowed]
        return f"the condition lets it assign {', '.join(privileged)}" if privileged else None
    if excluded:
        missing = [_ROLE_NAMES[g] for g in _NEVER_DELEGATED if g not in excluded]
        return (
            f"the condition lets it assign every role but those it excludes, including {', '.join(missing)}"
            if missing
            else None
        )
    return "the condition does not limit which roles it may assign"


def assignment_problem(role: object, principal_type: str, condition: str | None) -> tuple[str, str] | None:
    """(problem, allowed) when a team's role assignment is refused, else None."""
    grantable_text = f"a role definition GUID or ID, or one of {', '.join(grantable(principal_type))}"
    guid = role_guid(role)
    if guid is None:
        return f"unknown role {role!r}", grantable_text
    name = _ROLE_NAMES.get(guid)
    if name is None:
        return None  # another built-in or a custom role (the pack's rbac-custom-roles judges custom ones)
    if name in NEVER_GRANTED or (name in FORBIDDEN_FOR_PRINCIPALS and principal_type != "ServicePrincipal"):
        problem = _refusal(name, principal_type)
        assert problem is not None
        return problem, grantable_text
    if name == "Role Based Access Control Administrator":
        if not condition or not condition.strip():
            return (
                f"role {name!r} without a condition",
                'a condition (version "2.0") that limits @Request[Microsoft.Authorization/roleAssignments:'
                "RoleDefinitionId] with GuidEquals {<role GUIDs>}",
            )
        if found := delegation_problem(condition):
            return (
                f"role {name!r}: {found}",
                "a condition whose GuidEquals list names neither Owner, User Access Administrator nor Role "
                "Based Access Control Administrator",
            )
    return None
