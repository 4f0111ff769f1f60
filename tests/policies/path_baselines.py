"""Compliant resources on every other path to a governed resource (pack README "Every path to a governed
resource"), built from the typed baselines so each path carries the same settings.

- generic `azure-native:resources:Resource` (ARM body in `properties`, input names from the SDK's
  `resources.Resource`: resourceProviderNamespace, resourceType, parentResourcePath, apiVersion, ...);
- ARM template deployments (`resources:Deployment` and scope variants: properties.template / parameters);
- the classic provider (`azure:` tokens, argument names recorded from pulumi-azure in
  fixtures/classic_args.json).
"""

from __future__ import annotations

import copy
from typing import Any

from . import baselines as b

GENERIC = "azure-native:resources:Resource"
DEPLOYMENT = "azure-native:resources:Deployment"
DEPLOYMENT_AT_SUBSCRIPTION = "azure-native:resources:DeploymentAtSubscriptionScope"
DEPLOYMENT_STACK = "azure-native:resources:DeploymentStackAtResourceGroup"
C_WORKSPACE = "azure:machinelearning/workspace:Workspace"
C_INSTANCE = "azure:machinelearning/computeInstance:ComputeInstance"
C_CLUSTER = "azure:machinelearning/computeCluster:ComputeCluster"
C_STORAGE = "azure:storage/account:Account"
C_VAULT = "azure:keyvault/keyVault:KeyVault"
C_ACR = "azure:containerservice/registry:Registry"
C_ASSIGNMENT = "azure:authorization/assignment:Assignment"
C_RULE = "azure:network/networkSecurityRule:NetworkSecurityRule"
C_NSG = "azure:network/networkSecurityGroup:NetworkSecurityGroup"

ML_NS = "Microsoft.MachineLearningServices"
TOP = ("location", "tags", "kind", "sku", "identity")
NOT_BODY = (*TOP, "resourceGroupName", "workspaceName", "vaultName", "keyName")


def arm_identity(identity: dict[str, Any]) -> dict[str, Any]:
    """ARM's identity shape: userAssignedIdentities is a map of IDs to objects."""
    out = dict(identity)
    if isinstance(out.get("userAssignedIdentities"), list):
        out["userAssignedIdentities"] = {i: {} for i in out["userAssignedIdentities"]}
    return out


def arm(native: dict[str, Any], *, flat: bool) -> dict[str, Any]:
    """An ARM resource body (top-level kind/sku/identity/location/tags, the rest in `properties`)."""
    out = {k: copy.deepcopy(native[k]) for k in TOP if k in native}
    if "identity" in out:
        out["identity"] = arm_identity(out["identity"])
    if flat:
        out["properties"] = {k: copy.deepcopy(v) for k, v in native.items() if k not in NOT_BODY}
    else:
        out["properties"] = copy.deepcopy(native.get("properties", {}))
    return out


def arm_storage() -> dict[str, Any]:
    """The storage baseline under ARM's names (supportsHttpsTrafficOnly, networkAcls, keyvaultproperties)."""
    body = arm(b.STORAGE, flat=True)
    p = body["properties"]
    p["supportsHttpsTrafficOnly"] = p.pop("enableHttpsTrafficOnly")
    p["networkAcls"] = p.pop("networkRuleSet")
    enc = p["encryption"]
    enc["keyvaultproperties"] = {
        "keyvaulturi": enc["keyVaultProperties"]["keyVaultUri"],
        "keyname": enc["keyVaultProperties"]["keyName"],
    }
    del enc["keyVaultProperties"]
    enc["identity"] = {
        "userAssignedIdentity": enc.pop("encryptionIdentity")["encryptionUserAssignedIdentity"]
    }
    return body


def generic(
    namespace: str, rtype: str, body: dict[str, Any], parent: str = "", name: str = "g"
) -> dict[str, Any]:
    """A generic resource's inputs."""
    out = {
        "resourceGroupName": "rg-aml",
        "resourceProviderNamespace": namespace,
        "resourceType": rtype,
        "parentResourcePath": parent,
        "apiVersion": "2024-04-01",
        "resourceName": name,
        **copy.deepcopy(body),
    }
    return out


GENERIC_WORKSPACE = generic(ML_NS, "workspaces", arm(b.WORKSPACE, flat=True), name="mlw-gen")
GENERIC_COMPUTE = generic(
    ML_NS, "computes", arm(b.COMPUTE_INSTANCE, flat=False), parent="workspaces/mlw-aml", name="ci-gen"
)
GENERIC_STORAGE = generic("Microsoft.Storage", "storageAccounts", arm_storage(), name="stgen")
GENERIC_VAULT = generic("Microsoft.KeyVault", "vaults", arm(b.VAULT, flat=False), name="kv-gen")


def template() -> dict[str, Any]:
    """A compliant template: resources as an array, a child compute nested under the workspace, a key
    vault in an inline nested deployment whose resources are a symbolic-name object (inner scope, with a
    parameter), a setting from a parameter, NSG and role assignment."""
    storage = {
        "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": "2023-05-01",
        "name": "[parameters('storageName')]",
        **arm_storage(),
    }
    storage["properties"]["allowBlobPublicAccess"] = "[parameters('allowBlobPublic')]"
    storage["location"] = "[resourceGroup().location]"
    workspace = {
        "type": "Microsoft.MachineLearningServices/workspaces",
        "apiVersion": "2024-04-01",
        "name": "mlw-arm",
        **arm(b.WORKSPACE, flat=True),
        "resources": [
            {
                "type": "computes",
                "apiVersion": "2024-04-01",
                "name": "ci-arm",
                "dependsOn": ["[resourceId('Microsoft.MachineLearningServices/workspaces', 'mlw-arm')]"],
                **arm(b.COMPUTE_INSTANCE, flat=False),
            }
        ],
    }
    vault = {
        "type": "Microsoft.KeyVault/vaults",
        "apiVersion": "2023-07-01",
        "name": "kv-arm",
        **arm(b.VAULT, flat=False),
    }
    vault["properties"]["enablePurgeProtection"] = "[parameters('purge')]"
    nested = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "vault-deployment",
        "properties": {
            "mode": "Incremental",
            "expressionEvaluationOptions": {"scope": "inner"},
            "parameters": {"purge": {"value": True}},
            "template": {
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "languageVersion": "2.0",
                "contentVersion": "1.0.0.0",
                "parameters": {"purge": {"type": "bool", "defaultValue": False}},
                "resources": {"vault": vault},
            },
        },
    }
    nsg: dict[str, Any] = {
        "type": "Microsoft.Network/networkSecurityGroups",
        "apiVersion": "2023-09-01",
        "name": "nsg-arm",
    }
    nsg |= arm(b.NSG, flat=True)
    nsg["properties"]["securityRules"] = [
        {"name": r["name"], "properties": {k: v for k, v in r.items() if k != "name"}}
        for r in nsg["properties"]["securityRules"]
    ]
    role = {
        "type": "Microsoft.Authorization/roleAssignments",
        "apiVersion": "2022-04-01",
        "name": "[guid(resourceGroup().id, 'ml')]",
        "scope": "[format('Microsoft.Storage/storageAccounts/{0}', parameters('storageName'))]",
        "properties": {k: v for k, v in b.ROLE_ASSIGNMENT.items() if k != "scope"},
    }
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "storageName": {"type": "string", "defaultValue": "starm"},
            "allowBlobPublic": {"type": "bool", "defaultValue": True},
        },
        "variables": {"tls": "TLS1_2"},
        "resources": [storage, workspace, nested, nsg, role],
    }


def deployment(tpl: dict[str, Any] | None = None, **parameters: Any) -> dict[str, Any]:
    """A resources:Deployment's inputs: the template inline, parameters as {name: {value}}."""
    params = {"allowBlobPublic": {"value": False}} | {k: {"value": v} for k, v in parameters.items()}
    return {
        "resourceGroupName": "rg-aml",
        "deploymentName": "team-arm",
        "properties": {"mode": "Incremental", "template": tpl or template(), "parameters": params},
    }


DEPLOYMENT_OK = deployment()

C_WORKSPACE_OK: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": b.TAGS,
    "applicationInsightsId": f"{b.RG}/providers/Microsoft.Insights/components/appi",
    "keyVaultId": b.VAULT_ID,
    "storageAccountId": f"{b.RG}/providers/Microsoft.Storage/storageAccounts/staml",
    "publicNetworkAccessEnabled": False,
    "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"},
    "encryption": {"keyVaultId": b.VAULT_ID, "keyId": b.KEY_URI, "userAssignedIdentityId": b.IDENTITY_ID},
    "highBusinessImpact": True,
    "identity": {"type": "UserAssigned", "identityIds": [b.IDENTITY_ID]},
    "primaryUserAssignedIdentity": b.IDENTITY_ID,
    "storageAccountAccessType": "Identity",
    "v1LegacyModeEnabled": False,
}
C_INSTANCE_OK: dict[str, Any] = {
    "machineLearningWorkspaceId": f"{b.ML}/workspaces/mlw-aml",
    "virtualMachineSize": "Standard_DS3_v2",
    "tags": b.TAGS,
    "localAuthEnabled": False,
    "nodePublicIpEnabled": False,
    "authorizationType": "personal",
    "assignToUser": {"objectId": "00000000-0000-0000-0000-00000000a11c", "tenantId": "t"},
}
C_CLUSTER_OK: dict[str, Any] = {
    "machineLearningWorkspaceId": f"{b.ML}/workspaces/mlw-aml",
    "vmSize": "Standard_DS3_v2",
    "vmPriority": "Dedicated",
    "location": "westeurope",
    "tags": b.TAGS,
    "localAuthEnabled": False,
    "nodePublicIpEnabled": False,
    "sshPublicAccessEnabled": False,
    "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 4, "scaleDownNodesAfterIdleDuration": "PT120S"},
}
C_STORAGE_OK: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": b.TAGS,
    "accountTier": "Standard",
    "accountReplicationType": "ZRS",
    "sharedAccessKeyEnabled": False,
    "allowNestedItemsToBePublic": False,
    "publicNetworkAccessEnabled": False,
    "networkRules": {"defaultAction": "Deny", "bypasses": ["AzureServices"]},
    "minTlsVersion": "TLS1_2",
    "customerManagedKey": {"keyVaultKeyId": b.KEY_URI, "userAssignedIdentityId": b.IDENTITY_ID},
    "infrastructureEncryptionEnabled": True,
    "crossTenantReplicationEnabled": False,
}
C_VAULT_OK: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": b.TAGS,
    "skuName": "premium",
    "tenantId": "00000000-0000-0000-0000-00000000000a",
    "purgeProtectionEnabled": True,
    "rbacAuthorizationEnabled": True,
    "publicNetworkAccessEnabled": False,
    "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
}
C_ACR_OK: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": b.TAGS,
    "sku": "Premium",
    "adminEnabled": False,
    "anonymousPullEnabled": False,
    "publicNetworkAccessEnabled": False,
    "exportPolicyEnabled": False,
    "encryption": {"keyVaultKeyId": b.KEY_URI, "identityClientId": "client-id"},
}
C_ASSIGNMENT_OK: dict[str, Any] = {
    "principalId": "11111111-1111-1111-1111-111111111111",
    "principalType": "ServicePrincipal",
    "roleDefinitionName": "Contributor",
    "scope": f"{b.RG}/providers/Microsoft.Storage/storageAccounts/staml",
}
C_RULE_OK: dict[str, Any] = {k: v for k, v in b.SECURITY_RULE.items()}
C_NSG_OK: dict[str, Any] = {k: v for k, v in b.NSG.items()}

PATH_BASELINES: dict[str, tuple[str, dict[str, Any]]] = {
    "generic workspace": (GENERIC, GENERIC_WORKSPACE),
    "generic compute": (GENERIC, GENERIC_COMPUTE),
    "generic storage": (GENERIC, GENERIC_STORAGE),
    "generic vault": (GENERIC, GENERIC_VAULT),
    "arm deployment": (DEPLOYMENT, DEPLOYMENT_OK),
    "classic workspace": (C_WORKSPACE, C_WORKSPACE_OK),
    "classic cluster": (C_CLUSTER, C_CLUSTER_OK),
    "classic storage": (C_STORAGE, C_STORAGE_OK),
    "classic vault": (C_VAULT, C_VAULT_OK),
    "classic acr": (C_ACR, C_ACR_OK),
    "classic assignment": (C_ASSIGNMENT, C_ASSIGNMENT_OK),
    "classic rule": (C_RULE, C_RULE_OK),
    "classic nsg": (C_NSG, C_NSG_OK),
}
"""Compliant on every policy. The classic compute instance is not here: the classic provider cannot set
two mandatory controls (test_paths.py pins those violations)."""
