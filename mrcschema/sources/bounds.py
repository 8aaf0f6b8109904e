"""How many bytes a file's header declares, and how far past that a stream may run.

Streams that must be held in memory (a decompressed gzip or bzip2 file, a pipe, a server that
ignores Range requests) are read only up to the size their header declares (1024 + NSYMBT +
data) plus :data:`STREAM_MARGIN`: a "gzip bomb" or an endless pipe costs no more memory than
the file it claims to be.
"""

from __future__ import annotations

import warnings

from ..errors import MrcFormatError, MrcWarning, location
from ..format.geometry import HEADER_SIZE, check_structure, parse_header

#: bytes a stream may hold beyond what its header declares
STREAM_MARGIN = 1 << 20


def declared_size(head: bytes) -> int:
    """1024 + NSYMBT + data bytes, as the header ``head`` declares them (1024 for a header that
    declares no readable layout: a damaged file is then refused on its header anyway)."""
    if len(head) < HEADER_SIZE:
        return HEADER_SIZE
    for order in (None, "<", ">"):  # the declared order first, then either (stamps can be wrong)
        try:
            return check_structure(parse_header(head, order).header)
        except MrcFormatError:
            continue
    return HEADER_SIZE


def over_the_bound(what: str, declared: int, limit: int, permissive: bool, stopped: str = "reading stopped",
                   stacklevel: int = 4) -> None:
    """A stream ran past ``limit``: strict, an :class:`MrcFormatError`; permissive, a warning (the
    caller keeps the first ``limit`` bytes).  ``what``: "gzip stream decompresses to", "stream holds"."""
    message = (f"the {what} more than {limit} bytes, {limit - declared} more than the {declared} bytes "
               f"the header declares ({HEADER_SIZE} + NSYMBT + data)")
    if not permissive:
        raise MrcFormatError(f"{message}; {stopped}", field="file", offset=0)
    warnings.warn(f"{location('file', offset=0)}: {message}; reading the first {limit} bytes", MrcWarning,
                  stacklevel=stacklevel)
