"""The one table of Azure built-in role names and their role definition GUIDs, and the privilege rules."""

from __future__ import annotations

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
