"""Batches (issue 15): ``mrcschema validate --jsonl`` and ``dump --jsonl`` over many files in one
process, and ``--jobs 2`` against ``--jobs 1``.

* against ``mrcfile-header``, one process per file (goal: >= 10x faster, ratio <= 0.1).  Running
  1,000 of those takes over a minute per sample, so the peer figure is N x the median wall time of
  one ``mrcfile-header FILE`` process, sampled alternately with our batch (said in the row);
* against one Python process looping over the files with ``mrcfile.open`` + ``mrcfile.validate``
  (goal >= 1.0x, ratio <= 1.0), both whole-process wall times;
* ``validate --jsonl --jobs 2`` against ``--jobs 1`` on N files of 1 MiB (goal >= 1.6x, ratio <= 0.625),
  whole processes; and (info) the batch alone, ``run_batch`` timed inside one process, which leaves
  out what no number of workers shares: the interpreter's start, numpy's and our imports, the exit.

N is 1,000 (200 with ``--quick``).  The batch command line is new (issue 14, built alongside): a
row whose options ``mrcschema validate --help`` / ``dump --help`` do not list is skipped, saying so.
"""

from __future__ import annotations

import json
import os
import subprocess

from timing import PYTHON, Result, alternate, median, run_command, skipped

_LOOP = r"""
import io, sys, warnings
warnings.simplefilter("ignore")
import mrcfile
for path in sys.argv[1:]:
    with mrcfile.open(path) as m:
        m.header
    mrcfile.validate(path, print_file=io.StringIO())
"""


def _help(ctx, command):
    out = subprocess.run(ctx.our_cli() + [command, "--help"], capture_output=True, text=True, env=ctx.env,
                         cwd=ctx.workdir)
    return out.stdout + out.stderr


def _supports(ctx, command, *options):
    text = _help(ctx, command)
    return all(option in text for option in options)


def _skip_note(command, options):
    return (f"`mrcschema {command} --help` does not list {' and '.join(options)}: the batch command line "
            "(issue 14) is not in this tree yet; run again after merging it")


def _vs_processes(ctx, command):
    n = ctx.batch_count
    case = f"{command} --jsonl, {n} small files vs {n} mrcfile-header processes"
    ours_label = f"mrcschema {command} --jsonl FILE x {n}"
    peer_label = f"{n} x mrcfile-header FILE (one process per file)"
    if not _supports(ctx, command, "--jsonl"):
        return skipped(case, ours_label, peer_label, 0.1, _skip_note(command, ["--jsonl"]), goal_text=">= 10x (ratio <= 0.1)")
    files = ctx.batch_files("small")
    peer_argv = ctx.mrcfile_header() + [files[0]]
    ours_argv = ctx.our_cli() + [command, "--jsonl", *files]
    ok = (0, 1) if command == "validate" else (0,)
    ours_times, single = [], []
    repeats = ctx.batch_repeats

    def ours():
        ours_times.append(run_command(ours_argv, cwd=ctx.workdir, env=ctx.env, ok_codes=ok))

    def peer():  # several single processes per round, so their median is steady
        for _ in range(3):
            single.append(run_command(peer_argv, cwd=ctx.workdir, env=ctx.env))

    alternate(ours, peer, repeats)
    ours_times, single = ours_times[1:], single[3:]
    per_process = median(single)
    return Result(case, ours_label, peer_label, 0.1, goal_text=">= 10x (ratio <= 0.1)", ours_times=ours_times,
                  peer_times=[n * t for t in single],
                  notes=[f"peer = {n} x the wall time of one mrcfile-header process ({len(single)} sampled, median "
                         f"{per_process * 1e3:.1f} ms), alternating with our batch; {n} real processes would take "
                         f"{n * per_process:.0f} s per sample"])


def _vs_loop(ctx, command):
    n = ctx.batch_count
    case = f"{command} --jsonl, {n} small files vs a Python loop of mrcfile.open + validate"
    ours_label = f"mrcschema {command} --jsonl FILE x {n}"
    peer_label = "python -c 'for p in files: mrcfile.open(p); mrcfile.validate(p)'"
    if not _supports(ctx, command, "--jsonl"):
        return skipped(case, ours_label, peer_label, 1.0, _skip_note(command, ["--jsonl"]), goal_text=">= 1.0x (ratio <= 1.0)")
    files = ctx.batch_files("small")
    ok = (0, 1) if command == "validate" else (0,)
    o, p = _commands(ctx, ctx.our_cli() + [command, "--jsonl", *files], [PYTHON, "-c", _LOOP, *files], ok)
    return Result(case, ours_label, peer_label, 1.0, goal_text=">= 1.0x (ratio <= 1.0)", ours_times=o, peer_times=p,
                  notes=["whole-process wall times, output to /dev/null"])


def _commands(ctx, ours_argv, peer_argv, ok):
    ours_times, peer_times = [], []
    alternate(lambda: ours_times.append(run_command(ours_argv, cwd=ctx.workdir, env=ctx.env, ok_codes=ok)),
              lambda: peer_times.append(run_command(peer_argv, cwd=ctx.workdir, env=ctx.env, ok_codes=ok)),
              ctx.batch_repeats)
    return ours_times[1:], peer_times[1:]


def validate_vs_processes(ctx):
    return _vs_processes(ctx, "validate")


def dump_vs_processes(ctx):
    return _vs_processes(ctx, "dump")


def validate_vs_loop(ctx):
    return _vs_loop(ctx, "validate")


def dump_vs_loop(ctx):
    return _vs_loop(ctx, "dump")


def _jobs_case(ctx, command, options, case, goal, goal_text, ok, notes):
    """``mrcschema COMMAND OPTIONS --jobs 2`` against ``--jobs 1`` over the files of 1 MiB, whole
    processes, alternating."""
    label = f"mrcschema {' '.join([command, *options])} --jobs %d FILE x {ctx.batch_count}"
    needed = [*options, "--jobs"]
    if not _supports(ctx, command, *needed):
        return skipped(case, label % 2, label % 1, goal, _skip_note(command, needed), goal_text=goal_text)
    files = ctx.batch_files("mib")
    base = ctx.our_cli() + [command, *options]
    o, p = _commands(ctx, base + ["--jobs", "2", *files], base + ["--jobs", "1", *files], ok)
    return Result(case, label % 2, label % 1, goal, goal_text=goal_text, ours_times=o, peer_times=p, notes=notes)


def validate_jobs(ctx):
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return _jobs_case(ctx, "validate", ["--jsonl"], f"validate --jsonl --jobs 2 vs --jobs 1, {ctx.batch_count} files "
                      "of 1 MiB", 0.625, ">= 1.6x (ratio <= 0.625)", (0, 1),
                      [f"{cpus} CPUs usable; each file's statistics are read (1 MiB < 1 GiB)"])


def dump_jobs(ctx):
    """Informative: ``dump`` (text) with --jobs 2 against 1: each file's output is a few KB of text,
    so a chunk's outcomes are more than a pipe holds (the workers send them from a thread)."""
    return _jobs_case(ctx, "dump", [], f"dump --jobs 2 vs --jobs 1, {ctx.batch_count} files of 1 MiB, text output "
                      "(info)", None, "info", (0,), ["whole-process wall times, output to /dev/null"])


#: times ``run_batch`` (validate, JSON lines to /dev/null) with --jobs 2 and 1 alternately in one
#: process, after the imports: prints the per-sample seconds of each as JSON
_IN_PROCESS = r"""
import json, os, sys, time
from mrcschema.cli.batch import expand_inputs, run_batch
from mrcschema.cli.commands import VALIDATE_VERDICTS, Options, validate_imports, validate_one
repeats, files = int(sys.argv[1]), sys.argv[2:]
validate_imports()
items, _ = expand_inputs(files)
times = {1: [], 2: []}
with open(os.devnull, "w") as sink:
    for i in range(repeats + 1):
        for jobs in ((2, 1) if i % 2 else (1, 2)):
            start = time.perf_counter()
            run_batch("validate", validate_one, items, Options(output="jsonl"), jobs=jobs, output="jsonl",
                      verdicts=VALIDATE_VERDICTS, prepare=validate_imports, stdout=sink, stderr=sink)
            if i:  # the first round warms up
                times[jobs].append(time.perf_counter() - start)
print(json.dumps(times))
"""


def validate_jobs_in_process(ctx):
    n = ctx.batch_count
    case = f"validate --jobs 2 vs --jobs 1, {n} files of 1 MiB, the batch alone (info)"
    label = f"run_batch(validate, jobs=%d), {n} files, in one process"
    if not _supports(ctx, "validate", "--jsonl", "--jobs"):
        return skipped(case, label % 2, label % 1, None, _skip_note("validate", ["--jsonl", "--jobs"]))
    files = ctx.batch_files("mib")
    out = subprocess.run([PYTHON, "-c", _IN_PROCESS, str(ctx.batch_repeats), *files], capture_output=True,
                         text=True, env=ctx.env, cwd=ctx.workdir, check=True)
    times = json.loads(out.stdout.strip().splitlines()[-1])
    return Result(case, label % 2, label % 1, None, goal_text="info (start-up and exit left out)",
                  ours_times=times["2"], peer_times=times["1"],
                  notes=["run_batch timed inside one process after the imports, --jobs 2 and 1 alternately: the "
                         "part of the command that --jobs shares out (forking the workers included)"])


CASES = [validate_vs_processes, dump_vs_processes, validate_vs_loop, dump_vs_loop, validate_jobs,
         validate_jobs_in_process, dump_jobs]
