"""Interleaved measurement: run the compared sides in turn (A B A B ...) and keep each side's minimum.

On a shared machine the load comes and goes; measured in turn, both sides of a comparison see the same
load, and the minimum of several runs is the figure least disturbed by it. The spread (min, median, max)
is printed with every figure so a reader sees how much the load moved it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Spread:
    """Several measurements of one figure: the minimum is the figure, median and maximum its spread."""

    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("values: no measurements; allowed: one or more")

    @property
    def min(self) -> float:
        """The figure: the run least disturbed by other load."""
        return min(self.values)

    @property
    def median(self) -> float:
        """The middle run."""
        return statistics.median(self.values)

    @property
    def max(self) -> float:
        """The most disturbed run."""
        return max(self.values)

    def describe(self, unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
        """`4.39 s (median 4.52, max 5.10, n=5)` (a ratio: `1.20x (...)`): the minimum, then its spread."""
        f = f"{{:.{digits}f}}"
        sep = "" if unit == "x" else " "
        head = f"{f.format(self.min * scale)}{sep}{unit}".rstrip()
        if len(self.values) == 1:
            return f"{head} (n=1)"
        return f"{head} (median {f.format(self.median * scale)}, max {f.format(self.max * scale)}, n={len(self.values)})"

    def as_json(self) -> dict[str, float | int]:
        """min / median / max / n, for `--json`."""
        return {"min": self.min, "median": self.median, "max": self.max, "n": len(self.values)}


def interleave(sides: Mapping[str, Callable[[], T]], rounds: int) -> dict[str, list[T]]:
    """Run every side once per round, in the mapping's order (A B A B ...); each side's results in order.

    A side that raises stops the measurement: a failed run has no time to compare.
    """
    if rounds < 1:
        raise ValueError(f"rounds: {rounds} is out of range; allowed: 1 or more")
    results: dict[str, list[T]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, run in sides.items():
            results[name].append(run())
    return results


def spread(values: Sequence[float]) -> Spread:
    """The Spread of these measurements."""
    return Spread(tuple(values))


def ratio(numerator: Spread, denominator: Spread) -> float:
    """Minimum over minimum: the two figures least disturbed by the load."""
    return numerator.min / denominator.min


def paired_ratios(numerator: Sequence[float], denominator: Sequence[float]) -> Spread:
    """Per round, numerator / denominator (the pair ran back to back, under about the same load)."""
    if len(numerator) != len(denominator):
        raise ValueError(f"rounds: {len(numerator)} against {len(denominator)}; allowed: the same number")
    return Spread(tuple(a / b for a, b in zip(numerator, denominator, strict=True)))


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"
