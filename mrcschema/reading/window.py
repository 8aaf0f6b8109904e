"""The one way the data block, or a window of it, is turned into an array.

Opening (:class:`~mrcschema.reading.mrc_file.MrcFile`), the validator's statistics pass, the lazy
dask chunks and the HyperSpy reader all ask for "``shape`` items of ``dtype`` at ``offset``".
``f.data`` (:func:`read_window`) is a ``numpy.memmap`` of the file's open descriptor, as the
caller asked; every read the library makes for itself (:func:`read_region`, :func:`read_copy`,
:func:`read_into`) reads the bytes into memory (``pread`` for a local file, a view where the
source is already in memory, one fetch of that range for a URL), so a file truncated under it is
an :class:`~mrcschema.errors.MrcFormatError` naming the file and offset, never a ``SIGBUS``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from ..errors import MrcFormatError
from ..sources import Source
from ..sources.pread import PARALLEL_READ_BYTES, read_into

__all__ = ["map_window", "read_window", "read_copy", "read_region", "read_into", "PARALLEL_READ_BYTES"]

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

def map_window(path: str, offset: int, dtype: np.dtype, shape: tuple[int, ...], mode: str = "r",
               file=None) -> np.ndarray:
    """``shape`` items of ``dtype`` at byte ``offset`` of the local file ``path`` (of its open
    ``file`` when given: the file opened, whatever ``path`` names now), memory-mapped (``mode`` "r",
    "r+" or "c"); an empty read-only array when ``shape`` holds no item (numpy cannot map zero
    bytes)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    if not all(shape):
        empty = np.empty(shape, dtype=dtype)
        empty.flags.writeable = False
        return empty
    return np.memmap(path if file is None else file, dtype=dtype, mode=MEMMAP_MODES[mode], offset=offset, shape=shape)


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
        return map_window(source.mappable_path or "", offset, dtype, shape, mode, getattr(source, "file", None))
    nbytes = math.prod(shape) * dtype.itemsize
    return _as_array(source.window(offset, nbytes), dtype, shape, offset, source, mode)


def read_copy(source: Source, offset: int, dtype: np.dtype, shape: tuple[int, ...], mode: str = "r") -> np.ndarray:
    """The window of ``source`` read into memory, never mapped (read-only in mode "r")."""
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    if not all(shape):
        return map_window("", offset, dtype, shape)
    nbytes = math.prod(shape) * dtype.itemsize
    return _as_array(source.window(offset, nbytes), dtype, shape, offset, source, mode)


def read_region(source: Source, offset: int, dtype: np.dtype, shape: tuple[int, ...], slices) -> np.ndarray:
    """``array[slices]`` (step-1 slices, one per axis) of the C-ordered ``shape`` array stored at
    ``offset`` of ``source``, reading only its bytes, into memory (a local file too: ``pread``, so a
    file truncated meanwhile is an :class:`~mrcschema.errors.MrcFormatError`, never a ``SIGBUS``):
    the region's contiguous byte runs (one range when the slices end in whole axes, else the runs
    together, or their enclosing range when that wastes little)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    bounds = [s.indices(n)[:2] for s, n in zip(slices, shape)]
    sub = tuple(max(0, b - a) for a, b in bounds)
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
