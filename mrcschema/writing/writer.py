"""Writing MRC2014 files: :func:`write` (an array) and :func:`new` (an empty file to fill in
place); :func:`mrcschema.set_extended_header` is in :mod:`.extended_ranges`.

Every header is built through the schema (``MRC2014_HEADER.build``), so the bytes written
are defined by the same text that parses them.  Nothing is written in place: a new file is
made under a temporary name in the destination folder and moved over the destination only
when complete (``os.link`` when the name must not exist, ``os.replace`` with
``overwrite=True``), so an error at any point leaves no partial file and any old file intact.

:func:`write` also writes to an open binary file object or a URL (fsspec): header, extended
header and data are then written in one pass, in order, so the target need not seek (a pipe,
an S3 multipart upload).  The statistics the header holds are computed first, in a pass over the
data that writes nothing (a lossy conversion is refused before any byte is written).  Only local
paths are atomic: a URL's object appears when the upload is committed (on S3, at the end), and an
error then aborts the upload where fsspec can (``discard``); a file object gets what was written.

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
import typing
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
from ..sources.journal import reserve as reserve_blocks
from ..sources.urls import is_url, local_path_of
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


def write(path: PathLike | typing.BinaryIO | typing.Any, data: ArrayLike, *,
          voxel_size: float | Sequence[float] | None = None,
          origin: Sequence[float] | None = None, labels: str | Iterable[str] = (), extended_header: object = None,
          exttyp: str | bytes | None = None, overwrite: bool = False, byteorder: str | None = "<",
          volume: bool = False, storage_options: dict | None = None, progress: bool | None = None,
          like: object = None) -> str:
    """Write ``data`` as a new MRC2014 file at ``path``.

    ``data``: 2D (ny, nx) image, 3D (nz, ny, nx) image stack (``volume=True``: a volume),
    4D (volumes, nz, ny, nx) volume stack; see the module doc for dtypes.  ``voxel_size`` in
    Å (one number or x, y, z; default 0 = unknown), ``origin`` (x, y, z) in Å, ``labels`` up
    to 10 texts, ``extended_header`` FEI1/FEI2 record arrays or raw bytes with ``exttyp``,
    ``byteorder`` "<" or ">".  Refuses an existing ``path`` unless ``overwrite=True``.
    The file appears complete or not at all.  ``progress``: a bar on stderr while more than 256 MiB
    are written (:mod:`mrcschema.progress`): None when stderr is a terminal, True always, False
    never.  Returns the path.

    ``path`` may also be an open binary file object (written from its current position, in one
    pass, never seeked) or a URL (``s3://...``: fsspec with ``storage_options``; ``overwrite`` is not
    checked there, the object is replaced): see the module doc; neither is atomic.

    ``like``: another MRC file (a path or an open file) whose header is the template: its voxel
    size, origin, start, labels, extended header... as far as they stay valid for ``data``
    (:mod:`mrcschema.writing.template`; what is dropped is said in one warning).
    """
    byteorder = byteorder_argument(byteorder, NATIVE)
    stream_target = callable(getattr(path, "write", None))
    name = ""
    if not stream_target:
        name = os.fspath(typing.cast(PathLike, path))
        local = local_path_of(name) if is_url(name) else name
        if local is None:
            stream_target = True
        else:
            name = local
    if not stream_target:
        check_destination(os.path.abspath(name), overwrite)
    source = _as_source(data)
    geo = geometry_of(source.shape, volume)
    conv = target_mode(source.dtype)
    if conv.check == "range":
        conv = integer_target(source, np.dtype(source.dtype))
    header, ext = _header(geo, conv.mode, byteorder, like, voxel_size=voxel_size, origin=origin, labels=labels,
                          extended_header=extended_header, exttyp=exttyp)
    MRC2014_HEADER.build(header, byteorder)  # fail on a bad field before creating anything
    file_dtype = conv.dtype.newbyteorder(cast(ByteOrder, byteorder)) if conv.dtype.itemsize > 1 else conv.dtype
    if stream_target:
        return _write_stream(path if name == "" else name, header, byteorder, ext, source, conv, file_dtype,
                             storage_options)
    compressor = compressor_for(name)
    if compressor is not None:  # map.mrc.gz: the file compressed as it is written, still atomically
        with TempFile(name, overwrite) as temp:
            with compressor(temp.file) as packed:
                _write_stream(packed, header, byteorder, ext, source, conv, file_dtype, storage_options)
            temp.commit()
        return name
    with TempFile(name, overwrite) as temp:
        out = temp.file
        out.write(bytes(HEADER_SIZE))
        out.write(ext)
        nbytes = int(np.prod(source.shape, dtype=np.int64)) * conv.dtype.itemsize
        with progress_bar(nbytes, f"write {os.path.basename(name)}", setting=progress) as bar:
            stats = _write_data(out, source, conv, file_dtype, bar=bar)
        header = attrs.evolve(header, **stats.as_fields())
        out.seek(0)
        out.write(MRC2014_HEADER.build(header, byteorder))
        temp.commit()
    return name


def _header(geo, mode, byteorder, like, *, voxel_size, origin, labels, extended_header, exttyp) -> tuple:
    """The header and extended header of new data, from the arguments and the template ``like``."""
    fields: dict = {}
    if like is not None:
        from .template import template_from, warn_dropped

        template = template_from(like, geo, byteorder, voxel_size=voxel_size, origin=origin, labels=labels,
                                 extended_header=extended_header, exttyp=exttyp)
        warn_dropped(template, getattr(like, "path", like), stacklevel=4)
        voxel_size, origin, labels = template.voxel_size, template.origin, template.labels
        extended_header, exttyp, fields = template.extended_header, template.exttyp, template.fields
    ext, exttyp = extended_bytes(extended_header, exttyp, byteorder, geo.nz)
    header = make_header(geo, mode, byteorder, voxel_size=voxel_size, origin=origin, labels=labels,
                         nsymbt=len(ext), exttyp=exttyp)
    if fields:
        from .template import apply_fields

        header = apply_fields(header, fields)
    return header, ext


#: file name suffixes written compressed (as mrcfile's ``compression=`` writes them, and as the reader reads them)
COMPRESSED_SUFFIXES = (".gz", ".bz2")


def compressor_for(name: str):
    """A function wrapping a binary file object in a compressing writer, for a name ending in
    ``.gz`` (gzip, no time stamp: the same data gives the same bytes) or ``.bz2``; None otherwise."""
    lower = name.lower()
    if lower.endswith(".gz"):
        import gzip

        return lambda raw: gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)
    if lower.endswith(".bz2"):
        import bz2

        return lambda raw: bz2.BZ2File(raw, "wb")
    return None


def _write_stream(target, header, byteorder, ext, source, conv, file_dtype, storage_options):
    """Statistics first (nothing written), then header, extended header and data in one pass."""
    header = attrs.evolve(header, **_write_data(None, source, conv, file_dtype).as_fields())
    raw = MRC2014_HEADER.build(header, byteorder)
    if callable(getattr(target, "write", None)):
        target.write(raw)
        target.write(ext)
        _write_data(target, source, conv, file_dtype)
        name = getattr(target, "name", None)
        return name if isinstance(name, str) else f"<{type(target).__name__}>"
    from ..sources.remote import open_output

    out = open_output(target, storage_options)
    try:
        out.write(raw)
        out.write(ext)
        _write_data(out, source, conv, file_dtype)
    except BaseException:
        discard = getattr(out, "discard", None)
        if callable(discard):
            discard()  # an S3 multipart upload aborted: no object appears
        raise
    out.close()
    return target


def _write_data(out, source, conv, file_dtype, bar=None):
    """Convert, check and write ``source`` block by block (``out`` None: only check and count;
    ``bar``: a progress bar to advance); return its :class:`Stats`."""
    acc = StatsAccumulator()
    source_dtype = np.dtype(source.dtype)
    for block in iter_blocks(source, BLOCK_BYTES):
        if block.dtype.byteorder not in ("=", "|") and block.dtype.itemsize > 1:
            block = block.astype(block.dtype.newbyteorder("="))
        native = convert_block(block, conv, source_dtype)
        acc.add(native)
        if out is None:
            continue
        if native.dtype != file_dtype:
            native = native.astype(file_dtype)
        out.write(memoryview(np.ascontiguousarray(native)).cast("B"))
        if bar is not None:
            bar.update(native.nbytes)
    return acc.result()


def new(path: PathLike, shape: Sequence[int], dtype: DTypeLike | int = np.float32, *,
        voxel_size: float | Sequence[float] | None = None, origin: Sequence[float] | None = None,
        labels: str | Iterable[str] = (), extended_header: object = None, exttyp: str | bytes | None = None,
        overwrite: bool = False, byteorder: str | None = "<", volume: bool = False, reserve: bool = True,
        like: object = None) -> MrcFile:
    """Create an MRC file of ``shape`` and ``dtype`` (or a mode number) and open it ``"r+"``.

    The file is made at full size, reading as zeros, without any data in memory; fill ``f.data``
    (a writable memmap) in place.  ``reserve`` (default): its blocks are reserved on disk first
    (``fallocate``, which writes nothing), so a disk too small for it fails here, with ``OSError``
    ENOSPC naming the path and nothing left behind, rather than later with SIGBUS while ``f.data``
    is filled; where the file system cannot reserve without writing, and with ``reserve=False``,
    the file is sparse (blocks allocated as they are written).  DMIN/DMAX/DMEAN/RMS are computed
    block by block when the file is flushed or closed.  Other arguments (``like``: a template file)
    as for :func:`write`.
    """
    byteorder = byteorder_argument(byteorder, NATIVE)
    if callable(getattr(path, "write", None)) or (isinstance(path, str) and is_url(path) and local_path_of(path) is None):
        raise TypeError("new() makes a memory-mapped local file; write(target, data) writes to a file object or a URL")
    path = os.fspath(path)
    if compressor_for(path) is not None:
        raise ValueError(f"{path}: new() makes a file whose data is filled in place, which a compressed file cannot "
                         "be; write it uncompressed, or give the whole array to write(), which compresses by the suffix")
    check_destination(os.path.abspath(path), overwrite)
    geo = geometry_of(shape, volume)
    conv = new_conversion(dtype)
    header, ext = _header(geo, conv.mode, byteorder, like, voxel_size=voxel_size, origin=origin, labels=labels,
                          extended_header=extended_header, exttyp=exttyp)
    raw = MRC2014_HEADER.build(header, byteorder)
    nbytes = geo.nx * geo.ny * geo.nz * conv.dtype.itemsize
    with TempFile(path, overwrite) as temp:
        temp.file.write(raw)
        temp.file.write(ext)
        temp.file.flush()
        total = HEADER_SIZE + len(ext) + nbytes
        if not (reserve and reserve_blocks(temp.file.fileno(), total, os.path.abspath(path))):
            temp.file.truncate(total)  # a hole: no data written or held
        temp.commit()
    try:
        mrc = MrcFile(path, "r+")
    except BaseException:
        os.unlink(path)
        raise
    mrc.statistics_stale = True
    return mrc
