"""Compiled by ``python -m mrcschema.format.generate`` from the construct schemas of
``mrcschema.format.seri``: do not edit (change the schema, then run the generator).

For each schema: the record class (and those of its nested structs), the field table
``_<SCHEMA>_FIELDS`` and the :class:`~mrcschema.format.engine.Compiled` form called as the schema
is (record class, size, one ``struct`` format per byte order, field table, numpy dtype
description, fields little-endian in every file).
"""

from __future__ import annotations

from ..engine import Compiled, field_metadata
from ..records import Record

GENERATOR_VERSION = 2
MODULE = 'mrcschema.format.seri'

_SERI_RECORD_FIELDS = (
    ('tilt_angle', 0, 2, 'int16', 'Tilt angle in degrees * 100', ()),
    ('piece_coordinates', 2, 6, 'uint16[3]', 'X, Y, Z piece coordinates for montage (unsigned, unlike the other shorts)', ()),
    ('stage_position', 8, 4, 'int16[2]', 'X, Y stage position in microns * 25', ()),
    ('magnification', 12, 2, 'int16', 'Magnification / 100', ()),
    ('intensity', 14, 2, 'int16', 'Intensity * 25000', ()),
    ('exposure_dose', 16, 4, 'int16[2]', 'Exposure dose in e-/A2, a float in 4 bytes (two shorts, decoded by SEMshortsToFloat)', ()),
    ('reserved_64', 20, 2, 'bytes[2]', 'Reserved for 2-byte items', ()),
    ('reserved_128', 22, 4, 'bytes[4]', 'Reserved for 4-byte items', ()),
    ('reserved_256', 26, 2, 'bytes[2]', 'Reserved for 2-byte items', ()),
    ('reserved_512', 28, 4, 'bytes[4]', 'Reserved for 4-byte items', ()),
    ('reserved_1024', 32, 2, 'bytes[2]', 'Reserved for 2-byte items', ()),
)


class SeriRecord(Record):
    """One ``SERI_RECORD`` record (34 bytes, schema in ``mrcschema.format.seri``); the field docs are the schema's."""

    __slots__ = ('tilt_angle', 'piece_coordinates', 'stage_position', 'magnification', 'intensity', 'exposure_dose', 'reserved_64', 'reserved_128', 'reserved_256', 'reserved_512', 'reserved_1024')
    _metadata = field_metadata(_SERI_RECORD_FIELDS)

    tilt_angle: int
    """Tilt angle in degrees * 100"""

    piece_coordinates: tuple[int, ...]
    """X, Y, Z piece coordinates for montage (unsigned, unlike the other shorts)"""

    stage_position: tuple[int, ...]
    """X, Y stage position in microns * 25"""

    magnification: int
    """Magnification / 100"""

    intensity: int
    """Intensity * 25000"""

    exposure_dose: tuple[int, ...]
    """Exposure dose in e-/A2, a float in 4 bytes (two shorts, decoded by SEMshortsToFloat)"""

    reserved_64: bytes
    """Reserved for 2-byte items"""

    reserved_128: bytes
    """Reserved for 4-byte items"""

    reserved_256: bytes
    """Reserved for 2-byte items"""

    reserved_512: bytes
    """Reserved for 4-byte items"""

    reserved_1024: bytes
    """Reserved for 2-byte items"""


SERI_RECORD: Compiled[SeriRecord] = Compiled(
    SeriRecord,
    34,
    {'<': '<h3H2hhh2h2s4s2s4s2s',
     '>': '>h3H2hhh2h2s4s2s4s2s'},
    _SERI_RECORD_FIELDS,
    [
        ('tilt_angle', '<i2'),
        ('piece_coordinates', '<u2', (3,)),
        ('stage_position', '<i2', (2,)),
        ('magnification', '<i2'),
        ('intensity', '<i2'),
        ('exposure_dose', '<i2', (2,)),
        ('reserved_64', '|V2'),
        ('reserved_128', '|V4'),
        ('reserved_256', '|V2'),
        ('reserved_512', '|V4'),
        ('reserved_1024', '|V2'),
    ],
    (),
)

COMPILED = {'SERI_RECORD': SERI_RECORD}
