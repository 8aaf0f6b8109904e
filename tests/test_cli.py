"""``python -m mrcschema dump``: fields with offsets and meanings, JSON, and clean failures."""

import json
import subprocess
import sys

import pytest
from conftest import CORPUS_MRC, EXAMPLES

from mrcschema.cli.main import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "mrcschema", *args], capture_output=True, text=True)


def test_dump_text_lists_fields_with_offset_type_value_meaning(capsys):
    assert main(["dump", str(EXAMPLES / "tiny_volume.mrc")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    at = next(i for i, l in enumerate(lines) if " nx " in l)
    assert lines[at].split()[:4] == ["0", "int32", "nx", "24"]
    meaning = " ".join(lines[at].split()[4:] + lines[at + 1].split())  # the meaning wraps, never cut
    assert meaning.startswith("number of columns in 3D data array (fast axis)")
    machst = next(l for l in lines if " machst " in l)
    assert "44 44 00 00" in machst
    assert "volume, space group P 1: shape (16, 20, 24), dtype float32 (mode 2: 32-bit signed real)" in out
    assert "offset 1024, file size 31744 (as expected)" in out
    assert "0: mrcschema example volume written by mrcfile" in out


def test_dump_json_has_every_field_and_data_summary(capsys):
    assert main(["dump", "--json", str(EXAMPLES / "tiny_volume.mrc")]) == 0
    info = json.loads(capsys.readouterr().out)
    names = list(info["fields"]["header"])
    assert names[:4] == ["nx", "ny", "nz", "mode"]
    assert "cella.x" in names and "label" in names and len(names) == 36
    offsets = {name: meta["offset"] for name, meta in info["fields"]["header"].items()}
    assert offsets["nsymbt"] == 92 and offsets["origin.z"] == 204 and offsets["label"] == 224
    assert info["header"]["nx"] == 24 and info["header"]["cella"] == {"x": 36.0, "y": 30.0, "z": 24.0}
    assert info["header"]["map"] == "MAP " and info["header"]["machst"] == {"hex": "44440000"}
    assert info["header"]["label"][0] == "mrcschema example volume written by mrcfile"
    assert info["data"] == {
        "offset": 1024, "shape": [16, 20, 24], "dtype": "float32", "mode": 2, "mode_name": "float32",
        "mode_meaning": "32-bit signed real", "kind": "volume", "space_group": {"number": 1, "symbol": "P 1"},
        "axis_order": ["X", "Y", "Z"], "expected_file_size": 31744, "file_size": 31744,
        "voxel_size": {"x": 1.5, "y": 1.5, "z": 1.5}, "origin": {"x": 3.0, "y": 4.5, "z": 6.0},
    }


def test_dump_reports_big_endian_and_compression(tmp_path, capsys):
    gz = next(p for p in CORPUS_MRC if p.name == "emd_3001.map.gz")
    assert main(["dump", str(gz)]) == 0
    assert "byte order: little-endian (stamp), gzip-compressed" in capsys.readouterr().out


@pytest.mark.parametrize("make", ["missing", "directory", "not_mrc"])
def test_dump_failure_is_one_line_exit_2(tmp_path, make):
    target = tmp_path / "target.mrc"
    if make == "directory":
        target.mkdir()
    elif make == "not_mrc":
        target.write_text("not an MRC file at all " * 100)
    result = run("dump", str(target))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"mrcschema dump: {target}: ")
    assert "Traceback" not in result.stderr


def test_console_script_entry_point_is_declared():
    import tomllib
    from conftest import REPO

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["mrcschema"] == "mrcschema.cli.main:main"


@pytest.mark.parametrize("argv", [
    ["dump", "a.mrc", "-", "b.mrc"],
    ["validate", "x.mrc"],
    ["dump", "a.mrc", "b.mrc", "-r", "--jsonl", "-j", "2", "--record", "3"],
    ["validate", "x.mrc", "--full-data", "-q", "--color", "never", "--json"],
    ["validate", "x.mrc", "--header-only"],
    ["preview", "x.mrc", "-o", "p.png", "--montage", "--frames", "4", "--percentiles", "1", "99", "--size", "256"],
])
def test_a_subcommand_alone_parses_as_the_whole_parser_does(argv):
    """``parse_arguments`` builds only the named subcommand's parser: the namespace is the one the
    whole parser gives."""
    from mrcschema.cli.main import _parser, parse_arguments

    assert vars(parse_arguments(argv)) == vars(_parser().parse_args(argv))


def test_a_subcommand_alone_reports_errors_as_the_whole_parser_does(capsys):
    from mrcschema.cli.main import _parser, parse_arguments

    messages = []
    for parse in (parse_arguments, _parser().parse_args):
        with pytest.raises(SystemExit) as exit_info:
            parse(["dump", "--jobs", "-1", "x.mrc"])
        messages.append((exit_info.value.code, capsys.readouterr().err.splitlines()[-1]))
    assert messages[0] == messages[1] == (
        2, "mrcschema dump: error: argument -j/--jobs: --jobs must be 0 (one per CPU) or more, not -1")
