"""A file as the validation rules see it: the header record, sizes, lazy access to the bytes and
the data statistics, compared slab by slab so a 50 GB file is never in memory at once."""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import MrcFormatError, MrcWarning
from ..format.geometry import HEADER_SIZE, data_geometry
from ..format.modes import MODES, data_nbytes, unpack_4bit
from ..format.mrc2014 import field_offset
from ..format.statistics import StatsAccumulator
from ..format.values import show
from .rules import Problem

#: without ``strict``, data blocks larger than this are not read to check the statistics
STATS_SIZE_LIMIT = 1 << 30
#: bytes of data mapped at a time by the statistics pass
CHUNK_BYTES = 64 << 20
#: mrcfile's tolerance for DMEAN and RMS (``numpy.isclose(..., rtol=0.01)``)
STATS_RTOL = 0.01


# -- data statistics --------------------------------------------------------------------------------
def _stats_wanted(h, complex_mode):
    """Which statistics the header claims to know (MRC2014 note 5, mrcfile's reading)."""
    rms = h.rms >= 0
    minmax = h.dmin < h.dmax and not complex_mode
    mean = h.dmean > min(h.dmin, h.dmax) and not complex_mode
    return rms, minmax, mean


def _chunk_windows(count, chunk):
    start = 0
    while start < count:
        yield start, min(chunk, count - start)
        start += chunk


# -- the context the rules read ----------------------------------------------------------------------
class Context:
    """A file as the rules see it: the header record, sizes, lazy access to the bytes."""

    def __init__(self, path, parsed, file_size, *, strict, reader, compressed=None, content=None, open_file=None):
        self.path = path
        self.parsed = parsed
        self.header = parsed.header
        self.byteorder = parsed.byteorder
        self.byteorder_source = parsed.byteorder_source
        self.file_size = file_size
        self.compressed = compressed
        self.strict = strict
        self.structure_problems = ()
        self.de = None
        self._reader = reader  # reader(offset, nbytes) -> bytes
        self._content = content  # the decompressed bytes of a compressed file
        self._open_file = open_file
        self._imod = None
        self._stats = None
        self._stats_done = False
        self._skipped = None
        self._ext_cache = {}

    # -- header values ------------------------------------------------------------------
    @property
    def imod(self):
        if self._imod is None:
            self._imod = self.parsed.imod
        return self._imod

    def value(self, name):
        if name.startswith("label["):
            return self.header.label[int(name[6:-1])]
        if name in ("nint", "nreal"):
            return getattr(self.imod, name)
        value = self.header
        for part in name.split("."):
            value = getattr(value, part)
        return value

    # -- geometry -----------------------------------------------------------------------
    @property
    def data_offset(self):
        return HEADER_SIZE + self.header.nsymbt

    @property
    def data_nbytes(self):
        """Bytes the header promises for the data block; None when it cannot be worked out."""
        h = self.header
        if h.mode not in MODES or h.nx <= 0 or h.ny <= 0 or h.nz <= 0 or h.nsymbt < 0:
            return None
        return data_nbytes(h.mode, h.nx, h.ny, h.nz)

    @property
    def expected_file_size(self):
        nbytes = self.data_nbytes
        return None if nbytes is None else self.data_offset + nbytes

    # -- extended header ------------------------------------------------------------------
    def extended_bytes(self, nbytes):
        """The first ``nbytes`` of the extended header (fewer if NSYMBT or the file is shorter)."""
        nbytes = max(0, min(nbytes, self.header.nsymbt, self.file_size - HEADER_SIZE))
        if nbytes not in self._ext_cache:
            self._ext_cache[nbytes] = self._reader(HEADER_SIZE, nbytes)
        return self._ext_cache[nbytes]

    def fei_int(self, offset):
        """The little-endian int32 at ``offset`` of the extended header (FEI files are
        little-endian throughout), or None when the extended header is shorter."""
        raw = self.extended_bytes(offset + 4)
        if len(raw) < offset + 4:
            return None
        return int.from_bytes(raw[offset:offset + 4], "little", signed=True)

    # -- statistics -------------------------------------------------------------------------
    def statistics_skipped(self):
        self._compute_statistics()
        return self._skipped

    def statistics_problems(self):
        self._compute_statistics()
        if self._stats is None:
            return
        h, acc = self.header, self._stats
        rms_wanted, minmax_wanted, mean_wanted = _stats_wanted(h, acc.complex)
        if rms_wanted and not np.isclose(acc.std, h.rms, rtol=STATS_RTOL):
            yield Problem("rms", field_offset("rms"),
                          f"RMS is {show(h.rms)} but the standard deviation of the data is {acc.std:.7g}")
        if minmax_wanted:
            for name, header_value, actual in (("dmin", h.dmin, acc.minimum), ("dmax", h.dmax, acc.maximum)):
                if not header_value == float(actual):
                    yield Problem(name, field_offset(name),
                                  f"{name.upper()} is {show(header_value)} but the data "
                                  f"{'minimum' if name == 'dmin' else 'maximum'} is {float(actual):.7g}")
        if mean_wanted and not np.isclose(acc.mean, h.dmean, rtol=STATS_RTOL):
            yield Problem("dmean", field_offset("dmean"),
                          f"DMEAN is {show(h.dmean)} but the mean of the data is {acc.mean:.7g}")

    def _compute_statistics(self):
        if self._stats_done:
            return
        self._stats_done = True
        h = self.header
        complex_mode = h.mode in (3, 4)
        if not any(_stats_wanted(h, complex_mode)):
            return  # every statistic is marked undetermined: nothing to compare
        nbytes = self.data_nbytes
        if nbytes is None:
            self._skipped = "the data block cannot be located (see the errors on MODE, NX, NY, NZ, NSYMBT)"
            return
        if self.file_size < self.data_offset + nbytes:
            self._skipped = "the data block is shorter than the header says"
            return
        if not self.strict and nbytes > STATS_SIZE_LIMIT:
            self._skipped = (f"the data block is {nbytes} bytes, over the {STATS_SIZE_LIMIT}-byte limit "
                             "(validate(..., strict=True) or --strict reads it all)")
            return
        try:
            acc = StatsAccumulator()
            with np.errstate(all="ignore"):  # NaN and infinities in the data are findings, not warnings
                for values in self._value_chunks():
                    acc.add(values)
        except MrcFormatError as exc:
            self._skipped = f"the data cannot be read: {exc}"
            return
        self._stats = acc

    def _value_chunks(self):
        """The data values, one slab of at most CHUNK_BYTES at a time (mode 3 counts the
        complex128 values it becomes)."""
        h = self.header
        per_chunk = max(1, CHUNK_BYTES // {0: 1, 1: 2, 3: 16, 4: 8, 6: 2, 12: 2, 16: 1, 101: 1}.get(h.mode, 4))
        if self._open_file is not None:
            flat = self._open_file.data.reshape(-1)
            for start, n in _chunk_windows(flat.size, per_chunk):
                yield _numeric(flat[start:start + n])
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MrcWarning)
            geometry = data_geometry(self.parsed, self.file_size)
        dtype, offset = geometry.dtype, geometry.offset
        if geometry.mode.packed_4bit:
            row_bytes = (h.nx + 1) // 2
            rows = h.nz * h.ny
            rows_per_chunk = max(1, per_chunk // (2 * row_bytes))  # unpacked: two values per byte
            for start, n in _chunk_windows(rows, rows_per_chunk):
                raw = self._window(offset + start * row_bytes, dtype, n * row_bytes)
                yield unpack_4bit(raw.reshape(n, row_bytes), h.nx).reshape(-1)
                del raw
            return
        count = int(np.prod(geometry.stored_shape))
        for start, n in _chunk_windows(count, per_chunk):
            raw = self._window(offset + start * dtype.itemsize, dtype, n)
            yield _numeric(raw)
            del raw

    def _window(self, offset, dtype, count):
        """``count`` items at ``offset``: a read-only memory map of just that window (released
        when dropped), or a view of the decompressed bytes."""
        if self.compressed:
            return np.frombuffer(self._content, dtype=dtype, count=count, offset=offset)
        return np.memmap(self.path, dtype=dtype, mode="r", offset=offset, shape=(count,))


def _numeric(values):
    """Mode 3 (a structured pair of int16) as complex; everything else as it is."""
    if values.dtype.names:
        return values["real"].astype(np.float64) + 1j * values["imag"].astype(np.float64)
    return values
