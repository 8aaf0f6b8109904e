"""A Direct Electron movie against its file set: the info file (``*_info.txt``) and the scan
coordinates (``*_scan_coordinates.csv``).  The expected frames come from
:func:`mrcschema.de.frames.expected_frames`, which the HyperSpy reader follows too."""

from __future__ import annotations

from ...format.mrc2014 import field_offset
from .rule import CCPEM, DE_OBSERVED, ERROR, WARNING, Condition, Problem, RuleList, value_problem

RULES = RuleList()

#: the DE rules of a movie: an info file belongs to the file and could be read
_IS_MOVIE = Condition(lambda ctx: ctx.de is not None and ctx.de.info is not None,
                      "the file is a DE movie with an info file")


def _de_coordinates(ctx):
    """``(rows, error)`` of the scan coordinates file a non-raster scan needs; (None, None) when the
    scan needs none or none was found."""
    de = ctx.de
    if de.info.scan_enabled and not de.info.is_raster and de.coordinates is not None:
        return de.coordinate_rows()
    return None, None


@RULES.rule("DE-INFO", WARNING, "info file", expected="a readable info file, one 'key = value' per line",
            spec=DE_OBSERVED, offset=None,
            when=Condition(lambda ctx: ctx.de is not None,
                           "an info file belongs to the file (info_file=, or beside a *_movie.mrc)"),
            scope="DE file set")
def de_info(ctx):
    de = ctx.de
    if de.info is None:
        yield Problem("info file", None, f"{de.info_path} cannot be read: {de.info_error}")
        return
    if de.info.problems:
        yield Problem("info file", None, f"{len(de.info.problems)} malformed lines in {de.info_path}, "
                                         f"first: {de.info.problems[0]}")
    _, error = _de_coordinates(ctx)
    if error is not None:
        yield Problem("info file", None, f"{de.coordinates} cannot be read: {error}")


@RULES.rule("DE-FRAME-SIZE", ERROR, "nx, ny", expected="NX, NY = the info file's Image Size X, Y (pixels)",
            spec=DE_OBSERVED, when=_IS_MOVIE, scope="DE file set")
def de_frame_size(ctx):
    shape = ctx.de.info.frame_shape
    h = ctx.header
    if shape is not None and (h.nx, h.ny) != tuple(shape):
        yield Problem("nx, ny", field_offset("nx"),
                      f"NX, NY are {h.nx}, {h.ny} but the info file says Image Size X, Y = {shape[0]}, {shape[1]}")


def _de_frame_count(ctx):
    """The decision of :func:`mrcschema.de.frames.expected_frames`, which the HyperSpy reader follows too."""
    rows, _ = _de_coordinates(ctx)
    name = ctx.de.coordinates.name if rows is not None else ""
    from ...de.frames import expected_frames

    return expected_frames(ctx.de.info, ctx.header.nz, coordinate_rows=rows, coordinates_name=name)


@RULES.rule("DE-FRAMES", ERROR, "nz",
            expected="NZ = the scan's frames: Scan - Size X x Y x Repeats (ROI size when the ROI is on) for raster "
                     "scans, or a whole number of such scans (DE-REPEATS); the rows of *_scan_coordinates.csv for "
                     "other scans; not checked for a movie split over autosave files",
            spec=DE_OBSERVED, when=_IS_MOVIE, scope="DE file set")
def de_frames(ctx):
    count = _de_frame_count(ctx)
    if count.mismatch:
        yield Problem("nz", field_offset("nz"), count.message)


@RULES.rule("DE-REPEATS", WARNING, "nz",
            expected="a raster scan's NZ = Scan - Size X x Y x Repeats exactly; an NZ of another whole number of "
                     "scans is read (here and by the HyperSpy reader) as that many repeats",
            spec=DE_OBSERVED, when=_IS_MOVIE, scope="DE file set")
def de_repeats(ctx):
    count = _de_frame_count(ctx)
    if count.inferred:
        yield Problem("nz", field_offset("nz"), count.message)

@RULES.rule("DE-ISPG", WARNING, "ispg", expected="ISPG 0 for a movie (a stack of frames); DE-Server writes 1",
            spec=f"{CCPEM}, note 6; {DE_OBSERVED}", when=_IS_MOVIE, scope="DE file set", fix="de ispg")
def de_ispg(ctx):
    if ctx.header.ispg != 0:
        yield value_problem(ctx, "ispg")
