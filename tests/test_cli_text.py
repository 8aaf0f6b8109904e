"""Issue 14 item 3: ``dump`` text that fits the terminal and explains the values.

Rows fit the width (``COLUMNS``, the terminal's, else 100), the meaning is wrapped, never cut;
MODE, ISPG, MAPC/MAPR/MAPS, MACHST and FEI timestamps are interpreted; byte fields that hold text
show as text; colour only on a terminal, never with NO_COLOR."""

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest
from conftest import CORPUS, CORPUS_MRC, EXAMPLES, REPO, corpus_id, drain_pty

from mrcschema.cli.text import Style, output_width, table
from mrcschema.format.mrc2014 import MRC2014_HEADER
from mrcschema.format.spacegroups import SPACE_GROUPS, space_group_symbol

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args, columns=None, env=None):
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    environment.update(env or {})
    if columns is not None:
        environment["COLUMNS"] = str(columns)
    return subprocess.run([sys.executable, "-m", "mrcschema", *args], capture_output=True, text=True,
                          env=environment, cwd=REPO)


def words(text):
    return text.split()


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("path", CORPUS_MRC, ids=corpus_id)
def test_every_line_fits_and_no_meaning_is_cut(path, width):
    result = run("dump", str(path), columns=width)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    too_long = [line for line in lines if len(line) > width and not line.startswith("file: ")]
    assert too_long == []
    out = words(result.stdout)
    for field in MRC2014_HEADER.fields:  # every word of every meaning is printed
        for child in field.children or (field,):
            for word in words(child.doc or field.doc):
                assert word in out, (child.name, word)


def test_piped_output_is_100_columns(tmp_path):
    result = run("dump", str(CORPUS / "mrcfile" / "epu2.9_example.mrc"))
    widths = [len(line) for line in result.stdout.splitlines()]
    assert max(widths) == 100  # the meanings are long enough to fill the width
    assert output_width(open(os.devnull, "w")) == 100


def test_table_wraps_the_meaning_in_its_column():
    meaning = "a long meaning " * 12
    rows = [("0", "int32", "nx", "24", meaning.strip()), ("4", "int32", "ny", "a value longer than the column " * 2, "y")]
    for width in (40, 60, 100):
        lines = table(rows, width)
        assert max(len(line) for line in lines) <= width
        text = " ".join(line.strip() for line in lines)
        for word in words(meaning) + words(rows[1][3]):
            assert word in text
    lines = table(rows, 100)
    start = lines[0].index("a long")
    rebuilt = " ".join(line[start:].strip() for line in lines[: len(lines) - 3] if len(line) > start)
    assert rebuilt.startswith(meaning.strip())


def test_values_are_interpreted():
    lines = run("dump", str(CORPUS / "mrcfile" / "EMD-3001.map"), env={"COLUMNS": "250"}).stdout.splitlines()
    row = {line.split()[2]: line for line in lines if re.match(r"^\s+\d+ \S+ +\S+", line) and len(line.split()) > 3}
    assert "2 (float32)" in row["mode"] and "4 (volume, space group P 1 21 1)" in row["ispg"]
    assert "3 (Z)" in row["mapc"] and "1 (X)" in row["mapr"] and "2 (Y)" in row["maps"]
    assert "'MAP '" in row["map"] and "44 41 00 00 (little-endian)" in row["machst"]
    assert "84 zero bytes" in row["extra2"]
    assert "['80 zero bytes'" not in "\n".join(lines) and "80 z…" not in "\n".join(lines)
    assert "volume, space group P 1 21 1: shape (25, 43, 73)" in "\n".join(lines)
    assert "columns, rows, sections along Z, X, Y" in "\n".join(lines)


def test_fei_timestamp_is_an_iso_date_and_labels_are_text():
    out = run("dump", str(CORPUS / "mrcfile" / "epu2.9_example.mrc"), columns=160).stdout
    stamp = next(line for line in out.splitlines() if " timestamp " in line)
    assert "44138.73 (2020-11-03T17:36:04Z)" in stamp
    assert "FEI2" in next(line for line in out.splitlines() if " exttyp " in line)
    volume = run("dump", str(EXAMPLES / "tiny_volume.mrc")).stdout
    assert "  0: mrcschema example volume written by mrcfile" in volume.splitlines()
    assert "listed below" in next(line for line in volume.splitlines() if " label " in line)


def test_space_group_table_matches_gemmi():
    gemmi = pytest.importorskip("gemmi")
    assert len(SPACE_GROUPS) == 230
    for number in range(1, 231):
        assert space_group_symbol(number) == gemmi.find_spacegroup_by_number(number).hm, number
    assert space_group_symbol(0) is None and space_group_symbol(231) is None


def pty_run(args, env=None, columns=70):
    """Run the command with stdout and stderr on a pseudo-terminal of ``columns`` columns."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "MRCSCHEMA_PROGRESS")}
    environment.update(env or {})
    process = subprocess.Popen([sys.executable, "-m", "mrcschema", *args], stdout=slave, stderr=slave,
                               stdin=subprocess.DEVNULL, env=environment, cwd=REPO)
    os.close(slave)
    output = drain_pty(master)
    return process.wait(), output.decode("utf-8", "replace").replace("\r\n", "\n")


def test_a_terminal_gets_its_width_and_colour():
    code, out = pty_run(["dump", str(EXAMPLES / "tiny_volume.mrc")])
    assert code == 0 and "\x1b[" in out
    plain = ANSI.sub("", out)
    assert max(len(line) for line in plain.splitlines()) <= 70
    code, out = pty_run(["dump", str(EXAMPLES / "tiny_volume.mrc")], env={"NO_COLOR": "1"})
    assert code == 0 and "\x1b[" not in out


def test_colour_never_in_a_pipe_unless_asked():
    assert "\x1b[" not in run("dump", str(EXAMPLES / "tiny_volume.mrc")).stdout
    assert "\x1b[" in run("dump", "--color", "always", str(EXAMPLES / "tiny_volume.mrc")).stdout
    assert "\x1b[" in run("validate", "--color", "always", str(EXAMPLES / "tiny_volume.mrc")).stdout
    assert Style(False).red("x") == "x" and Style(True).red("x") == "\x1b[31mx\x1b[0m"


def test_validate_text_fits_and_a_text_file_is_one_short_line(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("this is a text file, not an MRC file at all\n" * 100)
    result = run("validate", str(notes))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{notes}: INVALID: not an MRC file: MAP is ")
    assert len(lines[0]) <= 100 + len(str(notes))
    result = run("validate", *map(str, CORPUS_MRC), columns=72)
    findings = [line for line in result.stdout.splitlines() if line.startswith(" ")]  # not the FILE: lines
    assert findings and max(len(line) for line in findings) <= 72
