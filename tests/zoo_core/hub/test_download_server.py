"""Downloads against a real HTTP server on 127.0.0.1: success, every failure mode, offline mode, a corrupt
cache file, and four processes asking for one file at once (the server counts requests)."""
import hashlib
import multiprocessing
import os
import queue
import sys
import time

import pytest

from zoo_core.hub import cache
from zoo_core.hub.cache import CacheWarning, ChecksumError, DownloadError, OfflineError, fetch

sys.path.insert(0, os.path.dirname(__file__))
from _hub_helpers import Server, fetch_in_child  # noqa: E402

DATA = bytes(range(256)) * 40                      # 10240 bytes
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "zoo"))
    monkeypatch.delenv("ZOO_OFFLINE", raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")   # never route the local server through a proxy
    monkeypatch.setattr(cache, "RETRY_BACKOFF", 0.01)
    return tmp_path / "zoo"


@pytest.fixture
def server():
    s = Server()
    s.add("w.bin", DATA)
    yield s
    s.close()


def _blobs(home):
    folder = home / "blobs" / "sha256"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _leftovers(home):
    folder = home / "partial"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_success_then_cache_hit(home, server):
    url = server.url("ok", "w.bin")
    path = fetch(url, sha256=SHA, size=len(DATA), name="tiny.v1", progress=False)
    assert path == home / "blobs" / "sha256" / SHA
    assert path.read_bytes() == DATA
    assert not os.access(path, os.W_OK) or os.geteuid() == 0   # cached files are read-only
    assert fetch(url, sha256=SHA, progress=False) == path
    assert server.counts["/ok/w.bin"] == 1                    # the second call never hit the network
    [entry] = cache.cache_ls()
    assert (entry.sha256, entry.size, entry.names, entry.sources) == (SHA, len(DATA), ["tiny.v1"], [url])
    assert _leftovers(home) == []


def test_url_without_hash_is_cached_under_its_content_hash(home, server):
    url = server.url("ok", "w.bin")
    path = fetch(url, progress=False)
    assert path.name == SHA
    assert fetch(url, progress=False) == path
    assert server.total == 1


def test_progress_bar_goes_to_stderr(home, server, capsys):
    fetch(server.url("ok", "w.bin"), sha256=SHA, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "w.bin" in err and "10.0k" in err   # tqdm's bar: file name and size


def test_truncated_body_is_retried_then_reported(home, server):
    url = server.url("truncated", "w.bin")
    with pytest.raises(DownloadError, match=r"truncated download from .*/truncated/w.bin: received 5120 of "
                                            r"10240 bytes \(gave up after 2 attempts\)"):
        fetch(url, sha256=SHA, retries=1, progress=False)
    assert server.counts["/truncated/w.bin"] == 2
    assert _blobs(home) == [] and _leftovers(home) == []


def test_wrong_content_names_both_hashes_and_is_not_cached(home, server):
    url = server.url("wrong", "w.bin")
    wrong = hashlib.sha256(bytes(b ^ 0xFF for b in DATA)).hexdigest()
    with pytest.raises(ChecksumError, match=f"sha256 mismatch: expected {SHA}, got {wrong}"):
        fetch(url, sha256=SHA, progress=False)
    assert server.counts["/wrong/w.bin"] == 1                  # a wrong file is not retried
    assert _blobs(home) == [] and _leftovers(home) == []


def test_size_announced_by_server_is_checked_before_downloading(home, server):
    with pytest.raises(ChecksumError, match="offers 10240 bytes but 999 are expected"):
        fetch(server.url("ok", "w.bin"), size=999, progress=False)
    assert _blobs(home) == []


def test_404_names_the_url_and_status(home, server):
    url = server.url("ok", "nothing-here.bin")
    with pytest.raises(DownloadError, match=f"HTTP 404 Not Found for {url}"):
        fetch(url, sha256=SHA, retries=3, progress=False)
    assert server.total == 1                                   # 404 is final: no retries


def test_transient_503_is_retried(home, server):
    path = fetch(server.url("flaky", "w.bin"), sha256=SHA, retries=2, progress=False)
    assert path.read_bytes() == DATA
    assert server.counts["/flaky/w.bin"] == 2


def test_slow_server_times_out(home, server):
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"timed out after 0.2s .*/slow/w.bin.*gave up after 2 attempts"):
        fetch(server.url("slow", "w.bin"), sha256=SHA, timeout=0.2, retries=1, progress=False)
    assert time.monotonic() - start < 2.0
    assert server.counts["/slow/w.bin"] == 2
    assert _blobs(home) == []


def test_timeout_and_retries_come_from_the_environment(home, server, monkeypatch):
    monkeypatch.setenv("ZOO_DOWNLOAD_TIMEOUT", "0.1")
    monkeypatch.setenv("ZOO_DOWNLOAD_RETRIES", "0")
    with pytest.raises(DownloadError, match=r"timed out after 0.1s .*\(gave up after 1 attempt\)"):
        fetch(server.url("slow", "w.bin"), sha256=SHA, progress=False)
    assert server.total == 1


def test_later_sources_are_tried_when_one_fails(home, server):
    bad, good = server.url("ok", "gone.bin"), server.url("ok", "w.bin")
    assert fetch([bad, good], sha256=SHA, progress=False).read_bytes() == DATA
    with pytest.raises(DownloadError, match="could not fetch tiny.v1 from any of its 2 sources:\n.*404.*\n.*404"):
        fetch([bad, server.url("ok", "gone2.bin")], sha256="0" * 64, name="tiny.v1", progress=False)


def test_offline_makes_no_connection_and_says_what_to_run(home, server, monkeypatch):
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    url = server.url("ok", "w.bin")
    with pytest.raises(OfflineError) as info:
        fetch(url, sha256=SHA, name="tiny.v1", progress=False)
    msg = str(info.value)
    assert "ZOO_OFFLINE=1" in msg and url in msg and "`zoo fetch tiny.v1`" in msg
    assert info.value.missing == [("tiny.v1", [url])]
    assert server.total == 0


def test_offline_uses_the_cache(home, server, monkeypatch):
    url = server.url("ok", "w.bin")
    path = fetch(url, progress=False)
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    assert fetch(url, progress=False) == path                  # found through the index, no hash given
    assert fetch(url, sha256=SHA, progress=False) == path
    assert server.total == 1


def test_corrupt_cache_file_is_quarantined_warned_and_refetched(home, server):
    url = server.url("ok", "w.bin")
    path = fetch(url, sha256=SHA, progress=False)
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:                               # same size, one flipped byte
        f.seek(100)
        f.write(b"\x00" if DATA[100] else b"\x01")
    with pytest.warns(CacheWarning, match=f"{SHA} is corrupt \\(sha256 is [0-9a-f]{{64}}, expected {SHA}\\)"):
        again = fetch(url, sha256=SHA, progress=False)
    assert again == path and again.read_bytes() == DATA
    [bad] = list((home / "quarantine").iterdir())
    assert bad.name.startswith(SHA) and bad.read_bytes() != DATA
    assert server.total == 2


def test_truncated_cache_file_is_caught_by_its_recorded_size(home, server):
    url = server.url("ok", "w.bin")
    path = fetch(url, progress=False)                          # no hash given: the index records the size
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:
        f.truncate(10)
    with pytest.warns(CacheWarning, match="size is 10 bytes, expected 10240"):
        assert fetch(url, progress=False).read_bytes() == DATA
    assert server.total == 2


def test_four_processes_download_once(home, server):
    ctx = multiprocessing.get_context("spawn")   # a clean interpreter each, like four separate commands
    barrier, results = ctx.Barrier(4), ctx.Queue()
    url = server.url("trickle", "w.bin")         # stays in flight ~0.4 s, so the others must wait for it
    args = (url, SHA, len(DATA), str(home), barrier, results)
    procs = [ctx.Process(target=fetch_in_child, args=args) for _ in range(4)]
    for p in procs:
        p.start()
    paths, deadline = [], time.monotonic() + 60
    while len(paths) < 4 and time.monotonic() < deadline:   # bounded, and quick to notice a dead child
        try:
            paths.append(results.get(timeout=0.5))
        except queue.Empty:
            if not any(p.is_alive() for p in procs) and results.empty():
                break
    for p in procs:
        p.join(timeout=30)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert server.counts["/trickle/w.bin"] == 1
    assert set(paths) == {str(home / "blobs" / "sha256" / SHA)}
    assert (home / "blobs" / "sha256" / SHA).read_bytes() == DATA


def test_a_url_whose_content_changed_is_indexed_under_the_new_hash(home, server):
    url = server.url("ok", "w.bin")
    old = fetch(url, progress=False)
    cache.cache_prune(everything=True)                         # the old file is gone...
    server.add("w.bin", DATA[::-1])                            # ...and the server now has another one
    new = fetch(url, progress=False)
    assert new != old and new.read_bytes() == DATA[::-1]
    assert fetch(url, progress=False) == new                   # found again, not downloaded a third time
    assert server.total == 2
