"""Markdown for a pull-request comment: verdict, counts, violations and controls per policy pack, a diagram.

The first line is a hidden marker (`<!-- aml-preflight:<project>/<stack> -->`) so a CI step can find
and update its own comment instead of adding a new one per push. The comment stays under GitHub's
65,536-character limit: the violations table is cut at `max_rows` rows and the architecture diagram
(Mermaid, which GitHub renders in comments) is left out when it would not fit.
"""

from __future__ import annotations

from pathlib import Path

from ..model import ADVISORY, MANDATORY, REMEDIATE
from ..report import PreflightResult
from ._common import (
    anchors,
    by_urn,
    finding,
    policies_by_pack,
    relative_source,
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
        for pack in catalogue:
            mine = [v for v in violations if v.pack == pack][: max(max_rows - shown, 0)]
            if not mine:
                continue
            found = [v for v in violations if v.pack == pack]
            counts = sum(v.level == MANDATORY for v in found), sum(v.level == ADVISORY for v in found)
            out += [
                f"**{code(pack)}**: {counts[0]} mandatory, {counts[1]} advisory",
                "",
                "| Level | Policy | Resource | Finding |",
                "|---|---|---|---|",
            ]
            for v in mine:
                r = resources.get(v.urn)
                if r is not None:
                    where = relative_source(r, project_dir)
                    at = f" at {code(f'{where[0]}:{where[1]}')}" if where else ""
                    target = f"{code(r.name)} ({code(short_type(r.type))}){at}"
                else:
                    target = "the stack" if not v.urn else code(v.urn)
                icon = _ICONS.get(v.level, "")
                out.append(f"| {icon} {v.level} | {code(v.policy)} | {target} | {cell(finding(v))} |")
            out.append("")
            shown += len(mine)
        if len(violations) > shown:
            out += [f"… and {len(violations) - shown} more: see the SARIF report or code scanning.", ""]

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
