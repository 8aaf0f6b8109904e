"""Which bitmask bit says an FEI1/FEI2 field is set, derived once from the record layout.

"Individual bits indicate which metadata fields are set" (Thermo Fisher MRC2014 spec, doc 306687):
bit k of ``bitmask_n`` belongs to the k-th field after it, the 48-byte ``unused_range`` taking bits
16-21 of ``bitmask_1``.  Every reader of FEI records (acquisition metadata, the physical model's
pixel size) asks :data:`FEI_FIELD_BITS`.
"""

from __future__ import annotations

from .fei import FEI2

#: fields FEI documents with several bits (48 reserved bytes = 6 values)
MULTI_BIT_FIELDS = {"unused_range": 6}


def fei_field_bits(layout=FEI2) -> dict[str, tuple[str, int]]:
    """{field name: (bitmask field, bit)} derived from the record layout's field order."""
    bits, mask, bit = {}, None, 0
    for field in layout.fields:
        if field.name.startswith("bitmask_"):
            mask, bit = field.name, 0
        elif mask is not None:
            bits[field.name] = (mask, bit)
            bit += MULTI_BIT_FIELDS.get(field.name, 1)
    return bits


FEI_FIELD_BITS = fei_field_bits()
