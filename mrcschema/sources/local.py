"""A regular local file, read through the descriptor opened once, at ``open``.

Every read (the header, the extended header, sections, lazy chunks in this process, the
statistics) is a ``pread`` on that descriptor, and ``f.data`` maps that descriptor: a path replaced
or renamed after ``open`` does not matter, the file that was opened is still the one read.  A read
cut short because the file was truncated since is an
:class:`~mrcschema.errors.MrcFormatError` naming the file and the offset, never a ``SIGBUS``
(only ``f.data``, the memory map the caller asked for, can still fault: docs/robustness.md).
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, NamedTuple

from ..errors import MrcFormatError
from .base import Source

if TYPE_CHECKING:
    import numpy as np
else:  # opening a file and reading its header need no numpy; its data does
    from ..format.deferred import numpy as np


class FileReplaced(OSError):
    """The path no longer names the file that was opened (replaced or renamed since)."""


class LocalLocator(NamedTuple):
    """A local file for a dask chunk: its path, and which file it named when opened (device,
    inode), so a chunk read after the path was replaced is refused, never read from another file.
    (A named tuple: the read path imports no ``dataclasses``, which compiles a regex.)"""

    path: str
    identity: tuple[int, int]

    def open(self) -> LocalFile:
        source = LocalFile(self.path)
        if source.identity != self.identity:
            source.close()
            raise FileReplaced(f"{self.path} no longer names the file that was opened (replaced or renamed "
                               "since): refused, never data of another file")
        return source


class LocalFile(Source):
    """A regular file, kept open (``file``, read-only or with ``writable`` read-write) until
    :meth:`close`."""

    def __init__(self, path, size=None, *, writable=False, fd=None):
        self.path = path
        self.mappable_path = path
        if fd is None:
            fd = os.open(path, (os.O_RDWR if writable else os.O_RDONLY) | getattr(os, "O_BINARY", 0)
                         | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
        file = None
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                raise IsADirectoryError(21, f"{path} is a directory, not an MRC file") if stat.S_ISDIR(
                    status.st_mode) else OSError(f"{path} is not a regular file")
            file = os.fdopen(fd, "r+b" if writable else "rb", buffering=0)
        except BaseException:
            if file is None:
                os.close(fd)
            else:  # the file object owns the descriptor now: closing both would close a reused number
                file.close()
            raise
        #: the open file: ``numpy.memmap`` maps it, the writer writes through it
        self.file = file
        self.fd = fd
        self.identity = (status.st_dev, status.st_ino)  #: which file this is, whatever its name becomes
        self.size = status.st_size if size is None else size

    def read_header(self, nbytes=1024):
        return self.read(0, nbytes)

    def _check_open(self):
        if self.file.closed:  # never a pread on a descriptor number that may name another file by now
            raise ValueError(f"{self.path} is closed")

    def read(self, offset, nbytes):
        """Up to ``nbytes`` at ``offset`` (fewer at the end of the file; never allocates more
        than the file held at open, whatever a damaged header asks for)."""
        self._check_open()
        nbytes = max(0, min(nbytes, self.size - offset))
        parts, done = [], 0
        while done < nbytes:
            part = os.pread(self.fd, nbytes - done, offset + done)
            if not part:
                break
            parts.append(part)
            done += len(part)
        return b"".join(parts)

    def window(self, offset, nbytes):
        """``nbytes`` at ``offset`` read into a new writable buffer (``preadv``, split between threads
        when large); a file that ends before them is an :class:`~mrcschema.errors.MrcFormatError`."""
        from .pread import read_into

        self._check_open()
        if offset + nbytes > self.size:
            raise MrcFormatError(f"{self.path} holds {max(0, self.size - offset)} of the {nbytes} bytes asked "
                                 "for here", field="data", offset=offset)
        return read_into(self.path, offset, np.empty(nbytes, np.uint8), fd=self.fd)

    def read_chunk(self, offset, nbytes):
        return self.window(offset, nbytes)

    def read_ranges(self, ranges):
        return [self.window(offset, nbytes) for offset, nbytes in ranges]

    @property
    def content(self):
        return self.window(0, self.size)

    @property
    def locator(self):
        return LocalLocator(self.path, self.identity)

    def close(self):
        self.file.close()
