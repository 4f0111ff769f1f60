"""What a preflight run produced, and how it is printed: `pulumi preview`-style text and the JSON plan."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import (
    ADVISORY,
    MANDATORY,
    SECRET_SIG_KEY,
    UNKNOWN,
    PackInfo,
    RecordedResource,
    Violation,
    is_secret,
)
from .program import STACK_TYPE, Recording

_LEVEL_ORDER = {MANDATORY: 0, "remediate": 1, ADVISORY: 2, "disabled": 3}


@dataclass
class PackRun:
    """One policy pack as it ran: where it came from and what it is."""

    directory: Path
    info: PackInfo


@dataclass
class PreflightResult:
    """The whole outcome of one preflight: recording, packs, violations, placeholders, timings."""

    recording: Recording
    packs: list[PackRun]
    violations: list[Violation]
    placeholders: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def mandatory(self) -> list[Violation]:
        """Violations that block the update."""
        return [v for v in self.violations if v.level == MANDATORY]

    @property
    def advisory(self) -> list[Violation]:
        """Violations that only warn."""
        return [v for v in self.violations if v.level == ADVISORY]

    @property
    def create_count(self) -> int:
        """Resources `pulumi preview` would create, the stack resource included."""
        return len(self.recording.resources) + 1

    def exit_code(self) -> int:
        """0 when clean, 1 on any mandatory violation."""
        return 1 if self.mandatory else 0


def redact(value: Any) -> Any:
    """Inputs for display and the JSON plan: secret values replaced by "[secret]"."""
    if is_secret(value):
        return "[secret]"
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items() if k != SECRET_SIG_KEY}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def plan_json(result: PreflightResult) -> dict[str, Any]:
    """The JSON plan (a public interface, documented in the README)."""
    rec = result.recording
    return {
        "project": rec.project,
        "stack": rec.stack,
        "mode": rec.mode,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "custom": r.custom,
                "inputs": redact(r.inputs),
                "dependencies": r.dependencies,
                "propertyDependencies": r.property_dependencies,
                "protect": r.protect,
            }
            for r in rec.resources
        ],
        "policyPacks": [
            {"name": p.info.name, "version": p.info.version, "policies": [x.name for x in p.info.policies]}
            for p in result.packs
        ],
        "violations": [v.to_json() for v in result.violations],
        "summary": {
            "create": result.create_count,
            "mandatory": len(result.mandatory),
            "advisory": len(result.advisory),
        },
        "placeholders": result.placeholders,
        # Offline engine only, and only when non-empty (the plan of a fully emulated program is unchanged).
        **({"servedGenerically": rec.generic} if rec.generic else {}),
        **({"emptyAnswers": rec.empty_answers} if rec.empty_answers else {}),
    }


def render_json(result: PreflightResult) -> str:
    """The JSON plan as text, stable across runs."""
    return json.dumps(plan_json(result), indent=2) + "\n"


def _tree_lines(
    resources: list[RecordedResource], root_urn: str, project: str, stack: str
) -> list[tuple[str, str, str]]:
    children: dict[str | None, list[RecordedResource]] = {}
    for r in resources:
        children.setdefault(r.parent, []).append(r)
    rows = [("", STACK_TYPE, f"{project}-{stack}")]

    def walk(parent: str | None, prefix: str) -> None:
        kids = children.get(parent, [])
        for i, r in enumerate(kids):
            last = i == len(kids) - 1
            rows.append((prefix + ("└─ " if last else "├─ "), r.type, r.name))
            walk(r.urn, prefix + ("   " if last else "│  "))

    walk(None, "")
    return rows


def _describe_target(v: Violation, by_urn: dict[str, RecordedResource]) -> str:
    r = by_urn.get(v.urn)
    return f"  ({r.type}: {r.name})" if r is not None else ""


def render_text(result: PreflightResult, *, pack_labels: dict[str, str] | None = None) -> str:
    """What `pulumi preview --policy-pack` prints: the plan tree, policy results, the resource count."""
    rec = result.recording
    out: list[str] = [
        f"Previewing update ({rec.stack}):  offline preflight, emulated Azure, {rec.mode} mode",
        "",
    ]
    rows = _tree_lines(rec.resources, rec.root_urn, rec.project, rec.stack)
    width = max(len(prefix) + len(typ) for prefix, typ, _ in rows) + 3
    name_width = max(len(name) for _, _, name in rows) + 3
    out.append(f"     {'Type'.ljust(width)}{'Name'.ljust(name_width)}Plan")
    for prefix, typ, name in rows:
        out.append(f" +   {(prefix + typ).ljust(width)}{name.ljust(name_width)}create")
    out.append("")

    by_urn = {r.urn: r for r in rec.resources}
    labels = pack_labels or {}
    out.append("Policies:")
    for pack in result.packs:
        found = [v for v in result.violations if v.pack == pack.info.name]
        mark = "❌" if any(v.level == MANDATORY for v in found) else ("⚠️ " if found else "✅")
        label = labels.get(pack.info.name, str(pack.directory))
        out.append(f"    {mark} {pack.info.name}@v{pack.info.version} (local: {label})")
        for v in sorted(found, key=lambda v: _LEVEL_ORDER.get(v.level, 9)):
            out.append(f"        - [{v.level}]  {v.policy}{_describe_target(v, by_urn)}")
            for line in v.message.splitlines():
                out.append(f"          {line}")
    out.append("")
    if result.placeholders:
        out.append("Configuration:")
        out.append(
            "    secure values cannot be decrypted offline; the program received placeholders for: "
            + ", ".join(result.placeholders)
        )
        out.append("")
    if rec.generic or rec.empty_answers:
        out.append("Not emulated:")
        if rec.generic:
            out.append("    served generically (outputs are the inputs; computed values unknown in preview):")
            out.extend(f"      {urn}" for urn in rec.generic)
        if rec.empty_answers:
            out.append("    functions answered with an empty result: " + ", ".join(rec.empty_answers))
        out.append("")
    if rec.outputs:
        out.append("Outputs:")
        for key in sorted(rec.outputs):
            out.append(f"    {key}: {_output_text(rec.outputs[key])}")
        out.append("")
    out.append("Resources:")
    out.append(f"    + {result.create_count} to create")
    out.append("")
    verdict = (
        f"{len(result.mandatory)} mandatory policy violation(s): the update would be blocked"
        if result.mandatory
        else "no mandatory policy violations"
    )
    advisory = f", {len(result.advisory)} advisory" if result.advisory else ""
    out.append(f"Preflight: {verdict}{advisory}.")
    return "\n".join(out) + "\n"


def _output_text(value: Any) -> str:
    if value == UNKNOWN:
        return "output<string> (known after create)"
    value = _mark_unknowns(redact(value))
    return value if isinstance(value, str) else json.dumps(value)


def _mark_unknowns(value: Any) -> Any:
    if value == UNKNOWN:
        return "(known after create)"
    if isinstance(value, dict):
        return {k: _mark_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_unknowns(v) for v in value]
    return value
