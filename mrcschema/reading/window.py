"""The one way the data block, or a window of it, is turned into an array.

Opening (:class:`~mrcschema.reading.mrc_file.MrcFile`), the validator's statistics pass, the lazy
dask chunks and the HyperSpy reader all ask for "``shape`` items of ``dtype`` at ``offset``":
a ``numpy.memmap`` of just that window when the source is a local file (pages are read when used
and released when the array is dropped), else the bytes of just that window from the source (a
view where the source is already in memory, one fetch of that range for a URL).
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Literal

from ..errors import MrcFormatError
from ..sources import Source

if TYPE_CHECKING:
    import numpy as np
else:  # opening a file needs no numpy; reading its data does
    from ..format.deferred import numpy as np

#: numpy.memmap modes for our open modes
MEMMAP_MODES: dict[str, Literal["r", "r+", "c"]] = {"r": "r", "r+": "r+", "c": "c"}
#: a region of many separate byte runs is fetched as one enclosing range when that range is at most
#: this many times the bytes needed, or when there are more than :data:`MAX_RUNS` runs
SPAN_FACTOR = 2
MAX_RUNS = 256
#: :func:`read_into` splits reads of at least this many bytes between threads (``preadv`` and the
#: byte-order cast release the GIL: the copies from the page cache and the page faults of the new
#: array then run on several CPUs, about 1.3x faster than one read on two CPUs, 2x with a swap)
PARALLEL_READ_BYTES = 16 << 20
#: and into at most this many parts, each at least half of PARALLEL_READ_BYTES
MAX_READ_THREADS = 4
#: data in the other byte order is read through a scratch buffer of this size, and cast from it
#: while it is in the cache (one pass over the array, not a read and then an in-place swap)
SWAP_BUFFER_BYTES = 4 << 20


def map_window(path: str, offset: int, dtype: np.dtype, shape: tuple[int, ...], mode: str = "r") -> np.ndarray:
    """``shape`` items of ``dtype`` at byte ``offset`` of the local file ``path``, memory-mapped
    (``mode`` "r", "r+" or "c"); an empty read-only array when ``shape`` holds no item (numpy
    cannot map zero bytes)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    if not all(shape):
        empty = np.empty(shape, dtype=dtype)
        empty.flags.writeable = False
        return empty
    return np.memmap(path, dtype=dtype, mode=MEMMAP_MODES[mode], offset=offset, shape=shape)


def _as_array(buffer, dtype, shape, offset, source, mode):
    count = math.prod(shape)
    if len(buffer) < count * dtype.itemsize:  # never a partial array handed back as if whole
        raise MrcFormatError(f"{source.path} holds {len(buffer)} of the {count * dtype.itemsize} bytes asked for "
                             f"here", field="data", offset=offset)
    array = np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape)
    if mode == "r":
        array.flags.writeable = False
    elif not array.flags.writeable:  # "c" on a read-only buffer (bytes): a private copy
        array = array.copy()
    return array


def read_window(source: Source, offset: int, dtype: np.dtype, shape: tuple[int, ...], mode: str = "r") -> np.ndarray:
    """The window of ``source``: mapped when the source is a local file, else its bytes read into
    memory, or viewed where the source holds them already (writable only in mode "c", which gets a
    private copy)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    if source.mappable_path is not None or not all(shape):
        return map_window(source.mappable_path or "", offset, dtype, shape, mode)
    nbytes = math.prod(shape) * dtype.itemsize
    return _as_array(source.window(offset, nbytes), dtype, shape, offset, source, mode)


def read_region(source: Source, offset: int, dtype: np.dtype, shape: tuple[int, ...], slices) -> np.ndarray:
    """``array[slices]`` (step-1 slices, one per axis) of the C-ordered ``shape`` array stored at
    ``offset`` of ``source``, reading only its bytes: a local file is mapped; otherwise the region's
    contiguous byte runs are fetched (one range when the slices end in whole axes, else the runs
    together, or their enclosing range when that wastes little)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    bounds = [s.indices(n)[:2] for s, n in zip(slices, shape)]
    sub = tuple(max(0, b - a) for a, b in bounds)
    if source.mappable_path is not None:
        return map_window(source.mappable_path, offset, dtype, shape, "c")[tuple(slice(a, b) for a, b in bounds)]
    if not all(sub):
        return np.empty(sub, dtype)
    strides = [math.prod(shape[d + 1:]) * dtype.itemsize for d in range(len(shape))]
    k = len(shape)
    while k > 0 and bounds[k - 1] == (0, shape[k - 1]):
        k -= 1  # axes k.. are whole
    first = offset + sum(a * st for (a, _), st in zip(bounds, strides))
    if k <= 1:  # one contiguous run
        nbytes = math.prod(sub) * dtype.itemsize
        return _as_array(source.read_chunk(first, nbytes), dtype, sub, first, source, "c")
    runs = math.prod(sub[:k - 1])
    run_bytes = sub[k - 1] * strides[k - 1]
    last = offset + sum((b - 1) * st for (_, b), st in zip(bounds, strides)) + dtype.itemsize
    span = last - first
    if runs > MAX_RUNS or span <= SPAN_FACTOR * runs * run_bytes:
        buffer = source.read_chunk(first, span)
        if len(buffer) < span:
            raise MrcFormatError(f"{source.path} holds {len(buffer)} of the {span} bytes asked for here",
                                 field="data", offset=first)
        view = np.ndarray(sub, dtype=dtype, buffer=buffer, strides=strides)
        return np.array(view)
    base = [a for a, _ in bounds[:k - 1]]
    starts = []
    for index in np.ndindex(*sub[:k - 1]):
        starts.append(offset + sum((i + a) * st for i, a, st in zip(index, base, strides))
                      + bounds[k - 1][0] * strides[k - 1])
    out = np.empty((runs, run_bytes), np.uint8)
    for row, data in enumerate(source.read_ranges([(s, run_bytes) for s in starts])):
        if len(data) < run_bytes:
            raise MrcFormatError(f"{source.path} holds {len(data)} of the {run_bytes} bytes asked for here",
                                 field="data", offset=starts[row])
        out[row] = np.frombuffer(data, np.uint8)
    return out.view(dtype).reshape(sub)


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
              threads: int | None = None) -> np.ndarray:
    """Fill the C-contiguous array ``out`` with ``out.size`` items of ``file_dtype`` (``out``'s own
    dtype in either byte order; default ``out.dtype``) stored at byte ``offset`` of the local file
    ``path``, and return it.  Reads of :data:`PARALLEL_READ_BYTES` or more are split between
    ``threads`` threads (default: one per usable CPU, at most :data:`MAX_READ_THREADS`).  A file
    that ends before the block does is an :class:`~mrcschema.errors.MrcFormatError` (data, the
    offset where it ends)."""
    file_dtype = out.dtype if file_dtype is None else np.dtype(file_dtype)
    flat = out.reshape(-1)  # a view: ``out`` is C-contiguous
    nbytes = flat.size * file_dtype.itemsize
    parts = 1
    if nbytes >= PARALLEL_READ_BYTES:
        wanted = min(_usable_cpus(), MAX_READ_THREADS) if threads is None else threads
        parts = max(1, min(wanted, nbytes // (PARALLEL_READ_BYTES // 2)))
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
