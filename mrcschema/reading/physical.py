"""The physical model of an opened file: what each array axis is, its size, scale, unit and
offset, and where the first voxel sits, derived once (``MrcFile.axes``, :func:`physical_model`)
and used by every consumer (HyperSpy axes, the napari layer, the preview, ``dump``, the validator).

The rules, each from a writer's convention (``docs/user_guide.md``, "Physical coordinates"):

* MAPC/MAPR/MAPS say which cell axis (X, Y, Z) the columns, rows and sections run along; CELLA
  and MX/MY/MZ are along the cell axes, so the sampling of a file axis is CELLA / M of the cell
  axis it maps to (EMD-3001: sections along Y).
* mrcz writes MX = MY = 0 (MZ 0, or 1 for a list of frames) and CELLA = its 3D pixel size x N, also
  for ISPG 0 stacks: all three sizes are CELLA / N, and the sections of such a stack are "z".
* M <= 0 elsewhere: CELLA / N (issue 12's fallback, reported).
* CELLA <= 0 (0: nothing written; negative: Direct Electron's "unknown", -10 Å x N): the scale
  is unknown (``None`` with the reason), unless the DE info file gives the pixel size.
* An FEI1/FEI2 (or old FEI) extended header's pixel size, where its bitmask bit is set, is the
  scale of the columns and rows (the vendor's calibration; RosettaSciIO reads it too).
* ISPG 0 with NZ > 1 is a stack of images: its first axis is "frame", with the spacing the writer
  gave (CELLA.z / MZ) where there is one;
  ISPG 401-630 is NZ / MZ volumes ("volume", then the three spatial axes); DE movies are frames in
  time, 4D-STEM scans a "scan" of positions over diffraction patterns (ky, kx).
* The first voxel: ORIGIN where any of it is non-zero, else NXSTART/NYSTART/NZSTART x voxel size
  (ChimeraX's and Mol*'s precedence; ``specs/origin.md``).

Spatial units are Å, reciprocal ones 1/Å, time s.  A scale that is not known is ``None`` with
``reason``, never -10, 0 or a silent 1.
"""

from __future__ import annotations

import math
import os
import typing

from ..format.meaning import is_image_ispg, is_volume_stack
from ..format.records import record

#: cell axis number (MAPC/MAPR/MAPS value) -> name
CELL_AXES = {1: "x", 2: "y", 3: "z"}
ANGSTROM = "Å"
INVERSE_ANGSTROM = "1/Å"
SECOND = "s"


@record
class Axis:
    """One array axis, in file (numpy) order."""

    name: str  #: "x", "y", "z", "frame", "volume", "scan", "ky", "kx"
    size: int
    scale: float | None  #: the step between neighbouring indices, in ``unit``; None when not known
    unit: str | None  #: "Å", "1/Å", "s", or None (an index)
    offset: float  #: the position of index 0, in ``unit`` (0 when unknown)
    reason: str  #: where the scale comes from, or why it is not known

    @property
    def scale_known(self) -> bool:
        return self.scale is not None


@record
class Scan:
    """A 4D-STEM scan's grid (from the Direct Electron info file): the positions the frames were
    recorded at."""

    shape: tuple  #: (y, x) positions, in numpy order
    step: tuple  #: (y, x) in Å, or (None, None)
    raster: bool  #: positions in raster order (else placed from the scan coordinates file)
    repeats: int


@record
class PhysicalModel:
    """``f.physical``: the axes, what the data is, and where the first voxel sits."""

    axes: tuple  #: :class:`Axis` per array axis, file order
    kind: str  #: "image", "image stack", "volume", "volume stack", "movie", "4D-STEM scan"
    description: str  #: the kind in words, e.g. "volume, sections along Y"
    origin: tuple | None  #: (x, y, z) in Å of the first voxel; None when unknown
    origin_source: str  #: "ORIGIN", "NXSTART x voxel", "none" (all zero) or why unknown
    fallbacks: tuple  #: where the model departed from the plain header (the validator reports them)
    scan: Scan | None = None
    voltage: float | None = None  #: V, from the DE info file
    frame_rate: float | None = None  #: frames per second, from the DE info file

    @property
    def scales_known(self) -> bool:
        """Whether every spatial axis has a known scale."""
        return all(a.scale is not None for a in self.axes if a.name in SPATIAL)

    def axis(self, name: str) -> Axis | None:
        return next((a for a in self.axes if a.name == name), None)


SPATIAL = ("x", "y", "z", "ky", "kx")


def _axis_order(h) -> tuple[tuple[int, int, int], str | None]:
    order = (h.mapc, h.mapr, h.maps)
    if sorted(order) != [1, 2, 3]:
        return (1, 2, 3), f"MAPC, MAPR, MAPS {order} are not a permutation of 1, 2, 3: taken as 1, 2, 3"
    return order, None


def cell_sampling(h) -> tuple[dict, list]:
    """{cell axis 1-3: (Å per voxel or None, reason)} and the fallbacks taken."""
    order, problem = _axis_order(h)
    fallbacks = [problem] if problem else []
    n_along = {order[0]: h.nx, order[1]: h.ny, order[2]: h.nz}
    cell = {1: h.cella.x, 2: h.cella.y, 3: h.cella.z}
    m = {1: h.mx, 2: h.my, 3: h.mz}
    mrcz = mrcz_sampling(h)
    out = {}
    for axis in (1, 2, 3):
        letter = CELL_AXES[axis].upper()
        c, n = cell[axis], n_along[axis]
        if c < 0:
            out[axis] = (None, f"CELLA {letter} is {c:g} Å: negative, Direct Electron's 'unknown'")
        elif c == 0:
            out[axis] = (None, f"CELLA {letter} is 0: no size written")
        elif mrcz and n > 0:
            out[axis] = (c / n, f"CELLA / N{letter} (mrcz writes MX = MY = 0)")
        elif m[axis] > 0:
            out[axis] = (c / m[axis], f"CELLA / M{letter}")
        elif n > 0:
            out[axis] = (c / n, f"CELLA / N{letter} (M{letter} is {m[axis]})")
            fallbacks.append(f"M{letter} is {m[axis]}: the voxel size along {letter} is CELLA / N{letter}")
        else:
            out[axis] = (None, f"M{letter} and N{letter} are 0")
    if mrcz:
        fallbacks.append("MX = MY = 0 (mrcz): voxel sizes are CELLA / N along X, Y and Z")
    return out, fallbacks


def mrcz_sampling(h) -> bool:
    """mrcz's convention: MX = MY = 0 (MZ 0, or 1 for a list of frames) with CELLA = pixel size x N
    along every axis, its pixel size being 3D ([z, y, x]) even for ISPG 0 stacks."""
    return h.mx == 0 and h.my == 0 and h.mz in (0, 1) and h.cella.x > 0 and h.cella.y > 0 and h.cella.z > 0


def first_voxel(h, sampling: dict) -> tuple[tuple | None, str]:
    """(x, y, z) of the first voxel in Å and where it came from: ORIGIN when any of it is
    non-zero (ChimeraX, Mol*), else NXSTART/NYSTART/NZSTART x voxel size (gemmi, EMDB)."""
    origin = (h.origin.x, h.origin.y, h.origin.z)
    finite = all(math.isfinite(v) for v in origin)
    if any(origin) and finite:
        return tuple(float(v) for v in origin), "ORIGIN"
    order, _ = _axis_order(h)
    starts = {order[0]: h.nxstart, order[1]: h.nystart, order[2]: h.nzstart}
    if not any(starts.values()):
        if not finite:
            return (0.0, 0.0, 0.0), f"ORIGIN {origin} is not finite and NXSTART/NYSTART/NZSTART are 0"
        return (0.0, 0.0, 0.0), "none (ORIGIN and NXSTART/NYSTART/NZSTART all 0)"
    if any(sampling[a][0] is None for a in (1, 2, 3) if starts[a]):
        return None, "NXSTART/NYSTART/NZSTART are set but the voxel size is not known"
    return tuple(float(starts[a] * (sampling[a][0] or 0.0)) for a in (1, 2, 3)), "NXSTART x voxel"


def _spatial(name, size, sampling, origin, axis):
    scale, reason = sampling[axis]
    offset = origin[axis - 1] if origin is not None and scale is not None else 0.0
    return Axis(name, size, scale, ANGSTROM if scale is not None else None, offset, reason)


def physical_model(mrc, info=None, fei_pixel_size=None) -> PhysicalModel:
    """The model of an open file (the shape from its data geometry), with the DE info file ``info``
    (a :class:`mrcschema.de.info.DeInfo`) and the FEI pixel size ``(x, y)`` in metres when known."""
    g = mrc.geometry
    shape = tuple(g.shape[:len(g.shape) - (1 if g.mode.samples_per_pixel > 1 else 0)])
    return model_of(mrc.header, shape, info, fei_pixel_size)


def model_of(h, shape: tuple, info=None, fei_pixel_size=None) -> PhysicalModel:
    """The model of a header whose data array has ``shape`` (without an RGB axis): the one place
    the rules above are applied (``MrcFile.physical`` and the validator call it)."""
    sampling, fallbacks = cell_sampling(h)
    order, _ = _axis_order(h)
    columns, rows, sections = order
    if fei_pixel_size is not None and fei_pixel_size[0] and fei_pixel_size[0] > 0:
        for axis, value in zip((columns, rows), fei_pixel_size):  # the vendor's calibration (as RosettaSciIO)
            sampling[axis] = (value * 1e10, "FEI extended header pixel size")
    if info is not None:
        return _de_model(h, shape, info, sampling, fallbacks)
    origin, origin_source = first_voxel(h, sampling)
    plane = [_spatial(CELL_AXES[rows], shape[-2], sampling, origin, rows),
             _spatial(CELL_AXES[columns], shape[-1], sampling, origin, columns)]
    section_letter = CELL_AXES[sections]
    if len(shape) == 2:
        return PhysicalModel(tuple(plane), "image", "image", origin, origin_source, tuple(fallbacks))
    if is_image_ispg(h.ispg) and mrcz_sampling(h):
        z = _spatial(section_letter, shape[-3], sampling, origin, sections)
        return PhysicalModel((z, *plane), "image stack", f"stack of {shape[0]} images {z.scale:g} Å apart (mrcz)",
                             origin, origin_source, tuple(fallbacks))
    if is_image_ispg(h.ispg):
        spacing, why = sampling[sections]
        if spacing is None:
            frame = Axis("frame", shape[0], None, None, 0.0, f"ISPG 0: sections are separate images; {why}")
        else:  # the spacing the writer gave the sections (HyperSpy's file_writer stores its stack axis so)
            offset = origin[sections - 1] if origin is not None else 0.0
            frame = Axis("frame", shape[0], spacing, ANGSTROM, offset, f"ISPG 0: sections are images; {why}")
        return PhysicalModel((frame, *plane), "image stack", f"stack of {shape[0]} images", origin, origin_source,
                             tuple(fallbacks))
    z = _spatial(section_letter, shape[-3], sampling, origin, sections)
    along = f"sections along {section_letter.upper()}"
    if len(shape) == 4 and is_volume_stack(h.ispg):
        volume = Axis("volume", shape[0], None, None, 0.0, f"ISPG {h.ispg}: a stack of volumes of MZ {h.mz} sections")
        return PhysicalModel((volume, z, *plane), "volume stack", f"stack of {shape[0]} volumes, {along}",
                             origin, origin_source, tuple(fallbacks))
    what = f"volume, {along}" if shape[-3] != 1 else "volume of one section (an image)"
    return PhysicalModel((z, *plane), "volume", what, origin, origin_source, tuple(fallbacks))


def _de_model(h, shape, info, sampling, fallbacks) -> PhysicalModel:
    """A Direct Electron movie or 4D-STEM scan: frames over (y, x) or (ky, kx), sizes from the info file."""
    diffracting = info.is_diffracting
    if diffracting:
        pair, names, unit, factor = info.diffraction_pixel_size, ("ky", "kx"), INVERSE_ANGSTROM, 0.1
        what = "diffraction pixel size"
    else:
        pair, names, unit, factor = info.real_pixel_size, ("y", "x"), ANGSTROM, 10.0
        what = "specimen pixel size"
    frame_plane = []
    for name, size, index, axis in ((names[0], shape[-2], 1, 2), (names[1], shape[-1], 0, 1)):
        if pair is not None:
            frame_plane.append(Axis(name, size, pair[index] * factor, unit, 0.0, f"DE info file: {what}"))
        elif diffracting:
            frame_plane.append(Axis(name, size, None, None, 0.0, f"the DE info file gives no {what}"))
        else:
            scale, reason = sampling[axis]
            frame_plane.append(Axis(name, size, scale, ANGSTROM if scale else None, 0.0, reason))
    frames = shape[0] if len(shape) > 2 else 1
    voltage = info.get_value("Instrument Accelerating Voltage (V)")
    common = {"voltage": None if not voltage else float(voltage), "frame_rate": info.fps}
    if info.scan_enabled:
        real = info.real_pixel_size
        step = (None, None) if real is None else (real[1] * 10.0, real[0] * 10.0)
        grid = info.scan_shape
        scan = Scan((grid[1], grid[0]) if grid else (), step, info.is_raster, info.repeats)
        first = Axis("scan", frames, None, None, 0.0, "scan positions: see the scan grid")
        grid_text = f"{grid[0]} x {grid[1]} " if grid else ""
        kind_text = "diffraction patterns" if diffracting else "images"
        return PhysicalModel((first, *frame_plane), "4D-STEM scan",
                             f"4D-STEM scan: {grid_text}positions of {kind_text}", None,
                             "a scan: no single origin", tuple(fallbacks), scan=scan, **common)
    time = info.frame_time
    first = Axis("frame", frames, time, SECOND if time else None, 0.0,
                 "DE info file: frames per second" if time else "the DE info file gives no frame rate")
    return PhysicalModel((first, *frame_plane)[-len(shape):], "movie", f"movie of {frames} frames", None,
                         "a movie: no origin", tuple(fallbacks), **common)


def fei_pixel_size(mrc) -> tuple | None:
    """(x, y) in metres from an FEI extended header (its bitmask bit set), else None."""
    if mrc.header.nsymbt <= 0:
        return None
    from .extended_metadata import acquisition_from_extended

    try:
        return acquisition_from_extended(mrc.extended).pixel_size
    except ValueError:  # a damaged extended header: the validator reports it
        return None


def de_info_of(path, storage_options: dict | None = None) -> typing.Any:
    """The DE info file beside a ``*_movie.mrc`` (a local path or a URL; a :class:`DeInfo`), else
    None, also when it cannot be read (the validator's DE rules say why)."""
    if path is None or not isinstance(path, (str, os.PathLike)) or not os.fspath(path).lower().endswith("_movie.mrc"):
        return None
    from ..de.files import find_de_files  # only for a DE movie: other files import no DE module
    from ..de.info import read_info_file
    from ..errors import MrcFormatError

    text = os.fspath(path)
    try:
        found = find_de_files(text, storage_options=storage_options)
        if found.info is None:
            return None
        return read_info_file(found.info, storage_options=storage_options)
    except (OSError, MrcFormatError):
        return None
