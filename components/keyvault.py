"""Key Vault (RBAC, purge protection, no public network, private endpoint, diagnostics) and the CMK.

The key is RSA-HSM 3072 with a rotation policy (rotate and notify) and an expiry. The identity gets
Key Vault Crypto Service Encryption User on this vault only; `cmk_role_assignment` is what users of the
key (storage, registry, workspace) depend on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.keyvault as keyvault

from components.access import add_lock, add_role_assignments
from components.interfaces import (
    CustomerManagedKeyArgs,
    DiagnosticsArgs,
    IdentityArgs,
    LockArgs,
    Placement,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
)
from components.monitoring import add_diagnostics
from components.private_link import PrivateLink, PrivateLinkArgs

CMK_ROLE = "Key Vault Crypto Service Encryption User"


@dataclass(frozen=True)
class KeyVaultArgs:
    """A vault holding the CMK. Secure by default; `protect` and `lock` for production."""

    placement: Placement
    vault_name: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    identity: IdentityArgs
    """The user-assigned identity that uses the key (gets the CMK role on this vault, nothing broader)."""
    private_endpoint: PrivateEndpointArgs
    diagnostics: DiagnosticsArgs | None
    key_size: int = 3072
    key_rotation_days: int = 90
    key_expiry_days: int = 365
    notify_days_before_expiry: int = 30
    soft_delete_retention_days: int = 90
    role_assignments: Mapping[str, RoleAssignmentArgs] = field(default_factory=dict)
    lock: LockArgs | None = None
    protect: bool = False


class KeyVault(pulumi.ComponentResource):
    """Vault `<name>-kv`, key `<name>-key`, CMK role assignment, private endpoint and diagnostics."""

    vault: keyvault.Vault
    key: keyvault.Key
    cmk_role_assignment: authorization.RoleAssignment
    customer_managed_key: CustomerManagedKeyArgs

    def __init__(self, name: str, args: KeyVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:keyvault:KeyVault", name, None, opts)
        if args.key_size < 3072:
            raise ValueError(f"key_size: {args.key_size} is too small; allowed: 3072 or 4096")
        if not 7 <= args.key_rotation_days <= args.key_expiry_days - 7:
            raise ValueError("key_rotation_days: allowed from 7 to key_expiry_days - 7")
        p = args.placement
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        self.vault = keyvault.Vault(
            f"{name}-kv",
            resource_group_name=p.resource_group_name,
            location=p.location,
            vault_name=args.vault_name,
            tags=dict(p.tags),
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=args.tenant_id,
                sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.PREMIUM),  # premium: HSM-backed keys
                enable_rbac_authorization=True,
                enable_purge_protection=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=args.soft_delete_retention_days,
                public_network_access="Disabled",
                network_acls=keyvault.NetworkRuleSetArgs(default_action="Deny", bypass="AzureServices"),
                enabled_for_deployment=False,
                enabled_for_disk_encryption=False,
                enabled_for_template_deployment=False,
            ),
            opts=stateful,
        )
        self.key = keyvault.Key(
            f"{name}-key",
            resource_group_name=p.resource_group_name,
            vault_name=self.vault.name,
            key_name="cmk",
            tags=dict(p.tags),
            properties=keyvault.KeyPropertiesArgs(
                kty="RSA-HSM",
                key_size=args.key_size,
                key_ops=["wrapKey", "unwrapKey"],
                attributes=keyvault.KeyAttributesArgs(enabled=True, exportable=False),
                rotation_policy=keyvault.RotationPolicyArgs(
                    attributes=keyvault.KeyRotationPolicyAttributesArgs(
                        expiry_time=f"P{args.key_expiry_days}D"
                    ),
                    lifetime_actions=[
                        keyvault.LifetimeActionArgs(
                            action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.ROTATE),
                            trigger=keyvault.TriggerArgs(time_after_create=f"P{args.key_rotation_days}D"),
                        ),
                        keyvault.LifetimeActionArgs(
                            action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.NOTIFY),
                            trigger=keyvault.TriggerArgs(
                                time_before_expiry=f"P{args.notify_days_before_expiry}D"
                            ),
                        ),
                    ],
                ),
            ),
            opts=stateful,
        )
        self.cmk_role_assignment = add_role_assignments(
            f"{name}-kv",
            self.vault.id,
            {"cmk": RoleAssignmentArgs(role=CMK_ROLE, principal_id=args.identity.principal_id)},
            self,
        )["cmk"]
        self.role_assignments = add_role_assignments(f"{name}-kv", self.vault.id, args.role_assignments, self)
        self.private_link = PrivateLink(
            f"{name}-kv",
            PrivateLinkArgs(
                placement=p, target_id=self.vault.id, group_id="vault", private_endpoint=args.private_endpoint
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        add_diagnostics(f"{name}-kv", self.vault.id, args.diagnostics, self)
        add_lock(f"{name}-kv", self.vault.id, args.lock, self)
        self.customer_managed_key = CustomerManagedKeyArgs(
            key_vault_id=self.vault.id,
            key_vault_uri=self.vault.properties.vault_uri,
            key_name=self.key.name,
            key_uri=self.key.key_uri,
            key_uri_with_version=self.key.key_uri_with_version,
            identity=args.identity,
            depends_on=[self.cmk_role_assignment],
        )
        self.register_outputs(
            {
                "vault_id": self.vault.id,
                "vault_uri": self.vault.properties.vault_uri,
                "key_id": self.key.id,
                "key_uri": self.key.key_uri,
                "cmk_role_assignment_id": self.cmk_role_assignment.id,
            }
        )
