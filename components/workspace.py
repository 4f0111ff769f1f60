"""The Azure ML workspace: managed network with approved outbound only, no public network, CMK, HBI.

Created after the identity's role assignments (CMK and the documented access) have propagated, with a private
endpoint in both the api and notebooks zones and diagnostics.

Encryption (classic CMK): Azure ML keeps the workspace metadata in Azure Cosmos DB, Azure AI Search and Storage
in a Microsoft-managed resource group of your subscription, encrypted with the key; the Azure Cosmos DB
first-party principal must be able to wrap and unwrap with it (the key vault component grants that), and the
resource providers in `CMK_RESOURCE_PROVIDERS` must be registered. The key ID is versioned, as the AML docs
require (`https://<vault>.vault.azure.net/keys/<key>/<version>`), so the workspace does NOT follow the key's
rotation: moving it to a newer version of the same key is a runbook step (`pulumi refresh` reads the key's
current version, then `pulumi up` updates `encryption.keyVaultProperties.keyIdentifier` in place: an updatable
property, Azure/azure-sdk-for-python#26605; the key can only change to another key in the original vault,
"Customer-managed keys for Azure Machine Learning", Limitations). Do it before the pinned version expires (`key_expiry_days` after its creation).
Service-side CMK (`enableServiceSideCMKEncryption`, preview) is refused with a vault that denies public network
access: "Server-side encryption is currently not supported in reference to an Azure Key Vault ... that has public
network access disabled" (same article, "(Preview) Service-side encryption of metadata").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.machinelearningservices as ml

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
from .settings import (
    FIREWALL_SKUS,
    ISOLATION_MODES,
    OutboundRule,
    arg_errors,
    validate_choice,
    validate_outbound_rules,
)

MODEL_REGISTRY_RULE = "approved-model-registry"
"""Name of the managed network's private endpoint rule to the approved-models Azure ML registry."""

OutboundRuleArgs = (
    ml.FqdnOutboundRuleArgs | ml.PrivateEndpointOutboundRuleArgs | ml.ServiceTagOutboundRuleArgs
)

CMK_RESOURCE_PROVIDERS: dict[str, str] = {
    "Microsoft.MachineLearningServices": "Creating the Azure Machine Learning workspace.",
    "Microsoft.Storage": "Storage Account is used as the default storage for the workspace.",
    "Microsoft.KeyVault": "Azure Key Vault is used by the workspace to store secrets.",
    "Microsoft.DocumentDB": "Azure Cosmos DB instance that logs metadata for the workspace.",
    "Microsoft.Search": "Azure AI Search provides indexing capabilities for the workspace.",
}
"""Resource providers that must be registered in the subscription for a workspace with a customer-managed key,
with the documented reason ("Use customer-managed keys with Azure Machine Learning", Prerequisites). Register
each once per subscription: `az provider register --namespace <name>`."""


def outbound_rule_args(rule: OutboundRule) -> OutboundRuleArgs:
    """The SDK input for one validated outbound rule (category UserDefined)."""
    if rule.type == "FQDN":
        return ml.FqdnOutboundRuleArgs(type="FQDN", category="UserDefined", destination=rule.destination)
    if rule.type == "ServiceTag":
        return ml.ServiceTagOutboundRuleArgs(
            type="ServiceTag",
            category="UserDefined",
            destination=ml.ServiceTagDestinationArgs(
                service_tag=rule.destination,
                protocol=rule.protocol,
                port_ranges=rule.port_ranges,
                action="Allow",
            ),
        )
    if rule.type == "PrivateEndpoint":
        return ml.PrivateEndpointOutboundRuleArgs(
            type="PrivateEndpoint",
            category="UserDefined",
            destination=ml.PrivateEndpointDestinationArgs(
                service_resource_id=rule.destination,
                subresource_target=rule.subresource_target,
                spark_enabled=rule.spark_enabled,
            ),
        )
    raise ValueError(f"outbound rule type {rule.type!r}; allowed: FQDN, PrivateEndpoint, ServiceTag")


def model_registry_rule(registry_id: pulumi.Input[str]) -> ml.PrivateEndpointOutboundRuleArgs:
    """Private endpoint rule (subresource amlregistry) from the managed network to an Azure ML registry: in
    allow-only-approved mode nothing else reaches it ("Network isolation with Azure Machine Learning
    registries", "Use assets from registry in workspace"; "Workspace Managed Virtual Network Isolation",
    "Private endpoints" lists Azure Machine Learning registries)."""
    return ml.PrivateEndpointOutboundRuleArgs(
        type="PrivateEndpoint",
        category="UserDefined",
        destination=ml.PrivateEndpointDestinationArgs(
            service_resource_id=registry_id, subresource_target="amlregistry", spark_enabled=False
        ),
    )


@dataclass(frozen=True)
class MlWorkspaceArgs:
    """Workspace dependencies (IDs of existing or created resources) and the shared interfaces."""

    placement: Placement
    workspace_name: pulumi.Input[str]
    identity: IdentityArgs
    customer_managed_key: CustomerManagedKeyArgs
    storage_account_id: pulumi.Input[str]
    key_vault_id: pulumi.Input[str]
    registry_id: pulumi.Input[str]
    app_insights_id: pulumi.Input[str]
    private_endpoint: PrivateEndpointArgs
    diagnostics: DiagnosticsArgs | None
    isolation_mode: str = "AllowOnlyApprovedOutbound"
    """Weakening it (AllowInternetOutbound, Disabled) is an explicit choice; Disabled needs a compute subnet."""
    firewall_sku: str = "Standard"
    outbound_rules: Mapping[str, OutboundRule] = field(default_factory=dict)
    model_registry_id: pulumi.Input[str] | None = None
    """An Azure ML registry jobs use: a private endpoint rule MODEL_REGISTRY_RULE in the managed network. The
    registry must exist first (provisionNetworkNow creates the endpoint with the workspace): put it in
    depends_on."""
    service_side_cmk: bool = False
    """Preview; refused when the key's vault denies public network access (module doc)."""
    image_build_compute: str = ""
    """Compute cluster name that builds images (the registry is private); may name a cluster created later."""
    compute_subnet_id: pulumi.Input[str] | None = None
    """Only with isolation_mode Disabled: serverless compute runs in this subnet without public IPs. A managed
    network puts serverless compute in the managed VNet itself, so nothing is set there."""
    depends_on: Sequence[pulumi.Resource] = ()
    """Role assignments the workspace needs before creation (beyond the CMK's, which comes with the key)."""
    role_assignments: Mapping[str, RoleAssignmentArgs] = field(default_factory=dict)
    lock: LockArgs | None = None
    protect: bool = False


class MlWorkspace(pulumi.ComponentResource):
    """Workspace `<name>-mlw`, its private endpoint `<name>-mlw` and diagnostics."""

    workspace: ml.Workspace
    private_link: PrivateLink

    def __init__(self, name: str, args: MlWorkspaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:workspace:MlWorkspace", name, None, opts)
        errors = arg_errors()
        isolation = validate_choice(errors, "isolation_mode", args.isolation_mode, ISOLATION_MODES)
        validate_choice(errors, "firewall_sku", args.firewall_sku, FIREWALL_SKUS)
        validate_outbound_rules(errors, args.outbound_rules, isolation)
        errors.raise_if_any()
        if args.service_side_cmk and args.customer_managed_key.behind_firewall:
            raise ValueError(
                "service_side_cmk: the service-side encryption preview does not support a key vault with public "
                "network access disabled, and this key's vault disables it; allowed: False (classic CMK)"
            )
        if args.compute_subnet_id is not None and args.isolation_mode != "Disabled":
            raise ValueError(
                "compute_subnet_id: only with isolation_mode Disabled (managed network compute has none)"
            )
        p = args.placement
        cmk = args.customer_managed_key
        managed = args.isolation_mode != "Disabled"
        if MODEL_REGISTRY_RULE in args.outbound_rules:
            raise ValueError(
                f"outbound_rules: {MODEL_REGISTRY_RULE!r} is reserved for the model registry rule"
            )
        rules: dict[str, OutboundRuleArgs] = {
            k: outbound_rule_args(r) for k, r in args.outbound_rules.items()
        }
        if managed and args.model_registry_id is not None:
            rules[MODEL_REGISTRY_RULE] = model_registry_rule(args.model_registry_id)
        self.workspace = ml.Workspace(
            f"{name}-mlw",
            resource_group_name=p.resource_group_name,
            location=p.location,
            workspace_name=args.workspace_name,
            tags=dict(p.tags),
            kind="Default",
            sku=ml.SkuArgs(name="Basic", tier=ml.SkuTier.BASIC),
            friendly_name=args.workspace_name,
            identity=ml.ManagedServiceIdentityArgs(
                type=ml.ManagedServiceIdentityType.USER_ASSIGNED, user_assigned_identities=[args.identity.id]
            ),
            primary_user_assigned_identity=args.identity.id,
            storage_account=args.storage_account_id,
            key_vault=args.key_vault_id,
            container_registry=args.registry_id,
            application_insights=args.app_insights_id,
            public_network_access=ml.PublicNetworkAccessType.DISABLED,
            allow_public_access_when_behind_vnet=False,
            managed_network=ml.ManagedNetworkSettingsArgs(
                isolation_mode=args.isolation_mode,
                firewall_sku=args.firewall_sku
                if args.isolation_mode == "AllowOnlyApprovedOutbound"
                else None,
                enable_network_monitor=False,
                outbound_rules=rules or None,
            ),
            provision_network_now=managed,
            encryption=ml.EncryptionPropertyArgs(
                status=ml.EncryptionStatus.ENABLED,
                identity=ml.IdentityForCmkArgs(user_assigned_identity=cmk.identity.id),
                key_vault_properties=ml.KeyVaultPropertiesArgs(
                    key_vault_arm_id=cmk.key_vault_id,
                    # Versioned, as AML requires: rotation reaches the workspace only by the runbook step above.
                    key_identifier=cmk.key_uri_with_version,
                    identity_client_id=cmk.identity.client_id,
                ),
            ),
            enable_service_side_cmk_encryption=args.service_side_cmk,
            hbi_workspace=True,
            system_datastores_auth_mode=ml.SystemDatastoresAuthMode.IDENTITY,
            v1_legacy_mode=False,
            image_build_compute=args.image_build_compute or None,
            serverless_compute_settings=ml.ServerlessComputeSettingsArgs(
                serverless_compute_custom_subnet=args.compute_subnet_id, serverless_compute_no_public_ip=True
            )
            if args.compute_subnet_id is not None
            else None,
            opts=pulumi.ResourceOptions(
                parent=self, protect=args.protect, depends_on=[*cmk.depends_on, *args.depends_on]
            ),
        )
        self.private_link = PrivateLink(
            f"{name}-mlw",
            PrivateLinkArgs(
                placement=p,
                target_id=self.workspace.id,
                group_id="amlworkspace",
                private_endpoint=args.private_endpoint,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        add_diagnostics(f"{name}-mlw", self.workspace.id, args.diagnostics, self)
        self.role_assignments = add_role_assignments(
            f"{name}-mlw", self.workspace.id, args.role_assignments, self
        )
        add_lock(f"{name}-mlw", self.workspace.id, args.lock, self)
        self.register_outputs(
            {
                "workspace_id": self.workspace.id,
                "workspace_name": self.workspace.name,
                "discovery_url": self.workspace.discovery_url,
                "private_endpoint_id": self.private_link.private_endpoint.id,
            }
        )
