"""How many frames a Direct Electron movie holds, against what its info file implies.

One decision, :func:`expected_frames`, used by the HyperSpy reader (which lays the frames out as
the scan) and by the validator (which reports on them), so the two never disagree:

* **Raster scans** (``Scan - Type`` Raster or absent): ``Scan - Size X x Y`` (the ROI size when
  ``Scan - ROI Enable`` is on) times ``Scan - Repeats``.  When NZ differs but is a whole multiple
  of the scan size, the movie is read as ``NZ / (X x Y)`` repeats, with a warning that the info
  file says otherwise: DE-Server writes whole scans, and a wrong or missing ``Scan - Repeats`` is
  the likelier fault (RosettaSciIO never reads the key).  Any other NZ is an error.
* **Other scans** (Random, XY File): one frame per row of ``*_scan_coordinates.csv``.
* **Movies split over autosave files** (``Autosave Maximum Images Per File`` below the scan's
  frames): one file holds part of the scan, so its count is not known.
* No scan, or no scan size: the info file implies no count.
"""

from __future__ import annotations

import attrs

from .info import DeInfo

__all__ = ["FrameCount", "expected_frames"]

REPEATS_KEY = "Scan - Repeats"
PER_FILE_KEY = "Autosave Maximum Images Per File"


@attrs.frozen
class FrameCount:
    """The decision about one movie's frames (see the module docstring)."""

    frames: int  #: frames the movie holds (NZ)
    expected: int | None = None  #: frames the info file implies; None when it implies no count
    scan: str = ""  #: where ``expected`` comes from, e.g. "raster scan 7 x 4 x 1 repeats"
    #: raster scans: the repeats the frames are read as (the info file's, or inferred from NZ);
    #: None when the frames are not whole scans, and for other scans
    repeats: int | None = None
    inferred: bool = False  #: ``repeats`` comes from NZ, not from the info file (a warning)
    #: why NZ departs from the info file, or (``expected`` None) why the info file implies no
    #: count for this file; "" otherwise
    message: str = ""

    @property
    def mismatch(self) -> bool:
        """NZ is not what the info file implies and no reading of the scan explains it (an error)."""
        return self.expected is not None and self.frames != self.expected and not self.inferred


def _split_over_files(info: DeInfo, expected: int) -> bool:
    per_file = info.get_value(PER_FILE_KEY)
    return isinstance(per_file, int) and 0 < per_file < expected


def _split_message(info: DeInfo) -> str:
    return (f"the movie is split over files of at most {info.get_value(PER_FILE_KEY)} frames "
            f"({PER_FILE_KEY}), so one file's frames are not known")


def expected_frames(info: DeInfo, frames: int, *, coordinate_rows: int | None = None,
                    coordinates_name: str = "the scan coordinates file") -> FrameCount:
    """Decide what ``frames`` (a movie's NZ) means against its info file.

    ``coordinate_rows``: the rows of the scan coordinates file, for non-raster scans (None: not
    read); ``coordinates_name`` names that file in the description.  Returns a
    :class:`FrameCount`: ``mismatch`` is an error, ``inferred`` a warning, ``message`` says why.
    """
    if not info.scan_enabled:
        return FrameCount(frames)
    if not info.is_raster:
        if coordinate_rows is None:
            return FrameCount(frames)
        scan = f"{info.scan_type} scan, {coordinate_rows} rows in {coordinates_name}"
        if _split_over_files(info, coordinate_rows):
            return FrameCount(frames, scan=scan, message=_split_message(info))
        message = "" if frames == coordinate_rows else \
            f"NZ is {frames} but the info file implies {coordinate_rows} frames ({scan})"
        return FrameCount(frames, coordinate_rows, scan, message=message)
    shape = info.scan_shape
    if shape is None:
        return FrameCount(frames)
    x, y = shape
    points, declared = x * y, info.repeats
    kind = "ROI" if info.roi_enabled else "raster"
    expected = points * declared
    scan = f"{kind} scan {x} x {y} x {declared} repeats"
    whole_scans = x > 0 and y > 0 and frames > 0 and frames % points == 0
    if _split_over_files(info, expected):
        return FrameCount(frames, scan=scan, repeats=frames // points if whole_scans else None,
                          message=_split_message(info))
    if frames == expected:
        return FrameCount(frames, expected, scan, repeats=declared)
    if whole_scans:
        repeats = frames // points
        said = (f"says {REPEATS_KEY} = {info.raw[REPEATS_KEY]}" if info.raw.get(REPEATS_KEY, "").strip()
                else f"gives no {REPEATS_KEY} (1 assumed)")
        message = (f"NZ is {frames}, {repeats} repeats of the {x} x {y} {kind} scan, but the info file "
                   f"{said}: {expected} frames; the frames are read as {repeats} repeats")
        return FrameCount(frames, expected, scan, repeats=repeats, inferred=True, message=message)
    return FrameCount(frames, expected, scan,
                      message=f"NZ is {frames} but the info file implies {expected} frames ({scan})")
