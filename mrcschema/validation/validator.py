"""``mrcschema.validate``: check a file against MRC2014 and the conventions around it.

``validate(path_or_open_file, *, full_data=False, info_file=None)`` evaluates every rule of
:data:`mrcschema.validation.rules.RULES` and returns a :class:`Report` of :class:`Finding` records.
It never raises for anything on disk: a file that cannot be read as MRC at all (shorter than the
header, a broken gzip stream, a PNG or a text file) is one ``MRC-STRUCTURE`` error and no other
rule runs; a missing file, a directory or a file that cannot be opened is one ``MRC-UNREADABLE``
error (the ``OSError`` text), so a batch gets one report per path.
The file is opened read-only and never changed.

A file whose MACHST says one byte order while MODE and NX, NY, NZ make sense only in the other
is checked in the order that reads (one ``MRC2014-BYTEORDER`` error says so), not as a page of
garbage values.

The data statistics are compared slab by slab (:data:`CHUNK_BYTES` mapped at a time and
released), in float64 blocks merged with Chan's pairwise update for the variance, so a
50 GB file is never in memory at once.  Without ``full_data`` the data pass is skipped,
with an ``info`` finding, when the data block is larger than :data:`STATS_SIZE_LIMIT`.

Direct Electron movies (``*_movie.mrc``) are checked against their ``*_info.txt``,
found with :func:`mrcschema.de.files.find_de_files` or given as ``info_file``
(``info_file=False`` turns the DE checks off).  The expected number of frames is decided by
:func:`mrcschema.de.frames.expected_frames`, as in the HyperSpy reader.
"""

from __future__ import annotations

import os
import warnings

from ..errors import MrcFormatError, MrcWarning, os_error_text
from ..format.geometry import HEADER_SIZE, parse_header
from ..format.mrc2014 import MRC2014_HEADER
from ..format.records import evolve
from ..reading.mrc_file import MrcFile, Target
from ..sources import open_source
from .context import Context, read_de_files
from .report import Finding, Report, finding_of
from .rules import RULES, RULES_BY_ID, Problem, reads_as_mrc_in

__all__ = ["validate"]


# -- entry point ------------------------------------------------------------------------------------
def _structure_report(path, exc):
    rule = RULES_BY_ID["MRC-STRUCTURE"]
    message = exc.args[0] if exc.args else str(exc)
    prefix = f"{exc.field} at offset {exc.offset}: " if exc.field is not None and exc.offset is not None else ""
    if prefix and message.startswith(prefix):
        message = message[len(prefix):]
    problem = Problem(exc.field or "file", exc.offset if exc.offset is not None else 0, message)
    return Report(path, (finding_of(rule, problem),))


def _unreadable_report(path, exc):
    """The report of a path that cannot be opened: one MRC-UNREADABLE error with the system's
    message (``No such file or directory``: the report names the path already)."""
    message = os_error_text(exc, path)
    return Report(path, (finding_of(RULES_BY_ID["MRC-UNREADABLE"], Problem("file", None, message)),))


def _read_in_order_that_reads(parsed):
    """A stamp whose order gives nonsense while the other order reads: the other order."""
    if parsed.byteorder_source == "stamp" and not reads_as_mrc_in(parsed.raw, parsed.byteorder):
        other = ">" if parsed.byteorder == "<" else "<"
        if reads_as_mrc_in(parsed.raw, other):
            return evolve(parse_header(parsed.raw, other), byteorder_source="contradicted")
    return parsed


def _context_for_source(source, full_data, header_only):
    raw = source.read_header(HEADER_SIZE)
    parsed = _read_in_order_that_reads(parse_header(raw))  # MrcFormatError for a file shorter than the header
    file_size = source.size
    if source.compressed is not None:
        return Context(source.path, parsed, file_size, full_data=full_data, reader=source.read,
                       compressed=source.compressed, content=source.content, header_only=header_only)
    window = source.read_chunk if source.mappable_path is None else None  # one 64 MB slab per fetch, no progress bar
    return Context(source.path, parsed, file_size, full_data=full_data, reader=source.read, window=window,
                   header_only=header_only, fd=getattr(source, "fd", None))


def _context_for_open_file(mrc, full_data, header_only):
    if mrc.closed:
        raise ValueError(f"{mrc.path} is closed")
    raw = MRC2014_HEADER.build(mrc.header, mrc.byteorder)
    parsed = parse_header(raw)
    if parsed.byteorder != mrc.byteorder:  # the stamp says otherwise: keep the order the file is read in
        parsed = evolve(parsed, header=MRC2014_HEADER.parse(raw, mrc.byteorder), byteorder=mrc.byteorder)
    extended = mrc.extended_header_bytes

    def reader(offset, nbytes):
        return extended[offset - HEADER_SIZE:offset - HEADER_SIZE + nbytes]

    # read-only and local: the statistics read the file opened with pread (a truncation under it is a
    # finding, never a SIGBUS); "r+" and "c" read the map, which holds the edits not yet written
    fd = getattr(mrc.source, "fd", None) if mrc.mode == "r" and mrc.geometry is not None else None
    return Context(mrc.path, parsed, mrc.file_size, full_data=full_data, reader=reader, open_file=mrc,
                   header_only=header_only, fd=fd)


def validate(target: Target, *, full_data: bool = False,
             info_file: str | os.PathLike | bool | None = None, header_only: bool = False,
             storage_options: dict | None = None, progress: bool | None = None) -> Report:
    """Check an MRC file against the rules of :data:`mrcschema.validation.rules.RULES`; return a :class:`Report`.

    ``target``: a path (plain, gzip or bzip2), a URL (``storage_options`` passed to fsspec), an
    open binary file object, a bytes-like object, or an open :class:`~mrcschema.MrcFile` (its
    current header record and data are checked).  ``full_data``: always compare the data
    statistics, however large the file (otherwise files over :data:`STATS_SIZE_LIMIT` of data skip
    that pass, with an info finding).  ``header_only``: never read the data (the header and
    extended header are all that is read; the statistics pass is reported skipped).
    ``info_file``: the DE info file of a movie; None finds it beside a ``*_movie.mrc`` (a URL's
    folder is listed where its file system can list); False skips the DE checks.  ``progress``: a
    bar on stderr while more than 256 MiB of data are read (:mod:`mrcschema.progress`): None when
    stderr is a terminal, True always, False never.

    Never raises for a file: a missing file or a directory is a report with one
    ``MRC-UNREADABLE`` error, a file that is not MRC one ``MRC-STRUCTURE`` error.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MrcWarning)
        if isinstance(target, MrcFile):
            path = target.path
            ctx = _context_for_open_file(target, full_data, header_only)
        else:
            path = _name_of(target)
            try:
                with open_source(target, storage_options=storage_options) as source:  # a directory: IsADirectoryError
                    path = source.path
                    ctx = _context_for_source(source, full_data, header_only)
                    return _evaluate(ctx, path, info_file, storage_options, progress)
            except MrcFormatError as exc:
                return _structure_report(path, exc)
            except OSError as exc:
                return _unreadable_report(path, exc)
        return _evaluate(ctx, path, info_file, storage_options, progress)


def _name_of(target):
    if isinstance(target, (str, os.PathLike)):
        return os.fspath(target)
    name = getattr(target, "name", None)
    return name if isinstance(name, str) else f"<{type(target).__name__}>"


def _evaluate(ctx, path, info_file, storage_options, progress) -> Report:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MrcWarning)
        ctx.de = read_de_files(path, info_file, storage_options)
        ctx.progress = progress
        findings: list[Finding] = []
        for rule in RULES:
            problems = rule.evaluate(ctx)
            findings.extend(finding_of(rule, problem) for problem in problems)
            if problems and rule.final:
                break
    return Report(str(path), tuple(findings))
