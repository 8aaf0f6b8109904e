"""The axes of a file's data array as a converter needs them: per array axis a name, an NGFF type,
its size, and (for spatial axes) the voxel size, unit and physical position of the first voxel.

Taken from the file's physical model (``f.axes``, :mod:`mrcschema.reading.physical`: MAPC/MAPR/MAPS,
CELLA / M and its fallbacks, the FEI and Direct Electron pixel sizes, ORIGIN else N*START); this
module only says how each of its axes is named and typed in OME-NGFF.
"""

from __future__ import annotations

from dataclasses import dataclass


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


#: NGFF's name for a length unit of the model
_NGFF_UNITS = {"Å": "angstrom"}


def array_axes(f) -> list[Axis]:
    """The axes of ``f.data`` (stored order), from the physical model ``f.axes``.

    ``x``, ``y``, ``z`` keep their names, scales (Å, as NGFF's ``angstrom``) and offsets (the first
    voxel's position).  A volume stack's ``volume`` axis is ``t``.  The sections of a stack
    (``frame``, or a 4D-STEM ``scan`` of patterns) are ``z``, and diffraction axes ``ky``, ``kx``
    are ``y``, ``x``: viewers want spatial axes; their scale is kept where it is a length in Å,
    else 1 without a unit (1/Å and seconds are not NGFF space units; the model's axes are in the
    ``mrcschema`` attributes either way).  An RGB file's samples are ``c``."""
    g = f.geometry
    model = list(f.axes)
    renamed = {"volume": "t", "frame": "z", "scan": "z", "ky": "y", "kx": "x"}
    axes = []
    for axis in model:
        name = renamed.get(axis.name, axis.name)
        if name == "t":
            axes.append(Axis("t", "time", int(axis.size)))
            continue
        unit = _NGFF_UNITS.get(axis.unit) if axis.scale is not None and axis.scale > 0 else None
        if unit is None:
            axes.append(Axis(name, "space", int(axis.size)))
        else:
            axes.append(Axis(name, "space", int(axis.size), float(axis.scale), unit, float(axis.offset), True))
    if g.mode.samples_per_pixel > 1:
        axes.append(Axis("c", "channel", int(g.shape[-1])))
    return axes
