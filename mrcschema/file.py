"""``mrcschema.open``: an MRC file with its header parsed and its data memory-mapped.

Opening reads the 1024-byte header and nothing else: the extended header is read
when first asked for and the data block is a ``numpy.memmap`` at ``1024 + NSYMBT``,
so opening costs the same for a 1 MB and a 100 GB file.
"""

from __future__ import annotations

import io
import os

import attrs
import numpy as np

from .compressed import CompressedSource, open_source
from .errors import MrcFormatError
from .header import HEADER_SIZE, data_geometry, parse_header
from .modes import unpack_4bit
from .schemas.mrc2014 import MRC2014_HEADER

#: numpy.memmap modes for our open modes
_MEMMAP_MODES = {"r": "r", "r+": "r+", "c": "c"}


@attrs.frozen
class Vec3:
    """Three numbers along X, Y, Z (a voxel size in Å, an origin)."""

    x: float
    y: float
    z: float

    def __iter__(self):
        return iter((self.x, self.y, self.z))


class MrcFile:
    """An open MRC file.  Use :func:`open`; close it (or use ``with``) to release the map.

    Attributes: ``header`` (the attrs record; assign an evolved copy in ``"r+"`` mode),
    ``byteorder``, ``data``, ``extended_header``, ``voxel_size``, ``origin``, ``labels``.
    """

    def __init__(self, path, mode="r", *, permissive=False, byteorder=None):
        if mode not in _MEMMAP_MODES:
            raise ValueError(f"mode must be 'r', 'r+' or 'c', not {mode!r}")
        self.path = os.fspath(path)
        self.mode = mode
        self.permissive = permissive
        self._source = open_source(self.path)
        if isinstance(self._source, CompressedSource) and mode == "r+":
            raise MrcFormatError(
                f"{self._source.compressed}-compressed files cannot be opened 'r+': decompress it first",
                field="file", offset=0)
        self._parsed = parse_header(self._source.read_header(HEADER_SIZE), byteorder)
        self.file_size = self._source.size
        self.geometry = data_geometry(self._parsed, self.file_size, permissive=permissive)
        self.header = self._parsed.header
        self._data = None
        self._extended = None
        self._labels = None
        self.closed = False

    # -- header views --------------------------------------------------------
    @property
    def byteorder(self):
        """"<" (little-endian) or ">" (big-endian), from MACHST or the header's numbers."""
        return self._parsed.byteorder

    @property
    def imod(self):
        """The IMOD fields in EXTRA: nint, nreal, imod_stamp, imod_flags, tilt angles..."""
        return self._parsed.imod

    @property
    def voxel_size(self):
        """Voxel size in Å: CELLA / (MX, MY, MZ); 0 along an axis whose sampling is not positive."""
        h = self.header
        cell = (h.cella.x, h.cella.y, h.cella.z)
        return Vec3(*(c / m if m > 0 else 0.0 for c, m in zip(cell, (h.mx, h.my, h.mz))))

    @property
    def origin(self):
        """ORIGIN (x, y, z): subvolume origin in Å (phase origin in pixels for modes 3/4)."""
        o = self.header.origin
        return Vec3(o.x, o.y, o.z)

    @property
    def labels(self):
        """The text labels in use (blank ones dropped, trailing blanks stripped)."""
        if self._labels is None:
            texts = (label.rstrip(b"\0 ").decode("latin-1") for label in self.header.label)
            self._labels = [text for text in texts if text]
        return self._labels

    @property
    def nsymbt(self):
        return self.header.nsymbt

    @property
    def extended_header_bytes(self):
        """The raw extended header (NSYMBT bytes after the main header)."""
        return self._source.read(HEADER_SIZE, self.header.nsymbt)

    @property
    def extended(self):
        """The :class:`~mrcschema.extended.ExtendedHeader`: kind, records, record size, padding, notes."""
        if self._extended is None:
            from .extended import read_extended_header

            self._extended = read_extended_header(self)
        return self._extended

    @property
    def extended_header(self):
        """The extended header: one numpy structured record per section for record kinds
        (FEI1, FEI2, old FEI, SERI, AGAR), else the raw bytes."""
        ext = self.extended
        return ext.records if ext.records is not None else self.extended_header_bytes

    # -- data -----------------------------------------------------------------
    @property
    def data(self):
        """The data block: a ``numpy.memmap`` in the file's byte order (in memory for
        compressed files and for mode 101, which is unpacked to uint8)."""
        if self._data is None:
            self._data = self._map_data()
        return self._data

    def _map_data(self):
        g = self.geometry
        if isinstance(self._source, CompressedSource):
            count = int(np.prod(g.stored_shape))
            array = np.frombuffer(self._source.content, dtype=g.dtype, count=count, offset=g.offset)
            array = array.reshape(g.stored_shape)
            if self.mode == "r":
                array.flags.writeable = False
        else:
            array = np.memmap(self.path, dtype=g.dtype, mode=_MEMMAP_MODES[self.mode],
                              offset=g.offset, shape=g.stored_shape)
        if g.mode.packed_4bit:
            return unpack_4bit(np.asarray(array), self.header.nx)
        return array

    # -- life cycle -------------------------------------------------------------
    def flush(self):
        """In ``"r+"`` mode, write the header record and any data changes to disk."""
        if self.mode != "r+":
            return
        if isinstance(self._data, np.memmap):
            self._data.flush()
        if self.header != self._parsed.header:
            raw = MRC2014_HEADER.build(self.header, self.byteorder)
            with io.open(self.path, "r+b") as f:
                f.write(raw)
            self._parsed = parse_header(raw, self.byteorder)

    def close(self):
        """Flush (``"r+"``) and release the memory map."""
        if self.closed:
            return
        self.flush()
        self._data = None
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        state = "closed" if self.closed else f"mode {self.mode!r}"
        return f"<MrcFile {self.path!r} {state} shape={self.geometry.shape} dtype={self.geometry.dtype}>"


def open(path, mode="r", *, permissive=False, byteorder=None):  # noqa: A001 - mirrors builtins.open
    """Open an MRC file: ``"r"`` read-only, ``"c"`` copy-on-write data, ``"r+"`` read-write.

    ``.gz`` and ``.bz2`` files are read transparently (their data in memory).
    ``permissive=True`` opens what it can of a damaged file, turning problems into warnings.
    ``byteorder`` ("<" or ">") overrides the byte order the file declares.
    """
    return MrcFile(path, mode, permissive=permissive, byteorder=byteorder)
