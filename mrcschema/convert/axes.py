"""The axes of a file's data array as a converter needs them: per array axis a name, an NGFF type,
its size, and (for spatial axes) the voxel size, unit and physical position of the first voxel.

This is the one place the converters take geometry from.  It reads ``f.voxel_size``, ``f.origin``,
``f.start_xyz`` and MAPC/MAPR/MAPS (``f.axis_order``) until the physical model of the file
(``f.axes``) lands; switching to it changes only :func:`array_axes`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: the physical axis of MAPC/MAPR/MAPS values 1, 2, 3
_XYZ = {1: "x", 2: "y", 3: "z"}


@dataclass(frozen=True)
class Axis:
    """One axis of the data array, in the array's order (slowest first)."""

    name: str  #: "x", "y", "z" (physical axes), "t" (the volume of a volume stack), "c" (RGB)
    type: str  #: the NGFF axis type: "space", "time" or "channel"
    size: int
    scale: float = 1.0  #: voxel size in ``unit`` (1.0 where it is not known)
    unit: str | None = None  #: "angstrom" for spatial axes whose voxel size is known, else None
    translation: float = 0.0  #: physical position of the first voxel's centre, in ``unit`` (voxels if unknown)
    scale_known: bool = False  #: the header gives a positive voxel size along this axis

    def as_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "size": self.size, "scale": self.scale, "unit": self.unit,
                "translation": self.translation, "scale_known": self.scale_known}


def array_axes(f) -> list[Axis]:
    """The axes of ``f.data`` (stored order: volumes, sections, rows, columns, RGB samples).

    Sections, rows and columns run along the physical axes MAPS, MAPR, MAPC name.  The voxel size
    along X, Y, Z is ``f.voxel_size`` (CELLA / M); where it is not positive it is unknown (scale 1,
    no unit).  The first voxel is at ORIGIN where any of ORIGIN is non-zero (and all finite), else at
    NXSTART/NYSTART/NZSTART x voxel size (ChimeraX's and Mol*'s precedence, the one the physical
    model of the file takes), in Å; NXSTART in voxels where the voxel size is unknown.  A volume
    stack's volume index is axis ``t`` and an RGB file's samples are axis ``c``."""
    g = f.geometry
    shape = tuple(g.shape)
    rgb = g.mode.samples_per_pixel > 1
    spatial = len(shape) - (1 if rgb else 0)
    order = f.axis_order  # (MAPC, MAPR, MAPS), a permutation of 1, 2, 3 (else MrcFormatError)
    voxel = dict(zip("xyz", f.voxel_size))
    origin = dict(zip("xyz", f.origin))
    use_origin = any(origin.values()) and all(math.isfinite(v) for v in origin.values())
    start = dict(zip("xyz", f.start_xyz))
    physical = [_XYZ[order[2]], _XYZ[order[1]], _XYZ[order[0]]][-min(spatial, 3):]  # sections, rows, columns
    axes = []
    if spatial == 4:
        axes.append(Axis("t", "time", shape[0]))
    for name, size in zip(physical, shape[spatial - len(physical):spatial]):
        known = voxel[name] > 0
        scale = float(voxel[name]) if known else 1.0
        if use_origin:
            position = float(origin[name]) if known else 0.0
        else:
            position = start[name] * scale  # in voxels (scale 1) where the voxel size is unknown
        axes.append(Axis(name, "space", int(size), scale, "angstrom" if known else None, float(position), known))
    if rgb:
        axes.append(Axis("c", "channel", shape[-1]))
    return axes
