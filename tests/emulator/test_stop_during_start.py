"""A stop that lands while the emulator starts returns promptly, wherever start-up was when it landed."""

from __future__ import annotations

import threading

import pytest

from batch_infra.emulator import launch


@pytest.mark.parametrize("abandon_at", [1, 2, 3])
def test_stop_after_an_abandoned_start_returns(monkeypatch, abandon_at):
    """The third check is after the port is bound, before serving: shutdown() used to wait forever there."""
    checks = {"count": 0}
    original = launch._give_up_if

    def give_up_at_the_chosen_check(stop: threading.Event) -> None:
        checks["count"] += 1
        if checks["count"] == abandon_at:
            stop.set()
        original(stop)

    monkeypatch.setattr(launch, "_give_up_if", give_up_at_the_chosen_check)
    emulator = launch.Emulator(launch.Options(azurite=False))
    with pytest.raises(launch.StartAbandoned):
        emulator.start(threading.Event())

    stopper = threading.Thread(target=emulator.stop, daemon=True)
    stopper.start()
    stopper.join(timeout=10)
    assert not stopper.is_alive(), "stop() hung after start-up was abandoned"
    assert not emulator.workdir.exists()
