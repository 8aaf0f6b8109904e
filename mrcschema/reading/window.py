"""The one way the data block, or a window of it, is turned into an array.

Opening (:class:`~mrcschema.reading.mrc_file.MrcFile`), the validator's statistics pass, the lazy
dask chunks and the HyperSpy reader all ask for "``shape`` items of ``dtype`` at ``offset``":
a ``numpy.memmap`` of just that window when the source is a local file (pages are read when used
and released when the array is dropped), else a view of the source's bytes in memory.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..sources import Source

#: numpy.memmap modes for our open modes
MEMMAP_MODES: dict[str, Literal["r", "r+", "c"]] = {"r": "r", "r+": "r+", "c": "c"}


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


def read_window(source: Source, offset: int, dtype: np.dtype, shape: tuple[int, ...], mode: str = "r") -> np.ndarray:
    """The window of ``source``: mapped when the source is a local file, else a view of its bytes
    in memory (writable only in mode "c", which gets a private copy of the bytes anyway)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    if source.mappable_path is not None or not all(shape):
        return map_window(source.mappable_path or "", offset, dtype, shape, mode)
    count = int(np.prod(shape, dtype=np.int64))
    array = np.frombuffer(source.content, dtype=dtype, count=count, offset=offset).reshape(shape)
    if mode == "r":
        array.flags.writeable = False
    return array
