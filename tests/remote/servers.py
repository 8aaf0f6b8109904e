"""Real servers on the loopback interface, started by the tests: an HTTP server that honours Range
requests and logs every request with the bytes it sent, with path prefixes that misbehave, and a moto
S3 server (``ThreadedMotoServer``'s app behind a counting WSGI middleware) that also records which
process each request came from.

HTTP path prefixes (the rest of the path is a file under the served folders):

* ``/files/...``    Range honoured (206 + ``Content-Range``), ``HEAD`` answered, no directory listing (404)
* ``/norange/...``  Range ignored: 200 and the whole file, as some servers do
* ``/drop/...``     the connection is closed after :attr:`HttpServer.drop_after` bytes of any body
* ``/deny/...``     403 Forbidden
* ``/short/...``    ``Content-Length``/``Content-Range`` claim the file is 1 MiB longer than it is
* ``/hang/...``     the request is read, then nothing is sent until the server stops
* ``/gbit/...``     as ``/files/``, bodies sent at most at :data:`GBIT` bytes per second (a 1 Gbit/s link)
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
#: bytes per second of a 1 Gbit/s link
GBIT = 125_000_000


@dataclass
class Request:
    method: str
    path: str
    range: str | None
    status: int
    sent: int = 0  #: body bytes sent
    port: int = 0  #: the client's port
    own: bool | None = None  #: the request came from this (the test's) process
    inode: int | None = None  #: the client socket's inode
    pid: int | None = None  #: the process holding the client socket (when the log resolves pids)


@dataclass
class Log:
    """Requests as the server finished them; :meth:`take` waits for those in flight first (a server
    thread may finish its response after the client has its bytes)."""

    requests: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    resolve_pids: bool = False  #: look up which process holds each client socket (slower)

    def begin(self):
        with self.lock:
            self.in_flight += 1

    def add(self, request, begun=True):
        with self.lock:
            self.requests.append(request)
            if begun:
                self.in_flight -= 1

    def settle(self, timeout=5.0):
        import time

        deadline = time.monotonic() + timeout
        while self.in_flight > 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.02)

    def clear(self):
        self.settle()
        with self.lock:
            self.requests.clear()

    def take(self):
        self.settle()
        with self.lock:
            out = list(self.requests)
            self.requests.clear()
        return out


# -- which process made a request -------------------------------------------------------------------
def socket_inode(local_port: int, remote_port: int) -> int | None:
    """The inode of the TCP socket whose local port is ``local_port`` and remote port
    ``remote_port`` (a loopback client socket), from /proc/net/tcp{,6}."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    local, remote, inode = parts[1], parts[2], int(parts[9])
                    if int(local.rsplit(":", 1)[1], 16) == local_port and int(remote.rsplit(":", 1)[1], 16) == remote_port:
                        return inode
        except OSError:
            continue
    return None


def socket_inodes_of(pid: int) -> set[int]:
    """The inodes of the sockets process ``pid`` holds open."""
    found = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                found.add(int(target[8:-1]))
    except OSError:
        pass
    return found


def owner_of(inode: int) -> int | None:
    """The pid of the process holding the socket ``inode`` (any process this user may inspect)."""
    wanted = f"socket:[{inode}]"
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{entry}/fd/{fd}") == wanted:
                    return int(entry)
            except OSError:
                continue
    return None


def stamp_origin(request: Request, server_port: int, resolve_pid: bool = False) -> None:
    """Which socket (and process) sent ``request``, looked up while its connection is open."""
    request.inode = socket_inode(request.port, server_port)
    if request.inode is None:
        raise AssertionError(f"no client socket found for port {request.port}")
    request.own = request.inode in socket_inodes_of(os.getpid())
    if resolve_pid:
        request.pid = os.getpid() if request.own else owner_of(request.inode)


# -- HTTP -------------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HttpServer

    def log_message(self, *args):  # quiet
        pass

    def _file(self):
        parts = self.path.split("?", 1)[0].lstrip("/").split("/", 1)
        if len(parts) != 2:
            return parts[0], None
        prefix, rest = parts
        rest = unquote(rest)
        for root in self.server.roots:
            candidate = os.path.join(root, rest)
            if os.path.isfile(candidate):
                return prefix, candidate
        return prefix, None

    def _record(self, status, sent):
        request = Request(self.command, self.path, self.headers.get("Range"), status, sent, self.client_address[1])
        self.server.log.add(request)

    def _fail(self, status):
        body = f"{status}\n".encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._record(status, 0)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.server.log.begin()
        prefix, path = self._file()
        if prefix == "hang":
            self._record(0, 0)
            self.server.stopping.wait(60)
            self.close_connection = True
            return
        if prefix == "deny":
            return self._fail(403)
        if path is None or prefix not in ("files", "norange", "drop", "short", "gbit"):
            return self._fail(404)
        size = os.path.getsize(path)
        claimed = size + (1 << 20 if prefix == "short" else 0)
        start, end, status = 0, claimed, 200
        wanted = self.headers.get("Range")
        if wanted and prefix != "norange":
            match = _RANGE.match(wanted.strip())
            if match is None:
                return self._fail(416)
            a, b = match.groups()
            if a == "":
                start, end = max(0, claimed - int(b)), claimed
            else:
                start, end = int(a), min(claimed, int(b) + 1 if b else claimed)
            if start >= claimed:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{claimed}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self._record(416, 0)
                return
            status = 206
        self.send_response(status)
        self.send_header("Accept-Ranges", "none" if prefix == "norange" else "bytes")
        self.send_header("Content-Length", str(end - start))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{claimed}")
        self.end_headers()
        if self.command == "HEAD":
            self._record(status, 0)
            return
        limit = self.server.drop_after if prefix == "drop" else None
        sent = 0
        started = time.monotonic()
        with open(path, "rb") as f:
            f.seek(start)
            remaining = min(end, size) - start
            try:
                while remaining > 0:
                    block = f.read(min(1 << 20, remaining))
                    if limit is not None and sent + len(block) > limit:
                        block = block[:limit - sent]
                        self.wfile.write(block)
                        sent += len(block)
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        break
                    self.wfile.write(block)
                    sent += len(block)
                    remaining -= len(block)
                    if prefix == "gbit":
                        time.sleep(max(0.0, started + sent / GBIT - time.monotonic()))
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
        if prefix == "short":
            self.close_connection = True  # the rest the headers promised never comes
        self._record(status, sent)


class HttpServer(ThreadingHTTPServer):
    """Files of ``roots`` on 127.0.0.1 at a free port; ``url(prefix, name)``; ``log`` of requests."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, roots, drop_after=4096):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.roots = [os.fspath(r) for r in roots]
        self.drop_after = drop_after
        self.log = Log()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def handle_error(self, request, client_address):  # a client that hung up: not worth a traceback
        pass

    def url(self, prefix, name):
        from urllib.parse import quote

        return f"http://127.0.0.1:{self.server_address[1]}/{prefix}/{quote(name)}"

    def stop(self):
        self.stopping.set()
        self.shutdown()
        self.server_close()


# -- S3 ---------------------------------------------------------------------------------------------
class _Counting:
    """WSGI middleware: every request (method, path, Range, status, body bytes sent, client port and
    whether this process sent it) goes to ``log``."""

    def __init__(self, app, log, port_of):
        self.app = app
        self.log = log
        self.port_of = port_of

    def __call__(self, environ, start_response):
        self.log.begin()
        request = Request(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("HTTP_RANGE"), 0,
                          port=int(environ.get("REMOTE_PORT") or 0))
        stamp_origin(request, self.port_of(), self.log.resolve_pids)

        def start(status, headers, exc_info=None):
            request.status = int(status.split()[0])
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        try:
            for chunk in body:
                request.sent += len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()
            self.log.add(request)


def start_moto():
    """A moto S3 server on 127.0.0.1 at a free port, requests counted: ``(server, endpoint, log)``."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    log = Log()

    class Counted(ThreadedMotoServer):
        def _server_entry(self):
            app = _Counting(DomainDispatcherApplication(create_backend_app), log, lambda: self._server.server_address[1])
            self._server = make_server(self._ip_address, self._port, app, True)
            self._server_ready_event.set()
            self._server.serve_forever()

    server = Counted(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}", log


# -- a hostile HTTP server ----------------------------------------------------------------------------
class _HostileHandler(BaseHTTPRequestHandler):
    """Range requests on the files of ``server.roots``, answered as the path prefix says:

    * ``/etag/...``          honest, with a strong ``ETag`` of the file as it is now (inode, mtime, size),
                             honouring ``If-Match`` (412 when it no longer matches)
    * ``/etag-ignored/...``  the same ETag, ``If-Match`` ignored
    * ``/shift/...``         ranges after the first KiB answered 4 bytes later, ``Content-Range`` saying so
    * ``/drip/...``          the right bytes, one every 0.2 s
    * ``/endless/...``       206 with a right ``Content-Range``, no ``Content-Length``, a body without end
    * ``/gzip/...``          ``Content-Encoding: gzip``, a gzip stream of zeros without end
    * ``/huge/...``          ``Content-Length: 2 GiB`` whatever the range, then the right bytes
    """

    protocol_version = "HTTP/1.1"
    server: HostileServer

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.server.requests += 1
        prefix, _, rest = self.path.lstrip("/").partition("/")
        path = os.path.join(self.server.root, unquote(rest))
        try:
            status = os.stat(path)
            with open(path, "rb") as f:
                content = f.read()
        except OSError:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = f'"{status.st_ino:x}-{status.st_mtime_ns:x}-{status.st_size:x}"'
        match = _RANGE.match((self.headers.get("Range") or "").strip())
        assert match is not None and match.group(1), "the client always asks for a range"
        start, end = int(match.group(1)), min(len(content), int(match.group(2)) + 1)
        wanted = self.headers.get("If-Match")
        if prefix == "etag" and wanted is not None and wanted != etag:
            self.send_response(412)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        shift = 4 if prefix == "shift" and start >= 1024 else 0
        body = content[start + shift:end + shift]
        said = (start + shift, start + shift + len(body) - 1)
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {said[0]}-{said[1]}/{len(content)}")
        if prefix in ("etag", "etag-ignored"):
            self.send_header("ETag", etag)
        if prefix == "gzip":
            self.send_header("Content-Encoding", "gzip")
        if prefix in ("endless", "gzip"):
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(2 << 30 if prefix == "huge" else len(body)))
        self.end_headers()
        try:
            if prefix == "drip":
                for i in range(len(body)):
                    if self.server.stopping.wait(0.2):
                        return
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
            elif prefix == "endless":
                self.wfile.write(body)
                while not self.server.stopping.is_set():
                    self.wfile.write(bytes(1 << 16))
                    self.server.endless_sent += 1 << 16
            elif prefix == "gzip":
                import zlib

                packer = zlib.compressobj(9, zlib.DEFLATED, 31)
                while not self.server.stopping.is_set():
                    self.wfile.write(packer.compress(bytes(1 << 20)))
                    self.server.endless_sent += 1 << 20
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class HostileServer(ThreadingHTTPServer):
    """:class:`_HostileHandler` on 127.0.0.1 at a free port, serving the files of ``root``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root):
        super().__init__(("127.0.0.1", 0), _HostileHandler)
        self.root = os.fspath(root)
        self.requests = 0
        self.endless_sent = 0  #: bytes the endless answers wrote before the client hung up
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def handle_error(self, request, client_address):  # a client that hung up: not worth a traceback
        pass

    def url(self, prefix, name):
        return f"http://127.0.0.1:{self.server_address[1]}/{prefix}/{name}"

    def stop(self):
        self.stopping.set()
        self.shutdown()
        self.server_close()
