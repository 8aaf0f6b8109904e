"""Reading the main header and working out where the data is and what shape it has.

The checks here are the ones without which the data cannot be located at all
(dimensions, mode, extended-header size, file size); everything that is merely
non-conforming is left to :mod:`mrcschema.validate`.
"""

from __future__ import annotations

import os
import warnings

import attrs
import numpy as np

from .byteorder import detect_byteorder
from .errors import MrcFormatError, MrcWarning
from .modes import Mode, data_nbytes, mode_info, stored_dtype
from .schemas.mrc2014 import IMOD_EXTRA, IMOD_EXTRA_OFFSET, IMOD_STAMP, MRC2014_HEADER

HEADER_SIZE = MRC2014_HEADER.size
#: numpy cannot address more than this many bytes; larger products are a corrupt header
MAX_DATA_BYTES = 1 << 62


@attrs.frozen
class ParsedHeader:
    """The main header as read: the record, the file's byte order and how it was decided."""

    header: object  #: the :class:`Mrc2014Header` record
    byteorder: str  #: "<" or ">"
    byteorder_source: str  #: "stamp" or "guessed"
    raw: bytes  #: the 1024 bytes

    @property
    def imod(self):
        """The IMOD view of bytes 96-195 (nint, nreal, imod_stamp, imod_flags, tilt angles...)."""
        return IMOD_EXTRA.parse(self.raw, self.byteorder, offset=IMOD_EXTRA_OFFSET)


@attrs.frozen
class DataGeometry:
    """Where the data block is, how it is stored and the array shape a user gets."""

    offset: int  #: byte offset of the data block: 1024 + NSYMBT
    dtype: np.dtype  #: dtype of one stored element, in the file's byte order
    stored_shape: tuple  #: shape of the stored block (mode 101: bytes per row)
    shape: tuple  #: shape of the array delivered (after unpacking mode 101)
    nbytes: int  #: bytes the header promises for the data block
    mode: Mode
    sections: int  #: sections present (== NZ unless a permissive open of a truncated file)


def parse_header(raw: bytes, byteorder=None) -> ParsedHeader:
    """Parse 1024 header bytes in the byte order the file declares (or, failing that, implies);
    ``byteorder`` ("<" or ">") overrides both."""
    if len(raw) < HEADER_SIZE:
        raise MrcFormatError(
            f"file is {len(raw)} bytes long, shorter than the {HEADER_SIZE}-byte MRC header",
            field="header", offset=0,
        )
    raw = bytes(raw[:HEADER_SIZE])
    if byteorder is None:
        order, source = detect_byteorder(raw)
    elif byteorder in ("<", ">"):
        order, source = byteorder, "given"
    else:
        raise ValueError(f"byte order must be '<' or '>', not {byteorder!r}")
    return ParsedHeader(MRC2014_HEADER.parse(raw, order), order, source, raw)


def read_header(path):
    """Read only the main header of ``path`` (plain or compressed) and return the record."""
    from .compressed import open_source

    with open_source(path) as source:
        return parse_header(source.read_header()).header


def unsigned_bytes(parsed: ParsedHeader) -> bool:
    """Mode-0 bytes are unsigned only where IMOD's stamp is present without the 'signed' flag
    and the file does not claim MRC2014 (which made mode 0 signed)."""
    imod = parsed.imod
    return imod.imod_stamp == IMOD_STAMP and not imod.imod_flags & 1 and parsed.header.nversion < 20140


def _check_positive(header):
    for name, offset in (("nx", 0), ("ny", 4), ("nz", 8)):
        value = getattr(header, name)
        if value <= 0:
            raise MrcFormatError(f"{name.upper()} is {value}, expected a positive number", field=name, offset=offset)


def data_geometry(parsed: ParsedHeader, file_size: int, *, permissive=False) -> DataGeometry:
    """Locate the data block, checking it against the file size before anything is allocated."""
    h = parsed.header
    _check_positive(h)
    mode = mode_info(h.mode)
    if h.nsymbt < 0:
        raise MrcFormatError(f"NSYMBT is {h.nsymbt}, expected >= 0", field="nsymbt", offset=92)
    offset = HEADER_SIZE + h.nsymbt
    if offset > file_size:
        raise MrcFormatError(
            f"extended header of {h.nsymbt} bytes runs past the end of the {file_size}-byte file",
            field="nsymbt", offset=92,
        )
    nbytes = data_nbytes(h.mode, h.nx, h.ny, h.nz)
    if nbytes > MAX_DATA_BYTES:
        raise MrcFormatError(
            f"NX * NY * NZ = {h.nx} * {h.ny} * {h.nz} gives {nbytes} bytes, more than any file can hold",
            field="nx", offset=0,
        )
    section_bytes = nbytes // h.nz
    available = file_size - offset
    sections = h.nz
    if available < nbytes:
        message = (f"data block is {available} bytes, the header promises {nbytes} "
                   f"(NX {h.nx} x NY {h.ny} x NZ {h.nz}, mode {h.mode})")
        sections = available // section_bytes
        if not permissive or sections == 0:
            raise MrcFormatError(message, field="data", offset=offset)
        warnings.warn(f"{message}; reading the {sections} whole sections present", MrcWarning, stacklevel=3)
    dtype = stored_dtype(h.mode, parsed.byteorder, unsigned_bytes=h.mode == 0 and unsigned_bytes(parsed))
    shape = _array_shape(h, sections, permissive)
    row = ((h.nx + 1) // 2,) if mode.packed_4bit else (h.nx,)
    stored = shape[:-1] + row
    if mode.samples_per_pixel > 1:
        shape = stored = shape + (mode.samples_per_pixel,)
    return DataGeometry(offset, dtype, stored, shape, nbytes, mode, sections)


def _array_shape(h, sections, permissive):
    """(nz, ny, nx); (ny, nx) for a single section; (nz // mz, mz, ny, nx) for a volume stack."""
    if 401 <= h.ispg <= 630:
        if h.mz > 0 and sections % h.mz == 0:
            return (sections // h.mz, h.mz, h.ny, h.nx)
        warnings.warn(
            f"ISPG {h.ispg} marks a volume stack but NZ {sections} is not a multiple of MZ {h.mz}; "
            "reading the data as a stack of sections", MrcWarning, stacklevel=4,
        )
    if sections == 1:
        return (h.ny, h.nx)
    return (sections, h.ny, h.nx)


def file_size_of(path) -> int:
    """Size in bytes of a regular file."""
    return os.stat(path).st_size
