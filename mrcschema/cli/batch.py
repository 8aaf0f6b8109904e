"""Many files in one command: which files the arguments name, running them (in parallel processes
with ``--jobs``), the output in argument order, the summary, and the exit code.

* Arguments: files; directories (their files with MRC names, :data:`MRC_SUFFIXES`, all levels
  down with ``-r``; without it a directory is an error, as ``grep`` and ``cp`` do); glob patterns
  (expanded by the shell, or here when quoted: ``'maps/**/*.mrc'`` with ``-r``).  Any other
  argument is passed on unchanged to the command, which reports it when it cannot be read.
* In a batch, what is not a regular file (a FIFO, a socket, a device) is one error line and exit
  code 2, never read (a FIFO would wait for a writer forever), and a folder that cannot be listed
  is an error line, never skipped; a single argument naming a pipe is read as a stream.
* One outcome per file, printed in argument order as it arrives (stdout is flushed after each).
* The exit code is the worst file's (``dump``: 0 read, 2 unreadable; ``validate``: 0 valid,
  1 invalid, 2 unreadable); 130 when interrupted.
* A summary on stderr when more than one file was named (or a directory or pattern): files by
  verdict, time, files per second.  Ctrl-C stops the work, prints what was done (a ``--json``
  document stays complete JSON) and the summary so far.
* A progress bar on stderr while a batch runs, when stderr is a terminal
  (:mod:`mrcschema.progress`).
* Output into a closed pipe (``| head -1``) is dropped from then on, but every file is still
  checked, so the exit code still says whether all of them were valid.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from ..format.records import evolve, record
from ..progress import Progress, suppressed
from .text import escape

#: the names a directory's MRC files have (compressed ones end in .gz or .bz2 after these)
MRC_SUFFIXES = (".mrc", ".mrcs", ".map", ".st", ".ali", ".rec", ".preali", ".ccp4")
COMPRESSED_SUFFIXES = ("", ".gz", ".bz2")
#: exit code after Ctrl-C (128 + SIGINT)
INTERRUPTED = 130


def _json():
    """The json module, imported only for --json/--jsonl output (a text dump does without it)."""
    import json

    return json


@record
class Outcome:
    """What one file gave: its verdict and exit code, and what to print."""

    name: str
    verdict: str  #: dump: "read" or "unreadable"; validate: "valid", "invalid" or "unreadable"
    code: int  #: the file's exit code
    text: str | None = None  #: for stdout (text output)
    doc: dict | None = None  #: the JSON document (``--json``/``--jsonl``)
    messages: tuple = ()  #: lines for stderr (errors, warnings)
    pid: int = 0  #: the process that did the work


@record
class Item:
    """A file to run, or an argument that names none (``error`` says why)."""

    name: str
    error: str | None = None


def is_mrc_name(name: str) -> bool:
    lower = name.lower()
    return any(lower.endswith(s + c) for s in MRC_SUFFIXES for c in COMPRESSED_SUFFIXES)


def _glob():
    """The glob module, imported only for a name that is no file (a pattern, or a missing file)."""
    import glob

    return glob


def _walk(directory: str) -> Iterator[Item]:
    """The MRC files under ``directory``, in order; a folder that cannot be listed is an item with
    its error (never skipped silently), a FIFO, socket or device with an MRC name one too."""
    unlisted: list[OSError] = []
    for root, dirs, files in os.walk(directory, onerror=unlisted.append):
        while unlisted:
            yield _unlistable(unlisted.pop(0))
        dirs.sort()
        for name in sorted(files):
            if is_mrc_name(name):
                yield _regular_or_error(os.path.join(root, name))
    for error in unlisted:  # the top folder itself
        yield _unlistable(error)


def _unlistable(error: OSError) -> Item:
    return Item(str(error.filename), f"folder cannot be listed: {error.strerror or error}")


def _regular_or_error(name: str) -> Item:
    """``name`` to run, or an error item when it is not a regular file: reading a FIFO would wait for
    a writer forever, a device would never end (checked with ``stat``: nothing is opened)."""
    import stat

    try:
        mode = os.stat(name).st_mode
    except OSError:
        return Item(name)  # the command reports what cannot be read
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return Item(name)
    kind = "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device"
    return Item(name, f"is a {kind}, not a regular file: skipped in a batch")


def expand_inputs(names: Sequence[str], recursive: bool = False) -> tuple[list[Item], bool]:
    """The files the arguments name, in order, and whether the arguments named a batch (more than
    one file, a directory or a pattern)."""
    items: list[Item] = []
    batch = len(names) > 1
    for name in names:
        if name == "-" or "://" in name or "::" in name:  # standard input, a URL: the library reads it
            items.append(Item(name))
        elif os.path.isdir(name):
            batch = batch or recursive
            if recursive:
                found = list(_walk(name))
                items += found or [Item(name, "no MRC files in this directory")]
            else:
                items.append(Item(name, "is a directory (use -r to read the MRC files in it)"))
        elif not os.path.lexists(name) and _glob().has_magic(name):  # a pattern (a URL's ? or * went above)
            batch = True
            matches = sorted(_glob().glob(name, recursive=recursive))
            files = [m for m in matches if not os.path.isdir(m)]
            items += [_regular_or_error(m) for m in files] or [Item(name, "no file matches this pattern")]
        else:  # a file, or a name the command opens or reports it cannot read ("-", a URL: the sources' to say)
            items.append(Item(name))
    if batch:  # one FIFO named alone is read as a stream (``dump <(zcat a.mrc.gz)``); in a batch it is skipped
        items = [_regular_or_error(item.name) if item.error is None and "://" not in item.name
                 and "::" not in item.name and item.name != "-" else item for item in items]
    return items, batch


# -- running --------------------------------------------------------------------------------------
def _worker_init():
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    os.environ["MRCSCHEMA_PROGRESS"] = "0"  # one bar, the parent's


def _run_one(function, name, options, inner_bars=False):
    if inner_bars:  # one file: its own bar for long work
        outcome = function(name, options)
    else:
        with suppressed():  # a batch: one bar for all files
            outcome = function(name, options)
    return evolve(outcome, pid=os.getpid())


def _chunk_size(files: int, processes: int) -> int:
    """Files per chunk: about 8 chunks per process.  Small enough that the output streams and a
    slow file does not hold one process's share up for long; large enough that what a chunk costs
    (sending it to a worker, sending its outcomes back) is paid ~8 x ``processes`` times, not once
    per file (a small file's work is ~0.5 ms, the same order as that cost)."""
    return max(1, files // (processes * 8))


def _run_chunk(function, names, options) -> list[Outcome]:
    """A worker's task: the outcomes of one chunk of names."""
    return [_run_one(function, name, options) for name in names]


def _parallel(function, names, options, processes) -> Iterator[Outcome]:
    """The outcomes of ``names`` in order, from ``processes`` worker processes
    (:class:`concurrent.futures.ProcessPoolExecutor`, forked where the system can fork, so the
    workers inherit the modules ``prepare`` imported) taking the chunks as each is free.  A worker
    that dies (killed, out of memory) breaks the pool: a :class:`ChildProcessError` (an ``OSError``:
    the command's one-line error, exit code 2), never a hang.  When the caller stops early (Ctrl-C,
    an error) the workers are terminated, not waited for."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    size = _chunk_size(len(names), processes)
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(processes, mp_context=context, initializer=_worker_init)
    try:
        futures = [pool.submit(_run_chunk, function, names[start:start + size], options)
                   for start in range(0, len(names), size)]
        workers = [p for p in multiprocessing.active_children() if p not in before]  # to name a dead one
        for future in futures:
            try:
                chunk = future.result()
            except BrokenProcessPool:
                dead = [w for w in workers if w.exitcode not in (None, 0)]
                what = (f"a --jobs worker (pid {dead[0].pid}) stopped with exit code {dead[0].exitcode}" if dead
                        else "a --jobs worker stopped")
                raise ChildProcessError(f"{what} before it had sent what it did") from None
            yield from chunk
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in multiprocessing.active_children():
            if worker not in before:
                worker.terminate()


def _outcomes(function, items, options, jobs, inner_bars=False, prepare=None) -> Iterator[Outcome]:
    runnable = [item.name for item in items if item.error is None]
    if jobs <= 1 or len(runnable) <= 1:
        results: Iterator[Outcome] = (_run_one(function, name, options, inner_bars) for name in runnable)
    else:
        if prepare is not None:  # imported once here, before the workers fork: they inherit the modules
            prepare()
        results = _parallel(function, runnable, options, min(jobs, len(runnable)))
    try:
        for item in items:
            if item.error is not None:
                yield Outcome(item.name, "unreadable", 2, messages=(item.error,))
            else:
                yield next(results)
    finally:
        close = getattr(results, "close", None)
        if close is not None:  # the workers are stopped now, not when the generator is collected
            close()


class BatchResult:
    """What a batch did: the outcomes in order, whether it was interrupted, how long it took
    (a plain mutable class: the batch fills it in as files finish)."""

    __slots__ = ("outcomes", "total", "interrupted", "seconds")

    def __init__(self, outcomes: list | None = None, total: int = 0, interrupted: bool = False,
                 seconds: float = 0.0) -> None:
        self.outcomes = [] if outcomes is None else outcomes
        self.total = total
        self.interrupted = interrupted
        self.seconds = seconds

    @property
    def code(self) -> int:
        if self.interrupted:
            return INTERRUPTED
        return max((o.code for o in self.outcomes), default=0)


class _EmitGuard:
    """Ctrl-C in a batch stops it once the file being checked is done, printed and counted, so the
    summary counts exactly the files whose output was printed.  The first Ctrl-C only sets a flag:
    a ``KeyboardInterrupt`` raised at an arbitrary point inside a file's reading (between a
    descriptor's open and its owner's ``__init__`` finishing, in a ``with`` block's exit) could leave
    a descriptor closed twice, and a later file read the wrong one.  A second Ctrl-C interrupts at
    once.  Only for a batch: one file has no count to keep exact (and the command then does without
    the signal module)."""

    def __init__(self, batch: bool = True):
        self.emitting = False
        self.pending = False
        self.previous = None
        if batch and threading.current_thread() is threading.main_thread():
            import signal

            self.previous = signal.signal(signal.SIGINT, self._handler)

    def _handler(self, signum, frame):
        if self.pending and not self.emitting:  # a second Ctrl-C: now
            raise KeyboardInterrupt
        self.pending = True

    def done_emitting(self):
        self.emitting = False
        if self.pending:
            raise KeyboardInterrupt

    def restore(self):
        if self.previous is not None:
            import signal

            signal.signal(signal.SIGINT, self.previous)
            self.previous = None


class _Output:
    """stdout that is flushed after each file, and dropped once its reader has gone."""

    def __init__(self, stream):
        self.stream = stream
        self.closed = False

    def write(self, text: str) -> None:
        if self.closed:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except BrokenPipeError:
            self.closed = True
            try:  # no second error when Python flushes stdout at exit
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
            except (OSError, ValueError):
                pass


def run_batch(command: str, function: Callable, items: Sequence[Item], options: object, *, jobs: int = 1,
              output: str = "text", batch: bool = True, verdicts: Sequence[str] = (),
              prepare: Callable[[], object] | None = None, stdout=None, stderr=None) -> BatchResult:
    """Run ``function(name, options) -> Outcome`` on every item, printing as the outcomes come.

    ``output``: "text" (each outcome's text), "json" (one JSON document at the end: for ``dump`` of
    one file its document, else a list), "jsonl" (one document per line).  ``dump`` of one file that
    cannot be read prints only its error line on stderr.
    ``verdicts``: the order the summary lists them in.
    ``prepare``: imports what ``function`` needs; with ``jobs`` > 1 it is called before the workers
    are forked, so they share the parent's modules instead of each importing them again."""
    out = _Output(stdout if stdout is not None else sys.stdout)
    err = stderr if stderr is not None else sys.stderr
    result = BatchResult(total=len(items))
    bar = Progress(len(items), f"mrcschema {command}", unit="files", stream=err,
                   enabled=None if batch else False)
    docs = []
    single_dump = command == "dump" and not batch
    separate, printed = command == "dump", 0  # a blank line between two files' dumps
    start = time.monotonic()
    guard = _EmitGuard(batch)
    try:
        for outcome in _outcomes(function, items, options, jobs, inner_bars=not batch, prepare=prepare):
            guard.emitting = True  # Ctrl-C now waits until this file is printed and counted
            result.outcomes.append(outcome)
            bar.clear()
            for message in outcome.messages:
                print(f"mrcschema {command}: {escape(outcome.name)}: {escape(message)}", file=err)
            if outcome.doc is not None and single_dump and not outcome.doc.get("readable", True):
                pass  # one file that cannot be read: its one line on stderr, nothing on stdout
            elif output == "jsonl" and outcome.doc is not None:
                out.write(_json().dumps(outcome.doc, allow_nan=False) + "\n")
            elif output == "json" and outcome.doc is not None:
                docs.append(outcome.doc)
            elif output == "text" and outcome.text:
                out.write(("\n" if separate and printed else "") + outcome.text + "\n")
                printed += 1
            bar.update(1)
            guard.done_emitting()
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        guard.restore()
        bar.close()
        result.seconds = time.monotonic() - start
    if output == "json":
        if not single_dump:
            out.write(_json().dumps(docs, indent=1, allow_nan=False) + "\n")
        elif docs:  # dump of one file: its document
            out.write(_json().dumps(docs[0], indent=1, allow_nan=False) + "\n")
    if batch or result.interrupted:
        print(summary(command, result, verdicts), file=err)
    return result


def summary(command: str, result: BatchResult, verdicts: Sequence[str] = ()) -> str:
    """``mrcschema validate: 5000 files: 4990 valid, 8 invalid, 2 unreadable; 12.3 s, 406 files/s``."""
    counts = Counter(o.verdict for o in result.outcomes)
    order = list(verdicts) + sorted(set(counts) - set(verdicts))
    parts = ", ".join(f"{counts[v]} {v}" for v in order if counts[v] or v in verdicts[:1])
    done = len(result.outcomes)
    rate = done / result.seconds if result.seconds > 0 else 0.0
    head = (f"interrupted after {done} of {result.total} files" if result.interrupted
            else f"{done} file{'s' if done != 1 else ''}")
    return f"mrcschema {command}: {head}: {parts or 'none'}; {result.seconds:.1f} s, {rate:.0f} files/s"
