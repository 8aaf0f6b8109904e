"""Timing primitives for the benchmark run: alternating repeat loop, median, ratio, goal check.

Every comparison times *ours* and the *peer* alternately (ours, peer, peer, ours, ours, peer, ...)
so that slow drifts of a shared, noisy machine (other processes, CPU frequency, page cache)
hit both sides alike.  One *sample* is the mean of ``number`` back-to-back calls (``number > 1``
for calls of well under a millisecond, so the timer's resolution does not matter); the reported
figure is the median of the samples.

Nothing here imports the libraries under test.
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field


def median(values):
    """The median of a non-empty sequence of numbers (mean of the middle two for even length)."""
    values = list(values)
    if not values:
        raise ValueError("median of no values")
    return statistics.median(values)


def ratio(ours, peer):
    """``ours / peer`` (a time ratio: below 1 means we are faster); None when undefined."""
    if ours is None or peer is None or peer == 0:
        return None
    return ours / peer


def goal_met(value, op, goal):
    """Whether ``value op goal`` holds (op is "<=" or ">="); None when value is None."""
    if value is None:
        return None
    if op == "<=":
        return value <= goal
    if op == ">=":
        return value >= goal
    raise ValueError(f"unknown goal operator {op!r}")


def spread(values):
    """(min, max) of the samples, for the JSON record."""
    values = list(values)
    return (min(values), max(values)) if values else (None, None)


@dataclass
class Result:
    """One row of the results table (and one entry of the JSON file).

    ``ours_times`` / ``peer_times`` are per-call seconds, one per sample, in the order taken.
    ``ratio`` is always ``ours median / peer median`` (a time ratio); ``goal`` bounds it with
    ``op``.  ``status`` is "ok", "skipped: ..." or "error: ...".
    """

    case: str
    ours: str  #: what "ours" ran
    peer: str  #: what the peer ran
    goal: float | None = None
    op: str = "<="
    goal_text: str = ""  #: the goal as the issue words it, when different from "ratio <= goal"
    ours_times: list = field(default_factory=list)
    peer_times: list = field(default_factory=list)
    number: int = 1  #: calls per sample
    status: str = "ok"
    notes: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)  #: peak memory, sizes, checks...
    check: bool | None = None  #: a pass/fail row without timings (e.g. "dask not imported")

    @property
    def ours_median(self):
        return median(self.ours_times) if self.ours_times else None

    @property
    def peer_median(self):
        return median(self.peer_times) if self.peer_times else None

    @property
    def ratio(self):
        return ratio(self.ours_median, self.peer_median)

    @property
    def met(self):
        if self.check is not None:
            return self.check
        if self.status != "ok" or self.goal is None:
            return None
        return goal_met(self.ratio, self.op, self.goal)

    def to_json(self):
        out = asdict(self)
        out.update(ours_median=self.ours_median, peer_median=self.peer_median, ratio=self.ratio, met=self.met,
                   ours_range=spread(self.ours_times), peer_range=spread(self.peer_times))
        return out


def skipped(case, ours, peer, goal, reason, **kwargs):
    """A Result that was not measured (the feature does not exist yet, a peer is missing...)."""
    return Result(case, ours, peer, goal, status=f"skipped: {reason}", **kwargs)


def _time_once(fn, number):
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number
    finally:
        if enabled:
            gc.enable()


def alternate(ours, peer, repeats, *, number=1, warmup=1, before=None):
    """Time ``ours()`` and ``peer()`` alternately ``repeats`` times each.

    The order flips every round (AB BA AB ...).  ``warmup`` untimed rounds run first
    (imports, page cache, numpy's first-call setup).  ``before``: an untimed callable run
    before every sample of either side (e.g. remove an output file and flush dirty pages, so
    neither side pays for the other's write-back).  Returns (ours_times, peer_times),
    per-call seconds.
    """
    def sample(fn):
        if before is not None:
            before()
        return _time_once(fn, number)

    for _ in range(warmup):
        if before is not None:
            before()
        ours()
        if before is not None:
            before()
        peer()
    ours_times, peer_times = [], []
    for i in range(repeats):
        if i % 2 == 0:
            ours_times.append(sample(ours))
            peer_times.append(sample(peer))
        else:
            peer_times.append(sample(peer))
            ours_times.append(sample(ours))
    return ours_times, peer_times


def alternate_many(ours, peers, repeats, *, number=1, warmup=1):
    """:func:`alternate` for one ``ours`` against several ``peers`` (a dict name -> callable) in
    the same rounds: each round runs ours and every peer once, the order reversed every other
    round, so all sides see the same drifts.  Returns (ours_times, {name: peer_times})."""
    sides = [("__ours__", ours), *peers.items()]
    for _ in range(warmup):
        for _name, fn in sides:
            fn()
    times = {name: [] for name, _ in sides}
    for i in range(repeats):
        for name, fn in (sides if i % 2 == 0 else sides[::-1]):
            times[name].append(_time_once(fn, number))
    ours_times = times.pop("__ours__")
    return ours_times, times


def run_command(argv, *, cwd=None, env=None, ok_codes=(0,)):
    """Run ``argv`` once, output discarded; return wall seconds.  Raises if it exits with a code
    not in ``ok_codes``."""
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok_codes:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {proc.returncode}: "
                           f"{proc.stderr.decode(errors='replace').strip()[-500:]}")
    return elapsed


def alternate_commands(ours_argv, peer_argv, repeats, *, warmup=1, cwd=None, env=None, ok_codes=(0,)):
    """:func:`alternate` for two command lines, each run in a fresh process: the samples are
    whole-process wall times."""
    ours_times, peer_times = [], []

    def ours():
        ours_times.append(run_command(ours_argv, cwd=cwd, env=env, ok_codes=ok_codes))

    def peer():
        peer_times.append(run_command(peer_argv, cwd=cwd, env=env, ok_codes=ok_codes))

    alternate(ours, peer, repeats, warmup=warmup)
    return ours_times[warmup:], peer_times[warmup:]


def python_env(repo_root, pycache_dir):
    """Environment for child interpreters.

    Bytecode is cached, as it is for anyone who has imported a package once, but under
    ``pycache_dir`` (``PYTHONPYCACHEPREFIX``) so the source tree stays clean; both sides are
    compiled into it by the warm-up run.  ``PYTHONDONTWRITEBYTECODE`` is dropped: with it an
    uninstalled or editable checkout recompiles every module at every start while packages
    installed by pip use the bytecode pip wrote.  ``repo_root`` goes first on PYTHONPATH unless
    a child already imports ``mrcschema`` from it (an editable install of another checkout, or
    of another git worktree, would otherwise be what the children time); :func:`child_package`
    says which one they import.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache_dir)
    expected = os.path.join(os.path.realpath(str(repo_root)), "mrcschema")
    if child_package(env) != expected:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(repo_root), env.get("PYTHONPATH", "")) if p)
    return env


def child_package(env):
    """The directory of the ``mrcschema`` package a child interpreter with ``env`` imports (None
    if it imports none), run from the file system root."""
    probe = subprocess.run([sys.executable, "-c", "import os, mrcschema; print(os.path.realpath(os.path.dirname("
                            "mrcschema.__file__)))"], cwd=os.path.abspath(os.sep), capture_output=True, text=True,
                           env=env)
    return probe.stdout.strip() if probe.returncode == 0 else None


def fmt_seconds(seconds):
    """Human-readable seconds: µs / ms / s with 3 significant digits."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


PYTHON = sys.executable
