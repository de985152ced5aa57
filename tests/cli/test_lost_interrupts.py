"""A Ctrl-C (or SIGTERM) that lands inside a finalizer is not lost: Python "ignores" a KeyboardInterrupt
raised there (a traceback on stderr, and the run went on to exit 0: reproduced with `preflight -s dev`
interrupted at 3 s under load 3); the CLI's unraisable hook delivers the signal again, so it is raised in
ordinary code."""

from __future__ import annotations

import signal
import sys
import time
import weakref

import pytest

from batch_infra.cli import main as cli_main
from batch_infra.cli.main import Terminated, _redeliver_lost_interrupts


class Delivered(Exception):
    pass


def _raise_inside_a_weakref_callback(exc: BaseException) -> None:
    class Thing:
        pass

    thing = Thing()

    def callback(_: object) -> None:
        raise exc

    ref = weakref.ref(thing, callback)
    del thing  # the callback runs now; Python reports, never raises, what it raises
    assert ref() is None


@pytest.mark.parametrize(
    ("signum", "exc"), [(signal.SIGINT, KeyboardInterrupt()), (signal.SIGTERM, Terminated(signal.SIGTERM))]
)
def test_an_interrupt_raised_in_a_finalizer_is_delivered_again(signum, exc, monkeypatch) -> None:
    seen: list[int] = []

    def handler(number: int, _frame: object) -> None:
        seen.append(number)
        raise Delivered(number)

    others: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", _redeliver_lost_interrupts(others.append))
    # SIGTERM: _terminate set it to SIG_IGN while raising; the hook re-arms _terminate (here: the probe).
    monkeypatch.setattr(cli_main, "_terminate", handler)
    previous = signal.signal(signum, signal.SIG_IGN if signum == signal.SIGTERM else handler)
    try:
        with pytest.raises(Delivered):
            _raise_inside_a_weakref_callback(exc)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:  # ordinary code, where the redelivered signal raises
                time.sleep(0.001)
    finally:
        signal.signal(signum, previous)
    assert seen == [signum] and others == []


def test_other_unraisable_errors_go_to_the_previous_hook(monkeypatch) -> None:
    others: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", _redeliver_lost_interrupts(others.append))
    _raise_inside_a_weakref_callback(ValueError("not an interrupt"))
    assert len(others) == 1 and isinstance(others[0].exc_value, ValueError)


def test_main_installs_the_hook_and_puts_the_previous_one_back(monkeypatch) -> None:
    before = sys.unraisablehook
    during: list[object] = []
    monkeypatch.setattr(cli_main, "_run", lambda argv: during.append(sys.unraisablehook) or 0)
    assert cli_main.main(["--help"]) == 0
    assert during[0] is not before and during[0].__qualname__.startswith("_redeliver_lost_interrupts")
    assert sys.unraisablehook is before
