"""Subnet layouts Azure refuses: prefixes outside the VNet, overlapping subnets, too-small endpoint subnets."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from pulumi_policy import Severity

from . import sources
from .framework import (
    PRIVATE_ENDPOINT,
    SUBNET,
    VNET,
    Graph,
    Node,
    known_str,
    network,
    stack_policy,
)
from .reading import UNKNOWN, Config, as_list, at, fmt, integer, is_unknown

Finding = tuple[str, str | None]
Net = ipaddress.IPv4Network | ipaddress.IPv6Network
RESERVED = 5  # Azure reserves the first four and the last address of every subnet


def prefixes(props: Any) -> tuple[list[Net], list[str]]:
    """A subnet's known prefixes (`addressPrefix` and `addressPrefixes`) and the malformed ones as text."""
    values = [at(props, "addressPrefix"), *as_list(at(props, "addressPrefixes"))]
    nets: list[Net] = []
    bad: list[str] = []
    for v in values:
        if v is UNKNOWN or is_unknown(v) or not isinstance(v, str):
            continue
        net = network(v)
        if net is None:
            bad.append(v)
        else:
            nets.append(net)
    return nets, bad


def subnets_of(graph: Graph, vnet: Node) -> list[tuple[str, str, list[Net], list[str]]]:
    """(label, urn, prefixes, malformed) for the VNet's inline subnets and its Subnet resources."""
    out: list[tuple[str, str, list[Net], list[str]]] = []
    for inline in as_list(at(vnet.props, "subnets")):
        name = known_str(at(inline, "name")) or "(inline)"
        nets, bad = prefixes(inline)
        out.append((f'"{name}"', vnet.urn, nets, bad))
    vnet_name = known_str(vnet.props.get("virtualNetworkName"))
    for subnet in graph.of_type(SUBNET):
        mine = known_str(subnet.props.get("virtualNetworkName"))
        same_name = (
            vnet_name is not None
            and mine is not None
            and mine.lower() == vnet_name.lower()
            and str(subnet.props.get("resourceGroupName", "")).lower()
            == str(vnet.props.get("resourceGroupName", "")).lower()
        )
        if vnet.urn in subnet.deps_of("virtualNetworkName") or same_name:
            nets, bad = prefixes(subnet.props)
            out.append((subnet.label(), subnet.urn, nets, bad))
    return out


def check_layout(graph: Graph, cfg: Config) -> Iterator[Finding]:
    for vnet in graph.of_type(VNET):
        space = [
            n for n in (network(p) for p in as_list(at(vnet.props, "addressSpace.addressPrefixes"))) if n
        ]
        shown_space = ", ".join(str(n) for n in space)
        seen: list[tuple[str, Net]] = []
        for label, urn, nets, bad in subnets_of(graph, vnet):
            for text in bad:
                yield (
                    f"subnet {label} has the address prefix {fmt(text)}, which is not a valid CIDR prefix.",
                    urn,
                )
            for net in nets:
                if space and not any(net.version == s.version and net.subnet_of(s) for s in space):  # type: ignore[arg-type]
                    yield (
                        f"subnet {label} ({net}) is outside the address space of virtual network {vnet.label()} "
                        f"({shown_space}); a subnet's prefix must lie within its virtual network's address space.",
                        urn,
                    )
                for other_label, other in seen:
                    if net.version == other.version and net.overlaps(other):
                        yield (
                            f"subnets {other_label} ({other}) and {label} ({net}) of virtual network "
                            f"{vnet.label()} overlap; the subnets of a virtual network must not overlap.",
                            urn,
                        )
                seen.append((label, net))
    largest = cfg.integer("maxPrivateEndpointSubnetPrefixLength")
    for subnet in graph.of_type(SUBNET):
        if not any(graph.refers(pe, "subnet", subnet, "subnet.id") for pe in graph.of_type(PRIVATE_ENDPOINT)):
            continue
        for net in prefixes(subnet.props)[0]:
            if net.version == 4 and net.prefixlen > largest:
                yield (
                    f"subnet {subnet.label()} ({net}) holds private endpoints but has only "
                    f"{max(net.num_addresses - RESERVED, 0)} usable addresses; Azure reserves five addresses in "
                    f"every subnet and each private endpoint takes one: use a /{largest} or larger prefix "
                    "(maxPrivateEndpointSubnetPrefixLength).",
                    subnet.urn,
                )


POLICIES = [
    stack_policy(
        name="subnet-layout",
        description="Subnets lie inside their VNet's address space without overlapping; private endpoint "
        "subnets are large enough.",
        check=check_layout,
        source=sources.SUBNETS,
        refused=True,
        severity=Severity.MEDIUM,
        remediation_steps="Move the subnet prefixes inside the virtual network's address space, make them "
        "disjoint, and size private endpoint subnets at least as configured.",
        config={
            "maxPrivateEndpointSubnetPrefixLength": integer(
                27,
                "Longest IPv4 prefix length (smallest subnet) allowed for a subnet that holds private endpoints: "
                "27 leaves 27 usable addresses after Azure's five reserved ones.",
                minimum=8,
                maximum=29,
            )
        },
    ),
]
