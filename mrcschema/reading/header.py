"""``read_header``: the main header of a file, and nothing else."""

from __future__ import annotations

from ..format.byteorder import byteorder_argument
from ..format.geometry import HEADER_SIZE, check_identity, parse_header
from ..sources import open_source
from .mrc_file import MrcFile, Target


def read_header(path: Target | MrcFile, *, permissive: bool = False, byteorder: str | None = None,
                storage_options: dict | None = None):
    """Read only the main header of ``path`` (plain or compressed) and return the record; for an
    open :class:`~mrcschema.MrcFile`, its header record as it is now.

    ``path`` is anything :func:`mrcschema.open` takes: for a URL this is one request for the first
    1024 bytes (the first kilobytes of a compressed file), whatever the file's size.

    The identity checks are those of :func:`mrcschema.open`: bytes whose MAP field is not 'MAP '
    raise :class:`~mrcschema.MrcFormatError` (a warning with ``permissive=True``).  ``byteorder``
    as for :func:`mrcschema.open`.
    """
    if isinstance(path, MrcFile):
        return path.header
    with open_source(path, permissive=permissive, storage_options=storage_options) as source:
        parsed = parse_header(source.read_header(HEADER_SIZE), byteorder_argument(byteorder), permissive=permissive)
    check_identity(parsed, permissive=permissive)
    return parsed.header
