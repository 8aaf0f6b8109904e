"""Command line: ``python -m mrcschema dump FILE [--json]`` (also installed as ``mrcschema``)
and ``python -m mrcschema validate FILE... [--json] [--full-data]``.

Exit codes: 0 success, 2 a file could not be read at all (missing, a directory, not MRC).
``validate``: 0 all valid, 1 any invalid (a file that is not MRC is invalid), 2 any unreadable.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from ..errors import MrcFormatError


def _parser():
    parser = argparse.ArgumentParser(prog="mrcschema", description="Inspect MRC files.")
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump", help="print every header field with offset, type, value and meaning")
    dump.add_argument("file")
    dump.add_argument("--json", action="store_true", help="print the same as JSON")
    dump.add_argument("--record", type=int, default=None, help="show extended-header record N in full")
    check = sub.add_parser("validate", help="check files against MRC2014 (exit 0 valid, 1 invalid, 2 unreadable)")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--json", action="store_true", help="print the reports as JSON")
    check.add_argument("--full-data", action="store_true",
                       help="compare the data statistics however large the file")
    return parser


def _validate(args):
    """One report per file; exit 0 all valid, 1 any invalid, 2 any file unreadable (missing, directory)."""
    from ..validation.validator import validate

    code, reports = 0, []
    for name in args.files:
        report = validate(name, full_data=args.full_data)  # a missing file is a report: one MRC-UNREADABLE error
        unreadable = [f for f in report if f.rule == "MRC-UNREADABLE"]
        if unreadable:
            error = unreadable[0].message.split("; expected ")[0]
            print(f"mrcschema validate: {name}: {error}", file=sys.stderr)
            reports.append({**report.to_dict(), "readable": False, "error": error})
            code = 2
            continue
        code = max(code, 0 if report.ok else 1)
        reports.append({**report.to_dict(), "readable": True})
        if not args.json:
            print(report)
    if args.json:
        import json

        print(json.dumps(reports, indent=1))
    return code


def _dump(args):
    from ..errors import MrcWarning
    from ..reading import mrc_file as mrcfile_module
    from ..reading.describe import describe, describe_record
    from .dump import render_text

    # the file is opened permissively: what it departs from is one "warning:" line each on stderr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MrcWarning)
        with mrcfile_module.open(args.file, permissive=True) as mrc:
            info = describe(mrc)
            if args.record is not None:
                info = describe_record(mrc, args.record)
    for w in caught:
        if issubclass(w.category, MrcWarning):
            print(f"mrcschema dump: {args.file}: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if args.json:
        import json  # loaded for --json only

        print(json.dumps(info, indent=1))
    else:
        print("\n".join(info["lines"]) if args.record is not None else render_text(info))
    return 0


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        if args.command == "dump":
            return _dump(args)
        if args.command == "validate":
            return _validate(args)
    except BrokenPipeError:  # output piped into `head`: not an error (and an OSError, so caught first)
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        except (OSError, ValueError):
            pass
        return 0
    except (MrcFormatError, OSError) as exc:
        print(f"mrcschema {args.command}: {getattr(args, 'file', '')}: {exc}", file=sys.stderr)
        return 2
    return 0
