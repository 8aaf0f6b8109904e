"""Issue 14 item 6: a progress bar on stderr for long work, only where a person watches.

Full validation over 256 MiB, writes over 256 MiB and batches draw a bar when stderr is a terminal
(tested on a pseudo-terminal) or when MRCSCHEMA_PROGRESS=1 forces it; piped output and JSON never
see one."""

import io
import json
import os
import sys

import numpy as np
import pytest
from conftest import EXAMPLES, REPO
from test_cli_text import ANSI, pty_run

import mrcschema
from mrcschema import progress as progress_module
from mrcschema.progress import Progress, progress, suppressed

BAR = "\r"


@pytest.fixture
def big_sparse(tmp_path):
    """A 288 MiB float32 volume that is a hole on disk: more than the 256 MiB of long work."""
    path = tmp_path / "big.mrc"
    with mrcschema.new(path, (72, 1024, 1024), "float32", volume=True):
        pass
    return path


def test_bar_draws_and_erases_itself():
    stream = io.StringIO()
    with Progress(4 << 20, "validate x.mrc", stream=stream, enabled=True) as bar:
        bar.update(1 << 20)
        bar.update(3 << 20)
    text = stream.getvalue()
    assert text.startswith("\rvalidate x.mrc [") and " 25%  1.0 MiB/4.0 MiB" in text and "100%" in text
    assert text.endswith("\r\x1b[K")  # nothing left on the line
    stream = io.StringIO()
    with Progress(10, stream=stream, enabled=False) as bar:
        bar.update(10)
    assert stream.getvalue() == ""


def test_bar_decides_from_the_terminal_and_the_environment(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("MRCSCHEMA_PROGRESS", raising=False)
    assert Progress(1, stream=Terminal()).enabled and not Progress(1, stream=io.StringIO()).enabled
    with suppressed():
        assert not Progress(1, stream=Terminal()).enabled
    monkeypatch.setenv("MRCSCHEMA_PROGRESS", "0")
    assert not Progress(1, stream=Terminal()).enabled
    monkeypatch.setenv("MRCSCHEMA_PROGRESS", "1")
    assert Progress(1, stream=io.StringIO()).enabled
    assert not progress(100, stream=io.StringIO()).enabled  # short work: no bar, even when forced
    assert progress(100, stream=io.StringIO(), setting=True).enabled
    assert not progress(1 << 40, stream=io.StringIO(), setting=False).enabled


def test_full_validation_over_256_mib_shows_a_bar_on_a_terminal(big_sparse):
    code, out = pty_run(["validate", "--full-data", str(big_sparse)], env={"NO_COLOR": "1"})
    assert code == 0
    assert "validate big.mrc [" in out and "MiB/288.0 MiB" in out and "100%" in out
    assert ANSI.sub("", out.replace("\x1b[K", "")).split("\r")[-1].strip() == f"{big_sparse}: OK"


@pytest.mark.slow
def test_no_bar_in_a_pipe_or_in_json(big_sparse):
    import subprocess

    environment = {k: v for k, v in os.environ.items() if k != "MRCSCHEMA_PROGRESS"}
    result = subprocess.run([sys.executable, "-m", "mrcschema", "validate", "--full-data", str(big_sparse)],
                            capture_output=True, text=True, env=environment, cwd=REPO)
    assert result.stderr == "" and result.stdout == f"{big_sparse}: OK\n"
    forced = subprocess.run([sys.executable, "-m", "mrcschema", "validate", "--json", "--full-data", str(big_sparse)],
                            capture_output=True, text=True, env={**environment, "MRCSCHEMA_PROGRESS": "1"}, cwd=REPO)
    assert "validate big.mrc [" in forced.stderr  # forced: on stderr only
    assert json.loads(forced.stdout)[0]["verdict"] == "valid"


def test_the_bar_follows_the_data_read(big_sparse, capsys, monkeypatch):
    monkeypatch.setattr(progress_module, "REDRAW_INTERVAL", 0.0)
    mrcschema.validate(big_sparse, full_data=True, progress=True)
    err = capsys.readouterr().err
    percents = [int(part.split("%")[0].split()[-1]) for part in err.split(BAR) if "%" in part]
    assert percents == sorted(percents) and percents[-1] == 100 and len(percents) > 3
    mrcschema.validate(big_sparse, full_data=True, progress=False)
    assert capsys.readouterr().err == ""


def test_writes_over_256_mib_show_a_bar(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress_module, "LONG_WORK_BYTES", 1 << 20)  # long work: more than 1 MiB, here
    monkeypatch.setenv("MRCSCHEMA_PROGRESS", "1")
    mrcschema.write(tmp_path / "small.mrc", np.zeros((4, 64, 64), "float32"))  # 64 KiB: short
    assert capsys.readouterr().err == ""
    mrcschema.write(tmp_path / "long.mrc", np.zeros((80, 64, 64), "float32"))  # 1.25 MiB: long
    err = capsys.readouterr().err
    assert "write long.mrc [" in err and "100%" in err and err.endswith("\r\x1b[K")
    mrcschema.write(tmp_path / "quiet.mrc", np.zeros((80, 64, 64), "float32"), progress=False)
    assert capsys.readouterr().err == ""


def test_batches_show_one_bar_for_all_files(tmp_path):
    files = [str(EXAMPLES / "tiny_volume.mrc")] * 5
    code, out = pty_run(["validate", *files], env={"NO_COLOR": "1"})
    assert code == 0 and "mrcschema validate [" in out and "5/5 files" in out
    assert out.count(": OK") == 5 and "5 files: 5 valid" in out
