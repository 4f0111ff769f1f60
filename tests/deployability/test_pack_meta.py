"""The pack as a whole: every Deployability rule is a policy with complete metadata, its source named, and
passing and failing test cases; levels follow the control catalogue (mandatory where Azure refuses, advisory otherwise)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from preflight.analyzer import PackConfigError, PolicyPackProcess

from ..policies.conftest import configured
from .test_resource_rules import CASES
from .test_stack_rules import STACK_CASES

REPO = Path(__file__).resolve().parents[2]
RULES_IDS = [
    "acr-cmk-firewalled-vault",
    "ws-service-side-cmk",
    "key-deployer-data-role",
    "cmk-rbac-propagation",
    "ws-identity-roles",
    "ws-cosmos-key-access",
    "storage-identity-data-roles",
    "compute-instance-name",
    "serverless-no-public-ip",
    "lock-blocks-children",
    "resource-names",
    "subnet-layout",
]
ADVISORY_HALVES = {"compute-instance-name-unique", "resource-names-unique"}
ADVISORY = {"storage-identity-data-roles", "lock-blocks-children"} | ADVISORY_HALVES


def test_rules_md_ids_match_the_pack(pack: PolicyPackProcess) -> None:
    """Policy names are exactly the catalogue's ids plus the two advisory halves, each once."""
    names = [p.name for p in pack.info.policies]
    assert len(names) == len(set(names))
    assert set(names) == set(RULES_IDS) | ADVISORY_HALVES
    assert pack.info.name == "azure-deployability" and pack.info.version == "0.1.0"


def catalogue_rows() -> dict[str, list[str]]:
    """The README's control catalogue: policy name -> its row's cells (level, kind, refuses, source, config)."""
    readme = (REPO / "policypacks" / "azure-deployability" / "README.md").read_text()
    section = readme.split("## Control catalogue\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        found = re.match(r"^\| `([a-z0-9-]+)` \|(.*)\|$", line)
        if found:
            assert found.group(1) not in rows, found.group(1)
            rows[found.group(1)] = [cell.strip() for cell in found.group(2).split(" | ")]
    return rows


def test_catalogue_lists_every_policy_as_the_code_defines_it(pack: PolicyPackProcess) -> None:
    """The README's control catalogue has one row per policy the pack registers and none other, and each row
    says the policy's level, kind, source page title and config keys as the code defines them."""
    rows = catalogue_rows()
    assert list(rows) == [p.name for p in pack.info.policies]  # same policies, in the pack's order
    assert [i for i in rows if i not in ADVISORY_HALVES] == RULES_IDS
    for p in pack.info.policies:
        level, kind, _refuses, source, config = rows[p.name]
        assert (level, kind) == (p.enforcement_level, p.kind), p.name
        assert f'"{p.framework.removeprefix("Microsoft Learn ")}"' in source, p.name
        keys = sorted(k for k in p.config_schema.get("properties", {}) if k != "exemptResources")
        assert sorted(re.findall(r"`([A-Za-z]+)`", config)) == keys, p.name


def test_metadata_is_complete_and_names_its_source(pack: PolicyPackProcess) -> None:
    """Description, severity, remediation, a Microsoft Learn framework with page title and section, a learn
    URL, source tags, the level, and config schemas with defaults on every policy."""
    for p in pack.info.policies:
        assert p.description and p.severity and p.remediation_steps, p.name
        assert p.framework.startswith("Microsoft Learn "), (p.name, p.framework)
        assert p.url.startswith("https://learn.microsoft.com/"), p.name
        tags = set(p.tags)
        assert any(t.startswith("source:") for t in tags) and any(t.startswith("section:") for t in tags), (
            p.name
        )
        kind = "deployability:breaks" if p.name in ADVISORY else "deployability:refused"
        assert kind in tags, p.name
        assert p.enforcement_level == ("advisory" if p.name in ADVISORY else "mandatory"), p.name
        props = p.config_schema.get("properties", {})
        assert "exemptResources" in props, p.name
        for key, spec in props.items():
            assert "default" in spec and "description" in spec, (p.name, key)
            jsonschema.validate(spec["default"], spec)


def test_every_message_ends_with_its_source(pack: PolicyPackProcess) -> None:
    """Every failing case's messages end with `(Source: "<title>", section "<section>".)` of its policy."""
    titles = {p.name: p.framework.removeprefix("Microsoft Learn ") for p in pack.info.policies}
    cases: list[Any] = [*CASES, *STACK_CASES]
    for case in cases:
        for item in case.expect:
            message = item[1] if isinstance(item, tuple) else item
            assert re.search(r'\(Source: "[^"]+", section "[^"]+"\.\)$', message), (case.policy, message)
            assert message.endswith(
                f'(Source: "{titles[case.policy]}", section ' + message.rsplit("section ", 1)[1]
            )
            assert f'(Source: "{titles[case.policy]}", section "' in message, case.policy


def test_every_policy_has_passing_and_failing_cases(pack: PolicyPackProcess) -> None:
    """The case tables hold at least one pass and one fail for every policy the pack serves."""
    passing = {c.policy for c in CASES if not c.expect} | {c.policy for c in STACK_CASES if not c.expect}
    failing = {c.policy for c in CASES if c.expect} | {c.policy for c in STACK_CASES if c.expect}
    names = {p.name for p in pack.info.policies}
    assert names - passing == set()
    assert names - failing == set()


def test_schema_violations_are_rejected(pack: PolicyPackProcess) -> None:
    """Config that breaks a schema is refused before it reaches the pack, naming the key."""
    with pytest.raises(PackConfigError, match="maxPrivateEndpointSubnetPrefixLength"):
        pack.configure({"subnet-layout": {"maxPrivateEndpointSubnetPrefixLength": 30}})
    with pytest.raises(PackConfigError, match="waitTypes"):
        pack.configure({"cmk-rbac-propagation": {"waitTypes": "time:index/sleep:Sleep"}})
    pack.configure({})


def test_exempt_resources_skip_a_finding(pack: PolicyPackProcess) -> None:
    """`exemptResources` names a resource the policy then skips (a reviewable exception)."""
    from . import platform as pl

    resources = pl.build("unknown-ids", pl.edited(drop=["ra-ws-contrib"]))
    with configured(pack, {"ws-identity-roles": {"exemptResources": ["ws"]}}):
        assert [v for v in pack.analyze_stack(resources) if v.policy == "ws-identity-roles"] == []


def test_disabled_policy_is_silent(pack: PolicyPackProcess) -> None:
    """`disabled` turns a policy off; the others still run."""
    from . import platform as pl

    resources = pl.build("unknown-ids", pl.edited(drop=["ra-ws-contrib", "ra-cosmos"]))
    with configured(pack, {"ws-identity-roles": "disabled"}):
        found = {v.policy for v in pack.analyze_stack(resources)}
    assert "ws-identity-roles" not in found and "ws-cosmos-key-access" in found


def test_pack_readme_lists_every_rule_with_its_source(pack: PolicyPackProcess) -> None:
    """The pack README names every policy and the page title of its source."""
    readme = (REPO / "policypacks" / "azure-deployability" / "README.md").read_text()
    for p in pack.info.policies:
        assert f"`{p.name}`" in readme, p.name
        assert p.framework.removeprefix("Microsoft Learn ") in readme, p.name
