"""The recording's order depends only on the graph: parents and dependencies first, ties by URN, whatever
order the registrations arrived in (it varies from run to run with the SDK's scheduling)."""

from __future__ import annotations

import random

from preflight.model import RecordedResource
from preflight.program import deterministic_order


def _r(
    name: str, parent: str | None = None, deps: list[str] | None = None, pdeps: list[str] | None = None
) -> RecordedResource:
    return RecordedResource(
        urn=f"urn:{name}",
        type="t",
        name=name,
        custom=True,
        parent=f"urn:{parent}" if parent else None,
        dependencies=[f"urn:{d}" for d in deps or []],
        property_dependencies={"p": [f"urn:{d}" for d in pdeps]} if pdeps else {},
    )


GRAPH = [
    _r("z-component"),
    _r("b-child", parent="z-component"),
    _r("a-child", parent="z-component", deps=["c-free"]),
    _r("c-free"),
    _r("d-uses", pdeps=["b-child"], deps=["urn-not-recorded"]),
    _r("e-free"),
]


def test_same_order_from_any_arrival_order() -> None:
    expected = [r.name for r in deterministic_order(GRAPH)]
    rng = random.Random(7)
    for _ in range(20):
        shuffled = GRAPH[:]
        rng.shuffle(shuffled)
        assert [r.name for r in deterministic_order(shuffled)] == expected
    assert expected == ["c-free", "e-free", "z-component", "a-child", "b-child", "d-uses"]


def test_a_cycle_keeps_every_resource() -> None:
    cycle = [_r("x", deps=["y"]), _r("y", deps=["x"]), _r("w")]
    assert [r.name for r in deterministic_order(cycle)] == ["w", "x", "y"]
