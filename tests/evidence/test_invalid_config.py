"""A corpus of invalid stack configurations: each is the real dev stack with one bad value, run through
`python -m preflight` against the real program. Each must exit 2 with a message naming the key (from the
project schema or from components.settings), and leave no policy pack process behind."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO, dev_config, pack_pids, project_with_stack, run_preflight

NS = "aml-secure-baseline"
GUID = "00000000-0000-0000-0000-00000000a11c"

# (case id, config key, path inside an object value (empty: the whole value), bad value, expected stderr text)
CASES: list[tuple[str, str, tuple[str, ...], Any, str]] = [
    (
        "location-unknown",
        "azure-native:location",
        (),
        "mars",
        "azure-native:location: 'mars' is not a known region; allowed: an Azure region with Azure ML",
    ),
    (
        "undeclared-key",
        f"{NS}:colour",
        (),
        "blue",
        f"{NS}:colour: unknown config key; allowed: the keys declared in Pulumi.yaml",
    ),
    (
        "prefix-upper-case",
        f"{NS}:prefix",
        (),
        "AML",
        f"{NS}:prefix: 'AML' is invalid; allowed: 2-10 lower-case letters or digits, starting with a letter",
    ),
    (
        "environment-symbol",
        f"{NS}:environment",
        (),
        "dev!",
        f"{NS}:environment: 'dev!' is invalid; allowed: 2-8 lower-case letters or digits, starting with a letter",
    ),
    (
        "owner-empty",
        f"{NS}:owner",
        (),
        "",
        f"{NS}:owner: '' is invalid; allowed: a non-empty team name or contact, at most 256 characters",
    ),
    (
        "retention-too-short",
        f"{NS}:logRetentionDays",
        (),
        3,
        f"{NS}:logRetentionDays: 3 is out of range; allowed: an integer from 30 to 730",
    ),
    (
        "retention-not-integer",
        f"{NS}:logRetentionDays",
        (),
        "a month",
        f"configuration key '{NS}:logRetentionDays' must be of type integer (declared in Pulumi.yaml), "
        'got str "a month"',
    ),
    (
        "locks-not-boolean",
        f"{NS}:locks",
        (),
        "sometimes",
        f"configuration key '{NS}:locks' must be of type boolean (declared in Pulumi.yaml), got str \"sometimes\"",
    ),
    (
        "address-space-not-list",
        f"{NS}:vnetAddressSpace",
        (),
        "10.20.0.0/22",
        f"configuration key '{NS}:vnetAddressSpace' must be of type array (declared in Pulumi.yaml)",
    ),
    (
        "address-space-bad-cidr",
        f"{NS}:vnetAddressSpace",
        (),
        ["10.20.0.0/33"],
        f"{NS}:vnetAddressSpace[0]: '10.20.0.0/33' is not a valid CIDR; allowed: an IPv4 CIDR with host bits zero",
    ),
    (
        "pe-subnet-host-bits",
        f"{NS}:privateEndpointSubnetPrefix",
        (),
        "10.20.0.1/24",
        f"{NS}:privateEndpointSubnetPrefix: '10.20.0.1/24' is not a valid CIDR",
    ),
    (
        "pe-subnet-outside-space",
        f"{NS}:privateEndpointSubnetPrefix",
        (),
        "10.99.0.0/24",
        f"{NS}:privateEndpointSubnetPrefix: 10.99.0.0/24 is outside the address space; allowed: a subnet of 10.20.0.0/22",
    ),
    (
        "pe-subnet-too-small",
        f"{NS}:privateEndpointSubnetPrefix",
        (),
        "10.20.0.0/29",
        f"{NS}:privateEndpointSubnetPrefix: 10.20.0.0/29 is smaller than /28",
    ),
    (
        "isolation-mode-unknown",
        f"{NS}:isolationMode",
        (),
        "Open",
        f"{NS}:isolationMode: 'Open' is not supported; allowed: AllowOnlyApprovedOutbound, AllowInternetOutbound, Disabled",
    ),
    (
        "firewall-sku-unknown",
        f"{NS}:firewallSku",
        (),
        "Premium",
        f"{NS}:firewallSku: 'Premium' is not supported; allowed: Standard, Basic",
    ),
    (
        "storage-sku-premium",
        f"{NS}:storageSku",
        (),
        "Premium_LRS",
        f"{NS}:storageSku: 'Premium_LRS' is not supported; allowed: Standard_LRS",
    ),
    (
        "vnet-id-not-arm",
        f"{NS}:existingVnetId",
        (),
        "vnet-hub",
        f"{NS}:existingVnetId: 'vnet-hub' is not a VNet resource ID",
    ),
    (
        "tenant-not-guid",
        f"{NS}:tenantId",
        (),
        "contoso",
        f"{NS}:tenantId: 'contoso' is not a GUID; allowed: an Entra tenant ID (GUID); unset: the deploying identity's tenant",
    ),
    (
        "key-rotation-too-early",
        f"{NS}:keyRotationDays",
        (),
        3,
        f"{NS}:keyRotationDays: 3 is out of range",
    ),
    (
        "key-expiry-too-short",
        f"{NS}:keyExpiryDays",
        (),
        10,
        f"{NS}:keyExpiryDays: 10 is out of range",
    ),
    (
        "tag-name-slash",
        f"{NS}:tags",
        ("team/name",),
        "ml",
        f"{NS}:tags.team/name: invalid tag",
    ),
    (
        "outbound-fqdn-wildcard",
        f"{NS}:outboundRules",
        ("pypi", "destination"),
        "*",
        f"{NS}:outboundRules.pypi.destination: '*' opens the internet (it matches every host name)",
    ),
    (
        "outbound-type-unknown",
        f"{NS}:outboundRules",
        ("pypi", "type"),
        "Anything",
        f"{NS}:outboundRules.pypi.type: 'Anything' is not supported; allowed: FQDN, PrivateEndpoint, ServiceTag",
    ),
    (
        "outbound-service-tag-internet",
        f"{NS}:outboundRules",
        ("web",),
        {"type": "ServiceTag", "destination": "Internet"},
        f"{NS}:outboundRules.web.destination: 'Internet' opens the internet",
    ),
    (
        "outbound-unknown-setting",
        f"{NS}:outboundRules",
        ("pypi", "port"),
        443,
        f"{NS}:outboundRules.pypi.port: unknown setting",
    ),
    (
        "instance-user-not-guid",
        f"{NS}:computeInstances",
        ("ci-alice", "userObjectId"),
        "alice",
        f"{NS}:computeInstances.ci-alice.userObjectId: 'alice' is not a GUID",
    ),
    (
        "instance-idle-too-short",
        f"{NS}:computeInstances",
        ("ci-alice", "idleShutdownMinutes"),
        5,
        f"{NS}:computeInstances.ci-alice.idleShutdownMinutes: 5 is out of range; allowed: an integer from 15 to 240",
    ),
    (
        "instance-schedule-not-cron",
        f"{NS}:computeInstances",
        ("ci-alice", "schedule", "stop"),
        "every evening",
        f"{NS}:computeInstances.ci-alice.schedule.stop: 'every evening' is not a cron expression",
    ),
    (
        "instance-vm-size",
        f"{NS}:computeInstances",
        ("ci-alice", "vmSize"),
        "huge",
        f"{NS}:computeInstances.ci-alice.vmSize: 'huge' is not a VM size",
    ),
    (
        "cluster-max-nodes-zero",
        f"{NS}:computeClusters",
        ("cpu-small", "maxNodes"),
        0,
        f"{NS}:computeClusters.cpu-small.maxNodes: 0 is out of range; allowed: an integer from 1 to 100",
    ),
    (
        "cluster-priority-unknown",
        f"{NS}:computeClusters",
        ("cpu-small", "vmPriority"),
        "Spot",
        f"{NS}:computeClusters.cpu-small.vmPriority: 'Spot' is not supported; allowed: Dedicated, LowPriority",
    ),
    (
        "image-build-not-a-cluster",
        f"{NS}:imageBuildCompute",
        (),
        "gpu-big",
        f"{NS}:imageBuildCompute: 'gpu-big' is not a configured cluster; allowed: one of computeClusters: cpu-small",
    ),
    (
        "persona-unknown",
        f"{NS}:personas",
        ("admins",),
        {"groupObjectId": GUID},
        f"{NS}:personas.admins: unknown persona; allowed: dataScientists, mlEngineers, readers",
    ),
    (
        "persona-privileged-role",
        f"{NS}:personas",
        ("readers", "role"),
        "Owner",
        f"{NS}:personas.readers.role: role 'Owner' is never granted; allowed: AcrPull",
    ),
    (
        "persona-group-and-create",
        f"{NS}:personas",
        ("dataScientists", "createGroup"),
        "ml-ds",
        f"{NS}:personas.dataScientists: needs exactly one of groupObjectId and createGroup",
    ),
]


def _with(config: dict[str, Any], key: str, path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A deep copy of `config` with `value` at `key` (and `path` inside its object value)."""
    out = copy.deepcopy(config)
    if not path:
        out[key] = value
        return out
    node = out.setdefault(key, {})
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    return out


def test_the_corpus_is_large_and_each_case_distinct() -> None:
    assert len(CASES) >= 25
    assert len({c[0] for c in CASES}) == len(CASES)
    assert len({(c[1], c[2], repr(c[3])) for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("key", "path", "value", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_value_exits_2_naming_the_key(
    tmp_path: Path, key: str, path: tuple[str, ...], value: Any, expected: str
) -> None:
    project = project_with_stack(tmp_path, "broken", _with(dev_config(), key, path, value))
    result = run_preflight("--stack", "broken", "--cwd", project)
    assert result.code == 2, result.stdout[-2000:] + result.stderr
    # A configuration error, from the project schema or the program's settings: the message, no traceback.
    assert result.stderr.startswith("error: configuration: "), result.stderr
    assert 'File "' not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert expected in result.stderr
    assert result.stdout == ""
    assert pack_pids(result.mark) == []


def test_the_unmodified_copy_is_valid(tmp_path: Path) -> None:
    """The corpus's base (the real dev stack in the linked project) passes: each failure is its one value."""
    project = project_with_stack(tmp_path, "broken", dev_config())
    config = REPO / "stacks" / "policy-config.dev.json"  # the dev stack's pack configuration
    security = Path(__file__).resolve().parents[2] / "policypacks" / "aml-security"
    result = run_preflight(
        "--stack",
        "broken",
        "--cwd",
        project,
        "--format",
        "json",
        "--policy-pack",
        security,
        "--policy-pack-config",
        config,
    )
    assert result.code == 0, result.stderr
    assert pack_pids(result.mark) == []
