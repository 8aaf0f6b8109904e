"""Reads stay true to the file that was opened, and the library's own reads never die of SIGBUS.

Another process replaces the path of an open file (its old inode is still the one read) or truncates
it (every read the library makes for itself is a ``pread``: a clear MrcFormatError naming the file
and the offset).  The truncation cases run in a child process: a SIGBUS there fails the test (exit
status -7) instead of killing pytest."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mrcschema
from mrcschema import MrcFormatError
from mrcschema.sources.local import FileReplaced

SHAPE = (8, 64, 64)  # 128 KiB of float32: sections 16 KiB each
EXTENDED = bytes(range(256)) * 4


def values(seed):
    return np.random.default_rng(seed).random(SHAPE, dtype=np.float32)


def write(path, seed):
    mrcschema.write(path, values(seed), extended_header=EXTENDED if seed == 1 else bytes(1024), exttyp="MRCO")


def test_a_path_replaced_after_open_is_not_read_the_opened_file_is(tmp_path):
    path = tmp_path / "a.mrc"
    write(path, 1)
    write(tmp_path / "b.mrc", 2)
    assert os.path.getsize(path) == os.path.getsize(tmp_path / "b.mrc")
    with mrcschema.open(path) as f:
        os.replace(tmp_path / "b.mrc", path)  # an atomic save by another program: same size, new inode
        assert f.extended_header_bytes == EXTENDED
        assert np.array_equal(f.data, values(1))
        assert np.array_equal(f.sections[3], values(1)[3])
        assert np.array_equal(f.read(), values(1))
        assert mrcschema.validate(f).ok
        lazy = f.to_dask()
        with pytest.raises(FileReplaced, match=f"{path} no longer names the file that was opened"):
            lazy.sum().compute()  # dask chunks reopen by name (other processes): a changed inode is refused


def test_a_dask_chunk_of_an_unchanged_file_reads_it(tmp_path):
    path = tmp_path / "a.mrc"
    write(path, 1)
    with mrcschema.open(path) as f:
        assert np.array_equal(f.to_dask(chunks=(3, 64, 64)).compute(), values(1))


#: each case: what to do once the file is cut to 4096 bytes (1024 header + 1024 extended + 2 KiB)
TRUNCATED_READS = {
    "validate_open_file": "report = mrcschema.validate(f); print([i.message for i in report.findings if 'read' in i.message])",
    "sections": "f.sections[5]",
    "to_dask_sum": "f.to_dask(chunks=(2, 64, 64)).sum().compute()",
    "read": "f.read()",
    "data_mapped_after": "f.data",
    "lazy_file_reader": None,  # mapped below: the reader opens the file itself
    "preview": "from mrcschema.preview.render import choose_panels; choose_panels(f)",
}


def run_child(path, case):
    action = TRUNCATED_READS[case]
    if action is None:
        body = f"""
            from mrcschema.hyperspy.reader import file_reader
            data = file_reader({str(path)!r}, lazy=True)[0]["data"]
            os.truncate({str(path)!r}, 4096)
            data.sum().compute()
        """
    else:
        body = f"""
            f = mrcschema.open({str(path)!r})
            os.truncate({str(path)!r}, 4096)
            {action}
        """
    code = textwrap.dedent("""
        import os, sys
        import mrcschema
        try:
    """) + textwrap.indent(textwrap.dedent(body), "    ") + textwrap.dedent("""
        except mrcschema.MrcFormatError as exc:
            print("MrcFormatError", exc)
            sys.exit(0)
        print("no error")
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", [c for c in TRUNCATED_READS if c != "validate_open_file"])
def test_a_file_truncated_under_a_read_is_a_format_error_naming_it_never_sigbus(tmp_path, case):
    path = tmp_path / "a.mrc"
    write(path, 1)
    done = run_child(path, case)
    assert done.returncode == 0, f"the child died (status {done.returncode}: -7 is SIGBUS): {done.stderr[-2000:]}"
    assert done.stdout.startswith("MrcFormatError data at offset "), done.stdout + done.stderr[-2000:]
    assert str(path) in done.stdout


def test_validate_of_an_open_file_truncated_under_it_reports_instead_of_crashing(tmp_path):
    path = tmp_path / "a.mrc"
    write(path, 1)
    done = run_child(path, "validate_open_file")
    assert done.returncode == 0, f"the child died (status {done.returncode}: -7 is SIGBUS): {done.stderr[-2000:]}"
    assert "no error" in done.stdout and f"{path} ends at byte 4096" in done.stdout, done.stdout + done.stderr


def test_r_plus_close_after_a_truncation_is_a_format_error_not_sigbus(tmp_path):
    path = tmp_path / "a.mrc"
    write(path, 1)
    code = textwrap.dedent(f"""
        import os, mrcschema
        f = mrcschema.open({str(path)!r}, "r+")
        f.data  # mapped: the statistics are recomputed at close
        os.truncate({str(path)!r}, 4096)
        try:
            f.close()
        except mrcschema.MrcFormatError as exc:
            print("MrcFormatError", exc)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the child died (status {done.returncode}: -7 is SIGBUS): {done.stderr[-2000:]}"
    assert done.stdout.startswith(f"MrcFormatError data at offset 4096: {path} ends at byte 4096"), done.stdout


def test_numpys_mmap_length_error_becomes_a_format_error_with_file_and_offset(tmp_path):
    path = tmp_path / "a.mrc"
    write(path, 1)
    with mrcschema.open(path) as f:
        os.truncate(path, 4096)
        with pytest.raises(MrcFormatError, match=(f"data at offset 2048: {path}: the data block \\(131072 bytes at "
                                                  "offset 2048\\) cannot be mapped: mmap length is greater than file "
                                                  "size \\(the file is 4096 bytes now")):
            f.data  # noqa: B018
