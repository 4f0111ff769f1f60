"""Helpers the report formats share: what a finding says, where it came from, how policies are anchored.

Every format reads the same `PreflightResult`; these functions keep them agreeing on the details
(the finding text without the policy description the SDK prepends, a resource's short type, the
resources of grouped findings by the line they come from, the anchors a policy carries in its tags).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from ..model import ADVISORY, DISABLED, MANDATORY, REMEDIATE, PolicyInfo, RecordedResource, Violation
from ..report import PreflightResult

LEVEL_ORDER = {MANDATORY: 0, REMEDIATE: 1, ADVISORY: 2, DISABLED: 3}

# Microsoft Cloud Security Benchmark domains by control prefix (learn.microsoft.com page slugs).
_MCSB_PAGES = {
    "NS": "mcsb-network-security",
    "IM": "mcsb-identity-management",
    "PA": "mcsb-privileged-access",
    "DP": "mcsb-data-protection",
    "AM": "mcsb-asset-management",
    "LT": "mcsb-logging-threat-detection",
    "IR": "mcsb-incident-response",
    "PV": "mcsb-posture-vulnerability-management",
    "ES": "mcsb-endpoint-security",
    "BR": "mcsb-backup-recovery",
    "DS": "mcsb-devops-security",
    "GS": "mcsb-governance-strategy",
}
_ANCHOR_SOURCES = {
    "azure-policy": "Azure Policy",
    "checkov": "Checkov",
    "mcsb": "MCSB",
    "source": "Source",
}


def finding(v: Violation) -> str:
    """What a violation says about its resource, without the policy description pulumi-policy prepends.

    The SDK sends `"<description>\\n<message>"`; reports show the description once per policy, so a
    finding repeats only the specific part (or the description when the policy gave no message).
    """
    text = v.message.strip()
    if v.description and text.startswith(v.description):
        rest = text[len(v.description) :].strip()
        return rest or v.description
    return text or v.description


def short_type(token: str) -> str:
    """`azure-native:network:PrivateEndpoint` -> `network:PrivateEndpoint` (the provider is implied)."""
    return token.split(":", 1)[1] if token.startswith("azure-native:") else token


@dataclass(frozen=True)
class Anchor:
    """One control a policy mirrors: its source (Azure Policy, Checkov, MCSB, other), ID, and link."""

    source: str
    id: str
    url: str = ""

    @property
    def label(self) -> str:
        """`Azure Policy 438c38d2-...`, `Checkov CKV_AZURE_144`, `MCSB NS-2`."""
        return f"{_ANCHOR_SOURCES.get(self.source, self.source)} {self.id}"


def anchors(policy: PolicyInfo) -> list[Anchor]:
    """The anchors a policy carries as `<source>:<id>` tags (the pack's convention), with links."""
    out: list[Anchor] = []
    for tag in policy.tags:
        source, sep, ident = tag.partition(":")
        if not sep or source not in _ANCHOR_SOURCES or not ident:
            continue
        out.append(Anchor(source, ident, anchor_url(source, ident)))
    return out


def anchor_url(source: str, ident: str) -> str:
    """A public page for an anchor: the Azure Policy definition in the portal, the MCSB domain page."""
    if source == "azure-policy":
        definition = quote(f"/providers/Microsoft.Authorization/policyDefinitions/{ident}", safe="")
        return f"https://portal.azure.com/#view/Microsoft_Azure_Policy/PolicyDetailBlade/definitionId/{definition}"
    if source == "mcsb":
        page = _MCSB_PAGES.get(ident.split("-", 1)[0].upper())
        return f"https://learn.microsoft.com/security/benchmark/azure/{page}" if page else ""
    return ""


def policy_help_uri(policy: PolicyInfo) -> str:
    """Where to read about a policy: its own URL, else its first anchor with a page."""
    if policy.url:
        return policy.url
    return next((a.url for a in anchors(policy) if a.url), "")


def policies_by_pack(result: PreflightResult) -> dict[str, dict[str, PolicyInfo]]:
    """Every policy each pack declared, plus any a violation names that the pack did not declare."""
    table: dict[str, dict[str, PolicyInfo]] = {
        run.info.name: {p.name: p for p in run.info.policies} for run in result.packs
    }
    for v in result.violations:
        policies = table.setdefault(v.pack, {})
        if v.policy not in policies:
            policies[v.policy] = PolicyInfo(
                name=v.policy,
                description=v.description,
                enforcement_level=v.level,
                kind="resource" if v.urn else "stack",
                severity=v.severity,
            )
    return table


def by_urn(result: PreflightResult) -> dict[str, RecordedResource]:
    """The recorded resources keyed by URN."""
    return {r.urn: r for r in result.recording.resources}


def sorted_violations(result: PreflightResult) -> list[Violation]:
    """Violations, mandatory first, then by pack, policy and URN (stable across runs)."""
    return sorted(
        result.violations, key=lambda v: (LEVEL_ORDER.get(v.level, 9), v.pack, v.policy, v.urn, v.message)
    )
