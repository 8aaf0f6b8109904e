"""``file_reader``: a drop-in for RosettaSciIO's ``rsciio.mrc.file_reader``.

``hs.load(path, file_format=mrcschema)`` calls it.  It returns the same structure
RosettaSciIO returns (a list of one signal dict with ``data``, ``axes``,
``metadata``, ``original_metadata`` and ``mapping``) with the same key names and
units, and gives the right answer where RosettaSciIO does not: the byte order comes
from the file, mode 0 is signed, volume stacks keep their 4D shape, FEI1/FEI2
metadata reach ``metadata``, Direct Electron pixel sizes and frame rates give the
axis scales, navigators are paired with their own files, and not-lazy loading maps
the file instead of reading it.  docs/hyperspy.md lists every difference.
"""

from __future__ import annotations

import datetime
import os
import warnings

import attrs
import numpy as np

from ..de.files import DeFileSet, find_de_files, place_frames, read_scan_coordinates
from ..de.frames import expected_frames
from ..de.info import read_info_file
from ..errors import MrcFormatError, MrcWarning
from ..format.mrc2014 import IMOD_EXTRA, IMOD_EXTRA_OFFSET, header_error
from ..format.values import header_values, record_columns
from ..reading import mrc_file
from ..reading.lazy import check_chunks, import_dask, lazy_frames, lazy_memmap, load_frames
from ..reading.metadata import acquisition
from ..reading.physical import physical_model
from ..reading.window import map_window
from ..sources.urls import basename

MMAP_MODES = ("r", "r+", "c", "w+")
#: Not lazy, a non-raster scan is placed into a new zero-filled array; its grid may hold at most
#: this many places per frame (so at most this many times the data's size is allocated).
MAX_DENSE_PLACES_PER_FRAME = 16


def file_reader(filename: str | os.PathLike, lazy: bool = False, mmap_mode: str | None = None,
                endianess: str | None = None, navigation_shape: tuple[int, ...] | None = None,
                distributed: bool = False, chunks: object = "auto", metadata_file: object = "auto",
                virtual_images: list | None = None, external_images: list | None = None,
                scan_file: str | os.PathLike | None = None, endianness: str | None = None,
                storage_options: dict | None = None) -> list[dict]:
    """Read an MRC file (with Direct Electron sidecar files) as a RosettaSciIO signal dict list.

    Parameters follow RosettaSciIO (both its documented API and its current release):
    ``mmap_mode`` None means "c" (copy-on-write) when not lazy and "r" when lazy; "w+" is
    taken as "r+" (numpy's "w+" would zero the file).  ``endianness`` (or the old spelling
    ``endianess``) overrides the byte order the file declares.  ``navigation_shape`` is in
    HyperSpy order (x first) and must hold exactly the number of frames.  ``distributed``
    is accepted: every lazy graph is file-path based and runs on dask.distributed workers.
    ``metadata_file="auto"`` discovers DE files by DE's naming rules; explicit
    ``metadata_file``, ``virtual_images``, ``external_images`` and ``scan_file`` are never
    replaced by discovery.

    ``filename`` may also be a URL (fsspec, with ``storage_options``: the DE files beside it are
    found where its file system can list the folder, e.g. S3, and the lazy graph's chunks fetch
    their own byte ranges on whichever worker computes them), an open binary file object or bytes
    (no DE discovery then).
    """
    path = os.fspath(filename) if isinstance(filename, (str, os.PathLike)) else _name_of(filename)
    byteorder = _byteorder_argument(endianness, endianess)
    mode = _mmap_mode(mmap_mode, lazy)
    options = storage_options
    discover = metadata_file if isinstance(filename, (str, os.PathLike)) else (
        None if isinstance(metadata_file, str) and metadata_file == "auto" else metadata_file)
    related, navigator_files = _related_files(path, discover, virtual_images, external_images, scan_file, options)
    info = read_info_file(related.info, storage_options=options) if related.info is not None else None
    target = filename if not isinstance(filename, (str, os.PathLike)) else path
    with mrc_file.open(target, "c" if mode == "c" else "r", byteorder=byteorder, storage_options=options) as mrc:
        plan = _plan(mrc, info, navigation_shape, related.scan_coordinates, options)
        data = _load_data(mrc, plan, lazy=lazy, chunks=chunks, mode=mode)
        acq = acquisition(mrc)
        original_metadata = _original_metadata(mrc, acq, info)
        metadata = _metadata(path, mrc, acq, info)
    _attach_navigators(metadata, navigator_files, plan, options)
    return [{"data": data, "axes": plan.axes, "metadata": metadata,
             "original_metadata": original_metadata, "mapping": {}}]


# --- arguments -------------------------------------------------------------------------------

def _byteorder_argument(endianness, endianess):
    order = endianness if endianness is not None else endianess
    if order is None:
        return None
    if order not in ("<", ">"):
        raise ValueError(f"endianness must be '<' or '>', not {order!r}")
    return order


def _mmap_mode(mmap_mode, lazy):
    if mmap_mode is None:
        return "r" if lazy else "c"
    if mmap_mode not in MMAP_MODES:
        raise ValueError(f"mmap_mode must be one of {MMAP_MODES}, not {mmap_mode!r}")
    if lazy and mmap_mode in ("r+", "w+"):
        raise ValueError(f"mmap_mode={mmap_mode!r} cannot be used with lazy=True: lazy data is read-only")
    return "r+" if mmap_mode == "w+" else mmap_mode


def _name_of(target):
    name = getattr(target, "name", None)
    return name if isinstance(name, str) else f"<{type(target).__name__}>"


def _related_files(path, metadata_file, virtual_images, external_images, scan_file, options=None):
    """The DE files to use, and the navigator images as (name, path) pairs."""
    found = DeFileSet(movie=path)
    if isinstance(metadata_file, str) and metadata_file == "auto":
        found = find_de_files(path, storage_options=options)
    elif metadata_file is not None:
        found = attrs.evolve(found, info=metadata_file)
    names = dict(found.navigator_names()) if (virtual_images is None or external_images is None) else {}
    by_path = {os.fspath(p): n for n, p in names.items()}
    navigators = []
    if virtual_images is not None:
        navigators += [(f"virtual_image_{i}", p, "virtual") for i, p in enumerate(virtual_images)]
    else:
        navigators += [(by_path[os.fspath(im.path)], im.path, "virtual") for im in found.virtual_images]
    if external_images is not None:
        navigators += [(f"external_image_{i}", p, "external") for i, p in enumerate(external_images)]
    else:
        navigators += [(by_path[os.fspath(im.path)], im.path, "external") for im in found.external_images]
    if scan_file is not None:
        found = attrs.evolve(found, scan_coordinates=scan_file)
    return found, navigators


# --- layout: shape and axes --------------------------------------------------------------------

@attrs.frozen
class Plan:
    """How the stored frames become the array a user gets."""

    shape: tuple  #: final array shape (navigation + signal)
    axes: list  #: RosettaSciIO-style axis dicts
    frame_map: np.ndarray | None = None  #: non-raster scans: frame index per place (-1: none)
    signal_ndim: int = 2


def _axis(name, size, scale=1.0, offset=0.0, units=None, navigate=False):
    return {"size": int(size), "index_in_array": None, "name": name, "scale": float(scale),
            "offset": float(offset), "units": units, "navigate": navigate}


def _finish(nav_axes, signal_axes, frame_map=None, signal_ndim=2, extra_shape=()):
    """Drop size-1 navigation axes (as RosettaSciIO squeezes), number the axes."""
    nav_axes = [a for a in nav_axes if a["size"] != 1]
    axes = nav_axes + signal_axes
    for i, axis in enumerate(axes):
        axis["index_in_array"] = i
    shape = tuple(a["size"] for a in axes) + extra_shape
    return Plan(shape, axes, frame_map, signal_ndim)


def _spatial_axis(name, size, scale_nm, offset_nm=0.0, navigate=False, units="nm"):
    if scale_nm is None:
        return _axis(name, size, 1.0, offset_nm, None, navigate)
    return _axis(name, size, scale_nm, offset_nm, units, navigate)


#: the model's units -> HyperSpy's (RosettaSciIO uses nm and nm^-1) and the factor
_HYPERSPY_UNITS = {"Å": ("nm", 0.1), "1/Å": ("nm^-1", 10.0), "s": ("s", 1.0)}


def _model_axis(axis, navigate=False, name=None):
    """A HyperSpy axis dict from one axis of the physical model (``mrc.physical``): scale 1 and no
    units where the model does not know the scale."""
    if axis.scale is None or axis.unit not in _HYPERSPY_UNITS:
        return _axis(name or axis.name, axis.size, navigate=navigate)
    units, factor = _HYPERSPY_UNITS[axis.unit]
    return _axis(name or axis.name, axis.size, _converted(axis.scale, factor), _converted(axis.offset, factor),
                 units, navigate)


def _converted(value, factor):
    """``value * factor`` without the last-digit noise of the unit change (0.1 nm, not 0.10000000000000002)."""
    return float(f"{value * factor:.15g}")


def _signal_axes(mrc, names=None):
    """The two image axes of the physical model (names, scales, units and offsets)."""
    plane = mrc.physical.axes[-2:]
    names = names or (None, None)
    return [_model_axis(axis, name=name) for axis, name in zip(plane, names)]


def _frame_count(mrc):
    shape = mrc.geometry.shape
    return int(np.prod(shape[:-2])) if len(shape) > 2 else 1


def _frames_error(what, expected, frames, why=""):
    return header_error("nz", f"{what} holds {expected} frames, the file has {frames}" + (f"; {why}" if why else ""))


def _check_frames(what, expected, frames):
    if expected != frames:
        raise _frames_error(what, expected, frames)


def _plan(mrc, info, navigation_shape, scan_file, options=None):
    empty = [name for name in ("nx", "ny", "nz") if getattr(mrc.header, name) == 0]
    if empty:
        raise header_error(empty[0], f"{', '.join(n.upper() for n in empty)} 0: the data block is empty "
                                     "(as mrcfile.new() leaves a file before data is set); nothing to load")
    if mrc.geometry.mode.samples_per_pixel > 1:
        raise header_error("mode", "RGB data (mode 16) has no HyperSpy signal layout here; use mrcschema.open")
    frames = _frame_count(mrc)
    if navigation_shape is not None:
        nav = tuple(int(n) for n in navigation_shape)
        _check_frames(f"navigation_shape {nav}", int(np.prod(nav)), frames)
        return _user_navigation(mrc, info, nav)
    if info is not None and info.scan_enabled:
        return _de_scan(mrc, info, frames, scan_file, options)
    if info is not None:
        return _de_movie(mrc, info, frames)
    return _generic(mrc)


def _generic(mrc):
    """Every axis as the physical model has it: MAPC/MAPR/MAPS decide which cell axis each array
    axis is (EMD-3001: sections along Y), stacks have a "frame" axis, volume stacks a "volume"."""
    axes = mrc.physical.axes
    return _finish([_model_axis(a, navigate=True) for a in axes[:-2]], _signal_axes(mrc))


def _de_signal_axes(mrc, info):
    """Frame axes of a DE movie, from the physical model: reciprocal (ky, kx) when diffracting,
    else real (y, x), sized from the info file."""
    plane = physical_model(mrc, info, None).axes[-2:]
    return [_model_axis(axis) for axis in plane]


def _scan_axes(info, ny, nx):
    real = info.real_pixel_size  # the same numbers as the physical model's scan step, in nm
    sx, sy = (None, None) if real is None else real
    return [_spatial_axis("y", ny, sy, navigate=True), _spatial_axis("x", nx, sx, navigate=True)]


def _repeat_axis(info, repeats):
    scan_time = info.get_value("Scan - Time (seconds)")
    delay = info.get_value("Scan - Repeat Delay (seconds)", 0.0)
    if scan_time:
        return _axis("repeat", repeats, scan_time + delay, 0.0, "s", True)
    return _axis("repeat", repeats, navigate=True)


def _de_scan(mrc, info, frames, scan_file, options=None):
    signal = _de_signal_axes(mrc, info)
    if not info.is_raster:
        if scan_file is None:
            raise MrcFormatError(f"Scan - Type is {info.scan_type!r}: a scan position file "
                                 "(*_scan_coordinates.csv) is required for non-raster scans; pass scan_file=",
                                 field="Scan - Type")
        positions = read_scan_coordinates(scan_file, frames=frames, storage_options=options)
        _check_frames(f"the scan position file {os.fspath(scan_file)} ({len(positions)} positions)",
                      len(positions), frames)
        placement = place_frames(positions, info.scan_shape)
        frame_map = placement.frame_map()
        nav = [_repeat_axis(info, placement.repeats)] + _scan_axes(info, *placement.grid)
        if placement.repeats == 1:
            frame_map = frame_map[0]
        return _finish(nav, signal, frame_map=frame_map)
    if info.scan_shape is None:
        raise MrcFormatError(f"{info.source} enables a raster scan but gives no 'Scan - Size X/Y'",
                             field="Scan - Size X")
    nx, ny = info.scan_shape
    if nx <= 0 or ny <= 0:
        key = "Scan - ROI Size" if info.roi_enabled else "Scan - Size"
        raise MrcFormatError(f"{info.source} gives a {nx} x {ny} raster scan, expected positive sizes",
                             field=f"{key} {'X' if nx <= 0 else 'Y'}")
    count = expected_frames(info, frames)
    if count.repeats is None:  # not whole scans: no layout explains the frames
        what = f"the {nx} x {ny} scan of {info.source}" + (f" ({info.repeats} repeats)" if info.repeats > 1 else "")
        split = count.message if count.expected is None else ""  # why the info file gives no count
        raise _frames_error(what, nx * ny * info.repeats, frames, split)
    if count.inferred:
        warnings.warn(f"{mrc.path}: {count.message}", MrcWarning, stacklevel=4)
    return _finish([_repeat_axis(info, count.repeats)] + _scan_axes(info, ny, nx), signal)


def _de_movie(mrc, info, frames):
    time = info.frame_time
    axis = _axis("time", frames, time if time else 1.0, 0.0, "s" if time else None, True)
    return _finish([axis], _de_signal_axes(mrc, info))


def _user_navigation(mrc, info, nav):
    """A user navigation shape (HyperSpy order): scan axes x, y, z over the frames (ky, kx)."""
    if info is not None:
        signal = _de_signal_axes(mrc, info)
    else:
        signal = _signal_axes(mrc, names=("ky", "kx"))
    names = ("x", "y", "z") + tuple(f"axis{i}" for i in range(3, len(nav)))
    nav_axes = [_axis(names[i], n, navigate=True) for i, n in enumerate(nav)][::-1]
    return _finish(nav_axes, signal)


# --- data ----------------------------------------------------------------------------------------

def _load_data(mrc, plan, *, lazy, chunks, mode):
    g = mrc.geometry
    frame_shape = g.shape[-2:]
    # a local path or a URL that chunks can read their own bytes from; None: the data exists only here
    locator = None if g.mode.packed_4bit else mrc.source.locator
    check_chunks(chunks, plan.shape, plan.signal_ndim, whole_signal=plan.frame_map is not None)
    if plan.frame_map is not None:
        places, frames = plan.frame_map.size, _frame_count(mrc)
        if not lazy and places > MAX_DENSE_PLACES_PER_FRAME * frames:
            raise MrcFormatError(f"the scan grid has {places} places for {frames} frames: more than "
                                 f"{MAX_DENSE_PLACES_PER_FRAME} x the data would be allocated with zeros; "
                                 "load it with lazy=True", field="scan coordinates")
        if locator is None:
            placed = _gather(np.asarray(mrc.data).reshape((-1,) + tuple(frame_shape)), plan.frame_map)
            return import_dask().from_array(placed, chunks=chunks) if lazy else placed
        if lazy:
            return lazy_frames(locator, g.offset, g.dtype, frame_shape, frames, plan.frame_map, chunks)
        return load_frames(locator, g.offset, g.dtype, frame_shape, frames, plan.frame_map)
    if lazy:
        if locator is None:
            return import_dask().from_array(np.asarray(mrc.data).reshape(plan.shape), chunks=chunks)
        return lazy_memmap(locator, g.offset, g.dtype, plan.shape, chunks, plan.signal_ndim)
    if mrc.source.mappable_path is None or g.mode.packed_4bit:
        return np.asarray(mrc.data).reshape(plan.shape)  # a URL's data block is fetched here, whole
    return map_window(mrc.path, g.offset, g.dtype, plan.shape, mode)


def _gather(frames, frame_map):
    """Frames placed by ``frame_map`` (-1: no frame there, zeros)."""
    out = np.zeros(frame_map.shape + frames.shape[1:], dtype=frames.dtype)
    present = frame_map >= 0
    out[present] = frames[frame_map[present]]
    return out


# --- metadata ------------------------------------------------------------------------------------

def _hex(raw):
    return raw.rstrip(b"\0").hex()


def _imod_bytes(raw, first, last):
    """The header bytes from IMOD field ``first`` through ``last`` (RosettaSciIO's EXTRA words)."""
    start = IMOD_EXTRA_OFFSET + IMOD_EXTRA.field(first).offset
    end = IMOD_EXTRA_OFFSET + IMOD_EXTRA.field(last).offset + IMOD_EXTRA.field(last).size
    return raw[start:end]


def _std_header(mrc):
    """RosettaSciIO's ``std_header`` names, with the values of the MRC2014 fields.

    RosettaSciIO reads ISPG as a 16-bit word and calls the next 16 bits NSYMBT (the
    pre-2012 IMOD layout); here ISPG is the MRC2014 int32 and NSYMBT equals NEXT."""
    h, imod, raw = mrc.header, mrc.imod, mrc.raw_header
    return {
        "NX": h.nx, "NY": h.ny, "NZ": h.nz, "MODE": h.mode,
        "NXSTART": h.nxstart, "NYSTART": h.nystart, "NZSTART": h.nzstart, "MX": h.mx, "MY": h.my, "MZ": h.mz,
        "Xlen": h.cella.x, "Ylen": h.cella.y, "Zlen": h.cella.z,
        "ALPHA": h.cellb.alpha, "BETA": h.cellb.beta, "GAMMA": h.cellb.gamma,
        "MAPC": h.mapc, "MAPR": h.mapr, "MAPS": h.maps, "AMIN": h.dmin, "AMAX": h.dmax, "AMEAN": h.dmean,
        "ISPG": h.ispg, "NSYMBT": h.nsymbt, "NEXT": h.nsymbt, "CREATID": imod.creatid,
        "EXTRA": _imod_bytes(raw, "extra_a", "extra_b").hex(), "NINT": imod.nint, "NREAL": imod.nreal,
        "EXTRA2": _imod_bytes(raw, "extra_c", "imod_flags").hex(),
        "IDTYPE": imod.idtype, "LENS": imod.lens, "ND1": imod.nd1, "ND2": imod.nd2, "VD1": imod.vd1,
        "VD2": imod.vd2, "TILTANGLES": np.array(imod.tiltangles, dtype=np.float32),
        "XORIGIN": h.origin.x, "YORIGIN": h.origin.y, "ZORIGIN": h.origin.z,
        "CMAP": _hex(h.map), "STAMP": _hex(h.machst), "RMS": h.rms, "NLABL": h.nlabl,
        "LABELS": _hex(b"".join(h.label)),
    }


def _original_metadata(mrc, acq, info):
    out = {"std_header": _std_header(mrc),
           "mrc_header": header_values(mrc.header, json=False)}  # the header of ``dump --json``
    ext = mrc.extended
    if ext.kind == "FEI_LEGACY":
        out["fei_header"] = {k: v for k, v in record_columns(ext.records).items() if k != "reserved"}
    elif ext.records is not None:
        out["extended_header"] = {"type": ext.kind, **record_columns(ext.records)}
    elif ext.text:
        out["extended_header"] = {"type": ext.kind, "symmetry": list(ext.text)}
    elif ext.json is not None:
        out["extended_header"] = {"type": ext.kind, "json": ext.json}
    if acq.source != "none":
        out["acquisition"] = attrs.asdict(acq)
    if info is not None:
        out["de_metadata"] = dict(info.raw)
    return out


def _first(values):
    if values is None or not len(values) or np.isnan(values[0]):
        return None
    return float(values[0])


def _set(tree, dotted, value):
    if value is None:
        return
    *parents, leaf = dotted.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[leaf] = value


def _metadata(path, mrc, acq, info):
    md = {"General": {"original_filename": basename(path), "title": title_of(path)},
          "Signal": {"signal_type": ""},
          "_HyperSpy": {"navigators": {}}}
    tem = "Acquisition_instrument.TEM."
    _set(md, tem + "beam_energy", None if acq.voltage is None else acq.voltage / 1000.0)  # keV
    _set(md, tem + "magnification", acq.magnification)
    _set(md, tem + "camera_length", None if not acq.camera_length else acq.camera_length * 1e3)  # mm
    _set(md, tem + "microscope", acq.microscope)
    _set(md, tem + "acquisition_mode", acq.instrument_mode)
    _set(md, tem + "Stage.tilt_alpha", _first(acq.tilt_angles))
    _set(md, tem + "Stage.tilt_beta", _first(acq.tilt_beta))
    if acq.stage_position is not None and len(acq.stage_position):
        for axis, value in zip("xyz", acq.stage_position[0]):
            _set(md, tem + f"Stage.{axis}", None if np.isnan(value) else float(value) * 1e3)  # mm
    _set(md, tem + "Detector.Camera.exposure", acq.exposure_time)
    _set(md, tem + "Detector.Camera.name", acq.camera_name)
    _set(md, tem + "Detector.STEM.name", acq.detector_name)
    _set(md, tem + "dwell_time", acq.dwell_time or None)
    _set_date(md, _first(acq.timestamps))
    if info is not None:
        _de_metadata(md, info)
    return md


def title_of(path) -> str:
    """The file's stem, compression suffix and all: ``20220101_0001_movie`` for
    ``20220101_0001_movie.mrc``, ``emd_3001`` for ``emd_3001.map.gz``."""
    name = basename(os.fspath(path))
    for suffix in (".gz", ".bz2"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return os.path.splitext(name)[0]


def _set_date(md, seconds):
    """General.date/time/time_zone from seconds since 1970 UTC; nothing for a time no calendar
    holds (NaN, or a damaged value beyond year 9999)."""
    if seconds is None:
        return
    try:
        moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        warnings.warn(f"timestamp {seconds} s is not a date; General.date not set", MrcWarning, stacklevel=3)
        return
    md["General"].update(date=moment.date().isoformat(), time=moment.time().isoformat(timespec="seconds"),
                         time_zone="UTC")


def _de_metadata(md, info):
    """RosettaSciIO's DE keys, typed (RosettaSciIO keeps them as strings)."""
    tem = "Acquisition_instrument.TEM."
    _set(md, tem + "magnification", info.magnification)
    _set(md, tem + "detector", info.get_value("Camera Model"))
    _set(md, tem + "frames_per_second", info.fps)
    _set(md, tem + "camera_length", None if info.camera_length is None else info.camera_length * 10.0)  # cm->mm
    adu = info.get_value("ADUs Per Electron Bin1x") or info.get_value("ADUs Per Electron")
    md["Signal"]["Noise_properties"] = {"gain_factor": 1.0 / float(adu) if adu else 1.0}
    md["Signal"]["quantity"] = "$e^-$"
    if info.timestamp is not None:
        md["General"]["timestamp"] = info.timestamp
        _set_date(md, info.timestamp)


# --- navigators ----------------------------------------------------------------------------------

def _navigator_signal(path, plan, options=None):
    """One virtual/external image, reshaped to the navigation shape with the scan's axes."""
    signal = file_reader(path, metadata_file=None, storage_options=options)[0]
    nav_axes = [dict(a) for a in plan.axes if a["navigate"]]
    nav_shape = tuple(a["size"] for a in nav_axes)
    data = signal["data"]
    if nav_axes and data.size == int(np.prod(nav_shape)):
        signal["data"] = np.asarray(data).reshape(nav_shape)
        for i, axis in enumerate(nav_axes):
            axis.update(navigate=False, index_in_array=i)
        signal["axes"] = nav_axes
        return signal, True
    if nav_axes:
        warnings.warn(f"{os.fspath(path)}: {data.size} pixels do not fill the navigation shape {nav_shape}; "
                      "kept as it is", MrcWarning, stacklevel=3)
    return signal, False


def _attach_navigators(md, navigator_files, plan, options=None):
    navigators = md["_HyperSpy"]["navigators"]
    lists = {"virtual": [], "external": []}
    for name, path, kind in navigator_files:
        try:
            signal, fits = _navigator_signal(path, plan, options)
        except MrcFormatError as exc:  # a damaged side file does not stop the acquisition from loading
            warnings.warn(f"{os.fspath(path)} is not attached as navigator {name!r}: {exc}", MrcWarning,
                          stacklevel=3)
            continue
        navigators["_sig_" + name] = signal
        lists[kind].append({"_sig_": dict(signal, metadata=dict(signal["metadata"]))})
        if kind == "virtual" and fits and "_sig_navigator" not in md["_HyperSpy"]:
            md["_HyperSpy"]["_sig_navigator"] = dict(signal, metadata=dict(signal["metadata"]))
    if lists["virtual"]:
        md["General"]["virtual_images"] = lists["virtual"]
    if lists["external"]:
        md["General"]["external_detectors"] = lists["external"]
