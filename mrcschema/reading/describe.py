"""An open file described as plain data: every header field with its offset, type, value and
meaning, the extended header and its records, the data block.

The rows come from the layouts' field tables, so what ``dump`` shows is exactly what the
schemas declare.  :func:`describe` builds the plain dict that ``dump --json`` prints and that
``mrcschema.cli.dump`` lays out as text.
"""

from __future__ import annotations

from ..errors import MrcFormatError
from ..format.mrc2014 import (
    HEADER_SIZE,
    IMOD_EXTRA,
    IMOD_EXTRA_OFFSET,
    IMOD_STAMP,
    MRC2014_HEADER,
)
from ..format.values import json_value, plain, short_text


def _leaf_fields(layout):
    """(dotted name, field-table row, doc, attribute path) of every leaf field of ``layout``."""
    for field in layout.fields:
        if field.children:
            for child in field.children:
                yield f"{field.name}.{child.name}", child, child.doc or field.doc, (field.name, child.name)
        else:
            yield field.name, field, field.doc, (field.name,)


def field_table(layout, base_offset=0):
    """One dict per leaf field: name, offset, size, type, doc (nested structs dotted)."""
    return [{"name": name, "offset": base_offset + f.offset, "size": f.size, "type": f.type, "doc": doc}
            for name, f, doc, _ in _leaf_fields(layout)]


def field_rows(layout, record, base_offset=0):
    """One dict per leaf field: name, offset, size, type, value, doc (nested structs dotted)."""
    rows = []
    for name, f, doc, path in _leaf_fields(layout):
        value = record
        for attribute in path:
            value = getattr(value, attribute)
        rows.append({"name": name, "offset": base_offset + f.offset, "size": f.size, "type": f.type,
                     "value": json_value(value), "doc": doc})
    return rows


def describe(mrc):
    """Everything ``dump`` shows about an open :class:`~mrcschema.MrcFile`, as plain data."""
    g = mrc.geometry
    imod = mrc.imod
    out = {
        "file": mrc.path,
        "byteorder": {"<": "little-endian", ">": "big-endian"}[mrc.byteorder],
        "byteorder_source": mrc.byteorder_source,
        "compression": mrc.compression,
        "header": field_rows(MRC2014_HEADER, mrc.header),
        "labels": mrc.labels,
        "data": {
            "offset": None, "shape": None, "dtype": None, "mode": mrc.header.mode, "mode_meaning": None,
            "expected_file_size": None, "file_size": mrc.file_size,
            "voxel_size": list(mrc.voxel_size), "origin": list(mrc.origin),
        },
    }
    if g is not None:  # None: a permissive open that could not locate the data (a warning says why)
        out["data"].update({"offset": g.offset, "shape": list(g.shape), "dtype": str(g.dtype),
                            "mode_meaning": g.mode.doc, "expected_file_size": g.offset + g.nbytes})
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
    if ext.json is not None:
        import json  # for the files that have a JSON block only

        info["json"] = ext.json
        summary += [f"json: {line}" for line in json.dumps(ext.json, indent=1, sort_keys=True).splitlines()]
    summary += [f"note: {n}" for n in ext.notes]
    if ext.records is not None:  # records always come with their layout
        records = [ext.record(i) for i in range(min(first, len(ext.records)))]
        tables = [field_rows(ext.layout, record) for record in records]
        if ext.layout_from_header:
            # a layout this file's NINT/NREAL make: its field table once, then each record's values
            info["record_fields"] = field_table(ext.layout)
            info["first_records"] = [plain(record) for record in records]
        else:
            info["first_records"] = tables
        for i, rows in enumerate(tables):
            summary.append(f"record {i}:")
            summary += [f"  {r['offset']:>5}  {r['type']:<10} {r['name']:<34} {_short(r['value'])}  {r['doc']}"
                        for r in rows]
    info["summary"] = summary
    return info


#: width of the value column in record tables
_VALUE_WIDTH = 28


def _short(value):
    return f"{short_text(value, _VALUE_WIDTH):<{_VALUE_WIDTH}}"


def describe_record(mrc, index):
    """One extended-header record in full, for ``dump --record N``."""
    ext = mrc.extended
    count = 0 if ext.records is None else len(ext.records)
    if not 0 <= index < count:
        raise MrcFormatError(f"record {index} does not exist: the {ext.kind} extended header has {count} records",
                             field="extended header", offset=HEADER_SIZE)
    rows = field_rows(ext.layout, ext.record(index), HEADER_SIZE + index * ext.record_size)
    lines = [f"{ext.kind} record {index} (file offset, type, field, value, meaning):"]
    lines += [f"  {r['offset']:>8}  {r['type']:<10} {r['name']:<34} {_short(r['value'])}  {r['doc']}" for r in rows]
    return {"kind": ext.kind, "index": index, "fields": rows, "lines": lines}
