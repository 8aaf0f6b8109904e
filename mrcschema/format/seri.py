"""SerialEM (EXTTYP ``SERI``) extended header: the per-section items and their flags.

Source: "The MRC file format used by IMOD" (https://bio3d.colorado.edu/imod/doc/mrc_format.txt)
and IMOD's ``libcfshr/extraheader.c`` / ``b3dHeaderItemBytes`` (item sizes, ``SEMshortsToFloat``);
the transcribed table with sources is ``specs/seri_flags.csv``.

Unlike the FEI records, a SerialEM record has no fixed layout. In the main header (IMOD view of
EXTRA) ``nint`` (int16, offset 128) is the number of bytes per section and ``nreal`` (int16,
offset 130) is a set of bit flags saying which items are present. Each section's record starts
at ``z * nint`` in the extended header and holds the present items in increasing flag order,
packed without padding, in the byte order of the file. "The short integers are signed, except
for piece coordinates". The schemas here are written little-endian (``<``) like every other
schema; swap them for big-endian files.

A header is SerialEM-style iff nint >= 0, nreal >= 0, nint + nreal != 0, nreal < 2**11 and the
item sizes of the set flags add up to nint; otherwise nint and nreal count ints and floats per
section (Agard / old FEI, 4 bytes each) (IMOD ``extraIsNbytesAndFlags``).
"""

from __future__ import annotations

from typing import NamedTuple, Union

__all__ = [
    "SeriFlag",
    "SERI_FLAGS",
    "SERI_ITEM_BYTES",
    "seri_items",
    "seri_record_nbytes",
    "is_seri_header",
    "sem_shorts_to_float",
]


class SeriFlag(NamedTuple):
    """One SerialEM item: which ``nreal`` bit announces it and how its bytes decode."""

    flag: int  #: value of the bit in ``nreal`` (1, 2, 4, ...)
    name: str  #: item name (snake_case, as in specs/seri_flags.csv)
    nbytes: int  #: bytes the item takes in each section record
    dtype: str  #: numpy dtype of one stored element (little-endian; ``V`` = raw bytes)
    count: int  #: number of stored elements (nbytes == count * itemsize)
    #: How to get the value: a float multiplier (value = raw * scale), the name of a
    #: decoder function in this module, or None for reserved (undefined) items.
    scale: Union[float, str, None]


#: The SerialEM items in storage order (increasing flag). Doc strings quoted from IMOD.
SERI_FLAGS: list[SeriFlag] = [
    # "Tilt angle in degrees * 100"                       -> deg
    SeriFlag(1, "tilt_angle", 2, "<i2", 1, 0.01),
    # "X, Y, Z piece coordinates for montage" (unsigned)  -> pixels
    SeriFlag(2, "piece_coordinates", 6, "<u2", 3, 1.0),
    # "X, Y stage position in microns * 25"               -> um
    SeriFlag(4, "stage_position", 4, "<i2", 2, 0.04),
    # "Magnification / 100"
    SeriFlag(8, "magnification", 2, "<i2", 1, 100.0),
    # "Intensity * 25000"
    SeriFlag(16, "intensity", 2, "<i2", 1, 1.0 / 25000.0),
    # "Exposure dose in e-/A2, a float in 4 bytes"        -> e-/A^2, two shorts packed
    SeriFlag(32, "exposure_dose", 4, "<i2", 2, "sem_shorts_to_float"),
    # "Reserved for 2-byte items" / "Reserved for 4-byte items"
    SeriFlag(64, "reserved_64", 2, "V2", 1, None),
    SeriFlag(128, "reserved_128", 4, "V4", 1, None),
    SeriFlag(256, "reserved_256", 2, "V2", 1, None),
    SeriFlag(512, "reserved_512", 4, "V4", 1, None),
    SeriFlag(1024, "reserved_1024", 2, "V2", 1, None),
]

#: Item sizes for bits 0..10 (IMOD ``b3dHeaderItemBytes``).
SERI_ITEM_BYTES: tuple[int, ...] = tuple(item.nbytes for item in SERI_FLAGS)

assert SERI_ITEM_BYTES == (2, 6, 4, 2, 2, 4, 2, 4, 2, 4, 2)


def seri_items(nreal: int) -> list[SeriFlag]:
    """The items present in each record for the flag word ``nreal``, in storage order."""
    return [item for item in SERI_FLAGS if nreal & item.flag]


def seri_record_nbytes(nreal: int) -> int:
    """Bytes per section implied by the flag word ``nreal`` (bits above 10 are ignored)."""
    return sum(item.nbytes for item in seri_items(nreal))


def is_seri_header(nint: int, nreal: int) -> bool:
    """IMOD's rule: are ``nint``/``nreal`` SerialEM "bytes per section and flags"?"""
    return (
        nint >= 0
        and nreal >= 0
        and nint + nreal != 0
        and nreal < 1 << len(SERI_FLAGS)
        and seri_record_nbytes(nreal) == nint
    )


def sem_shorts_to_float(low: int, high: int) -> float:
    """Decode SerialEM's packed float (IMOD ``SEMshortsToFloat``).

    value = (sign of s1) * (|s1| * 256 + (|s2| modulo 256)) * 2 ** ((sign of s2) * (|s2| / 256)),
    with integer division.
    """
    value_sign = -1 if low < 0 else 1
    exponent_sign = -1 if high < 0 else 1
    low, high = abs(low), abs(high)
    value = low * 256 + high % 256
    exponent = high // 256
    return float(value_sign * value) * 2.0 ** (exponent * exponent_sign)
