"""The program under `set_mocks` in this interpreter: how the preflight ran programs before the offline engine.

Kept in the benchmark so the engine's figures can still be compared with the in-process ones after the
preflight itself only runs programs in their own runtime. Same emulator and recording monitor as the engine,
same raised full-collection threshold the in-process mode used, one monitor worker (the in-process order).
"""

from __future__ import annotations

import asyncio
import gc
import os
import runpy
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pulumi
import pulumi.runtime
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from preflight.emulator import AzureEmulator, EmulatorSettings
from preflight.model import RecordedResource
from preflight.program import RecordingMonitor

# The in-process mode's generation-2 threshold while the program ran (preflight/program.py before the engine).
FULL_COLLECTION_THRESHOLD = 1000


class InProcessError(RuntimeError):
    """The program raised or the emulator refused a registration."""


def run_in_process(
    project_dir: Path,
    main: str | None,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: list[str],
    emulator: EmulatorSettings,
) -> list[RecordedResource]:
    """Run the project's program (preview mode) under mocks and return the resources it registered."""
    entry = project_dir / (main or ".")
    if entry.is_dir():
        entry = entry / "__main__.py"
    emulator.preview = True
    emulator.project, emulator.stack = project, stack
    mocks = AzureEmulator(emulator)
    monitor = RecordingMonitor(mocks, project, stack)
    loop = asyncio.new_event_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-monitor"))
    asyncio.set_event_loop(loop)
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config), list(secret_keys))
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=True, monitor=monitor)
    old_cwd, old_path, threshold = os.getcwd(), list(sys.path), gc.get_threshold()
    os.chdir(project_dir)
    sys.path.insert(0, str(project_dir))
    gc.set_threshold(threshold[0], threshold[1], max(threshold[2], FULL_COLLECTION_THRESHOLD))

    def program() -> None:
        runpy.run_path(str(entry), run_name="__main__")

    try:
        _sync_await(run_pulumi_func(program))
    finally:
        gc.set_threshold(*threshold)
        os.chdir(old_cwd)
        sys.path[:] = old_path
        loop.run_until_complete(loop.shutdown_default_executor())
        asyncio.set_event_loop(None)
        loop.close()
    if mocks.errors:
        raise InProcessError(mocks.errors[0])
    return monitor.recorded
