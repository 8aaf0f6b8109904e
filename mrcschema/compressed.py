"""Where the bytes come from: a plain file (memory-mapped) or a gzip/bzip2 stream.

EMDB distributes maps as ``.map.gz``.  A compressed file cannot be memory-mapped, so
its data is decompressed into memory; the header alone is read from the first
1024 decompressed bytes without inflating the rest.  Compression is recognised by
the magic bytes, not the file name.
"""

from __future__ import annotations

import bz2
import gzip
import os
import zlib

from .errors import MrcFormatError

GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"


def compression_of(path):
    """"gzip", "bzip2" or None, from the first bytes of the file."""
    with open(path, "rb") as f:
        start = f.read(3)
    if start[:2] == GZIP_MAGIC:
        return "gzip"
    if start == BZIP2_MAGIC:
        return "bzip2"
    return None


_OPENERS = {"gzip": gzip.open, "bzip2": bz2.open}
_ERRORS = (OSError, EOFError, zlib.error, ValueError)


class PlainSource:
    """A regular file: header read with one ``read``, data left to ``numpy.memmap``."""

    compressed = None

    def __init__(self, path):
        self.path = path
        self.size = os.stat(path).st_size

    def read_header(self, nbytes=1024):
        with open(self.path, "rb") as f:
            return f.read(nbytes)

    def read(self, offset, nbytes):
        with open(self.path, "rb") as f:
            f.seek(offset)
            return f.read(nbytes)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class CompressedSource:
    """A gzip or bzip2 file, decompressed on demand (the whole stream for the data)."""

    def __init__(self, path, compression):
        self.path = path
        self.compressed = compression
        self._content = None

    def _open(self):
        return _OPENERS[self.compressed](self.path, "rb")

    def read_header(self, nbytes=1024):
        if self._content is not None:
            return bytes(self._content[:nbytes])
        try:
            with self._open() as stream:
                return stream.read(nbytes)
        except _ERRORS as exc:
            raise MrcFormatError(f"cannot decompress {self.compressed} stream: {exc}", field="file", offset=0) from None

    @property
    def content(self):
        """All decompressed bytes, as a writable bytearray (a private copy)."""
        if self._content is None:
            try:
                with self._open() as stream:
                    self._content = bytearray(stream.read())
            except _ERRORS as exc:
                raise MrcFormatError(f"cannot decompress {self.compressed} stream: {exc}",
                                     field="file", offset=0) from None
        return self._content

    @property
    def size(self):
        return len(self.content)

    def read(self, offset, nbytes):
        return bytes(self.content[offset:offset + nbytes])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._content = None
        return False


def open_source(path):
    """A :class:`PlainSource` or :class:`CompressedSource` for ``path``."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a directory, not an MRC file")
    compression = compression_of(path)
    return CompressedSource(path, compression) if compression else PlainSource(path)
