"""What the main header declares about the extended header: its size (NSYMBT) and its kind (EXTTYP)."""

from __future__ import annotations

from ...format.exttyp import AGREED_EXTTYPS
from ...format.mrc2014 import field_offset
from ...format.values import show
from .rule import (
    CCPEM,
    CCPEM_20141,
    ERROR,
    WARNING,
    Condition,
    Problem,
    RuleList,
    exttyp_code,
    is_blank,
    is_text_or_nul,
    value_problem,
)

RULES = RuleList()


@RULES.rule("MRC2014-NSYMBT", ERROR, "nsymbt", expected="NSYMBT >= 0 (bytes of extended header)",
            spec=f"{CCPEM}, note 7 (NSYMBT)", mrcfile="not checked (a negative NSYMBT is a traceback)")
def nsymbt(ctx):
    if ctx.header.nsymbt < 0:
        yield value_problem(ctx, "nsymbt")


@RULES.rule("MRC2014-EXTTYP-TEXT", ERROR, "exttyp", expected="4 characters of printable ASCII (or NUL)",
            spec=f"{CCPEM}, note 8 (EXTTYP)", mrcfile="not checked (with NSYMBT > 0, a non-ASCII EXTTYP is a traceback)")
def exttyp_is_text(ctx):
    if not is_text_or_nul(ctx.header.exttyp):
        yield value_problem(ctx, "exttyp")


def _unknown_code(ctx):
    code = exttyp_code(ctx)
    return bool(code) and code not in AGREED_EXTTYPS


_TEXT = "exttyp printable ASCII (0x20-0x7E), NUL padding"


@RULES.rule("MRC2014-EXTTYP", ERROR, "exttyp",
            expected="with an extended header, an agreed code: " + ", ".join(AGREED_EXTTYPS)
                     + " (blank is MRC2014-EXTTYP-MISSING)",
            spec=f"{CCPEM}, note 8; {CCPEM_20141}",
            when=Condition(lambda ctx: is_text_or_nul(ctx.header.exttyp) and ctx.header.nsymbt > 0,
                           f"{_TEXT} and nsymbt > 0"),
            mrcfile="error ('Extended header type is undefined or unrecognised')")
def exttyp_agreed(ctx):
    if _unknown_code(ctx):
        h = ctx.header
        yield Problem("exttyp", field_offset("exttyp"),
                      f"EXTTYP is {show(h.exttyp)}, an unknown code, with NSYMBT {h.nsymbt} bytes of extended header "
                      "(a reader cannot tell what they hold)")


@RULES.rule("MRC2014-EXTTYP-UNUSED", WARNING, "exttyp",
            expected="an agreed code or blank, also without an extended header", spec=f"{CCPEM}, note 8; {CCPEM_20141}",
            when=Condition(lambda ctx: is_text_or_nul(ctx.header.exttyp) and not ctx.header.nsymbt > 0,
                           f"{_TEXT} and not nsymbt > 0"),
            mrcfile="not checked (NSYMBT 0)")
def exttyp_unused(ctx):
    if _unknown_code(ctx):
        yield Problem("exttyp", field_offset("exttyp"),
                      f"EXTTYP is {show(ctx.header.exttyp)}, an unknown code (no extended header: NSYMBT 0)")


@RULES.rule("MRC2014-EXTTYP-MISSING", WARNING, "exttyp",
            expected="an EXTTYP naming the kind of extended header present (pre-2014 files have none)",
            spec=f"{CCPEM}, note 8", when=Condition(lambda ctx: ctx.header.nsymbt > 0, "nsymbt > 0"),
            mrcfile="error ('Extended header type is undefined or unrecognised')", fix="exttyp")
def exttyp_missing(ctx):
    if is_blank(ctx.header.exttyp):
        yield value_problem(ctx, "exttyp")
