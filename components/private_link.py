"""A private endpoint plus its DNS zone group, for one target resource and one group ID."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.network as network

from .interfaces import Placement, PrivateEndpointArgs
from .naming import AI_PRIVATE_DNS_ZONES

# The private DNS zones each private link group ID registers in.
GROUP_ZONES: dict[str, tuple[str, ...]] = {
    "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
    "vault": ("privatelink.vaultcore.azure.net",),
    "blob": ("privatelink.blob.core.windows.net",),
    "file": ("privatelink.file.core.windows.net",),
    "registry": ("privatelink.azurecr.io",),
    "amlregistry": ("privatelink.api.azureml.ms",),
    "account": AI_PRIVATE_DNS_ZONES,  # AI Services (Foundry) account
}


@dataclass(frozen=True)
class PrivateLinkArgs:
    """Target resource, its private link group ID, and where the endpoint goes."""

    placement: Placement
    target_id: pulumi.Input[str]
    group_id: str
    private_endpoint: PrivateEndpointArgs


class PrivateLink(pulumi.ComponentResource):
    """Private endpoint `<name>-pe` with zone group `<name>-dns` in the zones of its group ID."""

    private_endpoint: network.PrivateEndpoint
    zone_group: network.PrivateDnsZoneGroup

    def __init__(self, name: str, args: PrivateLinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:private_link:PrivateLink", name, None, opts)
        zones: Sequence[str] = GROUP_ZONES[args.group_id]
        missing = [z for z in zones if z not in args.private_endpoint.dns_zone_ids]
        if missing:
            raise ValueError(f"private_endpoint.dns_zone_ids: missing {missing} for group {args.group_id!r}")
        p = args.placement
        self.private_endpoint = network.PrivateEndpoint(
            f"{name}-pe",
            resource_group_name=p.resource_group_name,
            location=p.location,
            tags=dict(p.tags),
            subnet=network.SubnetArgs(id=args.private_endpoint.subnet_id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=f"{name}-{args.group_id}",
                    private_link_service_id=args.target_id,
                    group_ids=[args.group_id],
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.zone_group = network.PrivateDnsZoneGroup(
            f"{name}-dns",
            resource_group_name=p.resource_group_name,
            private_endpoint_name=self.private_endpoint.name,
            private_dns_zone_group_name="default",
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(
                    name=zone.replace(".", "-"), private_dns_zone_id=args.private_endpoint.dns_zone_ids[zone]
                )
                for zone in zones
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"private_endpoint_id": self.private_endpoint.id})
