"""Run one process, time it, and sample the memory of its process tree split by role.

Under the offline engine the program is a child of the preflight: the program's process tree holds the
Pulumi SDK's memory (as under `pulumi preview`), the preflight process and its policy packs hold ours.
The sampler reads `/proc` every 20 ms and keeps the peak of each side and of their sum.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _tree_rss(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss(p)
        todo += _children(p)
    return total


def _is_pack(pid: int, cache: dict[int, bool]) -> bool:
    if pid not in cache:
        try:
            cache[pid] = PACK_MARKER in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return False
    return cache[pid]


def split_rss(root: int, packs: dict[int, bool]) -> tuple[int, int]:
    """(the process and its policy packs, every other child tree) resident bytes, now."""
    own, program = _rss(root), 0
    for child in _children(root):
        size = _tree_rss(child)
        if _is_pack(child, packs):
            own += size
        else:
            program += size
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

    def sample() -> None:
        while not done.is_set():
            own, program = split_rss(proc.pid, packs)
            peaks[0], peaks[1] = max(peaks[0], own), max(peaks[1], program)
            peaks[2] = max(peaks[2], own + program)
            done.wait(interval)

    sampler = threading.Thread(target=sample, name="bench-sampler", daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return ProcRun(
        proc.returncode,
        seconds,
        peaks[0],
        peaks[1],
        peaks[2],
        stdout.decode(errors="replace"),
        stderr.decode(errors="replace"),
    )
