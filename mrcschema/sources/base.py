"""The interface every source of bytes offers to the reading layer.

A source knows its size, reads a range of bytes at an offset, and says whether the data can be
memory-mapped (``mappable_path`` is then the local file to map).  The reading layer asks nothing
else, so a new kind of source (a file object, a URL) is one new class here.

Sources that can be reopened in another process (a local file, a URL) give a :attr:`locator`: a
small picklable value that :func:`mrcschema.sources.source_from_locator` turns back into a
source, so a dask chunk can read its own byte range on a ``dask.distributed`` worker.
"""

from __future__ import annotations

#: reads of more than this many bytes show a progress bar (:mod:`mrcschema.progress`: when standard error
#: is a terminal, or as ``MRCSCHEMA_PROGRESS`` says)
PROGRESS_BYTES = 64 << 20


class FetchError(OSError):
    """Bytes could not be fetched from a remote source (connection lost or refused, a timeout,
    an answer shorter than asked for): the message names the URL and the offset."""


class Source:
    """Bytes of one MRC file.  Subclasses set ``size`` and implement :meth:`read`."""

    #: "gzip", "bzip2" or None
    compressed: str | None = None
    #: the local file that ``numpy.memmap`` can map, or None when the bytes cannot be mapped
    mappable_path: str | None = None
    #: the bytes come over a network (messages then name the URL)
    remote: bool = False
    #: where the bytes come from, for messages (a path, a URL, ``<stdin>``, ``<bytes>``)
    path: str
    size: int

    def read(self, offset: int, nbytes: int) -> bytes:
        """Up to ``nbytes`` at ``offset`` (fewer at the end; never more than the source holds)."""
        raise NotImplementedError

    def window(self, offset: int, nbytes: int):
        """``nbytes`` at ``offset`` as a buffer (``bytes``, ``bytearray`` or ``memoryview``) for
        ``numpy.frombuffer``: a view of :attr:`content` where the source is in memory, else a
        read of just that range."""
        return memoryview(self.content)[offset:offset + nbytes]

    def read_chunk(self, offset: int, nbytes: int):
        """As :meth:`window`, for one chunk of a lazy array: a remote source fetches it in one request
        (dask already computes chunks in parallel)."""
        return self.window(offset, nbytes)

    def read_ranges(self, ranges: list[tuple[int, int]]) -> list[bytes]:
        """The bytes of each ``(offset, nbytes)`` (remote sources fetch them concurrently)."""
        return [self.read(offset, nbytes) for offset, nbytes in ranges]

    @property
    def content(self) -> bytes | bytearray | memoryview:
        """Every byte of the source, in memory (for sources that cannot be mapped)."""
        return self.read(0, self.size)

    def read_header(self, nbytes: int = 1024) -> bytes:
        """The first ``nbytes`` (the main header)."""
        return self.read(0, nbytes)

    @property
    def locator(self) -> object:
        """A small picklable value naming these bytes for :func:`~mrcschema.sources.source_from_locator`
        in another process (a local path, a URL with its storage options), or None when the
        bytes exist only here (a file object, a pipe, bytes in memory, a compressed stream)."""
        return None

    def close(self) -> None:
        """Release what the source holds (open files, decompressed bytes)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
