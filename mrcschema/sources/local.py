"""A regular local file: the header read with one ``read``, the data left to ``numpy.memmap``."""

from __future__ import annotations

import os

from .base import Source


class LocalFile(Source):
    """A regular file: header read with one ``read``, data left to ``numpy.memmap``."""

    def __init__(self, path, size=None):
        self.path = path
        self.mappable_path = path
        self.size = os.stat(path).st_size if size is None else size

    def read_header(self, nbytes=1024):
        with open(self.path, "rb") as f:
            return f.read(nbytes)

    def read(self, offset, nbytes):
        """Up to ``nbytes`` at ``offset`` (fewer at the end of the file; never allocates more
        than the file holds, whatever a damaged header asks for)."""
        nbytes = max(0, min(nbytes, self.size - offset))
        with open(self.path, "rb") as f:
            f.seek(offset)
            return f.read(nbytes)

    def window(self, offset, nbytes):
        return self.read(offset, nbytes)

    @property
    def locator(self):
        return self.path
