"""Roles a workspace's identity and its users need, or the workspace deploys with features that fail."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pulumi_policy import Severity

from . import sources
from .framework import (
    ACR,
    APP_INSIGHTS,
    CONTRIBUTOR,
    IDENTITY,
    KV_ADMINISTRATOR,
    NETWORK_CONNECTION_APPROVER,
    OWNER,
    STORAGE,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
    STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR,
    STORAGE_FILE_DATA_PRIVILEGED_READER,
    VAULT,
    WORKSPACE,
    Graph,
    Node,
    granted_to,
    grants,
    is_str,
    stack_policy,
    vault_uses_rbac,
)
from .reading import UNKNOWN, Config, at, shown, str_list

Finding = tuple[str, str | None]

MANAGED_NETWORK_MODES = ("AllowInternetOutbound", "AllowOnlyApprovedOutbound")


def user_assigned(graph: Graph, ws: Node) -> list[Node]:
    """The workspace's user-assigned identities in the stack: the primary one, else those of `identity`."""
    kind = at(ws.props, "identity.type")
    if not (isinstance(kind, str) and "userassigned" in kind.replace(" ", "").replace(",", "").lower()):
        return []
    primary = graph.referenced(ws, "primaryUserAssignedIdentity", [IDENTITY])
    if primary:
        return primary
    listed = at(ws.props, "identity.userAssignedIdentities")
    ids = {str(i).lower() for i in (list(listed) if isinstance(listed, dict | list) else [])}
    return [
        uai
        for uai in graph.of_type(IDENTITY)
        if uai.urn in ws.deps_of("identity") or (uai.known_id() is not None and uai.known_id() in ids)
    ]


def holds(graph: Graph, principal: Node, roles: Iterable[str], target: Node) -> bool:
    """`principal` holds one of `roles` at a scope that covers `target`."""
    return any(
        granted_to(graph, g, principal) and graph.scope_covers(g, target) for g in grants(graph, roles)
    )


def check_identity_roles(graph: Graph, cfg: Config) -> Iterator[Finding]:
    for ws in graph.of_type(WORKSPACE):
        identities = user_assigned(graph, ws)
        if not identities:
            continue
        deps: list[tuple[str, Node]] = [("workspace", ws)]
        deps += [("storage account", n) for n in graph.referenced(ws, "storageAccount", [STORAGE])]
        deps += [("key vault", n) for n in graph.referenced(ws, "keyVault", [VAULT])]
        deps += [("container registry", n) for n in graph.referenced(ws, "containerRegistry", [ACR])]
        deps += [
            ("Application Insights", n) for n in graph.referenced(ws, "applicationInsights", [APP_INSIGHTS])
        ]
        mode = at(ws.props, "managedNetwork.isolationMode")
        for uai in identities:
            who = f"the user-assigned identity {uai.label()} of workspace {ws.label()}"
            for kind, target in deps:
                if not holds(graph, uai, (CONTRIBUTOR, OWNER), target):
                    yield (
                        f"{who} holds no Contributor on the {kind} {target.label()}; a workspace's user-assigned "
                        "identity needs Contributor on the workspace and on its storage account, key vault, "
                        "container registry and Application Insights: grant it.",
                        ws.urn,
                    )
                if kind == "storage account" and not holds(
                    graph, uai, (STORAGE_BLOB_DATA_CONTRIBUTOR,), target
                ):
                    yield (
                        f"{who} holds no Storage Blob Data Contributor on the storage account {target.label()}; "
                        "the workspace reads and writes its default datastores with this identity: grant it.",
                        ws.urn,
                    )
                if (
                    kind == "key vault"
                    and vault_uses_rbac(target)
                    and not holds(graph, uai, (KV_ADMINISTRATOR,), target)
                ):
                    yield (
                        f"{who} holds no Key Vault Administrator on the RBAC key vault {target.label()}; the "
                        "documented data-plane role of a workspace identity on an RBAC vault is Key Vault "
                        "Administrator: grant it.",
                        ws.urn,
                    )
            managed = is_str(mode, *MANAGED_NETWORK_MODES) or mode is UNKNOWN
            if managed and not holds(graph, uai, (NETWORK_CONNECTION_APPROVER,), ws):
                yield (
                    f"{who} holds no Azure AI Enterprise Network Connection Approver at a scope that covers the "
                    f"workspace, and its managed network (managedNetwork.isolationMode {shown(mode) if mode is not UNKNOWN else 'unknown'}) creates private "
                    "endpoints that this identity must approve (Workspace Managed Virtual Network Isolation: "
                    '"If you are using UAI workspace please make sure to add the Azure AI Enterprise Network '
                    'Connection Approver role to your identity"): grant it on the resource group or the workspace.',
                    ws.urn,
                )


BLOB_ROLES = (STORAGE_BLOB_DATA_CONTRIBUTOR, STORAGE_BLOB_DATA_READER)
FILE_ROLES = (STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR, STORAGE_FILE_DATA_PRIVILEGED_READER)


def check_storage_users(graph: Graph, cfg: Config) -> Iterator[Finding]:
    types = cfg.strings("principalTypes")

    def for_users(assignment: Node) -> bool:
        kind = at(assignment.props, "principalType")
        return not isinstance(kind, str) or kind is UNKNOWN or is_str(kind, *types)

    seen: set[str] = set()
    for ws in graph.of_type(WORKSPACE):
        for st in graph.referenced(ws, "storageAccount", [STORAGE]):
            if st.urn in seen or at(st.props, "allowSharedKeyAccess") is not False:
                continue
            seen.add(st.urn)
            missing = [
                label
                for label, roles in (
                    ("Storage Blob Data Contributor", BLOB_ROLES),
                    ("Storage File Data Privileged Contributor", FILE_ROLES),
                )
                if not any(graph.scope_covers(g, st) and for_users(g) for g in grants(graph, roles))
            ]
            if missing:
                yield (
                    f"storage account {st.label()} of workspace {ws.label()} disallows shared key access "
                    f"(allowSharedKeyAccess false), but no {' or '.join(types)} holds "
                    f"{' or '.join(missing)} (or its Reader variant) on it; studio notebooks, compute instances "
                    "and data browsing then fail for the workspace's users: grant them Storage Blob Data "
                    "Contributor and Storage File Data Privileged Contributor on the storage account.",
                    st.urn,
                )


POLICIES = [
    stack_policy(
        name="ws-identity-roles",
        description="A workspace's user-assigned identity holds the roles the Azure Machine Learning docs list "
        "for it.",
        check=check_identity_roles,
        source=sources.WORKSPACE_IDENTITY,
        refused=True,
        severity=Severity.HIGH,
        remediation_steps="Grant the workspace identity Contributor on the workspace, storage account, key "
        "vault, container registry and Application Insights, Storage Blob Data Contributor on the storage "
        "account, Key Vault Administrator on an RBAC vault, and Azure AI Enterprise Network Connection Approver "
        "on the resource group when the workspace has a managed network.",
    ),
    stack_policy(
        name="storage-identity-data-roles",
        description="When a workspace's storage disallows shared keys, its users hold the storage data roles "
        "the studio needs.",
        check=check_storage_users,
        source=sources.STORAGE_USERS,
        refused=False,
        severity=Severity.MEDIUM,
        remediation_steps="Grant the workspace's users or groups Storage Blob Data Contributor and Storage File "
        "Data Privileged Contributor on the workspace's storage account.",
        config={
            "principalTypes": str_list(
                ["User", "Group"],
                "Principal types that count as the workspace's users (an assignment without a principalType "
                "counts).",
            )
        },
    ),
]
