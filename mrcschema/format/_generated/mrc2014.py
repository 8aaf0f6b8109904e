"""Compiled by ``python -m mrcschema.format.generate`` from the construct schemas of
``mrcschema.format.mrc2014``: do not edit (change the schema, then run the generator).

For each schema: the record class (and those of its nested structs), the field table
``_<SCHEMA>_FIELDS`` and the :class:`~mrcschema.format.engine.Compiled` form called as the schema
is (record class, size, one ``struct`` format per byte order, field table, numpy dtype
description, fields little-endian in every file).
"""

from __future__ import annotations

from ..engine import Compiled, field_metadata
from ..records import Record

GENERATOR_VERSION = 2
MODULE = 'mrcschema.format.mrc2014'

_MRC2014_HEADER_SCHEMA_FIELDS = (
    ('nx', 0, 4, 'int32', 'number of columns in 3D data array (fast axis)', ()),
    ('ny', 4, 4, 'int32', 'number of rows in 3D data array (medium axis)', ()),
    ('nz', 8, 4, 'int32', 'number of sections in 3D data array (slow axis)', ()),
    ('mode', 12, 4, 'int32', 'data type: 0 int8, 1 int16, 2 float32, 3 complex int16, 4 complex float32, 6 uint16, 12 float16, 16 RGB (IMOD), 101 4-bit packed', ()),
    ('nxstart', 16, 4, 'int32', 'location of first column in unit cell', ()),
    ('nystart', 20, 4, 'int32', 'location of first row in unit cell', ()),
    ('nzstart', 24, 4, 'int32', 'location of first section in unit cell', ()),
    ('mx', 28, 4, 'int32', 'sampling along X axis of unit cell', ()),
    ('my', 32, 4, 'int32', 'sampling along Y axis of unit cell', ()),
    ('mz', 36, 4, 'int32', 'sampling along Z axis of unit cell (sections per volume in a volume stack)', ()),
    ('cella', 40, 12, 'struct', 'cell dimensions in angstroms', (
        ('x', 40, 4, 'float32', 'cell dimension X [Å]', ()),
        ('y', 44, 4, 'float32', 'cell dimension Y [Å]', ()),
        ('z', 48, 4, 'float32', 'cell dimension Z [Å]', ()),
    )),
    ('cellb', 52, 12, 'struct', 'cell angles in degrees', (
        ('alpha', 52, 4, 'float32', 'cell angle alpha [deg]', ()),
        ('beta', 56, 4, 'float32', 'cell angle beta [deg]', ()),
        ('gamma', 60, 4, 'float32', 'cell angle gamma [deg]', ()),
    )),
    ('mapc', 64, 4, 'int32', 'axis corresponding to columns (1,2,3 for X,Y,Z)', ()),
    ('mapr', 68, 4, 'int32', 'axis corresponding to rows (1,2,3 for X,Y,Z)', ()),
    ('maps', 72, 4, 'int32', 'axis corresponding to sections (1,2,3 for X,Y,Z)', ()),
    ('dmin', 76, 4, 'float32', 'minimum density value', ()),
    ('dmax', 80, 4, 'float32', 'maximum density value', ()),
    ('dmean', 84, 4, 'float32', 'mean density value', ()),
    ('ispg', 88, 4, 'int32', 'space group number: 0 image/stack, 1 volume, 401-630 volume stack', ()),
    ('nsymbt', 92, 4, 'int32', 'size of extended header (which follows main header) in bytes', ()),
    ('extra1', 96, 8, 'bytes[8]', 'extra space used by anything - 0 by default', ()),
    ('exttyp', 104, 4, 'bytes[4]', 'code for the type of extended header (CCP4, MRCO, SERI, AGAR, FEI1, FEI2, HDF5)', ()),
    ('nversion', 108, 4, 'int32', 'version of the MRC format: year * 10 + version within the year (20140, 20141)', ()),
    ('extra2', 112, 84, 'bytes[84]', 'extra space used by anything - 0 by default', ()),
    ('origin', 196, 12, 'struct', 'phase origin (pixels) or origin of subvolume (Å)', (
        ('x', 196, 4, 'float32', 'origin X', ()),
        ('y', 200, 4, 'float32', 'origin Y', ()),
        ('z', 204, 4, 'float32', 'origin Z', ()),
    )),
    ('map', 208, 4, 'bytes[4]', "character string 'MAP ' to identify file type", ()),
    ('machst', 212, 4, 'bytes[4]', 'machine stamp encoding byte ordering of data (44 44 00 00 little, 11 11 00 00 big)', ()),
    ('rms', 216, 4, 'float32', 'rms deviation of map from mean density (negative: not computed)', ()),
    ('nlabl', 220, 4, 'int32', 'number of labels being used', ()),
    ('label', 224, 800, 'bytes[80][10]', '10 80-character text labels', ()),
)

_IMOD_EXTRA_SCHEMA_FIELDS = (
    ('creatid', 0, 2, 'int16', 'used to be an ID number, 0 as of IMOD 4.2.23', ()),
    ('extra_a', 2, 6, 'bytes[6]', 'not used, first two bytes should be 0', ()),
    ('exttyp', 8, 4, 'bytes[4]', "type of extended header ('SERI', 'FEI1', 'AGAR', ...)", ()),
    ('nversion', 12, 4, 'int32', 'MRC version that the file conforms to, otherwise 0', ()),
    ('extra_b', 16, 16, 'bytes[16]', 'not used', ()),
    ('nint', 32, 2, 'int16', 'integers per section (FEI/Agard) or bytes per section (SerialEM)', ()),
    ('nreal', 34, 2, 'int16', 'reals per section (FEI/Agard) or SerialEM flags for which short items are present', ()),
    ('extra_c', 36, 20, 'bytes[20]', 'not used (IMOD: sub, zfac, min2, max2, min3, max3)', ()),
    ('imod_stamp', 56, 4, 'int32', "1146047817 ('IMOD') when the following flags are valid", ()),
    ('imod_flags', 60, 4, 'int32', 'bit flags: 1 signed bytes, 2 pixel spacing from extended header, 4 origin sign inverted, 8 RMS negative if not computed, 16 two 4-bit values per byte', ()),
    ('idtype', 64, 2, 'int16', '0 mono, 1 tilt, 2 tilts, 3 lina, 4 lins', ()),
    ('lens', 66, 2, 'int16', 'lens', ()),
    ('nd1', 68, 2, 'int16', 'for idtype = 1: tilt axis (1, 2 or 3)', ()),
    ('nd2', 70, 2, 'int16', 'nd2', ()),
    ('vd1', 72, 2, 'int16', '100 * tilt increment', ()),
    ('vd2', 74, 2, 'int16', '100 * starting angle', ()),
    ('tiltangles', 76, 24, 'float32[6]', 'original (0-2) and current (3-5) rotations about X, Y, Z [deg]', ()),
)


class Cella(Record):
    """cell dimensions in angstroms (field ``cella`` of :class:`Mrc2014Header`)."""

    __slots__ = ('x', 'y', 'z')
    _metadata = field_metadata(_MRC2014_HEADER_SCHEMA_FIELDS[10][5])

    x: float
    """cell dimension X [Å]"""

    y: float
    """cell dimension Y [Å]"""

    z: float
    """cell dimension Z [Å]"""


class Cellb(Record):
    """cell angles in degrees (field ``cellb`` of :class:`Mrc2014Header`)."""

    __slots__ = ('alpha', 'beta', 'gamma')
    _metadata = field_metadata(_MRC2014_HEADER_SCHEMA_FIELDS[11][5])

    alpha: float
    """cell angle alpha [deg]"""

    beta: float
    """cell angle beta [deg]"""

    gamma: float
    """cell angle gamma [deg]"""


class Origin(Record):
    """phase origin (pixels) or origin of subvolume (Å) (field ``origin`` of :class:`Mrc2014Header`)."""

    __slots__ = ('x', 'y', 'z')
    _metadata = field_metadata(_MRC2014_HEADER_SCHEMA_FIELDS[24][5])

    x: float
    """origin X"""

    y: float
    """origin Y"""

    z: float
    """origin Z"""


class Mrc2014Header(Record):
    """One ``MRC2014_HEADER_SCHEMA`` record (1024 bytes, schema in ``mrcschema.format.mrc2014``); the field docs are the schema's."""

    __slots__ = ('nx', 'ny', 'nz', 'mode', 'nxstart', 'nystart', 'nzstart', 'mx', 'my', 'mz', 'cella', 'cellb', 'mapc', 'mapr', 'maps', 'dmin', 'dmax', 'dmean', 'ispg', 'nsymbt', 'extra1', 'exttyp', 'nversion', 'extra2', 'origin', 'map', 'machst', 'rms', 'nlabl', 'label')
    _metadata = field_metadata(_MRC2014_HEADER_SCHEMA_FIELDS)
    _nested = {'cella': Cella, 'cellb': Cellb, 'origin': Origin}

    nx: int
    """number of columns in 3D data array (fast axis)"""

    ny: int
    """number of rows in 3D data array (medium axis)"""

    nz: int
    """number of sections in 3D data array (slow axis)"""

    mode: int
    """data type: 0 int8, 1 int16, 2 float32, 3 complex int16, 4 complex float32, 6 uint16, 12 float16, 16 RGB (IMOD), 101 4-bit packed"""

    nxstart: int
    """location of first column in unit cell"""

    nystart: int
    """location of first row in unit cell"""

    nzstart: int
    """location of first section in unit cell"""

    mx: int
    """sampling along X axis of unit cell"""

    my: int
    """sampling along Y axis of unit cell"""

    mz: int
    """sampling along Z axis of unit cell (sections per volume in a volume stack)"""

    cella: Cella
    """cell dimensions in angstroms"""

    cellb: Cellb
    """cell angles in degrees"""

    mapc: int
    """axis corresponding to columns (1,2,3 for X,Y,Z)"""

    mapr: int
    """axis corresponding to rows (1,2,3 for X,Y,Z)"""

    maps: int
    """axis corresponding to sections (1,2,3 for X,Y,Z)"""

    dmin: float
    """minimum density value"""

    dmax: float
    """maximum density value"""

    dmean: float
    """mean density value"""

    ispg: int
    """space group number: 0 image/stack, 1 volume, 401-630 volume stack"""

    nsymbt: int
    """size of extended header (which follows main header) in bytes"""

    extra1: bytes
    """extra space used by anything - 0 by default"""

    exttyp: bytes
    """code for the type of extended header (CCP4, MRCO, SERI, AGAR, FEI1, FEI2, HDF5)"""

    nversion: int
    """version of the MRC format: year * 10 + version within the year (20140, 20141)"""

    extra2: bytes
    """extra space used by anything - 0 by default"""

    origin: Origin
    """phase origin (pixels) or origin of subvolume (Å)"""

    map: bytes
    """character string 'MAP ' to identify file type"""

    machst: bytes
    """machine stamp encoding byte ordering of data (44 44 00 00 little, 11 11 00 00 big)"""

    rms: float
    """rms deviation of map from mean density (negative: not computed)"""

    nlabl: int
    """number of labels being used"""

    label: tuple[bytes, ...]
    """10 80-character text labels"""


class ImodExtra(Record):
    """One ``IMOD_EXTRA_SCHEMA`` record (100 bytes, schema in ``mrcschema.format.mrc2014``); the field docs are the schema's."""

    __slots__ = ('creatid', 'extra_a', 'exttyp', 'nversion', 'extra_b', 'nint', 'nreal', 'extra_c', 'imod_stamp', 'imod_flags', 'idtype', 'lens', 'nd1', 'nd2', 'vd1', 'vd2', 'tiltangles')
    _metadata = field_metadata(_IMOD_EXTRA_SCHEMA_FIELDS)

    creatid: int
    """used to be an ID number, 0 as of IMOD 4.2.23"""

    extra_a: bytes
    """not used, first two bytes should be 0"""

    exttyp: bytes
    """type of extended header ('SERI', 'FEI1', 'AGAR', ...)"""

    nversion: int
    """MRC version that the file conforms to, otherwise 0"""

    extra_b: bytes
    """not used"""

    nint: int
    """integers per section (FEI/Agard) or bytes per section (SerialEM)"""

    nreal: int
    """reals per section (FEI/Agard) or SerialEM flags for which short items are present"""

    extra_c: bytes
    """not used (IMOD: sub, zfac, min2, max2, min3, max3)"""

    imod_stamp: int
    """1146047817 ('IMOD') when the following flags are valid"""

    imod_flags: int
    """bit flags: 1 signed bytes, 2 pixel spacing from extended header, 4 origin sign inverted, 8 RMS negative if not computed, 16 two 4-bit values per byte"""

    idtype: int
    """0 mono, 1 tilt, 2 tilts, 3 lina, 4 lins"""

    lens: int
    """lens"""

    nd1: int
    """for idtype = 1: tilt axis (1, 2 or 3)"""

    nd2: int
    """nd2"""

    vd1: int
    """100 * tilt increment"""

    vd2: int
    """100 * starting angle"""

    tiltangles: tuple[float, ...]
    """original (0-2) and current (3-5) rotations about X, Y, Z [deg]"""


MRC2014_HEADER_SCHEMA: Compiled[Mrc2014Header] = Compiled(
    Mrc2014Header,
    1024,
    {'<': '<iiiiiiiiiiffffffiiifffii8s4si84sfff4s4sfi80s80s80s80s80s80s80s80s80s80s',
     '>': '>iiiiiiiiiiffffffiiifffii8s4si84sfff4s4sfi80s80s80s80s80s80s80s80s80s80s'},
    _MRC2014_HEADER_SCHEMA_FIELDS,
    [
        ('nx', '<i4'),
        ('ny', '<i4'),
        ('nz', '<i4'),
        ('mode', '<i4'),
        ('nxstart', '<i4'),
        ('nystart', '<i4'),
        ('nzstart', '<i4'),
        ('mx', '<i4'),
        ('my', '<i4'),
        ('mz', '<i4'),
        ('cella', [
            ('x', '<f4'),
            ('y', '<f4'),
            ('z', '<f4'),
        ]),
        ('cellb', [
            ('alpha', '<f4'),
            ('beta', '<f4'),
            ('gamma', '<f4'),
        ]),
        ('mapc', '<i4'),
        ('mapr', '<i4'),
        ('maps', '<i4'),
        ('dmin', '<f4'),
        ('dmax', '<f4'),
        ('dmean', '<f4'),
        ('ispg', '<i4'),
        ('nsymbt', '<i4'),
        ('extra1', '|V8'),
        ('exttyp', '|V4'),
        ('nversion', '<i4'),
        ('extra2', '|V84'),
        ('origin', [
            ('x', '<f4'),
            ('y', '<f4'),
            ('z', '<f4'),
        ]),
        ('map', '|V4'),
        ('machst', '|V4'),
        ('rms', '<f4'),
        ('nlabl', '<i4'),
        ('label', '|V80', (10,)),
    ],
    (),
)

IMOD_EXTRA_SCHEMA: Compiled[ImodExtra] = Compiled(
    ImodExtra,
    100,
    {'<': '<h6s4si16shh20siihhhhhh6f',
     '>': '>h6s4si16shh20siihhhhhh6f'},
    _IMOD_EXTRA_SCHEMA_FIELDS,
    [
        ('creatid', '<i2'),
        ('extra_a', '|V6'),
        ('exttyp', '|V4'),
        ('nversion', '<i4'),
        ('extra_b', '|V16'),
        ('nint', '<i2'),
        ('nreal', '<i2'),
        ('extra_c', '|V20'),
        ('imod_stamp', '<i4'),
        ('imod_flags', '<i4'),
        ('idtype', '<i2'),
        ('lens', '<i2'),
        ('nd1', '<i2'),
        ('nd2', '<i2'),
        ('vd1', '<i2'),
        ('vd2', '<i2'),
        ('tiltangles', '<f4', (6,)),
    ],
    (),
)

COMPILED = {'MRC2014_HEADER_SCHEMA': MRC2014_HEADER_SCHEMA, 'IMOD_EXTRA_SCHEMA': IMOD_EXTRA_SCHEMA}
