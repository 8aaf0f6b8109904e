"""``file_writer``: write a HyperSpy / RosettaSciIO signal dictionary as an MRC2014 file.

The signal dictionary is what HyperSpy hands a RosettaSciIO writer (``signal._to_dictionary()``):
``data`` and ``axes`` (one dict per array axis, in array order, with ``name``, ``units``,
``size``, ``scale``, ``offset``, ``navigate``); ``metadata`` and ``original_metadata`` are not
stored (MRC has no place for them).

* The last array axis is X, the one before it Y (the image); every axis before those is the
  stack: one leading axis gives an image stack (NZ = its size), several are flattened into
  one stack of sections (a 4D-STEM scan becomes NZ = scan points; read it back with
  ``navigation_shape=``).
* Scales become the voxel size in Å: units "nm" x 10, "Å" / "A" / "angstrom" x 1,
  "µm" / "um" x 1e4, "pm" x 0.01.  An axis in any other unit (none, "s", "nm^-1"...)
  has no length to store: its voxel size is written 0 ("not set", as mrcfile writes it),
  which readers give back as scale 1 (our ``file_reader``; RosettaSciIO for the stack
  axis).  A scale other than 1 on such an axis is lost, with a warning.
* Offsets become ORIGIN (x, y, z) in Å with the same factors (0 for unit-less axes).
* The Z voxel size comes from the stack axis when there is exactly one; a flattened
  stack has none (0).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

from ..errors import MrcWarning
from ..writing.writer import write

#: length units -> Å per unit
LENGTH_UNITS = {
    "nm": 10.0, "Å": 1.0, "\u212b": 1.0, "A": 1.0, "angstrom": 1.0, "Angstrom": 1.0,
    "µm": 1e4, "\u03bcm": 1e4, "um": 1e4, "micron": 1e4, "pm": 0.01,
}

#: keyword arguments passed on to :func:`mrcschema.write`
WRITE_KEYWORDS = ("labels", "extended_header", "exttyp", "byteorder", "volume", "overwrite")


def angstrom_per_unit(units):
    """Å per unit of ``units``, or None for anything that is not a length we know."""
    if not isinstance(units, str):
        return None
    return LENGTH_UNITS.get(units.strip())


def _axes_in_array_order(signal, ndim):
    axes = [dict(axis) for axis in signal.get("axes") or []]
    if not axes:
        axes = [{} for _ in range(ndim)]
    if len(axes) != ndim:
        raise ValueError(f"the signal has {len(axes)} axes for {ndim}-dimensional data")
    if all(axis.get("index_in_array") is not None for axis in axes):
        axes.sort(key=lambda axis: axis["index_in_array"])
    return axes


def _calibration(axis, what):
    """(voxel size Å, origin Å) of one axis; (0, 0) with a warning if its units are not a length."""
    scale = float(axis.get("scale", 1.0) or 0.0)
    offset = float(axis.get("offset", 0.0) or 0.0)
    factor = angstrom_per_unit(axis.get("units"))
    if factor is None:
        if scale != 1.0 or offset != 0.0:
            warnings.warn(f"{what} axis {axis.get('name')!r} is in {axis.get('units')!r}, not a length: its scale "
                          f"{scale} and offset {offset} cannot be stored (voxel size 0 = not set)",
                          MrcWarning, stacklevel=4)
        return 0.0, 0.0
    return abs(scale) * factor, offset * factor


def file_writer(filename: str | os.PathLike, signal: dict, **kwds: Any) -> str:
    """Write ``signal`` (a HyperSpy/RosettaSciIO signal dict) to ``filename`` as MRC2014.

    Keywords: ``overwrite`` (default True: HyperSpy has already asked), ``labels``,
    ``extended_header``, ``exttyp``, ``byteorder``, ``volume`` (3D data as a volume, ISPG 1)
    as for :func:`mrcschema.write`.
    """
    unknown = set(kwds) - set(WRITE_KEYWORDS)
    if unknown:
        raise TypeError(f"file_writer got unexpected keywords {sorted(unknown)}; known: {list(WRITE_KEYWORDS)}")
    kwds.setdefault("overwrite", True)
    data = signal["data"]
    if not hasattr(data, "shape") or not hasattr(data, "dtype"):
        data = np.asarray(data)
    ndim = len(data.shape)
    if ndim < 2:
        raise ValueError(f"MRC holds images: the data needs at least 2 axes, it has {ndim}")
    axes = _axes_in_array_order(signal, ndim)
    vx, ox = _calibration(axes[-1], "x")
    vy, oy = _calibration(axes[-2], "y")
    vz = oz = 0.0
    if ndim == 3:
        vz, oz = _calibration(axes[0], "stack")
    elif ndim > 3:
        data = data.reshape((-1,) + tuple(data.shape[-2:]))
    return write(filename, data, voxel_size=(vx, vy, vz), origin=(ox, oy, oz), **kwds)
