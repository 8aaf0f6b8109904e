"""The data block: its size against the header's, and its statistics against DMIN, DMAX, DMEAN, RMS
(compared slab by slab by the context, never the whole block in memory)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...format.mrc2014 import field_offset
from ...format.values import show
from .rule import CCPEM, ERROR, INFO, WARNING, Condition, Problem, RuleList

if TYPE_CHECKING:
    import numpy as np
else:  # checking a header needs no numpy; checking data does
    from ...format.deferred import numpy as np

RULES = RuleList()

FILE_SIZE_TEXT = "exactly 1024 + NSYMBT + NX x NY x NZ x bytes per voxel (mode 101: NZ x NY x ceil(NX / 2))"


@RULES.rule("MRC2014-FILE-SIZE", ERROR, "file", expected=FILE_SIZE_TEXT, spec=f"{CCPEM}, data block; note 7",
            offset=None, scope="file",
            mrcfile="error ('File is larger than expected'; a short file: 'Data block could not be read')")
def file_size(ctx):
    expected = ctx.expected_file_size
    if expected is None or ctx.file_size == expected:
        return
    h = ctx.header
    difference = ctx.file_size - expected
    what = "more" if difference > 0 else "less"
    compressed = " (decompressed)" if ctx.compressed else ""
    yield Problem("file", None,
                  f"file{compressed} is {ctx.file_size} bytes, {abs(difference)} bytes {what} than the "
                  f"{expected} the header implies (1024 + NSYMBT {h.nsymbt} + data {ctx.data_nbytes})",
                  FILE_SIZE_TEXT if h.mode == 101 else FILE_SIZE_TEXT.split(" (mode 101")[0])


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


#: precondition of the statistics rules: the header claims at least one statistic
_STATS_CLAIMED = Condition(_stats_claimed, "the header claims a statistic: RMS >= 0, DMIN < DMAX or "
                                           "DMEAN > min(DMIN, DMAX) (not DMIN/DMAX/DMEAN for complex modes)")


@RULES.rule("MRC2014-STATS", ERROR, "dmin, dmax, dmean, rms",
            expected="the statistics of the data (NaN voxels left out), or marked undetermined: DMIN = min and "
                     "DMAX = max exactly (checked if DMIN < DMAX), DMEAN within 1% (if DMEAN > min(DMIN, DMAX)), "
                     f"RMS = standard deviation within 1% plus {STATS_ULPS} float32 ulps of max(|min|, |max|, |mean|) "
                     "(if RMS >= 0); for complex data DMIN/DMAX/DMEAN are compared with the amplitudes |z|",
            spec=f"{CCPEM}, words 20-22, 55 and note 5", when=_STATS_CLAIMED, scope="data",
            mrcfile="error, same tolerances without the ulps term ('Data statistics appear to be inaccurate'); "
                    "NaN voxels make every statistic NaN; complex DMIN/DMAX compared with complex values",
            fix="statistics")
def statistics(ctx):
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


@RULES.rule("MRC2014-STATS-NAN", WARNING, "data",
            expected="no NaN voxels (with NaN, the statistics are compared without them, as gemmi computes them)",
            spec=f"{CCPEM}, note 5; gemmi Ccp4Map.update_ccp4_header", offset=None, when=_STATS_CLAIMED, scope="data",
            mrcfile="compares the header with NaN statistics: invalid")
def statistics_nan(ctx):
    if ctx.statistics() is not None and ctx.nan_count:
        yield Problem("data", ctx.data_offset,
                      f"the data holds {ctx.nan_count} NaN voxels of {ctx.voxel_count}: DMIN/DMAX/DMEAN/RMS are "
                      "compared with the statistics of the other voxels, as gemmi writes them")


@RULES.rule("MRC2014-STATS-COMPLEX", WARNING, "dmin, dmax, dmean",
            expected="DMIN/DMAX/DMEAN of complex data (modes 3, 4) marked undetermined: MRC2014 does not define them "
                     "(IMOD stores those of the amplitudes |z|, and they are then accepted as this warning)",
            spec=f"{CCPEM}, note 5; IMOD mrcslice.c sliceMMM", when=_STATS_CLAIMED, scope="data",
            mrcfile="compares DMIN/DMAX with the complex minimum/maximum: invalid", fix="statistics")
def statistics_complex(ctx):
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


@RULES.rule("MRC2014-STATS-SKIPPED", INFO, "data",
            expected="the data statistics compared in full (full_data=True always does)", spec=f"{CCPEM}, note 5",
            offset=None, when=_STATS_CLAIMED, scope="data",
            mrcfile="never skipped: reads the whole data block into memory")
def statistics_skipped(ctx):
    reason = ctx.statistics_skipped()
    if reason:
        offset = ctx.data_offset if ctx.header.nsymbt >= 0 else None
        yield Problem("data", offset, f"DMIN/DMAX/DMEAN/RMS not compared with the data: {reason}")
