"""Writing MRC2014 files: :func:`write` (an array), :func:`new` (an empty file to fill in
place) and :func:`set_extended_header` (add or replace the extended header of a file).

Every header is built through the schema (``MRC2014_HEADER.build``), so the bytes written
are defined by the same text that parses them.  Nothing is written in place: a new file is
made under a temporary name in the destination folder and moved over the destination only
when complete (``os.link`` when the name must not exist, ``os.replace`` with
``overwrite=True``), so an error at any point leaves no partial file and any old file intact.

Decisions (see docs/writing.md):

* dtypes: int8, int16, uint16, float16, float32 and complex64 are written as they are
  (modes 0, 1, 12, 6, 2, 4); uint8 is widened to uint16 (mode 6) and bool to int8 (mode 0),
  both lossless; wider integers are narrowed to int16, else uint16, when every value fits;
  float64 / complex128 (and longer) become float32 / complex64 only when every value is
  exactly representable.  Anything else raises :class:`MrcFormatError`: we never round.
* shapes: 2D image (ISPG 0, MZ 1); 3D image stack (ISPG 0, MZ 1) or, with ``volume=True``,
  a volume (ISPG 1, MZ = NZ); 4D volume stack (ISPG 401, MZ = sections per volume).  These
  are the values ``mrcfile`` writes for the same data.
* statistics: DMIN, DMAX, DMEAN, RMS computed block by block in float64 while writing
  (:mod:`mrcschema.stats`); complex data gets only RMS, as in ``mrcfile``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import sys
import tempfile

import attrs
import numpy as np

from .byteorder import MACHINE_STAMP
from .errors import MrcFormatError
from .header import HEADER_SIZE, data_geometry, parse_header
from .modes import DTYPE_TO_MODE, mode_info
from .schemas.fei import FEI1, FEI2
from .schemas.mrc2014 import MRC2014_HEADER
from .stats import BLOCK_BYTES, UNDETERMINED, StatsAccumulator, iter_blocks

__all__ = ["write", "new", "set_extended_header", "make_header", "target_mode"]

INT32_MAX = 2**31 - 1
NVERSION = 20141
#: known EXTTYP codes (MRC2014 note 8 and the 20141 update)
KNOWN_EXTTYPS = (b"CCP4", b"MRCO", b"SERI", b"AGAR", b"FEI1", b"FEI2", b"HDF5")
#: our record layouts that set EXTTYP by themselves
_FEI_LAYOUTS = {b"FEI1": FEI1, b"FEI2": FEI2}
#: metadata_version of each (0 for FEI1; 2 in EPU / Velox FEI2 files)
_FEI_VERSIONS = {b"FEI1": 0, b"FEI2": 2}
#: NSYMBT that RosettaSciIO takes for the legacy 1024 x 128-byte FEI header: padding avoids it
_RSCIIO_LEGACY_FEI_SIZE = 128 * 1024


# -- checking the arguments ---------------------------------------------------------------
def _byteorder(byteorder):
    if byteorder in ("<", ">"):
        return byteorder
    if byteorder in ("=", "|", None):
        return "<" if sys.byteorder == "little" else ">"
    raise ValueError(f"byteorder must be '<' (little-endian) or '>' (big-endian), not {byteorder!r}")


def _three(value, what, *, allow_negative):
    """A number or three numbers (x, y, z) -> a tuple of three finite floats."""
    if value is None:
        return (0.0, 0.0, 0.0)
    if np.ndim(value) == 0:
        values = (float(value),) * 3
    else:
        values = tuple(float(v) for v in value)
        if len(values) != 3:
            raise ValueError(f"{what} must be one number or three (x, y, z), got {len(values)}")
    for v in values:
        if not np.isfinite(v) or abs(v) > np.finfo(np.float32).max:
            raise ValueError(f"{what} must be finite float32 numbers, got {values}")
        if not allow_negative and v < 0:
            raise ValueError(f"{what} must not be negative, got {values}")
    return values


def voxel_size_tuple(voxel_size):
    """``voxel_size`` (one number, three numbers or None) as (x, y, z) in Å."""
    return _three(voxel_size, "voxel_size", allow_negative=False)


def origin_tuple(origin):
    """``origin`` (three numbers or None) as (x, y, z)."""
    if origin is not None and np.ndim(origin) == 0:
        raise ValueError("origin must be three numbers (x, y, z)")
    return _three(origin, "origin", allow_negative=True)


def check_label(text):
    """A label that may be stored: text, not blank, printable ASCII, at most 80 characters.
    Trailing blanks are dropped (readers strip them)."""
    if isinstance(text, bytes):
        text = text.decode("ascii", errors="replace")
    if not isinstance(text, str):
        raise TypeError(f"labels are text, got {type(text).__name__}")
    text = text.rstrip()
    if not text:
        raise ValueError("labels must not be empty or blank (a blank label ends the list)")
    if not (text.isascii() and text.isprintable()):
        raise ValueError(f"label {text!r} is not printable ASCII")
    if len(text) > 80:
        raise ValueError(f"label {text[:20]!r}... has {len(text)} characters, at most 80 fit")
    return text


def label_fields(labels):
    """``labels`` (up to 10 texts, see :func:`check_label`) -> (LABEL: 10 x 80 bytes,
    NUL-padded as mrcfile pads them; NLABL)."""
    if isinstance(labels, (str, bytes)):
        labels = [labels]
    labels = list(labels)
    if len(labels) > 10:
        raise ValueError(f"an MRC header holds at most 10 labels, got {len(labels)}")
    out = [check_label(text).encode("ascii").ljust(80, b"\0") for text in labels]
    nlabl = len(out)
    out += [b"\0" * 80] * (10 - nlabl)
    return tuple(out), nlabl


def _exttyp_bytes(exttyp):
    if isinstance(exttyp, str):
        exttyp = exttyp.encode("ascii")
    exttyp = bytes(exttyp)
    if len(exttyp) != 4:
        raise ValueError(f"exttyp must be 4 ASCII characters (e.g. 'FEI2', 'SERI'), got {exttyp!r}")
    return exttyp


def _fei_kind(dtype):
    for code, layout in _FEI_LAYOUTS.items():
        if dtype.names == layout.dtype("<").names:
            return code
    return None


def extended_bytes(extended_header, exttyp, byteorder, sections):
    """The extended header as (bytes, EXTTYP bytes).

    FEI1/FEI2 record arrays (our record dtype, either byte order) set EXTTYP themselves and
    are written little-endian, as every Thermo Fisher file is; a zero ``metadata_size`` is
    filled in with the record size (and ``metadata_version`` with 0 for FEI1, 2 for FEI2),
    and there must be a record for every section.  Anything
    else (bytes, any numpy array) is written as its raw bytes and needs ``exttyp``.
    """
    if extended_header is None:
        if exttyp is not None:
            raise ValueError("exttyp given without an extended_header")
        return b"", b"\0\0\0\0"
    if isinstance(extended_header, np.ndarray) and extended_header.dtype.names:
        kind = _fei_kind(extended_header.dtype)
        if kind is not None:
            if exttyp is not None and _exttyp_bytes(exttyp) != kind:
                raise ValueError(f"exttyp {exttyp!r} does not match the {kind.decode()} records given")
            if byteorder != "<":
                raise ValueError(
                    f"{kind.decode()} extended headers are little-endian (Thermo Fisher); readers disagree on "
                    "big-endian ones: write the file with byteorder='<'")
            layout = _FEI_LAYOUTS[kind]
            records = np.ascontiguousarray(extended_header.reshape(-1).astype(layout.dtype("<")))
            if len(records) < sections:
                raise ValueError(f"{kind.decode()} extended header: {len(records)} records for {sections} "
                                 "sections; FEI headers hold one record per section")
            unset = records["metadata_size"] == 0  # fresh np.zeros records: say what they are
            records["metadata_size"][unset] = layout.size
            records["metadata_version"][unset] = _FEI_VERSIONS[kind]
            raw = records.tobytes()
            exttyp = kind
        else:
            raw = np.ascontiguousarray(extended_header).tobytes()
    elif isinstance(extended_header, np.ndarray):
        raw = np.ascontiguousarray(extended_header).tobytes()
    else:
        raw = bytes(extended_header)
    if exttyp is None:
        raise ValueError("a raw extended header needs exttyp (e.g. 'SERI', 'CCP4', 'FEI2')")
    exttyp = _exttyp_bytes(exttyp)
    if len(raw) > INT32_MAX:
        raise ValueError(f"extended header of {len(raw)} bytes does not fit NSYMBT (at most {INT32_MAX})")
    return raw, exttyp


# -- dtypes -------------------------------------------------------------------------------
@attrs.frozen
class Conversion:
    """How an input dtype is written: the MRC mode, the native target dtype, and the check."""

    mode: int
    dtype: np.dtype  #: native byte order
    check: str  #: "none", "range" (integers, checked up front) or "exact" (floats, per block)


def target_mode(dtype) -> Conversion:
    """The mode an array of ``dtype`` is written in (before looking at any value).

    Integers wider than 16 bits return mode 1 with check "range"; :func:`write` then picks
    int16 or uint16 from the data's range.
    """
    dtype = np.dtype(dtype)
    native = dtype.newbyteorder("=") if dtype.byteorder not in ("=", "|") else dtype
    for candidate, mode in DTYPE_TO_MODE.items():
        if native.kind == candidate.kind and native.itemsize == candidate.itemsize:
            return Conversion(mode, np.dtype(candidate.str[1:] if candidate.itemsize > 1 else candidate), "none")
    if native.kind == "b":
        return Conversion(0, np.dtype("i1"), "none")
    if native == np.dtype("u1"):
        return Conversion(6, np.dtype("u2"), "none")
    if native.kind in "iu":
        return Conversion(1, np.dtype("i2"), "range")
    if native.kind == "f":
        return Conversion(2, np.dtype("f4"), "exact")
    if native.kind == "c":
        return Conversion(4, np.dtype("c8"), "exact")
    raise MrcFormatError(
        f"cannot write {dtype} data: MRC holds int8, int16, uint16, float16, float32 and complex64 "
        "(uint8, bool, wider integers and exactly representable float64 are converted)", field="mode", offset=12)


def _integer_target(source, dtype):
    """int16, else uint16, for integers wider than 16 bits, from a min/max pass over the data."""
    low = high = None
    for block in iter_blocks(source):
        if block.size:
            lo, hi = int(block.min()), int(block.max())
            low = lo if low is None else min(low, lo)
            high = hi if high is None else max(high, hi)
    if low is None or (low >= -32768 and high <= 32767):
        return Conversion(1, np.dtype("i2"), "none")
    if low >= 0 and high <= 65535:
        return Conversion(6, np.dtype("u2"), "none")
    raise MrcFormatError(
        f"cannot write {dtype} data losslessly: values span {low} .. {high}, beyond int16 and uint16; "
        "convert it yourself (e.g. data.astype(numpy.float32)) if rounding is acceptable", field="mode", offset=12)


def _convert_block(block, conv, source_dtype):
    """One block in the target dtype (native order), refusing any value that would change."""
    if block.dtype == conv.dtype:
        return block
    with np.errstate(over="ignore", invalid="ignore"):
        out = block.astype(conv.dtype)
    if conv.check == "exact":
        with np.errstate(over="ignore", invalid="ignore"):
            back = out.astype(block.dtype)
        if not np.array_equal(back, block, equal_nan=True):
            bad = np.flatnonzero(~((back == block) | (np.isnan(back) & np.isnan(block))))[0]
            raise MrcFormatError(
                f"cannot write {source_dtype} data losslessly as {conv.dtype}: value {block[bad].item()!r} "
                f"would become {out[bad].item()!r}; convert it yourself (data.astype(numpy.{conv.dtype.name})) "
                "if rounding is acceptable", field="mode", offset=12)
    return out


# -- shapes and headers ---------------------------------------------------------------------
@attrs.frozen
class Geometry:
    nx: int
    ny: int
    nz: int
    mz: int
    ispg: int


def geometry_of(shape, volume=False) -> Geometry:
    """NX, NY, NZ, MZ, ISPG for an array shape (2D image, 3D stack or volume, 4D volume stack)."""
    shape = tuple(int(n) for n in shape)
    if len(shape) not in (2, 3, 4):
        raise ValueError(f"MRC data is 2D (ny, nx), 3D (nz, ny, nx) or 4D (volumes, nz, ny, nx); got shape {shape}")
    if any(n <= 0 for n in shape):
        raise ValueError(f"every dimension must be positive, got shape {shape}")
    if len(shape) == 2:
        geo = Geometry(shape[1], shape[0], 1, 1, 0)
    elif len(shape) == 3:
        geo = Geometry(shape[2], shape[1], shape[0], shape[0] if volume else 1, 1 if volume else 0)
    else:
        geo = Geometry(shape[3], shape[2], shape[0] * shape[1], shape[1], 401)
    for name in ("nx", "ny", "nz"):
        if getattr(geo, name) > INT32_MAX:
            raise ValueError(f"{name.upper()} = {getattr(geo, name)} does not fit the header (at most {INT32_MAX})")
    return geo


def make_header(geo: Geometry, mode, byteorder="<", *, voxel_size=None, origin=None, labels=(),
                nsymbt=0, exttyp=b"\0\0\0\0", stats=None):
    """The header record for new data, every field set (nothing left from an older file)."""
    blank = MRC2014_HEADER.parse(bytes(HEADER_SIZE))
    vx, vy, vz = voxel_size_tuple(voxel_size)
    ox, oy, oz = origin_tuple(origin)
    label, nlabl = label_fields(labels)
    stats = dict(UNDETERMINED) if stats is None else stats
    return attrs.evolve(
        blank, nx=geo.nx, ny=geo.ny, nz=geo.nz, mode=mode, nxstart=0, nystart=0, nzstart=0,
        mx=geo.nx, my=geo.ny, mz=geo.mz,
        cella=attrs.evolve(blank.cella, x=vx * geo.nx, y=vy * geo.ny, z=vz * geo.mz),
        cellb=attrs.evolve(blank.cellb, alpha=90.0, beta=90.0, gamma=90.0),
        mapc=1, mapr=2, maps=3, ispg=geo.ispg, nsymbt=nsymbt, exttyp=exttyp, nversion=NVERSION,
        origin=attrs.evolve(blank.origin, x=ox, y=oy, z=oz), map=b"MAP ", machst=MACHINE_STAMP[byteorder],
        nlabl=nlabl, label=label, **stats,
    )


# -- temporary files ------------------------------------------------------------------------
def _umask():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class _TempFile:
    """A file made under a temporary name beside ``path``; :meth:`commit` moves it into place,
    :meth:`discard` (or any exception inside ``with``) removes it."""

    def __init__(self, path, overwrite):
        self.path = os.path.abspath(os.fspath(path))
        self.overwrite = overwrite
        _check_destination(self.path, overwrite)
        folder, name = os.path.split(self.path)
        fd, self.temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        try:
            os.fchmod(fd, self._permissions())
            self.file = os.fdopen(fd, "w+b")
        except BaseException:
            os.close(fd)
            self._remove()
            raise

    def _permissions(self):
        try:
            return os.stat(self.path).st_mode & 0o7777  # keep an overwritten file's permissions
        except OSError:
            return 0o666 & ~_umask()

    def _remove(self):
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass

    def discard(self):
        if not self.file.closed:
            self.file.close()
        self._remove()

    def commit(self, *, sync=None):
        """Close and move into place.  The data is synced to disk before an old file is replaced."""
        self.file.flush()
        exists = os.path.lexists(self.path)
        if sync or (sync is None and exists):
            os.fsync(self.file.fileno())
        self.file.close()
        if self.overwrite:
            os.replace(self.temp, self.path)
            return
        try:
            os.link(self.temp, self.path)  # atomic: fails if the name appeared meanwhile
        except FileExistsError:
            self._remove()
            raise FileExistsError(errno.EEXIST, "file exists (pass overwrite=True to replace it)", self.path) from None
        except OSError:  # no hard links on this file system
            if os.path.lexists(self.path):
                self._remove()
                raise FileExistsError(errno.EEXIST, "file exists (pass overwrite=True to replace it)",
                                      self.path) from None
            os.replace(self.temp, self.path)
            return
        self._remove()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.discard()
        return False


def _check_destination(path, overwrite):
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "is a directory", path)
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(errno.EEXIST, "file exists (pass overwrite=True to replace it)", path)


# -- write ------------------------------------------------------------------------------------
def _as_source(data):
    """numpy arrays as they are; lazy arrays (dask, zarr, h5py: shape + dtype + slicing) kept
    lazy and read block by block; anything else through ``numpy.asarray``."""
    if isinstance(data, np.ndarray):
        return data
    if hasattr(data, "shape") and hasattr(data, "dtype") and hasattr(data, "__getitem__"):
        return data
    return np.asarray(data)


def write(path, data, *, voxel_size=None, origin=None, labels=(), extended_header=None, exttyp=None,
          overwrite=False, byteorder="<", volume=False):
    """Write ``data`` as a new MRC2014 file at ``path``.

    ``data``: 2D (ny, nx) image, 3D (nz, ny, nx) image stack (``volume=True``: a volume),
    4D (volumes, nz, ny, nx) volume stack; see the module doc for dtypes.  ``voxel_size`` in
    Å (one number or x, y, z; default 0 = unknown), ``origin`` (x, y, z) in Å, ``labels`` up
    to 10 texts, ``extended_header`` FEI1/FEI2 record arrays or raw bytes with ``exttyp``,
    ``byteorder`` "<" or ">".  Refuses an existing ``path`` unless ``overwrite=True``.
    The file appears complete or not at all.  Returns the path.
    """
    byteorder = _byteorder(byteorder)
    path = os.fspath(path)
    _check_destination(os.path.abspath(path), overwrite)
    source = _as_source(data)
    geo = geometry_of(source.shape, volume)
    conv = target_mode(source.dtype)
    if conv.check == "range":
        conv = _integer_target(source, np.dtype(source.dtype))
    ext, exttyp = extended_bytes(extended_header, exttyp, byteorder, geo.nz)
    header = make_header(geo, conv.mode, byteorder, voxel_size=voxel_size, origin=origin, labels=labels,
                         nsymbt=len(ext), exttyp=exttyp)
    MRC2014_HEADER.build(header, byteorder)  # fail on a bad field before creating anything
    file_dtype = conv.dtype.newbyteorder(byteorder) if conv.dtype.itemsize > 1 else conv.dtype
    with _TempFile(path, overwrite) as temp:
        out = temp.file
        out.write(bytes(HEADER_SIZE))
        out.write(ext)
        stats = _write_data(out, source, conv, file_dtype)
        header = attrs.evolve(header, **stats.as_fields())
        out.seek(0)
        out.write(MRC2014_HEADER.build(header, byteorder))
        temp.commit()
    return path


def _write_data(out, source, conv, file_dtype):
    """Convert, check and write ``source`` block by block; return its :class:`Stats`."""
    acc = StatsAccumulator()
    source_dtype = np.dtype(source.dtype)
    for block in iter_blocks(source, BLOCK_BYTES):
        if block.dtype.byteorder not in ("=", "|") and block.dtype.itemsize > 1:
            block = block.astype(block.dtype.newbyteorder("="))
        native = _convert_block(block, conv, source_dtype)
        acc.add(native)
        if native.dtype != file_dtype:
            native = native.astype(file_dtype)
        out.write(memoryview(np.ascontiguousarray(native)).cast("B"))
    return acc.result()


# -- new ----------------------------------------------------------------------------------------
def _new_conversion(dtype):
    if isinstance(dtype, (int, np.integer)) and not isinstance(dtype, bool):
        info = mode_info(int(dtype))
        if info.number not in DTYPE_TO_MODE.values():
            raise MrcFormatError(f"new() cannot make mode {info.number} files", field="mode", offset=12)
        return Conversion(info.number, info.dtype.newbyteorder("="), "none")
    dt = np.dtype(dtype)
    conv = target_mode(dt)
    if conv.check != "none" or conv.dtype.itemsize != dt.itemsize or conv.dtype.kind != dt.kind:
        raise MrcFormatError(
            f"new() maps the file's data directly, so dtype must be one MRC stores: int8, int16, uint16, "
            f"float16, float32 or complex64 (got {dt})", field="mode", offset=12)
    return conv


def new(path, shape, dtype=np.float32, *, voxel_size=None, origin=None, labels=(), extended_header=None,
        exttyp=None, overwrite=False, byteorder="<", volume=False):
    """Create an MRC file of ``shape`` and ``dtype`` (or a mode number) and open it ``"r+"``.

    The file is made at full size as a sparse file (reading as zeros) without any data in
    memory; fill ``f.data`` (a writable memmap) in place.  DMIN/DMAX/DMEAN/RMS are computed
    block by block when the file is flushed or closed.  Other arguments as for :func:`write`.
    """
    from .file import MrcFile

    byteorder = _byteorder(byteorder)
    path = os.fspath(path)
    _check_destination(os.path.abspath(path), overwrite)
    geo = geometry_of(shape, volume)
    conv = _new_conversion(dtype)
    ext, exttyp = extended_bytes(extended_header, exttyp, byteorder, geo.nz)
    header = make_header(geo, conv.mode, byteorder, voxel_size=voxel_size, origin=origin, labels=labels,
                         nsymbt=len(ext), exttyp=exttyp)
    raw = MRC2014_HEADER.build(header, byteorder)
    nbytes = geo.nx * geo.ny * geo.nz * conv.dtype.itemsize
    with _TempFile(path, overwrite) as temp:
        temp.file.write(raw)
        temp.file.write(ext)
        temp.file.truncate(HEADER_SIZE + len(ext) + nbytes)  # a hole: no data written or held
        temp.commit()
    try:
        mrc = MrcFile(path, "r+")
    except BaseException:
        os.unlink(path)
        raise
    mrc._stats_stale = True
    return mrc


# -- extended headers of existing files -----------------------------------------------------------
def set_extended_header(path, extended_header, *, exttyp=None, method="auto"):
    """Add, replace or remove the extended header of an existing (closed) file; the data is unchanged.

    ``extended_header`` as for :func:`write`; ``None`` removes it (NSYMBT 0, EXTTYP cleared).

    * A new header that fits in the old NSYMBT is written in place, zero-padded to NSYMBT.
    * A larger one needs the data to start later.  On Linux (ext4, XFS) the space is inserted
      at the start of the file with ``fallocate(FALLOC_FL_INSERT_RANGE)``, which moves no data
      bytes at all: the file system only shifts its block map.  NSYMBT is then rounded up to
      whole file-system blocks (zero padding after the records, as EPU leaves after its
      preallocated records).  Removal uses ``FALLOC_FL_COLLAPSE_RANGE`` the same way when
      NSYMBT is a whole number of blocks.
    * Otherwise (``method="rewrite"``, other systems or file systems) the file is copied with
      the new extended header to a temporary file that replaces it (exact NSYMBT).

    ``method``: "auto", "insert" (raise ``OSError`` rather than rewrite) or "rewrite".
    Returns what was done: "in place", "insert", "collapse" or "rewrite".
    Do not call it while the file is open (its memory map would see the data shift).
    """
    if method not in ("auto", "insert", "rewrite"):
        raise ValueError(f"method must be 'auto', 'insert' or 'rewrite', not {method!r}")
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read(HEADER_SIZE)
        size = os.fstat(f.fileno()).st_size
        parsed = parse_header(raw)
        geometry = data_geometry(parsed, size)  # refuses a file whose data cannot be located
        old = parsed.header.nsymbt
        old_ext = f.read(old)
    ext, code = extended_bytes(extended_header, exttyp, parsed.byteorder, parsed.header.nz)
    blksize = os.stat(path).st_blksize or 4096

    def header_block(nsymbt):
        header = attrs.evolve(parsed.header, nsymbt=nsymbt, exttyp=code)
        return MRC2014_HEADER.build(header, parsed.byteorder) + ext.ljust(nsymbt, b"\0")

    if method != "rewrite":
        if ext and len(ext) <= old:
            with open(path, "r+b") as f:
                f.write(header_block(old))
                f.flush()
                os.fsync(f.fileno())
            return "in place"
        if not ext and old == 0:
            return "in place"
        if ext:  # grow: insert whole blocks at offset 0, then overwrite header + extended header
            grow = -(-(len(ext) - old) // blksize) * blksize
            if old + grow == _RSCIIO_LEGACY_FEI_SIZE:
                grow += blksize
            flags, length, nsymbt = _FALLOC_FL_INSERT_RANGE, grow, old + grow
        else:  # remove: collapse the first NSYMBT bytes, then write the header
            flags, length, nsymbt = _FALLOC_FL_COLLAPSE_RANGE, old, 0
        if nsymbt <= INT32_MAX and length % blksize == 0:
            block = header_block(nsymbt)
            fd = os.open(path, os.O_RDWR)
            try:
                if _fallocate_range(fd, flags, length):
                    try:
                        os.pwrite(fd, block, 0)
                        os.fsync(fd)
                    except BaseException:
                        _undo_range(fd, flags, length, raw + old_ext)
                        raise
                    return "insert" if flags == _FALLOC_FL_INSERT_RANGE else "collapse"
            finally:
                os.close(fd)
        if method == "insert":
            raise OSError(errno.EOPNOTSUPP, "cannot insert or collapse a range of this file here", path)
    with _TempFile(path, overwrite=True) as temp, open(path, "rb") as src:
        temp.file.write(header_block(len(ext)))
        temp.file.flush()
        _copy_range(src, temp.file, geometry.offset, size - geometry.offset)
        temp.commit(sync=True)
    return "rewrite"


_FALLOC_FL_INSERT_RANGE = 0x20
_FALLOC_FL_COLLAPSE_RANGE = 0x08
_UNSUPPORTED = {errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS, errno.ENODEV, errno.EPERM, errno.ETXTBSY}


def _fallocate():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fallocate = libc.fallocate64 if hasattr(libc, "fallocate64") else libc.fallocate
    except (OSError, AttributeError):
        return None
    fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    fallocate.restype = ctypes.c_int
    return fallocate


def _fallocate_range(fd, flags, length):
    """Insert / collapse ``length`` bytes at offset 0 without moving data; False if unsupported."""
    fallocate = _fallocate()
    if fallocate is None:
        return False
    if fallocate(fd, flags, 0, length) != 0:
        err = ctypes.get_errno()
        if err in _UNSUPPORTED:
            return False
        raise OSError(err, os.strerror(err))
    return True


def _undo_range(fd, flags, length, old_start):
    """Best effort after a failed header write: shift back and restore the old first bytes."""
    undo = _FALLOC_FL_COLLAPSE_RANGE if flags == _FALLOC_FL_INSERT_RANGE else _FALLOC_FL_INSERT_RANGE
    try:
        if _fallocate_range(fd, undo, length):
            os.pwrite(fd, old_start, 0)
    except OSError:
        pass


def _copy_range(src, dst, offset, length):
    """Append ``length`` bytes of ``src`` starting at ``offset`` to ``dst`` (in-kernel when possible)."""
    dst.flush()
    dst_off = dst.seek(0, os.SEEK_END)
    copy = getattr(os, "copy_file_range", None)
    if copy is not None:
        try:
            while length > 0:
                done = copy(src.fileno(), dst.fileno(), min(length, 1 << 30), offset, dst_off)
                if done == 0:
                    break
                offset, dst_off, length = offset + done, dst_off + done, length - done
        except OSError:
            pass
    src.seek(offset)
    dst.seek(dst_off)
    while length > 0:
        chunk = src.read(min(length, 16 << 20))
        if not chunk:
            raise MrcFormatError("file ended while copying its data", field="data", offset=offset)
        dst.write(chunk)
        length -= len(chunk)
