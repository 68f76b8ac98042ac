"""Test helpers for the hub: a local HTTP server that misbehaves on request, and a tiny wheel builder.

The server listens on 127.0.0.1 on an ephemeral port and counts every request, so tests can assert how
many downloads happened (exactly one for four concurrent processes; zero in offline mode). Routes, for
a file registered with ``server.add(name, data)``:

    /ok/<name>         the file
    /truncated/<name>  Content-Length of the whole file, but only half the body, then the connection closes
    /wrong/<name>      bytes of the right length but different content
    /flaky/<name>      503 on the first request, the file after
    /slow/<name>       waits (up to SLOW seconds, or until the server stops) before answering
    /trickle/<name>    the file in 8 pieces 0.05 s apart (keeps a download in flight for a while)
    anything else      404
"""
import collections
import os
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW = 3.0   # seconds a /slow/ request waits at most (tests use client timeouts far below it)


class Server:
    def __init__(self):
        self.files = {}
        self.counts = collections.Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def add(self, name, data):
        self.files[name] = data

    def url(self, route, name):
        host, port = self.httpd.server_address
        return f"http://{host}:{port}/{route}/{name}"

    @property
    def total(self):
        return sum(self.counts.values())

    def close(self):
        self._stop.set()              # wakes /slow/ handlers so their threads end
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):   # keep test output clean
                pass

            def do_GET(self):
                with server._lock:
                    server.counts[self.path] += 1
                    nth = server.counts[self.path]
                parts = self.path.strip("/").split("/", 1)
                data = server.files.get(parts[1]) if len(parts) == 2 else None
                if data is None:
                    self.send_error(404, "Not Found")
                    return
                route = parts[0]
                try:
                    if route == "slow":
                        if server._stop.wait(SLOW):
                            return
                    if route == "flaky" and nth == 1:
                        self.send_error(503, "Service Unavailable")
                        return
                    body = bytes(b ^ 0xFF for b in data) if route == "wrong" else data
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if route == "truncated":
                        self.wfile.write(body[:len(body) // 2])
                    elif route == "trickle":
                        step = -(-len(body) // 8)
                        for i in range(0, len(body), step):
                            self.wfile.write(body[i:i + step])
                            self.wfile.flush()
                            if server._stop.wait(0.05):
                                return
                    elif route in ("ok", "wrong", "flaky", "slow"):
                        self.wfile.write(body)
                    self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):   # the client gave up (timeout test)
                    pass

        return Handler


def make_wheel(folder, project, version, files):
    """Write a minimal valid wheel ``<project>-<version>-py3-none-any.whl`` holding ``files``
    (member path -> bytes) into ``folder``; return its path."""
    norm = project.replace("-", "_")
    path = folder / f"{norm}-{version}-py3-none-any.whl"
    info = f"{norm}-{version}.dist-info"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in files.items():
            z.writestr(member, data)
        z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n")
        z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: zoo-tests\nRoot-Is-Purelib: true\n"
                                    "Tag: py3-none-any\n")
        z.writestr(f"{info}/RECORD", "")
    return path


def fetch_in_child(url, sha256, size, home, barrier, results):
    """A child process (spawned: this module is light to import) that fetches ``url`` when all are ready."""
    os.environ["ZOO_HOME"] = home
    from zoo_core.hub.cache import fetch
    barrier.wait(timeout=60)
    results.put(str(fetch(url, sha256=sha256, size=size, progress=False)))
