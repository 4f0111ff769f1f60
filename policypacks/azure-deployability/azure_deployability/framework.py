"""How a deployability rule is declared and how stack rules read the graph.

- Sources: every rule names the Microsoft documentation it encodes (`Source`: page title and section);
  the source goes into the policy's metadata (framework, tags, URL) and ends every message.
- Never raise: `resource_policy`/`stack_policy` turn any exception into a violation.
- Stack correlation (`Graph`): a property refers to a resource when its property dependencies name the
  resource's URN or a known ID equals the resource's; a resource depends on another when that one is in its
  dependencies, directly or through other resources (ordering rules). References that cannot be resolved
  (unknown, or to a resource outside the stack) count as present: a rule only reports what it can see.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .reading import (
    EXEMPT_RESOURCES,
    UNKNOWN,
    Config,
    at,
    could_not_evaluate,
    guid_of,
    is_exempt,
    is_unknown,
    normalize_type,
    raw,
    read_config,
)

# -- type tokens ------------------------------------------------------------------------------------

STORAGE: Final = "azure-native:storage:StorageAccount"
VAULT: Final = "azure-native:keyvault:Vault"
KEY: Final = "azure-native:keyvault:Key"
ACR: Final = "azure-native:containerregistry:Registry"
WORKSPACE: Final = "azure-native:machinelearningservices:Workspace"
COMPUTE: Final = "azure-native:machinelearningservices:Compute"
APP_INSIGHTS: Final = "azure-native:applicationinsights:Component"
ROLE_ASSIGNMENT: Final = "azure-native:authorization:RoleAssignment"
IDENTITY: Final = "azure-native:managedidentity:UserAssignedIdentity"
RESOURCE_GROUP: Final = "azure-native:resources:ResourceGroup"
VNET: Final = "azure-native:network:VirtualNetwork"
SUBNET: Final = "azure-native:network:Subnet"
PRIVATE_ENDPOINT: Final = "azure-native:network:PrivateEndpoint"
LOCK_BY_SCOPE: Final = "azure-native:authorization:ManagementLockByScope"
LOCK_AT_RESOURCE: Final = "azure-native:authorization:ManagementLockAtResourceLevel"
LOCK_AT_GROUP: Final = "azure-native:authorization:ManagementLockAtResourceGroupLevel"
SLEEP: Final = "time:index/sleep:Sleep"
"""The propagation wait of pulumiverse-time (`pulumiverse_time.Sleep`)."""

# -- role definitions (Azure built-in roles) ---------------------------------------------------------

OWNER: Final = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR: Final = "b24988ac-6180-42a0-ab88-20f7382dd24c"
KV_ADMINISTRATOR: Final = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
KV_CRYPTO_OFFICER: Final = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"
KV_CRYPTO_USER: Final = "12338af0-0e69-4776-bea7-57ae8d297424"
KV_CRYPTO_SERVICE_ENCRYPTION_USER: Final = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
STORAGE_BLOB_DATA_CONTRIBUTOR: Final = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR: Final = "69566ab7-960f-475b-8e7c-b3118f30c6bd"
NETWORK_CONNECTION_APPROVER: Final = "b556d68e-0be0-4f35-a333-ad7ee1ce17ea"
STORAGE_BLOB_DATA_READER: Final = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
STORAGE_FILE_DATA_PRIVILEGED_READER: Final = "b8eda974-7b85-4f76-af95-65846b26df6d"

ROLE_NAMES: Final = {
    OWNER: "Owner",
    CONTRIBUTOR: "Contributor",
    KV_ADMINISTRATOR: "Key Vault Administrator",
    KV_CRYPTO_OFFICER: "Key Vault Crypto Officer",
    KV_CRYPTO_USER: "Key Vault Crypto User",
    KV_CRYPTO_SERVICE_ENCRYPTION_USER: "Key Vault Crypto Service Encryption User",
    STORAGE_BLOB_DATA_CONTRIBUTOR: "Storage Blob Data Contributor",
    STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR: "Storage File Data Privileged Contributor",
    NETWORK_CONNECTION_APPROVER: "Azure AI Enterprise Network Connection Approver",
    STORAGE_BLOB_DATA_READER: "Storage Blob Data Reader",
    STORAGE_FILE_DATA_PRIVILEGED_READER: "Storage File Data Privileged Reader",
}
KEY_USE_ROLES: Final = frozenset(
    {KV_CRYPTO_SERVICE_ENCRYPTION_USER, KV_CRYPTO_USER, KV_CRYPTO_OFFICER, KV_ADMINISTRATOR}
)
"""Roles whose data actions include get, wrapKey and unwrapKey on keys (what an encryption identity needs)."""

# -- sources ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The documentation a rule encodes: page title, section, and where it is published."""

    title: str
    section: str
    url: str
    extra: tuple[str, ...] = ()
    """Further sources (issues, API descriptions) named in the metadata tags."""

    def cite(self) -> str:
        """The sentence that ends every message of the rule."""
        return f'(Source: "{self.title}", section "{self.section}".)'

    def framework(self) -> PolicyComplianceFramework:
        """Microsoft Learn as the framework, the page title as reference, the section as specification."""
        return PolicyComplianceFramework(
            name="Microsoft Learn", reference=self.title, specification=self.section
        )

    def tags(self, refused: bool) -> list[str]:
        """`source:<title>`, `section:<section>`, `deployability:<refused|breaks>` and extra sources."""
        kind = "deployability:refused" if refused else "deployability:breaks"
        return [f"source:{self.title}", f"section:{self.section}", kind] + [f"source:{e}" for e in self.extra]


def cited(source: Source, messages: Iterable[str]) -> list[str]:
    """Every message with the rule's source appended."""
    return [f"{m} {source.cite()}" for m in messages]


# -- resources and the graph ------------------------------------------------------------------------


@dataclass
class Node:
    """One resource as a rule sees it: normalised type, plain inputs, dependencies by URN."""

    type: str
    name: str
    urn: str
    props: dict[str, Any]
    property_dependencies: dict[str, set[str]] = field(default_factory=dict)
    dependencies: set[str] = field(default_factory=set)

    def known_id(self) -> str | None:
        """The resource ID when known (an `id` property), lower-cased for comparison."""
        value = self.props.get("id")
        if isinstance(value, str) and value and not is_unknown(value):
            return value.lower()
        return None

    def deps_of(self, prop: str) -> set[str]:
        """URNs the property `prop` depends on."""
        return self.property_dependencies.get(prop, set())

    def label(self) -> str:
        """How messages name a resource: its logical name in quotes."""
        return f'"{self.name}"'


def known_str(value: Any) -> str | None:
    """A known, non-empty string, else None."""
    return value if isinstance(value, str) and value and not is_unknown(value) else None


class Graph:
    """The stack by normalised type, with references and (transitive) dependencies between resources."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self._by_urn = {n.urn: n for n in nodes}
        self._by_type: dict[str, list[Node]] = {}
        for n in nodes:
            self._by_type.setdefault(n.type, []).append(n)
        self._closure: dict[str, frozenset[str]] = {}

    def by_urn(self, urn: str | None) -> Node | None:
        """The resource with this URN, if it is in the stack."""
        return self._by_urn.get(urn) if urn else None

    def of_type(self, *types: str) -> list[Node]:
        """Resources of the given normalised types, in stack order."""
        return [n for t in types for n in self._by_type.get(t, [])]

    def refers(self, source: Node, prop: str, target: Node, path: str | None = None) -> bool:
        """`source.prop` refers to `target`: a property dependency on it, or the known string at `path`
        (default: `prop`) equal to target's known ID, or to target's ID as a prefix (a key URL or child)."""
        if target.urn in source.deps_of(prop):
            return True
        target_id = target.known_id()
        value = known_str(at(source.props, path or prop))
        if target_id is None or value is None:
            return False
        v = value.lower().rstrip("/")
        return v == target_id or v.startswith(target_id + "/")

    def referenced(
        self, source: Node, prop: str, types: Iterable[str], path: str | None = None
    ) -> list[Node]:
        """Resources of `types` that `source.prop` refers to."""
        return [t for t in self.of_type(*types) if self.refers(source, prop, t, path)]

    def upstream(self, node: Node) -> frozenset[str]:
        """URNs `node` depends on, directly or through other resources (dependencies and property ones)."""
        cached = self._closure.get(node.urn)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = [node.urn]
        while stack:
            current = self._by_urn.get(stack.pop())
            if current is None:
                continue
            direct = set(current.dependencies)
            for urns in current.property_dependencies.values():
                direct |= urns
            for urn in direct - seen:
                seen.add(urn)
                stack.append(urn)
        result = frozenset(seen)
        self._closure[node.urn] = result
        return result

    def depends_on(self, node: Node, other: Node) -> bool:
        """True when `other` is in `node`'s dependencies, directly or transitively."""
        return other.urn in self.upstream(node)

    def in_group(self, node: Node, group: Node) -> bool:
        """`node` is in the resource group `group`: a dependency of its resourceGroupName on it, or equal names."""
        if group.urn in node.deps_of("resourceGroupName"):
            return True
        mine = known_str(node.props.get("resourceGroupName"))
        theirs = known_str(group.props.get("resourceGroupName"))
        return mine is not None and theirs is not None and mine.lower() == theirs.lower()

    def scope_covers(self, assignment: Node, target: Node) -> bool:
        """The scope of a role assignment or lock covers `target`: the target itself, its resource group
        (by dependency or name), a subscription or management group, or a known ID prefix of target's ID."""
        if self.refers(assignment, "scope", target):
            return True
        for group in self.of_type(RESOURCE_GROUP):
            if group.urn in assignment.deps_of("scope") and self.in_group(target, group):
                return True
        scope = known_str(assignment.props.get("scope"))
        if scope is None:
            return False
        s = scope.lower().rstrip("/")
        parts = s.split("/")
        if s == "" or (len(parts) == 3 and parts[1] == "subscriptions"):
            return True  # a subscription (or the root): assumed to hold the stack's resources
        if s.startswith("/providers/microsoft.management/managementgroups/"):
            return True
        if len(parts) == 5 and parts[1] == "subscriptions" and parts[3] == "resourcegroups":
            rg = known_str(target.props.get("resourceGroupName"))
            if rg is not None and rg.lower() == parts[4]:
                return True
        target_id = target.known_id()
        return target_id is not None and (target_id == s or target_id.startswith(s + "/"))


def nodes_of(args: StackValidationArgs) -> list[Node]:
    """Every resource of the stack with plain inputs; resources that cannot be read are skipped."""
    out: list[Node] = []
    for r in args.resources:
        try:
            props = raw(r.props)
            pdeps: dict[str, set[str]] = {}
            for key, dependents in (r.property_dependencies or {}).items():
                pdeps[str(key)] = {str(d.urn) for d in dependents if getattr(d, "urn", None)}
            deps = {str(d.urn) for d in (r.dependencies or []) if getattr(d, "urn", None)}
            out.append(
                Node(
                    normalize_type(r.resource_type),
                    str(r.name),
                    str(r.urn),
                    props if isinstance(props, dict) else {},
                    pdeps,
                    deps,
                )
            )
        except Exception:
            continue
    return out


# -- role assignments -------------------------------------------------------------------------------


def role_of(assignment: Node) -> str | None:
    """The role definition GUID of a role assignment (lower case), or None when unknown or malformed."""
    return guid_of(assignment.props.get("roleDefinitionId"))


def grants(graph: Graph, roles: Iterable[str]) -> list[Node]:
    """Role assignments of any of `roles`."""
    wanted = frozenset(roles)
    return [a for a in graph.of_type(ROLE_ASSIGNMENT) if role_of(a) in wanted]


def granted_to(graph: Graph, assignment: Node, principal: Node) -> bool:
    """The assignment's principalId is `principal`'s: a dependency on it, or equal known principal IDs."""
    if principal.urn in assignment.deps_of("principalId"):
        return True
    mine = known_str(assignment.props.get("principalId"))
    theirs = known_str(principal.props.get("principalId"))
    return mine is not None and theirs is not None and mine.lower() == theirs.lower()


def principal_from_outside(graph: Graph, assignment: Node) -> bool:
    """The assignment's principal is not created by this stack: its principalId depends on no resource of it
    and, when known, is no stack resource's known principalId."""
    if any(graph.by_urn(u) is not None for u in assignment.deps_of("principalId")):
        return False
    pid = known_str(assignment.props.get("principalId"))
    if pid is None:
        return True
    return not any(
        (known_str(n.props.get("principalId")) or "").lower() == pid.lower()
        for n in graph.nodes
        if n.type != ROLE_ASSIGNMENT
    )


# -- settings ---------------------------------------------------------------------------------------


def is_true(value: Any) -> bool:
    """A known boolean true (JSON true)."""
    return value is True


def is_str(value: Any, *wanted: str) -> bool:
    """A known string equal (case-insensitively) to one of `wanted`."""
    return (
        isinstance(value, str)
        and not is_unknown(value)
        and value.casefold() in {w.casefold() for w in wanted}
    )


def vault_firewalled(vault: Node) -> str | None:
    """Why a key vault's firewall is on (`publicNetworkAccess` Disabled or default action Deny), else None."""
    if is_str(at(vault.props, "properties.publicNetworkAccess"), "Disabled"):
        return 'properties.publicNetworkAccess is "Disabled"'
    if is_str(at(vault.props, "properties.networkAcls.defaultAction"), "Deny"):
        return 'properties.networkAcls.defaultAction is "Deny"'
    return None


def vault_uses_rbac(vault: Node) -> bool:
    """The vault authorizes data access with Azure RBAC (an unknown setting counts as RBAC)."""
    value = at(vault.props, "properties.enableRbacAuthorization")
    return value is True or value is UNKNOWN


def vault_of_key(graph: Graph, key: Node) -> Node | None:
    """The vault a `keyvault:Key` lives in: its vaultName depends on the vault, or names it."""
    for vault in graph.of_type(VAULT):
        if vault.urn in key.deps_of("vaultName"):
            return vault
    name = known_str(key.props.get("vaultName"))
    if name is None:
        return None
    for vault in graph.of_type(VAULT):
        other = known_str(vault.props.get("vaultName"))
        if other is not None and other.lower() == name.lower():
            return vault
    return None


def keys_and_vaults(
    graph: Graph, source: Node, prop: str, path: str | None = None
) -> tuple[list[Node], list[Node]]:
    """Keys and vaults a property refers to; a key's vault counts as referred to as well."""
    keys = graph.referenced(source, prop, [KEY], path)
    vaults = graph.referenced(source, prop, [VAULT], path)
    for key in keys:
        vault = vault_of_key(graph, key)
        if vault is not None and vault not in vaults:
            vaults.append(vault)
    url = known_str(at(source.props, path or prop))
    if url is not None and url.lower().startswith("https://"):
        host, _, rest = url.lower().removeprefix("https://").partition("/")
        for vault in graph.of_type(VAULT):
            name = known_str(vault.props.get("vaultName"))
            if name is not None and name.lower() == host.split(".", 1)[0] and vault not in vaults:
                vaults.append(vault)
        steps = rest.split("/")
        if len(steps) >= 2 and steps[0] == "keys":
            keys += [k for k in keys_named(graph, vaults, steps[1]) if k not in keys]
    return keys, vaults


def keys_named(graph: Graph, vaults: list[Node], name: str) -> list[Node]:
    """Keys called `name` (known keyName) in any of `vaults`."""
    return [
        k
        for k in graph.of_type(KEY)
        if (known_str(k.props.get("keyName")) or "").lower() == name.lower()
        and vault_of_key(graph, k) in vaults
    ]


def identities_at(graph: Graph, source: Node, prop: str, path: str) -> list[Node]:
    """User-assigned identities `source.prop` refers to: by dependency, known resource ID, or known client ID."""
    found = graph.referenced(source, prop, [IDENTITY], path)
    value = known_str(at(source.props, path))
    if value is not None:
        for uai in graph.of_type(IDENTITY):
            client = known_str(uai.props.get("clientId"))
            if client is not None and client.lower() == value.lower() and uai not in found:
                found.append(uai)
    return found


def network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR prefix as a network, or None for anything else (unknown, malformed, host bits set)."""
    if not isinstance(value, str) or is_unknown(value):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError:
        return None


# -- the never-raise policy wrappers ----------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One resource as a resource rule sees it: normalised type, plain inputs, identity."""

    type: str
    name: str
    urn: str
    props: dict[str, Any]


Check = Callable[[Resource, Config], Iterable[str]]
StackCheck = Callable[[Graph, Config], Iterable[tuple[str, str | None]]]


def _schema(config: Mapping[str, dict[str, Any]] | None) -> dict[str, Any]:
    return {"exemptResources": EXEMPT_RESOURCES} | dict(config or {})


def resource_policy(
    *,
    name: str,
    description: str,
    types: Iterable[str],
    check: Check,
    source: Source,
    refused: bool,
    severity: Severity,
    remediation_steps: str,
    config: Mapping[str, dict[str, Any]] | None = None,
) -> ResourceValidationPolicy:
    """A resource policy over normalised types; its messages end with the source; it never raises.

    `refused`: Azure refuses the deployment (mandatory); otherwise it deploys but a feature breaks (advisory).
    """
    wanted = frozenset(types)
    schema = _schema(config)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        try:
            rtype = normalize_type(args.resource_type)
            if rtype not in wanted:
                return
            props = raw(args.props)
            resource = Resource(
                rtype, str(args.name), str(args.urn), props if isinstance(props, dict) else {}
            )
            cfg = read_config(args, schema)
            if is_exempt(cfg, resource.name, resource.urn):
                return
            for message in cited(source, check(resource, cfg)):
                report(message, None)
        except Exception as exc:
            report(could_not_evaluate(exc), None)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=None if refused else EnforcementLevel.ADVISORY,
        config_schema=PolicyConfigSchema(properties=schema),
        severity=severity,
        framework=source.framework(),
        tags=source.tags(refused),
        remediation_steps=remediation_steps,
        url=source.url,
    )


def stack_policy(
    *,
    name: str,
    description: str,
    check: StackCheck,
    source: Source,
    refused: bool,
    severity: Severity,
    remediation_steps: str,
    config: Mapping[str, dict[str, Any]] | None = None,
) -> StackValidationPolicy:
    """A stack policy whose `check` yields (message, urn or None); messages end with the source; never raises."""
    schema = _schema(config)

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        try:
            graph = Graph(nodes_of(args))
            cfg = read_config(args, schema)
            for message, urn in check(graph, cfg):
                subject = graph.by_urn(urn)
                if subject is not None and is_exempt(cfg, subject.name, subject.urn):
                    continue
                report(f"{message} {source.cite()}", urn)
        except Exception as exc:
            report(could_not_evaluate(exc), None)

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=None if refused else EnforcementLevel.ADVISORY,
        config_schema=PolicyConfigSchema(properties=schema),
        severity=severity,
        framework=source.framework(),
        tags=source.tags(refused),
        remediation_steps=remediation_steps,
        url=source.url,
    )
