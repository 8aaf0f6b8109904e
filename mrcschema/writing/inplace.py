"""In-place changes to an existing file: one call, :func:`apply_in_place`, for every change made
to a file where it is (header edits, ``fix``, appended frames).

STAND-IN.  This module is a simple stand-in with the signatures of the crash-safe mechanism of
issue 19 (an undo journal beside the file, written by another branch): it writes with ``pwrite``
and ``fsync``s, so a kill between two writes can leave a mix.  Every in-place change of the
editing code goes through these two functions, so when the real mechanism replaces this file
nothing else changes.  The order its callers give already helps: an append's new sections are
written beyond the old end before the header that counts them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence


def apply_in_place(fd: int, path: str, writes: Sequence[tuple[int, bytes]], *, new_size: int | None = None) -> None:
    """Apply ``writes`` ((offset, bytes) pairs, in order) and an optional size change to the open
    regular file ``fd`` (named ``path`` in errors), then ``fsync``.  Stand-in: see the module doc."""
    try:
        for offset, data in writes:
            view = memoryview(data).cast("B")
            done = 0
            while done < len(view):
                done += os.pwrite(fd, view[done:], offset + done)
        if new_size is not None:
            os.ftruncate(fd, new_size)
        os.fsync(fd)
    except OSError as exc:
        if exc.filename is None:
            raise type(exc)(exc.errno, exc.strerror, os.fspath(path)) from None
        raise


def recover(path: str) -> str | None:
    """Complete or roll back an interrupted change of ``path``; what was done, or None when
    nothing was pending.  Stand-in: there is no journal, so nothing is ever pending."""
    return None
