"""SARIF 2.1.0 for GitHub code scanning: one run per policy pack, one rule per policy, one result per finding.

What GitHub reads (docs.github.com, "SARIF support for code scanning"): `tool.driver.rules` with help
text and `properties.security-severity` (a number as a string; critical >= 9, high >= 7, medium >= 4);
`properties.tags` containing "security"; results with `ruleId`, `level`, `message.text` and at least one
`physicalLocation` with a relative `uri`; `partialFingerprints` keep an alert the same alert when lines move.

One result per finding, so one per resource: each carries the resource's URN as its logical location and
the user's line of the resource as its physical location (the team's call of the component that created
it, or the resource's own line: preflight.user_code). Findings without a line in the project (stack-wide
policies, resources registered outside it) point at the project's `Pulumi.yaml`, line 1, so code
scanning shows them. A finding on a property a component argument set names the argument.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from ..model import ADVISORY, MANDATORY, REMEDIATE, PolicyInfo, RecordedResource, Violation
from ..report import Origins, PreflightResult
from ._common import anchors, by_urn, finding, policies_by_pack, policy_help_uri, short_type

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FALLBACK_FILE = "Pulumi.yaml"
FINGERPRINT_KEY = "preflightResource/v1"

LEVELS = {MANDATORY: "error", ADVISORY: "warning", REMEDIATE: "note"}
"""SARIF level per enforcement level: mandatory blocks (error), advisory warns, remediate is auto-fixed."""

SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
"""GitHub's security-severity scores, one inside each of its bands (critical > 9.0, high 7.0-8.9, ...)."""

_SEMVER = re.compile(r"^\d+\.\d+\.\d+([-+].*)?$")


def sarif_level(level: str) -> str:
    """The SARIF `level` for an enforcement level (`none` for anything that does not report)."""
    return LEVELS.get(level, "none")


def _rule_name(policy: str) -> str:
    """A policy ID as the PascalCase name SARIF viewers show (`ws-public-network` -> `WsPublicNetwork`)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", policy) if part)


def _help(policy: PolicyInfo) -> tuple[str, str]:
    """Help as plain text and as Markdown: description, remediation, framework, linked anchors."""
    text = [policy.description]
    md = [f"**{policy.description}**" if policy.description else f"**{policy.name}**"]
    if policy.remediation_steps:
        text.append(f"Remediation: {policy.remediation_steps}")
        md.append(f"**Remediation.** {policy.remediation_steps}")
    if policy.framework:
        text.append(f"Framework: {policy.framework}")
        md.append(f"**Framework.** {policy.framework}")
    found = anchors(policy)
    if found:
        text.append("Anchors: " + ", ".join(a.label for a in found))
        md.append(
            "**Anchors.**\n"
            + "\n".join(f"- [{a.label}]({a.url})" if a.url else f"- {a.label}" for a in found)
        )
    text.append(f"Enforcement: {policy.enforcement_level}; kind: {policy.kind} policy.")
    md.append(f"Enforcement: `{policy.enforcement_level}`; kind: {policy.kind} policy.")
    return "\n\n".join(t for t in text if t), "\n\n".join(md)


def _rule(policy: PolicyInfo) -> dict[str, Any]:
    help_text, help_md = _help(policy)
    tags = ["security", "pulumi-policy", *policy.tags]
    properties: dict[str, Any] = {"tags": tags, "precision": "very-high", "kind": policy.kind}
    if policy.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[policy.severity]
        properties["severity"] = policy.severity
    if policy.framework:
        properties["framework"] = policy.framework
    rule: dict[str, Any] = {
        "id": policy.name,
        "name": _rule_name(policy.name) or policy.name,
        "shortDescription": {"text": policy.display_name or policy.description or policy.name},
        "fullDescription": {"text": policy.description or policy.name},
        "defaultConfiguration": {"level": sarif_level(policy.enforcement_level)},
        "help": {"text": help_text, "markdown": help_md},
        "properties": properties,
    }
    uri = policy_help_uri(policy)
    if uri:
        rule["helpUri"] = uri
    return rule


def _fingerprint(v: Violation) -> str:
    """Stable across runs and line moves: pack, policy, resource URN (or the stack) and the finding."""
    basis = "\x00".join((v.pack, v.policy, v.urn or "<stack>", finding(v)))
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def _result(
    v: Violation, rule_index: int, resources: dict[str, RecordedResource], origins: Origins
) -> dict[str, Any]:
    r = resources.get(v.urn)
    text = finding(v)
    if r is not None:
        text = f"{r.name} ({short_type(r.type)}): {text}"
    argument = origins.argument(v)
    if argument is not None:
        text += f" ({argument})"
    where = origins.location(v.urn)
    uri, line = (where.file, where.line) if where is not None and where.in_project else (FALLBACK_FILE, 1)
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
            "region": {"startLine": line},
        }
    }
    if v.urn:
        logical: dict[str, Any] = {"fullyQualifiedName": v.urn, "kind": "resource"}
        if r is not None:
            logical["name"] = r.name
        location["logicalLocations"] = [logical]
    properties: dict[str, Any] = {"enforcementLevel": v.level, "pack": v.pack}
    if r is not None:
        properties["resourceType"] = r.type
    if v.severity:
        properties["severity"] = v.severity
    if argument is not None:
        properties["argument"] = argument.to_json()
    return {
        "ruleId": v.policy,
        "ruleIndex": rule_index,
        "level": sarif_level(v.level),
        "kind": "fail",
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(v)},
        "properties": properties,
    }


def sarif_log(result: PreflightResult, project_dir: Path | None = None) -> dict[str, Any]:
    """The SARIF log as a dict: one run per policy pack (a pack is the analysis tool GitHub shows)."""
    rec = result.recording
    catalogue = policies_by_pack(result)
    versions = {run.info.name: run.info.version for run in result.packs}
    resources = by_urn(result)
    origins = Origins(result, project_dir)
    if not catalogue:
        catalogue = {"preflight": {}}  # no pack ran: one empty run, so the upload still clears old alerts
    runs: list[dict[str, Any]] = []
    for pack, policies in catalogue.items():
        ordered = list(policies.values())
        index = {p.name: i for i, p in enumerate(ordered)}
        driver: dict[str, Any] = {
            "name": pack,
            "fullName": f"{pack} policy pack (Pulumi CrossGuard), offline preflight",
            "rules": [_rule(p) for p in ordered],
        }
        version = versions.get(pack, "")
        if version:
            driver["version"] = version
            if _SEMVER.match(version):
                driver["semanticVersion"] = version
        results = [
            _result(v, index[v.policy], resources, origins) for v in result.violations if v.pack == pack
        ]
        runs.append(
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": f"preflight/{rec.project}/{rec.stack}/"},
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {SRCROOT: {"description": {"text": "The Pulumi project directory."}}},
                "invocations": [{"executionSuccessful": True}],
                "results": results,
                "properties": {"project": rec.project, "stack": rec.stack, "mode": rec.mode},
            }
        )
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def render_sarif(result: PreflightResult, project_dir: Path | None = None) -> str:
    """SARIF 2.1.0 text, stable across runs (no timestamps, no absolute paths)."""
    return json.dumps(sarif_log(result, project_dir), indent=2) + "\n"
