"""What a validation rule is, and how a subject module registers its rules.

A rule is a plain function of the :class:`~mrcschema.validation.context.Context` that yields
the :class:`Problem` s it finds, registered with :meth:`RuleList.rule` beside what the docs and
the findings say about it: its id, severity, the field it reads (and that field's byte offset),
the text of what a conforming file has, the specification it comes from, what
``mrcfile.validate`` (1.5.4) does about the same thing, its precondition (a :class:`Condition`:
the rule is not evaluated unless it holds; its text is the "applies when" column of
``docs/validation_rules.md``) and the repair ``mrcschema fix`` makes for it (``fix``: a key of
:data:`mrcschema.validation.fixes.FIXES`).

Severity: ``error`` the file breaks the specification (or cannot be read as declared);
``warning`` it departs from the specification in a way readers tolerate;
``info`` a fact worth knowing, not a fault (a check skipped, padding).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ...format.exttyp import exttyp_text
from ...format.mrc2014 import field_offset
from ...format.records import record
from ...format.values import show

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)

# -- citations ---------------------------------------------------------------------------------
CCPEM = "CCP-EM MRC2014"
CCPEM_20141 = "CCP-EM MRC2014 update 20141"
IMOD_DOC = "IMOD mrc_format.txt"
TFS = "Thermo Fisher MRC2014 (doc 306687) via mrcfile/ExifTool, specs/fei1.csv, specs/fei2.csv"
DE_OBSERVED = ("Direct Electron DE-Server file set as observed (no published specification); "
               "RosettaSciIO DE reader")

ORDER_NAMES = {"<": "little-endian", ">": "big-endian"}


@record
class Problem:
    """One departure a check found: where, and what was found there."""

    field: str
    offset: int | None
    found: str
    #: what this file should have, where it is narrower than the rule's general text (None: the rule's)
    expected: str | None = None


@record
class Condition:
    """A rule's precondition: ``test(ctx)``, and the text the docs show for it."""

    test: Callable[[Any], bool]
    text: str

    def __call__(self, ctx) -> bool:
        return bool(self.test(ctx))


@record
class Rule:
    """One requirement: what it reads, how bad a departure is, the check and where it comes from."""

    id: str  #: stable identifier, e.g. ``MRC2014-MAP``
    severity: str  #: "error", "warning" or "info"
    field: str  #: the field(s) read, as ``dump`` names them, or "file", "data", "extended header"...
    offset: int | None  #: byte offset of the field (None: no single place, e.g. the file size)
    check: Callable[[Any], Iterable[Problem]]  #: the rule's function: ``check(ctx)`` yields the problems
    expected: str  #: what a conforming file has (used in messages and the docs)
    spec: str  #: specification and section
    when: Condition | None = None  #: precondition; the rule is not evaluated unless it holds
    mrcfile: str = "not checked"  #: what ``mrcfile.validate`` 1.5.4 does about it
    scope: str = "main header"  #: "main header", "file", "data", "extended header", "DE file set"
    final: bool = False  #: when this rule finds a problem, no later rule is evaluated
    #: the repair ``mrcschema fix`` makes for it: a key of :data:`mrcschema.validation.fixes.FIXES`
    #: (None: no safe, unambiguous repair)
    fix: str | None = None

    def applies(self, ctx) -> bool:
        return self.when is None or self.when(ctx)

    def evaluate(self, ctx) -> list[Problem]:
        """The problems this rule finds in ``ctx`` (none when its precondition does not hold)."""
        if not self.applies(ctx):
            return []
        return list(self.check(ctx))


_OFFSET_OF_FIELD: Any = object()  # RuleList.rule's default: the offset of the first field named


class RuleList:
    """The rules of one subject, in the order they are registered (the order they run in)."""

    def __init__(self) -> None:
        self._rules: list[Rule] = []

    def rule(self, id: str, severity: str, field: str, *, expected: str, spec: str, when: Condition | None = None,
             offset: int | None = _OFFSET_OF_FIELD, mrcfile: str = "not checked", scope: str = "main header",
             final: bool = False, fix: str | None = None):
        """Register the decorated function as the check of rule ``id`` (the function is returned
        unchanged).  ``offset`` defaults to the byte offset of the first field in ``field``."""
        if severity not in SEVERITIES:
            raise ValueError(f"{id}: a rule's severity is error, warning or info, not {severity!r}")
        if offset is _OFFSET_OF_FIELD:
            offset = field_offset(field.split(",")[0].strip())

        def register(check: Callable[[Any], Iterable[Problem]]):
            self._rules.append(Rule(id, severity, field, offset, check, expected, spec, when=when, mrcfile=mrcfile,
                                    scope=scope, final=final, fix=fix))
            return check

        return register

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)


# -- small helpers the subjects share ---------------------------------------------------------------------
def value_problem(ctx, name: str) -> Problem:
    """``NAME is <value>`` at the field ``name``: the finding of a field whose value is not allowed."""
    return Problem(name, field_offset(name), f"{name.upper()} is {show(ctx.value(name))}")


def is_blank(raw: bytes) -> bool:
    """Only NUL and whitespace."""
    return not raw.strip(b"\0 \t\r\n\x0b\x0c")


_TEXT_OR_NUL = bytes([0, *range(32, 127)])


def is_text_or_nul(raw: bytes) -> bool:
    """Printable ASCII (0x20-0x7E) or NUL (padding) throughout: a text field of the header
    (:func:`mrcschema.format.values.is_printable` allows no NUL)."""
    return not raw.translate(None, _TEXT_OR_NUL)


def exttyp_code(ctx) -> str:
    """EXTTYP without trailing NUL/space padding, as text."""
    return exttyp_text(ctx.header.exttyp)


def exttyp_is(code: str) -> Condition:
    """The precondition of the rules of one kind of extended header: EXTTYP (padding ignored) is ``code``."""
    return Condition(lambda ctx: exttyp_code(ctx) == code, f"exttyp is {code}")
