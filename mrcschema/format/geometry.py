"""Reading the main header and working out where the data is and what shape it has.

The checks here are the ones without which the data cannot be located at all
(dimensions, mode, extended-header size, file size); everything that is merely
non-conforming is left to :mod:`mrcschema.validate`.
"""

from __future__ import annotations

import functools
import warnings
from typing import TYPE_CHECKING, Any, cast

from ..errors import MrcFormatError, MrcWarning, location
from .byteorder import detect_byteorder, stamp_byteorder
from .meaning import imod_unsigned_bytes, is_volume_stack
from .modes import (
    MODES,
    NONSTANDARD_MODES,
    READABLE_MODES,
    Mode,
    data_nbytes,
    dtype_text,
    mode_info,
    stored_dtype,
)
from .mrc2014 import (
    HEADER_SIZE,
    IMOD_EXTRA,
    IMOD_EXTRA_OFFSET,
    IMOD_STAMP,
    MRC2014_HEADER,
    PRIISM_MAGIC,
    ImodExtra,
    Mrc2014Header,
    field_bytes,
    header_error,
    header_location,
)
from .records import record

if TYPE_CHECKING:
    import numpy as np

#: numpy cannot address more than this many bytes; larger products are a corrupt header
MAX_DATA_BYTES = 1 << 62


@record
class ParsedHeader:
    """The main header as read: the record, the file's byte order and how it was decided."""

    header: Mrc2014Header  #: the main header record
    byteorder: str  #: "<" or ">"
    byteorder_source: str  #: "stamp" or "guessed"
    raw: bytes  #: the 1024 bytes

    @property
    def imod(self) -> ImodExtra:
        """The IMOD view of bytes 96-195 (nint, nreal, imod_stamp, imod_flags, tilt angles...),
        parsed once per header bytes and byte order."""
        return _imod_view(self.raw, self.byteorder)


@functools.lru_cache(maxsize=64)
def _imod_view(raw: bytes, byteorder: str) -> ImodExtra:
    return IMOD_EXTRA.parse(raw, byteorder, offset=IMOD_EXTRA_OFFSET)


@record
class DataGeometry:
    """Where the data block is, how it is stored and the array shape a user gets."""

    offset: int  #: byte offset of the data block: 1024 + NSYMBT
    byteorder: str  #: the file's byte order, "<" or ">"
    unsigned_bytes: bool  #: mode 0 holds unsigned bytes (IMOD's old files, :func:`unsigned_bytes`)
    stored_shape: tuple  #: shape of the stored block (mode 101: bytes per row)
    shape: tuple  #: shape of the array delivered (after unpacking mode 101)
    nbytes: int  #: bytes the header promises for the data block
    mode: Mode
    sections: int  #: sections present (== NZ unless a permissive open of a truncated file)

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of one stored element, in the file's byte order (numpy imported now)."""
        return stored_dtype(self.mode.number, self.byteorder, unsigned_bytes=self.unsigned_bytes)

    @property
    def dtype_text(self) -> str:
        """:attr:`dtype` as numpy writes it (``float32``, ``>i2``), from the mode table, without numpy."""
        return dtype_text(self.mode.number, self.byteorder, unsigned_bytes=self.unsigned_bytes)


def parse_header(raw: bytes, byteorder=None, *, permissive=False) -> ParsedHeader:
    """Parse 1024 header bytes in the byte order the file declares (or, failing that, implies);
    ``byteorder`` ("<" or ">") overrides both.  ``permissive``: when MODE is a known mode only
    in the order opposite to the stamp's, use that order, with a warning (as mrcfile's
    permissive mode does)."""
    if len(raw) < HEADER_SIZE:
        raise MrcFormatError(
            f"not an MRC file: {len(raw)} bytes long, shorter than the {HEADER_SIZE}-byte MRC header",
            field="header", offset=0,
        )
    if type(raw) is not bytes or len(raw) != HEADER_SIZE:
        raw = bytes(raw[:HEADER_SIZE])
    if byteorder is None:
        order, source = detect_byteorder(raw)
    elif byteorder in ("<", ">"):
        order, source = byteorder, "given"
    else:
        raise ValueError(f"byte order must be '<' or '>', not {byteorder!r}")
    if permissive and source == "stamp":
        other = ">" if order == "<" else "<"
        mode, other_mode = (MRC2014_HEADER.parse(raw, o).mode for o in (order, other))
        if mode not in MODES and other_mode in MODES:
            stamp = field_bytes(raw, "machst").hex(" ")
            warnings.warn(f"{header_location('machst')}: the stamp {stamp} says {_ORDER_NAMES[order]}, "
                          f"but MODE is a known mode ({other_mode}) only read {_ORDER_NAMES[other]}; reading the "
                          f"file {_ORDER_NAMES[other]}", MrcWarning, stacklevel=4)
            order, source = other, "guessed"
    return _PARSED_HEADER._make((MRC2014_HEADER.parse(raw, order), order, source, raw))


#: ``ParsedHeader`` as the record class it is (its fast constructor ``_make``)
_PARSED_HEADER = cast(Any, ParsedHeader)
_ORDER_NAMES = {"<": "little-endian", ">": "big-endian"}
#: MAP of an MRC file: 'MAP ' in MRC2014; mrcfile (and we) accept any 4th byte
#: ('MAP\0' from MotionCor2); validate() flags anything but the space
MAP_ID = b"MAP"


def check_identity(parsed: ParsedHeader, *, permissive=False):
    """The checks that say whether the bytes are an MRC file as declared, made first, as mrcfile's
    open makes them: a Priism/DeltaVision file (its magic where MRC has EXTRA) is refused in both
    modes; MAP must start with 'MAP' (an ``MrcFormatError`` "not an MRC file" naming ``map``
    and its offset; a warning when ``permissive``); a machine stamp that is neither little- nor
    big-endian's is a warning saying which byte order was guessed (both modes: MRC2014 readers
    must cope with such stamps)."""
    h = parsed.header
    creatid_field = IMOD_EXTRA.field("creatid")
    start = IMOD_EXTRA_OFFSET + creatid_field.offset
    creatid = parsed.raw[start:start + creatid_field.size]
    if h.map[:3] != MAP_ID and PRIISM_MAGIC in (int.from_bytes(creatid, order, signed=True)
                                               for order in ("little", "big")):
        raise header_error("creatid", f"a Priism/DeltaVision file (magic {PRIISM_MAGIC}), not MRC: its header "
                                      "has another layout; read it with a DeltaVision reader (e.g. the 'mrc' package)")
    if h.map[:3] != MAP_ID:
        from .values import show  # only for a file that is not MRC

        message = (f"not an MRC file: MAP is {show(h.map)}, expected 'MAP ' (and NX {h.nx}, NY {h.ny}, NZ {h.nz}, "
                   f"MODE {h.mode})")
        if not permissive or not _damaged_but_mrc(h):
            raise header_error("map", message)
        warnings.warn(f"{header_location('map')}: {message}; reading the file anyway", MrcWarning, stacklevel=4)
    if parsed.byteorder_source == "guessed" and stamp_byteorder(h.machst) is None:
        warnings.warn(f"{header_location('machst')}: machine stamp {h.machst.hex(' ')} is neither little-endian's "
                      f"(44 44 or 44 41) nor big-endian's (11 11); byte order guessed from MODE and the "
                      f"dimensions: {_ORDER_NAMES[parsed.byteorder]}", MrcWarning, stacklevel=4)
    if h.mode in NONSTANDARD_MODES:
        warnings.warn(f"{header_location('mode')}: MODE {h.mode} ({NONSTANDARD_MODES[h.mode].doc}) is not an "
                      "MRC2014 mode; reading it anyway", MrcWarning, stacklevel=4)


#: dimensions a damaged-but-real MRC header may have; beyond them, bytes without MAP are not MRC
PLAUSIBLE_DIMENSION = 1 << 24


def _damaged_but_mrc(h) -> bool:
    """Whether a header without the MAP identifier still reads as MRC (a known mode, sane
    dimensions and NSYMBT): permissive opens read those (a damaged MAP), never a text or PNG file."""
    return (h.mode in READABLE_MODES and all(0 <= n < PLAUSIBLE_DIMENSION for n in (h.nx, h.ny, h.nz))
            and 0 <= h.nsymbt < 1 << 31)


def unsigned_bytes(parsed: ParsedHeader) -> bool:
    """Mode-0 bytes are unsigned only where IMOD's stamp is present without the 'signed' flag
    and the file does not claim MRC2014 (which made mode 0 signed)."""
    imod = parsed.imod
    return imod_unsigned_bytes(imod.imod_stamp == IMOD_STAMP, imod.imod_flags, parsed.header.nversion)


def _check_dimensions(header):
    """NX, NY, NZ may be 0 (an empty data block: what ``mrcfile.new()`` writes before data is
    set; validation reports it), never negative."""
    for name in ("nx", "ny", "nz"):
        value = getattr(header, name)
        if value < 0:
            raise header_error(name, f"{name.upper()} is {value}, expected a positive number (or 0: no data)")


def check_structure(header) -> int:
    """The header-only checks without which the data cannot be located or typed (dimensions,
    mode, NSYMBT sign, size of the data block); returns the bytes the header declares:
    1024 + NSYMBT + data.  Needs no file size, so it runs before a compressed file is inflated."""
    h = header
    _check_dimensions(h)
    mode_info(h.mode)
    if h.nsymbt < 0:
        raise header_error("nsymbt", f"NSYMBT is {h.nsymbt}, expected >= 0")
    nbytes = data_nbytes(h.mode, h.nx, h.ny, h.nz)
    if nbytes > MAX_DATA_BYTES:
        raise header_error(
            "nx", f"NX * NY * NZ = {h.nx} * {h.ny} * {h.nz} gives {nbytes} bytes, more than any file can hold")
    return HEADER_SIZE + h.nsymbt + nbytes


def data_geometry(parsed: ParsedHeader, file_size: int, *, permissive=False, checked=False) -> DataGeometry:
    """Locate the data block, checking it against the file size before anything is allocated.

    ``permissive``: an extended header running past the end of the file, or a data block shorter
    than the header promises, give the whole sections present (maybe none), with a warning.  A
    file longer than the header declares is read, with a warning (both modes)."""
    h = parsed.header
    if not checked:  # ``checked``: the caller ran check_structure on this header (open does, first)
        check_structure(h)
    mode = mode_info(h.mode)
    offset = HEADER_SIZE + h.nsymbt
    nbytes = data_nbytes(h.mode, h.nx, h.ny, h.nz)
    section_bytes = nbytes // h.nz if h.nz else 0
    sections = h.nz
    if offset > file_size:
        message = f"extended header of {h.nsymbt} bytes runs past the end of the {file_size}-byte file"
        if not permissive:
            raise header_error("nsymbt", message)
        warnings.warn(f"{header_location('nsymbt')}: {message}; no data", MrcWarning, stacklevel=4)
        sections = 0
    elif file_size - offset < nbytes:
        available = file_size - offset
        message = (f"data block is {available} bytes, the header promises {nbytes} "
                   f"(NX {h.nx} x NY {h.ny} x NZ {h.nz}, mode {h.mode})")
        sections = available // section_bytes
        if not permissive:
            raise MrcFormatError(message, field="data", offset=offset)
        warnings.warn(f"{location('data', offset)}: {message}; reading the {sections} whole sections present",
                      MrcWarning, stacklevel=4)
    elif file_size - offset > nbytes:
        extra = file_size - offset - nbytes
        warnings.warn(f"{location('data', offset + nbytes)}: the file is {extra} bytes longer than the header "
                      f"declares (1024 + NSYMBT {h.nsymbt} + {nbytes} bytes of data); the rest is ignored",
                      MrcWarning, stacklevel=4)
    unsigned = h.mode == 0 and unsigned_bytes(parsed)
    shape = _array_shape(h, sections, permissive)
    row = ((h.nx + 1) // 2,) if mode.packed_4bit else (h.nx,)
    stored = shape[:-1] + row
    if mode.samples_per_pixel > 1:
        shape = stored = shape + (mode.samples_per_pixel,)
    return DataGeometry(offset, parsed.byteorder, unsigned, stored, shape, nbytes, mode, sections)


def _array_shape(h, sections, permissive):
    """mrcfile's rule: (ny, nx) for a single image (ISPG 0, NZ 1); (nz // mz, mz, ny, nx) for a
    volume stack (ISPG 401-630); (nz, ny, nx) for everything else, a volume with NZ 1 included.
    The header's NZ decides the rank, so a truncated file keeps it (``sections`` present; a single
    image with no whole section present is an empty ``(0, ny, nx)``)."""
    if is_volume_stack(h.ispg):
        if h.mz > 0 and sections % h.mz == 0:
            return (sections // h.mz, h.mz, h.ny, h.nx)
        present = "" if sections == h.nz else f" ({sections} sections present)"
        warnings.warn(
            f"{header_location('mz')}: ISPG {h.ispg} marks a volume stack but NZ {h.nz}{present} is not a "
            f"multiple of MZ {h.mz}; reading the data as a stack of sections", MrcWarning, stacklevel=5,
        )
    if h.ispg == 0 and h.nz == 1 and sections == 1:
        return (h.ny, h.nx)
    return (sections, h.ny, h.nx)
