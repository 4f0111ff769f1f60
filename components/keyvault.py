"""Key Vault (RBAC, purge protection, no public network, private endpoint, diagnostics) and the CMK.

The key is RSA-HSM 3072 with a rotation policy (rotate and notify) and an expiry. In an RBAC vault, creating
the key through ARM is a data action that Owner or Contributor do not grant, so the deploying principal gets
Key Vault Crypto Officer on this vault first, and the key waits for that grant to propagate. The identity
that uses the key gets Key Vault Crypto Service Encryption User on this vault only, and so does the Azure
Cosmos DB first-party principal when the workspace uses classic CMK; consumers of the key (storage, registry,
workspace) depend on `customer_managed_key.depends_on`, the propagation wait after those grants.

What changes reach the key: ARM's only write for a key is "Keys - Create If Not Exist" ("If it already
exists, then the existing key is returned without any write operations being performed ... does not update
existing keys"). So the key's type, size, operations, attributes, rotation policy and tags are set once, at
creation, and later changes to them are ignored here (`ignore_changes`) instead of being reported as applied.
Changing the rotation policy of an existing key is a runbook step (`az keyvault key rotation-policy update`);
the Azure Policy assignment for key-rotation (d8cf8476, maximumDaysToRotate = keyRotationDays) reports a key
whose policy no longer matches. The rotation policy itself does rotate the key: Key Vault creates a new key
version every `key_rotation_days`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.keyvault as keyvault
import pulumi_azuread as azuread

from .access import add_lock, add_role_assignments
from .interfaces import (
    CustomerManagedKeyArgs,
    DiagnosticsArgs,
    IdentityArgs,
    LockArgs,
    Placement,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
)
from .monitoring import add_diagnostics
from .private_link import PrivateLink, PrivateLinkArgs
from .propagation import ROLE_PROPAGATION_WAIT, propagation_wait
from .settings import (
    DEPLOYER_PRINCIPAL_TYPES,
    TENANT_ALLOWED,
    arg_errors,
    validate_choice,
    validate_guid,
    validate_key_days,
)

CMK_ROLE = "Key Vault Crypto Service Encryption User"
"""Read key metadata, wrap and unwrap: what a service that encrypts with the key needs ("Azure built-in roles")."""
KEY_CREATOR_ROLE = "Key Vault Crypto Officer"
"""Any action on the vault's keys except managing permissions: what creating and reading the key through ARM
needs in an RBAC vault ("Azure built-in roles"; Owner or Contributor are not enough, Azure/bicep#7864)."""
COSMOS_DB_APP_ID = "a232010e-820c-4083-83bb-3ace5fc29d0b"
"""Application ID of the Azure Cosmos DB first-party service principal (all clouds but Azure Government, whose
ID is 57506a73-e302-42a9-b869-6f12d9ec29e9): "Use customer-managed keys with Azure Machine Learning", section
"Allow Azure Cosmos DB to access the key". Its object ID differs per tenant, so it is looked up."""


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
    """Key Vault creates a new key version this many days after the current one (set at key creation only)."""
    key_expiry_days: int = 365
    """Each key version expires this many days after its creation (set at key creation only)."""
    notify_days_before_expiry: int = 30
    deployer_principal_id: pulumi.Input[str] | None = None
    """Who runs `pulumi up` and so creates the key; default: the client config's object ID."""
    deployer_principal_type: str = "ServicePrincipal"
    """ServicePrincipal (CI, default) or User (an engineer deploying from a workstation)."""
    cosmos_db_key_access: bool = False
    """Grant the Azure Cosmos DB first-party principal the CMK role (a workspace with classic CMK needs it)."""
    role_propagation_wait: str = ROLE_PROPAGATION_WAIT
    """How long consumers wait after a grant (a Go duration); see components.propagation."""
    soft_delete_retention_days: int = 90
    role_assignments: Mapping[str, RoleAssignmentArgs] = field(default_factory=dict)
    lock: LockArgs | None = None
    protect: bool = False


class KeyVault(pulumi.ComponentResource):
    """Vault `<name>-kv`, the deployer's key grant and its wait, key `<name>-key`, the CMK grants and their
    wait, private endpoint and diagnostics."""

    vault: keyvault.Vault
    key: keyvault.Key
    deployer_role_assignment: authorization.RoleAssignment
    cmk_role_assignment: authorization.RoleAssignment
    cosmos_db_role_assignment: authorization.RoleAssignment | None
    customer_managed_key: CustomerManagedKeyArgs

    def __init__(self, name: str, args: KeyVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:keyvault:KeyVault", name, None, opts)
        errors = arg_errors()
        if isinstance(args.key_size, bool) or not isinstance(args.key_size, int) or args.key_size < 3072:
            errors.add("key_size", f"{args.key_size!r} is too small", "3072 or 4096")
        validate_key_days(errors, args.key_rotation_days, args.key_expiry_days, strict=True)
        validate_guid(errors, "tenant_id", args.tenant_id, TENANT_ALLOWED)
        validate_choice(
            errors, "deployer_principal_type", args.deployer_principal_type, DEPLOYER_PRINCIPAL_TYPES
        )
        errors.raise_if_any()
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
        deployer = (
            args.deployer_principal_id
            if args.deployer_principal_id is not None
            else authorization.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self)
            ).object_id
        )
        self.deployer_role_assignment = add_role_assignments(
            f"{name}-kv",
            self.vault.id,
            {
                "deployer": RoleAssignmentArgs(
                    role=KEY_CREATOR_ROLE, principal_id=deployer, principal_type=args.deployer_principal_type
                )
            },
            self,
            # The grant stays with the principal of the first run (the bootstrap administrator): a later run by
            # another principal (CI, which holds its own Crypto Officer grant) must not replace it, which would
            # need rights CI is never delegated and, in prod, deleting under the vault's CanNotDelete lock.
            ignore_changes=("principalId", "principalType"),
        )["deployer"]
        deployer_wait = propagation_wait(
            f"{name}-kv-deployer",
            {"deployer": self.deployer_role_assignment},
            self,
            args.role_propagation_wait,
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
            # Create If Not Exist never updates an existing key: changes here could never reach Azure.
            opts=pulumi.ResourceOptions.merge(
                stateful,
                pulumi.ResourceOptions(depends_on=[deployer_wait], ignore_changes=["properties", "tags"]),
            ),
        )
        key_users: dict[str, RoleAssignmentArgs] = {
            "cmk": RoleAssignmentArgs(role=CMK_ROLE, principal_id=args.identity.principal_id)
        }
        if args.cosmos_db_key_access:
            cosmos = azuread.get_service_principal_output(
                client_id=COSMOS_DB_APP_ID, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            key_users["cosmosdb"] = RoleAssignmentArgs(
                role=CMK_ROLE,
                principal_id=cosmos.object_id,
                purpose="Azure Cosmos DB (Azure Machine Learning customer-managed key)",
            )
        key_grants = add_role_assignments(f"{name}-kv", self.vault.id, key_users, self)
        self.cmk_role_assignment = key_grants["cmk"]
        self.cosmos_db_role_assignment = key_grants.get("cosmosdb")
        cmk_wait = propagation_wait(f"{name}-kv-cmk", key_grants, self, args.role_propagation_wait)
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
            depends_on=[cmk_wait],
            behind_firewall=True,  # publicNetworkAccess Disabled above
        )
        self.register_outputs(
            {
                "vault_id": self.vault.id,
                "vault_uri": self.vault.properties.vault_uri,
                "key_id": self.key.id,
                "key_uri": self.key.key_uri,
                "cmk_role_assignment_id": self.cmk_role_assignment.id,
                "deployer_role_assignment_id": self.deployer_role_assignment.id,
            }
        )
