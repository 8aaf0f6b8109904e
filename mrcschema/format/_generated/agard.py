"""Compiled by ``python -m mrcschema.format.generate`` from the construct schemas of
``mrcschema.format.agard``: do not edit (change the schema, then run the generator).

For each schema: the record class (and those of its nested structs), the field table
``_<SCHEMA>_FIELDS`` and the :class:`~mrcschema.format.engine.Compiled` form called as the schema
is (record class, size, one ``struct`` format per byte order, field table, numpy dtype
description, fields little-endian in every file).
"""

from __future__ import annotations

from ..engine import Compiled, field_metadata
from ..records import Record

GENERATOR_VERSION = 2
MODULE = 'mrcschema.format.agard'

_AGARD_RECORD_FIELDS = (
    ('ints', 0, 4, 'int32[1]', 'NINT integers per section', ()),
    ('reals', 4, 4, 'float32[1]', 'NREAL reals per section', ()),
)


class AgardRecord(Record):
    """One ``AGARD_RECORD`` record (8 bytes, schema in ``mrcschema.format.agard``); the field docs are the schema's."""

    __slots__ = ('ints', 'reals')
    _metadata = field_metadata(_AGARD_RECORD_FIELDS)

    ints: tuple[int, ...]
    """NINT integers per section"""

    reals: tuple[float, ...]
    """NREAL reals per section"""


AGARD_RECORD: Compiled[AgardRecord] = Compiled(
    AgardRecord,
    8,
    {'<': '<1i1f',
     '>': '>1i1f'},
    _AGARD_RECORD_FIELDS,
    [
        ('ints', '<i4', (1,)),
        ('reals', '<f4', (1,)),
    ],
    (),
)

COMPILED = {'AGARD_RECORD': AGARD_RECORD}
