"""Application package files: a deterministic zip of a folder (or a given .zip as is) and its content hash.

Why the hash is over the *content* and not over the zip bytes: deflate output can differ between zlib
builds (zlib, zlib-ng), so hashing the zip would make two CI machines disagree about an unchanged folder
and re-upload it. For the same reason a given .zip hashes as the manifest of its members (NFC names,
normalised modes, content sha256), exactly like a folder: a CI rebuild with new mtimes is no change, and
a folder and its zip hash the same.

The zip itself is still byte-for-byte reproducible on one machine: sorted entries, fixed timestamps
(1980-01-01), normalised permissions (0644, or 0755 when any execute bit is set), Unix as the creating
system, no extra fields; neither directory order nor umask nor mtimes reach it.

Everything streams in CHUNK-sized pieces, so a 200 MB package is never held in memory.
"""

from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
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
# Folders and given zips hash as a manifest of their members that starts with this prefix.
_FOLDER_DOMAIN = b"batch-infra/package-folder/v1\0"
# Deflate adds at most ~0.1% plus a few bytes; past this an entry must be written as zip64 up front,
# because zipfile cannot switch to zip64 once an entry's header is written.
_DEFLATE_SLACK = 1024
# An entry whose first chunk deflate cannot shrink below this share is stored: compressing random or
# already-compressed bytes costs CPU for nothing. Decided from the content alone, so still reproducible.
_STORE_ABOVE = 0.97


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

    `expected_sha256` is set for a given .zip: the sha256 of its bytes when its members were hashed. The
    uploader hashes the bytes it sends and refuses to commit them if they differ.
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
    """Every file, and every empty folder, under root in byte order of their zip names.

    Anything that cannot be read reliably (an unreadable folder, a broken link, a name that is not UTF-8)
    is a PackageSourceError naming it: leaving it out would publish a package missing files.
    """
    entries: list[Entry] = []
    for directory, subdirs, files in os.walk(root, followlinks=False, onerror=_unreadable_folder):
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


def _unreadable_folder(error: OSError) -> None:
    raise PackageSourceError(
        f"folder {error.filename} in the package cannot be read ({error.strerror or error})",
        fix="give the user running `pulumi up` read and execute permission on it, or remove it",
    ) from error


def _file_entry(root: Path, path: Path) -> Entry:
    name = _zip_name(root, path)
    with _readable(path):
        info = path.stat()  # follows a link to a file: the package holds the bytes the link points at
    if not stat.S_ISREG(info.st_mode):
        raise PackageSourceError(
            f"{path} is not a regular file (a socket, device or FIFO?)",
            fix="remove it from the package folder",
        )
    return Entry(name, path, False, bool(info.st_mode & 0o111))


@contextmanager
def _readable(path: Path) -> Iterator[None]:
    """Turn an OSError on one package file (a broken link, no permission) into an error naming it."""
    try:
        yield
    except OSError as err:
        broken = path.is_symlink() and not path.exists()
        what = (
            f"is a symbolic link to {os.readlink(path)}, which does not exist"
            if broken
            else (f"cannot be read ({err.strerror or err})")
        )
        raise PackageSourceError(
            f"{_shown(path)} in the package {what}",
            fix="remove it or fix the link" if broken else "make it readable, or remove it",
        ) from err


def _shown(path: Path) -> str:
    """A path as it can be printed, even when its name is not UTF-8."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _zip_name(root: Path, path: Path) -> str:
    name = path.relative_to(root).as_posix()
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as err:  # os.walk hands undecodable bytes over as surrogates
        raise PackageSourceError(
            f"the name of {_shown(path)} is not UTF-8, so the zip cannot say which file it is",
            fix="rename it to a UTF-8 name (e.g. with `convmv -f latin1 -t utf8`)",
        ) from err
    return _checked_name(name, _shown(path))


def _checked_name(name: str, where: str) -> str:
    """NFC form of a member name (macOS writes NFD), refusing backslashes, absolute names and `..`."""
    if "\\" in name:
        raise PackageSourceError(
            f"{where}: the name {name!r} holds a backslash, which Batch nodes on Windows read as a folder",
            fix="rename it without `\\`; a zip must separate folders with `/` (zip it with a tool that does)",
        )
    if name.startswith("/") or ".." in name.rstrip("/").split("/"):
        raise PackageSourceError(
            f"{where}: the member {name!r} would unpack outside the application folder",
            fix="rebuild the zip with relative names",
        )
    return unicodedata.normalize("NFC", name)


def content_hash(path: Path) -> str:
    """sha256 of what the package holds: the same for the same content, whatever created it, wherever."""
    path = check_source(path)
    if is_zip_source(path):
        return zip_content_hash(path)
    digest = hashlib.sha256(_FOLDER_DOMAIN)
    for entry in folder_entries(path):
        digest.update(
            _manifest_line(entry.name, entry.mode, None if entry.is_dir else _file_digest(entry.source))
        )
    return HASH_PREFIX + digest.hexdigest()


def zip_content_hash(path: Path) -> str:
    """The manifest hash of a given .zip's members, the same as the folder it unpacks to would have."""
    digest = hashlib.sha256(_FOLDER_DOMAIN)
    try:
        with zipfile.ZipFile(path) as archive:
            for name, info in _zip_members(path, archive):
                mode = DIRECTORY_MODE if info.is_dir() else _member_mode(info)
                digest.update(
                    _manifest_line(name, mode, None if info.is_dir() else _member_digest(archive, info))
                )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
        raise PackageSourceError(
            f"{path} is not a readable zip ({err})", fix="rebuild the .zip, or point the version at a folder"
        ) from err
    return HASH_PREFIX + digest.hexdigest()


def _zip_members(path: Path, archive: zipfile.ZipFile) -> list[tuple[str, zipfile.ZipInfo]]:
    """(NFC name, member) in byte order; folder entries only when empty, as a folder's manifest has them."""
    members = {}
    for info in archive.infolist():
        name = _checked_name(info.filename, str(path))
        if name in members:
            raise PackageSourceError(
                f"{path} holds {name!r} twice (perhaps once in NFC and once in NFD form)",
                fix="rebuild the zip with each member once",
            )
        members[name] = info
    folders = {name[: i + 1] for name in members for i, char in enumerate(name[:-1]) if char == "/"}
    kept = [(n, i) for n, i in members.items() if not (n.endswith("/") and n in folders)]
    return sorted(kept, key=lambda item: item[0].encode("utf-8"))


def _member_mode(info: zipfile.ZipInfo) -> int:
    unix_mode = info.external_attr >> 16 if info.create_system == _UNIX else 0
    return EXECUTABLE_MODE if unix_mode & 0o111 else FILE_MODE


def _member_digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(info) as member:
        for chunk in iter(lambda: member.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_line(name: str, mode: int, file_digest: str | None) -> bytes:
    encoded = name.encode("utf-8")
    return b"%d:%s %o %s\n" % (len(encoded), encoded, mode, (file_digest or "-").encode())


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    _hash_file(path, digest)
    return digest.hexdigest()


def _hash_file(path: Path, digest: hashlib._Hash) -> None:
    with _readable(path), path.open("rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, as `sha256sum` prints it, prefixed like content hashes."""
    return HASH_PREFIX + _file_digest(path)


def write_zip(root: Path, target: Path) -> int:
    """Write the deterministic zip of folder `root` to `target`; returns its size in bytes."""
    _zip_and_hash(root, target)
    return target.stat().st_size


def _zip_and_hash(root: Path, target: Path) -> str:
    """Write the zip of `root` and return its content hash, reading each file once for both."""
    digest = hashlib.sha256(_FOLDER_DOMAIN)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for entry in folder_entries(root):
            digest.update(_manifest_line(entry.name, entry.mode, _write_entry(archive, entry)))
    return HASH_PREFIX + digest.hexdigest()


def _write_entry(archive: zipfile.ZipFile, entry: Entry) -> str | None:
    """Add one entry; the sha256 of the bytes written for a file (exactly those, if it changes meanwhile)."""
    info = _zip_info(entry)
    if entry.is_dir:
        archive.writestr(info, b"")
        return None
    digest = hashlib.sha256()
    with _readable(entry.source), entry.source.open("rb") as source:
        first = source.read(CHUNK)
        if _incompressible(first):
            info.compress_type = zipfile.ZIP_STORED
        with archive.open(info, "w", force_zip64=needs_zip64(os.fstat(source.fileno()).st_size)) as sink:
            for chunk in _chain(first, source):
                digest.update(chunk)
                sink.write(chunk)
    return digest.hexdigest()


def needs_zip64(size: int) -> bool:
    """Whether an entry of `size` bytes may reach zip64 sizes once deflated (deflate can grow data)."""
    return size + size // 1000 + _DEFLATE_SLACK >= zipfile.ZIP64_LIMIT


def _incompressible(sample: bytes) -> bool:
    return len(sample) > 4096 and len(zlib.compress(sample, 1)) > _STORE_ABOVE * len(sample)


def _chain(first: bytes, source: object) -> Iterator[bytes]:
    if first:
        yield first
    yield from iter(lambda: source.read(CHUNK), b"")  # type: ignore[attr-defined]


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


def given_zip(path: Path, planned_hash: str) -> tuple[BuiltPackage, str]:
    """A given .zip to upload as is, and its content hash now (the caller compares it with the plan).

    Its bytes are hashed first and its members second, and the uploader refuses bytes that do not hash
    as they did here: a zip rewritten at any point between planning and upload is never committed.
    """
    raw = file_sha256(path)
    now = zip_content_hash(path)
    return BuiltPackage(path, path.stat().st_size, planned_hash, expected_sha256=raw), now


def size_upper_bound(path: Path) -> int:
    """Bytes the package's zip can take at most (a folder: its files stored, plus per-entry headers)."""
    path = check_source(path)
    if is_zip_source(path):
        return path.stat().st_size
    # Deflate never grows data by more than ~0.1%; 200 bytes covers the local + central headers of one entry.
    entries = folder_entries(path)
    return sum(e.source.stat().st_size * 1001 // 1000 + 200 + 2 * len(e.name) for e in entries) + 22
