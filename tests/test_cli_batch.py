"""Issue 14 item 1: ``dump`` and ``validate`` over many files, directories and patterns, in one
process or ``--jobs N`` processes, with a summary on stderr, the worst file's exit code, a clean
Ctrl-C and ``--version`` everywhere."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import CORPUS, CORPUS_MRC, EXAMPLES, REPO
from crafting import valid_header, write_file

import mrcschema
from mrcschema.cli.batch import Item, expand_inputs, run_batch
from mrcschema.cli.commands import VALIDATE_VERDICTS, Options, validate_one
from mrcschema.cli.main import main

SUMMARY = re.compile(r"^mrcschema (dump|validate): (\d+) files?: (.*); (\d+\.\d) s, (\d+) files/s$")


def cli(*args, env=None, **kwargs):
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "MRCSCHEMA_PROGRESS")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "mrcschema", *args], capture_output=True, text=True,
                          env=environment, cwd=REPO, **kwargs)


@pytest.fixture
def deposition(tmp_path):
    """A folder tree of links to corpus files, one invalid file and one text file with an MRC name."""
    root = tmp_path / "deposition"
    (root / "maps" / "half").mkdir(parents=True)
    (root / "movies").mkdir()
    for path in CORPUS_MRC:
        if path.parent.name == "mrcfile":
            os.symlink(path, root / "maps" / path.name)
        else:
            os.symlink(path, root / "movies" / path.name)
    write_file(root / "maps" / "half" / "bad.mrc", valid_header(mx=0), np.zeros((2, 3, 4), "<f4").tobytes())
    (root / "maps" / "half" / "notes.mrc").write_text("not an MRC file\n" * 100)
    (root / "maps" / "README.txt").write_text("not a map, not read")
    return root


def test_directories_are_read_recursively_in_order(deposition):
    items, batch = expand_inputs([str(deposition)], recursive=True)
    names = [os.path.relpath(i.name, deposition) for i in items]
    assert batch and names == sorted(names, key=lambda n: (os.path.dirname(n).count("/"), n)) or names
    assert "maps/README.txt" not in names and "maps/half/bad.mrc" in names and "maps/half/notes.mrc" in names
    assert len(names) == len(CORPUS_MRC) + 2
    items, batch = expand_inputs([str(deposition)], recursive=False)
    assert items == [Item(str(deposition), "is a directory (use -r to read the MRC files in it)")] and not batch


def test_validate_a_deposition_in_one_command(deposition):
    result = cli("validate", "-r", str(deposition))
    assert result.returncode == 1  # invalid files, none unreadable
    summary = result.stderr.strip().splitlines()[-1]
    match = SUMMARY.match(summary)
    assert match, summary
    total = len(CORPUS_MRC) + 2
    assert int(match.group(2)) == total
    counts = dict((v, int(n)) for n, v in re.findall(r"(\d+) (\w+)", match.group(3)))
    assert sum(counts.values()) == total and counts["invalid"] >= 2 and counts["valid"] >= 5
    assert result.stdout.count(": OK") == counts["valid"]
    assert f"{deposition}/maps/half/notes.mrc: INVALID: file is 1600 bytes long" not in result.stdout
    assert f"{deposition}/maps/half/notes.mrc: INVALID: not an MRC file" in result.stdout


def test_quoted_patterns_and_shell_globs(deposition):
    pattern = f"{deposition}/**/*.map*"
    result = cli("validate", "-r", "-q", pattern)
    assert SUMMARY.match(result.stderr.strip().splitlines()[-1])
    assert "4 files: 4 valid" in result.stderr and result.stdout == ""  # -q: only files that are not valid
    result = cli("dump", f"{deposition}/nothing*.mrc")
    assert result.returncode == 2 and "no file matches this pattern" in result.stderr
    shell = subprocess.run(f"{sys.executable} -m mrcschema validate {deposition}/maps/*.map",
                           shell=True, capture_output=True, text=True, cwd=REPO)
    assert shell.returncode == 0 and "2 files: 2 valid" in shell.stderr


@pytest.mark.slow
def test_exit_code_is_the_worst_file(tmp_path, deposition):
    good = str(EXAMPLES / "tiny_volume.mrc")
    bad = str(deposition / "maps" / "half" / "bad.mrc")
    missing = str(tmp_path / "missing.mrc")
    assert cli("validate", good, good).returncode == 0
    assert cli("validate", good, bad, good).returncode == 1
    assert cli("validate", missing, good, bad).returncode == 2
    assert cli("dump", good, good).returncode == 0
    result = cli("dump", good, missing, good)
    assert result.returncode == 2 and result.stdout.count("main header (offset") == 2
    assert "3 files: 2 read, 1 unreadable" in result.stderr


@pytest.mark.slow
def test_parallel_jobs_give_the_same_output_in_the_same_order(deposition):
    one = cli("validate", "-r", str(deposition))
    two = cli("validate", "-r", "--jobs", "2", str(deposition))
    assert two.returncode == one.returncode and two.stdout == one.stdout
    assert cli("dump", "-r", "-j", "2", "--jsonl", str(deposition)).stdout.count("\n") == len(CORPUS_MRC) + 2
    dumps = cli("dump", "-r", "-j", "0", str(deposition))
    assert dumps.stdout == cli("dump", "-r", str(deposition)).stdout


def test_jobs_run_in_separate_processes(deposition, capsys):
    """``--jobs 2`` is two forked worker processes taking chunks as each is free; the outcomes come
    back in argument order."""
    items, _ = expand_inputs([str(deposition)] * 4, recursive=True)
    prepared = []  # ``prepare`` runs once, here, before the workers fork (they inherit the imports)
    result = run_batch("validate", validate_one, items, Options(), jobs=2, verdicts=VALIDATE_VERDICTS,
                       prepare=lambda: prepared.append(os.getpid()))
    assert prepared == [os.getpid()]
    assert [o.name for o in result.outcomes] == [i.name for i in items]
    assert "mrcschema validate: " in capsys.readouterr().err
    one = run_batch("validate", validate_one, items, Options(), jobs=1, verdicts=VALIDATE_VERDICTS)
    assert [(o.name, o.verdict, o.doc) for o in result.outcomes] == [(o.name, o.verdict, o.doc) for o in one.outcomes]


@pytest.mark.slow
def test_jobs_share_the_files_between_the_workers(tmp_path, capsys):
    files = slow_batch(tmp_path, 8)  # ~0.1 s a file: both workers get some (chunks of one file)
    items, _ = expand_inputs(files)
    result = run_batch("validate", validate_one, items, Options(full_data=True), jobs=2, verdicts=VALIDATE_VERDICTS)
    pids = [o.pid for o in result.outcomes]
    assert len(set(pids)) == 2 and os.getpid() not in pids
    assert [o.name for o in result.outcomes] == files and {o.verdict for o in result.outcomes} == {"valid"}


def test_a_worker_that_dies_is_an_error_not_a_hang(tmp_path, capsys):
    files = slow_batch(tmp_path, 6)
    items, _ = expand_inputs(files)
    with pytest.raises(ChildProcessError, match=r"a --jobs worker \(pid \d+\) stopped with exit code -9"):
        run_batch("validate", _killed_in_a_worker, items, Options(full_data=True), jobs=2)


@pytest.mark.slow
def test_the_command_reports_a_dead_worker_in_one_line(tmp_path, monkeypatch, capsys):
    import mrcschema.cli.commands

    monkeypatch.setattr(mrcschema.cli.commands, "validate_one", _killed_in_a_worker)
    assert main(["validate", "--full-data", "-j", "2", *slow_batch(tmp_path, 6)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.fullmatch(r"mrcschema validate: a --jobs worker \(pid \d+\) stopped with exit code -9 before it had "
                        r"sent what it did", err), err


_TEST_PROCESS = os.getpid()


def _killed_in_a_worker(name, options):
    """validate_one, except that a worker process is killed (as the OOM killer would) on its first file."""
    if os.getpid() != _TEST_PROCESS:  # a forked worker
        os.kill(os.getpid(), signal.SIGKILL)
    return validate_one(name, options)


def slow_batch(tmp_path, count=30):
    """``count`` names of one sparse 192 MiB file: --full-data reads every byte of each."""
    with mrcschema.new(tmp_path / "big.mrc", (48, 1024, 1024), "float32"):
        pass
    for i in range(count):
        os.symlink(tmp_path / "big.mrc", tmp_path / f"copy{i:03d}.mrc")
    return [str(tmp_path / f"copy{i:03d}.mrc") for i in range(count)]


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_cleanly_and_prints_the_summary_so_far(tmp_path, jobs):
    files = slow_batch(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "mrcschema", "validate", "--full-data", "-j", jobs, *files],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    first = process.stdout.readline()  # one file done: interrupt the rest
    assert first.endswith(": OK\n")
    process.send_signal(signal.SIGINT)
    out, err = process.stdout.read(), process.stderr.read()  # communicate() would skip what readline buffered
    assert process.wait(timeout=60) == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    match = re.search(r"mrcschema validate: interrupted after (\d+) of 30 files: (\d+) valid; ", err)
    assert match and 1 <= int(match.group(1)) < 30 and match.group(1) == match.group(2)
    assert (first + out).count(": OK") == int(match.group(1))


@pytest.mark.slow
def test_interrupted_json_is_still_one_document(tmp_path):
    files = slow_batch(tmp_path, 20)
    process = subprocess.Popen([sys.executable, "-m", "mrcschema", "validate", "--full-data", "--jsonl", *files],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    first = process.stdout.readline()
    process.send_signal(signal.SIGINT)
    out, err = first + process.stdout.read(), process.stderr.read()
    assert process.wait(timeout=60) == 130 and "interrupted after" in err, err
    assert all(line.startswith('{"schema": "mrcschema-validate/1"') for line in out.splitlines())
    process = subprocess.Popen([sys.executable, "-m", "mrcschema", "validate", "--full-data", "--json", *files],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    time.sleep(0.8)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    reports = json.loads(out)  # a complete document of the files done
    assert process.returncode in (0, 130) and len(reports) <= 20
    if process.returncode == 130:
        assert f"interrupted after {len(reports)} of 20 files" in err


def test_validate_piped_into_head_keeps_the_exit_code(deposition):
    bad = str(deposition / "maps" / "half" / "bad.mrc")
    good = str(EXAMPLES / "tiny_volume.mrc")
    process = subprocess.Popen([sys.executable, "-m", "mrcschema", "validate", good, *[good] * 200, bad],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    assert process.stdout.readline().endswith(b": OK\n")
    process.stdout.close()  # what `| head -1` does
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1  # the last file is invalid: the pipe closing does not hide it
    assert "Traceback" not in err and "202 files: 201 valid, 1 invalid" in err
    shell = subprocess.run(f"set -o pipefail; {sys.executable} -m mrcschema validate {bad} {good} | head -1",
                           shell=True, executable="/bin/bash", capture_output=True, text=True, cwd=REPO)
    assert shell.returncode == 1 and shell.stdout.startswith(f"{bad}: INVALID")


@pytest.mark.parametrize("argv", [["--version"], ["dump", "--version"], ["validate", "--version"],
                                  ["preview", "--version"]])
def test_version_everywhere(argv):
    result = cli(*argv)
    assert result.returncode == 0 and result.stdout.strip() == f"mrcschema {mrcschema.__version__}"


def test_version_is_written_once():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "mrcschema.version.__version__"}


def test_help_lists_every_option():
    for command, options in (("dump", ["-r", "--recursive", "--jobs", "--json", "--jsonl", "--record", "--color"]),
                             ("validate", ["-r", "--jobs", "--json", "--jsonl", "--full-data", "--quiet", "--color"]),
                             ("preview", ["--output", "--section", "--montage", "--frames", "--percentiles", "--size"])):
        text = cli(command, "--help").stdout
        for option in options:
            assert option in text, (command, option)
    readme = (REPO / "README.md").read_text()
    for option in ("--recursive", "--jobs", "--jsonl", "--record", "--full-data", "--quiet", "--color", "--version",
                   "preview", "--montage", "--percentiles", "--section", "--frames", "--size", "NO_COLOR"):
        assert option in readme, option


def test_single_file_keeps_its_one_line_errors(tmp_path, capsys):
    assert main(["dump", str(tmp_path / "missing.mrc")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1


@pytest.mark.slow
def test_a_batch_of_5000_names_in_one_process(tmp_path):
    """Thousands of files in one command (the issue's deposition): one process, a summary, fast."""
    for i in range(5000):
        os.symlink(CORPUS / "mrcfile" / "EMD-3197.map", tmp_path / f"m{i:04d}.map")
    start = time.monotonic()
    result = cli("validate", "-r", "-q", "-j", "2", str(tmp_path))
    assert result.returncode == 0 and result.stdout == ""
    assert "5000 files: 5000 valid" in result.stderr
    assert time.monotonic() - start < 120


def test_names_that_are_not_paths_reach_the_command_unchanged(tmp_path):
    """'-' and URLs are the sources' to open (issue 13): expansion never globs or drops them."""
    names = ["-", "https://example.org/maps/emd_1.map.gz?token=a*b", str(tmp_path / "missing.mrc")]
    items, batch = expand_inputs(names)
    assert [i.name for i in items] == names and all(i.error is None for i in items) and batch
