"""Every resource rule through the analyzer protocol: baselines pass, one-change cases fail precisely."""

from __future__ import annotations

from typing import Any

import pytest

from preflight.analyzer import PolicyPackProcess
from preflight.model import UNKNOWN, secret

from . import baselines as b
from .baselines import DELETE, changed
from .conftest import analyze
from .support import (
    ACR,
    ADVISORY,
    AI_ACCOUNT,
    AI_DEPLOYMENT,
    AI_RAI_POLICY,
    APP_INSIGHTS,
    BATCH_DEPLOYMENT,
    COMPUTE,
    DATASTORE,
    KEY,
    LOG_ANALYTICS,
    ML_REGISTRY,
    NSG,
    ONLINE_DEPLOYMENT,
    ONLINE_ENDPOINT,
    OUTBOUND_RULE,
    RESOURCE_GROUP,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    SECURITY_RULE,
    STORAGE,
    SUBNET,
    UNKNOWN_MSG,
    VAULT,
    VNET,
    WORKSPACE,
    Case,
    bad,
    body,
    ok,
    res,
)

W, CI, CC, VM = b.WORKSPACE, b.COMPUTE_INSTANCE, b.COMPUTE_CLUSTER, b.COMPUTE_VM
INNER = "properties.properties"
ROLE_PATH = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/"
)
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RBAC_ADMIN = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
CONDITION = (
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
    "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
    "{ba92f5b4-2d11-453d-a403-e96b0029c9fe}))"
)
RBAC_NAME = "Role Based Access Control Administrator"
# Microsoft's "allow all except privileged administrator roles" template.
EXCEPT_PRIVILEGED = (
    "((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/write'}})) OR "
    "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals {{{}}}))"
)
ONLY_PRINCIPALS = (
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
    "(@Request[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidEquals "
    "{11111111-1111-1111-1111-111111111111}))"
)
ROLE_WITHOUT_SET = (
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
    "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] StringLike '*'))"
)
OPEN_FQDN = "; a FQDN rule must not open the internet (it matches {})."
ANY_HOST = OPEN_FQDN.format("every host name")
SSH_RDP = "; SSH and RDP must not be reachable from the internet."


def rule(i: int, **change: Any) -> dict[str, Any]:
    """The baseline NSG with inline rule `i` changed."""
    props = b.NSG
    for key, value in change.items():
        props = changed(props, f"securityRules.{i}.{key}", value)
    return props


def role(guid: str, **change: Any) -> dict[str, Any]:
    """The baseline role assignment with another role and changes."""
    props = changed(b.ROLE_ASSIGNMENT, "roleDefinitionId", ROLE_PATH + guid)
    for key, value in change.items():
        props = changed(props, key, value)
    return props


CASES: list[Case] = [
    # -- ws-public-network (also: every type-token form, secrets, case variants) ------------------------
    ok("ws-public-network", WORKSPACE, W),
    ok("ws-public-network", WORKSPACE, changed(W, "publicNetworkAccess", "disabled"), "case"),
    ok("ws-public-network", WORKSPACE, changed(W, "publicNetworkAccess", secret("Disabled")), "secret"),
    bad(
        "ws-public-network",
        WORKSPACE,
        changed(W, "publicNetworkAccess", "Enabled"),
        'publicNetworkAccess is "Enabled"; must be "Disabled".',
    ),
    bad(
        "ws-public-network",
        WORKSPACE,
        changed(W, "publicNetworkAccess", "ENABLED"),
        'publicNetworkAccess is "ENABLED"; must be "Disabled".',
        label="case",
    ),
    bad(
        "ws-public-network",
        WORKSPACE,
        changed(W, "publicNetworkAccess", DELETE),
        'publicNetworkAccess is not set; Azure\'s default is Enabled, set it to "Disabled".',
    ),
    bad(
        "ws-public-network",
        WORKSPACE,
        changed(W, "publicNetworkAccess", UNKNOWN),
        UNKNOWN_MSG.format("publicNetworkAccess"),
    ),
    bad(
        "ws-public-network",
        WORKSPACE,
        changed(W, "publicNetworkAccess", secret("Enabled")),
        'publicNetworkAccess is "Enabled"; must be "Disabled".',
        label="secret",
    ),
    bad(
        "ws-public-network",
        WORKSPACE,
        changed(W, "allowPublicAccessWhenBehindVnet", True),
        "allowPublicAccessWhenBehindVnet is true; must be false.",
    ),
    *[
        bad(
            "ws-public-network",
            token,
            changed(W, "publicNetworkAccess", "Enabled"),
            'publicNetworkAccess is "Enabled"; must be "Disabled".',
            label=token,
        )
        for token in (
            "azure-native:machinelearningservices/v20240401:Workspace",
            "azure-native:machinelearningservices/v20250101preview:Workspace",
            "azure-native_machinelearningservices_v20240401:machinelearningservices:Workspace",
        )
    ],
    ok(
        "ws-public-network",
        WORKSPACE,
        changed(W, "kind", "Project") | {"publicNetworkAccess": "Enabled"},
        "project",
    ),
    # -- ws-managed-network -----------------------------------------------------------------------------
    ok("ws-managed-network", WORKSPACE, W),
    bad(
        "ws-managed-network",
        WORKSPACE,
        changed(W, "managedNetwork.isolationMode", "Disabled"),
        'managedNetwork.isolationMode is "Disabled"; must be "AllowOnlyApprovedOutbound".',
    ),
    bad(
        "ws-managed-network",
        WORKSPACE,
        changed(W, "managedNetwork.isolationMode", "AllowInternetOutbound"),
        'managedNetwork.isolationMode is "AllowInternetOutbound"; must be "AllowOnlyApprovedOutbound".',
    ),
    ok(
        "ws-managed-network",
        WORKSPACE,
        changed(W, "managedNetwork.isolationMode", "AllowInternetOutbound"),
        "sandbox",
        allowedIsolationModes=["AllowOnlyApprovedOutbound", "AllowInternetOutbound"],
    ),
    bad(
        "ws-managed-network",
        WORKSPACE,
        changed(W, "managedNetwork.isolationMode", "Disabled"),
        'managedNetwork.isolationMode is "Disabled"; must be "AllowOnlyApprovedOutbound" or "AllowInternetOutbound".',
        label="sandbox",
        allowedIsolationModes=["AllowOnlyApprovedOutbound", "AllowInternetOutbound"],
    ),
    bad(
        "ws-managed-network",
        WORKSPACE,
        changed(W, "managedNetwork", DELETE),
        'managedNetwork.isolationMode is not set; Azure\'s default is Disabled, set it to "AllowOnlyApprovedOutbound".',
    ),
    bad(
        "ws-managed-network",
        WORKSPACE,
        changed(W, "managedNetwork", UNKNOWN),
        UNKNOWN_MSG.format("managedNetwork.isolationMode"),
    ),
    # -- ws-outbound-rules ------------------------------------------------------------------------------
    ok("ws-outbound-rules", WORKSPACE, W),
    ok("ws-outbound-rules", WORKSPACE, W, "allow-list", allowedFqdns=["pypi.org", "*.pythonhosted.org"]),
    bad(
        "ws-outbound-rules",
        WORKSPACE,
        changed(W, "managedNetwork.outboundRules.pypi.destination", "*"),
        'managedNetwork.outboundRules.pypi.destination is "*"' + ANY_HOST,
    ),
    bad(
        "ws-outbound-rules",
        WORKSPACE,
        changed(W, "managedNetwork.outboundRules.pypi.destination", "*.com"),
        'managedNetwork.outboundRules.pypi.destination is "*.com"'
        + OPEN_FQDN.format('every host under the top-level domain "com"'),
    ),
    bad(
        "ws-outbound-rules",
        WORKSPACE,
        changed(
            changed(W, "managedNetwork.outboundRules.pypi.destination", "*"),
            "managedNetwork.outboundRules.pypi.type",
            "fqdn",
        ),
        'managedNetwork.outboundRules.pypi.destination is "*"' + ANY_HOST,
        label="case",
    ),
    # judged by what the pattern matches, not by its spelling (workspace.wildcard_reach)
    *[
        bad(
            "ws-outbound-rules",
            WORKSPACE,
            changed(W, "managedNetwork.outboundRules.pypi.destination", pattern),
            f'managedNetwork.outboundRules.pypi.destination is "{pattern}"' + OPEN_FQDN.format(reach),
            label=pattern,
        )
        for pattern, reach in (
            ("**", "every host name"),
            ("*.*", "every host name"),
            ("*com", "every host name"),
            ("*.com.", 'every host under the top-level domain "com"'),
            ("*.*.org", 'every host under the top-level domain "org"'),
            ("*-cdn.net", 'every host under the top-level domain "net"'),
            ("*.co.uk", 'every host under the public suffix "co.uk"'),
            ("*.com.au", 'every host under the public suffix "com.au"'),
        )
    ],
    *[
        ok("ws-outbound-rules", WORKSPACE, changed(W, "managedNetwork.outboundRules.pypi.destination", p), p)
        for p in ("*.example.co.uk", "files-*.pythonhosted.org", "*.blob.core.windows.net", "pypi.org.")
    ],
    # a rule declared as its own resource (machinelearningservices:ManagedNetworkSettingsRule)
    ok("ws-outbound-rules", OUTBOUND_RULE, b.OUTBOUND_RULE, "rule resource"),
    bad(
        "ws-outbound-rules",
        OUTBOUND_RULE,
        changed(b.OUTBOUND_RULE, "properties.destination", "*.co.uk"),
        'properties.destination is "*.co.uk"'
        + OPEN_FQDN.format('every host under the public suffix "co.uk"'),
        label="rule resource",
    ),
    bad(
        "ws-outbound-rules",
        OUTBOUND_RULE,
        changed(b.OUTBOUND_RULE, "properties", UNKNOWN),
        UNKNOWN_MSG.format("properties"),
        label="rule resource unknown",
    ),
    bad(
        "ws-outbound-rules",
        OUTBOUND_RULE,
        {**b.OUTBOUND_RULE, "properties": {"type": "ServiceTag", "destination": {"serviceTag": "Internet"}}},
        'properties.destination.serviceTag is "Internet"; a service tag rule must not open the internet.',
        label="rule resource service tag",
    ),
    bad(
        "ws-outbound-rules",
        WORKSPACE,
        changed(W, "managedNetwork.outboundRules.pypi.destination", UNKNOWN),
        UNKNOWN_MSG.format("managedNetwork.outboundRules.pypi.destination"),
    ),
    bad(
        "ws-outbound-rules",
        WORKSPACE,
        changed(W, "managedNetwork.outboundRules.storage.destination.serviceTag", "internet"),
        'managedNetwork.outboundRules.storage.destination.serviceTag is "internet"; '
        "a service tag rule must not open the internet.",
    ),
    bad(
        "ws-outbound-rules",
        WORKSPACE,
        W,
        'managedNetwork.outboundRules.pythonhosted.destination is "*.pythonhosted.org"; it is not in allowedFqdns.',
        label="allow-list",
        allowedFqdns=["pypi.org"],
    ),
    # -- ws-cmk -----------------------------------------------------------------------------------------
    ok("ws-cmk", WORKSPACE, W),
    ok(
        "ws-cmk",
        WORKSPACE,
        changed(W, "encryption.keyVaultProperties.keyIdentifier", UNKNOWN),
        "unknown reference",
    ),
    bad(
        "ws-cmk",
        WORKSPACE,
        changed(W, "encryption.status", "Disabled"),
        'encryption.status is "Disabled"; must be "Enabled".',
    ),
    bad(
        "ws-cmk",
        WORKSPACE,
        changed(W, "encryption.keyVaultProperties.keyIdentifier", DELETE),
        "encryption.keyVaultProperties.keyIdentifier is not set; a customer-managed key needs the key vault and the key.",
    ),
    bad(
        "ws-cmk",
        WORKSPACE,
        changed(W, "encryption", DELETE),
        'encryption.status is not set; Azure\'s default is Disabled (Microsoft-managed keys), set it to "Enabled".',
        "encryption.keyVaultProperties.keyVaultArmId is not set; a customer-managed key needs the key vault and the key.",
        "encryption.keyVaultProperties.keyIdentifier is not set; a customer-managed key needs the key vault and the key.",
    ),
    # -- ws-hbi -----------------------------------------------------------------------------------------
    ok("ws-hbi", WORKSPACE, W),
    bad("ws-hbi", WORKSPACE, changed(W, "hbiWorkspace", False), "hbiWorkspace is false; must be true."),
    bad(
        "ws-hbi",
        WORKSPACE,
        changed(W, "hbiWorkspace", DELETE),
        "hbiWorkspace is not set; Azure's default is false, set it to true.",
    ),
    bad("ws-hbi", WORKSPACE, changed(W, "hbiWorkspace", UNKNOWN), UNKNOWN_MSG.format("hbiWorkspace")),
    # -- ws-identity ------------------------------------------------------------------------------------
    ok("ws-identity", WORKSPACE, W),
    ok("ws-identity", WORKSPACE, changed(W, "identity.type", "systemassigned, userassigned"), "case"),
    ok("ws-identity", WORKSPACE, changed(W, "primaryUserAssignedIdentity", UNKNOWN), "unknown reference"),
    bad(
        "ws-identity",
        WORKSPACE,
        changed(W, "identity.type", "SystemAssigned"),
        'identity.type is "SystemAssigned"; must include "UserAssigned".',
    ),
    bad(
        "ws-identity",
        WORKSPACE,
        changed(W, "primaryUserAssignedIdentity", DELETE),
        "primaryUserAssignedIdentity is not set; set it to the user-assigned identity the workspace uses.",
    ),
    # -- ws-datastore-auth ------------------------------------------------------------------------------
    ok("ws-datastore-auth", WORKSPACE, W),
    ok("ws-datastore-auth", WORKSPACE, changed(W, "systemDatastoresAuthMode", "identity"), "case"),
    bad(
        "ws-datastore-auth",
        WORKSPACE,
        changed(W, "systemDatastoresAuthMode", "AccessKey"),
        'systemDatastoresAuthMode is "AccessKey"; must be "identity".',
    ),
    bad(
        "ws-datastore-auth",
        WORKSPACE,
        changed(W, "systemDatastoresAuthMode", DELETE),
        'systemDatastoresAuthMode is not set; Azure\'s default is AccessKey, set it to "identity".',
    ),
    # -- ws-legacy-mode ---------------------------------------------------------------------------------
    ok("ws-legacy-mode", WORKSPACE, W),
    ok("ws-legacy-mode", WORKSPACE, changed(W, "v1LegacyMode", DELETE), "absent"),
    bad(
        "ws-legacy-mode", WORKSPACE, changed(W, "v1LegacyMode", True), "v1LegacyMode is true; must be false."
    ),
    bad("ws-legacy-mode", WORKSPACE, changed(W, "v1LegacyMode", UNKNOWN), UNKNOWN_MSG.format("v1LegacyMode")),
    # -- compute ----------------------------------------------------------------------------------------
    ok("compute-local-auth", COMPUTE, CI),
    ok("compute-local-auth", COMPUTE, VM, "attached"),
    bad(
        "compute-local-auth",
        COMPUTE,
        changed(CI, "properties.disableLocalAuth", False),
        "properties.disableLocalAuth is false; must be true.",
    ),
    bad(
        "compute-local-auth",
        COMPUTE,
        changed(CC, "properties.disableLocalAuth", DELETE),
        "properties.disableLocalAuth is not set; Azure's default is false, set it to true.",
    ),
    ok("compute-public-ip", COMPUTE, CI),
    ok("compute-public-ip", COMPUTE, CC, "cluster"),
    ok("compute-public-ip", COMPUTE, VM, "attached"),
    bad(
        "compute-public-ip",
        COMPUTE,
        changed(CI, f"{INNER}.enableNodePublicIp", DELETE),
        f"{INNER}.enableNodePublicIp is not set; Azure's default is true, set it to false.",
    ),
    bad(
        "compute-public-ip",
        COMPUTE,
        changed(CC, f"{INNER}.enableNodePublicIp", True),
        f"{INNER}.enableNodePublicIp is true; must be false.",
    ),
    bad(
        "compute-public-ip",
        COMPUTE,
        changed(CC, "properties.computeType", UNKNOWN),
        UNKNOWN_MSG.format("properties.computeType"),
    ),
    bad(
        "compute-public-ip",
        COMPUTE,
        changed(CC, f"{INNER}.enableNodePublicIp", UNKNOWN),
        UNKNOWN_MSG.format(f"{INNER}.enableNodePublicIp"),
    ),
    ok("compute-ssh", COMPUTE, CI),
    ok("compute-ssh", COMPUTE, changed(CI, f"{INNER}.sshSettings", DELETE), "absent"),
    ok("compute-ssh", COMPUTE, CC, "cluster"),
    bad(
        "compute-ssh",
        COMPUTE,
        changed(CI, f"{INNER}.sshSettings.sshPublicAccess", "enabled"),
        f'{INNER}.sshSettings.sshPublicAccess is "enabled"; must be "Disabled".',
    ),
    bad(
        "compute-ssh",
        COMPUTE,
        changed(CC, f"{INNER}.remoteLoginPortPublicAccess", "NotSpecified"),
        f'{INNER}.remoteLoginPortPublicAccess is "NotSpecified"; must be "Disabled".',
    ),
    bad(
        "compute-ssh",
        COMPUTE,
        changed(CC, f"{INNER}.remoteLoginPortPublicAccess", DELETE),
        f'{INNER}.remoteLoginPortPublicAccess is not set; Azure\'s default is NotSpecified, set it to "Disabled".',
    ),
    ok("compute-local-accounts", COMPUTE, CC),
    ok("compute-local-accounts", COMPUTE, VM, "attached"),
    bad(
        "compute-local-accounts",
        COMPUTE,
        changed(
            CC,
            f"{INNER}.userAccountCredentials",
            {"adminUserName": "azureuser", "adminUserPassword": secret("P@ss")},
        ),
        f"{INNER}.userAccountCredentials is set; clusters must not have a local admin account, remove it "
        "(credentials are not shown).",
    ),
    bad(
        "compute-local-accounts",
        COMPUTE,
        changed(VM, f"{INNER}.administratorAccount", {"username": "admin", "password": secret("pw")}),
        f"{INNER}.administratorAccount is set; attached compute must not carry admin credentials, remove it "
        "(credentials are not shown).",
    ),
    ok("compute-instance-personal", COMPUTE, CI),
    ok(
        "compute-instance-personal",
        COMPUTE,
        changed(CI, f"{INNER}.personalComputeInstanceSettings.assignedUser.objectId", UNKNOWN),
        "unknown reference",
    ),
    bad(
        "compute-instance-personal",
        COMPUTE,
        changed(CI, f"{INNER}.applicationSharingPolicy", DELETE),
        f'{INNER}.applicationSharingPolicy is not set; Azure\'s default is Shared, set it to "Personal".',
    ),
    bad(
        "compute-instance-personal",
        COMPUTE,
        changed(CI, f"{INNER}.applicationSharingPolicy", "Shared"),
        f'{INNER}.applicationSharingPolicy is "Shared"; must be "Personal".',
    ),
    bad(
        "compute-instance-personal",
        COMPUTE,
        changed(CI, f"{INNER}.personalComputeInstanceSettings", DELETE),
        f"{INNER}.personalComputeInstanceSettings.assignedUser.objectId is not set; assign the instance to exactly one user.",
    ),
    ok("compute-idle-shutdown", COMPUTE, CI),
    ok("compute-idle-shutdown", COMPUTE, changed(CI, f"{INNER}.idleTimeBeforeShutdown", "PT4H"), "at limit"),
    ok("compute-idle-shutdown", COMPUTE, CC, "cluster"),
    bad(
        "compute-idle-shutdown",
        COMPUTE,
        changed(CI, f"{INNER}.idleTimeBeforeShutdown", DELETE),
        f"{INNER}.idleTimeBeforeShutdown is not set; the instance never shuts down when idle, set an ISO 8601 "
        'duration of at most 240 minutes (e.g. "PT60M").',
    ),
    bad(
        "compute-idle-shutdown",
        COMPUTE,
        changed(CI, f"{INNER}.idleTimeBeforeShutdown", "PT8H"),
        f'{INNER}.idleTimeBeforeShutdown is "PT8H"; must be at most 240 minutes (maximumIdleMinutes).',
    ),
    bad(
        "compute-idle-shutdown",
        COMPUTE,
        changed(CI, f"{INNER}.idleTimeBeforeShutdown", "soon"),
        f'{INNER}.idleTimeBeforeShutdown is "soon"; must be an ISO 8601 duration such as "PT60M".',
    ),
    bad(
        "compute-idle-shutdown",
        COMPUTE,
        CI,
        f'{INNER}.idleTimeBeforeShutdown is "PT60M"; must be at most 30 minutes (maximumIdleMinutes).',
        label="config",
        maximumIdleMinutes=30,
    ),
    ok("compute-min-nodes", COMPUTE, CC),
    ok("compute-min-nodes", COMPUTE, changed(CC, f"{INNER}.scaleSettings.minNodeCount", DELETE), "absent"),
    bad(
        "compute-min-nodes",
        COMPUTE,
        changed(CC, f"{INNER}.scaleSettings.minNodeCount", 2),
        f"{INNER}.scaleSettings.minNodeCount is 2; must be 0.",
    ),
    # -- endpoints, deployments, datastores, registries -------------------------------------------------
    ok("endpoint-auth", ONLINE_ENDPOINT, b.ONLINE_ENDPOINT),
    ok(
        "endpoint-auth",
        ONLINE_ENDPOINT,
        changed(b.ONLINE_ENDPOINT, "properties.authMode", "amltoken"),
        "case",
    ),
    bad(
        "endpoint-auth",
        ONLINE_ENDPOINT,
        changed(b.ONLINE_ENDPOINT, "properties.authMode", "Key"),
        'properties.authMode is "Key"; must be "AADToken" or "AMLToken".',
    ),
    bad(
        "endpoint-auth",
        ONLINE_ENDPOINT,
        changed(b.ONLINE_ENDPOINT, "properties.authMode", DELETE),
        'properties.authMode is not set; set it to "AADToken" or "AMLToken".',
    ),
    ok("endpoint-public-network", ONLINE_ENDPOINT, b.ONLINE_ENDPOINT),
    ok("endpoint-public-network", ONLINE_DEPLOYMENT, b.ONLINE_DEPLOYMENT, "deployment"),
    bad(
        "endpoint-public-network",
        ONLINE_ENDPOINT,
        changed(b.ONLINE_ENDPOINT, "properties.publicNetworkAccess", "Enabled"),
        'properties.publicNetworkAccess is "Enabled"; must be "Disabled".',
    ),
    bad(
        "endpoint-public-network",
        ONLINE_DEPLOYMENT,
        changed(b.ONLINE_DEPLOYMENT, "properties.egressPublicNetworkAccess", DELETE),
        'properties.egressPublicNetworkAccess is not set; Azure\'s default is Enabled, set it to "Disabled".',
    ),
    ok("deployment-approved-model", ONLINE_DEPLOYMENT, b.ONLINE_DEPLOYMENT),
    ok("deployment-approved-model", BATCH_DEPLOYMENT, b.BATCH_DEPLOYMENT, "batch"),
    ok(
        "deployment-approved-model",
        ONLINE_DEPLOYMENT,
        changed(b.ONLINE_DEPLOYMENT, "properties.model", UNKNOWN),
        "unknown reference",
    ),
    ok(
        "deployment-approved-model",
        ONLINE_DEPLOYMENT,
        changed(
            b.ONLINE_DEPLOYMENT, "properties.model", "azureml://registries/AzureML/models/gpt2/versions/1"
        ),
        "approved",
        approvedRegistries=["azureml"],
    ),
    bad(
        "deployment-approved-model",
        ONLINE_DEPLOYMENT,
        changed(
            b.ONLINE_DEPLOYMENT, "properties.model", "azureml://registries/azureml/models/gpt2/versions/1"
        ),
        'properties.model is "azureml://registries/azureml/models/gpt2/versions/1"; registry "azureml" is not in '
        "approvedRegistries (approved: none).",
    ),
    bad(
        "deployment-approved-model",
        ONLINE_DEPLOYMENT,
        changed(b.ONLINE_DEPLOYMENT, "properties.model", "https://example.com/model.pkl"),
        'properties.model is "https://example.com/model.pkl"; must be a workspace model asset or '
        "azureml://registries/<registry>/models/... with an approved registry.",
    ),
    bad(
        "deployment-approved-model",
        BATCH_DEPLOYMENT,
        changed(b.BATCH_DEPLOYMENT, "properties.model", {"referenceType": "DataPath", "path": "models/x"}),
        'properties.model.referenceType is "DataPath"; must be "Id" (a registered model asset, not a data path '
        "or job output).",
    ),
    ok("datastore-credentials", DATASTORE, b.DATASTORE),
    bad(
        "datastore-credentials",
        DATASTORE,
        changed(
            b.DATASTORE,
            "properties.credentials",
            {"credentialsType": "AccountKey", "secrets": {"secretsType": "AccountKey", "key": secret("k")}},
        ),
        'properties.credentials.credentialsType is "AccountKey"; must be "None".',
    ),
    bad(
        "datastore-credentials",
        DATASTORE,
        changed(b.DATASTORE, "properties.credentials", DELETE),
        'properties.credentials.credentialsType is not set; set it to "None".',
    ),
    ok("registry-public-network", ML_REGISTRY, b.ML_REGISTRY),
    bad(
        "registry-public-network",
        ML_REGISTRY,
        changed(b.ML_REGISTRY, "publicNetworkAccess", "Enabled"),
        'publicNetworkAccess is "Enabled"; must be "Disabled".',
    ),
    bad(
        "registry-public-network",
        ML_REGISTRY,
        changed(b.ML_REGISTRY, "publicNetworkAccess", DELETE),
        'publicNetworkAccess is not set; Azure\'s default is Enabled, set it to "Disabled".',
    ),
    # -- storage ----------------------------------------------------------------------------------------
    ok("storage-shared-key", STORAGE, b.STORAGE),
    ok("storage-shared-key", "azure-native:storage/v20240101:StorageAccount", b.STORAGE, "versioned"),
    bad(
        "storage-shared-key",
        STORAGE,
        changed(b.STORAGE, "allowSharedKeyAccess", DELETE),
        "allowSharedKeyAccess is not set; Azure's default is true, set it to false.",
    ),
    bad(
        "storage-shared-key",
        "azure-native:storage/v20240101:StorageAccount",
        changed(b.STORAGE, "allowSharedKeyAccess", True),
        "allowSharedKeyAccess is true; must be false.",
        label="versioned",
    ),
    ok("storage-public", STORAGE, b.STORAGE),
    ok("storage-public", STORAGE, changed(b.STORAGE, "publicNetworkAccess", "Enabled"), "deny by default"),
    bad(
        "storage-public",
        STORAGE,
        changed(b.STORAGE, "allowBlobPublicAccess", True),
        "allowBlobPublicAccess is true; must be false.",
    ),
    bad(
        "storage-public",
        STORAGE,
        changed(
            changed(b.STORAGE, "publicNetworkAccess", "Enabled"), "networkRuleSet.defaultAction", "Allow"
        ),
        'publicNetworkAccess is "Enabled" and networkRuleSet.defaultAction is "Allow" (Azure\'s defaults are '
        'Enabled and Allow); set publicNetworkAccess to "Disabled" or networkRuleSet.defaultAction to "Deny".',
    ),
    bad(
        "storage-public",
        STORAGE,
        changed(changed(b.STORAGE, "publicNetworkAccess", DELETE), "networkRuleSet", DELETE),
        "publicNetworkAccess is not set and networkRuleSet.defaultAction is not set (Azure's defaults are "
        'Enabled and Allow); set publicNetworkAccess to "Disabled" or networkRuleSet.defaultAction to "Deny".',
    ),
    bad(
        "storage-public",
        STORAGE,
        changed(changed(b.STORAGE, "publicNetworkAccess", UNKNOWN), "networkRuleSet", DELETE),
        UNKNOWN_MSG.format("publicNetworkAccess"),
    ),
    ok("storage-transport", STORAGE, b.STORAGE),
    ok("storage-transport", STORAGE, changed(b.STORAGE, "minimumTlsVersion", "tls1_3"), "case"),
    bad(
        "storage-transport",
        STORAGE,
        changed(b.STORAGE, "minimumTlsVersion", "TLS1_0"),
        'minimumTlsVersion is "TLS1_0"; must be "TLS1_2" or later.',
    ),
    bad(
        "storage-transport",
        STORAGE,
        changed(b.STORAGE, "minimumTlsVersion", DELETE),
        'minimumTlsVersion is not set; Azure\'s default is TLS1_0, set it to "TLS1_2" or later.',
    ),
    bad(
        "storage-transport",
        STORAGE,
        changed(b.STORAGE, "enableHttpsTrafficOnly", False),
        "enableHttpsTrafficOnly is false; must be true.",
    ),
    ok("storage-cmk", STORAGE, b.STORAGE),
    ok("storage-cmk", STORAGE, changed(b.STORAGE, "encryption.keySource", "microsoft.keyvault"), "case"),
    bad(
        "storage-cmk",
        STORAGE,
        changed(b.STORAGE, "encryption.keySource", "Microsoft.Storage"),
        'encryption.keySource is "Microsoft.Storage"; must be "Microsoft.Keyvault".',
    ),
    ok("storage-infrastructure-encryption", STORAGE, b.STORAGE),
    bad(
        "storage-infrastructure-encryption",
        STORAGE,
        changed(b.STORAGE, "encryption.requireInfrastructureEncryption", False),
        "encryption.requireInfrastructureEncryption is false; must be true.",
    ),
    ok("storage-cross-tenant", STORAGE, b.STORAGE),
    bad(
        "storage-cross-tenant",
        STORAGE,
        changed(b.STORAGE, "allowCrossTenantReplication", DELETE),
        "allowCrossTenantReplication is not set; Azure's default is true before API version 2023-01-01, set it to false.",
    ),
    # -- key vault and keys -----------------------------------------------------------------------------
    ok("keyvault-recovery", VAULT, b.VAULT),
    bad(
        "keyvault-recovery",
        VAULT,
        changed(b.VAULT, "properties.enablePurgeProtection", DELETE),
        "properties.enablePurgeProtection is not set; Azure's default is false, set it to true.",
    ),
    bad(
        "keyvault-recovery",
        VAULT,
        changed(b.VAULT, "properties.enableSoftDelete", False),
        "properties.enableSoftDelete is false; must be true.",
    ),
    ok("keyvault-rbac", VAULT, b.VAULT),
    bad(
        "keyvault-rbac",
        VAULT,
        changed(b.VAULT, "properties.enableRbacAuthorization", DELETE),
        "properties.enableRbacAuthorization is not set; Azure's default is false (access policies), set it to true.",
    ),
    bad(
        "keyvault-rbac",
        VAULT,
        changed(b.VAULT, "properties", UNKNOWN),
        UNKNOWN_MSG.format("properties.enableRbacAuthorization"),
    ),
    ok("keyvault-network", VAULT, b.VAULT),
    ok(
        "keyvault-network",
        VAULT,
        changed(b.VAULT, "properties.publicNetworkAccess", "Enabled"),
        "deny by default",
    ),
    bad(
        "keyvault-network",
        VAULT,
        changed(
            changed(b.VAULT, "properties.publicNetworkAccess", "Enabled"),
            "properties.networkAcls.defaultAction",
            "Allow",
        ),
        'properties.publicNetworkAccess is "Enabled" and properties.networkAcls.defaultAction is "Allow" (Azure\'s '
        'defaults are Enabled and Allow); set properties.publicNetworkAccess to "Disabled" or '
        'properties.networkAcls.defaultAction to "Deny".',
    ),
    ok("key-strength", KEY, b.KEY_RSA),
    ok("key-strength", KEY, b.KEY_EC, "ec"),
    ok("key-strength", KEY, changed(b.KEY_RSA, "properties.kty", "rsa"), "case"),
    bad(
        "key-strength",
        KEY,
        changed(b.KEY_RSA, "properties.keySize", 2048),
        "properties.keySize is 2048; RSA keys must be at least 3072 bits.",
    ),
    bad(
        "key-strength",
        KEY,
        changed(b.KEY_RSA, "properties.keySize", DELETE),
        "properties.keySize is not set; Azure's default is 2048, set it to at least 3072.",
    ),
    bad(
        "key-strength",
        KEY,
        changed(b.KEY_RSA, "properties.keySize", UNKNOWN),
        UNKNOWN_MSG.format("properties.keySize"),
    ),
    bad(
        "key-strength",
        KEY,
        b.KEY_RSA,
        "properties.keySize is 3072; RSA keys must be at least 4096 bits.",
        label="config",
        minimumRsaKeySize=4096,
    ),
    bad(
        "key-strength",
        KEY,
        changed(b.KEY_EC, "properties.curveName", "P-192"),
        'properties.curveName is "P-192"; must be one of "P-256", "P-256K", "P-384", "P-521".',
    ),
    ok("key-rotation", KEY, b.KEY_RSA),
    ok(
        "key-rotation",
        KEY,
        changed(b.KEY_RSA, "properties.rotationPolicy.lifetimeActions.0.action.type", "Rotate"),
        "case",
    ),
    bad(
        "key-rotation",
        KEY,
        changed(b.KEY_RSA, "properties.rotationPolicy", DELETE),
        'properties.rotationPolicy is not set; add a lifetime action of type "rotate".',
    ),
    bad(
        "key-rotation",
        KEY,
        changed(b.KEY_RSA, "properties.rotationPolicy.lifetimeActions.0", DELETE),
        'properties.rotationPolicy.lifetimeActions has no "rotate" action; add one of type "rotate".',
    ),
    # -- container registry -----------------------------------------------------------------------------
    ok("acr-auth", ACR, b.ACR),
    ok(
        "acr-auth",
        ACR,
        changed(changed(b.ACR, "adminUserEnabled", DELETE), "anonymousPullEnabled", DELETE),
        "absent",
    ),
    bad(
        "acr-auth", ACR, changed(b.ACR, "adminUserEnabled", True), "adminUserEnabled is true; must be false."
    ),
    bad(
        "acr-auth",
        ACR,
        changed(b.ACR, "anonymousPullEnabled", True),
        "anonymousPullEnabled is true; must be false.",
    ),
    ok("acr-network", ACR, b.ACR),
    bad(
        "acr-network",
        ACR,
        changed(b.ACR, "publicNetworkAccess", "Enabled"),
        'publicNetworkAccess is "Enabled"; must be "Disabled".',
    ),
    bad(
        "acr-network",
        ACR,
        changed(b.ACR, "sku.name", "Standard"),
        'sku.name is "Standard"; must be "Premium".',
    ),
    bad(
        "acr-network",
        ACR,
        changed(b.ACR, "policies", DELETE),
        'policies.exportPolicy.status is not set; Azure\'s default is enabled, set it to "disabled".',
    ),
    ok("acr-cmk", ACR, b.ACR),
    ok("acr-cmk", ACR, changed(b.ACR, "encryption.status", "Enabled"), "case"),
    bad(
        "acr-cmk",
        ACR,
        changed(b.ACR, "encryption", DELETE),
        'encryption.status is not set; Azure\'s default is disabled, set it to "enabled".',
    ),
    # -- monitoring -------------------------------------------------------------------------------------
    ok("appinsights-auth", APP_INSIGHTS, b.APP_INSIGHTS),
    ok(
        "appinsights-auth",
        APP_INSIGHTS,
        changed(b.APP_INSIGHTS, "workspaceResourceId", UNKNOWN),
        "unknown reference",
    ),
    bad(
        "appinsights-auth",
        APP_INSIGHTS,
        changed(b.APP_INSIGHTS, "disableLocalAuth", False),
        "disableLocalAuth is false; must be true.",
    ),
    bad(
        "appinsights-auth",
        "azure-native:insights:Component",
        changed(b.APP_INSIGHTS, "workspaceResourceId", DELETE),
        "workspaceResourceId is not set; Application Insights must be workspace-based (a Log Analytics workspace ID).",
        label="v2 module name",
    ),
    ok("loganalytics-auth", LOG_ANALYTICS, b.LOG_ANALYTICS),
    bad(
        "loganalytics-auth",
        LOG_ANALYTICS,
        changed(b.LOG_ANALYTICS, "features", DELETE),
        "features.disableLocalAuth is not set; Azure's default is false, set it to true.",
    ),
    ok("loganalytics-retention", LOG_ANALYTICS, b.LOG_ANALYTICS),
    bad(
        "loganalytics-retention",
        LOG_ANALYTICS,
        changed(b.LOG_ANALYTICS, "retentionInDays", 30),
        "retentionInDays is 30; keep logs at least 90 days.",
    ),
    bad(
        "loganalytics-retention",
        LOG_ANALYTICS,
        changed(b.LOG_ANALYTICS, "retentionInDays", DELETE),
        "retentionInDays is not set; Azure's default is 30 days, keep logs at least 90 days.",
    ),
    # -- network ----------------------------------------------------------------------------------------
    ok("nsg-management-ports", NSG, b.NSG),
    ok("nsg-management-ports", SECURITY_RULE, b.SECURITY_RULE, "rule resource"),
    ok("nsg-management-ports", NSG, rule(0, sourceAddressPrefix="*", direction="Outbound"), "outbound"),
    ok("nsg-management-ports", NSG, rule(0, sourceAddressPrefix="*", access="Deny"), "deny"),
    bad(
        "nsg-management-ports",
        NSG,
        rule(0, sourceAddressPrefix="*"),
        'securityRules[0] ("AllowBastionSsh") allows inbound traffic from "*" to port 22 (SSH)' + SSH_RDP,
    ),
    bad(
        "nsg-management-ports",
        NSG,
        rule(0, sourceAddressPrefix="any", direction="inbound", access="allow"),
        'securityRules[0] ("AllowBastionSsh") allows inbound traffic from "any" to port 22 (SSH)' + SSH_RDP,
        label="case",
    ),
    bad(
        "nsg-management-ports",
        NSG,
        rule(1, destinationPortRanges=["443", "3380-3390"]),
        'securityRules[1] ("AllowHttpsFromInternet") allows inbound traffic from "Internet" to port 3389 (RDP)'
        + SSH_RDP,
    ),
    bad(
        "nsg-management-ports",
        NSG,
        rule(
            0,
            sourceAddressPrefix=DELETE,
            sourceAddressPrefixes=["10.0.0.0/8", "0.0.0.0/0"],
            destinationPortRange="*",
        ),
        'securityRules[0] ("AllowBastionSsh") allows inbound traffic from "0.0.0.0/0" to ports 22 (SSH) and '
        "3389 (RDP)" + SSH_RDP,
    ),
    bad(
        "nsg-management-ports",
        NSG,
        rule(0, sourceAddressPrefix=UNKNOWN),
        UNKNOWN_MSG.format("securityRules[0].sourceAddressPrefix"),
    ),
    bad(
        "nsg-management-ports",
        SECURITY_RULE,
        changed(b.SECURITY_RULE, "sourceAddressPrefix", "Internet"),
        'the rule allows inbound traffic from "Internet" to port 22 (SSH)' + SSH_RDP,
    ),
    bad(
        "nsg-management-ports",
        SECURITY_RULE,
        changed(changed(b.SECURITY_RULE, "sourceAddressPrefix", "*"), "destinationPortRange", "20-25"),
        'the rule allows inbound traffic from "*" to port 22 (SSH)' + SSH_RDP,
        label="range",
    ),
    ok("subnet-nsg", VNET, b.VNET),
    ok("subnet-nsg", SUBNET, b.SUBNET, "subnet resource"),
    ok("subnet-nsg", SUBNET, changed(b.SUBNET, "networkSecurityGroup.id", UNKNOWN), "unknown reference"),
    ok(
        "subnet-nsg",
        SUBNET,
        changed(changed(b.SUBNET, "networkSecurityGroup", DELETE), "subnetName", "azurefirewallsubnet"),
        "reserved",
    ),
    bad(
        "subnet-nsg",
        VNET,
        changed(b.VNET, "subnets.0.networkSecurityGroup", DELETE),
        'subnets[0] ("snet-ml") has no networkSecurityGroup; every subnet needs a network security group.',
    ),
    bad(
        "subnet-nsg",
        SUBNET,
        changed(b.SUBNET, "networkSecurityGroup", DELETE),
        "networkSecurityGroup is not set; every subnet needs a network security group.",
    ),
    # -- identity ---------------------------------------------------------------------------------------
    ok("rbac-privileged-roles", ROLE_ASSIGNMENT, b.ROLE_ASSIGNMENT),
    ok(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        changed(b.ROLE_ASSIGNMENT, "scope", UNKNOWN),
        "unknown scope",
    ),
    ok("rbac-privileged-roles", ROLE_ASSIGNMENT, changed(b.ROLE_ASSIGNMENT, "scope", b.RG), "resource group"),
    ok(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(RBAC_ADMIN, condition=CONDITION, conditionVersion="2.0"),
        "abac",
    ),
    ok(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(OWNER),
        "exempt",
        exemptPrincipals=["11111111-1111-1111-1111-111111111111"],
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(OWNER),
        f"roleDefinitionId is Owner ({OWNER}); Owner must never be assigned, use a narrower role.",
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(OWNER.upper()),
        f"roleDefinitionId is Owner ({OWNER}); Owner must never be assigned, use a narrower role.",
        label="case",
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        changed(b.ROLE_ASSIGNMENT, "roleDefinitionId", UAA),
        f"roleDefinitionId is User Access Administrator ({UAA}); User Access Administrator must never be "
        "assigned, use a narrower role.",
        label="bare guid",
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(RBAC_ADMIN),
        "roleDefinitionId is Role Based Access Control Administrator without a condition; add a condition "
        '(conditionVersion "2.0") limiting which roles it may assign.',
    ),
    ok(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(
            RBAC_ADMIN,
            condition=EXCEPT_PRIVILEGED.format(f"{OWNER}, {UAA}, {RBAC_ADMIN}"),
            conditionVersion="2.0",
        ),
        "all but privileged",
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(
            RBAC_ADMIN,
            condition=CONDITION.replace("{ba92f5b4", f"{{{OWNER.upper()}, ba92f5b4"),
            conditionVersion="2.0",
        ),
        f"condition lets {RBAC_NAME} assign Owner; remove them from the roles it may assign.",
        label="owner delegable",
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(RBAC_ADMIN, condition=EXCEPT_PRIVILEGED.format(OWNER), conditionVersion="2.0"),
        f"condition lets {RBAC_NAME} assign every role but those it excludes, including User Access "
        f"Administrator, {RBAC_NAME}; exclude Owner, User Access Administrator, {RBAC_NAME}, or list the roles "
        "it may assign with GuidEquals.",
        label="excludes only owner",
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(RBAC_ADMIN, condition=ONLY_PRINCIPALS, conditionVersion="2.0"),
        f"condition does not limit which roles {RBAC_NAME} may assign; constrain "
        "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] with GuidEquals {<role GUIDs>}.",
        label="principals only",
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(RBAC_ADMIN, condition=ROLE_WITHOUT_SET, conditionVersion="2.0"),
        f"condition does not limit which roles {RBAC_NAME} may assign; constrain "
        "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] with GuidEquals {<role GUIDs>}.",
        label="role attribute without a set",
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        role(RBAC_ADMIN, condition=UNKNOWN, conditionVersion="2.0"),
        UNKNOWN_MSG.format("condition"),
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        changed(b.ROLE_ASSIGNMENT, "principalType", "User"),
        'principalType is "User"; Contributor may only be assigned to service principals (managed identities, '
        'the CI identity): set principalType "ServicePrincipal".',
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        changed(b.ROLE_ASSIGNMENT, "principalType", DELETE),
        "principalType is not set; Contributor may only be assigned to service principals (managed identities, "
        'the CI identity): set principalType "ServicePrincipal".',
    ),
    bad(
        "rbac-privileged-roles",
        ROLE_ASSIGNMENT,
        changed(b.ROLE_ASSIGNMENT, "scope", b.SUB),
        f'scope is "{b.SUB}" (subscription); Contributor must be scoped to a resource group or a single resource.',
    ),
    ok("rbac-custom-roles", ROLE_DEFINITION, b.ROLE_DEFINITION),
    bad(
        "rbac-custom-roles",
        ROLE_DEFINITION,
        changed(b.ROLE_DEFINITION, "permissions.0.actions", ["*"]),
        'permissions[0].actions[0] is "*"; custom roles must list the actions they need.',
    ),
    bad(
        "rbac-custom-roles",
        ROLE_DEFINITION,
        changed(
            b.ROLE_DEFINITION, "permissions.0.actions.1", "Microsoft.Authorization/roleAssignments/write"
        ),
        'permissions[0].actions[1] is "Microsoft.Authorization/roleAssignments/write"; custom roles must not '
        "grant Microsoft.Authorization writes.",
    ),
    bad(
        "rbac-custom-roles",
        ROLE_DEFINITION,
        changed(b.ROLE_DEFINITION, "assignableScopes", ["/"]),
        'assignableScopes[0] is "/"; custom roles must not be assignable at the tenant root.',
    ),
    ok("rbac-groups", ROLE_ASSIGNMENT, b.ROLE_ASSIGNMENT),
    ok("rbac-groups", ROLE_ASSIGNMENT, changed(b.ROLE_ASSIGNMENT, "principalType", "Group"), "group"),
    bad(
        "rbac-groups",
        ROLE_ASSIGNMENT,
        changed(b.ROLE_ASSIGNMENT, "principalType", "User"),
        'principalType is "User"; assign roles to groups or service principals, not users.',
    ),
    bad(
        "rbac-groups",
        ROLE_ASSIGNMENT,
        changed(b.ROLE_ASSIGNMENT, "principalType", DELETE),
        'principalType is not set; assign roles to a "Group" or "ServicePrincipal" and say so.',
    ),
    # -- governance -------------------------------------------------------------------------------------
    ok("required-tags", STORAGE, b.STORAGE),
    ok(
        "required-tags",
        RESOURCE_GROUP,
        changed(b.RESOURCE_GROUP, "tags", {"Environment": "dev", "OWNER": "x"}),
        "case",
    ),
    bad(
        "required-tags",
        WORKSPACE,
        changed(W, "tags", {"environment": "dev"}),
        'tags is missing "owner" (required: "environment", "owner").',
    ),
    bad(
        "required-tags",
        VAULT,
        b.VAULT,
        'tags is missing "costCenter" (required: "costCenter").',
        label="config",
        requiredTags=["costCenter"],
    ),
    ok("allowed-locations", STORAGE, changed(b.STORAGE, "location", "eastus"), "no list"),
    ok(
        "allowed-locations",
        STORAGE,
        changed(b.STORAGE, "location", "West Europe"),
        "listed",
        allowedLocations=["westeurope"],
    ),
    bad(
        "allowed-locations",
        STORAGE,
        changed(b.STORAGE, "location", "eastus"),
        'location is "eastus"; allowed: "westeurope".',
        allowedLocations=["westeurope"],
    ),
]


def _case_id(case: Case) -> str:
    return f"{case.policy}:{'fail' if case.expect else 'pass'}:{case.label or '-'}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_case(pack: PolicyPackProcess, case: Case) -> None:
    """The policy reports exactly the expected messages, at its level, and nothing it cannot evaluate."""
    config = {case.policy: case.config} if case.config else None
    violations = analyze(pack, res(case.type, "r", case.props), config)
    mine = [v for v in violations if v.policy == case.policy]
    assert sorted(body(v) for v in mine) == sorted(case.expect)
    level = "advisory" if case.policy in ADVISORY else "mandatory"
    assert all(v.level == level for v in mine)
    assert not [v for v in violations if "could not evaluate" in v.message or "can't run policy" in v.message]


BASELINES = {
    "workspace": (WORKSPACE, b.WORKSPACE),
    "outbound rule": (OUTBOUND_RULE, b.OUTBOUND_RULE),
    "compute instance": (COMPUTE, b.COMPUTE_INSTANCE),
    "compute cluster": (COMPUTE, b.COMPUTE_CLUSTER),
    "attached vm": (COMPUTE, b.COMPUTE_VM),
    "online endpoint": (ONLINE_ENDPOINT, b.ONLINE_ENDPOINT),
    "online deployment": (ONLINE_DEPLOYMENT, b.ONLINE_DEPLOYMENT),
    "batch deployment": (BATCH_DEPLOYMENT, b.BATCH_DEPLOYMENT),
    "datastore": (DATASTORE, b.DATASTORE),
    "ml registry": (ML_REGISTRY, b.ML_REGISTRY),
    "storage": (STORAGE, b.STORAGE),
    "vault": (VAULT, b.VAULT),
    "rsa key": (KEY, b.KEY_RSA),
    "ec key": (KEY, b.KEY_EC),
    "acr": (ACR, b.ACR),
    "app insights": (APP_INSIGHTS, b.APP_INSIGHTS),
    "log analytics": (LOG_ANALYTICS, b.LOG_ANALYTICS),
    "nsg": (NSG, b.NSG),
    "security rule": (SECURITY_RULE, b.SECURITY_RULE),
    "vnet": (VNET, b.VNET),
    "subnet": (SUBNET, b.SUBNET),
    "role assignment": (ROLE_ASSIGNMENT, b.ROLE_ASSIGNMENT),
    "role definition": (ROLE_DEFINITION, b.ROLE_DEFINITION),
    "resource group": (RESOURCE_GROUP, b.RESOURCE_GROUP),
}


def test_baselines_pass_every_policy(pack: PolicyPackProcess) -> None:
    """Each compliant baseline draws no violation at all, advisory included (no false positives)."""
    resources = [res(t, name.replace(" ", "-"), props) for name, (t, props) in BASELINES.items()]
    violations = pack.analyze_many(resources)
    assert [(v.urn.rsplit("::", 1)[-1], v.policy, body(v)) for v in violations] == []


# Azure AI Services and Foundry baselines (their cases: test_ai_services.py); fuzzing and robustness use them too.
BASELINES.update(
    {
        "ai account": (AI_ACCOUNT, b.AI_ACCOUNT),
        "ai deployment": (AI_DEPLOYMENT, b.AI_DEPLOYMENT),
        "ai content filter": (AI_RAI_POLICY, b.AI_RAI_POLICY),
    }
)
