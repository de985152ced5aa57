"""Application package upload: a 200 MB package through the provider vs a plain azure-storage-blob upload.

Both go to the same Azurite behind the same emulator in one run, interleaved round by round so a noisy
machine hits both alike. The provider side is `create` through the SDK's provider server (gRPC), so it
includes everything `pulumi up` pays: creating the version, the upload (hashed as it streams and verified
before the commit), activation and the read-back. The plain side is `BlobClient.upload_blob` of the same
file, once at the provider's own concurrency (like with like: the target ratio >= 0.9 is against this one)
and once with the SDK's defaults (4 MiB blocks, concurrency 1). Each figure is the best of the rounds.
The folder rows take a folder of the same size (half random, half text): `zip_folder` alone, and the
provider's create from the folder (zip, then upload); incompressible entries are stored, not deflated.

    .venv/bin/python benchmarks/app_package_bench.py [--megabytes 200] [--rounds 3] [--concurrency N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* helpers: the harness and emulator

from batch_infra import package_content  # noqa: E402
from batch_infra.providers import app_package_upload as uploading  # noqa: E402
from batch_infra.providers import azure_clients  # noqa: E402
from batch_infra.providers.app_package import ApplicationPackageProvider  # noqa: E402
from tests.fixtures.emulator import EmulatorProcess  # noqa: E402
from tests.providers.harness import ProviderHarness  # noqa: E402

RG, ACCOUNT, STORAGE, APP, LOCATION = "rg-bench", "benchacct", "benchstore", "bench", "westeurope"


def make_package(path: Path, megabytes: int) -> Path:
    """A .zip of incompressible bytes, written in 1 MiB pieces (uploaded as is by the provider)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        with archive.open("payload.bin", "w", force_zip64=True) as sink:
            for _ in range(megabytes):
                sink.write(os.urandom(1024 * 1024))
    return path


def make_folder(path: Path, megabytes: int) -> Path:
    """A folder of `megabytes` MiB: half incompressible files, half compressible text (logs, scripts)."""
    path.mkdir()
    line = b"2024-06-01T12:00:00Z frame 000123 rendered in 1.234s on node tvm-1234567890_1\n"
    for index in range(megabytes // 8):
        with (path / f"part{index:03d}.bin").open("wb") as sink:
            text = (line * (1024 * 1024 // len(line) + 1))[: 1024 * 1024]
            for _ in range(8):
                sink.write(os.urandom(1024 * 1024) if index % 2 == 0 else text)
    return path


def prepare(emulator: EmulatorProcess) -> object:
    emulator.resource_client().resource_groups.create_or_update(RG, {"location": LOCATION})
    storage = emulator.storage_client().storage_accounts.begin_create(
        RG, STORAGE, {"location": LOCATION, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result()
    mgmt = emulator.batch_mgmt_client()
    mgmt.batch_account.begin_create(RG, ACCOUNT, {"location": LOCATION, "properties": {
        "autoStorage": {"storageAccountId": storage.id}}}).result()
    mgmt.application.create(RG, ACCOUNT, APP, {"properties": {"allowUpdates": True}})
    return mgmt


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def plain_upload(url: str, package: Path, concurrency: int | None) -> Callable[[], None]:
    """`upload_blob` of the file; concurrency None means every SDK default, else 8 MiB blocks like ours."""
    sized = {} if concurrency is None else {"max_block_size": 8 * 1024 * 1024,
                                            "max_single_put_size": 8 * 1024 * 1024}
    client = azure_clients.blob_client_from_sas(url, **sized)
    size = package.stat().st_size
    parallel = {} if concurrency is None else {"max_concurrency": concurrency}

    def upload() -> None:
        with package.open("rb") as data:
            client.upload_blob(data, length=size, overwrite=True, **parallel)

    return upload


def one_round(provider: ProviderHarness, mgmt: object, inputs: dict, package: Path, index: int,
              concurrency: int, results: dict[str, list[float]]) -> None:
    checked, failures = provider.check({}, {**inputs, "version": f"p{index}"})
    assert not failures, failures
    plain = (("plain-same", concurrency), ("plain-sdk-default", None))
    steps = [("provider", lambda: provider.create(checked))]
    for label, parallel in plain:
        url = mgmt.application_package.create(RG, ACCOUNT, APP, f"{label}{index}").storage_url  # type: ignore
        steps.append((label, plain_upload(url, package, parallel)))
    for label, action in steps[index % 3:] + steps[:index % 3]:  # rotate who goes first each round
        results[label].append(timed(action))


def measure(
    package: Path, folder: Path, workdir: Path, rounds: int, concurrency: int
) -> dict[str, list[float]]:
    emulator = EmulatorProcess(workdir / "emulator").start()
    try:
        mgmt = prepare(emulator)
        env = {azure_clients.EMULATOR_ENV: str(emulator.ready_file), azure_clients.POLLING_ENV: "0",
               uploading.CONCURRENCY_ENV: str(concurrency)}
        inputs = {"subscription_id": emulator.target.subscription_id, "resource_group_name": RG,
                  "account_name": ACCOUNT, "application_name": APP, "path": str(package),
                  "content_hash": package_content.content_hash(package), "allow_updates": True,
                  "zip_sha256": package_content.file_sha256(package),
                  "set_default": False}
        results: dict[str, list[float]] = {"provider": [], "plain-same": [], "plain-sdk-default": [],
                                           "zip_folder only": [], "provider-folder": []}
        folder_inputs = {**inputs, "path": str(folder), "content_hash": package_content.content_hash(folder)}
        with ProviderHarness(ApplicationPackageProvider(), name="bench", env=env,
                             urn_type="pulumi-python:dynamic/app_package:ApplicationPackage") as provider:
            for index in range(rounds):
                one_round(provider, mgmt, inputs, package, index, concurrency, results)
                folder_checked, _ = provider.check({}, {**folder_inputs, "version": f"f{index}"})
                results["provider-folder"].append(timed(partial(provider.create, folder_checked)))
                with tempfile.TemporaryDirectory(dir=workdir) as zipdir:
                    zipping = partial(package_content.zip_folder, folder, Path(zipdir))
                    results["zip_folder only"].append(timed(zipping))
        return results
    finally:
        emulator.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=uploading.UPLOAD_CONCURRENCY,
                        help="the provider's parallel block uploads (and the like-for-like plain upload's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="app-package-bench-") as tmp:
        package = make_package(Path(tmp) / "package.zip", args.megabytes)
        folder = make_folder(Path(tmp) / "folder", args.megabytes)
        size = package.stat().st_size
        folder_size = sum(f.stat().st_size for f in folder.iterdir())
        results = measure(package, folder, Path(tmp), args.rounds, args.concurrency)
    sizes = {"provider-folder": folder_size, "zip_folder only": folder_size}
    rates = {label: sizes.get(label, size) / 1e6 / min(times) for label, times in results.items()}
    print(f"package: {size / 1e6:.1f} MB, {args.rounds} round(s), best of each; "
          f"provider concurrency {args.concurrency}")
    for label, rate in rates.items():
        print(f"  {label:<18} {rate:8.1f} MB/s   ({', '.join(f'{t:.2f}s' for t in results[label])})")
    print(f"ratio provider/plain at the same concurrency ({args.concurrency}): "
          f"{rates['provider'] / rates['plain-same']:.2f}  (target >= 0.9)")
    print(f"ratio provider/plain with SDK defaults: {rates['provider'] / rates['plain-sdk-default']:.2f}")
    print(f"folder source: {folder_size / 1e6:.1f} MB of files (half incompressible, stored; half text, "
          f"deflated); rates above are MB of folder per second, zip + upload for provider-folder")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
