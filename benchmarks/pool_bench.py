"""Pool provider HTTP calls, counted from the emulator's request log (not assumed).

Each phase runs in a fresh provider server (one `python -m pulumi.dynamic` process = one deployment) and
goes through gRPC exactly as `pulumi up` would: Check then Create per pool, Diff for a no-op preview,
Read for a refresh. Printed: requests per phase by method and path kind. Targets: one image list per
account per deployment, 0 calls for a no-op diff, 1 GET per pool for a refresh.

    .venv/bin/python benchmarks/pool_bench.py [--pools 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* helpers: the harness and emulator

from tests.fixtures.emulator import EmulatorProcess  # noqa: E402
from tests.providers.pool_support import harness, inputs_for, make_account  # noqa: E402


def kind(path: str) -> str:
    """A short name for what a request was about (pool GET/PUT, supported images, VM sizes, ...)."""
    for suffix, label in (("/supportedimages", "supportedimages"), ("/virtualMachineSkus", "vmSkus")):
        if path.endswith(suffix):
            return label
    return "pool" if "/pools/" in path else path.rsplit("/", 2)[-2] if "/" in path else path


def counts(emulator: EmulatorProcess) -> tuple[int, Counter[str]]:
    requests = emulator.requests()
    return len(requests), Counter(f"{r['method']} {kind(r['path'])}" for r in requests)


def create_pools(emulator: EmulatorProcess, endpoint: str, how_many: int) -> list[tuple[str, dict, dict]]:
    created = []
    with harness(emulator) as provider:
        for index in range(how_many):
            checked, failures = provider.check({}, inputs_for(emulator, endpoint, id=f"pool{index:02d}"))
            assert not failures, failures
            pool_id, outs = provider.create(checked)
            created.append((pool_id, outs, checked))
    return created


def phase(emulator: EmulatorProcess, label: str, action) -> tuple[str, int, Counter[str], object]:
    emulator.clear_requests()
    result = action()
    total, by_kind = counts(emulator)
    return label, total, by_kind, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        emulator = EmulatorProcess(Path(workdir), seed=7).start()
        try:
            emulator.settings(allocation_delay_seconds=0.05)
            endpoint = make_account(emulator)
            rows = []
            label, total, by_kind, _ = phase(
                emulator, "create 1 pool", lambda: create_pools(emulator, endpoint, 1)
            )
            rows.append((label, total, by_kind))
            emulator.batch_mgmt_client().pool.begin_delete("rg-pools", "poolsacct", "pool00").result()
            label, total, by_kind, pools = phase(
                emulator, f"create {args.pools} pools", lambda: create_pools(emulator, endpoint, args.pools)
            )
            rows.append((label, total, by_kind))

            def no_op_diff() -> None:
                with harness(emulator) as provider:
                    for pool_id, outs, checked in pools:
                        assert provider.diff(pool_id, outs, checked).changes is False

            def refresh() -> None:
                with harness(emulator) as provider:
                    for pool_id, outs, _ in pools:
                        provider.read(pool_id, outs)

            for label, action in (
                (f"no-op diff of {args.pools} pools", no_op_diff),
                (f"refresh of {args.pools} pools", refresh),
            ):
                label, total, by_kind, _ = phase(emulator, label, action)
                rows.append((label, total, by_kind))
        finally:
            emulator.stop()
    print(f"{'phase':<28} {'HTTP calls':>10}  breakdown")
    for label, total, by_kind in rows:
        breakdown = ", ".join(f"{k} x{v}" for k, v in sorted(by_kind.items()))
        print(f"{label:<28} {total:>10}  {breakdown}")
    create_many = rows[1][2]
    ok = create_many["GET supportedimages"] == 1 and rows[2][1] == 0 and rows[3][1] == args.pools
    print(
        "targets met: image list once per account, 0 calls per no-op diff, 1 GET per pool on refresh"
        if ok
        else "TARGETS MISSED"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
