"""Every finding points at the team's line, in every format (issue 15, "Findings point at the user's code").

The fixture team program (`fixtures/team-locations`) builds its own storage account (public blob access) and
calls `SecureMlWorkspace(...)` with an internet-outbound managed network, a compute instance idle for 120
minutes and 30 days of log retention; its pack config allows none of them. A finding on a resource the
component creates points at the `ml = SecureMlWorkspace(` line and names the argument that set the
property; a finding on the team's own resource points at its own line. Run with the offline engine (the
program in its own interpreter, over gRPC).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from preflight.model import RecordedResource
from preflight.user_code import Location, locations, program_frames, source_file

from .conftest import FIXTURES, REPO, TEST_PACK, run_cli
from .test_engine import node_project  # noqa: F401 - the TypeScript fixture with node_modules, built once
from .test_formats import validate_sarif

TEAM = FIXTURES / "team-locations"
PROGRAM = (TEAM / "__main__.py").read_text().splitlines()
FORMATS = "text,json,sarif,junit,markdown,html"


def line_of(prefix: str) -> int:
    """The fixture program's line that starts with `prefix`."""
    return next(i for i, line in enumerate(PROGRAM, start=1) if line.startswith(prefix))


ML, DATA, RG = line_of("ml = SecureMlWorkspace("), line_of("team_data = "), line_of("rg = ")
IDLE_ARG = "compute_instances['ci-alice'].idle_shutdown_minutes"


def _run(out: Path) -> dict[str, str]:
    result = run_cli(
        "--stack", "dev", "--cwd", TEAM, "--policy-pack", REPO / "policypacks" / "aml-security",
        "--policy-pack-config", TEAM / "stacks" / "policy-config.dev.json",
        "--format", FORMATS, "--output-dir", out,
    )  # fmt: skip
    assert result.code == 1, result.stderr
    return {p.name: p.read_text() for p in out.iterdir()}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """All formats of one run of the team fixture."""
    return _run(tmp_path_factory.mktemp("grpc"))


def violations(reports: dict[str, str], policy: str) -> list[dict[str, Any]]:
    return [v for v in json.loads(reports["preflight.json"])["violations"] if v["policy"] == policy]


def test_json_carries_the_users_line_and_the_argument(reports: dict[str, str]) -> None:
    (managed,) = violations(reports, "ws-managed-network")
    assert managed["source"] == {"file": "__main__.py", "line": ML}
    assert managed["argument"] == {
        "component": "SecureMlWorkspace",
        "argument": "isolation_mode",
        "property": "managedNetwork.isolationMode",
    }
    (idle,) = violations(reports, "compute-idle-shutdown")
    assert idle["source"] == {"file": "__main__.py", "line": ML}
    assert idle["argument"]["argument"] == IDLE_ARG
    (retention,) = violations(reports, "loganalytics-retention")
    assert retention["argument"]["argument"] == "log_retention_days"
    public = violations(reports, "storage-public")
    assert public and all(v["source"] == {"file": "__main__.py", "line": DATA} for v in public)
    assert all("argument" not in v for v in public)  # the team's own resource: no component argument
    # A finding the arguments did not cause (the component always disables registry CMK): the line only.
    (acr,) = violations(reports, "acr-cmk")
    assert acr["source"] == {"file": "__main__.py", "line": ML} and "argument" not in acr
    plan = json.loads(reports["preflight.json"])
    sources = {r["name"]: r["source"] for r in plan["resources"]}
    assert sources["team-rg"] == {"file": "__main__.py", "line": RG}
    assert sources["churn-compute-ci-ci-alice"] == {"file": "__main__.py", "line": ML}


def test_text_shows_the_line_and_the_argument(reports: dict[str, str]) -> None:
    text = reports["preflight.txt"].splitlines()
    at = text.index(
        "        - [mandatory]  compute-idle-shutdown  "
        "(azure-native:machinelearningservices:Compute: churn-compute-ci-ci-alice)"
    )
    assert text[at + 3] == f"          at __main__.py:{ML} (from SecureMlWorkspace argument `{IDLE_ARG}`)"
    at = text.index(
        "        - [mandatory]  ws-managed-network  (azure-native:machinelearningservices:Workspace: churn-mlw)"
    )
    assert text[at + 3] == f"          at __main__.py:{ML} (from SecureMlWorkspace argument `isolation_mode`)"
    assert f"          at __main__.py:{DATA}" in text
    at = text.index(next(line for line in text if line.startswith("        - [advisory]  required-tags  (")))
    assert f"              at __main__.py:{RG}: team-rg" in text[at:]
    assert any(
        line.startswith(
            f"              at __main__.py:{ML} (from SecureMlWorkspace argument `placement.tags`): "
        )
        for line in text[at:]
    )


def test_sarif_has_one_result_per_resource_each_at_its_users_line(reports: dict[str, str]) -> None:
    doc = json.loads(reports["preflight.sarif"])
    validate_sarif(doc)
    results = doc["runs"][0]["results"]
    (idle,) = [r for r in results if r["ruleId"] == "compute-idle-shutdown"]
    assert idle["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "__main__.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": ML},
    }
    assert idle["message"]["text"].endswith(f"(from SecureMlWorkspace argument `{IDLE_ARG}`)")
    assert idle["properties"]["argument"]["argument"] == IDLE_ARG
    tags = [r for r in results if r["ruleId"] == "required-tags"]
    assert len(tags) == len(violations(reports, "required-tags")) > 5
    lines = {
        r["locations"][0]["logicalLocations"][0]["name"]: r["locations"][0]["physicalLocation"] for r in tags
    }
    assert lines["team-rg"]["region"] == {"startLine": RG}
    assert lines["churn-mlw"]["region"] == {"startLine": ML}
    assert all(loc["artifactLocation"]["uri"] == "__main__.py" for loc in lines.values())


def test_junit_fails_at_the_users_line_and_groups_advisories(reports: dict[str, str]) -> None:
    root = ET.fromstring(reports["preflight.junit.xml"])
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    idle = cases[
        ("aml-security.compute-idle-shutdown", "churn-compute-ci-ci-alice (machinelearningservices:Compute)")
    ]
    assert (idle.get("file"), idle.get("line")) == ("__main__.py", str(ML))
    failure = idle.find("failure")
    assert failure is not None
    assert failure.get("message", "").endswith(f"(from SecureMlWorkspace argument `{IDLE_ARG}`)")
    assert f"argument: from SecureMlWorkspace argument `{IDLE_ARG}`" in (failure.text or "")
    tags = cases[("aml-security.required-tags", "all resources")]
    out = tags.findtext("system-out") or ""
    assert out.startswith(f"{len(violations(reports, 'required-tags'))} advisory findings\n")
    assert f"  on 1 resource at __main__.py:{RG}: team-rg" in out.splitlines()


def test_markdown_and_html_show_the_line_and_the_argument(reports: dict[str, str]) -> None:
    md = reports["preflight.md"].splitlines()
    (row,) = [line for line in md if "`ws-managed-network`" in line and line.startswith("| 🔴")]
    assert f"at `__main__.py:{ML}`" in row
    assert row.endswith("<br>(from SecureMlWorkspace argument `isolation_mode`) |")
    (tags,) = [line for line in md if line.startswith("| 🟡 advisory | `required-tags` |")]
    assert f"`team-rg` at `__main__.py:{RG}`; " in tags
    assert f"at `__main__.py:{ML}` (from SecureMlWorkspace argument `placement.tags`)" in tags
    html = reports["preflight.html"]
    assert f"at <code>__main__.py:{ML}</code>" in html
    assert (
        "(from SecureMlWorkspace argument `compute_instances[&#x27;ci-alice&#x27;].idle_shutdown_minutes`)"
        in html
    )
    rows = [
        line
        for line in html.split("<tr>")
        if line.startswith('<td class="advisory">') and "required-tags" in line
    ]
    assert len(rows) == 1 and f"{len(violations(reports, 'required-tags'))} resources: " in rows[0]
    assert f"<code>team-rg</code> at <code>__main__.py:{RG}</code>" in rows[0]


def test_typescript_resources_point_at_their_lines(
    node_project: Path,  # noqa: F811 - the fixture imported above
) -> None:
    """The Node.js SDK sends positions too: each resource at its `new ...(` line of index.ts."""
    run = run_cli("--stack", "dev", "--cwd", node_project, "--format", "json", "--policy-pack", TEST_PACK)
    assert run.code in (0, 1), run.stderr
    program = (FIXTURES / "nodejs" / "index.ts").read_text().splitlines()
    lines = {
        name: next(i for i, line in enumerate(program, 1) if line.startswith(f"const {var} = new Declared("))
        for name, var in (("ts-rg", "rg"), ("ts-pw", "password"), ("ts-sa", "account"))
    }
    sources = {r["name"]: r["source"] for r in json.loads(run.stdout)["resources"]}
    assert sources == {name: {"file": "index.ts", "line": line} for name, line in lines.items()}


# -- the rules, on hand-built recordings ---------------------------------------------------------------


def _res(
    name: str, frames: tuple[tuple[str, int], ...] = (), parent: str | None = None, **kw: Any
) -> RecordedResource:
    return RecordedResource(
        urn=f"urn:{name}", type="t:m:T", name=name, custom=True, frames=frames, parent=parent, **kw
    )


def test_library_frames_are_skipped_and_the_parents_line_is_the_fallback(tmp_path: Path) -> None:
    lib = str(REPO / "components" / "compute.py")
    main = str(tmp_path / "__main__.py")
    comp = _res("comp", ((str(REPO / "components" / "platform.py"), 397), (main, 12)))
    child = _res(
        "child", ((lib, 99), (str(REPO / "components" / "platform.py"), 397), (main, 12)), parent="urn:comp"
    )
    # Created in a callback: only library frames, the SDK's position in the library too: the parent's line.
    late = _res("late", ((lib, 40),), parent="urn:comp", source=(lib, 40))
    helper = _res("helper", (("/elsewhere/team_helpers.py", 7), (main, 3)))
    found = locations([comp, child, late, helper], tmp_path)
    assert found["urn:comp"] == found["urn:child"] == found["urn:late"] == Location("__main__.py", 12, True)
    assert found["urn:helper"] == Location("/elsewhere/team_helpers.py", 7, False)
    assert locations([_res("none")], tmp_path) == {"urn:none": None}


def test_the_library_inside_the_project_is_the_projects_own_code() -> None:
    """The baseline's own stacks: a finding points at the component line that created the resource."""
    lib = str(REPO / "components" / "compute.py")
    r = _res("ci", ((lib, 99), (str(REPO / "__main__.py"), 44)))
    assert locations([r], REPO) == {"urn:ci": Location("components/compute.py", 99, True)}


def test_runtime_frames_are_dropped_when_recorded() -> None:
    from pulumi.runtime.proto import resource_pb2, source_pb2

    frames = [
        "",
        "file:///srv/app/venv/lib/python3.11/site-packages/pulumi/runtime/stack.py",
        "file:///opt/pyenv/versions/3.11.7/lib/python3.11/asyncio/events.py",
        str(Path(__file__).resolve().parents[2] / "preflight" / "hosts" / "python_exec.py"),
        "file:///team/node_modules/@pulumi/pulumi/resource.js",
        "file:///team/my%20stack/__main__.py",
    ]
    request = resource_pb2.RegisterResourceRequest(
        stackTrace=source_pb2.StackTrace(
            frames=[source_pb2.StackFrame(pc=source_pb2.SourcePosition(uri=u, line=5)) for u in frames]
        )
    )
    assert program_frames(request) == (("/team/my stack/__main__.py", 5),)
    assert source_file("file:///a%20b/c.py") == "/a b/c.py"


def test_the_argument_is_joined_by_the_property_the_finding_itself_names() -> None:
    """The most specific property the finding's own message names (not the policy description), from the
    outermost component that registered it."""
    from preflight.model import Violation
    from preflight.program import Recording
    from preflight.report import Origins, PreflightResult

    outer = RecordedResource(
        urn="urn:outer", type="aml-baseline:platform:SecureMlWorkspace", name="ws", custom=False,
        argument_sources=(("*", "tags", "placement.tags"), ("urn:ws", "managedNetwork.outboundRules.pypi", "outbound_rules['pypi']")),
    )  # fmt: skip
    inner = RecordedResource(
        urn="urn:inner", type="aml-baseline:workspace:MlWorkspace", name="ws", custom=False, parent="urn:outer",
        argument_sources=(("urn:ws", "managedNetwork.outboundRules", "outbound_rules"),),
    )  # fmt: skip
    ws = _res("ws", parent="urn:inner", inputs={"tags": {}, "managedNetwork": {}})
    rec = Recording(project="p", stack="dev", mode="preview", root_urn="", resources=[outer, inner, ws])
    origins = Origins(PreflightResult(recording=rec, packs=[], violations=[]), None)

    def argument(message: str, description: str = "Resources should carry the required tags.") -> str | None:
        v = Violation("x", "p", "advisory", f"{description}\n{message}", "urn:ws", "", description)
        found = origins.argument(v)
        return found.argument if found is not None else None

    assert argument('tags is missing "costCenter".') == "placement.tags"
    assert argument("location is eastus; allowed: westeurope.") is None  # "tags" only in the description
    assert argument('managedNetwork.outboundRules.pypi.destination is "*.org".') == "outbound_rules['pypi']"
    assert argument("managedNetwork.outboundRules is unknown at preview.") == "outbound_rules"
    assert argument("managedNetwork.outboundRulesX is set.") is None
