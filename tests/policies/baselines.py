"""One fully compliant property set per resource type (wire shape: camelCase, as the engine sends inputs).

Failing cases in the tests change exactly one property of these with `changed(...)`.
"""

from __future__ import annotations

import copy
from typing import Any

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
RG = f"{SUB}/resourceGroups/rg-aml"
ML = f"{RG}/providers/Microsoft.MachineLearningServices"
TAGS = {"environment": "dev", "owner": "ml-platform"}
IDENTITY_ID = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-aml"
VAULT_ID = f"{RG}/providers/Microsoft.KeyVault/vaults/kv-aml"
KEY_URI = "https://kv-aml.vault.azure.net/keys/cmk/0123456789abcdef"
LAW_ID = f"{RG}/providers/Microsoft.OperationalInsights/workspaces/law-aml"
SUBNET_ID = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-ml"
NSG_ID = f"{RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-ml"

DELETE = object()
"""Marker for `changed`: remove the property."""


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `base` with the dotted `path` set to `value` (or removed with DELETE)."""
    out = copy.deepcopy(base)
    steps = path.split(".")
    node: Any = out
    for step in steps[:-1]:
        node = node[int(step)] if isinstance(node, list) else node.setdefault(step, {})
    last = steps[-1]
    if value is DELETE:
        if isinstance(node, list):
            del node[int(last)]
        else:
            node.pop(last, None)
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


WORKSPACE: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": TAGS,
    "kind": "Default",
    "publicNetworkAccess": "Disabled",
    "allowPublicAccessWhenBehindVnet": False,
    "managedNetwork": {
        "isolationMode": "AllowOnlyApprovedOutbound",
        "outboundRules": {
            "pypi": {"type": "FQDN", "destination": "pypi.org", "category": "UserDefined"},
            "pythonhosted": {"type": "FQDN", "destination": "*.pythonhosted.org", "category": "UserDefined"},
            "storage": {
                "type": "ServiceTag",
                "destination": {
                    "serviceTag": "Storage",
                    "protocol": "TCP",
                    "portRanges": "443",
                    "action": "Allow",
                },
            },
            "kv": {
                "type": "PrivateEndpoint",
                "destination": {"serviceResourceId": VAULT_ID, "subresourceTarget": "vault"},
            },
        },
    },
    "encryption": {
        "status": "Enabled",
        "keyVaultProperties": {"keyVaultArmId": VAULT_ID, "keyIdentifier": KEY_URI},
        "identity": {"userAssignedIdentity": IDENTITY_ID},
    },
    "hbiWorkspace": True,
    "identity": {"type": "UserAssigned", "userAssignedIdentities": [IDENTITY_ID]},
    "primaryUserAssignedIdentity": IDENTITY_ID,
    "systemDatastoresAuthMode": "Identity",
    "v1LegacyMode": False,
}

OUTBOUND_RULE: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "workspaceName": "mlw-aml",
    "ruleName": "huggingface",
    "properties": {"type": "FQDN", "destination": "huggingface.co", "category": "UserDefined"},
}

COMPUTE_INSTANCE: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "workspaceName": "mlw-aml",
    "location": "westeurope",
    "tags": TAGS,
    "properties": {
        "computeType": "ComputeInstance",
        "disableLocalAuth": True,
        "properties": {
            "vmSize": "Standard_DS3_v2",
            "enableNodePublicIp": False,
            "sshSettings": {"sshPublicAccess": "Disabled"},
            "personalComputeInstanceSettings": {
                "assignedUser": {"objectId": "00000000-0000-0000-0000-00000000a11c", "tenantId": "t"}
            },
            "computeInstanceAuthorizationType": "personal",
            "applicationSharingPolicy": "Personal",
            "idleTimeBeforeShutdown": "PT60M",
            "enableSSO": True,
        },
    },
}

COMPUTE_CLUSTER: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "workspaceName": "mlw-aml",
    "location": "westeurope",
    "tags": TAGS,
    "properties": {
        "computeType": "AmlCompute",
        "disableLocalAuth": True,
        "properties": {
            "vmSize": "Standard_DS3_v2",
            "osType": "Linux",
            "enableNodePublicIp": False,
            "remoteLoginPortPublicAccess": "Disabled",
            "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "PT120S"},
        },
    },
}

COMPUTE_VM: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "workspaceName": "mlw-aml",
    "location": "westeurope",
    "tags": TAGS,
    "properties": {
        "computeType": "VirtualMachine",
        "disableLocalAuth": True,
        "resourceId": f"{RG}/providers/Microsoft.Compute/virtualMachines/vm1",
        "properties": {"virtualMachineSize": "Standard_DS3_v2"},
    },
}

ONLINE_ENDPOINT: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "workspaceName": "mlw-aml",
    "location": "westeurope",
    "tags": TAGS,
    "identity": {"type": "SystemAssigned"},
    "properties": {"authMode": "AADToken", "publicNetworkAccess": "Disabled"},
}

ONLINE_DEPLOYMENT: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "workspaceName": "mlw-aml",
    "endpointName": "ep",
    "location": "westeurope",
    "tags": TAGS,
    "properties": {
        "endpointComputeType": "Managed",
        "model": "azureml:credit-model:3",
        "egressPublicNetworkAccess": "Disabled",
        "instanceType": "Standard_DS3_v2",
    },
}

BATCH_DEPLOYMENT: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "workspaceName": "mlw-aml",
    "endpointName": "batch",
    "location": "westeurope",
    "tags": TAGS,
    "properties": {
        "model": {"referenceType": "Id", "assetId": f"{ML}/workspaces/mlw-aml/models/credit/versions/3"},
        "compute": "cpu-cluster",
    },
}

DATASTORE: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "workspaceName": "mlw-aml",
    "properties": {
        "datastoreType": "AzureBlob",
        "accountName": "stdata",
        "containerName": "raw",
        "credentials": {"credentialsType": "None"},
    },
}

ML_REGISTRY: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": TAGS,
    "publicNetworkAccess": "Disabled",
    "regionDetails": [{"location": "westeurope"}],
}

STORAGE: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": TAGS,
    "kind": "StorageV2",
    "sku": {"name": "Standard_ZRS"},
    "allowSharedKeyAccess": False,
    "allowBlobPublicAccess": False,
    "publicNetworkAccess": "Disabled",
    "networkRuleSet": {"defaultAction": "Deny", "bypass": "AzureServices"},
    "minimumTlsVersion": "TLS1_2",
    "enableHttpsTrafficOnly": True,
    "allowCrossTenantReplication": False,
    "encryption": {
        "keySource": "Microsoft.Keyvault",
        "requireInfrastructureEncryption": True,
        "keyVaultProperties": {"keyVaultUri": "https://kv-aml.vault.azure.net", "keyName": "cmk"},
        "encryptionIdentity": {"encryptionUserAssignedIdentity": IDENTITY_ID},
    },
}

VAULT: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": TAGS,
    "properties": {
        "tenantId": "00000000-0000-0000-0000-00000000000a",
        "sku": {"family": "A", "name": "premium"},
        "enablePurgeProtection": True,
        "enableSoftDelete": True,
        "enableRbacAuthorization": True,
        "publicNetworkAccess": "Disabled",
        "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
    },
}

KEY_RSA: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "vaultName": "kv-aml",
    "keyName": "cmk",
    "tags": TAGS,
    "properties": {
        "kty": "RSA-HSM",
        "keySize": 3072,
        "keyOps": ["wrapKey", "unwrapKey"],
        "rotationPolicy": {
            "lifetimeActions": [
                {"trigger": {"timeAfterCreate": "P90D"}, "action": {"type": "rotate"}},
                {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "notify"}},
            ],
            "attributes": {"expiryTime": "P365D"},
        },
    },
}

KEY_EC: dict[str, Any] = changed(
    changed(changed(KEY_RSA, "properties.kty", "EC-HSM"), "properties.keySize", DELETE),
    "properties.curveName",
    "P-384",
)

ACR: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": TAGS,
    "sku": {"name": "Premium"},
    "adminUserEnabled": False,
    "anonymousPullEnabled": False,
    "publicNetworkAccess": "Disabled",
    "policies": {"exportPolicy": {"status": "disabled"}},
    "encryption": {
        "status": "enabled",
        "keyVaultProperties": {"keyIdentifier": KEY_URI, "identity": "client-id"},
    },
}

APP_INSIGHTS: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": TAGS,
    "kind": "web",
    "applicationType": "web",
    "disableLocalAuth": True,
    "workspaceResourceId": LAW_ID,
}

LOG_ANALYTICS: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": TAGS,
    "sku": {"name": "PerGB2018"},
    "retentionInDays": 90,
    "features": {"disableLocalAuth": True},
}

NSG: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": TAGS,
    "securityRules": [
        {
            "name": "AllowBastionSsh",
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "priority": 100,
            "sourceAddressPrefix": "10.0.1.0/26",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": "22",
        },
        {
            "name": "AllowHttpsFromInternet",
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "priority": 200,
            "sourceAddressPrefix": "Internet",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRanges": ["443", "8000-8080"],
        },
        {
            "name": "DenyInternetInbound",
            "direction": "Inbound",
            "access": "Deny",
            "protocol": "*",
            "priority": 4000,
            "sourceAddressPrefix": "Internet",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": "*",
        },
    ],
}

SECURITY_RULE: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "networkSecurityGroupName": "nsg-ml",
    "direction": "Inbound",
    "access": "Allow",
    "protocol": "Tcp",
    "priority": 100,
    "sourceAddressPrefix": "VirtualNetwork",
    "sourcePortRange": "*",
    "destinationAddressPrefix": "*",
    "destinationPortRange": "22",
}

VNET: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "location": "westeurope",
    "tags": TAGS,
    "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
    "subnets": [
        {"name": "snet-ml", "addressPrefix": "10.0.0.0/24", "networkSecurityGroup": {"id": NSG_ID}},
        {"name": "AzureBastionSubnet", "addressPrefix": "10.0.1.0/26"},
        {"name": "GatewaySubnet", "addressPrefix": "10.0.2.0/27"},
    ],
}

SUBNET: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "virtualNetworkName": "vnet",
    "subnetName": "snet-pe",
    "addressPrefix": "10.0.3.0/24",
    "networkSecurityGroup": {"id": NSG_ID},
}

ROLE_ASSIGNMENT: dict[str, Any] = {
    "principalId": "11111111-1111-1111-1111-111111111111",
    "principalType": "ServicePrincipal",
    "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
    "scope": f"{RG}/providers/Microsoft.Storage/storageAccounts/staml",
}

ROLE_DEFINITION: dict[str, Any] = {
    "scope": RG,
    "roleName": "ML job submitter",
    "permissions": [
        {
            "actions": [
                "Microsoft.MachineLearningServices/workspaces/jobs/*",
                "Microsoft.MachineLearningServices/workspaces/read",
            ],
            "notActions": [],
        }
    ],
    "assignableScopes": [RG],
}

RESOURCE_GROUP: dict[str, Any] = {"resourceGroupName": "rg-aml", "location": "westeurope", "tags": TAGS}

# -- Azure AI Services and Foundry (test_ai_services.py) ----------------------------------------------

AI_ACCOUNT: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "accountName": "ais-aml",
    "location": "westeurope",
    "tags": TAGS,
    "kind": "AIServices",
    "sku": {"name": "S0"},
    "identity": {"type": "UserAssigned", "userAssignedIdentities": [IDENTITY_ID]},
    "properties": {
        "customSubDomainName": "ais-aml-x1y2z",
        "publicNetworkAccess": "Disabled",
        "networkAcls": {"defaultAction": "Deny", "ipRules": [], "virtualNetworkRules": []},
        "disableLocalAuth": True,
        "restrictOutboundNetworkAccess": True,
        "allowedFqdnList": ["kv-aml.vault.azure.net", "*.blob.core.windows.net"],
        "allowProjectManagement": True,
        "encryption": {
            "keySource": "Microsoft.KeyVault",
            "keyVaultProperties": {
                "keyVaultUri": "https://kv-aml.vault.azure.net/",
                "keyName": "cmk-ai",
                "identityClientId": "22222222-2222-2222-2222-222222222222",
            },
        },
    },
}

AI_RAI_POLICY: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "accountName": "ais-aml",
    "raiPolicyName": "strict",
    "tags": TAGS,
    "properties": {
        "basePolicyName": "Microsoft.DefaultV2",
        "mode": "Blocking",
        "contentFilters": [
            {
                "name": "Hate",
                "enabled": True,
                "blocking": True,
                "severityThreshold": "Low",
                "source": "Prompt",
            },
            {
                "name": "Sexual",
                "enabled": True,
                "blocking": True,
                "severityThreshold": "Low",
                "source": "Prompt",
            },
            {
                "name": "Violence",
                "enabled": True,
                "blocking": True,
                "severityThreshold": "Low",
                "source": "Prompt",
            },
            {
                "name": "Selfharm",
                "enabled": True,
                "blocking": True,
                "severityThreshold": "Low",
                "source": "Prompt",
            },
            {
                "name": "Hate",
                "enabled": True,
                "blocking": True,
                "severityThreshold": "Low",
                "source": "Completion",
            },
            {"name": "Jailbreak", "enabled": True, "blocking": True, "source": "Prompt"},
            {"name": "Indirect Attack", "enabled": True, "blocking": True, "source": "Prompt"},
            {"name": "Protected Material Text", "enabled": False, "blocking": False, "source": "Completion"},
        ],
    },
}

AI_DEPLOYMENT: dict[str, Any] = {
    "resourceGroupName": "rg-aml",
    "accountName": "ais-aml",
    "deploymentName": "chat",
    "tags": TAGS,
    "sku": {"name": "Standard", "capacity": 10},
    "properties": {
        "model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"},
        "versionUpgradeOption": "NoAutoUpgrade",
        "raiPolicyName": "strict",
    },
}
