"""Byte order of a file, from its machine stamp (MACHST) or, failing that, from its numbers.

MRC2014: "in practice it is safe to use 0x44 0x44 0x00 0x00 for little endian machines,
and 0x11 0x11 0x00 0x00 for big endian machines"; CCP4 and IMOD write 0x44 0x41 for
little-endian.  Real files also carry zeroed stamps, SerialEM's 0x44 0x00 0x00 0x00 and
junk; for those the order is the one under which MODE is a known mode and NX, NY, NZ are
sane, as the old FEI note suggests ("if NX < 0 or > 10000 the file format is reversed").
"""

from __future__ import annotations

import sys

from .meaning import MACHINE_STAMP, STANDARD_STAMPS, stamp_byteorder
from .modes import MODES
from .mrc2014 import field_bytes, header_values

__all__ = ["MACHINE_STAMP", "STANDARD_STAMPS", "stamp_byteorder", "detect_byteorder", "byteorder_argument"]


def _plausibility(header: bytes, order: str) -> int:
    """A score: how many of MODE, NX, NY, NZ, NSYMBT look right when read in ``order``."""
    values = header_values(header, order)
    nx, ny, nz, mode, nsymbt = (int(values[name]) for name in ("nx", "ny", "nz", "mode", "nsymbt"))
    score = 2 * (mode in MODES)
    score += sum(0 < n < 1 << 20 for n in (nx, ny, nz))
    score += 0 <= nsymbt < 1 << 28
    return score


def detect_byteorder(header: bytes):
    """Return (byteorder, how) for a 1024-byte header; ``how`` is "stamp" or "guessed"."""
    order = stamp_byteorder(field_bytes(header, "machst"))
    if order is not None:
        return order, "stamp"
    little, big = _plausibility(header, "<"), _plausibility(header, ">")
    return (">" if big > little else "<"), "guessed"


NATIVE = "<" if sys.byteorder == "little" else ">"
#: what the ``byteorder`` argument of ``open``, ``read_header``, ``write`` and ``new`` accepts
BYTEORDER_NAMES = {"<": "<", "little": "<", ">": ">", "big": ">", "=": NATIVE, "native": NATIVE, "|": NATIVE}


def byteorder_argument(value, default=None):
    """A ``byteorder`` argument as "<" or ">": "<"/"little", ">"/"big", "="/"native"/"|" (this
    machine's); None gives ``default`` (``open`` and ``read_header``: None, the file's own order)."""
    if value is None:
        return default
    try:
        return BYTEORDER_NAMES[value]
    except (KeyError, TypeError):
        raise ValueError(f"byteorder must be one of {', '.join(map(repr, BYTEORDER_NAMES))} or None, "
                         f"not {value!r}") from None
