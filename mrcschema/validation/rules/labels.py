"""The text labels (LABEL, NLABL), with their padding read as mrcfile (numpy) reads it."""

from __future__ import annotations

from ...format.mrc2014 import field_offset
from ...format.values import show
from .rule import CCPEM, ERROR, IMOD_DOC, WARNING, Problem, RuleList

RULES = RuleList()


def label_text(raw: bytes) -> bytes:
    """A label without its trailing padding: the NULs after the text, then the spaces before them."""
    return raw.rstrip(b"\0").rstrip(b" ")


def label_used(raw: bytes) -> bool:
    """A label holding text, as mrcfile counts it: something left after removing trailing NULs,
    then surrounding whitespace."""
    return bool(raw.rstrip(b"\0").strip())


@RULES.rule("MRC2014-NLABL", ERROR, "nlabl", expected="NLABL = the number of labels holding text",
            spec=f"{CCPEM}, word 56 (NLABL)", mrcfile="error ('Error in header labels: nlabl is ...')", fix="labels")
def label_count(ctx):
    h = ctx.header
    used = sum(label_used(label) for label in h.label)
    if h.nlabl != used:
        yield Problem("nlabl", field_offset("nlabl"), f"NLABL is {h.nlabl} but {used} labels contain text")


@RULES.rule("MRC2014-LABEL-ORDER", ERROR, "label",
            expected="the labels in use first, no blank label before one holding text",
            spec=f"{CCPEM}, words 57-256 (LABEL)",
            mrcfile="error ('empty labels appear between text-containing labels')", fix="labels")
def label_order(ctx):
    seen_blank = None
    for index, label in enumerate(ctx.header.label):
        if not label_used(label):
            seen_blank = index if seen_blank is None else seen_blank
        elif seen_blank is not None:
            yield Problem(f"label[{seen_blank}]", field_offset(f"label[{seen_blank}]"),
                          f"label {seen_blank} is blank but label {index} holds text")
            return


@RULES.rule("MRC2014-LABEL-TEXT", WARNING, "label",
            expected="printable ASCII text (0x20-0x7E), then only padding: no NUL or other byte inside the text",
            spec=f"{CCPEM}, words 57-256 (LABEL); {IMOD_DOC}",
            mrcfile="not checked (it counts a label as text as here: what is left after trailing NULs and "
                    "whitespace)")
def label_bytes(ctx):
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
