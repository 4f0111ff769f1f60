"""Customer-managed keys that Azure cannot use: firewalled vaults, preview limits, missing grants, propagation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pulumi_policy import Severity

from . import sources
from .framework import (
    ACR,
    KEY,
    KEY_USE_ROLES,
    KV_ADMINISTRATOR,
    KV_CRYPTO_OFFICER,
    SLEEP,
    STORAGE,
    VAULT,
    WORKSPACE,
    Graph,
    Node,
    granted_to,
    grants,
    identities_at,
    is_str,
    is_true,
    keys_and_vaults,
    keys_named,
    known_str,
    principal_from_outside,
    stack_policy,
    vault_firewalled,
    vault_of_key,
    vault_uses_rbac,
)
from .reading import MISSING, Config, as_list, at, str_list

Finding = tuple[str, str | None]

COSMOS_DB_APP_ID = "a232010e-820c-4083-83bb-3ace5fc29d0b"


def labels(nodes: Iterable[Node]) -> str:
    """Resource names for a message: `"a"`, `"a" and "b"`, `"a", "b" and "c"`."""
    names = [n.label() for n in nodes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# -- which resources use which key, through which identity ------------------------------------------

KEY_PATHS = {
    STORAGE: (
        "encryption.keyVaultProperties.keyVaultUri",
        "encryption.encryptionIdentity.encryptionUserAssignedIdentity",
    ),
    ACR: ("encryption.keyVaultProperties.keyIdentifier", "encryption.keyVaultProperties.identity"),
    WORKSPACE: ("encryption.keyVaultProperties.keyIdentifier", "encryption.identity.userAssignedIdentity"),
}


def encrypted(node: Node) -> bool:
    """The resource encrypts with a customer-managed key (a known setting says so)."""
    if node.type == STORAGE:
        return is_str(at(node.props, "encryption.keySource"), "Microsoft.Keyvault")
    if node.type in (ACR, WORKSPACE):
        return is_str(at(node.props, "encryption.status"), "enabled")
    return False


def key_refs(graph: Graph, node: Node) -> tuple[list[Node], list[Node]]:
    """The keys and vaults a consumer's `encryption` refers to (the vault ARM ID for a workspace as well)."""
    key_path, _ = KEY_PATHS[node.type]
    keys, vaults = keys_and_vaults(graph, node, "encryption", key_path)
    if node.type == STORAGE:
        name = known_str(at(node.props, "encryption.keyVaultProperties.keyName"))
        if name is not None:
            keys += [k for k in keys_named(graph, vaults, name) if k not in keys]
    if node.type == WORKSPACE:
        for vault in graph.referenced(
            node, "encryption", [VAULT], "encryption.keyVaultProperties.keyVaultArmId"
        ):
            if vault not in vaults:
                vaults.append(vault)
    return keys, vaults


def key_identities(graph: Graph, node: Node) -> list[Node]:
    """The user-assigned identities a consumer's `encryption` refers to (the identity that reads the key)."""
    _, identity_path = KEY_PATHS[node.type]
    found = identities_at(graph, node, "encryption", identity_path)
    if node.type == WORKSPACE:
        found += [
            i
            for i in identities_at(
                graph, node, "encryption", "encryption.keyVaultProperties.identityClientId"
            )
            if i not in found
        ]
    return found


def consumers(graph: Graph) -> list[Node]:
    """Storage accounts, registries and workspaces encrypted with a customer-managed key."""
    return [n for n in graph.of_type(STORAGE, ACR, WORKSPACE) if encrypted(n)]


# -- acr-cmk-firewalled-vault -----------------------------------------------------------------------


def check_acr_cmk(graph: Graph, cfg: Config) -> Iterator[Finding]:
    for registry in graph.of_type(ACR):
        if not encrypted(registry):
            continue
        _, vaults = key_refs(graph, registry)
        for vault in vaults:
            why = vault_firewalled(vault)
            if why is None:
                continue
            yield (
                f"registry {registry.label()} is encrypted with a customer-managed key in key vault "
                f"{vault.label()}, whose firewall is on ({why}); a registry's customer-managed key is enabled at "
                "creation through a user-assigned identity, and a registry can bypass the Key Vault firewall only "
                "with its system-assigned identity, so the registry cannot reach the key: create the registry "
                'without a customer-managed key (encryption.status "disabled") or with a key in a vault without '
                "a firewall.",
                registry.urn,
            )


# -- ws-service-side-cmk ----------------------------------------------------------------------------


def rotates(key: Node) -> bool:
    """The key has a rotation policy with a "rotate" lifetime action."""
    actions = as_list(at(key.props, "properties.rotationPolicy.lifetimeActions"))
    return any(is_str(at(a, "action.type"), "rotate") for a in actions)


def check_service_side(graph: Graph, cfg: Config) -> Iterator[Finding]:
    for ws in graph.of_type(WORKSPACE):
        if not is_true(at(ws.props, "enableServiceSideCMKEncryption")):
            continue
        keys, vaults = key_refs(graph, ws)
        for vault in vaults:
            if is_str(at(vault.props, "properties.publicNetworkAccess"), "Disabled"):
                yield (
                    f"workspace {ws.label()} sets enableServiceSideCMKEncryption with a key in key vault "
                    f'{vault.label()}, whose properties.publicNetworkAccess is "Disabled"; service-side encryption '
                    "is not supported with a key vault that has public network access disabled: set "
                    "enableServiceSideCMKEncryption to false (classic customer-managed keys).",
                    ws.urn,
                )
        for key in keys:
            if rotates(key):
                yield (
                    f"workspace {ws.label()} sets enableServiceSideCMKEncryption with key {key.label()}, which "
                    'rotates automatically (a "rotate" lifetime action in properties.rotationPolicy); key rotation '
                    "is not supported during the service-side encryption preview: set "
                    "enableServiceSideCMKEncryption to false or remove the rotation action.",
                    ws.urn,
                )


# -- key-deployer-data-role -------------------------------------------------------------------------

DEPLOYER_ROLES = frozenset({KV_CRYPTO_OFFICER, KV_ADMINISTRATOR})


def is_deployer(graph: Graph, assignment: Node, cfg: Config) -> bool:
    """The grant goes to the deploying principal: a principal this stack does not create (the client
    configuration's object ID) and, when `deployerPrincipalIds` lists any, one of those (unknown counts)."""
    if not principal_from_outside(graph, assignment):
        return False
    listed = {p.lower() for p in cfg.strings("deployerPrincipalIds")}
    pid = known_str(assignment.props.get("principalId"))
    return not listed or pid is None or pid.lower() in listed


def check_deployer(graph: Graph, cfg: Config) -> Iterator[Finding]:
    for key in graph.of_type(KEY):
        vault = vault_of_key(graph, key)
        if vault is None or not vault_uses_rbac(vault):
            continue
        found = [
            g
            for g in grants(graph, DEPLOYER_ROLES)
            if graph.scope_covers(g, vault) and is_deployer(graph, g, cfg)
        ]
        if not found:
            yield (
                f"key {key.label()} is created in the RBAC key vault {vault.label()}, but no role assignment in "
                "the stack grants the deploying principal Key Vault Crypto Officer or Key Vault Administrator on "
                "the vault; Resource Manager creates the key as a Key Vault data action "
                "(Microsoft.KeyVault/vaults/keys/read, ForbiddenByRbac for Owner and Contributor): grant one of "
                "these roles to the deploying principal on the vault and make the key depend on that grant.",
                key.urn,
            )
        elif not any(graph.depends_on(key, g) for g in found):
            yield (
                f"key {key.label()} does not depend on {labels(found)}, the role assignment that grants the "
                f"deploying principal its data role on key vault {vault.label()}; without the dependency the key "
                "is created before the grant exists: add the grant (or a propagation wait after it) to the key's "
                "dependsOn.",
                key.urn,
            )


# -- cmk-rbac-propagation ---------------------------------------------------------------------------


def check_propagation(graph: Graph, cfg: Config) -> Iterator[Finding]:
    wait_types = cfg.strings("waitTypes")
    waits = graph.of_type(*wait_types)
    for node in consumers(graph):
        keys, vaults = key_refs(graph, node)
        identities = key_identities(graph, node)
        if not identities or not (keys or vaults):
            continue  # the key or the identity is outside the stack: nothing to correlate
        relevant = [
            g
            for g in grants(graph, KEY_USE_ROLES)
            if any(granted_to(graph, g, i) for i in identities)
            and any(graph.scope_covers(g, t) for t in [*vaults, *keys])
        ]
        if not relevant:
            continue
        waited = [
            w for w in waits if graph.depends_on(node, w) and any(graph.depends_on(w, g) for g in relevant)
        ]
        if waited:
            continue
        yield (
            f"{node.label()} is encrypted with a customer-managed key that its identity {labels(identities)} may "
            f"use through {labels(relevant)}, but it depends on no propagation wait ({', '.join(wait_types)}) "
            "created after that grant; a new role assignment can take up to 10 minutes to take effect, and the "
            "first deployment fails with KeyVaultAuthenticationFailure: add a wait that depends on the grant and "
            "make the resource depend on the wait.",
            node.urn,
        )


# -- ws-cosmos-key-access ---------------------------------------------------------------------------


def is_cosmos_db(graph: Graph, assignment: Node, cfg: Config) -> bool:
    """The grant goes to the Azure Cosmos DB first-party principal: its object ID is listed in config, or the
    principal is not created by this stack and the assignment's description names Azure Cosmos DB."""
    pid = known_str(assignment.props.get("principalId"))
    if pid is not None and pid.lower() in {p.lower() for p in cfg.strings("cosmosDbPrincipalIds")}:
        return True
    description = known_str(assignment.props.get("description"))
    if description is None or not principal_from_outside(graph, assignment):
        return False
    return any(m.casefold() in description.casefold() for m in cfg.strings("cosmosDbDescriptionMarkers") if m)


def check_cosmos(graph: Graph, cfg: Config) -> Iterator[Finding]:
    for ws in graph.of_type(WORKSPACE):
        if not encrypted(ws):
            continue
        if at(ws.props, "enableServiceSideCMKEncryption") not in (MISSING, False):
            continue  # service-side (or unknown): Azure Cosmos DB is not created in your subscription
        _, vaults = key_refs(graph, ws)
        for vault in vaults:
            if not vault_uses_rbac(vault):
                continue
            found = [
                g
                for g in grants(graph, KEY_USE_ROLES)
                if graph.scope_covers(g, vault) and is_cosmos_db(graph, g, cfg)
            ]
            if not found:
                yield (
                    f"workspace {ws.label()} uses classic customer-managed keys with a key in the RBAC key vault "
                    f"{vault.label()}, but no role assignment grants the Azure Cosmos DB first-party principal "
                    f"(app ID {COSMOS_DB_APP_ID}) Key Vault Crypto Service Encryption User on the vault; Azure "
                    "Machine Learning creates an Azure Cosmos DB account encrypted with this key, which needs get, "
                    "wrap key and unwrap key on it: grant that role to the Azure Cosmos DB principal (a description "
                    "naming Azure Cosmos DB, or its object ID in cosmosDbPrincipalIds) and make the workspace "
                    "depend on the grant.",
                    ws.urn,
                )
            elif not any(graph.depends_on(ws, g) for g in found):
                yield (
                    f"workspace {ws.label()} does not depend on {labels(found)}, the role assignment that lets "
                    f"the Azure Cosmos DB principal use its key in key vault {vault.label()}; without the "
                    "dependency the workspace is created before the grant exists: add the grant (or a propagation "
                    "wait after it) to the workspace's dependsOn.",
                    ws.urn,
                )


POLICIES = [
    stack_policy(
        name="acr-cmk-firewalled-vault",
        description="A container registry encrypted through a user-assigned identity cannot reach a key behind "
        "the Key Vault firewall.",
        check=check_acr_cmk,
        source=sources.ACR_CMK,
        refused=True,
        severity=Severity.HIGH,
        remediation_steps="Create the registry without a customer-managed key, or keep its key in a vault whose "
        "firewall is off; a firewalled key is reachable only after the documented two-step procedure with the "
        "registry's system-assigned identity.",
    ),
    stack_policy(
        name="ws-service-side-cmk",
        description="Service-side CMK encryption of a workspace is not combined with a key vault whose public "
        "network access is disabled, nor with key rotation.",
        check=check_service_side,
        source=sources.SERVICE_SIDE_CMK,
        refused=True,
        severity=Severity.HIGH,
        remediation_steps="Set enableServiceSideCMKEncryption to false (classic customer-managed keys), or use a "
        "vault with public network access enabled and a key without a rotate action.",
    ),
    stack_policy(
        name="key-deployer-data-role",
        description="A key created in an RBAC key vault of the stack depends on a grant of Key Vault Crypto "
        "Officer or Administrator to the deploying principal.",
        check=check_deployer,
        source=sources.KEY_VAULT_RBAC,
        refused=True,
        severity=Severity.HIGH,
        remediation_steps="Assign Key Vault Crypto Officer on the vault to the deploying principal "
        "(authorization.get_client_config().object_id) and make the keyvault.Key depend on it, through a "
        "propagation wait.",
        config={
            "deployerPrincipalIds": str_list(
                [],
                "Object IDs of the principals that deploy the stack; empty: any principal the stack does not "
                "create itself (the client configuration's object ID) counts as the deployer.",
            )
        },
    ),
    stack_policy(
        name="cmk-rbac-propagation",
        description="A resource encrypted with a key depends on a propagation wait after the role grant that "
        "lets its identity use the key.",
        check=check_propagation,
        source=sources.RBAC_PROPAGATION,
        refused=True,
        severity=Severity.MEDIUM,
        remediation_steps="Create a time.Sleep (pulumiverse-time) that depends on the identity's key grant and "
        "make the storage account, registry or workspace depend on it.",
        config={
            "waitTypes": str_list(
                [SLEEP],
                "Resource types that count as a propagation wait (Pulumi type tokens).",
            )
        },
    ),
    stack_policy(
        name="ws-cosmos-key-access",
        description="A workspace with classic (not service-side) CMK lets the Azure Cosmos DB first-party "
        "principal use the key.",
        check=check_cosmos,
        source=sources.COSMOS_KEY,
        refused=True,
        severity=Severity.HIGH,
        remediation_steps="Look up the Azure Cosmos DB service principal (app ID "
        f"{COSMOS_DB_APP_ID}) with azuread, grant it Key Vault Crypto Service Encryption User on the vault with "
        'a description naming "Azure Cosmos DB", and make the workspace depend on the grant.',
        config={
            "cosmosDbPrincipalIds": str_list(
                [],
                "Object IDs of the Azure Cosmos DB first-party service principal in your tenant.",
            ),
            "cosmosDbDescriptionMarkers": str_list(
                ["Azure Cosmos DB"],
                "A grant to a principal the stack does not create counts as the Azure Cosmos DB principal's when "
                "its description contains one of these texts (case-insensitive).",
            ),
        },
    ),
]
