"""A single-file HTML report: verdict, counts, violations, controls, and the architecture diagram.

The diagram is an inline SVG laid out by `svg.render_svg` (no script, no network), with its Mermaid text
folded below it for pasting into Markdown. Every value from the program or the packs is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..model import MANDATORY, RecordedResource
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
from .svg import render_svg

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.mandatory { color: #d1242f; font-weight: 600; } .advisory { color: #9a6700; }
div.diagram { overflow: auto; border: 1px solid #d0d7de; margin: 1rem 0; }
div.diagram svg { display: block; }
pre.mermaid-source { background: #f6f8fa; padding: 1rem; overflow: auto; }
code { font-size: 90%; }
"""


def _at(where: Location | None) -> str:
    return f" at <code>{escape(str(where))}</code>" if where is not None else ""


def _note(place_note: str) -> str:
    return f" {escape(place_note)}" if place_note else ""


def _violation_rows(
    result: PreflightResult, resources: dict[str, RecordedResource], origins: Origins
) -> list[str]:
    """One row per finding with the user's line (and the argument that set the property); the advisories of
    one policy share one row with their count, the resources by line, and each distinct finding once."""
    rows = []
    order = {pack: i for i, pack in enumerate(policies_by_pack(result))}
    for group in grouped(sorted(sorted_violations(result), key=lambda v: order.get(v.pack, len(order)))):
        v = group[0]
        if len(group) == 1:
            r = resources.get(v.urn)
            target = (
                f"<code>{escape(r.name)}</code> ({escape(short_type(r.type))}){_at(origins.location(v.urn))}"
                if r is not None
                else ("the stack" if not v.urn else f"<code>{escape(v.urn)}</code>")
            )
            note = origins.note(v)
            text = escape(finding(v)) + (f"<br>{escape(note)}" if note else "")
        else:
            parts = [
                ", ".join(f"<code>{escape(n)}</code>" for n in place.names)
                + _at(place.location)
                + _note(place.note)
                for place in places(group, resources, origins)
            ]
            target = f"{len(group)} resources: " + "; ".join(parts)
            text = "<br>".join(escape(t) for t in dict.fromkeys(finding(x) for x in group))
        rows.append(
            f'<tr><td class="{escape(v.level)}">{escape(v.level)}</td><td>{escape(v.pack)}</td>'
            f"<td><code>{escape(v.policy)}</code></td><td>{target}</td><td>{text}</td></tr>"
        )
    return rows


def render_html(result: PreflightResult, project_dir: Path | None = None) -> str:
    """The HTML report as one self-contained page."""
    rec = result.recording
    resources = by_urn(result)
    title = f"Preflight {rec.project}/{rec.stack}"
    verdict = (
        f"{len(result.mandatory)} mandatory policy violation(s): the update would be blocked"
        if result.mandatory
        else "No mandatory policy violations"
    )
    rows = _violation_rows(result, resources, Origins(result, project_dir))
    failed = {(v.pack, v.policy): v.level for v in result.violations if v.level == MANDATORY}
    warned = {(v.pack, v.policy): v.level for v in result.violations}
    controls = []
    for pack, policies in policies_by_pack(result).items():
        for p in policies.values():
            state = "fail" if (pack, p.name) in failed else warned.get((pack, p.name), "pass")
            refs = ", ".join(
                f'<a href="{escape(a.url)}">{escape(a.label)}</a>' if a.url else escape(a.label)
                for a in anchors(p)
            )
            controls.append(
                f"<tr><td><code>{escape(p.name)}</code></td><td>{escape(pack)}</td><td>{escape(p.enforcement_level)}</td>"
                f"<td>{escape(p.severity)}</td><td>{escape(state)}</td><td>{escape(p.description)}</td><td>{refs}</td></tr>"
            )
    violations_table = (
        "<table><tr><th>Level</th><th>Pack</th><th>Policy</th><th>Resource</th><th>Finding</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else "<p>None.</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p class="{"mandatory" if result.mandatory else ""}">{escape(verdict)}; {len(result.advisory)} advisory.
{result.create_count} resources to create ({escape(rec.mode)} mode, emulated Azure).</p>
<h2>Violations</h2>
{violations_table}
<h2>Architecture</h2>
<div class="diagram">
{render_svg(result)}</div>
<details><summary>Mermaid source</summary>
<pre class="mermaid-source">
{escape(render_mermaid(result, project_dir))}</pre>
</details>
<h2>Controls covered</h2>
<table><tr><th>Policy</th><th>Pack</th><th>Level</th><th>Severity</th><th>Result</th><th>Description</th><th>Anchors</th></tr>
{"".join(controls)}
</table>
</body>
</html>
"""
