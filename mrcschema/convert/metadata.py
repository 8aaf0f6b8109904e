"""The file's header, labels and extended header as plain JSON data for Zarr attributes (the same
values ``mrcschema dump --json`` shows, without the field tables)."""

from __future__ import annotations

import math

from ..reading.describe import describe
from ..version import __version__
from .axes import Axis


def file_attributes(f, axes: list[Axis]) -> dict:
    """``{"mrcschema": {...}}``: the converter's version, the source, the axes with their physical
    meaning, and the header, IMOD fields, labels and extended header (kind, notes, first records)."""
    info = describe(f)
    extended = dict(info["extended_header"])
    extended.pop("fields", None)
    kept = {
        "version": __version__,
        "source": f.path,
        "byteorder": info["byteorder"],
        "axes": [axis.as_dict() for axis in axes],
        "header": info["header"],
        "labels": info["labels"],
        "data": {k: info["data"][k] for k in ("offset", "shape", "dtype", "mode", "mode_name", "kind",
                                               "space_group", "axis_order", "voxel_size", "origin")},
        "extended_header": extended,
    }
    model = f.physical
    kept["physical"] = {"kind": model.kind, "description": model.description, "origin": model.origin,
                        "origin_source": model.origin_source, "fallbacks": list(model.fallbacks),
                        "axes": [{"name": a.name, "size": a.size, "scale": a.scale, "unit": a.unit, "offset": a.offset,
                                  "reason": a.reason} for a in model.axes]}
    if "imod" in info:
        kept["imod"] = info["imod"]
    return {"mrcschema": finite(kept)}


def finite(value):
    """``value`` with NaN and infinities (a float32 header field can hold them; JSON cannot) as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value
