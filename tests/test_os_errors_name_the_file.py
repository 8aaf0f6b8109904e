"""OS errors keep their class and name the file: too many open files (EMFILE), permission denied
(EACCES), a read-only file system (EROFS) and a full disk (ENOSPC) are ``OSError`` subclasses whose
``filename`` is the file being read or made (never ``'.'`` or nothing), and never ``MrcFormatError``."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest

import mrcschema
from mrcschema import MrcFormatError


def run_child(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_emfile_when_the_data_is_mapped_is_an_oserror_naming_the_file(tmp_path):
    path = tmp_path / "a.mrc"
    mrcschema.write(path, np.zeros((4, 8, 8), np.float32))
    done = run_child(f"""
        import errno, mmap, os, resource
        import numpy  # imported before the limit: mrcschema imports it when the data is first asked for
        import mrcschema
        f = mrcschema.open({str(path)!r})
        lowest_free = os.dup(0)  # a new descriptor takes the lowest free number: none is free below the limit
        os.close(lowest_free)
        resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        try:
            f.data
        except mrcschema.MrcFormatError as exc:
            print("MrcFormatError", exc)
        except OSError as exc:
            print(type(exc).__name__, errno.errorcode[exc.errno], exc.filename)
    """)
    assert done.stdout.strip() == f"OSError EMFILE {path}", done.stdout + done.stderr


def test_emfile_at_open_is_an_oserror_naming_the_file(tmp_path):
    path = tmp_path / "a.mrc"
    mrcschema.write(path, np.zeros((4, 8, 8), np.float32))
    done = run_child(f"""
        import errno, os, resource
        import mrcschema
        mrcschema.open({str(path)!r}).close()  # the modules an open needs are imported now
        lowest_free = os.dup(0)  # a new descriptor takes the lowest free number: none is free below the limit
        os.close(lowest_free)
        resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        try:
            mrcschema.open({str(path)!r})
        except OSError as exc:
            print(type(exc).__name__, errno.errorcode[exc.errno], exc.filename)
    """)
    assert done.stdout.strip() == f"OSError EMFILE {path}", done.stdout + done.stderr


def test_permission_denied_names_the_destination_not_dot():
    folder = tempfile.mkdtemp(prefix="mrcschema-eacces-")  # root's, 0755: "nobody" cannot make files in it
    try:
        os.chmod(folder, 0o755)
        target = os.path.join(folder, "out.mrc")
        done = run_child(f"""
            import errno, os
            import numpy as np
            import mrcschema
            mrcschema.write({target + ".warm"!r}, np.zeros((2, 2), np.float32))  # imports, as root
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            try:
                mrcschema.write({target!r}, np.zeros((2, 2), np.float32))
            except OSError as exc:
                print(type(exc).__name__, errno.errorcode[exc.errno], exc.filename)
        """)
    finally:
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)
    assert done.stdout.strip() == f"PermissionError EACCES {target}", done.stdout + done.stderr


@contextlib.contextmanager
def small_tmpfs(*options):
    """A 64 KiB tmpfs mounted for the test (root with CAP_SYS_ADMIN only: skipped elsewhere)."""
    folder = tempfile.mkdtemp(prefix="mrcschema-tmpfs-")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(("size=64k",) + options), "tmpfs", folder],
                             capture_output=True)
    if mounted.returncode != 0:
        os.rmdir(folder)
        pytest.skip("cannot mount a small tmpfs here (not root, or no CAP_SYS_ADMIN)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", folder], check=True)
        os.rmdir(folder)


def test_a_full_disk_is_enospc_naming_the_destination_and_leaves_nothing():
    with small_tmpfs() as folder:
        target = os.path.join(folder, "big.mrc")
        with pytest.raises(OSError) as caught:
            mrcschema.write(target, np.ones((4, 256, 256), np.float32))  # 1 MiB on 64 KiB
        assert not isinstance(caught.value, MrcFormatError)
        assert (caught.value.errno, caught.value.filename) == (errno.ENOSPC, target)
        assert os.listdir(folder) == []


def test_a_read_only_file_system_is_erofs_naming_the_destination():
    with small_tmpfs("ro") as folder:
        target = os.path.join(folder, "out.mrc")
        with pytest.raises(OSError) as caught:
            mrcschema.write(target, np.ones((2, 2), np.float32))
        assert (caught.value.errno, caught.value.filename) == (errno.EROFS, target)
