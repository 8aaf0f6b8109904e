"""An open file described as plain data: the header as typed values, the metadata of every field
(offset, size, type, doc), the extended header and its first records, the data block.

This is what ``dump --json`` prints (the schema is ``docs/json.md`` and
``mrcschema/cli/schema/dump.schema.json``) and what ``mrcschema.cli.dump`` lays out as text.
The field metadata comes from the layouts' field tables, so what ``dump`` shows is exactly what
the schemas declare; the values are rendered by :mod:`mrcschema.format.values`.
"""

from __future__ import annotations

from ..errors import MrcFormatError
from ..format.meaning import data_kind, space_group
from ..format.mrc2014 import HEADER_SIZE, IMOD_EXTRA, IMOD_EXTRA_OFFSET, IMOD_STAMP, MRC2014_HEADER
from ..format.spacegroups import space_group_symbol
from ..format.values import counted, header_values, typed

#: what ``dump --json`` documents say they are (``docs/json.md``); the version changes only when a
#: key is removed or changes meaning, never when one is added
DUMP_SCHEMA = "mrcschema-dump/2"
#: extended-header records ``dump`` shows (``--record N`` shows any one)
FIRST_RECORDS = 3


def _leaf_fields(layout):
    """(dotted name, field-table row, doc) of every leaf field of ``layout``."""
    for field in layout.fields:
        if field.children:
            for child in field.children:
                yield f"{field.name}.{child.name}", child, child.doc or field.doc
        else:
            yield field.name, field, field.doc


def field_table(layout, base_offset=0) -> dict:
    """``{dotted name: {offset, size, type, doc}}`` for every leaf field of ``layout`` (nested
    structs dotted: ``cella.x``), offsets from ``base_offset``."""
    return {name: {"offset": base_offset + f.offset, "size": f.size, "type": f.type, "doc": doc}
            for name, f, doc in _leaf_fields(layout)}


def leaf_value(values: dict, name: str):
    """The value of a dotted field name (``cella.x``) in nested typed values."""
    for part in name.split("."):
        values = values[part]
    return values


def _xyz(vec, encoded):
    return typed(dict(zip("xyz", vec)), json=encoded)


def _axis_order(header):
    letters = {1: "X", 2: "Y", 3: "Z"}
    axes = [letters.get(v) for v in (header.mapc, header.mapr, header.maps)]
    return axes if None not in axes and len(set(axes)) == 3 else None


def describe(mrc, *, encoded: bool = True) -> dict:
    """Everything ``dump`` shows about an open :class:`~mrcschema.MrcFile`, as plain data.
    ``encoded``: for JSON (raw bytes as ``{"hex": ...}``, NaN as ``"nan"``); without it the values
    stay Python values (bytes, floats), for the text ``dump`` makes of them."""
    values = {"json": encoded, "raw_bytes": not encoded}
    g, h, imod = mrc.geometry, mrc.header, mrc.imod
    ispg = space_group(h.ispg) or h.ispg
    out = {
        "schema": DUMP_SCHEMA,
        "path": mrc.path,
        "readable": True,
        "byteorder": {"<": "little-endian", ">": "big-endian"}[mrc.byteorder],
        "byteorder_source": mrc.byteorder_source,
        "compression": mrc.compression,
        "header": header_values(h, **values),
        "fields": {"header": field_table(MRC2014_HEADER)},
        "labels": list(mrc.labels),
        "data": {
            "offset": None, "shape": None, "dtype": None, "mode": h.mode, "mode_name": None, "mode_meaning": None,
            "kind": data_kind(h.ispg, h.nz),
            "space_group": ({"number": ispg, "symbol": space_group_symbol(ispg)}
                            if space_group_symbol(ispg) is not None else None),
            "axis_order": _axis_order(h),
            "expected_file_size": None, "file_size": mrc.file_size,
            "voxel_size": _xyz(mrc.voxel_size, encoded), "origin": _xyz(mrc.origin, encoded),
        },
    }
    if g is not None:  # None: a permissive open that could not locate the data (a warning says why)
        out["data"].update({"offset": g.offset, "shape": list(g.shape), "dtype": g.dtype_text,
                            "mode_name": g.mode.name, "mode_meaning": g.mode.doc,
                            "expected_file_size": g.offset + g.nbytes})
    if imod.imod_stamp == IMOD_STAMP or imod.nint or imod.nreal:
        out["imod"] = header_values(imod, **values)
        out["fields"]["imod"] = field_table(IMOD_EXTRA, IMOD_EXTRA_OFFSET)
    out["extended_header"] = describe_extended(mrc, encoded=encoded)
    if g is not None:
        out["interpreted"] = describe_physical(mrc.physical)
    out["warnings"] = []
    return out


def describe_physical(model) -> dict:
    """The physical model as plain data: the "interpreted" block beside the raw fields."""
    scan = model.scan
    return {
        "kind": model.kind, "description": model.description,
        "axes": [{"name": a.name, "size": a.size, "scale": a.scale, "unit": a.unit, "offset": a.offset,
                  "scale_known": a.scale_known, "reason": a.reason} for a in model.axes],
        "origin": None if model.origin is None else list(model.origin), "origin_source": model.origin_source,
        "fallbacks": list(model.fallbacks),
        "scan": None if scan is None else {"shape": list(scan.shape), "step": list(scan.step),
                                           "raster": scan.raster, "repeats": scan.repeats},
        "voltage": model.voltage, "frame_rate": model.frame_rate,
    }


def describe_extended(mrc, first: int = FIRST_RECORDS, *, encoded: bool = True) -> dict:
    """The extended header as plain data: kind, sizes, records read, capacity and padding (counted
    by :func:`mrcschema.format.extended.count_records`, as the validator counts them), notes, the
    symmetry text or JSON metadata, and the field table and typed values of the first records."""
    ext = mrc.extended
    info = {"kind": ext.kind, "exttyp": ext.exttyp, "size": ext.size, "record_size": ext.record_size,
            "records": 0 if ext.records is None else len(ext.records), "capacity": ext.capacity,
            "padding": ext.padding, "notes": list(ext.notes)}
    if ext.text:
        info["text"] = list(ext.text)
    if ext.json is not None:
        info["json"] = ext.json
    if ext.records is not None:  # records always come with their layout
        info["layout"] = ext.layout.name
        info["fields"] = field_table(ext.layout)
        info["first_records"] = [typed(ext.record(i), json=encoded, raw_bytes=not encoded)
                                 for i in range(min(first, len(ext.records)))]
    return info


def describe_record(mrc, index: int, *, encoded: bool = True) -> dict:
    """One extended-header record in full, for ``dump --record N``: its typed values and its
    fields with their offsets in the file."""
    ext = mrc.extended
    count = 0 if ext.records is None else len(ext.records)
    if not 0 <= index < count:
        raise MrcFormatError(f"record {index} does not exist: the {ext.kind} extended header has {counted(count, 'record')}",
                             field="extended header", offset=HEADER_SIZE)
    offset = HEADER_SIZE + index * ext.record_size
    return {"schema": DUMP_SCHEMA, "path": mrc.path, "readable": True, "kind": ext.kind, "layout": ext.layout.name,
            "index": index, "offset": offset, "record": typed(ext.record(index), json=encoded, raw_bytes=not encoded),
            "fields": field_table(ext.layout, offset), "warnings": []}
