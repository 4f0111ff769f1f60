"""JUnit XML: one test suite per policy pack, one test case per policy per resource it checked.

Resource policies check every custom resource (`Analyze` runs each of them on each resource), so each
(policy, resource) pair is a test case: `classname` `<pack>.<policy>`, `name` `<resource> (<type>)`,
`file`/`line` where the program registered it. Stack policies check the whole graph once: one case
named `stack:<stack>` for the stack as a whole, plus one case per resource a stack policy reported on.

Only mandatory violations fail a case (they are what blocks `pulumi preview`); advisory and remediate
findings keep the case passing and appear in its `<system-out>`, so test dashboards show them without
turning the build red. CI systems (GitHub, GitLab, Jenkins, Azure DevOps) read this shape.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from ..model import MANDATORY, PolicyInfo, RecordedResource, Violation
from ..report import PreflightResult
from ._common import LEVEL_ORDER, by_urn, finding, policies_by_pack, relative_source, short_type


def _case_name(r: RecordedResource) -> str:
    return f"{r.name} ({short_type(r.type)})"


def _case(
    suite: ET.Element,
    pack: str,
    policy: PolicyInfo,
    name: str,
    found: list[Violation],
    source: tuple[str, int] | None,
    urn: str,
) -> bool:
    """Append one test case; True when it failed."""
    case = ET.SubElement(suite, "testcase", {"classname": f"{pack}.{policy.name}", "name": name, "time": "0"})
    if source is not None:
        case.set("file", source[0])
        case.set("line", str(source[1]))
    blocking = [v for v in found if v.level == MANDATORY]
    if blocking:
        details = [finding(v) for v in blocking]
        body = list(details)
        if urn:
            body.append(f"resource: {urn}")
        if policy.remediation_steps:
            body.append(f"remediation: {policy.remediation_steps}")
        failure = ET.SubElement(case, "failure", {"message": details[0], "type": MANDATORY})
        failure.text = "\n".join(body)
    other = [v for v in found if v.level != MANDATORY]
    if other:
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(
            f"{v.level}: {finding(v)}" for v in sorted(other, key=lambda v: LEVEL_ORDER.get(v.level, 9))
        )
    return bool(blocking)


def junit_tree(result: PreflightResult, project_dir: Path | None = None) -> ET.Element:
    """The `<testsuites>` element (see the module docstring for the mapping)."""
    rec = result.recording
    resources = by_urn(result)
    custom = [r for r in rec.resources if r.custom]
    custom_urns = {r.urn for r in custom}
    found: dict[tuple[str, str, str], list[Violation]] = defaultdict(list)
    for v in result.violations:
        found[(v.pack, v.policy, v.urn)].append(v)

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
            if policy.kind == "stack":
                cases = [(f"stack:{rec.stack}", "")]
                cases += [
                    (_case_name(resources[urn]) if urn in resources else urn, urn)
                    for (p, name, urn) in found
                    if p == pack and name == policy.name and urn
                ]
            else:
                cases = [(_case_name(r), r.urn) for r in custom]
                cases += [  # findings on resources we did not record (should not happen): still reported
                    (urn or f"stack:{rec.stack}", urn)
                    for (p, name, urn) in found
                    if p == pack and name == policy.name and urn not in custom_urns
                ]
            for case_name, urn in cases:
                source = relative_source(resources.get(urn), project_dir)
                failed = _case(
                    suite, pack, policy, case_name, found.get((pack, policy.name, urn), []), source, urn
                )
                tests += 1
                failures += failed
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
