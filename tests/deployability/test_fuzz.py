"""Property-based: random and malformed stacks through the real protocol never break a rule.

A rule that raised would fail the gRPC call (the test would error), one that leaked an UnknownValueError
would show as pulumi-policy's "can't run policy", one that hit a bug shows "could not evaluate".
Dependency graphs are random too, cycles included.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.analyzer import PolicyPackProcess
from preflight.model import SECRET_SIG_KEY, UNKNOWN, RecordedResource, secret

from ..policies.support import res
from . import platform as pl

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WORDS = [
    "properties",
    "publicNetworkAccess",
    "networkAcls",
    "defaultAction",
    "enableRbacAuthorization",
    "encryption",
    "status",
    "keySource",
    "keyVaultProperties",
    "keyIdentifier",
    "keyVaultArmId",
    "keyVaultUri",
    "keyName",
    "identity",
    "userAssignedIdentities",
    "primaryUserAssignedIdentity",
    "enableServiceSideCMKEncryption",
    "rotationPolicy",
    "lifetimeActions",
    "action",
    "type",
    "roleDefinitionId",
    "principalId",
    "principalType",
    "scope",
    "description",
    "computeName",
    "computeType",
    "serverlessComputeSettings",
    "serverlessComputeNoPublicIP",
    "serverlessComputeCustomSubnet",
    "managedNetwork",
    "isolationMode",
    "level",
    "resourceGroupName",
    "vaultName",
    "accountName",
    "registryName",
    "workspaceName",
    "addressSpace",
    "addressPrefixes",
    "addressPrefix",
    "subnets",
    "subnet",
    "virtualNetworkName",
    "allowSharedKeyAccess",
    "id",
]
STRINGS = [
    "Disabled",
    "Deny",
    "enabled",
    "Enabled",
    "Microsoft.Keyvault",
    "rotate",
    "ComputeInstance",
    "CanNotDelete",
    "UserAssigned",
    "AllowOnlyApprovedOutbound",
    "10.0.0.0/24",
    "10.0.0.0/33",
    "::/0",
    "fe80::/10",
    "https://kv.vault.azure.net/keys/cmk/1",
    "https://",
    "/subscriptions/s",
    "/",
    pl.RA_DEF + pl.KV_CRYPTO_OFFICER,
    pl.RA_DEF + pl.CONTRIBUTOR,
    pl.IDS["vault"],
    pl.IDS["ws"],
    pl.RG_ID,
    "ci-a-1",
    "Azure Cosmos DB",
    UNKNOWN,
    "",
]
leaves = (
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=8)
    | st.sampled_from(STRINGS)
)
keys = st.sampled_from(WORDS) | st.text(max_size=5)
trees = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5) | inner.map(secret),
    max_leaves=25,
)


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a tree (dict keys, list indexes), not into secret wrappers (the engine never sends a
    broken one, and pulumi-policy's deserializer rejects it before any rule runs)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(tree, dict) and SECRET_SIG_KEY in tree:
        return out
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else []
    for k, v in items:
        p = (*prefix, k)
        out.append(p)
        out += _paths(v, p)
    return out


def _replace(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    tree = copy.copy(tree)
    tree[path[0]] = _replace(tree[path[0]], path[1:], value)
    return tree


@st.composite
def stacks(draw: st.DrawFn) -> list[RecordedResource]:
    """The compliant platform (either shape) with random inputs, references and dependencies replaced."""
    resources = pl.build(draw(st.sampled_from(pl.MODES)))
    urns = [r.urn for r in resources]
    for _ in range(draw(st.integers(1, 8))):
        r = resources[draw(st.integers(0, len(resources) - 1))]
        what = draw(st.sampled_from(["input", "deps", "pdeps", "type"]))
        if what == "input":
            paths = _paths(r.inputs)
            if paths:
                r.inputs = _replace(r.inputs, draw(st.sampled_from(paths)), draw(trees))
            else:
                r.inputs = draw(st.dictionaries(keys, trees, max_size=4))
        elif what == "deps":
            r.dependencies = draw(st.lists(st.sampled_from(urns), max_size=6))
        elif what == "pdeps":
            r.property_dependencies = draw(
                st.dictionaries(
                    st.sampled_from(WORDS), st.lists(st.sampled_from(urns), max_size=3), max_size=4
                )
            )
        else:
            r.type = draw(
                st.sampled_from(
                    [
                        "azure-native:keyvault/v20240401:Vault",
                        "azure-native_storage_v20240101:storage:StorageAccount",
                        "azure-native:authorization:ManagementLockAtResourceGroupLevel",
                        "azure-native:authorization:ManagementLockAtResourceLevel",
                        "time:index/sleep:Sleep",
                        "pulumi:providers:azure-native",
                    ]
                )
            )
    return resources


def _assert_clean(violations: list[Any]) -> None:
    broken = [v for v in violations if "could not evaluate" in v.message or "can't run policy" in v.message]
    assert broken == []


@SETTINGS
@given(stacks())
def test_random_stacks(pack: PolicyPackProcess, resources: list[RecordedResource]) -> None:
    """AnalyzeStack over a mutated platform: no gRPC error, no rule failure."""
    _assert_clean(pack.analyze_stack(resources))


@SETTINGS
@given(stacks())
def test_random_resources(pack: PolicyPackProcess, resources: list[RecordedResource]) -> None:
    """Analyze on every resource of a mutated platform: no gRPC error, no rule failure."""
    _assert_clean(pack.analyze_many(resources))


@SETTINGS
@given(st.sampled_from(sorted(set(pl.T.values()))), st.dictionaries(keys, trees, max_size=8))
def test_random_property_trees(pack: PolicyPackProcess, type_token: str, props: dict[str, Any]) -> None:
    """Arbitrary property trees on every type the pack reads."""
    _assert_clean(pack.analyze(res(type_token, "r", props)))


def test_unknown_everywhere_is_not_a_failure(pack: PolicyPackProcess) -> None:
    """Every input unknown (a first preview built entirely from outputs): no rule fails."""
    resources = pl.build("unknown-ids")
    for r in resources:
        r.inputs = {k: UNKNOWN for k in r.inputs}
    _assert_clean(pack.analyze_stack(resources) + pack.analyze_many(resources))
