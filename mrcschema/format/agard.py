"""Agard (EXTTYP ``AGAR``, and pre-2014 files whose NINT/NREAL are not SerialEM's) extended
header: per section, NINT int32 then NREAL float32 (IMOD mrc_format.txt: "nint, nreal: number of
integers and reals per section"; 4 bytes each, in the file's byte order).

The record layout depends on the main header's NINT and NREAL, so it is one ``construct`` schema
per pair, made by :func:`agard_layout` and turned into a :class:`~.engine.Layout` by the engine.
"""

from __future__ import annotations

import functools

from .engine import Layout

__all__ = ["agard_layout"]


@functools.lru_cache(maxsize=256)
def agard_layout(nint: int, nreal: int) -> Layout:
    """The record layout for NINT ints and NREAL reals per section (at least one of them > 0)."""
    if nint < 0 or nreal < 0 or nint + nreal == 0:
        raise ValueError(f"NINT {nint} and NREAL {nreal}: an Agard record needs NINT, NREAL >= 0, not both 0")
    from construct import Array, Float32l, Int32sl, Struct  # only for files that have such records

    fields = []
    if nint:
        fields.append("ints" / Array(nint, Int32sl) * "NINT integers per section")
    if nreal:
        fields.append("reals" / Array(nreal, Float32l) * "NREAL reals per section")
    return Layout(f"agar_{nint}_{nreal}", Struct(*fields),
                  doc=f"Agard record: {nint} int32 then {nreal} float32 per section")
