"""Run one process, time it, and sample the memory of its process tree split by role.

Under the offline engine the program is a child of the preflight: the program's process tree holds the
Pulumi SDK's memory (as under `pulumi preview`), the preflight process and its policy packs hold ours.
The sampler reads `/proc` every 20 ms and keeps the peak of each side and of their sum, and each process's
CPU time as last seen (a process's final 20 ms can be missed).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PACK_MARKER = "pulumi.policy"
"""In a policy pack's command line (`python -m pulumi.policy ENGINE PACK`), as preflight starts them."""
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class ProcRun:
    """One measured process: exit status, wall seconds, peak memory per side, what it printed."""

    code: int
    seconds: float
    own_peak: int
    """Largest RSS of the measured process plus its policy packs (and their children), in bytes."""
    program_peak: int
    """Largest RSS of every other child tree: the program under the engine (the SDK's memory)."""
    total_peak: int
    """Largest sum of both at one sample."""
    stdout: str
    stderr: str
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds (user + system) by side: `preflight` (the measured process), `packs`, `program`."""


def _children(pid: int) -> list[int]:
    """Direct children of a process, from every thread's `/proc/<pid>/task/<tid>/children`."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        with contextlib.suppress(OSError):
            out += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
    return out


def _cpu_ticks(pid: int) -> int:
    """utime + stime of a process so far, in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # stat fields 14 and 15 (utime, stime)
    except (OSError, IndexError, ValueError):
        return 0


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _is_pack(pid: int, cache: dict[int, bool]) -> bool:
    if pid not in cache:
        try:
            cache[pid] = PACK_MARKER in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return False
    return cache[pid]


def split_rss(
    root: int, packs: dict[int, bool], cpu: dict[int, tuple[str, int]] | None = None
) -> tuple[int, int]:
    """(the process and its policy packs, every other child tree) resident bytes, now.

    With `cpu`, also records each process's CPU ticks so far under its side (preflight, packs, program).
    """
    own, program = _rss(root), 0
    if cpu is not None:
        cpu[root] = ("preflight", _cpu_ticks(root))
    for child in _children(root):
        side = "packs" if _is_pack(child, packs) else "program"
        for pid in _tree(child):
            size = _rss(pid)
            if side == "packs":
                own += size
            else:
                program += size
            if cpu is not None:
                cpu[pid] = (side, max(_cpu_ticks(pid), cpu.get(pid, ("", 0))[1]))
    return own, program


def run_measured(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], interval: float = 0.02
) -> ProcRun:
    """Run `argv` to completion, timing it and sampling its tree's memory by side."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    peaks = [0, 0, 0]
    done = threading.Event()
    packs: dict[int, bool] = {}
    ticks: dict[int, tuple[str, int]] = {}

    def sample() -> None:
        while not done.is_set():
            own, program = split_rss(proc.pid, packs, ticks)
            peaks[0], peaks[1] = max(peaks[0], own), max(peaks[1], program)
            peaks[2] = max(peaks[2], own + program)
            done.wait(interval)

    sampler = threading.Thread(target=sample, name="bench-sampler", daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    hz = os.sysconf("SC_CLK_TCK")
    cpu = {"preflight": 0.0, "packs": 0.0, "program": 0.0}
    for side, n in ticks.values():
        cpu[side] += n / hz
    return ProcRun(
        proc.returncode,
        seconds,
        peaks[0],
        peaks[1],
        peaks[2],
        stdout.decode(errors="replace"),
        stderr.decode(errors="replace"),
        cpu,
    )
