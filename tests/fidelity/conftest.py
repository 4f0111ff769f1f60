"""`make fidelity`: one summary line per program at the end of the run (exit, resources, timings, sizes)."""

from __future__ import annotations

import pytest

RESULTS: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what each program's run recorded, also when a check failed after the run."""
    if RESULTS:
        terminalreporter.section("fidelity")
        for line in RESULTS:
            terminalreporter.write_line(line)
