"""MODE numbers and the numpy dtypes of the data block.

MRC2014 (CCP-EM page and the 20141 update) defines modes 0, 1, 2, 3, 4, 6, 12 and
101; IMOD adds 16 (RGB).  Mode 0 is signed per MRC2014; IMOD files written before
IMOD 4.2.23 hold unsigned bytes, which IMOD marks by its stamp without flag bit 1.

Modes 7 (int32) and 8 (uint32) are not MRC2014: Priism/DeltaVision tools and mrcz write them.
They are read (:data:`NONSTANDARD_MODES`, with a warning on open) but never written, and
validation reports them (``MRC2014-MODE`` checks :data:`MODES` only).
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np

from .mrc2014 import header_error
from .records import record

#: a byte order as numpy spells it
ByteOrder = Literal["<", ">"]


@record
class Mode:
    """One data mode: its number, the numpy dtype of one stored item, and what it holds."""

    number: int
    dtype: np.dtype  #: little-endian dtype of one stored element
    doc: str
    samples_per_pixel: int = 1  #: 3 for RGB (an extra trailing axis)
    packed_4bit: bool = False  #: mode 101: two pixels per byte, rows padded to whole bytes
    name: str = ""  #: the type in a word or two, as ``dump`` shows it ("float32", "complex int16")

    @property
    def is_complex(self) -> bool:
        """Transforms (modes 3, 4): each value a complex number."""
        return self.dtype.kind == "c" or self.dtype.names is not None

    @property
    def kind(self) -> str:
        """"integer", "float", "complex", "rgb" or "packed" (mode 101)."""
        if self.is_complex:
            return "complex"
        if self.samples_per_pixel > 1:
            return "rgb"
        if self.packed_4bit:
            return "packed"
        return "float" if self.dtype.kind == "f" else "integer"

    @property
    def signed(self) -> bool:
        """Whether stored values carry a sign (mode 0: as MRC2014 says; see
        :func:`mrcschema.format.meaning.imod_unsigned_bytes` for IMOD's older files)."""
        base = self.dtype[0] if self.dtype.names else self.dtype
        return base.kind in "ifc"

    @property
    def item_bytes(self) -> int:
        """Bytes of one stored value (a complex pair counts as one; RGB one sample)."""
        return self.dtype.itemsize


MODES = {
    0: Mode(0, np.dtype("i1"), "8-bit signed integer (range -128 to 127)", name="int8"),
    1: Mode(1, np.dtype("<i2"), "16-bit signed integer", name="int16"),
    2: Mode(2, np.dtype("<f4"), "32-bit signed real", name="float32"),
    3: Mode(3, np.dtype([("real", "<i2"), ("imag", "<i2")]), "transform: complex 16-bit integers", name="complex int16"),
    4: Mode(4, np.dtype("<c8"), "transform: complex 32-bit reals", name="complex float32"),
    6: Mode(6, np.dtype("<u2"), "16-bit unsigned integer", name="uint16"),
    12: Mode(12, np.dtype("<f2"), "16-bit float (IEEE754 binary16)", name="float16"),
    16: Mode(16, np.dtype("u1"), "IMOD RGB: three unsigned bytes per pixel (non-standard)", samples_per_pixel=3,
             name="RGB uint8"),
    101: Mode(101, np.dtype("u1"), "4-bit data packed two per byte (read as uint8)", packed_4bit=True, name="4-bit packed"),
}

#: modes outside MRC2014 that real files carry: read with a warning, never written
NONSTANDARD_MODES = {
    7: Mode(7, np.dtype("<i4"), "32-bit signed integer (not MRC2014: Priism/DeltaVision, mrcz)", name="int32"),
    8: Mode(8, np.dtype("<u4"), "32-bit unsigned integer (not MRC2014: Priism/DeltaVision, mrcz)",
            name="uint32"),
}
#: IMOD's RGB mode (not MRC2014: validation warns)
IMOD_RGB_MODE = 16
#: MODE values MRC2014 (with the 20141 update) defines
MRC2014_MODES = tuple(number for number in MODES if number != IMOD_RGB_MODE)
#: every mode this library reads
READABLE_MODES = {**MODES, **NONSTANDARD_MODES}

#: numpy dtype -> mode, for writing
DTYPE_TO_MODE: dict[np.dtype, int] = {
    np.dtype("i1"): 0, np.dtype("i2"): 1, np.dtype("f4"): 2, np.dtype("c8"): 4,
    np.dtype("u2"): 6, np.dtype("f2"): 12,
}


def mode_info(mode: int) -> Mode:
    """The :class:`Mode` for ``mode``, or an :class:`MrcFormatError` naming the field."""
    try:
        return READABLE_MODES[int(mode)]
    except KeyError:
        known = ", ".join(str(m) for m in sorted(READABLE_MODES))
        raise header_error("mode", f"unknown mode {mode}, expected one of {known}") from None


def stored_dtype(mode: int, byteorder: str, *, unsigned_bytes: bool = False) -> np.dtype:
    """The dtype of one stored element in the file's byte order."""
    info = mode_info(mode)
    if info.number == 0 and unsigned_bytes:
        return np.dtype("u1")
    return info.dtype.newbyteorder(cast(ByteOrder, byteorder)) if info.dtype.itemsize > 1 else info.dtype


def data_nbytes(mode: int, nx: int, ny: int, nz: int) -> int:
    """Size in bytes of the data block (mode 101 rows hold ceil(nx / 2) bytes)."""
    info = mode_info(mode)
    if info.packed_4bit:
        return nz * ny * ((nx + 1) // 2)
    return nx * ny * nz * info.dtype.itemsize * info.samples_per_pixel


def unpack_4bit(packed: np.ndarray, nx: int) -> np.ndarray:
    """Mode 101 -> uint8: the first pixel of each byte is in the low 4 bits (IMOD doc)."""
    out = np.empty(packed.shape[:-1] + (packed.shape[-1] * 2,), dtype=np.uint8)
    out[..., 0::2] = packed & 0x0F
    out[..., 1::2] = packed >> 4
    return out[..., :nx]


def pack_4bit(values: np.ndarray) -> np.ndarray:
    """uint8 values 0-15 -> mode 101 bytes, rows padded to whole bytes."""
    values = np.asarray(values, dtype=np.uint8)
    if values.shape[-1] % 2:
        values = np.concatenate([values, np.zeros(values.shape[:-1] + (1,), np.uint8)], axis=-1)
    return (values[..., 0::2] & 0x0F) | ((values[..., 1::2] & 0x0F) << 4)


def imod_shifted_to_unsigned(values: np.ndarray) -> np.ndarray:
    """IMOD's "signed bytes stored shifted" (mrcfile issue 69): unsigned values 0-255 written as mode-0
    bytes minus 128, so an IMOD mask reads as -128/-127.  An explicit step, since nothing in the
    header says a file was written so: ``imod_shifted_to_unsigned(f.data)`` gives the uint8 values
    (value + 128, exact, through the bit pattern: no widening)."""
    values = np.asarray(values)
    if values.dtype != np.int8:
        raise ValueError(f"IMOD's shifted bytes are mode-0 int8 data, not {values.dtype}")
    return values.view(np.uint8) ^ np.uint8(0x80)
