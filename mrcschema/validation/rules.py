"""The validation rules, declared as data: one :class:`Rule` record per requirement.

A rule names the field it reads, the field's byte offset, a severity, the check, the
text of what a conforming file has, the specification it comes from and what
``mrcfile.validate`` (1.5.4) does about the same thing.  Most checks are plain data:
allowed values (:class:`OneOf`), ranges (:class:`InRanges`, :class:`Above`,
:class:`AtLeast`), required values of other fields (:class:`FieldValues`) and
preconditions (``when``).  Where a requirement relates several fields, the file size
or the data, the check is a :class:`Relation`: a small function of the
:class:`~mrcschema.validation.context.Context` that returns the problems it finds.  Every
comparison is here; the context only reads (header values, extended-header bytes, the data
statistics, the DE info file), and the expected frames of a DE movie come from
:func:`mrcschema.de.frames.expected_frames`, which the HyperSpy reader follows too.

``docs/validation_rules.md`` is generated from :data:`RULES` by ``docs/generate_rules.py``;
:func:`mrcschema.validate` evaluates them.  One rule has one severity: where a value is
tolerated but not conforming (``MAP\\0``, mode 16) that is a separate, weaker rule.
Everything ``mrcfile.validate`` calls invalid is an error here except the real-world variants
listed, with the software that writes them, in ``docs/conformance.md`` (tested by
``tests/test_validate_vs_mrcfile.py``).  ``MRC-STRUCTURE`` is ``final``: a file that is not MRC
at all gets that one finding and no other rule runs.

Severity: ``error`` the file breaks the specification (or cannot be read as declared);
``warning`` it departs from the specification in a way readers tolerate;
``info`` a fact worth knowing, not a fault (a check skipped, padding).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..format.extended import count_records
from ..format.exttyp import AGREED_EXTTYPS, HDF5_SIGNATURE, exttyp_text
from ..format.fei import FEI1, FEI_KINDS
from ..format.meaning import (
    IMAGE_ISPG,
    ISPG_RANGES,
    MRC2014_NVERSIONS,
    PRE2014_NVERSION,
    STAMP_FIRST_BYTES,
    STANDARD_STAMPS,
    VOLUME_STACK_ISPGS,
)
from ..format.modes import IMOD_RGB_MODE, MRC2014_MODES
from ..format.mrc2014 import HEADER_SIZE, field_offset
from ..format.records import record
from ..format.seri import is_seri_header, seri_record_nbytes
from ..format.values import show
from .context import INT32_MODES

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)


# -- citations ---------------------------------------------------------------------------------
CCPEM = "CCP-EM MRC2014"
CCPEM_20141 = "CCP-EM MRC2014 update 20141"
IMOD_DOC = "IMOD mrc_format.txt"
TFS = "Thermo Fisher MRC2014 (doc 306687) via mrcfile/ExifTool, specs/fei1.csv, specs/fei2.csv"
DE_OBSERVED = ("Direct Electron DE-Server file set as observed (no published specification); "
               "RosettaSciIO DE reader")


#: every MODE whose data can be located: MRC2014's, IMOD's 16 and the 32-bit integer modes 7 and 8
SIZED_MODES = (*MRC2014_MODES, IMOD_RGB_MODE, *INT32_MODES)
#: who writes modes 7 and 8 (MRC2014 does not define them)
INT32_MODE_TEXT = {7: "int32, written by Priism/DeltaVision and mrcz", 8: "uint32, written by mrcz"}


def is_blank(raw: bytes) -> bool:
    """Only NUL and whitespace."""
    return not raw.strip(b"\0 \t\r\n\x0b\x0c")


_PRINTABLE = bytes([0, *range(32, 127)])


def is_printable(raw: bytes) -> bool:
    """Printable ASCII (0x20-0x7E), NUL allowed as padding."""
    return not raw.translate(None, _PRINTABLE)


# -- value tests (data) -----------------------------------------------------------------------------
@record
class OneOf:
    values: tuple

    def __call__(self, value):
        return value in self.values

    @property
    def text(self):
        shown = [show(v) for v in self.values]
        return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)


@record
class InRanges:
    ranges: tuple  #: inclusive (low, high) pairs

    def __call__(self, value):
        return any(low <= value <= high for low, high in self.ranges)

    @property
    def text(self):
        return "in " + ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.ranges)


@record
class Above:
    minimum: float

    def __call__(self, value):
        return value > self.minimum and not _is_nan(value)

    @property
    def text(self):
        return f"> {self.minimum}"


@record
class AtLeast:
    minimum: float

    def __call__(self, value):
        return value >= self.minimum and math.isfinite(value)

    @property
    def text(self):
        return f">= {self.minimum} (finite)"


@record
class Printable:
    def __call__(self, value):
        return is_printable(value)

    @property
    def text(self):
        return "printable ASCII (0x20-0x7E), NUL padding"


@record
class CodeIn:
    """A 4-character code: one of ``codes`` (trailing NUL/space ignored), or blank if ``blank``."""

    codes: tuple
    blank: bool = True

    def __call__(self, value):
        code = exttyp_text(value)
        return code in self.codes or (self.blank and not code)

    @property
    def text(self):
        codes = self.codes[0] if len(self.codes) == 1 else "one of " + ", ".join(self.codes)
        return ("is " if len(self.codes) == 1 else "") + codes + (" or blank" if self.blank else "")


@record
class NotBlank:
    def __call__(self, value):
        return not is_blank(value)

    @property
    def text(self):
        return "not blank"


@record
class Not:
    test: object

    def __call__(self, value):
        return not self.test(value)

    @property
    def text(self):
        return f"not {self.test.text}"


def _is_nan(value):
    return isinstance(value, float) and math.isnan(value)


# -- checks: what a rule tests -----------------------------------------------------------------------
@record
class Problem:
    """One departure a check found: where, and what was found there."""

    field: str
    offset: int | None
    found: str


@record
class EachField:
    """Every field in ``fields`` passes ``test``."""

    fields: tuple
    test: object

    def problems(self, ctx):
        for name in self.fields:
            value = ctx.value(name)
            if not self.test(value):
                yield Problem(name, field_offset(name), f"{name.upper()} is {show(value)}")

    @property
    def text(self):
        return f"{', '.join(self.fields)} {self.test.text}"


@record
class FieldValues:
    """Each field has the value paired with it."""

    pairs: tuple  #: (field, value) pairs

    def problems(self, ctx):
        found = [(name, ctx.value(name), value) for name, value in self.pairs]
        if any(actual != value for _, actual, value in found):
            names = [name for name, _, _ in found]
            upper = ", ".join(name.upper() for name in names)
            values = ", ".join(show(actual) for _, actual, _ in found)
            yield Problem(", ".join(names), field_offset(names[0]),
                          f"{upper} {'are' if len(names) > 1 else 'is'} {values}")

    @property
    def text(self):
        return ", ".join(f"{name} = {show(value)}" for name, value in self.pairs)


@record
class Relation:
    """A requirement relating several fields, the file size or the data: ``function(ctx)``
    yields the :class:`Problem` s it finds."""

    function: Callable[[Any], Iterable[Problem]]

    def problems(self, ctx):
        return self.function(ctx)


# -- preconditions ---------------------------------------------------------------------------------------
@record
class FieldIs:
    field: str
    test: object

    def __call__(self, ctx):
        return self.test(ctx.value(self.field))

    @property
    def text(self):
        return f"{self.field} {self.test.text}"


@record
class Condition:
    function: Callable[[Any], bool]
    text: str

    def __call__(self, ctx):
        return self.function(ctx)


@record
class AllOf:
    conditions: tuple

    def __call__(self, ctx):
        return all(condition(ctx) for condition in self.conditions)

    @property
    def text(self):
        return " and ".join(condition.text for condition in self.conditions)


# -- the rule record ----------------------------------------------------------------------------------------
@record
class Rule:
    """One requirement: what it reads, how bad a departure is, the check and where it comes from."""

    id: str  #: stable identifier, e.g. ``MRC2014-MAP``
    severity: str  #: "error", "warning" or "info"
    field: str  #: the field(s) read, as ``dump`` names them, or "file", "data", "extended header"...
    offset: int | None  #: byte offset of the field (None: no single place, e.g. the file size)
    check: object  #: :class:`EachField`, :class:`FieldValues` or :class:`Relation`
    expected: str  #: what a conforming file has (used in messages and the docs)
    spec: str  #: specification and section
    when: object = None  #: precondition; the rule is not evaluated unless it holds
    mrcfile: str = "not checked"  #: what ``mrcfile.validate`` 1.5.4 does about it
    scope: str = "main header"  #: "main header", "file", "data", "extended header", "DE file set"
    final: bool = False  #: when this rule finds a problem, no later rule is evaluated

    def applies(self, ctx):
        return self.when is None or bool(self.when(ctx))

    def evaluate(self, ctx):
        """The problems this rule finds in ``ctx`` (none when its precondition does not hold)."""
        if not self.applies(ctx):
            return []
        return list(self.check.problems(ctx))


# -- relations -----------------------------------------------------------------------------------------------
def _reads_as_mrc(raw, order):
    """MODE a known mode number and NX, NY, NZ positive when the header is read in ``order``."""
    nx, ny, nz, mode = struct.unpack_from(order + "4i", raw, 0)
    return mode in SIZED_MODES and nx > 0 and ny > 0 and nz > 0


def _not_mrc(ctx):
    """Not an MRC file at all: no 'MAP' identifier and no byte order in which MODE and the
    dimensions make sense (a PNG, a text file, zeros)."""
    h = ctx.header
    if h.map[:3] == b"MAP" or _reads_as_mrc(ctx.parsed.raw, "<") or _reads_as_mrc(ctx.parsed.raw, ">"):
        return
    yield Problem("map", field_offset("map"),
                  f"not an MRC file: MAP is {show(h.map)}, NX is {h.nx}, NY is {h.ny}, NZ is {h.nz}, "
                  f"MODE is {h.mode}, and in neither byte order is MODE a known mode with NX, NY, NZ > 0")


def _structure(ctx):
    yield from ctx.structure_problems
    yield from _not_mrc(ctx)


def _plausible(ctx):
    h = ctx.header
    return h.mode in SIZED_MODES and h.nx > 0 and h.ny > 0 and h.nz > 0


def plausible_in(raw, order):
    """Whether the 1024 header bytes read as MRC in ``order`` (a known MODE, NX, NY, NZ > 0):
    ``validate`` reads a file whose stamp contradicts its numbers in the other order."""
    return _reads_as_mrc(raw, order)


def _byteorder_readable(ctx):
    """The byte order is told by MACHST, or guessed from a plausible MODE and NX, NY, NZ, and the
    stamp does not contradict the numbers (MRC2014-BYTEORDER holds)."""
    return ctx.byteorder_source == "stamp" or (ctx.byteorder_source == "guessed" and _plausible(ctx))


_ORDER_NAMES = {"<": "little-endian", ">": "big-endian"}


def _byteorder(ctx):
    h = ctx.header
    if ctx.byteorder_source == "contradicted":
        stamp_order = ">" if ctx.byteorder == "<" else "<"
        yield Problem("machst", field_offset("machst"),
                      f"MACHST is {show(h.machst)}, which says {_ORDER_NAMES[stamp_order]}, but MODE and NX, NY, NZ "
                      f"are valid only read {_ORDER_NAMES[ctx.byteorder]}; the header is checked "
                      f"{_ORDER_NAMES[ctx.byteorder]}")
    elif not _byteorder_readable(ctx):
        yield Problem("machst", field_offset("machst"),
                      f"MACHST is {show(h.machst)} and neither byte order gives a known MODE "
                      "with positive NX, NY, NZ")


def _machst_variant(machst):
    """A real-world stamp that is not one of MRC2014's: zeroed (cryoDRGN before 2023), or a first
    byte 44 / 11 (the float representation nibbles) with other bytes wrong: SerialEM's 44 00 00 00,
    EMDB's 44 11 00 00, IMOD-exported 44 20 20 20."""
    return machst not in STANDARD_STAMPS and (machst == b"\0\0\0\0" or machst[:1] in STAMP_FIRST_BYTES)


def _machst(ctx):
    machst = ctx.header.machst
    if machst not in STANDARD_STAMPS and not _machst_variant(machst):
        yield Problem("machst", field_offset("machst"), f"MACHST is {show(machst)}")


def _machst_variants(ctx):
    machst = ctx.header.machst
    if _machst_variant(machst):
        what = "zeroed" if machst == b"\0\0\0\0" else "not a standard stamp"
        yield Problem("machst", field_offset("machst"),
                      f"MACHST is {show(machst)} ({what}; the byte order, {_ORDER_NAMES[ctx.byteorder]}, is "
                      f"{'from its first bytes' if ctx.byteorder_source == 'stamp' else 'guessed from MODE and NX, NY, NZ'})")


def _mode(ctx):
    mode = ctx.header.mode
    if mode in INT32_MODE_TEXT:
        yield Problem("mode", field_offset("mode"),
                      f"MODE is {mode} ({INT32_MODE_TEXT[mode]}): not a mode MRC2014 defines; the data is read as "
                      f"{INT32_MODES[mode].name} for the other checks")
    elif mode not in MRC2014_MODES and mode != IMOD_RGB_MODE:
        yield Problem("mode", field_offset("mode"), f"MODE is {mode}")


def _dimensions(ctx):
    for name in ("nx", "ny", "nz"):
        value = ctx.value(name)
        if value == 0:
            yield Problem(name, field_offset(name),
                          f"{name.upper()} is 0: an empty data block (mrcfile.new() writes 0 until data is set)")
        elif value < 0:
            yield Problem(name, field_offset(name), f"{name.upper()} is {value}")


def _sampling(ctx):
    for axis in "xyz":
        name, cell = f"m{axis}", ctx.value(f"cella.{axis}")
        value = ctx.value(name)
        if value > 0:
            continue
        found = f"{name.upper()} is {value}"
        if value == 0 and cell:
            found += (f" with CELLA.{axis.upper()} {show(float(cell))}: the voxel size CELLA / {name.upper()} is "
                      "undefined (mrcz writes 0 in every file; its readers take CELLA / N)")
        yield Problem(name, field_offset(name), found)


def _is_de(ctx):
    """A Direct Electron file: its info file was read (DE-Server's file set)."""
    return ctx.de is not None and ctx.de.info is not None


def _physical_fallbacks(ctx):
    """Where the physical model (``MrcFile.physical``) could not take the header as it stands: each
    fallback it took (M <= 0, mrcz's MX = MY = 0, MAPC/MAPR/MAPS not a permutation).  Unknown sizes
    (CELLA 0 or negative) are not fallbacks: MRC2014-CELLA and the model's reasons say them."""
    model = ctx.physical
    if model is None:
        return
    for text in model.fallbacks:
        yield Problem("cella", field_offset("cella.x"), f"physical model: {text}")


def _cella(ctx):
    h = ctx.header
    for axis, size in zip("xyz", (h.nx, h.ny, h.nz)):
        name = f"cella.{axis}"
        value = float(ctx.value(name))
        if value >= 0 and math.isfinite(value):
            continue
        found = f"{name.upper()} is {show(value)}"
        de_convention = value < 0 and size > 0 and value == -10.0 * size
        if value < 0 and (_is_de(ctx) or de_convention):
            found += (f": DE-Server's convention for 'pixel size unknown' (a negative cell, -10 Å x the size"
                      f"{', here N' + axis.upper() + ' ' + str(size) if de_convention else ''}); "
                      "DE-Server records the pixel size in the info file (Specimen Pixel Size X, Y)")
        yield Problem(name, field_offset(name), found)


def _axes(ctx):
    h = ctx.header
    axes = (h.mapc, h.mapr, h.maps)
    if sorted(axes) != [1, 2, 3]:
        yield Problem("mapc, mapr, maps", field_offset("mapc"), f"MAPC, MAPR, MAPS are {axes}")


def _axes_are_permutation(ctx):
    h = ctx.header
    return sorted((h.mapc, h.mapr, h.maps)) == [1, 2, 3]


def _volume_stack(ctx):
    h = ctx.header
    if h.mz <= 0 or h.nz % h.mz:
        yield Problem("nz, mz", field_offset("nz"),
                      f"ISPG {h.ispg} (volume stack) with NZ {h.nz} and MZ {h.mz}: NZ is not a multiple of MZ")


def _exttyp_code(ctx):
    """EXTTYP without trailing NUL/space padding, as text."""
    return exttyp_text(ctx.header.exttyp)


def _exttyp_unknown(ctx):
    code = _exttyp_code(ctx)
    return bool(code) and code not in AGREED_EXTTYPS


def _exttyp_agreed(ctx):
    if _exttyp_unknown(ctx):
        h = ctx.header
        yield Problem("exttyp", field_offset("exttyp"),
                      f"EXTTYP is {show(h.exttyp)}, an unknown code, with NSYMBT {h.nsymbt} bytes of extended header "
                      "(a reader cannot tell what they hold)")


def _exttyp_unused(ctx):
    if _exttyp_unknown(ctx):
        yield Problem("exttyp", field_offset("exttyp"),
                      f"EXTTYP is {show(ctx.header.exttyp)}, an unknown code (no extended header: NSYMBT 0)")


# -- labels: padding as mrcfile (numpy) reads it --------------------------------------------------------------
def label_text(raw):
    """A label without its trailing padding: the NULs after the text, then the spaces before them."""
    return raw.rstrip(b"\0").rstrip(b" ")


def label_used(raw):
    """A label holding text, as mrcfile counts it: something left after removing trailing NULs,
    then surrounding whitespace."""
    return bool(raw.rstrip(b"\0").strip())


def _nlabl(ctx):
    h = ctx.header
    used = sum(label_used(label) for label in h.label)
    if h.nlabl != used:
        yield Problem("nlabl", field_offset("nlabl"), f"NLABL is {h.nlabl} but {used} labels contain text")


def _label_order(ctx):
    seen_blank = None
    for index, label in enumerate(ctx.header.label):
        if not label_used(label):
            seen_blank = index if seen_blank is None else seen_blank
        elif seen_blank is not None:
            yield Problem(f"label[{seen_blank}]", field_offset(f"label[{seen_blank}]"),
                          f"label {seen_blank} is blank but label {index} holds text")
            return


def _label_bytes(ctx):
    """A NUL or a byte that is not printable ASCII inside a label's text (before its padding)."""
    for index, label in enumerate(ctx.header.label):
        text = label_text(label)
        bad = [i for i, byte in enumerate(text) if not 32 <= byte < 127]
        if bad:
            name = f"label[{index}]"
            first = bad[0]
            what = "a NUL" if text[first] == 0 else f"byte {text[first]:#04x}, not printable ASCII,"
            yield Problem(name, field_offset(name),
                          f"{name.upper()} holds {what} at offset {field_offset(name) + first} (its byte {first}"
                          f"{f'; {len(bad)} such bytes' if len(bad) > 1 else ''}) before the end of its text: "
                          f"{show(text)}")


def _file_size(ctx):
    expected = ctx.expected_file_size
    if expected is None or ctx.file_size == expected:
        return
    h = ctx.header
    difference = ctx.file_size - expected
    what = "more" if difference > 0 else "less"
    compressed = " (decompressed)" if ctx.compressed else ""
    yield Problem("file", None,
                  f"file{compressed} is {ctx.file_size} bytes, {abs(difference)} bytes {what} than the "
                  f"{expected} the header implies (1024 + NSYMBT {h.nsymbt} + data {ctx.data_nbytes})")


# -- data statistics -------------------------------------------------------------------------------------------
#: mrcfile's relative tolerance for DMEAN and RMS (``numpy.isclose(..., rtol=0.01)``)
STATS_RTOL = 0.01
#: the absolute term of the RMS comparison, in float32 ulps of the data's magnitude: float32
#: arithmetic (mrcfile's ``data.std()``) gives a constant fill an RMS of up to 4 ulps, exactly 0 here
STATS_ULPS = 8
#: DMIN/DMAX of complex data against the amplitudes: float32 square roots differ by an ulp or so
AMPLITUDE_ULPS = 4


def _ulp32(value):
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.spacing(np.float32(abs(value))))


def rms_close(actual, header_value, magnitude):
    """RMS as mrcfile compares it, with an absolute term for near-constant data:
    ``|actual - header| <= STATS_RTOL * |header| + STATS_ULPS * ulp32(magnitude)``, where
    ``magnitude`` is max(|min|, |max|, |mean|) of the data (the amplitudes for complex data)."""
    return abs(actual - header_value) <= STATS_RTOL * abs(header_value) + STATS_ULPS * _ulp32(magnitude)


def _stats_wanted(h):
    """Which statistics the header claims to know (MRC2014 note 5, mrcfile's reading):
    RMS if >= 0, DMIN/DMAX if DMIN < DMAX, DMEAN if > min(DMIN, DMAX)."""
    return h.rms >= 0, h.dmin < h.dmax, h.dmean > min(h.dmin, h.dmax)


def _stats_claimed(ctx):
    return any(_stats_wanted(ctx.header))


def _magnitude(ctx, acc):
    if acc.complex:
        amplitudes = ctx.amplitude_statistics()
        return max(abs(acc.mean), float(amplitudes.maximum))
    return max(abs(float(acc.minimum)), abs(float(acc.maximum)), abs(acc.mean))


def _claimed_fields(h):
    rms, minmax, mean = _stats_wanted(h)
    return [name for name, wanted in (("rms", rms), ("dmin", minmax), ("dmax", minmax), ("dmean", mean)) if wanted]


def _complex_mismatches(ctx, acc):
    """DMIN, DMAX, DMEAN of complex data compared with the amplitudes |z| (IMOD's sliceMMM)."""
    h = ctx.header
    amplitudes = ctx.amplitude_statistics()
    _, minmax, mean = _stats_wanted(h)
    if minmax:
        for name, header_value, actual in (("dmin", h.dmin, amplitudes.minimum), ("dmax", h.dmax, amplitudes.maximum)):
            actual = float(actual)
            if not abs(header_value - actual) <= AMPLITUDE_ULPS * _ulp32(actual):
                yield Problem(name, field_offset(name),
                              f"{name.upper()} is {show(header_value)} but the {'minimum' if name == 'dmin' else 'maximum'} "
                              f"amplitude of the complex data is {actual:.7g}")
    if mean and not np.isclose(amplitudes.mean, h.dmean, rtol=STATS_RTOL):
        yield Problem("dmean", field_offset("dmean"),
                      f"DMEAN is {show(h.dmean)} but the mean amplitude of the complex data is {amplitudes.mean:.7g}")


def _stats(ctx):
    acc = ctx.statistics()
    if acc is None:
        return
    h = ctx.header
    if acc.count == 0:
        if ctx.nan_count:
            for name in _claimed_fields(h):
                yield Problem(name, field_offset(name),
                              f"{name.upper()} is {show(ctx.value(name))} but all {ctx.nan_count} voxels are NaN")
        return  # an empty data block: MRC2014-DIMENSIONS says why
    rms_wanted, minmax_wanted, mean_wanted = _stats_wanted(h)
    if rms_wanted and not rms_close(acc.std, h.rms, _magnitude(ctx, acc)):
        yield Problem("rms", field_offset("rms"),
                      f"RMS is {show(h.rms)} but the standard deviation of the data is {acc.std:.7g}")
    if acc.complex:
        yield from _complex_mismatches(ctx, acc)
        return
    if minmax_wanted:
        for name, header_value, actual in (("dmin", h.dmin, acc.minimum), ("dmax", h.dmax, acc.maximum)):
            if not header_value == float(actual):
                yield Problem(name, field_offset(name),
                              f"{name.upper()} is {show(header_value)} but the data "
                              f"{'minimum' if name == 'dmin' else 'maximum'} is {float(actual):.7g}")
    if mean_wanted and not np.isclose(acc.mean, h.dmean, rtol=STATS_RTOL):
        yield Problem("dmean", field_offset("dmean"),
                      f"DMEAN is {show(h.dmean)} but the mean of the data is {acc.mean:.7g}")


def _stats_nan(ctx):
    if ctx.statistics() is not None and ctx.nan_count:
        yield Problem("data", ctx.data_offset,
                      f"the data holds {ctx.nan_count} NaN voxels of {ctx.voxel_count}: DMIN/DMAX/DMEAN/RMS are "
                      "compared with the statistics of the other voxels, as gemmi writes them")


def _stats_complex(ctx):
    acc = ctx.statistics()
    h = ctx.header
    _, minmax, mean = _stats_wanted(h)
    if acc is None or not acc.complex or acc.count == 0 or not (minmax or mean):
        return
    if not any(True for _ in _complex_mismatches(ctx, acc)):
        names = ["dmin", "dmax"] * minmax + ["dmean"] * mean
        yield Problem(", ".join(names), field_offset(names[0]),
                      f"{', '.join(n.upper() for n in names)} of complex data (MODE {h.mode}) are those of the "
                      "amplitudes |z|, as IMOD writes them")


def _stats_skipped(ctx):
    reason = ctx.statistics_skipped()
    if reason:
        offset = ctx.data_offset if ctx.header.nsymbt >= 0 else None
        yield Problem("data", offset, f"DMIN/DMAX/DMEAN/RMS not compared with the data: {reason}")


def _fei(ctx):
    return _exttyp_code(ctx) in FEI_KINDS


def _fei_field(ctx, name):
    """A field of the first FEI record (FEI2 records begin with the FEI1 fields)."""
    return ctx.fei_int(FEI1.field(name).offset)


def _fei_location(name):
    """File offset of a field of the first FEI record."""
    return HEADER_SIZE + FEI1.field(name).offset


def _fei_metadata_size(ctx):
    kind, size = _exttyp_code(ctx), _fei_field(ctx, "metadata_size")
    if size is None:
        yield Problem("extended header", HEADER_SIZE,
                      f"EXTTYP {kind} but NSYMBT is {ctx.header.nsymbt}: no room for metadata_size")
    elif size != FEI_KINDS[kind].record_size:
        found = f"{kind} metadata_size is {size}"
        order = ctx.fei_record()[1]
        other = ">" if order == "<" else "<"
        if ctx.byteorder == ">" or order != ctx.byteorder:  # say which order, and what the other gives
            found += (f" read {_ORDER_NAMES[order]} ({_ORDER_NAMES[other]}: {ctx.fei_int(0, other)}; the file is "
                      f"{_ORDER_NAMES[ctx.byteorder]})")
        yield Problem("metadata_size", _fei_location("metadata_size"), found)


def _fei_metadata_version(ctx):
    kind, version = _exttyp_code(ctx), _fei_field(ctx, "metadata_version")
    if version is not None and version not in FEI_KINDS[kind].versions:
        yield Problem("metadata_version", _fei_location("metadata_version"), f"{kind} metadata_version is {version}")


def _fei_record_size_valid(ctx):
    size = _fei_field(ctx, "metadata_size")
    return size is not None and size > 0


def _fei_count(ctx):
    """The FEI records as the reader counts them (:func:`mrcschema.format.extended.count_records`)."""
    h = ctx.header
    return count_records(h.nsymbt, _fei_field(ctx, "metadata_size"), h.nz)


def _fei_records(ctx):
    h, counted = ctx.header, _fei_count(ctx)
    if counted.capacity < h.nz:
        yield Problem("nsymbt", field_offset("nsymbt"),
                      f"NSYMBT {h.nsymbt} holds {counted.capacity} records of {counted.record_size} bytes "
                      f"for NZ {h.nz} sections")


def _fei_padding(ctx):
    h, counted = ctx.header, _fei_count(ctx)
    if h.nsymbt % counted.record_size:
        yield Problem("nsymbt", field_offset("nsymbt"),
                      f"NSYMBT {h.nsymbt} is not a whole number of records: {counted}")


def _seri_flags(ctx):
    nint, nreal = ctx.imod.nint, ctx.imod.nreal
    if not is_seri_header(nint, nreal):
        yield Problem("nint, nreal", field_offset("nint"),
                      f"NINT {nint}, NREAL {nreal}: the items the NREAL flags announce take "
                      f"{seri_record_nbytes(nreal) if nreal >= 0 else '?'} bytes")


def _seri_records(ctx):
    h, nint = ctx.header, ctx.imod.nint
    if h.nsymbt < h.nz * nint:
        yield Problem("nsymbt", field_offset("nsymbt"),
                      f"NSYMBT {h.nsymbt} is less than NZ {h.nz} x NINT {nint} = {h.nz * nint}")


def _ccp4_symmetry(ctx):
    h = ctx.header
    if h.nsymbt % 80:
        yield Problem("nsymbt", field_offset("nsymbt"), f"NSYMBT {h.nsymbt} is not a multiple of 80")
    raw = ctx.extended_bytes(min(h.nsymbt, 1 << 20))  # symmetry records are short; never read more than 1 MiB
    if not is_printable(raw):
        yield Problem("extended header", HEADER_SIZE, "the symmetry records hold bytes that are not printable ASCII")


def _hdf5_signature(ctx):
    start = ctx.extended_bytes(len(HDF5_SIGNATURE))
    if start != HDF5_SIGNATURE:
        yield Problem("extended header", HEADER_SIZE, f"extended header starts with {show(start)}")


def _has_de_info(ctx):
    return ctx.de is not None


def _de_coordinates(ctx):
    """``(rows, error)`` of the scan coordinates file a non-raster scan needs; (None, None) when the
    scan needs none or none was found."""
    de = ctx.de
    if de.info.scan_enabled and not de.info.is_raster and de.coordinates is not None:
        return de.coordinate_rows()
    return None, None


def _de_info(ctx):
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


def _de_frame_size(ctx):
    shape = ctx.de.info.frame_shape
    h = ctx.header
    if shape is not None and (h.nx, h.ny) != tuple(shape):
        yield Problem("nx, ny", field_offset("nx"),
                      f"NX, NY are {h.nx}, {h.ny} but the info file says Image Size X, Y = {shape[0]}, {shape[1]}")


def _de_frame_count(ctx):
    """The decision of :func:`mrcschema.de.frames.expected_frames`, which the HyperSpy reader follows too."""
    rows, _ = _de_coordinates(ctx)
    name = ctx.de.coordinates.name if rows is not None else ""
    from ..de.frames import expected_frames

    return expected_frames(ctx.de.info, ctx.header.nz, coordinate_rows=rows, coordinates_name=name)


def _de_frames(ctx):
    count = _de_frame_count(ctx)
    if count.mismatch:
        yield Problem("nz", field_offset("nz"), count.message)


def _de_repeats(ctx):
    count = _de_frame_count(ctx)
    if count.inferred:
        yield Problem("nz", field_offset("nz"), count.message)


def _de_is_movie(ctx):
    return ctx.de is not None and ctx.de.info is not None


def _fei_versions_text(kind):
    """``0 for FEI1 (1 tolerated)``: the version written, and any other accepted."""
    others = [str(v) for v in kind.versions if v != kind.version_written]
    return f"{kind.version_written} for {kind.code}" + (f" ({', '.join(others)} tolerated)" if others else "")


# -- the table ------------------------------------------------------------------------------------------------
#: precondition of the statistics rules: the header claims at least one statistic
_STATS_CLAIMED = Condition(_stats_claimed, "the header claims a statistic: RMS >= 0, DMIN < DMAX or "
                                           "DMEAN > min(DMIN, DMAX) (not DMIN/DMAX/DMEAN for complex modes)")
#: preconditions shared by the FEI rules
_IS_FEI = Condition(_fei, "EXTTYP is FEI1 or FEI2")
_FEI_WITH_RECORD_SIZE = AllOf((_IS_FEI, Condition(_fei_record_size_valid, "metadata_size > 0")))


def _never(ctx):
    """MRC-UNREADABLE is reported by ``validate`` before any rule runs: there is no header to read."""
    return ()


def _rule(id, severity, field, check, expected, spec, **kw):
    offset = kw.pop("offset", field_offset(field.split(",")[0].strip()))
    return Rule(id, severity, field, offset, check, expected, spec, **kw)


_FILE_SIZE_TEXT = "exactly 1024 + NSYMBT + NX x NY x NZ x bytes per voxel (mode 101: NZ x NY x ceil(NX / 2))"

RULES: tuple[Rule, ...] = (
    _rule("MRC-UNREADABLE", ERROR, "file", Relation(_never),
          "a file that exists and can be opened for reading (a missing file or a directory is this one finding, "
          "with the operating system's message)", "the file system (reported before any format rule)", offset=None,
          scope="file",
          mrcfile="raises OSError (FileNotFoundError, IsADirectoryError)"),
    _rule("MRC-STRUCTURE", ERROR, "file", Relation(_structure),
          "a file that can be read as MRC: at least the 1024-byte header, an intact gzip/bzip2 stream, and either "
          "the 'MAP' identifier or a known MODE with NX, NY, NZ > 0 (otherwise it is not an MRC file and no other "
          "rule is evaluated)",
          f"{CCPEM}, main header (1024 bytes), word 53 (MAP)", offset=0, scope="file", final=True,
          mrcfile="error (prints a traceback or 'Couldn't read enough bytes for MRC header'); a file of 1024 bytes "
                  "or more that is not MRC is a list of header errors"),
    _rule("MRC2014-MAP", ERROR, "map", EachField(("map",), OneOf((b"MAP ", b"MAP\0"))),
          "'MAP ' identifying the file type ('MAP\\0' is MRC2014-MAP-PADDING)", f"{CCPEM}, word 53 (MAP)",
          mrcfile="error ('Map ID string is incorrect')"),
    _rule("MRC2014-MAP-PADDING", WARNING, "map", EachField(("map",), OneOf((b"MAP ",))),
          "'MAP ' with a trailing space, not NUL (MotionCor2 writes 'MAP\\0'; mrcfile reads it since 1.2)",
          f"{CCPEM}, word 53 (MAP); CCP4 maplib; {IMOD_DOC}", when=FieldIs("map", OneOf((b"MAP\0",))),
          mrcfile="error ('Map ID string is incorrect')"),
    _rule("MRC2014-BYTEORDER", ERROR, "machst", Relation(_byteorder),
          "a byte order that can be told: from MACHST, else from a known MODE and positive NX, NY, NZ; and a "
          "MACHST that does not contradict them (the header is then checked in the order that reads)",
          f"{CCPEM}, note 11 (MACHST)",
          mrcfile="error ('Invalid machine stamp'); a stamp contradicting MODE passes (it swaps, with a warning)"),
    _rule("MRC2014-MACHST", ERROR, "machst", Relation(_machst),
          "44 44 00 00 or 44 41 00 00 (little-endian), 11 11 00 00 (big-endian); real-world variants are "
          "MRC2014-MACHST-VARIANT", f"{CCPEM}, note 11 (MACHST)",
          when=Condition(_byteorder_readable, "the byte order can be told (MRC2014-BYTEORDER holds)"),
          mrcfile="error ('Invalid machine stamp')"),
    _rule("MRC2014-MACHST-VARIANT", WARNING, "machst", Relation(_machst_variants),
          "a standard stamp, not a zeroed one (cryoDRGN before 2023) or one whose first byte alone is right "
          "(SerialEM before 2018: 44 00 00 00; EMDB: 44 11 00 00; IMOD exports: 44 20 20 20)",
          f"{CCPEM}, note 11 (MACHST); mrcfile issues 4, 7, 47; cryoDRGN issue 248",
          when=Condition(_byteorder_readable, "the byte order can be told (MRC2014-BYTEORDER holds)"),
          mrcfile="error ('Invalid machine stamp') unless the first two bytes are 44 44, 44 41 or 11 11"),
    _rule("MRC2014-MODE", ERROR, "mode", Relation(_mode),
          "a mode MRC2014 defines: 0, 1, 2, 3, 4, 6, 12, 101 (16, IMOD RGB, is IMOD-MODE-16); 7 and 8 (32-bit "
          "integers: Priism/DeltaVision, mrcz) are not MRC2014 modes, but their data is still checked",
          f"{CCPEM}, word 4 (MODE); {CCPEM_20141}; {IMOD_DOC}",
          mrcfile="error, also for 3, 16 and 101 ('Invalid mode': mrcfile reads 0, 1, 2, 4, 6, 12 only)"),
    _rule("IMOD-MODE-16", WARNING, "mode", EachField(("mode",), Not(OneOf((IMOD_RGB_MODE,)))),
          "an MRC2014 mode; 16 (RGB) is IMOD's non-standard extension", f"{IMOD_DOC}, modes",
          mrcfile="error ('Invalid mode')"),
    _rule("MRC2014-DIMENSIONS", ERROR, "nx, ny, nz", Relation(_dimensions),
          "NX, NY, NZ > 0 (MRC2014 has no empty data block)", f"{CCPEM}, words 1-3 and note 1",
          mrcfile="error for negative values (a traceback: the data cannot be shaped); 0 passes"),
    _rule("MRC2014-SAMPLING", ERROR, "mx, my, mz", Relation(_sampling),
          "MX, MY, MZ > 0 (the voxel size is CELLA / M)", f"{CCPEM}, words 8-10 and note 3",
          mrcfile="error for negative values only ('Header field ... is negative'); 0 passes"),
    _rule("PHYSICAL-FALLBACK", INFO, "cella", Relation(_physical_fallbacks),
          "voxel sizes the physical model takes from the header as it stands (CELLA / M along each axis)",
          "docs/user_guide.md, Physical coordinates", offset=field_offset("cella.x"),
          mrcfile="not checked"),
    _rule("MRC2014-CELLA", ERROR, "cella", Relation(_cella),
          "CELLA >= 0 Å, finite (DE-Server writes -10 Å x the size for 'pixel size unknown'; the finding says so "
          "for a DE file)", f"{CCPEM}, words 11-13 (CELLA)",
          offset=field_offset("cella.x"), mrcfile="error ('Cell dimension ... is negative'); NaN passes"),
    _rule("MRC2014-AXES", ERROR, "mapc, mapr, maps", Relation(_axes), "MAPC, MAPR, MAPS a permutation of 1, 2, 3",
          f"{CCPEM}, words 17-19 and note 4", mrcfile="error ('Invalid axis mapping')"),
    _rule("MRC2014-AXES-IMAGE", WARNING, "mapc, mapr, maps",
          FieldValues((("mapc", 1), ("mapr", 2), ("maps", 3))),
          "MAPC, MAPR, MAPS = 1, 2, 3 for images and image stacks", f"{CCPEM}, note 4",
          when=AllOf((FieldIs("ispg", OneOf((IMAGE_ISPG,))),
                      Condition(_axes_are_permutation, "MAPC, MAPR, MAPS a permutation"))),
          mrcfile="not checked"),
    _rule("MRC2014-ISPG", ERROR, "ispg", EachField(("ispg",), InRanges(ISPG_RANGES)),
          "0 (images), 1-230 (space groups, 1 for EM volumes) or 401-630 (volume stacks)",
          f"{CCPEM}, note 6 (ISPG)", mrcfile="error for negative values only; 231-400 and > 630 pass"),
    _rule("MRC2014-VOLUME-STACK", ERROR, "nz, mz", Relation(_volume_stack),
          "NZ a multiple of MZ (NZ / MZ volumes of MZ sections)", f"{CCPEM}, notes 3 and 6",
          when=FieldIs("ispg", InRanges(((VOLUME_STACK_ISPGS[0], VOLUME_STACK_ISPGS[-1]),))),
          mrcfile="error ('Error in dimensions for volume stack'); MZ 0 is a division by zero"),
    _rule("MRC2014-IMAGE-MZ", WARNING, "mz", FieldValues((("mz", 1),)),
          "MZ = 1 for images and image stacks (ISPG 0), as mrcfile writes", f"{CCPEM}, note 3 ('For images, MZ = 1')",
          when=AllOf((FieldIs("ispg", OneOf((IMAGE_ISPG,))), FieldIs("mz", Above(0)))), mrcfile="not checked"),
    _rule("MRC2014-NSYMBT", ERROR, "nsymbt", EachField(("nsymbt",), AtLeast(0)),
          "NSYMBT >= 0 (bytes of extended header)", f"{CCPEM}, note 7 (NSYMBT)",
          mrcfile="not checked (a negative NSYMBT is a traceback)"),
    _rule("MRC2014-EXTTYP-TEXT", ERROR, "exttyp", EachField(("exttyp",), Printable()),
          "4 characters of printable ASCII (or NUL)", f"{CCPEM}, note 8 (EXTTYP)",
          mrcfile="not checked (with NSYMBT > 0, a non-ASCII EXTTYP is a traceback)"),
    _rule("MRC2014-EXTTYP", ERROR, "exttyp", Relation(_exttyp_agreed),
          "with an extended header, an agreed code: " + ", ".join(AGREED_EXTTYPS) + " (blank is MRC2014-EXTTYP-MISSING)",
          f"{CCPEM}, note 8; {CCPEM_20141}",
          when=AllOf((FieldIs("exttyp", Printable()), FieldIs("nsymbt", Above(0)))),
          mrcfile="error ('Extended header type is undefined or unrecognised')"),
    _rule("MRC2014-EXTTYP-UNUSED", WARNING, "exttyp", Relation(_exttyp_unused),
          "an agreed code or blank, also without an extended header", f"{CCPEM}, note 8; {CCPEM_20141}",
          when=AllOf((FieldIs("exttyp", Printable()), Not(FieldIs("nsymbt", Above(0))))),
          mrcfile="not checked (NSYMBT 0)"),
    _rule("MRC2014-EXTTYP-MISSING", WARNING, "exttyp", EachField(("exttyp",), NotBlank()),
          "an EXTTYP naming the kind of extended header present (pre-2014 files have none)",
          f"{CCPEM}, note 8", when=FieldIs("nsymbt", Above(0)),
          mrcfile="error ('Extended header type is undefined or unrecognised')"),
    _rule("MRC2014-NVERSION", ERROR, "nversion", EachField(("nversion",), OneOf((*MRC2014_NVERSIONS, PRE2014_NVERSION))),
          "20140 or 20141 (0, a pre-2014 file, is MRC2014-NVERSION-PRE2014)", f"{CCPEM}, note 9 (NVERSION); {CCPEM_20141}",
          mrcfile="error ('File does not declare MRC format version 20140 or 20141')"),
    _rule("MRC2014-NVERSION-PRE2014", WARNING, "nversion", EachField(("nversion",), Not(OneOf((0,)))),
          "20140 or 20141, not 0 (0: a file older than MRC2014, as EMDB's pre-2014 maps)",
          f"{CCPEM}, note 9 (NVERSION); {IMOD_DOC} ('otherwise 0')",
          mrcfile="error ('File does not declare MRC format version 20140 or 20141')"),
    _rule("MRC2014-NLABL", ERROR, "nlabl", Relation(_nlabl), "NLABL = the number of labels holding text",
          f"{CCPEM}, word 56 (NLABL)", mrcfile="error ('Error in header labels: nlabl is ...')"),
    _rule("MRC2014-LABEL-ORDER", ERROR, "label", Relation(_label_order),
          "the labels in use first, no blank label before one holding text", f"{CCPEM}, words 57-256 (LABEL)",
          mrcfile="error ('empty labels appear between text-containing labels')"),
    _rule("MRC2014-LABEL-TEXT", WARNING, "label", Relation(_label_bytes),
          "printable ASCII text (0x20-0x7E), then only padding: no NUL or other byte inside the text",
          f"{CCPEM}, words 57-256 (LABEL); {IMOD_DOC}",
          mrcfile="not checked (it counts a label as text as here: what is left after trailing NULs and whitespace)"),
    _rule("MRC2014-FILE-SIZE", ERROR, "file", Relation(_file_size), _FILE_SIZE_TEXT,
          f"{CCPEM}, data block; note 7", offset=None, scope="file",
          mrcfile="error ('File is larger than expected'; a short file: 'Data block could not be read')"),
    _rule("MRC2014-STATS", ERROR, "dmin, dmax, dmean, rms", Relation(_stats),
          "the statistics of the data (NaN voxels left out), or marked undetermined: DMIN = min and DMAX = max "
          "exactly (checked if DMIN < DMAX), DMEAN within 1% (if DMEAN > min(DMIN, DMAX)), "
          f"RMS = standard deviation within 1% plus {STATS_ULPS} float32 ulps of max(|min|, |max|, |mean|) "
          "(if RMS >= 0); for complex data DMIN/DMAX/DMEAN are compared with the amplitudes |z|",
          f"{CCPEM}, words 20-22, 55 and note 5", when=_STATS_CLAIMED, scope="data",
          mrcfile="error, same tolerances without the ulps term ('Data statistics appear to be inaccurate'); "
                  "NaN voxels make every statistic NaN; complex DMIN/DMAX compared with complex values"),
    _rule("MRC2014-STATS-NAN", WARNING, "data", Relation(_stats_nan),
          "no NaN voxels (with NaN, the statistics are compared without them, as gemmi computes them)",
          f"{CCPEM}, note 5; gemmi Ccp4Map.update_ccp4_header", offset=None, when=_STATS_CLAIMED, scope="data",
          mrcfile="compares the header with NaN statistics: invalid"),
    _rule("MRC2014-STATS-COMPLEX", WARNING, "dmin, dmax, dmean", Relation(_stats_complex),
          "DMIN/DMAX/DMEAN of complex data (modes 3, 4) marked undetermined: MRC2014 does not define them "
          "(IMOD stores those of the amplitudes |z|, and they are then accepted as this warning)",
          f"{CCPEM}, note 5; IMOD mrcslice.c sliceMMM", when=_STATS_CLAIMED, scope="data",
          mrcfile="compares DMIN/DMAX with the complex minimum/maximum: invalid"),
    _rule("MRC2014-STATS-SKIPPED", INFO, "data", Relation(_stats_skipped),
          "the data statistics compared in full (full_data=True always does)", f"{CCPEM}, note 5",
          offset=None, when=_STATS_CLAIMED, scope="data",
          mrcfile="never skipped: reads the whole data block into memory"),
    _rule("FEI-METADATA-SIZE", ERROR, "metadata_size", Relation(_fei_metadata_size),
          f"the first record's metadata_size (int32, extended header offset {FEI1.field('metadata_size').offset}): "
          + ", ".join(f"{k.record_size} for {k.code}" for k in FEI_KINDS.values()),
          f"{TFS}, Metadata size", offset=_fei_location("metadata_size"), when=_IS_FEI,
          scope="extended header"),
    _rule("FEI-METADATA-VERSION", WARNING, "metadata_version", Relation(_fei_metadata_version),
          f"metadata_version (int32, extended header offset {FEI1.field('metadata_version').offset}): "
          + ", ".join(_fei_versions_text(k) for k in FEI_KINDS.values()),
          f"{TFS}, Metadata version", offset=_fei_location("metadata_version"), when=_IS_FEI,
          scope="extended header"),
    _rule("FEI-RECORDS", ERROR, "nsymbt", Relation(_fei_records),
          "NSYMBT // metadata_size >= NZ: one record per section (EPU allocates 1024)",
          f"{TFS}; specs/README.md conflict 11",
          when=_FEI_WITH_RECORD_SIZE,
          scope="extended header"),
    _rule("FEI-PADDING", INFO, "nsymbt", Relation(_fei_padding),
          "NSYMBT a whole number of records (Velox pads the block to a multiple of 512 bytes)",
          f"{TFS}; observed Velox files",
          when=_FEI_WITH_RECORD_SIZE,
          scope="extended header"),
    _rule("SERI-FLAGS", ERROR, "nint, nreal", Relation(_seri_flags),
          "NINT = the bytes of the items the NREAL flags announce (IMOD's SerialEM rule)",
          f"{IMOD_DOC}, SERI extended header; IMOD extraIsNbytesAndFlags",
          when=FieldIs("exttyp", CodeIn(("SERI",), blank=False)), scope="extended header"),
    _rule("SERI-RECORDS", ERROR, "nsymbt", Relation(_seri_records), "NSYMBT >= NZ x NINT: one record per section",
          f"{IMOD_DOC}, SERI extended header",
          when=AllOf((FieldIs("exttyp", CodeIn(("SERI",), blank=False)),
                      Condition(lambda ctx: is_seri_header(ctx.imod.nint, ctx.imod.nreal), "SERI-FLAGS holds"))),
          scope="extended header"),
    _rule("CCP4-SYMMETRY", WARNING, "nsymbt", Relation(_ccp4_symmetry),
          "symmetry records: printable text in whole 80-character lines",
          f"{CCPEM}, extended header; CCP4 maplib", when=FieldIs("exttyp", CodeIn(("CCP4",), blank=False)),
          scope="extended header"),
    _rule("HDF5-SIGNATURE", WARNING, "extended header", Relation(_hdf5_signature),
          f"an extended header starting with the HDF5 signature {HDF5_SIGNATURE.hex(' ').upper()}",
          f"{CCPEM_20141} (EXTTYP HDF5); HDF5 file format specification, superblock", offset=HEADER_SIZE,
          when=FieldIs("exttyp", CodeIn(("HDF5",), blank=False)), scope="extended header"),
    _rule("DE-INFO", WARNING, "info file", Relation(_de_info),
          "a readable info file, one 'key = value' per line", DE_OBSERVED, offset=None,
          when=Condition(_has_de_info, "an info file belongs to the file (info_file=, or beside a *_movie.mrc)"),
          scope="DE file set"),
    _rule("DE-FRAME-SIZE", ERROR, "nx, ny", Relation(_de_frame_size),
          "NX, NY = the info file's Image Size X, Y (pixels)", DE_OBSERVED,
          when=Condition(_de_is_movie, "the file is a DE movie with an info file"), scope="DE file set"),
    _rule("DE-FRAMES", ERROR, "nz", Relation(_de_frames),
          "NZ = the scan's frames: Scan - Size X x Y x Repeats (ROI size when the ROI is on) for raster scans, "
          "or a whole number of such scans (DE-REPEATS); the rows of *_scan_coordinates.csv for other scans; "
          "not checked for a movie split over autosave files", DE_OBSERVED,
          when=Condition(_de_is_movie, "the file is a DE movie with an info file"), scope="DE file set"),
    _rule("DE-REPEATS", WARNING, "nz", Relation(_de_repeats),
          "a raster scan's NZ = Scan - Size X x Y x Repeats exactly; an NZ of another whole number of scans "
          "is read (here and by the HyperSpy reader) as that many repeats", DE_OBSERVED,
          when=Condition(_de_is_movie, "the file is a DE movie with an info file"), scope="DE file set"),
    _rule("DE-ISPG", WARNING, "ispg", FieldValues((("ispg", 0),)),
          "ISPG 0 for a movie (a stack of frames); DE-Server writes 1", f"{CCPEM}, note 6; {DE_OBSERVED}",
          when=Condition(_de_is_movie, "the file is a DE movie with an info file"), scope="DE file set"),
)

RULES_BY_ID = {rule.id: rule for rule in RULES}
assert len(RULES_BY_ID) == len(RULES), "rule ids must be unique"
assert all(rule.severity in SEVERITIES for rule in RULES), "a rule's severity is error, warning or info"
