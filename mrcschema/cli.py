"""Command line: ``python -m mrcschema dump FILE [--json]`` (also installed as ``mrcschema``).

Exit codes: 0 success, 2 a file could not be read at all (missing, a directory, not MRC).
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import MrcFormatError


def _parser():
    parser = argparse.ArgumentParser(prog="mrcschema", description="Inspect MRC files.")
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump", help="print every header field with offset, type, value and meaning")
    dump.add_argument("file")
    dump.add_argument("--json", action="store_true", help="print the same as JSON")
    dump.add_argument("--record", type=int, default=None, help="show extended-header record N in full")
    return parser


def _dump(args):
    from . import file as mrcfile_module
    from .dump import describe, render_text

    with mrcfile_module.open(args.file, permissive=True) as mrc:
        info = describe(mrc)
        if args.record is not None:
            from .extended import describe_record

            info = describe_record(mrc, args.record)
            print(json.dumps(info, indent=1) if args.json else "\n".join(info["lines"]))
            return 0
    print(json.dumps(info, indent=1) if args.json else render_text(info))
    return 0


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        if args.command == "dump":
            return _dump(args)
    except (MrcFormatError, OSError) as exc:
        print(f"mrcschema {args.command}: {getattr(args, 'file', '')}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0
