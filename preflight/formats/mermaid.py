"""A Mermaid flowchart of the platform, drawn from the recorded resource graph (no Azure, no IDs needed).

What a reviewer approves is a network, not a list of resources, so the diagram shows:
- each VNet as a box holding its subnets (address prefix, NSG), and in each subnet the private
  endpoints and compute placed there (a resource's `subnet` input depends on that subnet);
- each private endpoint's edge to what it reaches (`privateLinkServiceConnections`), labelled with
  the group IDs (`pe --> |amlworkspace| workspace`);
- each workspace with its managed network (isolation mode) holding the outbound rules (FQDN, service tag,
  private endpoint rules drawn to their target) and the compute that runs in the managed network;
- identities (workspace and compute identity, role assignments as dotted edges named by role), key vaults
  and their keys (the workspace's CMK edge), storage, registry, Application Insights and the Log Analytics
  workspace it sends to, AI Services accounts.

Edges come from property dependencies, which are known in a first preview when IDs are not; names,
prefixes and enum values come from the inputs. Resources with a mandatory violation are outlined red,
advisory orange. GitHub renders the text in Markdown (```mermaid blocks); the HTML report embeds it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import ADVISORY, MANDATORY, UNKNOWN, RecordedResource
from ..report import PreflightResult

# Resource kinds the diagram draws, by `<module>:<Type>` (API version and provider prefix removed).
KINDS = {
    "network:VirtualNetwork": "vnet",
    "network:Subnet": "subnet",
    "network:PrivateEndpoint": "pe",
    "network:NetworkSecurityGroup": "nsg",
    "machinelearningservices:Workspace": "workspace",
    "machinelearningservices:Compute": "compute",
    "machinelearningservices:ManagedNetworkSettingsRule": "rule",
    "managedidentity:UserAssignedIdentity": "identity",
    "keyvault:Vault": "vault",
    "keyvault:Key": "key",
    "storage:StorageAccount": "storage",
    "containerregistry:Registry": "registry",
    "applicationinsights:Component": "appinsights",
    "insights:Component": "appinsights",
    "operationalinsights:Workspace": "loganalytics",
    "authorization:RoleAssignment": "role",
    "cognitiveservices:Account": "aiservices",
}
_PREFIX = {
    "vnet": "vnet",
    "subnet": "snet",
    "pe": "pe",
    "workspace": "ws",
    "compute": "compute",
    "rule": "rule",
    "identity": "id",
    "vault": "kv",
    "key": "key",
    "storage": "st",
    "registry": "acr",
    "appinsights": "appi",
    "loganalytics": "log",
    "aiservices": "ais",
}
_DESCRIPTION = {
    "pe": "private endpoint",
    "identity": "managed identity",
    "vault": "key vault",
    "key": "key",
    "storage": "storage account",
    "registry": "container registry",
    "appinsights": "Application Insights",
    "loganalytics": "Log Analytics",
    "aiservices": "AI Services account",
}
# Node shapes: (open, close) around the quoted label.
_SHAPES = {
    "pe": ('(["', '"])'),
    "workspace": ('[["', '"]]'),
    "compute": ('["', '"]'),
    "rule": ('["', '"]'),
    "identity": ('{{"', '"}}'),
    "vault": ('[("', '")]'),
    "key": ('>"', '"]'),
    "storage": ('[("', '")]'),
    "registry": ('[("', '")]'),
    "appinsights": ('["', '"]'),
    "loganalytics": ('[("', '")]'),
    "subnet": ('["', '"]'),
    "principal": ('(("', '"))'),
    "external": ('(["', '"])'),
}
# Workspace inputs that reference its associated resources, and the edge label for each.
_WORKSPACE_LINKS = {
    "keyVault": "secrets",
    "storageAccount": "storage",
    "containerRegistry": "images",
    "applicationInsights": "telemetry",
    "hubResourceId": "hub",
}
# Private endpoint sub-resources (group IDs) and the kind of resource each belongs to.
_SUBRESOURCE_KIND = {
    "blob": "storage",
    "file": "storage",
    "queue": "storage",
    "table": "storage",
    "dfs": "storage",
    "web": "storage",
    "vault": "vault",
    "registry": "registry",
    "amlworkspace": "workspace",
    "account": "aiservices",
}
# Well-known built-in roles (role definition GUID -> name) for role assignment edges; GUIDs from Microsoft
# Learn "Azure built-in roles" (the AzureML Registry User and Azure AI Enterprise Network Connection Approver
# rows) and the components' own table (components/roles.py).
ROLE_NAMES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
    "e147488a-f6f5-4113-8e2d-b22465e65bf6": "Key Vault Crypto Service Encryption User",
    "12338af0-0e69-4776-bea7-57ae8d297424": "Key Vault Crypto User",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "Storage Blob Data Reader",
    "69566ab7-960f-475b-8e7c-b3118f30c6bd": "Storage File Data Privileged Contributor",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
    "8311e382-0749-4cb8-b61a-304f252e45ec": "AcrPush",
    "f6c7c914-8db3-469d-8ca1-694a8f32e121": "AzureML Data Scientist",
    "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815": "AzureML Compute Operator",
    "1823dd4f-9b8c-4ab6-ab4e-7397a3684615": "AzureML Registry User",
    "b556d68e-0be0-4f35-a333-ad7ee1ce17ea": "Azure AI Enterprise Network Connection Approver",
    "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": "Key Vault Crypto Officer",
    "b8eda974-7b85-4f76-af95-65846b26df6d": "Storage File Data Privileged Reader",
    "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd": "Cognitive Services OpenAI User",
    "53ca6127-db72-4b80-b1b0-d745d6d5456d": "Azure AI User",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
    "73c42c96-874c-492b-b04d-ab87d138a893": "Log Analytics Reader",
}


def kind_of(token: str) -> str:
    """The diagram kind of a type token in any form the engine sends (API-versioned, v3 local packages)."""
    parts = token.split(":")
    if len(parts) != 3:
        return ""
    module = parts[1].split("/")[0]
    return KINDS.get(f"{module}:{parts[2]}", "")


def _known(value: Any) -> bool:
    return value is not None and value != UNKNOWN and value != ""


def _text(value: Any) -> str:
    """A known scalar input as text; empty for unknown or structured values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # JSON numbers arrive as floats from the wire format
    if isinstance(value, str | int | float) and _known(value):
        return str(value)
    return ""


def _get(tree: Any, path: str) -> Any:
    for step in path.split("."):
        if not isinstance(tree, dict):
            return None
        tree = tree.get(step)
    return tree


def label(*lines: str) -> str:
    """A node or subgraph label: lines joined by `<br/>`, characters Mermaid would misread escaped."""
    safe = []
    for line in lines:
        if not line:
            continue
        line = line.replace("&", "&amp;").replace('"', "#quot;").replace("<", "&lt;").replace(">", "&gt;")
        safe.append(line)
    return "<br/>".join(safe)


def edge_label(text: str) -> str:
    """`|text|`, quoted when it holds anything beyond word characters, dots and dashes."""
    if re.fullmatch(r"[A-Za-z0-9_.\-]+", text):
        return f"|{text}|"
    return f'|"{label(text)}"|'


@dataclass
class _Diagram:
    """Nodes, subgraph membership and edges as they are collected; `render` writes them in order."""

    ids: dict[str, str] = field(default_factory=dict)  # key (URN or synthetic) -> node id
    nodes: dict[str, str] = field(default_factory=dict)  # node id -> declaration
    members: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # group -> node ids
    placed: set[str] = field(default_factory=set)
    groups: dict[str, str] = field(default_factory=dict)  # group id -> label
    group_parent: dict[str, str] = field(default_factory=dict)
    edges: list[str] = field(default_factory=list)
    classes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # The same graph as data, for the SVG drawing: node id -> (kind, label lines), group id -> label lines,
    # and (from, arrow, to, label) per edge, in the order they were added.
    node_lines: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    group_lines: dict[str, tuple[str, ...]] = field(default_factory=dict)
    edge_list: list[tuple[str, str, str, str]] = field(default_factory=list)
    _used: set[str] = field(default_factory=set)

    def new_id(self, key: str, prefix: str, name: str) -> str:
        base = f"{prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}".rstrip("_")
        node_id, n = base, 2
        while node_id in self._used:
            node_id, n = f"{base}_{n}", n + 1
        self._used.add(node_id)
        self.ids[key] = node_id
        return node_id

    def node(self, key: str, kind: str, name: str, lines: tuple[str, ...]) -> str:
        node_id = self.new_id(key, _PREFIX.get(kind, kind), name)
        open_, close = _SHAPES.get(kind, ('["', '"]'))
        self.nodes[node_id] = f"{node_id}{open_}{label(*lines)}{close}"
        self.node_lines[node_id] = (kind, tuple(line for line in lines if line))
        return node_id

    def group(self, key: str, prefix: str, name: str, lines: tuple[str, ...], parent: str = "") -> str:
        group_id = self.new_id(key, prefix, name)
        self.groups[group_id] = label(*lines)
        self.group_lines[group_id] = tuple(line for line in lines if line)
        if parent:
            self.group_parent[group_id] = parent
        return group_id

    def place(self, node_id: str, group_id: str) -> None:
        if node_id not in self.placed:
            self.members[group_id].append(node_id)
            self.placed.add(node_id)

    def edge(self, a: str, arrow: str, b: str, text: str = "") -> None:
        line = f"{a} {arrow}{edge_label(text) if text else ''} {b}"
        if line not in self.edges:
            self.edges.append(line)
            self.edge_list.append((a, arrow, b, text))

    def render(self, title: str) -> str:
        out = ["flowchart LR", f"  %% {title}"]
        children: dict[str, list[str]] = defaultdict(list)
        for group_id in self.groups:
            children[self.group_parent.get(group_id, "")].append(group_id)

        def write_group(group_id: str, depth: int) -> None:
            pad = "  " * depth
            out.append(f'{pad}subgraph {group_id}["{self.groups[group_id]}"]')
            for node_id in self.members.get(group_id, []):
                out.append(f"{pad}  {self.nodes[node_id]}")
            for sub in children.get(group_id, []):
                write_group(sub, depth + 1)
            out.append(f"{pad}end")

        for group_id in children.get("", []):
            write_group(group_id, 1)
        for node_id, decl in self.nodes.items():
            if node_id not in self.placed:
                out.append(f"  {decl}")
        out += [f"  {e}" for e in self.edges]
        if self.classes:
            out.append("  classDef mandatory stroke:#d1242f,stroke-width:3px")
            out.append("  classDef advisory stroke:#bf8700,stroke-width:2px,stroke-dasharray:4 2")
            for cls, ids in self.classes.items():
                out.append(f"  class {','.join(ids)} {cls}")
        return "\n".join(out) + "\n"


def _deps(r: RecordedResource, key: str) -> list[str]:
    return r.property_dependencies.get(key, [])


def _group_ids(r: RecordedResource) -> list[str]:
    ids: list[str] = []
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        conns = r.inputs.get(key)
        for conn in conns if isinstance(conns, list) else []:
            for g in _get(conn, "groupIds") or []:
                if isinstance(g, str) and _known(g) and g not in ids:
                    ids.append(g)
    return ids


def _role_name(definition: Any) -> str:
    text = _text(definition)
    guid = text.rsplit("/", 1)[-1].lower() if text else ""
    return ROLE_NAMES.get(guid, f"role {guid[:8]}" if guid else "role")


def build(result: PreflightResult) -> _Diagram:
    """Collect the diagram from the recording (see the module docstring)."""
    resources = [r for r in result.recording.resources if kind_of(r.type)]
    kinds = {r.urn: kind_of(r.type) for r in resources}
    names = {r.urn: r.name for r in resources}
    by_id = {r.id: r.urn for r in resources if r.id and _known(r.id)}
    d = _Diagram()

    def kind(urn: str) -> str:
        return kinds.get(urn, "")

    nsg_names = {r.urn: r.name for r in resources if kinds[r.urn] == "nsg"}

    # Network: VNets, their subnets (resources and inline), the NSG each subnet has.
    for r in resources:
        if kinds[r.urn] == "vnet":
            prefixes = ", ".join(
                _text(p) for p in _get(r.inputs, "addressSpace.addressPrefixes") or [] if _text(p)
            )
            d.group(r.urn, "vnet", r.name, (f"VNet {r.name}", prefixes))
    for r in resources:
        if kinds[r.urn] == "vnet":
            for sub in r.inputs.get("subnets") or []:
                name = _text(_get(sub, "name"))
                if name:
                    nsg = "NSG" if _known(_get(sub, "networkSecurityGroup")) else "no NSG"
                    lines = (
                        f"Subnet {name}",
                        " · ".join(x for x in (_text(_get(sub, "addressPrefix")), nsg) if x),
                    )
                    d.group(f"{r.urn}/subnets/{name}", "snet", f"{r.name}_{name}", lines, d.ids[r.urn])
    for r in resources:
        if kinds[r.urn] == "subnet":
            vnet = next((u for u in _deps(r, "virtualNetworkName") if kind(u) == "vnet"), "")
            nsg = next((nsg_names[u] for u in _deps(r, "networkSecurityGroup") if u in nsg_names), "")
            nsg_text = (
                f"NSG {nsg}" if nsg else ("NSG" if _known(r.inputs.get("networkSecurityGroup")) else "no NSG")
            )
            lines = (
                f"Subnet {r.name}",
                " · ".join(x for x in (_text(r.inputs.get("addressPrefix")), nsg_text) if x),
            )
            d.group(r.urn, "snet", r.name, lines, d.ids.get(vnet, ""))

    def subnet_group(urns: list[str]) -> str:
        """The group of the subnet (or, for an inline subnet, the VNet) a resource's subnet input names."""
        for u in urns:
            if kind(u) in ("subnet", "vnet") and u in d.ids:
                return d.ids[u]
        return ""

    # Nodes of every drawn resource (workspace managed networks become groups).
    for r in resources:
        k = kinds[r.urn]
        if k in ("vnet", "subnet", "nsg", "role", "rule"):
            continue
        if k == "workspace":
            ws_kind = _text(r.inputs.get("kind")) or "Default"
            title = "ML workspace" if ws_kind == "Default" else f"ML {ws_kind.lower()}"
            access = _text(r.inputs.get("publicNetworkAccess"))
            node_id = d.node(r.urn, k, r.name, (r.name, title, f"public access {access}" if access else ""))
            mode = _text(_get(r.inputs, "managedNetwork.isolationMode"))
            if mode or _get(r.inputs, "managedNetwork.outboundRules"):
                mnet = d.group(
                    f"{r.urn}#managedNetwork", "mnet", r.name, (f"Managed network of {r.name}", mode)
                )
                d.edge(node_id, "---", mnet)
        elif k == "compute":
            ctype = _text(_get(r.inputs, "properties.computeType")) or "compute"
            public = _get(r.inputs, "properties.properties.enableNodePublicIp")
            ip = "public IP" if public is True else ("no public IP" if public is False else "")
            d.node(r.urn, k, r.name, (r.name, ctype, ip))
        elif k == "key":
            kty = _text(_get(r.inputs, "properties.kty"))
            size = _text(_get(r.inputs, "properties.keySize")) or _text(
                _get(r.inputs, "properties.curveName")
            )
            d.node(r.urn, k, r.name, (r.name, " ".join(x for x in ("key", kty, size) if x)))
        else:
            d.node(r.urn, k, r.name, (r.name, _DESCRIPTION.get(k, k)))
        node_id = d.ids[r.urn]
        if k in ("pe", "compute"):
            group = subnet_group(_deps(r, "subnet") if k == "pe" else _deps(r, "properties"))
            if group:
                d.place(node_id, group)

    # Edges.
    for r in resources:
        k, me = kinds[r.urn], d.ids.get(r.urn, "")
        if k == "pe":
            targets = [
                u
                for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections")
                for u in _deps(r, key)
            ]
            groups = _group_ids(r)
            for u in targets:
                if u in d.ids:
                    d.edge(me, "-->", d.ids[u], ", ".join(groups) if len(targets) == 1 else "")
        elif k == "compute":
            ws = next((u for u in _deps(r, "workspaceName") if kind(u) == "workspace"), "")
            if ws:
                d.edge(me, "-->", d.ids[ws], "compute")
                managed = d.ids.get(f"{ws}#managedNetwork", "")
                if (
                    managed
                    and me not in d.placed
                    and not _known(_get(r.inputs, "properties.properties.subnet"))
                ):
                    d.place(me, managed)
            for u in _deps(r, "identity"):
                if kind(u) == "identity":
                    d.edge(me, "-.->", d.ids[u], "identity")
        elif k == "workspace":
            for key, text in _WORKSPACE_LINKS.items():
                for u in _deps(r, key):
                    if u in d.ids and u != r.urn:
                        d.edge(me, "-.->", d.ids[u], text)
            for u in _deps(r, "identity") + _deps(r, "primaryUserAssignedIdentity"):
                if kind(u) == "identity":
                    d.edge(me, "-.->", d.ids[u], "identity")
            cmk = [u for u in _deps(r, "encryption") if kind(u) == "key"] or [
                u for u in _deps(r, "encryption") if kind(u) == "vault"
            ]
            for u in cmk:
                d.edge(me, "-.->", d.ids[u], "CMK")
            _outbound_rules(d, r, kinds, by_id)
        elif k == "aiservices":
            for u in _deps(r, "identity"):
                if kind(u) == "identity":
                    d.edge(me, "-.->", d.ids[u], "identity")
        elif k == "appinsights":
            for u in _deps(r, "workspaceResourceId"):
                if kind(u) == "loganalytics":
                    d.edge(me, "-->", d.ids[u], "logs")
        elif k == "key":
            for u in _deps(r, "vaultName"):
                if kind(u) == "vault":
                    d.edge(d.ids[u], "---", me, "key")
        elif k == "rule":
            ws = next((u for u in _deps(r, "workspaceName") if kind(u) == "workspace"), "")
            if ws:
                _rule_node(
                    d,
                    ws,
                    names[ws],
                    r.name,
                    r.inputs.get("properties"),
                    r.urn,
                    kinds,
                    by_id,
                    _deps(r, "properties"),
                )
        elif k == "role":
            _role_edge(d, r, kinds)

    # Violations outline their resources.
    levels: dict[str, str] = {}
    for v in result.violations:
        if v.urn in d.ids and v.level in (MANDATORY, ADVISORY) and levels.get(v.urn) != MANDATORY:
            levels[v.urn] = v.level
    for urn, level in levels.items():
        node_id = d.ids[urn]
        if node_id in d.nodes:
            d.classes[level].append(node_id)
    return d


def _outbound_rules(d: _Diagram, ws: RecordedResource, kinds: dict[str, str], by_id: dict[str, str]) -> None:
    rules = _get(ws.inputs, "managedNetwork.outboundRules")
    if not isinstance(rules, dict):
        return
    for name in sorted(rules):
        _rule_node(
            d,
            ws.urn,
            ws.name,
            name,
            rules[name],
            f"{ws.urn}#rule/{name}",
            kinds,
            by_id,
            _deps(ws, "managedNetwork"),
        )


def _rule_node(
    d: _Diagram,
    ws_urn: str,
    ws_name: str,
    name: str,
    rule: Any,
    key: str,
    kinds: dict[str, str],
    by_id: dict[str, str],
    candidates: list[str],
) -> None:
    """An outbound rule in its workspace's managed network; a private endpoint rule gets an edge to its target.

    The target is found by its ID when known (up mode), else among the resources the rule's input depends on:
    the one resource of the kind the sub-resource names (`blob` -> storage account), or the only candidate.
    """
    mnet = d.ids.get(f"{ws_urn}#managedNetwork")
    if not mnet:
        mnet = d.group(f"{ws_urn}#managedNetwork", "mnet", ws_name, (f"Managed network of {ws_name}",))
        d.edge(d.ids[ws_urn], "---", mnet)
    rtype = _text(_get(rule, "type"))
    dest = _get(rule, "destination")
    if rtype == "FQDN":
        detail = f"FQDN {_text(dest)}"
    elif rtype == "ServiceTag":
        ports = _text(_get(dest, "portRanges"))
        detail = f"service tag {_text(_get(dest, 'serviceTag'))}" + (f" :{ports}" if ports else "")
    elif rtype == "PrivateEndpoint":
        detail = f"private endpoint {_text(_get(dest, 'subresourceTarget'))}".rstrip()
    else:
        detail = rtype or "rule"
    node_id = d.node(key, "rule", f"{ws_name}_{name}", (f"outbound {name}", detail))
    d.place(node_id, mnet)
    if rtype != "PrivateEndpoint":
        return
    target = by_id.get(_text(_get(dest, "serviceResourceId")), "")
    if not target:
        wanted = _SUBRESOURCE_KIND.get(_text(_get(dest, "subresourceTarget")).lower(), "")
        pool = [u for u in dict.fromkeys(candidates) if u in d.ids and u != ws_urn]
        of_kind = [u for u in pool if kinds.get(u) == wanted]
        target = of_kind[0] if len(of_kind) == 1 else (pool[0] if len(pool) == 1 else "")
    if target:
        d.edge(node_id, "-->", d.ids[target], _text(_get(dest, "subresourceTarget")) or "private endpoint")


def _role_edge(d: _Diagram, r: RecordedResource, kinds: dict[str, str]) -> None:
    """Identity -.->|role| scope, for assignments whose principal and scope are drawn or literal."""
    scope = next((u for u in _deps(r, "scope") if u in d.ids), "")
    if not scope:
        return
    principal = next((u for u in _deps(r, "principalId") if kinds.get(u) == "identity"), "")
    if principal:
        source = d.ids[principal]
    else:
        pid = _text(r.inputs.get("principalId"))
        if not pid:
            return
        ptype = _text(r.inputs.get("principalType")) or "principal"
        key = f"principal:{pid}"
        source = d.ids.get(key) or d.node(key, "principal", f"{ptype}_{pid[:8]}", (ptype, pid))
    d.edge(source, "-.->", d.ids[scope], _role_name(r.inputs.get("roleDefinitionId")))


def render_mermaid(result: PreflightResult, project_dir: Path | None = None) -> str:
    """The Mermaid flowchart text (`flowchart LR`), stable across runs."""
    rec = result.recording
    return build(result).render(f"aml-preflight architecture: {rec.project}/{rec.stack} ({rec.mode} mode)")
