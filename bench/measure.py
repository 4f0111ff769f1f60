"""Measurements the benchmark runs in fresh interpreters (`python -m bench.measure <what>`).

Each prints one JSON object on its last stdout line. `engine` is the floor of the full preflight: the
program alone under the offline engine (`run_engine`, no policy pack), as the preflight runs it.
`inprocess` is the program under `set_mocks` in this interpreter (how the preflight ran programs before the
engine). `analyze` compares the real pack with the no-rule floor pack on the same recorded resources.
"""

from __future__ import annotations

import argparse
import json
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


def _stack(stack: str, cwd: Path) -> tuple[Any, Any, Any]:
    """The project, the stack's config and the emulator settings, as `python -m preflight` builds them."""
    from preflight.emulator import EMULATED_SUBSCRIPTION, EMULATED_TENANT, EmulatorSettings
    from preflight.project import load_project, load_stack

    project = load_project(cwd)
    config = load_stack(project, stack)
    emulator = EmulatorSettings(
        preview=True,
        subscription_id=config.get("azure-native:subscriptionId") or EMULATED_SUBSCRIPTION,
        tenant_id=config.get("azure-native:tenantId") or EMULATED_TENANT,
        location=config.get("azure-native:location") or "westeurope",
    )
    return project, config, emulator


def record_engine(stack: str, cwd: Path) -> tuple[Any, Any, float]:
    """The stack's recording under the offline engine with no pack, its config, and the program's seconds."""
    from preflight.engine import run_engine

    project, config, emulator = _stack(stack, cwd)
    started = time.perf_counter()
    recording = run_engine(
        project,
        stack=stack,
        config=config.values,
        secret_keys=config.secret_keys,
        preview=True,
        emulator=emulator,
    )
    return recording, config, time.perf_counter() - started


def measure_engine(stack: str, cwd: Path) -> dict[str, Any]:
    """The floor: the program alone under the offline engine (the run a preflight cannot go below)."""
    recording, _, seconds = record_engine(stack, cwd)
    return {"program_s": seconds, "resources": len(recording.resources)}


def measure_inprocess(stack: str, cwd: Path) -> dict[str, Any]:
    """The program under mocks in this interpreter (imports included: a fresh process pays them)."""
    from bench.inprocess import run_in_process

    project, config, emulator = _stack(stack, cwd)
    started = time.perf_counter()
    resources = run_in_process(
        project.directory,
        project.main,
        project=project.name,
        stack=stack,
        config=config.values,
        secret_keys=config.secret_keys,
        emulator=emulator,
    )
    return {"program_s": time.perf_counter() - started, "resources": len(resources)}


def measure_analyze(stack: str, cwd: Path, rounds: int, pack_config: Path | None) -> dict[str, Any]:
    """`Analyze` seconds per resource, the real pack and the no-rule floor pack in turn on the same resources.

    Both packs run side by side; each round times one serial pass (one call in flight, as the engine's
    streaming analysis sends them) over every custom resource with the full pack, then with the floor
    pack, so both see the same load. Per pack: each round's mean per resource.
    """
    from bench.stats import interleave
    from preflight.analyzer import PolicyPackProcess

    recording, config, _ = record_engine(stack, cwd)
    custom = [r for r in recording.resources if r.custom]
    full_config = json.loads(pack_config.read_text()) if pack_config else {}
    with (
        PolicyPackProcess(FULL_PACK, project=recording.project, stack=stack, config=config.values) as full,
        PolicyPackProcess(FLOOR_PACK, project=recording.project, stack=stack, config=config.values) as floor,
    ):
        full.configure(full_config)
        floor.configure({})
        for pack in (full, floor):
            for r in custom:  # warm-up: the SDK's first calls import and cache
                pack.analyze(r)

        def one_pass(pack: PolicyPackProcess) -> float:
            started = time.perf_counter()
            for r in custom:
                pack.analyze(r)
            return (time.perf_counter() - started) / len(custom)

        passes = interleave({"full": lambda: one_pass(full), "floor": lambda: one_pass(floor)}, rounds)
        return {
            "resources": len(custom),
            "rounds": rounds,
            "full": {"policies": len(full.info.policies), "serial_s": passes["full"]},
            "floor": {"policies": len(floor.info.policies), "serial_s": passes["floor"]},
        }


def main(argv: Sequence[str] | None = None) -> int:
    """Run one measurement and print it as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.measure")
    parser.add_argument("what", choices=("import", "engine", "inprocess", "analyze"))
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--cwd", type=Path, default=REPO)
    parser.add_argument("--rounds", type=int, default=5, help="analyze: interleaved passes per pack")
    parser.add_argument("--pack-config", type=Path, help="analyze: the full pack's config (the stack's)")
    args = parser.parse_args(argv)
    if args.what == "import":
        sys.path.insert(0, str(REPO))
        result = measure_import()
    elif args.what == "engine":
        result = measure_engine(args.stack, args.cwd.resolve())
    elif args.what == "inprocess":
        result = measure_inprocess(args.stack, args.cwd.resolve())
    else:
        result = measure_analyze(args.stack, args.cwd.resolve(), args.rounds, args.pack_config)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
