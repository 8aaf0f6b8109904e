"""A file as the validation rules see it: the header record, sizes, lazy access to the bytes, the
data statistics (accumulated slab by slab so a 50 GB file is never in memory at once) and the DE
files that belong to it.  The context only reads; what the values must be is in
:mod:`mrcschema.validation.rules`."""

from __future__ import annotations

import os
import re
import warnings
from typing import TYPE_CHECKING

from ..errors import MrcFormatError, MrcWarning
from ..format.extended import fei_record_size
from ..format.geometry import HEADER_SIZE, data_geometry
from ..format.modes import MODES, NONSTANDARD_MODES, READABLE_MODES, data_nbytes, unpack_4bit
from ..format.statistics import StatsAccumulator
from ..progress import progress
from ..reading.window import read_into
from ..sources.urls import basename

if TYPE_CHECKING:
    import numpy as np
else:  # checking a header needs no numpy; checking data and records does
    from ..format.deferred import numpy as np

#: without ``full_data``, data blocks larger than this are not read to check the statistics
STATS_SIZE_LIMIT = 1 << 30
#: bytes of data mapped at a time by the statistics pass
CHUNK_BYTES = 64 << 20

#: modes MRC2014 does not define whose data can still be read: 32-bit integers (Priism/DeltaVision
#: and mrcz write 7, mrcz 8), from the format layer's mode table
INT32_MODES = dict(NONSTANDARD_MODES)
#: the FEI extended header is read up to this many bytes to decide the record size
FEI_PROBE_BYTES = 4 << 20

_MOVIE_NAME = re.compile(r".+_movie\.mrc", re.IGNORECASE)


def _chunk_windows(count, chunk):
    start = 0
    while start < count:
        yield start, min(chunk, count - start)
        start += chunk


# -- the DE files -------------------------------------------------------------------------------------
class DeFiles:
    """The info file (and scan coordinates file) of a DE movie, as read for the DE rules.

    ``info`` is the :class:`~mrcschema.de.info.DeInfo`, or None when the file cannot be read
    (``info_error`` is the exception); ``coordinates`` is the ``*_scan_coordinates.csv`` found
    beside a ``*_movie.mrc`` (None otherwise), read on first use by :meth:`coordinate_rows`.
    """

    def __init__(self, info_path, info=None, info_error=None, coordinates=None, storage_options=None):
        self.info_path = info_path
        self.storage_options = storage_options
        self.info = info
        self.info_error = info_error
        self.coordinates = coordinates
        self._rows = None

    def coordinate_rows(self):
        """``(rows, None)`` for the coordinates file, or ``(None, exception)`` when it cannot be read."""
        if self._rows is None:
            from ..de.files import read_scan_coordinates

            try:
                self._rows = (len(read_scan_coordinates(self.coordinates, storage_options=self.storage_options)),
                              None)
            except (OSError, MrcFormatError, ValueError) as exc:
                self._rows = (None, exc)
        return self._rows


def read_de_files(path, info_file, storage_options=None):
    """The :class:`DeFiles` of ``path`` (a path or a URL): ``info_file`` if given, else the info file
    found beside a ``*_movie.mrc``; None when there is none or ``info_file`` is False."""
    if info_file is False:
        return None
    files = None
    if _MOVIE_NAME.fullmatch(basename(path)):
        from ..de.files import find_de_files  # DE modules only for a DE movie or a given info file

        try:
            files = find_de_files(path, storage_options=storage_options)
        except OSError:
            files = None
    if info_file is None:
        info_file = files.info if files is not None else None
        if info_file is None:
            return None
    from ..de.info import read_info_file

    info_path = os.fspath(info_file)
    coordinates = files.scan_coordinates if files is not None else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info = read_info_file(info_path, storage_options=storage_options)
    except (OSError, MrcFormatError, UnicodeError, ValueError) as exc:
        return DeFiles(info_path, info_error=exc, coordinates=coordinates)
    return DeFiles(info_path, info, coordinates=coordinates, storage_options=storage_options)


# -- the context the rules read ----------------------------------------------------------------------
class Context:
    """A file as the rules see it: the header record, sizes, lazy access to the bytes, the data
    statistics and (``de``) the :class:`DeFiles` of a DE movie."""

    def __init__(self, path, parsed, file_size, *, full_data, reader, compressed=None, content=None, open_file=None,
                 window=None, header_only=False, fd=None):
        self.path = path
        self._fd = fd  # the open descriptor of a local file: every data read goes through it (pread)
        self.parsed = parsed
        self.header = parsed.header
        self.byteorder = parsed.byteorder
        self.byteorder_source = parsed.byteorder_source
        self.file_size = file_size
        self.compressed = compressed
        self.full_data = full_data
        self.structure_problems = ()
        self.de = None  # the DeFiles of a DE movie (read_de_files), set by validate
        self._reader = reader  # reader(offset, nbytes) -> bytes
        self._content = content  # the decompressed bytes of a compressed file
        self._open_file = open_file
        self._window_reader = window  # window(offset, nbytes) -> buffer, for sources that cannot be mapped
        self.header_only = header_only
        self._imod = None
        self._physical = None
        self._stats = None
        self._stats_done = False
        self._skipped = None
        self._amplitudes = None
        self._nan_count = self._voxels = 0
        self._ext_cache = {}
        self._chunk_buffer = None  # the array the chunks of a local file are read into, chunk after chunk
        self.progress = None  #: the progress setting of validate(): None decides, False never, True always

    # -- header values ------------------------------------------------------------------
    @property
    def physical(self):
        """The physical model of the file (``MrcFile.physical``, with the DE info file read for the
        DE rules), or None when the data cannot be located (other rules say why)."""
        if self._physical is None:
            from ..reading.physical import model_of

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", MrcWarning)
                    geometry = data_geometry(self.parsed, self.file_size, permissive=True)
            except (MrcFormatError, ValueError):
                self._physical = False
            else:
                shape = geometry.shape[:len(geometry.shape) - (1 if geometry.mode.samples_per_pixel > 1 else 0)]
                info = self.de.info if self.de is not None else None
                self._physical = model_of(self.header, tuple(shape), info)
        return self._physical or None

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
        """Bytes the header promises for the data block (0 when NX, NY or NZ is 0: an empty
        block); None when it cannot be worked out (unknown mode, negative sizes)."""
        h = self.header
        if h.nx < 0 or h.ny < 0 or h.nz < 0 or h.nsymbt < 0:
            return None
        if h.mode in INT32_MODES:
            return h.nx * h.ny * h.nz * 4
        if h.mode not in MODES:
            return None
        if h.nx == 0 or h.ny == 0 or h.nz == 0:
            return 0
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

    def fei_record(self):
        """``(metadata_size, byteorder)`` of the first FEI record, as the reader decides them
        (:func:`mrcschema.format.extended.fei_record_size`: the size read in the file's byte
        order if plausible, else little-endian, else 0); ``byteorder`` is the order the size was
        read in, and the order the other fields of the record are read in (the file's order
        when neither gives a plausible size).  None when the extended header is under 8 bytes."""
        if "fei" not in self._ext_cache:
            raw = self.extended_bytes(min(self.header.nsymbt, FEI_PROBE_BYTES))
            result = None
            if len(raw) >= 8:
                result = fei_record_size(raw, self.byteorder)
            self._ext_cache["fei"] = result
        return self._ext_cache["fei"]

    def fei_int(self, offset, byteorder=None):
        """The int32 at ``offset`` of the extended header, in the FEI record's byte order
        (:meth:`fei_record`) or ``byteorder``; None when the extended header is shorter."""
        raw = self.extended_bytes(offset + 4)
        if len(raw) < offset + 4:
            return None
        if byteorder is None:
            record = self.fei_record()
            byteorder = record[1] if record is not None else self.byteorder
        return int.from_bytes(raw[offset:offset + 4], "little" if byteorder == "<" else "big", signed=True)

    # -- statistics -------------------------------------------------------------------------
    def statistics(self):
        """The :class:`~mrcschema.format.statistics.StatsAccumulator` of the data block without its
        NaN voxels (:attr:`nan_count` says how many there are), accumulated on first use; None when
        the data pass is skipped (:meth:`statistics_skipped`).  An empty block (NX, NY or NZ 0)
        gives an accumulator of count 0."""
        self._compute_statistics()
        return self._stats

    def amplitude_statistics(self):
        """For complex data (modes 3, 4): the accumulator of the amplitudes ``|z|`` (NaN left out);
        None otherwise or when the data pass is skipped."""
        self._compute_statistics()
        return self._amplitudes

    @property
    def nan_count(self):
        """NaN voxels in the data block (0 until the data pass has run, or when it is skipped)."""
        self._compute_statistics()
        return self._nan_count

    @property
    def voxel_count(self):
        """Voxels in the data pass, NaN included."""
        self._compute_statistics()
        return self._voxels

    def statistics_skipped(self):
        """Why the data pass is skipped (the data cannot be located or read, or is over the size
        limit), or None."""
        self._compute_statistics()
        return self._skipped

    def _compute_statistics(self):
        if self._stats_done:
            return
        self._stats_done = True
        self._nan_count = self._voxels = 0
        self._amplitudes = None
        nbytes = self.data_nbytes
        if self.header_only:
            self._skipped = "the header alone was asked for (header_only=True, --header-only)"
            return
        if nbytes is None:
            self._skipped = "the data block cannot be located (see the errors on MODE, NX, NY, NZ, NSYMBT)"
            return
        if self.file_size < self.data_offset + nbytes:
            self._skipped = "the data block is shorter than the header says"
            return
        if not self.full_data and nbytes > STATS_SIZE_LIMIT:
            self._skipped = (f"the data block is {nbytes} bytes, over the {STATS_SIZE_LIMIT}-byte limit "
                             "(validate(..., full_data=True) or --full-data reads it all)")
            return
        acc = StatsAccumulator()
        if nbytes == 0:
            self._stats = acc
            return
        amplitudes = None
        values_total = max(1, self.header.nx * self.header.ny * self.header.nz)
        bar = progress(nbytes, f"validate {os.path.basename(self.path)}", setting=self.progress)
        try:
            with bar, np.errstate(all="ignore"):  # NaN and infinities in the data are findings, not warnings
                for values in self._value_chunks():
                    bar.update(values.size * nbytes // values_total)
                    self._voxels += values.size
                    if values.dtype.kind in "fc":
                        nan = np.isnan(values)
                        if nan.any():
                            self._nan_count += int(np.count_nonzero(nan))
                            values = values[~nan]
                        del nan
                    acc.add(values)
                    if values.dtype.kind == "c":
                        amplitudes = amplitudes if amplitudes is not None else StatsAccumulator()
                        amplitudes.add(np.abs(values))
        except MrcFormatError as exc:
            self._skipped = f"the data cannot be read: {exc}"
            return
        finally:
            self._chunk_buffer = None  # up to CHUNK_BYTES: not kept once the pass is done
        self._stats = acc
        self._amplitudes = amplitudes

    def _value_chunks(self):
        """The data values, one slab of at most CHUNK_BYTES at a time (mode 3 counts the
        complex128 values it becomes)."""
        h = self.header
        mode = READABLE_MODES.get(h.mode)
        value_bytes = 4 if mode is None else 16 if mode.is_complex else mode.item_bytes
        per_chunk = max(1, CHUNK_BYTES // value_bytes)
        if self._open_file is not None and self._fd is None:  # "r+"/"c": the data as edited, in the map
            flat = self._open_file.data.reshape(-1)
            for start, n in _chunk_windows(flat.size, per_chunk):
                yield _as_complex(flat[start:start + n])
            return
        if h.mode in INT32_MODES:  # not an MRC2014 mode: 4-byte integers right after the extended header
            dtype, offset = INT32_MODES[h.mode].dtype.newbyteorder(self.byteorder), self.data_offset
            count = h.nx * h.ny * h.nz
        else:
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
            yield _as_complex(raw)
            del raw

    def _window(self, offset, dtype, count):
        """``count`` items at ``offset``: read from a local file, fetched from a source that is not
        one, or a view of the decompressed bytes.  Valid until the next window is asked for."""
        if self.compressed:
            return np.frombuffer(self._content, dtype=dtype, count=count, offset=offset)
        if self._window_reader is not None:
            buffer = self._window_reader(offset, count * dtype.itemsize)
            if len(buffer) < count * dtype.itemsize:
                raise MrcFormatError(f"{self.path} holds {len(buffer)} of the {count * dtype.itemsize} bytes asked "
                                     "for here", field="data", offset=offset)
            return np.frombuffer(buffer, dtype=dtype, count=count)
        # a local file: read (not mapped: no page faults, no mapping made and unmade per chunk) into
        # one buffer, in this machine's byte order, reused chunk after chunk
        native = dtype.newbyteorder("=")
        buffer = self._chunk_buffer
        if buffer is None or buffer.dtype != native or buffer.size < count:
            buffer = self._chunk_buffer = np.empty(count, native)
        return read_into(self.path, offset, buffer[:count], dtype, fd=self._fd)


def _as_complex(values):
    """Mode 3 (a structured pair of int16) as complex; everything else as it is."""
    if values.dtype.names:
        return values["real"].astype(np.float64) + 1j * values["imag"].astype(np.float64)
    return values
