"""The preflight command end to end: exit codes, plan output, errors, and no leftover pack processes."""

from __future__ import annotations

import json
from pathlib import Path

from preflight.model import UNKNOWN

from .conftest import BROKEN_PACK, FIXTURES, TEST_PACK, copy_fixture, pack_processes, run_cli

MINIMAL = FIXTURES / "minimal"


def test_noncompliant_resource_exits_1_and_names_the_policy(tmp_path: Path) -> None:
    project = copy_fixture("minimal", tmp_path, {"minimal:prefix": "bad", "minimal:publicAccess": "Enabled"})
    result = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    assert result.code == 1, result.stderr
    assert "❌ workspace-network@v1.2.3" in result.stdout
    assert (
        "- [mandatory]  ws-public  (azure-native:machinelearningservices:Workspace: bad-ws)" in result.stdout
    )
    assert "publicNetworkAccess is 'Enabled'; must be 'Disabled'." in result.stdout
    assert "Preflight: 1 mandatory policy violation(s): the update would be blocked." in result.stdout


def test_compliant_program_exits_0_with_plan_tree_and_count() -> None:
    result = run_cli("--stack", "dev", "--cwd", MINIMAL, "--policy-pack", TEST_PACK)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith(" +   pulumi:pulumi:Stack") and "minimal-dev" in line for line in lines)
    assert any("├─ azure-native:resources:ResourceGroup" in line and "mini-rg" in line for line in lines)
    assert any(
        "└─ azure-native:machinelearningservices:Workspace" in line and "mini-ws" in line for line in lines
    )
    assert "    + 4 to create" in lines
    assert "✅ workspace-network@v1.2.3" in result.stdout
    assert "placeholders for: minimal:apiKey" in result.stdout


def test_json_plan_schema_and_secret_placeholder(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = run_cli(
        "--stack", "dev", "--cwd", MINIMAL, "--policy-pack", TEST_PACK, "--format", "json", "-o", out
    )
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    plan = json.loads(out.read_text())
    assert set(plan) == {
        "project",
        "stack",
        "mode",
        "resources",
        "policyPacks",
        "violations",
        "summary",
        "placeholders",
        "warnings",
    }
    assert plan["warnings"] == [
        {
            "kind": "undeclared-key",
            "key": "minimal:apiKey",
            "line": 4,
            "message": "Pulumi.dev.yaml line 4: 'minimal:apiKey' is neither declared in Pulumi.yaml config nor read "
            "by the program; declare it in Pulumi.yaml config if the program reads it, or remove it",
        }
    ]
    assert (plan["project"], plan["stack"], plan["mode"]) == ("minimal", "dev", "preview")
    assert plan["policyPacks"] == [
        {"name": "workspace-network", "version": "1.2.3", "policies": ["ws-public"]}
    ]
    assert plan["summary"] == {"create": 4, "mandatory": 0, "advisory": 0}
    assert plan["placeholders"] == ["minimal:apiKey"]
    assert [r["name"] for r in plan["resources"]] == ["mini-rg", "mini-sa", "mini-ws"]
    assert set(plan["resources"][0]) == {
        "urn",
        "type",
        "name",
        "parent",
        "custom",
        "inputs",
        "dependencies",
        "propertyDependencies",
        "protect",
        "source",
    }
    # The user's line of each resource, relative to the project.
    assert plan["resources"][0]["source"] == {"file": "__main__.py", "line": 10}


def test_policy_pack_config_changes_the_verdict(tmp_path: Path) -> None:
    project = copy_fixture("minimal", tmp_path, {"minimal:prefix": "p", "minimal:publicAccess": "Enabled"})
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"ws-public": {"enforcementLevel": "advisory", "expected": "Disabled"}}))
    result = run_cli(
        "--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK, "--policy-pack-config", config
    )
    assert result.code == 0, result.stderr
    assert "- [advisory]  ws-public" in result.stdout
    config.write_text(json.dumps({"ws-public": {"expected": "Sometimes"}}))
    result = run_cli(
        "--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK, "--policy-pack-config", config
    )
    assert result.code == 2
    assert (
        "invalid configuration for policy 'ws-public': expected: 'Sometimes' is not one of" in result.stderr
    )
    config.write_text(json.dumps({"ws-private": "mandatory"}))
    result = run_cli(
        "--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK, "--policy-pack-config", config
    )
    assert result.code == 2
    assert "has no policy named 'ws-private'" in result.stderr


def test_unknown_stack_exits_2_naming_it() -> None:
    result = run_cli("--stack", "staging", "--cwd", MINIMAL, "--policy-pack", TEST_PACK)
    assert result.code == 2
    assert "stack 'staging' not found" in result.stderr
    assert "stacks with configuration: dev" in result.stderr


def test_malformed_stack_yaml_exits_2_naming_the_stack(tmp_path: Path) -> None:
    project = copy_fixture("minimal", tmp_path)
    (project / "stacks" / "Pulumi.dev.yaml").write_text("config:\n  minimal:prefix: [unclosed\n")
    result = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    assert result.code == 2
    assert "error: configuration: stack 'dev' file" in result.stderr
    assert "is not valid YAML (line 3, column 1)" in result.stderr


def test_missing_required_config_key_exits_2_naming_the_key(tmp_path: Path, private_pack: Path) -> None:
    project = copy_fixture("minimal", tmp_path, {"azure-native:location": "westeurope"})
    result = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", private_pack)
    assert result.code == 2
    assert (
        "stack 'dev' is missing configuration value 'minimal:prefix' (Name prefix for every resource.)"
        in (result.stderr)
    )
    assert pack_processes(str(private_pack)) == []


def test_config_of_the_wrong_type_exits_2_naming_the_key(tmp_path: Path) -> None:
    project = copy_fixture("minimal", tmp_path, {"minimal:prefix": ["not", "a", "string"]})
    result = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    assert result.code == 2
    assert "configuration key 'minimal:prefix' must be of type string" in result.stderr


def test_pack_that_fails_to_start_exits_2_with_its_stderr_tail() -> None:
    result = run_cli("--stack", "dev", "--cwd", MINIMAL, "--policy-pack", BROKEN_PACK)
    assert result.code == 2
    assert (
        f"error: policy pack: policy pack {BROKEN_PACK} exited with code 1; its stderr ends with:"
        in result.stderr
    )
    assert "RuntimeError: this pack cannot load: missing rule module" in result.stderr


def test_program_exception_exits_2_and_stops_the_pack(tmp_path: Path, private_pack: Path) -> None:
    project = copy_fixture("failing", tmp_path, {"failing:failure": "exception"})
    result = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", private_pack)
    assert result.code == 2
    assert "error: program failed: ValueError: the program could not read its settings" in result.stderr
    assert f'File "{project}/__main__.py", line 9, in <module>' in result.stderr
    assert pack_processes(str(private_pack)) == []


def test_foreign_resource_type_is_served_generically_and_named_in_the_report(
    tmp_path: Path, private_pack: Path
) -> None:
    """A provider the emulator does not model (aws) no longer stops the preview: its outputs are its inputs,
    and the report names it, so the Azure resources next to it are still checked (issue 12)."""
    project = copy_fixture("failing", tmp_path, {"failing:failure": "foreign-type"})
    result = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", private_pack)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    section = lines[lines.index("Not emulated:") + 1 :][:2]
    assert section == [
        "    served generically (outputs are the inputs; computed values unknown in preview):",
        "      urn:pulumi:dev::failing::aws:s3/bucket:Bucket::bucket",
    ]
    assert pack_processes(str(private_pack)) == []


def test_unknown_invoke_gets_an_empty_answer_named_in_the_plan(tmp_path: Path, private_pack: Path) -> None:
    """A function the emulated Azure does not know is answered empty so the program can go on (it does not
    use the result); the plan says which function got one."""
    project = copy_fixture("failing", tmp_path, {"failing:failure": "invoke"})
    result = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", private_pack, "--format", "json")
    assert result.code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["emptyAnswers"] == ["azure-native:foo:getBar"]
    assert [r["type"] for r in plan["resources"]] == ["azure-native:resources:ResourceGroup"]
    assert pack_processes(str(private_pack)) == []


def test_logged_program_error_fails_the_preview(tmp_path: Path) -> None:
    project = copy_fixture("failing", tmp_path, {"failing:failure": "logged-error"})
    result = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    assert result.code == 2
    assert "the program logged an error: refusing to deploy: no owner tag" in result.stderr


def test_preview_has_unknown_ids_and_up_has_known_ones(tmp_path: Path) -> None:
    plans = {}
    for mode in ("preview", "up"):
        out = tmp_path / f"{mode}.json"
        result = run_cli(
            "--stack",
            "dev",
            "--cwd",
            MINIMAL,
            "--policy-pack",
            TEST_PACK,
            "--mode",
            mode,
            "--format",
            "json",
            "-o",
            out,
        )
        assert result.code == 0, result.stderr
        plans[mode] = {r["name"]: r for r in json.loads(out.read_text())["resources"]}
    assert plans["preview"]["mini-ws"]["inputs"]["storageAccount"] == UNKNOWN
    account_id = plans["up"]["mini-ws"]["inputs"]["storageAccount"]
    assert (
        account_id.startswith("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mini-rg")
        and "/providers/Microsoft.Storage/storageAccounts/mini-sa" in account_id
    )
    # Auto-names are known at preview, as azure-native computes them in Check.
    assert (
        plans["preview"]["mini-ws"]["inputs"]["resourceGroupName"]
        == plans["up"]["mini-ws"]["inputs"]["resourceGroupName"]
    )


def test_cwd_runs_another_project_with_types_this_project_never_uses(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = run_cli(
        "--stack",
        "dev",
        "--cwd",
        FIXTURES / "othertypes",
        "--policy-pack",
        TEST_PACK,
        "--mode",
        "up",
        "--format",
        "json",
        "-o",
        out,
    )
    assert result.code == 0, result.stderr
    plan = json.loads(out.read_text())
    by_name = {r["name"]: r for r in plan["resources"]}
    assert by_name["hub"]["type"] == "azure-native:eventhub:EventHub"
    assert by_name["hub"]["inputs"]["namespaceName"] == "team-events"
    assert by_name["plan"]["inputs"]["resourceGroupName"] == "rg-apps"


def test_two_runs_produce_identical_json_plans(tmp_path: Path) -> None:
    texts = []
    for i in range(2):
        out = tmp_path / f"plan{i}.json"
        result = run_cli(
            "--stack",
            "dev",
            "--cwd",
            FIXTURES / "nested",
            "--policy-pack",
            TEST_PACK,
            "--format",
            "json",
            "-o",
            out,
        )
        assert result.code == 0, result.stderr
        texts.append(out.read_bytes())
    assert texts[0] == texts[1]
