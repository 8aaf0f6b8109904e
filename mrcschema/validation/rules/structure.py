"""Whether the file can be read as MRC at all: it opens, it holds a header, and it is MRC (not a
PNG or a text file).  ``MRC-STRUCTURE`` is ``final``: a file that is not MRC gets that one finding
and no other rule runs."""

from __future__ import annotations

import struct

from ...format.modes import IMOD_RGB_MODE, MRC2014_MODES
from ...format.mrc2014 import field_offset
from ...format.values import show
from ..context import INT32_MODES
from .rule import CCPEM, ERROR, Problem, RuleList

RULES = RuleList()

#: every MODE whose data can be located: MRC2014's, IMOD's 16 and the 32-bit integer modes 7 and 8
SIZED_MODES = (*MRC2014_MODES, IMOD_RGB_MODE, *INT32_MODES)


def reads_as_mrc_in(raw: bytes, order: str) -> bool:
    """Whether the 1024 header bytes read as MRC in ``order``: MODE a known mode number and NX,
    NY, NZ positive (``validate`` reads a file whose stamp contradicts its numbers in the other order)."""
    nx, ny, nz, mode = struct.unpack_from(order + "4i", raw, 0)
    return mode in SIZED_MODES and nx > 0 and ny > 0 and nz > 0


def header_reads_as_mrc(ctx) -> bool:
    """The header as read: a known MODE and NX, NY, NZ > 0."""
    h = ctx.header
    return h.mode in SIZED_MODES and h.nx > 0 and h.ny > 0 and h.nz > 0


@RULES.rule("MRC-UNREADABLE", ERROR, "file",
            expected="a file that exists and can be opened for reading (a missing file or a directory is this one "
                     "finding, with the operating system's message)",
            spec="the file system (reported before any format rule)", offset=None, scope="file",
            mrcfile="raises OSError (FileNotFoundError, IsADirectoryError)")
def unreadable(ctx):
    """Reported by ``validate`` before any rule runs (there is no header to read): never here."""
    return ()


@RULES.rule("MRC-STRUCTURE", ERROR, "file",
            expected="a file that can be read as MRC: at least the 1024-byte header, an intact gzip/bzip2 stream, "
                     "and either the 'MAP' identifier or a known MODE with NX, NY, NZ > 0 (otherwise it is not an "
                     "MRC file and no other rule is evaluated)",
            spec=f"{CCPEM}, main header (1024 bytes), word 53 (MAP)", offset=0, scope="file", final=True,
            mrcfile="error (prints a traceback or 'Couldn't read enough bytes for MRC header'); a file of 1024 "
                    "bytes or more that is not MRC is a list of header errors")
def structure(ctx):
    """What the geometry check found, then: not an MRC file at all (no 'MAP' identifier and no
    byte order in which MODE and the dimensions make sense: a PNG, a text file, zeros)."""
    yield from ctx.structure_problems
    h = ctx.header
    if h.map[:3] == b"MAP" or reads_as_mrc_in(ctx.parsed.raw, "<") or reads_as_mrc_in(ctx.parsed.raw, ">"):
        return
    yield Problem("map", field_offset("map"),
                  f"not an MRC file: MAP is {show(h.map)}, NX is {h.nx}, NY is {h.ny}, NZ is {h.nz}, "
                  f"MODE is {h.mode}, and in neither byte order is MODE a known mode with NX, NY, NZ > 0")
