"""``mrcschema.validate``: check a file against MRC2014 and the conventions around it.

``validate(path_or_open_file, *, strict=False, info_file=None)`` evaluates every rule of
:data:`mrcschema.rules.RULES` and returns a :class:`Report` of :class:`Finding` records.
It never raises for a broken file: a file that cannot be read as MRC at all is one
``MRC-STRUCTURE`` error.  Only a missing file or a directory raises ``OSError``.
The file is opened read-only and never changed.

The data statistics are compared slab by slab (:data:`CHUNK_BYTES` mapped at a time and
released), in float64 blocks merged with Chan's pairwise update for the variance, so a
50 GB file is never in memory at once.  Without ``strict`` the data pass is skipped,
with an ``info`` finding, when the data block is larger than :data:`STATS_SIZE_LIMIT`.

Direct Electron movies (``*_movie.mrc``) are checked against their ``*_info.txt``,
found with :func:`mrcschema.de_files.find_de_files` or given as ``info_file``
(``info_file=False`` turns the DE checks off).
"""

from __future__ import annotations

import os
import re
import warnings

import attrs
import numpy as np

from .compressed import CompressedSource, open_source
from .errors import MrcFormatError, MrcWarning
from .file import MrcFile
from .header import HEADER_SIZE, data_geometry, parse_header
from .modes import MODES, data_nbytes, unpack_4bit
from .rules import ERROR, INFO, RULES, RULES_BY_ID, WARNING, Problem, field_offset, show
from .schemas.mrc2014 import MRC2014_HEADER
from .stats import StatsAccumulator

__all__ = ["Finding", "Report", "validate", "STATS_SIZE_LIMIT", "CHUNK_BYTES"]

#: without ``strict``, data blocks larger than this are not read to check the statistics
STATS_SIZE_LIMIT = 1 << 30
#: bytes of data mapped at a time by the statistics pass
CHUNK_BYTES = 64 << 20
#: mrcfile's tolerance for DMEAN and RMS (``numpy.isclose(..., rtol=0.01)``)
STATS_RTOL = 0.01

_MOVIE_NAME = re.compile(r".+_movie\.mrc", re.IGNORECASE)


@attrs.frozen
class Finding:
    """One departure from a rule: how bad, which rule, where, what was found and expected."""

    severity: str  #: "error", "warning" or "info"
    rule: str  #: the rule id, e.g. ``MRC2014-MAP``
    field: str  #: the field, as ``dump`` names it ("map", "cella.x", "label[2]", "file", "data")
    offset: int | None  #: byte offset of the field in the file (None: no single place)
    message: str  #: what was found, then what was expected
    spec: str  #: the specification and section the rule comes from

    def __str__(self):
        where = self.field if self.offset is None else f"{self.field}@{self.offset}"
        return f"{self.severity} {self.rule} {where}: {self.message}"

    def to_dict(self):
        return attrs.asdict(self)


@attrs.frozen
class Report:
    """The findings for one file; ``ok`` when none is an error.  Iterate it for the findings."""

    path: str
    findings: tuple = ()

    @property
    def ok(self):
        return not self.errors

    @property
    def errors(self):
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self):
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def infos(self):
        return [f for f in self.findings if f.severity == INFO]

    @property
    def rules(self):
        """The ids of the rules with findings, in order."""
        return list(dict.fromkeys(f.rule for f in self.findings))

    def __iter__(self):
        return iter(self.findings)

    def __str__(self):
        lines = [f"{self.path}: {'OK' if self.ok else 'INVALID'}"]
        lines += [f"  {finding}" for finding in self.findings]
        return "\n".join(lines)

    def to_dict(self):
        """Plain values for JSON: path, ok, counts and the findings."""
        return {
            "path": self.path, "ok": self.ok,
            "errors": len(self.errors), "warnings": len(self.warnings), "infos": len(self.infos),
            "findings": [f.to_dict() for f in self.findings],
        }


def _finding(rule, problem):
    return Finding(rule.severity, rule.id, problem.field, problem.offset,
                   f"{problem.found}; expected {rule.expected}", rule.spec)


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
        from .de_files import find_de_files, read_scan_coordinates
        from .de_info import read_info_file
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


# -- data statistics --------------------------------------------------------------------------------
def _stats_wanted(h, complex_mode):
    """Which statistics the header claims to know (MRC2014 note 5, mrcfile's reading)."""
    rms = h.rms >= 0
    minmax = h.dmin < h.dmax and not complex_mode
    mean = h.dmean > min(h.dmin, h.dmax) and not complex_mode
    return rms, minmax, mean


def _chunk_windows(count, chunk):
    start = 0
    while start < count:
        yield start, min(chunk, count - start)
        start += chunk


# -- the context the rules read ----------------------------------------------------------------------
class _Context:
    """A file as the rules see it: the header record, sizes, lazy access to the bytes."""

    def __init__(self, path, parsed, file_size, *, strict, reader, compressed=None, content=None, open_file=None):
        self.path = path
        self.parsed = parsed
        self.header = parsed.header
        self.byteorder = parsed.byteorder
        self.byteorder_source = parsed.byteorder_source
        self.file_size = file_size
        self.compressed = compressed
        self.strict = strict
        self.structure_problems = ()
        self.de = None
        self._reader = reader  # reader(offset, nbytes) -> bytes
        self._content = content  # the decompressed bytes of a compressed file
        self._open_file = open_file
        self._imod = None
        self._stats = None
        self._stats_done = False
        self._skipped = None
        self._ext_cache = {}

    # -- header values ------------------------------------------------------------------
    @property
    def imod(self):
        if self._imod is None:
            self._imod = self.parsed.imod
        return self._imod

    def value(self, name):
        if name.startswith("label["):
            return self.header.label[int(name[6:-1])]
        if name in ("nint", "nreal"):
            return getattr(self.imod, name)
        value = self.header
        for part in name.split("."):
            value = getattr(value, part)
        return value

    # -- geometry -----------------------------------------------------------------------
    @property
    def data_offset(self):
        return HEADER_SIZE + self.header.nsymbt

    @property
    def data_nbytes(self):
        """Bytes the header promises for the data block; None when it cannot be worked out."""
        h = self.header
        if h.mode not in MODES or h.nx <= 0 or h.ny <= 0 or h.nz <= 0 or h.nsymbt < 0:
            return None
        return data_nbytes(h.mode, h.nx, h.ny, h.nz)

    @property
    def expected_file_size(self):
        nbytes = self.data_nbytes
        return None if nbytes is None else self.data_offset + nbytes

    # -- extended header ------------------------------------------------------------------
    def extended_bytes(self, nbytes):
        """The first ``nbytes`` of the extended header (fewer if NSYMBT or the file is shorter)."""
        nbytes = max(0, min(nbytes, self.header.nsymbt, self.file_size - HEADER_SIZE))
        if nbytes not in self._ext_cache:
            self._ext_cache[nbytes] = self._reader(HEADER_SIZE, nbytes)
        return self._ext_cache[nbytes]

    def fei_int(self, offset):
        """The little-endian int32 at ``offset`` of the extended header (FEI files are
        little-endian throughout), or None when the extended header is shorter."""
        raw = self.extended_bytes(offset + 4)
        if len(raw) < offset + 4:
            return None
        return int.from_bytes(raw[offset:offset + 4], "little", signed=True)

    # -- statistics -------------------------------------------------------------------------
    def statistics_skipped(self):
        self._compute_statistics()
        return self._skipped

    def statistics_problems(self):
        self._compute_statistics()
        if self._stats is None:
            return
        h, acc = self.header, self._stats
        rms_wanted, minmax_wanted, mean_wanted = _stats_wanted(h, acc.complex)
        if rms_wanted and not np.isclose(acc.std, h.rms, rtol=STATS_RTOL):
            yield Problem("rms", field_offset("rms"),
                          f"RMS is {show(h.rms)} but the standard deviation of the data is {acc.std:.7g}")
        if minmax_wanted:
            for name, header_value, actual in (("dmin", h.dmin, acc.minimum), ("dmax", h.dmax, acc.maximum)):
                if not header_value == float(actual):
                    yield Problem(name, field_offset(name),
                                  f"{name.upper()} is {show(header_value)} but the data "
                                  f"{'minimum' if name == 'dmin' else 'maximum'} is {float(actual):.7g}")
        if mean_wanted and not np.isclose(acc.mean, h.dmean, rtol=STATS_RTOL):
            yield Problem("dmean", field_offset("dmean"),
                          f"DMEAN is {show(h.dmean)} but the mean of the data is {acc.mean:.7g}")

    def _compute_statistics(self):
        if self._stats_done:
            return
        self._stats_done = True
        h = self.header
        complex_mode = h.mode in (3, 4)
        if not any(_stats_wanted(h, complex_mode)):
            return  # every statistic is marked undetermined: nothing to compare
        nbytes = self.data_nbytes
        if nbytes is None:
            self._skipped = "the data block cannot be located (see the errors on MODE, NX, NY, NZ, NSYMBT)"
            return
        if self.file_size < self.data_offset + nbytes:
            self._skipped = "the data block is shorter than the header says"
            return
        if not self.strict and nbytes > STATS_SIZE_LIMIT:
            self._skipped = (f"the data block is {nbytes} bytes, over the {STATS_SIZE_LIMIT}-byte limit "
                             "(validate(..., strict=True) or --strict reads it all)")
            return
        try:
            acc = StatsAccumulator()
            with np.errstate(all="ignore"):  # NaN and infinities in the data are findings, not warnings
                for values in self._value_chunks():
                    acc.add(values)
        except MrcFormatError as exc:
            self._skipped = f"the data cannot be read: {exc}"
            return
        self._stats = acc

    def _value_chunks(self):
        """The data values, one slab of at most CHUNK_BYTES at a time (mode 3 counts the
        complex128 values it becomes)."""
        h = self.header
        per_chunk = max(1, CHUNK_BYTES // {0: 1, 1: 2, 3: 16, 4: 8, 6: 2, 12: 2, 16: 1, 101: 1}.get(h.mode, 4))
        if self._open_file is not None:
            flat = self._open_file.data.reshape(-1)
            for start, n in _chunk_windows(flat.size, per_chunk):
                yield _numeric(flat[start:start + n])
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MrcWarning)
            geometry = data_geometry(self.parsed, self.file_size)
        dtype, offset = geometry.dtype, geometry.offset
        if geometry.mode.packed_4bit:
            row_bytes = (h.nx + 1) // 2
            rows = h.nz * h.ny
            rows_per_chunk = max(1, per_chunk // (2 * row_bytes))  # unpacked: two values per byte
            for start, n in _chunk_windows(rows, rows_per_chunk):
                raw = self._window(offset + start * row_bytes, dtype, n * row_bytes)
                yield unpack_4bit(raw.reshape(n, row_bytes), h.nx).reshape(-1)
                del raw
            return
        count = int(np.prod(geometry.stored_shape))
        for start, n in _chunk_windows(count, per_chunk):
            raw = self._window(offset + start * dtype.itemsize, dtype, n)
            yield _numeric(raw)
            del raw

    def _window(self, offset, dtype, count):
        """``count`` items at ``offset``: a read-only memory map of just that window (released
        when dropped), or a view of the decompressed bytes."""
        if self.compressed:
            return np.frombuffer(self._content, dtype=dtype, count=count, offset=offset)
        return np.memmap(self.path, dtype=dtype, mode="r", offset=offset, shape=(count,))


def _numeric(values):
    """Mode 3 (a structured pair of int16) as complex; everything else as it is."""
    if values.dtype.names:
        return values["real"].astype(np.float64) + 1j * values["imag"].astype(np.float64)
    return values


# -- entry point ------------------------------------------------------------------------------------
def _structure_report(path, exc):
    rule = RULES_BY_ID["MRC-STRUCTURE"]
    message = exc.args[0] if exc.args else str(exc)
    prefix = f"{exc.field} at offset {exc.offset}: " if exc.field is not None and exc.offset is not None else ""
    if prefix and message.startswith(prefix):
        message = message[len(prefix):]
    problem = Problem(exc.field or "file", exc.offset if exc.offset is not None else 0, message)
    return Report(path, (_finding(rule, problem),))


def _context_for_path(path, strict):
    os.stat(path)  # a missing file raises FileNotFoundError here
    source = open_source(path)  # a directory raises IsADirectoryError
    raw = source.read_header(HEADER_SIZE)
    parsed = parse_header(raw)  # MrcFormatError for a file shorter than the header
    file_size = source.size
    if isinstance(source, CompressedSource):
        return _Context(path, parsed, file_size, strict=strict, reader=source.read,
                        compressed=source.compressed, content=source.content)
    return _Context(path, parsed, file_size, strict=strict, reader=source.read)


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

    return _Context(mrc.path, parsed, mrc.file_size, strict=strict, reader=reader, open_file=mrc)


def validate(target, *, strict=False, info_file=None):
    """Check an MRC file against the rules of :data:`mrcschema.rules.RULES`; return a :class:`Report`.

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
            findings.extend(_finding(rule, problem) for problem in rule.evaluate(ctx))
    return Report(path, tuple(findings))
