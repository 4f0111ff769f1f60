"""Governance: each Azure Policy assignment's definition, effect and parameters; parity between the pack's
Azure Policy anchors and the assignment table; the approved-models registry and the pack configuration that
names it; Defender plans and the activity log (subscription-wide, prod only); the keyless CI identity
(federated credential, constrained delegation, no secret anywhere); and the prod stack through the preflight."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel

from aml_security.policies import ALL_POLICIES
from components import SecureMlPlatform, SecureMlPlatformArgs, SettingsError, load_settings
from components.governance import (
    ACTIVITY_LOG_CATEGORIES,
    CI_NEVER_DELEGATED,
    CiIdentityArgs,
    GovernanceArgs,
    constrained_delegation_condition,
    validate_governance_args,
)
from components.interfaces import Placement
from components.policy_parity import PARITY, ParityContext, assignment_key, planned_assignments
from components.roles import ROLE_IDS
from components.settings import PROJECT
from tests.components.conftest import SUB, Program, Recorded, run_program
from tests.components.test_settings import stack_config

ROOT = Path(__file__).resolve().parents[2]
P = f"{PROJECT}:"
CMK = "Key Vault Crypto Service Encryption User"

# The expected assignments, written out independently of the table: key -> (GUID, effect, other parameters).
# Effects were read from each definition's allowedValues (see components/policy_parity.py for the sources).
EXPECTED_PROD: dict[str, tuple[str, str, dict[str, Any]]] = {
    "ws-public-network-438c38d2": ("438c38d2-3772-465a-a9cc-7a6666a275ce", "Deny", {}),
    "ws-managed-network-6ddb1705": ("6ddb1705-c8cf-450e-aa4b-19ad6703c440", "Deny",
                                    {"isolationMode": "AllowOnlyApprovedOutbound"}),
    "ws-cmk-ba769a63": ("ba769a63-b8cc-4b2d-abf6-ac33c7204be8", "Deny", {}),
    "ws-identity-5f0c7d88": ("5f0c7d88-c7de-45b8-ac49-db49e72eaa78", "Deny", {}),
    "compute-local-auth-e96a9a5f": ("e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f", "Deny", {}),
    "compute-idle-shutdown-679ddf89": ("679ddf89-ab8f-48a5-9029-e76054077449", "Deny", {}),
    "deployment-approved-model-12e5dd16": ("12e5dd16-d201-47ff-849b-8454061c293d", "Deny",
                                           {"allowedPublishers": [],
                                            "allowedAssetIds": ["azureml://registries/mlr-amlsec-prod/"]}),
    "deployment-approved-model-19539b54": ("19539b54-c61e-4196-9a38-67598701be90", "Deny",
                                           {"allowedRegistryName": "mlr-amlsec-prod"}),
    "storage-shared-key-8c6a50c6": ("8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54", "Deny", {}),
    "storage-public-4fa4b6c0": ("4fa4b6c0-31ca-4c0d-b10d-24b96f62a751", "Deny", {}),
    "storage-public-b2982f36": ("b2982f36-99f2-4db5-8eff-283140c09693", "Deny", {}),
    "storage-public-34c877ad": ("34c877ad-507e-4c82-993e-3452a6e0ad3c", "Audit", {}),
    "storage-transport-fe83a0eb": ("fe83a0eb-a853-422d-aac2-1bffd182c5d0", "Deny", {"minimumTlsVersion": "TLS1_2"}),
    "storage-transport-404c3081": ("404c3081-a854-4457-ae30-26a93ef643f9", "Deny", {}),
    "storage-cmk-6fac406b": ("6fac406b-40ca-413b-bf8e-0bf964659c25", "Audit", {}),
    "storage-infrastructure-encryption-4733ea7b": ("4733ea7b-a883-42fe-8cac-97454c2a9e4a", "Audit", {}),
    "storage-cross-tenant-92a89a79": ("92a89a79-6c52-4a7e-a03f-61306fc49312", "Deny", {}),
    "keyvault-recovery-0b60c0b2": ("0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", "Deny", {}),
    "keyvault-recovery-1e66c121": ("1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d", "Deny", {}),
    "keyvault-rbac-12d4fa5e": ("12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5", "Deny", {}),
    "keyvault-network-405c5871": ("405c5871-3e91-4644-8a63-58e19d68ff5b", "Deny", {}),
    "keyvault-network-55615ac9": ("55615ac9-af46-4a59-874e-391cc3dfb490", "Deny", {}),
    "key-strength-82067dbb": ("82067dbb-e53b-4e06-b631-546d197452d9", "Deny", {"minimumRSAKeySize": 3072}),
    "key-rotation-d8cf8476": ("d8cf8476-a2ec-4916-896e-992351803c44", "Audit", {"maximumDaysToRotate": 90}),
    "acr-auth-dc921057": ("dc921057-6b28-4fbe-9b83-f7bec05db6c2", "Deny", {}),
    "acr-auth-9f2dea28": ("9f2dea28-e834-476c-99c5-3507b4728395", "Deny", {}),
    "acr-network-0fdf0491": ("0fdf0491-d080-4575-b627-ad0e843cba0f", "Deny", {}),
    "acr-network-524b0254": ("524b0254-c285-4903-bee6-bb8126cde579", "Deny", {}),
    "acr-network-bd560fc0": ("bd560fc0-3c69-498a-ae9f-aa8eb7de0e13", "Deny", {}),
    "acr-cmk-5b9159ae": ("5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580", "Audit", {}),  # registry: Microsoft-managed key
    "appinsights-auth-199d5677": ("199d5677-e4d9-4264-9465-efe1839c06bd", "Deny", {}),
    "loganalytics-auth-e15effd4": ("e15effd4-2278-4c65-a0da-4d6f6d1890e2", "Deny", {}),
    "diagnostics-afe0c3be": ("afe0c3be-ba3b-4544-ba52-0c99672a8ad6", "AuditIfNotExists", {}),
    "private-endpoints-45e05259": ("45e05259-1eb5-4f70-9574-baf73e9d219b", "Audit", {}),
}  # fmt: skip
# Azure AI Services and Foundry (prod has an AI Services account and approvedModels).
EXPECTED_PROD.update({
    "ai-public-network-037eea7a": ("037eea7a-bd0a-46c5-9a66-03aea78705d3", "Deny", {}),
    "ai-public-network-0725b4dd": ("0725b4dd-7e76-479c-a735-68e7ee23d5ca", "Audit", {}),
    "ai-local-auth-71ef260a": ("71ef260a-8f18-47b7-abcb-62d0673d94dc", "Deny", {}),
    "ai-identity-fe3fd216": ("fe3fd216-4f83-4fc1-8984-2bbec80a3418", "Deny", {}),
    "ai-cmk-67121cc7": ("67121cc7-ff39-4ab8-b7e3-95b84dab487d", "Audit", {"excludedKinds": [
        "CognitiveServices", "ContentSafety", "ImmersiveReader", "HealthInsights", "LUIS.Authoring", "LUIS",
        "QnAMaker", "QnAMaker.V2", "MetricsAdvisor", "SpeechTranslation", "Internal.AllInOne",
        "ConversationalLanguageUnderstanding", "knowledge", "TranscriptionIntelligence", "HealthDecisionSupport"]}),
    "ai-approved-models-aafe3651": ("aafe3651-cb78-4f68-9f81-e7e41509110f", "Deny", {
        "allowedPublishers": [],
        "allowedAssetIds": ["azureml://registries/azure-openai/models/gpt-4o/versions/2024-11-20"]}),
    "diagnostics-1b4d1c4e": ("1b4d1c4e-934c-4703-944c-27c82c06bebb", "AuditIfNotExists", {}),
})  # fmt: skip
SECRET_TYPES = {
    "azuread:index/applicationPassword:ApplicationPassword",
    "azuread:index/servicePrincipalPassword:ServicePrincipalPassword",
    "azuread:index/applicationCertificate:ApplicationCertificate",
    "azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate",
}
SECRET_WORDS = re.compile(
    r"password|secret|connectionstring|accesskey|primarykey|secondarykey|instrumentationkey|sastoken",
    re.IGNORECASE,
)


def platform(stack: str) -> Program:
    settings = load_settings(*stack_config(stack))
    return run_program(lambda: SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings)))


@pytest.fixture(scope="module")
def prod() -> Program:
    return platform("prod")


@pytest.fixture(scope="module")
def dev() -> Program:
    return platform("dev")


def guid_of(ra: Recorded) -> str:
    return str(ra.inputs["roleDefinitionId"]).rsplit("/", 1)[-1]


# -- Azure Policy assignments --------------------------------------------------------------------------


def test_each_assignment_definition_effect_and_parameters(prod: Program) -> None:
    assignments = {
        r.name.removeprefix("aml-gov-policy-"): r for r in prod.of_type("authorization:PolicyAssignment")
    }
    assert set(assignments) == set(EXPECTED_PROD)
    rg = prod.one("resources:ResourceGroup")
    for key, (guid, effect, params) in EXPECTED_PROD.items():
        a = assignments[key].inputs
        assert a["policyDefinitionId"] == f"/providers/Microsoft.Authorization/policyDefinitions/{guid}", key
        assert a["parameters"] == {
            "effect": {"value": effect},
            **{k: {"value": v} for k, v in params.items()},
        }, key
        assert a["enforcementMode"] == "Default" and a["policyAssignmentName"] == f"aml-{key}", key
        assert len(a["policyAssignmentName"]) <= 64
        assert a["nonComplianceMessages"][0]["message"].startswith("aml-secure-baseline control "), key
        assert (
            prod.depends(assignments[key], rg)
            and a["scope"]
            == f"/subscriptions/{SUB}/resourceGroups/rg/providers/resources/ResourceGroup/rg-amlsec-prod"
        )


def test_compute_subnet_definition_is_assigned_only_without_a_managed_network() -> None:
    managed = planned_assignments(ParityContext(isolation_mode="AllowOnlyApprovedOutbound"))
    unmanaged = planned_assignments(ParityContext(isolation_mode="Disabled"))
    assert "compute-subnet-7804b5c7" not in managed
    assert unmanaged["compute-subnet-7804b5c7"][1] == {"effect": "Audit"}  # Audit, Disabled only


def test_single_registry_definition_needs_at_most_one_approved_registry() -> None:
    none = planned_assignments(ParityContext())
    assert none["deployment-approved-model-19539b54"][1] == {"effect": "Deny", "allowedRegistryName": ""}
    assert none["deployment-approved-model-12e5dd16"][1]["allowedAssetIds"] == []
    two = planned_assignments(ParityContext(approved_registries=("a", "b")))
    assert "deployment-approved-model-19539b54" not in two
    assert two["deployment-approved-model-12e5dd16"][1]["allowedAssetIds"] == [
        "azureml://registries/a/",
        "azureml://registries/b/",
    ]


def test_parity_every_pack_anchor_has_an_assignment_and_every_assignment_a_rule() -> None:
    pack = {p.name: p for p in ALL_POLICIES}
    anchors = {
        name: {t.split(":", 1)[1] for t in (p.tags or []) if t.startswith("azure-policy:")}
        for name, p in pack.items()
    }
    table: dict[str, set[str]] = {}
    for entry in PARITY:
        assert entry.rule in pack, f"{entry.guid} names no pack policy: {entry.rule}"
        table.setdefault(entry.rule, set()).add(entry.guid)
        # An anchored entry is one of that rule's anchors; an extra one is marked as such.
        assert (entry.guid in anchors[entry.rule]) == entry.anchor, entry.guid
        # Advisory pack rules are audited at runtime, never denied (not stricter than the pack).
        advisory = pack[entry.rule].enforcement_level == EnforcementLevel.ADVISORY
        assert entry.pack_advisory == advisory, entry.rule
        assert entry.effect in entry.allowed_effects
        if advisory:
            assert entry.effect.casefold() != "deny"
    for name, guids in anchors.items():
        missing = guids - table.get(name, set())
        assert not missing, f"pack rule {name} has Azure Policy anchors without an assignment: {missing}"
    assert len({assignment_key(e) for e in PARITY}) == len(PARITY)


def test_effect_is_deny_where_the_definition_allows_it_unless_documented() -> None:
    for entry in PARITY:
        allows_deny = any(e.casefold() == "deny" for e in entry.allowed_effects)
        if allows_deny and entry.effect.casefold() != "deny":
            assert entry.pack_advisory or (entry.max_effect == "Audit" and entry.note), entry.guid
        assert entry.source, entry.guid


def test_key_vault_deletion_protection_and_firewall_definitions_deny_and_our_vault_complies(
    prod: Program,
) -> None:
    """Azure/azure-policy, Key Vault/Recoverable_Audit.json ("Key vaults should have deletion protection
    enabled", 2.1.0) and Key Vault/FirewallEnabled_Audit.json ("Azure Key Vault should have firewall enabled
    or public network access disabled", 3.3.0): both allow Audit, Deny, Disabled. The first flags a vault
    without enableSoftDelete/enablePurgeProtection true; the second one whose networkAcls.defaultAction is
    not Deny AND whose publicNetworkAccess is not Disabled. The baseline's vault passes both, so Deny."""
    by_guid = {e.guid[:8]: e for e in PARITY}
    for guid, name in (
        ("0b60c0b2", "Key vaults should have deletion protection enabled"),
        ("55615ac9", "Azure Key Vault should have firewall enabled or public network access disabled"),
    ):
        entry = by_guid[guid]
        assert entry.display_name == name and entry.allowed_effects == ("Audit", "Deny", "Disabled")
        assert entry.effect == "Deny" and not entry.max_effect
    props = prod.one("keyvault:Vault").inputs["properties"]
    assert props["enableSoftDelete"] is True and props["enablePurgeProtection"] is True
    assert props["publicNetworkAccess"] == "Disabled" or props["networkAcls"]["defaultAction"] == "Deny"


def test_display_names_follow_the_current_definitions() -> None:
    """Azure/azure-policy at commit f4a50bac (2026-04-29): the built-in display names the portal shows
    (Machine Learning/Workspace_PublicNetworkAccessDisabled_Audit.json, DisableLocalAuth_Audit.json,
    Vnet_Audit.json; Key Vault/Should_Use_RBAC.json, no longer "[Preview]")."""
    names = {e.guid[:8]: e.display_name for e in PARITY}
    assert names["438c38d2"] == "Azure Machine Learning Workspaces should disable public network access"
    assert (
        names["e96a9a5f"]
        == "Azure Machine Learning Computes should have local authentication methods disabled"
    )
    assert names["12d4fa5e"] == "Azure Key Vault should use RBAC permission model"
    assert names["7804b5c7"] == "Azure Machine Learning Computes should be in a virtual network"


def test_policy_assignments_can_be_turned_off() -> None:
    config, location = stack_config("dev")
    settings = load_settings({**config, "policyAssignments": False}, location)
    program = run_program(lambda: SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings)))
    assert program.of_type("authorization:PolicyAssignment") == []


# -- Approved models -----------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_registry_is_the_packs_approved_registry(stack: str) -> None:
    config, _ = stack_config(stack)
    pack_config = json.loads((ROOT / "stacks" / f"policy-config.{stack}.json").read_text())
    assert pack_config["deployment-approved-model"]["approvedRegistries"] == [config["modelRegistryName"]]


def test_model_registry_is_private_with_endpoints_to_it_and_its_storage_and_acr(prod: Program) -> None:
    """Source: "Network isolation with Azure Machine Learning registries", section "Use assets from registry in
    workspace": private endpoints to the registry, its storage and its ACR in the subnet of the workspace's
    private endpoint. Their IDs are outputs of the registry ("populated once ... created"), so one `pulumi up`
    creates them. No lock: "Lock your resources to protect your infrastructure", "Lock inheritance" (a lock
    blocks deleting the registry's role assignments and diagnostic settings); `protect` guards it."""
    reg = prod.one("machinelearningservices:Registry")
    assert reg.inputs["registryName"] == "mlr-amlsec-prod" and reg.inputs["publicNetworkAccess"] == "Disabled"
    assert reg.protect
    managed = f"/subscriptions/{SUB}/resourceGroups/azureml-rg-mlr-amlsec-prod_guid/providers"
    expected = {
        "aml-gov-mlr-pe": (["amlregistry"], reg.urn, ["privatelink.api.azureml.ms"]),
        "aml-gov-mlr-st-pe": (
            ["blob"],
            f"{managed}/Microsoft.Storage/storageAccounts/stmlr-amlsec-prod",
            ["privatelink.blob.core.windows.net"],
        ),
        "aml-gov-mlr-cr-pe": (
            ["registry"],
            f"{managed}/Microsoft.ContainerRegistry/registries/crmlr-amlsec-prod",
            ["privatelink.azurecr.io"],
        ),
    }
    ws_pe = prod.named("aml-mlw-pe").inputs
    for name, (groups, target, zones) in expected.items():
        pe = prod.named(name)
        connection = pe.inputs["privateLinkServiceConnections"][0]
        assert connection["groupIds"] == groups and prod.depends(pe, reg), name
        if target != reg.urn:
            assert connection["privateLinkServiceId"] == target
        assert pe.inputs["subnet"] == ws_pe["subnet"]  # the subnet of the workspace's private endpoint
        dns = prod.named(name.replace("-pe", "-dns")).inputs["privateDnsZoneConfigs"]
        assert [z["privateDnsZoneId"].rsplit("/", 1)[-1] for z in dns] == zones
    diag = prod.named("aml-gov-mlr-diag")
    assert diag.inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}] and prod.depends(diag, reg)
    assert prod.depends(diag, prod.one("operationalinsights:Workspace"))
    assert [r.name for r in prod.of_type("authorization:ManagementLockByScope") if "mlr" in r.name] == []


def test_model_registry_exists_before_the_workspace_that_reaches_it(prod: Program) -> None:
    """Source: "Workspace Managed Virtual Network Isolation", section "Private endpoints" (Azure Machine Learning
    registries are a private endpoint target) and "Network isolation with Azure Machine Learning registries",
    "Use assets from registry in workspace" (a secure workspace needs outbound access to the registry): the
    rule's endpoint is created with the workspace (provisionNetworkNow), so the registry comes first."""
    ws = prod.one("machinelearningservices:Workspace")
    reg = prod.one("machinelearningservices:Registry")
    rule = ws.inputs["managedNetwork"]["outboundRules"]["approved-model-registry"]
    assert rule == {
        "type": "PrivateEndpoint",
        "category": "UserDefined",
        "destination": {
            "serviceResourceId": f"/subscriptions/{SUB}/resourceGroups/rg/providers/machinelearningservices/"
            "Registry/mlr-amlsec-prod",
            "subresourceTarget": "amlregistry",
            "sparkEnabled": False,
        },
    }
    assert ws.inputs["provisionNetworkNow"] is True and prod.depends(ws, reg)


def test_registry_without_private_dependencies_gets_only_its_own_endpoint() -> None:
    """The system-created accounts' endpoints can be left out (ModelRegistryArgs.private_dependencies)."""
    from components.governance import ModelRegistry, ModelRegistryArgs
    from components.interfaces import PrivateEndpointArgs
    from components.naming import PRIVATE_DNS_ZONES

    zones = {z: f"/zones/{z}" for z in PRIVATE_DNS_ZONES}
    prog = run_program(
        lambda: ModelRegistry(
            "gov",
            ModelRegistryArgs(
                "mlr-x", PrivateEndpointArgs("/subnet", zones), None, private_dependencies=False
            ),
            Placement("rg", "westeurope"),
        )
    )
    assert [r.name for r in prog.of_type("network:PrivateEndpoint")] == ["gov-mlr-pe"]
    assert prog.of_type("monitor:DiagnosticSetting") == []


# -- Defender for Cloud and the audit trail (subscription-wide: prod only) ------------------------------


def test_defender_plans_are_standard_at_subscription_scope(prod: Program, dev: Program) -> None:
    pricings = {r.inputs["pricingName"]: r.inputs for r in prod.of_type("security:Pricing")}
    assert set(pricings) == {"AI", "StorageAccounts", "KeyVaults", "Containers", "CloudPosture"}
    for pricing in pricings.values():
        assert pricing["pricingTier"] == "Standard" and pricing["scopeId"] == f"/subscriptions/{SUB}"
    assert dev.of_type("security:Pricing") == []


def test_activity_log_categories_to_log_analytics_with_retention(prod: Program, dev: Program) -> None:
    setting = prod.one("monitor:SubscriptionDiagnosticSetting")
    assert [(c["category"], c["enabled"]) for c in setting.inputs["logs"]] == [
        (c, True) for c in ACTIVITY_LOG_CATEGORIES
    ]
    assert set(ACTIVITY_LOG_CATEGORIES) == {"Administrative", "Security", "Policy", "Alert"}
    assert prod.depends(setting, prod.one("operationalinsights:Workspace"))
    table = prod.one("operationalinsights:Table").inputs
    assert table["tableName"] == "AzureActivity" and table["retentionInDays"] == 365
    assert dev.of_type("monitor:SubscriptionDiagnosticSetting") == []


# -- Keyless CI identity -------------------------------------------------------------------------------


def test_federated_credential_issuer_subject_and_audience(prod: Program) -> None:
    fic = prod.one(
        "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
    )
    assert fic.inputs["issuer"] == "https://token.actions.githubusercontent.com"
    assert fic.inputs["subject"] == "repo:contoso/aml-secure-baseline:environment:prod"
    assert fic.inputs["audiences"] == ["api://AzureADTokenExchange"]
    app = prod.one("azuread:index/application:Application")
    assert prod.depends(fic, app)
    assert not {"password", "passwords", "keyCredentials"} & set(app.inputs)
    assert fic.inputs["applicationId"] == "/applications/aml-gov-ci-app-object-id"  # the app's resource ID
    sp = prod.one("azuread:index/servicePrincipal:ServicePrincipal")
    assert sp.inputs["clientId"] == "aml-gov-ci-app-client-id" and prod.depends(sp, app)


def test_ci_roles_are_resource_group_scoped_and_delegation_is_constrained(prod: Program) -> None:
    """Source: "Delegate Azure role assignment management to others with conditions": the CI identity's RBAC
    Administrator may assign and remove, for service principals, only the roles the rest of the stack gives
    service principals, and for groups only the personas' roles; never a role in CI_NEVER_DELEGATED
    (Contributor, Key Vault Administrator, Key Vault Crypto Officer, Network Connection Approver, Owner, UAA,
    RBAC Administrator), so it cannot give itself or another principal control of resources or keys."""
    ci = {r.name: r for r in prod.of_type("authorization:RoleAssignment") if r.name.startswith("aml-gov-ci-")}
    assert set(ci) == {
        "aml-gov-ci-ra-contributor",
        "aml-gov-ci-ra-rbac-admin",
        "aml-gov-ci-kv-ra-crypto-officer",
    }
    sp = prod.one("azuread:index/servicePrincipal:ServicePrincipal")
    rg_id = f"/subscriptions/{SUB}/resourceGroups/rg/providers/resources/ResourceGroup/rg-amlsec-prod"
    for ra in ci.values():
        assert ra.inputs["principalType"] == "ServicePrincipal" and prod.depends(ra, sp)
        assert guid_of(ra) not in (ROLE_IDS["Owner"], ROLE_IDS["User Access Administrator"])
    assert ci["aml-gov-ci-ra-contributor"].inputs["scope"] == rg_id
    assert ci["aml-gov-ci-ra-rbac-admin"].inputs["scope"] == rg_id
    officer = ci["aml-gov-ci-kv-ra-crypto-officer"]
    assert guid_of(officer) == ROLE_IDS["Key Vault Crypto Officer"]
    assert officer.inputs["scope"].endswith("/keyvault/Vault/kv-amlsec-prod-ab1cd")
    assert guid_of(ci["aml-gov-ci-ra-contributor"]) == ROLE_IDS["Contributor"]
    admin = ci["aml-gov-ci-ra-rbac-admin"].inputs
    assert guid_of(ci["aml-gov-ci-ra-rbac-admin"]) == ROLE_IDS["Role Based Access Control Administrator"]
    assert admin["conditionVersion"] == "2.0"
    never = {ROLE_IDS[r] for r in CI_NEVER_DELEGATED}
    others = [r for r in prod.of_type("authorization:RoleAssignment") if r.name not in ci]
    by_type = {
        kind: {guid_of(r) for r in others if r.inputs["principalType"] == kind} - never
        for kind in ("ServicePrincipal", "Group")
    }
    assert by_type["ServicePrincipal"] and by_type["Group"]
    for source in ("Request", "Resource"):
        found = dict(
            (kind, set(guids.split(", ")))
            for guids, kind in re.findall(
                rf"@{source}\[Microsoft\.Authorization/roleAssignments:RoleDefinitionId\] "
                r"ForAnyOfAnyValues:GuidEquals \{([^}]*)\} AND "
                rf"@{source}\[Microsoft\.Authorization/roleAssignments:PrincipalType\] "
                r"ForAnyOfAnyValues:StringEqualsIgnoreCase \{'(\w+)'\}",
                admin["condition"],
            )
        )
        assert found == by_type, source
        assert not never & set().union(*found.values())


def test_constrained_delegation_condition_format() -> None:
    """Source: "Delegate Azure role assignment management to others with conditions" ("constrain roles and principal
    types"): write checked on @Request, delete on @Resource."""
    reader, blob, contributor = (ROLE_IDS[r] for r in ("Reader", "Storage Blob Data Reader", "Contributor"))
    every = ", ".join(sorted([reader, blob, contributor]))
    for_groups = ", ".join(sorted([reader, blob]))
    attr = "Microsoft.Authorization/roleAssignments"

    def branch(action: str, source: str, groups: str) -> str:
        return (
            f"((!(ActionMatches{{'{attr}/{action}'}})) OR "
            f"(@{source}[{attr}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{every}}} "
            f"AND @{source}[{attr}:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {{'ServicePrincipal'}}) OR "
            f"(@{source}[{attr}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{groups}}} "
            f"AND @{source}[{attr}:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {{'Group'}}))"
        )

    condition = constrained_delegation_condition(
        ["Reader", "Storage Blob Data Reader", "Contributor", "Reader"]
    )
    assert (
        condition
        == f"{branch('write', 'Request', for_groups)} AND {branch('delete', 'Resource', for_groups)}"
    )
    only_reader = constrained_delegation_condition(
        ["Reader", "Storage Blob Data Reader", "Contributor"], ["Reader", "Contributor"]
    )
    assert only_reader == f"{branch('write', 'Request', reader)} AND {branch('delete', 'Resource', reader)}"


def test_pinned_roles_name_their_principals_by_object_id() -> None:
    """Source: "Delegate Azure role assignment management to others with conditions", attribute
    Microsoft.Authorization/roleAssignments:PrincipalId ("Examples to delegate Azure role assignment
    management with conditions", "Constrain roles and specific groups"): a pinned role may be assigned to and
    removed from exactly the listed object IDs, checked on @Request for writes and @Resource for deletes."""
    cosmos = "11111111-2222-3333-4444-555555555555"
    officer = ROLE_IDS["Key Vault Crypto Service Encryption User"]
    condition = constrained_delegation_condition(
        ["Reader"], [], {"Key Vault Crypto Service Encryption User": [cosmos]}
    )
    attr = "Microsoft.Authorization/roleAssignments"
    for source in ("Request", "Resource"):
        assert (
            f"(@{source}[{attr}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{officer}}} AND "
            f"@{source}[{attr}:PrincipalId] ForAnyOfAnyValues:GuidEquals {{{cosmos}}})"
        ) in condition
    assert "'Group'" not in condition
    with pytest.raises(ValueError, match=r"pinned_grants\.Reader: \['aml-id-principal'\] are not principal "
                                         r"object IDs; allowed: GUIDs"):  # fmt: skip
        constrained_delegation_condition(["Reader"], None, {"Reader": ["aml-id-principal"]})


def test_pinned_condition_is_known_at_preview() -> None:
    """rbac-privileged-roles needs the condition at preview: pinned IDs known then (a lookup or config) keep
    it known, even on a first preview where the CI service principal itself does not exist yet."""
    from components.governance import Governance

    cosmos = "11111111-2222-3333-4444-555555555555"
    ci = CiIdentityArgs("ci", "repo:o/r:environment:dev", ["Reader"], pinned_grants={CMK: [cosmos]})
    prog = run_program(
        lambda: Governance(
            "gov",
            GovernanceArgs(Placement("rg", "westeurope"), "/rg", policy_parity=None, ci_identity=ci),
        ),
        preview=True,
    )
    condition = prog.named("gov-ci-ra-rbac-admin").inputs["condition"]
    assert isinstance(condition, str) and f"GuidEquals {{{cosmos}}}" in condition


def test_delegation_never_lets_groups_receive_contributor() -> None:
    condition = constrained_delegation_condition(["Contributor"])
    assert "'Group'" not in condition
    assert condition.count("{'ServicePrincipal'}") == 2


@pytest.mark.parametrize(
    ("ci", "message"),
    [
        (CiIdentityArgs("ci", "repo:o/r:*", ["Reader"]), "ci_identity.subject: an exact subject is required"),
        (CiIdentityArgs("ci", "repo:o/r:ref:refs/heads/main", ["Owner"]),
         "ci_identity.delegated_roles: 'Owner' may never be delegated"),
        (CiIdentityArgs("ci", "repo:o/r:ref:refs/heads/main", ["User Access Administrator"]),
         "ci_identity.delegated_roles: 'User Access Administrator' may never be delegated"),
        (CiIdentityArgs("ci", "s", ["Reader"], issuer="http://issuer"), "ci_identity.issuer: an https URL"),
        (CiIdentityArgs("ci", "s", ["Contributor"]),
         "ci_identity.delegated_roles: 'Contributor' may never be delegated; allowed: a role outside"),
        (CiIdentityArgs("ci", "s", ["Reader"], delegated_group_roles=["Key Vault Administrator"]),
         "ci_identity.delegated_group_roles: 'Key Vault Administrator' may never be delegated"),
        (CiIdentityArgs("ci", "s", ["Reader"], delegated_group_roles=["Key Vault Crypto Officer"]),
         "ci_identity.delegated_group_roles: 'Key Vault Crypto Officer' may never be delegated"),
        (CiIdentityArgs("ci", "s", ["Reader"], pinned_grants={"Owner": ["x"]}),
         "ci_identity.pinned_grants: 'Owner' may never be delegated"),
        (CiIdentityArgs("ci", "s", ["Reader"], pinned_grants={"Contributor": ["x"]}),
         "ci_identity.pinned_grants: 'Contributor' may never be delegated"),
        (CiIdentityArgs("ci", "s", ["Reader"], pinned_grants={"Key Vault Crypto Officer": []}),
         "ci_identity.pinned_grants.Key Vault Crypto Officer: at least one principal object ID"),
    ],
)  # fmt: skip
def test_ci_identity_option_rules(ci: CiIdentityArgs, message: str) -> None:
    args = GovernanceArgs(placement=Placement("rg", "westeurope"), resource_group_id="/rg", ci_identity=ci)
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_governance_args(args)


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("unknown defender plan", {"defenderPlans": ["AI", "Servers"]},
     f"{P}defenderPlans[1]: 'Servers' is not supported; allowed: AI, StorageAccounts, KeyVaults, Containers, CloudPosture"),
    ("wildcard CI subject", {"ciSubject": "repo:contoso/x:*"},
     f"{P}ciSubject: 'repo:contoso/x:*' is invalid; allowed: an exact subject such as repo:<org>/<repo>:environment:prod "
     "(no wildcards or spaces, up to 600)"),
    ("other audience", {"ciAudience": "api://other"},
     f"{P}ciAudience: 'api://other' is not a token exchange audience; allowed: api://AzureADTokenExchange "
     "(or its national-cloud variant)"),
    ("insecure issuer", {"ciIssuer": "http://token.example"},
     f"{P}ciIssuer: 'http://token.example' is not an https URL; allowed: the OIDC issuer, e.g. "
     "https://token.actions.githubusercontent.com"),
    ("registry name", {"modelRegistryName": "-x"},
     f"{P}modelRegistryName: '-x' is invalid; allowed: 3-33 letters, digits, '-' or '_', starting with a letter or "
     "digit (or empty for no registry)"),
    ("activity log retention", {"activityLogRetentionDays": 7},
     f"{P}activityLogRetentionDays: 7 is out of range; allowed: an integer from 30 to 730"),
]  # fmt: skip


@pytest.mark.parametrize(("config", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_governance_settings_name_the_key(config: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(config, "westeurope")
    assert err.value.errors == [message]


def test_defaults_leave_subscription_wide_governance_off() -> None:
    s = load_settings({}, "westeurope")
    assert s.policy_assignments and not s.defender_plans and not s.activity_log and not s.ci_subject
    assert s.model_registry_name == ""


# -- Whole stacks through the offline preflight --------------------------------------------------------


def preflight(stack: str, fmt: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "preflight", "--stack", stack, "--format", fmt,
         "--policy-pack", "policypacks/aml-security", "--policy-pack-config", f"stacks/policy-config.{stack}.json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every (key path, leaf) of a JSON value."""
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in walk(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in walk(v, f"{path}[{i}]")]
    return [(path, value)]


@pytest.fixture(scope="module", params=["dev", "prod"])
def plan(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], str]:
    stack = str(request.param)
    return stack, json.loads(preflight(stack, "json")), preflight(stack, "text")


def test_no_secret_bearing_resource_input_or_output(plan: tuple[str, dict[str, Any], str]) -> None:
    stack, report, text = plan
    assert not {r["type"] for r in report["resources"]} & SECRET_TYPES
    for r in report["resources"]:
        for path, leaf in walk(r["inputs"]):
            assert leaf != "[secret]", f"{r['name']}{path}"
            assert not SECRET_WORDS.search(path), f"{r['name']}{path}"
    outputs = text.split("\nOutputs:\n", 1)[1].split("\nResources:\n", 1)[0]
    names = re.findall(r"^    (\w+):", outputs, re.MULTILINE)
    assert "ciClientId" in names or stack == "dev"
    assert not [n for n in names if SECRET_WORDS.search(n)], names
    assert report["placeholders"] == []


def test_stack_passes_preflight_listing_the_governance_resources(
    plan: tuple[str, dict[str, Any], str],
) -> None:
    stack, report, _ = plan
    assert report["summary"]["mandatory"] == 0
    assert [v for v in report["violations"] if v["level"] == "mandatory"] == []
    types = [r["type"] for r in report["resources"]]
    # Dev lists no approved AI models, so the approved-models definition (aafe3651) is not assigned there.
    expected = len(EXPECTED_PROD) - (0 if stack == "prod" else 1)
    assert types.count("azure-native:authorization:PolicyAssignment") == expected
    assert "azure-native:machinelearningservices:Registry" in types
    assert {
        "azuread:index/application:Application",
        "azuread:index/servicePrincipal:ServicePrincipal",
        "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
    } <= set(types)
    subscription_wide = {
        "azure-native:security:Pricing",
        "azure-native:monitor:SubscriptionDiagnosticSetting",
    }
    if stack == "prod":
        assert subscription_wide <= set(types)
        assert not [v for v in report["violations"] if v["policy"] == "defender-for-ai"]
    else:
        assert not subscription_wide & set(types)


def test_controls_matrix_lists_every_assignment_and_the_recommendations_code_cannot_implement() -> None:
    doc = (ROOT / "docs" / "controls.md").read_text()
    for entry in PARITY:
        assert f"`{entry.guid}`" in doc and entry.effect in doc, entry.guid
    for outside in (
        "Defender for Cloud Apps",
        "DSPM for AI",
        "Sensitivity labels and DLP",
        "Insider Risk Management",
    ):
        assert outside in doc
    for key in ("policyAssignments", "modelRegistryName", "defenderPlans", "activityLog", "ciSubject"):
        assert f"`{key}`" in doc
