"""``mrcschema.open``: an MRC file with its header parsed and its data memory-mapped.

Opening reads the 1024-byte header and nothing else: the extended header is read
when first asked for and the data block is a ``numpy.memmap`` at ``1024 + NSYMBT``,
so opening costs the same for a 1 MB and a 100 GB file.
"""

from __future__ import annotations

import builtins
import math
import os
import typing
import warnings

import numpy as np

from ..errors import MrcFormatError, MrcWarning, location
from ..format.byteorder import byteorder_argument
from ..format.geometry import (
    HEADER_SIZE,
    check_identity,
    check_structure,
    data_geometry,
    parse_header,
)
from ..format.modes import pack_4bit, unpack_4bit
from ..format.mrc2014 import MRC2014_HEADER, header_error
from ..format.records import record
from ..sources import Source, open_source
from .labels import LabelList, read_only_error
from .window import MEMMAP_MODES, read_into, read_window

#: what names a file: a path as text or an ``os.PathLike``
PathLike = str | os.PathLike[str]
#: what :func:`open` reads: a path, a URL (text), an open binary file object or a bytes-like object
Target = str | os.PathLike[str] | bytes | bytearray | memoryview | typing.BinaryIO | typing.Any


@record
class Vec3:
    """Three numbers along X, Y, Z (a voxel size in Å, an origin)."""

    x: float
    y: float
    z: float

    def __iter__(self):
        return iter((self.x, self.y, self.z))


def labels_of(header) -> list[str]:
    """The first NLABL (0 to 10) labels, each cut at its first NUL, trailing blanks stripped."""
    used = header.label[:max(0, min(header.nlabl, len(header.label)))]
    return [raw.split(b"\0", 1)[0].rstrip().decode("latin-1") for raw in used]


def voxel_size_of(header) -> tuple[Vec3, tuple[str, ...]]:
    """(voxel size in Å, the axes where CELLA / N stood in for CELLA / M): CELLA / M where the
    sampling M is positive; CELLA / N where M is not but CELLA and N are; 0 otherwise."""
    values, fallback = [], []
    for axis in "xyz":
        cell, m, n = getattr(header.cella, axis), getattr(header, f"m{axis}"), getattr(header, f"n{axis}")
        if m > 0:
            values.append(cell / m)
        elif cell > 0 and n > 0:
            values.append(cell / n)
            fallback.append(axis)
        else:
            values.append(0.0)
    return Vec3(*values), tuple(fallback)


class Sections:
    """``f.sections``: the stored sections of an open file, indexed like a sequence (see
    :attr:`MrcFile.sections`)."""

    def __init__(self, mrc: MrcFile):
        self._mrc = mrc

    def __len__(self) -> int:
        assert self._mrc.geometry is not None
        return self._mrc.geometry.sections

    def __getitem__(self, index):
        mrc, g = self._mrc, self._mrc.geometry
        assert g is not None
        count = g.sections
        if isinstance(index, slice):
            start, stop, step = index.indices(count)
            if step != 1:
                picked = range(start, stop, step)
                if not picked:
                    return self[0:0]
                return np.stack([self[i] for i in picked])
            stop = max(start, stop)
            return mrc._read_sections(start, stop)
        i = int(index)
        if i < -count or i >= count:
            raise IndexError(f"section {index} out of range: {mrc.path} has {count} sections")
        return mrc._read_sections(i % count, i % count + 1)[0]


class MrcFile:
    """An open MRC file.  Use :func:`open`; close it (or use ``with``) to release the map.

    Attributes: ``header`` (the attrs record; assign an evolved copy in ``"r+"`` mode),
    ``byteorder``, ``data``, ``extended_header``, ``voxel_size``, ``origin``, ``labels``.
    """

    def __init__(self, path: Target, mode: str = "r", *, permissive: bool = False, byteorder: str | None = None,
                 storage_options: dict | None = None):
        if mode not in MEMMAP_MODES:
            raise ValueError(f"mode must be 'r', 'r+' or 'c', not {mode!r}")
        self.mode = mode
        self.permissive = permissive
        self._source = open_source(path, permissive=permissive, storage_options=storage_options)
        self._storage_options = storage_options  # for the side files the physical model reads
        self.path = self._source.path
        try:
            self._open(byteorder)
        except BaseException as exc:
            self._source.close()
            if not (self._source.remote and isinstance(exc, MrcFormatError)):
                raise
            raise MrcFormatError(f"{exc.message} ({self.path})", field=exc.field, offset=exc.offset) from None

    def _open(self, byteorder):
        mode, permissive = self.mode, self.permissive
        if self._source.compressed is not None and mode == "r+":
            raise MrcFormatError(
                f"{self._source.compressed}-compressed files cannot be opened 'r+': decompress it first",
                field="file", offset=0)
        if mode == "r+" and self._source.mappable_path is None:
            raise ValueError(f"{self.path}: mode 'r+' needs a local file; open it 'r' (or 'c' for a private copy)")
        self._parsed = parse_header(self._source.read_header(HEADER_SIZE), byteorder_argument(byteorder),
                                    permissive=permissive)
        check_identity(self._parsed, permissive=permissive)  # not an MRC file: say so first
        #: where the data is and its shape; None when ``permissive`` could not locate it
        self.geometry = None
        try:
            check_structure(self._parsed.header)  # before a compressed file is inflated to learn its size
            self.file_size = self._source.size
            self.geometry = data_geometry(self._parsed, self.file_size, permissive=permissive)
        except MrcFormatError as exc:
            if not permissive:
                raise
            warnings.warn(f"{exc}; the header is read, data is None", MrcWarning, stacklevel=4)
            self.file_size = self._source.size
        self._header = self._parsed.header
        self._data = None
        self._extended = None
        self._labels = None
        self._labels_base = None  #: the labels as last read or folded into the header
        self._voxel_warned = False
        self._physical = None
        self._packed = None  #: mode 101: the mapped packed bytes behind the unpacked ``data``
        #: DMIN/DMAX/DMEAN/RMS are recomputed on flush/close ("r+": set once the data is mapped,
        #: and by :func:`mrcschema.new`)
        self.statistics_stale = False
        self.closed = False

    # -- header views --------------------------------------------------------
    @property
    def header(self):
        """The header record.  In ``"r+"`` mode assign an evolved copy; it is written on
        flush/close (with any change made through ``labels``)."""
        if self._labels is not None and self._labels != self._labels_base:
            from ..format import header_edits  # edits only: opening to read does without it

            self._header = header_edits.with_labels(self._header, self._labels)
            self._labels_base = list(self._labels)
        return self._header

    @header.setter
    def header(self, record):
        if self.mode != "r+" or self.closed:
            raise read_only_error(self, "header")
        if not isinstance(record, MRC2014_HEADER.record_class):
            raise TypeError(f"header must be a {MRC2014_HEADER.record_class.__name__} record "
                            f"(attrs.evolve(f.header, ...)), not {type(record).__name__}")
        old = self.header  # with pending label changes folded in
        self._header = record
        self._physical = None
        if (record.label, record.nlabl) != (old.label, old.nlabl):
            self._labels = None  # labels changed through the record: read them from it again

    @property
    def byteorder(self):
        """"<" (little-endian) or ">" (big-endian), from MACHST or the header's numbers."""
        return self._parsed.byteorder

    @property
    def byteorder_source(self):
        """How the byte order was decided: "stamp" (MACHST), "guessed" (from the numbers) or
        "given" (the ``byteorder`` argument)."""
        return self._parsed.byteorder_source

    @property
    def source(self) -> Source:
        """Where the bytes come from (:mod:`mrcschema.sources`)."""
        return self._source

    @property
    def compression(self):
        """"gzip", "bzip2" or None."""
        return self._source.compressed

    @property
    def raw_header(self) -> bytes:
        """The 1024 header bytes as last read or written."""
        return self._parsed.raw

    @property
    def imod(self):
        """The IMOD fields in EXTRA: nint, nreal, imod_stamp, imod_flags, tilt angles..."""
        return self._parsed.imod

    @property
    def voxel_size(self):
        """Voxel size in Å: CELLA / (MX, MY, MZ).  Where the sampling M is not positive but CELLA
        is (mrcz writes CELLA = pixel size x N with M = 0), CELLA / N, with a warning; else 0."""
        size, fallback = voxel_size_of(self.header)
        if fallback and not self._voxel_warned:
            self._voxel_warned = True
            axes = ", ".join(f"M{axis.upper()}" for axis in fallback)
            warnings.warn(f"{self.path}: {axes} {'is' if len(fallback) == 1 else 'are'} 0 while CELLA is set; "
                          f"voxel size taken as CELLA / N along {', '.join(fallback)} (MRC2014: CELLA / M)",
                          MrcWarning, stacklevel=2)
        return size

    @voxel_size.setter
    def voxel_size(self, value):
        """``"r+"`` only: one number or (x, y, z) in Å; sets CELLA = size x (MX, MY, MZ)."""
        if self.mode != "r+" or self.closed:
            raise read_only_error(self, "voxel_size")
        from ..format import header_edits

        self.header = header_edits.with_voxel_size(self.header, value)

    @property
    def origin(self):
        """ORIGIN (x, y, z): subvolume origin in Å (phase origin in pixels for modes 3/4)."""
        o = self.header.origin
        return Vec3(o.x, o.y, o.z)

    @origin.setter
    def origin(self, value):
        """``"r+"`` only: (x, y, z)."""
        if self.mode != "r+" or self.closed:
            raise read_only_error(self, "origin")
        from ..format import header_edits

        self.header = header_edits.with_origin(self.header, value)

    @property
    def labels(self):
        """The NLABL labels in use, as mrcfile counts them, each cut at its first NUL and its
        trailing blanks stripped (``header.label`` keeps the raw ten).  A list; in ``"r+"`` mode
        changes to it (``f.labels.append("text")``) are written on flush/close."""
        if self._labels is None:
            self._labels_base = labels_of(self._header)
            self._labels = LabelList(self._labels_base, self)
        return self._labels

    @property
    def extended_header_bytes(self):
        """The raw extended header (NSYMBT bytes after the main header)."""
        return self._source.read(HEADER_SIZE, self.header.nsymbt)

    @property
    def extended(self):
        """The :class:`~mrcschema.format.extended.ExtendedHeader`: kind, records, record size, padding, notes."""
        if self._extended is None:
            from ..format.extended import parse_extended_header  # loaded for files whose extended header is asked for

            self._extended = parse_extended_header(self.extended_header_bytes, self.header, self.imod,
                                                   self.byteorder)
        return self._extended

    @property
    def extended_header(self):
        """The extended header as a numpy array: one structured record per section for record
        kinds (FEI1, FEI2, old FEI, SERI, AGAR), else its NSYMBT bytes as ``uint8``
        (``extended_header_bytes`` gives them as ``bytes``)."""
        ext = self.extended
        if ext.records is not None:
            return ext.records
        return np.frombuffer(self.extended_header_bytes, dtype=np.uint8)

    # -- data -----------------------------------------------------------------
    @property
    def data(self):
        """The data block: a ``numpy.memmap`` in the file's byte order (in memory for
        compressed files and for mode 101, which is unpacked to uint8 and, in ``"r+"``,
        packed back on flush/close).  A source that cannot be mapped (a URL, a file object,
        bytes, a pipe) has its data block read into memory here, whole (a progress bar on a
        terminal when it is large): read parts with :attr:`sections`, or lazily with
        :meth:`to_dask`.  None when a ``permissive`` open could not locate or map
        it (a warning said why).  Raises ``ValueError`` once the file is closed."""
        if self.closed:
            raise ValueError(f"{self.path} is closed: its data is no longer mapped")
        if self._data is None and self.geometry is not None:
            try:
                self._data = self._map_data()
            except (OSError, ValueError) as exc:  # e.g. no address space for the map
                if self._source.mappable_path is None and isinstance(exc, (OSError, MrcFormatError)):
                    raise  # bytes that could not be fetched, named with their URL and offset
                if not self.permissive:
                    raise MrcFormatError(f"the data block cannot be mapped: {exc}", field="data",
                                         offset=self.geometry.offset) from None
                warnings.warn(f"{location('data', self.geometry.offset)}: the data block cannot be mapped "
                              f"({exc}); data is None", MrcWarning, stacklevel=2)
                self.geometry = None
                return None
            self.statistics_stale = self.statistics_stale or self.mode == "r+"
        return self._data

    def read(self) -> np.ndarray | None:
        """The whole data block read into a new array, in this machine's byte order: the values
        and shape of :attr:`data`, in memory, owned by the caller (writable, independent of the file).

        A local file is read straight into the new array (``preadv`` into its buffer, as
        ``numpy.fromfile`` reads; blocks of 16 MiB or more split between threads, one per CPU), data
        in the other byte order through a small buffer cast as it is read
        (:func:`~mrcschema.reading.window.read_into`).  ``np.asarray(f.data)`` is instead a view of
        the memory map: nothing is read until it is touched, then every 4 KiB page costs a page
        fault; ``np.array(f.data)`` copies through the map (the same faults, plus the copy).
        Compressed files, mode 101 and data changed through :attr:`data` in modes ``"r+"``/``"c"``
        are copied from :attr:`data`.  None when a
        ``permissive`` open could not locate the data."""
        if self.closed:
            raise ValueError(f"{self.path} is closed: its data can no longer be read")
        g = self.geometry
        if g is None:
            return None
        native = g.dtype.newbyteorder("=")
        path = self._source.mappable_path
        if path is None or g.mode.packed_4bit or (self._data is not None and self.mode != "r"):
            data = self.data
            return None if data is None else np.array(data, dtype=data.dtype.newbyteorder("="))
        return read_into(path, g.offset, np.empty(g.stored_shape, dtype=native), g.dtype)

    def _map_data(self):
        g = self.geometry
        array = read_window(self._source, g.offset, g.dtype, g.stored_shape, self.mode)
        if not g.mode.packed_4bit:
            return array
        self._packed = array
        values = unpack_4bit(np.asarray(array), self.header.nx)
        values.flags.writeable = self.mode != "r"
        return values

    def _read_sections(self, start: int, stop: int) -> np.ndarray:
        """Stored sections ``start:stop`` as (n, ny, nx[, 3]): sliced from the data when it is in
        memory already, else read from just their bytes."""
        g = self.geometry
        assert g is not None
        h = self.header
        spp = g.mode.samples_per_pixel
        per_section = tuple(g.stored_shape[-3:]) if spp > 1 else (h.ny, g.stored_shape[-1])  # 101: bytes per row
        if self._data is not None and not g.mode.packed_4bit:
            return np.asarray(self._data).reshape((g.sections,) + per_section)[start:stop]
        section_bytes = math.prod(per_section) * g.dtype.itemsize
        window = read_window(self._source, g.offset + start * section_bytes, g.dtype, (stop - start,) + per_section,
                             self.mode)
        if g.mode.packed_4bit:
            return unpack_4bit(np.asarray(window).reshape(-1, per_section[-1]), h.nx).reshape(stop - start, h.ny, h.nx)
        return window

    def _write_back_packed(self):
        """Mode 101 in ``"r+"``: pack the unpacked values into the mapped bytes."""
        values = self._data
        if values.size and int(values.max()) > 15:
            raise ValueError(f"{self.path}: mode 101 stores 4-bit values (0-15); the data holds "
                             f"{int(values.max())}, which would not survive; nothing written")
        self._packed[...] = pack_4bit(values)

    @property
    def physical(self):
        """The physical model (:class:`mrcschema.reading.physical.PhysicalModel`): each array axis's
        name, size, scale, unit and offset, what the data is and where its first voxel sits, from
        the header, the FEI pixel size and a Direct Electron info file beside a ``*_movie.mrc``.
        Derived once per open file (``docs/user_guide.md``, "Physical coordinates")."""
        if self._physical is None:
            from .physical import de_info_of, fei_pixel_size, physical_model

            info = de_info_of(self.path, self._storage_options)
            self._physical = physical_model(self, info, fei_pixel_size(self))
            if self._physical.fallbacks and not self._voxel_warned:  # said once, as voxel_size says it
                self._voxel_warned = True
                warnings.warn(f"{self.path}: {'; '.join(self._physical.fallbacks)}", MrcWarning, stacklevel=2)
        return self._physical

    @property
    def axes(self):
        """``physical.axes``: one :class:`~mrcschema.reading.physical.Axis` per axis of :attr:`data`."""
        return self.physical.axes

    @property
    def axis_order(self) -> tuple[int, int, int]:
        """(MAPC, MAPR, MAPS): which of X, Y, Z (1, 2, 3) the columns, rows and sections run along."""
        h = self.header
        order = (h.mapc, h.mapr, h.maps)
        if sorted(order) != [1, 2, 3]:
            raise header_error("mapc", f"MAPC, MAPR, MAPS are {order}, not a permutation of 1, 2, 3: "
                                       "the axes of the data are unknown")
        return order

    @property
    def data_xyz(self) -> np.ndarray | None:
        """The data indexed ``[x, y, z]`` along the cell axes, whatever MAPC/MAPR/MAPS say: a
        transposed view of :attr:`data` (no copy), equal to gemmi's grid reordered to X, Y, Z.
        Pair it with :attr:`voxel_size` (X, Y, Z) and :attr:`start_xyz`.  3D data only (a single
        image is one section); a volume stack raises ``ValueError``."""
        data, geometry = self.data, self.geometry
        if data is None or geometry is None:
            return None
        if data.ndim == 4 or (data.ndim == 3 and geometry.mode.samples_per_pixel > 1):
            raise ValueError("data_xyz is for one volume or image stack; index the volume stack first")
        sections = data.reshape((geometry.sections, self.header.ny, data.shape[-1]))
        file_axes = (self.axis_order[2], self.axis_order[1], self.axis_order[0])  # sections, rows, columns
        return sections.transpose([file_axes.index(axis) for axis in (1, 2, 3)])

    @property
    def start_xyz(self) -> tuple[int, int, int]:
        """NXSTART, NYSTART, NZSTART (the grid index of the first column, row and section) along
        X, Y, Z: where :attr:`data_xyz` begins in the unit cell."""
        h = self.header
        starts = {self.axis_order[0]: h.nxstart, self.axis_order[1]: h.nystart, self.axis_order[2]: h.nzstart}
        return (starts[1], starts[2], starts[3])

    # -- parts of the data, and lazy data ------------------------------------------------
    @property
    def sections(self) -> Sections:
        """The stored sections (the NZ axis of the file), read on demand: ``f.sections[i]`` is one
        (ny, nx) section, ``f.sections[i:j]`` the (j - i, ny, nx) block, reading only those
        sections' bytes (a window of the map for a local file, one fetch for a URL)."""
        if self.closed:
            raise ValueError(f"{self.path} is closed")
        if self.geometry is None:
            raise ValueError(f"{self.path}: the data could not be located, so it has no sections")
        return Sections(self)

    def to_dask(self, chunks: object = "auto"):
        """The data as a dask array whose chunks read their own byte ranges when computed (memory
        maps for a local file, fetches for a URL; nothing is read now).  The graph names the file
        or URL, never its bytes, so it pickles small and computes on ``dask.distributed`` workers,
        each fetching its own chunks.  Data that exists only here (bytes, a file object, a pipe, a
        compressed file, mode 101) is read first and wrapped.  ``chunks`` as for dask
        ("auto": whole sections, as many per chunk as dask's chunk size allows)."""
        from .lazy import import_dask, lazy_memmap

        g = self.geometry
        if self.closed or g is None:
            raise ValueError(f"{self.path}: {'closed' if self.closed else 'no data'}")
        locator = self._source.locator
        if locator is None or g.mode.packed_4bit or self.mode == "r+":
            return import_dask().from_array(self.data, chunks=chunks)
        shape = g.stored_shape
        return lazy_memmap(locator, g.offset, g.dtype, shape, chunks, signal_ndim=min(2, len(shape)))

    # -- life cycle -------------------------------------------------------------
    def flush(self, update_stats: bool = True) -> None:
        """In ``"r+"`` mode, write the header record and any data changes to disk.

        Once the data has been mapped in ``"r+"`` mode (or the file was made by
        ``mrcschema.new``), DMIN/DMAX/DMEAN/RMS are recomputed from it block by block;
        ``update_stats=False`` writes them as ``header`` holds them."""
        if self.mode != "r+" or self.closed:
            return
        if self._packed is not None and self._data is not None:
            self._write_back_packed()
        for array in (self._data, self._packed):
            if isinstance(array, np.memmap):
                array.flush()
        if update_stats and self.statistics_stale:
            from ..format import header_edits

            self.header = header_edits.with_stats(self.header, self.data)  # the map stays writable: stale still
        if self.header != self._parsed.header:
            raw = MRC2014_HEADER.build(self.header, self.byteorder)
            with builtins.open(self.path, "r+b") as f:
                f.write(raw)
            self._parsed = parse_header(raw, self.byteorder)

    def close(self, update_stats: bool = True) -> None:
        """Flush (``"r+"``; see :meth:`flush` for ``update_stats``) and release the memory map."""
        if self.closed:
            return
        self.flush(update_stats)
        for array in (self._data, self._packed):
            if isinstance(array, np.ndarray):
                array.flags.writeable = False  # a reference kept by the caller no longer writes
        self._data = self._packed = None
        self.closed = True
        if self._source.mappable_path is None:
            self._source.close()

    def __enter__(self) -> MrcFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self):
        state = "closed" if self.closed else f"mode {self.mode!r}"
        if self.geometry is None:
            return f"<MrcFile {self.path!r} {state} no data>"
        return f"<MrcFile {self.path!r} {state} shape={self.geometry.shape} dtype={self.geometry.dtype}>"


def open(path: Target, mode: str = "r", *, permissive: bool = False,  # noqa: A001 - mirrors builtins.open
         byteorder: str | None = None, storage_options: dict | None = None) -> MrcFile:
    """Open an MRC file: ``"r"`` read-only, ``"c"`` copy-on-write data, ``"r+"`` read-write.

    ``path``: a local path; a URL fsspec understands (``https://``, ``s3://``, ``zip://...::...``;
    ``storage_options`` are passed to fsspec; needs ``mrcschema[remote]``); an open binary file
    object, seekable or not (a pipe is read once, in order); or a bytes-like object.  Only a local
    file is memory-mapped; other sources read the header now and the data when asked for
    (:attr:`MrcFile.data` whole, :attr:`MrcFile.sections` in parts, :meth:`MrcFile.to_dask` lazily).
    ``"r+"`` needs a local file.

    ``.gz`` and ``.bz2`` files are read transparently (their data in memory).
    ``permissive=True`` opens what it can of a damaged file, turning problems into warnings.
    ``byteorder`` ("<"/"little", ">"/"big", "="/"native") overrides the byte order the file
    declares; None (the default) reads it from the file.
    """
    return MrcFile(path, mode, permissive=permissive, byteorder=byteorder, storage_options=storage_options)
