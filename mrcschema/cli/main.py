"""Command line: ``python -m mrcschema`` (also installed as ``mrcschema``).

    mrcschema info FILE... [-r] [--jobs N] [--json | --jsonl]
    mrcschema dump FILE... [-r] [--jobs N] [--json | --jsonl] [--record N] [--color WHEN]
    mrcschema validate FILE... [-r] [--jobs N] [--json | --jsonl] [--full-data | --header-only] [-q]
                       [--select RULE,...] [--ignore RULE,...] [--color WHEN]
    mrcschema validate --explain RULE
    mrcschema edit FILE... [--voxel-size A[,Y,Z]] [--origin X,Y,Z] [--label TEXT] [--stats] ... [-n]
    mrcschema fix FILE... [-r] [--jobs N] [--json | --jsonl] [-n]
    mrcschema preview FILE... [-o OUT.png | -o DIR] [--section N] [--montage] [--frames N] [--percentiles LO HI]
    mrcschema convert IN OUT.ome.zarr [--levels N] [--chunks Z Y X] [--compressor NAME] [--jobs N]
    mrcschema refs FILE [-o refs.json] [--url URL]
    mrcschema --version

FILE may be a file, a directory (with ``-r``), a glob pattern (:mod:`mrcschema.cli.batch`), a URL
(``https://``, ``s3://``, ...: ``mrcschema[remote]``) or ``-`` for standard input.
Exit codes: the worst file's. ``dump``: 0 read, 2 unreadable (missing, a directory, not MRC).
``validate``: 0 all valid, 1 any invalid (a file that is not MRC is invalid), 2 any unreadable.
``edit``: 0 changed or nothing to change, 2 unreadable or refused.  ``fix``: 0 fixed or nothing to
fix, 1 a finding left unfixed, 2 unreadable.  ``preview``, ``convert``, ``refs``: 0 written, 2 the file
cannot be read, shown or converted.  130 after Ctrl-C.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from ..errors import MrcFormatError
from ..version import __version__

if TYPE_CHECKING:
    import argparse

_VERSION = f"mrcschema {__version__}"


def _jobs(text):
    import argparse

    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number of processes (0: one per CPU), not {text!r}") from None
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"--jobs must be 0 (one per CPU) or more, not {jobs}")
    return jobs or (os.cpu_count() or 1)


def _rules(text):
    """``--select``/``--ignore``: rule ids or prefixes, comma-separated; each must name a rule."""
    import argparse

    from ..validation.rules import RULES_BY_ID

    codes = tuple(c.strip().upper() for c in text.split(",") if c.strip())
    for code in codes:
        stem = code.rstrip("-")
        if not any(r == stem or r.startswith(stem + "-") for r in RULES_BY_ID):
            raise argparse.ArgumentTypeError(f"no rule is {code} or starts with {stem}- (the rules: "
                                             "docs/validation_rules.md, or validate --explain RULE)")
    return codes


def _size(text):
    import argparse

    try:
        size = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size takes a whole number of pixels, not {text!r}") from None
    if size <= 0:
        raise argparse.ArgumentTypeError(f"--size must be at least 1 pixel, not {size}")
    return size


def _add_batch_arguments(parser, what, files="+"):
    parser.add_argument("files", nargs=files, metavar="FILE",
                        help="MRC files, directories (with -r), glob patterns, URLs (https://, s3://, ...: "
                             "the remote extra) or - for standard input")
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


def _info_arguments(info):
    _add_batch_arguments(info, "the facts")


def _dump_arguments(dump):
    _add_batch_arguments(dump, "the description")
    dump.add_argument("--record", type=int, default=None, metavar="N", help="show extended-header record N in full")


def _validate_arguments(check):
    _add_batch_arguments(check, "the reports", files="*")
    data = check.add_mutually_exclusive_group()
    data.add_argument("--full-data", action="store_true",
                      help="compare the data statistics however large the file")
    data.add_argument("--header-only", action="store_true", help="read the header and extended header only")
    check.add_argument("--select", type=_rules, default=(), metavar="RULE[,RULE]",
                       help="check only these rules (ids, or prefixes ending at a hyphen: MRC2014, DE)")
    check.add_argument("--ignore", type=_rules, default=(), metavar="RULE[,RULE]",
                       help="do not report these rules (ids or prefixes, as --select)")
    check.add_argument("--explain", metavar="RULE", default=None,
                       help="print what RULE checks, its severity and its source, and exit")
    check.add_argument("-q", "--quiet", action="store_true", help="print only the files that are not valid")


def _preview_arguments(preview):
    preview.add_argument("files", nargs="+", metavar="FILE", help="MRC files, or - for standard input")
    preview.add_argument("-o", "--output", metavar="OUT.png",
                         help="where to write the PNG (default: FILE's name with .png, in this directory; "
                              "a directory: one PNG per FILE in it, as required for several files)")
    preview.add_argument("--section", type=int, default=None, metavar="N",
                         help="show section (or frame) N instead of the default choice")
    preview.add_argument("--montage", action="store_true", help="a volume as a montage of sections across it")
    preview.add_argument("--frames", type=int, default=None, metavar="N",
                         help="how many sections or frames a montage shows (default 9 for a montage, 4 for a stack)")
    preview.add_argument("--percentiles", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                         help="contrast: the data percentiles shown black and white (default 0.5 99.5)")
    preview.add_argument("--size", type=_size, default=None, metavar="PX",
                         help="the longest side of one panel in pixels (default 768; larger images are sampled, "
                              "smaller ones enlarged)")
    preview.add_argument("--version", action="version", version=_VERSION)


#: each command's --help ends with these examples
_EXAMPLES = {
    "info": ["mrcschema info examples/tiny_volume.mrc", "mrcschema info -r -j 0 maps/",
             "mrcschema info --jsonl 'movies/*.mrc' > facts.jsonl"],
    "dump": ["mrcschema dump examples/tiny_volume.mrc", "mrcschema dump --record 0 movie.mrc",
             "cat map.mrc | mrcschema dump --json -"],
    "validate": ["mrcschema validate -r -q -j 0 maps/", "mrcschema validate --ignore DE-ISPG,MRC2014-STATS movie.mrc",
                 "mrcschema validate --explain MRC2014-FILE-SIZE"],
    "edit": ["mrcschema edit --voxel-size 1.06 map.mrc", "mrcschema edit --label 'recalibrated' --stats -r maps/",
             "mrcschema edit --ispg volume-stack --mz 40 --dry-run stack.mrcs"],
    "fix": ["mrcschema fix --dry-run motioncor2.mrc", "mrcschema fix -r -j 0 maps/",
            "mrcschema fix --json movie.mrc > repairs.json"],
    "preview": ["mrcschema preview examples/tiny_volume.mrc -o tiny.png", "mrcschema preview --montage --size 256 map.mrc",
                "mrcschema preview a.mrc b.mrc -o previews/"],
    "convert": ["mrcschema convert map.mrc map.ome.zarr", "mrcschema convert --levels 3 -j 0 tomogram.rec tomo.ome.zarr",
                "mrcschema convert s3://bucket/map.mrc s3://bucket/map.ome.zarr"],
    "refs": ["mrcschema refs map.mrc -o map.refs.json", "mrcschema refs s3://bucket/map.mrc -o refs.json"],
}


def _epilog(name):
    return "examples:\n" + "\n".join(f"  {example}" for example in _EXAMPLES[name])


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
    "info": ("one line per file: size, mode, physical size, extended header, size on disk, verdict",
             "One line per file, as IMOD's header -brief: NX x NY x NZ, mode and dtype, the physical size per axis "
             "(or unknown), the extended header's kind and records, the size on disk, and the verdict of a header "
             "check (validate --header-only: valid, or the worst finding). Exit 0 valid, 1 invalid, 2 unreadable.",
             _info_arguments),
    "dump": ("print every header field with offset, type, value and meaning",
             "Print every header field with offset, type, value and meaning, the labels, the extended header "
             "and a data summary (exit 0 read, 2 unreadable).", _dump_arguments),
    "validate": ("check files against MRC2014 (exit 0 valid, 1 invalid, 2 unreadable)",
                 "Check files against MRC2014 and the conventions around it (exit 0 all valid, 1 any invalid, "
                 "2 any unreadable).", _validate_arguments),
    "edit": ("change header fields in place (voxel size, origin, labels, ISPG, statistics...)",
             "Change header fields of files in place, writing only the bytes that change, crash-safe "
             "(exit 0 changed or nothing to do, 2 unreadable or refused).",
             lambda parser: _edit_module().edit_arguments(parser, _add_batch_arguments)),
    "fix": ("repair what validate finds where the repair is safe (exit 0 fixed, 1 left, 2 unreadable)",
            "Repair in place the findings of validate that have a safe, unambiguous repair (MAP, machine stamp, "
            "NVERSION, EXTTYP from the records, NLABL and label order, an ISPG 0 volume, a DE movie's ISPG and "
            "CELLA, mrcz's MX/MY/MZ 0, statistics: docs/editing.md); list those left and why (exit 0 fixed or "
            "nothing to do, 1 something left unfixed, 2 unreadable).",
            lambda parser: _edit_module().fix_arguments(parser, _add_batch_arguments)),
    "preview": ("write a PNG picture of the data (needs the preview extra: pip install '.[preview]')",
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


def _edit_module():
    from . import editing

    return editing


def _parser():
    """The whole command line: ``mrcschema --help``, ``--version``, and any argument list that does
    not start with a subcommand (argparse reports it)."""
    import argparse

    parser = argparse.ArgumentParser(prog="mrcschema", description="Inspect, check and preview MRC files.",
                                     epilog="Summaries, warnings and errors go to stderr; exit code: the worst file's.")
    parser.add_argument("--version", action="version", version=_VERSION)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, description, add_arguments) in _COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=description, epilog=_epilog(name),
                                     formatter_class=argparse.RawDescriptionHelpFormatter))
    return parser


def _command_parser(name: str) -> argparse.ArgumentParser:
    """The parser of one subcommand, made as the whole parser makes it as a subparser (the same
    usage, help and errors)."""
    import argparse

    _, description, add_arguments = _COMMANDS[name]
    command = argparse.ArgumentParser(prog=f"mrcschema {name}", description=description, epilog=_epilog(name),
                                      formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(command)
    return command


def parse_arguments(argv=None) -> argparse.Namespace:
    """The parsed command line.  A command line that starts with a subcommand is parsed by that
    subcommand's parser alone (the same usage, help and errors as the whole parser's; a fresh
    ``dump`` builds one parser, not six); the rest by the whole parser."""
    argv = sys.argv[1:] if argv is None else list(argv)
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
                   quiet=getattr(args, "quiet", False), header_only=getattr(args, "header_only", False),
                   select=getattr(args, "select", ()), ignore=getattr(args, "ignore", ()))


def _batch(args, function, verdicts, prepare):
    from .batch import expand_inputs, run_batch
    from .text import escape

    options = _options(args)
    items, batch = expand_inputs(args.files, args.recursive)
    # a pattern that matches nothing is an error of the command line, not an unreadable file
    unmatched = [item for item in items if item.error == NO_MATCH]
    for item in unmatched:
        print(f"mrcschema {args.command}: {escape(item.name)}: {NO_MATCH}", file=sys.stderr)
    items = [item for item in items if item.error != NO_MATCH]
    if not items:
        return 2
    result = run_batch(args.command, function, items, options, jobs=args.jobs, output=options.output,
                       batch=batch, verdicts=verdicts, prepare=prepare)
    return max(result.code, 2 if unmatched and result.code != 130 else 0)


#: what a batch says of a pattern that matches no file (:func:`mrcschema.cli.batch.expand_inputs`)
NO_MATCH = "no file matches this pattern"


def _preview_outputs(args) -> list[str | None]:
    """Where each FILE's PNG goes: ``-o`` a file (one FILE), ``-o`` a directory (one PNG per FILE,
    named after it; needed for several files), else the default beside here."""
    if args.output is None:
        return [None] * len(args.files)
    if os.path.isdir(args.output) or args.output.endswith(os.sep) or len(args.files) > 1:
        from ..preview.render import default_output

        os.makedirs(args.output, exist_ok=True)
        return [os.path.join(args.output, default_output("stdin" if f == "-" else f)) for f in args.files]
    return [args.output]


def _edit_batch(args):
    from .batch import expand_inputs, run_batch
    from .editing import EDIT_VERDICTS, FIX_VERDICTS, edit_imports, edit_one, edit_options, fix_imports, fix_one

    options = edit_options(args, _options(args))
    if args.command == "edit" and not options.changes:
        print("mrcschema edit: nothing to change: give at least one change (mrcschema edit --help)", file=sys.stderr)
        return 2
    function, verdicts, prepare = ((edit_one, EDIT_VERDICTS, edit_imports) if args.command == "edit"
                                   else (fix_one, FIX_VERDICTS, fix_imports))
    items, batch = expand_inputs(args.files, args.recursive)
    return run_batch(args.command, function, items, options, jobs=args.jobs, output=options.output, batch=batch,
                     verdicts=verdicts, prepare=prepare).code


def _preview(args):
    import warnings

    from ..errors import MrcWarning
    from ..preview.render import preview_file
    from .commands import error_text, source_of
    from .text import escape

    code = 0
    for name, output in zip(args.files, _preview_outputs(args)):
        where = f"mrcschema preview: {escape(name)}"
        if name == "-" and output is None:
            output = "stdin.png"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", MrcWarning)
            try:
                written = preview_file(source_of(name), output, section=args.section, montage=args.montage,
                                       frames=args.frames, percentiles=args.percentiles, size=args.size)
            except (ValueError, OSError) as exc:
                print(f"{where}: {escape(error_text(exc, name))}", file=sys.stderr)
                code = 2
                continue
        for w in caught:
            if issubclass(w.category, MrcWarning):
                print(f"{where}: warning: {escape(str(w.message))}", file=sys.stderr)
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        print(escape(str(written)))
    return code


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
        if args.command == "validate" and getattr(args, "explain", None):
            from .commands import explain

            text = explain(args.explain)
            if text is None:
                print(f"mrcschema validate: no rule {args.explain} (the rules: docs/validation_rules.md)",
                      file=sys.stderr)
                return 2
            print(text)
            return 0
        if args.command == "validate" and not args.files:
            _command_parser("validate").error("the following arguments are required: FILE")
        if args.command == "info":
            from .info import INFO_VERDICTS, info_imports, info_one

            return _batch(args, info_one, INFO_VERDICTS, info_imports)
        if args.command == "dump":
            from .commands import DUMP_VERDICTS, dump_imports, dump_one

            return _batch(args, dump_one, DUMP_VERDICTS, dump_imports)
        if args.command == "validate":
            from .commands import VALIDATE_VERDICTS, validate_imports, validate_one

            return _batch(args, validate_one, VALIDATE_VERDICTS, validate_imports)
        if args.command in ("edit", "fix"):
            return _edit_batch(args)
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
    from .text import escape

    print(f"mrcschema {args.command}: {escape(where + message)}", file=sys.stderr)
    return 2
