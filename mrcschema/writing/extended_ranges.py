"""``set_extended_header``: add, replace or remove the extended header of an existing file without
moving its data where the file system allows (``fallocate`` insert/collapse range on Linux)."""

from __future__ import annotations

import errno
import os

import attrs

from ..errors import MrcFormatError
from ..format.exttyp import LEGACY_FEI_SIZES
from ..format.geometry import HEADER_SIZE, data_geometry, parse_header
from ..format.mrc2014 import MRC2014_HEADER
from .atomic import TempFile
from .extended import extended_bytes
from .inplace import COLLAPSE, INSERT, apply_in_place, apply_shift
from .new_header import INT32_MAX

#: NSYMBT that RosettaSciIO takes for the legacy 1024 x 128-byte FEI header: padding avoids it
_RSCIIO_LEGACY_FEI_SIZE = LEGACY_FEI_SIZES[0]


def set_extended_header(path: str | os.PathLike, extended_header: object, *, exttyp: str | bytes | None = None,
                        method: str = "auto") -> str:
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
    ext, code = extended_bytes(extended_header, exttyp, parsed.byteorder, parsed.header.nz)
    blksize = os.stat(path).st_blksize or 4096

    def header_block(nsymbt):
        header = attrs.evolve(parsed.header, nsymbt=nsymbt, exttyp=code)
        return MRC2014_HEADER.build(header, parsed.byteorder) + ext.ljust(nsymbt, b"\0")

    if method != "rewrite":
        done = _change_in_place(path, parsed, old, ext, header_block, blksize)
        if done is not None:
            return done
        if method == "insert":
            raise OSError(errno.EOPNOTSUPP, "cannot insert or collapse a range of this file here", path)
    with TempFile(path, overwrite=True) as temp, open(path, "rb") as src:
        temp.file.write(header_block(len(ext)))
        temp.file.flush()
        _copy_range(src, temp.file, geometry.offset, size - geometry.offset)
        temp.commit(sync=True)
    return "rewrite"


def _change_in_place(path, parsed, old, ext, header_block, blksize):
    """The change made in the file itself, journaled (:mod:`.inplace`): the header block written over
    the old one, or whole blocks inserted / collapsed at the start first.  None where the file system
    cannot shift ranges (nothing changed: the caller rewrites)."""
    if ext and len(ext) <= old:
        kind, length, nsymbt = None, 0, old
    elif not ext and old == 0:
        return "in place"
    elif ext:  # grow: insert whole blocks at offset 0, then overwrite header + extended header
        length = -(-(len(ext) - old) // blksize) * blksize
        if old + length == _RSCIIO_LEGACY_FEI_SIZE:
            length += blksize
        kind, nsymbt = INSERT, old + length
    else:  # remove: collapse the first NSYMBT bytes, then write the header
        kind, length, nsymbt = COLLAPSE, old, 0
    if kind is not None and (nsymbt > INT32_MAX or length % blksize):
        return None
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        if kind is None:
            apply_in_place(fd, path, [(0, header_block(nsymbt))])
            return "in place"
        if parsed.raw != os.pread(fd, HEADER_SIZE, 0):
            raise OSError(errno.EAGAIN, "the file changed while its extended header was being set", path)
        return kind if apply_shift(fd, path, kind, length, [(0, header_block(nsymbt))]) else None
    finally:
        os.close(fd)


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
