"""The GitHub workflows, parsed: pinned actions, least privilege, OIDC only where used, the pack everywhere.

Workflows cannot run here, so these tests hold them to the properties a reviewer would check by hand:
every action pinned (a commit SHA with its version in a comment; an exact tag only where listed as not
yet verified), `permissions: {}` at the top and the minimum per job, `id-token: write` exactly in the
jobs that log in to Azure, no stored secrets anywhere, both policy packs on every preview and deploy,
and a pull-request path that works for forks (no secrets, no write token, reports published separately).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
PACKS = ("policypacks/aml-security", "policypacks/azure-deployability")
CONFIGS = ("stacks/policy-config.{}.json", "stacks/deployability-config.{}.json")
"""Each pack's per-stack config, in the order of PACKS (a config pairs with the pack at its position)."""
STACKS = sorted(
    p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (REPO / "stacks").glob("Pulumi.*.yaml")
)

# Actions pinned to an exact release tag because their commit SHA could not be verified offline.
UNVERIFIED_SHA = {"pulumi/actions"}

USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)\s*(?:#\s*(?P<comment>.*))?$")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return data


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The `on:` block (YAML 1.1 reads the bare key `on` as True)."""
    raw: dict[Any, Any] = workflow
    value = raw.get("on", raw.get(True))
    assert isinstance(value, dict)
    return value


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def action(step: dict[str, Any]) -> str:
    """`owner/repo[/path]` of a step's action, without the ref."""
    return str(step.get("uses", "")).split("@", 1)[0]


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (f.name, name, job)
        for f in sorted(WORKFLOWS.glob("*.yml"))
        for name, job in load(f.name)["jobs"].items()
    ]


def test_the_four_workflows_exist_and_stacks_are_dev_and_prod() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.y*ml")) == [
        "deploy.yml",
        "preview.yml",
        "pull-request-report.yml",
        "pull-request.yml",
    ]
    assert STACKS == ["dev", "prod"]


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_every_action_is_pinned(path: Path) -> None:
    found = 0
    for line in path.read_text().splitlines():
        m = USES.match(line)
        if not m:
            continue
        found += 1
        name, _, ref = m.group("ref").partition("@")
        comment = m.group("comment") or ""
        if "/".join(name.split("/")[:2]) in UNVERIFIED_SHA:
            assert re.fullmatch(r"v\d+\.\d+\.\d+", ref), f"{name}@{ref}: pin an exact release"
        else:
            assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{name}@{ref}: pin a full commit SHA"
            assert re.fullmatch(r"v\d+\.\d+\.\d+", comment.strip()), (
                f"{name}: the version belongs in a comment"
            )
    assert found > 0


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_no_stored_secrets_and_deny_all_by_default(path: Path) -> None:
    text = path.read_text()
    assert "secrets." not in text, "workflows use OIDC and repository variables, never stored secrets"
    workflow = load(path.name)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        perms = job.get("permissions")
        assert isinstance(perms, dict) and perms, f"{name}: job permissions must be explicit"
        assert "write-all" not in str(perms)
        assert perms.get("contents", "read") == "read", f"{name}: no job writes the repository"


def test_id_token_write_exactly_where_azure_oidc_login_is_used() -> None:
    for file, name, job in all_jobs():
        logs_in = any(action(s) == "azure/login" for s in steps(job))
        assert (job["permissions"].get("id-token") == "write") == logs_in, f"{file}:{name}"
        for s in steps(job):
            if action(s) == "azure/login":
                assert s["with"] == {
                    "client-id": "${{ vars.AZURE_CLIENT_ID }}",
                    "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
                    "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
                }
                assert job["env"]["ARM_USE_OIDC"] == "true"


def test_every_pulumi_run_uses_both_policy_packs_and_the_project_root() -> None:
    """Every preview and deploy runs both packs, each with its stack config at the same position, and
    installs each pack's virtualenv (PulumiPolicy.yaml `virtualenv: venv`)."""
    runs = [
        (file, job, s) for file, _, job in all_jobs() for s in steps(job) if action(s) == "pulumi/actions"
    ]
    assert len(runs) == 3
    for pack in PACKS:
        assert (REPO / pack / "PulumiPolicy.yaml").is_file()
    for file, job, s in runs:
        assert s["with"]["policyPacks"].splitlines() == list(PACKS), file
        stack = s["with"]["stack-name"]
        assert s["with"]["policyPackConfigs"].splitlines() == [c.format(stack) for c in CONFIGS], file
        if not stack.startswith("${{"):
            for c in CONFIGS:
                assert (REPO / c.format(stack)).is_file()
        assert s["with"]["work-dir"] == "."
        assert s["with"]["command"] in ("preview", "up")
        install = " ".join(x.get("run", "") for x in steps(job))
        assert all(p in install for p in PACKS) and '"$pack/venv/bin/python" -m pip install' in install, file


def test_pull_request_workflow_needs_no_secrets_and_runs_tests_and_preflight_per_stack() -> None:
    wf = load("pull-request.yml")
    assert "pull_request" in triggers(wf) and "pull_request_target" not in triggers(wf)
    assert {name: job["permissions"] for name, job in wf["jobs"].items()} == {
        "test": {"contents": "read"},
        "preflight": {"contents": "read"},
    }
    assert any(s.get("run", "").startswith("make test") for s in steps(wf["jobs"]["test"]))
    job = wf["jobs"]["preflight"]
    assert job["strategy"]["matrix"]["stack"] == STACKS
    (run,) = [s["run"] for s in steps(job) if "python -m preflight" in s.get("run", "")]
    assert '--stack "$STACK"' in run
    assert re.findall(r"--policy-pack (\S+) --policy-pack-config (\S+)", run) == [
        (pack, f'"{config.format("$STACK")}"') for pack, config in zip(PACKS, CONFIGS, strict=True)
    ]
    for stack in STACKS:
        assert all((REPO / c.format(stack)).is_file() for c in CONFIGS)
    assert re.search(r"--format \S*sarif\S*", run) and re.search(r"--format \S*markdown\S*", run)
    assert '--output-dir "$REPORTS"' in run
    (upload,) = [s for s in steps(job) if action(s) == "actions/upload-artifact"]
    assert upload["with"]["name"] == "preflight-${{ matrix.stack }}"
    assert upload["if"] == "always()"
    assert any("GITHUB_STEP_SUMMARY" in s.get("run", "") for s in steps(job))
    for s in steps(job):
        if action(s) == "actions/checkout":
            assert s["with"]["persist-credentials"] is False


def test_report_workflow_publishes_sarif_and_comment_without_running_pr_code() -> None:
    wf = load("pull-request-report.yml")
    assert triggers(wf)["workflow_run"] == {
        "workflows": [load("pull-request.yml")["name"]],
        "types": ["completed"],
    }
    (job,) = wf["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write", "security-events": "write"}
    uses = [action(s) for s in steps(job)]
    assert "actions/checkout" not in uses, (
        "never check out (or run) the pull request's code with a write token"
    )
    assert not any("run" in s and "python" in s["run"] for s in steps(job))
    (download,) = [s for s in steps(job) if action(s) == "actions/download-artifact"]
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    (sarif,) = [s for s in steps(job) if action(s) == "github/codeql-action/upload-sarif"]
    assert sarif["with"]["sarif_file"] == "report/preflight.sarif"
    assert sarif["with"]["category"] == "preflight-${{ matrix.stack }}"
    assert sarif["with"]["sha"] == "${{ github.event.workflow_run.head_sha }}"
    (comment,) = [s for s in steps(job) if action(s) == "actions/github-script"]
    assert "aml-preflight:" in comment["with"]["script"] and "updateComment" in comment["with"]["script"]
    assert job["strategy"]["matrix"]["stack"] == STACKS


def test_preview_runs_per_stack_with_oidc_for_branches_of_this_repository() -> None:
    wf = load("preview.yml")
    (job,) = wf["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    assert job["strategy"]["matrix"]["stack"] == STACKS
    (pulumi,) = [s for s in steps(job) if action(s) == "pulumi/actions"]
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["stack-name"] == "${{ matrix.stack }}"
    uses = [action(s) for s in steps(job)]
    assert uses.index("azure/login") < uses.index("pulumi/actions")


def test_deploy_runs_dev_on_merge_then_prod_behind_its_environment() -> None:
    wf = load("deploy.yml")
    assert triggers(wf)["push"] == {"branches": ["main"]}
    assert wf["concurrency"]["cancel-in-progress"] is False
    dev, prod = wf["jobs"]["dev"], wf["jobs"]["prod"]
    assert dev["environment"] == "dev"
    assert prod["environment"] == "prod" and prod["needs"] == "dev"
    for job, stack in ((dev, "dev"), (prod, "prod")):
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        (pulumi,) = [s for s in steps(job) if action(s) == "pulumi/actions"]
        assert (pulumi["with"]["command"], pulumi["with"]["stack-name"]) == ("up", stack)
