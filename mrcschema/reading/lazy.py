"""Lazy loading: a dask array whose every chunk reads its own byte range.

The graph holds only a *locator* (a local file name, or a URL with its storage options:
:attr:`mrcschema.sources.base.Source.locator`), the data offset, dtype, shape and each chunk's
slices, never data, open files or connections, so it pickles small and computes on
``dask.distributed`` worker processes, each worker fetching its own chunks.  A local file's
chunks are memory maps; a URL's chunks fetch their byte ranges (nothing is fetched while the
graph is built).  The chunk loaders are plain module-level functions for that reason.  dask is
imported here only, when a lazy load asks for it.
"""

from __future__ import annotations

import itertools
import os

import numpy as np

from ..sources import source_from_locator
from .window import map_window, read_region


def load_block(locator, offset, dtype, shape, slices):
    """``slices`` of the C-ordered array ``shape`` stored at ``offset`` of ``locator``: for a local
    path a copy-on-write view of the map, so pages are read when used and never copied (a copy
    made the lazy sum three times slower than a plain ``numpy.memmap`` sum); for a URL the
    chunk's own byte ranges, fetched here (on the worker that computes the chunk)."""
    if isinstance(locator, str):
        return map_window(locator, offset, dtype, shape, "c")[tuple(slices)]
    return read_region(source_from_locator(locator), offset, dtype, shape, slices)


def load_frames(locator, offset, dtype, frame_shape, frame_count, frame_index):
    """Gather frames by index (-1: no frame there, zeros) for non-raster scans; a URL's frames are
    fetched frame by frame (only those indexed)."""
    dtype = np.dtype(dtype)
    index = np.asarray(frame_index)
    out = np.zeros(index.shape + tuple(frame_shape), dtype=dtype)
    present = index >= 0
    if isinstance(locator, str):
        frames = map_window(locator, offset, dtype, (frame_count,) + tuple(frame_shape), "r")
        out[present] = frames[index[present]]
        return out
    source = source_from_locator(locator)
    wanted = np.unique(index[present])
    frame_bytes = int(np.prod(frame_shape)) * dtype.itemsize
    data = source.read_ranges([(offset + int(i) * frame_bytes, frame_bytes) for i in wanted])
    stack = np.empty((len(wanted),) + tuple(frame_shape), dtype)
    for row, raw in enumerate(data):
        stack[row] = np.frombuffer(raw, dtype, count=int(np.prod(frame_shape))).reshape(frame_shape)
    out[present] = stack[np.searchsorted(wanted, index[present])]
    return out


def _locator(path):
    """A local path as text (the graph's key and the memory map's file), any other locator as it is."""
    return os.fspath(path) if isinstance(path, (str, os.PathLike)) else path


def default_chunks(chunks, shape, signal_ndim):
    """'auto' keeps the signal axes whole and lets dask size the navigation chunks; a dict
    or tuple is taken as given (``-1`` or None meaning a whole axis)."""
    if isinstance(chunks, str) and chunks == "auto":
        return ("auto",) * (len(shape) - signal_ndim) + (-1,) * signal_ndim
    return chunks


def check_chunks(chunks, shape, signal_ndim, *, whole_signal=False):
    """The checks of ``chunks`` that need no dask, made for in-memory loads too (RosettaSciIO
    checks ``chunks`` whether or not the load is lazy): one entry per axis, and with
    ``whole_signal`` (non-raster scans, gathered frame by frame) the signal axes whole."""
    ndim = len(shape)
    if isinstance(chunks, str):
        if chunks != "auto":
            raise ValueError(f"chunks must be 'auto', a number, a tuple or a dict, not {chunks!r}")
        return
    if isinstance(chunks, dict):
        per_axis = {int(axis) % ndim: size for axis, size in chunks.items()}
    elif isinstance(chunks, (int, np.integer)):
        per_axis = dict.fromkeys(range(ndim), chunks)
    else:
        chunks = tuple(chunks)
        if len(chunks) != ndim:
            raise ValueError(f"chunks {chunks!r} do not fit the data shape {tuple(shape)}: {len(chunks)} "
                             f"entries for {ndim} axes")
        per_axis = dict(enumerate(chunks))
    if whole_signal:
        for axis in range(ndim - signal_ndim, ndim):
            if per_axis.get(axis, -1) not in (-1, None, shape[axis]):
                raise ValueError("Last two dimensions of chunks must be -1: a non-raster scan is gathered "
                                 f"frame by frame (chunks {chunks!r})")


def import_dask():
    """dask.array, or a ModuleNotFoundError saying which extra installs it."""
    try:
        import dask.array
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(f'lazy loading needs dask: pip install ".[lazy]" (from a checkout) ({exc})',
                                  name=exc.name) from None
    return dask.array


def _normalize(chunks, shape, dtype, signal_ndim):
    import_dask()
    from dask.array.core import normalize_chunks

    try:
        return normalize_chunks(default_chunks(chunks, shape, signal_ndim), shape, dtype=np.dtype(dtype))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"chunks {chunks!r} do not fit the data shape {shape}: {exc}") from None


def _block_slices(chunks):
    starts = [np.cumsum((0,) + c[:-1]) for c in chunks]
    for index in itertools.product(*(range(len(c)) for c in chunks)):
        yield index, tuple(slice(int(starts[d][i]), int(starts[d][i] + chunks[d][i])) for d, i in enumerate(index))


def _array(name, graph, chunks, dtype):
    da = import_dask()
    from dask.highlevelgraph import HighLevelGraph

    return da.Array(HighLevelGraph.from_collections(name, graph, dependencies=()), name, chunks, dtype=dtype)


def lazy_memmap(path, offset, dtype, shape, chunks="auto", signal_ndim=2):
    """A dask array over the C-ordered block ``shape`` at ``offset`` of ``path`` (a local path, or
    any :attr:`~mrcschema.sources.base.Source.locator`); nothing is read while it is built."""
    import_dask()
    import dask.base

    dtype = np.dtype(dtype)
    normal = _normalize(chunks, shape, dtype, signal_ndim)
    path = _locator(path)
    name = "mrcschema-" + dask.base.tokenize(path, offset, dtype, shape, normal)
    graph = {(name,) + index: (load_block, path, offset, dtype, tuple(shape), slices)
             for index, slices in _block_slices(normal)}
    return _array(name, graph, normal, dtype)


def lazy_frames(path, offset, dtype, frame_shape, frame_count, frame_map, chunks="auto"):
    """A dask array ``frame_map.shape + frame_shape`` gathering frames by ``frame_map`` (-1: zeros)."""
    import_dask()
    import dask.base

    dtype = np.dtype(dtype)
    shape = tuple(frame_map.shape) + tuple(frame_shape)
    normal = _normalize(chunks, shape, dtype, len(frame_shape))
    if any(len(c) != 1 for c in normal[frame_map.ndim:]):
        raise ValueError("chunks must keep the frame (signal) axes whole for a non-raster scan")
    path = _locator(path)
    name = "mrcschema-frames-" + dask.base.tokenize(path, offset, dtype, shape, normal, frame_map)
    graph = {}
    for index, slices in _block_slices(normal):
        nav = slices[:frame_map.ndim]
        graph[(name,) + index] = (load_frames, path, offset, dtype, tuple(frame_shape), frame_count,
                                  np.ascontiguousarray(frame_map[nav]))
    return _array(name, graph, normal, dtype)
