"""The stack's program under `pulumi.runtime.set_mocks` in this interpreter: the benchmark's in-process figure.

The preflight itself runs programs only on its offline engine (`preflight.engine.run_engine`); this runner,
the preflight's former in-process mode, stays for `bench/measure.py`, which compares against it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import runpy
import sys
import sysconfig
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
from google.protobuf import json_format
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from preflight.emulator import AzureEmulator, EmulatorError, EmulatorSettings
from preflight.program import (
    ProgramConfigurationError,
    ProgramError,
    Recording,
    RecordingMonitor,
    deterministic_order,
    sorted_keys,
)

FULL_COLLECTION_THRESHOLD = 1000
"""Full (generation 2) collections after this many generation-1 collections instead of 10 (as the exec host)."""


def _is_settings_error(exc: BaseException) -> bool:
    return any(cls.__name__ == "SettingsError" for cls in type(exc).__mro__)


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        level = {logging.ERROR: "error", logging.WARNING: "warning", logging.INFO: "info"}.get(
            record.levelno, "debug"
        )
        self.records.append((level, record.getMessage()))


@contextmanager
def _fewer_full_collections() -> Iterator[None]:
    """Raise the generation-2 GC threshold for the duration of a program run; restore it afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], max(before[2], FULL_COLLECTION_THRESHOLD))
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def _project_context(project_dir: Path) -> Iterator[None]:
    """Run with the project as working directory and first on sys.path, as the language host does."""
    old_cwd = os.getcwd()
    old_path = list(sys.path)
    os.chdir(project_dir)
    sys.path.insert(0, str(project_dir))
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path


def run(
    func: Callable[[], Any],
    *,
    project: str,
    stack: str,
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    preview: bool = True,
    emulator: EmulatorSettings | None = None,
) -> Recording:
    """Run `func` (a whole program or a few resource constructors) under the emulator and record it."""
    emu_settings = emulator or EmulatorSettings()
    emu_settings.preview = preview
    emu_settings.project, emu_settings.stack = project, stack
    mocks = AzureEmulator(emu_settings)
    monitor = RecordingMonitor(mocks, project, stack)
    collector = _LogCollector()
    logger = logging.getLogger(f"preflight.program.{id(monitor)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(collector)

    loop = asyncio.new_event_loop()
    # One worker: registrations reach the monitor in a deterministic order.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1, thread_name_prefix="preflight-monitor"))
    asyncio.set_event_loop(loop)
    settings.ROOT.set(None)
    # Output tasks left by an earlier run in this process belong to its (closed) event loop.
    settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys or []))
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=preview, logger=logger, monitor=monitor
    )
    root = settings.get_root_resource()
    error: BaseException | None = None
    try:
        with _fewer_full_collections():
            _sync_await(run_pulumi_func(func))
    except EmulatorError as exc:
        error = exc
    except Exception as exc:
        error = exc
    outputs: dict[str, Any] = {}
    if error is None and root is not None:
        try:
            outputs = dict(_sync_await(rpc.serialize_properties(getattr(root, "outputs", {}), {})))
            outputs = sorted_keys(json_format.MessageToDict(_to_struct(outputs)))
        except Exception as exc:
            error = exc
    loop.run_until_complete(loop.shutdown_default_executor())
    asyncio.set_event_loop(None)
    loop.close()
    logger.removeHandler(collector)

    if mocks.errors:
        raise ProgramError(mocks.errors[0])
    if error is not None and _is_settings_error(error):
        frames = _program_frames(error)
        where = f"\n  at {_shown_path(frames[0].filename)}:{frames[0].lineno}" if frames else ""
        raise ProgramConfigurationError(f"{error}{where}")
    if error is not None:
        raise ProgramError(_describe(error))
    errors = [m for level, m in collector.records if level == "error"]
    if errors:
        raise ProgramError("the program logged an error: " + errors[0])
    return Recording(
        project=project,
        stack=stack,
        mode="preview" if preview else "up",
        root_urn=monitor.root_urn,
        resources=deterministic_order(monitor.recorded),
        outputs=outputs,
        logs=collector.records,
    )


def _to_struct(d: dict[str, Any]) -> Any:
    from google.protobuf import struct_pb2

    s = struct_pb2.Struct()
    s.update(d)
    return s


def _program_frames(exc: BaseException) -> list[traceback.FrameSummary]:
    """The traceback's frames in program code (not the runtime's, the standard library's or packages')."""
    own = (str(Path(__file__).resolve().parent.parent / "preflight"), str(Path(__file__).resolve()))
    stdlib = sysconfig.get_paths()["stdlib"]
    return [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename and not f.filename.startswith(("<", *own, stdlib)) and "site-packages" not in f.filename
    ]


def _shown_path(filename: str) -> str:
    """A program file relative to the working directory (the project) when it is inside it."""
    path, cwd = Path(filename).absolute(), Path.cwd()
    for file, base in ((path, cwd), (path.resolve(), cwd.resolve())):
        if file.is_relative_to(base):
            return str(file.relative_to(base))
    return filename


def _describe(exc: BaseException) -> str:
    """The exception with the program's frames, without the runtime's own."""
    frames = _program_frames(exc)
    where = "".join(traceback.format_list(frames[-5:]))
    message = f"{type(exc).__name__}: {exc}"
    return f"{message}\n{where}".rstrip() if where else message


def run_program(
    project_dir: Path,
    main: str | None,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: list[str],
    preview: bool,
    emulator: EmulatorSettings,
) -> Recording:
    """Run a project's program (`main` from Pulumi.yaml, default `__main__.py`) as the language host does."""
    entry = project_dir / (main or ".")
    if entry.is_dir():
        entry = entry / "__main__.py"
    if not entry.is_file():
        raise ProgramError(f"program entry point {entry} not found (Pulumi.yaml 'main')")

    def program() -> None:
        runpy.run_path(str(entry), run_name="__main__")

    with _project_context(project_dir):
        return run(
            program,
            project=project,
            stack=stack,
            config=config,
            secret_keys=secret_keys,
            preview=preview,
            emulator=emulator,
        )
