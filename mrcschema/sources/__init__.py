"""Where the bytes of an MRC file come from, behind one interface (:class:`~.base.Source`).

:func:`open_source` picks the source for what it is given:

* a path: a :class:`~.local.LocalFile` (memory-mapped) or a :class:`~.compressed.CompressedSource`
  (gzip or bzip2, recognised by the magic bytes, not the file name); a path that is not a regular
  file (``/dev/stdin``, a named pipe) is read once, as a stream;
* a URL (``https://``, ``s3://``, ``zip://...::...``, anything fsspec knows): a
  :class:`~.remote.RemoteSource` (fsspec imported then, and only then); ``file://`` is a path;
* an open binary file object: seekable, a :class:`~.fileobj.FileObjectSource` (or the local file
  it reads, mapped); not seekable (a pipe, a socket), a :class:`~.fileobj.StreamSource` read once;
* a bytes-like object: a :class:`~.memory.MemorySource` (viewed, not copied).

Compressed bytes from any of these are decompressed as a stream (:class:`~.compressed.CompressedSource`).
"""

from __future__ import annotations

import io
import os
import stat
from typing import TYPE_CHECKING, Any

from ..format.geometry import HEADER_SIZE
from .base import FetchError, Source
from .local import LocalFile, LocalLocator
from .urls import is_url, local_path_of

if TYPE_CHECKING:
    from .compressed import CompressedSource

# compressed, fileobj, memory and remote are imported where they are needed: opening a plain file
# loads none of them (``sources.CompressedSource`` is there when asked for: see __getattr__)
__all__ = ["Source", "LocalFile", "CompressedSource", "FetchError", "open_source", "compression_of",
           "source_from_locator", "is_url"]

def __getattr__(name: str) -> Any:
    if name == "CompressedSource":
        from .compressed import CompressedSource

        return CompressedSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"


def compression_of(path):
    """"gzip", "bzip2" or None, from the first bytes of the file."""
    with open(path, "rb") as f:
        start = f.read(3)
    return compression_of_bytes(start)


def compression_of_bytes(start: bytes) -> str | None:
    """"gzip", "bzip2" or None, from the first bytes of a file."""
    if start[:2] == GZIP_MAGIC:
        return "gzip"
    if start[:3] == BZIP2_MAGIC:
        return "bzip2"
    return None


def open_source(target, *, permissive=False, storage_options=None, writable=False) -> Source:
    """The :class:`Source` for ``target``: a path, a URL, an open binary file object or a bytes-like
    object (see the module doc).  ``permissive``: an over-long stream is cut at its bound with a
    warning instead of refused.  ``storage_options`` are passed to fsspec for a URL.  ``writable``:
    a local file is opened read-write (for ``"r+"``)."""
    if isinstance(target, Source):
        return target
    if isinstance(target, (str, os.PathLike)):
        path = os.fspath(target)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if is_url(path):
            local = local_path_of(path)
            if local is None:
                return _open_url(path, permissive, storage_options)
            path = local
        return _open_path(path, permissive, writable)
    if isinstance(target, io.TextIOBase):
        from .fileobj import name_of

        raise TypeError(f"{name_of(target)} is open in text mode: open it in binary mode ('rb')")
    if callable(getattr(target, "read", None)):
        return _open_file_object(target, permissive)
    try:
        view = memoryview(target)
    except TypeError:
        raise TypeError(f"cannot read an MRC file from a {type(target).__name__}: expected a path, a URL, "
                        "an open binary file or a bytes-like object") from None
    return _open_memory(view, permissive)


def _open_path(path, permissive, writable=False):
    status = os.stat(path)  # one stat: a missing file raises FileNotFoundError here
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(f"{path} is a directory, not an MRC file")
    if not stat.S_ISREG(status.st_mode):  # /dev/stdin, a named pipe: one read, in order
        stream = open(path, "rb")  # noqa: SIM115 - kept open by the source, closed with it
        try:
            return _open_stream(stream, path, permissive, owned=True)
        except BaseException:
            stream.close()
            raise
    local = LocalFile(path, writable=writable)  # one descriptor, every later read through it
    try:
        compression = compression_of_bytes(local.read(0, 3))
    except BaseException:
        local.close()
        raise
    if not compression:
        return local
    local.close()
    from .compressed import CompressedSource

    return CompressedSource(path, compression, permissive=permissive)


def _open_file_object(fileobj, permissive):
    from .fileobj import FileObjectSource, local_file_of, name_of

    seekable = getattr(fileobj, "seekable", None)
    try:
        seekable = bool(seekable()) if callable(seekable) else False
    except (OSError, ValueError):
        seekable = False
    if not seekable:
        return _open_stream(fileobj, name_of(fileobj), permissive)
    local = local_file_of(fileobj)
    if local is not None:
        return _open_path(local, permissive)
    source = FileObjectSource(fileobj)
    compression = compression_of_bytes(source.read(0, 3))
    if compression:
        from .compressed import CompressedSource, SourceReader

        return CompressedSource(source.path, compression, permissive=permissive, opener=lambda: SourceReader(source))
    return source


def _open_stream(stream, name, permissive, owned=False):
    from .fileobj import StreamSource, read_prefix

    prefix = read_prefix(stream, HEADER_SIZE, name)
    on_close = stream.close if owned else None
    compression = compression_of_bytes(prefix)
    if compression:
        from .compressed import CompressedSource, Replay

        return CompressedSource(name, compression, permissive=permissive, opener=lambda: Replay(prefix, stream),
                                once=True)
    return StreamSource(stream, name, prefix=prefix, permissive=permissive, on_close=on_close)


def _open_memory(view, permissive):
    from .memory import MemorySource

    source = MemorySource(view)
    compression = compression_of_bytes(source.read(0, 3))
    if compression:
        from .compressed import CompressedSource, SourceReader

        return CompressedSource(source.path, compression, permissive=permissive, opener=lambda: SourceReader(source))
    return source


def _open_url(url, permissive, storage_options):
    from .remote import RemoteSource

    source = RemoteSource(url, storage_options, permissive=permissive)
    compression = compression_of_bytes(source.read_header(HEADER_SIZE))
    if compression:
        from .compressed import CompressedSource, SourceReader

        return CompressedSource(url, compression, permissive=permissive, opener=lambda: SourceReader(source),
                                remote=True)
    return source


def source_from_locator(locator) -> Source:
    """The source a :attr:`Source.locator` names, in this process (a dask worker's)."""
    if isinstance(locator, str):
        return LocalFile(locator)
    if isinstance(locator, tuple) and not isinstance(locator, LocalLocator) and len(locator) == 2:
        locator = LocalLocator(*locator)  # a graph rebuilt its tuples as plain ones
    if isinstance(locator, LocalLocator):
        return locator.open()
    from .remote import source_of

    return source_of(locator)
