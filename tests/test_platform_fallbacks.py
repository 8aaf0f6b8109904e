"""The code paths other platforms take, run here by hiding what only Linux has: no ``os.preadv``
(Windows: seek + read), no ``O_TMPFILE`` (macOS, Windows: a named temporary file), no
``fallocate`` ranges (macOS, Windows, most file systems: the file is rewritten), no ``fork``
(Windows, macOS' default: ``--jobs`` workers are spawned)."""

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import EXAMPLES, REPO

import mrcschema

DATA = (np.arange(6 * 40 * 50) % 251).astype(np.float32).reshape(6, 40, 50)


def test_reads_without_preadv_equal_reads_with_it(tmp_path, monkeypatch):
    path = tmp_path / "d.mrc"
    mrcschema.write(path, DATA)
    mrcschema.write(tmp_path / "big.mrc", DATA.astype(">f4"), byteorder=">")
    monkeypatch.delattr(os, "preadv", raising=False)
    with mrcschema.open(path) as f:
        assert np.array_equal(f.read(), DATA)
    with mrcschema.open(tmp_path / "big.mrc") as f:  # the other byte order: read through the cast buffer
        assert np.array_equal(f.read(), DATA)
    assert mrcschema.validate(path, full_data=True).ok


def test_writes_without_o_tmpfile_use_a_named_temporary_file_and_leave_nothing(tmp_path, monkeypatch):
    from mrcschema.writing import atomic

    monkeypatch.setattr(atomic, "_O_TMPFILE", 0)
    path = tmp_path / "w.mrc"
    mrcschema.write(path, DATA, voxel_size=2.0)
    mrcschema.write(path, DATA[:3], overwrite=True)
    with mrcschema.new(tmp_path / "n.mrc", (2, 3, 4)) as f:
        f.data[:] = 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.mrc", "w.mrc"]
    with mrcschema.open(path) as f:
        assert np.array_equal(f.data, DATA[:3])
    mode = os.stat(path).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_extended_header_changes_without_fallocate_rewrite_the_file(tmp_path, monkeypatch):
    from mrcschema.sources import journal

    monkeypatch.setattr(journal, "_fallocate", lambda: None)
    path = tmp_path / "e.mrc"
    mrcschema.write(path, DATA)
    assert mrcschema.set_extended_header(path, bytes(range(256)) * 64, exttyp="MRCO") == "rewrite"
    with mrcschema.open(path) as f:
        assert f.header.nsymbt == 16384 and np.array_equal(f.data, DATA)
    assert mrcschema.set_extended_header(path, None) == "rewrite"
    with mrcschema.open(path) as f:
        assert f.header.nsymbt == 0 and np.array_equal(f.data, DATA)


def test_jobs_work_with_spawned_workers(tmp_path):
    """--jobs where there is no fork: the command's workers are spawned processes."""
    script = ("import multiprocessing, sys\n"
              "multiprocessing.get_all_start_methods = lambda: ['spawn']\n"
              "from mrcschema.cli.main import main\n"
              "if __name__ == '__main__':\n"
              "    multiprocessing.set_start_method('spawn')\n"
              "    import mrcschema.cli.batch as batch\n"
              "    started = []\n"
              "    real = multiprocessing.context.SpawnProcess.start\n"
              "    multiprocessing.context.SpawnProcess.start = lambda self: (started.append(1), real(self))[1]\n"
              "    code = main(['validate', '-j', '2', *sys.argv[1:]])\n"
              "    print(f'spawned {len(started)}', file=sys.stderr)\n"
              "    sys.exit(code)\n")
    (tmp_path / "run.py").write_text(script)
    files = [str(EXAMPLES / "tiny_volume.mrc")] * 6
    result = subprocess.run([sys.executable, str(tmp_path / "run.py"), *files], capture_output=True, text=True,
                            cwd=REPO, env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])},
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{files[0]}: OK"] * 6
    assert "6 files: 6 valid" in result.stderr and "spawned 2" in result.stderr  # one worker per job


def test_a_replace_refused_as_windows_refuses_an_open_file_keeps_the_old_file(tmp_path, monkeypatch):
    """Windows cannot replace a file another handle has open: the write fails naming the file, the
    old file is intact and no temporary file is left."""
    from mrcschema.writing import atomic

    path = tmp_path / "m.mrc"
    mrcschema.write(path, DATA)
    before = path.read_bytes()
    monkeypatch.setattr(atomic, "_O_TMPFILE", 0)  # Windows has no unnamed files either
    real_replace = os.replace

    def refusing_replace(src, dst, *args, **kwargs):
        if os.path.abspath(dst) == str(path):
            raise PermissionError(13, "The process cannot access the file because it is being used by another "
                                      "process", str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refusing_replace)
    with open(path, "rb"), pytest.raises(PermissionError) as error:
        mrcschema.write(path, DATA[:2], overwrite=True)
    assert error.value.filename == str(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.mrc"]
