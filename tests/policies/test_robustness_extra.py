"""Robustness beyond test_fuzz.py: every property path of every baseline replaced, one at a time, by each kind
of unknown sentinel, null, a secret, a secret unknown and a value of the wrong type; deep nesting; long lists
and strings; assets and archives; versioned and local-package type tokens; hypothesis over all of it.

Through the real protocol (the session `pack`): every call must return (no gRPC error), and every
diagnostic must come from a policy the pack declares, never pulumi-policy's "can't run policy" or the
pack's "could not evaluate" (a rule that crashed).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aml_security.helpers import UNKNOWN_SENTINELS
from preflight.analyzer import PolicyPackProcess
from preflight.model import SECRET_SIG_KEY, UNKNOWN, RecordedResource, Violation, secret

from .baselines import changed
from .path_baselines import PATH_BASELINES
from .support import res
from .test_fuzz import _paths, trees
from .test_resource_rules import BASELINES

SENTINELS = sorted(UNKNOWN_SENTINELS)
ASSET = {SECRET_SIG_KEY: "c44067f5952c0a294b673a41bacd8c17", "text": "print('hi')"}
ARCHIVE = {SECRET_SIG_KEY: "0def7320c3a5731c473e5ecbe6d01bc7", "assets": {"a.txt": ASSET}}
ITEMS = sorted({**BASELINES, **PATH_BASELINES}.items())


def _versioned(token: str) -> list[str]:
    """The API-versioned and local-package (parameterized) forms of an azure-native type token."""
    package, module, name = token.split(":")
    return [
        f"{package}:{module}/v20240401:{name}",
        f"{package}_{module}_v20240401:{module}:{name}",
    ]


def _wrong_type(value: Any) -> Any:
    """A value of another JSON type than `value`."""
    if isinstance(value, bool):
        return "true"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return 12345
    if isinstance(value, list):
        return {"0": value[:1]}
    if isinstance(value, dict):
        return list(value.values())[:2] or ["x"]
    return {"unexpected": True}


def _at(tree: Any, path: str) -> Any:
    for part in path.split("."):
        tree = tree[int(part)] if isinstance(tree, list) else tree[part]
    return tree


def _check(pack: PolicyPackProcess, resources: list[RecordedResource]) -> list[Violation]:
    """Analyze all (gRPC errors raise), then require every diagnostic to be a declared policy's verdict."""
    names = {p.name for p in pack.info.policies}
    violations = pack.analyze_many(resources)
    assert [v for v in violations if v.policy not in names] == []
    broken = [v for v in violations if "could not evaluate" in v.message or "can't run policy" in v.message]
    assert broken == []
    return violations


def test_every_path_of_every_baseline_with_each_sentinel_null_secret_and_wrong_type(
    pack: PolicyPackProcess,
) -> None:
    resources: list[RecordedResource] = []
    n = 0
    for label, (token, base) in ITEMS:
        for path in _paths(base):
            original = _at(base, path)
            sentinel = SENTINELS[n % len(SENTINELS)]
            for variant in (sentinel, None, secret(original), secret(sentinel), _wrong_type(original)):
                resources.append(res(token, f"{label.replace(' ', '-')}-{n}", changed(base, path, variant)))
                n += 1
    assert len(resources) > 1000
    _check(pack, resources)


def test_each_sentinel_kind_as_every_top_level_property(pack: PolicyPackProcess) -> None:
    resources = [
        res(token, f"s{i}-{j}", {k: sentinel for k in base})
        for i, (_, (token, base)) in enumerate(ITEMS)
        for j, sentinel in enumerate(SENTINELS)
    ]
    _check(pack, resources)


def test_versioned_and_local_package_tokens_see_the_same_rules(pack: PolicyPackProcess) -> None:
    resources = []
    for i, (_, (token, base)) in enumerate(ITEMS):
        for form in _versioned(token):
            resources.append(res(form, f"v{i}", {**base, "publicNetworkAccess": UNKNOWN}))
    _check(pack, resources)


def _nest(depth: int, leaf: Any, as_list: bool) -> Any:
    for i in range(depth):
        leaf = [leaf] if as_list and i % 2 else {"properties": leaf}
    return leaf


def test_deep_nesting_long_lists_long_strings_assets_and_archives(pack: PolicyPackProcess) -> None:
    """At the first path of each baseline (kept small: pulumi-policy decodes the whole tree once per policy)."""
    resources = []
    for i, (_, (token, base)) in enumerate(ITEMS):
        path = _paths(base)[0]
        long_list = [UNKNOWN if j % 3 == 0 else {"name": f"n{j}", "value": j} for j in range(500)]
        for kind, value in (
            ("deep-list", _nest(90, UNKNOWN, True)),
            ("deep-dict", _nest(90, "x", False)),
            ("long-list", long_list),
            ("long-str", "*" * 50_000),
            ("asset", ASSET),
            ("archive", ARCHIVE),
        ):
            resources.append(res(token, f"{kind}-{i}", changed(base, path, value)))
        resources.append(res(token, f"many-keys-{i}", {**base, **{f"k{j}": j for j in range(300)}}))
    _check(pack, resources)


sentinel_trees = st.recursive(
    st.sampled_from([*SENTINELS, None, ASSET, ARCHIVE]) | trees,
    lambda inner: (
        st.lists(inner, max_size=40)
        | st.dictionaries(st.text(max_size=8), inner, max_size=6)
        | inner.map(secret)
    ),
    max_leaves=120,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(st.data())
def test_hypothesis_sentinel_trees_at_baseline_paths(pack: PolicyPackProcess, data: st.DataObject) -> None:
    label, (token, base) = data.draw(st.sampled_from(ITEMS))
    token = data.draw(st.sampled_from([token, *_versioned(token)]))
    path = data.draw(st.sampled_from(_paths(base)))
    props = changed(base, path, data.draw(sentinel_trees))
    _check(pack, [res(token, label.replace(" ", "-"), props)])
