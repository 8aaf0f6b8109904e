"""A batch never hangs on what is not a regular file and never skips a folder silently: a FIFO (or
socket, device) among the files is one error line and exit code 2, with or without ``--jobs``; a
folder that cannot be listed is an error line.  Run in child processes with a timeout: a hang fails
the test instead of stopping the suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

import pytest

from tests.conftest import CORPUS

GOOD = CORPUS / "mrcfile" / "EMD-3197.map"


def mrcschema_cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "mrcschema", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def folder_with_a_fifo(tmp_path):
    shutil.copy(GOOD, tmp_path / "a.mrc")
    os.mkfifo(tmp_path / "pipe.mrc")
    (tmp_path / "sub").mkdir()
    shutil.copy(GOOD, tmp_path / "sub" / "b.mrc")
    return tmp_path


@pytest.mark.parametrize("jobs", [[], ["-j", "2"]], ids=["serial", "jobs"])
@pytest.mark.parametrize("command", ["validate", "dump"])
def test_a_fifo_in_a_recursive_batch_is_one_error_line_and_exit_2(folder_with_a_fifo, command, jobs):
    done = mrcschema_cli(command, "-r", *jobs, str(folder_with_a_fifo))
    assert done.returncode == 2
    fifo = folder_with_a_fifo / "pipe.mrc"
    assert f"mrcschema {command}: {fifo}: is a FIFO, not a regular file: skipped in a batch\n" in done.stderr
    assert "3 files:" in done.stderr and "1 unreadable" in done.stderr
    if command == "validate":
        assert done.stdout.count(": OK") == 2


def test_a_fifo_named_among_files_is_skipped_not_read(folder_with_a_fifo):
    done = mrcschema_cli("validate", str(folder_with_a_fifo / "a.mrc"), str(folder_with_a_fifo / "pipe.mrc"))
    assert done.returncode == 2
    assert f"{folder_with_a_fifo / 'pipe.mrc'}: is a FIFO, not a regular file: skipped in a batch" in done.stderr


def test_a_folder_that_cannot_be_listed_is_an_error_line_not_skipped():
    top = tempfile.mkdtemp(prefix="mrcschema-unlistable-")  # not under pytest's 0700 folder: another user walks it
    hidden = os.path.join(top, "hidden")
    try:
        os.chmod(top, 0o755)
        shutil.copy(GOOD, os.path.join(top, "a.mrc"))
        os.chmod(os.path.join(top, "a.mrc"), 0o644)
        os.mkdir(hidden)
        shutil.copy(GOOD, os.path.join(hidden, "b.mrc"))
        os.chmod(hidden, 0)
        # root lists anything: the walk runs as "nobody" in a child, after the imports it needs
        code = textwrap.dedent(f"""
            import contextlib, io, os, sys
            from mrcschema.cli.main import main
            if os.geteuid() == 0:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    main(["validate", "-r", {top!r}])
                os.setgid(65534)
                os.setuid(65534)
            sys.exit(main(["validate", "-r", {top!r}]))
        """)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    finally:
        if os.path.isdir(hidden):
            os.chmod(hidden, 0o755)
        shutil.rmtree(top)
    assert done.returncode == 2, done.stderr
    assert f"mrcschema validate: {hidden}: folder cannot be listed: Permission denied\n" in done.stderr
    assert "2 files: 1 valid, 1 unreadable" in done.stderr
