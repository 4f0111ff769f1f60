"""Azure AI Services and Foundry rules through the analyzer protocol: accounts, model deployments, content filters,
and the stack rules extended to AI Services accounts (private endpoints, DNS zones, diagnostics, Defender)."""

from __future__ import annotations

from typing import Any

import pytest

from preflight.analyzer import PolicyPackProcess
from preflight.model import UNKNOWN, RecordedResource, secret

from . import baselines as b
from .baselines import DELETE, changed
from .conftest import analyze, configured
from .support import (
    ADVISORY,
    AI_ACCOUNT,
    AI_DEPLOYMENT,
    AI_RAI_POLICY,
    DIAGNOSTIC_SETTING,
    LOG_ANALYTICS,
    PRICING,
    PRIVATE_ENDPOINT,
    PRIVATE_ZONE,
    UNKNOWN_MSG,
    Case,
    StackCase,
    bad,
    body,
    ok,
    res,
    urn,
)

A, D, F = b.AI_ACCOUNT, b.AI_DEPLOYMENT, b.AI_RAI_POLICY
TOKEN_FORMS = [
    "azure-native:cognitiveservices:Account",
    "azure-native:cognitiveservices/v20250601:Account",
    "azure-native:cognitiveservices/v20250401preview:Account",
    "azure-native_cognitiveservices_v20250601:cognitiveservices:Account",
]
DEPLOYMENT_FORMS = [t.replace(":Account", ":Deployment") for t in TOKEN_FORMS]
RAI_FORMS = [t.replace(":Account", ":RaiPolicy") for t in TOKEN_FORMS]
SHIELD_FIX = "(a prompt shield)."


def shield_missing(name: str) -> str:
    return (
        f'properties.contentFilters has no "{name}" filter; add {{name: "{name}", source: "Prompt", enabled: true, '
        f"blocking: true}} {SHIELD_FIX}"
    )


AI_CASES: list[Case] = [
    # -- ai-public-network (every token form, case, secrets) ---------------------------------------------
    *[ok("ai-public-network", t, A, t) for t in TOKEN_FORMS],
    ok(
        "ai-public-network",
        AI_ACCOUNT,
        changed(A, "properties.publicNetworkAccess", secret("disabled")),
        "secret, case",
    ),
    ok(
        "ai-public-network",
        AI_ACCOUNT,
        changed(A, "properties.publicNetworkAccess", "Enabled"),
        "deny by default is enough",
    ),
    *[
        bad(
            "ai-public-network",
            t,
            changed(
                changed(A, "properties.publicNetworkAccess", "Enabled"), "properties.networkAcls", DELETE
            ),
            'properties.publicNetworkAccess is "Enabled" and properties.networkAcls.defaultAction is not set '
            '(Azure\'s defaults are Enabled and Allow); set properties.publicNetworkAccess to "Disabled" or '
            'properties.networkAcls.defaultAction to "Deny".',
            label=t,
        )
        for t in TOKEN_FORMS
    ],
    bad(
        "ai-public-network",
        AI_ACCOUNT,
        changed(
            changed(A, "properties.publicNetworkAccess", DELETE),
            "properties.networkAcls.defaultAction",
            UNKNOWN,
        ),
        UNKNOWN_MSG.format("properties.networkAcls.defaultAction"),
        label="unknown",
    ),
    # -- ai-local-auth ----------------------------------------------------------------------------------
    ok("ai-local-auth", AI_ACCOUNT, A),
    ok("ai-local-auth", DEPLOYMENT_FORMS[0], D, "other type not judged"),
    bad(
        "ai-local-auth",
        AI_ACCOUNT,
        changed(A, "properties.disableLocalAuth", DELETE),
        "properties.disableLocalAuth is not set; Azure's default is false (API keys enabled), set it to true.",
    ),
    bad(
        "ai-local-auth",
        TOKEN_FORMS[3],
        changed(A, "properties.disableLocalAuth", False),
        "properties.disableLocalAuth is false; must be true.",
        label="local package",
    ),
    bad(
        "ai-local-auth",
        AI_ACCOUNT,
        changed(A, "properties.disableLocalAuth", UNKNOWN),
        UNKNOWN_MSG.format("properties.disableLocalAuth"),
        label="unknown",
    ),
    # -- ai-identity ------------------------------------------------------------------------------------
    ok("ai-identity", AI_ACCOUNT, A),
    ok("ai-identity", AI_ACCOUNT, changed(A, "identity.type", "SystemAssigned, UserAssigned"), "both"),
    ok("ai-identity", AI_ACCOUNT, changed(A, "identity", {"type": "systemassigned"}), "case"),
    bad(
        "ai-identity",
        AI_ACCOUNT,
        changed(A, "identity", DELETE),
        'identity.type is not set; Azure\'s default is None, set it to a managed identity ("SystemAssigned", '
        '"UserAssigned" or "SystemAssigned, UserAssigned").',
    ),
    bad(
        "ai-identity",
        AI_ACCOUNT,
        changed(A, "identity.type", "None"),
        'identity.type is "None"; must be a managed identity ("SystemAssigned", "UserAssigned" or '
        '"SystemAssigned, UserAssigned").',
    ),
    # -- ai-cmk -----------------------------------------------------------------------------------------
    ok("ai-cmk", AI_ACCOUNT, A),
    ok(
        "ai-cmk",
        AI_ACCOUNT,
        changed(A, "properties.encryption.keyVaultProperties.keyVaultUri", UNKNOWN),
        "unknown reference",
    ),
    bad(
        "ai-cmk",
        AI_ACCOUNT,
        changed(A, "properties.encryption", DELETE),
        "properties.encryption.keySource is not set; Azure's default is Microsoft.CognitiveServices, set it to "
        '"Microsoft.KeyVault".',
    ),
    bad(
        "ai-cmk",
        AI_ACCOUNT,
        changed(A, "properties.encryption.keyVaultProperties.keyName", ""),
        "properties.encryption.keyVaultProperties.keyName is not set; a customer-managed key needs its key vault "
        "URI and key name.",
    ),
    bad(
        "ai-cmk",
        AI_ACCOUNT,
        changed(A, "properties.encryption.keySource", UNKNOWN),
        UNKNOWN_MSG.format("properties.encryption.keySource"),
        label="unknown",
    ),
    # -- ai-outbound ------------------------------------------------------------------------------------
    ok("ai-outbound", AI_ACCOUNT, A),
    ok("ai-outbound", AI_ACCOUNT, changed(A, "properties.allowedFqdnList", DELETE), "nothing allowed"),
    bad(
        "ai-outbound",
        AI_ACCOUNT,
        changed(A, "properties.restrictOutboundNetworkAccess", DELETE),
        "properties.restrictOutboundNetworkAccess is not set; Azure's default is false, set it to true.",
    ),
    bad(
        "ai-outbound",
        AI_ACCOUNT,
        changed(A, "properties.allowedFqdnList", ["pypi.org", "*.com", "*"]),
        'properties.allowedFqdnList[1] is "*.com"; the outbound allow-list must not open the internet (no "*" or '
        "bare wildcard top-level domain).",
        'properties.allowedFqdnList[2] is "*"; the outbound allow-list must not open the internet (no "*" or '
        "bare wildcard top-level domain).",
    ),
    bad(
        "ai-outbound",
        AI_ACCOUNT,
        changed(A, "properties.allowedFqdnList", UNKNOWN),
        UNKNOWN_MSG.format("properties.allowedFqdnList"),
        label="unknown",
    ),
    # -- ai-custom-subdomain ----------------------------------------------------------------------------
    ok("ai-custom-subdomain", AI_ACCOUNT, A),
    ok(
        "ai-custom-subdomain",
        AI_ACCOUNT,
        changed(A, "properties.customSubDomainName", UNKNOWN),
        "computed from a random suffix",
    ),
    bad(
        "ai-custom-subdomain",
        AI_ACCOUNT,
        changed(A, "properties.customSubDomainName", DELETE),
        "properties.customSubDomainName is not set; Microsoft Entra ID token authentication and private endpoints "
        "need a custom subdomain.",
    ),
    # -- ai-allowed-kinds -------------------------------------------------------------------------------
    ok("ai-allowed-kinds", AI_ACCOUNT, A),
    ok("ai-allowed-kinds", AI_ACCOUNT, changed(A, "kind", "openai"), "case"),
    ok("ai-allowed-kinds", AI_ACCOUNT, changed(A, "kind", "Speech"), "config", allowedKinds=["Speech"]),
    bad(
        "ai-allowed-kinds",
        AI_ACCOUNT,
        changed(A, "kind", "TextAnalytics"),
        'kind is "TextAnalytics"; allowed: "AIServices", "OpenAI".',
    ),
    bad(
        "ai-allowed-kinds",
        AI_ACCOUNT,
        changed(A, "kind", DELETE),
        'kind is not set; allowed: "AIServices", "OpenAI".',
    ),
    bad(
        "ai-allowed-kinds",
        AI_ACCOUNT,
        changed(A, "kind", UNKNOWN),
        UNKNOWN_MSG.format("kind"),
        label="unknown",
    ),
    # -- ai-rai-policy (every token form) ---------------------------------------------------------------
    *[ok("ai-rai-policy", t, F, t) for t in RAI_FORMS],
    ok(
        "ai-rai-policy",
        AI_RAI_POLICY,
        changed(F, "properties.contentFilters.5.name", "JAILBREAK"),
        "case",
    ),
    *[
        bad(
            "ai-rai-policy",
            t,
            changed(F, "properties.contentFilters.6", DELETE),
            shield_missing("Indirect Attack"),
            label=t,
        )
        for t in RAI_FORMS
    ],
    bad(
        "ai-rai-policy",
        AI_RAI_POLICY,
        changed(F, "properties.contentFilters", DELETE),
        shield_missing("Jailbreak"),
        shield_missing("Indirect Attack"),
        label="no filters",
    ),
    bad(
        "ai-rai-policy",
        AI_RAI_POLICY,
        changed(F, "properties.contentFilters.5.blocking", False),
        "properties.contentFilters[5].blocking is false; must be true.",
        label="jailbreak annotates only",
    ),
    bad(
        "ai-rai-policy",
        AI_RAI_POLICY,
        changed(F, "properties.contentFilters.3.enabled", False),
        "properties.contentFilters[3].enabled is false; must be true.",
        label="harm category off",
    ),
    bad(
        "ai-rai-policy",
        AI_RAI_POLICY,
        changed(F, "properties.contentFilters.0.blocking", DELETE),
        "properties.contentFilters[0].blocking is not set; set it to true.",
        label="blocking absent",
    ),
    bad(
        "ai-rai-policy",
        AI_RAI_POLICY,
        changed(F, "properties.contentFilters.6.blocking", UNKNOWN),
        UNKNOWN_MSG.format("properties.contentFilters[6].blocking"),
        label="unknown",
    ),
    bad(
        "ai-rai-policy",
        AI_RAI_POLICY,
        changed(F, "properties.contentFilters", UNKNOWN),
        UNKNOWN_MSG.format("properties.contentFilters"),
        label="unknown list",
    ),
    # -- ai-model-pinned --------------------------------------------------------------------------------
    *[ok("ai-model-pinned", t, D, t) for t in DEPLOYMENT_FORMS],
    ok(
        "ai-model-pinned",
        AI_DEPLOYMENT,
        changed(D, "properties.versionUpgradeOption", "noautoupgrade"),
        "case",
    ),
    bad(
        "ai-model-pinned",
        AI_DEPLOYMENT,
        changed(D, "properties.versionUpgradeOption", DELETE),
        "properties.versionUpgradeOption is not set; Azure's default is OnceNewDefaultVersionAvailable, set it to "
        '"NoAutoUpgrade".',
    ),
    bad(
        "ai-model-pinned",
        DEPLOYMENT_FORMS[2],
        changed(D, "properties.versionUpgradeOption", "OnceCurrentVersionExpired"),
        'properties.versionUpgradeOption is "OnceCurrentVersionExpired"; must be "NoAutoUpgrade".',
        label="preview version token",
    ),
    bad(
        "ai-model-pinned",
        AI_DEPLOYMENT,
        changed(D, "properties.model.version", DELETE),
        "properties.model.version is not set; Azure deploys the model's current default version, which changes: "
        "pin a version.",
    ),
    bad(
        "ai-model-pinned",
        AI_DEPLOYMENT,
        changed(D, "properties.model.version", UNKNOWN),
        UNKNOWN_MSG.format("properties.model.version"),
        label="unknown",
    ),
    # -- ai-approved-models -----------------------------------------------------------------------------
    ok("ai-approved-models", AI_DEPLOYMENT, D, "no allow-list"),
    ok("ai-approved-models", AI_DEPLOYMENT, D, "name", approvedModels=["openai/GPT-4o"]),
    ok("ai-approved-models", AI_DEPLOYMENT, D, "version", approvedModels=["OpenAI/gpt-4o/2024-11-20"]),
    bad(
        "ai-approved-models",
        AI_DEPLOYMENT,
        D,
        'properties.model is "OpenAI/gpt-4o/2024-11-20"; not in approvedModels ("OpenAI/gpt-4o/2024-08-06", '
        '"OpenAI/gpt-4.1").',
        label="other version",
        approvedModels=["OpenAI/gpt-4o/2024-08-06", "OpenAI/gpt-4.1"],
    ),
    bad(
        "ai-approved-models",
        AI_DEPLOYMENT,
        changed(D, "properties.model.name", DELETE),
        "properties.model.name is not set; approvedModels lists format/name[/version].",
        approvedModels=["OpenAI/gpt-4o"],
    ),
    bad(
        "ai-approved-models",
        AI_DEPLOYMENT,
        changed(D, "properties.model.name", UNKNOWN),
        UNKNOWN_MSG.format("properties.model.name"),
        label="unknown",
        approvedModels=["OpenAI/gpt-4o"],
    ),
]


def _case_id(case: Case) -> str:
    return f"{case.policy}:{'fail' if case.expect else 'pass'}:{case.label or '-'}"


@pytest.mark.parametrize("case", AI_CASES, ids=[_case_id(c) for c in AI_CASES])
def test_case(pack: PolicyPackProcess, case: Case) -> None:
    """The policy reports exactly the expected messages, at its level, and nothing it cannot evaluate."""
    config = {case.policy: case.config} if case.config else None
    violations = analyze(pack, res(case.type, "r", case.props), config)
    mine = [v for v in violations if v.policy == case.policy]
    assert sorted(body(v) for v in mine) == sorted(case.expect)
    level = "advisory" if case.policy in ADVISORY else "mandatory"
    assert all(v.level == level for v in mine)
    assert not [v for v in violations if "could not evaluate" in v.message or "can't run policy" in v.message]


# -- stack rules --------------------------------------------------------------------------------------

MODES = ("known-ids", "unknown-ids")
ACCOUNT_ID = f"{b.RG}/providers/Microsoft.CognitiveServices/accounts/ais-aml"


def ai_stack(
    mode: str, drop: tuple[str, ...] = (), changes: dict[str, tuple[str, Any]] | None = None
) -> tuple[RecordedResource, ...]:
    """A compliant AI Services graph: account, private endpoint, three zones, diagnostics, Defender for AI,
    a content filter and a model deployment; references are known IDs/names or unknowns with dependencies."""
    known = mode == "known-ids"
    changes = changes or {}
    out: list[RecordedResource] = []
    account_urn = urn(AI_ACCOUNT, "ai")

    def add(
        type_token: str, name: str, props: dict[str, Any], deps: dict[str, list[str]] | None = None
    ) -> None:
        if name in changes:
            props = changed(props, *changes[name])
        if name not in drop:
            out.append(res(type_token, name, props, deps if not known else None))

    add(LOG_ANALYTICS, "law", dict(b.LOG_ANALYTICS, id=b.LAW_ID) if known else b.LOG_ANALYTICS)
    add(AI_ACCOUNT, "ai", dict(A, id=ACCOUNT_ID) if known else A)
    connection = {
        "name": "pe-ai",
        "groupIds": ["account"],
        "privateLinkServiceId": ACCOUNT_ID if known else UNKNOWN,
    }
    add(
        PRIVATE_ENDPOINT,
        "pe-ai",
        {
            "resourceGroupName": "rg-aml",
            "tags": b.TAGS,
            "subnet": {"id": b.SUBNET_ID},
            "privateLinkServiceConnections": [connection],
        },
        {"privateLinkServiceConnections": [account_urn]},
    )
    for key, zone in (
        ("zone-cog", "privatelink.cognitiveservices.azure.com"),
        ("zone-oai", "privatelink.openai.azure.com"),
        ("zone-svc", "privatelink.services.ai.azure.com"),
    ):
        add(
            PRIVATE_ZONE,
            key,
            {"resourceGroupName": "rg-aml", "location": "global", "tags": b.TAGS, "privateZoneName": zone},
        )
    add(
        DIAGNOSTIC_SETTING,
        "diag-ai",
        {
            "name": "to-law",
            "logs": [{"categoryGroup": "allLogs", "enabled": True}],
            "resourceUri": ACCOUNT_ID if known else UNKNOWN,
            "workspaceId": b.LAW_ID if known else UNKNOWN,
        },
        {"resourceUri": [account_urn], "workspaceId": [urn(LOG_ANALYTICS, "law")]},
    )
    add(PRICING, "defender-ai", {"pricingName": "AI", "pricingTier": "Standard"})
    add(AI_RAI_POLICY, "filter", F if known else dict(F, accountName=UNKNOWN), {"accountName": [account_urn]})
    deployment = (
        D if known else changed(changed(D, "properties.raiPolicyName", UNKNOWN), "accountName", UNKNOWN)
    )
    add(
        AI_DEPLOYMENT,
        "chat",
        deployment,
        {"properties": [urn(AI_RAI_POLICY, "filter")], "accountName": [account_urn]},
    )
    return tuple(out)


def ai_stack_cases(mode: str) -> list[StackCase]:
    """Pass and fail cases of the stack rules over AI Services, for one reference mode."""
    no_pe = (
        'AI Services account "ai" has no private endpoint for group ID "account" (a network:PrivateEndpoint whose '
        'privateLinkServiceConnections reference it with groupIds ["account"]).'
    )
    dns = (
        'AI Services account "ai" needs private DNS zone "privatelink.services.ai.azure.com": create '
        "privatedns:PrivateZone resources with these names, or list them in centralDnsZones when DNS is managed "
        "centrally."
    )
    no_diag = (
        'AI Services account "ai" has no diagnostic setting (a monitor:DiagnosticSetting whose resourceUri '
        "references it) sending allLogs or audit logs to a Log Analytics workspace."
    )
    defender = (
        'Defender for Cloud AI threat protection is off: add a security:Pricing with pricingName "AI" and '
        'pricingTier "Standard" (or confirm it is enabled for the subscription elsewhere).'
    )
    weak_filter = (
        'model deployment "chat" uses content filter "filter", which does not satisfy ai-rai-policy: '
        "properties.contentFilters[5].blocking is false; must be true."
    )
    return [
        StackCase("private-endpoints", ai_stack(mode), label=mode + " ai"),
        StackCase("private-endpoints", ai_stack(mode, drop=("pe-ai",)), (("ai", no_pe),), label=mode + " ai"),
        StackCase(
            "private-endpoints",
            ai_stack(mode, changes={"pe-ai": ("privateLinkServiceConnections.0.groupIds", ["openai"])}),
            (("ai", no_pe),),
            label=mode + " ai wrong group",
        ),
        StackCase("private-dns", ai_stack(mode), label=mode + " ai"),
        StackCase("private-dns", ai_stack(mode, drop=("zone-svc",)), (("ai", dns),), label=mode + " ai"),
        StackCase(
            "private-dns",
            ai_stack(mode, drop=("zone-svc",)),
            config={"centralDnsZones": ["privatelink.services.ai.azure.com"]},
            label=mode + " ai central zone",
        ),
        StackCase("diagnostics", ai_stack(mode), label=mode + " ai"),
        StackCase("diagnostics", ai_stack(mode, drop=("diag-ai",)), (("ai", no_diag),), label=mode + " ai"),
        StackCase("defender-for-ai", ai_stack(mode), label=mode + " ai"),
        StackCase(
            "defender-for-ai",
            ai_stack(mode, drop=("defender-ai",)),
            (("ai", defender),),
            label=mode + " ai only",
        ),
        StackCase("ai-content-filter", ai_stack(mode), label=mode),
        StackCase(
            "ai-content-filter",
            ai_stack(mode, changes={"filter": ("properties.contentFilters.5.blocking", False)}),
            (("chat", weak_filter),),
            label=mode + " weak filter in stack",
        ),
        StackCase(
            "ai-content-filter",
            ai_stack(
                mode, drop=("filter",), changes={"chat": ("properties.raiPolicyName", "Microsoft.DefaultV2")}
            ),
            (
                (
                    "chat",
                    'model deployment "chat": properties.raiPolicyName is "Microsoft.DefaultV2", a Microsoft '
                    "default content filter; reference a custom content filter (cognitiveservices:RaiPolicy) with "
                    "the Jailbreak and Indirect Attack prompt shields.",
                ),
            ),
            label=mode + " microsoft default",
        ),
        StackCase(
            "ai-content-filter",
            ai_stack(mode, drop=("filter",), changes={"chat": ("properties.raiPolicyName", DELETE)}),
            (
                (
                    "chat",
                    'model deployment "chat": properties.raiPolicyName is not set; Azure applies its default '
                    "content filter, which does not block indirect attacks: reference a custom content filter "
                    "(cognitiveservices:RaiPolicy).",
                ),
            ),
            label=mode + " no filter",
        ),
    ]


AI_STACK_CASES = [c for mode in MODES for c in ai_stack_cases(mode)]


def _stack_case_id(case: StackCase) -> str:
    return f"{case.policy}:{'fail' if case.expect else 'pass'}:{case.label}"


@pytest.mark.parametrize("case", AI_STACK_CASES, ids=[_stack_case_id(c) for c in AI_STACK_CASES])
def test_stack_case(pack: PolicyPackProcess, case: StackCase) -> None:
    """The stack policy reports exactly the expected (resource, message) pairs at its level."""
    with configured(pack, {case.policy: case.config} if case.config else None):
        violations = pack.analyze_stack(case.resources)
    mine = [v for v in violations if v.policy == case.policy]
    got = sorted((v.urn.rsplit("::", 1)[-1] if v.urn else "", body(v)) for v in mine)
    assert got == sorted(case.expect)
    level = "advisory" if case.policy in ADVISORY else "mandatory"
    assert all(v.level == level for v in mine)


@pytest.mark.parametrize("mode", MODES)
def test_compliant_ai_stack_has_no_violations(pack: PolicyPackProcess, mode: str) -> None:
    """The whole compliant AI Services graph passes every rule, resource and stack, advisory included."""
    resources = ai_stack(mode)
    assert [(v.policy, body(v)) for v in pack.analyze_many(list(resources))] == []
    assert [(v.policy, body(v)) for v in pack.analyze_stack(resources)] == []


@pytest.mark.parametrize("token", DEPLOYMENT_FORMS[1:])
def test_content_filter_reads_every_deployment_token(pack: PolicyPackProcess, token: str) -> None:
    """The ai-content-filter stack rule finds model deployments under versioned and local-package tokens."""
    resources = [
        res(token, r.name, r.inputs, r.property_dependencies) if r.type == AI_DEPLOYMENT else r
        for r in ai_stack(
            "unknown-ids", drop=("filter",), changes={"chat": ("properties.raiPolicyName", DELETE)}
        )
    ]
    assert [v.policy for v in pack.analyze_stack(resources) if v.policy == "ai-content-filter"] == [
        "ai-content-filter"
    ]


def test_remediate_turns_keys_off(pack: PolicyPackProcess) -> None:
    """At the remediate level ai-local-auth sets disableLocalAuth to true and changes nothing else."""
    props = changed(A, "properties.disableLocalAuth", False)
    with configured(pack, {"ai-local-auth": "remediate"}):
        fixes = pack.remediate(res(AI_ACCOUNT, "ai", props))
    assert fixes == [("ai-local-auth", A)]
