"""What the header says the file is: the MAP identifier, the byte order (MACHST), the format
version (NVERSION) and the data mode (MODE)."""

from __future__ import annotations

from ...format.meaning import MRC2014_NVERSIONS, PRE2014_NVERSION, STAMP_FIRST_BYTES, STANDARD_STAMPS
from ...format.modes import IMOD_RGB_MODE, MRC2014_MODES
from ...format.mrc2014 import field_offset
from ...format.values import show
from ..context import INT32_MODES
from .rule import CCPEM, CCPEM_20141, ERROR, IMOD_DOC, ORDER_NAMES, WARNING, Condition, Problem, RuleList, value_problem
from .structure import header_reads_as_mrc

RULES = RuleList()

#: who writes modes 7 and 8 (MRC2014 does not define them)
INT32_MODE_TEXT = {7: "int32, written by Priism/DeltaVision and mrcz", 8: "uint32, written by mrcz"}


@RULES.rule("MRC2014-MAP", ERROR, "map",
            expected="'MAP ' identifying the file type ('MAP\\0' is MRC2014-MAP-PADDING)", spec=f"{CCPEM}, word 53 (MAP)",
            mrcfile="error ('Map ID string is incorrect')", fix="map")
def map_identifier(ctx):
    if ctx.header.map not in (b"MAP ", b"MAP\0"):
        yield value_problem(ctx, "map")


@RULES.rule("MRC2014-MAP-PADDING", WARNING, "map",
            expected="'MAP ' with a trailing space, not NUL (MotionCor2 writes 'MAP\\0'; mrcfile reads it since 1.2)",
            spec=f"{CCPEM}, word 53 (MAP); CCP4 maplib; {IMOD_DOC}",
            when=Condition(lambda ctx: ctx.header.map == b"MAP\0", "map 'MAP' and 1 NUL byte"),
            mrcfile="error ('Map ID string is incorrect')", fix="map")
def map_padding(ctx):
    yield value_problem(ctx, "map")


def byteorder_readable(ctx) -> bool:
    """The byte order is told by MACHST, or guessed from a plausible MODE and NX, NY, NZ, and the
    stamp does not contradict the numbers (MRC2014-BYTEORDER holds)."""
    return ctx.byteorder_source == "stamp" or (ctx.byteorder_source == "guessed" and header_reads_as_mrc(ctx))


_BYTEORDER_READABLE = Condition(byteorder_readable, "the byte order can be told (MRC2014-BYTEORDER holds)")


@RULES.rule("MRC2014-BYTEORDER", ERROR, "machst",
            expected="a byte order that can be told: from MACHST, else from a known MODE and positive NX, NY, NZ; "
                     "and a MACHST that does not contradict them (the header is then checked in the order that reads)",
            spec=f"{CCPEM}, note 11 (MACHST)",
            mrcfile="error ('Invalid machine stamp'); a stamp contradicting MODE passes (it swaps, with a warning)",
            fix="machine stamp")
def byteorder(ctx):
    h = ctx.header
    if ctx.byteorder_source == "contradicted":
        stamp_order = ">" if ctx.byteorder == "<" else "<"
        yield Problem("machst", field_offset("machst"),
                      f"MACHST is {show(h.machst)}, which says {ORDER_NAMES[stamp_order]}, but MODE and NX, NY, NZ "
                      f"are valid only read {ORDER_NAMES[ctx.byteorder]}; the header is checked "
                      f"{ORDER_NAMES[ctx.byteorder]}")
    elif not byteorder_readable(ctx):
        yield Problem("machst", field_offset("machst"),
                      f"MACHST is {show(h.machst)} and neither byte order gives a known MODE "
                      "with positive NX, NY, NZ")


def machst_variant(machst: bytes) -> bool:
    """A real-world stamp that is not one of MRC2014's: zeroed (cryoDRGN before 2023), or a first
    byte 44 / 11 (the float representation nibbles) with other bytes wrong: SerialEM's 44 00 00 00,
    EMDB's 44 11 00 00, IMOD-exported 44 20 20 20."""
    return machst not in STANDARD_STAMPS and (machst == b"\0\0\0\0" or machst[:1] in STAMP_FIRST_BYTES)


@RULES.rule("MRC2014-MACHST", ERROR, "machst",
            expected="44 44 00 00 or 44 41 00 00 (little-endian), 11 11 00 00 (big-endian); real-world variants are "
                     "MRC2014-MACHST-VARIANT",
            spec=f"{CCPEM}, note 11 (MACHST)", when=_BYTEORDER_READABLE,
            mrcfile="error ('Invalid machine stamp')", fix="machine stamp")
def machine_stamp(ctx):
    machst = ctx.header.machst
    if machst not in STANDARD_STAMPS and not machst_variant(machst):
        yield Problem("machst", field_offset("machst"), f"MACHST is {show(machst)}")


@RULES.rule("MRC2014-MACHST-VARIANT", WARNING, "machst",
            expected="a standard stamp, not a zeroed one (cryoDRGN before 2023) or one whose first byte alone is "
                     "right (SerialEM before 2018: 44 00 00 00; EMDB: 44 11 00 00; IMOD exports: 44 20 20 20)",
            spec=f"{CCPEM}, note 11 (MACHST); mrcfile issues 4, 7, 47; cryoDRGN issue 248", when=_BYTEORDER_READABLE,
            mrcfile="error ('Invalid machine stamp') unless the first two bytes are 44 44, 44 41 or 11 11",
            fix="machine stamp")
def machine_stamp_variant(ctx):
    machst = ctx.header.machst
    if machst_variant(machst):
        what = "zeroed" if machst == b"\0\0\0\0" else "not a standard stamp"
        how = "from its first bytes" if ctx.byteorder_source == "stamp" else "guessed from MODE and NX, NY, NZ"
        yield Problem("machst", field_offset("machst"),
                      f"MACHST is {show(machst)} ({what}; the byte order, {ORDER_NAMES[ctx.byteorder]}, is {how})")


@RULES.rule("MRC2014-MODE", ERROR, "mode",
            expected="a mode MRC2014 defines: 0, 1, 2, 3, 4, 6, 12, 101 (16, IMOD RGB, is IMOD-MODE-16); 7 and 8 "
                     "(32-bit integers: Priism/DeltaVision, mrcz) are not MRC2014 modes, but their data is still "
                     "checked",
            spec=f"{CCPEM}, word 4 (MODE); {CCPEM_20141}; {IMOD_DOC}",
            mrcfile="error, also for 3, 16 and 101 ('Invalid mode': mrcfile reads 0, 1, 2, 4, 6, 12 only)")
def mode(ctx):
    mode = ctx.header.mode
    if mode in INT32_MODE_TEXT:
        yield Problem("mode", field_offset("mode"),
                      f"MODE is {mode} ({INT32_MODE_TEXT[mode]}): not a mode MRC2014 defines; the data is read as "
                      f"{INT32_MODES[mode].name} for the other checks")
    elif mode not in MRC2014_MODES and mode != IMOD_RGB_MODE:
        yield Problem("mode", field_offset("mode"), f"MODE is {mode}")


@RULES.rule("IMOD-MODE-16", WARNING, "mode",
            expected="an MRC2014 mode; 16 (RGB) is IMOD's non-standard extension", spec=f"{IMOD_DOC}, modes",
            mrcfile="error ('Invalid mode')")
def imod_rgb_mode(ctx):
    if ctx.header.mode == IMOD_RGB_MODE:
        yield value_problem(ctx, "mode")


@RULES.rule("MRC2014-NVERSION", ERROR, "nversion",
            expected="20140 or 20141 (0, a pre-2014 file, is MRC2014-NVERSION-PRE2014)",
            spec=f"{CCPEM}, note 9 (NVERSION); {CCPEM_20141}",
            mrcfile="error ('File does not declare MRC format version 20140 or 20141')", fix="nversion")
def nversion(ctx):
    if ctx.header.nversion not in (*MRC2014_NVERSIONS, PRE2014_NVERSION):
        yield value_problem(ctx, "nversion")


@RULES.rule("MRC2014-NVERSION-PRE2014", WARNING, "nversion",
            expected="20140 or 20141, not 0 (0: a file older than MRC2014, as EMDB's pre-2014 maps)",
            spec=f"{CCPEM}, note 9 (NVERSION); {IMOD_DOC} ('otherwise 0')",
            mrcfile="error ('File does not declare MRC format version 20140 or 20141')", fix="nversion")
def nversion_pre2014(ctx):
    if ctx.header.nversion == PRE2014_NVERSION:
        yield value_problem(ctx, "nversion")
