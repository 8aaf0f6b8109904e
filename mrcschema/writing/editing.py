"""``mrcschema.edit``: change the header of an existing file where it is, writing only the bytes
that change (``docs/editing.md``).

Every change goes through one function, :func:`update_header`: the file is opened once (its
descriptor is used for every read and the write, never the name again), the 1024 header bytes are
read, the change makes a new header record (the pure functions of
:mod:`mrcschema.format.header_edits` and :mod:`mrcschema.format.header_changes`, which check every
value before anything is written), the two headers are compared byte by byte, and only the runs
that differ are handed to :func:`~mrcschema.writing.inplace.apply_in_place`, the one crash-safe
in-place mechanism.  A header change costs the header read, a write of a few bytes and one
``fsync``, whatever the file's size.

Before writing, the file is checked to be the one that was read: same inode at the path, same
size, modification and change times, same header bytes.  A file another process changed while we
worked is not touched (:class:`FileChangedError`).

``stats=True`` (``edit --stats``) recomputes DMIN/DMAX/DMEAN/RMS from the data, read in blocks of
:data:`STATS_BLOCK_BYTES` through the descriptor (``pread``: bounded memory, and a file truncated
meanwhile is an error, never a crash).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from ..errors import MrcFormatError
from ..format import header_changes, header_edits
from ..format.geometry import HEADER_SIZE, ParsedHeader, data_geometry, parse_header
from ..format.meaning import stamp_byteorder
from ..format.modes import unpack_4bit
from ..format.mrc2014 import MRC2014_HEADER
from ..format.records import evolve, record
from ..format.statistics import StatsAccumulator
from ..progress import progress as progress_bar
from .inplace import apply_in_place

__all__ = ["edit", "update_header", "Change", "EditResult", "FileChangedError", "NotRegularFileError"]

#: bytes of data read at a time by ``stats=True``
STATS_BLOCK_BYTES = 16 << 20


class FileChangedError(OSError):
    """The file changed on disk (replaced, resized, rewritten) between our read and our write:
    nothing was written."""


class NotRegularFileError(OSError):
    """The path names a FIFO, a socket, a device or a directory: no file to change in place."""


@record
class Change:
    """One header field changed: its dump name, offset, and the values before and after."""

    field: str
    offset: int | None
    old: object
    new: object

    def __str__(self):
        return (f"{self.field}: {header_changes.describe_value(self.old)} -> "
                f"{header_changes.describe_value(self.new)}")

    def to_dict(self) -> dict:
        from ..format.values import typed

        return {"field": self.field, "offset": self.offset, "old": typed(self.old), "new": typed(self.new)}


@record
class EditResult:
    """What an edit did to one file: the fields changed (or that would change, ``dry_run``) and
    whether anything was written."""

    path: str
    changes: tuple
    written: bool

    def __bool__(self):
        return bool(self.changes)


#: a change to a header: (parsed header as read, descriptor, file size) -> new header record
Transform = Callable[[ParsedHeader, int, int], object]


def _snapshot(fd, path):
    st = os.fstat(fd)
    return st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _check_unchanged(fd, path, before, raw):
    """Raise :class:`FileChangedError` unless ``path`` still names the file ``fd`` opened, with the
    size, times and header bytes it had when read."""
    now = _snapshot(fd, path)
    try:
        named = os.stat(path)
        same_file = (named.st_ino, named.st_dev) == now[:2]
    except FileNotFoundError:
        same_file = False
    if not same_file:
        raise FileChangedError(f"{path} was replaced or removed while it was being edited; nothing written")
    if now != before or os.pread(fd, HEADER_SIZE, 0) != raw:
        raise FileChangedError(f"{path} changed on disk while it was being edited (size, times or header); "
                               "nothing written")


def open_regular(path, writable: bool) -> int:
    """A descriptor of ``path``, which must be a regular file (a FIFO is refused, not waited on)."""
    fd = os.open(path, (os.O_RDWR if writable else os.O_RDONLY) | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFileError(f"{path} is not a regular file (a FIFO, socket or device): not changed")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_parsed(fd: int, path: str, byteorder=None) -> ParsedHeader:
    raw = os.pread(fd, HEADER_SIZE, 0)
    if len(raw) < HEADER_SIZE:
        raise MrcFormatError(f"{path}: {len(raw)} bytes, shorter than the {HEADER_SIZE}-byte header",
                             field="file", offset=0)
    return parse_header(raw, byteorder)


def update_header(path: str | os.PathLike, transform: Transform, *, dry_run: bool = False,
                  byteorder: str | None = None) -> EditResult:
    """Read the header of ``path``, make the new one with ``transform(parsed, fd, file_size)``
    and write the bytes that differ through :func:`apply_in_place` (nothing when none differ, or
    ``dry_run``).  ``byteorder``: read the header in this order instead of the one it declares."""
    path = os.fspath(path)
    fd = open_regular(path, writable=not dry_run)
    try:
        before = _snapshot(fd, path)
        parsed = read_parsed(fd, path, byteorder)
        new = transform(parsed, fd, before[2])
        new_raw = MRC2014_HEADER.build(new, parsed.byteorder)
        ranges = header_changes.changed_ranges(parsed.raw, new_raw)
        old_header = MRC2014_HEADER.parse(parsed.raw, parsed.byteorder)
        changes = tuple(Change(*c) for c in header_changes.changed_fields(old_header, new))
        if dry_run or not ranges:
            return EditResult(path, changes, False)
        _check_unchanged(fd, path, before, parsed.raw)
        apply_in_place(fd, path, ranges)
        return EditResult(path, changes, True)
    finally:
        os.close(fd)


def data_statistics(fd: int, path: str, parsed: ParsedHeader, file_size: int, *, progress: bool | None = None):
    """The :class:`~mrcschema.format.statistics.Stats` of the data block, read through ``fd`` in
    blocks of :data:`STATS_BLOCK_BYTES` (memory bounded whatever the file's size)."""
    g = data_geometry(parsed, file_size)
    acc = StatsAccumulator()
    unit = g.stored_shape[-1] if g.mode.packed_4bit else g.dtype.itemsize  # mode 101: whole rows of packed bytes
    step = max(unit, STATS_BLOCK_BYTES // unit * unit)
    with progress_bar(g.nbytes, f"statistics {os.path.basename(path)}", setting=progress) as bar:
        for start in range(0, g.nbytes, step):
            size = min(step, g.nbytes - start)
            chunk = os.pread(fd, size, g.offset + start)
            if len(chunk) != size:
                raise MrcFormatError(f"{path}: the data block ends at {g.offset + start + len(chunk)}, short of the "
                                     f"{g.offset + g.nbytes} the header implies (the file was truncated?)",
                                     field="data", offset=g.offset + start + len(chunk))
            values = np.frombuffer(chunk, dtype=g.dtype)
            if g.mode.packed_4bit:
                values = unpack_4bit(values.reshape(-1, g.stored_shape[-1]), parsed.header.nx)
            acc.add(values)
            bar.update(size)
    return acc.result()


def edit(path: str | os.PathLike, *, voxel_size: float | Sequence[float] | None = None,
         origin: Sequence[float] | None = None, start: Sequence[int] | None = None,
         axis_order: Sequence[int] | str | None = None, ispg: int | str | None = None, mz: int | None = None,
         add_labels: Iterable[str] = (), labels: Iterable[str] | None = None, clear_labels: bool = False,
         machine_stamp: str | bytes | None = None, nversion: int | None = None, exttyp: str | bytes | None = None,
         stats: bool = False, dry_run: bool = False, progress: bool | None = None) -> EditResult:
    """Change the header of the MRC file at ``path`` in place; return what changed.

    ``voxel_size`` Å (one number or x, y, z: CELLA = size x M), ``origin`` (x, y, z), ``start``
    (NXSTART, NYSTART, NZSTART), ``axis_order`` (MAPC, MAPR, MAPS: a permutation of 1, 2, 3 or
    "xyz"-style text), ``ispg`` ("image"/"stack", "volume", "volume-stack" or a number; ``mz``
    sections per volume of a volume stack), ``labels`` (replace all), ``clear_labels``,
    ``add_labels`` (appended; with all ten used, IMOD's rollover drops the second), ``machine_stamp``
    ("<"/"little", ">"/"big" or a standard stamp; it must say the order the header is read in),
    ``nversion`` (20140/20141), ``exttyp`` (4 characters), ``stats`` (DMIN/DMAX/DMEAN/RMS from the
    data, read in bounded blocks).  The changes are applied in that order, checked in full before
    any byte is written; only the bytes that differ are written, crash-safe
    (:func:`~mrcschema.writing.inplace.apply_in_place`).  ``dry_run``: report, write nothing.
    A file changed on disk meanwhile raises :class:`FileChangedError` and is left as it is."""
    add_labels = [add_labels] if isinstance(add_labels, str) else list(add_labels)
    if isinstance(labels, str):
        labels = [labels]

    def transform(parsed, fd, file_size):
        h = parsed.header
        if voxel_size is not None:
            h = header_edits.with_voxel_size(h, voxel_size)
        if origin is not None:
            h = header_edits.with_origin(h, origin)
        if start is not None:
            h = header_changes.with_start(h, start)
        if axis_order is not None:
            h = header_changes.with_axis_order(h, axis_order)
        if ispg is not None or mz is not None:
            h = header_changes.with_space_group(h, h.ispg if ispg is None else ispg, mz)
        if clear_labels or labels is not None:
            h = header_changes.with_labels_replaced(h, [] if labels is None else list(labels))
        for text in add_labels:
            h = header_changes.with_label_added(h, text)
        if machine_stamp is not None:
            h = header_changes.with_machine_stamp(h, machine_stamp)
            stamped = stamp_byteorder(h.machst)
            if stamped != parsed.byteorder:
                raise ValueError(f"{path}: the header is {'little' if parsed.byteorder == '<' else 'big'}-endian; "
                                 f"a stamp saying otherwise ({h.machst.hex(' ')}) would make readers read it wrong")
        if nversion is not None:
            h = header_changes.with_nversion(h, nversion)
        if exttyp is not None:
            h = header_changes.with_exttyp(h, exttyp)
        if stats:
            if header_edits.has_stats(h):
                h = evolve(h, **data_statistics(fd, path, parsed, file_size,
                                                             progress=progress).as_fields())
        return h

    return update_header(path, transform, dry_run=dry_run)
