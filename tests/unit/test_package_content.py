"""Deterministic package zips and content hashes: order, time, umask and mode independence; streaming."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch_infra import package_content
from batch_infra.package_content import PackageSourceError

SAMPLES = Path(__file__).resolve().parents[2] / "packages"

_segment = st.text(alphabet="abcXYZ019_-.é", min_size=1, max_size=8).filter(lambda s: s not in (".", ".."))
_tree = st.dictionaries(
    st.lists(_segment, min_size=1, max_size=3).map(tuple),
    st.tuples(st.binary(max_size=300), st.booleans()),
    min_size=1,
    max_size=8,
).filter(lambda tree: not any(a != b and b[: len(a)] == a for a in tree for b in tree))  # no file is a folder


def _materialise(root: Path, tree: dict, order: list[int], mtime: int, umask: int) -> Path:
    old = os.umask(umask)
    try:
        items = list(tree.items())
        for index in order:
            parts, (data, executable) = items[index]
            target = root.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod((0o750 if executable else 0o600) & ~umask | (0o100 if executable else 0))
            os.utime(target, (mtime, mtime))
    finally:
        os.umask(old)
    return root


def _zip_bytes(folder: Path, out: Path) -> bytes:
    package_content.write_zip(folder, out)
    return out.read_bytes()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_tree, data=st.data())
def test_same_content_in_any_creation_order_gives_the_same_bytes_and_hash(tmp_path_factory, tree, data):
    order_a = data.draw(st.permutations(range(len(tree))))
    order_b = data.draw(st.permutations(range(len(tree))))
    base = tmp_path_factory.mktemp("pkg")
    a = _materialise(base / "a", tree, order_a, mtime=1_000_000, umask=0o022)
    b = _materialise(base / "b", tree, order_b, mtime=1_700_000_000, umask=0o077)
    assert _zip_bytes(a, base / "a.zip") == _zip_bytes(b, base / "b.zip")
    assert package_content.content_hash(a) == package_content.content_hash(b)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_tree, flip=st.integers(min_value=0), byte=st.binary(min_size=1, max_size=1))
def test_any_change_of_bytes_or_executable_bit_changes_the_hash(tmp_path_factory, tree, flip, byte):
    base = tmp_path_factory.mktemp("pkg")
    original = package_content.content_hash(_materialise(base / "a", tree, list(range(len(tree))), 0, 0o022))
    key = list(tree)[flip % len(tree)]
    data, executable = tree[key]
    changed_bytes = {**tree, key: (data + byte, executable)}
    changed_mode = {**tree, key: (data, not executable)}
    for index, variant in enumerate((changed_bytes, changed_mode)):
        folder = _materialise(base / f"v{index}", variant, list(range(len(variant))), 0, 0o022)
        assert package_content.content_hash(folder) != original


def test_zip_members_are_sorted_with_fixed_time_and_normalised_modes(tmp_path):
    (tmp_path / "src" / "bin").mkdir(parents=True)
    (tmp_path / "src" / "empty").mkdir()
    (tmp_path / "src" / "z.txt").write_text("z")
    (tmp_path / "src" / "bin" / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "src" / "bin" / "run.sh").chmod(0o700)
    (tmp_path / "src" / "a.txt").write_text("a")
    (tmp_path / "src" / "a.txt").chmod(0o600)
    package_content.write_zip(tmp_path / "src", tmp_path / "out.zip")
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["a.txt", "bin/run.sh", "empty/", "z.txt"]
        assert {i.date_time for i in infos} == {package_content.FIXED_TIME}
        modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in infos}
        assert modes == {"a.txt": 0o644, "bin/run.sh": 0o755, "empty/": 0o755, "z.txt": 0o644}
        assert archive.read("bin/run.sh") == b"#!/bin/sh\n"
        assert archive.testzip() is None


def test_a_given_zip_is_used_as_is(tmp_path):
    given_zip = tmp_path / "Tools.ZIP"
    with zipfile.ZipFile(given_zip, "w") as archive:
        archive.writestr("x.txt", "x")  # a real mtime: must be kept, not rewritten
    built = package_content.build(given_zip, tmp_path / "work")
    assert built.path == given_zip
    assert built.size == given_zip.stat().st_size
    assert built.content_hash == package_content.content_hash(given_zip)
    assert built.content_hash.startswith("sha256:")


def test_a_given_zip_hashes_by_its_members_like_the_folder_it_holds(tmp_path):
    (tmp_path / "src" / "bin").mkdir(parents=True)
    (tmp_path / "src" / "bin" / "run").write_bytes(b"#!/bin/sh\n")
    (tmp_path / "src" / "bin" / "run").chmod(0o755)
    (tmp_path / "src" / "f").write_bytes(b"data")
    built = package_content.build(tmp_path / "src", tmp_path)
    copy = tmp_path / "copy.zip"
    copy.write_bytes(built.path.read_bytes())
    source_hash = package_content.content_hash(tmp_path / "src")
    assert package_content.content_hash(copy) == built.content_hash == source_hash


def _zip_of(
    path: Path, members: dict[str, tuple[bytes, int]], *, when=(2024, 5, 1, 12, 0, 0), folders=()
) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in folders:
            archive.writestr(zipfile.ZipInfo(name, date_time=when), b"")
        for name, (data, mode) in members.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.create_system, info.external_attr = 3, (stat.S_IFREG | mode) << 16
            archive.writestr(info, data)
    return path


def test_a_zip_rebuilt_with_new_mtimes_order_and_folder_entries_keeps_its_hash(tmp_path):
    members = {"bin/run": (b"#!/bin/sh\n", 0o700), "a.txt": (b"a", 0o600)}
    first = _zip_of(tmp_path / "one.zip", members)
    rebuilt = _zip_of(
        tmp_path / "two.zip", dict(reversed(members.items())), when=(2025, 1, 2, 3, 4, 6), folders=["bin/"]
    )
    assert first.read_bytes() != rebuilt.read_bytes()
    assert package_content.content_hash(first) == package_content.content_hash(rebuilt)
    changed = _zip_of(tmp_path / "three.zip", {**members, "a.txt": (b"a", 0o755)})
    # the execute bit counts
    assert package_content.content_hash(changed) != package_content.content_hash(first)


def test_names_are_compared_in_nfc_form(tmp_path):
    nfc, nfd = "caf\u00e9.txt", "cafe\u0301.txt"
    assert package_content.content_hash(
        _zip_of(tmp_path / "nfc.zip", {nfc: (b"x", 0o644)})
    ) == package_content.content_hash(_zip_of(tmp_path / "nfd.zip", {nfd: (b"x", 0o644)}))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / nfd).write_bytes(b"x")
    built = package_content.build(tmp_path / "src", tmp_path)
    with zipfile.ZipFile(built.path) as archive:
        assert archive.namelist() == [nfc]
    assert built.content_hash == package_content.content_hash(tmp_path / "nfc.zip")


@pytest.mark.parametrize("name", ["dir\\file.txt", "../escape.txt", "/abs.txt"])
def test_zip_members_with_backslashes_or_outside_names_are_refused(tmp_path, name):
    given = _zip_of(tmp_path / "bad.zip", {name: (b"x", 0o644)})
    with pytest.raises(PackageSourceError) as err:
        package_content.content_hash(given)
    assert repr(name) in err.value.message and err.value.fix


def test_a_backslash_in_a_folder_file_name_is_refused_with_the_fix(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a\\b.txt").write_text("x")
    with pytest.raises(PackageSourceError) as err:
        package_content.content_hash(tmp_path / "src")
    assert "backslash" in err.value.message and "/" in err.value.fix


def test_a_broken_link_is_named_with_the_fix(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "dangling").symlink_to(tmp_path / "nowhere")
    for call in (package_content.content_hash, lambda p: package_content.build(p, tmp_path)):
        with pytest.raises(PackageSourceError) as err:
            call(tmp_path / "src")
        assert (
            str(tmp_path / "src" / "dangling") in err.value.message and "does not exist" in err.value.message
        )
        assert err.value.fix


def test_a_file_name_that_is_not_utf8_is_named_with_the_fix(tmp_path):
    (tmp_path / "src").mkdir()
    with open(os.path.join(os.fsencode(tmp_path / "src"), b"caf\xe9.txt"), "wb") as latin1:
        latin1.write(b"x")
    with pytest.raises(PackageSourceError) as err:
        package_content.content_hash(tmp_path / "src")
    assert "caf\\xe9.txt" in err.value.message and "not UTF-8" in err.value.message
    assert "rename" in err.value.fix


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_subfolder_is_an_error_not_a_smaller_package(tmp_path):
    (tmp_path / "src" / "locked").mkdir(parents=True)
    (tmp_path / "src" / "locked" / "f").write_text("x")
    (tmp_path / "src" / "locked").chmod(0)
    try:
        with pytest.raises(PackageSourceError) as err:
            package_content.content_hash(tmp_path / "src")
    finally:
        (tmp_path / "src" / "locked").chmod(0o755)
    assert str(tmp_path / "src" / "locked") in err.value.message and "permission" in err.value.fix


def test_a_walk_error_is_an_error_naming_the_folder(tmp_path, monkeypatch):
    """The same, where the tests run as root: os.walk's onerror is what reports the folder."""
    (tmp_path / "src").mkdir()
    real_walk = os.walk

    def walk(top, **kwargs):
        kwargs["onerror"](PermissionError(13, "Permission denied", str(tmp_path / "src" / "locked")))
        yield from real_walk(top, **kwargs)

    monkeypatch.setattr(package_content.os, "walk", walk)
    with pytest.raises(PackageSourceError) as err:
        package_content.content_hash(tmp_path / "src")
    assert (
        f"folder {tmp_path / 'src' / 'locked'}" in err.value.message
        and "Permission denied" in err.value.message
    )


def test_an_entry_that_deflate_could_grow_past_the_zip64_limit_is_written_as_zip64(tmp_path, monkeypatch):
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)  # a scale model of 4 GiB
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "blob.bin").write_bytes(os.urandom(998))
    built = package_content.build(tmp_path / "src", tmp_path)
    with zipfile.ZipFile(built.path) as archive:
        assert archive.read("blob.bin") == (tmp_path / "src" / "blob.bin").read_bytes()
    monkeypatch.undo()
    limit = zipfile.ZIP64_LIMIT
    assert package_content.needs_zip64(limit - 2**20) and not package_content.needs_zip64(100 * 2**20)


def test_incompressible_entries_are_stored_and_text_is_deflated(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "random.bin").write_bytes(os.urandom(200_000))
    (tmp_path / "src" / "text.txt").write_bytes(b"hello world\n" * 20_000)
    built = package_content.build(tmp_path / "src", tmp_path)
    with zipfile.ZipFile(built.path) as archive:
        kinds = {i.filename: i.compress_type for i in archive.infolist()}
    assert kinds == {"random.bin": zipfile.ZIP_STORED, "text.txt": zipfile.ZIP_DEFLATED}


def test_sample_packages_build_reproducibly_and_fit_their_upper_bound(tmp_path):
    for folder in sorted(p for p in SAMPLES.glob("*/*") if p.is_dir()):
        first = package_content.build(folder, _fresh(tmp_path / "one"))
        second = package_content.build(folder, _fresh(tmp_path / "two"))
        assert first.path.read_bytes() == second.path.read_bytes(), folder
        # zipped and hashed in one pass, to the same hash as planning computes
        assert first.content_hash == second.content_hash == package_content.content_hash(folder)
        assert first.size <= package_content.size_upper_bound(folder)


def test_large_files_stream_without_holding_the_package_in_memory(tmp_path):
    import tracemalloc

    (tmp_path / "src").mkdir()
    payload = os.urandom(package_content.CHUNK) * 24  # 24 MiB, incompressible per chunk
    (tmp_path / "src" / "big.bin").write_bytes(payload)
    del payload
    tracemalloc.start()
    built = package_content.build(tmp_path / "src", tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert built.size > 24 * package_content.CHUNK
    assert peak < 8 * package_content.CHUNK, f"peak {peak} bytes: the package was buffered"


@pytest.mark.parametrize("name", ["missing", "notes.txt"])
def test_a_path_that_is_not_a_folder_or_zip_names_the_fix(tmp_path, name):
    (tmp_path / "notes.txt").write_text("n")
    with pytest.raises(PackageSourceError) as err:
        package_content.content_hash(tmp_path / name)
    assert str(tmp_path / name) in err.value.message
    assert "folder or a .zip" in (err.value.fix or "")


def test_a_link_to_a_folder_is_refused(tmp_path):
    (tmp_path / "src" / "real").mkdir(parents=True)
    (tmp_path / "src" / "real" / "f").write_text("f")
    (tmp_path / "src" / "alias").symlink_to(tmp_path / "src" / "real")
    with pytest.raises(PackageSourceError, match="symbolic link to a folder"):
        package_content.content_hash(tmp_path / "src")


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
