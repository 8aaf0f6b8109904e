"""The MRC2014 main header (1024 bytes) and the IMOD fields that live in its EXTRA space.

Source: the CCP-EM MRC2014 page (https://www.ccpem.ac.uk/mrc-format/mrc2014/), Cheng et al.
2015 (doi:10.1016/j.jsb.2015.04.002) and the 20141 update; field names in lower case as
``mrcfile`` names them.  EXTRA (words 25-49) is split as MRC2014 and ``mrcfile`` split it:
``extra1`` (8 bytes), ``exttyp``, ``nversion``, ``extra2`` (84 bytes).  The IMOD view of
bytes 96-195 comes from "The MRC file format used by IMOD"
(https://bio3d.colorado.edu/imod/doc/mrc_format.txt).  ``specs/mrc2014_header.csv`` and
``specs/imod_extra.csv`` are the transcribed tables the conformance tests hold these to.
"""

from typing import Any

from ..errors import MrcFormatError, location
from ._generated import mrc2014 as _compiled
from ._generated.mrc2014 import Cella as Cella
from ._generated.mrc2014 import Cellb as Cellb
from ._generated.mrc2014 import ImodExtra as ImodExtra
from ._generated.mrc2014 import Mrc2014Header as Mrc2014Header
from ._generated.mrc2014 import Origin as Origin
from .engine import Layout, Schemas

#: the text labels: how many a header holds and how long each is
LABEL_COUNT, LABEL_LENGTH = 10, 80


def _define_schemas() -> dict[str, Any]:
    """The schemas of this module, written with ``construct`` (imported here: reading a file uses the
    forms generated from them, ``format/_generated/``; writing a header builds them)."""
    from construct import Array, Bytes, Float32l, Int16sl, Int32sl, Struct

    def _xyz(doc_x, doc_y, doc_z):
        return Struct("x" / Float32l * doc_x, "y" / Float32l * doc_y, "z" / Float32l * doc_z)

    MRC2014_HEADER_SCHEMA = Struct(
        "nx" / Int32sl * "number of columns in 3D data array (fast axis)",
        "ny" / Int32sl * "number of rows in 3D data array (medium axis)",
        "nz" / Int32sl * "number of sections in 3D data array (slow axis)",
        "mode" / Int32sl * "data type: 0 int8, 1 int16, 2 float32, 3 complex int16, 4 complex float32, "
        "6 uint16, 12 float16, 16 RGB (IMOD), 101 4-bit packed",
        "nxstart" / Int32sl * "location of first column in unit cell",
        "nystart" / Int32sl * "location of first row in unit cell",
        "nzstart" / Int32sl * "location of first section in unit cell",
        "mx" / Int32sl * "sampling along X axis of unit cell",
        "my" / Int32sl * "sampling along Y axis of unit cell",
        "mz" / Int32sl * "sampling along Z axis of unit cell (sections per volume in a volume stack)",
        "cella" / _xyz("cell dimension X [Å]", "cell dimension Y [Å]", "cell dimension Z [Å]")
        * "cell dimensions in angstroms",
        "cellb" / Struct(
            "alpha" / Float32l * "cell angle alpha [deg]",
            "beta" / Float32l * "cell angle beta [deg]",
            "gamma" / Float32l * "cell angle gamma [deg]",
        ) * "cell angles in degrees",
        "mapc" / Int32sl * "axis corresponding to columns (1,2,3 for X,Y,Z)",
        "mapr" / Int32sl * "axis corresponding to rows (1,2,3 for X,Y,Z)",
        "maps" / Int32sl * "axis corresponding to sections (1,2,3 for X,Y,Z)",
        "dmin" / Float32l * "minimum density value",
        "dmax" / Float32l * "maximum density value",
        "dmean" / Float32l * "mean density value",
        "ispg" / Int32sl * "space group number: 0 image/stack, 1 volume, 401-630 volume stack",
        "nsymbt" / Int32sl * "size of extended header (which follows main header) in bytes",
        "extra1" / Bytes(8) * "extra space used by anything - 0 by default",
        "exttyp" / Bytes(4) * "code for the type of extended header (CCP4, MRCO, SERI, AGAR, FEI1, FEI2, HDF5)",
        "nversion" / Int32sl * "version of the MRC format: year * 10 + version within the year (20140, 20141)",
        "extra2" / Bytes(84) * "extra space used by anything - 0 by default",
        "origin" / _xyz("origin X", "origin Y", "origin Z")
        * "phase origin (pixels) or origin of subvolume (Å)",
        "map" / Bytes(4) * "character string 'MAP ' to identify file type",
        "machst" / Bytes(4) * "machine stamp encoding byte ordering of data (44 44 00 00 little, 11 11 00 00 big)",
        "rms" / Float32l * "rms deviation of map from mean density (negative: not computed)",
        "nlabl" / Int32sl * "number of labels being used",
        "label" / Array(LABEL_COUNT, Bytes(LABEL_LENGTH)) * "10 80-character text labels",
    )

    #: Bytes 96-195 of the header (EXTRA) as IMOD reads them (same bytes as extra1 .. extra2).
    IMOD_EXTRA_SCHEMA = Struct(
        "creatid" / Int16sl * "used to be an ID number, 0 as of IMOD 4.2.23",
        "extra_a" / Bytes(6) * "not used, first two bytes should be 0",
        "exttyp" / Bytes(4) * "type of extended header ('SERI', 'FEI1', 'AGAR', ...)",
        "nversion" / Int32sl * "MRC version that the file conforms to, otherwise 0",
        "extra_b" / Bytes(16) * "not used",
        "nint" / Int16sl * "integers per section (FEI/Agard) or bytes per section (SerialEM)",
        "nreal" / Int16sl * "reals per section (FEI/Agard) or SerialEM flags for which short items are present",
        "extra_c" / Bytes(20) * "not used (IMOD: sub, zfac, min2, max2, min3, max3)",
        "imod_stamp" / Int32sl * "1146047817 ('IMOD') when the following flags are valid",
        "imod_flags" / Int32sl * "bit flags: 1 signed bytes, 2 pixel spacing from extended header, "
        "4 origin sign inverted, 8 RMS negative if not computed, 16 two 4-bit values per byte",
        "idtype" / Int16sl * "0 mono, 1 tilt, 2 tilts, 3 lina, 4 lins",
        "lens" / Int16sl * "lens",
        "nd1" / Int16sl * "for idtype = 1: tilt axis (1, 2 or 3)",
        "nd2" / Int16sl * "nd2",
        "vd1" / Int16sl * "100 * tilt increment",
        "vd2" / Int16sl * "100 * starting angle",
        "tiltangles" / Array(6, Float32l) * "original (0-2) and current (3-5) rotations about X, Y, Z [deg]",
    )

    return {"MRC2014_HEADER_SCHEMA": MRC2014_HEADER_SCHEMA, "IMOD_EXTRA_SCHEMA": IMOD_EXTRA_SCHEMA}


#: the schemas above, built when first asked for (``MRC2014_HEADER_SCHEMA``, ``IMOD_EXTRA_SCHEMA``)
SCHEMAS = Schemas(_define_schemas)


#: the byte fields that hold text (shown and given in JSON as text when printable)
TEXT_FIELDS = ("exttyp", "map", "label")


def __getattr__(name: str) -> Any:
    return SCHEMAS.module_getattr(name)


MRC2014_HEADER = Layout("mrc2014_header", _compiled.MRC2014_HEADER_SCHEMA, doc="MRC2014 main header",
                        schema=lambda: SCHEMAS.build()["MRC2014_HEADER_SCHEMA"])
IMOD_EXTRA = Layout("imod_extra", _compiled.IMOD_EXTRA_SCHEMA, doc="IMOD fields in bytes 96-195",
                    schema=lambda: SCHEMAS.build()["IMOD_EXTRA_SCHEMA"])

HEADER_SIZE = MRC2014_HEADER.size
#: offset of the IMOD view inside the main header: where EXTRA begins
IMOD_EXTRA_OFFSET = MRC2014_HEADER.field("extra1").offset
#: IMOD's stamp ('IMOD' read as a little-endian int32) in ``imod_stamp``
IMOD_STAMP = 1146047817
#: a Priism/DeltaVision file has this int16 where MRC has EXTRA (IMOD's ``creatid``): its ``dvid``
PRIISM_MAGIC = -16224


def _field_offsets() -> dict[str, int]:
    table = {}
    for field in MRC2014_HEADER.fields:
        table[field.name] = field.offset
        for child in field.children:
            table[f"{field.name}.{child.name}"] = child.offset
    label = MRC2014_HEADER.field("label").offset
    for index in range(LABEL_COUNT):
        table[f"label[{index}]"] = label + LABEL_LENGTH * index
    for field in IMOD_EXTRA.fields:
        table.setdefault(field.name, IMOD_EXTRA_OFFSET + field.offset)
    return table


#: byte offset of every header field by its dump name (nested ``cella.x``, ``label[3]``, IMOD
#: ``nint``/``nreal``/``imod_stamp``)
FIELD_OFFSETS = _field_offsets()


def field_offset(name: str) -> int | None:
    """Byte offset of a header field by its dump name; None for what is not a header field."""
    return FIELD_OFFSETS.get(name)


def header_error(field: str, message: str) -> MrcFormatError:
    """The :class:`MrcFormatError` for a header field, its offset looked up in the layout."""
    offset = field_offset(field)
    if offset is None:
        raise KeyError(f"{field!r} is not a header field")
    return MrcFormatError(message, field=field, offset=offset)


def header_location(field: str) -> str:
    """``"nsymbt at offset 92"``: where a header field is, for warnings and messages."""
    offset = field_offset(field)
    if offset is None:
        raise KeyError(f"{field!r} is not a header field")
    return location(field, offset)


def field_bytes(raw: bytes, name: str) -> bytes:
    """The stored bytes of the top-level header field ``name`` in ``raw`` (a whole header)."""
    field = MRC2014_HEADER.field(name)
    return raw[field.offset:field.offset + field.size]


assert HEADER_SIZE == 1024 and IMOD_EXTRA.size == 100
