"""Every path to a governed resource, through the analyzer protocol (pack README "Every path to a governed
resource"): compliant resources pass on each path, insecure ones are blocked by the same rule ids with
messages naming the path and the inner resource, and what cannot be read is a violation, never a pass.

Input shapes: the generic resource and deployments use the input names of pulumi-azure-native 3.29
(`resources.Resource`, `resources.Deployment*`, `resources.DeploymentStackAtResourceGroup`); ARM bodies
follow the ARM template reference (Microsoft Learn, "Microsoft.Storage storageAccounts" and the other
resource pages; "Template functions - deployment: parameters"); classic arguments and their defaults are
pulumi-azure 6.40.1's, recorded in fixtures/classic_args.json by fixtures/record_classic_args.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.analyzer import PolicyPackProcess
from preflight.model import UNKNOWN, secret

from . import baselines as b
from . import path_baselines as pb
from .baselines import DELETE, changed
from .conftest import analyze
from .path_baselines import PATH_BASELINES
from .support import ADVISORY, PRIVATE_ENDPOINT, PRIVATE_ZONE, UNKNOWN_MSG, Case, bad, body, ok, res, urn

D = pb.DEPLOYMENT_OK
T = "properties.template.resources."
ST, WS, CI, NEST, NSG, ROLE = T + "0", T + "1", T + "1.resources.0", T + "2", T + "3", T + "4"
GEN_WS = "generic resource `r` (Microsoft.MachineLearningServices/workspaces): "
ARM = "in ARM deployment `r`, "
ARM_ST = ARM + "Microsoft.Storage/storageAccounts `starm`: "
ARM_WS = ARM + "Microsoft.MachineLearningServices/workspaces `mlw-arm`: "
ARM_KV = ARM + "nested deployment `vault-deployment`, Microsoft.KeyVault/vaults `kv-arm`: "
ARM_ROLE = ARM + "Microsoft.Authorization/roleAssignments `[guid(resourceGroup().id, 'ml')]`: "
C_WS = "classic provider azure:machinelearning/workspace:Workspace `r`: "
C_CI = "classic provider azure:machinelearning/computeInstance:ComputeInstance `r`: "
C_CC = "classic provider azure:machinelearning/computeCluster:ComputeCluster `r`: "
C_ST = "classic provider azure:storage/account:Account `r`: "
C_KV = "classic provider azure:keyvault/keyVault:KeyVault `r`: "
C_ACR = "classic provider azure:containerservice/registry:Registry `r`: "
C_RA = "classic provider azure:authorization/assignment:Assignment `r`: "
DEFAULT = "(classic argument {} not set, the provider's default is {})"
CANNOT = (
    "(the classic provider azure:machinelearning/computeInstance:ComputeInstance cannot set {}: declare this "
    "resource with azure-native:machinelearningservices:Compute to meet this control)"
)
OWNER = "roleDefinitionId is Owner (8e3af657-a8ff-443c-a75c-2fe8c4bcb635); Owner must never be assigned, use a narrower role."
UAA = (
    "roleDefinitionId is User Access Administrator (18d7d88d-d35e-4fb5-a5c3-7773c20a72d9); User Access "
    "Administrator must never be assigned, use a narrower role."
)
LINK = "cannot be read at preview; put the template inline (properties.template) so every resource in it is judged."
UNVERIFIED = (
    GEN_WS
    + "properties must be known at preview (it is computed from another resource's output); without it "
    "this control cannot be verified ({})."
)
SSH = "; SSH and RDP must not be reachable from the internet."
C_FQDN_RULE = "azure:machinelearning/workspaceNetworkOutboundRuleFqdn:WorkspaceNetworkOutboundRuleFqdn"
C_TAG_RULE = (
    "azure:machinelearning/workspaceNetworkOutboundRuleServiceTag:WorkspaceNetworkOutboundRuleServiceTag"
)
WS_ID = f"{b.ML}/workspaces/mlw-aml"
KV_REF = {"reference": {"keyVault": {"id": b.VAULT_ID}, "secretName": "allow-public"}}


def symbolic(resources: dict[str, Any]) -> dict[str, Any]:
    """The baseline deployment with `resources` as a symbolic-name object (languageVersion 2.0)."""
    tpl = pb.template() | {"languageVersion": "2.0", "resources": resources}
    return pb.deployment(tpl)


def stack_template(tpl: dict[str, Any]) -> dict[str, Any]:
    """A deployment stack at resource-group scope (template at the top level)."""
    return {
        "resourceGroupName": "rg-aml",
        "actionOnUnmanage": {"resources": "detach"},
        "denySettings": {"mode": "none"},
        "template": tpl,
        "parameters": {"allowBlobPublic": {"value": False}},
    }


PUBLIC_STORAGE = pb.template()["resources"][0] | {
    "properties": {**pb.template()["resources"][0]["properties"], "allowBlobPublicAccess": True}
}

PATH_CASES: list[Case] = [
    # -- generic resources:Resource -----------------------------------------------------------------
    ok("ws-public-network", pb.GENERIC, pb.GENERIC_WORKSPACE, "generic"),
    bad(
        "ws-public-network",
        pb.GENERIC,
        changed(pb.GENERIC_WORKSPACE, "properties.publicNetworkAccess", "Enabled"),
        GEN_WS + 'publicNetworkAccess is "Enabled"; must be "Disabled".',
        label="generic",
    ),
    bad(
        "ws-public-network",
        pb.GENERIC,
        changed(
            changed(
                changed(pb.GENERIC_WORKSPACE, "properties.publicNetworkAccess", "Enabled"),
                "resourceProviderNamespace",
                "microsoft.machinelearningservices",
            ),
            "resourceType",
            "WORKSPACES",
        ),
        "generic resource `r` (microsoft.machinelearningservices/WORKSPACES): "
        'publicNetworkAccess is "Enabled"; must be "Disabled".',
        label="generic case-insensitive type",
    ),
    bad(
        "ws-public-network",
        pb.GENERIC,
        changed(pb.GENERIC_WORKSPACE, "properties.publicNetworkAccess", secret("Enabled")),
        GEN_WS + 'publicNetworkAccess is "Enabled"; must be "Disabled".',
        label="generic secret",
    ),
    bad(
        "ws-hbi",
        pb.GENERIC,
        changed(pb.GENERIC_WORKSPACE, "properties", UNKNOWN),
        UNVERIFIED.format("Azure Machine Learning workspaces must be high business impact workspaces"),
        label="generic unknown body",
    ),
    bad(
        "ws-hbi",
        pb.GENERIC,
        changed(pb.GENERIC_WORKSPACE, "properties.hbiWorkspace", UNKNOWN),
        GEN_WS + UNKNOWN_MSG.format("hbiWorkspace"),
        label="generic unknown setting",
    ),
    ok("compute-public-ip", pb.GENERIC, pb.GENERIC_COMPUTE, "generic child"),
    bad(
        "compute-public-ip",
        pb.GENERIC,
        changed(pb.GENERIC_COMPUTE, "properties.properties.enableNodePublicIp", True),
        "generic resource `r` (Microsoft.MachineLearningServices/workspaces/computes): "
        "properties.properties.enableNodePublicIp is true; must be false.",
        label="generic child",
    ),
    ok("storage-transport", pb.GENERIC, pb.GENERIC_STORAGE, "generic ARM names"),
    bad(
        "storage-transport",
        pb.GENERIC,
        changed(pb.GENERIC_STORAGE, "properties.supportsHttpsTrafficOnly", False),
        "generic resource `r` (Microsoft.Storage/storageAccounts): enableHttpsTrafficOnly is false; must be "
        "true. (ARM property supportsHttpsTrafficOnly)",
        label="generic ARM names",
    ),
    bad(
        "keyvault-recovery",
        pb.GENERIC,
        changed(pb.GENERIC_VAULT, "properties.enablePurgeProtection", False),
        "generic resource `r` (Microsoft.KeyVault/vaults): properties.enablePurgeProtection is false; must be true.",
        label="generic",
    ),
    ok(
        "ws-public-network",
        pb.GENERIC,
        pb.generic("Microsoft.Web", "sites", {"properties": {"publicNetworkAccess": "Enabled"}}),
        "ungoverned type",
    ),
    ok("arm-template-inspectable", pb.GENERIC, pb.GENERIC_WORKSPACE, "generic"),
    bad(
        "arm-template-inspectable",
        pb.GENERIC,
        changed(pb.GENERIC_WORKSPACE, "resourceType", UNKNOWN),
        "generic resource `r`: resourceType must be known at preview; its type decides which controls apply.",
        label="generic unknown type",
    ),
    # -- ARM template deployments -------------------------------------------------------------------
    ok("storage-public", pb.DEPLOYMENT, D, "template"),
    bad(
        "storage-public",
        pb.DEPLOYMENT,
        changed(D, "properties.parameters", {}),
        ARM_ST + "allowBlobPublicAccess is true; must be false. (template parameter allowBlobPublic = true)",
        label="template default value",
    ),
    bad(
        "storage-public",
        pb.DEPLOYMENT,
        pb.deployment(allowBlobPublic=True),
        ARM_ST + "allowBlobPublicAccess is true; must be false. (template parameter allowBlobPublic = true)",
        label="deployment parameter",
    ),
    bad(
        "storage-public",
        pb.DEPLOYMENT,
        pb.deployment(allowBlobPublic=secret(True)),
        ARM_ST + "allowBlobPublicAccess is true; must be false. (template parameter allowBlobPublic = true)",
        label="secret parameter",
    ),
    bad(
        "storage-public",
        pb.DEPLOYMENT,
        changed(D, "properties.parameters.allowBlobPublic", KV_REF),
        ARM_ST
        + UNKNOWN_MSG.format("allowBlobPublicAccess")
        + " (template parameter allowBlobPublic unknown at preview)",
        label="key vault reference parameter",
    ),
    bad(
        "storage-public",
        pb.DEPLOYMENT,
        changed(D, "properties.parameters", UNKNOWN),
        ARM
        + "Microsoft.Storage/storageAccounts `[parameters('storageName')]`: "
        + UNKNOWN_MSG.format("allowBlobPublicAccess")
        + " (template parameter allowBlobPublic unknown at preview)",
        label="unknown parameters",
    ),
    bad(
        "storage-transport",
        pb.DEPLOYMENT,
        changed(D, ST + ".properties.minimumTlsVersion", "[variables('tls')]"),
        ARM_ST + UNKNOWN_MSG.format("minimumTlsVersion") + " (template expression \"[variables('tls')]\")",
        label="expression in a setting",
    ),
    bad(
        "storage-transport",
        pb.DEPLOYMENT,
        changed(D, ST + ".properties.minimumTlsVersion", "[[TLS1_2]"),
        ARM_ST + 'minimumTlsVersion is "[TLS1_2]"; must be "TLS1_2" or later.',
        label="escaped bracket is a literal, not an expression",
    ),
    bad(
        "storage-cmk",
        pb.DEPLOYMENT,
        changed(D, ST + ".properties", "[variables('storageProperties')]"),
        ARM_ST
        + "properties must be known at preview (it is computed from another resource's output); without it "
        "this control cannot be verified (Storage accounts must encrypt data with a customer-managed key).",
        label="whole body from an expression",
    ),
    bad(
        "storage-transport",
        pb.DEPLOYMENT,
        changed(D, ST + ".properties.supportsHttpsTrafficOnly", False),
        ARM_ST + "enableHttpsTrafficOnly is false; must be true. (ARM property supportsHttpsTrafficOnly)",
        label="ARM name",
    ),
    bad(
        "ws-hbi",
        pb.DEPLOYMENT,
        changed(D, WS + ".properties.hbiWorkspace", False),
        ARM_WS + "hbiWorkspace is false; must be true.",
        label="template",
    ),
    ok(
        "ws-cmk",
        pb.DEPLOYMENT,
        changed(
            D,
            WS + ".properties.encryption.keyVaultProperties.keyIdentifier",
            "[reference(resourceId('Microsoft.KeyVault/vaults/keys', 'kv', 'cmk')).keyUriWithVersion]",
        ),
        "expression in a reference",
    ),
    bad(
        "compute-public-ip",
        pb.DEPLOYMENT,
        changed(D, CI + ".properties.properties.enableNodePublicIp", True),
        ARM
        + "Microsoft.MachineLearningServices/workspaces/computes `mlw-arm/ci-arm`: "
        + "properties.properties.enableNodePublicIp is true; must be false.",
        label="child resource",
    ),
    ok("keyvault-recovery", pb.DEPLOYMENT, D, "nested inner scope"),
    bad(
        "keyvault-recovery",
        pb.DEPLOYMENT,
        changed(D, NEST + ".properties.parameters.purge.value", False),
        ARM_KV
        + "properties.enablePurgeProtection is false; must be true. (template parameter purge = false)",
        label="nested deployment",
    ),
    bad(
        "keyvault-recovery",
        pb.DEPLOYMENT,
        changed(D, NEST + ".properties.parameters", {}),
        ARM_KV
        + "properties.enablePurgeProtection is false; must be true. (template parameter purge = false)",
        label="nested default value",
    ),
    bad(
        "nsg-management-ports",
        pb.DEPLOYMENT,
        changed(D, NSG + ".properties.securityRules.0.properties.sourceAddressPrefix", "*"),
        ARM
        + 'Microsoft.Network/networkSecurityGroups `nsg-arm`: securityRules[0] ("AllowBastionSsh") allows '
        + 'inbound traffic from "*" to port 22 (SSH)'
        + SSH,
        label="template",
    ),
    ok("rbac-privileged-roles", pb.DEPLOYMENT, D, "template"),
    bad(
        "rbac-privileged-roles",
        pb.DEPLOYMENT,
        changed(
            D,
            ROLE + ".properties.roleDefinitionId",
            "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
            "'8e3af657-a8ff-443c-a75c-2fe8c4bcb635')]",
        ),
        ARM_ROLE
        + OWNER
        + " (template expression \"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
        "'8e3af657...)",
        label="role from subscriptionResourceId",
    ),
    bad(
        "rbac-privileged-roles",
        pb.DEPLOYMENT_AT_SUBSCRIPTION,
        changed(changed(D, ROLE + ".scope", DELETE), "resourceGroupName", DELETE),
        ARM_ROLE
        + 'scope is "/subscriptions/{deployment subscription}" (subscription); Contributor must be scoped to '
        "a resource group or a single resource.",
        label="subscription-scope deployment",
    ),
    ok(
        "rbac-privileged-roles",
        pb.DEPLOYMENT_AT_SUBSCRIPTION,
        pb.deployment(
            {
                "resources": [
                    {
                        "type": "Microsoft.Resources/deployments",
                        "apiVersion": "2022-09-01",
                        "name": "rg-roles",
                        "resourceGroup": "rg-aml",
                        "properties": {
                            "mode": "Incremental",
                            "template": {
                                "resources": [changed(pb.template()["resources"][4], "scope", DELETE)]
                            },
                        },
                    }
                ]
            }
        ),
        "nested deployment into a resource group",
    ),
    ok(
        "storage-public",
        pb.DEPLOYMENT,
        changed(changed(D, ST + ".properties.allowBlobPublicAccess", True), ST + ".condition", False),
        "condition false: not deployed",
    ),
    ok(
        "storage-public",
        pb.DEPLOYMENT,
        changed(changed(D, ST + ".properties.allowBlobPublicAccess", True), ST + ".existing", True),
        "existing: not deployed",
    ),
    bad(
        "storage-public",
        pb.DEPLOYMENT,
        symbolic({"st": PUBLIC_STORAGE}),
        ARM_ST + "allowBlobPublicAccess is true; must be false.",
        label="symbolic-name resources",
    ),
    bad(
        "storage-public",
        pb.DEPLOYMENT_STACK,
        stack_template(changed(pb.template(), "resources.0", PUBLIC_STORAGE)),
        "in ARM deployment stack `r`, Microsoft.Storage/storageAccounts `starm`: "
        "allowBlobPublicAccess is true; must be false.",
        label="deployment stack",
    ),
    ok("arm-template-inspectable", pb.DEPLOYMENT, D, "inline"),
    ok("arm-template-inspectable", pb.DEPLOYMENT_STACK, stack_template(pb.template()), "stack inline"),
    bad(
        "arm-template-inspectable",
        pb.DEPLOYMENT,
        changed(
            changed(D, "properties.template", DELETE),
            "properties.templateLink",
            {"uri": "https://example.com/azuredeploy.json"},
        ),
        ARM[:-2] + ': templateLink (a linked template, "https://example.com/azuredeploy.json") ' + LINK,
        label="linked template",
    ),
    bad(
        "arm-template-inspectable",
        pb.DEPLOYMENT,
        changed(changed(D, "properties.template", DELETE), "properties.templateLink", {"id": UNKNOWN}),
        ARM[:-2] + ": templateLink (a template spec, unknown at preview) " + LINK,
        label="template spec",
    ),
    bad(
        "arm-template-inspectable",
        pb.DEPLOYMENT,
        changed(D, "properties.template", UNKNOWN),
        ARM[:-2] + ": properties.template must be known at preview (it is computed from another resource's "
        "output); the resources in it cannot be judged.",
        label="unknown template",
    ),
    bad(
        "arm-template-inspectable",
        pb.DEPLOYMENT,
        changed(D, "properties.template", DELETE),
        ARM[:-2] + ": no properties.template; put the template inline so its resources are judged.",
        label="no template",
    ),
    bad(
        "arm-template-inspectable",
        pb.DEPLOYMENT,
        changed(
            changed(D, NEST + ".properties.template", DELETE),
            NEST + ".properties.templateLink",
            {"uri": "https://example.com/nested.json"},
        ),
        ARM
        + 'nested deployment `vault-deployment`: templateLink (a linked template, "https://example.com/nested.json") '
        + LINK,
        label="nested linked template",
    ),
    bad(
        "arm-template-inspectable",
        pb.DEPLOYMENT,
        changed(D, ST + ".type", "[parameters('kind')]"),
        ARM
        + 'resource "starm": type is "[parameters(\'kind\')]"; it must be a literal so the resource can be judged.',
        label="resource type from an expression",
    ),
    bad(
        "ws-outbound-rules",
        pb.DEPLOYMENT,
        changed(
            D,
            WS + ".resources.0",
            {
                "type": "outboundRules",
                "apiVersion": "2024-04-01",
                "name": "everything",
                "properties": {"type": "FQDN", "destination": "*.*", "category": "UserDefined"},
            },
        ),
        ARM
        + "Microsoft.MachineLearningServices/workspaces/outboundRules `mlw-arm/everything`: "
        + 'properties.destination is "*.*"; a FQDN rule must not open the internet (it matches every host name).',
        label="child outbound rule",
    ),
    # -- classic provider (pulumi-azure) ------------------------------------------------------------
    ok("ws-public-network", pb.C_WORKSPACE, pb.C_WORKSPACE_OK, "classic"),
    bad(
        "ws-public-network",
        pb.C_WORKSPACE,
        changed(pb.C_WORKSPACE_OK, "publicNetworkAccessEnabled", DELETE),
        C_WS
        + 'publicNetworkAccess is "Enabled"; must be "Disabled". '
        + DEFAULT.format("publicNetworkAccessEnabled", "true"),
        label="classic default",
    ),
    bad(
        "ws-public-network",
        pb.C_WORKSPACE,
        changed(pb.C_WORKSPACE_OK, "publicNetworkAccessEnabled", UNKNOWN),
        C_WS + UNKNOWN_MSG.format("publicNetworkAccess") + " (classic argument publicNetworkAccessEnabled)",
        label="classic unknown",
    ),
    bad(
        "ws-datastore-auth",
        pb.C_WORKSPACE,
        changed(pb.C_WORKSPACE_OK, "storageAccountAccessType", DELETE),
        C_WS
        + 'systemDatastoresAuthMode is "AccessKey"; must be "identity". '
        + DEFAULT.format("storageAccountAccessType", '"AccessKey"'),
        label="classic default",
    ),
    bad(
        "ws-cmk",
        pb.C_WORKSPACE,
        changed(pb.C_WORKSPACE_OK, "encryption", DELETE),
        C_WS
        + "encryption.status is not set; Azure's default is Disabled (Microsoft-managed keys), set it to "
        '"Enabled". (classic argument encryption)',
        C_WS + "encryption.keyVaultProperties.keyVaultArmId is not set; a customer-managed key needs the key "
        "vault and the key. (classic argument encryption.keyVaultId)",
        C_WS + "encryption.keyVaultProperties.keyIdentifier is not set; a customer-managed key needs the key "
        "vault and the key. (classic argument encryption.keyId)",
        label="classic",
    ),
    bad(
        "ws-identity",
        pb.C_WORKSPACE,
        changed(pb.C_WORKSPACE_OK, "identity.type", "SystemAssigned"),
        C_WS + 'identity.type is "SystemAssigned"; must include "UserAssigned".',
        label="classic",
    ),
    ok(
        "ws-outbound-rules",
        C_FQDN_RULE,
        {"workspaceId": WS_ID, "destinationFqdn": "pypi.org"},
        "classic rule",
    ),
    bad(
        "ws-outbound-rules",
        C_FQDN_RULE,
        {"workspaceId": WS_ID, "destinationFqdn": "*.com"},
        f'classic provider {C_FQDN_RULE} `r`: properties.destination is "*.com"; a FQDN rule must not open the '
        'internet (it matches every host under the top-level domain "com"). (classic argument destinationFqdn = "*.com")',
        label="classic FQDN rule",
    ),
    bad(
        "ws-outbound-rules",
        C_TAG_RULE,
        {"workspaceId": WS_ID, "serviceTag": "Internet", "protocol": "TCP", "portRanges": "443"},
        f'classic provider {C_TAG_RULE} `r`: properties.destination.serviceTag is "Internet"; a service tag rule '
        'must not open the internet. (classic argument serviceTag = "Internet")',
        label="classic service tag rule",
    ),
    ok("compute-public-ip", pb.C_INSTANCE, pb.C_INSTANCE_OK, "classic instance"),
    bad(
        "compute-public-ip",
        pb.C_INSTANCE,
        changed(pb.C_INSTANCE_OK, "nodePublicIpEnabled", DELETE),
        C_CI
        + "properties.properties.enableNodePublicIp is true; must be false. "
        + DEFAULT.format("nodePublicIpEnabled", "true"),
        label="classic default",
    ),
    ok("compute-ssh", pb.C_INSTANCE, pb.C_INSTANCE_OK, "classic no ssh block"),
    bad(
        "compute-ssh",
        pb.C_INSTANCE,
        changed(pb.C_INSTANCE_OK, "ssh", {"publicKey": "ssh-rsa AAAA"}),
        C_CI + 'properties.properties.sshSettings.sshPublicAccess is "Enabled"; must be "Disabled". '
        '(classic argument ssh = {"publicKey": "ssh-rsa AAAA"})',
        label="classic ssh block",
    ),
    bad(
        "compute-instance-personal",
        pb.C_INSTANCE,
        pb.C_INSTANCE_OK,
        C_CI
        + "properties.properties.applicationSharingPolicy is not set; Azure's default is Shared, set it to "
        '"Personal". ' + CANNOT.format("applicationSharingPolicy"),
        label="classic cannot express",
    ),
    bad(
        "compute-idle-shutdown",
        pb.C_INSTANCE,
        pb.C_INSTANCE_OK,
        C_CI
        + "properties.properties.idleTimeBeforeShutdown is not set; the instance never shuts down when idle, "
        'set an ISO 8601 duration of at most 240 minutes (e.g. "PT60M"). '
        + CANNOT.format("idleTimeBeforeShutdown"),
        label="classic cannot express",
    ),
    bad(
        "compute-local-auth",
        pb.C_CLUSTER,
        changed(pb.C_CLUSTER_OK, "localAuthEnabled", DELETE),
        C_CC
        + "properties.disableLocalAuth is false; must be true. "
        + DEFAULT.format("localAuthEnabled", "true"),
        label="classic default",
    ),
    bad(
        "compute-ssh",
        pb.C_CLUSTER,
        changed(pb.C_CLUSTER_OK, "sshPublicAccessEnabled", True),
        C_CC + 'properties.properties.remoteLoginPortPublicAccess is "Enabled"; must be "Disabled". '
        "(classic argument sshPublicAccessEnabled = true)",
        label="classic",
    ),
    bad(
        "compute-local-accounts",
        pb.C_CLUSTER,
        changed(pb.C_CLUSTER_OK, "ssh", {"adminUsername": "azureuser", "adminPassword": secret("pw")}),
        C_CC
        + "properties.properties.userAccountCredentials is set; clusters must not have a local admin account, "
        'remove it (credentials are not shown). (classic argument ssh = {"adminPassword": "pw", "adminUsername": "azureuser"})',
        label="classic",
    ),
    bad(
        "storage-shared-key",
        pb.C_STORAGE,
        changed(pb.C_STORAGE_OK, "sharedAccessKeyEnabled", DELETE),
        C_ST
        + "allowSharedKeyAccess is true; must be false. "
        + DEFAULT.format("sharedAccessKeyEnabled", "true"),
        label="classic default",
    ),
    bad(
        "storage-shared-key",
        pb.C_STORAGE,
        changed(pb.C_STORAGE_OK, "sharedAccessKeyEnabled", secret(True)),
        C_ST
        + "allowSharedKeyAccess is true; must be false. (classic argument sharedAccessKeyEnabled = true)",
        label="classic secret",
    ),
    bad(
        "storage-public",
        pb.C_STORAGE,
        changed(changed(pb.C_STORAGE_OK, "publicNetworkAccessEnabled", True), "networkRules", DELETE),
        C_ST
        + 'publicNetworkAccess is "Enabled" and networkRuleSet.defaultAction is not set (Azure\'s defaults '
        'are Enabled and Allow); set publicNetworkAccess to "Disabled" or networkRuleSet.defaultAction to '
        '"Deny". (classic argument publicNetworkAccessEnabled = true) (classic argument networkRules.defaultAction)',
        label="classic",
    ),
    bad(
        "storage-transport",
        pb.C_STORAGE,
        changed(pb.C_STORAGE_OK, "minTlsVersion", "TLS1_0"),
        C_ST
        + 'minimumTlsVersion is "TLS1_0"; must be "TLS1_2" or later. (classic argument minTlsVersion = "TLS1_0")',
        label="classic",
    ),
    ok(
        "storage-transport",
        pb.C_STORAGE,
        changed(pb.C_STORAGE_OK, "minTlsVersion", DELETE),
        "classic default TLS1_2",
    ),
    bad(
        "storage-cmk",
        pb.C_STORAGE,
        changed(pb.C_STORAGE_OK, "customerManagedKey", DELETE),
        C_ST + "encryption.keySource is not set; Azure's default is Microsoft.Storage, set it to "
        '"Microsoft.Keyvault". (classic argument customerManagedKey)',
        label="classic",
    ),
    bad(
        "storage-cross-tenant",
        pb.C_STORAGE,
        changed(pb.C_STORAGE_OK, "crossTenantReplicationEnabled", True),
        C_ST
        + "allowCrossTenantReplication is true; must be false. (classic argument crossTenantReplicationEnabled = true)",
        label="classic",
    ),
    bad(
        "keyvault-rbac",
        pb.C_VAULT,
        changed(pb.C_VAULT_OK, "rbacAuthorizationEnabled", DELETE),
        C_KV
        + "properties.enableRbacAuthorization is false; must be true. "
        + DEFAULT.format("rbacAuthorizationEnabled", "false"),
        label="classic default",
    ),
    bad(
        "keyvault-recovery",
        pb.C_VAULT,
        changed(pb.C_VAULT_OK, "purgeProtectionEnabled", DELETE),
        C_KV + "properties.enablePurgeProtection is not set; Azure's default is false, set it to true. "
        "(classic argument purgeProtectionEnabled)",
        label="classic",
    ),
    bad(
        "keyvault-network",
        pb.C_VAULT,
        changed(
            changed(pb.C_VAULT_OK, "publicNetworkAccessEnabled", DELETE), "networkAcls.defaultAction", "Allow"
        ),
        C_KV
        + 'properties.publicNetworkAccess is "Enabled" and properties.networkAcls.defaultAction is "Allow" '
        '(Azure\'s defaults are Enabled and Allow); set properties.publicNetworkAccess to "Disabled" or '
        'properties.networkAcls.defaultAction to "Deny". '
        + DEFAULT.format("publicNetworkAccessEnabled", "true")
        + ' (classic argument networkAcls.defaultAction = "Allow")',
        label="classic default",
    ),
    bad(
        "acr-auth",
        pb.C_ACR,
        changed(pb.C_ACR_OK, "adminEnabled", True),
        C_ACR + "adminUserEnabled is true; must be false. (classic argument adminEnabled = true)",
        label="classic",
    ),
    bad(
        "acr-network",
        pb.C_ACR,
        changed(pb.C_ACR_OK, "exportPolicyEnabled", DELETE),
        C_ACR
        + 'policies.exportPolicy.status is "enabled"; must be "disabled". '
        + DEFAULT.format("exportPolicyEnabled", "true"),
        label="classic default",
    ),
    bad(
        "acr-cmk",
        pb.C_ACR,
        changed(pb.C_ACR_OK, "encryption", DELETE),
        C_ACR + 'encryption.status is not set; Azure\'s default is disabled, set it to "enabled". '
        "(classic argument encryption)",
        label="classic",
    ),
    ok("rbac-privileged-roles", pb.C_ASSIGNMENT, pb.C_ASSIGNMENT_OK, "classic Contributor by name"),
    bad(
        "rbac-privileged-roles",
        pb.C_ASSIGNMENT,
        changed(pb.C_ASSIGNMENT_OK, "roleDefinitionName", "Owner"),
        C_RA + OWNER + ' (classic argument roleDefinitionName = "Owner")',
        label="classic role by name",
    ),
    bad(
        "rbac-privileged-roles",
        pb.C_ASSIGNMENT,
        changed(pb.C_ASSIGNMENT_OK, "roleDefinitionName", "user access  administrator"),
        C_RA + UAA + ' (classic argument roleDefinitionName = "user access  administrator")',
        label="classic role name case and spacing",
    ),
    bad(
        "rbac-privileged-roles",
        pb.C_ASSIGNMENT,
        changed(
            changed(pb.C_ASSIGNMENT_OK, "roleDefinitionName", DELETE),
            "roleDefinitionId",
            f"{b.SUB}/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        ),
        C_RA + UAA,
        label="classic role by ID",
    ),
    bad(
        "rbac-privileged-roles",
        pb.C_ASSIGNMENT,
        changed(pb.C_ASSIGNMENT_OK, "principalType", "User"),
        C_RA + 'principalType is "User"; Contributor may only be assigned to service principals (managed '
        'identities, the CI identity): set principalType "ServicePrincipal".',
        label="classic Contributor to a user",
    ),
    ok("nsg-management-ports", pb.C_RULE, pb.C_RULE_OK, "classic rule"),
    bad(
        "nsg-management-ports",
        pb.C_RULE,
        changed(pb.C_RULE_OK, "sourceAddressPrefix", "*"),
        "classic provider azure:network/networkSecurityRule:NetworkSecurityRule `r`: the rule allows inbound "
        'traffic from "*" to port 22 (SSH)' + SSH,
        label="classic rule",
    ),
    bad(
        "nsg-management-ports",
        pb.C_NSG,
        changed(pb.C_NSG_OK, "securityRules.0.sourceAddressPrefix", "Internet"),
        "classic provider azure:network/networkSecurityGroup:NetworkSecurityGroup `r`: securityRules[0] "
        '("AllowBastionSsh") allows inbound traffic from "Internet" to port 22 (SSH)' + SSH,
        label="classic inline rules",
    ),
]


def _case_id(case: Case) -> str:
    return f"{case.policy}:{'fail' if case.expect else 'pass'}:{case.label or '-'}"


@pytest.mark.parametrize("case", PATH_CASES, ids=[_case_id(c) for c in PATH_CASES])
def test_path_case(pack: PolicyPackProcess, case: Case) -> None:
    """The same rule id judges the resource on this path, with exact messages naming the path."""
    config = {case.policy: case.config} if case.config else None
    violations = analyze(pack, res(case.type, "r", case.props), config)
    mine = [v for v in violations if v.policy == case.policy]
    assert sorted(body(v) for v in mine) == sorted(case.expect)
    level = "advisory" if case.policy in ADVISORY else "mandatory"
    assert all(v.level == level for v in mine)
    assert not [v for v in violations if "could not evaluate" in v.message or "can't run policy" in v.message]


def test_path_baselines_pass_every_policy(pack: PolicyPackProcess) -> None:
    """Each compliant resource on each path draws no violation at all, advisory included."""
    resources = [res(t, name.replace(" ", "-"), props) for name, (t, props) in PATH_BASELINES.items()]
    violations = pack.analyze_many(resources)
    assert [(v.urn.rsplit("::", 1)[-1], v.policy, body(v)) for v in violations] == []


def test_classic_instance_fails_only_what_it_cannot_express(pack: PolicyPackProcess) -> None:
    """A classic compute instance with every argument set securely fails exactly the two controls the
    classic provider cannot express, each pointing to the azure-native resource."""
    violations = pack.analyze(res(pb.C_INSTANCE, "ci", pb.C_INSTANCE_OK))
    assert sorted(v.policy for v in violations) == ["compute-idle-shutdown", "compute-instance-personal"]
    assert all(
        "declare this resource with azure-native:machinelearningservices:Compute" in v.message
        for v in violations
    )


def test_exempt_inner_resource_by_deployment_and_name(pack: PolicyPackProcess) -> None:
    """`exemptResources` names an inner resource as `<deployment>/<inner name>` (or the deployment)."""
    props = changed(D, ST + ".properties.allowBlobPublicAccess", True)
    for exempt in (["r/starm"], ["r"]):
        config = {"storage-public": {"exemptResources": exempt}}
        assert [
            v for v in analyze(pack, res(pb.DEPLOYMENT, "r", props), config) if v.policy == "storage-public"
        ] == []


# -- the classic maps against the provider's recorded arguments -------------------------------------

RECORD = json.loads((Path(__file__).parent / "fixtures" / "classic_args.json").read_text())


def test_classic_maps_use_the_providers_argument_names_and_defaults() -> None:
    """Every mapped argument exists in pulumi-azure's schema, and every default the pack assumes is the one
    the provider documents (and no documented default of a mapped argument is missed)."""
    from aml_security.classic import CLASSIC

    assert RECORD["package"] == "pulumi_azure-6.40.1"
    for token, spec in CLASSIC.items():
        args = RECORD["types"][token]
        for arg in spec.args:
            assert arg.classic in args, (token, arg.classic)
            documented = args[arg.classic]["default"]
            assumed = None if arg.default.__class__.__name__ == "_Marker" else arg.default
            assert assumed == documented, (token, arg.classic, assumed, documented)
    assert "roleDefinitionName" in RECORD["types"]["azure:authorization/assignment:Assignment"]


def test_classic_inputs_in_these_tests_are_the_providers_arguments() -> None:
    """The classic inputs sent in these tests use only argument names of the recorded schema."""
    from .path_baselines import C_INSTANCE_OK

    samples = [
        *(v for v in PATH_BASELINES.values() if v[0].startswith("azure:")),
        (pb.C_INSTANCE, C_INSTANCE_OK),
    ]
    for token, props in samples:
        names = RECORD["types"][token]
        for key, value in props.items():
            assert key in names, (token, key)
            if isinstance(value, dict) and key != "tags":
                assert all(f"{key}.{k}" in names for k in value), (token, key)


def test_what_the_classic_provider_cannot_express_is_absent_from_its_schema() -> None:
    """The controls reported as inexpressible really have no argument in the classic schema."""
    from aml_security.classic import CLASSIC

    for token, spec in CLASSIC.items():
        names = {n.rsplit(".", 1)[-1].casefold() for n in RECORD["types"][token]}
        for _, argument in spec.cannot:
            assert argument.casefold() not in names, (token, argument)


# -- stack rules see generic and classic resources --------------------------------------------------


def test_private_endpoint_covers_a_generic_storage_account(pack: PolicyPackProcess) -> None:
    """A typed private endpoint whose connections depend on a generic storage account covers it."""
    st = res(pb.GENERIC, "st", pb.GENERIC_STORAGE)
    pes = [
        res(
            PRIVATE_ENDPOINT,
            f"pe-{g}",
            {"privateLinkServiceConnections": [{"privateLinkServiceId": UNKNOWN, "groupIds": [g]}]},
            {"privateLinkServiceConnections": [st.urn]},
        )
        for g in ("blob", "file")
    ]
    mine = [v for v in pack.analyze_stack([st, *pes]) if v.policy == "private-endpoints"]
    assert mine == []
    mine = [v for v in pack.analyze_stack([st, pes[0]]) if v.policy == "private-endpoints"]
    assert [body(v) for v in mine] == [
        'storage account "st" has no private endpoint for group ID "file" (a network:PrivateEndpoint whose '
        'privateLinkServiceConnections reference it with groupIds ["file"]).'
    ]
    assert mine[0].urn == urn(pb.GENERIC, "st")


def test_private_dns_sees_a_classic_workspace(pack: PolicyPackProcess) -> None:
    """A classic workspace needs the Azure ML private DNS zones like a typed one."""
    ws = res(pb.C_WORKSPACE, "mlw", pb.C_WORKSPACE_OK)
    zone = res(PRIVATE_ZONE, "z1", {"privateZoneName": "privatelink.api.azureml.ms"})
    mine = [body(v) for v in pack.analyze_stack([ws, zone]) if v.policy == "private-dns"]
    assert mine == [
        'workspace "mlw" needs private DNS zone "privatelink.notebooks.azure.net": create privatedns:PrivateZone '
        "resources with these names, or list them in centralDnsZones when DNS is managed centrally."
    ]


def test_stack_rules_survive_every_path(pack: PolicyPackProcess) -> None:
    """Every path baseline and the unreadable variants in one AnalyzeStack: no rule fails to evaluate."""
    resources = [res(t, n.replace(" ", "-"), p) for n, (t, p) in PATH_BASELINES.items()]
    resources += [res(c.type, f"case-{i}", c.props) for i, c in enumerate(PATH_CASES)]
    violations = pack.analyze_stack(resources)
    assert not [v for v in violations if "could not evaluate" in v.message or "can't run policy" in v.message]


C_PE = "azure:privatelink/endpoint:Endpoint"
C_DIAG = "azure:monitoring/diagnosticSetting:DiagnosticSetting"
C_ZONE = "azure:privatedns/zone:Zone"


def _classic_pe(name: str, target: str, group: str) -> Any:
    return res(
        C_PE,
        name,
        {
            "resourceGroupName": "rg-aml",
            "subnetId": b.SUBNET_ID,
            "privateServiceConnection": {
                "name": name,
                "isManualConnection": False,
                "privateConnectionResourceId": UNKNOWN,
                "subresourceNames": [group],
            },
        },
        {"privateServiceConnection": [target]},
    )


def test_stack_rules_correlate_a_classic_stack(pack: PolicyPackProcess) -> None:
    """Classic private endpoints, diagnostic settings and DNS zones answer the stack rules for classic
    resources, through their property dependencies (IDs unknown, as on a first preview)."""
    st = res(pb.C_STORAGE, "st", pb.C_STORAGE_OK)
    diag = res(
        C_DIAG,
        "st-diag",
        {
            "targetResourceId": UNKNOWN,
            "logAnalyticsWorkspaceId": b.LAW_ID,
            "enabledLogs": [{"categoryGroup": "allLogs"}],
        },
        {"targetResourceId": [st.urn]},
    )
    stack = [st, _classic_pe("pe-blob", st.urn, "blob"), _classic_pe("pe-file", st.urn, "file"), diag]
    policies = ("private-endpoints", "diagnostics")
    assert [body(v) for v in pack.analyze_stack(stack) if v.policy in policies] == []
    found = sorted(body(v) for v in pack.analyze_stack(stack[:2]) if v.policy in policies)
    assert found == [
        'storage account "st" has no diagnostic setting (a monitor:DiagnosticSetting whose resourceUri '
        "references its blob service) sending allLogs or audit logs to a Log Analytics workspace.",
        'storage account "st" has no private endpoint for group ID "file" (a network:PrivateEndpoint whose '
        'privateLinkServiceConnections reference it with groupIds ["file"]).',
    ]
    ws = res(pb.C_WORKSPACE, "mlw", pb.C_WORKSPACE_OK)
    zones = [
        res(C_ZONE, f"z{i}", {"resourceGroupName": "rg-aml", "name": z})
        for i, z in enumerate(("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"))
    ]
    assert [v for v in pack.analyze_stack([ws, *zones]) if v.policy == "private-dns"] == []


def test_classic_stack_types_read_the_providers_nested_names() -> None:
    """The nested arguments the stack maps read exist in the recorded schema."""
    types = RECORD["types"]
    for name in ("privateConnectionResourceId", "subresourceNames"):
        assert f"privateServiceConnection.{name}" in types[C_PE]
    for name in ("category", "categoryGroup"):
        assert f"enabledLogs.{name}" in types[C_DIAG]


MALFORMED: list[tuple[str, dict[str, Any]]] = [
    (pb.GENERIC, {"resourceProviderNamespace": 5, "resourceType": ["workspaces"]}),
    (
        pb.GENERIC,
        {"resourceProviderNamespace": pb.ML_NS, "resourceType": "workspaces", "parentResourcePath": 3},
    ),
    (pb.GENERIC, changed(pb.GENERIC_WORKSPACE, "properties", ["not", "an", "object"])),
    (pb.GENERIC, changed(pb.GENERIC_COMPUTE, "parentResourcePath", "workspaces")),
    (pb.DEPLOYMENT, {"properties": "template"}),
    (pb.DEPLOYMENT, changed(D, "properties.template", ["resources"])),
    (pb.DEPLOYMENT, changed(D, "properties.template.resources", "everything")),
    (
        pb.DEPLOYMENT,
        changed(D, "properties.template.resources", [None, 3, "x", [], {"type": 7}, {"name": {}}]),
    ),
    (pb.DEPLOYMENT, changed(D, "properties.template.parameters", ["allowBlobPublic"])),
    (pb.DEPLOYMENT, changed(D, "properties.parameters", ["allowBlobPublic"])),
    (pb.DEPLOYMENT, changed(D, "properties.parameters.allowBlobPublic", "true")),
    (pb.DEPLOYMENT, changed(D, "properties.templateLink", "https://example.com/t.json")),
    (pb.DEPLOYMENT, changed(D, NEST + ".properties", "inline")),
    (pb.DEPLOYMENT, changed(D, NEST + ".properties.template", UNKNOWN)),
    (pb.DEPLOYMENT, changed(D, NEST + ".properties.expressionEvaluationOptions", UNKNOWN)),
    (pb.DEPLOYMENT, changed(D, WS + ".resources", {"computes": UNKNOWN})),
    (pb.DEPLOYMENT, changed(D, WS + ".resources.0", UNKNOWN)),
    (pb.DEPLOYMENT, changed(D, ST + ".properties.minimumTlsVersion", "[parameters('nope')]")),
    (pb.DEPLOYMENT, changed(D, ROLE + ".properties.roleDefinitionId", "[resourceId(')]")),
    (pb.DEPLOYMENT, changed(D, ST + ".name", "[[")),
    (pb.DEPLOYMENT_STACK, {"template": UNKNOWN, "templateLink": None}),
    (pb.C_WORKSPACE, changed(pb.C_WORKSPACE_OK, "encryption", "on")),
    (pb.C_WORKSPACE, changed(pb.C_WORKSPACE_OK, "identity", UNKNOWN)),
    (pb.C_INSTANCE, changed(pb.C_INSTANCE_OK, "ssh", UNKNOWN)),
    (pb.C_STORAGE, changed(pb.C_STORAGE_OK, "networkRules", ["Deny"])),
    (pb.C_ASSIGNMENT, changed(pb.C_ASSIGNMENT_OK, "roleDefinitionName", UNKNOWN)),
    (pb.C_ASSIGNMENT, changed(pb.C_ASSIGNMENT_OK, "roleDefinitionName", 42)),
    (pb.C_NSG, changed(pb.C_NSG_OK, "securityRules", {"0": "allow all"})),
    ("azure:privatelink/endpoint:Endpoint", {"privateServiceConnection": ["x"]}),
    ("azure:monitoring/diagnosticSetting:DiagnosticSetting", {"enabledLogs": [None, "allLogs"]}),
    ("azure:core/resourceGroup:ResourceGroup", {"name": "rg"}),
]


def test_malformed_inputs_on_every_path_never_break_a_rule(pack: PolicyPackProcess) -> None:
    """Malformed, oddly typed or partly unknown inputs on each path yield violations or nothing: every
    call returns, no rule reports that it could not evaluate, in Analyze and in AnalyzeStack."""
    resources = [res(t, f"m{i}", p) for i, (t, p) in enumerate(MALFORMED)]
    violations = pack.analyze_many(resources) + pack.analyze_stack(resources)
    assert not [v for v in violations if "could not evaluate" in v.message or "can't run policy" in v.message]
    by_name = {v.urn.rsplit("::", 1)[-1] for v in violations if v.policy == "arm-template-inspectable"}
    assert {"m4", "m5", "m6", "m7", "m11", "m12", "m13", "m16", "m20"} <= by_name
