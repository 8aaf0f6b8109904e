"""Area-averaged downsampling by 2 along chosen axes: each output voxel is the mean of the 2 (or 4, 8)
voxels it covers; an odd last voxel is averaged with itself (edge padding), so it keeps its value."""

from __future__ import annotations

import numpy as np


def downsample(block: np.ndarray, halve: tuple[bool, ...]) -> np.ndarray:
    """``block`` halved (rounded up) along the axes where ``halve`` is True, in ``block``'s dtype
    (integers rounded to the nearest value and clipped to the dtype's range)."""
    work = block.astype(np.float64 if block.dtype.kind in "iu" or block.dtype.itemsize >= 8 else np.float32)
    for axis, wanted in enumerate(halve):
        n = work.shape[axis]
        if not wanted or n < 2:
            continue
        if n % 2:
            pad = [(0, 0)] * work.ndim
            pad[axis] = (0, 1)
            work = np.pad(work, pad, mode="edge")
        shape = work.shape
        work = work.reshape(shape[:axis] + (shape[axis] // 2, 2) + shape[axis + 1:]).mean(axis=axis + 1)
    if block.dtype.kind in "iu":
        info = np.iinfo(block.dtype)
        return np.clip(np.rint(work), info.min, info.max).astype(block.dtype)
    return work.astype(block.dtype)


def halved_shape(shape: tuple[int, ...], halve: tuple[bool, ...]) -> tuple[int, ...]:
    """The shape :func:`downsample` gives for ``shape``."""
    return tuple((n + 1) // 2 if wanted and n >= 2 else n for n, wanted in zip(shape, halve))
