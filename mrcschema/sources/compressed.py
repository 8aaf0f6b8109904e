"""A gzip or bzip2 file: EMDB distributes maps as ``.map.gz``.

A compressed file cannot be memory-mapped, so its data is decompressed into memory; the
header alone is read from the first 1024 decompressed bytes without inflating the rest.

The compressed bytes come from a local file, or from any other source through an ``opener``
(a URL or a file object read block by block with :class:`SourceReader`, a pipe read once): they
are decompressed as a stream, never held whole.

Decompression is bounded: a stream is inflated in 1 MiB blocks and stopped as soon as it
exceeds the size its header declares (1024 + NSYMBT + data) by :data:`DECOMPRESSION_MARGIN`,
so a "gzip bomb" costs no more memory than the file it claims to be.  Strict: an
``MrcFormatError``; permissive: the first declared size + margin bytes, with a warning.
"""

from __future__ import annotations

import io
import zlib

from ..errors import MrcFormatError
from ..format.geometry import HEADER_SIZE
from .base import FetchError, Source
from .bounds import STREAM_MARGIN, declared_size, over_the_bound

#: bytes a compressed file may decompress to beyond what its header declares
DECOMPRESSION_MARGIN = STREAM_MARGIN
#: bytes inflated per read
_BLOCK = 1 << 20
_ERRORS = (OSError, EOFError, zlib.error, ValueError)


def _decoder(compression, raw):
    """The decompressing reader of ``raw`` (gzip and bz2 imported here: a plain file needs neither)."""
    if compression == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="rb")
    import bz2

    return bz2.BZ2File(raw, "rb")


class SourceReader(io.RawIOBase):
    """A source read from its start as a file object, in consecutive blocks that grow from 1 KiB (the
    first block is the header read a remote source already holds) to 4 MiB, so the header of a
    compressed file costs the first kilobytes and the rest streams in few requests."""

    def __init__(self, source: Source):
        self.source = source
        self.fetched = 0  #: bytes of the source fetched so far
        self.block = 1 << 10
        self.pending = memoryview(b"")  #: fetched, not yet handed out

    def readable(self):
        return True

    def readinto(self, buffer):
        if not self.pending:
            data = self.source.read(self.fetched, self.block)
            self.fetched += len(data)
            self.block = min(self.block * 4 if self.block > 1024 else 16 << 10, 4 << 20)
            self.pending = memoryview(data)
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


class Replay(io.RawIOBase):
    """``prefix`` (bytes already read from ``stream``), then the rest of ``stream``."""

    def __init__(self, prefix: bytes, stream):
        self.prefix = memoryview(prefix)
        self.stream = stream

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.prefix:
            n = min(len(buffer), len(self.prefix))
            buffer[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
            return n
        data = self.stream.read(len(buffer))
        if not data:
            return 0
        buffer[:len(data)] = data
        return len(data)


class CompressedSource(Source):
    """A gzip or bzip2 file, decompressed on demand (the whole stream for the data).

    ``path`` names it (and is the file opened when no ``opener`` is given); ``opener()`` returns
    a binary file object of the compressed bytes from their start; ``once``: the opener works one
    time only (a pipe), so the stream is kept open between the header and the rest."""

    def __init__(self, path, compression, *, permissive=False, opener=None, once=False, remote=False):
        self.path = path
        self.compressed = compression
        self.permissive = permissive
        self.remote = remote
        self._opener = opener if opener is not None else (lambda: open(path, "rb"))
        self._once = once
        self._keep_open = once or opener is not None  # a local file is reopened (no descriptor held)
        self._raw = self._stream = None
        self._decoded = bytearray()
        self._content = None

    def _error(self, exc):
        import gzip

        if isinstance(exc, FetchError) or (self.remote and isinstance(exc, OSError)
                                           and not isinstance(exc, gzip.BadGzipFile)):
            return exc  # the bytes could not be fetched: not a fault of the stream
        return MrcFormatError(f"cannot decompress {self.compressed} stream: {exc}", field="file", offset=0)

    def _inflate(self, upto):
        """Decompress until ``upto`` bytes are decoded or the stream ends."""
        try:
            if self._stream is None:
                if self._raw is not None:  # opened once already and closed: cannot happen for ``once``
                    raise MrcFormatError(f"{self.path}: the stream was read already", field="file", offset=0)
                self._raw = self._opener()
                self._stream = _decoder(self.compressed, self._raw)
                self._decoded = bytearray()
            while len(self._decoded) < upto:
                block = self._stream.read(min(_BLOCK, upto - len(self._decoded)))
                if not block:
                    return True
                self._decoded += block
        except MrcFormatError:
            self._close_stream()
            raise
        except _ERRORS as exc:
            self._close_stream()
            raise self._error(exc) from None
        return False

    def _close_stream(self):
        for handle in (self._stream, self._raw):
            if handle is not None:
                try:
                    handle.close()
                except _ERRORS:
                    pass
        self._stream = None
        if not self._once:
            self._raw = None

    def read_header(self, nbytes=HEADER_SIZE):
        if self._content is not None:
            return bytes(self._content[:nbytes])
        self._inflate(nbytes)
        head = bytes(self._decoded[:nbytes])
        if not self._keep_open:
            self._close_stream()
            self._decoded = bytearray()
        return head

    def declared_size(self):
        """1024 + NSYMBT + data bytes, as the header declares them (1024 for a header that
        declares no readable layout: a damaged file is then refused on its header anyway)."""
        return declared_size(self.read_header(HEADER_SIZE))

    @property
    def content(self):
        """All decompressed bytes, as a writable bytearray (a private copy), at most the
        declared size + :data:`DECOMPRESSION_MARGIN`."""
        if self._content is None:
            declared = self.declared_size()
            limit = declared + DECOMPRESSION_MARGIN
            self._inflate(limit + 1)
            content = self._decoded
            self._close_stream()
            self._decoded = bytearray()
            if len(content) > limit:
                over_the_bound(f"{self.compressed} stream decompresses to", declared, limit, self.permissive,
                               "decompression stopped")
                del content[limit:]
            self._content = content
        return self._content

    @property
    def size(self):
        return len(self.content)

    def read(self, offset, nbytes):
        return bytes(self.content[offset:offset + nbytes])

    def close(self):
        self._close_stream()
        self._content = None
