"""A write killed at any moment leaves nothing (mrcschema/writing/atomic.py).

A child process writes a 256 MiB array with ``mrcschema.write`` and is killed with SIGKILL - no
exception handler, no ``finally`` runs.  The child stops at a chosen moment (``STOP_AT`` in its
environment: a wrapper it installs around one of the writer's steps writes one byte to a pipe and
sleeps) and the parent kills it there, so each moment is hit exactly, whatever the machine's speed.
A last test kills uninstrumented writes after measured delays.  After each kill the folder must
hold nothing new (no destination, no hidden ``.part`` file) and an old destination must be
byte-for-byte unchanged.
"""

from __future__ import annotations

import errno
import hashlib
import os
import select
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import mrcschema
from mrcschema.writing import atomic

REPO = Path(__file__).resolve().parents[1]
SHAPE = (64, 1024, 1024)  # float32: 256 MiB, 256 blocks of the writer's 1 MiB
NBYTES = 4 * SHAPE[0] * SHAPE[1] * SHAPE[2]
LAST = SHAPE[0] - 1 + SHAPE[2] - 1  # the child's data[z, y, x] = z + x

#: the child: builds the array, installs the stop hook named by STOP_AT, writes
CHILD = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    import mrcschema
    from mrcschema.writing import atomic, writer

    dest, overwrite, stop_at, ready = sys.argv[1], sys.argv[2] == "1", os.environ.get("STOP_AT", ""), int(sys.argv[3])
    if os.environ.get("NO_TMPFILE"):
        atomic._O_TMPFILE = 0

    def stop(moment):
        if moment == stop_at:
            os.write(ready, b"!")
            time.sleep(600)  # the parent kills us here

    def wrap(owner, name, moment, before=True):
        real = getattr(owner, name)
        def wrapper(*args, **kwargs):
            if before:
                stop(moment)
            result = real(*args, **kwargs)
            if not before:
                stop(moment)
            return result
        setattr(owner, name, wrapper)

    blocks = 0
    real_convert = writer.convert_block
    def counting(*args):
        global blocks
        blocks += 1
        stop(f"block {blocks}")
        return real_convert(*args)
    writer.convert_block = counting

    real_init = atomic.TempFile.__init__
    def init(self, *args):
        real_init(self, *args)
        stop("created")  # the temporary file exists, nothing written yet
    atomic.TempFile.__init__ = init
    wrap(atomic.TempFile, "commit", "commit")           # every byte written, header included
    wrap(atomic.os, "fsync", "synced", before=False)    # data on disk, not yet named
    wrap(atomic.os, "replace", "replace")               # overwrite: linked to .part, not yet renamed

    nz, ny, nx = %(shape)r
    data = np.arange(nx, dtype=np.float32) + np.arange(nz, dtype=np.float32)[:, None, None] + np.zeros((ny, 1), np.float32)
    os.write(ready, b"s")  # about to write
    mrcschema.write(dest, data, overwrite=overwrite, voxel_size=1.5)
    os.write(ready, b"d")
""" % {"shape": SHAPE})


def listing(folder):
    return sorted(os.listdir(folder))


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            h.update(chunk)
    return h.hexdigest()


def tmpfile_supported(folder):
    try:
        fd = os.open(folder, atomic._O_TMPFILE | os.O_RDWR, 0o600)
    except (OSError, TypeError):
        return False
    os.close(fd)
    return bool(atomic._O_TMPFILE)


class Child:
    """The writing child process; ``wait_for(b"!")`` returns when it stopped at its moment."""

    def __init__(self, dest, overwrite=False, stop_at="", no_tmpfile=False):
        read, write = os.pipe()
        env = dict(os.environ, STOP_AT=stop_at, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        if no_tmpfile:
            env["NO_TMPFILE"] = "1"
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD, str(dest), "1" if overwrite else "0", str(write)],
                                     pass_fds=(write,), env=env, stderr=subprocess.PIPE)
        os.close(write)
        self.pipe = read

    def wait_for(self, byte, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"child did not reach {byte!r}"
            ready, _, _ = select.select([self.pipe], [], [], left)
            if ready:
                got = os.read(self.pipe, 1)
                if got == byte:
                    return
                assert got, f"child ended before {byte!r}: {self.proc.wait() and self.proc.stderr.read().decode()}"

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        code = self.proc.wait()
        os.close(self.pipe)
        self.proc.stderr.close()
        return code

    def finish(self):
        code = self.proc.wait(timeout=120)
        err = self.proc.stderr.read().decode()
        os.close(self.pipe)
        self.proc.stderr.close()
        assert code == 0, err


@pytest.fixture
def old_file(tmp_path):
    """An existing destination with other content."""
    path = mrcschema.write(tmp_path / "dest.mrc", np.full((3, 4), 7, np.int16))
    os.chmod(path, 0o640)
    return Path(path), digest(path)


#: where the child stops: temporary file made; before the first, middle and last 1 MiB block;
#: every byte written (header included), before the commit; after the fsync of an overwrite
MOMENTS = ["created", "block 1", "block 128", "block 256", "commit"]


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigkill_before_the_commit_leaves_nothing(tmp_path, moment):
    dest = tmp_path / "dest.mrc"
    child = Child(dest, stop_at=moment)
    child.wait_for(b"!")
    if tmpfile_supported(tmp_path):
        assert listing(tmp_path) == []  # while it writes, the file has no name
    assert child.kill() == -signal.SIGKILL
    assert listing(tmp_path) == []


@pytest.mark.parametrize("moment", MOMENTS + ["synced"])
def test_sigkill_while_overwriting_leaves_the_old_file(tmp_path, old_file, moment):
    path, before = old_file
    child = Child(path, overwrite=True, stop_at=moment)
    child.wait_for(b"!")
    assert child.kill() == -signal.SIGKILL
    assert listing(tmp_path) == ["dest.mrc"]
    assert digest(path) == before
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_the_documented_window_overwrite_between_link_and_rename(tmp_path, old_file):
    """The one moment a kill leaves a name: overwrite, after linkat, before rename (see the module
    doc).  What remains is the complete new file under a hidden .part name; the old file is intact."""
    if not tmpfile_supported(tmp_path):
        pytest.skip("O_TMPFILE not supported here")
    path, before = old_file
    child = Child(path, overwrite=True, stop_at="replace")
    child.wait_for(b"!")
    child.kill()
    names = listing(tmp_path)
    assert len(names) == 2 and names[1] == "dest.mrc" and names[0].startswith(".dest.mrc.")
    assert names[0].endswith(".part")
    assert digest(path) == before
    with mrcschema.open(tmp_path / names[0]) as left:
        assert left.data.shape == SHAPE and left.data[-1, -1, -1] == LAST


def test_sigkill_after_the_commit_leaves_the_complete_file(tmp_path):
    dest = tmp_path / "dest.mrc"
    child = Child(dest)
    child.wait_for(b"d")
    child.kill()
    assert listing(tmp_path) == ["dest.mrc"]
    assert os.path.getsize(dest) == 1024 + NBYTES
    with mrcschema.open(dest) as f:
        assert f.data.shape == SHAPE and f.data[-1, -1, -1] == LAST
        assert f.header.dmax == LAST and tuple(f.voxel_size) == (1.5, 1.5, 1.5)


@pytest.mark.slow
def test_sigkill_at_measured_moments_of_an_uninstrumented_write(tmp_path):
    """No hook: kill after 10 %, 50 % and 90 % of a measured write.  Each time the folder holds the
    complete file or nothing (when the kill came first, as it does for the early moments)."""
    reference = tmp_path / "reference"
    reference.mkdir()
    child = Child(reference / "dest.mrc")
    child.wait_for(b"s")
    start = time.monotonic()
    child.wait_for(b"d")
    duration = time.monotonic() - start
    child.finish()
    expected = digest(reference / "dest.mrc")
    killed = 0
    for fraction in (0.1, 0.5, 0.9):
        folder = tmp_path / f"at{int(fraction * 100)}"
        folder.mkdir()
        child = Child(folder / "dest.mrc")
        child.wait_for(b"s")
        time.sleep(duration * fraction)
        killed += child.kill() == -signal.SIGKILL
        names = listing(folder)
        assert names in ([], ["dest.mrc"])
        if names:
            assert digest(folder / "dest.mrc") == expected
    assert killed  # at least one kill landed during the write


def test_fallback_without_o_tmpfile_is_named_and_cleaned_on_exceptions(tmp_path, monkeypatch):
    """Where O_TMPFILE is missing the file is a hidden .part name; exceptions remove it, overwrite
    and refusal behave as with unnamed files."""
    monkeypatch.setattr(atomic, "_O_TMPFILE", 0)
    dest = tmp_path / "f.mrc"
    with atomic.TempFile(dest, overwrite=False) as temp:
        assert temp.temp is not None and listing(tmp_path) == [os.path.basename(temp.temp)]
        temp.file.write(b"abc")
        temp.commit()
    assert listing(tmp_path) == ["f.mrc"] and dest.read_bytes() == b"abc"
    with pytest.raises(RuntimeError), atomic.TempFile(dest, overwrite=True) as temp:
        temp.file.write(b"new")
        raise RuntimeError
    assert listing(tmp_path) == ["f.mrc"] and dest.read_bytes() == b"abc"
    with pytest.raises(FileExistsError):
        atomic.TempFile(dest, overwrite=False)
    os.chmod(dest, 0o604)
    with atomic.TempFile(dest, overwrite=True) as temp:
        temp.file.write(b"replaced")
        temp.commit()
    assert dest.read_bytes() == b"replaced" and stat.S_IMODE(os.stat(dest).st_mode) == 0o604
    assert listing(tmp_path) == ["f.mrc"]


def test_fallback_sigkill_leaves_only_the_documented_part_file(tmp_path, old_file):
    """Without O_TMPFILE a SIGKILL mid-data leaves the hidden .part file (as the module doc says);
    the destination is never touched."""
    path, before = old_file
    child = Child(path, overwrite=True, stop_at="block 128", no_tmpfile=True)
    child.wait_for(b"!")
    child.kill()
    names = listing(tmp_path)
    assert len(names) == 2 and names[0].startswith(".dest.mrc.") and names[0].endswith(".part")
    assert digest(path) == before


def test_unnamed_file_is_used_and_invisible_until_commit(tmp_path):
    if not tmpfile_supported(tmp_path):
        pytest.skip("O_TMPFILE not supported here")
    dest = tmp_path / "u.mrc"
    old = os.umask(0o027)
    try:
        temp = atomic.TempFile(dest, overwrite=False)
    finally:
        os.umask(old)
    assert temp.temp is None and listing(tmp_path) == []
    temp.file.write(b"x" * 10)
    temp.commit()
    assert listing(tmp_path) == ["u.mrc"] and dest.read_bytes() == b"x" * 10
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o640
    assert os.stat(dest).st_nlink == 1


def test_unnamed_commit_refuses_a_name_that_appeared(tmp_path):
    dest = tmp_path / "race.mrc"
    temp = atomic.TempFile(dest, overwrite=False)
    temp.file.write(b"mine")
    dest.write_bytes(b"theirs")
    with pytest.raises(FileExistsError) as info:
        temp.commit()
    assert info.value.errno == errno.EEXIST
    assert listing(tmp_path) == ["race.mrc"] and dest.read_bytes() == b"theirs"
    assert temp.file.closed


def test_overwrite_syncs_before_replacing_and_new_files_are_not_synced(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    path = mrcschema.write(tmp_path / "s.mrc", np.zeros((2, 2), np.int8))
    assert synced == []
    mrcschema.write(path, np.ones((2, 2), np.int8), overwrite=True)
    assert len(synced) == 1
    with atomic.TempFile(tmp_path / "t", overwrite=False) as temp:
        temp.commit(sync=True)
    assert len(synced) == 2
    assert listing(tmp_path) == ["s.mrc", "t"]


def test_discard_and_exceptions_leave_nothing(tmp_path):
    temp = atomic.TempFile(tmp_path / "d", overwrite=False)
    temp.file.write(b"partial")
    temp.discard()
    assert listing(tmp_path) == []
    with pytest.raises(KeyboardInterrupt), atomic.TempFile(tmp_path / "d", overwrite=False):
        raise KeyboardInterrupt
    assert listing(tmp_path) == []
