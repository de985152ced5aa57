"""Emulator benchmark: start-up time to ready, and GET/PUT requests per second through the real SDK clients.

Run: .venv/bin/python benchmarks/emulator_bench.py [--requests 1000] [--threads 4]
Measures pool GET/PUT (azure-mgmt-batch) and resource group GET/PUT (azure-mgmt-resource); exits non-zero
with the emulator's reason when it cannot measure either. Target: >= 300 GETs/s on one emulator process.
Then pool PUT time with 10, 100 and 300 pools already in the account (target: 300/10 <= 1.3).
The server p50 (from the emulator's request log) shows how much of each request is the emulator; the rest
is the SDK client and TLS on the same (shared) cores.
"""

from __future__ import annotations

import argparse
import json
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from azure.core.exceptions import HttpResponseError

from batch_infra.providers import azure_clients
from batch_infra.providers.azure_clients import Target

POOL = {
    "properties": {  # wire format: the SDK sends a dict body as-is
        "vmSize": "STANDARD_D2S_V3",
        "deploymentConfiguration": {
            "virtualMachineConfiguration": {
                "imageReference": {
                    "publisher": "canonical",
                    "offer": "0001-com-ubuntu-server-jammy",
                    "sku": "22_04-lts",
                    "version": "latest",
                },
                "nodeAgentSkuId": "batch.node.ubuntu 22.04",
            }
        },
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 0}},
    }
}


def start(workdir: Path) -> tuple[subprocess.Popen[bytes], Path, float]:
    ready = workdir / "ready.json"
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "batch_infra", "emulator", "start", "--port", "0", "--ready-file", str(ready)],
        stdout=subprocess.DEVNULL,
    )
    while not ready.exists():
        if process.poll() is not None:
            raise SystemExit(f"emulator exited with {process.returncode} before it was ready")
        time.sleep(0.01)
    return process, ready, time.perf_counter() - began


def rate(call: Callable[[int], object], requests: int, threads: int) -> float:
    """Requests per second of `call(i)` for i in range(requests), on `threads` client threads."""
    began = time.perf_counter()
    if threads == 1:
        for i in range(requests):
            call(i)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(call, range(requests)))
    return requests / (time.perf_counter() - began)


def admin(ready: Path, method: str, path: str, body: object = None) -> object:
    info = json.loads(ready.read_text())
    request = urllib.request.Request(
        info["admin_endpoint"] + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {info['token']}", "Content-Type": "application/json"},
    )
    context = ssl.create_default_context(cafile=info["ca_bundle"])
    with urllib.request.urlopen(request, context=context) as response:
        body = response.read()
    return json.loads(body) if body else None


def server_p50_ms(ready: Path, method: str) -> float:
    """Median time the emulator itself spent per request (from its request log), then clear the log."""
    log = admin(ready, "GET", "/requests")
    admin(ready, "DELETE", "/requests")
    return statistics.median(e["duration_ms"] for e in log if e["method"] == method)  # type: ignore[union-attr]


def measure(
    label: str,
    get: Callable[[int], object],
    put: Callable[[int], object],
    args: argparse.Namespace,
    ready: Path,
) -> None:
    get(0)  # warm the connection (TLS handshake) before timing
    admin(ready, "DELETE", "/requests")
    for threads in sorted({1, args.threads}):
        gets = rate(get, args.requests, threads)
        get_ms = server_p50_ms(ready, "GET")
        puts = rate(put, max(args.requests // 4, 1), threads)
        put_ms = server_p50_ms(ready, "PUT")
        print(
            f"{label:<15} threads={threads}  GET {gets:5.0f}/s (server p50 {get_ms:.3f} ms)   "
            f"PUT {puts:5.0f}/s (server p50 {put_ms:.3f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        process, ready, startup = start(Path(workdir))
        try:
            print(f"start-up to ready (incl. Azurite): {startup:.2f} s")
            target = Target.from_ready_file(ready, polling_interval=0)
            resources = azure_clients.resource_client(target)
            resources.resource_groups.create_or_update("rg-bench", {"location": "westeurope"})
            measure(
                "resource group",
                lambda i: resources.resource_groups.get("rg-bench"),
                lambda i: resources.resource_groups.create_or_update(
                    "rg-bench", {"location": "westeurope", "tags": {"i": str(i)}}
                ),
                args,
                ready,
            )
            bench_pools(target, args, ready)
            bench_pool_count(target, ready)
        finally:
            process.terminate()
            process.wait(timeout=20)


def bench_pools(target: Target, args: argparse.Namespace, ready: Path) -> None:
    batch = azure_clients.batch_mgmt_client(target)
    try:
        batch.batch_account.begin_create("rg-bench", "benchacct", {"location": "westeurope"}).result()
        batch.pool.create("rg-bench", "benchacct", "pool", POOL)
    except HttpResponseError as err:  # the pool numbers are the point: no numbers, no success
        raise SystemExit(f"pool: cannot measure, the emulator refused the set-up: {err.message}") from err
    measure(
        "pool",
        lambda i: batch.pool.get("rg-bench", "benchacct", "pool"),
        lambda i: batch.pool.create(
            "rg-bench",
            "benchacct",
            "pool",
            {"properties": {**POOL["properties"], "metadata": [{"name": "i", "value": str(i)}]}},
        ),
        args,
        ready,
    )


POOL_COUNTS = (10, 100, 300)
PROBE_PUTS = 50
RATIO_TARGET = 1.3  # PUT time at 300 existing pools over the time at 10


def bench_pool_count(target: Target, ready: Path) -> None:
    """Pool PUT (create) time with 10, 100 and 300 pools already in the account: it must not grow with them.
    Prints the client's mean per PUT beside the emulator's own (its request log), and the 300/10 ratio."""
    batch = azure_clients.batch_mgmt_client(target)
    batch.batch_account.begin_create("rg-bench", "countacct", {"location": "westeurope"}).result()
    admin(ready, "PUT", "/accounts/countacct/quotas", {"poolQuota": max(POOL_COUNTS) + PROBE_PUTS})
    create = lambda n: batch.pool.create("rg-bench", "countacct", f"p{n:04d}", POOL)  # noqa: E731
    made, client_ms, server_ms = 0, {}, {}
    for count in POOL_COUNTS:
        while made < count:
            create(made)
            made += 1
        admin(ready, "DELETE", "/requests")
        began = time.perf_counter()
        for _ in range(PROBE_PUTS):
            create(made)
            made += 1
        client_ms[count] = (time.perf_counter() - began) * 1000 / PROBE_PUTS
        log = admin(ready, "GET", "/requests")
        server_ms[count] = statistics.mean(e["duration_ms"] for e in log if e["method"] == "PUT")  # type: ignore[union-attr]
        print(
            f"pool PUT with {count:3d} pools in the account: client {client_ms[count]:6.1f} ms, "
            f"server {server_ms[count]:6.1f} ms (mean of {PROBE_PUTS})"
        )
    low, high = min(POOL_COUNTS), max(POOL_COUNTS)
    ratio = client_ms[high] / client_ms[low]
    print(
        f"pool PUT {high}/{low} ratio: client {ratio:.2f}, server {server_ms[high] / server_ms[low]:.2f} "
        f"(target <= {RATIO_TARGET}) {'ok' if ratio <= RATIO_TARGET else 'OVER TARGET'}"
    )


if __name__ == "__main__":
    main()
