"""The one way a file is changed in place: an undo journal beside it (docs/writing.md, "In-place changes").

A change is a list of ``(offset, bytes)`` writes, an optional new size and, for
``set_extended_header``, an optional *shift*: ``fallocate`` inserting or collapsing whole blocks
at the start of the file.  :func:`apply_in_place` makes it so that at every moment the file on disk
is the old file, the new file, or a state this module recognises and turns into one of them:

1. the journal ``.NAME.mrcschema-journal`` is written under a temporary name, ``fsync``\\ed and
   renamed into place (the folder ``fsync``\\ed): it holds the file's identity (device, inode), the
   old size, the bytes every write will cover inside the old file (undo), the writes themselves
   when there is a shift (redo, small: a header block), and a SHA-256 of all of it;
2. the shift, the writes and the size change are made through the open descriptor and ``fsync``\\ed;
3. the journal is removed (the folder ``fsync``\\ed): this is the commit.

A journal present means step 2 may be half done.  Without a shift it is rolled back: the undo bytes
are written back and the file cut to its old size ("rolled back").  With a shift the file's size
says whether the shift happened (``fallocate`` is one journaled metadata operation: done or not):
not yet, nothing was written, "rolled back"; done, the redo writes are (re)applied, "completed".
A journal that fails its checksum was never renamed into place complete, so nothing was changed.

SIGINT (Ctrl-C) is held from step 1 to step 3 and raised as ``KeyboardInterrupt`` afterwards; an
``OSError`` in step 2 (ENOSPC, EIO) rolls back at once and is raised with the path.  An exclusive
``flock`` on the file serialises changes by several processes and tells recovery whether the
writer is still alive (a dead process holds no lock).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import signal
import struct
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence

from ..errors import MrcFormatError, MrcWarning
from ..format.geometry import HEADER_SIZE, parse_header
from .local import LocalFile

try:
    import fcntl
except ImportError:  # pragma: no cover - not Unix: no advisory locks (one writer at a time is then the user's job)
    fcntl = None  # type: ignore[assignment]

MAGIC = b"MRCSJRN1"
#: the shift kinds: fallocate flags
INSERT = "insert"
COLLAPSE = "collapse"
_FALLOC_FLAGS = {INSERT: 0x20, COLLAPSE: 0x08}  # FALLOC_FL_INSERT_RANGE, FALLOC_FL_COLLAPSE_RANGE
_UNSUPPORTED = {errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS, errno.ENODEV, errno.EPERM, errno.ETXTBSY}


def lock(fd: int) -> None:
    """An exclusive advisory lock on the open file ``fd`` (``flock``: held by the open file, so a
    killed process holds none; taking it again through the same descriptor is a no-op)."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def journal_path(path: str) -> str:
    """Where the journal of ``path`` lives: a hidden file beside it."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{name}.mrcschema-journal")


# -- SIGINT held over the critical section -------------------------------------------------------
@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold SIGINT until the block ends, then raise the ``KeyboardInterrupt`` it asked for.  Only the
    main thread receives Python's signals; elsewhere this does nothing (and needs nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        if callable(previous):
            previous(signal.SIGINT, None)  # Python's default handler raises KeyboardInterrupt here
        elif previous == signal.SIG_DFL:
            os.kill(os.getpid(), signal.SIGINT)


# -- fallocate ------------------------------------------------------------------------------------
def _fallocate():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes.util  # here: changes only (reading a file loads no ctypes)

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fallocate = libc.fallocate64 if hasattr(libc, "fallocate64") else libc.fallocate
    except (OSError, AttributeError):
        return None
    fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    fallocate.restype = ctypes.c_int
    return fallocate


def _errno() -> int:
    import ctypes

    return ctypes.get_errno()


def shift_range(fd: int, kind: str, length: int, path: str) -> bool:
    """Insert or collapse ``length`` bytes at the start of ``fd`` without moving data; False where the
    kernel or file system cannot (nothing was changed then)."""
    fallocate = _fallocate()
    if fallocate is None:
        return False
    if fallocate(fd, _FALLOC_FLAGS[kind], 0, length) != 0:
        err = _errno()
        if err in _UNSUPPORTED:
            return False
        raise OSError(err, os.strerror(err), path)
    return True


def reserve(fd: int, length: int, path: str) -> bool:
    """Reserve the blocks of the first ``length`` bytes of ``fd`` (``fallocate`` mode 0: the file system
    marks them allocated without writing them); False where it cannot do that without writing (glibc's
    ``posix_fallocate`` would then write zeros over the whole length).  ENOSPC is an OSError naming ``path``."""
    fallocate = _fallocate()
    if fallocate is None:
        return False
    if fallocate(fd, 0, 0, length) != 0:
        err = _errno()
        if err in _UNSUPPORTED:
            return False
        raise OSError(err, os.strerror(err), path)
    return True


# -- the journal ----------------------------------------------------------------------------------
def _encode(meta: dict, blobs: Sequence[bytes]) -> bytes:
    import json  # here: a plain read never needs it

    text = json.dumps(meta).encode()
    body = MAGIC + struct.pack("<I", len(text)) + text + b"".join(blobs)
    return body + hashlib.sha256(body).digest()


def _decode(raw: bytes, where: str) -> tuple[dict, list[bytes], list[bytes]]:
    """(meta, undo bytes, redo bytes); MrcFormatError when the journal is not whole."""
    body, digest = raw[:-32], raw[-32:]
    if len(raw) < 44 or raw[:8] != MAGIC or hashlib.sha256(body).digest() != digest:
        raise MrcFormatError(f"{where} is not a complete journal", field="journal", offset=0)
    import json

    (size,) = struct.unpack_from("<I", raw, 8)
    meta = json.loads(raw[12:12 + size])
    at = 12 + size
    lists: list[list[bytes]] = []
    for key in ("undo", "redo"):
        blobs = []
        for _, length in meta[key]:
            blobs.append(raw[at:at + length])
            at += length
        lists.append(blobs)
    return meta, lists[0], lists[1]


def _fsync_folder(path: str) -> None:
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # a folder that cannot be opened cannot be synced (e.g. not Linux): best effort
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_journal(path: str, raw: bytes) -> str:
    """The journal of ``path`` made whole under a temporary name, then renamed into place."""
    final = journal_path(path)
    temp = f"{final}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise type(exc)(exc.errno, f"cannot make the undo journal for an in-place change ({exc.strerror}); "
                        "the file was not changed", temp) from None
    try:
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(final)
    return final


def _remove_journal(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(journal_path(path))
    _fsync_folder(path)


def _pwrite_all(fd: int, data: bytes, offset: int, path: str) -> None:
    view = memoryview(data)
    try:
        while view:
            done = os.pwrite(fd, view, offset)
            view, offset = view[done:], offset + done
    except OSError as exc:
        if exc.filename is None:
            raise type(exc)(exc.errno, exc.strerror, path) from None
        raise


def _pread_all(fd: int, offset: int, length: int) -> bytes:
    parts, got = [], 0
    while got < length:
        chunk = os.pread(fd, length - got, offset + got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _undo_runs(fd: int, writes: Sequence[tuple[int, bytes]], old_size: int, new_size: int) -> list[tuple[int, bytes]]:
    """The old bytes of the file that the change overwrites or cuts off (nothing beyond its old end)."""
    runs = []
    for offset, data in writes:
        end = min(offset + len(data), old_size)
        if offset < end:
            runs.append((offset, _pread_all(fd, offset, end - offset)))
    if new_size < old_size:
        runs.append((new_size, _pread_all(fd, new_size, old_size - new_size)))
    return runs


# -- applying a change ----------------------------------------------------------------------------
def apply_in_place(fd: int, path: str, writes: Sequence[tuple[int, bytes]], *, new_size: int | None = None) -> None:
    """Apply ``writes`` ((offset, bytes) pairs) and an optional size change to the open regular file
    ``fd`` (its ``path`` is used for the journal beside it and for messages) so that whatever the
    moment of SIGKILL, SIGINT, ENOSPC or EIO the file reads as before or as after (journaled; SIGINT
    deferred over the critical section; fsyncs in the right order).  Writes wholly beyond the
    current end of the file (appended sections) need no undo bytes, only the old size."""
    _change(fd, path, list(writes), new_size=new_size, shift=None)


def apply_shift(fd: int, path: str, kind: str, length: int, writes: Sequence[tuple[int, bytes]]) -> bool:
    """Insert (``kind`` "insert") or collapse ("collapse") ``length`` bytes at the start of ``fd``
    with ``fallocate``, then apply ``writes`` (the new header block), journaled as
    :func:`apply_in_place`.  False, with nothing changed, where the file system cannot shift ranges."""
    return _change(fd, path, list(writes), new_size=None, shift=(kind, length))


def _change(fd, path, writes, *, new_size, shift) -> bool:
    path = os.fspath(path)
    lock(fd)  # one change at a time; recovery knows a live writer by its lock
    try:
        if os.path.lexists(journal_path(path)):
            recover_fd(fd, path)
        status = os.fstat(fd)
        old_size = status.st_size
        size_after = old_size if new_size is None else new_size
        undo = _undo_runs(fd, writes, old_size, size_after)
        meta = {"dev": status.st_dev, "ino": status.st_ino, "old_size": old_size,
                "shift": None if shift is None else list(shift),
                "undo": [[o, len(b)] for o, b in undo],
                "redo": [[o, len(b)] for o, b in writes] if shift is not None else []}
        raw = _encode(meta, [b for _, b in undo] + ([b for _, b in writes] if shift is not None else []))
        with sigint_deferred():
            _write_journal(path, raw)
            try:
                if shift is not None and not shift_range(fd, shift[0], shift[1], path):
                    _remove_journal(path)
                    return False
                for offset, data in writes:
                    _pwrite_all(fd, data, offset, path)
                if new_size is not None:
                    os.ftruncate(fd, new_size)
                os.fsync(fd)
            except OSError:
                try:  # ENOSPC, EIO: put the old file back now
                    _roll(fd, path, *_decode(raw, journal_path(path)))
                    _remove_journal(path)
                except OSError:
                    pass  # the journal stays: the next write-mode open or recover() finishes it
                raise
            _remove_journal(path)
        return True
    finally:
        unlock(fd)


def _shifted(meta: dict, size: int) -> bool | None:
    """For a shift change: did the shift happen (by the file's size)?  None if the size fits neither."""
    kind, length = meta["shift"]
    after = meta["old_size"] + (length if kind == INSERT else -length)
    return {meta["old_size"]: False, after: True}.get(size)


def _roll(fd: int, path: str, meta: dict, undo: list[bytes], redo: list[bytes]) -> str:
    """Turn the file back into the old one, or (a shift already made) on into the new one."""
    if meta["shift"] is not None:
        shifted = _shifted(meta, os.fstat(fd).st_size)
        if shifted is None:
            raise MrcFormatError(f"{path} has a size neither before nor after the interrupted change its journal "
                                 f"{journal_path(path)} describes; left as it is", field="journal", offset=0)
        if shifted:
            for (offset, _), data in zip(meta["redo"], redo):
                _pwrite_all(fd, data, offset, path)
            os.fsync(fd)
            return "completed"
    for (offset, _), data in zip(meta["undo"], undo):
        _pwrite_all(fd, data, offset, path)
    if meta["shift"] is None:
        os.ftruncate(fd, meta["old_size"])
    os.fsync(fd)
    return "rolled back"


# -- recovery and reading -------------------------------------------------------------------------
def _read_journal(path: str) -> tuple[dict, list[bytes], list[bytes]] | None:
    """The whole journal of ``path``, None if there is none; an incomplete one (never renamed into
    place whole) is removed here and counts as none."""
    where = journal_path(path)
    try:
        with open(where, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return None
    try:
        return _decode(raw, where)
    except (MrcFormatError, ValueError, KeyError):
        return None


def _same_file(meta: dict, fd: int) -> bool:
    status = os.fstat(fd)
    return (meta["dev"], meta["ino"]) == (status.st_dev, status.st_ino)


def recover_fd(fd: int, path: str) -> str | None:
    """:func:`recover` on the file already open for writing as ``fd`` (its lock held or taken)."""
    journal = _read_journal(path)
    if journal is None:
        return None
    meta, undo, redo = journal
    if not _same_file(meta, fd):  # the path names another file now (replaced whole): nothing to finish
        warnings.warn(f"{path}: removed the journal {journal_path(path)} of an interrupted change to a file that "
                      "this path no longer names", MrcWarning, stacklevel=3)
        _remove_journal(path)
        return None
    with sigint_deferred():
        outcome = _roll(fd, path, meta, undo, redo)
        _remove_journal(path)
    return outcome


def recover(path: str | os.PathLike) -> str | None:
    """Finish or roll back an interrupted in-place change of ``path``: "rolled back" (the old file is
    back), "completed" (the new one is whole) or None (nothing was pending).  Waits for a change that
    another live process is making (its lock) and then finds nothing to do."""
    path = os.fspath(path)
    if not os.path.lexists(journal_path(path)):
        return None
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        lock(fd)
        return recover_fd(fd, path)
    finally:
        os.close(fd)


def pending_overlay(path: str) -> tuple[list[tuple[int, bytes]], int] | None:
    """For a reader that must change nothing: the bytes to read in place of the file's own and the
    size, so that a file with a pending journal reads as the state recovery would make; None when
    nothing is pending."""
    journal = _read_journal(path)
    if journal is None:
        return None
    meta, undo, redo = journal
    try:
        status = os.stat(path)
    except OSError:
        return None
    if (meta["dev"], meta["ino"]) != (status.st_dev, status.st_ino):
        return None
    if meta["shift"] is not None:
        shifted = _shifted(meta, status.st_size)
        if shifted:
            return [(o, b) for (o, _), b in zip(meta["redo"], redo)], status.st_size
        if shifted is None:
            raise MrcFormatError(f"{path} has a size neither before nor after the interrupted change its journal "
                                 f"{journal_path(path)} describes", field="journal", offset=0)
    return [(o, b) for (o, _), b in zip(meta["undo"], undo)], meta["old_size"]


def consistent_header(path: str, raw: bytes) -> bytes:
    """The first bytes ``raw`` of the local file ``path`` as recovery would leave them, with a warning,
    when an interrupted change is pending (``raw`` itself otherwise: one ``lstat``)."""
    if not os.path.lexists(journal_path(path)):
        return raw
    pending = pending_overlay(path)
    if pending is None:
        return raw
    warn_pending(path)
    return OverlaidFile(path, *pending).read(0, len(raw))


def warn_pending(path: str) -> None:
    warnings.warn(f"{path} has an interrupted in-place change (journal {journal_path(path)}); read as its "
                  "recovery will leave it: open it 'r+' or call mrcschema.recover() to finish it",
                  MrcWarning, stacklevel=4)


class OverlaidFile(LocalFile):
    """A local file with a pending journal, read as recovery would leave it (nothing written): the
    journal's bytes read in place of the file's, the size the journal gives.  The data is mapped
    only where no journal byte falls in it (:attr:`mappable_path` None otherwise: read into memory)."""

    def __init__(self, path: str, overlay: list[tuple[int, bytes]], size: int):
        super().__init__(path, size)
        self.overlay = overlay
        try:
            data_start = HEADER_SIZE + parse_header(self.read_header(HEADER_SIZE)).header.nsymbt
        except MrcFormatError:
            data_start = 0
        if any(offset + len(data) > data_start for offset, data in overlay):
            self.mappable_path = None

    def read(self, offset, nbytes):
        nbytes = max(0, min(nbytes, self.size - offset))
        buffer = bytearray(super().read(offset, nbytes).ljust(nbytes, b"\0"))
        for start, data in self.overlay:
            lo, hi = max(start, offset), min(start + len(data), offset + nbytes)
            if lo < hi:
                buffer[lo - offset:hi - offset] = data[lo - start:hi - start]
        return bytes(buffer)

    def read_header(self, nbytes=1024):
        return self.read(0, nbytes)

    @property
    def locator(self):
        return None
