"""What a person reads from the command line: errors in one line without class names or a second
copy of the path, findings worst first, rules ignored or explained on request, nothing from a file
sent raw to the terminal, no credentials from a URL, examples at the end of every --help.  Each
test runs the command as a user types it."""

import json
import os
import stat
import subprocess
import sys

import pytest
from conftest import CORPUS, EXAMPLES, REPO, drain_pty
from crafting import stack_header, write_file

TINY = EXAMPLES / "tiny_volume.mrc"


def cli(*args, cwd=REPO, input=None, env=None):
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "MRCSCHEMA_PROGRESS")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "mrcschema", *args], capture_output=True, text=input is None,
                          env=environment, cwd=cwd, input=input)


# -- errors -------------------------------------------------------------------------------------------
def test_a_missing_file_is_one_line_without_class_name_or_repeated_path(tmp_path):
    missing = tmp_path / "x.mrc"
    for command in ("dump", "validate", "info"):
        result = cli(command, str(missing))
        assert result.stderr == f"mrcschema {command}: {missing}: No such file or directory\n", command
        assert result.returncode == 2


def test_a_pattern_that_matches_nothing_is_an_error_line_not_an_unreadable_file(tmp_path):
    result = cli("validate", str(tmp_path / "*.nothing"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"mrcschema validate: {tmp_path / '*.nothing'}: no file matches this pattern\n"
    both = cli("validate", str(tmp_path / "*.nothing"), str(TINY))
    assert both.returncode == 2 and both.stdout == f"{TINY}: OK\n"
    assert "unreadable" not in both.stderr


def test_bad_option_values_are_explained():
    jobs = cli("dump", "-j", "abc", str(TINY))
    assert jobs.returncode == 2
    assert jobs.stderr.splitlines()[-1] == ("mrcschema dump: error: argument -j/--jobs: --jobs takes a whole number "
                                            "of processes (0: one per CPU), not 'abc'")
    both = cli("validate", "--full-data", "--header-only", str(TINY))
    assert both.returncode == 2 and "not allowed with argument --full-data" in both.stderr
    for size in ("0", "-5"):
        result = cli("preview", "--size", size, str(TINY))
        assert result.returncode == 2 and f"--size must be at least 1 pixel, not {size}" in result.stderr


def test_a_short_text_file_and_an_all_zero_file_are_not_mrc_for_every_command(tmp_path):
    (tmp_path / "notes.mrc").write_text("hello, this is text\n")
    (tmp_path / "zeros.mrc").write_bytes(bytes(4096))
    short = cli("dump", "notes.mrc", cwd=tmp_path)
    assert short.stderr == ("mrcschema dump: notes.mrc: header at offset 0: not an MRC file: 20 bytes long, "
                            "shorter than the 1024-byte MRC header\n")
    zeros_dump = cli("dump", "zeros.mrc", cwd=tmp_path)
    assert zeros_dump.returncode == 2 and zeros_dump.stdout == ""
    assert zeros_dump.stderr == ("mrcschema dump: zeros.mrc: map at offset 208: not an MRC file: MAP is hex 00 00 00 00, "
                                 "expected 'MAP ' (and NX 0, NY 0, NZ 0, MODE 0)\n")
    zeros_validate = cli("validate", "zeros.mrc", cwd=tmp_path)
    assert zeros_validate.stdout.startswith("zeros.mrc: INVALID: not an MRC file: MAP is hex 00 00 00 00, NX is 0")
    assert cli("info", "zeros.mrc", cwd=tmp_path).stderr.startswith("mrcschema info: zeros.mrc: map at offset 208: "
                                                                   "not an MRC file")


def test_dump_record_of_several_files_names_each_file():
    epu, fei = CORPUS / "mrcfile" / "epu2.9_example.mrc", CORPUS / "mrcfile" / "fei-extended.mrc"
    result = cli("dump", "--record", "0", str(epu), str(fei))
    assert result.returncode == 0
    assert [line for line in result.stdout.splitlines() if line.startswith("file: ")] == [f"file: {epu}",
                                                                                          f"file: {fei}"]


def test_dump_and_validate_json_name_the_file_with_the_same_key():
    dump = json.loads(cli("dump", "--json", str(TINY)).stdout)
    validate = json.loads(cli("validate", "--json", str(TINY)).stdout)
    assert dump["path"] == validate[0]["path"] == str(TINY) and "file" not in dump


# -- validate: order, wording, --select/--ignore, --explain ---------------------------------------------
def test_findings_are_listed_worst_first_then_by_offset(tmp_path):
    # warnings at offsets 208 (MAP\0) and 196 (NVERSION 0) before an error at 64 (MAPC 0) in the file
    write_file(tmp_path / "m.mrc", stack_header(map=b"MAP\0", nversion=0, mapc=0), bytes(96))
    result = cli("validate", "m.mrc", cwd=tmp_path)
    findings = [line.split()[:3] for line in result.stdout.splitlines()[1:] if not line.startswith("      ")]
    severities = [f[0] for f in findings]
    assert severities == sorted(severities, key=["error", "warning", "info"].index) and severities[:3] == [
        "error", "warning", "warning"]
    offsets = [int(f[2].split("@")[1].rstrip(":")) for f in findings if f[0] == "warning"]
    assert offsets == sorted(offsets) and len(offsets) == 2


def test_messages_show_bytes_as_text_or_hex_and_counts_in_the_right_number(tmp_path):
    write_file(tmp_path / "e.mrc", stack_header(exttyp=b"XYZW", nsymbt=0), bytes(96))
    text = cli("validate", "e.mrc", cwd=tmp_path).stdout
    assert "EXTTYP is 'XYZW', an unknown code" in text and "b'" not in text
    short = stack_header()
    write_file(tmp_path / "short.mrc", short, bytes(90))
    report = cli("validate", "short.mrc", cwd=tmp_path).stdout
    assert "file is 1114 bytes, 6 bytes less than the 1120 the header implies" in report
    assert "mode 101" not in report
    dump = cli("dump", str(CORPUS / "rsciio" / "HAADFscan.mrc")).stdout
    assert "1 record of 888 bytes read" in dump


@pytest.mark.slow
def test_ignore_and_select_take_rule_ids_and_prefixes_as_ruff_does():
    movie = str(CORPUS / "rsciio" / "20241021_00405_movie.mrc")
    plain = cli("validate", "--json", movie)
    rules = {f["rule"] for f in json.loads(plain.stdout)[0]["findings"]}
    assert plain.returncode == 1 and "MRC2014-CELLA" in rules
    errors = {f["rule"] for f in json.loads(plain.stdout)[0]["findings"] if f["severity"] == "error"}
    ignored = cli("validate", "--ignore", ",".join(sorted(errors)), movie)
    assert ignored.returncode == 0 and ignored.stdout.startswith(f"{movie}: OK")
    selected = cli("validate", "--json", "--select", "de", movie)
    assert {f["rule"][:3] for f in json.loads(selected.stdout)[0]["findings"]} <= {"DE-"}
    unknown = cli("validate", "--ignore", "NOPE", movie)
    assert unknown.returncode == 2 and "no rule is NOPE or starts with NOPE-" in unknown.stderr


def test_explain_prints_what_a_rule_checks():
    result = cli("validate", "--explain", "mrc2014-file-size")
    assert result.returncode == 0
    assert result.stdout.splitlines()[:2] == [
        "MRC2014-FILE-SIZE (error, file): expected exactly 1024 + NSYMBT + NX x NY x NZ x bytes per voxel "
        "(mode 101: NZ x NY x ceil(NX / 2))", "source: CCP-EM MRC2014, data block; note 7"]
    missing = cli("validate", "--explain", "NOPE")
    assert missing.returncode == 2 and missing.stderr == ("mrcschema validate: no rule NOPE (the rules: "
                                                          "docs/validation_rules.md)\n")


@pytest.mark.parametrize("command", ["info", "dump", "validate", "preview"])
def test_every_help_ends_with_examples(command):
    lines = cli(command, "--help").stdout.rstrip().splitlines()
    examples = lines[lines.index("examples:") + 1:]
    assert 2 <= len(examples) <= 3 and all(f"mrcschema {command} " in line for line in examples)


# -- nothing raw from a file, no credentials ------------------------------------------------------------
HOSTILE = "\x1b[31mred\x1b]0;TITLE\x07"


def test_labels_and_names_with_escape_sequences_are_shown_escaped(tmp_path):
    label = HOSTILE.encode().ljust(80, b" ")
    name = "evil\x1b[2Jname\n.mrc"
    write_file(tmp_path / name, stack_header(nlabl=1, label=(label,) + (b"\0" * 80,) * 9), bytes(96))
    for command in ("dump", "validate", "info"):
        result = cli(command, name, str(tmp_path / "missing\x1b]52;c;aGk=\x07.mrc"), cwd=tmp_path)
        for stream in (result.stdout, result.stderr):
            assert "\x1b" not in stream and "\x07" not in stream, (command, stream)
        assert "evil\\x1b[2Jname\\n.mrc" in result.stdout + result.stderr, command
        assert "missing\\x1b]52;c;aGk=\\x07.mrc: No such file or directory" in result.stderr, command
    dump = cli("dump", name, cwd=tmp_path).stdout
    assert "0: \\x1b[31mred\\x1b]0;TITLE\\x07" in dump


def test_a_progress_label_with_a_file_name_is_drawn_escaped():
    import io

    from mrcschema.progress import Progress

    stream = io.StringIO()
    bar = Progress(10, "write evil\x1b]0;T\x07.mrc", stream=stream, enabled=True)
    bar.update(10)
    drawn = stream.getvalue()
    assert "evil\\x1b]0;T\\x07.mrc" in drawn and "\x07" not in drawn


@pytest.mark.slow
def test_urls_lose_their_password_and_signature_in_messages():
    url = "http://alice:s3cret@127.0.0.1:9/x.mrc?X-Amz-Signature=abcdef&X-Amz-Credential=AKIA&part=1"
    result = cli("dump", url, env={"MRCSCHEMA_HTTP_TIMEOUT": "2"})
    assert result.returncode == 2
    assert "s3cret" not in result.stderr and "abcdef" not in result.stderr and "AKIA" not in result.stderr
    assert "alice" not in result.stderr
    as_json = cli("validate", "--json", url, env={"MRCSCHEMA_HTTP_TIMEOUT": "2"})
    doc = json.loads(as_json.stdout)[0]
    assert doc["path"] == "http://127.0.0.1:9/x.mrc?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&part=1"
    assert "s3cret" not in as_json.stdout + as_json.stderr and "abcdef" not in as_json.stdout


def test_redaction_keeps_what_is_no_secret():
    from mrcschema.cli.text import escape

    assert escape("s3://bucket/key.mrc?versionId=3") == "s3://bucket/key.mrc?versionId=3"
    assert escape("see https://u:p@host/a?sig=x&b=2 now") == "see https://host/a?sig=REDACTED&b=2 now"
    assert escape("tab\there") == "tab\\there"


def test_no_progress_bar_on_a_terminal_of_no_size():
    import pty

    master, slave = pty.openpty()  # a new pseudo-terminal is 0 x 0 until someone sets its size
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "MRCSCHEMA_PROGRESS")}
    process = subprocess.Popen([sys.executable, "-m", "mrcschema", "validate", *[str(TINY)] * 20],
                               stdout=subprocess.PIPE, stderr=slave, env=environment, cwd=REPO)
    os.close(slave)
    err = drain_pty(master).decode()
    process.communicate()
    assert "\r" not in err.replace("\r\n", "\n") and "[" not in err
    assert "20 files: 20 valid" in err


# -- preview ---------------------------------------------------------------------------------------------
def test_preview_reads_standard_input_and_writes_many_files_into_a_folder(tmp_path):
    pytest.importorskip("PIL")  # preview needs Pillow (the preview extra)
    piped = cli("preview", "-", "-o", str(tmp_path / "piped.png"), input=TINY.read_bytes())
    assert piped.returncode == 0 and piped.stdout.decode() == f"{tmp_path / 'piped.png'}\n"
    emdb = CORPUS / "mrcfile" / "EMD-3197.map"
    many = cli("preview", str(TINY), str(emdb), "-o", str(tmp_path / "out"))
    assert many.returncode == 0
    assert many.stdout.splitlines() == [str(tmp_path / "out" / "tiny_volume.png"), str(tmp_path / "out" / "EMD-3197.png")]


def test_preview_png_gets_the_mode_the_umask_gives(tmp_path):
    pytest.importorskip("PIL")  # preview needs Pillow (the preview extra)
    script = ("import os, sys; os.umask(0o022); from mrcschema.cli.main import main; "
              "sys.exit(main(['preview', sys.argv[1], '-o', sys.argv[2]]))")
    subprocess.run([sys.executable, "-c", script, str(TINY), str(tmp_path / "p.png")], check=True, cwd=REPO)
    assert stat.S_IMODE((tmp_path / "p.png").stat().st_mode) == 0o644


def test_preview_size_is_honoured_for_small_images(tmp_path):
    Image = pytest.importorskip("PIL.Image")

    for size, width in ((48, 48), (240, 240)):  # the 24-pixel-wide section enlarged 2x and 10x
        out = tmp_path / f"s{size}.png"
        assert cli("preview", "--size", str(size), str(TINY), "-o", str(out)).returncode == 0
        import numpy as np

        pixels = np.asarray(Image.open(out).convert("L"))
        rows = np.flatnonzero((pixels[8:8 + size] != pixels[0, 0]).any(axis=0))
        assert rows.size and rows.max() - rows.min() + 1 <= width


def test_preview_of_data_past_the_end_says_so(tmp_path):
    pytest.importorskip("PIL")  # preview needs Pillow (the preview extra)
    import struct

    import numpy as np

    import mrcschema

    path = tmp_path / "n.mrc"
    mrcschema.write(path, np.ones((25, 43, 73), np.float32))
    raw = bytearray(path.read_bytes())
    struct.pack_into("<i", raw, 92, 2**31 - 1)
    path.write_bytes(raw)
    result = cli("preview", str(path), "-o", str(tmp_path / "n.png"))
    assert result.returncode == 2
    assert "none of the NZ 25 sections is in the" in result.stderr and "NSYMBT 2147483647" in result.stderr
    assert "empty" not in result.stderr
