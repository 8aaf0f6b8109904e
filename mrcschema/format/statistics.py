"""Header statistics (DMIN, DMAX, DMEAN, RMS) computed block by block in float64.

Large arrays are never converted as a whole: each block of a few megabytes is reduced on
its own (minimum, maximum, mean, sum of squared deviations from the block mean) and the
blocks are merged with Chan et al.'s pairwise formula, so the result is as accurate as a
two-pass float64 computation while reading the data once.

RMS is the standard deviation from the mean (what MRC2014 and ``mrcfile`` store).  For
complex data (mode 4) ``mrcfile`` stores only RMS (the standard deviation of the complex
values) and marks DMIN, DMAX and DMEAN as undetermined; we do the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .records import record

if TYPE_CHECKING:
    import numpy as np
else:  # imported with the validator, used only for data
    from .deferred import numpy as np

#: bytes of input per block: big enough to amortise Python overhead, small enough for the cache
BLOCK_BYTES = 1 << 20

#: MRC2014 note 5: DMAX < DMIN, DMEAN < min(DMIN, DMAX), RMS < 0 mean "not determined"
UNDETERMINED = {"dmin": 0.0, "dmax": -1.0, "dmean": -2.0, "rms": -1.0}


@record
class Stats:
    """The four header statistics, as the float32 values written to the header."""

    dmin: float
    dmax: float
    dmean: float
    rms: float

    def as_fields(self):
        return {"dmin": self.dmin, "dmax": self.dmax, "dmean": self.dmean, "rms": self.rms}


class StatsAccumulator:
    """Feed arrays with :meth:`add`; :meth:`result` gives the :class:`Stats` of everything fed.

    ``minimum``, ``maximum``, ``mean``, ``std`` and ``complex`` are also read directly
    (by ``validate``, which compares them with the header).  A NaN anywhere makes the
    minimum and maximum NaN, as ``numpy.min`` would on the whole array.
    """

    def __init__(self):
        self.count = 0
        self.mean = 0.0
        self.m2 = 0.0  #: sum of squared deviations from the mean
        self.minimum = None
        self.maximum = None
        self.complex = False
        self.float32_only = True  #: every block fed was float32 (see :meth:`result`)
        self._buffer = None

    @property
    def std(self):
        """Standard deviation from the mean of everything fed (MRC2014's RMS)."""
        return float(np.sqrt(self.m2 / self.count)) if self.count else 0.0

    def add(self, values):
        """Feed any array (real or complex, either byte order), in cache-sized blocks."""
        values = np.asarray(values).reshape(-1)
        self.float32_only = self.float32_only and values.dtype.kind == "f" and values.dtype.itemsize == 4
        if values.dtype.byteorder not in ("=", "|"):
            values = values.astype(values.dtype.newbyteorder("="))
        per_block = max(1, BLOCK_BYTES // max(values.dtype.itemsize, 1))
        # infinities and NaN give inf/NaN statistics, as numpy would, without its warnings
        with np.errstate(invalid="ignore", over="ignore"):
            for start in range(0, values.size, per_block):
                self._add_block(values[start:start + per_block])

    def _add_block(self, block):
        n = block.size
        if n == 0:
            return
        if block.dtype.kind == "c":
            self.complex = True
            dev = block.astype(np.complex128)
            block_mean = dev.sum() / n
            dev -= block_mean
            block_m2 = _sum_of_squares(dev.view(np.float64))
        else:
            low, high = np.minimum.reduce(block), np.maximum.reduce(block)
            self.minimum = low if self.minimum is None else min(self.minimum, low, key=_nan_first)
            self.maximum = high if self.maximum is None else max(self.maximum, high, key=_nan_last)
            dev = self._scratch(n)
            np.copyto(dev, block, casting="unsafe")  # float64 copy: exact for every MRC dtype
            block_mean = float(np.add.reduce(dev)) / n
            np.subtract(dev, block_mean, out=dev)
            block_m2 = _sum_of_squares(dev)
        total = self.count + n
        delta = block_mean - self.mean
        self.mean = self.mean + delta * (n / total)
        self.m2 = self.m2 + block_m2 + abs(delta) ** 2 * (self.count * n / total)
        self.count = total

    def _scratch(self, n):
        """A float64 buffer of ``n`` elements, reused from block to block."""
        if self._buffer is None or self._buffer.size < n:
            self._buffer = np.empty(n, np.float64)
        return self._buffer[:n]

    def result(self) -> Stats:
        if self.count == 0:
            return Stats(**UNDETERMINED)
        rms = float(np.float32(self.std))
        if self.float32_only and self.minimum == self.maximum and 0 < self.count <= CONSTANT_RMS_LIMIT:
            rms = constant_float32_rms(self.minimum, self.count)
        if self.complex:
            return Stats(UNDETERMINED["dmin"], UNDETERMINED["dmax"], UNDETERMINED["dmean"], rms)
        with np.errstate(over="ignore", invalid="ignore"):
            return Stats(float(np.float32(self.minimum)), float(np.float32(self.maximum)),
                         float(np.float32(self.mean)), rms)


#: constant float32 fills of up to this many voxels get the RMS float32 arithmetic gives them
CONSTANT_RMS_LIMIT = 1 << 26


def constant_float32_rms(value, count: int) -> float:
    """The RMS numpy's float32 ``std()`` gives ``count`` copies of ``value``: 0 exactly, or a few
    ulps of float32 rounding (1.19e-07 for 1.1 in a 3 x 4 x 5 block).  mrcfile writes that value and
    its validator compares with an absolute tolerance of 1e-8, so a constant float32 file with the
    exact 0 fails it; storing what float32 arithmetic gives keeps our files valid for mrcfile, and
    our validator accepts both (its tolerance has an absolute term scaled to the data)."""
    return float(np.full(count, value, np.float32).std())


def _nan_first(value):
    return (not np.isnan(value), value)  # a NaN minimum wins, as numpy's min propagates NaN


def _nan_last(value):
    return (bool(np.isnan(value)), value)


def _sum_of_squares(values):
    """Sum of squares of a float64 scratch array, in place.  Not ``numpy.dot``: a multithreaded
    BLAS spins its threads on every call, which costs milliseconds per block on a busy machine."""
    np.multiply(values, values, out=values)
    return float(np.add.reduce(values))


def iter_blocks(array, block_bytes=BLOCK_BYTES):
    """Contiguous 1-D blocks of ``array`` in C order, about ``block_bytes`` each.

    A C-contiguous array (or memmap) is sliced without copying; anything else (a strided
    view, a dask array) is materialised one section, or a few rows of a section, at a time.
    """
    shape = tuple(array.shape)
    itemsize = max(np.dtype(array.dtype).itemsize, 1)
    per_block = max(1, block_bytes // itemsize)
    if isinstance(array, np.ndarray) and array.flags.c_contiguous:
        flat = array.reshape(-1)
        for start in range(0, flat.size, per_block):
            yield flat[start:start + per_block]
        return
    if len(shape) <= 2:
        lead, rows = (), shape
    else:
        lead, rows = shape[:-2], shape[-2:]
    row_elems = max(1, rows[-1]) if rows else 1
    rows_per_block = max(1, per_block // row_elems)
    n_rows = rows[0] if len(rows) == 2 else 1
    for index in np.ndindex(*lead):
        section = array[index] if index else array
        if len(rows) < 2:
            yield np.ascontiguousarray(np.asarray(section)).reshape(-1)
            continue
        for r0 in range(0, n_rows, rows_per_block):
            yield np.ascontiguousarray(np.asarray(section[r0:r0 + rows_per_block])).reshape(-1)


def data_stats(array, block_bytes=BLOCK_BYTES) -> Stats:
    """DMIN, DMAX, DMEAN, RMS of ``array`` (numpy, memmap or dask), block by block in float64."""
    acc = StatsAccumulator()
    for block in iter_blocks(array, block_bytes):
        acc.add(block)
    return acc.result()
