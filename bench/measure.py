"""In-process measurements the benchmark runs in fresh interpreters (`python -m bench.measure <what>`).

Each prints one JSON object on stdout, so `bench/run.py` can time things that need a clean process (imports,
the program under mocks) and compare policy packs on the same recorded resources.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FLOOR_PACK = REPO / "bench" / "packs" / "floor"
FULL_PACK = REPO / "policypacks" / "aml-security"


def measure_import() -> dict[str, Any]:
    """Seconds to import what the project's program imports (pulumi, azure-native submodules, components)."""
    started = time.perf_counter()
    import components  # noqa: F401

    return {"import_s": time.perf_counter() - started}


def _record(stack: str, cwd: Path) -> tuple[Any, float, int]:
    """The stack's recording under the emulator (preview mode), the program's seconds, and its resource count."""
    from bench.inprocess import run_program
    from preflight.emulator import EmulatorSettings
    from preflight.project import load_project, load_stack

    project = load_project(cwd)
    config = load_stack(project, stack)
    started = time.perf_counter()
    recording = run_program(
        project.directory,
        project.main,
        project=project.name,
        stack=stack,
        config=config.values,
        secret_keys=config.secret_keys,
        preview=True,
        emulator=EmulatorSettings(location=config.get("azure-native:location") or "westeurope"),
    )
    return recording, time.perf_counter() - started, len(recording.resources)


def measure_program(stack: str, cwd: Path) -> dict[str, Any]:
    """Seconds for the program under mocks (imports included: a fresh process pays them, as preflight does)."""
    _, seconds, count = _record(stack, cwd)
    return {"program_s": seconds, "resources": count}


def measure_analyze(stack: str, cwd: Path, repeats: int) -> dict[str, Any]:
    """Mean `Analyze` seconds per resource for the full pack and the no-rule floor pack, same resources.

    Serial: one call in flight, so the figure is the latency of one resource through the protocol and the
    rules. Pipelined: preflight's own `analyze_many` (a few calls in flight), the throughput it gets.
    """
    from preflight.analyzer import PolicyPackProcess

    recording, _, _ = _record(stack, cwd)
    custom = [r for r in recording.resources if r.custom]
    out: dict[str, Any] = {"resources": len(custom), "repeats": repeats}
    for label, pack_dir in (("full", FULL_PACK), ("floor", FLOOR_PACK)):
        with PolicyPackProcess(pack_dir, project=recording.project, stack=stack) as pack:
            pack.configure({})
            for r in custom:  # warm-up: the SDK's first calls import and cache
                pack.analyze(r)
            serial: list[float] = []
            for _ in range(repeats):
                started = time.perf_counter()
                for r in custom:
                    pack.analyze(r)
                serial.append((time.perf_counter() - started) / len(custom))
            piped: list[float] = []
            for _ in range(repeats):
                started = time.perf_counter()
                pack.analyze_many(custom)
                piped.append((time.perf_counter() - started) / len(custom))
            out[label] = {
                "policies": len(pack.info.policies),
                "serial_s": statistics.median(serial),
                "pipelined_s": statistics.median(piped),
            }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run one measurement and print it as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.measure")
    parser.add_argument("what", choices=("import", "program", "analyze"))
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--cwd", type=Path, default=REPO)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.what == "import":
        sys.path.insert(0, str(REPO))
        result = measure_import()
    elif args.what == "program":
        result = measure_program(args.stack, args.cwd.resolve())
    else:
        result = measure_analyze(args.stack, args.cwd.resolve(), args.repeats)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
