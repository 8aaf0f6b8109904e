"""What ``dump`` and ``validate`` do with one file: an :class:`~mrcschema.cli.batch.Outcome`.

Both are plain module-level functions of (name, options), so ``--jobs`` can run them in worker
processes; everything they print is in the outcome, for the parent to print in order.
"""

from __future__ import annotations

import warnings

from ..errors import MrcFormatError, MrcWarning, os_error_text
from ..format.records import record
from .batch import Outcome
from .text import Style, escape, escape_all, redact_urls, wrap

#: what ``validate --json`` documents say they are (``docs/json.md``)
VALIDATE_SCHEMA = "mrcschema-validate/1"
DUMP_VERDICTS = ("read", "unreadable")
VALIDATE_VERDICTS = ("valid", "invalid", "unreadable")


@record
class Options:
    """How to render: the output kind, the width and colour of text, the command's own options."""

    output: str = "text"  #: "text", "json" or "jsonl"
    width: int = 100
    colour: bool = False
    record: int | None = None  #: dump --record N
    full_data: bool = False  #: validate --full-data
    quiet: bool = False  #: validate --quiet: only files that are not valid
    header_only: bool = False  #: validate --header-only: the header and extended header, no data
    select: tuple = ()  #: validate --select: only the rules whose ids start with one of these (empty: all)
    ignore: tuple = ()  #: validate --ignore: not the rules whose ids start with one of these


def source_of(name: str):
    """What a command-line FILE names: ``-`` is standard input (read once, in order); paths and
    URLs are given to the library as they are."""
    import sys

    return sys.stdin.buffer if name == "-" else name


def refuse_what_is_not_mrc(caught, header) -> None:
    """Raise the "not an MRC file" error a permissive open warned about when the header also
    declares no data (an all-zero file): what ``open`` refuses and ``validate`` calls not MRC,
    ``dump`` and ``info`` refuse too.  (A wrong MAP on an otherwise sound header stays a warning:
    the file is read, and ``validate`` checks it field by field.)"""
    not_mrc = next((str(w.message) for w in caught if issubclass(w.category, MrcWarning)
                    and "not an MRC file" in str(w.message)), None)
    if not_mrc is not None and min(header.nx, header.ny, header.nz) <= 0:
        raise MrcFormatError(not_mrc.removesuffix("; reading the file anyway"))


def error_text(exc: BaseException, name: str) -> str:
    """An error for a line that names the file already: no class name, errno or second copy of
    the path (``No such file or directory``; ``not an MRC file: 23 bytes long, ...``)."""
    if isinstance(exc, OSError):
        return os_error_text(exc, name)
    return str(exc)


def _without_name(message: str, *names: str) -> str:
    """A warning without a leading ``NAME: `` (the line names the file already)."""
    for name in names:
        if name and message.startswith(f"{name}: "):
            return message[len(name) + 2:]
    return message


#: severities, worst first: findings are listed in this order, then by offset
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def sorted_findings(findings):
    """Findings worst first, then by offset (those with no single place last), then by rule."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 3),
                                           f.offset is None, f.offset or 0, f.rule))


def rule_selected(rule: str, select: tuple = (), ignore: tuple = ()) -> bool:
    """Whether a rule id is checked under ``--select``/``--ignore``: a rule id or a prefix of ids
    ending at a hyphen, as ruff takes codes (``--ignore DE`` ignores every ``DE-...`` rule,
    ``--ignore MRC2014-STATS`` also ``MRC2014-STATS-NAN``); ``--select`` empty selects all."""
    def matches(prefixes):
        return any(rule == p.rstrip("-") or rule.startswith(p.rstrip("-") + "-") for p in prefixes)

    return (not select or matches(select)) and not matches(ignore)


# -- dump -----------------------------------------------------------------------------------------
def dump_imports() -> None:
    """The modules ``dump_one`` imports (for ``--jobs``: imported once, before the workers fork)."""
    from ..reading import describe, mrc_file  # noqa: F401
    from . import dump  # noqa: F401


def dump_one(name: str, options: Options) -> Outcome:
    """``dump`` of one file: its text or JSON document, its warnings (one stderr line each)."""
    from ..reading import mrc_file as mrcfile_module
    from ..reading.describe import DUMP_SCHEMA, describe, describe_record
    from .dump import render_record, render_text

    # the file is opened permissively: what it departs from is one "warning:" line each on stderr
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", MrcWarning)
            with mrcfile_module.open(source_of(name), permissive=True) as mrc:
                refuse_what_is_not_mrc(caught, mrc.header)
                encoded = options.output != "text"  # the text is made from the values themselves
                info = (describe(mrc, encoded=encoded) if options.record is None
                        else describe_record(mrc, options.record, encoded=encoded))
    except (MrcFormatError, OSError) as exc:
        error = error_text(exc, name)
        doc = escape_all({"schema": DUMP_SCHEMA, "path": name, "readable": False, "error": error}, redact_urls)
        return Outcome(name, "unreadable", 2, doc=doc if options.output != "text" else None,
                       messages=(escape(error),))
    found = []
    for w in caught:
        if issubclass(w.category, MrcWarning):
            found.append(_without_name(str(w.message), name, info.get("path", "")))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    info["warnings"] = found
    messages = tuple(escape(f"warning: {m}") for m in found)
    if options.output != "text":
        return Outcome(name, "read", 0, doc=escape_all(info, redact_urls), messages=messages)
    style = Style(options.colour)
    info = escape_all(info)
    if options.record is not None:
        info["path"] = escape(name)
    text = (render_text(info, options.width, style) if options.record is None
            else render_record(info, options.width, style))
    return Outcome(name, "read", 0, text=text, messages=messages)


# -- validate -------------------------------------------------------------------------------------
def validate_imports() -> None:
    """The modules ``validate_one`` imports (for ``--jobs``: imported once, before the workers fork)."""
    from ..validation import validator  # noqa: F401


def validate_one(name: str, options: Options) -> Outcome:
    """``validate`` of one file: its verdict, its report as text or JSON."""
    from ..format.records import evolve
    from ..validation.validator import validate

    # a missing file is a report: one MRC-UNREADABLE error
    report = validate(source_of(name), full_data=options.full_data, header_only=options.header_only)
    unreadable = [f for f in report if f.rule == "MRC-UNREADABLE"]
    if not unreadable:  # the findings worst first, without the rules --select/--ignore leave out
        report = evolve(report, findings=tuple(f for f in sorted_findings(report.findings)
                                               if rule_selected(f.rule, options.select, options.ignore)))
    doc = escape_all({"schema": VALIDATE_SCHEMA, **report.to_dict()}, redact_urls)
    if unreadable:
        error = unreadable[0].message.split("; expected ")[0]
        doc.update(readable=False, verdict="unreadable", error=error)
        return Outcome(name, "unreadable", 2, doc=doc if options.output != "text" else None,
                       messages=(escape(error),))
    verdict = "valid" if report.ok else "invalid"
    doc.update(readable=True, verdict=verdict)
    code = 0 if report.ok else 1
    if options.output != "text":
        return Outcome(name, verdict, code, doc=doc)
    if options.quiet and report.ok:
        return Outcome(name, verdict, code)
    return Outcome(name, verdict, code, text=render_report(escape_all(doc), options.width, Style(options.colour)))


def explain(rule_id: str) -> str | None:
    """``validate --explain RULE``: what the rule checks, its severity and source, in a few lines
    (None: no such rule)."""
    from ..validation.rules import RULES_BY_ID

    rule = RULES_BY_ID.get(rule_id.upper())
    if rule is None:
        return None
    where = rule.field if rule.offset is None else f"{rule.field} at offset {rule.offset}"
    lines = [f"{rule.id} ({rule.severity}, {where}): expected {rule.expected}", f"source: {rule.spec}"]
    mrcfile_text = getattr(rule, "mrcfile", None)
    if mrcfile_text:
        lines.append(f"mrcfile.validate: {mrcfile_text}")
    return "\n".join(lines)


_SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "info": "dim"}


def _count(n, word):
    return f"{n} {word}{'s' if n != 1 else ''}"


def render_report(doc: dict, width: int = 100, style: Style | None = None) -> str:
    """A report as text: ``FILE: OK`` or ``FILE: INVALID (2 errors, 1 warning)``, then each finding
    wrapped to ``width`` (what was found, then what was expected).  A file that is not MRC at all
    is one line: ``FILE: INVALID: not an MRC file: ...``."""
    style = style or Style(False)
    findings = doc["findings"]
    verdict = style("OK", "green", "bold") if doc["ok"] else style("INVALID", "red", "bold")
    if len(findings) == 1 and findings[0]["rule"] == "MRC-STRUCTURE":
        return _one_line(f"{doc['path']}: {verdict}: ", findings[0]["message"].split("; expected ")[0], width)
    counts = [_count(doc["errors"], "error"), _count(doc["warnings"], "warning"), _count(doc["infos"], "info")]
    facts = ", ".join(c for c in counts if not c.startswith("0 "))
    lines = [f"{doc['path']}: {verdict}" + (f" ({facts})" if facts else "")]
    for f in findings:
        where = f["field"] if f["offset"] is None else f"{f['field']}@{f['offset']}"
        found, _, expected = f["message"].partition("; expected ")
        severity = style(f["severity"], _SEVERITY_COLOURS.get(f["severity"], "bold"))
        head = f"  {f['severity']} {f['rule']} {where}: "
        body = wrap(head + found, width, "", "      ")
        body[0] = body[0].replace(f"  {f['severity']} ", f"  {severity} ", 1)
        lines += body
        if expected:
            lines += wrap(f"expected {expected}", width, "      ")
    return "\n".join(lines)


def _one_line(head: str, message: str, width: int) -> str:
    """``head`` and as many whole clauses of ``message`` as fit ``width`` (at least two; the rest,
    with what was expected, is in ``--json``)."""
    clauses = message.split(", ")
    text = ", ".join(clauses[:2])
    for clause in clauses[2:]:
        if len(head) + len(text) + len(clause) + 2 > width:
            return head + text + ", …"
        text += ", " + clause
    return head + text
