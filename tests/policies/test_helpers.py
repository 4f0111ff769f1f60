"""Pure helpers: type tokens, proxy unwrapping, unknowns, paths, comparisons (no pack process needed)."""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy
from pulumi_policy.secret import Secret, secrets_preserving_proxy

from aml_security.compute import duration_minutes
from aml_security.helpers import (
    MISSING,
    UNKNOWN,
    UNKNOWN_SENTINELS,
    at,
    expect,
    fmt,
    guid_of,
    normalize_type,
    raw,
    same,
    set_path,
)
from aml_security.identity import scope_level
from aml_security.network import ports_in

U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("azure-native:machinelearningservices:Workspace", "azure-native:machinelearningservices:Workspace"),
        (
            "azure-native:machinelearningservices/v20240401:Workspace",
            "azure-native:machinelearningservices:Workspace",
        ),
        ("azure-native:storage/v20250101preview:StorageAccount", "azure-native:storage:StorageAccount"),
        (
            "azure-native_machinelearningservices_v20240401:machinelearningservices:Workspace",
            "azure-native:machinelearningservices:Workspace",
        ),
        ("azure-native:insights:Component", "azure-native:applicationinsights:Component"),
        ("azure-native:insights/v20200202:Component", "azure-native:applicationinsights:Component"),
        ("azure-native:insights:DiagnosticSetting", "azure-native:monitor:DiagnosticSetting"),
        ("azure-native:network:PrivateZone", "azure-native:privatedns:PrivateZone"),
        ("azure:storage/account:Account", "azure:storage/account:Account"),
        ("garbage", "garbage"),
    ],
)
def test_normalize_type(token: str, expected: str) -> None:
    assert normalize_type(token) == expected


def test_raw_unwraps_nested_proxies_without_raising() -> None:
    """Reading through `raw` never triggers the proxy's UnknownValueError; sentinels stay visible."""
    proxied = unknown_checking_proxy({"a": {"b": [U, {"c": True}]}, "d": U})
    with pytest.raises(UnknownValueError):
        _ = proxied["d"]
    assert not isinstance(proxied["a"], dict)
    assert raw(proxied) == {"a": {"b": [U, {"c": True}]}, "d": U}
    assert at(raw(proxied), ["a", "b", 1, "c"]) is True


def test_raw_unwraps_secrets_or_keeps_them() -> None:
    tree = secrets_preserving_proxy({"k": Secret({"x": 1}), "l": [Secret("s")]})
    assert raw(tree) == {"k": {"x": 1}, "l": ["s"]}
    kept = raw(tree, keep_secrets=True)
    assert isinstance(kept["k"], Secret) and isinstance(kept["l"][0], Secret)
    wire = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "v"}
    assert raw({"p": wire}) == {"p": "v"}


def test_at_reads_absent_unknown_and_malformed() -> None:
    tree = {"a": {"b": None, "c": 5, "u": U}, "l": [1], "unk": "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"}
    assert at(tree, "a.b") is MISSING
    assert at(tree, "a.c.d") is MISSING
    assert at(tree, "a.u") is UNKNOWN
    assert at(tree, "a.u.deeper") is UNKNOWN
    assert at(tree, "unk.x") is UNKNOWN
    assert at(tree, ["l", 5]) is MISSING
    assert at(tree, ["l", 0]) == 1
    assert len(UNKNOWN_SENTINELS) == 7


def test_same_is_case_insensitive_and_type_strict() -> None:
    assert same("Disabled", "disabled")
    assert not same(True, 1) and not same("true", True) and same(3072.0, 3072)


def test_expect_messages() -> None:
    assert expect({}, "p", ["Disabled"], default="Enabled") == [
        'p is not set; Azure\'s default is Enabled, set it to "Disabled".'
    ]
    assert expect({"p": U}, "p", ["Disabled"]) == [
        "p must be known at preview (it is computed from another resource's output)."
    ]
    assert expect({"p": [1]}, "p", [True]) == ["p is [1]; must be true."]
    assert expect({}, "p", [False], absent_ok=True) == []


def test_fmt_shortens() -> None:
    assert fmt(3072.0) == "3072" and fmt("x") == '"x"' and fmt(False) == "false"
    assert len(fmt("y" * 500)) == 80


def test_small_parsers() -> None:
    assert duration_minutes("PT30M") == 30 and duration_minutes("P1DT1H") == 1500
    assert duration_minutes("PT") is None and duration_minutes("30") is None
    assert ports_in("*") == {22, 3389} and ports_in("20-23,3389") == {22, 3389} and ports_in("x-y") == set()
    assert (
        guid_of("/x/roleDefinitions/8E3AF657-A8FF-443C-A75C-2FE8C4BCB635")
        == "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    )
    assert guid_of(U) is None and guid_of(5) is None
    assert scope_level("/") == "root" and scope_level("/subscriptions/s/") == "subscription"
    assert scope_level("/subscriptions/s/resourceGroups/r") == "narrow" and scope_level(U) == "narrow"


def test_set_path_refuses_to_overwrite_unknown_or_scalar() -> None:
    tree = {"properties": U, "x": 1}
    assert not set_path(tree, "properties.enableRbacAuthorization", True)
    assert not set_path(tree, "x.y", True)
    assert set_path(tree, "new.deep", 1) and tree["new"] == {"deep": 1}
