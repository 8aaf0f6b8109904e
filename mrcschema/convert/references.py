"""Kerchunk references: an MRC file read as a Zarr array in place, without a copy.

The data block of an MRC file is one contiguous, uncompressed run of bytes at ``1024 + NSYMBT``, so a
Zarr (v2) array whose chunks are whole sections, with no compressor and the file's byte order, is
described by a reference set (kerchunk's format, version 1) mapping each chunk key to
``[url, offset, length]`` in the file.  Only the header is read to build it: a 100 GB file takes the
time of a header read plus one small JSON entry per section.

The set is a Zarr group: array ``data`` (dimensions named by :mod:`.axes`, so xarray's kerchunk
engine names them) and the file's header and axes in the group's attributes.  Complex int16 (mode 3)
is a structured dtype ``[("real", "<i2"), ("imag", "<i2")]`` (Zarr v2 stores it; numpy reads it as
mrcschema does), RGB (mode 16) a trailing axis of 3 bytes.  4-bit data (mode 101) has no Zarr dtype
and is refused, as are files whose data are not byte ranges of a file (gzip/bzip2, a pipe, bytes).
"""

from __future__ import annotations

import json
import math
import os

from ..errors import MrcFormatError
from ..format.mrc2014 import header_error
from ..reading.mrc_file import open as open_mrc
from .axes import array_axes
from .metadata import file_attributes

#: the name of the data array in the reference set's group
ARRAY = "data"


def reference_url(f) -> str:
    """Where the references point: the absolute path of a local file or the URL of a remote one."""
    source = f.source
    if source.compressed:
        raise ValueError(f"{f.path} is {source.compressed}-compressed: its sections are not byte ranges of the file, "
                         "so it cannot be referenced in place (decompress it first)")
    if source.mappable_path is not None:
        return os.path.abspath(source.mappable_path)
    if source.remote:
        return source.path
    raise ValueError(f"{f.path}: references need a file or a URL to point at, not data in memory or a pipe")


def zarr_dtype(geometry) -> object:
    """The Zarr v2 dtype of the stored elements (``"<f4"``, ``"|u1"``, a structured list for complex int16)."""
    dtype = geometry.dtype
    if geometry.mode.packed_4bit:
        raise header_error("mode", "mode 101 (4-bit values packed two per byte) has no Zarr data type; "
                                   "references cannot describe it (convert the file instead)")
    if dtype.fields:
        return [[name, dtype.fields[name][0].str] for name in dtype.names]
    return dtype.str


def to_references(target, *, storage_options: dict | None = None, url: str | None = None) -> dict:
    """A kerchunk reference set (``{"version": 1, "refs": {...}}``) for the data of the MRC file
    ``target`` (a path or URL; ``storage_options`` for fsspec).  ``url``: write this location into
    the chunk references instead of where the file was read (a local file about to be uploaded).

    Read it with ``fsspec.filesystem("reference", fo=refs)`` and ``zarr.open_group(fs.get_mapper(),
    mode="r")["data"]``, or ``xarray.open_dataset(refs, engine="kerchunk")``."""
    with open_mrc(target, storage_options=storage_options) as f:
        g = f.geometry
        if g is None:  # opened strictly, so the data block was located; a guard for the type checker
            raise ValueError(f"{f.path}: the data block cannot be located")
        dtype = zarr_dtype(g)
        location = url or reference_url(f)
        axes = array_axes(f)
        shape = [int(n) for n in g.shape]
        chunks = [1] * (len(shape) - 2) + shape[-2:]  # one whole section per chunk
        if g.mode.samples_per_pixel > 1:  # RGB: (sections, rows, columns, 3)
            chunks = [1] * (len(shape) - 3) + shape[-3:]
        section_bytes = math.prod(chunks) * g.dtype.itemsize
        if section_bytes == 0:
            raise MrcFormatError(f"{f.path}: the data block is empty ({shape}): nothing to reference",
                                 field="nx", offset=0)
        count = math.prod(shape) * g.dtype.itemsize // section_bytes
        grid = [n // c for n, c in zip(shape, chunks)]
        attributes = file_attributes(f, axes)
    zarray = {"zarr_format": 2, "shape": shape, "chunks": chunks, "dtype": dtype, "compressor": None, "filters": None,
              "fill_value": None, "order": "C", "dimension_separator": "."}
    refs: dict[str, object] = {
        ".zgroup": json.dumps({"zarr_format": 2}),
        ".zattrs": json.dumps(attributes, allow_nan=False),
        f"{ARRAY}/.zarray": json.dumps(zarray),
        f"{ARRAY}/.zattrs": json.dumps({"_ARRAY_DIMENSIONS": [axis.name for axis in axes]}),
    }
    for index in range(count):
        key = ".".join(str(i) for i in _unravel(index, grid))
        refs[f"{ARRAY}/{key}"] = [location, g.offset + index * section_bytes, section_bytes]
    return {"version": 1, "refs": refs}


def _unravel(index: int, grid: list[int]) -> list[int]:
    out = []
    for n in reversed(grid):
        index, i = divmod(index, n)
        out.append(i)
    return out[::-1]


def write_references(target, output, *, storage_options: dict | None = None, url: str | None = None) -> int:
    """Write :func:`to_references` of ``target`` as JSON to ``output`` (a path; written to a
    temporary file and renamed, so it is complete or absent).  Returns the number of chunks."""
    refs = to_references(target, storage_options=storage_options, url=url)
    output = os.fspath(output)
    temporary = f"{output}.part{os.getpid()}"
    try:
        with open(temporary, "w") as out:
            json.dump(refs, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, output)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return sum(1 for key in refs["refs"] if not key.rpartition("/")[2].startswith("."))
