"""The napari reader (npe2 manifest ``napari.yaml``): MRC files as image layers.

* Which files: ``.mrc .mrcs .map .st .ali .rec .preali .ccp4``, each also ``.gz`` or ``.bz2``.
* Data: files larger than :data:`LAZY_BYTES` are a dask array whose chunks map their own sections
  (:func:`mrcschema.reading.lazy.lazy_memmap`), so opening a 100 GB tomogram reads nothing;
  without dask they are a read-only ``numpy.memmap``.  Smaller files are read into memory.
  Complex data shows its amplitude; IMOD RGB (mode 16) is an RGB layer.
* Geometry: from the physical model (``MrcFile.physical``): the layer ``scale`` is each axis's
  step and ``translate`` the position of its first voxel, in Å, along the data axes (sections,
  rows, columns are the axes MAPS, MAPR, MAPC say); ``units`` ``angstrom``, or ``pixel`` with scale 1
  where the size is not known (CELLA 0, Direct Electron's negative CELLA); ``axis_labels`` name the
  axes (``z, y, x``; ``frame`` for an image stack, ``volume`` for a volume stack).
* A Direct Electron 4D-STEM movie with its info file is read through the HyperSpy reader's plan
  (:func:`mrcschema.hyperspy.reader.file_reader`, lazily when large): the layer has the scan and
  frame axes ``y, x, ky, kx`` (and ``repeat``) with their scales and units.
* ``metadata``: the file path, the header as typed values (as ``dump --json`` gives it), the
  extended-header kind and the voxel size.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from ..errors import MrcWarning
from ..format.values import header_values
from ..reading import mrc_file

#: files larger than this open lazily
LAZY_BYTES = 256 << 20
SUFFIXES = (".mrc", ".mrcs", ".map", ".st", ".ali", ".rec", ".preali", ".ccp4")
COMPRESSIONS = ("", ".gz", ".bz2")
#: the physical model's units as napari (pint) spells them; an axis without a known scale is in pixels
NAPARI_UNITS = {"Å": "angstrom", "1/Å": "1/angstrom", "s": "second"}


def is_mrc_path(path) -> bool:
    name = os.fspath(path).lower()
    return any(name.endswith(s + c) for s in SUFFIXES for c in COMPRESSIONS)


def napari_get_reader(path):
    """The reader for ``path`` (a path or a list of paths) when every path is an MRC file, else None."""
    paths = path if isinstance(path, (list, tuple)) else [path]
    if not paths or not all(isinstance(p, (str, os.PathLike)) and is_mrc_path(p) for p in paths):
        return None
    return read_mrc


def read_mrc(path):
    """The layer data of one or several MRC files: a list of ``(data, kwargs, "image")``."""
    paths = path if isinstance(path, (list, tuple)) else [path]
    return [layer for p in paths for layer in _layers(os.fspath(p))]


def _layers(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MrcWarning)
        scan = _de_scan(path)
        if scan is not None:
            return [scan]
        return [_image(path)]


def _lazy_wanted(nbytes):
    return nbytes > LAZY_BYTES


def _image(path):
    with mrc_file.open(path) as mrc:
        g = mrc.geometry
        rgb = g.mode.samples_per_pixel > 1
        shape = tuple(g.shape)
        mappable = mrc.source.mappable_path is not None and not g.mode.packed_4bit
        if _lazy_wanted(g.nbytes) and mappable:
            data = _lazy_or_mapped(path, g.offset, g.dtype, shape)
        else:
            data = np.array(mrc.data)  # small (or compressed: in memory already): the file can close
        data = _displayable(data)
        axes = mrc.physical.axes  # the one physical model: names, scales, units, offsets
        size = [a.scale if a.scale is not None else 1.0 for a in axes]
        place = [a.offset for a in axes]
        labels = [a.name for a in axes]
        units = tuple(NAPARI_UNITS[a.unit] if a.scale is not None else "pixel" for a in axes)
        kwargs = {
            "name": _stem(path), "scale": tuple(size), "translate": tuple(place), "axis_labels": tuple(labels),
            "units": units, "rgb": rgb, "metadata": _metadata(path, mrc),
        }
    return data, kwargs, "image"


def _lazy_or_mapped(path, offset, dtype, shape):
    """A dask array of whole sections, or (without dask) a read-only memory map."""
    from ..reading.window import map_window

    try:
        import dask.array  # noqa: F401
    except ModuleNotFoundError:
        return map_window(path, offset, dtype, shape, "r")
    from ..reading.lazy import lazy_memmap

    return lazy_memmap(path, offset, dtype, shape, chunks="auto", signal_ndim=2)


def _displayable(data):
    """napari shows real numbers: complex data as amplitudes (mode 3 pairs too), lazily if lazy."""
    dtype = np.dtype(data.dtype)
    if dtype.names:
        if hasattr(data, "map_blocks"):
            return data.map_blocks(_pair_amplitude, dtype=np.float32)
        return _pair_amplitude(data)
    if dtype.kind == "c":
        return abs(data)
    return data


def _pair_amplitude(block):
    return np.hypot(block["real"].astype(np.float32), block["imag"].astype(np.float32))


def _stem(path):
    name = os.path.basename(path)
    for suffix in (".gz", ".bz2"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return os.path.splitext(name)[0]


def _metadata(path, mrc):
    v = mrc.voxel_size
    return {"path": path, "header": header_values(mrc.header, json=False), "labels": list(mrc.labels),
            "extended_header": mrc.extended.kind, "voxel_size": (v.x, v.y, v.z)}


def _de_scan(path):
    """A DE 4D-STEM movie with a scan in its info file, through the HyperSpy reader's plan."""
    if not path.lower().endswith("_movie.mrc"):
        return None
    from ..de.files import find_de_files
    from ..de.info import read_info_file

    found = find_de_files(path)
    if found.info is None or not read_info_file(found.info).scan_enabled:
        return None
    from ..hyperspy.reader import file_reader

    lazy = os.path.getsize(path) > LAZY_BYTES
    if lazy:
        try:
            import dask.array  # noqa: F401
        except ModuleNotFoundError:
            lazy = False
    signal = file_reader(path, lazy=lazy)[0]
    axes = signal["axes"]
    units = tuple(a["units"] or "pixel" for a in axes)
    kwargs = {
        "name": _stem(path),
        "scale": tuple(a["scale"] for a in axes), "translate": tuple(a["offset"] for a in axes),
        "axis_labels": tuple(a["name"] for a in axes), "units": units,
        "metadata": {"path": path, "axes": axes, "original_metadata": signal["original_metadata"]},
    }
    return signal["data"], kwargs, "image"
