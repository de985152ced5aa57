"""Application package files: a deterministic zip of a folder (or a given .zip as is) and its content hash.

Why the hash is over the *content* and not over the zip bytes: deflate output can differ between zlib
builds (zlib, zlib-ng), so hashing the zip would make two CI machines disagree about an unchanged folder
and re-upload it. The zip itself is still byte-for-byte reproducible on one machine: sorted entries, fixed
timestamps (1980-01-01), normalised permissions (0644, or 0755 when any execute bit is set), Unix as the
creating system, no extra fields; neither directory order nor umask nor mtimes reach it.

Everything streams in CHUNK-sized pieces, so a 200 MB package is never held in memory.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from batch_infra.errors import BatchInfraError

CHUNK = 1024 * 1024
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755
DIRECTORY_MODE = 0o755
_UNIX = 3  # ZipInfo.create_system: the external attributes below are Unix modes
_MSDOS_DIRECTORY = 0x10
HASH_PREFIX = "sha256:"
# A given .zip hashes as its plain bytes (what `sha256sum` prints); a folder hashes as a manifest that starts
# with this prefix, which no zip starts with (zips start with "PK"), so the two never collide.
_FOLDER_DOMAIN = b"batch-infra/package-folder/v1\0"


class PackageSourceError(BatchInfraError):
    """A package path cannot be packaged: missing, not a folder or .zip, or holding unsupported files."""


@dataclass(frozen=True, order=True)
class Entry:
    """One member of a folder package: its zip name (POSIX, relative) and where its bytes come from."""

    name: str
    source: Path
    is_dir: bool
    executable: bool

    @property
    def mode(self) -> int:
        if self.is_dir:
            return DIRECTORY_MODE
        return EXECUTABLE_MODE if self.executable else FILE_MODE


@dataclass(frozen=True)
class BuiltPackage:
    """A zip ready to upload: its path, size in bytes and the content hash it was built from.

    `expected_sha256` is set when the content hash has not been checked against the file yet (a given .zip
    is not read before its upload): the uploader must then hash the bytes it sends and refuse a mismatch.
    """

    path: Path
    size: int
    content_hash: str
    expected_sha256: str | None = None


def is_zip_source(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def check_source(path: Path) -> Path:
    """The package path if it is a folder or a .zip file, else a PackageSourceError naming the fix."""
    if path.is_dir() or is_zip_source(path):
        return path
    what = "does not exist" if not path.exists() else "is neither a folder nor a .zip file"
    raise PackageSourceError(
        f"package path {path} {what}",
        fix="point the package version at a folder or a .zip file (relative to Pulumi.yaml)",
    )


def folder_entries(root: Path) -> list[Entry]:
    """Every file, and every empty folder, under root in byte order of their zip names."""
    entries: list[Entry] = []
    for directory, subdirs, files in os.walk(root, followlinks=False):
        here = Path(directory)
        for name in subdirs:
            if (here / name).is_symlink():
                raise PackageSourceError(
                    f"{here / name} is a symbolic link to a folder, which a package cannot hold reproducibly",
                    fix="replace the link with the folder's contents, or zip the folder yourself",
                )
        if here != root and not subdirs and not files:
            entries.append(Entry(_zip_name(root, here) + "/", here, True, False))
        entries.extend(_file_entry(root, here / name) for name in files)
    return sorted(entries, key=lambda e: e.name.encode("utf-8"))


def _file_entry(root: Path, path: Path) -> Entry:
    info = path.stat()  # follows a link to a file: the package holds the bytes the link points at
    if not stat.S_ISREG(info.st_mode):
        raise PackageSourceError(
            f"{path} is not a regular file (a socket, device or FIFO?)",
            fix="remove it from the package folder",
        )
    return Entry(_zip_name(root, path), path, False, bool(info.st_mode & 0o111))


def _zip_name(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def content_hash(path: Path) -> str:
    """sha256 of what the package holds: the same for the same content, whatever created it, wherever."""
    path = check_source(path)
    digest = hashlib.sha256()
    if is_zip_source(path):
        _hash_file(path, digest)
    else:
        digest.update(_FOLDER_DOMAIN)
        for entry in folder_entries(path):
            digest.update(_manifest_line(entry, None if entry.is_dir else _file_digest(entry.source)))
    return HASH_PREFIX + digest.hexdigest()


def _manifest_line(entry: Entry, file_digest: str | None) -> bytes:
    name = entry.name.encode("utf-8")
    return b"%d:%s %o %s\n" % (len(name), name, entry.mode, (file_digest or "-").encode())


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    _hash_file(path, digest)
    return digest.hexdigest()


def _hash_file(path: Path, digest: hashlib._Hash) -> None:
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)


def write_zip(root: Path, target: Path) -> int:
    """Write the deterministic zip of folder `root` to `target`; returns its size in bytes."""
    _zip_and_hash(root, target)
    return target.stat().st_size


def _zip_and_hash(root: Path, target: Path) -> str:
    """Write the zip of `root` and return its content hash, reading each file once for both."""
    digest = hashlib.sha256(_FOLDER_DOMAIN)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for entry in folder_entries(root):
            digest.update(_manifest_line(entry, _write_entry(archive, entry)))
    return HASH_PREFIX + digest.hexdigest()


def _write_entry(archive: zipfile.ZipFile, entry: Entry) -> str | None:
    """Add one entry; the sha256 of the bytes written for a file (exactly those, if it changes meanwhile)."""
    info = _zip_info(entry)
    if entry.is_dir:
        archive.writestr(info, b"")
        return None
    digest = hashlib.sha256()
    zip64 = entry.source.stat().st_size >= zipfile.ZIP64_LIMIT
    with entry.source.open("rb") as source, archive.open(info, "w", force_zip64=zip64) as sink:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            sink.write(chunk)
    return digest.hexdigest()


def _zip_info(entry: Entry) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(entry.name, date_time=FIXED_TIME)
    info.create_system = _UNIX
    kind = stat.S_IFDIR if entry.is_dir else stat.S_IFREG
    info.external_attr = ((kind | entry.mode) << 16) | (_MSDOS_DIRECTORY if entry.is_dir else 0)
    info.compress_type = zipfile.ZIP_STORED if entry.is_dir else zipfile.ZIP_DEFLATED
    return info


def build(path: Path, workdir: Path) -> BuiltPackage:
    """The zip to upload for a package path: a given .zip as is, or a folder zipped into `workdir`."""
    path = check_source(path)
    if is_zip_source(path):
        return BuiltPackage(path, path.stat().st_size, content_hash(path))
    return zip_folder(path, workdir)


def zip_folder(root: Path, workdir: Path) -> BuiltPackage:
    """The deterministic zip of folder `root` in `workdir`, hashed from the very bytes that went into it."""
    target = workdir / "package.zip"
    digest = _zip_and_hash(root, target)
    return BuiltPackage(target, target.stat().st_size, digest)


def given_zip(path: Path, planned_hash: str) -> BuiltPackage:
    """A given .zip to upload as is, not read here: the uploader verifies its bytes against the plan."""
    return BuiltPackage(path, path.stat().st_size, planned_hash, expected_sha256=planned_hash)


def size_upper_bound(path: Path) -> int:
    """Bytes the package's zip can take at most (a folder: its files stored, plus per-entry headers)."""
    path = check_source(path)
    if is_zip_source(path):
        return path.stat().st_size
    # Deflate never grows data by more than ~0.1%; 200 bytes covers the local + central headers of one entry.
    entries = folder_entries(path)
    return sum(e.source.stat().st_size * 1001 // 1000 + 200 + 2 * len(e.name) for e in entries) + 22
