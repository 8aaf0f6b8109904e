"""Open binary file objects: seekable ones (``io.BytesIO``, an open file, a tar member) read range by
range, and streams that can only be read once, in order (a pipe, standard input, a socket, a
server that ignores Range requests).

A stream is held in memory as it is read, and read only up to the size its header declares plus
:data:`~mrcschema.sources.bounds.STREAM_MARGIN` (as a compressed file is), so a pipe is consumed
exactly once and an endless one is an error, not a hang.
"""

from __future__ import annotations

import io
import os
import stat
import threading

from ..errors import MrcFormatError
from ..format.geometry import HEADER_SIZE
from ..progress import progress
from .base import PROGRESS_BYTES, FetchError, Source
from .bounds import STREAM_MARGIN, declared_size, over_the_bound

#: bytes asked of a stream or a file object per read
_BLOCK = 16 << 20


def name_of(fileobj) -> str:
    """What messages call a file object: its ``name`` when that is text, else ``<TypeName>``."""
    name = getattr(fileobj, "name", None)
    if isinstance(name, str) and name:
        return name
    return f"<{type(fileobj).__name__}>"


def local_file_of(fileobj) -> str | None:
    """The path of the regular local file ``fileobj`` reads, when its ``name`` still names that
    very file (same device and inode), so it can be memory-mapped; else None."""
    name = getattr(fileobj, "name", None)
    if not isinstance(name, str):
        return None
    try:
        here = os.fstat(fileobj.fileno())
        there = os.stat(name)
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        return None
    if stat.S_ISREG(here.st_mode) and (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino):
        return name
    return None


def read_prefix(stream, nbytes: int, name: str) -> bytes:
    """The first ``nbytes`` of a stream (fewer only at its end): pipes return short reads."""
    parts, total = [], 0
    while total < nbytes:
        block = _read_block(stream, nbytes - total, name, total)
        if not block:
            break
        parts.append(block)
        total += len(block)
    return b"".join(parts)


def _read_block(stream, nbytes, name, offset):
    try:
        block = stream.read(nbytes)
    except (OSError, ValueError) as exc:
        if isinstance(exc, (FetchError, MrcFormatError)):
            raise
        raise FetchError(f"{name}: reading failed at offset {offset}: {exc}") from None
    except Exception as exc:  # a network stream's own errors (aiohttp): the connection was lost
        raise FetchError(f"{name}: reading failed at offset {offset}: {type(exc).__name__}: {exc}") from None
    return block or b""


class FileObjectSource(Source):
    """A seekable binary file object, read range by range at absolute offsets (the object's
    position is restored after each read); reads are serialised by a lock."""

    def __init__(self, fileobj, name=None):
        self._file = fileobj
        self._lock = threading.Lock()
        self.path = name or name_of(fileobj)
        with self._lock:
            position = fileobj.tell()
            self.size = fileobj.seek(0, io.SEEK_END)
            fileobj.seek(position)

    def read(self, offset, nbytes):
        nbytes = max(0, min(nbytes, self.size - offset))
        return bytes(self._read_into(offset, bytearray(nbytes)))

    def window(self, offset, nbytes):
        nbytes = max(0, min(nbytes, self.size - offset))
        return self._read_into(offset, bytearray(nbytes), progress(nbytes, self.path, threshold=PROGRESS_BYTES))

    def _read_into(self, offset, out, bar=None):
        view = memoryview(out)
        done = 0
        with self._lock:
            position = self._file.tell()
            try:
                self._file.seek(offset)
                while done < len(out):
                    block = _read_block(self._file, min(_BLOCK, len(out) - done), self.path, offset + done)
                    if not block:
                        raise FetchError(f"{self.path}: the file ended at offset {offset + done}, "
                                         f"{len(out) - done} bytes short of the {len(out)} asked for")
                    view[done:done + len(block)] = block
                    done += len(block)
                    if bar is not None:
                        bar.update(len(block))
            finally:
                self._file.seek(position)
                if bar is not None:
                    bar.close()
        return out


class StreamSource(Source):
    """A stream read once, in order, and kept in memory as far as it has been read.

    ``prefix``: bytes already read from the stream's start.  The stream is read to its end (for
    :attr:`size`, :attr:`content` and windows) at most up to the size the header declares +
    :data:`STREAM_MARGIN`: strict, more is an :class:`MrcFormatError`; ``permissive``, a warning
    and the bytes up to that bound."""

    def __init__(self, stream, name=None, *, prefix=b"", permissive=False, remote=False, on_close=None):
        self._stream = stream
        self.path = name or name_of(stream)
        self.permissive = permissive
        self.remote = remote
        self._buffer = bytearray(prefix)
        self._eof = False
        self._drained = False
        self._on_close = on_close

    def _fill(self, end):
        while len(self._buffer) < end and not self._eof:
            block = _read_block(self._stream, min(_BLOCK, end - len(self._buffer)), self.path, len(self._buffer))
            if not block:
                self._eof = True
            self._buffer += block

    def _drain(self):
        """Read the stream to its end (or to the bound), once; no read changes the buffer after."""
        if self._drained:
            return
        self._fill(HEADER_SIZE)
        declared = declared_size(bytes(self._buffer[:HEADER_SIZE]))
        limit = declared + STREAM_MARGIN
        self._fill(limit + 1)
        if len(self._buffer) > limit:
            over_the_bound("stream holds", declared, limit, self.permissive)
            del self._buffer[limit:]
        self._drained = True
        self.close_stream()

    def read(self, offset, nbytes):
        if not self._drained:
            self._fill(offset + nbytes)
        return bytes(self._buffer[offset:offset + max(0, nbytes)])

    def read_header(self, nbytes=HEADER_SIZE):
        return self.read(0, nbytes)

    @property
    def size(self):
        self._drain()
        return len(self._buffer)

    @property
    def content(self):
        self._drain()
        return self._buffer

    def window(self, offset, nbytes):
        self._drain()  # a view exports the buffer, which can then no longer grow
        return memoryview(self._buffer)[offset:offset + nbytes]

    def close_stream(self):
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            try:
                on_close()
            except (OSError, ValueError):
                pass

    def close(self):
        self.close_stream()
