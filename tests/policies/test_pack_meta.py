"""The pack as a whole: metadata, config schemas, test coverage of every rule, remediation."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest

from preflight.analyzer import PackConfigError, PolicyPackProcess
from preflight.model import SECRET_SIG, SECRET_SIG_KEY, secret

from . import baselines as b
from .baselines import changed
from .conftest import configured
from .support import ADVISORY, RULES_IDS, STORAGE, VAULT, WORKSPACE, res
from .test_paths import PATH_CASES
from .test_resource_rules import CASES
from .test_stack_rules import STACK_CASES

REPO = Path(__file__).resolve().parents[2]


def test_every_rules_md_control_is_a_policy(pack: PolicyPackProcess) -> None:
    """Policy names are exactly the catalogue's ids plus the two advisory halves, each once."""
    names = [p.name for p in pack.info.policies]
    assert len(names) == len(set(names))
    assert set(names) == set(RULES_IDS) | {"storage-infrastructure-encryption", "loganalytics-retention"}
    assert pack.info.name == "aml-security" and pack.info.version == "0.1.0"


def catalogue_rows() -> dict[str, list[str]]:
    """The pack README's control catalogue: policy name -> its row's cells (level, kind, checks, anchors,
    config keys)."""
    readme = (REPO / "policypacks" / "aml-security" / "README.md").read_text()
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
    says the policy's level, kind, anchors (every tag) and config keys as the code defines them."""
    rows = catalogue_rows()
    assert list(rows) == [p.name for p in pack.info.policies]  # same policies, in the pack's order
    prefixes = {"azure-policy": "AzPol ", "checkov": "", "mcsb": "MCSB ", "source": ""}
    for p in pack.info.policies:
        level, kind, checks, anchors, config = rows[p.name]
        assert (level, kind) == (p.enforcement_level, p.kind), p.name
        assert checks, p.name
        listed = [a.strip() for a in anchors.split(";")]
        expected = [prefixes[k] + v.strip() for k, _, v in (t.partition(":") for t in p.tags)]
        assert listed == expected, p.name
        keys = [k for k in p.config_schema.get("properties", {}) if k != "exemptResources"]
        assert re.findall(r"`([A-Za-z]+)`", config) == keys, p.name


def test_metadata_is_complete(pack: PolicyPackProcess) -> None:
    """Description, severity, remediation steps, anchors (tags, framework) and schema defaults on every policy."""
    for p in pack.info.policies:
        assert p.description and p.severity and p.remediation_steps and p.framework, p.name
        assert p.tags and all(":" in t for t in p.tags), p.name
        assert p.enforcement_level == ("advisory" if p.name in ADVISORY else "mandatory"), p.name
        props = p.config_schema.get("properties", {})
        assert props, p.name
        for key, spec in props.items():
            assert "default" in spec and "description" in spec, (p.name, key)
            jsonschema.validate(spec["default"], spec)


def test_anchors_from_rules_md_are_tagged(pack: PolicyPackProcess) -> None:
    """A sample of anchors per source: Azure Policy GUIDs, Checkov IDs, MCSB controls."""
    tags = {p.name: set(p.tags) for p in pack.info.policies}
    assert "azure-policy:438c38d2-3772-465a-a9cc-7a6666a275ce" in tags["ws-public-network"]
    assert {"checkov:CKV_AZURE_144", "mcsb:NS-2"} <= tags["ws-public-network"]
    assert {"checkov:CKV_AZURE_9", "checkov:CKV_AZURE_10"} <= tags["nsg-management-ports"]
    assert {
        "azure-policy:12e5dd16-d201-47ff-849b-8454061c293d",
        "azure-policy:19539b54-c61e-4196-9a38-67598701be90",
        "mcsb:AI-1",
    } <= tags["deployment-approved-model"]


def test_every_policy_has_passing_and_failing_cases(pack: PolicyPackProcess) -> None:
    """The case tables (typed resources, the other paths, stacks) hold at least one pass and one fail for
    every policy the pack serves."""
    cases = [(c.policy, bool(c.expect)) for c in [*CASES, *PATH_CASES]]
    cases += [(c.policy, bool(c.expect)) for c in STACK_CASES]
    passing = {policy for policy, fails in cases if not fails}
    failing = {policy for policy, fails in cases if fails}
    names = {p.name for p in pack.info.policies}
    assert names - passing == set()
    assert names - failing == set()


def test_schema_violations_are_rejected(pack: PolicyPackProcess) -> None:
    """Config that breaks a schema is refused before it reaches the pack."""
    with pytest.raises(PackConfigError, match="minimumRsaKeySize"):
        pack.configure({"key-strength": {"minimumRsaKeySize": "big"}})
    with pytest.raises(PackConfigError, match="maximumIdleMinutes"):
        pack.configure({"compute-idle-shutdown": {"maximumIdleMinutes": 5}})
    pack.configure({})


def test_disabled_policy_is_silent(pack: PolicyPackProcess) -> None:
    """`disabled` turns a policy off; the others still run."""
    r = res(WORKSPACE, "ws", changed(b.WORKSPACE, "publicNetworkAccess", "Enabled"))
    with configured(pack, {"ws-public-network": "disabled"}):
        assert [v for v in pack.analyze(r) if v.policy == "ws-public-network"] == []


def test_remediate_disables_public_access_and_keeps_secrets(pack: PolicyPackProcess) -> None:
    """At the remediate level the engine's `Remediate` call returns fixed properties; secrets stay secret."""
    props = changed(changed(b.WORKSPACE, "publicNetworkAccess", "Enabled"), "description", secret("internal"))
    with configured(pack, {"ws-public-network": "remediate"}):
        fixes = pack.remediate(res(WORKSPACE, "ws", props))
    assert [name for name, _ in fixes] == ["ws-public-network"]
    new = fixes[0][1]
    assert new["publicNetworkAccess"] == "Disabled"
    assert new["description"] == {SECRET_SIG_KEY: SECRET_SIG, "value": "internal"}
    assert new["managedNetwork"] == b.WORKSPACE["managedNetwork"]


@pytest.mark.parametrize(
    ("policy", "type_token", "props", "path", "value"),
    [
        (
            "storage-transport",
            STORAGE,
            changed(b.STORAGE, "minimumTlsVersion", "TLS1_0"),
            "minimumTlsVersion",
            "TLS1_2",
        ),
        (
            "keyvault-rbac",
            VAULT,
            changed(b.VAULT, "properties.enableRbacAuthorization", False),
            "properties.enableRbacAuthorization",
            True,
        ),
    ],
)
def test_remediations(
    pack: PolicyPackProcess, policy: str, type_token: str, props: dict, path: str, value: object
) -> None:
    """Other safe remediations set the one required value and nothing else."""
    with configured(pack, {policy: "remediate"}):
        fixes = pack.remediate(res(type_token, "r", props))
    assert len(fixes) == 1 and fixes[0][0] == policy
    assert fixes[0][1] == changed(props, path, value)


def test_compliant_resource_is_not_remediated(pack: PolicyPackProcess) -> None:
    """Remediation changes nothing on a compliant resource."""
    with configured(pack, {"all": "remediate"}):
        assert pack.remediate(res(WORKSPACE, "ws", b.WORKSPACE)) == []


# Azure AI Services and Foundry cases (test_ai_services.py) count toward the coverage meta-test above.
from .test_ai_services import AI_CASES, AI_STACK_CASES  # noqa: E402

CASES = [*CASES, *AI_CASES]
STACK_CASES = [*STACK_CASES, *AI_STACK_CASES]
