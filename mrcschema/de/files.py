"""Finding the files of one Direct Electron acquisition, and placing non-raster frames.

DE-Server saves an acquisition as several files sharing a stem (specs.md §4.1)::

    <stem>_movie.mrc                 the frames (4D-STEM: one per scan point)
    <stem>_info.txt                  key = value metadata (see de_info)
    <stem>_<i>_<Name>[_<calc>].mrc   virtual detector image i (also 'virt<i>')
    <stem>_ext<n>[_<Name>].mrc       external detector image n
    <stem>_final.mrc, <stem>_Sum.mrc the summed image
    <stem>_scan_coordinates.csv      x,y per frame for Random / 'XY File' scans

The movie name may carry more than the stem: a per-autosave movie number
(``20250429_06699_0_movie.mrc`` next to ``20250429_06699_info.txt``) and, for
DE-Server's ``YYYYMMDD_NNNNN`` names, an optional ``_suffix``.  Any stem works
(``Custom_movie.mrc``, ``uniqueid_suffix_movie.mrc``), not only dates.

Rules of :func:`find_de_files`, and why they differ from RosettaSciIO 0.15:

* The directory is listed once; names are compared as text, so spaces, ``#``,
  ``[`` or ``*`` in names are harmless (RosettaSciIO globs without escaping).
* Candidate stems are the movie stem, then the stem without a trailing movie
  number, then (``YYYYMMDD_NNNNN_...`` names only) shorter ``_``-separated
  prefixes down to ``YYYYMMDD_NNNNN``.  The longest candidate that has an info
  file is used, else the longest with any related file.  All files are then
  matched against that one stem, so another suffix's files
  (``..._other_0_DF_sum.mrc``) are never collected (RosettaSciIO keeps only
  ``YYYYMMDD_NNNNN`` and mixes every suffix and movie).
* Each file's index and name come from its own file name, and the lists are
  sorted by index (RosettaSciIO sorts paths lexicographically but keeps names in
  directory order, so names and files can be swapped, and ``_10_`` sorts
  before ``_2_``).
* A virtual name ends at the first ``_`` (as in RosettaSciIO), unless
  ``detector_names`` gives the name for that index and the file name starts
  with it, which allows names containing ``_``.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import attrs
import numpy as np

from ..errors import MrcFormatError, MrcWarning
from ..sources.urls import basename, is_url, sibling
from .info import read_side_file

_MOVIE = re.compile(r"(?P<stem>.+)_movie\.mrc", re.IGNORECASE)
_DATE_STEM = re.compile(r"\d{8}_\d+")
_VIRTUAL = re.compile(r"(?:virt)?(?P<index>\d+)_(?P<rest>.+)\.mrc", re.IGNORECASE)
_EXTERNAL = re.compile(r"ext(?P<index>\d+)(?:_(?P<name>.+))?\.mrc", re.IGNORECASE)
_OTHER_MOVIE = re.compile(r"(?:\d+_)?movie\.\w+", re.IGNORECASE)
_FIXED = {"info": "info.txt", "scan_coordinates": "scan_coordinates.csv",
          "final_image": "final.mrc", "sum_image": "sum.mrc"}


class DeImage(NamedTuple):
    """A virtual or external detector image: its DE index, its name, its file."""

    number: int  #: the DE detector number (``_0_``, ``ext1``); not ``index``, which tuples have
    name: str
    path: Path | str  #: a Path, or the URL (text) of a movie opened by URL


@attrs.frozen
class DeFileSet:
    """The files of one acquisition; ``stem`` is the shared name they were matched on
    (None when the movie name does not end in ``_movie.mrc``)."""

    movie: Path | str
    stem: str | None = None
    info: Path | str | None = None
    virtual_images: tuple[DeImage, ...] = ()
    external_images: tuple[DeImage, ...] = ()
    scan_coordinates: Path | str | None = None
    final_image: Path | str | None = None
    sum_image: Path | str | None = None

    def navigator_names(self) -> list[tuple[str, Path | str]]:
        """``(name, path)`` for every virtual then external image, names made unique
        with :func:`dedupe_names` over both lists (RosettaSciIO dedupes each list
        separately, so a virtual and an external image of the same name collide)."""
        images = self.virtual_images + self.external_images
        return list(zip(dedupe_names([im.name for im in images]), [im.path for im in images]))


def dedupe_names(names: list[str]) -> list[str]:
    """RosettaSciIO's renaming of repeats: ``BF, BF, BF`` → ``BF, BF_1, BF_2``."""
    seen: set[str] = set()
    out = []
    for name in names:
        new, count = name, 0
        while new in seen:
            count += 1
            new = f"{name}_{count}"
        seen.add(new)
        out.append(new)
    return out


def _candidate_stems(stem: str) -> list[str]:
    parts = stem.split("_")
    if _DATE_STEM.match(stem):  # never shorter than YYYYMMDD_NNNNN
        return ["_".join(parts[:k]) for k in range(len(parts), 1, -1)]
    if len(parts) > 1 and parts[-1].isdigit():  # a trailing movie number
        return [stem, "_".join(parts[:-1])]
    return [stem]


def _match(stem: str, names: list[str], join, movie_name: str,
           detector_names: Mapping[int, str]) -> dict:
    found: dict = {"virtual_images": [], "external_images": []}
    for name in names:
        if not name.startswith(stem + "_") or name == movie_name:
            continue
        tail = name[len(stem) + 1:]
        path = join(name)
        kind = next((k for k, fixed in _FIXED.items() if tail.lower() == fixed), None)
        if kind is not None:
            found.setdefault(kind, path)
        elif _OTHER_MOVIE.fullmatch(tail):
            continue
        elif m := _EXTERNAL.fullmatch(tail):
            index = int(m["index"])
            found["external_images"].append(DeImage(index, m["name"] or f"ext{index}", path))
        elif m := _VIRTUAL.fullmatch(tail):
            index, rest = int(m["index"]), m["rest"]
            hint = detector_names.get(index)
            if hint and (rest == hint or rest.startswith(hint + "_")):
                found["virtual_images"].append(DeImage(index, hint, path))
            else:
                found["virtual_images"].append(DeImage(index, rest.split("_", 1)[0], path))
    for key in ("virtual_images", "external_images"):
        found[key] = tuple(sorted(found[key], key=lambda im: (im.number, im.name, basename(os.fspath(im.path)))))
    return found


def find_de_files(movie_path: str | os.PathLike,
                  detector_names: Mapping[int, str] | None = None, *,
                  storage_options: dict | None = None) -> DeFileSet:
    """Find the info file, virtual/external images, summed images and scan
    coordinates belonging to ``movie_path`` (see the module docstring).

    ``detector_names``: optional ``index -> name`` of the virtual detectors (from
    :attr:`mrcschema.de.info.DeInfo.virtual_detector_names`) used to read names
    that contain ``_``.  A movie not named ``*_movie.mrc`` gives an empty set.

    A URL's folder is listed through fsspec (``storage_options``) and the files found are URLs;
    where the file system cannot list it (a plain HTTP server), nothing is found, with a warning.
    """
    if isinstance(movie_path, str) and is_url(movie_path):
        return _find_by_url(movie_path, detector_names, storage_options)
    movie = Path(movie_path)
    m = _MOVIE.fullmatch(movie.name)
    if m is None:
        return DeFileSet(movie=movie)
    directory = movie.parent
    names = sorted(entry.name for entry in os.scandir(directory or ".") if entry.is_file())
    return _best(m["stem"], names, lambda name: directory / name, movie.name, movie, detector_names)


def _find_by_url(url, detector_names, storage_options):
    from ..sources.remote import list_folder

    name = basename(url)
    m = _MOVIE.fullmatch(name)
    if m is None:
        return DeFileSet(movie=url)
    names = list_folder(url, storage_options)
    if names is None:
        warnings.warn(f"{url}: the folder cannot be listed, so the DE files beside the movie (info file, virtual "
                      "images) are not found; pass metadata_file=, virtual_images=, external_images=",
                      MrcWarning, stacklevel=3)
        return DeFileSet(movie=url)
    return _best(m["stem"], sorted(names), lambda other: sibling(url, other), name, url, detector_names)


def _best(movie_stem, names, join, movie_name, movie, detector_names):
    candidates = [(stem, _match(stem, names, join, movie_name, detector_names or {}))
                  for stem in _candidate_stems(movie_stem)]
    with_info = [c for c in candidates if "info" in c[1]]
    with_any = [c for c in candidates if len(c[1]) > 2 or c[1]["virtual_images"] or c[1]["external_images"]]
    stem, found = (with_info or with_any or candidates)[0]
    return DeFileSet(movie=movie, stem=stem, **found)


# --- scan coordinates -------------------------------------------------------------------------

#: Largest ``*_scan_coordinates.csv`` read when the number of frames is not known (a
#: 4096 x 4096 scan at ~12 bytes per line is 200 MB); with ``frames`` given the limit is
#: :data:`MAX_SCAN_LINE_BYTES` per frame.  Checked before reading.
MAX_SCAN_COORDINATE_BYTES = 256 * 1024 * 1024
#: bytes per line allowed in a coordinates file whose number of lines is known
MAX_SCAN_LINE_BYTES = 64
#: A non-raster scan's grid (repeats x rows x columns) may hold at most this many places per
#: frame; a sparser grid is refused before the frame map (8 bytes per place) is allocated.
MAX_PLACES_PER_FRAME = 256


def read_scan_coordinates(path: str | os.PathLike, frames: int | None = None, *,
                          storage_options: dict | None = None) -> np.ndarray:
    """Read ``*_scan_coordinates.csv`` as an ``(n, 2)`` int64 array of ``(row, col)`` = ``(y, x)``.

    The file holds one ``x,y`` pair of non-negative integers per frame, no header
    (blank lines are ignored).  Same result as RosettaSciIO's
    ``np.loadtxt(path, delimiter=",", dtype=int)[:, ::-1]``, but malformed content
    raises :class:`MrcFormatError` naming the line (loadtxt raises a bare
    ValueError, and accepts negative positions that later index from the end).

    The file size is checked before reading: at most ``MAX_SCAN_LINE_BYTES`` per frame when
    ``frames`` (the number of lines expected) is given, else ``MAX_SCAN_COORDINATE_BYTES``.
    """
    limit = MAX_SCAN_COORDINATE_BYTES if frames is None else MAX_SCAN_LINE_BYTES * max(int(frames), 1) + 4096
    size, raw = read_side_file(path, limit, storage_options)
    if size is not None and size > limit:
        raise MrcFormatError(f"{size} bytes, more than the {limit} bytes "
                             + ("a coordinates file may have" if frames is None else
                                f"{frames} lines of 'x,y' can take"), field=str(path))
    if len(raw) > limit:  # grew since stat, or a special file
        raise MrcFormatError(f"more than {limit} bytes, expected a scan coordinates file", field=str(path))
    text = raw.decode("ascii", errors="replace")
    try:  # fast path (C parser); the line-by-line pass below only runs to explain a failure
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            pairs = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.int64, ndmin=2, comments=None)
        if pairs.shape[1] == 2 and len(pairs) and pairs.min() >= 0:
            return np.ascontiguousarray(pairs[:, ::-1])
    except (ValueError, UserWarning, OverflowError):
        pass
    _explain_bad_coordinates(text, path)
    raise MrcFormatError("not 'x,y' integer lines", field=str(path))  # not reached in practice


def _explain_bad_coordinates(text: str, path: str | os.PathLike) -> None:
    """Raise MrcFormatError for the first line that is not 'x,y' non-negative integers."""
    empty = True
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        empty = False
        x, sep, y = line.partition(",")
        try:
            if not sep:
                raise ValueError
            pair = (int(x), int(y))
        except ValueError:
            raise MrcFormatError(f"line {number} is {line[:40]!r}, expected 'x,y' integers",
                                 field=str(path)) from None
        if min(pair) < 0:
            raise MrcFormatError(f"line {number} is {line[:40]!r}, expected non-negative positions",
                                 field=str(path))
        if max(pair) > np.iinfo(np.int64).max:
            raise MrcFormatError(f"line {number} is {line[:40]!r}, expected positions below 2**63",
                                 field=str(path))
    if empty:
        raise MrcFormatError("no coordinates, expected one 'x,y' line per frame", field=str(path))


@attrs.frozen
class ScanPlacement:
    """Where each frame of a non-raster scan goes.

    ``frames[i] = (repeat, y, x)`` for frame ``i``: a position visited k times
    gets repeats ``0..k-1`` in frame order.  ``grid`` is ``(ny, nx)``.
    """

    repeats: int
    grid: tuple[int, int]
    frames: np.ndarray = attrs.field(eq=attrs.cmp_using(eq=np.array_equal), repr=False)

    @property
    def navigation_shape(self) -> tuple[int, ...]:
        """``(repeats, ny, nx)`` when a position repeats, else ``(ny, nx)`` (numpy order)."""
        return ((self.repeats,) if self.repeats > 1 else ()) + self.grid

    def frame_map(self) -> np.ndarray:
        """``(repeats, ny, nx)`` int64 array of the frame at each place, -1 where none.

        RosettaSciIO builds the same data in the order ``(y, x, repeat)``
        (``np.moveaxis(frame_map, 0, -1)``) and fills empty places with zeros.
        """
        out = np.full((self.repeats,) + self.grid, -1, dtype=np.int64)
        out[tuple(self.frames.T)] = np.arange(len(self.frames))
        return out


def place_frames(positions: np.ndarray, scan_shape: tuple[int, int] | None = None, *,
                 max_places: int | None = None) -> ScanPlacement:
    """Place frames at ``positions`` (``(n, 2)`` of ``(y, x)``, as from :func:`read_scan_coordinates`).

    ``scan_shape`` is ``(x, y)`` as :attr:`DeInfo.scan_shape`; None uses the
    largest position + 1 on each axis, which is what RosettaSciIO does.
    A position outside ``scan_shape`` raises :class:`MrcFormatError`, and so does a grid
    (repeats x rows x columns) of more than ``max_places`` places (default
    :data:`MAX_PLACES_PER_FRAME` per frame), checked before anything the size of the grid
    is allocated.
    """
    positions = np.asarray(positions, dtype=np.int64).reshape(-1, 2)
    if len(positions) == 0:
        raise MrcFormatError("no scan positions", field="scan coordinates")
    if positions.min() < 0:
        raise MrcFormatError(f"negative position {positions.min()}, expected >= 0", field="scan coordinates")
    top = (int(positions[:, 0].max()) + 1, int(positions[:, 1].max()) + 1)  # Python ints: no overflow
    if scan_shape is None:
        grid = top
    else:
        grid = (int(scan_shape[1]), int(scan_shape[0]))
        if min(grid) <= 0:
            raise MrcFormatError(f"the scan is {grid[1]} x {grid[0]}, expected positive sizes",
                                 field="scan coordinates")
    if top[0] > grid[0] or top[1] > grid[1]:
        raise MrcFormatError(f"positions reach (y, x) = ({top[0] - 1}, {top[1] - 1}), "
                             f"expected inside the {grid[1]} x {grid[0]} scan", field="scan coordinates")
    limit = MAX_PLACES_PER_FRAME * len(positions) if max_places is None else max_places
    if grid[0] * grid[1] > limit:
        raise MrcFormatError(f"a {grid[1]} x {grid[0]} scan grid for {len(positions)} frames has "
                             f"{grid[0] * grid[1]} places, more than the {limit} allowed",
                             field="scan coordinates")
    flat = positions[:, 0] * grid[1] + positions[:, 1]  # < limit: fits int64
    order = np.argsort(flat, kind="stable")
    sorted_flat = flat[order]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_flat)) + 1]  # start of each run of equal places
    run_start = np.repeat(first, np.diff(np.r_[first, len(flat)]))
    repeat = np.empty_like(flat)
    repeat[order] = np.arange(len(flat)) - run_start
    frames = np.column_stack([repeat, positions])
    repeats = int(repeat.max()) + 1
    if repeats * grid[0] * grid[1] > limit:
        raise MrcFormatError(f"a {grid[1]} x {grid[0]} scan visited up to {repeats} times has "
                             f"{repeats * grid[0] * grid[1]} places for {len(positions)} frames, more than the "
                             f"{limit} allowed", field="scan coordinates")
    return ScanPlacement(repeats=repeats, grid=grid, frames=frames)
