"""Files that appear complete or not at all, and that leave nothing behind when the writer dies.

On Linux the file is made *without a name*: ``open(folder, O_TMPFILE)`` gives an inode in the
destination folder that no directory lists.  Data, extended header and header are written to it;
only at :meth:`TempFile.commit` does it get a name, with ``linkat`` of ``/proc/self/fd/N``
(``AT_SYMLINK_FOLLOW``):

* the name must not exist (``overwrite=False``): linked straight to the destination; ``linkat``
  fails with ``EEXIST`` if the name appeared meanwhile, so nobody's file is ever clobbered;
* ``overwrite=True``: linked to a hidden ``.NAME.XXXXXXXX.part`` name, then ``os.replace``\\d over
  the destination (no system call replaces a name by an unnamed file).

An exception, a ``KeyboardInterrupt`` or a ``SIGKILL`` at any moment before the commit leaves
nothing: the kernel frees an unnamed inode when its last descriptor closes, whoever closes it.
After the commit the complete file is there.  The one window left is ``overwrite=True`` between
the ``linkat`` and the ``rename`` (two consecutive system calls, no I/O between them): a process
killed exactly there leaves the complete new file under its hidden ``.part`` name beside the
intact old file.

Where ``O_TMPFILE`` is not available - not Linux, a file system without it (the kernel answers
``EOPNOTSUPP``, ``EISDIR`` or ``EINVAL``; e.g. some network and FUSE file systems), or ``/proc``
not mounted - the file is made under the hidden name ``.NAME.XXXXXXXX.part`` (``tempfile.mkstemp``)
and moved into place the same way (``os.link``, else ``os.replace``).  Exceptions still remove it,
but a process killed by ``SIGKILL`` (or a power cut) during the write leaves that ``.part`` file
behind; the destination and any old file are never touched.

Permissions: an overwritten file keeps its mode; a new one gets ``0o666`` minus the umask.  The
data is ``fsync``\\ed before an old file is replaced (``sync=None``) or always (``sync=True``).
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import sys
import tempfile

#: errno values meaning "this file system (or kernel) cannot make unnamed files here"
_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOSYS, errno.ENOTSUP}
_O_TMPFILE = getattr(os, "O_TMPFILE", 0) if sys.platform.startswith("linux") else 0
_EXISTS = "file exists (pass overwrite=True to replace it)"


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


def _part_name(name):
    return f".{name}.{secrets.token_hex(4)}.part"


class TempFile:
    """A file to be made at ``path``: write to :attr:`file`, then :meth:`commit` gives it its
    name, :meth:`discard` (or any exception inside ``with``) drops it.

    :attr:`temp` is the path of the hidden named file in the fallback, ``None`` while the file is
    unnamed (``O_TMPFILE``)."""

    def __init__(self, path, overwrite):
        self.path = os.path.abspath(os.fspath(path))
        self.overwrite = overwrite
        check_destination(self.path, overwrite)
        self.folder, self.name = os.path.split(self.path)
        self.temp = None
        self._dir_fd = None
        mode = self._permissions()
        try:
            fd = self._open_unnamed(mode)
        except OSError as error:  # EACCES, EROFS, EMFILE: the destination named, not "."
            name_destination(error, self.path)
            raise
        try:
            if fd is None:
                fd, self.temp = tempfile.mkstemp(prefix=f".{self.name}.", suffix=".part", dir=self.folder)
            os.fchmod(fd, mode)
            self.file = os.fdopen(fd, "w+b")
        except BaseException as error:
            if fd is not None:
                os.close(fd)
            self._remove()
            self._close_dir()
            name_destination(error, self.path)
            raise

    def _open_unnamed(self, mode):
        """An ``O_TMPFILE`` descriptor in the destination folder, or None where unsupported."""
        if not _O_TMPFILE or not os.path.isdir("/proc/self/fd"):
            return None
        self._dir_fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            return os.open(".", _O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, mode, dir_fd=self._dir_fd)
        except OSError as error:
            self._close_dir()
            if error.errno in _NO_TMPFILE:
                return None
            raise

    def _permissions(self):
        try:
            return os.stat(self.path).st_mode & 0o7777  # keep an overwritten file's permissions
        except OSError:
            return 0o666 & ~_umask()

    def _close_dir(self):
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None

    def _remove(self):
        if self.temp is None:
            return
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass

    def discard(self):
        if not self.file.closed:
            self.file.close()  # an unnamed file is freed by the kernel here
        self._remove()
        self._close_dir()

    def commit(self, *, sync=None):
        """Give the file its name.  The data is synced to disk first when an old file is about to
        be replaced (``sync=None``), always with ``sync=True``, never with ``sync=False``."""
        try:
            self.file.flush()
            self._sync = bool(sync or (sync is None and os.path.lexists(self.path)))
            if self._sync:
                os.fsync(self.file.fileno())
            if self.temp is None:
                self._name_unnamed()
            self.file.close()
            if self.temp is not None:
                self._move_named()
        except BaseException:
            self.discard()
            raise
        self._close_dir()

    def _link_fd(self, name):
        # os.link without a dir_fd calls link(2), which does not follow the /proc magic link;
        # with dst_dir_fd it calls linkat(..., AT_SYMLINK_FOLLOW), which links the open inode.
        os.link(f"/proc/self/fd/{self.file.fileno()}", name, dst_dir_fd=self._dir_fd, follow_symlinks=True)

    def _name_unnamed(self):
        if not self.overwrite:
            try:
                self._link_fd(self.name)
                return
            except FileExistsError:
                raise FileExistsError(errno.EEXIST, _EXISTS, self.path) from None
            except OSError:  # no links here after all: fall back to a named copy
                self._copy_to_named()
                return
        for _ in range(100):
            part = _part_name(self.name)
            try:
                self._link_fd(part)
            except FileExistsError:
                continue
            except OSError:
                self._copy_to_named()
                return
            self.temp = os.path.join(self.folder, part)  # from here on a name exists: see the doc
            return
        raise FileExistsError(errno.EEXIST, "no free temporary name", os.path.join(self.folder, part))

    def _copy_to_named(self):
        """The unnamed file cannot be linked: copy it to a hidden named file (fallback)."""
        fd, temp = tempfile.mkstemp(prefix=f".{self.name}.", suffix=".part", dir=self.folder)
        self.temp = temp
        with os.fdopen(fd, "wb") as named:
            os.fchmod(named.fileno(), os.fstat(self.file.fileno()).st_mode & 0o7777)
            self.file.seek(0)
            shutil.copyfileobj(self.file, named, 1 << 24)
            named.flush()
            if self._sync:
                os.fsync(named.fileno())

    def _move_named(self):
        if self.overwrite:
            os.replace(self.temp, self.path)
            self.temp = None
            return
        try:
            os.link(self.temp, self.path)  # atomic: fails if the name appeared meanwhile
        except FileExistsError:
            raise FileExistsError(errno.EEXIST, _EXISTS, self.path) from None
        except OSError:  # no hard links on this file system
            if os.path.lexists(self.path):
                raise FileExistsError(errno.EEXIST, _EXISTS, self.path) from None
            os.replace(self.temp, self.path)
            self.temp = None
            return
        self._remove()
        self.temp = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.discard()
            name_destination(exc, self.path)  # ENOSPC, EIO in a write: the file being made named
        return False


def name_destination(error, path):
    """An ``OSError`` that names no file (a ``write`` failing with ENOSPC) or only ``"."`` (the
    unnamed file opened in its folder) names ``path``, the file being made; its class and errno
    stay as they are (EACCES is still ``PermissionError``, EMFILE and ENOSPC plain ``OSError``)."""
    if isinstance(error, OSError) and error.errno is not None and error.filename in (None, "."):
        error.filename = path


def check_destination(path, overwrite):
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "is a directory", path)
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(errno.EEXIST, _EXISTS, path)
