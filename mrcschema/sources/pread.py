"""``read_into``: bytes of a local file read into an array with ``preadv``, never mapped.

The one read loop for local files: :class:`~mrcschema.sources.local.LocalFile` reads its windows
with it, the reading layer (:mod:`mrcschema.reading.window`) its whole data blocks and the
validator its statistics slabs.  A file that ends before the bytes asked for (truncated since it
was opened) is an :class:`~mrcschema.errors.MrcFormatError` naming the file and the offset where
it ends: a read, unlike a memory map, cannot die of ``SIGBUS``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import MrcFormatError

if TYPE_CHECKING:
    import numpy as np
else:  # opening a file and reading its header need no numpy; its data does
    from ..format.deferred import numpy as np

#: :func:`read_into` splits reads of at least this many bytes between threads (``preadv`` and the
#: byte-order cast release the GIL: the copies from the page cache and the page faults of the new
#: array then run on several CPUs, about 1.3x faster than one read on two CPUs, 2x with a swap)
PARALLEL_READ_BYTES = 16 << 20
#: and into at most this many parts, each at least half of PARALLEL_READ_BYTES
MAX_READ_THREADS = 4
#: data in the other byte order is read through a scratch buffer of this size, and cast from it
#: while it is in the cache (one pass over the array, not a read and then an in-place swap)
SWAP_BUFFER_BYTES = 4 << 20


def _usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class _ShortRead(Exception):
    """The file ended before the bytes asked for did (read_into reports it, once, for all parts)."""


def _fill(fd: int, offset: int, view: memoryview) -> None:
    """``view`` filled with the bytes at ``offset`` of the open file ``fd``."""
    filled = 0
    while filled < len(view):
        if hasattr(os, "preadv"):
            count = os.preadv(fd, [view[filled:]], offset + filled)
        else:  # pragma: no cover - no preadv (Windows): read, then copy
            os.lseek(fd, offset + filled, os.SEEK_SET)
            chunk = os.read(fd, min(len(view) - filled, 1 << 30))
            count = len(chunk)
            view[filled:filled + count] = chunk
        if not count:
            raise _ShortRead
        filled += count


def _read_part(fd: int, offset: int, out: np.ndarray, file_dtype: np.dtype) -> None:
    """One thread's part: ``out`` (1-D) from ``out.size`` items of ``file_dtype`` at ``offset``."""
    if file_dtype == out.dtype:  # straight into the array
        _fill(fd, offset, out.view(np.uint8).data)
        return
    per_buffer = max(1, SWAP_BUFFER_BYTES // file_dtype.itemsize)
    scratch = np.empty(min(per_buffer, out.size), file_dtype)
    for start in range(0, out.size, per_buffer):
        n = min(per_buffer, out.size - start)
        _fill(fd, offset + start * file_dtype.itemsize, scratch[:n].view(np.uint8).data)
        np.copyto(out[start:start + n], scratch[:n])  # the byte-order cast


def read_into(path: str, offset: int, out: np.ndarray, file_dtype: np.dtype | None = None, *,
              threads: int | None = None, fd: int | None = None) -> np.ndarray:
    """Fill the C-contiguous array ``out`` with ``out.size`` items of ``file_dtype`` (``out``'s own
    dtype in either byte order; default ``out.dtype``) stored at byte ``offset`` of the local file
    ``path``, and return it.  Reads of :data:`PARALLEL_READ_BYTES` or more are split between
    ``threads`` threads (default: one per usable CPU, at most :data:`MAX_READ_THREADS`).  A file
    that ends before the block does is an :class:`~mrcschema.errors.MrcFormatError` (data, the
    offset where it ends).  ``fd``: read that open descriptor of ``path`` (left open) instead of
    opening ``path``."""
    file_dtype = out.dtype if file_dtype is None else np.dtype(file_dtype)
    flat = out.reshape(-1)  # a view: ``out`` is C-contiguous
    nbytes = flat.size * file_dtype.itemsize
    parts = 1
    if nbytes >= PARALLEL_READ_BYTES:
        wanted = min(_usable_cpus(), MAX_READ_THREADS) if threads is None else threads
        parts = max(1, min(wanted, nbytes // (PARALLEL_READ_BYTES // 2)))
    own = fd is None
    if fd is None:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        if parts == 1:
            _read_part(fd, offset, flat, file_dtype)
        else:
            _read_parts(fd, offset, flat, file_dtype, parts)
    except _ShortRead:
        size = os.fstat(fd).st_size
        raise MrcFormatError(f"{path} ends at byte {size}, {offset + nbytes - size} bytes before the data block "
                             "does (truncated since it was opened?)", field="data", offset=size) from None
    finally:
        if own:
            os.close(fd)
    return out


def _read_parts(fd: int, offset: int, flat: np.ndarray, file_dtype: np.dtype, parts: int) -> None:
    """``flat`` read in ``parts`` parts, each in its own thread (the first in this one)."""
    import threading

    step = -(-flat.size // parts)
    errors: list[BaseException] = []

    def part(start: int) -> None:
        try:
            _read_part(fd, offset + start * file_dtype.itemsize, flat[start:start + step], file_dtype)
        except BaseException as exc:  # noqa: BLE001 - raised again below, in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=part, args=(start,), daemon=True) for start in range(step, flat.size, step)]
    for thread in threads:
        thread.start()
    try:
        part(0)
    finally:
        for thread in threads:
            thread.join()
    if errors:  # a short read anywhere is reported once, by read_into; any other error as it was
        raise next((e for e in errors if not isinstance(e, _ShortRead)), errors[0])
