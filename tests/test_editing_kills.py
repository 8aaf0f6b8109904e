"""Kill points for the in-place changes of ``edit`` and ``append``: a child process is killed
(SIGKILL, or interrupted with SIGINT) at seeded random moments during the change; after
``recover`` the file is byte for byte the old file or the new one, and opens with its data intact.

Both go through the crash-safe mechanism of issue 19 (``mrcschema/writing/inplace.py`` and its
journal).  Run against a plain pwrite + fsync in its place, the append case fails (a kill between
the sections and the header leaves the sections after the old data): the test can fail.
``MRCSCHEMA_KILLS=N`` sets the number of kills per case (default 4).
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import REPO

import mrcschema
from mrcschema.writing import inplace

KILLS = int(os.environ.get("MRCSCHEMA_KILLS", "4"))

CHILD = r"""
import sys, time, numpy as np, mrcschema
op, path = sys.argv[1], sys.argv[2]
frames = np.random.default_rng(5).normal(size=(8, 512, 512)).astype(np.float32)
sys.stdout.write("go\n"); sys.stdout.flush()
start = time.perf_counter()
if op == "append":
    mrcschema.append(path, frames)
else:
    mrcschema.edit(path, voxel_size=(1.5, 2.5, 3.5), origin=(1, 2, 3), add_labels=["edited"], nversion=20140)
sys.stdout.write(f"{time.perf_counter() - start}\n"); sys.stdout.flush()
"""


def _child(op, path):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, op, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True)
    assert proc.stdout.readline() == "go\n", proc.stderr.read()
    return proc


@pytest.fixture
def versions(tmp_path):
    """(path of the old file, its bytes, the bytes after each operation done in full, its duration)."""
    old = tmp_path / "old.mrc"
    mrcschema.write(old, np.random.default_rng(4).normal(size=(4, 512, 512)).astype(np.float32), voxel_size=1.0,
                    labels=["original"])
    done = {}
    for op in ("append", "edit"):
        copy = tmp_path / f"{op}.mrc"
        shutil.copy(old, copy)
        proc = _child(op, copy)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        done[op] = (copy.read_bytes(), float(out.strip()))
    return old, old.read_bytes(), done


@pytest.mark.parametrize("op", ["append", "edit"])
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_kill_at_any_moment_leaves_the_old_file_or_the_new_one(tmp_path, versions, op, how):
    old_path, old_bytes, done = versions
    new_bytes, duration = done[op]
    rng = random.Random(f"{op}-{how}")
    outcomes = set()
    for kill in range(KILLS):
        path = tmp_path / f"kill{kill}.mrc"
        shutil.copy(old_path, path)
        proc = _child(op, path)
        time.sleep(rng.uniform(0, 1.5 * duration))
        proc.send_signal(how)
        proc.communicate(timeout=120)
        inplace.recover(str(path))
        now = path.read_bytes()
        old_or_new = now == old_bytes or now == new_bytes
        assert old_or_new, f"kill {kill}: {len(now)} bytes, neither the old file nor the new one"
        outcomes.add(now == new_bytes)
        with mrcschema.open(path) as f:
            np.testing.assert_array_equal(f.sections[:4], np.frombuffer(old_bytes, "<f4", offset=1024).reshape(4, 512, 512))
        path.unlink()
    assert outcomes  # the kills landed somewhere (old, new or both)
