"""Governance: Defender for AI, required tags, allowed locations."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pulumi_policy import Severity

from . import ai_services as ai
from .helpers import (
    UNKNOWN,
    Anchors,
    Config,
    Resource,
    StackIndex,
    at,
    fmt,
    is_unknown,
    resource_policy,
    stack_policy,
    str_list,
    unknown_message,
)

PRICING = "azure-native:security:Pricing"
WORKSPACE = "azure-native:machinelearningservices:Workspace"

# Resource types of this platform that take tags (those without a `tags` input are not listed).
TAGGABLE = frozenset(
    "azure-native:" + t
    for t in (
        "resources:ResourceGroup",
        "machinelearningservices:Workspace",
        "machinelearningservices:Compute",
        "machinelearningservices:OnlineEndpoint",
        "machinelearningservices:OnlineDeployment",
        "machinelearningservices:BatchEndpoint",
        "machinelearningservices:BatchDeployment",
        "machinelearningservices:Registry",
        "storage:StorageAccount",
        "keyvault:Vault",
        "keyvault:Key",
        "containerregistry:Registry",
        "applicationinsights:Component",
        "operationalinsights:Workspace",
        "network:NetworkSecurityGroup",
        "network:VirtualNetwork",
        "network:PrivateEndpoint",
        "privatedns:PrivateZone",
        "managedidentity:UserAssignedIdentity",
        "cognitiveservices:Account",
        "cognitiveservices:Deployment",
        "cognitiveservices:RaiPolicy",
        "cognitiveservices:Project",
    )
)
# Resource types whose location is meaningful (global resources such as DNS zones are skipped).
LOCATED = TAGGABLE - {"azure-native:privatedns:PrivateZone", "azure-native:keyvault:Key"}


def _defender(index: StackIndex, cfg: Config) -> Iterator[tuple[str, str | None]]:
    workspaces = index.of_type(WORKSPACE, ai.ACCOUNT)  # AI workloads: workspaces and AI Services accounts
    if not workspaces:
        return
    for pricing in index.of_type(PRICING):
        name, tier = at(pricing.props, "pricingName"), at(pricing.props, "pricingTier")
        if (
            isinstance(name, str)
            and name.casefold() == "ai"
            and isinstance(tier, str)
            and tier.casefold() == "standard"
        ):
            return
    yield (
        'Defender for Cloud AI threat protection is off: add a security:Pricing with pricingName "AI" and '
        'pricingTier "Standard" (or confirm it is enabled for the subscription elsewhere).',
        workspaces[0].urn,
    )


def _tags(r: Resource, cfg: Config) -> Iterable[str]:
    required = cfg.strings("requiredTags")
    if not required:
        return []
    tags = at(r.props, "tags")
    if tags is UNKNOWN:
        return [unknown_message("tags")]
    keys = {k.casefold() for k in tags} if isinstance(tags, dict) else set()
    missing = [t for t in required if t.casefold() not in keys]
    if not missing:
        return []
    return [
        f"tags is missing {', '.join(fmt(t) for t in missing)} "
        f"(required: {', '.join(fmt(t) for t in required)})."
    ]


def _normal_location(value: str) -> str:
    return value.replace(" ", "").casefold()


def _locations(r: Resource, cfg: Config) -> Iterable[str]:
    allowed = cfg.strings("allowedLocations")
    if not allowed:
        return []
    location = at(r.props, "location")
    if location is UNKNOWN or is_unknown(location) or not isinstance(location, str):
        return []  # absent: the resource group's location; unknown: taken from another resource
    if _normal_location(location) in {"global", *(_normal_location(a) for a in allowed)}:
        return []
    return [f"location is {fmt(location)}; allowed: {', '.join(fmt(a) for a in allowed)}."]


POLICIES = [
    stack_policy(
        name="defender-for-ai",
        description="Defender for Cloud AI threat protection should be enabled where AI workloads run.",
        check=_defender,
        advisory=True,
        severity=Severity.MEDIUM,
        anchors=Anchors(
            mcsb=("LT-1", "AI-7"), other=("Azure AI security best practices: AI-specific threat protection",)
        ),
        remediation_steps='Add security:Pricing {pricingName: "AI", pricingTier: "Standard"} at subscription scope.',
    ),
    resource_policy(
        name="required-tags",
        description="Resources should carry the organisation's required tags.",
        types=TAGGABLE,
        check=_tags,
        advisory=True,
        config={
            "requiredTags": str_list(["environment", "owner"], "Tag keys every taggable resource needs.")
        },
        severity=Severity.LOW,
        anchors=Anchors(other=("governance: tagging",)),
        remediation_steps="Add the required tags (default: environment, owner), e.g. through a stack-wide tag transform.",
    ),
    resource_policy(
        name="allowed-locations",
        description="Resources should be deployed only to allowed regions.",
        types=LOCATED,
        check=_locations,
        advisory=True,
        config={
            "allowedLocations": str_list(
                [], "Azure regions resources may use (e.g. westeurope); empty allows every region."
            )
        },
        severity=Severity.LOW,
        anchors=Anchors(other=("governance: data residency",)),
        remediation_steps="Set location to one of allowedLocations (resources without one inherit the resource group's).",
    ),
]
