"""Command line: ``python -m mrcschema`` (also installed as ``mrcschema``).

    mrcschema dump FILE... [-r] [--jobs N] [--json | --jsonl] [--record N] [--color WHEN]
    mrcschema validate FILE... [-r] [--jobs N] [--json | --jsonl] [--full-data] [-q] [--color WHEN]
    mrcschema preview FILE [-o OUT.png] [--section N] [--montage] [--frames N] [--percentiles LO HI]
    mrcschema convert IN OUT.ome.zarr [--levels N] [--chunks Z Y X] [--compressor NAME] [--jobs N]
    mrcschema refs FILE [-o refs.json] [--url URL]
    mrcschema --version

FILE may be a file, a directory (with ``-r``), a glob pattern (:mod:`mrcschema.cli.batch`), a URL
(``https://``, ``s3://``, ...: ``mrcschema[remote]``) or ``-`` for standard input.
Exit codes: the worst file's. ``dump``: 0 read, 2 unreadable (missing, a directory, not MRC).
``validate``: 0 all valid, 1 any invalid (a file that is not MRC is invalid), 2 any unreadable.
``preview``, ``convert``, ``refs``: 0 written, 2 the file cannot be read, shown or converted.  130 after Ctrl-C.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING

from ..errors import MrcFormatError
from ..version import __version__

if TYPE_CHECKING:
    import argparse

_VERSION = f"mrcschema {__version__}"


def _jobs(text):
    import argparse

    jobs = int(text)
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"--jobs must be 0 (one per CPU) or more, not {jobs}")
    return jobs or (os.cpu_count() or 1)


def _add_batch_arguments(parser, what):
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="MRC files, directories (with -r), glob patterns, URLs (https://, s3://, ...: "
                             "mrcschema[remote]) or - for standard input")
    parser.add_argument("-r", "--recursive", action="store_true",
                        help="read the MRC files of directories, all levels down (and ** in patterns)")
    parser.add_argument("-j", "--jobs", type=_jobs, default=1, metavar="N",
                        help="run N processes in parallel (0: one per CPU; default 1)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help=f"print {what} as one JSON document (docs/json.md)")
    out.add_argument("--jsonl", action="store_true", help="print one JSON document per file, one per line")
    parser.add_argument("--color", "--colour", choices=("auto", "always", "never"), default="auto", dest="color",
                        help="colour the text: auto (default) only on a terminal and without NO_COLOR")
    parser.add_argument("--version", action="version", version=_VERSION)


def _dump_arguments(dump):
    _add_batch_arguments(dump, "the description")
    dump.add_argument("--record", type=int, default=None, metavar="N", help="show extended-header record N in full")


def _validate_arguments(check):
    _add_batch_arguments(check, "the reports")
    check.add_argument("--full-data", action="store_true",
                       help="compare the data statistics however large the file")
    check.add_argument("--header-only", action="store_true", help="read the header and extended header only")
    check.add_argument("-q", "--quiet", action="store_true", help="print only the files that are not valid")


def _preview_arguments(preview):
    preview.add_argument("file", metavar="FILE")
    preview.add_argument("-o", "--output", metavar="OUT.png",
                         help="where to write the PNG (default: FILE's name with .png, in this directory)")
    preview.add_argument("--section", type=int, default=None, metavar="N",
                         help="show section (or frame) N instead of the default choice")
    preview.add_argument("--montage", action="store_true", help="a volume as a montage of sections across it")
    preview.add_argument("--frames", type=int, default=None, metavar="N",
                         help="how many sections or frames a montage shows (default 9 for a montage, 4 for a stack)")
    preview.add_argument("--percentiles", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                         help="contrast: the data percentiles shown black and white (default 0.5 99.5)")
    preview.add_argument("--size", type=int, default=None, metavar="PX",
                         help="the longest side of one panel in pixels (default 768; larger images are sampled)")
    preview.add_argument("--version", action="version", version=_VERSION)


def _convert_arguments(convert):
    convert.add_argument("file", metavar="IN", help="an MRC file, a URL (mrcschema[remote]) or - for standard input")
    convert.add_argument("output", metavar="OUT.ome.zarr", help="the OME-Zarr store to write: a folder or an fsspec URL")
    convert.add_argument("--levels", type=int, default=1, metavar="N",
                         help="resolution levels of the pyramid, each half the size of the one before (default 1)")
    convert.add_argument("--chunks", type=int, nargs="+", default=None, metavar="N",
                         help="chunk shape of the spatial axes, slowest first (default 64 per axis for a volume, "
                              "1 x 512 x 512 for images and stacks)")
    convert.add_argument("--compressor", default="zstd", choices=("zstd", "blosc", "gzip", "none"),
                         help="chunk compression (default zstd, level 3)")
    convert.add_argument("--ngff", default="0.4", choices=("0.4",), help="the OME-NGFF version written (default 0.4)")
    convert.add_argument("-j", "--jobs", type=_jobs, default=1, metavar="N",
                         help="threads compressing and writing chunks (0: one per CPU; default 1)")
    convert.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    convert.add_argument("--version", action="version", version=_VERSION)


def _refs_arguments(refs):
    refs.add_argument("file", metavar="FILE", help="an MRC file or a URL (mrcschema[remote])")
    refs.add_argument("-o", "--output", metavar="refs.json", default=None,
                      help="where to write the references (default: standard output)")
    refs.add_argument("--url", default=None,
                      help="the location written into the references (default: FILE's absolute path or URL)")
    refs.add_argument("--version", action="version", version=_VERSION)


#: the subcommands: name -> (help, description, what adds its arguments)
_COMMANDS = {
    "dump": ("print every header field with offset, type, value and meaning",
             "Print every header field with offset, type, value and meaning, the labels, the extended header "
             "and a data summary (exit 0 read, 2 unreadable).", _dump_arguments),
    "validate": ("check files against MRC2014 (exit 0 valid, 1 invalid, 2 unreadable)",
                 "Check files against MRC2014 and the conventions around it (exit 0 all valid, 1 any invalid, "
                 "2 any unreadable).", _validate_arguments),
    "preview": ("write a PNG picture of the data (needs mrcschema[preview])",
                "Write a PNG of the data: the central section of a volume, the first frames of a stack, a "
                "virtual image of a 4D-STEM scan; contrast from percentiles, a scale bar and the main facts as "
                "a caption.", _preview_arguments),
    "convert": ("write an OME-Zarr image (needs mrcschema[convert])",
                "Write the data as an OME-NGFF 0.4 image (axes z, y, x; scale and translation in angstrom from the "
                "header; the header in the attributes), streamed section by section, with an optional pyramid. "
                "The top-level metadata is written last: an interrupted run leaves no store that looks complete.",
                _convert_arguments),
    "refs": ("write kerchunk references: the file read as Zarr in place (needs zarr to read them)",
             "Write a kerchunk reference set (JSON) mapping Zarr chunks (whole sections) to byte ranges of FILE, "
             "so zarr, xarray and dask read the data where it is, without a copy.", _refs_arguments),
}


def _parser():
    """The whole command line: ``mrcschema --help``, ``--version``, and any argument list that does
    not start with a subcommand (argparse reports it)."""
    import argparse

    parser = argparse.ArgumentParser(prog="mrcschema", description="Inspect, check and preview MRC files.",
                                     epilog="Summaries, warnings and errors go to stderr; exit code: the worst file's.")
    parser.add_argument("--version", action="version", version=_VERSION)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, description, add_arguments) in _COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=description))
    return parser


def _command_parser(name: str) -> argparse.ArgumentParser:
    """The parser of one subcommand, made as the whole parser makes it as a subparser (the same
    usage, help and errors)."""
    import argparse

    _, description, add_arguments = _COMMANDS[name]
    command = argparse.ArgumentParser(prog=f"mrcschema {name}", description=description)
    add_arguments(command)
    return command


#: ``dump``/``validate`` followed by file names only (no option; ``-`` is standard input): the
#: values of the options not given, what their parsers give (a test holds the two equal)
PLAIN_DEFAULTS: dict[str, dict[str, object]] = {
    "dump": {"recursive": False, "jobs": 1, "json": False, "jsonl": False, "color": "auto", "record": None},
    "validate": {"recursive": False, "jobs": 1, "json": False, "jsonl": False, "color": "auto",
                 "full_data": False, "header_only": False, "quiet": False},
}


def parse_arguments(argv=None) -> argparse.Namespace | SimpleNamespace:
    """The parsed command line.  ``dump FILE...`` and ``validate FILE...`` with file names only
    (the commonest command lines, run once per file by scripts) need no parser: their options
    take :data:`PLAIN_DEFAULTS`.  Any other that starts with a subcommand is parsed by that
    subcommand's parser alone; the rest by the whole parser.  A fresh ``dump`` thus imports no
    argparse and builds no parser (about 2 ms, 3 % of the whole process)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) > 1 and argv[0] in PLAIN_DEFAULTS and all(a == "-" or not a.startswith("-") for a in argv[1:]):
        return SimpleNamespace(command=argv[0], files=argv[1:], **PLAIN_DEFAULTS[argv[0]])
    if argv and argv[0] in _COMMANDS:
        args = _command_parser(argv[0]).parse_args(argv[1:])
        args.command = argv[0]
        return args
    return _parser().parse_args(argv)


def _options(args):
    from .commands import Options
    from .text import colour_wanted, output_width

    output = "json" if args.json else "jsonl" if args.jsonl else "text"
    return Options(output=output, width=output_width(sys.stdout), colour=colour_wanted(sys.stdout, args.color),
                   record=getattr(args, "record", None), full_data=getattr(args, "full_data", False),
                   quiet=getattr(args, "quiet", False), header_only=getattr(args, "header_only", False))


def _batch(args, function, verdicts, prepare):
    from .batch import expand_inputs, run_batch

    options = _options(args)
    items, batch = expand_inputs(args.files, args.recursive)
    result = run_batch(args.command, function, items, options, jobs=args.jobs, output=options.output,
                       batch=batch, verdicts=verdicts, prepare=prepare)
    return result.code


def _preview(args):
    import warnings

    from ..errors import MrcWarning
    from ..preview.render import preview_file

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MrcWarning)
        try:
            written = preview_file(args.file, args.output, section=args.section, montage=args.montage,
                                   frames=args.frames, percentiles=args.percentiles, size=args.size)
        except ValueError as exc:
            if isinstance(exc, MrcFormatError):
                raise
            print(f"mrcschema preview: {args.file}: {exc}", file=sys.stderr)
            return 2
    for w in caught:
        if issubclass(w.category, MrcWarning):
            print(f"mrcschema preview: {args.file}: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    print(written)
    return 0


def _convert(args):
    from ..convert.omezarr import to_ome_zarr

    source = sys.stdin.buffer if args.file == "-" else args.file  # a pipe: read whole (small files)
    to_ome_zarr(source, args.output, levels=args.levels, chunks=args.chunks, compressor=args.compressor,
                jobs=args.jobs, overwrite=args.overwrite)
    print(args.output)
    return 0


def _refs(args):
    import json

    from ..convert.references import to_references, write_references

    if args.output is None:
        json.dump(to_references(args.file, url=args.url), sys.stdout)
        sys.stdout.write("\n")
        return 0
    count = write_references(args.file, args.output, url=args.url)
    print(f"{args.output}: {count} chunks", file=sys.stderr)
    return 0


def main(argv=None):
    args = parse_arguments(argv)
    try:
        if args.command == "dump":
            from .commands import DUMP_VERDICTS, dump_imports, dump_one

            return _batch(args, dump_one, DUMP_VERDICTS, dump_imports)
        if args.command == "validate":
            from .commands import VALIDATE_VERDICTS, validate_imports, validate_one

            return _batch(args, validate_one, VALIDATE_VERDICTS, validate_imports)
        if args.command == "preview":
            return _preview(args)
        if args.command == "convert":
            return _convert(args)
        if args.command == "refs":
            return _refs(args)
    except KeyboardInterrupt:
        print(f"mrcschema {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`: not an error (and an OSError, so caught first)
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        except (OSError, ValueError):
            pass
        return 0
    except (MrcFormatError, OSError, ModuleNotFoundError) as exc:
        return _error(args, exc)
    except ValueError as exc:  # convert/refs: a file they cannot take (4-bit, compressed, complex), a bad option
        if args.command not in ("convert", "refs"):
            raise
        return _error(args, exc)
    return 0


def _error(args, exc):
    """One line on stderr, exit code 2.  preview's, convert's and refs's error is about their file
    (unless the message names it already); a batch's (a --jobs worker that died) about no one file."""
    file, message = getattr(args, "file", None), str(exc)
    named = [str(name) for name in (file, getattr(args, "output", None)) if name]
    where = f"{file}: " if file and not any(name in message for name in named) else ""
    print(f"mrcschema {args.command}: {where}{exc}", file=sys.stderr)
    return 2
