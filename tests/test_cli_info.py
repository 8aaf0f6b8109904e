"""``mrcschema info``: one line per file (shape, mode and dtype, physical size, extended header,
size on disk, verdict), run as a user types it."""

import json
import os
import subprocess
import sys

import numpy as np
from conftest import CORPUS, EXAMPLES, REPO
from crafting import stack_header, write_file

import mrcschema

TINY_LINE = ("examples/tiny_volume.mrc: 24 x 20 x 16, mode 2 float32, 36 x 30 x 24 Å, no extended header, "
             "31.0 KiB, valid")


def cli(*args, cwd=REPO, input=None):
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "MRCSCHEMA_PROGRESS")}
    return subprocess.run([sys.executable, "-m", "mrcschema", *args], capture_output=True, text=input is None,
                          env=environment, cwd=cwd, input=input)


def test_info_of_the_bundled_example_is_the_line_the_readme_shows():
    result = cli("info", "examples/tiny_volume.mrc")
    assert (result.returncode, result.stdout, result.stderr) == (0, TINY_LINE + "\n", "")
    readme = (REPO / "README.md").read_text()
    assert "    " + TINY_LINE + "\n" in readme


def test_info_is_one_line_per_file_with_the_worst_finding():
    epu = CORPUS / "mrcfile" / "epu2.9_example.mrc"
    de = CORPUS / "rsciio" / "20241021_00405_movie.mrc"
    emdb = CORPUS / "mrcfile" / "EMD-3001.map"
    result = cli("info", str(epu), str(de), str(emdb))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{epu}: 4096 x 4096 x 1, mode 6 uint16, 2730 x 2730 Å, FEI2 extended header, 1 record, 32.9 MiB, valid",
        f"{de}: 8 x 4 x 32, mode 6 uint16, physical size unknown, no extended header, 3.0 KiB, "
        "invalid (error MRC2014-CELLA: CELLA.X is -80)",
        f"{emdb}: 73 x 43 x 25, mode 2 float32, 19.27 x 9.813 x 33.49 Å, CCP4 extended header, 160 B, 307.7 KiB, "
        "valid (warning MRC2014-EXTTYP-MISSING: EXTTYP is hex 00 00 00 00)"]
    assert result.stderr.startswith("mrcschema info: 3 files: 2 valid, 1 invalid; ")


def test_info_physical_size_is_voxel_size_times_count_and_unknown_without_a_cell(tmp_path):
    mrcschema.write(tmp_path / "v.mrc", np.zeros((5, 4, 3), np.float32), voxel_size=(2.0, 1.5, 0.5), volume=True)
    write_file(tmp_path / "nocell.mrc", stack_header(ispg=1, mz=2, cella={"x": 0.0}), bytes(96))
    result = cli("info", "v.mrc", "nocell.mrc", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert lines[0] == ("v.mrc: 3 x 4 x 5, mode 2 float32, 6 x 6 x 2.5 Å, no extended header, 1.2 KiB, valid")
    assert lines[1].startswith("nocell.mrc: 4 x 3 x 2, mode 2 float32, unknown x 3 x 2 Å, ")


def test_info_json_and_jsonl_use_the_path_key(tmp_path):
    result = cli("info", "--json", "examples/tiny_volume.mrc", "missing.mrc")
    docs = json.loads(result.stdout)
    assert result.returncode == 2
    assert docs[0]["path"] == "examples/tiny_volume.mrc" and docs[0]["verdict"] == "valid"
    assert docs[0]["physical_size"] == {"x": 36.0, "y": 30.0, "z": 24.0}
    assert docs[0]["shape"] == {"nx": 24, "ny": 20, "nz": 16} and docs[0]["disk_size"] == 31744
    assert docs[1] == {"schema": "mrcschema-info/1", "path": "missing.mrc", "readable": False,
                       "verdict": "unreadable", "error": "No such file or directory"}
    lines = cli("info", "--jsonl", "-r", str(EXAMPLES)).stdout.splitlines()
    assert [json.loads(line)["path"] for line in lines] == [str(EXAMPLES / "tiny_volume.mrc")]


def test_info_of_a_text_file_and_of_standard_input():
    text = CORPUS / "rsciio" / "Custom_scan_coordinates.csv"
    result = cli("info", str(text))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (f"mrcschema info: {text}: header at offset 0: not an MRC file: 120 bytes long, "
                             "shorter than the 1024-byte MRC header\n")
    piped = cli("info", "-", input=(EXAMPLES / "tiny_volume.mrc").read_bytes())
    assert piped.stdout.decode().startswith("-: 24 x 20 x 16, mode 2 float32, 36 x 30 x 24 Å")


def test_info_help_ends_with_examples():
    text = cli("info", "--help").stdout
    assert text.rstrip().splitlines()[-3:] == ["  mrcschema info examples/tiny_volume.mrc",
                                               "  mrcschema info -r -j 0 maps/",
                                               "  mrcschema info --jsonl 'movies/*.mrc' > facts.jsonl"]
