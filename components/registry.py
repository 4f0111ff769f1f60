"""Container registry: Premium, no admin user or anonymous pull, no public network or export.

Encryption: Microsoft-managed keys by default. A customer-managed key is possible only where it can work: ACR
enables a CMK only at creation, through a user-assigned identity, and "an Azure container registry can only
bypass the [Key Vault] firewall when using its system-managed identity" ("Encrypt registry using a
customer-managed key", section "Advanced scenario: Key Vault firewall"). The baseline's vault denies public
network access, so a registry encrypted with its key would fail at creation, and the workspace with it. The
trade-off: registry content (images, build logs) is encrypted at rest with Microsoft-managed keys; the
workspace, its storage and its metadata keep the customer-managed key. A team whose key sits in a vault without
a firewall can pass that key (`customer_managed_key` with `behind_firewall=False`): a versionless key ID then
follows the vault's rotation within an hour (same article, "Automatic or manual update of key versions").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.containerregistry as containerregistry

from .access import add_lock, add_role_assignments
from .interfaces import (
    CustomerManagedKeyArgs,
    DiagnosticsArgs,
    LockArgs,
    Placement,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
)
from .monitoring import add_diagnostics
from .private_link import PrivateLink, PrivateLinkArgs


@dataclass(frozen=True)
class RegistryArgs:
    """Registry name, zone redundancy, and the shared interfaces."""

    placement: Placement
    registry_name: pulumi.Input[str]
    private_endpoint: PrivateEndpointArgs
    diagnostics: DiagnosticsArgs | None
    customer_managed_key: CustomerManagedKeyArgs | None = None
    """None (default): Microsoft-managed encryption. A key behind a vault firewall is refused (module doc)."""
    zone_redundancy: bool = False
    role_assignments: Mapping[str, RoleAssignmentArgs] = field(default_factory=dict)
    lock: LockArgs | None = None


def validate_registry_args(args: RegistryArgs) -> None:
    """Refuse a customer-managed key the registry cannot reach; raises ValueError naming the argument."""
    if args.customer_managed_key is not None and args.customer_managed_key.behind_firewall:
        raise ValueError(
            "customer_managed_key: the key's vault denies public network access, and a container registry "
            "reaches its key only through a user-assigned identity, which cannot pass the Key Vault firewall "
            "(ACR docs: Encrypt registry using a customer-managed key, Key Vault firewall); allowed: None "
            "(Microsoft-managed encryption) or a key in a vault without a firewall"
        )


class Registry(pulumi.ComponentResource):
    """Registry `<name>-cr` with private endpoint `<name>-cr` and diagnostics."""

    registry: containerregistry.Registry

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:registry:Registry", name, None, opts)
        validate_registry_args(args)
        p = args.placement
        cmk = args.customer_managed_key
        identity: containerregistry.IdentityPropertiesArgs | None = None
        encryption = containerregistry.EncryptionPropertyArgs(status="disabled")
        if cmk is not None:
            # The registry takes identities as a map {id: {}}, unlike ML, storage and key vault (a list).
            identities = pulumi.Output.from_input(cmk.identity.id).apply(
                lambda i: {i: containerregistry.UserIdentityPropertiesArgs()}
            )
            identity = containerregistry.IdentityPropertiesArgs(
                type=containerregistry.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=identities
            )
            encryption = containerregistry.EncryptionPropertyArgs(
                status="enabled",
                key_vault_properties=containerregistry.KeyVaultPropertiesArgs(
                    identity=cmk.identity.client_id, key_identifier=cmk.key_uri
                ),
            )
        self.registry = containerregistry.Registry(
            f"{name}-cr",
            resource_group_name=p.resource_group_name,
            location=p.location,
            registry_name=args.registry_name,
            tags=dict(p.tags),
            sku=containerregistry.SkuArgs(name="Premium"),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            public_network_access="Disabled",
            network_rule_bypass_options="AzureServices",
            data_endpoint_enabled=False,
            zone_redundancy="Enabled" if args.zone_redundancy else "Disabled",
            policies=containerregistry.PoliciesArgs(
                export_policy=containerregistry.ExportPolicyArgs(status="disabled"),
            ),
            identity=identity,
            encryption=encryption,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(cmk.depends_on) if cmk else []),
        )
        self.private_link = PrivateLink(
            f"{name}-cr",
            PrivateLinkArgs(
                placement=p,
                target_id=self.registry.id,
                group_id="registry",
                private_endpoint=args.private_endpoint,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        add_diagnostics(f"{name}-cr", self.registry.id, args.diagnostics, self)
        self.role_assignments = add_role_assignments(
            f"{name}-cr", self.registry.id, args.role_assignments, self
        )
        add_lock(f"{name}-cr", self.registry.id, args.lock, self)
        self.register_outputs({"registry_id": self.registry.id, "login_server": self.registry.login_server})
