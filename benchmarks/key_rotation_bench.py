"""Key rotation under load: consumer failures with batch-infra's sequence (several grace periods) vs naive.

Consumers are threads calling the Batch data plane in a loop, each call signed with a key read from the Key
Vault sink `--hold` seconds earlier (a consumer keeps the key it read for a while). The naive sequence
regenerates the key consumers use and then publishes it, as a hand-written script would; batch-infra's
regenerates the unused key, verifies and publishes it, waits the grace period, then regenerates the old
one. Printed per scenario: rotations, consumer calls, failures, and the mean seconds per rotation. A grace
shorter than the hold must fail consumers; a longer one must not.
Then auto-storage: a loop of application package PUTs (Batch signs their storageUrl with the storage key it
holds) while the storage keys rotate, with the emulator's nodes taking `--propagation` seconds per sync,
without the propagation wait and with it.
Each scenario runs on its own Batch and storage account with its own Key Vault secret: a scenario that
fails consumers (the naive one, a grace shorter than the hold, no propagation wait) leaves dead keys and a
half-propagated storage sync behind, which the next scenario must not inherit (it did: the storage
scenario with the wait reported 15-37 failures that were the no-wait scenario's).

    .venv/bin/python benchmarks/key_rotation_bench.py [--rotations 5] [--consumers 4] [--hold 0.3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* helpers: the emulator and consumers

from batch_infra.ops.key_sinks import KeyVaultSink, PublishedKey, RotationState  # noqa: E402
from batch_infra.ops.keys import rotate  # noqa: E402
from tests.fixtures.emulator import EmulatorProcess  # noqa: E402
from tests.unit.ops.keyrotation_helpers import Consumers, StorageConsumers, make_account  # noqa: E402


def naive_rotation(emulator: EmulatorProcess, account, sink: KeyVaultSink) -> None:
    """Regenerate the key in use, then publish it: consumers hold a dead key until they re-read the sink."""
    in_use = sink.read().key_name
    keys = emulator.batch_mgmt_client().batch_account.regenerate_key(
        account.resource_group, account.batch_account, {"keyName": in_use.capitalize()}
    )
    sink.publish(PublishedKey(account.batch_account, in_use, getattr(keys, in_use)), RotationState())


class Isolated:
    """Per scenario: a new Batch account (with its own storage account) and Key Vault secret names."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self.emulator, self.count = emulator, 0

    @contextmanager
    def account(self) -> Iterator[Any]:
        """A new account for one scenario, deleted after it (the subscription allows 3 per region)."""
        self.count += 1
        account = make_account(self.emulator, name=f"bench{self.count}batch", storage=f"bench{self.count}sa")
        try:
            yield account
        finally:
            group = account.resource_group
            self.emulator.batch_mgmt_client().batch_account.begin_delete(
                group, account.batch_account
            ).result()
            self.emulator.storage_client().storage_accounts.delete(group, account.storage_account)

    def sink(self, role: str) -> KeyVaultSink:
        target = self.emulator.target
        return KeyVaultSink(target, target.arm_endpoint, f"bench-{self.count}-{role}")


def scenario(isolated: Isolated, name: str, rotations: int, consumers: int, hold: float, run_one) -> None:
    emulator = isolated.emulator
    with ExitStack() as stack:
        account = stack.enter_context(isolated.account())
        sink = isolated.sink("key")
        rotate(emulator.target, account, sink, storage=False, grace=0)  # publishes a first key
        reader = isolated.sink("key")  # the consumers' own client of the same secret
        loops = [stack.enter_context(Consumers(emulator, account, reader, hold=hold, workers=consumers))]
        for loop in loops:
            loop.wait_for_calls(3)
        started = time.perf_counter()
        for _ in range(rotations):
            run_one(account, sink)
        seconds = (time.perf_counter() - started) / rotations
        for loop in loops:
            loop.wait_for_calls(3)
    calls = sum(loop.calls for loop in loops)
    failures = sum(len(loop.failures) for loop in loops)
    report(name, rotations, calls, failures, seconds)


def storage_scenario(isolated: Isolated, name: str, rotations: int, propagation: float) -> None:
    emulator = isolated.emulator
    with isolated.account() as account, StorageConsumers(emulator, account) as loop:
        sink = isolated.sink("storage-progress")
        loop.wait_for_calls(3)
        started = time.perf_counter()
        for _ in range(rotations):
            rotate(emulator.target, account, sink, batch=False, storage_propagation=propagation)
        seconds = (time.perf_counter() - started) / rotations
        loop.wait_for_calls(3)
    report(name, rotations, loop.calls, len(loop.failures), seconds)


def report(name: str, rotations: int, calls: int, failures: int, seconds: float) -> None:
    print(
        f"{name:<36} rotations={rotations:<3} consumer_calls={calls:<6} failures={failures:<4} "
        f"failure_ratio={failures / calls:.4f} seconds_per_rotation={seconds:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rotations", type=int, default=5)
    parser.add_argument("--consumers", type=int, default=4)
    parser.add_argument("--hold", type=float, default=0.3, help="seconds a consumer keeps a key it read")
    parser.add_argument(
        "--propagation",
        type=float,
        default=0.5,
        help="seconds a storage key sync takes to reach the emulator's nodes",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        emulator = EmulatorProcess(Path(workdir)).start()
        try:
            isolated = Isolated(emulator)
            scenario(
                isolated,
                "naive (regenerate in use)",
                args.rotations,
                args.consumers,
                args.hold,
                lambda account, s: naive_rotation(emulator, account, s),
            )
            for grace in (0.0, args.hold / 2, args.hold * 2):
                scenario(
                    isolated,
                    f"batch-infra grace={grace:g}s hold={args.hold:g}s",
                    args.rotations,
                    args.consumers,
                    args.hold,
                    lambda account, s, g=grace: rotate(emulator.target, account, s, storage=False, grace=g),
                )
            emulator.settings(auto_storage_key_propagation_seconds=args.propagation)
            for wait in (0.0, args.propagation * 2):
                storage_scenario(
                    isolated, f"storage wait={wait:g}s nodes={args.propagation:g}s", args.rotations, wait
                )
        finally:
            emulator.stop()


if __name__ == "__main__":
    main()
