"""Start a policy pack the way the Pulumi engine does and talk to it over the analyzer gRPC protocol.

The pack runs as `python -u -m pulumi.policy <engine-address> <pack-dir>` with the pack directory as
working directory and `PULUMI_PROJECT`, `PULUMI_STACK`, `PULUMI_DRY_RUN`, `PULUMI_CONFIG` set; it prints
its port on stdout. The client then calls `GetAnalyzerInfo`, `Configure`, `Analyze` and `AnalyzeStack`
exactly as `pulumi preview --policy-pack` does, so the pack under test is the pack that ships.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent import futures
from pathlib import Path
from typing import IO, Any

import grpc
import jsonschema
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc

from .model import DISABLED, MANDATORY, REMEDIATE, PackInfo, PolicyInfo, RecordedResource, Violation

_LEVELS = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: MANDATORY,
    analyzer_pb2.REMEDIATE: REMEDIATE,
    analyzer_pb2.DISABLED: DISABLED,
}
_LEVEL_VALUES = {v: k for k, v in _LEVELS.items()}
_SEVERITIES = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
_MAX_MESSAGE = 400 * 1024 * 1024
_START_TIMEOUT_S = 60.0
_STDERR_TAIL_LINES = 20


class PackStartError(RuntimeError):
    """The policy pack process did not start or did not answer; the message carries its stderr tail."""


class PackConfigError(ValueError):
    """Policy pack configuration that names an unknown policy or breaks a policy's config schema."""


class _EngineLog(engine_pb2_grpc.EngineServicer):
    """The engine endpoint handed to the pack: collects what the pack logs."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._root = ""

    def Log(self, request: Any, context: Any) -> Any:
        self.messages.append(request.message)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        self._root = request.urn
        return engine_pb2.SetRootResourceResponse()


def pack_python(pack_dir: Path) -> str:
    """The interpreter for a pack: its own virtualenv from PulumiPolicy.yaml when present, else ours."""
    manifest = pack_dir / "PulumiPolicy.yaml"
    try:
        data = yaml.safe_load(manifest.read_text()) or {}
    except (OSError, yaml.YAMLError):
        data = {}
    runtime = data.get("runtime") if isinstance(data, dict) else None
    options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    if isinstance(venv, str):
        candidate = (pack_dir / venv / "bin" / "python").resolve()
        if candidate.exists():
            return str(candidate)
    return sys.executable


def pack_version(pack_dir: Path) -> str | None:
    """The version declared in PulumiPolicy.yaml (the CLI prefers it over the pack's own)."""
    try:
        data = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return str(version) if version is not None else None


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Properties as a protobuf Struct (the wire form of resource properties)."""
    s = struct_pb2.Struct()
    json_format.ParseDict(_jsonable(props), s)
    return s


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return str(value)


class PolicyPackProcess:
    """A running policy pack and a gRPC client for it; use as a context manager so it always stops."""

    def __init__(
        self,
        pack_dir: Path,
        *,
        project: str,
        stack: str,
        dry_run: bool = True,
        config: Mapping[str, str] | None = None,
        python: str | None = None,
        organization: str = "organization",
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.project = project
        self.stack = stack
        self.dry_run = dry_run
        self.config = dict(config or {})
        self.python = python or pack_python(self.pack_dir)
        self.organization = organization
        self.process: subprocess.Popen[bytes] | None = None
        self.info: PackInfo = PackInfo(name="", version="", policies=())
        self._stderr: IO[bytes] | None = None
        self._keep_tail = ""
        self._engine_server: grpc.Server | None = None
        self.engine = _EngineLog()
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> PolicyPackProcess:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The pack's process ID while it runs."""
        return self.process.pid if self.process else None

    def start(self) -> None:
        """Start the pack, read its port, connect, and fetch its analyzer info."""
        self.spawn()
        self.connect()

    def spawn(self) -> None:
        """Start the pack process without waiting for it (so it boots while the program runs)."""
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise PackStartError(f"{self.pack_dir} is not a policy pack: PulumiPolicy.yaml not found")
        self._engine_server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self._engine_server)
        engine_port = self._engine_server.add_insecure_port("127.0.0.1:0")
        self._engine_server.start()

        env = dict(os.environ)
        env.update(
            {
                "PULUMI_PROJECT": self.project,
                "PULUMI_STACK": self.stack,
                "PULUMI_ORGANIZATION": self.organization,
                "PULUMI_DRY_RUN": "true" if self.dry_run else "false",
                "PULUMI_CONFIG": json.dumps(self.config),
                "PYTHONUNBUFFERED": "1",
            }
        )
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the pack; closed in close()
        self.process = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.policy", f"127.0.0.1:{engine_port}", str(self.pack_dir)],
            cwd=self.pack_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
        )

    def connect(self) -> None:
        """Wait for the spawned pack's port, connect, and fetch its analyzer info."""
        port = self._read_port()
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{port}",
            options=[
                ("grpc.max_receive_message_length", _MAX_MESSAGE),
                ("grpc.max_send_message_length", _MAX_MESSAGE),
            ],
        )
        try:
            grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT_S)
        except grpc.FutureTimeoutError as exc:
            raise PackStartError(self._failure("did not accept connections")) from exc
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._configure_stack()
        self.info = self._get_info()

    def _read_port(self) -> int:
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout
        result: dict[str, bytes] = {}

        def reader() -> None:
            result["line"] = stdout.readline()
            # Keep draining so that a pack printing to stdout never blocks on a full pipe.
            for _ in iter(lambda: stdout.read(65536), b""):
                pass

        threading.Thread(target=reader, name="pack-stdout", daemon=True).start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while "line" not in result:
            if self.process.poll() is not None and "line" not in result:
                time.sleep(0.05)
                if "line" not in result:
                    raise PackStartError(self._failure(f"exited with code {self.process.returncode}"))
            if time.monotonic() > deadline:
                raise PackStartError(self._failure(f"printed no port within {_START_TIMEOUT_S:.0f} s"))
            time.sleep(0.01)
        text = result["line"].decode(errors="replace").strip()
        if not text.isdigit():
            self.process.wait(timeout=5) if self.process.poll() is None else None
            code = self.process.poll()
            why = f"exited with code {code}" if code is not None else f"printed {text!r} instead of a port"
            raise PackStartError(self._failure(why))
        return int(text)

    def stderr_tail(self, lines: int = _STDERR_TAIL_LINES) -> str:
        """The last lines the pack wrote to stderr."""
        if self._stderr is None:
            return self._keep_tail
        try:
            self._stderr.seek(0)
            text = self._stderr.read().decode(errors="replace")
        except (OSError, ValueError):
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def _failure(self, why: str) -> str:
        tail = self.stderr_tail()
        msg = f"policy pack {self.pack_dir} {why}"
        return f"{msg}; its stderr ends with:\n{tail}" if tail else msg

    def close(self) -> None:
        """Stop the pack (terminate, then kill) and release every handle; safe to call twice."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        proc = self.process
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if self._engine_server is not None:
            self._engine_server.stop(0)
            self._engine_server = None
        if self._stderr is not None and proc is not None and proc.poll() is not None:
            self._keep_tail = self.stderr_tail()
            self._stderr.close()
            self._stderr = None

    # -- protocol --------------------------------------------------------------------------------

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        """The analyzer client; raises when the pack is not running."""
        if self._stub is None:
            raise PackStartError(f"policy pack {self.pack_dir} is not running")
        return self._stub

    def _configure_stack(self) -> None:
        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=self.stack,
            project=self.project,
            organization=self.organization,
            dry_run=self.dry_run,
            config=self.config,
        )
        try:
            self.stub.ConfigureStack(request)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise PackStartError(self._failure(f"failed ConfigureStack: {exc.details()}")) from exc

    def _get_info(self) -> PackInfo:
        try:
            raw = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        except grpc.RpcError as exc:
            raise PackStartError(self._failure(f"failed GetAnalyzerInfo: {exc.details()}")) from exc
        policies = []
        for p in raw.policies:
            schema = json_format.MessageToDict(p.configSchema) if p.HasField("configSchema") else {}
            framework = p.framework
            policies.append(
                PolicyInfo(
                    name=p.name,
                    description=p.description,
                    enforcement_level=_LEVELS.get(p.enforcementLevel, "advisory"),
                    kind="stack" if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK else "resource",
                    severity=_SEVERITIES.get(p.severity, ""),
                    display_name=p.displayName,
                    remediation_steps=p.remediation_steps,
                    tags=tuple(p.tags),
                    framework=" ".join(
                        x for x in (framework.name, framework.version, framework.reference) if x
                    ),
                    url=p.url,
                    config_schema=schema,
                )
            )
        version = pack_version(self.pack_dir) or raw.version
        return PackInfo(name=raw.name, version=version, policies=tuple(policies), description=raw.description)

    def resolve_config(
        self, config: Mapping[str, Any] | None = None
    ) -> dict[str, tuple[str, dict[str, Any]]]:
        """Per policy: enforcement level and properties, schema defaults filled in, as the CLI sends them.

        `config` is the CLI's `--policy-pack-config` JSON: `{"<policy>": "<level>"}` or
        `{"<policy>": {"enforcementLevel": "<level>", "<key>": <value>}}`, with `all` for every policy.
        """
        config = dict(config or {})
        names = {p.name for p in self.info.policies}
        for key in config:
            if key != "all" and key not in names:
                raise PackConfigError(
                    f"policy pack {self.info.name!r} has no policy named {key!r} (config key {key!r}); "
                    f"policies: {', '.join(sorted(names))}"
                )
        all_level, _ = _split_entry("all", config.get("all"))
        resolved: dict[str, tuple[str, dict[str, Any]]] = {}
        for policy in self.info.policies:
            level, props = _split_entry(policy.name, config.get(policy.name))
            level = level or all_level or policy.enforcement_level
            schema_props = policy.config_schema.get("properties", {}) or {}
            merged = {
                k: v["default"] for k, v in schema_props.items() if isinstance(v, dict) and "default" in v
            }
            merged.update(props)
            schema = {"type": "object", "properties": schema_props}
            if policy.config_schema.get("required"):
                schema["required"] = policy.config_schema["required"]
            try:
                jsonschema.validate(merged, schema)
            except jsonschema.ValidationError as exc:
                where = ".".join(str(p) for p in exc.absolute_path) or "(root)"
                raise PackConfigError(
                    f"invalid configuration for policy {policy.name!r}: {where}: {exc.message}"
                ) from exc
            resolved[policy.name] = (level, merged)
        return resolved

    def configure(self, config: Mapping[str, Any] | None = None) -> dict[str, tuple[str, dict[str, Any]]]:
        """Validate and send the configuration (`Configure`); returns what was sent."""
        resolved = self.resolve_config(config)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, props) in resolved.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = _LEVEL_VALUES[level]
            entry.properties.CopyFrom(to_struct(props))
        self.stub.Configure(request)
        return resolved

    def _options(self, r: RecordedResource) -> analyzer_pb2.AnalyzerResourceOptions:
        return analyzer_pb2.AnalyzerResourceOptions(protect=r.protect, parent=r.parent or "")

    def _violations(self, response: Any) -> list[Violation]:
        return [
            Violation(
                pack=d.policyPackName or self.info.name,
                policy=d.policyName,
                level=_LEVELS.get(d.enforcementLevel, "advisory"),
                message=d.message,
                urn=d.urn,
                severity=_SEVERITIES.get(d.severity, ""),
                description=d.description,
            )
            for d in response.diagnostics
        ]

    def analyze_request(self, r: RecordedResource) -> analyzer_pb2.AnalyzeRequest:
        """The `Analyze` request the engine sends for one resource (its inputs)."""
        return analyzer_pb2.AnalyzeRequest(
            type=r.type, properties=to_struct(r.inputs), urn=r.urn, name=r.name, options=self._options(r)
        )

    def analyze(self, r: RecordedResource) -> list[Violation]:
        """Run every resource policy on one resource; violations carry the resource URN."""
        response = self.stub.Analyze(self.analyze_request(r))
        return [_with_urn(v, r.urn) for v in self._violations(response)]

    def analyze_many(self, resources: Iterable[RecordedResource], parallel: int = 4) -> list[Violation]:
        """`Analyze` for many resources with a few calls in flight, results in input order."""
        return [v for found in self.analyze_each(resources, parallel) for v in found]

    def analyze_each(self, resources: Iterable[RecordedResource], parallel: int = 4) -> list[list[Violation]]:
        """`Analyze` for many resources with a few calls in flight: each resource's violations, in input order."""
        items = list(resources)
        calls = [self.stub.Analyze.future(self.analyze_request(r)) for r in items[:parallel]]
        out: list[list[Violation]] = []
        for i, r in enumerate(items):
            response = calls[i].result()
            nxt = i + parallel
            if nxt < len(items):
                calls.append(self.stub.Analyze.future(self.analyze_request(items[nxt])))
            out.append([_with_urn(v, r.urn) for v in self._violations(response)])
        return out

    def analyze_stack(self, resources: Iterable[RecordedResource]) -> list[Violation]:
        """Run every stack policy once over the whole graph."""
        request = analyzer_pb2.AnalyzeStackRequest()
        for r in resources:
            request.resources.append(
                analyzer_pb2.AnalyzerResource(
                    type=r.type,
                    properties=to_struct(r.inputs),
                    urn=r.urn,
                    name=r.name,
                    options=self._options(r),
                    parent=r.parent or "",
                    dependencies=r.dependencies,
                    propertyDependencies={
                        k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                        for k, v in r.property_dependencies.items()
                    },
                )
            )
        return self._violations(self.stub.AnalyzeStack(request))

    def remediate(self, r: RecordedResource) -> list[tuple[str, dict[str, Any]]]:
        """Run remediations on one resource: (policy, new properties) for each that changed it."""
        response = self.stub.Remediate(self.analyze_request(r))
        return [
            (rem.policyName, json_format.MessageToDict(rem.properties))
            for rem in response.remediations
            if rem.HasField("properties")
        ]


def _with_urn(v: Violation, urn: str) -> Violation:
    if v.urn:
        return v
    return Violation(v.pack, v.policy, v.level, v.message, urn, v.severity, v.description)


def _split_entry(name: str, entry: Any) -> tuple[str | None, dict[str, Any]]:
    """A config entry as (level or None, properties); raises PackConfigError on a bad level."""
    level: Any
    if entry is None:
        return None, {}
    if isinstance(entry, str):
        level, props = entry, {}
    elif isinstance(entry, Mapping):
        props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        level = entry.get("enforcementLevel")
        if level is None:
            return None, props
    else:
        raise PackConfigError(
            f"config for policy {name!r} must be an enforcement level or an object, not {type(entry).__name__}"
        )
    if level not in _LEVEL_VALUES:
        raise PackConfigError(
            f"config for policy {name!r}: enforcementLevel {level!r} is not one of "
            "advisory, mandatory, remediate, disabled"
        )
    return str(level), props
