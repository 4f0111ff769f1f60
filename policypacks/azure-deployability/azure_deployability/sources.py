"""The Microsoft documentation each rule encodes (page title and section as published on Microsoft Learn)."""

from __future__ import annotations

from typing import Final

from .framework import Source

ACR_CMK: Final = Source(
    "Encrypt registry using a customer-managed key",
    "Advanced scenario: Key Vault firewall",
    "https://learn.microsoft.com/azure/container-registry/container-registry-customer-managed-keys",
    ("MicrosoftDocs/azure-docs#61064",),
)
SERVICE_SIDE_CMK: Final = Source(
    "Customer-managed keys for Azure Machine Learning",
    "(Preview) Service-side encryption of metadata",
    "https://learn.microsoft.com/azure/machine-learning/concept-customer-managed-keys",
    ("Customer-managed keys for hub projects in Azure AI Foundry: service-side encryption note",),
)
KEY_VAULT_RBAC: Final = Source(
    "Azure built-in roles",
    "Key Vault Crypto Officer",
    "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security#key-vault-crypto-officer",
    ("Azure/bicep#7864", "Azure/bicep#6539", "pulumi/pulumi-azure-native#890"),
)
RBAC_PROPAGATION: Final = Source(
    "Troubleshoot Azure RBAC",
    "Symptom - Role assignment changes are not being detected",
    "https://learn.microsoft.com/azure/role-based-access-control/troubleshooting",
    ("Azure/bicep#16601",),
)
WORKSPACE_IDENTITY: Final = Source(
    "Set up authentication between Azure Machine Learning and other services",
    "User-assigned managed identity",
    "https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication",
    ("Workspace Managed Virtual Network Isolation: Azure AI Enterprise Network Connection Approver note",),
)
COSMOS_KEY: Final = Source(
    "Use customer-managed keys with Azure Machine Learning",
    "Allow Azure Cosmos DB to access the key",
    "https://learn.microsoft.com/azure/machine-learning/how-to-setup-customer-managed-keys",
)
STORAGE_USERS: Final = Source(
    "Disable shared key access for your workspace's storage account",
    "Assign roles to users",
    "https://learn.microsoft.com/azure/machine-learning/how-to-disable-local-auth-storage",
)
COMPUTE_INSTANCE: Final = Source(
    "Create a compute instance",
    "Create (Compute name)",
    "https://learn.microsoft.com/azure/machine-learning/how-to-create-compute-instance",
)
SERVERLESS: Final = Source(
    "Workspaces - Create Or Update (Azure Machine Learning REST API)",
    "ServerlessComputeSettings",
    "https://learn.microsoft.com/rest/api/azureml/workspaces/create-or-update",
    ("Azure/azure-sdk-for-python sdk/ml/azure-ai-ml ServerlessComputeSettings validation",),
)
LOCKS: Final = Source(
    "Lock your resources to protect your infrastructure",
    "Considerations before applying your locks",
    "https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources",
)
NAMES: Final = Source(
    "Naming rules and restrictions for Azure resources",
    "Microsoft.Storage, Microsoft.KeyVault, Microsoft.ContainerRegistry, Microsoft.MachineLearningServices",
    "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules",
)
SUBNETS: Final = Source(
    "Azure Virtual Network frequently asked questions (FAQ)",
    "Are there any restrictions on using IP addresses within these subnets?",
    "https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq",
)
