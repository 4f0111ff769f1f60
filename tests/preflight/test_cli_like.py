"""The preflight behaves like the Pulumi CLI for a team (issue 15): the current directory is the project,
the header names project and stack, stack keys nobody reads are reported with a "did you mean", two
resources that would be one Azure resource are an error, PLACEHOLDER values warn in preview and stop `up`;
and the text and Markdown reports stay readable (long outputs folded, repeated advisories grouped)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import FIXTURES, REPO, TEST_PACK, copy_fixture, run_cli, use_repo_venv

MINIMAL = FIXTURES / "minimal"
AML_PACK = REPO / "policypacks" / "aml-security"


def test_cwd_defaults_to_the_current_directory_and_the_header_names_project_and_stack(tmp_path: Path) -> None:
    """Run from the project's folder without --cwd, the project there is previewed (not the baseline's)."""
    project = copy_fixture("minimal", tmp_path)
    result = run_cli("--stack", "dev", "--policy-pack", TEST_PACK, cwd=project)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Previewing update (minimal/dev):  offline preflight, emulated Azure, preview mode"
    assert lines[1] == f"Project minimal in {project.resolve()}, stack dev"
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    result = run_cli("--stack", "dev", "--policy-pack", TEST_PACK, cwd=empty)
    assert result.code == 2
    assert (
        result.stderr
        == f"error: configuration: no Pulumi project in {empty.resolve()}: Pulumi.yaml not found\n"
    )


def test_a_key_neither_declared_nor_read_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    """`publicAcess` (the program reads `publicAccess`, which Pulumi.yaml declares) would silently drop the
    setting; the preflight names it and the key it probably meant, in text and JSON, and still runs."""
    project = copy_fixture(
        "minimal",
        tmp_path,
        {"minimal:prefix": "mini", "minimal:publicAcess": "Enabled", "minimal:prefx": "x"},
    )
    result = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    section = lines[lines.index("Warnings:") + 1 : lines.index("Outputs:") - 1]
    expected = (
        "Pulumi.dev.yaml line 4: 'minimal:publicAcess' is neither declared in Pulumi.yaml config nor read by the "
        "program; did you mean 'minimal:publicAccess'?"
    )
    assert all(line.startswith("    ") and len(line) <= 120 for line in section)
    plan = json.loads(
        run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK, "--format", "json").stdout
    )
    assert [w["message"] for w in plan["warnings"]] == [
        "Pulumi.dev.yaml line 3: 'minimal:prefx' is neither declared in Pulumi.yaml config nor read by the "
        "program; did you mean 'minimal:prefix'?",
        expected,
    ]
    assert " ".join(line.strip() for line in section) == " ".join(w["message"] for w in plan["warnings"])
    assert result.stdout.rstrip().endswith(
        "Preflight: no mandatory policy violations, 2 configuration warning(s)."
    )


def test_a_key_the_program_reads_by_a_name_built_at_run_time_is_not_warned_about(tmp_path: Path) -> None:
    """The program's sources do not spell `minimal:extraSetting` out, but it reads it while it runs: the exec host
    reports the keys read, so only the key nobody reads (`minimal:unused`) gets the warning."""
    project = copy_fixture(
        "minimal", tmp_path, {"minimal:prefix": "mini", "minimal:extraSetting": "x", "minimal:unused": "y"}
    )
    main = project / "__main__.py"
    main.write_text(main.read_text() + 'config.get("".join(["extra", "Setting"]))\n')
    plan = json.loads(
        run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK, "--format", "json").stdout
    )
    assert [w["key"] for w in plan["warnings"]] == ["minimal:unused"]


def test_a_missing_required_key_names_the_near_miss_the_stack_sets(tmp_path: Path) -> None:
    project = copy_fixture("minimal", tmp_path, {"minimal:prefx": "mini"})
    result = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    assert result.code == 2
    assert result.stderr == (
        "error: configuration: stack 'dev' is missing configuration value 'minimal:prefix' (Name prefix for every "
        "resource.); set it in Pulumi.dev.yaml or give it a default in Pulumi.yaml (the stack file sets "
        "'minimal:prefx': did you mean 'minimal:prefix'?)\n"
    )


def test_placeholder_values_warn_in_preview_and_stop_up(tmp_path: Path) -> None:
    """stacks/*.yaml mark IDs to replace before `pulumi up` with a `# PLACEHOLDER: what` comment on the value's
    line; a value naming PLACEHOLDER counts too. Preview warns (exit 0); --mode up refuses (exit 2)."""
    project = copy_fixture("minimal", tmp_path)
    (project / "stacks" / "Pulumi.dev.yaml").write_text(
        "# Every value marked PLACEHOLDER must be replaced before `pulumi up`.\n"
        "config:\n"
        "  azure-native:location: westeurope\n"
        "  minimal:prefix: mini  # PLACEHOLDER: the team's prefix\n"
        "  minimal:publicAccess: PLACEHOLDER\n"
    )
    first = (
        "Pulumi.dev.yaml line 4: minimal:prefix = 'mini' (the team's prefix) is marked PLACEHOLDER; replace it "
        "before pulumi up"
    )
    second = "Pulumi.dev.yaml line 5: minimal:publicAccess = 'PLACEHOLDER' is marked PLACEHOLDER; replace it before pulumi up"
    preview = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK, "--format", "json")
    assert preview.code == 1  # publicAccess "PLACEHOLDER" is not "Disabled": the pack still judges the value
    assert [w["message"] for w in json.loads(preview.stdout)["warnings"]] == [first, second]
    up = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK, "--mode", "up")
    assert up.code == 2
    assert up.stdout == ""
    assert up.stderr == (
        "error: configuration: stack 'dev': 2 value(s) marked PLACEHOLDER must be replaced before `pulumi up` "
        f"(--mode up): {first}; {second}\n"
    )


def _team_copy(tmp_path: Path, extra_program: str = "", stack_config: str = "") -> Path:
    """A private copy of the central-DNS team stack, importing the library from this repository."""
    project = tmp_path / "team"
    shutil.copytree(FIXTURES / "central-dns-team", project)
    main = project / "__main__.py"
    main.write_text(
        main.read_text().replace("Path(__file__).resolve().parents[4]", repr(str(REPO))) + extra_program
    )
    use_repo_venv(project)
    if stack_config:
        (project / "stacks" / "policy-config.dev.json").write_text(stack_config)
    return project


SECOND_WORKSPACE = """
SecureMlWorkspace(
    "churn-exp",
    SecureMlWorkspaceArgs(
        placement=Placement(resource_group_name=rg.name, location=location, tags=tags),
        prefix=team,
        environment="dev",
        private_endpoint=PrivateEndpointArgs(subnet_id=subnet.id, dns_zone_ids=hub_dns_zone_ids),
    ),
)
"""


def test_two_resources_that_would_be_one_azure_resource_are_an_error(tmp_path: Path) -> None:
    """A second SecureMlWorkspace with the same prefix and environment in the same resource group: its
    identity and workspace get the first one's names, so Azure would see one resource (the second deploy
    updates the first). In preview the type, resource group and name inputs are equal; in up mode the ARM IDs."""
    project = _team_copy(tmp_path, SECOND_WORKSPACE)
    args = ("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    preview = run_cli(*args)
    assert preview.code == 2, preview.stderr
    assert preview.stdout == ""
    assert preview.stderr.startswith("error: resource conflict: resources ")
    assert (
        "resources 'churn-mlw' and 'churn-exp-mlw' (azure-native:machinelearningservices:Workspace) would be the "
        "same Azure resource: /subscriptions/<subscription>/resourceGroups/team-rg"
    ) in preview.stderr
    assert "/providers/Microsoft.MachineLearningServices/workspaces/mlw-churn-dev;" in preview.stderr
    assert (
        "(azure-native:managedidentity:UserAssignedIdentity) would be the same Azure resource"
        in preview.stderr
    )
    assert preview.stderr.rstrip().endswith(
        "give each a different name or resource group (the second would update the first)"
    )
    up = run_cli(*args, "--mode", "up")
    assert up.code == 2, up.stderr
    assert (
        "resources 'churn-mlw' and 'churn-exp-mlw' (azure-native:machinelearningservices:Workspace) would be the "
        "same Azure resource: /subscriptions/"
    ) in up.stderr


def test_repeated_advisories_are_grouped_per_policy_with_a_count(tmp_path: Path) -> None:
    """One required tag missing everywhere: one grouped entry with the count, the message once, the
    resources listed, in text and Markdown (not one advisory per resource)."""
    config = json.dumps(
        {
            "acr-cmk": {"enforcementLevel": "advisory"},
            "required-tags": {"requiredTags": ["environment", "costCenter"]},
        }
    )
    project = _team_copy(tmp_path, stack_config=config)
    out = tmp_path / "reports"
    result = run_cli(
        "--stack", "dev", "--cwd", project, "--policy-pack", AML_PACK,
        "--policy-pack-config", project / "stacks" / "policy-config.dev.json",
        "--format", "text,json,markdown", "--output-dir", out,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    plan = json.loads((out / "preflight.json").read_text())
    tags = [v for v in plan["violations"] if v["policy"] == "required-tags"]
    assert len(tags) > 5
    text = (out / "preflight.txt").read_text().splitlines()
    assert f"        - [advisory]  required-tags  ({len(tags)} findings)" in text
    assert sum("required-tags" in line for line in text) == 1
    assert (
        sum(
            line.strip() == 'tags is missing "costCenter" (required: "environment", "costCenter").'
            for line in text
        )
        == 1
    )
    # The resources listed per line of the team's program: its own, and the SecureMlWorkspace call's.
    program = (project / "__main__.py").read_text().splitlines()
    rg_line, ml_line = (
        next(i for i, x in enumerate(program, 1) if x.startswith(s)) for s in ("rg = ", "ml = ")
    )
    at = text.index(f"            on {len(tags)} resources:")
    assert text[at + 1] == f"              at __main__.py:{rg_line}: team-rg"
    assert any(
        line.startswith(
            f"              at __main__.py:{ml_line} (from SecureMlWorkspace argument `placement.tags`): churn-"
        )
        for line in text[at:]
    )
    assert all(len(line) <= 120 for line in text if not line.startswith(" +   "))
    md = (out / "preflight.md").read_text().splitlines()
    rows = [line for line in md if line.startswith("| 🟡 advisory | `required-tags` |")]
    assert len(rows) == 1
    assert f"| {len(tags)} resources: " in rows[0] and f"and {len(tags) - 10} more |" in rows[0]
