"""Markdown for a pull-request comment: verdict, counts, violations and controls per policy pack, a diagram.

The first line is a hidden marker (`<!-- aml-preflight:<project>/<stack> -->`) so a CI step can find
and update its own comment instead of adding a new one per push. The comment stays under GitHub's
65,536-character limit: the violations table is cut at `max_rows` rows and the architecture diagram
(Mermaid, which GitHub renders in comments) is left out when it would not fit.
"""

from __future__ import annotations

from pathlib import Path

from ..model import ADVISORY, MANDATORY, REMEDIATE, RecordedResource, Violation
from ..report import Origins, PreflightResult, grouped, places
from ..user_code import Location
from ._common import (
    anchors,
    by_urn,
    finding,
    policies_by_pack,
    short_type,
    sorted_violations,
)
from .mermaid import render_mermaid

GITHUB_COMMENT_LIMIT = 65_536
_ICONS = {MANDATORY: "🔴", ADVISORY: "🟡", REMEDIATE: "🔧"}


def marker(result: PreflightResult) -> str:
    """The hidden first line that identifies this stack's comment."""
    return f"<!-- aml-preflight:{result.recording.project}/{result.recording.stack} -->"


def cell(text: str) -> str:
    """Text made safe for one Markdown table cell: pipes escaped, HTML neutralised, lines joined."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.strip().splitlines() if line.strip())


def code(text: str) -> str:
    """Inline code for a cell (backticks in the text would end it early, so they are dropped)."""
    cleaned = text.replace("`", "").replace("|", "\\|")
    return f"`{cleaned}`"


def _at(where: Location | None) -> str:
    return f" at {code(str(where))}" if where is not None else ""


def _target(v: Violation, resources: dict[str, RecordedResource], origins: Origins) -> str:
    """The resource a finding is about, with the user's line it comes from."""
    r = resources.get(v.urn)
    if r is None:
        return "the stack" if not v.urn else code(v.urn)
    return f"{code(r.name)} ({code(short_type(r.type))}){_at(origins.location(v.urn))}"


def _finding_cell(v: Violation, origins: Origins) -> str:
    """The finding, and the component argument that set the property when one did."""
    argument = origins.argument(v)
    note = f"<br>(from {argument.component} argument {code(argument.argument)})" if argument else ""
    return cell(finding(v)) + note


_GROUP_NAMES = 10
"""Resources named in a grouped advisory row before "and N more"."""


def _group_cells(
    group: list[Violation], resources: dict[str, RecordedResource], origins: Origins
) -> tuple[str, str]:
    """One row for the advisories of one policy: the count and the first resources by the line (and argument)
    they come from, each distinct finding once."""
    parts, shown = [], 0
    for place in places(group, resources, origins):
        names = place.names[: max(_GROUP_NAMES - shown, 0)]
        if not names:
            break
        shown += len(names)
        note = f" {cell(place.note)}" if place.note else ""
        parts.append(", ".join(code(n) for n in names) + _at(place.location) + note)
    more = f" and {len(group) - shown} more" if len(group) > shown else ""
    target = f"{len(group)} resources: " + "; ".join(parts) + more
    texts = list(dict.fromkeys(finding(v) for v in group))
    return target, "<br>".join(cell(t) for t in texts)


def render_markdown(
    result: PreflightResult,
    project_dir: Path | None = None,
    *,
    max_rows: int = 50,
    diagram: bool = True,
) -> str:
    """The pull-request comment (see the module docstring)."""
    rec = result.recording
    resources = by_urn(result)
    origins = Origins(result, project_dir)
    mandatory, advisory = len(result.mandatory), len(result.advisory)
    catalogue = policies_by_pack(result)
    policy_count = sum(len(p) for p in catalogue.values())
    if mandatory:
        verdict = f"❌ **{mandatory} mandatory policy violation{'s' if mandatory != 1 else ''}**: the update would be blocked"
    else:
        verdict = "✅ **No mandatory policy violations**"
    if advisory:
        verdict += f" ({advisory} advisory)"
    packs = ", ".join(f"`{run.info.name}@{run.info.version}`" for run in result.packs) or "none"
    out = [
        marker(result),
        f"### Preflight `{rec.project}/{rec.stack}`",
        "",
        f"{verdict}.",
        "",
        "| Resources to create | Mandatory | Advisory | Policies | Policy packs |",
        "|---:|---:|---:|---:|---|",
        f"| {result.create_count} | {mandatory} | {advisory} | {policy_count} | {packs} |",
        "",
    ]

    violations = sorted_violations(result)
    if violations:
        out += ["#### Violations", ""]
        shown = 0
        rows_shown = 0
        for pack in catalogue:
            found = [v for v in violations if v.pack == pack]
            groups = grouped(found)[: max(max_rows - rows_shown, 0)]
            if not groups:
                continue
            counts = sum(v.level == MANDATORY for v in found), sum(v.level == ADVISORY for v in found)
            out += [
                f"**{code(pack)}**: {counts[0]} mandatory, {counts[1]} advisory",
                "",
                "| Level | Policy | Resource | Finding |",
                "|---|---|---|---|",
            ]
            for group in groups:
                v = group[0]
                icon = _ICONS.get(v.level, "")
                if len(group) == 1:
                    target, text = _target(v, resources, origins), _finding_cell(v, origins)
                else:
                    target, text = _group_cells(group, resources, origins)
                out.append(f"| {icon} {v.level} | {code(v.policy)} | {target} | {text} |")
            out.append("")
            shown += sum(len(g) for g in groups)
            rows_shown += len(groups)
        if len(violations) > shown:
            out += [f"… and {len(violations) - shown} more: see the SARIF report or code scanning.", ""]

    if result.notices:
        out += ["#### Configuration warnings", ""]
        out += [f"- {cell(n.message)}" for n in result.notices]
        out.append("")

    violated: dict[tuple[str, str], str] = {}
    for v in result.violations:
        key = (v.pack, v.policy)
        if key not in violated or v.level == MANDATORY:
            violated[key] = v.level
    out += [
        f"<details><summary>Controls covered: {policy_count} policies in {len(catalogue)} pack(s)</summary>",
        "",
    ]
    for pack, policies in catalogue.items():
        out += [
            f"**{code(pack)}**",
            "",
            "| Policy | Level | Severity | Result | Description | Anchors |",
            "|---|---|---|---|---|---|",
        ]
        for p in policies.values():
            level = violated.get((pack, p.name))
            result_cell = "✅ pass" if level is None else ("❌ fail" if level == MANDATORY else f"⚠️ {level}")
            refs = ", ".join(f"[{a.label}]({a.url})" if a.url else a.label for a in anchors(p)) or "-"
            kind = " (stack)" if p.kind == "stack" else ""
            out.append(
                f"| {code(p.name)}{kind} | {p.enforcement_level} | {p.severity or '-'} | {result_cell} "
                f"| {cell(p.description)} | {refs} |"
            )
        out.append("")
    out += ["</details>", ""]

    footer = [
        f"<sub>Offline preflight: the stack's program against an emulated Azure ({rec.mode} mode), "
        "checked by the policy packs over the analyzer protocol, as `pulumi preview --policy-pack` does.</sub>",
        "",
    ]
    text = "\n".join(out)
    if diagram:
        block = "\n".join(
            [
                "<details><summary>Architecture (generated from the recorded resource graph)</summary>",
                "",
                "```mermaid",
                render_mermaid(result, project_dir).rstrip("\n"),
                "```",
                "",
                "</details>",
                "",
            ]
        )
        if len(text) + len(block) + len("\n".join(footer)) < GITHUB_COMMENT_LIMIT - 1024:
            text += "\n" + block
    return text + "\n" + "\n".join(footer)
