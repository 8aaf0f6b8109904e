"""URLs: any file system fsspec knows (``https://``, ``s3://``, ``gs://``, ``zip://...::``, ...).

fsspec and its protocol packages (aiohttp, s3fs) are the optional extra ``mrcschema[remote]``,
imported only here, and this module only when a URL is opened.

What is fetched: exactly the byte ranges asked for, one request each (``Range: bytes=a-b``), never
a read-ahead block.  Over HTTP(S) and S3 the first ranged answer also gives the object's size
(``Content-Range: bytes 0-1023/SIZE``), so opening a file and reading its header is one request;
the extended header is a second one.  Large reads (the data block) are split in
:data:`PIECE_BYTES` pieces fetched :data:`CONCURRENCY` at a time.

Failures: a missing object is ``FileNotFoundError``, access denied ``PermissionError``, a
connection lost, refused or timed out (after :data:`RETRIES` retries) or an answer shorter than
asked :class:`~mrcschema.sources.base.FetchError`; every message names the URL and the offset.
A server that ignores ``Range`` (answers 200 with the whole file) is read as one stream, in order,
with a warning.

Bounded and true to one object (docs/robustness.md):

* time: connect and read timeouts (:func:`with_defaults`), and a total deadline per request of
  :data:`REQUEST_DEADLINE` seconds plus the time its bytes take at :data:`MIN_RATE` bytes per
  second (storage options ``request_deadline`` and ``min_rate`` change them; they are taken out
  before fsspec sees the options), so a server dripping bytes is a timeout, not a hang;
* memory: never more bytes buffered than the range asked for: ``Content-Length`` larger than the
  range is refused before anything is allocated, a body longer than the range (endless, or
  without a length) is cut off and refused, and ``Accept-Encoding: identity`` is sent and any
  encoded answer (``Content-Encoding: gzip``...) refused (:class:`BadAnswer`);
* one object: every ranged answer must say (``Content-Range``) that it starts where asked and
  holds what was asked; the object is pinned by the first answer (``ETag``, else
  ``Last-Modified``, and its size), later requests send ``If-Match`` (S3: ``IfMatch``) and their
  answers are compared with the pin: a changed object is :class:`ObjectChanged` naming the URL,
  never bytes of two versions mixed.  The pin travels in :attr:`RemoteSource.locator`, so dask
  workers read the version the file was opened on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import re
import warnings
from typing import Any

from ..errors import MrcWarning
from ..progress import progress as progress_bar
from .base import PROGRESS_BYTES, FetchError, Source
from .fileobj import StreamSource
from .urls import protocol_of

INSTALL_HINT = 'pip install ".[remote]" (from a checkout)'
#: seconds to wait for a connection, and for each read from it
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
#: retries of a fetch whose connection was lost or timed out (not of a 4xx answer)
RETRIES = 2
#: reads larger than this are split in pieces of this size, fetched concurrently
PIECE_BYTES = 16 << 20
CONCURRENCY = 4
#: a request may take this many seconds plus its bytes at MIN_RATE bytes per second, retries apart
REQUEST_DEADLINE = 30.0
MIN_RATE = 64 << 10
#: storage options read here (and not passed to fsspec)
LIMIT_OPTIONS = ("request_deadline", "min_rate")
#: reads at most this size are kept (header, extended header) so they are fetched once
_CACHE_BYTES = 4 << 20

_CONTENT_RANGE = re.compile(r"bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)")


class BadAnswer(FetchError):
    """An answer that is not the bytes asked for (another range, more bytes than asked, an encoded
    body): refused, not retried."""


class ObjectChanged(FetchError):
    """The object behind the URL is not the one opened (another ETag, Last-Modified or size)."""


def import_fsspec():
    """fsspec, or a ModuleNotFoundError saying which extra installs it."""
    try:
        import fsspec
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(f"reading URLs needs fsspec: {INSTALL_HINT} ({exc})", name=exc.name) from None
    return fsspec


def with_defaults(protocol: str, options: dict) -> dict:
    """``options`` for fsspec: without this module's :data:`LIMIT_OPTIONS`, with timeouts where the
    caller set none: aiohttp's ``ClientTimeout`` for HTTP(S) (``client_kwargs={'timeout': ...}``),
    botocore's connect and read timeouts for S3."""
    options = {key: value for key, value in options.items() if key not in LIMIT_OPTIONS}
    if protocol in ("http", "https"):
        client = dict(options.get("client_kwargs") or {})
        if "timeout" not in client:
            import aiohttp

            client["timeout"] = aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT)
        options["client_kwargs"] = client
    elif protocol in ("s3", "s3a"):
        config = dict(options.get("config_kwargs") or {})
        config.setdefault("connect_timeout", CONNECT_TIMEOUT)
        config.setdefault("read_timeout", READ_TIMEOUT)
        options["config_kwargs"] = config
    return options


def filesystem(url: str, storage_options: dict | None = None):
    """``(fs, path)`` for ``url`` (fsspec's ``url_to_fs``), with a one-line error naming the package
    to install when fsspec or the protocol's package is missing."""
    fsspec = import_fsspec()
    protocol = protocol_of(url)
    try:
        return fsspec.core.url_to_fs(url, **with_defaults(protocol, storage_options or {}))
    except ImportError as exc:
        raise ModuleNotFoundError(f"{url}: reading {protocol}:// URLs needs a package fsspec did not find: "
                                  f"{INSTALL_HINT} ({exc})", name=getattr(exc, "name", None)) from None


def total_of(content_range: str | None) -> int | None:
    """The object size in a ``Content-Range`` header (``bytes 0-1023/4096`` or ``bytes */4096``)."""
    match = _CONTENT_RANGE.match(content_range or "")
    if match is None or match.group(3) == "*":
        return None
    return int(match.group(3))


def check_content_range(content_range: str | None, start: int, end: int, url: str) -> int | None:
    """The object size of a ranged answer to ``[start, end)``, once its ``Content-Range`` says it
    begins at ``start`` and ends at ``end`` or at the end of the object; else :class:`BadAnswer`."""
    match = _CONTENT_RANGE.match(content_range or "")
    if match is None or match.group(1) is None:
        raise BadAnswer(f"{url}: the answer for bytes {start}-{end - 1} has no usable Content-Range "
                        f"({content_range!r})")
    first, last = int(match.group(1)), int(match.group(2))
    total = None if match.group(3) == "*" else int(match.group(3))
    if first != start or not (last == end - 1 or (total is not None and last == total - 1 and last < end)):
        raise BadAnswer(f"{url}: asked for bytes {start}-{end - 1}, the server sent bytes {first}-{last} "
                        "(refused: never data from another offset)")
    return total


async def _body(read, length, wanted: int, url: str, start: int) -> bytes | bytearray:
    """A response body of at most ``wanted`` bytes read block by block into one buffer (one copy,
    and the buffer is writable for the arrays made on it).  An announced ``length`` over ``wanted``
    is refused before anything is allocated; a body without a length is read up to ``wanted`` and
    refused when more follows (an endless body is never buffered)."""
    try:
        size = int(length) if length is not None else None
    except ValueError:
        size = None
    if size is not None and size > wanted:
        raise BadAnswer(f"{url}: the server announces {size} bytes for the {wanted} bytes asked for at offset "
                        f"{start} (refused before reading)")
    out = bytearray(wanted if size is None else size)
    view = memoryview(out)
    got = 0
    while got < len(out):
        block = await read(min(1 << 20, len(out) - got))
        if not block:
            return out[:got]  # shorter than asked: the caller's length check names it
        view[got:got + len(block)] = block
        got += len(block)
    if size is None and await read(1):
        raise BadAnswer(f"{url}: the server sent more than the {wanted} bytes asked for at offset {start} "
                        "(refused: the rest is not read)")
    return out


class RangesIgnored(Exception):
    """The server answered a Range request at a non-zero offset with the whole file."""


@dataclasses.dataclass(frozen=True)
class RemoteLocator:
    """A URL and its storage options: what a dask chunk needs to fetch its bytes anywhere."""

    url: str
    storage_options: dict
    #: the version the file was opened on (see :attr:`RemoteSource.pin`)
    pin: tuple | None = None


def _writable(data):
    return data if isinstance(data, bytearray) else bytearray(data)


def _named(exc: BaseException, url: str, offset: int) -> OSError:
    """The OSError to raise for ``exc`` from a fetch at ``offset`` of ``url``, naming both."""
    if isinstance(exc, FileNotFoundError):
        return FileNotFoundError(errno.ENOENT, f"{url}: no such file or object ({exc})")
    if isinstance(exc, PermissionError):
        return PermissionError(errno.EACCES, f"{url}: access denied ({exc})")
    if isinstance(exc, FetchError):
        return exc
    what = "timed out" if isinstance(exc, (asyncio.TimeoutError, TimeoutError)) else "failed"
    detail = str(exc) or type(exc).__name__
    return FetchError(f"{url}: reading at offset {offset} {what}: {type(exc).__name__}: {detail}")


def _transient(exc: BaseException) -> bool:
    """Worth a retry: a connection lost, refused or timed out (not a 4xx answer)."""
    if isinstance(exc, (FileNotFoundError, PermissionError, RangesIgnored, BadAnswer, ObjectChanged)):
        return False
    aiohttp: Any
    try:
        import aiohttp
    except ModuleNotFoundError:
        aiohttp = None
    if aiohttp is not None and isinstance(exc, aiohttp.ClientResponseError):
        return exc.status >= 500
    return isinstance(exc, (OSError, asyncio.TimeoutError, TimeoutError)) or (
        aiohttp is not None and isinstance(exc, aiohttp.ClientError))


class RemoteSource(Source):
    """An object behind a URL, read range by range through fsspec (see the module doc)."""

    remote = True

    def __init__(self, url: str, storage_options: dict | None = None, *, permissive: bool = False,
                 pin: tuple | None = None):
        self.url = self.path = url
        self.storage_options = dict(storage_options or {})
        self.permissive = permissive
        self.request_deadline = float(self.storage_options.get("request_deadline", REQUEST_DEADLINE))
        self.min_rate = float(self.storage_options.get("min_rate", MIN_RATE))
        #: (ETag, Last-Modified, size) of the object as first answered: every later answer must match
        self.pin: tuple | None = pin
        self._fs, self._fspath = filesystem(url, self.storage_options)
        protocols = self._fs.protocol if isinstance(self._fs.protocol, (tuple, list)) else (self._fs.protocol,)
        self._kind = "http" if "http" in protocols else "s3" if "s3" in protocols else "generic"
        self._async = bool(getattr(self._fs, "async_impl", False))
        self._size: int | None = None
        self._cache: list[tuple[int, bytes]] = []
        self._stream: StreamSource | None = None  # the whole file as one stream, once Range proved ignored
        self._ranges_ignored = False
        self.requests = 0  #: fetches made (for tests and benchmarks)

    # -- the interface ------------------------------------------------------------------------
    @property
    def locator(self):
        return RemoteLocator(self.url, self.storage_options, self.pin)

    @property
    def size(self):
        if self._size is None:
            if self._stream is not None:
                self._size = self._stream.size
            else:
                self._size = self._fetch_size()
        return self._size

    def read(self, offset: int, nbytes: int) -> bytes:
        if nbytes <= 0:
            return b""
        cached = self._cached(offset, nbytes)
        if cached is not None:
            return cached
        data = bytes(self._read(offset, nbytes))
        if len(data) <= _CACHE_BYTES:
            self._remember(offset, data)
        return data

    def read_header(self, nbytes: int = 1024) -> bytes:
        return self.read(0, nbytes)

    def window(self, offset: int, nbytes: int):
        return self._read(offset, nbytes, progress=True)

    def read_chunk(self, offset: int, nbytes: int):
        return self._read(offset, nbytes, split=False)

    def read_ranges(self, ranges):
        if self._stream is not None or self._ranges_ignored or not self._async:
            return [self.read(offset, n) for offset, n in ranges]
        return self._run(self._gather([(offset, offset + n) for offset, n in ranges]))

    def close(self):
        if self._stream is not None:
            self._stream.close()
        self._cache = []

    # -- reads ---------------------------------------------------------------------------------
    def _cached(self, offset, nbytes):
        for start, data in self._cache:
            if start <= offset and (offset + nbytes <= start + len(data)
                                    or (self._size is not None and start + len(data) >= self._size)):
                return data[offset - start:offset - start + nbytes]
        return None

    def _remember(self, offset, data):
        self._cache.insert(0, (offset, data))
        while sum(len(d) for _, d in self._cache) > _CACHE_BYTES and len(self._cache) > 1:
            self._cache.pop()

    def _read(self, offset, nbytes, progress=False, split=True):
        """``nbytes`` at ``offset`` (fewer at the end of the object) as a bytearray."""
        if self._stream is not None or (self._ranges_ignored and offset > 0):
            return bytearray(self._fall_back().read(offset, nbytes))
        end = offset + nbytes
        if self._size is not None:
            end = min(end, self._size)
        if end <= offset:
            return bytearray()
        try:
            if not self._async:
                return bytearray(self._fetch_sync(offset, end))
            bar = progress_bar(end - offset, self.url, threshold=PROGRESS_BYTES) if progress else None
            try:
                pieces = [(a, min(a + PIECE_BYTES, end)) for a in range(offset, end, PIECE_BYTES)]
                if len(pieces) == 1 or not split:
                    out = _writable(self._run(self._fetch(offset, end)))
                    if bar is not None:
                        bar.update(len(out))
                    return out
                out = bytearray(end - offset)
                view = memoryview(out)

                def done(a, data):
                    view[a - offset:a - offset + len(data)] = data
                    if bar is not None:
                        bar.update(len(data))

                self._run(self._gather(pieces, done))
                return out
            finally:
                if bar is not None:
                    bar.close()
        except RangesIgnored:
            return bytearray(self._fall_back().read(offset, nbytes))

    def _run(self, coroutine):
        from fsspec.asyn import sync

        return sync(self._fs.loop, lambda: coroutine)

    async def _gather(self, pieces, done=None):
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def one(a, b):
            async with semaphore:
                data = await self._fetch(a, b)
            if done is not None:
                done(a, data)
            return data

        return await asyncio.gather(*(one(a, b) for a, b in pieces))

    async def _fetch(self, start: int, end: int) -> bytes:
        """Exactly the bytes ``[start, end)`` (fewer only where the object ends), retried on a lost
        connection; errors name the URL and the offset."""
        last: BaseException | None = None
        for attempt in range(RETRIES + 1):
            try:
                self.requests += 1
                data, total = await asyncio.wait_for(self._fetch_once(start, end), self._deadline(end - start))
                break
            except RangesIgnored:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure is named below
                last = exc
                if not _transient(exc) or attempt == RETRIES:
                    raise _named(exc, self.url, start) from None
                await asyncio.sleep(0.1 * 2 ** attempt)
        else:  # pragma: no cover - the loop breaks or raises
            raise _named(last or OSError("no attempt"), self.url, start)
        if total is not None and self._size is None:
            self._size = total
        expected = end - start if self._size is None else max(0, min(end, self._size) - start)
        if len(data) < expected and (self._size is not None or total is not None):
            raise FetchError(f"{self.url}: the server sent {len(data)} of the {expected} bytes at offset {start} "
                             "(connection lost, or the object changed)")
        return data if len(data) <= end - start else data[:end - start]

    def _deadline(self, nbytes: int) -> float:
        """Seconds one request of ``nbytes`` may take in all (see the module doc)."""
        return self.request_deadline + (nbytes / self.min_rate if self.min_rate > 0 else float("inf"))

    async def _fetch_once(self, start, end):
        if self._kind == "http":
            return await self._http_range(start, end)
        if self._kind == "s3":
            return await self._s3_range(start, end)
        return await self._fs._cat_file(self._fspath, start=start, end=end), None

    def _check_pin(self, etag, modified, total, start):
        """Pin the object on its first answer; an answer of another version is :class:`ObjectChanged`."""
        seen = (etag, modified, total)
        if self.pin is None:
            self.pin = seen
            return
        if any(a is not None and b is not None and a != b for a, b in zip(self.pin, seen)):
            raise ObjectChanged(f"{self.url} changed since it was opened (ETag, Last-Modified, size {self.pin} "
                                f"then, {seen} at offset {start}): refused, never data of two versions")

    def _fetch_sync(self, start, end):
        self.requests += 1
        try:
            data = self._fs.cat_file(self._fspath, start=start, end=end)
        except Exception as exc:  # noqa: BLE001
            raise _named(exc, self.url, start) from None
        return data

    async def _http_range(self, start, end):
        fs = self._fs
        session = await fs.set_session()
        kwargs = dict(fs.kwargs)
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Range"] = f"bytes={start}-{end - 1}"
        headers["Accept-Encoding"] = "identity"
        if self.pin is not None and self.pin[0] and not self.pin[0].startswith("W/"):
            headers["If-Match"] = self.pin[0]
        async with session.get(fs.encode_url(self._fspath), headers=headers, **kwargs) as r:
            if r.status == 416:
                return b"", total_of(r.headers.get("Content-Range"))
            if r.status == 404:
                raise FileNotFoundError(f"HTTP {r.status} {r.reason}")
            if r.status in (401, 403):
                raise PermissionError(f"HTTP {r.status} {r.reason}")
            if r.status == 412:
                raise ObjectChanged(f"{self.url} changed since it was opened (HTTP 412: ETag {self.pin[0] if self.pin else None} "
                                    f"no longer matches, at offset {start})")
            r.raise_for_status()
            encoding = r.headers.get("Content-Encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise BadAnswer(f"{self.url}: the server sent a {encoding}-encoded answer although asked for "
                                "identity (refused: its decoded size is unbounded)")
            length = r.headers.get("Content-Length")
            if r.status == 206:
                total = check_content_range(r.headers.get("Content-Range"), start, end, self.url)
                self._check_pin(r.headers.get("ETag"), r.headers.get("Last-Modified"), total, start)
                return await _body(r.content.read, length, end - start, self.url, start), total
            # 200: the whole file; its start is what was asked for at offset 0, nothing else is
            self._ranges_ignored = True
            if start > 0:
                raise RangesIgnored
            parts, got = [], 0
            while got < end:
                block = await r.content.read(min(1 << 20, end - got))
                if not block:
                    break
                parts.append(block)
                got += len(block)
            return b"".join(parts), (int(length) if length and length.isdigit() else None)

    async def _s3_range(self, start, end):
        fs = self._fs
        bucket, key, version = fs.split_path(self._fspath)
        extra = {"VersionId": version} if version else {}
        if self.pin is not None and self.pin[0]:
            extra["IfMatch"] = self.pin[0]
        try:
            response = await fs._call_s3("get_object", Bucket=bucket, Key=key, Range=f"bytes={start}-{end - 1}",
                                         **extra)
        except OSError as exc:
            cause = getattr(getattr(exc, "__cause__", None), "response", None) or {}
            if cause.get("Error", {}).get("Code") == "PreconditionFailed":
                raise ObjectChanged(f"{self.url} changed since it was opened (ETag {self.pin[0] if self.pin else None} "
                                    f"no longer matches, at offset {start})") from None
            raise
        body = response["Body"]
        try:
            total = check_content_range(response.get("ContentRange"), start, end, self.url)
            modified = response.get("LastModified")
            self._check_pin(response.get("ETag"), None if modified is None else str(modified), total, start)
            data = await _body(body.read, response.get("ContentLength"), end - start, self.url, start)
        finally:
            body.close()
        return data, total

    def _fetch_size(self) -> int:
        self.requests += 1
        try:
            size = self._fs.size(self._fspath)
        except Exception as exc:  # noqa: BLE001
            raise _named(exc, self.url, 0) from None
        if size is None:  # a server that does not say: read it as a stream
            return self._fall_back("the server gives no size").size
        return int(size)

    def _fall_back(self, why="the server ignores Range requests"):
        """The whole file as one stream, read in order and held in memory up to the size its header
        declares + the stream margin (as a pipe is), with a warning."""
        if self._stream is None:
            warnings.warn(f"{self.url}: {why}; the file is read as one stream, in order, into memory",
                          MrcWarning, stacklevel=4)
            self.requests += 1
            try:
                handle = self._fs.open(self._fspath, "rb", block_size=0, size=self._size)
            except Exception as exc:  # noqa: BLE001
                raise _named(exc, self.url, 0) from None
            self._stream = StreamSource(handle, self.url, permissive=self.permissive, remote=True,
                                        on_close=handle.close)
        return self._stream


# -- sources in other processes --------------------------------------------------------------------
_OPEN: dict[tuple[str, str, tuple | None], RemoteSource] = {}


def source_of(locator: RemoteLocator) -> RemoteSource:
    """The :class:`RemoteSource` of ``locator``, one per process and URL (a dask worker reuses it,
    and with it fsspec's connection pool)."""
    key = (locator.url, repr(sorted(locator.storage_options.items())), locator.pin)
    source = _OPEN.get(key)
    if source is None:
        if len(_OPEN) > 32:
            _OPEN.clear()
        source = _OPEN[key] = RemoteSource(locator.url, locator.storage_options, pin=locator.pin)
    return source


# -- folders and writing -----------------------------------------------------------------------------
def list_folder(url: str, storage_options: dict | None = None) -> list[str] | None:
    """The names of the files beside ``url``, or None when its file system cannot list that folder
    (a plain HTTP server without an index page)."""
    from urllib.parse import unquote

    fs, path = filesystem(url, storage_options)
    parent = fs._parent(path)
    try:
        entries = fs.ls(parent, detail=True)
    except (OSError, NotImplementedError, ValueError):
        return None
    except Exception:  # noqa: BLE001 - an HTTP error page, a parse failure: cannot list
        return None
    names = []
    for entry in entries:
        if entry.get("type", "file") != "file":
            continue
        name = str(entry["name"]).rstrip("/").rsplit("/", 1)[-1]
        names.append(unquote(name) if "http" in str(fs.protocol) else name)
    return names or None


def read_small(url: str, limit: int, storage_options: dict | None = None) -> tuple[int, bytes]:
    """``(size, up to limit + 1 bytes)`` of a small side file (a DE info file, scan coordinates):
    the size first, so a file over ``limit`` is refused before it is read."""
    source = RemoteSource(url, storage_options)
    head = source.read(0, min(limit + 1, 1 << 16))
    size = source.size
    if size > limit or len(head) >= size:
        return size, head
    return size, head + source.read(len(head), limit + 1 - len(head))


def open_output(url: str, storage_options: dict | None = None) -> Any:
    """A binary file object writing to ``url`` (fsspec: on S3 a multipart upload, committed on close)."""
    fsspec = import_fsspec()
    protocol = protocol_of(url)
    try:
        return fsspec.open(url, "wb", **with_defaults(protocol, storage_options or {})).open()
    except ImportError as exc:
        raise ModuleNotFoundError(f"{url}: writing {protocol}:// URLs needs a package fsspec did not find: "
                                  f"{INSTALL_HINT} ({exc})", name=getattr(exc, "name", None)) from None
