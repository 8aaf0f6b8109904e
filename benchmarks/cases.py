"""The benchmark cases (issue #8): one function per case, each returning a :class:`timing.Result`.

Every case compares *ours* (mrcschema) with a *peer* (mrcfile, RosettaSciIO, numpy, or ours on
another file) under a goal on the time ratio ours / peer.  Cases that need a mrcschema feature
that does not exist yet (``file_reader``, ``validate``, ``write``) are guarded (:func:`feature`) and
come back as "skipped: not available" -- they are never faked.

Data files are made once per run in a temporary directory by :class:`Context`: a 1 MB volume,
a 100 GB *sparse* volume (holes cost no disk and read as zeros), a file with 20 000 FEI2
records, and a 1 GiB volume (64 MiB with ``--quick``) written in full, so its pages are in the
page cache for every timed read (drop_caches is not available on the benchmark machine: all
figures are warm-cache figures, for both sides alike).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import sys
import sysconfig
import tracemalloc
import warnings

import numpy as np
from timing import PYTHON, Result, alternate, alternate_commands, skipped

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------------------------
# data files


def header_bytes(nx, ny, nz, *, mode=2, nsymbt=0, exttyp=b"\0\0\0\0", stats=(0.0, 0.0, 0.0, 0.0),
                 label=b"mrcschema benchmark", volume=True):
    """A conforming little-endian MRC2014 header (1024 bytes) built with the header's numpy dtype.

    ``volume``: ISPG 1 and MZ = NZ (a single volume); else ISPG 0 and MZ = 1 (an image stack).

    ``stats`` = (dmin, dmax, dmean, rms), exact for the data written, so that validators run
    every check (mrcfile skips the statistics when they are marked undetermined).
    """
    from mrcschema.format.mrc2014 import MRC2014_HEADER

    h = np.zeros(1, MRC2014_HEADER.dtype("<"))
    h["nx"], h["ny"], h["nz"], h["mode"] = nx, ny, nz, mode
    h["mx"], h["my"], h["mz"] = nx, ny, (nz if volume else 1)
    h["ispg"] = 1 if volume else 0
    h["cella"]["x"], h["cella"]["y"], h["cella"]["z"] = nx, ny, (nz if volume else 1)
    h["cellb"]["alpha"] = h["cellb"]["beta"] = h["cellb"]["gamma"] = 90.0
    h["mapc"], h["mapr"], h["maps"] = 1, 2, 3
    h["dmin"], h["dmax"], h["dmean"], h["rms"] = stats
    h["nsymbt"] = nsymbt
    h["exttyp"] = np.void(exttyp)
    h["nversion"] = 20140
    h["map"] = np.void(b"MAP ")
    h["machst"] = np.void(b"DA\0\0")
    h["nlabl"] = 1
    labels = np.zeros(10, "V80")
    labels[0] = np.void(label.ljust(80, b" "))
    h["label"] = labels
    raw = h.tobytes()
    assert len(raw) == 1024
    return raw


def pattern_section(ny, nx):
    """One float32 section with a non-trivial pattern (values -125..125)."""
    return (np.arange(ny * nx, dtype=np.int64) % 251 - 125).astype(np.float32).reshape(ny, nx)


def section_stats(section):
    """(dmin, dmax, dmean, rms) of a volume made of copies of ``section`` (copies change none)."""
    s = section.astype(np.float64)
    return float(s.min()), float(s.max()), float(s.mean()), float(s.std())


def make_volume(path, nz, ny, nx):
    """A float32 volume of ``nz`` copies of :func:`pattern_section`, written in full."""
    section = pattern_section(ny, nx)
    with open(path, "wb") as f:
        f.write(header_bytes(nx, ny, nz, stats=section_stats(section)))
        for _ in range(nz):
            f.write(section.tobytes())
    return path


def make_sparse_volume(path, nbytes_goal, ny=4096, nx=4096):
    """A float32 volume of about ``nbytes_goal`` bytes whose data block is one hole (zeros)."""
    nz = -(-nbytes_goal // (ny * nx * 4))
    with open(path, "wb") as f:
        f.write(header_bytes(nx, ny, nz))
        f.truncate(1024 + nz * ny * nx * 4)
    return path


def make_fei2(path, nz=20000):
    """NZ 1x1 float32 sections with an FEI2 extended header of NZ records (888 bytes, version 2)."""
    from mrcschema.format.fei import FEI2

    records = np.zeros(nz, FEI2.dtype("<"))
    records["metadata_size"] = FEI2.size
    records["metadata_version"] = 2
    records["ht"] = 300000.0 + np.arange(nz)
    ext = records.tobytes()
    data = np.arange(nz, dtype=np.float32)
    stats = (float(data.min()), float(data.max()), float(data.astype(np.float64).mean()), float(data.std()))
    with open(path, "wb") as f:
        f.write(header_bytes(1, 1, nz, nsymbt=len(ext), exttyp=b"FEI2", stats=stats, volume=False))
        f.write(ext)
        f.write(data.tobytes())
    return path


class Context:
    """Settings of a run and its data files, each made on first use in ``workdir``.

    ``smoke``: one sample per side and tiny files -- the test suite runs every case this way to
    see that it runs (no timing is looked at)."""

    def __init__(self, workdir, *, quick=False, smoke=False, repeats=None, heavy_repeats=None, cmd_repeats=None):
        self.workdir = workdir
        self.quick = quick or smoke
        self.smoke = smoke
        light, heavy, cmd = (1, 1, 1) if smoke else (5, 3, 7) if quick else (11, 7, 21)
        self.repeats = repeats or light  # in-process, light cases
        self.heavy_repeats = heavy_repeats or heavy  # cases that touch 1 GiB (or 256 MiB)
        self.cmd_repeats = cmd_repeats or cmd  # fresh-process cases
        self.batch_repeats = 1 if smoke else 3 if quick else 5  # one sample = a whole batch of files
        self.big_sections = 1 if smoke else 16 if quick else 256  # of 1024 x 1024 float32: 64 MiB or 1 GiB
        self.read_sections = 1 if smoke else 16 if quick else 64  # full reads: 64 MiB or 256 MiB
        self.batch_count = 10 if smoke else 200 if quick else 1000  # files per batch
        self.profile_targets = {}  #: case -> ("call", fn) | ("argv", argv) | ("importtime", module)
        self._files = {}
        self._batches = {}
        self._env = None
        self._cli = None

    def number(self, full):
        """Back-to-back calls per sample for a light call (``full`` in a full run)."""
        return 1 if self.smoke else max(1, full // 2) if self.quick else full

    @property
    def read_label(self):
        return f"{self.read_sections * 4} MiB"

    def read_shape(self):
        return (self.read_sections, 1024, 1024)

    def batch_files(self, kind):
        """``batch_count`` files: "small" (16 x 16 x 16 float32, 16 KiB) or "mib" (64^3, 1 MiB)."""
        if kind not in self._batches:
            folder = os.path.join(self.workdir, f"batch_{kind}")
            os.makedirs(folder, exist_ok=True)
            first = make_volume(os.path.join(folder, "f0000.mrc"), *((16, 16, 16) if kind == "small" else (64, 64, 64)))
            with open(first, "rb") as f:
                content = f.read()
            paths = [first]
            for i in range(1, self.batch_count):
                paths.append(os.path.join(folder, f"f{i:04d}.mrc"))
                with open(paths[-1], "wb") as f:
                    f.write(content)
            self._batches[kind] = paths
        return self._batches[kind]

    def our_cli(self):
        """argv of our console script, as pip writes it for ``[project.scripts]`` (run by this
        interpreter, as ``mrcfile-header`` is): ``mrcschema ...``."""
        if self._cli is None:
            module, function = _entry_point("mrcschema")
            os.makedirs(os.path.join(self.workdir, "bin"), exist_ok=True)
            script = os.path.join(self.workdir, "bin", "mrcschema")
            with open(script, "w") as f:
                f.write(_CONSOLE_SCRIPT.format(python=PYTHON, module=module, function=function))
            self._cli = [PYTHON, script]
        return list(self._cli)

    def mrcfile_header(self):
        return _console_script("mrcfile-header") or [
            PYTHON, "-c", "import sys; from mrcfile.command_line import print_headers; print_headers()"]

    @property
    def big_label(self):
        return f"{self.big_sections * 4} MiB" if self.big_sections * 4 < 1024 else f"{self.big_sections * 4 // 1024} GiB"

    @property
    def env(self):
        if self._env is None:
            from timing import python_env

            self._env = python_env(REPO_ROOT, os.path.join(self.workdir, "pycache"))
        return self._env

    def file(self, name):
        if name not in self._files:
            path = os.path.join(self.workdir, f"{name}.mrc")
            if name == "small":
                make_volume(path, 64, 64, 64)  # 1 MiB of float32
            elif name == "huge":
                make_sparse_volume(path, 100 * 10**9)  # 100 GB, sparse
            elif name == "fei2":
                make_fei2(path)
            elif name == "big":
                make_volume(path, self.big_sections, 1024, 1024)
            elif name in ("read", "read_be", "axes"):
                from bench_peers import make_read_file

                make_read_file(path, self.read_sections, byteorder=">" if name == "read_be" else "<",
                               axes=(3, 1, 2) if name == "axes" else (1, 2, 3))
            else:
                raise KeyError(name)
            self._files[name] = path
        return self._files[name]

    def big_shape(self):
        return (self.big_sections, 1024, 1024)


def feature(name):
    """(callable, note) for ``mrcschema.<name>`` if the feature exists, else (None, reason).

    The exported function is used when there is one.  A submodule of the same name that holds
    a function of that name (``mrcschema/write.py`` with ``write()``, not yet exported from the
    package) is used too, and the row says so.
    """
    import importlib.util

    import mrcschema

    attr = getattr(mrcschema, name, None)
    if callable(attr):
        return attr, None
    if attr is None and importlib.util.find_spec(f"mrcschema.{name}") is None:
        return None, "not available"
    try:
        module = importlib.import_module(f"mrcschema.{name}")
    except Exception as exc:  # noqa: BLE001 - a module being written concurrently may not import
        return None, f"not available (mrcschema.{name} does not import: {type(exc).__name__})"
    fn = getattr(module, name, None)
    if callable(fn):
        return fn, f"mrcschema.{name}.{name} used: not exported from the package at run time"
    return None, "not available"


def _first_signal(result):
    """RosettaSciIO readers return a list of signal dicts; accept a bare dict too."""
    return result[0] if isinstance(result, (list, tuple)) else result


def _quiet(fn):
    """``fn`` with stdout discarded and warnings silenced (validators print their findings)."""

    def run():
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()

    return run


def peak_traced(fn):
    """Peak bytes allocated through Python's allocators and numpy (``tracemalloc``) by one call.

    Memory-mapped pages are not allocations and do not count; run outside the timed loop.
    """
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


_PEAK_CHILD = r"""
import io, sys, warnings
warnings.simplefilter("ignore")
library, path = sys.argv[1], sys.argv[2]
if library == "mrcschema":
    import mrcschema
    check = lambda: mrcschema.validate(path, full_data=True)
else:
    import mrcfile
    check = lambda: mrcfile.validate(path, print_file=io.StringIO())
def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
base = status("VmRSS")
check()
print(status("VmHWM") - base)
"""


def peak_rss(ctx, library, path):
    """Peak resident memory added by one ``validate`` call in a fresh process (Linux ``VmHWM``,
    which belongs to the new address space; ``ru_maxrss`` would carry over this process's peak)."""
    import subprocess

    out = subprocess.run([PYTHON, "-c", _PEAK_CHILD, library, path], capture_output=True, text=True,
                         env=ctx.env, cwd=ctx.workdir, check=True).stdout
    return int(out.strip().splitlines()[-1])


def _bench_module(name):
    """``benchmarks/<name>.py`` of the other helpers (issues 5 and 6), if it exists."""
    if not os.path.exists(os.path.join(BENCH_DIR, f"{name}.py")):
        return None
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001 - a half-written sibling must not stop this run
        return None


# --------------------------------------------------------------------------------------------
# cases


def open_first_pixel_small(ctx):
    """Open a 1 MB file and read its first pixel, closing it again."""
    import mrcfile

    import mrcschema

    path = ctx.file("small")

    def ours():
        with mrcschema.open(path) as f:
            return f.data[0, 0, 0]

    def peer():
        with mrcfile.mmap(path, permissive=True) as m:
            return m.data[0, 0, 0]

    assert ours() == peer()
    number = 20 if ctx.quick else 50
    o, p = alternate(ours, peer, ctx.repeats, number=number)
    ctx.profile_targets["open + first pixel, 1 MB"] = ("call", ours)
    return Result("open + first pixel, 1 MB", "mrcschema.open + data[0,0,0]",
                  "mrcfile.mmap(permissive=True) + data[0,0,0]", 1.0, ours_times=o, peer_times=p, number=number)


def open_flat_100gb(ctx):
    """Opening (and mapping) a 100 GB sparse file costs what a 1 MB file costs (ours only)."""
    import mrcschema

    huge, small = ctx.file("huge"), ctx.file("small")

    def on(path):
        def run():
            with mrcschema.open(path) as f:
                return f.data[0, 0, 0]

        return run

    number = 20 if ctx.quick else 50
    o, p = alternate(on(huge), on(small), ctx.repeats, number=number)
    size = os.path.getsize(huge)
    ctx.profile_targets["open 100 GB vs 1 MB (ours)"] = ("call", on(huge))
    return Result("open 100 GB vs 1 MB (ours)", "mrcschema.open + data[0,0,0], 100 GB sparse",
                  "the same on a 1 MB file", 1.2, goal_text="<= 1.2 (flat)", ours_times=o, peer_times=p,
                  number=number, extra={"huge_file_bytes": size,
                                        "huge_file_allocated_bytes": os.stat(huge).st_blocks * 512})


def fei2_records(ctx):
    """Open a file with 20 000 FEI2 records and read one field of all of them."""
    import mrcfile

    import mrcschema

    path = ctx.file("fei2")

    def ours():
        with mrcschema.open(path) as f:
            return np.array(f.extended_header["ht"])

    def peer():
        with mrcfile.mmap(path) as m:
            return np.array(m.indexed_extended_header["HT"])

    a, b = ours(), peer()
    assert a.shape == (20000,) and np.array_equal(a, b), "ours and mrcfile disagree on HT"
    number = 3 if ctx.quick else 5
    o, p = alternate(ours, peer, ctx.repeats, number=number)
    ctx.profile_targets["20 000 FEI2 records, one field"] = ("call", ours)
    return Result("20 000 FEI2 records, one field", 'mrcschema.open + extended_header["ht"]',
                  'mrcfile.mmap + indexed_extended_header["HT"]', 1.0, ours_times=o, peer_times=p, number=number)


def file_reader_eager(ctx):
    """Non-lazy HyperSpy reader: we map, RosettaSciIO reads."""
    case = f"file_reader, {ctx.big_label}"
    if not callable(getattr(__import__("mrcschema"), "file_reader", None)):
        return skipped(case, "mrcschema.file_reader(p)", "rsciio.mrc.file_reader(p)", 0.01, "not available")
    from rsciio.mrc import file_reader as rs_reader

    import mrcschema

    path = ctx.file("big")
    ours_out, peer_out = _first_signal(mrcschema.file_reader(path)), _first_signal(rs_reader(path))
    assert ours_out["data"].shape == peer_out["data"].shape, (ours_out["data"].shape, peer_out["data"].shape)
    del ours_out, peer_out
    o, p = alternate(lambda: mrcschema.file_reader(path), lambda: rs_reader(path), ctx.heavy_repeats)
    ctx.profile_targets[case] = ("call", lambda: mrcschema.file_reader(path), 1)
    return Result(case, "mrcschema.file_reader(p)", "rsciio.mrc.file_reader(p)", 0.01,
                  goal_text="<= 0.01 (we map, they read)", ours_times=o, peer_times=p)


def _lazy_sum_ours(path):
    import mrcschema

    return lambda: _first_signal(mrcschema.file_reader(path, lazy=True))["data"].sum().compute()


def file_reader_lazy_vs_memmap(ctx):
    """Lazy reader + dask sum against a plain numpy.memmap sum: throughput >= 0.8x."""
    case = f"lazy file_reader sum vs numpy.memmap, {ctx.big_label}"
    if not callable(getattr(__import__("mrcschema"), "file_reader", None)):
        return skipped(case, "file_reader(lazy=True)['data'].sum().compute()", "numpy.memmap(...).sum()", 1.25,
                       "not available", goal_text="throughput >= 0.8x (ratio <= 1.25)")
    path = ctx.file("big")
    shape = ctx.big_shape()
    ours = _lazy_sum_ours(path)

    def peer():
        return np.memmap(path, dtype="<f4", mode="r", offset=1024, shape=shape).sum()

    assert np.isclose(float(ours()), float(peer()), rtol=1e-3)
    o, p = alternate(ours, peer, ctx.heavy_repeats)
    ctx.profile_targets[case] = ("call", ours, 2)
    return Result(case, "file_reader(lazy=True)['data'].sum().compute()", "numpy.memmap(...).sum()", 1.25,
                  goal_text="throughput >= 0.8x (ratio <= 1.25)", ours_times=o, peer_times=p)


def file_reader_lazy_vs_rsciio(ctx):
    """Lazy reader + dask sum against RosettaSciIO's lazy reader: throughput >= 1.0x."""
    case = f"lazy file_reader sum vs rsciio lazy, {ctx.big_label}"
    if not callable(getattr(__import__("mrcschema"), "file_reader", None)):
        return skipped(case, "file_reader(lazy=True)['data'].sum().compute()",
                       "rsciio file_reader(lazy=True)[0]['data'].sum().compute()", 1.0, "not available",
                       goal_text="throughput >= 1.0x (ratio <= 1.0)")
    from rsciio.mrc import file_reader as rs_reader

    path = ctx.file("big")
    ours = _lazy_sum_ours(path)

    def peer():
        return _first_signal(rs_reader(path, lazy=True))["data"].sum().compute()

    assert np.isclose(float(ours()), float(peer()), rtol=1e-3)
    o, p = alternate(ours, peer, ctx.heavy_repeats)
    ctx.profile_targets[case] = ("call", ours, 2)
    return Result(case, "file_reader(lazy=True)['data'].sum().compute()",
                  "rsciio file_reader(lazy=True)[0]['data'].sum().compute()", 1.0,
                  goal_text="throughput >= 1.0x (ratio <= 1.0)", ours_times=o, peer_times=p)


def _validate_case(ctx, which):
    label = "1 MB" if which == "small" else ctx.big_label
    case = f"validate, {label}"
    validate, why = feature("validate")
    if validate is None:
        return skipped(case, "mrcschema.validate(p)", "mrcfile.validate(p)", 1.0, why)
    import mrcfile

    path = ctx.file(which)
    helper = _bench_module("bench_validate")
    ours = _quiet(lambda: validate(path, full_data=True))
    peer = _quiet(lambda: mrcfile.validate(path, print_file=io.StringIO()))
    repeats = ctx.repeats if which == "small" else ctx.heavy_repeats
    number = 5 if which == "small" else 1
    o, p = alternate(ours, peer, repeats, number=number)
    extra = {"ours_peak_traced_bytes": peak_traced(ours), "peer_peak_traced_bytes": peak_traced(peer),
             "ours_result": repr(ours())[:200], "peer_result": repr(peer())}
    notes = ["peak = tracemalloc peak of one untimed call (heap + numpy buffers; mapped pages excluded)"]
    if why:
        notes.append(why)
    notes.append("ours run with full_data=True: data statistics always compared, as mrcfile.validate does")
    for side in ("ours", "peer"):
        try:
            extra[f"{side}_peak_rss_bytes"] = peak_rss(ctx, "mrcschema" if side == "ours" else "mrcfile", path)
        except Exception as exc:  # noqa: BLE001
            notes.append(f"peak RSS of {side} not measured: {type(exc).__name__}: {exc}"[:200])
    notes.append("peak RSS = VmHWM - VmRSS after the imports, one call in a fresh process (pages of the file "
                 "that are read or mapped count)")
    if helper is not None:
        notes.append("benchmarks/bench_validate.py present: its case (full_data=True, peak memory) is the one run "
                     "here; its measure() reads ru_maxrss, which a child inherits from a large parent, so "
                     "VmHWM is used instead")
    ctx.profile_targets[case] = ("call", ours, 5 if which == "small" else 1)
    return Result(case, "mrcschema.validate(p)", "mrcfile.validate(p)", 1.0, ours_times=o, peer_times=p,
                  number=number, extra=extra, notes=notes)


def validate_small(ctx):
    return _validate_case(ctx, "small")


def validate_big(ctx):
    return _validate_case(ctx, "big")


def _console_script(name):
    """argv running the console script ``name`` of this interpreter directly (not through a
    pyenv/conda shim, which would add its own start-up cost)."""
    script = os.path.join(sysconfig.get_path("scripts"), name)
    if os.path.exists(script):
        with open(script, "rb") as f:
            if b"python" in f.readline():
                return [PYTHON, script]
    return None


#: what pip writes for a ``[project.scripts]`` entry point (pip's own template)
_CONSOLE_SCRIPT = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {function}
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit({function}())
"""


def _entry_point(name):
    """(module, function) of the console script ``name`` in this tree's pyproject.toml (an
    installed script may be stale: an editable install of another checkout)."""
    import re

    with open(os.path.join(REPO_ROOT, "pyproject.toml")) as f:
        text = f.read()
    scripts = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    match = re.search(rf'^{re.escape(name)}\s*=\s*"([\w.]+):(\w+)"', scripts, re.M)
    if match is None:
        raise RuntimeError(f"no console script {name!r} in pyproject.toml")
    return match.group(1), match.group(2)


def cli_dump(ctx):
    """``mrcschema dump FILE`` (the console script) against ``mrcfile-header FILE`` (fresh processes)."""
    path = ctx.file("small")
    peer_argv = ctx.mrcfile_header()
    o, p = alternate_commands(ctx.our_cli() + ["dump", path], peer_argv + [path], ctx.cmd_repeats, cwd=ctx.workdir,
                              env=ctx.env)
    ctx.profile_targets["CLI dump, 1 MB"] = ("argv", [PYTHON, "-m", "cProfile", "-s", "cumtime", *ctx.our_cli()[1:],
                                                      "dump", path])
    return Result("CLI dump, 1 MB", "mrcschema dump FILE (console script)", "mrcfile-header FILE", 0.6,
                  ours_times=o, peer_times=p,
                  notes=["whole-process wall time, output to /dev/null; both console scripts run by this interpreter"])


def cli_dump_module(ctx):
    """Informative: ``python -m mrcschema dump FILE`` (runpy finds and runs the package's __main__)."""
    path = ctx.file("small")
    o, p = alternate_commands([PYTHON, "-m", "mrcschema", "dump", path], ctx.mrcfile_header() + [path],
                              ctx.cmd_repeats, cwd=ctx.workdir, env=ctx.env)
    return Result("CLI dump as python -m mrcschema, 1 MB (info)", "python -m mrcschema dump FILE",
                  "mrcfile-header FILE", None, goal_text="info (runpy start-up)", ours_times=o, peer_times=p)


def cli_dump_fei2(ctx):
    """The same on the FEI2 file (informative: our dump also reads and prints the extended header,
    mrcfile-header reads the main header only)."""
    path = ctx.file("fei2")
    o, p = alternate_commands(ctx.our_cli() + ["dump", path], ctx.mrcfile_header() + [path], ctx.cmd_repeats,
                              cwd=ctx.workdir, env=ctx.env)
    return Result("CLI dump, 20 000 FEI2 records (info)", "mrcschema dump FILE", "mrcfile-header FILE",
                  None, goal_text="info (our dump also reads the extended header)", ours_times=o, peer_times=p)


def import_open_fresh_process(ctx):
    """The headline import figure: what a script pays in a fresh process to import the library,
    open a small file and read a pixel.  (``import mrcschema`` alone defers numpy, ``import
    mrcfile`` does not: that row is not like for like.)"""
    path = ctx.file("small")
    ours_code = f"import mrcschema; f = mrcschema.open({path!r}); f.data.flat[0]"
    peer_code = f"import mrcfile; f = mrcfile.mmap({path!r}, permissive=True); f.data.flat[0]"
    o, p = alternate_commands([PYTHON, "-c", ours_code], [PYTHON, "-c", peer_code], ctx.cmd_repeats,
                              cwd=ctx.workdir, env=ctx.env)
    ctx.profile_targets["import + open + first pixel, fresh process"] = (
        "argv", [PYTHON, "-m", "cProfile", "-s", "cumtime", "-c", ours_code])
    return Result("import + open + first pixel, fresh process", "import mrcschema; open(p); data.flat[0]",
                  "import mrcfile; mmap(p, permissive=True); data.flat[0]", 1.0, ours_times=o, peer_times=p,
                  notes=["whole-process wall time: the headline import figure"])


def import_time(ctx):
    """Informative: ``python -c "import mrcschema"`` against ``python -c "import mrcfile"``: not
    like for like, as ``import mrcschema`` loads its names (and numpy) on first use."""
    o, p = alternate_commands([PYTHON, "-c", "import mrcschema"], [PYTHON, "-c", "import mrcfile"],
                              ctx.cmd_repeats, cwd=ctx.workdir, env=ctx.env)
    bare = alternate_commands([PYTHON, "-c", "pass"], [PYTHON, "-c", "pass"], ctx.cmd_repeats // 2 or 1,
                              cwd=ctx.workdir, env=ctx.env)
    ctx.profile_targets["import (info: not like for like)"] = ("importtime", "mrcschema")
    from timing import median

    return Result("import (info: not like for like)", 'python -c "import mrcschema"', 'python -c "import mrcfile"',
                  None, goal_text="info (import mrcschema defers numpy)", ours_times=o, peer_times=p,
                  extra={"bare_interpreter_median": median(bare[0] + bare[1])},
                  notes=["includes interpreter start-up (see bare_interpreter_median); the headline import "
                         "figure is 'import + open + first pixel, fresh process'"])


def import_time_no_bytecode(ctx):
    """Informative: the same with no bytecode cache for the working tree (how an editable
    checkout behaves under ``PYTHONDONTWRITEBYTECODE=1``: every module compiled at every start;
    mrcfile still loads the bytecode pip wrote when it was installed)."""
    env = dict(ctx.env)
    env.pop("PYTHONPYCACHEPREFIX", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    path = ctx.file("small")
    ours_code = f"import mrcschema; f = mrcschema.open({path!r}); f.data.flat[0]"
    peer_code = f"import mrcfile; f = mrcfile.mmap({path!r}, permissive=True); f.data.flat[0]"
    o, p = alternate_commands([PYTHON, "-c", ours_code], [PYTHON, "-c", peer_code],
                              max(ctx.cmd_repeats // 3, 1 if ctx.smoke else 3), cwd=ctx.workdir, env=env)
    return Result("import + open + first pixel, no bytecode cache (info)", "import mrcschema; open; first pixel",
                  "import mrcfile; mmap; first pixel", None, goal_text="info (PYTHONDONTWRITEBYTECODE=1)",
                  ours_times=o, peer_times=p)


HEAVY_MODULES = ("dask", "distributed", "matplotlib", "hyperspy", "rsciio", "scipy", "pandas")


def no_dask_on_import(ctx):
    """``import mrcschema`` must not import dask (nor other heavy optional packages)."""
    import json
    import subprocess

    code = ("import sys, json, mrcschema; "
            f"print(json.dumps(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)))")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=ctx.workdir, env=ctx.env,
                         check=True).stdout
    loaded = json.loads(out)
    r = Result("import mrcschema leaves dask unloaded", "'dask' not in sys.modules", "-", None,
               goal_text="check", extra={"heavy_modules_loaded": loaded})
    r.check = "dask" not in loaded
    r.notes.append(f"heavy optional modules in sys.modules after import mrcschema: {loaded or 'none'}")
    return r


def _write_case(ctx, *, overwrite_existing):
    label = "overwrite existing file (info)" if overwrite_existing else "new file"
    case = f"write {ctx.big_label}, {label}"
    write, why = feature("write")
    if write is None:
        return skipped(case, "mrcschema.write(p, data)", "mrcfile.new(p) + set_data(data)",
                       None if overwrite_existing else 1.0, why)
    import mrcfile

    data = np.tile(pattern_section(1024, 1024), (ctx.big_sections, 1, 1))
    ours_path, peer_path = os.path.join(ctx.workdir, "out_ours.mrc"), os.path.join(ctx.workdir, "out_peer.mrc")
    helper = _bench_module("bench_write")

    def ours():
        write(ours_path, data, overwrite=True)

    def peer():
        with mrcfile.new(peer_path, overwrite=True) as m:
            m.set_data(data)

    def before():
        """Untimed: start each sample from a clean page cache state (no dirty pages of the
        other side's file to write back) and, for the new-file row, with no file there."""
        if not overwrite_existing:
            for path in (ours_path, peer_path):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
        os.sync()

    ours_fn = _quiet(ours)
    ours_fn()  # one untimed write each, to compare the files
    _quiet(peer)()
    with_back = _read_back_equal(ours_path, peer_path)
    repeats = max(3, ctx.heavy_repeats // 2) if overwrite_existing else ctx.heavy_repeats
    o, p = alternate(ours_fn, _quiet(peer), repeats, before=before)
    notes = ["written into the page cache (os.sync() untimed before every sample); disk write-back is "
             "not included except where a side syncs itself"]
    if overwrite_existing:
        notes.append("ours writes a temporary file and fsyncs it before replacing an existing file "
                     "(atomic replace); mrcfile.new(overwrite=True) truncates the old file, no fsync")
    if why:
        notes.append(why)
    if helper is not None:
        notes.append("the same case as benchmarks/bench_write.py bench_write(), run here with per-run times, "
                     "overwrite=True and an untimed os.sync() between runs")
    for p_ in (ours_path, peer_path):
        with contextlib.suppress(OSError):
            os.remove(p_)

    def profiled():
        if not overwrite_existing:
            with contextlib.suppress(FileNotFoundError):
                os.remove(ours_path)
        ours_fn()

    ctx.profile_targets[case] = ("call", profiled, 1)
    return Result(case, "mrcschema.write(p, data, overwrite=True)", "mrcfile.new(p, overwrite=True) + set_data(data)",
                  None if overwrite_existing else 1.0,
                  goal_text="info (fsync on replace)" if overwrite_existing else "",
                  ours_times=o, peer_times=p, notes=notes, extra={"same_data_and_stats_as_mrcfile": with_back})


def _read_back_equal(ours_path, peer_path):
    """Both files hold the same data and header statistics (checked once, untimed)."""
    import mrcfile

    try:
        with mrcfile.mmap(ours_path, permissive=True) as a, mrcfile.mmap(peer_path, permissive=True) as b:
            same_data = np.array_equal(a.data, b.data)
            stats = [np.isclose(float(a.header[k]), float(b.header[k]), rtol=1e-5) for k in ("dmin", "dmax", "dmean", "rms")]
            return bool(same_data and all(stats))
    except Exception as exc:  # noqa: BLE001
        return f"could not compare: {exc}"


def write_new(ctx):
    return _write_case(ctx, overwrite_existing=False)


def write_overwrite(ctx):
    return _write_case(ctx, overwrite_existing=True)


def append_sections(ctx):
    """Appending sections against os.write of the same bytes (``benchmarks/bench_append.py``)."""
    module = _bench_module("bench_append")
    if module is None:
        return skipped("append sections", "mrcschema.append", "os.write", 1.10, "bench_append does not import")
    return [module.append_case(ctx), module.edit_flat_case(ctx)]


def remote_cases(ctx):
    """The remote-source figures of issue 13 (``benchmarks/bench_remote.py``, its
    ``remote_cases(quick)``), in this table when that file is in the tree."""
    case = "remote sources (issue 13)"
    if not os.path.exists(os.path.join(BENCH_DIR, "bench_remote.py")):
        return skipped(case, "-", "-", None, "benchmarks/bench_remote.py is not in this tree (issue 13, built "
                                             "alongside): its rows appear here once it is merged")
    try:
        module = importlib.import_module("bench_remote")
    except Exception as exc:  # noqa: BLE001 - a half-written sibling must not stop this run
        return skipped(case, "-", "-", None, f"bench_remote does not import: {type(exc).__name__}: {exc}"[:200])
    if not callable(getattr(module, "remote_cases", None)):
        return skipped(case, "-", "-", None, "bench_remote.py has no remote_cases(quick)")
    rows = []
    for item in module.remote_cases(ctx.quick):
        produced = item(ctx) if callable(item) else item  # Results, case functions, or row dicts
        for row in produced if isinstance(produced, (list, tuple)) else [produced]:
            rows.append(_remote_result(row) if isinstance(row, dict) else row)
    return rows


def _remote_result(row):
    """A row dict of ``bench_remote.remote_cases`` ({case, ours, peer, ratio, goal, met, notes}) as a
    Result: measured there (servers, requests, bytes), shown here with its own figures."""
    notes = [f"ours {row['ours']}, peer {row['peer']}, ratio {row['ratio']}", str(row.get("notes") or "")]
    met = row.get("met")
    return Result(row["case"], str(row["ours"]), str(row["peer"]), goal_text=str(row.get("goal") or ""),
                  check=met if isinstance(met, bool) else None, notes=[n for n in notes if n], extra=dict(row))


def _peer_cases():
    import bench_peers

    return bench_peers.CASES


def _convert_cases():
    import bench_convert

    return bench_convert.CASES


def _batch_cases():
    import bench_batch

    return bench_batch.CASES


#: the cases in table order
CASES = [
    open_first_pixel_small,
    *_peer_cases()[1:2],  # open + first pixel vs ncempy, mrcz
    open_flat_100gb,
    *_peer_cases()[:1],  # header only vs a bare read and every peer
    fei2_records,
    *_peer_cases()[2:],  # full reads (little- and big-endian), axis-reordered read vs gemmi
    file_reader_eager,
    file_reader_lazy_vs_memmap,
    file_reader_lazy_vs_rsciio,
    validate_small,
    validate_big,
    import_open_fresh_process,
    cli_dump,
    cli_dump_module,
    cli_dump_fei2,
    import_time,
    import_time_no_bytecode,
    no_dask_on_import,
    *_batch_cases(),
    write_new,
    write_overwrite,
    append_sections,
    remote_cases,
    *_convert_cases(),
]


def run_case(fn, ctx):
    """Run one case: a list of rows (a case may give several, one per peer); an exception becomes
    an "error: ..." row instead of stopping the run."""
    try:
        out = fn(ctx)
    except Exception as exc:  # noqa: BLE001
        name = fn.__name__.replace("_", " ")
        return [Result(name, "-", "-", None, status=f"error: {type(exc).__name__}: {exc}"[:300])]
    return list(out) if isinstance(out, (list, tuple)) else [out]


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run benchmarks/run.py")
