"""``set_extended_header``: add, replace or remove the extended header of an existing file without
moving its data where the file system allows (``fallocate`` insert/collapse range on Linux)."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import sys

import attrs

from ..errors import MrcFormatError
from ..format.exttyp import LEGACY_FEI_SIZES
from ..format.geometry import HEADER_SIZE, data_geometry, parse_header
from ..format.mrc2014 import MRC2014_HEADER
from .atomic import TempFile
from .extended import extended_bytes
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
        old_ext = f.read(old)
    ext, code = extended_bytes(extended_header, exttyp, parsed.byteorder, parsed.header.nz)
    blksize = os.stat(path).st_blksize or 4096

    def header_block(nsymbt):
        header = attrs.evolve(parsed.header, nsymbt=nsymbt, exttyp=code)
        return MRC2014_HEADER.build(header, parsed.byteorder) + ext.ljust(nsymbt, b"\0")

    if method != "rewrite":
        if ext and len(ext) <= old:
            with open(path, "r+b") as out:
                out.write(header_block(old))
                out.flush()
                os.fsync(out.fileno())
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
    with TempFile(path, overwrite=True) as temp, open(path, "rb") as src:
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
    """Insert / collapse ``length`` bytes at the start of the file without moving data; False if unsupported."""
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
