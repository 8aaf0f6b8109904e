"""``mrcschema.validate``: check a file against MRC2014 and the conventions around it.

``validate(path_or_open_file, *, strict=False, info_file=None)`` evaluates every rule of
:data:`mrcschema.validation.rules.RULES` and returns a :class:`Report` of :class:`Finding` records.
It never raises for a broken file: a file that cannot be read as MRC at all is one
``MRC-STRUCTURE`` error.  Only a missing file or a directory raises ``OSError``.
The file is opened read-only and never changed.

The data statistics are compared slab by slab (:data:`CHUNK_BYTES` mapped at a time and
released), in float64 blocks merged with Chan's pairwise update for the variance, so a
50 GB file is never in memory at once.  Without ``strict`` the data pass is skipped,
with an ``info`` finding, when the data block is larger than :data:`STATS_SIZE_LIMIT`.

Direct Electron movies (``*_movie.mrc``) are checked against their ``*_info.txt``,
found with :func:`mrcschema.de.files.find_de_files` or given as ``info_file``
(``info_file=False`` turns the DE checks off).
"""

from __future__ import annotations

import os
import re
import warnings

import attrs

from ..errors import MrcFormatError, MrcWarning
from ..format.geometry import HEADER_SIZE, parse_header
from ..format.mrc2014 import MRC2014_HEADER
from ..reading.mrc_file import MrcFile
from ..sources import CompressedSource, open_source
from .context import Context
from .report import Report, finding_of
from .rules import RULES, RULES_BY_ID, Problem

__all__ = ["validate"]

_MOVIE_NAME = re.compile(r".+_movie\.mrc", re.IGNORECASE)


# -- DE file set ------------------------------------------------------------------------------------
@attrs.frozen
class _DeFacts:
    """What the info file (and coordinates file) of a DE movie say, for the DE rules."""

    problems: tuple = ()
    frame_shape: tuple | None = None
    expected_frames: tuple = (None, "")
    is_movie: bool = True


def _de_facts(path, info_file):
    """None when no info file belongs to ``path``; else the facts (reading problems included)."""
    if info_file is False:
        return None
    try:
        from ..de.files import find_de_files, read_scan_coordinates
        from ..de.info import read_info_file
    except ImportError:  # pragma: no cover - the DE modules are part of the package
        return None
    is_movie_name = bool(_MOVIE_NAME.fullmatch(os.path.basename(path)))
    files = None
    if is_movie_name:
        try:
            files = find_de_files(path)
        except OSError:
            files = None
    if info_file is None:
        info_file = files.info if files is not None else None
        if info_file is None:
            return None
    info_path = os.fspath(info_file)
    where = ("info file", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info = read_info_file(info_path)
    except (OSError, MrcFormatError, UnicodeError, ValueError) as exc:
        return _DeFacts(problems=(Problem(*where, f"{info_path} cannot be read: {exc}"),), is_movie=False)
    problems = []
    if info.problems:
        problems.append(Problem(*where, f"{len(info.problems)} malformed lines in {info_path}, "
                                        f"first: {info.problems[0]}"))
    expected = (None, "")
    if info.scan_enabled:
        if info.is_raster:
            shape = info.scan_shape
            if shape is not None:
                x, y = shape
                expected = (x * y * info.repeats,
                            f"{'ROI' if info.roi_enabled else 'raster'} scan {x} x {y} x {info.repeats} repeats")
        elif files is not None and files.scan_coordinates is not None:
            try:
                rows = len(read_scan_coordinates(files.scan_coordinates))
                expected = (rows, f"{info.scan_type} scan, {rows} rows in {files.scan_coordinates.name}")
            except (OSError, MrcFormatError, ValueError) as exc:
                problems.append(Problem(*where, f"{files.scan_coordinates} cannot be read: {exc}"))
        per_file = info.get_value("Autosave Maximum Images Per File")
        if expected[0] is not None and isinstance(per_file, int) and 0 < per_file < expected[0]:
            expected = (None, "")  # the movie is split over several files
    return _DeFacts(problems=tuple(problems), frame_shape=info.frame_shape, expected_frames=expected)


# -- entry point ------------------------------------------------------------------------------------
def _structure_report(path, exc):
    rule = RULES_BY_ID["MRC-STRUCTURE"]
    message = exc.args[0] if exc.args else str(exc)
    prefix = f"{exc.field} at offset {exc.offset}: " if exc.field is not None and exc.offset is not None else ""
    if prefix and message.startswith(prefix):
        message = message[len(prefix):]
    problem = Problem(exc.field or "file", exc.offset if exc.offset is not None else 0, message)
    return Report(path, (finding_of(rule, problem),))


def _context_for_path(path, strict):
    os.stat(path)  # a missing file raises FileNotFoundError here
    source = open_source(path)  # a directory raises IsADirectoryError
    raw = source.read_header(HEADER_SIZE)
    parsed = parse_header(raw)  # MrcFormatError for a file shorter than the header
    file_size = source.size
    if isinstance(source, CompressedSource):
        return Context(path, parsed, file_size, strict=strict, reader=source.read,
                        compressed=source.compressed, content=source.content)
    return Context(path, parsed, file_size, strict=strict, reader=source.read)


def _context_for_open_file(mrc, strict):
    if mrc.closed:
        raise ValueError(f"{mrc.path} is closed")
    raw = MRC2014_HEADER.build(mrc.header, mrc.byteorder)
    parsed = parse_header(raw)
    if parsed.byteorder != mrc.byteorder:  # the stamp says otherwise: keep the order the file is read in
        parsed = attrs.evolve(parsed, header=MRC2014_HEADER.parse(raw, mrc.byteorder), byteorder=mrc.byteorder)
    extended = mrc.extended_header_bytes

    def reader(offset, nbytes):
        return extended[offset - HEADER_SIZE:offset - HEADER_SIZE + nbytes]

    return Context(mrc.path, parsed, mrc.file_size, strict=strict, reader=reader, open_file=mrc)


def validate(target, *, strict=False, info_file=None):
    """Check an MRC file against the rules of :data:`mrcschema.validation.rules.RULES`; return a :class:`Report`.

    ``target``: a path (plain, gzip or bzip2) or an open :class:`~mrcschema.MrcFile` (its current
    header record and data are checked).  ``strict``: always compare the data statistics, however
    large the file (otherwise files over :data:`STATS_SIZE_LIMIT` of data skip that pass, with
    an info finding).  ``info_file``: the DE info file of a movie; None finds it beside a
    ``*_movie.mrc``; False skips the DE checks.

    Never raises for a broken file; raises ``OSError`` for a missing file or a directory.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MrcWarning)
        if isinstance(target, MrcFile):
            path = target.path
            ctx = _context_for_open_file(target, strict)
        else:
            path = os.fspath(target)
            try:
                ctx = _context_for_path(path, strict)
            except MrcFormatError as exc:
                return _structure_report(path, exc)
        ctx.de = _de_facts(path, info_file)
        findings = []
        for rule in RULES:
            findings.extend(finding_of(rule, problem) for problem in rule.evaluate(ctx))
    return Report(path, tuple(findings))
