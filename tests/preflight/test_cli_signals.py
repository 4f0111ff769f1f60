"""A signal that arrives while a policy pack process starts is held until the process can be stopped."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from preflight import cli


@pytest.fixture
def handlers() -> Iterator[None]:
    """The CLI's SIGINT/SIGTERM handlers for one test, then the previous ones and a clean signal record."""
    old = signal.signal(signal.SIGINT, cli._interrupt), signal.signal(signal.SIGTERM, cli._terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old[0])
        signal.signal(signal.SIGTERM, old[1])
        cli._SIGNALLED.clear()
        cli._DEFERRED.clear()


@pytest.mark.usefixtures("handlers")
def test_sigint_during_a_pack_start_is_raised_after_it() -> None:
    """Inside `signals_deferred` the interrupt is recorded, not raised; it is raised on leaving the block."""
    reached_end = False
    with pytest.raises(KeyboardInterrupt), cli.signals_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        reached_end = True
    assert reached_end and cli.interrupted()


@pytest.mark.usefixtures("handlers")
def test_sigterm_during_a_pack_start_exits_with_its_status() -> None:
    """SIGTERM held the same way ends with SystemExit(128 + SIGTERM) once the pack is registered."""
    with pytest.raises(SystemExit) as exc, cli.signals_deferred():
        os.kill(os.getpid(), signal.SIGTERM)
    assert exc.value.code == 128 + signal.SIGTERM


@pytest.mark.usefixtures("handlers")
def test_no_signal_no_effect() -> None:
    """Without a signal the block is transparent."""
    with cli.signals_deferred():
        pass
    assert not cli.interrupted()
