"""`python -m preflight`: the offline equivalent of `pulumi preview --policy-pack ...` for one stack.

Exit status: 0 when no mandatory policy is violated, 1 when one is, 2 on any error (configuration,
program, emulator, or a policy pack that fails to start or rejects its configuration).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from .analyzer import PackConfigError, PackStartError, PolicyPackProcess
from .emulator import EMULATED_SUBSCRIPTION, EMULATED_TENANT, EmulatorSettings
from .engine import StreamingAnalysis, run_engine
from .formats import outputs
from .formats.progress import format_timings, starting
from .model import Violation
from .program import ProgramError
from .project import ConfigurationError, Notice, load_project, load_stack
from .report import DuplicateResourceError, PackRun, PreflightResult, check_duplicates

REPO_ROOT = Path(__file__).resolve().parent.parent
EXIT_CLEAN, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


@dataclass
class Options:
    """What to preview and how: stack, project directory, packs and their config, mode."""

    stack: str
    cwd: Path = field(default_factory=Path.cwd)
    """The project directory; like `pulumi preview`, the current directory unless given."""
    policy_packs: list[Path] = field(default_factory=list)
    policy_pack_configs: list[Path] = field(default_factory=list)
    mode: str = "preview"
    install: bool = False
    """Create a missing virtualenv (or node_modules) as `pulumi install` does, instead of stopping."""


def packs_dir() -> Path:
    """Where the shipped policy packs are: installed, package data next to this module; else the repository's."""
    installed = Path(__file__).resolve().parent / "policypacks"
    return installed if installed.is_dir() else REPO_ROOT / "policypacks"


def default_packs() -> list[Path]:
    """Every policy pack shipped with this project (`policypacks/*/PulumiPolicy.yaml`)."""
    return sorted(p.parent for p in packs_dir().glob("*/PulumiPolicy.yaml"))


def _read_pack_config(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise PackConfigError(f"cannot read policy pack config {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise PackConfigError(f"policy pack config {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PackConfigError(f"policy pack config {path} must be a JSON object keyed by policy name")
    return data


def _autonaming(raw: str | None) -> dict[str, Any]:
    """`pulumi:autonaming` as the emulator reads it: an object (config values arrive as JSON text)."""
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"pulumi:autonaming: not an object ({exc}); allowed: mode or pattern"
        ) from exc
    if not isinstance(value, dict):
        raise ConfigurationError(
            f"pulumi:autonaming: {value!r} is not an object; allowed: {{mode: default|verbatim|disabled}} or "
            "{pattern: ...}, with optional providers"
        )
    return value


def run_preflight(options: Options) -> PreflightResult:
    """Load the stack, start the packs, run the program in its own runtime against the emulated Azure while
    the packs analyse each resource it registers, and collect."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    project = load_project(options.cwd)
    stack = load_stack(project, options.stack)
    preview = options.mode == "preview"
    if not preview and stack.marked_placeholders:
        marked = stack.marked_placeholders
        raise ConfigurationError(
            f"stack {options.stack!r}: {len(marked)} value(s) marked PLACEHOLDER must be replaced before "
            "`pulumi up` (--mode up): " + "; ".join(n.message for n in marked)
        )
    packs = options.policy_packs or default_packs()
    if len(options.policy_pack_configs) > len(packs):
        raise PackConfigError(
            f"{len(options.policy_pack_configs)} --policy-pack-config files for {len(packs)} policy pack(s): "
            "each config file pairs with the --policy-pack at the same position"
        )
    pack_configs = [_read_pack_config(p) for p in options.policy_pack_configs]
    emulator = EmulatorSettings(
        preview=preview,
        subscription_id=stack.get("azure-native:subscriptionId") or EMULATED_SUBSCRIPTION,
        tenant_id=stack.get("azure-native:tenantId") or EMULATED_TENANT,
        location=stack.get("azure-native:location") or "westeurope",
        autonaming=_autonaming(stack.get("pulumi:autonaming")),
        config=dict(stack.values),
    )
    timings["load"] = time.perf_counter() - started

    with ExitStack() as stack_ctx:
        processes: list[PolicyPackProcess] = []
        for pack_dir in packs:
            proc = PolicyPackProcess(
                pack_dir, project=project.name, stack=options.stack, dry_run=preview, config=stack.values
            )
            stack_ctx.callback(proc.close)
            with signals_deferred():
                proc.spawn()  # boots while the program runs
            processes.append(proc)

        t = time.perf_counter()
        configs = [pack_configs[i] if i < len(pack_configs) else None for i in range(len(processes))]
        analysis = StreamingAnalysis(processes, configs)
        analysis.start()
        stack_ctx.callback(analysis.stop)
        recording = run_engine(
            project,
            stack=options.stack,
            config=stack.values,
            secret_keys=stack.secret_keys,
            preview=preview,
            emulator=emulator,
            install=options.install,
            echo=sys.stderr,
            on_record=analysis.submit,
        )
        timings["program"] = time.perf_counter() - t
        streamed = analysis.finish(recording.resources)

        check_duplicates(recording.resources)

        def analyze_stack(proc: PolicyPackProcess) -> tuple[list[Violation], float]:
            t = time.perf_counter()
            return proc.analyze_stack(recording.resources), time.perf_counter() - t

        violations: list[Violation] = []
        runs: list[PackRun] = []
        # AnalyzeStack of every pack at once (each pack is its own process); results in pack order.
        pool = ThreadPoolExecutor(max_workers=max(len(processes), 1), thread_name_prefix="preflight-stack")
        try:
            stack_results = list(pool.map(analyze_stack, processes))
        finally:  # on a signal, do not wait here: the packs are stopped below, which ends the calls
            pool.shutdown(wait=False, cancel_futures=True)
        for i, proc in enumerate(processes):
            violations.extend(streamed[i])  # analysed while the program ran
            violations.extend(stack_results[i][0])
            timings[f"pack:{proc.info.name}"] = stack_results[i][1]
            runs.append(PackRun(directory=proc.pack_dir, info=proc.info))
    timings["total"] = time.perf_counter() - started
    return PreflightResult(
        recording=recording,
        packs=runs,
        violations=violations,
        placeholders=stack.placeholders,
        timings=timings,
        notices=[n for n in stack.notices if not _read_at_run_time(n, recording.config_reads)],
    )


def _read_at_run_time(notice: Notice, reads: list[str] | None) -> bool:
    """An "undeclared key" warning about a key the program did read, by a name its sources do not spell out
    (built at run time): no warning. Without the program's reads (Node.js), the sources decide alone."""
    return notice.kind == "undeclared-key" and reads is not None and notice.key in reads


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line, mirroring `pulumi preview` flags where they exist."""
    parser = argparse.ArgumentParser(
        prog="python -m preflight" if __package__ == "preflight" else "aml-preflight",
        description="Offline `pulumi preview --policy-pack`: run a stack's program against an emulated Azure "
        "and check every resource with the policy packs over the real analyzer protocol.",
    )
    parser.add_argument(
        "--stack", "-s", required=True, help="stack name (reads <stackConfigDir>/Pulumi.<stack>.yaml)"
    )
    parser.add_argument(
        "--cwd",
        "-C",
        type=Path,
        default=Path("."),
        help="project directory (default: the current directory, as `pulumi preview`)",
    )
    parser.add_argument(
        "--policy-pack",
        action="append",
        type=Path,
        default=[],
        dest="policy_packs",
        help="policy pack directory (repeatable; default: every pack under this project's policypacks/)",
    )
    parser.add_argument(
        "--policy-pack-config",
        action="append",
        type=Path,
        default=[],
        dest="policy_pack_configs",
        help="JSON config for the --policy-pack at the same position (the CLI's format)",
    )
    parser.add_argument(
        "--mode",
        choices=("preview", "up"),
        default="preview",
        help="preview: outputs of new resources unknown (default); up: outputs known",
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="create the program's missing virtualenv (Pulumi.yaml runtime.options.virtualenv; pip install -r "
        "requirements.txt) or node_modules (npm install), as `pulumi install` does",
    )
    parser.add_argument(
        "--format",
        action="append",
        dest="formats",
        metavar="FORMAT",
        help=f"output format: {', '.join(outputs.NAMES)} (default text); repeat or comma-separate "
        "several, with --output-dir",
    )
    parser.add_argument("--output", "-o", type=Path, help="write the output to this file instead of stdout")
    parser.add_argument("--output-dir", type=Path, help="write each format to DIR/preflight.<ext>")
    parser.add_argument("--progress", action="store_true", help="print phase timings on stderr")
    args = parser.parse_args(argv)
    try:
        args.formats = outputs.parse_formats(args.formats)
    except ValueError as exc:
        parser.error(str(exc))
    if len(args.formats) > 1 and not args.output_dir:
        parser.error("several formats need --output-dir")
    if args.output and args.output_dir:
        parser.error("--output and --output-dir are exclusive")
    return args


_SIGNALLED: list[int] = []
"""Signals received during this run: a signal raised inside the program can surface as another error (an
interrupted import leaves a half-initialised module), so the exit status is decided by this list first."""


_DEFERRED: list[int] = []
"""Signals received while a pack process was starting, raised once it is registered for cleanup."""
_DEFERRING: list[bool] = []


def _raise_for(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def _terminate(signum: int, frame: FrameType | None) -> None:
    _SIGNALLED.append(signum)
    if _DEFERRING:
        _DEFERRED.append(signum)
        return
    raise SystemExit(128 + signum)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _SIGNALLED.append(signum)
    if _DEFERRING:
        _DEFERRED.append(signum)
        return
    raise KeyboardInterrupt


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while a policy pack process starts, then act on them.

    With several packs, a signal can arrive while the next pack is being forked; raised inside `Popen` it
    would leave that pack running with nobody to stop it. Deferred, it is raised once the process is
    registered for cleanup, so every pack started is stopped.
    """
    _DEFERRING.append(True)
    try:
        yield
    finally:
        _DEFERRING.pop()
        if _DEFERRED and not _DEFERRING:
            signum = _DEFERRED[0]
            _DEFERRED.clear()
            _raise_for(signum)


_ERROR_KINDS: dict[type[Exception], str] = {
    ConfigurationError: "configuration",
    PackConfigError: "policy pack configuration",
    PackStartError: "policy pack",
    ProgramError: "program failed",
    DuplicateResourceError: "resource conflict",
}


def interrupted() -> bool:
    """True when a signal ended this run (its exit status is then 128 + the signal number)."""
    return bool(_SIGNALLED)


def _signal_exit() -> int:
    """Report the first signal received and return its conventional exit status (128 + signal number)."""
    print("error: interrupted", file=sys.stderr)
    return 128 + _SIGNALLED[0]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the preflight and print the result; returns the exit status."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _interrupt)
    options = Options(
        stack=args.stack,
        cwd=args.cwd.resolve(),
        policy_packs=[p.resolve() for p in args.policy_packs],
        policy_pack_configs=args.policy_pack_configs,
        mode=args.mode,
        install=args.install,
    )
    to_terminal = args.formats == ["text"] and not (args.output or args.output_dir) and sys.stdout.isatty()
    progress = args.progress or to_terminal
    if progress:
        print(starting(options.stack, len(options.policy_packs or default_packs())), file=sys.stderr)
    try:
        result = run_preflight(options)
    except KeyboardInterrupt:
        _SIGNALLED.append(signal.SIGINT)
    except (ConfigurationError, PackConfigError, PackStartError, ProgramError, DuplicateResourceError) as exc:
        if not _SIGNALLED:
            kind = next(label for cls, label in _ERROR_KINDS.items() if isinstance(exc, cls))
            print(f"error: {kind}: {exc}", file=sys.stderr)
            return EXIT_ERROR
    if _SIGNALLED:
        return _signal_exit()

    labels = {}
    for run in result.packs:
        try:
            labels[run.info.name] = str(run.directory.relative_to(Path.cwd()))
        except ValueError:
            labels[run.info.name] = str(run.directory)
    if args.output_dir:
        for path in outputs.write_all(args.formats, result, args.output_dir, options.cwd, labels):
            if progress:
                print(f"preflight: wrote {path}", file=sys.stderr)
    else:
        text = outputs.render(args.formats[0], result, options.cwd, labels)
        if args.output:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(text)
        else:
            sys.stdout.write(text)
    if progress:
        print(format_timings(result.timings), file=sys.stderr)
    return result.exit_code()
