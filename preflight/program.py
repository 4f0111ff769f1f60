"""Run a Pulumi Python program under `set_mocks` against the emulated Azure and record every registration.

The recording monitor sees each `RegisterResource` request the program makes (type, name, parent,
inputs on the wire, dependencies, property dependencies, protect, provider, source position) and
answers with engine-shaped URNs, so what the policy packs receive is what the engine would send.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import logging
import os
import runpy
import sys
import sysconfig
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
from google.protobuf import json_format
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from .emulator import AzureEmulator, EmulatorError, EmulatorSettings
from .model import RESOURCE_REF_SIG, UNKNOWN, RecordedResource
from .model import SECRET_SIG_KEY as SIG_KEY
from .project import ConfigurationError
from .user_code import ARGUMENT_SOURCES, argument_sources, program_frames, source_file

STACK_TYPE = "pulumi:pulumi:Stack"
# Full (generation 2) collections while the program runs: after this many generation-1 collections instead of
# CPython's 10. The SDK keeps every Output, task and alias of the program alive until it ends, so each full
# collection walks the whole growing heap; at 5,500 resources the default made the program 2.5x slower
# (docs/benchmarks.md). Young collections still run, so short-lived cycles are freed as before.
FULL_COLLECTION_THRESHOLD = 1000


class ProgramError(RuntimeError):
    """The program raised, logged an error, or asked the emulator for something it cannot answer."""


class ProgramConfigurationError(ProgramError, ConfigurationError):
    """The program refused its configuration: it raised an exception whose class (or a base) is named
    `SettingsError`, as components.settings does (recognised by name: preflight never imports the library).
    Reported as a configuration error, with the message only (no traceback)."""


def _is_settings_error(exc: BaseException) -> bool:
    return any(cls.__name__ == "SettingsError" for cls in type(exc).__mro__)


@dataclass
class Recording:
    """Everything a program run registered, in registration order, plus its stack outputs and logs."""

    project: str
    stack: str
    mode: str
    root_urn: str
    resources: list[RecordedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    logs: list[tuple[str, str]] = field(default_factory=list)
    generic: list[str] = field(default_factory=list)
    """URNs of resources served generically (a provider the emulator does not model: outputs are inputs)."""
    empty_answers: list[str] = field(default_factory=list)
    """Functions the emulator could not answer and answered with an empty result (offline engine only)."""

    def by_type(self, token: str) -> list[RecordedResource]:
        """Resources of one type token, in registration order."""
        return [r for r in self.resources if r.type == token]

    def one(self, token: str, name: str | None = None) -> RecordedResource:
        """The single resource of a type (and logical name); AssertionError otherwise."""
        found = [r for r in self.by_type(token) if name is None or r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one {token} {name or ''}, found {[r.name for r in found]}")
        return found[0]


class RecordingMonitor(MockMonitor):
    """A mock resource monitor that records each registration and returns engine-shaped URNs."""

    mocks: AzureEmulator

    def __init__(self, mocks: AzureEmulator, project: str, stack: str) -> None:
        super().__init__(mocks)
        self.project = project
        self.stack = stack
        self.recorded: list[RecordedResource] = []
        self.root_urn = ""
        self.on_record: Callable[[RecordedResource], None] | None = None
        """Called with each resource once its recording is final (the offline engine analyses it then)."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """`urn:pulumi:<stack>::<project>::<parent types$>type::name`, without the root stack type."""
        qualified = type_
        if parent and parent != self.root_urn:
            parent_type = parent.split("::")[2]
            qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"

    def RegisterResource(self, request: Any) -> Any:
        """Record the request as the engine receives it, then let the mocks answer."""
        if request.type == STACK_TYPE:
            response = super().RegisterResource(request)
            self.root_urn = response.urn
            return response
        urn = self.make_urn(request.parent, request.type, request.name)
        inputs = json_format.MessageToDict(request.object) if request.HasField("object") else {}
        cleaned = _without_resource_refs(inputs)
        if cleaned != inputs:
            # Providers that do not accept resource references (azure-native) get IDs from the engine.
            inputs = cleaned
            request.object.Clear()
            request.object.update(inputs)
        source = None
        if request.HasField("sourcePosition") and request.sourcePosition.uri:
            source = (source_file(request.sourcePosition.uri), int(request.sourcePosition.line))
        self.recorded.append(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                inputs=sorted_keys(inputs),
                parent=request.parent if request.parent and request.parent != self.root_urn else None,
                # Sorted: the SDK collects these in sets (order varies run to run); the engine treats them as sets.
                dependencies=sorted({d for d in request.dependencies if d != self.root_urn}),
                property_dependencies={
                    k: sorted(set(v.urns))
                    for k, v in sorted(request.propertyDependencies.items())
                    if len(v.urns) > 0
                },
                protect=bool(request.protect),
                provider=request.provider or None,
                source=source,
                frames=program_frames(request),
            )
        )
        response = super().RegisterResource(request)
        recorded = self.recorded[-1]
        recorded.id = response.id or None
        # The provider's Check fills in the auto-name before the engine hands inputs to the analyzers.
        auto = self.mocks.auto_names.get((request.type, request.name))
        if auto is not None and auto[0] not in recorded.inputs:
            recorded.inputs = sorted_keys({**recorded.inputs, auto[0]: auto[1]})
        if self.on_record is not None:
            self.on_record(recorded)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        """Keep a component's `argument_sources` output on its recording (preflight.user_code)."""
        if request.HasField("outputs") and ARGUMENT_SOURCES in request.outputs.fields:
            outputs = json_format.MessageToDict(request.outputs)
            for recorded in reversed(self.recorded):
                if recorded.urn == request.urn:
                    recorded.argument_sources = argument_sources(outputs)
                    break
        return super().RegisterResourceOutputs(request)


def sorted_keys(value: Any) -> Any:
    """Objects with their keys in sorted order, at every level: the plan's order must not depend on how a
    protobuf map happened to be built (the same inputs iterate differently after a trip over gRPC)."""
    if isinstance(value, dict):
        return {k: sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sorted_keys(v) for v in value]
    return value


def _without_resource_refs(value: Any) -> Any:
    """Resource references as the engine hands them to analyzers: the ID (unknown if not yet known), or the
    URN of a component. pulumi-policy cannot read the reference form itself."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == RESOURCE_REF_SIG:
            if "id" in value:
                return value["id"] or UNKNOWN
            return value.get("urn", UNKNOWN)
        return {k: _without_resource_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_resource_refs(v) for v in value]
    return value


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


def deterministic_order(resources: list[RecordedResource]) -> list[RecordedResource]:
    """Resources in an order that depends only on the graph, not on when each registration arrived.

    Registrations reach the monitor when their inputs resolve, which varies between runs. This is a
    topological order (parents before children, dependencies before dependents) that, among resources
    ready at the same time, takes the smallest URN first, so two runs of a program give the same plan.
    """
    by_urn = {r.urn: r for r in resources}
    before: dict[str, set[str]] = {r.urn: set() for r in resources}
    for r in resources:
        needs = {*r.dependencies, *(u for urns in r.property_dependencies.values() for u in urns)}
        if r.parent:
            needs.add(r.parent)
        before[r.urn] = {u for u in needs if u in by_urn and u != r.urn}
    after: dict[str, list[str]] = {u: [] for u in by_urn}
    for urn, needs in before.items():
        for u in needs:
            after[u].append(urn)
    waiting = {urn: len(needs) for urn, needs in before.items()}
    ready = [urn for urn, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    ordered: list[RecordedResource] = []
    while ready:
        urn = heapq.heappop(ready)
        ordered.append(by_urn[urn])
        for nxt in after[urn]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                heapq.heappush(ready, nxt)
    if len(ordered) < len(resources):  # a cycle the engine would reject; keep the rest, sorted
        placed = {r.urn for r in ordered}
        ordered += sorted((r for r in resources if r.urn not in placed), key=lambda r: r.urn)
    return ordered


def _to_struct(d: dict[str, Any]) -> Any:
    from google.protobuf import struct_pb2

    s = struct_pb2.Struct()
    s.update(d)
    return s


def _program_frames(exc: BaseException) -> list[traceback.FrameSummary]:
    """The traceback's frames in program code (not the runtime's, the standard library's or packages')."""
    own = str(Path(__file__).resolve().parent)
    stdlib = sysconfig.get_paths()["stdlib"]
    return [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename and not f.filename.startswith(("<", own, stdlib)) and "site-packages" not in f.filename
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
