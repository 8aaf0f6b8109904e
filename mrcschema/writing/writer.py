"""Writing MRC2014 files: :func:`write` (an array) and :func:`new` (an empty file to fill in
place); :func:`mrcschema.set_extended_header` is in :mod:`.extended_ranges`.

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
  (:mod:`mrcschema.format.statistics`); complex data gets only RMS, as in ``mrcfile``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import cast

import attrs
import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ..format.byteorder import NATIVE, byteorder_argument
from ..format.geometry import HEADER_SIZE
from ..format.modes import ByteOrder
from ..format.mrc2014 import MRC2014_HEADER
from ..format.statistics import BLOCK_BYTES, StatsAccumulator, iter_blocks
from ..progress import progress as progress_bar
from ..reading.mrc_file import MrcFile, PathLike
from .atomic import TempFile, check_destination
from .conversion import convert_block, integer_target, new_conversion, target_mode
from .extended import extended_bytes
from .new_header import geometry_of, make_header

__all__ = ["write", "new"]


def _as_source(data):
    """numpy arrays as they are; lazy arrays (dask, zarr, h5py: shape + dtype + slicing) kept
    lazy and read block by block; anything else through ``numpy.asarray``."""
    if isinstance(data, np.ndarray):
        return data
    if hasattr(data, "shape") and hasattr(data, "dtype") and hasattr(data, "__getitem__"):
        return data
    return np.asarray(data)


def write(path: PathLike, data: ArrayLike, *, voxel_size: float | Sequence[float] | None = None,
          origin: Sequence[float] | None = None, labels: str | Iterable[str] = (), extended_header: object = None,
          exttyp: str | bytes | None = None, overwrite: bool = False, byteorder: str | None = "<",
          volume: bool = False, progress: bool | None = None) -> str:
    """Write ``data`` as a new MRC2014 file at ``path``.

    ``data``: 2D (ny, nx) image, 3D (nz, ny, nx) image stack (``volume=True``: a volume),
    4D (volumes, nz, ny, nx) volume stack; see the module doc for dtypes.  ``voxel_size`` in
    Å (one number or x, y, z; default 0 = unknown), ``origin`` (x, y, z) in Å, ``labels`` up
    to 10 texts, ``extended_header`` FEI1/FEI2 record arrays or raw bytes with ``exttyp``,
    ``byteorder`` "<" or ">".  Refuses an existing ``path`` unless ``overwrite=True``.
    The file appears complete or not at all.  ``progress``: a bar on stderr while more than 256 MiB
    are written (:mod:`mrcschema.progress`): None when stderr is a terminal, True always, False
    never.  Returns the path.
    """
    byteorder = byteorder_argument(byteorder, NATIVE)
    path = os.fspath(path)
    check_destination(os.path.abspath(path), overwrite)
    source = _as_source(data)
    geo = geometry_of(source.shape, volume)
    conv = target_mode(source.dtype)
    if conv.check == "range":
        conv = integer_target(source, np.dtype(source.dtype))
    ext, exttyp = extended_bytes(extended_header, exttyp, byteorder, geo.nz)
    header = make_header(geo, conv.mode, byteorder, voxel_size=voxel_size, origin=origin, labels=labels,
                         nsymbt=len(ext), exttyp=exttyp)
    MRC2014_HEADER.build(header, byteorder)  # fail on a bad field before creating anything
    file_dtype = conv.dtype.newbyteorder(cast(ByteOrder, byteorder)) if conv.dtype.itemsize > 1 else conv.dtype
    with TempFile(path, overwrite) as temp:
        out = temp.file
        out.write(bytes(HEADER_SIZE))
        out.write(ext)
        nbytes = int(np.prod(source.shape, dtype=np.int64)) * conv.dtype.itemsize
        with progress_bar(nbytes, f"write {os.path.basename(path)}", setting=progress) as bar:
            stats = _write_data(out, source, conv, file_dtype, bar=bar)
        header = attrs.evolve(header, **stats.as_fields())
        out.seek(0)
        out.write(MRC2014_HEADER.build(header, byteorder))
        temp.commit()
    return path


def _write_data(out, source, conv, file_dtype, bar=None):
    """Convert, check and write ``source`` block by block (``bar``: a progress bar to advance);
    return its :class:`Stats`."""
    acc = StatsAccumulator()
    source_dtype = np.dtype(source.dtype)
    for block in iter_blocks(source, BLOCK_BYTES):
        if block.dtype.byteorder not in ("=", "|") and block.dtype.itemsize > 1:
            block = block.astype(block.dtype.newbyteorder("="))
        native = convert_block(block, conv, source_dtype)
        acc.add(native)
        if native.dtype != file_dtype:
            native = native.astype(file_dtype)
        out.write(memoryview(np.ascontiguousarray(native)).cast("B"))
        if bar is not None:
            bar.update(native.nbytes)
    return acc.result()


def new(path: PathLike, shape: Sequence[int], dtype: DTypeLike | int = np.float32, *,
        voxel_size: float | Sequence[float] | None = None, origin: Sequence[float] | None = None,
        labels: str | Iterable[str] = (), extended_header: object = None, exttyp: str | bytes | None = None,
        overwrite: bool = False, byteorder: str | None = "<", volume: bool = False) -> MrcFile:
    """Create an MRC file of ``shape`` and ``dtype`` (or a mode number) and open it ``"r+"``.

    The file is made at full size as a sparse file (reading as zeros) without any data in
    memory; fill ``f.data`` (a writable memmap) in place.  DMIN/DMAX/DMEAN/RMS are computed
    block by block when the file is flushed or closed.  Other arguments as for :func:`write`.
    """
    byteorder = byteorder_argument(byteorder, NATIVE)
    path = os.fspath(path)
    check_destination(os.path.abspath(path), overwrite)
    geo = geometry_of(shape, volume)
    conv = new_conversion(dtype)
    ext, exttyp = extended_bytes(extended_header, exttyp, byteorder, geo.nz)
    header = make_header(geo, conv.mode, byteorder, voxel_size=voxel_size, origin=origin, labels=labels,
                         nsymbt=len(ext), exttyp=exttyp)
    raw = MRC2014_HEADER.build(header, byteorder)
    nbytes = geo.nx * geo.ny * geo.nz * conv.dtype.itemsize
    with TempFile(path, overwrite) as temp:
        temp.file.write(raw)
        temp.file.write(ext)
        temp.file.truncate(HEADER_SIZE + len(ext) + nbytes)  # a hole: no data written or held
        temp.commit()
    try:
        mrc = MrcFile(path, "r+")
    except BaseException:
        os.unlink(path)
        raise
    mrc.statistics_stale = True
    return mrc
