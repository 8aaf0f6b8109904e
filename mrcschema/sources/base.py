"""The interface every source of bytes offers to the reading layer.

A source knows its size, reads a range of bytes at an offset, and says whether the data can be
memory-mapped (``path`` is then the local file to map).  The reading layer asks nothing else,
so a new kind of source (a file object, a URL) is one new class here.
"""

from __future__ import annotations


class Source:
    """Bytes of one MRC file.  Subclasses set ``size`` and implement :meth:`read`."""

    #: "gzip", "bzip2" or None
    compressed: str | None = None
    #: the local file that ``numpy.memmap`` can map, or None when the bytes cannot be mapped
    mappable_path: str | None = None
    #: where the bytes come from, for messages
    path: str
    size: int

    def read(self, offset: int, nbytes: int) -> bytes:
        """Up to ``nbytes`` at ``offset`` (fewer at the end; never more than the source holds)."""
        raise NotImplementedError

    @property
    def content(self) -> bytes | bytearray:
        """Every byte of the source, in memory (for sources that cannot be mapped)."""
        return self.read(0, self.size)

    def read_header(self, nbytes: int = 1024) -> bytes:
        """The first ``nbytes`` (the main header)."""
        return self.read(0, nbytes)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
