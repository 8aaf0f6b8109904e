"""Files that appear complete or not at all: made under a temporary name beside the destination
and moved into place when complete (``os.link`` when the name must not exist, ``os.replace`` with
``overwrite=True``), so an error at any point leaves no partial file and any old file intact."""

from __future__ import annotations

import errno
import os
import tempfile


def _umask():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class TempFile:
    """A file made under a temporary name beside ``path``; :meth:`commit` moves it into place,
    :meth:`discard` (or any exception inside ``with``) removes it."""

    def __init__(self, path, overwrite):
        self.path = os.path.abspath(os.fspath(path))
        self.overwrite = overwrite
        check_destination(self.path, overwrite)
        folder, name = os.path.split(self.path)
        fd, self.temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        try:
            os.fchmod(fd, self._permissions())
            self.file = os.fdopen(fd, "w+b")
        except BaseException:
            os.close(fd)
            self._remove()
            raise

    def _permissions(self):
        try:
            return os.stat(self.path).st_mode & 0o7777  # keep an overwritten file's permissions
        except OSError:
            return 0o666 & ~_umask()

    def _remove(self):
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass

    def discard(self):
        if not self.file.closed:
            self.file.close()
        self._remove()

    def commit(self, *, sync=None):
        """Close and move into place.  The data is synced to disk before an old file is replaced."""
        self.file.flush()
        exists = os.path.lexists(self.path)
        if sync or (sync is None and exists):
            os.fsync(self.file.fileno())
        self.file.close()
        if self.overwrite:
            os.replace(self.temp, self.path)
            return
        try:
            os.link(self.temp, self.path)  # atomic: fails if the name appeared meanwhile
        except FileExistsError:
            self._remove()
            raise FileExistsError(errno.EEXIST, "file exists (pass overwrite=True to replace it)", self.path) from None
        except OSError:  # no hard links on this file system
            if os.path.lexists(self.path):
                self._remove()
                raise FileExistsError(errno.EEXIST, "file exists (pass overwrite=True to replace it)",
                                      self.path) from None
            os.replace(self.temp, self.path)
            return
        self._remove()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.discard()
        return False


def check_destination(path, overwrite):
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "is a directory", path)
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(errno.EEXIST, "file exists (pass overwrite=True to replace it)", path)
