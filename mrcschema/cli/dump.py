"""The text ``mrcschema dump`` prints, laid out from :func:`mrcschema.reading.describe.describe`."""

from __future__ import annotations

from ..format.values import short_text


def _table(rows):
    lines = []
    for r in rows:
        value = short_text(r["value"], 24)
        lines.append(f"  {r['offset']:>5}  {r['type']:<14} {r['name']:<24} {value:<24} {r['doc']}")
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
    if d["shape"] is None:
        lines += ["", "data: not located (see the warnings above); file size "
                      f"{d['file_size']}, mode {d['mode']}"]
        return "\n".join(lines)
    size_note = "as expected" if d["file_size"] == d["expected_file_size"] else (
        f"expected {d['expected_file_size']}, {d['file_size'] - d['expected_file_size']:+d} bytes")
    lines += ["", "data:",
              f"  shape {tuple(d['shape'])}, dtype {d['dtype']} (mode {d['mode']}: {d['mode_meaning']})",
              f"  offset {d['offset']}, file size {d['file_size']} ({size_note})",
              f"  voxel size {tuple(round(v, 6) for v in d['voxel_size'])} Å, origin {tuple(d['origin'])}"]
    return "\n".join(lines)
