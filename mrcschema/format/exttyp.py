"""EXTTYP: the codes that say what an extended header holds, and the signatures that say it
when EXTTYP does not.

MRC2014 note 8 agreed ``CCP4``, ``MRCO``, ``SERI``, ``AGAR`` and ``FEI1``; the 20141 update
(CCP-EM "MRC format proposals", Jan 2022) added ``FEI2`` and ``HDF5``.  Pre-2014 files carry no
EXTTYP: their kind is told from the block itself (:mod:`.extended`), using the signatures below.
"""

from __future__ import annotations

from .records import record

__all__ = [
    "AGREED_EXTTYPS", "EXTTYPS", "FEI_EXTTYPS", "HDF5_SIGNATURE", "LEGACY_FEI_SIZES", "MRCZ_JSON_EXTTYP",
    "SYMMETRY_LINE_LENGTH", "Exttyp", "exttyp_text",
]

NOTE_8 = "MRC2014 note 8"
UPDATE_20141 = "MRC2014 update 20141"


@record
class Exttyp:
    """One agreed EXTTYP code: what it announces and where it was agreed."""

    code: str
    meaning: str
    source: str


#: not agreed, but in every file mrcz writes with metadata: a UTF-8 JSON text, NUL-padded
MRCZ_JSON_EXTTYP = "json"

#: the agreed codes, in the order the specification lists them
EXTTYPS: tuple[Exttyp, ...] = (
    Exttyp("CCP4", "Format from CCP4 suite: symmetry records, text in 80-character lines", NOTE_8),
    Exttyp("MRCO", "MRC format (no layout published; opaque bytes)", NOTE_8),
    Exttyp("SERI", "SerialEM: NINT bytes per section holding the items the NREAL flags announce", NOTE_8),
    Exttyp("AGAR", "Agard: NINT int32 then NREAL float32 per section", NOTE_8),
    Exttyp("FEI1", "Thermo Scientific / FEI (EPU, Xplore3D, Amira, Avizo): 768-byte records", NOTE_8),
    Exttyp("FEI2", "Thermo Scientific / FEI: 888-byte records, FEI1 then the FEI2 fields", UPDATE_20141),
    Exttyp("HDF5", "Metadata in HDF5 format (no layout published)", UPDATE_20141),
)

#: the agreed codes as text
AGREED_EXTTYPS: tuple[str, ...] = tuple(e.code for e in EXTTYPS)

#: the EXTTYPs of Thermo Fisher / FEI records (their layouts and versions: ``fei.FEI_KINDS``, which
#: is imported only for files that have them)
FEI_EXTTYPS = ("FEI1", "FEI2")

#: the first 8 bytes of every HDF5 file (HDF5 file format specification, superblock)
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"

#: NSYMBT of the old FEI tomography block (no EXTTYP): 1024 or 8192 records of 128 bytes
#: (RosettaSciIO recognises the first; the record is ``fei.FEI_LEGACY``, a test ties the two)
LEGACY_FEI_SIZES = (128 * 1024, 128 * 8192)

#: CCP4 symmetry records are lines of this many characters
SYMMETRY_LINE_LENGTH = 80


def exttyp_text(exttyp: bytes) -> str:
    """The code as text: trailing NULs and blanks dropped, bytes kept one for one (latin-1)."""
    return exttyp.rstrip(b"\0 ").decode("latin-1")
