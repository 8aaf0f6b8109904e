"""The napari reader (npe2 manifest ``napari.yaml``): MRC files as image layers.

* Which files: ``.mrc .mrcs .map .st .ali .rec .preali .ccp4``, each also ``.gz`` or ``.bz2``.
* Data: files larger than :data:`LAZY_BYTES` are a dask array whose chunks read their own sections
  (:func:`mrcschema.reading.lazy.lazy_memmap`), so opening a 100 GB tomogram reads nothing;
  without dask they are a read-only ``numpy.memmap``.  Smaller files are read into memory.
  Complex data shows its amplitude; IMOD RGB (mode 16) is an RGB layer.
* Geometry: the layer ``scale`` is the voxel size and ``translate`` the origin, both in Å, along
  the data axes (sections, rows, columns are the axes MAPS, MAPR, MAPC say); ``units`` are
  ``angstrom``; ``axis_labels`` name the axes (``z, y, x``; ``frame`` for an image stack,
  ``volume`` for a volume stack).
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
_XYZ = {1: "x", 2: "y", 3: "z"}


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
        g, h = mrc.geometry, mrc.header
        rgb = g.mode.samples_per_pixel > 1
        shape = tuple(g.shape)
        spatial = len(shape) - (1 if rgb else 0)
        mappable = mrc.source.mappable_path is not None and not g.mode.packed_4bit
        if _lazy_wanted(g.nbytes) and mappable:
            data = _lazy_or_mapped(path, g.offset, g.dtype, shape, getattr(mrc.source, "file", None))
        else:
            data = np.array(mrc.data)  # small (or compressed: in memory already): the file can close
        data = _displayable(data)
        voxel = (mrc.voxel_size.x, mrc.voxel_size.y, mrc.voxel_size.z)
        origin = (mrc.origin.x, mrc.origin.y, mrc.origin.z)
        axes = [h.maps, h.mapr, h.mapc] if set((h.mapc, h.mapr, h.maps)) == {1, 2, 3} else [3, 2, 1]
        size = [voxel[a - 1] if voxel[a - 1] > 0 else 1.0 for a in axes]
        place = [origin[a - 1] for a in axes]
        labels = [_XYZ[a] for a in axes]
        if spatial == 2:
            size, place, labels = size[1:], place[1:], labels[1:]
        elif spatial == 4:  # volume stack: (volumes, z, y, x)
            size, place, labels = [1.0] + size, [0.0] + place, ["volume"] + labels
        if spatial == 3 and h.ispg == 0:  # an image stack: the sections are frames, not a length
            size[0], place[0], labels[0] = 1.0, 0.0, "frame"
        units = tuple("pixel" if label in ("frame", "volume") else "angstrom" for label in labels)
        kwargs = {
            "name": _stem(path), "scale": tuple(size), "translate": tuple(place), "axis_labels": tuple(labels),
            "units": units, "rgb": rgb, "metadata": _metadata(path, mrc),
        }
    return data, kwargs, "image"


def _lazy_or_mapped(path, offset, dtype, shape, file=None):
    """A dask array of whole sections (each read with ``pread`` when shown: a file truncated
    meanwhile is a clear error, not a ``SIGBUS``), or (without dask) a read-only memory map of the
    open ``file``."""
    from ..reading.window import map_window

    try:
        import dask.array  # noqa: F401
    except ModuleNotFoundError:
        return map_window(path, offset, dtype, shape, "r", file)
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
