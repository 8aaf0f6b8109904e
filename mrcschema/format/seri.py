"""SerialEM (EXTTYP ``SERI``) extended header: the per-section items, as one ``construct`` schema,
and the ``nreal`` flag and decoding of each.

Source: "The MRC file format used by IMOD" (https://bio3d.colorado.edu/imod/doc/mrc_format.txt)
and IMOD's ``libcfshr/extraheader.c`` / ``b3dHeaderItemBytes`` (item sizes, ``SEMshortsToFloat``);
the transcribed table with sources is ``specs/seri_flags.csv`` (the conformance tests hold this
module to it).

Unlike the FEI records, a SerialEM record has no fixed layout. In the IMOD view of EXTRA
(``mrc2014.IMOD_EXTRA``) ``nint`` is the number of bytes per section and ``nreal`` a set of bit
flags saying which items are present. Each section's record starts at ``z * nint`` in the
extended header and holds the present items in increasing flag order, packed without padding, in
the byte order of the file. "The short integers are signed, except for piece coordinates".

So the schema below lists every item once, in flag order (:data:`SERI`, a 34-byte layout no file
holds whole), and a file's record layout is the subset its flags announce (:func:`seri_layout`),
made by the engine: dtype (either byte order), record class and field table included.

A header is SerialEM-style iff nint >= 0, nreal >= 0, nint + nreal != 0, nreal < 2**11 and the
item sizes of the set flags add up to nint; otherwise nint and nreal count ints and floats per
section (Agard / old FEI, 4 bytes each) (IMOD ``extraIsNbytesAndFlags``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._generated import seri as _compiled
from ._generated.seri import SeriRecord
from .engine import Field, Layout, Schemas
from .records import record

if TYPE_CHECKING:
    import numpy as np
else:  # the item table needs no numpy; decoding records does
    from .deferred import numpy as np

__all__ = [
    "SERI",
    "SERI_ITEMS",
    "SeriRecord",
    "SeriItem",
    "is_seri_header",
    "sem_shorts_to_float",
    "sem_shorts_to_float_array",
    "seri_items",
    "seri_layout",
    "seri_record_nbytes",
]

def _define_schemas() -> dict[str, Any]:
    """The schema of this module, written with ``construct`` (imported here: reading a file uses the
    forms generated from it, ``format/_generated/``)."""
    from construct import Array, Bytes, Int16sl, Int16ul, Struct

    #: Every SerialEM item, in storage (flag) order; doc strings quoted from IMOD's mrc_format.txt.
    SERI_RECORD = Struct(
        "tilt_angle" / Int16sl * "Tilt angle in degrees * 100",
        "piece_coordinates" / Array(3, Int16ul) * (
            "X, Y, Z piece coordinates for montage (unsigned, unlike the other shorts)"
        ),
        "stage_position" / Array(2, Int16sl) * "X, Y stage position in microns * 25",
        "magnification" / Int16sl * "Magnification / 100",
        "intensity" / Int16sl * "Intensity * 25000",
        "exposure_dose" / Array(2, Int16sl) * (
            "Exposure dose in e-/A2, a float in 4 bytes (two shorts, decoded by SEMshortsToFloat)"
        ),
        "reserved_64" / Bytes(2) * "Reserved for 2-byte items",
        "reserved_128" / Bytes(4) * "Reserved for 4-byte items",
        "reserved_256" / Bytes(2) * "Reserved for 2-byte items",
        "reserved_512" / Bytes(4) * "Reserved for 4-byte items",
        "reserved_1024" / Bytes(2) * "Reserved for 2-byte items",
    )

    return {"SERI_RECORD": SERI_RECORD}


#: the schema above, built when first asked for (``SERI_RECORD``)
SCHEMAS = Schemas(_define_schemas)


def __getattr__(name: str) -> Any:
    return SCHEMAS.module_getattr(name)


SERI = Layout("seri", _compiled.SERI_RECORD, schema=lambda: SCHEMAS.build()["SERI_RECORD"],
              doc="every SerialEM item in flag order (a file's records hold those its NREAL flags announce)")


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


def sem_shorts_to_float_array(pairs) -> np.ndarray:
    """:func:`sem_shorts_to_float` over an ``(n, 2)`` int16 array, vectorised (a Python loop would
    take seconds for a large damaged block): same values, exactly."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    low, high = pairs[:, 0], pairs[:, 1]
    value = np.abs(low) * 256 + np.abs(high) % 256
    exponent = (np.abs(high) // 256) * np.where(high < 0, -1, 1)
    return np.ldexp(np.where(low < 0, -value, value).astype(np.float64), exponent)


#: item -> (its flag in ``nreal``, how a stored value becomes the physical one: a float multiplier
#: (value = stored * scale), a function of the stored column, or None for the reserved items; the
#: unit of the physical value)
_FLAGS_AND_DECODING: dict[str, tuple[int, Any, str]] = {
    "tilt_angle": (1, 0.01, "deg"),
    "piece_coordinates": (2, 1.0, "px"),
    "stage_position": (4, 0.04, "um"),
    "magnification": (8, 100.0, ""),
    "intensity": (16, 1.0 / 25000.0, ""),
    "exposure_dose": (32, sem_shorts_to_float_array, "e-/A^2"),
    "reserved_64": (64, None, ""),
    "reserved_128": (128, None, ""),
    "reserved_256": (256, None, ""),
    "reserved_512": (512, None, ""),
    "reserved_1024": (1024, None, ""),
}


@record
class SeriItem:
    """One SerialEM item: its field in :data:`SERI`, the ``nreal`` bit that announces it and how its
    stored value decodes."""

    flag: int  #: value of the bit in ``nreal`` (1, 2, 4, ...)
    field: Field  #: name, size, type and doc, from the schema
    decoding: float | Callable | None  #: see ``_FLAGS_AND_DECODING``
    unit: str  #: unit of the decoded value ("" for numbers without one)

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def nbytes(self) -> int:
        """Bytes the item takes in each section record."""
        return self.field.size

    @property
    def decoding_text(self) -> str:
        """How the stored value decodes, for people: ``"x 0.01 -> deg"``, ``"SEMshortsToFloat"``..."""
        if self.decoding is None:
            return "reserved (raw bytes)"
        how = "SEMshortsToFloat" if callable(self.decoding) else f"x {self.decoding:g}"
        return f"{how} -> {self.unit}" if self.unit else how

    def decode(self, stored: np.ndarray) -> np.ndarray | None:
        """The physical values of a column of stored items (float64), as IMOD decodes them; None
        for a reserved item."""
        if self.decoding is None:
            return None
        if callable(self.decoding):
            return self.decoding(stored)
        return stored.astype(np.float64) * self.decoding


#: The SerialEM items in storage order (increasing flag).
SERI_ITEMS: tuple[SeriItem, ...] = tuple(
    SeriItem(_FLAGS_AND_DECODING[f.name][0], f, *_FLAGS_AND_DECODING[f.name][1:]) for f in SERI.fields
)

assert [item.name for item in SERI_ITEMS] == list(_FLAGS_AND_DECODING)
assert [item.flag for item in SERI_ITEMS] == [1 << bit for bit in range(len(SERI_ITEMS))], "flags in storage order"


def seri_items(nreal: int) -> list[SeriItem]:
    """The items present in each record for the flag word ``nreal``, in storage order."""
    return [item for item in SERI_ITEMS if nreal & item.flag]


def seri_record_nbytes(nreal: int) -> int:
    """Bytes per section implied by the flag word ``nreal`` (bits above 10 are ignored)."""
    return sum(item.nbytes for item in seri_items(nreal))


def is_seri_header(nint: int, nreal: int) -> bool:
    """IMOD's rule: are ``nint``/``nreal`` SerialEM "bytes per section and flags"?"""
    return (
        nint >= 0
        and nreal >= 0
        and nint + nreal != 0
        and nreal < 1 << len(SERI_ITEMS)
        and seri_record_nbytes(nreal) == nint
    )


@functools.lru_cache(maxsize=256)
def seri_layout(nreal: int) -> Layout:
    """The record layout for the flag word ``nreal``: the items it announces, packed, in flag order
    (``nreal`` must announce at least one item)."""
    items = seri_items(nreal)
    if not items:
        raise ValueError(f"NREAL {nreal} announces no SerialEM item")
    return SERI.subset([item.name for item in items], f"seri_{nreal}", recipe=(__name__, "seri_layout", (nreal,)),
                       doc=f"SerialEM record for NREAL {nreal}: " + ", ".join(item.name for item in items))
