"""``read_header``: the main header of a file, and nothing else."""

from __future__ import annotations

import os
import stat
import sys
from typing import TYPE_CHECKING

from ..format.byteorder import byteorder_argument
from ..format.geometry import HEADER_SIZE, check_identity, parse_header
from ..format.mrc2014 import Mrc2014Header
from ..sources import compression_of_bytes, journal, open_source

if TYPE_CHECKING:  # an MrcFile exists only once its module is loaded: reading a header loads neither it nor numpy
    from .mrc_file import MrcFile, Target

#: non-blocking: a FIFO or a device must not block the open; only regular files are read here
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)


def _plain_header(path) -> bytes | None:
    """The first 1024 bytes of a plain local file, read with one ``open`` and one ``read`` system
    call (no Python file object); None for anything else (compressed, missing, a directory, not a
    path), which ``open_source`` then reads or explains."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except (OSError, TypeError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a pipe, a device, a directory: open_source reads it once
            return None
        raw = os.read(fd, HEADER_SIZE)
    except OSError:
        return None
    finally:
        os.close(fd)
    if compression_of_bytes(raw) is not None:
        return None
    return raw


def read_header(path: Target | MrcFile, *, permissive: bool = False, byteorder: str | None = None,
                storage_options: dict | None = None) -> Mrc2014Header:
    """Read only the main header of ``path`` (plain or compressed) and return the record; for an
    open :class:`~mrcschema.MrcFile`, its header record as it is now.

    ``path`` is anything :func:`mrcschema.open` takes: for a URL this is one request for the first
    1024 bytes (the first kilobytes of a compressed file), whatever the file's size.

    The identity checks are those of :func:`mrcschema.open`: bytes whose MAP field is not 'MAP '
    raise :class:`~mrcschema.MrcFormatError` (a warning with ``permissive=True``).  ``byteorder``
    as for :func:`mrcschema.open`.
    """
    mrc_file = sys.modules.get(f"{__package__}.mrc_file")
    if mrc_file is not None and isinstance(path, mrc_file.MrcFile):
        return path.header
    raw = _plain_header(path) if storage_options is None else None
    if raw is not None:
        if isinstance(path, (str, os.PathLike)):  # an interrupted change: read as recovery leaves it
            raw = journal.consistent_header(os.fsdecode(path), raw)
    else:
        with open_source(path, permissive=permissive, storage_options=storage_options) as source:
            raw = source.read_header(HEADER_SIZE)
    parsed = parse_header(raw, byteorder_argument(byteorder), permissive=permissive)
    check_identity(parsed, permissive=permissive)
    return parsed.header
