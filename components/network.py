"""VNet (created, or an existing spoke by ID), subnets each with an NSG, and the private DNS zones.

DNS zones are created with VNet links, or taken from config when DNS is central (hub-and-spoke).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.network as network
import pulumi_azure_native.privatedns as privatedns

from .interfaces import Placement
from .naming import PRIVATE_DNS_ZONES


def parse_vnet_id(vnet_id: str) -> tuple[str, str]:
    """(resource group, VNet name) of a VNet resource ID."""
    parts = vnet_id.strip("/").split("/")
    lower = [p.lower() for p in parts]
    try:
        return parts[lower.index("resourcegroups") + 1], parts[lower.index("virtualnetworks") + 1]
    except (ValueError, IndexError) as exc:
        raise ValueError(f"existing_vnet_id: {vnet_id!r} is not a VNet resource ID") from exc


def _nsg_rules() -> list[network.SecurityRuleArgs]:
    """Explicit deny of inbound traffic from the Internet (no management port is ever opened)."""
    return [
        network.SecurityRuleArgs(
            name="DenyInternetInbound",
            priority=4000,
            direction="Inbound",
            access="Deny",
            protocol="*",
            source_address_prefix="Internet",
            source_port_range="*",
            destination_address_prefix="*",
            destination_port_range="*",
            description="No inbound traffic from the Internet.",
        )
    ]


@dataclass(frozen=True)
class NetworkArgs:
    """Address plan and bring-your-own options. A compute subnet only when `compute_subnet_prefix` is set."""

    placement: Placement
    address_space: Sequence[str] = ("10.20.0.0/22",)
    private_endpoint_subnet_prefix: str = "10.20.0.0/24"
    compute_subnet_prefix: str = ""
    existing_vnet_id: str = ""
    """An existing (spoke) VNet; subnets are created in it. Never together with a non-default address_space."""
    existing_dns_zone_ids: Mapping[str, str] = field(default_factory=dict)
    """Central private DNS zone IDs keyed by zone name (all six); empty creates the zones with VNet links."""
    extra_dns_zones: Sequence[str] = ()
    """Opt-in zones beyond the six (e.g. naming.AI_PRIVATE_DNS_ZONES for an AI Services account); created
    with VNet links, or, with existing_dns_zone_ids, taken from there (then they must be listed too)."""


class Network(pulumi.ComponentResource):
    """Subnets with NSGs in a created or existing VNet, and the six private DNS zones."""

    vnet_id: pulumi.Output[str]
    private_endpoint_subnet_id: pulumi.Output[str]
    compute_subnet_id: pulumi.Output[str] | None
    dns_zone_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:network:Network", name, None, opts)
        p = args.placement
        child = pulumi.ResourceOptions(parent=self)
        if args.existing_vnet_id and tuple(args.address_space) != NetworkArgs.address_space:
            raise ValueError("network: give existing_vnet_id or address_space, not both")
        zones = (*PRIVATE_DNS_ZONES, *(z for z in args.extra_dns_zones if z not in PRIVATE_DNS_ZONES))
        if args.existing_dns_zone_ids and set(args.existing_dns_zone_ids) != set(zones):
            raise ValueError(f"network: existing_dns_zone_ids needs exactly {', '.join(zones)}")

        vnet_rg: pulumi.Input[str]
        vnet_name: pulumi.Input[str]
        if args.existing_vnet_id:
            vnet_rg, vnet_name = parse_vnet_id(args.existing_vnet_id)
            self.vnet_id = pulumi.Output.from_input(args.existing_vnet_id)
            vnet_deps: list[pulumi.Resource] = []
        else:
            vnet = network.VirtualNetwork(
                f"{name}-vnet",
                resource_group_name=p.resource_group_name,
                location=p.location,
                tags=dict(p.tags),
                address_space=network.AddressSpaceArgs(address_prefixes=list(args.address_space)),
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["subnets"]),
            )
            vnet_rg, vnet_name, self.vnet_id = p.resource_group_name, vnet.name, vnet.id
            vnet_deps = [vnet]

        subnets: dict[str, str] = {"pe": args.private_endpoint_subnet_prefix}
        if args.compute_subnet_prefix:
            subnets["compute"] = args.compute_subnet_prefix
        created: dict[str, network.Subnet] = {}
        previous: list[pulumi.Resource] = list(vnet_deps)
        for key, prefix in subnets.items():
            nsg = network.NetworkSecurityGroup(
                f"{name}-nsg-{key}",
                resource_group_name=vnet_rg,
                location=p.location,
                tags=dict(p.tags),
                security_rules=_nsg_rules(),
                opts=child,
            )
            # Subnets of one VNet are created one after the other (Azure rejects parallel subnet writes).
            created[key] = network.Subnet(
                f"{name}-snet-{key}",
                resource_group_name=vnet_rg,
                virtual_network_name=vnet_name,
                address_prefix=prefix,
                network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
                private_endpoint_network_policies="Enabled",
                default_outbound_access=False,
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            previous = [created[key]]
        self.private_endpoint_subnet_id = created["pe"].id
        self.compute_subnet_id = created["compute"].id if "compute" in created else None

        self.dns_zone_ids = {}
        for zone in zones:
            if args.existing_dns_zone_ids:
                self.dns_zone_ids[zone] = pulumi.Output.from_input(args.existing_dns_zone_ids[zone])
                continue
            key = zone.replace("privatelink.", "").split(".")[0]
            created_zone = privatedns.PrivateZone(
                f"{name}-dns-{key}",
                resource_group_name=p.resource_group_name,
                private_zone_name=zone,
                location="global",
                tags=dict(p.tags),
                opts=child,
            )
            privatedns.VirtualNetworkLink(
                f"{name}-dnslink-{key}",
                resource_group_name=p.resource_group_name,
                private_zone_name=created_zone.name,
                location="global",
                tags=dict(p.tags),
                registration_enabled=False,
                virtual_network=privatedns.SubResourceArgs(id=self.vnet_id),
                opts=child,
            )
            self.dns_zone_ids[zone] = created_zone.id
        outputs: dict[str, object] = {
            "vnet_id": self.vnet_id,
            "private_endpoint_subnet_id": self.private_endpoint_subnet_id,
            "dns_zone_ids": self.dns_zone_ids,
        }
        if self.compute_subnet_id is not None:
            outputs["compute_subnet_id"] = self.compute_subnet_id
        self.register_outputs(outputs)
