"""``mrcschema.append`` / ``MrcFile.append``: sections added after the data of an existing stack,
volume or volume stack, without reading or moving what is there (``docs/editing.md``).

One in-place change (:func:`~mrcschema.writing.inplace.apply_in_place`) holds, in this order: the
new sections' bytes, wholly beyond the old end of the file (a crash there needs no undo data: the
file is cut back to its old size); the new records of a per-section extended header, in the spare
room the block already has; and the header bytes that change (NZ, MZ for one volume, CELLA.Z to
keep the voxel size, the statistics).  A kill at any moment leaves the old file or the longer one,
never a header counting sections that are not there.

The statistics are merged, not recomputed: the header's DMIN/DMAX/DMEAN/RMS (when it claims all
four) with those of the new sections (Chan's update of count, mean and squared deviations), so an
append costs what writing its own bytes costs.  A header whose statistics are marked undetermined
keeps them so.

An extended header with one record per section (FEI1, FEI2, SERI, Agard, the old FEI block) gets
the records for the new sections (``extended_header=``) written into its spare room; where the block
has no room for them, or none are given, the call raises and says why (growing the block would move
the whole data block: make room first with :func:`mrcschema.set_extended_header`).
"""

from __future__ import annotations

import math
import os
import typing

import numpy as np
from numpy.typing import ArrayLike

from ..errors import MrcFormatError
from ..format import header_changes
from ..format.geometry import HEADER_SIZE, data_geometry
from ..format.meaning import is_volume, is_volume_stack
from ..format.mrc2014 import MRC2014_HEADER
from ..format.records import evolve, record
from ..format.statistics import StatsAccumulator
from .editing import Change, FileChangedError, _check_unchanged, _snapshot, open_regular, read_parsed
from .inplace import apply_in_place

__all__ = ["append", "AppendResult"]

#: extended-header kinds holding one record per section
PER_SECTION_KINDS = ("FEI1", "FEI2", "FEI_LEGACY", "SERI", "AGAR")


@record
class AppendResult:
    """What an append did: sections before and after, and the header fields changed."""

    path: str
    sections_before: int
    sections_after: int
    changes: tuple


def _sections(frames: np.ndarray, h, path) -> np.ndarray:
    """``frames`` as (k, ny, nx): one section (ny, nx), sections (k, ny, nx) or volumes (v, mz, ny, nx)."""
    if frames.ndim == 2:
        frames = frames[np.newaxis]
    elif frames.ndim == 4:
        frames = frames.reshape((-1,) + frames.shape[2:])
    if frames.ndim != 3 or frames.shape[1:] != (h.ny, h.nx):
        raise ValueError(f"{path}: sections are (NY, NX) = ({h.ny}, {h.nx}); got frames of shape {frames.shape}")
    if is_volume_stack(h.ispg) and frames.shape[0] % h.mz:
        raise ValueError(f"{path} is a volume stack of {h.mz} sections per volume (MZ); {frames.shape[0]} sections "
                         "are not whole volumes")
    return frames


def _converted(frames: np.ndarray, dtype: np.dtype, path) -> np.ndarray:
    """``frames`` in the file's dtype and byte order, when no value changes."""
    if frames.dtype == dtype:
        return np.ascontiguousarray(frames)
    if np.can_cast(frames.dtype, dtype.newbyteorder("="), "safe"):
        return np.ascontiguousarray(frames, dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # values that do not fit: refused just below
        converted = np.ascontiguousarray(frames, dtype=dtype)
        same = np.array_equal(converted.astype(frames.dtype), frames, equal_nan=frames.dtype.kind in "fc")
    if not same:
        raise MrcFormatError(f"{path}: the frames ({frames.dtype}) do not fit the file's {dtype} without changing "
                             "values; nothing written", field="mode", offset=MRC2014_HEADER.field("mode").offset)
    return converted


#: new sections larger than this have their statistics computed in parallel parts
PARALLEL_STATS_BYTES = 16 << 20


def _merge(parts):
    """(count, mean, m2, minimum, maximum) of parts given as the same tuples: Chan's update."""
    count, mean, m2, low, high = parts[0]
    for n, part_mean, part_m2, part_low, part_high in parts[1:]:
        total = count + n
        delta = part_mean - mean
        mean, m2 = mean + delta * n / total, m2 + part_m2 + delta ** 2 * count * n / total
        low, high, count = min(low, part_low), max(high, part_high), total
    return count, mean, m2, low, high


def _frame_parts(frames: np.ndarray):
    """(count, mean, m2, minimum, maximum) of ``frames``, in one thread per CPU (up to 4) when large:
    numpy releases the GIL inside its reductions."""
    def one(part):
        acc = StatsAccumulator()
        acc.add(part)
        return acc.count, acc.mean, acc.m2, float(acc.minimum), float(acc.maximum)

    flat = frames.reshape(-1)
    workers = min(4, os.cpu_count() or 1) if flat.nbytes > PARALLEL_STATS_BYTES else 1
    if workers == 1:
        return one(flat)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return _merge(list(pool.map(one, np.array_split(flat, workers))))


def _merged_stats(h, old_count: int, frames: np.ndarray):
    """DMIN/DMAX/DMEAN/RMS of the old data (as the header states them) and ``frames``; {} when the
    header does not claim all four (they stay as they are)."""
    if not (h.dmin <= h.dmax and h.dmean >= h.dmin and h.rms >= 0) or frames.dtype.kind == "c" or not frames.size:
        return {}
    new = _frame_parts(frames)
    with np.errstate(invalid="ignore"):
        parts = [(old_count, float(h.dmean), float(h.rms) ** 2 * old_count, float(h.dmin), float(h.dmax)), new]
        n, mean, m2, low, high = _merge(parts) if old_count else new
    return {"dmin": low, "dmax": high, "dmean": float(np.float32(mean)), "rms": float(np.float32(math.sqrt(m2 / n)))}


def _extended_writes(fd, path, parsed, new_nz, count, extended_header):
    """The (offset, bytes) of the new sections' records, or [] for a file without per-section records."""
    h = parsed.header
    if h.nsymbt <= 0:
        kind = "none"
        ext = None
    else:
        import warnings

        from ..format.extended import parse_extended_header

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ext = parse_extended_header(os.pread(fd, h.nsymbt, HEADER_SIZE), h, parsed.imod, parsed.byteorder)
        kind = ext.kind
    if kind not in PER_SECTION_KINDS or ext is None or ext.records is None:
        if extended_header is not None:
            raise ValueError(f"{path}: its extended header ({kind}) holds no per-section records to add to")
        return []
    if extended_header is None:
        raise ValueError(f"{path}: its {kind} extended header holds one record per section; give the {count} new "
                         "sections' records (extended_header=...) or append to a copy without them")
    if ext.capacity < new_nz:
        raise ValueError(f"{path}: its {kind} extended header has room for {ext.capacity} records of "
                         f"{ext.record_size} bytes and {new_nz} are needed; growing it would move the whole data "
                         "block: make room first with mrcschema.set_extended_header, then append")
    records = np.asarray(extended_header)
    dtype = ext.records.dtype
    if records.dtype.names != dtype.names or len(records.reshape(-1)) != count:
        raise ValueError(f"{path}: extended_header must be {count} records of the file's {kind} layout "
                         f"(dtype {dtype}), got {records.dtype} x {records.size}")
    raw = np.ascontiguousarray(records.reshape(-1).astype(dtype)).tobytes()
    if ext.record_size != dtype.itemsize:  # strided records (Velox padding): each at its own stride
        return [(HEADER_SIZE + (h.nz + i) * ext.record_size, raw[i * dtype.itemsize:(i + 1) * dtype.itemsize])
                for i in range(count)]
    return [(HEADER_SIZE + h.nz * ext.record_size, raw)]


def append(target, frames: ArrayLike, *, extended_header: object = None) -> AppendResult:
    """Add ``frames`` after the data of the MRC file ``target`` (a path, or an :class:`MrcFile` open
    ``"r+"``: its pending edits are flushed first and it sees the new sections afterwards).

    ``frames``: one section (ny, nx), sections (k, ny, nx) or, for a volume stack, whole volumes
    (v, mz, ny, nx), in a dtype the file's mode holds without changing a value.  NZ grows (and MZ
    with it for one volume, CELLA.Z keeping the voxel size); the statistics are merged.  A
    per-section extended header needs ``extended_header``: the new sections' records.  One
    crash-safe in-place change (module doc); a file changed on disk meanwhile is not touched
    (:class:`~mrcschema.writing.editing.FileChangedError`)."""
    from ..reading.mrc_file import MrcFile

    if isinstance(target, MrcFile):
        return _append_open(target, frames, extended_header)
    path = os.fspath(target)
    fd = open_regular(path, writable=True)
    try:
        before = _snapshot(fd, path)
        parsed = read_parsed(fd, path)
        h = parsed.header
        g = data_geometry(parsed, before[2])
        if g.mode.packed_4bit:
            raise ValueError(f"{path}: mode 101 (4-bit) sections share bytes; appending to it is not supported")
        old_end = g.offset + g.nbytes
        if before[2] != old_end:
            raise MrcFormatError(f"{path} is {before[2]} bytes, not the {old_end} its header implies; appending "
                                 "after the data would not be after the file", field="file", offset=old_end)
        sections = _converted(_sections(np.asarray(frames), h, path), g.dtype, path)
        count = sections.shape[0]
        new_nz = h.nz + count
        if new_nz > header_changes.INT32_MAX:
            raise ValueError(f"{path}: NZ {new_nz} does not fit the header")
        ext_writes = _extended_writes(fd, path, parsed, new_nz, count, extended_header)
        new = evolve(h, nz=new_nz, **_merged_stats(h, h.nx * h.ny * h.nz, sections))
        if is_volume(h.ispg) and h.mz == h.nz:  # one volume: it grows, its voxel size kept
            new = header_changes.with_space_group(new, h.ispg)
        header_writes = header_changes.changed_ranges(parsed.raw, MRC2014_HEADER.build(new, parsed.byteorder))
        data = typing.cast(bytes, sections.reshape(-1).view(np.uint8).data)  # the sections' bytes, no copy
        _check_unchanged(fd, path, before, parsed.raw)
        # sections beyond the old end first, then records in the spare room, then the header
        apply_in_place(fd, path, [(old_end, data), *ext_writes, *header_writes], new_size=old_end + len(data))
        changes = tuple(Change(*c) for c in header_changes.changed_fields(h, new))
        return AppendResult(path, h.nz, new_nz, changes)
    finally:
        os.close(fd)


def _append_open(mrc, frames, extended_header):
    if mrc.mode != "r+" or mrc.closed:
        raise ValueError(f"{mrc.path}: sections are appended to a file open 'r+' (it is "
                         f"{'closed' if mrc.closed else repr(mrc.mode)})")
    mrc.flush()
    result = append(mrc.path, frames, extended_header=extended_header)
    mrc._reopen_after_append()
    return result


__all__ += ["FileChangedError"]
