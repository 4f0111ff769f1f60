"""`make bench`: the preflight's performance figures in one run on one machine, with ratios and targets.

Every compared pair is measured in turn (A B A B ..., `--repeats` rounds): each figure is the minimum of
its runs, printed with its median and maximum, so load on a shared machine falls on both sides alike.
(1) dev stack: the full preflight (both packs with the stack's configs, as `make preflight`) against the
program alone under the same offline engine (the floor) and against the program under `set_mocks` in one
interpreter (the in-process mode the engine replaced); memory of preflight + packs and of the program apart.
(2) `Analyze` per resource, the real pack against the no-rule floor pack. (3) an estate of N workspaces
(`bench/estate`): full against floor at each N, memory by side, growth t(50)/t(1). (4) import time.
Each run is a fresh process, as a user or CI runs the preflight. Prints PASS or MISS against each target of
docs/benchmarks.md; `--json FILE` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.proc import ProcRun, run_measured
from bench.stats import Spread, interleave, paired_ratios, spread, verdict

REPO = Path(__file__).resolve().parent.parent
ESTATE = REPO / "bench" / "estate"
PACKS = (REPO / "policypacks" / "aml-security", REPO / "policypacks" / "azure-deployability")
PACK_CONFIGS = ("policy-config", "deployability-config")  # stacks/<name>.<stack>.json, per pack above
GIB = 1024**3
MIB = 1024**2

ENGINE_RATIO_TARGET = 1.2
ANALYZE_RATIO_TARGET = 1.5
DEV_PREFLIGHT_TARGET_S = 5.0
ESTATE_TARGET_S = 60.0
ESTATE_TARGET_BYTES = 2 * GIB
GROWTH_TARGET = 50.0
MAX_WORKSPACES = 250  # bench/estate/__main__.py: one 10.<i>.0.0/22 per platform


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def pack_args(stack: str) -> list[str]:
    """The packs as `make preflight STACK=<stack>` passes them: those with a stack config first, paired."""
    paired, bare = [], []
    for pack, name in zip(PACKS, PACK_CONFIGS, strict=True):
        config = REPO / "stacks" / f"{name}.{stack}.json"
        if config.is_file():
            paired += ["--policy-pack", str(pack), "--policy-pack-config", str(config)]
        else:
            bare += ["--policy-pack", str(pack)]
    return paired + bare


def _fail(what: str, run: ProcRun) -> SystemExit:
    return SystemExit(f"{what} failed ({run.code}):\n{run.stderr[-4000:]}")


def full_preflight(stack: str, cwd: Path, packs: list[str], env: dict[str, str]) -> tuple[ProcRun, int]:
    """`python -m preflight` with both packs, plan to a temporary file; the run and its resource count."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan.json"
        argv = [sys.executable, "-m", "preflight", "--stack", stack, "--cwd", str(cwd), *packs]
        run = run_measured([*argv, "--format", "json", "-o", str(out)], cwd=REPO, env=env)
        if run.code not in (0, 1):
            raise _fail(f"preflight --stack {stack}", run)
        if run.program_peak == 0:
            raise SystemExit(
                "preflight ran no program process: the program did not run under the offline engine"
            )
        return run, len(json.loads(out.read_text())["resources"])


def measure(what: str, *args: str, env: dict[str, str] | None = None) -> tuple[ProcRun, dict[str, Any]]:
    """`python -m bench.measure <what>` in a fresh interpreter; the run and its JSON line."""
    run = run_measured([sys.executable, "-m", "bench.measure", what, *args], cwd=REPO, env=env or _env())
    if run.code != 0:
        raise _fail(f"bench.measure {what}", run)
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return run, result


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem / GIB, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_average": os.getloadavg(),
    }


def _mib(n: float) -> str:
    return f"{n / MIB:,.0f} MiB"


def _mem_spread(runs: Sequence[ProcRun], attr: str) -> Spread:
    return spread([float(getattr(r, attr)) for r in runs])


def cpu_split(full: Sequence[ProcRun], floor: Sequence[ProcRun]) -> tuple[str, dict[str, dict[str, float]]]:
    """CPU seconds by side in the fastest full and the fastest floor run: where the extra time goes."""
    f, g = min(full, key=lambda r: r.seconds), min(floor, key=lambda r: r.seconds)
    text = (
        f"CPU s (fastest runs): full = preflight {f.cpu['preflight']:.1f} + packs {f.cpu['packs']:.1f} + "
        f"program {f.cpu['program']:.1f} = {sum(f.cpu.values()):.1f}; floor = engine {g.cpu['preflight']:.1f} + "
        f"program {g.cpu['program']:.1f} = {sum(g.cpu.values()):.1f}"
    )
    return text, {"full": f.cpu, "floor": g.cpu}


class Targets:
    """The targets met and missed, in the order printed."""

    def __init__(self) -> None:
        self.results: list[tuple[str, bool]] = []

    def check(self, name: str, ok: bool) -> str:
        """Record one target; its verdict."""
        self.results.append((name, ok))
        return verdict(ok)


def _sides(
    rounds: int, sides: dict[str, Callable[[], tuple[ProcRun, int]]], label: str
) -> dict[str, list[tuple[ProcRun, int]]]:
    """The sides in turn; each run's time on stderr as it ends (a long run shows it is alive)."""

    def logged(name: str, run: Callable[[], tuple[ProcRun, int]]) -> Callable[[], tuple[ProcRun, int]]:
        def go() -> tuple[ProcRun, int]:
            result = run()
            print(f"  bench: {label} {name} {result[0].seconds:.2f} s", file=sys.stderr, flush=True)
            return result

        return go

    return interleave({name: logged(name, run) for name, run in sides.items()}, rounds)


def bench_dev(rounds: int, env: dict[str, str], targets: Targets) -> dict[str, Any]:
    """(1) the dev stack: full preflight, engine floor, in-process program, in turn."""
    packs = pack_args("dev")

    def floor() -> tuple[ProcRun, int]:
        run, out = measure("engine", "--stack", "dev", env=env)
        return run, int(out["resources"])

    def inprocess() -> tuple[ProcRun, int]:
        run, out = measure("inprocess", "--stack", "dev", env=env)
        return run, int(out["resources"])

    runs = _sides(
        rounds,
        {"full": lambda: full_preflight("dev", REPO, packs, env), "floor": floor, "inprocess": inprocess},
        "dev",
    )
    t = {k: spread([r.seconds for r, _ in v]) for k, v in runs.items()}
    resources = runs["full"][0][1]
    counts = {k: {n for _, n in v} for k, v in runs.items()}
    if counts["floor"] != {resources} or counts["inprocess"] != {resources}:
        raise SystemExit(f"the dev runs registered different resource counts: {counts}")
    full_runs = [r for r, _ in runs["full"]]
    floor_runs = [r for r, _ in runs["floor"]]
    ratio_floor = t["full"].min / t["floor"].min
    ratio_inproc = t["full"].min / t["inprocess"].min
    per_round = paired_ratios(t["full"].values, t["floor"].values)
    own, program = _mem_spread(full_runs, "own_peak"), _mem_spread(full_runs, "program_peak")
    floor_program = _mem_spread(floor_runs, "program_peak")

    print(f"(1) dev stack ({resources} resources), {rounds} rounds full / floor / in-process in turn")
    print(f"    full preflight (engine, both packs, stack configs)  {t['full'].describe()}")
    print(f"    floor: the program alone under the engine          {t['floor'].describe()}")
    print(f"    in-process: the program under set_mocks            {t['inprocess'].describe()}")
    print(
        f"    full / floor        {ratio_floor:5.2f}x  (per round {per_round.describe('x')})   "
        f"target <= {ENGINE_RATIO_TARGET}x  {targets.check('dev full/floor', ratio_floor <= ENGINE_RATIO_TARGET)}"
    )
    print(f"    full / in-process   {ratio_inproc:5.2f}x")
    print(f"    floor / in-process  {t['floor'].min / t['inprocess'].min:5.2f}x")
    print(
        f"    full preflight wall {t['full'].min:.2f} s   target < {DEV_PREFLIGHT_TARGET_S:.0f} s  "
        f"{targets.check('dev wall', t['full'].min < DEV_PREFLIGHT_TARGET_S)}"
    )
    print(
        f"    peak memory (full run): preflight + packs {_mib(own.min)} (max {_mib(own.max)}); "
        f"program {_mib(program.min)} (max {_mib(program.max)}); program under the floor "
        f"{_mib(floor_program.min)}"
    )
    cpu_text, cpu = cpu_split(full_runs, floor_runs)
    print(f"    {cpu_text}")
    print()
    return {
        "resources": resources,
        "rounds": rounds,
        "seconds": {k: v.as_json() for k, v in t.items()},
        "full_over_floor": ratio_floor,
        "full_over_floor_per_round": per_round.as_json(),
        "full_over_inprocess": ratio_inproc,
        "cpu_s": cpu,
        "floor_over_inprocess": t["floor"].min / t["inprocess"].min,
        "memory_bytes": {
            "preflight_and_packs": own.as_json(),
            "program": program.as_json(),
            "floor_program": floor_program.as_json(),
        },
    }


def bench_analyze(rounds: int, env: dict[str, str], targets: Targets) -> dict[str, Any]:
    """(2) Analyze per resource: the real pack and the no-rule floor pack in turn."""
    config = REPO / "stacks" / "policy-config.dev.json"
    _, out = measure(
        "analyze", "--stack", "dev", "--rounds", str(rounds), "--pack-config", str(config), env=env
    )
    full, floor = spread(out["full"]["serial_s"]), spread(out["floor"]["serial_s"])
    ratio = full.min / floor.min
    per_round = paired_ratios(full.values, floor.values)
    print(f"(2) Analyze per resource ({out['resources']} dev resources, {rounds} passes per pack in turn)")
    print(f"    aml-security ({out['full']['policies']} policies)   {full.describe('ms', 1e3)}")
    print(f"    no-rule floor ({out['floor']['policies']} policy)    {floor.describe('ms', 1e3)}")
    print(
        f"    full / floor  {ratio:5.2f}x  (per round {per_round.describe('x')})   "
        f"target <= {ANALYZE_RATIO_TARGET}x  {targets.check('Analyze ratio', ratio <= ANALYZE_RATIO_TARGET)}"
    )
    print()
    return {
        "resources": out["resources"],
        "policies": {"full": out["full"]["policies"], "floor": out["floor"]["policies"]},
        "seconds_per_resource": {"full": full.as_json(), "floor": floor.as_json()},
        "ratio": ratio,
        "ratio_per_round": per_round.as_json(),
    }


def bench_estate(
    sizes: Sequence[int], rounds_for: Callable[[int], int], env: dict[str, str], targets: Targets
) -> dict[str, Any]:
    """(3) the estate at each size: full preflight and engine floor in turn."""
    packs = [a for p in PACKS for a in ("--policy-pack", str(p))]
    rows: dict[int, dict[str, Any]] = {}
    print("(3) estate of N workspaces through the real components (both packs, full and floor in turn)")
    print("      N  resources  rounds   full s  floor s  full/floor   preflight+packs   program (SDK)")
    for n in sizes:
        size_env = {**env, "BENCH_WORKSPACES": str(n)}

        def floor(size_env: dict[str, str] = size_env) -> tuple[ProcRun, int]:
            run, out = measure("engine", "--stack", "bench", "--cwd", str(ESTATE), env=size_env)
            return run, int(out["resources"])

        def full(size_env: dict[str, str] = size_env) -> tuple[ProcRun, int]:
            return full_preflight("bench", ESTATE, packs, size_env)

        rounds = rounds_for(n)
        runs = _sides(rounds, {"full": full, "floor": floor}, f"N={n}")
        t_full = spread([r.seconds for r, _ in runs["full"]])
        t_floor = spread([r.seconds for r, _ in runs["floor"]])
        full_runs = [r for r, _ in runs["full"]]
        own, program = _mem_spread(full_runs, "own_peak"), _mem_spread(full_runs, "program_peak")
        resources = runs["full"][0][1]
        rows[n] = {
            "resources": resources,
            "rounds": rounds,
            "seconds": {"full": t_full.as_json(), "floor": t_floor.as_json()},
            "full_over_floor": t_full.min / t_floor.min,
            "full_over_floor_per_round": paired_ratios(t_full.values, t_floor.values).as_json(),
            "memory_bytes": {"preflight_and_packs": own.as_json(), "program": program.as_json()},
            "cpu_s": cpu_split(full_runs, [r for r, _ in runs["floor"]])[1],
            "_own": own,
            "_cpu": cpu_split(full_runs, [r for r, _ in runs["floor"]])[0],
        }
        print(
            f"    {n:3d}  {resources:9d}  {rounds:6d}  {t_full.min:7.2f}  {t_floor.min:7.2f}  "
            f"{t_full.min / t_floor.min:9.2f}x  {_mib(own.max):>16}  {_mib(program.max):>14}"
        )
    for n, row in rows.items():
        s = row["seconds"]
        print(
            f"    N={n}: full {s['full']['min']:.2f} s (median {s['full']['median']:.2f}, max {s['full']['max']:.2f}); "
            f"floor {s['floor']['min']:.2f} s (median {s['floor']['median']:.2f}, max {s['floor']['max']:.2f}); "
            f"full/floor per round {paired_ratios_text(row)}"
        )
        print(f"      {row['_cpu']}")
    print(
        "    (memory: the largest peak over the rounds; the preflight's own side is what the target bounds)"
    )
    out: dict[str, Any] = {
        str(n): {k: v for k, v in row.items() if not k.startswith("_")} for n, row in rows.items()
    }
    if 1 in rows and 50 in rows:
        growth = rows[50]["seconds"]["full"]["min"] / rows[1]["seconds"]["full"]["min"]
        out["growth_50_over_1"] = growth
        print(
            f"    t(50)/t(1) = {growth:5.2f} (full)   target <= {GROWTH_TARGET:.0f} (linear)  "
            f"{targets.check('growth', growth <= GROWTH_TARGET)}"
        )
        if 10 in rows:
            # The marginal cost per resource, so a fixed start-up cost cannot hide super-linear growth.
            t = {n: rows[n]["seconds"]["full"]["min"] for n in (1, 10, 50)}
            c = {n: rows[n]["resources"] for n in (1, 10, 50)}
            low = (t[10] - t[1]) / (c[10] - c[1])
            high = (t[50] - t[10]) / (c[50] - c[10])
            out["marginal_ms_per_resource"] = {"1-10": low * 1e3, "10-50": high * 1e3}
            print(
                f"    marginal cost per resource (full): N 1-10 {low * 1e3:.2f} ms, N 10-50 {high * 1e3:.2f} ms "
                f"({high / low:.2f}x)"
            )
    if 50 in rows:
        big = rows[50]
        r = big["full_over_floor"]
        full_s = big["seconds"]["full"]["min"]
        own_max = big["_own"].max
        print(
            f"    N=50 full / floor {r:.2f}x  target <= {ENGINE_RATIO_TARGET}x  "
            f"{targets.check('N=50 full/floor', r <= ENGINE_RATIO_TARGET)}"
        )
        print(
            f"    N=50 preflight + packs peak {_mib(own_max)}  target < 2 GiB  "
            f"{targets.check('N=50 memory', own_max < ESTATE_TARGET_BYTES)}"
        )
        print(
            f"    N=50 full preflight wall {full_s:.1f} s  target < {ESTATE_TARGET_S:.0f} s  "
            f"{targets.check('N=50 wall', full_s < ESTATE_TARGET_S)}"
        )
    print()
    return out


def paired_ratios_text(row: dict[str, Any]) -> str:
    """min / median / max of the per-round full/floor ratios of one estate row."""
    p = row["full_over_floor_per_round"]
    return f"{p['min']:.2f}x / {p['median']:.2f}x / {p['max']:.2f}x"


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the figures with their targets, optionally write them as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--sizes", default="1,10,50", help="estate sizes in workspaces (default 1,10,50)")
    parser.add_argument(
        "--repeats", type=int, default=5, help="interleaved rounds of every comparison (default 5)"
    )
    parser.add_argument(
        "--large-repeats",
        type=int,
        default=2,
        help="rounds for estate sizes of 50 and more (default 2: a round is two runs of 6,650 resources)",
    )
    parser.add_argument("--quick", action="store_true", help="3 rounds, estate sizes 1 and 10 only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.large_repeats, args.sizes = 3, 3, "1,10"
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        parser.error(f"--sizes: {args.sizes!r} is not a list of integers; allowed: e.g. 1,10,50")
    for flag, value in (("--repeats", args.repeats), ("--large-repeats", args.large_repeats)):
        if value < 1:
            parser.error(f"{flag}: {value} is out of range; allowed: 1 or more")
    for n in sizes:
        if not 1 <= n <= MAX_WORKSPACES:
            parser.error(f"--sizes: {n} is out of range; allowed: 1 to {MAX_WORKSPACES} (bench/estate)")
    started = time.perf_counter()
    env = _env()
    figures: dict[str, Any] = {"machine": machine()}
    m = figures["machine"]
    load = ", ".join(f"{x:.2f}" for x in m["load_average"])
    print(f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}; load {load}")
    print("Each figure: the minimum of its rounds (median, max); compared sides run in turn, A B A B ...")
    print()
    targets = Targets()
    figures["dev"] = bench_dev(args.repeats, env, targets)
    figures["analyze"] = bench_analyze(args.repeats, env, targets)
    figures["estate"] = bench_estate(
        sizes, lambda n: args.large_repeats if n >= 50 else args.repeats, env, targets
    )
    imports = [measure("import", env=env)[1]["import_s"] for _ in range(args.repeats)]
    figures["import_s"] = spread(imports).as_json()
    print(
        f"(4) program import time (pulumi, azure-native submodules, components)  {spread(imports).describe()}"
    )
    print()
    met = sum(ok for _, ok in targets.results)
    figures["targets"] = {name: ok for name, ok in targets.results}
    elapsed = time.perf_counter() - started
    figures["duration_s"] = elapsed
    figures["load_average_end"] = os.getloadavg()
    end = ", ".join(f"{x:.2f}" for x in figures["load_average_end"])
    print(
        f"Targets: {met} of {len(targets.results)} met. Duration {elapsed / 60:.1f} min; load at the end {end}."
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
