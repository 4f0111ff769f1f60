"""JUnit XML: one test suite per policy pack; per policy, one failing case per resource with a mandatory
violation, or one passing case for the policy as a whole.

A policy with mandatory violations (what blocks `pulumi preview`) fails once per resource: `classname`
`<pack>.<policy>`, `name` `<resource> (<type>)` (or `stack:<stack>` for a stack-wide finding), `file`/`line`
the user's line of the resource (the team's call of the component that created it), the argument that set
the property when a component argument did. Every other policy is one passing case (`name` `all
resources`, or `stack:<stack>` for a stack policy); its advisory and remediate findings are grouped in the
case's `<system-out>`: the count, each distinct finding once, the resources by the line they come from.
So dashboards show a policy's repeated advisories as one entry and do not turn the build red for them.
CI systems (GitHub, GitLab, Jenkins, Azure DevOps) read this shape.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from ..model import MANDATORY, PolicyInfo, RecordedResource, Violation
from ..report import Origins, PreflightResult, places
from ._common import LEVEL_ORDER, by_urn, finding, policies_by_pack, short_type


def _case_name(r: RecordedResource) -> str:
    return f"{r.name} ({short_type(r.type)})"


def _failing_case(
    suite: ET.Element,
    pack: str,
    policy: PolicyInfo,
    name: str,
    found: list[Violation],
    resources: dict[str, RecordedResource],
    origins: Origins,
) -> None:
    """One resource's mandatory violations of one policy, at the user's line."""
    urn = found[0].urn
    case = ET.SubElement(suite, "testcase", {"classname": f"{pack}.{policy.name}", "name": name, "time": "0"})
    where = origins.location(urn)
    if where is not None:
        case.set("file", where.file)
        case.set("line", str(where.line))
    details = [finding(v) for v in found]
    body = list(details)
    notes = list(dict.fromkeys(n for n in (origins.note(v) for v in found) if n))
    if where is not None:
        body.append(f"at: {where}")
    body += [f"argument: {n[1:-1]}" for n in notes]
    if urn:
        body.append(f"resource: {urn}")
    if policy.remediation_steps:
        body.append(f"remediation: {policy.remediation_steps}")
    message = details[0] + (f" {notes[0]}" if notes else "")
    failure = ET.SubElement(case, "failure", {"message": message, "type": MANDATORY})
    failure.text = "\n".join(body)


def _policy_case(
    suite: ET.Element,
    pack: str,
    policy: PolicyInfo,
    name: str,
    found: list[Violation],
    resources: dict[str, RecordedResource],
    origins: Origins,
) -> None:
    """The policy as a whole, passing; its non-blocking findings grouped in `<system-out>`."""
    case = ET.SubElement(suite, "testcase", {"classname": f"{pack}.{policy.name}", "name": name, "time": "0"})
    if not found:
        return
    lines: list[str] = []
    by_level: dict[str, list[Violation]] = defaultdict(list)
    for v in sorted(found, key=lambda v: LEVEL_ORDER.get(v.level, 9)):
        by_level[v.level].append(v)
    for level, group in by_level.items():
        lines.append(f"{len(group)} {level} finding{'s' if len(group) != 1 else ''}")
        bodies: dict[str, list[Violation]] = defaultdict(list)
        for v in group:
            bodies[finding(v)].append(v)
        for body, members in bodies.items():
            lines.append(f"{level}: {body}")
            for place in places(members, resources, origins):
                origin = place.origin()
                count = len(place.names)
                lines.append(
                    f"  on {count} resource{'s' if count != 1 else ''}{' ' + origin if origin else ''}: "
                    + ", ".join(place.names)
                )
    out = ET.SubElement(case, "system-out")
    out.text = "\n".join(lines)


def junit_tree(result: PreflightResult, project_dir: Path | None = None) -> ET.Element:
    """The `<testsuites>` element (see the module docstring for the mapping)."""
    rec = result.recording
    resources = by_urn(result)
    origins = Origins(result, project_dir)
    found: dict[tuple[str, str], list[Violation]] = defaultdict(list)
    for v in result.violations:
        found[(v.pack, v.policy)].append(v)

    root = ET.Element("testsuites", {"name": f"preflight {rec.project}/{rec.stack}"})
    total_tests = total_failures = 0
    total_time = 0.0
    for pack, policies in policies_by_pack(result).items():
        seconds = result.timings.get(f"pack:{pack}", 0.0)
        suite = ET.SubElement(root, "testsuite", {"name": pack})
        props = ET.SubElement(suite, "properties")
        for key, value in (("project", rec.project), ("stack", rec.stack), ("mode", rec.mode)):
            ET.SubElement(props, "property", {"name": key, "value": value})
        tests = failures = 0
        for policy in policies.values():
            violations = found.get((pack, policy.name), [])
            blocking: dict[str, list[Violation]] = defaultdict(list)
            for v in violations:
                if v.level == MANDATORY:
                    blocking[v.urn].append(v)
            for urn, vs in blocking.items():
                r = resources.get(urn)
                name = _case_name(r) if r is not None else (urn or f"stack:{rec.stack}")
                _failing_case(suite, pack, policy, name, vs, resources, origins)
                tests += 1
                failures += 1
            other = [v for v in violations if v.level != MANDATORY]
            if other or not blocking:
                name = f"stack:{rec.stack}" if policy.kind == "stack" else "all resources"
                _policy_case(suite, pack, policy, name, other, resources, origins)
                tests += 1
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        suite.set("time", f"{seconds:.3f}")
        total_tests += tests
        total_failures += failures
        total_time += seconds
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("time", f"{total_time:.3f}")
    return root


def render_junit(result: PreflightResult, project_dir: Path | None = None) -> str:
    """JUnit XML text with an XML declaration."""
    root = junit_tree(result, project_dir)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
