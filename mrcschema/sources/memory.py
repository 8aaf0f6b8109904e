"""Bytes already in memory: ``bytes``, ``bytearray``, ``memoryview``, ``mmap`` or any object with
the buffer protocol.  Nothing is copied: windows of the data are views of the caller's buffer."""

from __future__ import annotations

from .base import Source


class MemorySource(Source):
    """A bytes-like object (viewed, never copied)."""

    def __init__(self, buffer, name="<bytes>"):
        view = memoryview(buffer)
        if not view.c_contiguous:
            raise TypeError(f"{name}: a bytes-like object must be contiguous")
        self._view = view.cast("B") if view.format != "B" or view.ndim != 1 else view
        self.path = name
        self.size = self._view.nbytes

    def read(self, offset, nbytes):
        return bytes(self._view[offset:offset + max(0, nbytes)])

    @property
    def content(self):
        return self._view

    def window(self, offset, nbytes):
        return self._view[offset:offset + nbytes]
