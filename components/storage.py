"""Storage account for the workspace: no shared key, no public access, CMK, private blob and file endpoints.

The CMK is versionless (key name and vault URI, no version), so the account follows the key's rotation by
itself: "Azure Storage checks the key vault daily for a new version of the key" ("Configure customer-managed
keys in the same tenant for a new storage account", section "Configure encryption for automatic updating of
key versions"). A new account must reach its key through a user-assigned identity, created after that
identity's key grant has propagated (`customer_managed_key.depends_on`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.storage as storage

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
from .settings import STORAGE_SKUS, arg_errors, validate_choice


@dataclass(frozen=True)
class StorageArgs:
    """The account's name, SKU (Standard_ZRS for zone redundancy) and shared interfaces."""

    placement: Placement
    account_name: pulumi.Input[str]
    customer_managed_key: CustomerManagedKeyArgs
    private_endpoint: PrivateEndpointArgs
    diagnostics: DiagnosticsArgs | None
    sku: str = "Standard_LRS"
    role_assignments: Mapping[str, RoleAssignmentArgs] = field(default_factory=dict)
    lock: LockArgs | None = None
    protect: bool = False


class Storage(pulumi.ComponentResource):
    """Account `<name>-st`, private endpoints `<name>-blob`/`<name>-file`, diagnostics on both services."""

    account: storage.StorageAccount

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:storage:Storage", name, None, opts)
        errors = arg_errors()
        validate_choice(errors, "sku", args.sku, STORAGE_SKUS)
        errors.raise_if_any()
        p = args.placement
        cmk = args.customer_managed_key
        self.account = storage.StorageAccount(
            f"{name}-st",
            resource_group_name=p.resource_group_name,
            location=p.location,
            account_name=args.account_name,
            tags=dict(p.tags),
            kind="StorageV2",
            sku=storage.SkuArgs(name=args.sku),
            access_tier=storage.AccessTier.HOT,
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            allow_blob_public_access=False,
            public_network_access="Disabled",
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction.DENY, bypass="AzureServices"
            ),
            minimum_tls_version="TLS1_2",
            enable_https_traffic_only=True,
            allow_cross_tenant_replication=False,
            is_local_user_enabled=False,
            is_sftp_enabled=False,
            identity=storage.IdentityArgs(type="UserAssigned", user_assigned_identities=[cmk.identity.id]),
            encryption=storage.EncryptionArgs(
                key_source="Microsoft.Keyvault",
                require_infrastructure_encryption=True,
                key_vault_properties=storage.KeyVaultPropertiesArgs(
                    key_name=cmk.key_name, key_vault_uri=cmk.key_vault_uri
                ),
                encryption_identity=storage.EncryptionIdentityArgs(
                    encryption_user_assigned_identity=cmk.identity.id
                ),
                services=storage.EncryptionServicesArgs(
                    blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                    file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=list(cmk.depends_on)),
        )
        self.private_links = {
            group: PrivateLink(
                f"{name}-{group}",
                PrivateLinkArgs(
                    placement=p,
                    target_id=self.account.id,
                    group_id=group,
                    private_endpoint=args.private_endpoint,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for group in ("blob", "file")
        }
        for service in ("blob", "file"):
            uri = pulumi.Output.concat(self.account.id, f"/{service}Services/default")
            add_diagnostics(
                f"{name}-{service}", uri, args.diagnostics, self, metric_categories=("Transaction",)
            )
        self.role_assignments = add_role_assignments(
            f"{name}-st", self.account.id, args.role_assignments, self
        )
        add_lock(f"{name}-st", self.account.id, args.lock, self)
        self.register_outputs(
            {"account_id": self.account.id, "blob_endpoint": self.account.primary_endpoints.blob}
        )
