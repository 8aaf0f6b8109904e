"""``mrcschema dump``: every header field with its offset, type, value and meaning.

The rows come from the layouts' field tables, so what ``dump`` shows is exactly what
the schemas declare.  :func:`describe` builds a plain dict (the ``--json`` output);
:func:`render_text` lays it out for a terminal.
"""

from __future__ import annotations

import attrs

from .schemas.mrc2014 import IMOD_EXTRA, IMOD_EXTRA_OFFSET, IMOD_STAMP, MRC2014_HEADER


def _json_value(value):
    """Short byte fields (stamps, codes) as hex with their text; long ones as text, or hex
    when they hold anything but printable ASCII; nested records are flattened by the caller."""
    if isinstance(value, bytes):
        stripped = value.rstrip(b"\0")
        printable = all(32 <= b < 127 for b in stripped)
        if len(value) <= 8:
            return value.hex(" ") + (f" {stripped.decode('ascii')!r}" if printable and stripped else "")
        if not stripped:
            return f"{len(value)} zero bytes"
        return stripped.decode("ascii") if printable else value.hex(" ")
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


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
                    "value": _json_value(getattr(value, child.name)), "doc": child.doc or field.doc,
                })
        else:
            rows.append({"name": field.name, "offset": base_offset + field.offset, "size": field.size,
                         "type": field.type, "value": _json_value(value), "doc": field.doc})
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
    from .extended import describe_extended

    out["extended_header"] = describe_extended(mrc)
    return out


def _fmt(value, width=24):
    if isinstance(value, float):
        return f"{value:.7g}"
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(rows):
    lines = []
    for r in rows:
        lines.append(f"  {r['offset']:>5}  {r['type']:<14} {r['name']:<24} {_fmt(r['value']):<24} {r['doc']}")
    return lines


def render_text(info):
    """The ``describe`` dict as the text ``dump`` prints."""
    lines = [f"file: {info['file']}",
             f"byte order: {info['byteorder']} ({info['byteorder_source']})"
             + (f", {info['compression']}-compressed" if info["compression"] else ""),
             "", "main header (offset, type, field, value, meaning):"]
    lines += _table(info["header"])
    if "imod" in info:
        lines += ["", "IMOD fields in EXTRA:"] + _table(info["imod"])
    lines += ["", f"labels ({len(info['labels'])}):"] + [f"  {i}: {t}" for i, t in enumerate(info["labels"])]
    ext = info["extended_header"]
    lines += ["", f"extended header: {ext['type']}, {ext['size']} bytes"]
    lines += [f"  {line}" for line in ext.get("summary", [])]
    d = info["data"]
    size_note = "as expected" if d["file_size"] == d["expected_file_size"] else (
        f"expected {d['expected_file_size']}, {d['file_size'] - d['expected_file_size']:+d} bytes")
    lines += ["", "data:",
              f"  shape {tuple(d['shape'])}, dtype {d['dtype']} (mode {d['mode']}: {d['mode_meaning']})",
              f"  offset {d['offset']}, file size {d['file_size']} ({size_note})",
              f"  voxel size {tuple(round(v, 6) for v in d['voxel_size'])} Å, origin {tuple(d['origin'])}"]
    return "\n".join(lines)
