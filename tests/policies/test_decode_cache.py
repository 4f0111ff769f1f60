"""The decode cache changes speed, not verdicts: every resource and stack case gives the same diagnostics
with the cache on (as shipped) and off (`AML_SECURITY_DECODE_CACHE=0`), over the real protocol."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from aml_security import decode_cache
from preflight.analyzer import PolicyPackProcess
from preflight.model import Violation

from .conftest import PACK_DIR
from .support import PROJECT, STACK, res
from .test_paths import PATH_CASES
from .test_resource_rules import CASES
from .test_stack_rules import STACK_CASES


@pytest.fixture(scope="module")
def uncached() -> Iterator[PolicyPackProcess]:
    """A second pack process with the decode cache turned off."""
    os.environ["AML_SECURITY_DECODE_CACHE"] = "0"
    try:
        with PolicyPackProcess(PACK_DIR, project=PROJECT, stack=STACK, dry_run=True) as p:
            p.configure({})
            yield p
    finally:
        del os.environ["AML_SECURITY_DECODE_CACHE"]


def _key(violations: list[Violation]) -> list[tuple[str, str, str, str]]:
    return [(v.policy, v.level, v.urn, v.message) for v in violations]


def _configured(pack: PolicyPackProcess, policy: str, config: dict[str, Any] | None) -> None:
    pack.configure({policy: config} if config else {})


def test_resource_cases_match_without_the_cache(pack: PolicyPackProcess, uncached: PolicyPackProcess) -> None:
    compared = 0
    for case in [*CASES, *PATH_CASES]:  # PATH_CASES: the per-request view cache follows the decode cache
        resource = res(case.type, f"case{compared}", case.props)
        results = []
        for p in (pack, uncached):
            _configured(p, case.policy, case.config)
            results.append(_key(p.analyze(resource)))
        assert results[0] == results[1], case
        compared += 1
    for p in (pack, uncached):
        p.configure({})
    assert compared == len(CASES) + len(PATH_CASES) > 100


def test_stack_cases_match_without_the_cache(pack: PolicyPackProcess, uncached: PolicyPackProcess) -> None:
    for case in STACK_CASES:
        results = []
        for p in (pack, uncached):
            _configured(p, case.policy, case.config)
            results.append(_key(p.analyze_stack(list(case.resources))))
        assert results[0] == results[1], case
    for p in (pack, uncached):
        p.configure({})


def test_install_is_opt_out_and_version_guarded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AML_SECURITY_DECODE_CACHE", "0")
    assert decode_cache.install() is False
    monkeypatch.delenv("AML_SECURITY_DECODE_CACHE")
    monkeypatch.setattr(decode_cache, "SUPPORTED_VERSIONS", ("0.0.",))
    assert decode_cache.install() is False
