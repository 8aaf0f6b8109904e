"""Agard (EXTTYP ``AGAR``, and pre-2014 files whose NINT/NREAL are not SerialEM's) extended
header: per section, NINT int32 then NREAL float32 (IMOD mrc_format.txt: "nint, nreal: number of
integers and reals per section"; 4 bytes each, in the file's byte order).

The record's shape depends on the main header's NINT and NREAL, so the schema is a template of
one int and one real, compiled like every layout (``format/_generated/agard.py``: the
:class:`AgardRecord` class, field table, formats, dtype); :func:`agard_layout` resizes it to NINT
ints and NREAL reals (a field with no element is left out).
"""

from __future__ import annotations

import functools
from typing import Any

from ._generated import agard as _compiled
from ._generated.agard import AgardRecord
from .engine import Layout, Schemas

__all__ = ["AGARD", "AgardRecord", "agard_layout"]


def _define_schemas() -> dict[str, Any]:
    """The schema of this module, written with ``construct`` (built by the compiler and the tests
    only): one element of each array; a file's counts come from NINT and NREAL."""
    from construct import Array, Float32l, Int32sl, Struct

    AGARD_RECORD = Struct(
        "ints" / Array(1, Int32sl) * "NINT integers per section",
        "reals" / Array(1, Float32l) * "NREAL reals per section",
    )
    return {"AGARD_RECORD": AGARD_RECORD}


#: the schema above, built when first asked for (``AGARD_RECORD``)
SCHEMAS = Schemas(_define_schemas)


def __getattr__(name: str) -> Any:
    return SCHEMAS.module_getattr(name)


#: the template: one int, one real (``agard_layout`` gives a file's)
AGARD = Layout("agar", _compiled.AGARD_RECORD, schema=lambda: SCHEMAS.build()["AGARD_RECORD"],
               doc="Agard record: NINT int32 then NREAL float32 per section")


@functools.lru_cache(maxsize=256)
def agard_layout(nint: int, nreal: int) -> Layout:
    """The record layout for NINT ints and NREAL reals per section (at least one of them > 0)."""
    if nint < 0 or nreal < 0 or nint + nreal == 0:
        raise ValueError(f"NINT {nint} and NREAL {nreal}: an Agard record needs NINT, NREAL >= 0, not both 0")
    return AGARD.resized({"ints": nint, "reals": nreal}, f"agar_{nint}_{nreal}",
                         recipe=(__name__, "agard_layout", (nint, nreal)),
                         doc=f"Agard record: {nint} int32 then {nreal} float32 per section")
