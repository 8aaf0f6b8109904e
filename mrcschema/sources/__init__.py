"""Where the bytes of an MRC file come from, behind one interface (:class:`~.base.Source`).

:func:`open_source` picks the source for a path: a :class:`~.local.LocalFile` (memory-mapped)
or a :class:`~.compressed.CompressedSource` (gzip or bzip2, recognised by the magic bytes, not
the file name).
"""

from __future__ import annotations

import os

from .base import Source
from .compressed import CompressedSource
from .local import LocalFile

__all__ = ["Source", "LocalFile", "CompressedSource", "open_source", "compression_of"]

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


def open_source(path, *, permissive=False):
    """A :class:`LocalFile` or :class:`CompressedSource` for ``path`` (``permissive``: an
    over-long compressed stream is cut at the bound with a warning instead of refused)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a directory, not an MRC file")
    compression = compression_of(path)
    return CompressedSource(path, compression, permissive=permissive) if compression else LocalFile(path)
