"""The one table mapping each policy-pack rule to the Azure Policy built-in definitions it mirrors.

The pack (`policypacks/aml-security`) blocks insecure changes made through Pulumi at preview; these built-in
definitions, assigned at the platform's resource group by `governance.Governance`, guard the same controls
against changes made any other way (portal, CLI, scripts). The GUIDs are the `AzPol` anchors of the pack's control catalogue (policypacks/aml-security/README.md); a test
proves that every pack rule with an Azure Policy anchor has an entry here and every entry names a pack rule.

Effects: the strongest non-modifying effect the definition allows (Deny, else Audit, else AuditIfNotExists),
except where the pack rule is advisory (then Audit, not stricter than the pack) or where the pack accepts
either of two alternatives that Azure Policy can only express as two separate assignments (then the
alternative the baseline does not rely on is audited, not denied). Each entry records the effects the
definition allows, with the exact casing of its `allowedValues`, and where that was read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .ai_settings import model_asset_id

# Where the allowed effects were read: the definition JSON in github.com/Azure/azure-policy, path below
# `built-in-policies/policyDefinitions/` (display names, effects and paths as of commit f4a50bac, 2026-04-29).
AZPOL = "Azure/azure-policy built-in-policies/policyDefinitions/"


@dataclass(frozen=True)
class ParityContext:
    """The pack configuration and stack settings that the assignments' parameters must match."""

    isolation_mode: str = "AllowOnlyApprovedOutbound"
    """ws-managed-network: the stack's managed network isolation mode."""
    approved_registries: tuple[str, ...] = ()
    """deployment-approved-model: the pack's `approvedRegistries` (default none, as the pack's)."""
    minimum_rsa_key_size: int = 3072
    """key-strength: the pack's `minimumRsaKeySize` (default 3072)."""
    maximum_days_to_rotate: int = 90
    """key-rotation: the stack's key rotation period (keyRotationDays)."""
    registry_cmk: bool = False
    """acr-cmk: the stack's container registry uses a customer-managed key (registryCmk; the baseline's does not)."""
    approved_models: tuple[str, ...] = ()
    """ai-approved-models: the pack's `approvedModels` (format/name[/version]; empty: no allow-list)."""


Parameters = Callable[[ParityContext], dict[str, Any]]


def _none(ctx: ParityContext) -> dict[str, Any]:
    return {}


def _always(ctx: ParityContext) -> bool:
    return True


@dataclass(frozen=True)
class BuiltIn:
    """One built-in definition assigned for one pack rule."""

    rule: str
    """The pack policy it mirrors (e.g. ws-public-network)."""
    guid: str
    display_name: str
    allowed_effects: tuple[str, ...]
    """The definition's `effect.allowedValues`, exact casing (Azure matches parameter values exactly)."""
    source: str
    """Where the allowed effects and parameters were verified."""
    pack_advisory: bool = False
    """The pack rule is advisory: the assignment audits, never denies."""
    max_effect: str = ""
    """Cap the effect (e.g. "Audit") where Deny would be stricter than the pack; `note` says why."""
    parameters: Parameters = _none
    """Parameters other than `effect`, derived from the pack configuration."""
    applies: Callable[[ParityContext], bool] = _always
    """Whether to assign in this context (a definition that only holds in some configurations)."""
    deny_when: Callable[[ParityContext], bool] = _always
    """Whether the stack complies in this context; where it does not, the assignment audits instead of denying
    (a Deny would block the stack's own resources). `note` says why."""
    note: str = ""
    anchor: bool = True
    """False for a definition added beyond the catalogue's anchors (it still mirrors the named rule)."""

    @property
    def definition_id(self) -> str:
        """The built-in definition's ARM ID."""
        return f"/providers/Microsoft.Authorization/policyDefinitions/{self.guid}"

    @property
    def effect(self) -> str:
        """Deny where allowed (and not capped, not advisory), else Audit, else AuditIfNotExists."""
        by_name = {e.casefold(): e for e in self.allowed_effects}
        order = ["deny", "audit", "auditifnotexists"]
        if self.pack_advisory or self.max_effect.casefold() == "audit":
            order = ["audit", "auditifnotexists"]
        for wanted in order:
            if wanted in by_name:
                return by_name[wanted]
        raise ValueError(f"{self.guid}: no Deny, Audit or AuditIfNotExists in {self.allowed_effects}")

    def effect_in(self, ctx: ParityContext) -> str:
        """`effect`, or Audit where `deny_when` says the stack does not comply in `ctx`."""
        if self.effect.casefold() == "deny" and not self.deny_when(ctx):
            return next(e for e in self.allowed_effects if e.casefold() == "audit")
        return self.effect

    def assignment_parameters(self, ctx: ParityContext) -> dict[str, Any]:
        """Every parameter value of the assignment, `effect` included."""
        return {"effect": self.effect_in(ctx), **self.parameters(ctx)}


def _isolation(ctx: ParityContext) -> dict[str, Any]:
    return {"isolationMode": ctx.isolation_mode}


def _approved_assets(ctx: ParityContext) -> dict[str, Any]:
    # A registry-level partial asset ID allows every model of that registry ("contains" match).
    return {
        "allowedPublishers": [],
        "allowedAssetIds": [f"azureml://registries/{r}/" for r in ctx.approved_registries],
    }


def _allowed_registry(ctx: ParityContext) -> dict[str, Any]:
    # Empty restricts every registry model, as the pack does when approvedRegistries is empty.
    return {"allowedRegistryName": ctx.approved_registries[0] if ctx.approved_registries else ""}


def _tls(ctx: ParityContext) -> dict[str, Any]:
    return {"minimumTlsVersion": "TLS1_2"}


def _rsa(ctx: ParityContext) -> dict[str, Any]:
    return {"minimumRSAKeySize": ctx.minimum_rsa_key_size}


def _rotation(ctx: ParityContext) -> dict[str, Any]:
    return {"maximumDaysToRotate": ctx.maximum_days_to_rotate}


_ADE = ("Audit", "Deny", "Disabled")
_AD = ("Audit", "Disabled")
_DAD = ("Deny", "Audit", "Disabled")
ML = AZPOL + "Machine Learning/"
ST = AZPOL + "Storage/"
KV = AZPOL + "Key Vault/"
CR = AZPOL + "Container Registry/"
MON = AZPOL + "Monitoring/"

AIS = AZPOL + "Azure Ai Services/"
CS = AZPOL + "Cognitive Services/"


def _approved_models(ctx: ParityContext) -> dict[str, Any]:
    # Foundry catalog asset IDs of the approved models (prefixes match every version: "contains").
    return {"allowedPublishers": [], "allowedAssetIds": [model_asset_id(m) for m in ctx.approved_models]}


def _cmk_kinds(ctx: ParityContext) -> dict[str, Any]:
    # The definition's default excludedKinds lists AIServices; keep the other defaults, judge AIServices too.
    return {"excludedKinds": [k for k in _CMK_EXCLUDED_DEFAULT if k != "AIServices"]}


_CMK_EXCLUDED_DEFAULT = (
    "CognitiveServices", "ContentSafety", "ImmersiveReader", "HealthInsights", "LUIS.Authoring", "LUIS", "QnAMaker",
    "QnAMaker.V2", "AIServices", "MetricsAdvisor", "SpeechTranslation", "Internal.AllInOne",
    "ConversationalLanguageUnderstanding", "knowledge", "TranscriptionIntelligence", "HealthDecisionSupport",
)  # fmt: skip

# Azure AI Services and Foundry (read in Azure/azure-policy at f4a50bac, 2026-04-29).
AI_PARITY: tuple[BuiltIn, ...] = (
    BuiltIn("ai-public-network", "037eea7a-bd0a-46c5-9a66-03aea78705d3",
            "Azure AI Services resources should restrict network access", _ADE, AIS + "NetworkAcls_Audit.json",
            note="Non-compliant only when publicNetworkAccess is not Disabled and networkAcls.defaultAction is not "
                 "Deny: exactly the pack's either-or."),
    BuiltIn("ai-public-network", "0725b4dd-7e76-479c-a735-68e7ee23d5ca",
            "[Deprecated]: Cognitive Services accounts should disable public network access", _ADE,
            CS + "DisablePublicNetworkAccess_Audit.json", max_effect="Audit",
            note="Deprecated definition, and the pack also accepts networkAcls Deny: audited; 037eea7a denies."),
    BuiltIn("ai-local-auth", "71ef260a-8f18-47b7-abcb-62d0673d94dc",
            "Azure AI Services resources should have key access disabled (disable local authentication)", _ADE,
            AIS + "DisableLocalAuth_Audit.json"),
    BuiltIn("ai-identity", "fe3fd216-4f83-4fc1-8984-2bbec80a3418",
            "Cognitive Services accounts should use a managed identity", _ADE, CS + "ManagedIdentity_Audit.json"),
    BuiltIn("ai-cmk", "67121cc7-ff39-4ab8-b7e3-95b84dab487d",
            "Azure AI Services resources should encrypt data at rest with a customer-managed key (CMK)", _ADE,
            CS + "CustomerManagedKey_Audit.json", max_effect="Audit", parameters=_cmk_kinds,
            note="Audit: AI Services accepts RSA 2048 keys only and the baseline's keys are RSA 3072 (key-strength, "
                 "82067dbb Deny), so the platform's account uses Microsoft-managed keys (pack: exemptResources)."),
    BuiltIn("ai-approved-models", "aafe3651-cb78-4f68-9f81-e7e41509110f",
            "Cognitive Services Deployments should only use approved Registry Models", _ADE,
            CS + "AllowDeployRegistryModels_Audit.json", parameters=_approved_models,
            applies=lambda ctx: bool(ctx.approved_models),
            note="Only with approvedModels: empty allowedPublishers and allowedAssetIds would deny every model, "
                 "while the pack's empty list means no allow-list."),
    BuiltIn("diagnostics", "1b4d1c4e-934c-4703-944c-27c82c06bebb",
            "Diagnostic logs in Azure AI services resources should be enabled", ("AuditIfNotExists", "Disabled"),
            AIS + "DiagnosticLogs_Audit.json", note="AuditIfNotExists only: a missing diagnostic setting cannot be denied."),
)  # fmt: skip

PARITY: tuple[BuiltIn, ...] = (
    # Machine Learning workspace
    BuiltIn("ws-public-network", "438c38d2-3772-465a-a9cc-7a6666a275ce",
            "Azure Machine Learning Workspaces should disable public network access", _ADE,
            ML + "Workspace_PublicNetworkAccessDisabled_Audit.json"),
    BuiltIn("ws-managed-network", "6ddb1705-c8cf-450e-aa4b-19ad6703c440",
            "Azure Machine Learning and Ai Studio should use Allow Only Approved Outbound Managed Vnet mode", _ADE,
            ML + "ManagedNetworkIsolationMode_Audit.json", parameters=_isolation,
            note="isolationMode defaults to Disabled in the definition: set to the stack's mode."),
    BuiltIn("ws-cmk", "ba769a63-b8cc-4b2d-abf6-ac33c7204be8",
            "Azure Machine Learning workspaces should be encrypted with a customer-managed key", _ADE,
            ML + "Workspace_CMKEnabled_Audit.json"),
    BuiltIn("ws-identity", "5f0c7d88-c7de-45b8-ac49-db49e72eaa78",
            "Azure Machine Learning workspaces should use user-assigned managed identity", _ADE,
            ML + "Workspace_UAIEnabled_Audit.json"),
    # Compute
    BuiltIn("compute-local-auth", "e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",
            "Azure Machine Learning Computes should have local authentication methods disabled", _ADE,
            ML + "DisableLocalAuth_Audit.json"),
    BuiltIn("compute-idle-shutdown", "679ddf89-ab8f-48a5-9029-e76054077449",
            "Azure Machine Learning Compute Instance should have idle shutdown.", _ADE,
            ML + "IdleShutdown_Audit.json"),
    BuiltIn("compute-subnet", "7804b5c7-01dc-4723-969b-ae300cc07ff1",
            "Azure Machine Learning Computes should be in a virtual network", _AD,
            ML + "Vnet_Audit.json",
            applies=lambda ctx: ctx.isolation_mode == "Disabled",
            note="Not as-is: compute in a managed VNet has no subnet, so the definition would flag every "
                 "compliant compute. Assigned only when isolationMode is Disabled (compute in our subnet), "
                 "exactly when the pack's compute-subnet rule applies."),
    # Deployments and registries
    BuiltIn("deployment-approved-model", "12e5dd16-d201-47ff-849b-8454061c293d",
            "[Preview]: Azure Machine Learning Deployments should only use approved Registry Models", _ADE,
            ML + "AllowDeployRegistryModels_Audit.json", parameters=_approved_assets),
    BuiltIn("deployment-approved-model", "19539b54-c61e-4196-9a38-67598701be90",
            "[Preview]: Azure Machine Learning Model Registry Deployments are restricted except for the allowed "
            "Registry", ("Deny", "Disabled"),
            ML + "OnlyDeployAllowedRegistryModels_Deny.json", parameters=_allowed_registry,
            applies=lambda ctx: len(ctx.approved_registries) <= 1,
            note="Takes a single allowedRegistryName: assigned when at most one registry is approved "
                 "(12e5dd16 covers several)."),
    # Storage
    BuiltIn("storage-shared-key", "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",
            "Storage accounts should prevent shared key access", _ADE,
            ST + "StorageAccountAllowSharedKeyAccess_Audit.json"),
    BuiltIn("storage-public", "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",
            "Storage account public access should be disallowed",
            ("audit", "Audit", "deny", "Deny", "disabled", "Disabled"),
            ST + "ASC_Storage_DisallowPublicBlobAccess_Audit.json",
            note="The definition allows both casings of each effect; the assignment uses Deny."),
    BuiltIn("storage-public", "b2982f36-99f2-4db5-8eff-283140c09693",
            "Storage accounts should disable public network access", _ADE,
            ST + "StoragePublicNetworkAccess_AuditDeny.json"),
    BuiltIn("storage-public", "34c877ad-507e-4c82-993e-3452a6e0ad3c",
            "Storage accounts should restrict network access", _ADE,
            ST + "Storage_NetworkAcls_Audit.json", max_effect="Audit",
            note="The pack accepts publicNetworkAccess Disabled OR networkRuleSet.defaultAction Deny; the "
                 "baseline relies on the first (b2982f36, Deny), so this alternative is audited."),
    BuiltIn("storage-transport", "fe83a0eb-a853-422d-aac2-1bffd182c5d0",
            "Storage accounts should have the specified minimum TLS version", _ADE,
            ST + "StorageAccountMinimumTLSVersion_Audit.json", parameters=_tls),
    BuiltIn("storage-transport", "404c3081-a854-4457-ae30-26a93ef643f9",
            "Secure transfer to storage accounts should be enabled", _ADE,
            ST + "Storage_AuditForHTTPSEnabled_Audit.json"),
    BuiltIn("storage-cmk", "6fac406b-40ca-413b-bf8e-0bf964659c25",
            "Storage accounts should use customer-managed key for encryption", _AD,
            ST + "StorageAccountCustomerManagedKeyEnabled_Audit.json"),
    BuiltIn("storage-infrastructure-encryption", "4733ea7b-a883-42fe-8cac-97454c2a9e4a",
            "Storage accounts should have infrastructure encryption", _ADE,
            ST + "StorageAccountInfrastructureEncryptionEnabled_Audit.json", pack_advisory=True),
    BuiltIn("storage-cross-tenant", "92a89a79-6c52-4a7e-a03f-61306fc49312",
            "Storage accounts should prevent cross tenant object replication", _ADE,
            ST + "StorageAccountAllowCrossTenantReplication_Audit.json"),
    # Key Vault
    BuiltIn("keyvault-recovery", "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",
            "Key vaults should have deletion protection enabled", _ADE, KV + "Recoverable_Audit.json",
            note="Soft delete and purge protection; the baseline's vault sets both, so Deny is safe."),
    BuiltIn("keyvault-recovery", "1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d",
            "Key vaults should have soft delete enabled", _ADE, KV + "SoftDeleteMustBeEnabled_Audit.json"),
    BuiltIn("keyvault-rbac", "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",
            "Azure Key Vault should use RBAC permission model", _ADE,
            KV + "Should_Use_RBAC.json"),
    BuiltIn("keyvault-network", "405c5871-3e91-4644-8a63-58e19d68ff5b",
            "Azure Key Vault should disable public network access", _ADE,
            KV + "PublicNetworkAccess_Audit.json"),
    BuiltIn("keyvault-network", "55615ac9-af46-4a59-874e-391cc3dfb490",
            "Azure Key Vault should have firewall enabled or public network access disabled", _ADE,
            KV + "FirewallEnabled_Audit.json",
            note="Since version 3.x the definition accepts either networkAcls.defaultAction Deny or "
                 "publicNetworkAccess Disabled, as the pack does; the baseline's vault sets both, so Deny."),
    BuiltIn("key-strength", "82067dbb-e53b-4e06-b631-546d197452d9",
            "Keys using RSA cryptography should have a specified minimum key size", _ADE,
            KV + "Keys_RSA_MinimumKeySize.json", parameters=_rsa,
            note="Data-plane mode Microsoft.KeyVault.Data; minimumRSAKeySize allows 2048, 3072, 4096."),
    BuiltIn("key-rotation", "d8cf8476-a2ec-4916-896e-992351803c44",
            "Keys should have a rotation policy ensuring that their rotation is scheduled within the specified "
            "number of days after creation.", _AD,
            KV + "Keys_KeyRotationPolicy_MaximumDaysToRotate.json", parameters=_rotation),
    # Container registry
    BuiltIn("acr-auth", "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
            "Container registries should have local admin account disabled.", _ADE,
            CR + "ACR_AdminAccountDisabled_AuditDeny.json"),
    BuiltIn("acr-auth", "9f2dea28-e834-476c-99c5-3507b4728395",
            "Container registries should have anonymous authentication disabled.", _ADE,
            CR + "ACR_AnonymousPullDisabled_AuditDeny.json"),
    BuiltIn("acr-network", "0fdf0491-d080-4575-b627-ad0e843cba0f",
            "Public network access should be disabled for Container registries", _ADE,
            CR + "ACR_PublicNetworkAccess_AuditDeny.json"),
    BuiltIn("acr-network", "524b0254-c285-4903-bee6-bb8126cde579",
            "Container registries should have exports disabled", _ADE, CR + "ACR_ExportPolicy_AuditDeny.json"),
    BuiltIn("acr-network", "bd560fc0-3c69-498a-ae9f-aa8eb7de0e13",
            "Container registries should have SKUs that support Private Links", _ADE,
            CR + "ACR_SkuSupportsPrivateEndpoints_AuditDeny.json", anchor=False,
            note="Beyond the catalogue's anchors: mirrors acr-network's Premium SKU requirement."),
    BuiltIn("acr-cmk", "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
            "Container registries should be encrypted with a customer-managed key", _ADE,
            CR + "ACR_CMKEncryptionEnabled_Audit.json", deny_when=lambda ctx: ctx.registry_cmk,
            note="Deny only when the stack's registry uses a CMK (registryCmk). The baseline's registry uses "
                 "Microsoft-managed keys (its key vault's firewall admits no user-assigned identity), so the "
                 "assignment audits, as the stack's policy-config sets the pack's acr-cmk to advisory."),
    # Monitoring
    BuiltIn("appinsights-auth", "199d5677-e4d9-4264-9465-efe1839c06bd",
            "Application Insights components should block non-Azure Active Directory based ingestion.", _DAD,
            MON + "ApplicationInsightsComponents_DisableLocalAuth_Deny.json"),
    BuiltIn("loganalytics-auth", "e15effd4-2278-4c65-a0da-4d6f6d1890e2",
            "Log Analytics Workspaces should block non-Azure Active Directory based ingestion.", _DAD,
            MON + "LogAnalyticsWorkspaces_DisableLocalAuth_Deny.json"),
    BuiltIn("diagnostics", "afe0c3be-ba3b-4544-ba52-0c99672a8ad6",
            "Resource logs in Azure Machine Learning Workspaces should be enabled", ("AuditIfNotExists", "Disabled"),
            ML + "AuditDiagnosticLog_Audit.json",
            note="AuditIfNotExists only: a missing diagnostic setting cannot be denied."),
    # Network
    BuiltIn("private-endpoints", "45e05259-1eb5-4f70-9574-baf73e9d219b",
            "Azure Machine Learning workspaces should use private link", _AD,
            ML + "Workspace_PrivateEndpoint_Audit_V2.json"),
    *AI_PARITY,
)  # fmt: skip


def assignment_key(entry: BuiltIn) -> str:
    """Stable key (and assignment name suffix): `<rule>-<first 8 hex of the GUID>`, at most 64 characters."""
    return f"{entry.rule}-{entry.guid[:8]}"


def planned_assignments(ctx: ParityContext) -> dict[str, tuple[BuiltIn, dict[str, Any]]]:
    """The assignments to make in `ctx`, keyed by `assignment_key`, with every parameter value."""
    return {assignment_key(e): (e, e.assignment_parameters(ctx)) for e in PARITY if e.applies(ctx)}


def rules_with_assignments() -> Mapping[str, tuple[str, ...]]:
    """Pack rule -> the GUIDs assigned for it (the parity test reads this)."""
    out: dict[str, list[str]] = {}
    for e in PARITY:
        out.setdefault(e.rule, []).append(e.guid)
    return {k: tuple(v) for k, v in out.items()}
