"""The offline engine: serve the ResourceMonitor and Engine gRPC services and run the program as the CLI does.

`pulumi preview` runs a program in the project's own runtime, connected over gRPC to the engine's resource
monitor. This module is that engine with the cloud replaced: it starts a gRPC server for the
`pulumirpc.ResourceMonitor` and `pulumirpc.Engine` services, launches the program the way the language hosts
do (Python: the project's virtualenv interpreter running `hosts/python_exec.py`, the CLI's
`pulumi-language-python-exec`; Node.js: `@pulumi/pulumi/cmd/run` from the project's node_modules), answers
registrations from the emulated Azure through the `RecordingMonitor` (engine-shaped URNs, inputs as the
analysers receive them), serves every provider it does not model generically, and records the graph.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, resource_pb2, resource_pb2_grpc
from pulumi.runtime.sync_await import _sync_await

from .analyzer import PolicyPackProcess
from .emulator import (
    SCHEMA,
    AzureEmulator,
    EmulatorError,
    EmulatorSettings,
    _registry,
    det_guid,
    resource_class,
    resource_known,
    suffix,
)
from .model import SECRET_SIG, SECRET_SIG_KEY, UNKNOWN, RecordedResource, Violation
from .program import (
    ProgramConfigurationError,
    ProgramError,
    Recording,
    RecordingMonitor,
    _without_resource_refs,
    deterministic_order,
    sorted_keys,
)
from .project import Project

PYTHON_EXEC = Path(__file__).resolve().parent / "hosts" / "python_exec.py"
NODE_RUN_MODULE = "@pulumi/pulumi/cmd/run"
# Resource operations the program may run in parallel (`pulumi preview --parallel`); the Python executor
# runs four times as many worker threads, as the CLI's does.
PARALLEL = int(os.environ.get("PREFLIGHT_PARALLEL", "16"))
# The language host's exit status for "the program already reported its error".
EXITED_AFTER_SHOWING_ERROR = 32
# The output value wrapper's signature (`pulumi.runtime.rpc`); calls keep output values in their arguments.
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
# Prefix of the error the exec host logs when the program refused its configuration (hosts/python_exec.py).
CONFIGURATION_ERROR_MARK = "preflight:configuration-error:"
_STOP_GRACE_S = 5.0
_MAX_MESSAGE = 400 * 1024 * 1024

# Monitor features this engine implements (resource_pb2.SupportsFeature ids and DeploymentInfo).
# Not offered: outputValues (the program resolves outputs itself, as under mocks), transforms and hooks
# (they need callbacks into the program, which this engine does not make).
FEATURES: dict[str, Any] = {
    "secrets": resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    "resourceReferences": resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    "aliasSpecs": resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    "deletedWith": resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    "replaceWith": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACE_WITH,
    "parameterization": resource_pb2.RESOURCE_MONITOR_FEATURE_PARAMETERIZATION,
}


def _secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


def _key_listing(token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
    """Placeholder secrets for the common Azure key and credential listings (marked secret), else None.

    Shapes follow the result types of pulumi-azure-native 3.29 (`ListStorageAccountKeysResult`,
    `ListDatabaseAccountKeysResult`, `ListRegistryCredentialsResult`, `GetSharedKeysResult`,
    `ListAccountKeysResult`, `ListRedisKeysResult`, `ListAdminKeyResult`, `ListNamespaceKeysResult`).
    """
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "azure-native":
        return None
    module, function = parts[1].split("/")[0], parts[2]
    seed = json.dumps([token, dict(sorted((k, str(v)) for k, v in args.items()))])

    def key(n: str) -> dict[str, Any]:
        return _secret(f"emulated-{n}-{suffix(seed + n, 32)}")

    if (module, function) == ("storage", "listStorageAccountKeys"):
        return {
            "keys": [
                {"keyName": n, "permissions": "FULL", "value": key(n), "creationTime": "2026-01-01T00:00:00Z"}
                for n in ("key1", "key2")
            ]
        }
    if module in ("cosmosdb", "documentdb") and function == "listDatabaseAccountKeys":  # v3, v2 module
        names = (
            "primaryMasterKey",
            "secondaryMasterKey",
            "primaryReadonlyMasterKey",
            "secondaryReadonlyMasterKey",
        )
        return {n: key(n) for n in names}
    if (module, function) == ("containerregistry", "listRegistryCredentials"):
        return {
            "username": str(args.get("registryName") or "registry"),
            "passwords": [{"name": n, "value": key(n)} for n in ("password", "password2")],
        }
    if (module, function) == ("operationalinsights", "getSharedKeys"):
        return {n: key(n) for n in ("primarySharedKey", "secondarySharedKey")}
    if (module, function) == ("cognitiveservices", "listAccountKeys"):
        return {n: key(n) for n in ("key1", "key2")}
    if (module, function) in (
        ("redis", "listRedisKeys"),
        ("cache", "listRedisKeys"),
        ("search", "listAdminKey"),
    ):
        return {n: key(n) for n in ("primaryKey", "secondaryKey")}
    if (
        module in ("eventhub", "servicebus", "relay")
        and function.startswith("list")
        and function.endswith("Keys")
    ):
        return {
            "keyName": str(args.get("authorizationRuleName") or "RootManageSharedAccessKey"),
            **{
                n: key(n)
                for n in (
                    "primaryKey",
                    "secondaryKey",
                    "primaryConnectionString",
                    "secondaryConnectionString",
                    "aliasPrimaryConnectionString",
                    "aliasSecondaryConnectionString",
                )
            },
        }
    return None


class EngineEmulator(AzureEmulator):
    """The emulated Azure plus what an engine must also answer: any other provider, generically.

    azure-native, azuread and random resources are answered by `AzureEmulator`; a resource of any other
    provider (or an azure-native/azuread type our SDK does not have) gets its inputs as outputs and, in
    preview, an unknown ID. Functions the emulator does not know get an empty result (one it knows but cannot
    answer for these arguments stays an error), and the run remembers which, so a program that then fails is
    told which function it depended on.
    """

    def __init__(self, settings: EmulatorSettings) -> None:
        super().__init__(settings)
        self.generic: set[tuple[str, str]] = set()
        """(type, logical name) of resources served generically."""
        self.empty_answers: list[str] = []
        """Functions answered with an empty result, in call order, without repeats."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """The emulator's answer for types it models; inputs as outputs for the rest."""
        with _SDK_LOADING:
            return self._new_resource(args)

    def _new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        token = args.typ
        package = token.split(":", 1)[0]
        if not args.custom or token.startswith("pulumi:providers:"):
            return super().new_resource(args)
        if package in ("azure-native", "azuread") and resource_known(token):
            return super().new_resource(args)
        if package not in ("azure-native", "azuread"):
            errors = len(self.errors)
            try:
                return super().new_resource(args)
            except EmulatorError:
                del self.errors[errors:]
        self.generic.add((token, args.name))
        if self.settings.preview:
            return "", dict(args.inputs)
        return det_guid(f"{self.settings.stack}/{token}/{args.name}"), dict(args.inputs)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        """Key listings answer placeholder secrets; unknown functions an empty result (remembered)."""
        with _SDK_LOADING:
            return self._call(args)

    def _call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        listing = _key_listing(args.token, args.args)
        if listing is not None:
            self.invokes.append(args.token)
            return listing, []
        errors = len(self.errors)
        try:
            return super().call(args)
        except EmulatorError as exc:
            if str(exc) != f"the emulated Azure cannot answer function {args.token}":
                raise  # a function it knows, asked what it cannot answer (a lookup by display name, say)
            del self.errors[errors:]
        if args.token not in self.empty_answers:
            self.empty_answers.append(args.token)
        return {}, []


class _Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    """The ResourceMonitor service over the recording monitor; one request at a time, like the engine's
    step executor sees them, so the emulator needs no locking of its own."""

    def __init__(self, recorder: RecordingMonitor) -> None:
        self.recorder = recorder
        self.lock = threading.Lock()
        self.outputs: dict[str, Any] = {}
        self.failures: list[str] = []
        self.loops: list[asyncio.AbstractEventLoop] = []
        self._local = threading.local()

    def close(self) -> None:
        """Close the server threads' event loops (after the server stopped)."""
        for loop in self.loops:
            loop.close()
        self.loops.clear()

    def _guarded(self, context: grpc.ServicerContext, call: Any, request: Any) -> Any:
        if getattr(self._local, "loop", None) is None:
            # The mock monitor's (de)serialisation runs on an event loop of the calling thread: give each
            # server thread one that close() can release (left to the GC, it fails at interpreter exit).
            self._local.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._local.loop)
            self.loops.append(self._local.loop)
        with self.lock:
            try:
                return call(request)
            except Exception as exc:
                message = str(exc) or type(exc).__name__
                self.failures.append(message)
                context.abort(grpc.StatusCode.UNKNOWN, message)

    def SupportsFeature(self, request: Any, context: grpc.ServicerContext) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in FEATURES)

    def GetDeploymentInfo(self, request: Any, context: grpc.ServicerContext) -> Any:
        return resource_pb2.DeploymentInfo(supportedFeatures=sorted(FEATURES.values()))

    def RegisterResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._guarded(context, self.recorder.RegisterResource, request)

    def ReadResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._guarded(context, self.recorder.ReadResource, request)

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._guarded(context, self.recorder.Invoke, request)

    def Call(self, request: Any, context: grpc.ServicerContext) -> Any:
        """A resource method call (`pulumi.runtime.call`): answered as an invoke of the method's token, with
        the arguments minus `__self__`; a method the emulator does not know gets an empty answer (remembered)."""
        return self._guarded(context, self._call, request)

    def _call(self, request: Any) -> Any:
        args = _plain(json_format.MessageToDict(request.args))
        args.pop("__self__", None)
        ret, failures = self.recorder.mocks.call(MockCallArgs(request.tok, args, request.provider))
        return provider_pb2.CallResponse(
            failures=[provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures or []],
            **{"return": _sync_await(rpc.serialize_properties(ret, {}))},
        )

    def RegisterResourceOutputs(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.urn and request.urn == self.recorder.root_urn:
            with self.lock:
                self.outputs = sorted_keys(json_format.MessageToDict(request.outputs))
        elif request.urn:  # a component's outputs: its argument sources (preflight.user_code)
            return self._guarded(context, self.recorder.RegisterResourceOutputs, request)
        return empty_pb2.Empty()

    def RegisterPackage(self, request: Any, context: grpc.ServicerContext) -> Any:
        return resource_pb2.RegisterPackageResponse(ref=det_guid(f"{request.name}@{request.version}"))

    def SignalAndWaitForShutdown(self, request: Any, context: grpc.ServicerContext) -> Any:
        return empty_pb2.Empty()


def _plain(value: Any) -> Any:
    """Call arguments as plain values: an output value is its value (unknown if it has none), a resource
    reference its ID or URN, as the analysers see them (the program keeps output values when it calls)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == OUTPUT_VALUE_SIG:
            return _plain(value["value"]) if "value" in value else UNKNOWN
        return _without_resource_refs({k: _plain(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _Engine(engine_pb2_grpc.EngineServicer):
    """The Engine service: log messages from the program, and the root stack resource (Node.js asks)."""

    def __init__(self) -> None:
        self.logs: list[tuple[str, str]] = []
        self.root = ""

    def Log(self, request: Any, context: grpc.ServicerContext) -> Any:
        level = {engine_pb2.ERROR: "error", engine_pb2.WARNING: "warning", engine_pb2.INFO: "info"}.get(
            request.severity, "debug"
        )
        self.logs.append((level, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self.root)

    def SetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.root = request.urn
        return engine_pb2.SetRootResourceResponse()


class StreamingAnalysis:
    """Analyse resources with the policy packs while the program still runs, as the engine does.

    One worker thread per pack connects and configures it, then sends `Analyze` for every custom resource
    as the monitor records it, a few calls in flight (the packs are other processes, so the program, the
    packs and preflight use both cores, and no pack waits for another). `finish` returns the violations in
    the plan's deterministic order, not arrival order, so the report is the same as when analysing afterwards.
    """

    def __init__(self, packs: list[PolicyPackProcess], configs: list[dict[str, Any] | None]) -> None:
        self.packs = packs
        self.configs = configs
        self.results: dict[tuple[int, str], list[Violation]] = {}
        self.errors: dict[int, BaseException] = {}
        self._queues: list[queue.SimpleQueue[RecordedResource | None]] = [queue.SimpleQueue() for _ in packs]
        self._threads = [
            threading.Thread(target=self._work, args=(i,), name=f"preflight-analysis-{i}", daemon=True)
            for i in range(len(packs))
        ]

    def start(self) -> None:
        """Connect to the packs in the background; resources queue until they are ready."""
        for thread in self._threads:
            thread.start()

    def submit(self, resource: RecordedResource) -> None:
        """Queue one recorded resource (custom resources only are analysed, as by the engine)."""
        if resource.custom:
            for q in self._queues:
                q.put(resource)

    def _work(self, index: int) -> None:
        proc, pending = self.packs[index], self._queues[index]
        ended = False
        try:
            proc.connect()
            proc.configure(self.configs[index])
            while not ended:
                batch = [pending.get()]
                while not pending.empty():  # whatever else arrived meanwhile, analysed with calls in flight
                    batch.append(pending.get())
                if None in batch:
                    ended = True
                    batch = batch[: batch.index(None)]
                resources = [r for r in batch if r is not None]
                for r, found in zip(resources, proc.analyze_each(resources), strict=True):
                    self.results[(index, r.urn)] = found
        except BaseException as exc:  # re-raised in the caller's thread by finish()
            self.errors[index] = exc
            while not ended and pending.get() is not None:  # drain until finish() or stop()
                pass

    def stop(self) -> None:
        """End the workers without waiting for the remaining resources (the run failed)."""
        for q in self._queues:
            q.put(None)

    def finish(self, resources: list[RecordedResource]) -> list[list[Violation]]:
        """Wait for every queued resource; per pack, the violations in the order of `resources` (the first
        pack's error, in pack order, if one failed)."""
        self.stop()
        for thread in self._threads:
            thread.join()
        if self.errors:
            raise self.errors[min(self.errors)]
        return [
            [v for r in resources if r.custom for v in self.results[(i, r.urn)]]
            for i in range(len(self.packs))
        ]


@dataclass
class Launch:
    """How to start the program: command line, extra environment, working directory."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = Path(".")


def python_interpreter(project: Project, *, install: bool = False) -> str:
    """The project's interpreter, as the Python language host picks it from `runtime.options`.

    `virtualenv` (relative to the project) names the environment; without it, `PULUMI_PYTHON_CMD` or
    `python3` on PATH, as the CLI does. A missing virtualenv is an error that says how to create it,
    unless `install` is set, which creates it and installs `requirements.txt` as `pulumi install` does.
    """
    opts = project.runtime_options
    toolchain = str(opts.get("toolchain") or "pip")
    if toolchain not in ("pip", "uv"):
        raise ProgramError(
            f"runtime.options.toolchain: {toolchain!r} is not supported offline; allowed: pip, uv"
        )
    venv = opts.get("virtualenv") or (".venv" if toolchain == "uv" else None)
    if not venv:
        base = os.environ.get("PULUMI_PYTHON_CMD") or "python3"
        found = shutil.which(base)
        if found is None:
            raise ProgramError(f"no Python interpreter: {base!r} is not on PATH (set PULUMI_PYTHON_CMD)")
        return found
    path = (project.directory / str(venv)).resolve() if not os.path.isabs(str(venv)) else Path(str(venv))
    python = path / "bin" / "python"
    if python.exists():
        return str(python)
    requirements = project.directory / "requirements.txt"
    create = f"python3 -m venv {path} && {path}/bin/python -m pip install -r {requirements}"
    if not install:
        raise ProgramError(
            f"runtime.options.virtualenv: {path} does not exist; create it with `{create}` "
            "or run preflight with --install"
        )
    base = os.environ.get("PULUMI_PYTHON_CMD") or "python3"
    steps = [[base, "-m", "venv", str(path)]]
    if requirements.is_file():
        steps.append([str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)])
    for step in steps:
        done = subprocess.run(step, cwd=project.directory, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ProgramError(f"--install: `{' '.join(step)}` failed:\n{done.stderr.strip()[-2000:]}")
    return str(python)


def node_run_entry(project: Project, node: str) -> str:
    """`@pulumi/pulumi/cmd/run` as Node.js resolves it from the program directory (the language host does)."""
    script = f"console.log(require.resolve({json.dumps(NODE_RUN_MODULE)}, {{paths: [process.cwd()]}}))"
    found = subprocess.run(
        [node, "-e", script], cwd=project.directory, capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        raise ProgramError(
            f"{NODE_RUN_MODULE} not found from {project.directory}: install the program's dependencies "
            f"(`npm install` in {project.directory})"
        )
    return found.stdout.strip()


def launch(
    project: Project,
    *,
    stack: str,
    address: str,
    config: Mapping[str, str],
    secret_keys: list[str],
    preview: bool,
    install: bool = False,
) -> Launch:
    """The command line and environment the CLI's language host would use for this project."""
    entry = project.main or "."
    if project.runtime == "python":
        python = python_interpreter(project, install=install)
        program = (project.directory / entry).resolve()
        if program.is_dir():
            program = program / "__main__.py"
        if not program.is_file():
            raise ProgramError(f"program entry point {program} not found (Pulumi.yaml 'main')")
        argv = [python, "-u", str(PYTHON_EXEC)]
        for flag, value in (
            ("monitor", address),
            ("engine", address),
            ("project", project.name),
            ("root_directory", str(project.directory)),
            ("stack", stack),
            ("pwd", str(project.directory)),
            ("dry_run", "true" if preview else "false"),
            ("parallel", str(PARALLEL)),
        ):
            argv += [f"--{flag}", value]
        argv.append(str(program))
        env = {
            "PULUMI_CONFIG": json.dumps(dict(config)),
            "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(secret_keys)),
        }
        return Launch(argv, env, project.directory)
    node = shutil.which("node")
    if node is None:
        raise ProgramError("runtime nodejs: `node` is not on PATH")
    if install and not (project.directory / "node_modules").is_dir():
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund"], cwd=project.directory, check=False
        )
        if done.returncode != 0:
            raise ProgramError(f"--install: `npm install` failed in {project.directory}")
    run_entry = node_run_entry(project, node)
    nodeargs = str(project.runtime_options.get("nodeargs") or "").split()
    argv = [node, *nodeargs, run_entry, "--monitor", address, "--engine", address, "--project", project.name]
    argv += ["--root-directory", str(project.directory), "--stack", stack, "--pwd", str(project.directory)]
    if preview:
        argv.append("--dry-run")
    argv += ["--parallel", str(PARALLEL), entry]
    # The Node.js host hands config over in the old `<namespace>:config:<name>` form.
    old_form = {f"{k.split(':', 1)[0]}:config:{k.split(':', 1)[1]}": v for k, v in config.items() if ":" in k}
    env = {"PULUMI_CONFIG": json.dumps(old_form), "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(secret_keys))}
    if project.runtime_options.get("typescript", True):
        env["PULUMI_NODEJS_TYPESCRIPT"] = "true"
    if project.runtime_options.get("tsconfig"):
        env["PULUMI_NODEJS_TSCONFIG_PATH"] = str(project.runtime_options["tsconfig"])
    return Launch(argv, env, project.directory)


_AZURE_IMPORT = re.compile(
    r"^\s*(?:import\s+pulumi_azure_native\.(\w+)|from\s+pulumi_azure_native\.(\w+)|from\s+pulumi_azure_native\s+import\s+\(?([\w\s,]+))",
    re.M,
)
_SKIP_DIRS = {"venv", ".venv", "node_modules", ".git", "__pycache__", ".mypy_cache", "tests"}


def azure_modules_in(directory: Path, limit: int = 400) -> list[str]:
    """azure-native modules a Python project's sources import (the emulator loads them while the program boots)."""
    found: set[str] = set()
    seen = 0
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if not name.endswith(".py"):
                continue
            seen += 1
            if seen > limit:
                return sorted(found)
            with contextlib.suppress(OSError, UnicodeDecodeError):
                for m in _AZURE_IMPORT.finditer((Path(root) / name).read_text()):
                    found.update(x.strip() for x in (m.group(1) or m.group(2) or m.group(3) or "").split(","))
    return sorted(x for x in found if x.isidentifier())


# Held while the emulator loads SDK classes: the pre-loading thread and the monitor's handlers must not load
# the same lazily imported azure-native module at once (a class seen half-loaded would look absent).
_SDK_LOADING = threading.Lock()


def _prewarm(modules: list[str]) -> None:
    """Import the emulator's view of these azure-native modules ahead of the first registration."""
    registry = _registry("pulumi_azure_native")
    for module in modules:
        fqn = f"pulumi_azure_native.{module}"
        # One class per module: the first loads the module's shared input and output types, the bulk of it.
        token = next((t for t, (m, _) in registry.items() if m == fqn), None)
        with _SDK_LOADING, contextlib.suppress(Exception):
            if token is not None:
                resource_class(token)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Interrupt the program's process group, then kill it after a grace period (the language host's way)."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=_STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=_STOP_GRACE_S)


def _read_config_reads(path: str) -> list[str] | None:
    """The configuration keys the Python exec host saw the program read; None when it did not say (Node.js,
    an SDK it cannot watch, or a program stopped before it ended)."""
    try:
        reads = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return [str(k) for k in reads] if isinstance(reads, list) else None


def _tail(handle: IO[bytes], lines: int = 20) -> str:
    handle.seek(0)
    text = handle.read().decode(errors="replace")
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_engine(
    project: Project,
    *,
    stack: str,
    config: Mapping[str, str],
    secret_keys: list[str],
    preview: bool,
    emulator: EmulatorSettings,
    install: bool = False,
    echo: IO[str] | None = None,
    on_record: Callable[[RecordedResource], None] | None = None,
) -> Recording:
    """Serve the monitor, run the project's program in its own runtime, and return what it registered.

    `on_record` sees each resource as soon as its registration is answered (it must not block: it runs
    while the monitor serves the program)."""
    emulator.preview = preview
    emulator.project, emulator.stack = project.name, stack
    mocks = EngineEmulator(emulator)
    recorder = RecordingMonitor(mocks, project.name, stack)
    recorder.on_record = on_record
    monitor = _Monitor(recorder)
    engine = _Engine()
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="preflight-engine"),
        options=[
            ("grpc.max_receive_message_length", _MAX_MESSAGE),
            ("grpc.max_send_message_length", _MAX_MESSAGE),
        ],
    )
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, server)
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    if not SCHEMA.load() and project.runtime == "python":
        # No schema cache for our SDKs yet: the emulator needs the SDK modules the program imports while it
        # boots, so load them meanwhile (a later run reads what it needs from the cache instead).
        modules = azure_modules_in(project.directory)
        threading.Thread(target=_prewarm, args=(modules,), name="preflight-prewarm", daemon=True).start()
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    reads_dir = tempfile.TemporaryDirectory(prefix="preflight-")  # the exec host writes the keys read here
    reads_file = str(Path(reads_dir.name) / "config-reads.json")
    proc: subprocess.Popen[bytes] | None = None
    try:
        spec = launch(
            project,
            stack=stack,
            address=f"127.0.0.1:{port}",
            config=config,
            secret_keys=secret_keys,
            preview=preview,
            install=install,
        )
        env = {**os.environ, **spec.env, "PYTHONUNBUFFERED": "1", "PREFLIGHT_CONFIG_READS": reads_file}
        env.pop("PYTHONPATH", None)  # the program's imports are its own environment's, not preflight's
        proc = subprocess.Popen(
            spec.argv,
            cwd=spec.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        code = proc.wait()
    finally:
        if proc is not None:
            _stop(proc)
        server.stop(None).wait()
        monitor.close()
    with _SDK_LOADING:
        SCHEMA.save()
    config_reads = _read_config_reads(reads_file)
    reads_dir.cleanup()
    printed = _tail(output)
    output.close()
    errors = [m for level, m in engine.logs if level == "error"]
    if echo is not None and printed and code != 0 and errors:
        # What the program printed before the error it logged (without a logged error, the message has it).
        print(printed, file=echo)
    if mocks.errors:
        raise ProgramError(mocks.errors[0])
    refused = next((m for m in errors if m.startswith(CONFIGURATION_ERROR_MARK)), None)
    if refused is not None:
        raise ProgramConfigurationError(refused[len(CONFIGURATION_ERROR_MARK) :])
    if code != 0 or errors:
        if errors:
            message = (
                errors[0]
                if code == EXITED_AFTER_SHOWING_ERROR
                else "the program logged an error: " + errors[0]
            )
        else:
            message = f"the program exited with status {code}" + (
                f"; its output ends with:\n{printed}" if printed else ""
            )
        if mocks.empty_answers:
            message += (
                "\n(the emulated Azure answered these functions with an empty result: "
                + ", ".join(mocks.empty_answers)
                + ")"
            )
        raise ProgramError(message)
    resources = deterministic_order(recorder.recorded)
    generic = {r.urn for r in resources if (r.type, r.name) in mocks.generic}
    return Recording(
        project=project.name,
        stack=stack,
        mode="preview" if preview else "up",
        root_urn=recorder.root_urn,
        resources=resources,
        outputs=monitor.outputs,
        logs=engine.logs,
        generic=sorted(generic),
        empty_answers=list(mocks.empty_answers),
        config_reads=config_reads,
    )


__all__ = ["EngineEmulator", "Launch", "launch", "python_interpreter", "run_engine"]
