"""A gzip or bzip2 file: EMDB distributes maps as ``.map.gz``.

A compressed file cannot be memory-mapped, so its data is decompressed into memory; the
header alone is read from the first 1024 decompressed bytes without inflating the rest.

Decompression is bounded: a stream is inflated in 1 MiB blocks and stopped as soon as it
exceeds the size its header declares (1024 + NSYMBT + data) by :data:`DECOMPRESSION_MARGIN`,
so a "gzip bomb" costs no more memory than the file it claims to be.  Strict: an
``MrcFormatError``; permissive: the first declared size + margin bytes, with a warning.
"""

from __future__ import annotations

import bz2
import gzip
import warnings
import zlib

from ..errors import MrcFormatError, MrcWarning, location
from ..format.geometry import HEADER_SIZE, check_structure, parse_header
from .base import Source

_OPENERS = {"gzip": gzip.open, "bzip2": bz2.open}
#: bytes a compressed file may decompress to beyond what its header declares
DECOMPRESSION_MARGIN = 1 << 20
#: bytes inflated per read
_BLOCK = 1 << 20
_ERRORS = (OSError, EOFError, zlib.error, ValueError)


class CompressedSource(Source):
    """A gzip or bzip2 file, decompressed on demand (the whole stream for the data)."""

    def __init__(self, path, compression, *, permissive=False):
        self.path = path
        self.compressed = compression
        self.permissive = permissive
        self._content = None

    def _open(self):
        return _OPENERS[self.compressed](self.path, "rb")

    def read_header(self, nbytes=HEADER_SIZE):
        if self._content is not None:
            return bytes(self._content[:nbytes])
        try:
            with self._open() as stream:
                return stream.read(nbytes)
        except _ERRORS as exc:
            raise MrcFormatError(f"cannot decompress {self.compressed} stream: {exc}", field="file", offset=0) from None

    def declared_size(self):
        """1024 + NSYMBT + data bytes, as the header declares them (1024 for a header that
        declares no readable layout: a damaged file is then refused on its header anyway)."""
        head = self.read_header(HEADER_SIZE)
        if len(head) < HEADER_SIZE:
            return HEADER_SIZE
        for order in (None, "<", ">"):  # the declared order first, then either (stamps can be wrong)
            try:
                return check_structure(parse_header(head, order).header)
            except MrcFormatError:
                continue
        return HEADER_SIZE

    @property
    def content(self):
        """All decompressed bytes, as a writable bytearray (a private copy), at most the
        declared size + :data:`DECOMPRESSION_MARGIN`."""
        if self._content is None:
            declared = self.declared_size()
            limit = declared + DECOMPRESSION_MARGIN
            content = bytearray()
            try:
                with self._open() as stream:
                    while len(content) <= limit:
                        block = stream.read(min(_BLOCK, limit + 1 - len(content)))
                        if not block:
                            break
                        content += block
            except _ERRORS as exc:
                raise MrcFormatError(f"cannot decompress {self.compressed} stream: {exc}",
                                     field="file", offset=0) from None
            if len(content) > limit:
                message = (f"the {self.compressed} stream decompresses to more than {limit} bytes, "
                           f"{DECOMPRESSION_MARGIN} more than the {declared} bytes the header declares "
                           f"({HEADER_SIZE} + NSYMBT + data)")
                if not self.permissive:
                    raise MrcFormatError(message + "; decompression stopped", field="file", offset=0)
                warnings.warn(f"{location('file', offset=0)}: {message}; reading the first {limit} bytes", MrcWarning,
                              stacklevel=3)
                del content[limit:]
            self._content = content
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
