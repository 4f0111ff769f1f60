"""What a preflight run produced, and how it is printed: `pulumi preview`-style text and the JSON plan."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable
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
from .project import Notice
from .user_code import ArgumentSource, Location, argument_for, argument_index, locations

TEXT_WIDTH = 120
"""Lines of the text report longer than this are folded (outputs, findings, resource lists)."""

_LEVEL_ORDER = {MANDATORY: 0, "remediate": 1, ADVISORY: 2, "disabled": 3}
_TEMPLATE_FIELD = re.compile(r"\{([A-Za-z]+)(?:=[^}]*)?\}")


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
    notices: list[Notice] = field(default_factory=list)
    """Configuration warnings: PLACEHOLDER values and keys neither declared nor read (preflight.project)."""

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


class Origins:
    """Where each finding comes from in the program: the user's line of each resource and the component
    argument that set the property a finding names (preflight.user_code); computed once per report."""

    def __init__(self, result: PreflightResult, project_dir: Path | None) -> None:
        self.locations = locations(result.recording.resources, project_dir)
        self._arguments = argument_index(result.recording.resources)

    def location(self, urn: str) -> Location | None:
        """The user's line of a resource (None for the stack or an unknown position)."""
        return self.locations.get(urn)

    def argument(self, v: Violation) -> ArgumentSource | None:
        """The component argument that set the property the finding names (in its own message, not the
        policy's description), when one did."""
        return argument_for(v.urn, finding_body(v), self._arguments) if v.urn else None

    def note(self, v: Violation) -> str:
        """`(from SecureMlWorkspace argument `x`)` for a finding on a property an argument set, else ""."""
        arg = self.argument(v)
        return f"({arg})" if arg is not None else ""


@dataclass(frozen=True)
class Place:
    """Resources of grouped findings that come from the same line (and the same argument)."""

    location: Location | None
    note: str
    names: list[str]

    def origin(self) -> str:
        """`at __main__.py:37 (from SecureMlWorkspace argument `x`)`, either part when known."""
        return " ".join(
            p for p in (f"at {self.location}" if self.location is not None else "", self.note) if p
        )


def places(
    group: Iterable[Violation], resources: dict[str, RecordedResource], origins: Origins
) -> list[Place]:
    """The resources of a group of findings by the line and argument they come from, in line order."""
    out: dict[tuple[str, int, str], Place] = {}
    for v in group:
        r = resources.get(v.urn)
        name = r.name if r is not None else (v.urn or "the stack")
        where, note = origins.location(v.urn), origins.note(v)
        key = (where.file, where.line, note) if where is not None else ("\uffff", 0, note)
        out.setdefault(key, Place(where, note, [])).names.append(name)
    return [out[k] for k in sorted(out)]


def redact(value: Any) -> Any:
    """Inputs for display and the JSON plan: secret values replaced by "[secret]"."""
    if is_secret(value):
        return "[secret]"
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items() if k != SECRET_SIG_KEY}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def plan_json(result: PreflightResult, project_dir: Path | None = None) -> dict[str, Any]:
    """The JSON plan (a public interface, documented in the README)."""
    rec = result.recording
    origins = Origins(result, project_dir)
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
                "source": _location_json(origins.location(r.urn)),
            }
            for r in rec.resources
        ],
        "policyPacks": [
            {"name": p.info.name, "version": p.info.version, "policies": [x.name for x in p.info.policies]}
            for p in result.packs
        ],
        "violations": [_violation_json(v, origins) for v in result.violations],
        "summary": {
            "create": result.create_count,
            "mandatory": len(result.mandatory),
            "advisory": len(result.advisory),
        },
        "placeholders": result.placeholders,
        # Only when non-empty, like the engine's lists below.
        **({"warnings": [_notice_json(n) for n in result.notices]} if result.notices else {}),
        # Offline engine only, and only when non-empty (the plan of a fully emulated program is unchanged).
        **({"servedGenerically": rec.generic} if rec.generic else {}),
        **({"emptyAnswers": rec.empty_answers} if rec.empty_answers else {}),
    }


def _location_json(where: Location | None) -> dict[str, Any] | None:
    return where.to_json() if where is not None else None


def _violation_json(v: Violation, origins: Origins) -> dict[str, Any]:
    """A violation with the user's line of its resource and, when an argument set it, the argument."""
    arg = origins.argument(v)
    return {
        **v.to_json(),
        "source": _location_json(origins.location(v.urn)),
        **({"argument": arg.to_json()} if arg is not None else {}),
    }


def _notice_json(n: Notice) -> dict[str, Any]:
    return {"kind": n.kind, "key": n.key, "line": n.line, "message": n.message}


class DuplicateResourceError(ValueError):
    """Two resources of the program would be the same Azure resource; the message names both."""


def _template_key(r: RecordedResource) -> tuple[str, ...] | None:
    """Type, resource group and names that make an azure-native resource's ARM ID, when all are known at
    preview; None for auto-named resources (their names are unique) or unknown or missing parts."""
    from .emulator import own_name_key, path_template

    if not r.custom or not r.type.startswith("azure-native:") or r.type.startswith("pulumi:"):
        return None
    try:
        template = path_template(r.type)
    except Exception:
        return None
    own = own_name_key(template)
    if own is None or not r.inputs.get(own):
        return None
    parts = [r.type]
    for name in dict.fromkeys(m.group(1) for m in _TEMPLATE_FIELD.finditer(template)):
        if name == "sub":
            continue
        value = r.inputs.get("resourceGroupName" if name == "rg" else name)
        if not isinstance(value, str) or not value or UNKNOWN in value:
            return None
        parts.append(value.casefold())
    return tuple(parts)


def duplicate_resources(resources: Iterable[RecordedResource]) -> list[list[RecordedResource]]:
    """Resources that would be one Azure resource: equal ARM IDs (known in up mode, compared
    case-insensitively as ARM does), or in preview equal type, resource group and name inputs."""
    seen: dict[tuple[str, ...], list[RecordedResource]] = {}
    for r in resources:
        if r.id and r.id.startswith("/") and "{" not in r.id:
            key: tuple[str, ...] | None = ("id", r.id.casefold())
        else:
            key = _template_key(r)
        if key is not None:
            seen.setdefault(key, []).append(r)
    return [group for group in seen.values() if len(group) > 1]


def check_duplicates(resources: Iterable[RecordedResource]) -> None:
    """Raise DuplicateResourceError naming every group of resources that would be one Azure resource."""
    groups = duplicate_resources(resources)
    if not groups:
        return
    lines = []
    for group in groups:
        names = " and ".join(f"{r.name!r}" for r in group)
        what = group[0].id or _describe_inputs(group[0])
        lines.append(f"resources {names} ({group[0].type}) would be the same Azure resource: {what}")
    raise DuplicateResourceError(
        "; ".join(lines)
        + "; give each a different name or resource group (the second would update the first)"
    )


def _describe_inputs(r: RecordedResource) -> str:
    from .emulator import path_template

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "sub":
            return "<subscription>"
        if name == "rg":
            return f"/subscriptions/<subscription>/resourceGroups/{r.inputs.get('resourceGroupName')}"
        return str(r.inputs.get(name, m.group(0)))

    return _TEMPLATE_FIELD.sub(fill, path_template(r.type))


def render_json(result: PreflightResult, project_dir: Path | None = None) -> str:
    """The JSON plan as text, stable across runs (source paths relative to `project_dir` inside it)."""
    return json.dumps(plan_json(result, project_dir), indent=2) + "\n"


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


def finding_body(v: Violation) -> str:
    """The rule's own message, without the policy description pulumi-policy prepends."""
    text = v.message.strip()
    if v.description and text.startswith(v.description):
        return text[len(v.description) :].strip() or v.description
    return text or v.description


def grouped(violations: Iterable[Violation]) -> list[list[Violation]]:
    """Violations in their order, advisories of one policy of one pack grouped (one advisory per resource
    for one missing tag is noise); mandatory and remediate findings stay one per resource."""
    out: list[list[Violation]] = []
    groups: dict[tuple[str, str], list[Violation]] = {}
    for v in violations:
        if v.level != ADVISORY:
            out.append([v])
            continue
        key = (v.pack, v.policy)
        if key not in groups:
            groups[key] = []
            out.append(groups[key])
        groups[key].append(v)
    return out


def fold(text: str, indent: str, width: int = TEXT_WIDTH, hang: str = "  ") -> list[str]:
    """`indent + text` folded at spaces to `width`; continuation lines indented by `hang` more."""
    if len(indent) + len(text) <= width:
        return [indent + text]
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + hang,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent + text]


def _resources(n: int) -> str:
    return f"{n} resource{'s' if n != 1 else ''}"


def _group_lines(group: list[Violation], by_urn: dict[str, RecordedResource], origins: Origins) -> list[str]:
    """One finding with where it comes from, or one advisory policy with its count: each distinct message
    once, with its resources per line of the program that created them."""
    first = group[0]
    if len(group) == 1:
        out = [f"        - [{first.level}]  {first.policy}{_describe_target(first, by_urn)}"]
        for line in first.message.splitlines():
            out += fold(line, "          ")
        origin = Place(origins.location(first.urn), origins.note(first), []).origin()
        if origin:
            out += fold(origin, "          ")
        return out
    out = [f"        - [{first.level}]  {first.policy}  ({len(group)} findings)"]
    if first.description:
        out += fold(first.description, "          ")
    bodies: dict[str, list[Violation]] = {}
    for v in group:
        bodies.setdefault(finding_body(v), []).append(v)
    for body, members in bodies.items():
        for line in body.splitlines():
            out += fold(line, "          ")
        found = places(members, by_urn, origins)
        count = sum(len(p.names) for p in found)
        if len(found) == 1:
            origin = found[0].origin()
            out += fold(
                f"on {_resources(count)}{' ' + origin if origin else ''}: " + ", ".join(found[0].names),
                "            ",
            )
            continue
        out += fold(f"on {_resources(count)}:", "            ")
        for place in found:
            out += fold(f"{place.origin() or 'elsewhere'}: " + ", ".join(place.names), "              ")
    return out


def render_text(
    result: PreflightResult, *, pack_labels: dict[str, str] | None = None, project_dir: Path | None = None
) -> str:
    """What `pulumi preview --policy-pack` prints: the plan tree, policy results, the resource count."""
    rec = result.recording
    out: list[str] = [
        f"Previewing update ({rec.project}/{rec.stack}):  offline preflight, emulated Azure, {rec.mode} mode",
    ]
    if project_dir is not None:
        out.append(f"Project {rec.project} in {project_dir}, stack {rec.stack}")
    out.append("")
    rows = _tree_lines(rec.resources, rec.root_urn, rec.project, rec.stack)
    width = max(len(prefix) + len(typ) for prefix, typ, _ in rows) + 3
    name_width = max(len(name) for _, _, name in rows) + 3
    out.append(f"     {'Type'.ljust(width)}{'Name'.ljust(name_width)}Plan")
    for prefix, typ, name in rows:
        out.append(f" +   {(prefix + typ).ljust(width)}{name.ljust(name_width)}create")
    out.append("")

    by_urn = {r.urn: r for r in rec.resources}
    origins = Origins(result, project_dir)
    labels = pack_labels or {}
    out.append("Policies:")
    for pack in result.packs:
        found = [v for v in result.violations if v.pack == pack.info.name]
        mark = "❌" if any(v.level == MANDATORY for v in found) else ("⚠️ " if found else "✅")
        label = labels.get(pack.info.name, str(pack.directory))
        out.append(f"    {mark} {pack.info.name}@v{pack.info.version} (local: {label})")
        for group in grouped(sorted(found, key=lambda v: _LEVEL_ORDER.get(v.level, 9))):
            out += _group_lines(group, by_urn, origins)
    out.append("")
    if result.placeholders:
        out.append("Configuration:")
        out += fold(
            "secure values cannot be decrypted offline; the program received placeholders for: "
            + ", ".join(result.placeholders),
            "    ",
        )
        out.append("")
    if result.notices:
        out.append("Warnings:")
        for n in result.notices:
            out += fold(n.message, "    ")
        out.append("")
    if rec.generic or rec.empty_answers:
        out.append("Not emulated:")
        if rec.generic:
            out.append("    served generically (outputs are the inputs; computed values unknown in preview):")
            out.extend(f"      {urn}" for urn in rec.generic)
        if rec.empty_answers:
            out += fold("functions answered with an empty result: " + ", ".join(rec.empty_answers), "    ")
        out.append("")
    if rec.outputs:
        out.append("Outputs:")
        for key in sorted(rec.outputs):
            out += _output_lines(key, rec.outputs[key])
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
    warnings = f", {len(result.notices)} configuration warning(s)" if result.notices else ""
    out.append(f"Preflight: {verdict}{advisory}{warnings}.")
    return "\n".join(out) + "\n"


def _output_lines(key: str, value: Any) -> list[str]:
    """One output; a map or list too long for a line is printed one entry per line (folded if needed)."""
    line = f"    {key}: {_output_text(value)}"
    shown = _mark_unknowns(redact(value)) if value != UNKNOWN else value
    if len(line) <= TEXT_WIDTH or not isinstance(shown, dict | list) or not shown:
        return fold(f"{key}: {_output_text(value)}", "    ", hang="    ")
    out = [f"    {key}:"]
    items = shown.items() if isinstance(shown, dict) else (("-", v) for v in shown)
    for k, v in items:
        text = v if isinstance(v, str) else json.dumps(v)
        out += fold(f"{k}: {text}" if k != "-" else f"- {text}", "        ", hang="    ")
    return out


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
