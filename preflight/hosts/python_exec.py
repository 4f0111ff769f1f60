"""Run a Pulumi Python program against a resource monitor, as the CLI's Python language host does.

Runs inside the *project's* interpreter (its virtualenv, its pinned pulumi SDK), so it imports nothing
from preflight. Adapted from pulumi/pulumi `sdk/python/cmd/pulumi-language-python-exec` (Apache-2.0):
same arguments (`--monitor --engine --project --stack --root_directory --pwd --dry_run --parallel
--organization PROGRAM`), same config (`PULUMI_CONFIG`, `PULUMI_CONFIG_SECRET_KEYS`), same
`run_in_stack`. One difference: an unhandled exception is logged as its type, message and the program's
own frames (what preflight prints), and the exit status is 32 as upstream; a refused configuration (an
exception class named `SettingsError`) is logged with a marker, its message and the program line only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import json
import logging
import os
import runpy
import sys
import sysconfig
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

try:
    import pulumi
    import pulumi.runtime
except ImportError:
    print(traceback.format_exc(), file=sys.stderr)
    print("The Pulumi SDK is not installed in this project's Python environment.", file=sys.stderr)
    sys.exit(1)


class _NoDebugLogs:
    """The engine client without debug-level log calls: the CLI discards those unless run with `-v`, and
    the SDK sends several per resource, each a blocking round trip on the program's event loop."""

    def __init__(self, stub: Any) -> None:
        self._stub = stub

    def Log(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        from pulumi.runtime.proto import engine_pb2

        if request.severity == engine_pb2.DEBUG:
            return None
        return self._stub.Log(request, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stub, name)


# Full collections after this many generation-1 collections instead of 10 (CPython's default).
FULL_COLLECTION_THRESHOLD = 1000
# The language host's code for "an error was already shown to the user".
EXITED_AFTER_SHOWING_ERROR = 32


# Prefix of the logged error when the program refused its configuration (preflight reports it as a
# configuration error, without a traceback). Preflight's engine strips it (preflight/engine.py, same value).
CONFIGURATION_ERROR_MARK = "preflight:configuration-error:"


def _program_frames(exc: BaseException) -> list[traceback.FrameSummary]:
    """The traceback's frames in program code (not the SDK's, the standard library's, packages' or ours)."""
    stdlib = sysconfig.get_paths()["stdlib"]
    return [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename
        and not f.filename.startswith(("<", stdlib, os.path.abspath(__file__)))
        and "site-packages" not in f.filename
    ]


def _describe(exc: BaseException) -> str:
    """The exception with the program's frames only (the last five)."""
    where = "".join(traceback.format_list(_program_frames(exc)[-5:]))
    message = f"{type(exc).__name__}: {exc}"
    return f"{message}\n{where}".rstrip() if where else message


def _is_settings_error(exc: BaseException) -> bool:
    """An exception whose class (or a base) is named `SettingsError`, as components.settings raises when the
    program's configuration is refused (recognised by name: the library is the program's, not ours)."""
    return any(cls.__name__ == "SettingsError" for cls in type(exc).__mro__)


def _shown_path(filename: str) -> str:
    """A program file relative to the working directory (the project) when it is inside it."""
    cwd = os.getcwd()
    for file, base in ((os.path.abspath(filename), cwd), (os.path.realpath(filename), os.path.realpath(cwd))):
        if file.startswith(base + os.sep):
            return os.path.relpath(file, base)
    return filename


def _configuration_error(exc: BaseException) -> str:
    """The refused configuration's message and the program line that built it (the outermost program frame)."""
    frames = _program_frames(exc)
    where = f"\n  at {_shown_path(frames[0].filename)}:{frames[0].lineno}" if frames else ""
    return f"{CONFIGURATION_ERROR_MARK}{exc}{where}"


def _record_config_reads() -> set[str] | None:
    """Remember every configuration key the program asks `pulumi.Config` for (preflight's warning about stack
    keys nobody reads then knows keys whose names are built at run time); None if this SDK cannot tell."""
    import pulumi.config as config_module

    original = getattr(config_module, "get_config", None)
    if original is None or not callable(original):
        return None
    reads: set[str] = set()

    def get_config(k: str) -> Any:
        reads.add(k)
        return original(k)

    config_module.get_config = get_config
    return reads


def _write_config_reads(reads: set[str] | None) -> None:
    """Hand the keys read to preflight through the file it names (`PREFLIGHT_CONFIG_READS`)."""
    target = os.environ.get("PREFLIGHT_CONFIG_READS")
    if target and reads is not None:
        with open(target, "w") as handle:
            json.dump(sorted(reads), handle)


def main() -> int:
    """Parse the language host's arguments, configure the runtime, run the program in the root stack."""
    ap = argparse.ArgumentParser(description="Execute a Pulumi Python program")
    for flag in ("project", "root_directory", "stack", "parallel", "dry_run", "pwd", "monitor", "engine"):
        ap.add_argument(f"--{flag}")
    ap.add_argument("--tracing")
    ap.add_argument("--organization")
    ap.add_argument("PROGRAM")
    ap.add_argument("ARGS", nargs="*")
    args = ap.parse_args()

    config = pulumi.runtime.get_config_env()
    if hasattr(pulumi.runtime, "get_config_secret_keys_env") and hasattr(pulumi.runtime, "set_all_config"):
        pulumi.runtime.set_all_config(config, pulumi.runtime.get_config_secret_keys_env())
    else:  # older SDKs
        for k, v in config.items():
            pulumi.runtime.set_config(k, v)

    kwargs: dict[str, Any] = {
        "monitor": args.monitor,
        "engine": args.engine,
        "project": args.project,
        "stack": args.stack,
        "parallel": int(args.parallel or 1),
        "dry_run": args.dry_run == "true",
        "organization": args.organization,
        "root_directory": args.root_directory,
    }
    accepted = inspect.signature(pulumi.runtime.Settings.__init__).parameters
    settings = pulumi.runtime.Settings(**{k: v for k, v in kwargs.items() if k in accepted})
    if settings.engine is not None and os.environ.get("PREFLIGHT_DEBUG_LOGS") != "1":
        settings.engine = _NoDebugLogs(settings.engine)
    pulumi.runtime.configure(settings)

    sys.argv = [args.PROGRAM, *args.ARGS]
    if args.pwd:
        os.chdir(args.pwd)
    # As `python __main__.py` would: the program's directory first on sys.path.
    program_dir = os.path.abspath(
        args.PROGRAM if os.path.isdir(args.PROGRAM) else os.path.dirname(args.PROGRAM)
    )
    sys.path.insert(0, program_dir)

    # Fewer full collections while the program runs (a measured 2.5x on large estates): the SDK keeps
    # every Output of the program alive until it ends, so each full collection walks the whole growing heap.
    threshold = gc.get_threshold()
    gc.set_threshold(threshold[0], threshold[1], max(threshold[2], FULL_COLLECTION_THRESHOLD))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    executor = ThreadPoolExecutor(max_workers=max(int(args.parallel or 1), 1) * 4)
    loop.set_default_executor(executor)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    code = 1

    reads = _record_config_reads()

    def program() -> None:
        runpy.run_path(args.PROGRAM, run_name="__main__")

    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(program))
        code = 0
    except pulumi.RunError as exc:
        pulumi.log.error(str(exc))
    except Exception as exc:
        pulumi.log.error(_configuration_error(exc) if _is_settings_error(exc) else _describe(exc))
        code = EXITED_AFTER_SHOWING_ERROR
    finally:
        executor.shutdown(wait=True)
        loop.close()
        _write_config_reads(reads)
        sys.stdout.flush()
        sys.stderr.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
