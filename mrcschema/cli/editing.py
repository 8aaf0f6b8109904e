"""``mrcschema edit`` and ``mrcschema fix``: what they do with one file (an
:class:`~mrcschema.cli.batch.Outcome`), and their arguments.  Files, directories, patterns,
``-r`` and ``-j`` are handled by :mod:`mrcschema.cli.batch`, as for ``validate``.

Verdicts and exit codes: ``edit``: changed / unchanged (0), unreadable or refused (2: the file
cannot be read, a value does not fit it, or it changed on disk meanwhile: nothing written).
``fix``: fixed / unchanged (0), unfixed (1: findings are left, each with why), unreadable (2).
"""

from __future__ import annotations

from ..errors import MrcFormatError
from ..format.records import record
from .batch import Outcome
from .text import Style, escape, wrap

EDIT_VERDICTS = ("changed", "unchanged", "unreadable")
FIX_VERDICTS = ("fixed", "unchanged", "unfixed", "unreadable")
EDIT_SCHEMA = "mrcschema-edit/1"
FIX_SCHEMA = "mrcschema-fix/1"


@record
class EditOptions:
    """How to render and what to change: the keyword arguments of :func:`mrcschema.edit`."""

    output: str = "text"
    width: int = 100
    colour: bool = False
    dry_run: bool = False
    changes: tuple = ()  #: (name, value) pairs for ``mrcschema.edit``
    full_data: bool = False  #: fix --full-data


def edit_imports() -> None:
    from ..writing import editing  # noqa: F401


def fix_imports() -> None:
    from ..validation import fixes  # noqa: F401


def _failed(name, exc, schema):
    message = str(exc)
    doc = {"schema": schema, "file": name, "readable": False, "verdict": "unreadable", "error": message}
    return Outcome(name, "unreadable", 2, doc=doc, messages=(escape(message),))


def _change_lines(changes, width, dry_run, style):
    arrow = "would change" if dry_run else "changed"
    lines = []
    for change in changes:
        where = f"{change.field}@{change.offset}" if change.offset is not None else change.field
        lines += wrap(f"  {style(arrow, 'dim')} {where}: {escape(str(change).split(': ', 1)[1])}", width, "", "      ")
    return lines


def edit_one(name: str, options: EditOptions) -> Outcome:
    """``edit`` of one file: the fields changed, old -> new."""
    from ..writing.editing import edit

    try:
        result = edit(name, dry_run=options.dry_run, **dict(options.changes))
    except (MrcFormatError, OSError, ValueError) as exc:
        return _failed(name, exc, EDIT_SCHEMA)
    verdict = "changed" if result.changes else "unchanged"
    doc = {"schema": EDIT_SCHEMA, "file": name, "readable": True, "verdict": verdict, "dry_run": options.dry_run,
           "written": result.written, "changes": [c.to_dict() for c in result.changes]}
    if options.output != "text":
        return Outcome(name, verdict, 0, doc=doc)
    style = Style(options.colour)
    head = f"{escape(name)}: {'nothing to change' if not result.changes else ('would change' if options.dry_run else 'changed')}"
    text = "\n".join([head, *_change_lines(result.changes, options.width, options.dry_run, style)])
    return Outcome(name, verdict, 0, text=text)


def fix_one(name: str, options: EditOptions) -> Outcome:
    """``fix`` of one file: the repairs (field old -> new, with the rule) and the findings left, with why."""
    from ..validation.fixes import INFO_REASON, fix

    try:
        result = fix(name, dry_run=options.dry_run, full_data=options.full_data)
    except (MrcFormatError, OSError, ValueError) as exc:
        return _failed(name, exc, FIX_SCHEMA)
    left = [s for s in result.skipped if s.reason != INFO_REASON]
    verdict = "unfixed" if left else "fixed" if result.fixed else "unchanged"
    code = 1 if left else 0
    doc = {"schema": FIX_SCHEMA, "file": name, "readable": True, "verdict": verdict, "dry_run": options.dry_run,
           **result.to_dict()}
    doc.pop("path")
    if options.output != "text":
        return Outcome(name, verdict, code, doc=doc)
    style = Style(options.colour)
    if result.fixed:
        what = "would fix" if options.dry_run else "fixed"
        head = f"{escape(name)}: {what} {', '.join(result.fixed)}"
    else:
        head = f"{escape(name)}: {'nothing to fix' if not left else 'nothing fixed'}"
    lines = [*wrap(head, options.width, "", "    "), *_change_lines(result.changes, options.width, options.dry_run, style)]
    for s in left:
        lines += wrap(f"  {style('left', 'yellow')} {s.rule} {s.field}: {escape(s.message)}", options.width, "", "      ")
        lines += wrap(f"why: {escape(s.reason)}", options.width, "      ")
    return Outcome(name, verdict, code, text="\n".join(lines))


# -- arguments -------------------------------------------------------------------------------------
def _numbers(kind, count_ok):
    def parse(text):
        import argparse

        try:
            values = [kind(v) for v in text.replace(" ", "").split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind.__name__} values separated by commas, got {text!r}") from None
        if len(values) not in count_ok:
            raise argparse.ArgumentTypeError(f"expected {' or '.join(map(str, count_ok))} values, got {len(values)}")
        return values[0] if len(values) == 1 else tuple(values)
    return parse


def edit_arguments(parser, add_batch_arguments) -> None:
    add_batch_arguments(parser, "the changes")
    parser.add_argument("--voxel-size", type=_numbers(float, (1, 3)), metavar="A[,Y,Z]",
                        help="voxel size in Å, one value or x,y,z (CELLA = size x MX, MY, MZ)")
    parser.add_argument("--origin", type=_numbers(float, (3,)), metavar="X,Y,Z", help="ORIGIN in Å")
    parser.add_argument("--start", type=_numbers(int, (3,)), metavar="X,Y,Z", help="NXSTART, NYSTART, NZSTART")
    parser.add_argument("--axis-order", metavar="ORDER", help="MAPC, MAPR, MAPS: 1,2,3-style or xyz-style")
    parser.add_argument("--ispg", metavar="KIND", help="image, stack, volume, volume-stack or a number (MZ follows)")
    parser.add_argument("--mz", type=int, metavar="N", help="sections per volume of a volume stack (with --ispg)")
    parser.add_argument("--label", action="append", default=[], dest="add_labels", metavar="TEXT",
                        help="add a label (repeatable); with ten in use the oldest after the first goes (IMOD)")
    parser.add_argument("--set-label", action="append", default=None, dest="labels", metavar="TEXT",
                        help="replace every label with these (repeatable)")
    parser.add_argument("--clear-labels", action="store_true", help="remove every label")
    parser.add_argument("--machine-stamp", choices=("little", "big"),
                        help="MACHST: the standard stamp (must be the order the header is in)")
    parser.add_argument("--nversion", type=int, metavar="N", help="NVERSION: 20140 or 20141")
    parser.add_argument("--exttyp", metavar="CODE", help="EXTTYP (4 characters)")
    parser.add_argument("--stats", action="store_true",
                        help="recompute DMIN, DMAX, DMEAN, RMS from the data (read in bounded blocks)")
    parser.add_argument("-n", "--dry-run", action="store_true", help="say what would change; write nothing")


def fix_arguments(parser, add_batch_arguments) -> None:
    add_batch_arguments(parser, "the repairs")
    parser.add_argument("-n", "--dry-run", action="store_true", help="say what would change (old -> new); write nothing")
    parser.add_argument("--full-data", action="store_true",
                        help="check (and repair) the statistics however large the file")


#: the ``edit`` options that are changes, as ``mrcschema.edit`` names them
EDIT_CHANGES = ("voxel_size", "origin", "start", "axis_order", "ispg", "mz", "add_labels", "labels",
                "clear_labels", "machine_stamp", "nversion", "exttyp", "stats")


def edit_options(args, base) -> EditOptions:
    """The :class:`EditOptions` of parsed arguments (``base``: the output options of the batch)."""
    changes = tuple((name, getattr(args, name)) for name in EDIT_CHANGES
                    if getattr(args, name, None) not in (None, False, []))
    return EditOptions(output=base.output, width=base.width, colour=base.colour, dry_run=args.dry_run,
                       changes=changes, full_data=getattr(args, "full_data", False))
