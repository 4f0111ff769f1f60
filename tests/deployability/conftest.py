"""The azure-deployability pack, started once per test session as the engine starts it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from preflight.analyzer import PolicyPackProcess

from ..policies.support import PROJECT, STACK

PACK_DIR = Path(__file__).resolve().parents[2] / "policypacks" / "azure-deployability"


@pytest.fixture(scope="session")
def pack() -> Iterator[PolicyPackProcess]:
    """The azure-deployability pack, running, with the schema defaults configured."""
    with PolicyPackProcess(PACK_DIR, project=PROJECT, stack=STACK, dry_run=True) as p:
        p.configure({})
        yield p
