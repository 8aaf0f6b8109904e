"""An open file described as plain data: every header field with its offset, type, value and
meaning, the extended header and its records, the data block.

The rows come from the layouts' field tables, so what ``dump`` shows is exactly what the
schemas declare.  :func:`describe` builds the plain dict that ``dump --json`` prints and that
``mrcschema.cli.dump`` lays out as text.
"""

from __future__ import annotations

import attrs
import numpy as np

from ..errors import MrcFormatError
from ..format.mrc2014 import (
    HEADER_SIZE,
    IMOD_EXTRA,
    IMOD_EXTRA_OFFSET,
    IMOD_STAMP,
    MRC2014_HEADER,
)
from ..format.values import json_value, plain, short_text


def field_rows(layout, record, base_offset=0):
    """One dict per leaf field: name, offset, size, type, value, doc (nested structs dotted)."""
    rows = []
    for field in layout.fields:
        value = getattr(record, field.name)
        if field.children:
            for child in field.children:
                rows.append({
                    "name": f"{field.name}.{child.name}", "offset": base_offset + child.offset,
                    "size": child.size, "type": child.type,
                    "value": json_value(getattr(value, child.name)), "doc": child.doc or field.doc,
                })
        else:
            rows.append({"name": field.name, "offset": base_offset + field.offset, "size": field.size,
                         "type": field.type, "value": json_value(value), "doc": field.doc})
    return rows


def describe(mrc):
    """Everything ``dump`` shows about an open :class:`~mrcschema.MrcFile`, as plain data."""
    g = mrc.geometry
    imod = mrc.imod
    out = {
        "file": mrc.path,
        "byteorder": {"<": "little-endian", ">": "big-endian"}[mrc.byteorder],
        "byteorder_source": mrc._parsed.byteorder_source,
        "compression": mrc._source.compressed,
        "header": field_rows(MRC2014_HEADER, mrc.header),
        "labels": mrc.labels,
        "data": {
            "offset": g.offset, "shape": list(g.shape), "dtype": str(g.dtype),
            "mode": mrc.header.mode, "mode_meaning": g.mode.doc,
            "expected_file_size": g.offset + g.nbytes, "file_size": mrc.file_size,
            "voxel_size": list(attrs.astuple(mrc.voxel_size)), "origin": list(attrs.astuple(mrc.origin)),
        },
    }
    if imod.imod_stamp == IMOD_STAMP or imod.nint or imod.nreal:
        out["imod"] = field_rows(IMOD_EXTRA, imod, IMOD_EXTRA_OFFSET)
    out["extended_header"] = describe_extended(mrc)
    return out


def describe_extended(mrc, first=3):
    """The extended header as plain data for ``dump``: kind, sizes, and the first records."""
    ext = mrc.extended
    info = {"type": ext.kind, "exttyp": ext.exttyp, "size": ext.size, "record_size": ext.record_size,
            "records": 0 if ext.records is None else len(ext.records), "capacity": ext.capacity,
            "padding": ext.padding, "notes": list(ext.notes)}
    summary = []
    if ext.records is not None:
        summary.append(f"{info['records']} records of {ext.record_size} bytes read (room for {ext.capacity}), "
                       f"{ext.padding} bytes of padding")
    if ext.text:
        info["text"] = list(ext.text)
        summary += [f"symmetry: {line}" for line in ext.text]
    summary += [f"note: {n}" for n in ext.notes]
    if ext.layout is not None and ext.records is not None:
        info["first_records"] = [field_rows(ext.layout, ext.record(i)) for i in range(min(first, len(ext.records)))]
        for i, rows in enumerate(info["first_records"]):
            summary.append(f"record {i}:")
            summary += [f"  {r['offset']:>5}  {r['type']:<10} {r['name']:<34} {_short(r['value'])}  {r['doc']}"
                        for r in rows]
    elif ext.records is not None:
        info["first_records"] = [_plain(ext.records[i]) for i in range(min(first, len(ext.records)))]
        summary += [f"record {i}: {r}" for i, r in enumerate(info["first_records"])]
    info["summary"] = summary
    return info


#: width of the value column in record tables
_VALUE_WIDTH = 28


def _short(value):
    return f"{short_text(value, _VALUE_WIDTH):<{_VALUE_WIDTH}}"


def _plain(record):
    """One numpy record as JSON-ready values: raw (void) items as hex text, like dump's byte fields."""
    return {name: plain(np.asarray(record[name]).tolist()) for name in record.dtype.names}


def describe_record(mrc, index):
    """One extended-header record in full, for ``dump --record N``."""
    ext = mrc.extended
    count = 0 if ext.records is None else len(ext.records)
    if not 0 <= index < count:
        raise MrcFormatError(f"record {index} does not exist: the {ext.kind} extended header has {count} records",
                             field="extended header", offset=HEADER_SIZE)
    if ext.layout is not None:
        rows = field_rows(ext.layout, ext.record(index), HEADER_SIZE + index * ext.record_size)
        lines = [f"{ext.kind} record {index} (file offset, type, field, value, meaning):"]
        lines += [f"  {r['offset']:>8}  {r['type']:<10} {r['name']:<34} {_short(r['value'])}  {r['doc']}" for r in rows]
        return {"kind": ext.kind, "index": index, "fields": rows, "lines": lines}
    plain = _plain(ext.records[index])
    return {"kind": ext.kind, "index": index, "fields": plain,
            "lines": [f"{ext.kind} record {index}:"] + [f"  {k}: {v}" for k, v in plain.items()]}
