"""The text ``mrcschema dump`` prints, laid out from :func:`mrcschema.reading.describe.describe` of the
values themselves (``encoded=False``: bytes as bytes, floats as floats; never their JSON encoding).

Each field is one row (offset, type, field, value, meaning) fitted to the width
(:mod:`mrcschema.cli.text`); the values are shown and interpreted by :mod:`mrcschema.format.values`
(MODE as its type, ISPG as what the data is, MAPC/MAPR/MAPS as axis letters, FEI timestamps as
ISO dates, printable bytes as text).
"""

from __future__ import annotations

from ..format.values import counted, display, interpret
from ..reading.describe import leaf_value
from .text import Style, table, wrap

HEADER_LAYOUT, IMOD_LAYOUT = "mrc2014_header", "imod_extra"


def _value_text(layout, name, value, imod=False):
    if name == "label":
        return "listed below"
    if imod and layout == HEADER_LAYOUT and name in ("extra1", "extra2") and any(value):
        return "IMOD fields, below"  # bytes 96-195 are decoded field by field there
    shown = display(value)
    meaning = interpret(layout, name, value)
    return f"{shown} ({meaning})" if meaning else shown


def field_rows(layout, fields, values, imod=False):
    """(offset, type, field, value, meaning) cells of every field of a ``fields`` table (``imod``: the
    IMOD fields are shown too, so EXTRA's bytes are not repeated as hex)."""
    return [(str(meta["offset"]), meta["type"], name, _value_text(layout, name, leaf_value(values, name), imod),
             meta["doc"]) for name, meta in fields.items()]


def _lines(texts, width, indent="  "):
    out = []
    for text in texts:
        out += wrap(text, width, indent, indent + "  ")
    return out


def render_text(info, width: int = 100, style: Style | None = None) -> str:
    """The ``describe`` dict as the text ``dump`` prints, every line at most ``width`` long."""
    style = style or Style(False)
    title = style.bold
    lines = _lines([f"file: {info['path']}",
                    f"byte order: {info['byteorder']} ({info['byteorder_source']})"
                    + (f", {info['compression']}-compressed" if info["compression"] else "")], width, "")
    lines += ["", title("main header (offset, type, field, value, meaning):")]
    lines += table(field_rows(HEADER_LAYOUT, info["fields"]["header"], info["header"], "imod" in info), width, style)
    if "imod" in info:
        lines += ["", title("IMOD fields in EXTRA:")]
        lines += table(field_rows(IMOD_LAYOUT, info["fields"]["imod"], info["imod"]), width, style)
    lines += ["", title(f"labels ({len(info['labels'])}):")]
    lines += _lines([f"{i}: {t}" for i, t in enumerate(info["labels"])], width)
    lines += ["", title(f"extended header: {info['extended_header']['kind']}, {info['extended_header']['size']} bytes")]
    lines += _extended_lines(info["extended_header"], width, style)
    lines += ["", title("data:")] + _lines(_data_texts(info["data"]), width)
    if "interpreted" in info:
        lines += ["", title("interpreted (physical model):")] + _lines(_interpreted_texts(info["interpreted"]), width)
    return "\n".join(lines)


def _extended_lines(ext, width, style):
    texts = []
    if "first_records" in ext:
        texts.append(f"{counted(ext['records'], 'record')} of {ext['record_size']} bytes read "
                     f"(room for {ext['capacity']}), {counted(ext['padding'], 'byte')} of padding")
    texts += [f"symmetry: {line}" for line in ext.get("text", [])]
    if "json" in ext:
        import json  # only for a JSON extended header

        texts += [f"json: {line}" for line in json.dumps(ext["json"], indent=1, sort_keys=True).splitlines()]
    texts += [f"note: {n}" for n in ext["notes"]]
    lines = _lines(texts, width)
    for i, record in enumerate(ext.get("first_records", [])):
        lines.append(f"  record {i}:")
        lines += table(field_rows(ext["layout"], ext["fields"], record), width, style, indent=4)
    return lines


def _data_texts(d):
    if d["shape"] is None:
        return [f"not located (see the warnings above); file size {d['file_size']}, mode {d['mode']}"]
    size_note = "as expected" if d["file_size"] == d["expected_file_size"] else (
        f"expected {d['expected_file_size']}, {d['file_size'] - d['expected_file_size']:+d} bytes")
    kind = d["kind"] + (f", space group {d['space_group']['symbol']}" if d["space_group"] and d["kind"] != "image"
                        else "")
    voxel = tuple(round(v, 6) for v in d["voxel_size"].values())
    origin = tuple(d["origin"].values())
    axes = ", ".join(d["axis_order"]) if d["axis_order"] else "not a permutation of X, Y, Z"
    return [f"{kind}: shape {tuple(d['shape'])}, dtype {d['dtype']} (mode {d['mode']}: {d['mode_meaning']})",
            f"offset {d['offset']}, file size {d['file_size']} ({size_note})",
            f"CELLA / M {voxel} Å, ORIGIN {origin} (what they mean: see interpreted)",
            f"columns, rows, sections along {axes}"]


def _interpreted_texts(m):
    """The physical model: what the data is, each axis with its scale (or why it is unknown), the origin."""
    texts = [m["description"]]
    for a in m["axes"]:
        if a["scale"] is None:
            texts.append(f"axis {a['name']}: {a['size']}, scale unknown ({a['reason']})")
        else:
            offset = f", first at {a['offset']:.6g} {a['unit']}" if a["offset"] else ""
            texts.append(f"axis {a['name']}: {a['size']} x {a['scale']:.6g} {a['unit']}{offset} ({a['reason']})")
    if m["scan"] is not None:
        step = " x ".join("unknown" if s is None else f"{s:.6g} Å" for s in m["scan"]["step"])
        texts.append(f"scan: {' x '.join(map(str, m['scan']['shape']))} positions (y, x), step {step}"
                     + ("" if m["scan"]["raster"] else ", placed from the scan coordinates"))
    if m["origin"] is not None:
        texts.append(f"first voxel at {tuple(round(v, 6) for v in m['origin'])} Å (X, Y, Z; {m['origin_source']})")
    else:
        texts.append(f"first voxel: {m['origin_source']}")
    if m["voltage"]:
        texts.append(f"voltage {m['voltage'] / 1e3:g} kV")
    if m["frame_rate"]:
        texts.append(f"frame rate {m['frame_rate']:g} /s")
    texts += [f"fallback: {f}" for f in m["fallbacks"]]
    return texts


def render_record(info, width: int = 100, style: Style | None = None) -> str:
    """One record (``describe_record``) as the text ``dump --record N`` prints."""
    style = style or Style(False)
    lines = [f"file: {info['path']}",
             style.bold(f"{info['kind']} record {info['index']} (file offset, type, field, value, meaning):")]
    lines += table(field_rows(info["layout"], info["fields"], info["record"]), width, style)
    return "\n".join(lines)
