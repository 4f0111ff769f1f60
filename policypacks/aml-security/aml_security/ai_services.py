"""Azure AI Services and Foundry controls (`cognitiveservices:Account`, `Deployment`, `RaiPolicy`).

The stack rules `private-endpoints`, `private-dns`, `diagnostics` and `defender-for-ai` cover AI Services
accounts through the constants below (network.py, monitoring.py, governance.py read them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pulumi_policy import Severity

from .helpers import (
    MISSING,
    UNKNOWN,
    Anchors,
    Config,
    Resource,
    StackIndex,
    StackResource,
    as_list,
    at,
    expect,
    fixes_for,
    fmt,
    fmt_choices,
    is_unknown,
    present,
    resource_policy,
    shown,
    stack_policy,
    str_list,
    unknown_message,
)
from .storage import either_or

ACCOUNT = "azure-native:cognitiveservices:Account"
DEPLOYMENT = "azure-native:cognitiveservices:Deployment"
RAI_POLICY = "azure-native:cognitiveservices:RaiPolicy"

ACCOUNT_NOUN = "AI Services account"
ACCOUNT_GROUP = "account"
"""The private link group ID of a Microsoft.CognitiveServices account."""
AI_DNS_ZONES = (
    "privatelink.cognitiveservices.azure.com",
    "privatelink.openai.azure.com",
    "privatelink.services.ai.azure.com",
)
"""The private DNS zones of an AI Services account's `account` private endpoint."""

PROMPT_SHIELDS = ("Jailbreak", "Indirect Attack")
HARM_CATEGORIES = frozenset({"hate", "sexual", "violence", "selfharm", "self-harm", "self harm"})
IDENTITY_TYPES = (
    "SystemAssigned",
    "UserAssigned",
    "SystemAssigned, UserAssigned",
    "SystemAssigned,UserAssigned",
)

_BARE_WILDCARD = re.compile(r"\*(\.[^.*/]+)?\.?")


# -- accounts ---------------------------------------------------------------------------------------


def _public_network(r: Resource, cfg: Config) -> Iterable[str]:
    return either_or(
        r.props,
        ("properties.publicNetworkAccess", "Disabled", "Enabled"),
        ("properties.networkAcls.defaultAction", "Deny", "Allow"),
    )


def check_local_auth(r: Resource, cfg: Config) -> list[str]:
    """properties.disableLocalAuth true (API keys off, Entra ID only)."""
    return expect(r.props, "properties.disableLocalAuth", [True], default="false (API keys enabled)")


def _identity(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(
        r.props,
        "identity.type",
        IDENTITY_TYPES,
        default="None",
        show='a managed identity ("SystemAssigned", "UserAssigned" or "SystemAssigned, UserAssigned")',
    )


def _cmk(r: Resource, cfg: Config) -> Iterable[str]:
    out = expect(
        r.props,
        "properties.encryption.keySource",
        ["Microsoft.KeyVault"],
        default="Microsoft.CognitiveServices",
    )
    if out:
        return out
    for path in ("keyVaultUri", "keyName"):
        full = f"properties.encryption.keyVaultProperties.{path}"
        if not present(r.props, full):
            out.append(f"{full} is not set; a customer-managed key needs its key vault URI and key name.")
    return out


def _outbound(r: Resource, cfg: Config) -> Iterable[str]:
    out = expect(r.props, "properties.restrictOutboundNetworkAccess", [True], default="false")
    fqdns = at(r.props, "properties.allowedFqdnList")
    if fqdns is UNKNOWN:
        return [*out, unknown_message("properties.allowedFqdnList")]
    for i, fqdn in enumerate(as_list(fqdns)):
        where = f"properties.allowedFqdnList[{i}]"
        if is_unknown(fqdn):
            out.append(unknown_message(where))
        elif isinstance(fqdn, str) and _BARE_WILDCARD.fullmatch(fqdn.strip()):
            out.append(
                f'{where} is {fmt(fqdn)}; the outbound allow-list must not open the internet (no "*" or bare '
                "wildcard top-level domain)."
            )
    return out


def _custom_subdomain(r: Resource, cfg: Config) -> Iterable[str]:
    if present(r.props, "properties.customSubDomainName"):
        return []
    return [
        "properties.customSubDomainName is not set; Microsoft Entra ID token authentication and private "
        "endpoints need a custom subdomain."
    ]


def _kinds(r: Resource, cfg: Config) -> Iterable[str]:
    allowed = cfg.strings("allowedKinds")
    kind = at(r.props, "kind")
    if kind is UNKNOWN:
        return [unknown_message("kind")]
    if isinstance(kind, str) and kind.strip().casefold() in {k.casefold() for k in allowed}:
        return []
    listed = ", ".join(fmt(k) for k in allowed) or "none"
    return [f"kind is {shown(kind)}; allowed: {listed}."]


# -- content filters (RaiPolicy) --------------------------------------------------------------------


def rai_problems(props: dict[str, object]) -> list[str]:
    """Why a content filter does not block jailbreaks, indirect attacks and harmful content (empty: it does)."""
    filters = at(props, "properties.contentFilters")
    if filters is UNKNOWN:
        return [unknown_message("properties.contentFilters")]
    out: list[str] = []
    seen: set[str] = set()
    for i, entry in enumerate(as_list(filters)):
        where = f"properties.contentFilters[{i}]"
        if is_unknown(entry):
            out.append(unknown_message(where))
            continue
        name = at(entry, "name")
        if name is UNKNOWN:
            out.append(unknown_message(f"{where}.name"))
            continue
        if not isinstance(name, str):
            continue
        key = name.strip().casefold()
        shield = next((s for s in PROMPT_SHIELDS if s.casefold() == key), None)
        if shield is None and key not in HARM_CATEGORIES:
            continue
        if shield is not None:
            seen.add(shield)
        for flag in ("enabled", "blocking"):
            out += expect(props, ["properties", "contentFilters", i, flag], [True])
    for shield in PROMPT_SHIELDS:
        if shield not in seen:
            out.append(
                f"properties.contentFilters has no {fmt(shield)} filter; add {{name: {fmt(shield)}, "
                'source: "Prompt", enabled: true, blocking: true} (a prompt shield).'
            )
    return out


def _rai_policy(r: Resource, cfg: Config) -> Iterable[str]:
    return rai_problems(r.props)


# -- model deployments ------------------------------------------------------------------------------


def _filter_name_problem(props: dict[str, object]) -> str | None:
    """Why the deployment's raiPolicyName is not a custom content filter (None: it is, or it is computed)."""
    name = at(props, "properties.raiPolicyName")
    if name is UNKNOWN:
        return None  # the name of a RaiPolicy created in the stack: a reference, present
    if name is MISSING or (isinstance(name, str) and not name.strip()):
        return (
            "properties.raiPolicyName is not set; Azure applies its default content filter, which does not "
            "block indirect attacks: reference a custom content filter (cognitiveservices:RaiPolicy)."
        )
    if not isinstance(name, str):
        return f"properties.raiPolicyName is {fmt(name)}; it must name a custom content filter."
    if name.strip().casefold().startswith("microsoft."):
        return (
            f"properties.raiPolicyName is {fmt(name)}, a Microsoft default content filter; reference a custom "
            "content filter (cognitiveservices:RaiPolicy) with the Jailbreak and Indirect Attack prompt shields."
        )
    return None


def _referenced_filters(index: StackIndex, deployment: StackResource) -> list[StackResource]:
    """Content filters of the stack the deployment references: by property dependency or by equal name."""
    name = at(deployment.props, "properties.raiPolicyName")
    deps = deployment.property_dependencies.get("properties", set())
    out = []
    for rai in index.of_type(RAI_POLICY):
        rai_name = at(rai.props, "raiPolicyName")
        by_name = (
            isinstance(name, str)
            and not is_unknown(name)
            and isinstance(rai_name, str)
            and not is_unknown(rai_name)
            and name.strip().casefold() == rai_name.strip().casefold()
        )
        if by_name or rai.urn in deps:
            out.append(rai)
    return out


def _content_filter(index: StackIndex, cfg: Config) -> Iterator[tuple[str, str | None]]:
    for deployment in index.of_type(DEPLOYMENT):
        problem = _filter_name_problem(deployment.props)
        if problem is not None:
            yield f"model deployment {fmt(deployment.name)}: {problem}", deployment.urn
            continue
        for rai in _referenced_filters(index, deployment):
            problems = rai_problems(rai.props)
            if problems:
                yield (
                    f"model deployment {fmt(deployment.name)} uses content filter {fmt(rai.name)}, which does "
                    f"not satisfy ai-rai-policy: {' '.join(problems)}",
                    deployment.urn,
                )


def _pinned(r: Resource, cfg: Config) -> Iterable[str]:
    out = expect(
        r.props,
        "properties.versionUpgradeOption",
        ["NoAutoUpgrade"],
        default="OnceNewDefaultVersionAvailable",
    )
    version = at(r.props, "properties.model.version")
    if version is UNKNOWN:
        out.append(unknown_message("properties.model.version"))
    elif version is MISSING or (isinstance(version, str) and not version.strip()):
        out.append(
            "properties.model.version is not set; Azure deploys the model's current default version, which "
            "changes: pin a version."
        )
    elif not isinstance(version, str):
        out.append(f"properties.model.version is {fmt(version)}; must be a model version string.")
    return out


def _approved(r: Resource, cfg: Config) -> Iterable[str]:
    approved = cfg.strings("approvedModels")
    if not approved:
        return []
    parts: dict[str, str] = {}
    for field in ("format", "name", "version"):
        value = at(r.props, f"properties.model.{field}")
        if value is UNKNOWN:
            return [unknown_message(f"properties.model.{field}")]
        if isinstance(value, str) and value.strip():
            parts[field] = value.strip()
        elif field != "version":
            return [
                f"properties.model.{field} is {shown(value)}; approvedModels lists format/name[/version]."
            ]
    model = "/".join(parts[f] for f in ("format", "name", "version") if f in parts)
    for entry in approved:
        steps = [s.strip() for s in entry.split("/")]
        if len(steps) not in (2, 3):
            continue
        wanted = dict(zip(("format", "name", "version"), steps, strict=False))
        if all(parts.get(k, "").casefold() == v.casefold() for k, v in wanted.items()):
            return []
    return [
        f"properties.model is {fmt(model)}; not in approvedModels ({', '.join(fmt(a) for a in approved)})."
    ]


POLICIES = [
    resource_policy(
        name="ai-public-network",
        description="AI Services accounts must disable public network access or deny it by default.",
        types=[ACCOUNT],
        check=_public_network,
        severity=Severity.HIGH,
        anchors=Anchors(
            azure_policy=("0725b4dd-7e76-479c-a735-68e7ee23d5ca", "037eea7a-bd0a-46c5-9a66-03aea78705d3"),
            checkov=("CKV_AZURE_134",),
            mcsb=("NS-2",),
        ),
        remediation_steps=(
            'Set properties.publicNetworkAccess to "Disabled" (reach the account through a private endpoint), '
            'or properties.networkAcls.defaultAction to "Deny".'
        ),
    ),
    resource_policy(
        name="ai-local-auth",
        description="AI Services accounts must disable local (API key) authentication.",
        types=[ACCOUNT],
        check=check_local_auth,
        fixes=fixes_for((check_local_auth, "properties.disableLocalAuth", True)),
        severity=Severity.HIGH,
        anchors=Anchors(
            azure_policy=("71ef260a-8f18-47b7-abcb-62d0673d94dc",), checkov=("CKV_AZURE_236",), mcsb=("IM-1",)
        ),
        remediation_steps=(
            "Set properties.disableLocalAuth to true; grant people and workloads Cognitive Services OpenAI User "
            "or Azure AI User and call the account with Microsoft Entra ID tokens."
        ),
    ),
    resource_policy(
        name="ai-identity",
        description="AI Services accounts must have a managed identity.",
        types=[ACCOUNT],
        check=_identity,
        severity=Severity.MEDIUM,
        anchors=Anchors(
            azure_policy=("fe3fd216-4f83-4fc1-8984-2bbec80a3418",), checkov=("CKV_AZURE_238",), mcsb=("IM-3",)
        ),
        remediation_steps='Set identity.type to "SystemAssigned", "UserAssigned" or "SystemAssigned, UserAssigned".',
    ),
    resource_policy(
        name="ai-cmk",
        description="AI Services accounts must encrypt data with a customer-managed key.",
        types=[ACCOUNT],
        check=_cmk,
        severity=Severity.MEDIUM,
        anchors=Anchors(
            azure_policy=("67121cc7-ff39-4ab8-b7e3-95b84dab487d",), checkov=("CKV2_AZURE_22",), mcsb=("DP-5",)
        ),
        remediation_steps=(
            'Set properties.encryption.keySource to "Microsoft.KeyVault" with keyVaultProperties (keyVaultUri, '
            "keyName, identityClientId for a user-assigned identity); AI Services accepts RSA keys of 2048 bits."
        ),
    ),
    resource_policy(
        name="ai-outbound",
        description="AI Services accounts must restrict outbound network access to an allow-list.",
        types=[ACCOUNT],
        check=_outbound,
        severity=Severity.MEDIUM,
        anchors=Anchors(
            checkov=("CKV_AZURE_247",),
            mcsb=("NS-2",),
            other=("ALZ Deny-CognitiveServices-RestrictOutboundNetworkAccess",),
        ),
        remediation_steps=(
            "Set properties.restrictOutboundNetworkAccess to true and list the host names the account may reach "
            'in properties.allowedFqdnList (never "*" or a bare wildcard top-level domain).'
        ),
    ),
    resource_policy(
        name="ai-custom-subdomain",
        description="AI Services accounts must have a custom subdomain.",
        types=[ACCOUNT],
        check=_custom_subdomain,
        severity=Severity.MEDIUM,
        anchors=Anchors(other=("MS docs: custom subdomain names for Azure AI services",)),
        remediation_steps=(
            "Set properties.customSubDomainName to a globally unique name (it cannot be changed later)."
        ),
    ),
    resource_policy(
        name="ai-allowed-kinds",
        description="AI Services accounts must be of an allowed kind.",
        types=[ACCOUNT],
        check=_kinds,
        config={
            "allowedKinds": str_list(
                ["AIServices", "OpenAI"], "Account kinds allowed (Microsoft.CognitiveServices/accounts kind)."
            )
        },
        severity=Severity.MEDIUM,
        anchors=Anchors(other=("ALZ Deny-CognitiveServices-Resource-Kinds",)),
        remediation_steps=f"Set kind to one of allowedKinds (default {fmt_choices(['AIServices', 'OpenAI'])}).",
    ),
    stack_policy(
        name="ai-content-filter",
        description=(
            "AI model deployments must use a custom content filter; one created in the stack must satisfy "
            "ai-rai-policy."
        ),
        check=_content_filter,
        severity=Severity.HIGH,
        anchors=Anchors(
            mcsb=("AI-2",),
            other=(
                "Azure AI security best practices: AI-specific threat protection (prompt injection, jailbreak)",
            ),
        ),
        remediation_steps=(
            "Set properties.raiPolicyName to a cognitiveservices:RaiPolicy of the account with the Jailbreak and "
            "Indirect Attack prompt shields enabled and blocking (not absent, not a Microsoft.* default)."
        ),
    ),
    resource_policy(
        name="ai-rai-policy",
        description=(
            "AI content filters must block jailbreaks and indirect attacks, and every harm category they list."
        ),
        types=[RAI_POLICY],
        check=_rai_policy,
        severity=Severity.HIGH,
        anchors=Anchors(
            mcsb=("AI-2",),
            other=(
                "Azure AI security best practices: AI-specific threat protection (prompt injection, jailbreak)",
            ),
        ),
        remediation_steps=(
            'List {name: "Jailbreak"} and {name: "Indirect Attack"} (source "Prompt") in '
            "properties.contentFilters with enabled and blocking true; every Hate, Sexual, Violence and "
            "Selfharm filter listed must be enabled and blocking."
        ),
    ),
    resource_policy(
        name="ai-model-pinned",
        description="AI model deployments must pin the model version and never upgrade it automatically.",
        types=[DEPLOYMENT],
        check=_pinned,
        severity=Severity.MEDIUM,
        anchors=Anchors(mcsb=("AI-1",), other=("derived: change control",)),
        remediation_steps=(
            'Set properties.versionUpgradeOption to "NoAutoUpgrade" and properties.model.version to the '
            "reviewed version."
        ),
    ),
    resource_policy(
        name="ai-approved-models",
        description="AI model deployments must deploy approved models only.",
        types=[DEPLOYMENT],
        check=_approved,
        config={
            "approvedModels": str_list(
                [],
                "Approved models as format/name or format/name/version (e.g. OpenAI/gpt-4o/2024-11-20); "
                "empty: no allow-list.",
            )
        },
        severity=Severity.HIGH,
        anchors=Anchors(azure_policy=("aafe3651-cb78-4f68-9f81-e7e41509110f",), mcsb=("AI-1",)),
        remediation_steps="Deploy a model listed in approvedModels, or have the model reviewed and added to it.",
    ),
]
