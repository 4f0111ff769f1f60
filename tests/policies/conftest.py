"""One policy pack process per test session, started as the engine starts it, and helpers around it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from preflight.analyzer import PolicyPackProcess
from preflight.model import RecordedResource, Violation

from .support import PROJECT, STACK

PACK_DIR = Path(__file__).resolve().parents[2] / "policypacks" / "aml-security"


@pytest.fixture(scope="session")
def pack() -> Iterator[PolicyPackProcess]:
    """The aml-security pack, running, with the schema defaults configured."""
    with PolicyPackProcess(PACK_DIR, project=PROJECT, stack=STACK, dry_run=True) as p:
        p.configure({})
        yield p


@contextmanager
def configured(pack: PolicyPackProcess, config: dict[str, Any] | None) -> Iterator[None]:
    """Send `config` (CLI format) for the duration of a block, then restore the defaults."""
    if not config:
        yield
        return
    pack.configure(config)
    try:
        yield
    finally:
        pack.configure({})


def analyze(
    pack: PolicyPackProcess, r: RecordedResource, config: dict[str, Any] | None = None
) -> list[Violation]:
    """Analyze one resource under an optional config."""
    with configured(pack, config):
        return pack.analyze(r)
