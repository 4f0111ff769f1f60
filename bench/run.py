"""`make bench`: every preflight performance figure in one run on one machine, with ratios and targets.

(a) the dev program under mocks and the full dev preflight; (b) mean `Analyze` time per resource for the
real pack and for a no-rule pack (the protocol floor) and their ratio; (c) preflight wall time and peak memory
for an estate of N = 1, 10 and 50 workspaces (`bench/estate`) and t(50)/t(1) against 50; (d) the program's
import time. Each figure is measured in fresh processes, as a user or CI runs preflight. Prints PASS or MISS
against each target of docs/benchmarks.md; `--json FILE` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ESTATE = REPO / "bench" / "estate"
GIB = 1024**3

DEV_PREFLIGHT_TARGET_S = 5.0
ANALYZE_RATIO_TARGET = 1.5
ESTATE_TARGET_S = 60.0
ESTATE_TARGET_BYTES = 2 * GIB


@dataclass
class Run:
    """One preflight process: exit status, wall seconds, peak memory, resources in its plan."""

    code: int
    seconds: float
    tree_peak_bytes: int
    """Largest sum of RSS over preflight and its children (the policy pack), sampled every 20 ms."""
    max_rss_bytes: int
    """Largest single process (getrusage of preflight and the children it waited for)."""
    resources: int


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)  # fields[1]: ppid
        rss[pid] = int(fields[21]) * page  # fields[21]: rss in pages
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run_preflight(*args: str, env: dict[str, str] | None = None) -> Run:
    """Run `python -m preflight ... --format json` and measure it; the plan goes to a temporary file."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan.json"
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "preflight", *args, "--format", "json", "-o", str(out)],
            cwd=REPO,
            env=env or _env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(proc.pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode not in (0, 1):
            raise SystemExit(f"preflight {' '.join(args)} failed ({proc.returncode}):\n{stderr}")
        resources = len(json.loads(out.read_text())["resources"])
    return Run(proc.returncode, seconds, peak, usage.ru_maxrss * 1024, resources)


def measure(what: str, *args: str) -> dict[str, Any]:
    """`python -m bench.measure <what>` in a fresh interpreter; its JSON line."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.measure", what, *args],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"bench.measure {what} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
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
    }


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def _mib(n: int) -> str:
    return f"{n / 1024**2:,.0f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the figures with their targets, optionally write them as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--sizes", default="1,10,50", help="estate sizes in workspaces (default 1,10,50)")
    parser.add_argument("--repeats", type=int, default=3, help="dev runs and import timings (median)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    figures: dict[str, Any] = {"machine": machine()}
    m = figures["machine"]
    print(f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}")

    # (d) first: the cheapest, and a cold-ish cache afterwards would favour the others.
    imports = [measure("import")["import_s"] for _ in range(args.repeats)]
    figures["import_s"] = statistics.median(imports)

    # (a) dev: the program under mocks, then the whole preflight.
    programs = [measure("program", "--stack", "dev") for _ in range(args.repeats)]
    figures["dev_program_s"] = statistics.median(p["program_s"] for p in programs)
    dev_runs = [run_preflight("--stack", "dev") for _ in range(args.repeats)]
    dev = sorted(dev_runs, key=lambda r: r.seconds)[len(dev_runs) // 2]
    figures["dev_preflight_s"] = dev.seconds
    figures["dev_resources"] = dev.resources
    figures["dev_peak_bytes"] = dev.tree_peak_bytes

    # (b) Analyze per resource: the real pack against the no-rule floor, on the dev resources.
    analyze = measure("analyze", "--stack", "dev", "--repeats", "5")
    full, floor = analyze["full"], analyze["floor"]
    figures["analyze"] = analyze
    ratio = full["serial_s"] / floor["serial_s"]
    figures["analyze_ratio"] = ratio

    # (c) the estate at each size.
    estate: dict[int, Run] = {}
    for n in sizes:
        estate[n] = run_preflight("--stack", "bench", "--cwd", str(ESTATE), env=_env(BENCH_WORKSPACES=str(n)))
    figures["estate"] = {
        str(n): {
            "seconds": r.seconds,
            "resources": r.resources,
            "tree_peak_bytes": r.tree_peak_bytes,
            "max_rss_bytes": r.max_rss_bytes,
        }
        for n, r in estate.items()
    }

    print()
    print("(a) dev stack")
    print(f"    program under mocks (fresh process, imports included)  {figures['dev_program_s']:6.2f} s")
    ok_dev = dev.seconds < DEV_PREFLIGHT_TARGET_S
    print(
        f"    full preflight ({dev.resources} resources, wall)            {dev.seconds:6.2f} s   "
        f"target < {DEV_PREFLIGHT_TARGET_S:.0f} s  {verdict(ok_dev)}"
    )
    print(f"    peak memory (preflight + pack)                        {_mib(dev.tree_peak_bytes):>10}")
    print()
    print(f"(b) Analyze per resource ({analyze['resources']} dev resources x {analyze['repeats']}, median)")
    print(
        f"    full pack ({full['policies']} policies)   serial {full['serial_s'] * 1e3:6.2f} ms   "
        f"pipelined {full['pipelined_s'] * 1e3:6.2f} ms"
    )
    print(
        f"    no-rule floor ({floor['policies']} policy)  serial {floor['serial_s'] * 1e3:6.2f} ms   "
        f"pipelined {floor['pipelined_s'] * 1e3:6.2f} ms"
    )
    ok_ratio = ratio <= ANALYZE_RATIO_TARGET
    print(
        f"    ratio full / floor (serial)  {ratio:5.2f}x   target <= {ANALYZE_RATIO_TARGET}x  {verdict(ok_ratio)}"
    )
    print(f"    ratio full / floor (pipelined) {full['pipelined_s'] / floor['pipelined_s']:5.2f}x")
    print()
    print("(c) estate: N workspaces through the real components")
    print("      N  resources    wall s   ms/resource   peak (tree)   largest process")
    for n, r in estate.items():
        print(
            f"    {n:3d}  {r.resources:9d}  {r.seconds:8.2f}  {r.seconds / r.resources * 1e3:12.2f}  "
            f"{_mib(r.tree_peak_bytes):>12}  {_mib(r.max_rss_bytes):>16}"
        )
    verdicts = [ok_dev, ok_ratio]
    if 1 in estate and 50 in estate:
        growth = estate[50].seconds / estate[1].seconds
        ok_growth = growth <= 50
        figures["growth_50_over_1"] = growth
        print(f"    t(50)/t(1) = {growth:5.2f}   target <= 50 (linear)  {verdict(ok_growth)}")
        if 10 in estate:
            # The marginal cost per resource, so a fixed start-up cost cannot hide super-linear growth.
            low = (estate[10].seconds - estate[1].seconds) / (estate[10].resources - estate[1].resources)
            high = (estate[50].seconds - estate[10].seconds) / (estate[50].resources - estate[10].resources)
            figures["marginal_ms_per_resource"] = {"1-10": low * 1e3, "10-50": high * 1e3}
            print(
                f"    marginal cost per resource: N 1-10 {low * 1e3:.2f} ms, N 10-50 {high * 1e3:.2f} ms "
                f"({high / low:.2f}x)"
            )
        big = estate[50]
        ok_time = big.seconds < ESTATE_TARGET_S
        ok_mem = big.tree_peak_bytes < ESTATE_TARGET_BYTES
        print(
            f"    N=50 ({big.resources} resources): {big.seconds:.1f} s  target < {ESTATE_TARGET_S:.0f} s  "
            f"{verdict(ok_time)};  {_mib(big.tree_peak_bytes)}  target < 2 GiB  {verdict(ok_mem)}"
        )
        verdicts += [ok_growth, ok_time, ok_mem]
    print()
    print(
        f"(d) program import time (pulumi, azure-native submodules, components)  {figures['import_s']:.2f} s"
    )
    print()
    print(f"Targets: {sum(verdicts)} of {len(verdicts)} met.")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
