"""Composition root: read stack config, validate it, build the platform, export IDs and endpoints."""

from __future__ import annotations

from typing import Any

import pulumi

from components import SecureMlPlatform, SecureMlPlatformArgs, load_settings
from components.settings import CONFIG_SCHEMA


def read_config() -> dict[str, Any]:
    """Project config values as plain Python values, typed per the Pulumi.yaml schema (unset keys omitted)."""
    cfg = pulumi.Config()
    values: dict[str, Any] = {}
    for key, (kind, _default, _doc) in CONFIG_SCHEMA.items():
        value: Any
        if kind in ("object", "array"):
            value = cfg.get_object(key)
        elif kind == "integer":
            value = cfg.get_int(key)
        elif kind == "boolean":
            value = cfg.get_bool(key)
        else:
            value = cfg.get(key)
        if value is not None:
            values[key] = value
    # Keys set for this project but not declared (a typo such as `colour`): load_settings names them.
    for key in undeclared_project_keys():
        values[key] = cfg.get(key)
    return values


def undeclared_project_keys() -> list[str]:
    """Keys in this project's config namespace that CONFIG_SCHEMA does not declare."""
    prefix = f"{pulumi.get_project()}:"
    keys = set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.get_config_env())
    return sorted(
        k[len(prefix) :] for k in keys if k.startswith(prefix) and k[len(prefix) :] not in CONFIG_SCHEMA
    )


settings = load_settings(read_config(), pulumi.Config("azure-native").get("location"))
platform = SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings))
ml = platform.ml

pulumi.export("resourceGroupName", platform.resource_group_name)
pulumi.export("vnetId", platform.network.vnet_id)
pulumi.export("workspaceId", ml.workspace_id)
pulumi.export("workspaceName", ml.workspace_name)
pulumi.export("workspaceDiscoveryUrl", ml.workspace.workspace.discovery_url)
pulumi.export("workspacePrivateEndpointId", ml.workspace.private_link.private_endpoint.id)
pulumi.export("identityId", ml.identity.id)
pulumi.export("identityClientId", ml.identity_client_id)
pulumi.export("keyVaultId", ml.key_vault.vault.id)
pulumi.export("keyVaultUri", ml.key_vault.vault.properties.vault_uri)
pulumi.export("cmkKeyUri", ml.key_vault.key.key_uri)
pulumi.export("storageAccountId", ml.storage.account.id)
pulumi.export("storageBlobEndpoint", ml.storage.account.primary_endpoints.blob)
pulumi.export("registryId", ml.registry.registry.id)
pulumi.export("registryLoginServer", ml.registry.registry.login_server)
pulumi.export("logAnalyticsWorkspaceId", ml.monitoring.log_analytics_workspace_id)
pulumi.export("appInsightsId", ml.monitoring.app_insights.id)
pulumi.export("personaGroupIds", ml.persona_access.group_ids)
# Instance names carry the stack suffix (unique per region): what each user opens in studio.
pulumi.export("computeInstanceNames", {k: v.name for k, v in ml.compute.instances.items()})
# Governance: identifiers only. The CI identity has no secret; its client ID is what CI logs in with (OIDC).
gov = platform.governance
pulumi.export("policyAssignmentIds", {k: v.id for k, v in gov.policy_assignments.items()})
pulumi.export("modelRegistryName", gov.model_registry.name if gov.model_registry else None)
pulumi.export("modelRegistryId", gov.model_registry.id if gov.model_registry else None)
pulumi.export("defenderPlans", sorted(gov.defender_pricings))
pulumi.export("activityLogSettingId", gov.activity_log.id if gov.activity_log else None)
pulumi.export("ciClientId", gov.ci_application.client_id if gov.ci_application else None)
pulumi.export(
    "ciServicePrincipalObjectId", gov.ci_service_principal.object_id if gov.ci_service_principal else None
)
# AI Services (Foundry), when the stack has one: account ID and endpoint (callers use Entra ID tokens, no keys).
ai = platform.ai
pulumi.export("aiServicesAccountId", ai.account_id if ai else None)
pulumi.export("aiServicesEndpoint", ai.endpoint if ai else None)
