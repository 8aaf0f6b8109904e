"""The fuzzing harness of tests/fuzz: seed files, mutations, and the contract of every entry point.

The contract (docs/robustness.md), checked on every call by :func:`guarded`:

* the call returns, or raises :class:`mrcschema.MrcFormatError` (a ``ValueError``) whose
  ``field`` is set and whose message starts with ``"<field> at offset <n>: "`` (errors about
  an MRC file's bytes always carry the offset; errors about a DE side file, e.g. a bad
  ``*_scan_coordinates.csv`` line, name the file or the info-file key instead);
  ``mrcschema.validate`` never raises for a damaged file (it returns a report);
  ``mrcschema dump`` returns 0 or 2 and prints no traceback;
* the only warnings are :class:`mrcschema.MrcWarning`;
* no call runs longer than :data:`CALL_SECONDS` (a ``SIGALRM`` timer interrupts it);
* no call allocates more than :data:`MEMORY_FACTOR` x the bytes of the input files (their
  decompressed size for gzip/bzip2) + :data:`MEMORY_SLACK` (``tracemalloc`` peak), and none
  can allocate more than :data:`ADDRESS_SPACE_HEADROOM` at all (``RLIMIT_AS`` during the call:
  a runaway allocation is a ``MemoryError``, which fails the test, not the machine);
* no file is changed by reading it.

Profiles (hypothesis profiles ``mrcschema-fuzz-ci`` and ``mrcschema-fuzz-long``, applied per test
by :func:`fuzz_settings`, so the rest of the suite keeps hypothesis' defaults): ``ci``, the
default, a fixed number of examples per test, derandomized, so CI runs the same examples every
time, every one of them run (no time budget: a slow machine takes longer, it does not test
less); ``long`` (``MRCSCHEMA_FUZZ=long``): random, many more examples (``MRCSCHEMA_FUZZ_EXAMPLES``,
default 5000 per test), failures kept in ``.hypothesis/``.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import struct
import sys
import tempfile
import tracemalloc
import warnings
import zlib
from functools import cache
from pathlib import Path

import attrs

# imported once here, not inside a timed and traced call (importing distributed takes seconds)
import dask  # noqa: E402
import dask.array  # noqa: E402,F401
import distributed  # noqa: E402,F401
import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import mrcschema
from mrcschema import MrcFormatError, MrcWarning
from mrcschema.format.fei import FEI1, FEI2
from mrcschema.format.geometry import parse_header
from mrcschema.format.mrc2014 import IMOD_EXTRA, IMOD_EXTRA_OFFSET, MRC2014_HEADER

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
CORPUS = REPO.parent / "shared" / "corpus"
REGRESSIONS = Path(__file__).resolve().parent / "regressions"

# -- profiles -------------------------------------------------------------------------------------
MODE = os.environ.get("MRCSCHEMA_FUZZ", "ci")
LONG = MODE == "long"
#: examples per test in the long profile (the ci counts are given per test)
LONG_EXAMPLES = int(os.environ.get("MRCSCHEMA_FUZZ_EXAMPLES", "5000"))
#: seconds one call of one entry point may take
CALL_SECONDS = float(os.environ.get("MRCSCHEMA_FUZZ_CALL_SECONDS", "20" if LONG else "10"))
MEMORY_FACTOR = 8
MEMORY_SLACK = 16 << 20
ADDRESS_SPACE_HEADROOM = 2 << 30

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
           HealthCheck.function_scoped_fixture, HealthCheck.large_base_example]
settings.register_profile("mrcschema-fuzz-ci", derandomize=True, deadline=None, database=None,
                          suppress_health_check=_HEALTH, print_blob=True)
settings.register_profile("mrcschema-fuzz-long", derandomize=False, deadline=None,
                          suppress_health_check=_HEALTH, print_blob=True)


def fuzz_settings(ci_examples):
    """Settings for one fuzz test: ``ci_examples`` examples in CI, LONG_EXAMPLES in the long mode.
    (Profiles are applied per test, so the rest of the suite keeps hypothesis' defaults.)"""
    if LONG:
        return settings(settings.get_profile("mrcschema-fuzz-long"), max_examples=LONG_EXAMPLES)
    return settings(settings.get_profile("mrcschema-fuzz-ci"), max_examples=ci_examples)


# -- the contract of one call ---------------------------------------------------------------------
class Hang(BaseException):
    """A call ran past CALL_SECONDS (BaseException: library code must not be able to catch it)."""


class ContractViolation(AssertionError):
    pass


def _vm_size():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


@contextlib.contextmanager
def bounded(what, reference_bytes, seconds=CALL_SECONDS):
    """Run a block under the time limit, the address-space limit and the tracemalloc budget."""
    def on_alarm(signum, frame):
        raise Hang(f"{what}: still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _vm_size() + ADDRESS_SPACE_HEADROOM
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        _, peak = tracemalloc.get_traced_memory()
        if not tracing:
            tracemalloc.stop()
    allowed = MEMORY_FACTOR * reference_bytes + MEMORY_SLACK
    if peak - base > allowed:
        raise ContractViolation(f"{what}: allocated {peak - base} bytes, more than {allowed} "
                                f"({MEMORY_FACTOR} x {reference_bytes} input bytes + {MEMORY_SLACK})")


#: fields an error about an MRC file's bytes may name
MRC_FIELDS = ({f.name for f in MRC2014_HEADER.fields} | {f.name for f in IMOD_EXTRA.fields}
              | {f"{f.name}.{c.name}" for f in MRC2014_HEADER.fields for c in f.children}
              | {f.name for f in FEI2.fields}
              | {"header", "data", "file", "extended header"})


def check_error(what, exc, *, about_mrc):
    """The MrcFormatError contract: a field, an offset for MRC bytes, a message after the prefix."""
    message = str(exc)
    if not exc.field:
        raise ContractViolation(f"{what}: MrcFormatError without a field: {message!r}")
    if about_mrc:
        if exc.offset is None or not isinstance(exc.offset, int) or exc.offset < 0:
            raise ContractViolation(f"{what}: MrcFormatError without an offset: {message!r}")
        if exc.field not in MRC_FIELDS:
            raise ContractViolation(f"{what}: MrcFormatError names {exc.field!r}, not a field: {message!r}")
    prefix = f"{exc.field} at offset {exc.offset}: " if exc.offset is not None else f"{exc.field}: "
    if not message.startswith(prefix) or len(message) < len(prefix) + 8:
        raise ContractViolation(f"{what}: message {message!r} does not start with {prefix!r} and say why")




@attrs.define
class Outcome:
    value: object = None
    error: MrcFormatError | None = None

    @property
    def ok(self):
        return self.error is None


def guarded(what, fn, *args, reference_bytes, about_mrc=True, **kwargs):
    """Call ``fn`` under :func:`bounded`; return an :class:`Outcome` (value or MrcFormatError).
    Any other exception, a non-MrcWarning warning, a hang or an allocation over budget fails."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with bounded(what, reference_bytes):
                try:
                    value = fn(*args, **kwargs)
                except MrcFormatError as exc:
                    error = exc
                else:
                    error = None
        except (ContractViolation, Hang):
            raise
        except BaseException as exc:
            if hasattr(exc, "add_note"):
                exc.add_note(f"raised by {what}")
            raise
    for w in caught:
        if not issubclass(w.category, MrcWarning):
            raise ContractViolation(f"{what}: {w.category.__name__} {w.message} ({w.filename}:{w.lineno})")
    if error is not None:
        check_error(what, error, about_mrc=about_mrc)
        return Outcome(error=error)
    return Outcome(value=value)


# -- the entry points -------------------------------------------------------------------------------
def _sum(array):
    with np.errstate(all="ignore"):
        array = np.asarray(array)
        if array.dtype.names:  # mode 3: structured (real, imag)
            return sum(float(array[n].sum(dtype=np.float64)) for n in array.dtype.names)
        # reduce with a wide accumulator, never a converted copy (the harness must not allocate)
        return complex(array.sum(dtype=np.complex128 if array.dtype.kind == "c" else np.float64))


def touch_open(path, permissive):
    """Open, then touch every lazily computed attribute and all the data."""
    with mrcschema.open(path, permissive=permissive) as f:
        f.header
        data = f.data  # None: a permissive open that could not locate the data
        summary = None if data is None else (data.shape, str(data.dtype), _sum(data))
        ext = f.extended
        extended_header = f.extended_header
        if isinstance(extended_header, np.ndarray) and extended_header.dtype.names:
            for name in extended_header.dtype.names:
                np.asarray(extended_header[name]).tobytes()
        for i in range(min(2, 0 if ext.records is None else len(ext.records))):
            ext.record(i)
        acq = mrcschema.acquisition(f)
        attrs.asdict(acq)
        f.labels, f.voxel_size, f.origin, f.imod, repr(f)
        return f._parsed.raw, summary, ext.kind


def touch_reader(path, lazy):
    """file_reader, every metadata value turned to text; the data as returned (a memmap or a
    dask array, not computed)."""
    out = mrcschema.file_reader(path, lazy=lazy)
    json.dumps(out[0]["metadata"], default=repr)
    json.dumps(out[0]["original_metadata"], default=repr)
    return out[0]


def touch_data(signal):
    data = signal["data"]
    if hasattr(data, "compute"):
        with dask.config.set(scheduler="synchronous"):
            data = data.compute()
    shape = tuple(a["size"] for a in signal["axes"])
    if shape != data.shape[:len(shape)]:
        raise ContractViolation(f"file_reader axes {shape} do not match the data shape {data.shape}")
    return data.shape, _sum(data)


def run_cli(argv):
    """``mrcschema.cli.main(argv)`` with stdout/stderr captured: (code, stdout, stderr)."""
    from mrcschema.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def check_dump(path, reference_bytes, expect_ok):
    for argv in (["dump", str(path)], ["dump", "--json", str(path)], ["dump", "--record", "0", str(path)]):
        code, out, err = guarded(" ".join(argv[:-1]), run_cli, argv, reference_bytes=reference_bytes).value
        if code not in (0, 2):
            raise ContractViolation(f"{argv}: exit code {code}")
        if code == 2 and (out or err.count("\n") != 1 or "Traceback" in err):
            raise ContractViolation(f"{argv}: exit 2 must print one line on stderr, got {err!r}")
        if "--record" in argv:  # exit 2 also when the file has no record 0
            continue
        if code == 0:
            if expect_ok is False:
                raise ContractViolation(f"{argv}: exit 0 where a permissive open fails")
            if "--json" in argv:
                json.loads(out)
        elif expect_ok:
            raise ContractViolation(f"{argv}: exit 2 ({err.strip()}) where a permissive open works")


def digest_tree(root):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(root).iterdir()) if p.is_file()}


def exercise(path, reference_bytes, *, readers=True, about_mrc=True):
    """Every entry point on one file, with the contract checked on each call and the
    consistency between them: whatever strict open reads, permissive open reads the same,
    and dump (permissive) works exactly when a permissive open works."""
    path = Path(path)
    before = digest_tree(path.parent)
    ref = reference_bytes
    header = guarded("read_header", mrcschema.read_header, path, reference_bytes=ref)
    strict = guarded("open", touch_open, path, False, reference_bytes=ref)
    loose = guarded("open(permissive=True)", touch_open, path, True, reference_bytes=ref)
    if strict.ok and not loose.ok:
        raise ContractViolation(f"strict open works, permissive open fails: {loose.error}")
    if strict.ok and (strict.value[0], strict.value[1][:2]) != (loose.value[0], loose.value[1][:2]):
        raise ContractViolation("strict and permissive open read different headers or data shapes")
    if not header.ok and strict.ok:
        raise ContractViolation(f"read_header fails ({header.error}) but open works")
    if hasattr(mrcschema, "validate"):
        report = guarded("validate", mrcschema.validate, path, reference_bytes=ref)
        if not report.ok:
            raise ContractViolation(f"validate raised for a damaged file: {report.error}")
        str(report.value), report.value.to_dict() if hasattr(report.value, "to_dict") else None
    if readers:
        if strict.ok and strict.value[1] is not None and len(strict.value[1][0]) >= 3:  # a user navigation shape, right and wrong
            frames = int(np.prod(strict.value[1][0][:-2]))
            for nav in ((frames,), (frames + 1,)):
                guarded(f"file_reader(navigation_shape={nav})", mrcschema.file_reader, path, lazy=True,
                        navigation_shape=nav, reference_bytes=ref, about_mrc=about_mrc)
        for lazy in (False, True):
            signal = guarded(f"file_reader(lazy={lazy})", touch_reader, path, lazy, reference_bytes=ref,
                             about_mrc=about_mrc)
            if signal.ok:  # computing the data allocates the array asked for (a few copies: dask
                # gathers the chunks, then concatenates them), and nothing in proportion to anything else
                result = int(np.prod(signal.value["data"].shape)) * signal.value["data"].dtype.itemsize
                guarded(f"file_reader(lazy={lazy}) data", touch_data, signal.value,
                        reference_bytes=ref + 4 * result // MEMORY_FACTOR)
    check_dump(path, ref, loose.ok)
    if digest_tree(path.parent) != before:
        raise ContractViolation("reading changed a file")
    return strict, loose


# -- seeds --------------------------------------------------------------------------------------------
@attrs.frozen
class Seed:
    name: str
    data: bytes


def _patched_fei(path, records=None, nx=16, ny=16, nz=1):
    """The header and extended header of a large FEI file, NX/NY/NZ patched small, NSYMBT
    optionally cut to ``records`` records, and the (small) data block appended."""
    with open(path, "rb") as f:
        head = f.read(1024)
        parsed = parse_header(head)
        extended = f.read(parsed.header.nsymbt)
    record_size = struct.unpack_from("<i", extended, 0)[0]
    if records is not None:
        extended = extended[:records * record_size]
    h = attrs.evolve(parsed.header, nx=nx, ny=ny, nz=nz, mx=nx, my=ny, mz=nz, nsymbt=len(extended))
    raw = MRC2014_HEADER.build(h, parsed.byteorder)
    data = (np.arange(nx * ny * nz) % 4000).astype(parsed.byteorder + "u2").tobytes()
    return raw + extended + data


def _crafted(mode, nx=6, ny=5, nz=3, byteorder="<", extended=b"", **changes):
    sys.path.insert(0, str(TESTS))
    from crafting import valid_header

    from mrcschema.format.modes import data_nbytes

    header = valid_header(nx=nx, ny=ny, nz=nz, mode=mode, nsymbt=len(extended), **changes)
    if byteorder == ">" and "machst" not in changes:
        header = attrs.evolve(header, machst=b"\x11\x11\0\0")
    nbytes = data_nbytes(mode, nx, ny, nz)
    return MRC2014_HEADER.build(header, byteorder) + extended + bytes((i * 37) % 251 for i in range(nbytes))


def _imod(header_bytes, **fields):
    parsed = parse_header(header_bytes)
    imod = attrs.evolve(parsed.imod, **fields)
    raw = bytearray(header_bytes)
    raw[IMOD_EXTRA_OFFSET:IMOD_EXTRA_OFFSET + IMOD_EXTRA.size] = IMOD_EXTRA.build(imod, parsed.byteorder)
    return bytes(raw)


def _mrcfile_written(tmp):
    """Small files written by mrcfile: every mode it writes, big-endian, a volume stack, FEI
    extended headers made with mrcfile's own dtypes."""
    import mrcfile
    from mrcfile.dtypes import get_ext_header_dtype

    rng = np.random.default_rng(7)
    out = []
    arrays = {
        "mrcfile_int8": rng.integers(-128, 127, (3, 5, 6)).astype(np.int8),
        "mrcfile_int16": rng.integers(-999, 999, (4, 6)).astype(np.int16),
        "mrcfile_float32_volume": rng.normal(size=(5, 4, 3)).astype(np.float32),
        "mrcfile_complex64": (rng.normal(size=(2, 3, 4)) + 1j).astype(np.complex64),
        "mrcfile_uint16": rng.integers(0, 60000, (3, 4, 4)).astype(np.uint16),
        "mrcfile_float16": rng.normal(size=(2, 4, 5)).astype(np.float16),
        "mrcfile_big_endian": rng.normal(size=(3, 4, 5)).astype(">f4"),
        "mrcfile_volume_stack": rng.normal(size=(2, 3, 4, 5)).astype(np.float32),
    }
    for name, data in arrays.items():
        path = tmp / f"{name}.mrc"
        with mrcfile.new(path, overwrite=True) as m:
            m.set_data(data)
            if name.endswith("_volume"):
                m.set_volume()
        out.append(Seed(name, path.read_bytes()))
    for code in (b"FEI1", b"FEI2"):
        dtype = get_ext_header_dtype(code)
        ext = np.zeros(3, dtype=dtype)
        ext["Metadata size"] = dtype.itemsize
        ext["Metadata version"] = 0 if code == b"FEI1" else 2
        ext["Bitmask 1"] = 0xFFFFFFFF
        ext["HT"] = 300e3
        ext["Pixel size X"] = ext["Pixel size Y"] = 1e-10
        ext["Timestamp"] = 45000.5
        path = tmp / f"mrcfile_{code.decode()}.mrc"
        with mrcfile.new(path, overwrite=True) as m:
            m.set_data(rng.integers(0, 100, (3, 4, 4)).astype(np.uint16))
            m.set_extended_header(ext)
            m.header.exttyp = code
        out.append(Seed(f"mrcfile_{code.decode()}", path.read_bytes()))
    return out


@cache
def seeds():
    """The seed files (name, bytes): small corpus files whole, the large FEI files as their
    header + extended header with a small data block, files written by mrcfile, and crafted
    files for the modes and extended headers mrcfile does not write."""
    corpus = CORPUS
    out = [Seed(p.name, p.read_bytes()) for p in (
        corpus / "mrcfile" / "EMD-3197.map", corpus / "mrcfile" / "EMD-3001.map",
        corpus / "rsciio" / "HAADFscan.mrc", corpus / "rsciio" / "20241021_00405_movie.mrc",
        corpus / "rsciio" / "Custom_movie.mrc", corpus / "rsciio" / "ROI_Random_Scan_Sum.mrc",
        corpus / "rsciio" / "20241021_00405_final.mrc", REPO / "examples" / "tiny_volume.mrc")]
    for name in ("epu2.9_example.mrc", "fei-extended.mrc"):
        path = corpus / "mrcfile" / name
        out.append(Seed(name + "[head, 1024 records]", _patched_fei(path)))
        out.append(Seed(name + "[head, 3 records]", _patched_fei(path, records=3, nx=8, ny=6, nz=3)))
    seri = _crafted(1, extended=bytes(range(256)) * 1 + bytes(8), exttyp=b"SERI")
    out += [
        Seed("crafted_mode101", _crafted(101, nx=7)),
        Seed("crafted_mode16", _crafted(16)),
        Seed("crafted_mode3", _crafted(3)),
        Seed("crafted_mode0_imod_unsigned", _imod(_crafted(0, nversion=0), imod_stamp=1146047817, imod_flags=0)),
        Seed("crafted_seri", _imod(seri, nint=2 + 6 + 4 + 2 + 2 + 4, nreal=1 | 2 | 4 | 8 | 16 | 32)),
        Seed("crafted_agar", _imod(_crafted(2, extended=bytes(3 * 4 * 5), exttyp=b"AGAR"), nint=2, nreal=3)),
        Seed("crafted_ccp4", _crafted(2, extended=b"X,  Y,  Z".ljust(80) + b"-X,  Y+1/2,  -Z".ljust(80),
                                      exttyp=b"CCP4", ispg=4)),
        Seed("crafted_legacy_fei", _crafted(2, nx=2, ny=2, nz=2, extended=bytes(128 * 1024))),
        Seed("crafted_big_endian_stamp_zero", _crafted(2, byteorder=">", machst=b"\0\0\0\0")),
    ]
    tmp = Path(tempfile.mkdtemp(prefix="mrcschema-seeds-"))
    try:
        out += _mrcfile_written(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tuple(out)


#: the seeds that have an extended header
EXTENDED_SEEDS = ("EMD-3001.map", "HAADFscan.mrc", "epu2.9_example.mrc[head, 1024 records]",
                  "epu2.9_example.mrc[head, 3 records]", "fei-extended.mrc[head, 1024 records]",
                  "fei-extended.mrc[head, 3 records]", "crafted_seri", "crafted_agar", "crafted_ccp4",
                  "crafted_legacy_fei", "mrcfile_FEI1", "mrcfile_FEI2")


# -- mutations ------------------------------------------------------------------------------------------
_INT_EXTREMES = [0, 1, -1, 2, 3, 4, 16, 128, 768, 888, 1024, 4096, 65535, 65536, 1 << 20, 1 << 24,
                 2**31 - 1, -2**31, -2, 2**30, 1146047817]
_FLOAT_EXTREMES = [0.0, -0.0, 1.0, -1.0, float("nan"), float("inf"), float("-inf"), 3.4e38, -3.4e38,
                   1e-45, 25569.0, 1e30]
_BYTE_CODES = {
    "map": [b"MAP ", b"MAP\0", b"MAPX", b"PAM ", b"\0\0\0\0", b"map ", b"\xff\xff\xff\xff", b" MAP"],
    "machst": [b"DD\0\0", b"DA\0\0", b"\x11\x11\0\0", b"\0\0\0\0", b"D\0\0\0", b"\x11\0\0\0", b"\xff\xff\xff\xff",
               b"\x22\x22\0\0"],
    "exttyp": [b"FEI1", b"FEI2", b"SERI", b"AGAR", b"CCP4", b"MRCO", b"HDF5", b"\0\0\0\0", b"\xff\xfe\0\x01",
               b"fei1", b"FEI3"],
}
#: (field path, kind) of every leaf of the main header
HEADER_LEAVES = []
for _f in MRC2014_HEADER.fields:
    if _f.children:
        HEADER_LEAVES += [((_f.name, _c.name), _c.type) for _c in _f.children]
    else:
        HEADER_LEAVES.append(((_f.name,), _f.type))
#: fields whose damage matters most, drawn more often
HOT_FIELDS = [("nx",), ("ny",), ("nz",), ("mode",), ("nsymbt",), ("ispg",), ("mz",), ("map",), ("machst",),
              ("exttyp",), ("nlabl",), ("nversion",)]
IMOD_LEAVES = ["nint", "nreal", "imod_stamp", "imod_flags", "creatid", "idtype"]


def _value_for(draw, kind, field, current, size_hint):
    if kind.startswith("int"):
        near = [current + d for d in (-1, 1, 2)] + [size_hint, size_hint - 1024, (size_hint - 1024) // 2]
        value = draw(st.one_of(st.sampled_from(_INT_EXTREMES), st.sampled_from(near),
                               st.integers(-5, 5000), st.integers(-2**31, 2**31 - 1)))
        if field == ("mode",):
            value = draw(st.one_of(st.just(value), st.sampled_from([0, 1, 2, 3, 4, 6, 12, 16, 101, 5, 7, 102])))
        if field == ("ispg",):
            value = draw(st.one_of(st.just(value), st.sampled_from([0, 1, 401, 630, 400, 631, 231])))
        bits = int(kind[3:])
        if field[0] == "nint" or field[0] == "nreal":  # SerialEM-like values, now and then
            value = draw(st.one_of(st.just(value), st.sampled_from([0, 1, 2, 4, 20, 32, 63, 64, 2047, 2048])))
        return max(-2**(bits - 1), min(2**(bits - 1) - 1, int(value)))
    if kind.startswith("float"):
        return draw(st.one_of(st.sampled_from(_FLOAT_EXTREMES), st.floats(width=32)))
    if kind.startswith("bytes[80]"):  # the 10 labels
        labels = list(current)
        index = draw(st.integers(0, 9))
        labels[index] = draw(st.one_of(st.binary(min_size=80, max_size=80),
                                       st.just(b"\0" * 80), st.just(b"hello".ljust(80, b"\0"))))
        return tuple(labels)
    size = int(kind[kind.index("[") + 1:-1])
    codes = _BYTE_CODES.get(field[0], [])
    return draw(st.one_of(st.binary(min_size=size, max_size=size), st.sampled_from(codes or [bytes(size)])))


def _set_header_field(draw, data, field, imod=False):
    """Set one field through the schema (attrs.evolve + build) in the file's byte order."""
    parsed = parse_header(data)
    if imod:
        record, layout, base = parsed.imod, IMOD_EXTRA, IMOD_EXTRA_OFFSET
        kind = layout.field(field[0]).type
    else:
        record, layout, base = parsed.header, MRC2014_HEADER, 0
        kind = dict(HEADER_LEAVES)[field]
    current = getattr(record, field[0])
    if len(field) == 2:
        value = _value_for(draw, kind, field, getattr(current, field[1]), len(data))
        new = attrs.evolve(record, **{field[0]: attrs.evolve(current, **{field[1]: value})})
    else:
        value = _value_for(draw, kind, field, current, len(data))
        new = attrs.evolve(record, **{field[0]: value})
    raw = layout.build(new, parsed.byteorder)
    out = bytearray(data)
    out[base:base + layout.size] = raw
    return bytes(out)


#: FEI record fields as (name, offset, struct format), from the schema's field table
FEI_FIELDS = [(f.name, f.offset, {"int32": "i", "uint32": "I", "float64": "d", "int64": "q", "bool": "?"}[f.type])
              for f in FEI2.fields if f.type in ("int32", "uint32", "float64", "int64", "bool")]
_FEI_EXTREMES = {"i": [0, -1, 1, 2**31 - 1, -2**31, 768, 888], "I": [0, 0xFFFFFFFF, 1, 1 << 31],
                 "q": [0, -1, 2**63 - 1, -2**63, 1 << 40], "?": [True, False],
                 "d": [float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 0.0, 1e300, 25569.0, -1e20]}

ALL_KINDS = ("flip", "field", "hot_field", "imod", "ext", "fei", "splice", "truncate", "extend", "stamp")
LENGTH_KINDS = ("truncate", "extend")
EXTENDED_KINDS = ("ext", "fei", "imod", "hot_field", "flip")


def _ext_bounds(data):
    n = len(data)
    nsymbt = struct.unpack_from("<i", data, 92)[0] if n >= 96 else 0
    return n, max(0, min(nsymbt, n - 1024))


@st.composite
def mutation(draw, data, kinds=ALL_KINDS):
    """One mutation of ``data``: a byte flip, a header/IMOD field set to an extreme value through
    the schema, an FEI record field or an extended-header word set to an extreme value, a splice
    of random bytes, a truncation or an extension."""
    kind = draw(st.sampled_from(kinds))
    n = len(data)
    if kind == "stamp" and n >= 216:  # the other order's stamp: numbers contradict it (mrcfile's permissive case)
        stamp = b"\x11\x11\0\0" if data[212:213] == b"\x44" else b"DD\0\0"
        return data[:212] + stamp + data[216:]
    if kind == "bomb":  # more than the header declares + the decompression margin, when compressed
        return data + bytes(draw(st.sampled_from([(1 << 20) + 4096, 3 << 20])))
    if kind == "fei" and n > 1024 + FEI1.size:
        name, offset, fmt = draw(st.sampled_from(FEI_FIELDS))
        n, nsymbt = _ext_bounds(data)
        size = struct.unpack_from("<i", data, 1024)[0]
        record = draw(st.integers(0, 2)) * (size if 0 < size < n else 0)
        where = 1024 + record + offset
        if where + struct.calcsize(fmt) <= n:
            value = draw(st.sampled_from(_FEI_EXTREMES[fmt]))
            out = bytearray(data)
            struct.pack_into("<" + fmt, out, where, value)
            if name.startswith("bitmask") is False and draw(st.booleans()):  # mark the fields as set
                for mask in ("bitmask_1", "bitmask_2", "bitmask_3", "bitmask_4"):
                    at = 1024 + record + FEI2.field(mask).offset
                    if at + 4 <= n:
                        struct.pack_into("<I", out, at, 0xFFFFFFFF)
            return bytes(out)
    if kind in ("field", "hot_field", "imod") and n >= 1024:
        if kind == "imod":
            return _set_header_field(draw, data, (draw(st.sampled_from(IMOD_LEAVES)),), imod=True)
        fields = HOT_FIELDS if kind == "hot_field" else [leaf for leaf, _ in HEADER_LEAVES]
        return _set_header_field(draw, data, draw(st.sampled_from(fields)))
    if kind == "ext" and n > 1024 + 8:
        nsymbt = max(0, min(struct.unpack_from("<i", data, 92)[0], n - 1024))
        record = draw(st.sampled_from([768, 888, 128, max(1, nsymbt)]))
        where = 1024 + draw(st.sampled_from([0, 4, 8])) + record * draw(st.integers(0, 3))
        if where + 4 <= n:
            value = draw(st.one_of(st.sampled_from(_INT_EXTREMES), st.integers(-2**31, 2**31 - 1)))
            out = bytearray(data)
            struct.pack_into("<i", out, where, value)
            return bytes(out)
    if kind == "splice" and n:
        start = draw(st.one_of(st.integers(0, min(n, 1024) - 1), st.integers(0, n - 1)))
        chunk = draw(st.binary(min_size=1, max_size=64))
        return data[:start] + chunk[:n - start] + data[start + len(chunk):]
    if kind == "truncate":
        nsymbt = struct.unpack_from("<i", data, 92)[0] if n >= 96 else 0
        marks = [0, 1, 100, 1023, 1024, 1025, 1024 + nsymbt - 1, 1024 + nsymbt, 1024 + nsymbt + 1, n - 1, n // 2]
        cut = draw(st.one_of(st.sampled_from([m for m in marks if 0 <= m < n] or [0]), st.integers(0, n)))
        return data[:cut]
    if kind == "extend":
        extra = draw(st.one_of(st.binary(max_size=512), st.integers(1, 200000).map(bytes)))
        return data + extra
    if not n:
        return data
    # flip
    where = draw(st.one_of(st.integers(0, min(n, 1024) - 1), st.integers(0, n - 1)))
    out = bytearray(data)
    out[where] ^= draw(st.integers(1, 255))
    return bytes(out)


@st.composite
def mutated_mrc(draw, max_mutations=4, kinds=ALL_KINDS, seed_names=None, compression=None):
    """(seed name, file bytes, compression) for one fuzzed MRC file; ``compression`` None draws
    (mostly plain), "always" compresses with gzip or bzip2."""
    pool = [s for s in seeds() if seed_names is None or s.name in seed_names]
    seed = draw(st.sampled_from(pool))
    data = seed.data
    for _ in range(draw(st.integers(1, max_mutations))):
        data = draw(mutation(data, kinds))
    if compression == "always":
        compression = draw(st.sampled_from(["gzip", "bzip2"]))
    else:
        compression = draw(st.sampled_from([None, None, None, None, "gzip", "bzip2"]))
    if compression:
        data = gzip.compress(data, compresslevel=1, mtime=0) if compression == "gzip" else bz2.compress(data, 1)
        if draw(st.booleans()) and draw(st.booleans()):  # damage the stream itself, a quarter of the time
            data = draw(mutation(data, ("flip", "splice", "truncate", "extend")))
    return seed.name, data, compression


def decompressed_size(data, cap=256 << 20):
    """Bytes a gzip/bzip2 stream decompresses to (capped; garbage counts as what came out)."""
    if data[:2] == b"\x1f\x8b":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif data[:3] == b"BZh":
        d = bz2.BZ2Decompressor()
    else:
        return len(data)
    total = 0
    try:
        chunk = data
        while chunk and total <= cap:
            if isinstance(d, bz2.BZ2Decompressor):
                out = d.decompress(chunk, max_length=1 << 20)
                chunk = b""
                total += len(out)
                while not d.eof and d.needs_input is False and total <= cap:
                    out = d.decompress(b"", max_length=1 << 20)
                    total += len(out)
                    if not out:
                        break
            else:
                out = d.decompress(chunk, 1 << 20)
                total += len(out)
                chunk = d.unconsumed_tail
                if d.eof and d.unused_data:
                    chunk = d.unused_data if d.unused_data[:2] == b"\x1f\x8b" else b""
                    d = zlib.decompressobj(16 + zlib.MAX_WBITS) if chunk else d
    except (OSError, EOFError, ValueError, zlib.error):
        pass
    return max(len(data), min(total, cap))


# -- DE acquisitions -----------------------------------------------------------------------------------------
DE_SETS = {
    "raster": ("20241021_00405", ["20241021_00405_movie.mrc", "20241021_00405_info.txt",
                                  "20241021_00405_0_Virt 0_sum.mrc", "20241021_00405_1_Virt 1_sum.mrc",
                                  "20241021_00405_ext1_Ext 1.mrc", "20241021_00405_final.mrc"]),
    "random": ("ROI_Random_Scan", ["ROI_Random_Scan_movie.mrc", "ROI_Random_Scan_info.txt",
                                   "ROI_Random_Scan_scan_coordinates.csv", "ROI_Random_Scan_Sum.mrc"]),
    "custom": ("Custom", ["Custom_movie.mrc", "Custom_info.txt", "Custom_scan_coordinates.csv"]),
}
DE_KEYS = ["Scan - Size X", "Scan - Size Y", "Scan - ROI Size X", "Scan - ROI Size Y", "Scan - ROI Enable",
           "Scan - Enable", "Scan - Type", "Scan - Repeats", "Image Size X (pixels)", "Image Size Y (pixels)",
           "Frames Per Second", "Autosave Movie Sum Count", "Specimen Pixel Size X (nanometers)",
           "Specimen Pixel Size Y (nanometers)", "Diffraction Pixel Size X", "Diffraction Pixel Size Y",
           "Timestamp (seconds since Epoch)", "Instrument Project Camera Length (centimeters)",
           "Instrument Project TEMorSTEM Mode", "Instrument Project Magnification", "ADUs Per Electron Bin1x",
           "Scan - Time (seconds)", "Scan - Repeat Delay (seconds)", "Scan - Virtual Detector 0 Name",
           "Scan - External Detector 1 Name", "Instrument Accelerating Voltage (V)", "Dataset Name"]
DE_VALUES = ["0", "-1", "-5", "1", "2", "3", "1000000", "1000000000000", "9" * 40, "1e308", "-1e308", "nan", "inf",
             "-inf", "1.5", "", "Enable", "Disable", "Random", "XY File", "Raster", "Spiral", "=", "x" * 5000,
             "\x00\x01", "é", "1e-300", "4", "8", "32", "2147483648"]


@st.composite
def info_mutation(draw, text):
    lines = text.split("\n")
    kind = draw(st.sampled_from(["set", "set", "set", "delete", "garbage", "duplicate", "truncate", "junk"]))
    if kind in ("set", "duplicate", "delete"):
        key = draw(st.sampled_from(DE_KEYS))
        value = draw(st.one_of(st.sampled_from(DE_VALUES), st.integers(-10**6, 10**6).map(str),
                               st.text(max_size=20)))
        kept = [line for line in lines if line.partition("=")[0].strip() != key] if kind != "duplicate" else lines
        if kind == "delete":
            return "\n".join(kept)
        kept.insert(draw(st.integers(0, len(kept))), f"{key} = {value}")
        return "\n".join(kept)
    if kind == "garbage":
        junk = draw(st.one_of(st.text(max_size=200), st.sampled_from(["=", "==", " = x", "no equals", "\r", "\t=\t"])))
        lines.insert(draw(st.integers(0, len(lines))), junk)
        return "\n".join(lines)
    if kind == "truncate":
        return text[:draw(st.integers(0, len(text)))]
    return draw(st.binary(max_size=2000)).decode("latin-1")


@st.composite
def csv_mutation(draw, text):
    lines = text.split("\n")
    kind = draw(st.sampled_from(["huge", "huge", "negative", "garbage", "delete", "add", "truncate", "empty",
                                 "three"]))
    i = draw(st.integers(0, max(0, len(lines) - 1)))
    if kind == "huge":
        big = draw(st.sampled_from([10**6, 10**9, 2**31, 2**62, 2**63 - 1, 2**63, 2**64, 10**30]))
        lines[i] = draw(st.sampled_from([f"{big},{big}", f"0,{big}", f"{big},0", f"{big},1"]))
    elif kind == "negative":
        lines[i] = draw(st.sampled_from(["-1,0", "0,-1", "-9223372036854775808,0"]))
    elif kind == "garbage":
        lines[i] = draw(st.one_of(st.text(max_size=30), st.sampled_from(["1.5,2", "1;2", "a,b", ",", "1,", " , "])))
    elif kind == "delete" and lines:
        del lines[i]
    elif kind == "add":
        lines.insert(i, draw(st.sampled_from(["0,0", "1,1", "3,4"])))
    elif kind == "truncate":
        return text[:draw(st.integers(0, len(text)))]
    elif kind == "empty":
        return ""
    else:
        lines[i] = "1,2,3"
    return "\n".join(lines)


@st.composite
def mutated_de_set(draw):
    """(set name, {file name: bytes}) for one DE acquisition with some of its files damaged."""
    name = draw(st.sampled_from(sorted(DE_SETS)))
    stem, names = DE_SETS[name]
    files = {n: (CORPUS / "rsciio" / n).read_bytes() for n in names}
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(names + [names[0], names[1], names[1]]))
        content = files[target]
        if target.endswith("_info.txt"):
            text = content.decode("latin-1")
            for _ in range(draw(st.integers(1, 3))):
                text = draw(info_mutation(text))
            files[target] = text.encode(draw(st.sampled_from(["utf-8", "latin-1"])), errors="replace")
        elif target.endswith(".csv"):
            files[target] = draw(csv_mutation(content.decode("latin-1"))).encode("utf-8", errors="replace")
        else:
            files[target] = draw(mutation(content))
    return name, files


def write_tree(root, files):
    root = Path(root)
    for name, content in files.items():
        (root / name).write_bytes(content)
    return root
