"""Network controls: NSG management ports, subnets with NSGs, private endpoints and private DNS zones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pulumi_policy import Severity

from . import ai_services as ai
from .helpers import (
    MISSING,
    UNKNOWN,
    Anchors,
    Config,
    Resource,
    StackIndex,
    StackResource,
    as_list,
    at,
    fmt,
    is_unknown,
    present,
    resource_policy,
    stack_policy,
    str_list,
    unknown_message,
)

NSG = "azure-native:network:NetworkSecurityGroup"
SECURITY_RULE = "azure-native:network:SecurityRule"
VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
PRIVATE_ZONE = "azure-native:privatedns:PrivateZone"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
VAULT = "azure-native:keyvault:Vault"
STORAGE = "azure-native:storage:StorageAccount"
ACR = "azure-native:containerregistry:Registry"

INTERNET_SOURCES = frozenset({"*", "any", "internet", "0.0.0.0/0", "0.0.0.0", "::/0", "/0"})
MANAGEMENT_PORTS = {22: "SSH", 3389: "RDP"}
RESERVED_SUBNETS = frozenset(
    s.casefold()
    for s in (
        "GatewaySubnet",
        "AzureFirewallSubnet",
        "AzureFirewallManagementSubnet",
        "AzureBastionSubnet",
        "RouteServerSubnet",
    )
)
AML_DNS_ZONES = ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net")


# -- nsg-management-ports ---------------------------------------------------------------------------


def _values(rule: dict[str, object], single: str, many: str) -> list[object]:
    """The values of a `x` / `xs` pair (e.g. sourceAddressPrefix and sourceAddressPrefixes)."""
    out: list[object] = []
    one = at(rule, single)
    if one is not MISSING:
        out.append(one)
    several = at(rule, many)
    if several is UNKNOWN:
        out.append(UNKNOWN)
    else:
        out.extend(UNKNOWN if is_unknown(v) else v for v in as_list(several))
    return out


def ports_in(spec: object) -> set[int]:
    """Management ports a port spec reaches: `*`, `22`, `20-30`, `22,3389` (malformed specs reach none)."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return {int(spec)} & MANAGEMENT_PORTS.keys()
    if not isinstance(spec, str):
        return set()
    found: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if part == "*":
            return set(MANAGEMENT_PORTS)
        low, _, high = part.partition("-")
        try:
            lo, hi = int(low), int(high or low)
        except ValueError:
            continue
        found |= {p for p in MANAGEMENT_PORTS if lo <= p <= hi}
    return found


def rule_exposure(rule: object, prefix: str, label: str) -> list[str]:
    """Violations for one security rule: open management ports from the internet, or unknown fields."""
    if is_unknown(rule):
        return [unknown_message(prefix.rstrip("."))] if prefix else [unknown_message("(rule)")]
    if not isinstance(rule, dict):
        return []
    unknown: list[str] = []
    verdicts: list[bool] = []
    for field, wanted in (("direction", "inbound"), ("access", "allow")):
        value = at(rule, field)
        if value is UNKNOWN:
            unknown.append(field)
        else:
            verdicts.append(isinstance(value, str) and value.strip().casefold() == wanted)
    sources = _values(rule, "sourceAddressPrefix", "sourceAddressPrefixes")
    internet = [s for s in sources if isinstance(s, str) and s.strip().casefold() in INTERNET_SOURCES]
    if not internet and UNKNOWN in sources:
        unknown.append("sourceAddressPrefix")
    else:
        verdicts.append(bool(internet))
    specs = _values(rule, "destinationPortRange", "destinationPortRanges")
    ports = set().union(*(ports_in(s) for s in specs)) if specs else set()
    if not ports and UNKNOWN in specs:
        unknown.append("destinationPortRange")
    else:
        verdicts.append(bool(ports))
    if not all(verdicts):
        return []
    if unknown:
        return [unknown_message(prefix + field) for field in unknown]
    shown_ports = " and ".join(f"{p} ({MANAGEMENT_PORTS[p]})" for p in sorted(ports))
    plural = "ports" if len(ports) > 1 else "port"
    return [
        f"{label}allows inbound traffic from {fmt(internet[0])} to {plural} {shown_ports}; "
        "SSH and RDP must not be reachable from the internet."
    ]


def _nsg_ports(r: Resource, cfg: Config) -> Iterable[str]:
    if r.type == SECURITY_RULE:
        return rule_exposure(r.props, "", "the rule ")
    rules = at(r.props, "securityRules")
    if rules is UNKNOWN:
        return [unknown_message("securityRules")]
    out: list[str] = []
    for i, rule in enumerate(as_list(rules)):
        name = at(rule, "name") if isinstance(rule, dict) else MISSING
        named = f" ({fmt(name)})" if isinstance(name, str) else ""
        out += rule_exposure(rule, f"securityRules[{i}].", f"securityRules[{i}]{named} ")
    return out


# -- subnet-nsg -------------------------------------------------------------------------------------


def _reserved(name: object) -> bool:
    return isinstance(name, str) and name.strip().casefold() in RESERVED_SUBNETS


def _subnet_nsg(r: Resource, cfg: Config) -> Iterable[str]:
    if r.type == SUBNET:
        name = at(r.props, "subnetName")
        if name is MISSING:
            name = at(r.props, "name")
        if _reserved(name) or present(r.props, "networkSecurityGroup.id"):
            return []
        if at(r.props, "networkSecurityGroup") is UNKNOWN:
            return []  # the whole NSG reference comes from another resource: present
        return ["networkSecurityGroup is not set; every subnet needs a network security group."]
    subnets = at(r.props, "subnets")
    if subnets is UNKNOWN:
        return [unknown_message("subnets")]
    out: list[str] = []
    for i, subnet in enumerate(as_list(subnets)):
        if is_unknown(subnet):
            out.append(unknown_message(f"subnets[{i}]"))
            continue
        name = at(subnet, "name")
        if _reserved(name) or present(subnet, "networkSecurityGroup.id"):
            continue
        if at(subnet, "networkSecurityGroup") is UNKNOWN:
            continue
        named = f" ({fmt(name)})" if isinstance(name, str) else ""
        out.append(
            f"subnets[{i}]{named} has no networkSecurityGroup; every subnet needs a network security group."
        )
    return out


# -- private-endpoints ------------------------------------------------------------------------------

_GROUPS = {WORKSPACE: ("amlworkspace",), VAULT: ("vault",), STORAGE: ("blob", "file"), ACR: ("registry",)}
_NAMES = {WORKSPACE: "workspace", VAULT: "key vault", STORAGE: "storage account", ACR: "container registry"}
# AI Services accounts (ai_services.py): group `account`, three private DNS zones.
_GROUPS[ai.ACCOUNT] = (ai.ACCOUNT_GROUP,)
_NAMES[ai.ACCOUNT] = ai.ACCOUNT_NOUN


def is_project(r: StackResource) -> bool:
    """A hub's project workspace shares the hub's private endpoint and DNS zones."""
    kind = at(r.props, "kind")
    return isinstance(kind, str) and kind.casefold() == "project"


def _covered_groups(index: StackIndex, subject: StackResource) -> tuple[set[str], list[str]]:
    """Group IDs of private endpoints that reference the subject, and names of endpoints with unknown ones."""
    groups: set[str] = set()
    unknown: list[str] = []
    target_id = subject.known_id()
    for pe in index.of_type(PRIVATE_ENDPOINT):
        connections = at(pe.props, "privateLinkServiceConnections")
        ids = [at(c, "privateLinkServiceId") for c in as_list(connections)]
        if not index.covers(pe, "privateLinkServiceConnections", subject, ids):
            continue
        if connections is UNKNOWN:
            unknown.append(pe.name)
            continue
        for conn in as_list(connections):
            pls = at(conn, "privateLinkServiceId")
            if target_id and isinstance(pls, str) and not is_unknown(pls) and pls.lower() != target_id:
                continue  # this connection points at another resource
            gids = at(conn, "groupIds")
            if gids is UNKNOWN or any(is_unknown(g) for g in as_list(gids)):
                unknown.append(pe.name)
            groups |= {
                g.strip().casefold() for g in as_list(gids) if isinstance(g, str) and not is_unknown(g)
            }
    return groups, unknown


def _private_endpoints(index: StackIndex, cfg: Config) -> Iterator[tuple[str, str | None]]:
    for subject in index.of_type(WORKSPACE, VAULT, STORAGE, ACR, ai.ACCOUNT):
        if subject.type == WORKSPACE and is_project(subject):
            continue
        needed = _GROUPS[subject.type]
        groups, unknown = _covered_groups(index, subject)
        missing = [g for g in needed if g not in groups]
        if not missing:
            continue
        plural = "group IDs" if len(missing) > 1 else "group ID"
        listed = " and ".join(fmt(g) for g in missing)
        message = (
            f"{_NAMES[subject.type]} {fmt(subject.name)} has no private endpoint for {plural} {listed} "
            "(a network:PrivateEndpoint whose privateLinkServiceConnections reference it with groupIds "
            f"[{', '.join(fmt(g) for g in missing)}])."
        )
        if unknown:
            names = ", ".join(fmt(n) for n in sorted(set(unknown)))
            message += f" groupIds of private endpoint {names} must be known at preview."
        yield message, subject.urn


# -- private-dns ------------------------------------------------------------------------------------


ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"


def _zone_name(value: object) -> str | None:
    """The zone a known private DNS zone ID names: its last path segment, case-folded (ARM IDs are
    case-insensitive), or None for anything that is not a known string."""
    if not isinstance(value, str) or is_unknown(value) or "/" not in value:
        return None
    return value.rstrip("/").rsplit("/", 1)[-1].strip().casefold().rstrip(".") or None


def _zones_present(index: StackIndex, cfg: Config) -> tuple[set[str], list[str]]:
    """Zones that count as present, and the zone groups with zone IDs unknown at preview that name no zone.

    A zone counts when it is listed in centralDnsZones, created as a privatedns:PrivateZone, or named by a
    zone ID (last path segment) in a network:PrivateDnsZoneGroup, whether or not the zone is in the stack
    (central zones in a hub subscription). A zone ID unknown at preview counts only as a reference: through
    its property dependency on a privatedns:PrivateZone of the stack, whose name is known.
    """
    zones = {z.strip().casefold().rstrip(".") for z in cfg.strings("centralDnsZones")}
    private_zones = {}
    for zone in index.of_type(PRIVATE_ZONE):
        name = at(zone.props, "privateZoneName")
        if isinstance(name, str) and not is_unknown(name):
            private_zones[zone.urn] = name.strip().casefold().rstrip(".")
    zones.update(private_zones.values())
    unresolved: list[str] = []
    for group in index.of_type(ZONE_GROUP):
        configs = at(group.props, "privateDnsZoneConfigs")
        referenced = [
            private_zones[u]
            for u in sorted(group.property_dependencies.get("privateDnsZoneConfigs", set()))
            if u in private_zones
        ]
        unknown = is_unknown(configs)
        for entry in as_list(configs):
            zone_id = at(entry, "privateDnsZoneId") if isinstance(entry, dict) else UNKNOWN
            name = _zone_name(zone_id)
            if name is not None:
                zones.add(name)
            elif is_unknown(zone_id):
                unknown = True
        if unknown:
            if referenced:
                zones.update(referenced)
            else:
                unresolved.append(group.name)
    return zones, unresolved


def _private_dns(index: StackIndex, cfg: Config) -> Iterator[tuple[str, str | None]]:
    zones, unresolved = _zones_present(index, cfg)
    unknown_note = ""
    if unresolved:
        names = ", ".join(fmt(n) for n in sorted(set(unresolved)))
        unknown_note = (
            f" The zone IDs of private DNS zone group {names} are unknown at preview and reference no "
            "privatedns:PrivateZone of the stack: give them as known IDs."
        )
    for ws in index.of_type(WORKSPACE):
        if is_project(ws):
            continue
        missing = [z for z in AML_DNS_ZONES if z not in zones]
        if missing:
            listed = " and ".join(fmt(z) for z in missing)
            noun = "zones" if len(missing) > 1 else "zone"
            yield (
                f"workspace {fmt(ws.name)} needs private DNS {noun} {listed}: create privatedns:PrivateZone "
                "resources with these names, or list them in centralDnsZones when DNS is managed centrally."
                + unknown_note,
                ws.urn,
            )
    yield from _ai_dns(index, zones, unknown_note)


def _ai_dns(index: StackIndex, zones: set[str], unknown_note: str = "") -> Iterator[tuple[str, str | None]]:
    """AI Services accounts need their three private DNS zones (ai_services.AI_DNS_ZONES)."""
    for account in index.of_type(ai.ACCOUNT):
        missing = [z for z in ai.AI_DNS_ZONES if z not in zones]
        if missing:
            listed = " and ".join(fmt(z) for z in missing)
            noun = "zones" if len(missing) > 1 else "zone"
            yield (
                f"{ai.ACCOUNT_NOUN} {fmt(account.name)} needs private DNS {noun} {listed}: create "
                "privatedns:PrivateZone resources with these names, or list them in centralDnsZones when DNS is "
                "managed centrally." + unknown_note,
                account.urn,
            )


POLICIES = [
    resource_policy(
        name="nsg-management-ports",
        description="Network security groups must not open SSH (22) or RDP (3389) to the internet.",
        types=[NSG, SECURITY_RULE],
        check=_nsg_ports,
        severity=Severity.CRITICAL,
        anchors=Anchors(checkov=("CKV_AZURE_9", "CKV_AZURE_10"), mcsb=("NS-1",)),
        remediation_steps=(
            'Restrict the rule\'s source to a known range (VPN, Azure Bastion subnet) instead of "*", "Any", '
            '"Internet" or 0.0.0.0/0, or remove it; use Azure Bastion or the workspace\'s private access.'
        ),
    ),
    resource_policy(
        name="subnet-nsg",
        description="Every subnet must have a network security group (Azure-reserved subnets excepted).",
        types=[VNET, SUBNET],
        check=_subnet_nsg,
        severity=Severity.MEDIUM,
        anchors=Anchors(checkov=("CKV2_AZURE_31",), mcsb=("NS-1",)),
        remediation_steps=(
            "Set networkSecurityGroup.id on each subnet (inline in the VNet or on the Subnet resource); "
            "GatewaySubnet, AzureFirewallSubnet, AzureFirewallManagementSubnet, AzureBastionSubnet and "
            "RouteServerSubnet are exempt."
        ),
    ),
    stack_policy(
        name="private-endpoints",
        description=(
            "Workspaces, key vaults, storage accounts (blob and file), container registries and AI Services "
            "accounts must be reached through private endpoints."
        ),
        check=_private_endpoints,
        severity=Severity.HIGH,
        anchors=Anchors(azure_policy=("45e05259-1eb5-4f70-9574-baf73e9d219b",), mcsb=("NS-2",)),
        remediation_steps=(
            "Add a network:PrivateEndpoint per resource with privateLinkServiceConnections "
            "[{privateLinkServiceId: <resource id>, groupIds: [...]}]: workspace amlworkspace, key vault vault, "
            "storage blob and file (one endpoint each), container registry registry, AI Services account account."
        ),
    ),
    stack_policy(
        name="private-dns",
        description=(
            "Workspaces need the privatelink.api.azureml.ms and privatelink.notebooks.azure.net private DNS zones; "
            "AI Services accounts the cognitiveservices, openai and services.ai zones."
        ),
        check=_private_dns,
        config={
            "centralDnsZones": str_list(
                [],
                "Private DNS zones managed centrally (e.g. in a hub subscription) and referenced nowhere in the stack "
                "that count as present; a zone whose ID a private DNS zone group carries needs no entry.",
            )
        },
        severity=Severity.MEDIUM,
        anchors=Anchors(other=("azure-policy#1049: the notebooks zone is the one people forget",)),
        remediation_steps=(
            "Create privatedns:PrivateZone resources privatelink.api.azureml.ms and "
            "privatelink.notebooks.azure.net linked to the VNet and to the workspace private endpoint's "
            "DNS zone group; with central zones, give their IDs to the zone group (known at preview), or list "
            "zones the stack references nowhere in centralDnsZones."
        ),
    ),
]
