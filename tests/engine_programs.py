"""Run a small Pulumi program on the offline engine, as `python -m preflight` runs a project's program.

Tests of the emulated Azure and the recording monitor write their program as source text: it becomes the
`__main__.py` of a throwaway project whose Pulumi.yaml names this repository's virtualenv, with the library
(`components/`, and the component package's `aml_baseline_provider.py`) linked in, and runs in its
own interpreter against preflight's resource monitor over gRPC.
"""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path

from preflight.emulator import EmulatorSettings
from preflight.engine import run_engine
from preflight.program import Recording
from preflight.project import load_project

REPO = Path(__file__).resolve().parent.parent
LINKED = {
    "components": REPO / "components",
    "aml_baseline_provider.py": REPO / "provider" / "aml_baseline_provider.py",
}


def run_on_engine(
    source: str,
    *,
    project: str = "p",
    stack: str = "dev",
    preview: bool = True,
    emulator: EmulatorSettings | None = None,
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
) -> Recording:
    """Run `source` (dedented) as a project's `__main__.py` on the engine and return what it registered."""
    with tempfile.TemporaryDirectory(prefix="engine-program-") as tmp:
        directory = Path(tmp)
        (directory / "Pulumi.yaml").write_text(
            f"name: {project}\nruntime:\n  name: python\n  options:\n    virtualenv: {REPO / 'venv'}\n"
        )
        (directory / "__main__.py").write_text(textwrap.dedent(source).lstrip())
        for name, target in LINKED.items():
            if target.exists():
                (directory / name).symlink_to(target)
        return run_engine(
            load_project(directory),
            stack=stack,
            config=dict(config or {}),
            secret_keys=list(secret_keys or []),
            preview=preview,
            emulator=emulator or EmulatorSettings(),
        )
