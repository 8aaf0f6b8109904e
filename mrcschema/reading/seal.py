"""Closed means closed: the shared, writable memory maps an ``"r+"`` file handed out are turned, at
``close()``, into private copy-on-write maps of the same pages at the same addresses.

Every array made from such a map - ``f.data``, any slice of it, ``np.asarray(f.data)``,
``f.data_xyz``, ``f.sections[i]``, the views of a :func:`mrcschema.new` file - points into the
map's address range, so replacing the mapping under them (``mmap(addr, ..., MAP_PRIVATE |
MAP_FIXED, fd, offset)``, one system call, no gap in which the range is unmapped) reaches them all at
once: they keep reading the file's bytes, and a write through any of them changes only this
process's private copy of that page, never the file.  A flag on one array could not reach the
others (numpy views do not share their ``writeable`` flag with the array they came from).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import sys

import numpy as np

_PROT_READ_WRITE = mmap.PROT_READ | mmap.PROT_WRITE
_MAP_FIXED = getattr(mmap, "MAP_FIXED", 0x10)


def _libc_mmap():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    function = libc.mmap64 if hasattr(libc, "mmap64") else libc.mmap
    function.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int64]
    function.restype = ctypes.c_void_p
    return function


def seal(array: np.memmap, fd: int) -> bool:
    """Remap the shared map behind ``array`` (of the file open as ``fd``) privately, in place;
    False where that cannot be done here (not Linux, no map), the map left as it was."""
    mapped = getattr(array, "_mmap", None)
    libc_mmap = _libc_mmap()
    if mapped is None or libc_mmap is None or mapped.closed:
        return False
    anchor = ctypes.c_char.from_buffer(mapped)  # the map's first byte (the map is writable: "r+")
    address = ctypes.addressof(anchor)
    del anchor  # release the buffer export at once
    start = array.offset - array.offset % mmap.ALLOCATIONGRANULARITY
    result = libc_mmap(address, len(mapped), _PROT_READ_WRITE, mmap.MAP_PRIVATE | _MAP_FIXED, fd, start)
    return result == address
