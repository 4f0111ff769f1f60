"""The benchmark estate's template is a valid stack configuration (`make bench` builds N platforms from it),
and the interleaving and minimum/spread helpers every figure goes through."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bench.proc import ProcRun
from bench.run import cpu_split, pack_args
from bench.stats import Spread, interleave, paired_ratios, ratio, spread
from components import load_settings

STACK = Path(__file__).resolve().parents[1] / "bench" / "estate" / "stacks" / "Pulumi.bench.yaml"


def test_bench_template_passes_settings_validation() -> None:
    """The template, with the first platform's prefix and /22 (bench/estate/__main__.py), loads cleanly."""
    config = yaml.safe_load(STACK.read_text())["config"]
    template = {
        **config["aml-bench-estate:template"],
        "prefix": "w001",
        "vnetAddressSpace": ["10.1.0.0/22"],
        "privateEndpointSubnetPrefix": "10.1.0.0/24",
    }
    settings = load_settings(template, config["azure-native:location"])
    assert settings.prefix == "w001" and not settings.service_side_cmk


def test_interleave_runs_the_sides_in_turn_each_round() -> None:
    """A B A B ...: both sides of a comparison see the same stretch of load (docs/benchmarks.md)."""
    calls: list[str] = []

    def side(name: str) -> Callable[[], str]:
        def run() -> str:
            calls.append(name)
            return f"{name}{len(calls)}"

        return run

    results = interleave({"full": side("full"), "floor": side("floor")}, 3)
    assert calls == ["full", "floor"] * 3
    assert results == {"full": ["full1", "full3", "full5"], "floor": ["floor2", "floor4", "floor6"]}
    with pytest.raises(ValueError, match=r"rounds: 0 is out of range; allowed: 1 or more"):
        interleave({"full": side("full")}, 0)


def test_spread_reports_the_minimum_with_median_and_max() -> None:
    """The figure is the least disturbed run; the spread says how much the load moved the others."""
    s = Spread((5.1, 4.39, 4.52, 6.0))
    assert (s.min, s.median, s.max) == (4.39, (4.52 + 5.1) / 2, 6.0)
    assert s.describe() == "4.39 s (median 4.81, max 6.00, n=4)"
    assert s.describe("ms", 1e3, 1) == "4390.0 ms (median 4810.0, max 6000.0, n=4)"
    assert Spread((2.0,)).describe("x") == "2.00x (n=1)"
    assert Spread((1.25, 1.5)).describe("x") == "1.25x (median 1.38, max 1.50, n=2)"
    assert s.as_json() == {"min": 4.39, "median": pytest.approx(4.81), "max": 6.0, "n": 4}
    with pytest.raises(ValueError, match="values: no measurements"):
        Spread(())


def test_paired_ratios_divide_round_by_round() -> None:
    """Each round's full/floor ratio pairs runs made back to back; unequal rounds are refused."""
    p = paired_ratios([6.0, 9.0, 5.0], [5.0, 6.0, 5.0])
    assert p.values == (1.2, 1.5, 1.0)
    assert ratio(spread([6.0, 5.5]), spread([5.0, 4.4])) == 5.5 / 4.4
    with pytest.raises(ValueError, match="rounds: 2 against 1; allowed: the same number"):
        paired_ratios([1.0, 2.0], [1.0])


def test_pack_args_pair_each_pack_with_its_stack_config_as_make_preflight() -> None:
    """Packs with a stacks/<name>.<stack>.json come first, each followed by its config (Makefile PACK_ARGS)."""
    repo = Path(__file__).resolve().parents[1]
    assert pack_args("dev") == [
        "--policy-pack",
        str(repo / "policypacks" / "aml-security"),
        "--policy-pack-config",
        str(repo / "stacks" / "policy-config.dev.json"),
        "--policy-pack",
        str(repo / "policypacks" / "azure-deployability"),
        "--policy-pack-config",
        str(repo / "stacks" / "deployability-config.dev.json"),
    ]
    assert pack_args("no-such-stack") == [
        "--policy-pack",
        str(repo / "policypacks" / "aml-security"),
        "--policy-pack",
        str(repo / "policypacks" / "azure-deployability"),
    ]


def test_cpu_split_reads_the_fastest_run_of_each_side() -> None:
    """The CPU breakdown explains the figure printed, so it comes from the minimum-time runs."""

    def run(seconds: float, preflight: float, packs: float, program: float) -> ProcRun:
        cpu = {"preflight": preflight, "packs": packs, "program": program}
        return ProcRun(0, seconds, 0, 0, 0, "", "", cpu)

    text, cpu = cpu_split(
        [run(9.0, 9, 9, 9), run(5.0, 3.8, 0.5, 5.2)], [run(4.0, 3.6, 0, 4.5), run(6.0, 1, 0, 1)]
    )
    assert cpu["full"]["preflight"] == 3.8 and cpu["floor"]["program"] == 4.5
    assert text == (
        "CPU s (fastest runs): full = preflight 3.8 + packs 0.5 + program 5.2 = 9.5; "
        "floor = engine 3.6 + program 4.5 = 8.1"
    )
