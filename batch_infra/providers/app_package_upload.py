"""Upload of a package zip to its storageUrl: parallel blocks, hashed as they stream, committed only if right.

Why not `BlobClient.upload_blob`: it reads the file in parallel at several offsets, so nothing can hash the
bytes that actually leave the machine. Here one reader walks the file once, in order: it hashes each block
and hands it to `concurrency` stage_block workers (so at most concurrency + 1 blocks are in memory). The
block list is committed, with the content hash as blob metadata, only when the streamed bytes hash to what
the plan expects; otherwise the staged blocks stay uncommitted (Azure discards them after a week), the blob
keeps what it had, and nothing is activated.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import IO, Any

from batch_infra import package_content
from batch_infra.errors import BatchInfraError
from batch_infra.providers import azure_clients
from batch_infra.providers.app_package_rules import CONTENT_HASH_METADATA, block_size

# Parallel block uploads. Azure gives one blob far more ingress than one TCP stream carries over a WAN
# (each stream is bounded by window / round-trip time), so 8 streams of 8 MiB blocks fill a typical CI
# runner's link; more mostly adds memory ((8 + 1) x 8 MiB in flight here) and throttling risk.
UPLOAD_CONCURRENCY = 8
CONCURRENCY_ENV = "BATCH_INFRA_UPLOAD_CONCURRENCY"
# A failed request (block) is retried after 1 + 2^n s with jitter (the SDK's default starts at 15 s);
# this variable scales those waits (tests use 0.01; a slow network may want 5).
RETRY_SCALE_ENV = "BATCH_INFRA_UPLOAD_RETRY_SCALE"
UPLOAD_RETRIES = 4
Progress = Callable[[int, int | None], None]
# Called once every block is staged and verified, before the commit: returns the storageUrl to commit to.
BeforeCommit = Callable[[], str]


class ContentMovedError(BatchInfraError):
    """The bytes read for upload are not the content that was planned (the file changed in between)."""


def concurrency() -> int:
    """Parallel block uploads: BATCH_INFRA_UPLOAD_CONCURRENCY when set (1-64), else UPLOAD_CONCURRENCY."""
    raw = os.environ.get(CONCURRENCY_ENV, "").strip()
    if not raw:
        return UPLOAD_CONCURRENCY
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise BatchInfraError(
            f"{CONCURRENCY_ENV}={raw!r} is not a number of parallel uploads",
            fix=f"set {CONCURRENCY_ENV} to a whole number from 1 to 64, or unset it (default "
            f"{UPLOAD_CONCURRENCY})",
        )
    return int(raw)


def content_moved(path: str, what: str, planned: str, found: str) -> ContentMovedError:
    return ContentMovedError(
        f"the content of {path} changed while {what} was deploying ({planned} when planned, {found} now); "
        "nothing was activated",
        fix="run `pulumi up` again once the package is stable",
    )


def upload_zip(
    storage_url: str,
    built: package_content.BuiltPackage,
    what: str,
    progress: Progress | None,
    *,
    before_commit: BeforeCommit | None = None,
) -> None:
    """Upload `built` to the blob at `storage_url`, stamped with its content hash; see the module doc.

    When `built.expected_sha256` is set (a given .zip: the sha256 of its bytes when its members were
    checked against the plan), the streamed bytes must hash to it, else ContentMovedError and nothing is
    committed. With `before_commit`, the blocks are staged first, then it is called and the block list
    committed to the URL it returns (staged again there if that is another blob).
    """
    report = progress or (lambda _current, _total: None)
    client = _blob_client(storage_url)
    block = block_size(built.size)
    with built.path.open("rb") as source:
        if built.size <= block and before_commit is None:
            _put_whole(client, source, built, what, report)
            return
        block_ids = _put_blocks(client, source, built, what, report, block)
    if before_commit is not None:
        commit_url = before_commit()
        if _blob_path(commit_url) != _blob_path(storage_url):  # Azure moved the blob: stage it there
            upload_zip(commit_url, built, what, progress)
            return
        client = _blob_client(commit_url)
    client.commit_block_list(block_ids, **_blob_properties(built))


def _blob_client(storage_url: str) -> Any:
    return azure_clients.blob_client_from_sas(
        storage_url,
        connection_timeout=20,
        read_timeout=120,
        retry_policy=_upload_retry(float(os.environ.get(RETRY_SCALE_ENV) or 1.0)),
    )


def _blob_path(storage_url: str) -> str:
    return storage_url.split("?", 1)[0].rstrip("/").lower()


def _put_whole(
    client: Any, source: IO[bytes], built: package_content.BuiltPackage, what: str, report: Progress
) -> None:
    """A zip that fits one block goes as one Put Blob: read (and verified) entirely before it is sent."""
    data = source.read()
    _verify(hashlib.sha256(data), built, what)
    client.upload_blob(data, overwrite=True, **_blob_properties(built))
    report(len(data), built.size)


def _put_blocks(
    client: Any,
    source: IO[bytes],
    built: package_content.BuiltPackage,
    what: str,
    report: Progress,
    block: int,
) -> list[str]:
    """Stage every block, hashing as they stream; the block ids, once the bytes proved to be the plan's."""
    digest = hashlib.sha256()
    block_ids: list[str] = []
    sent = 0
    workers = concurrency()
    pool = ThreadPoolExecutor(workers, thread_name_prefix="package-block")
    in_flight: set[Future[int]] = set()
    try:
        for index, data in enumerate(_blocks(source, block)):
            digest.update(data)  # releases the GIL: hashing overlaps the uploads in flight
            block_ids.append(f"{index:06d}")  # Azure wants equal-length ids; the SDK base64-encodes them
            if len(in_flight) >= workers:
                sent += _settle(in_flight, FIRST_COMPLETED)
                report(sent, built.size)
            in_flight.add(pool.submit(_stage, client, block_ids[-1], data))
        sent += _settle(in_flight, ALL_COMPLETED)
        report(sent, built.size)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a failed block stops the rest, then re-raises
    _verify(digest, built, what)
    return block_ids


def _blocks(source: IO[bytes], block: int) -> Iterator[bytes]:
    # A buffered read of a regular file returns `block` bytes except at the end, so blocks are full-size.
    yield from iter(lambda: source.read(block), b"")


def _stage(client: Any, block_id: str, data: bytes) -> int:
    client.stage_block(block_id, data, length=len(data))
    return len(data)


def _settle(in_flight: set[Future[int]], until: str) -> int:
    """Bytes staged by the first (FIRST_COMPLETED) or every block in flight; re-raises a block's failure."""
    done, pending = wait(in_flight, return_when=until)
    in_flight.intersection_update(pending)
    return sum(future.result() for future in done)


def _verify(digest: Any, built: package_content.BuiltPackage, what: str) -> None:
    if built.expected_sha256 is None:
        return  # a zip built here from content already verified while it was zipped
    found = package_content.HASH_PREFIX + digest.hexdigest()
    if found != built.expected_sha256:
        raise content_moved(str(built.path), what, built.content_hash, f"other bytes (file {found})")


def _blob_properties(built: package_content.BuiltPackage) -> dict[str, Any]:
    from azure.storage.blob import ContentSettings

    return {
        "metadata": {CONTENT_HASH_METADATA: built.content_hash},
        "content_settings": ContentSettings(content_type="application/zip"),
    }


def _upload_retry(scale: float) -> Any:
    from azure.storage.blob import ExponentialRetry

    class ScaledRetry(ExponentialRetry):  # type: ignore[misc]
        def get_backoff_time(self, settings: dict[str, Any]) -> float:
            return float(super().get_backoff_time(settings)) * scale

    return ScaledRetry(initial_backoff=1, increment_base=2, retry_total=UPLOAD_RETRIES)


def stderr_progress(label: str) -> Progress:
    """A progress hook printing every 10% to stderr (the engine shows provider stderr with -v)."""
    shown = [-1]

    def report(current: int, total: int | None) -> None:
        if not total:
            return
        tenth = current * 10 // total
        if tenth > shown[0]:
            shown[0] = tenth
            sys.stderr.write(f"{label}: {current * 100 // total}% of {total / 1e6:.1f} MB uploaded\n")

    return report
