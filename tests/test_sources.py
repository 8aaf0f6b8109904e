"""Issue 13, local part: every entry point reads file objects (seekable or not), pipes and bytes as it
reads paths; a pipe is read once, in order; ``sections`` and ``to_dask`` read only what they need."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

import mrcschema
from mrcschema import MrcFormatError
from tests.conftest import CORPUS, CORPUS_MRC, corpus_id

PLAIN = [p for p in CORPUS_MRC if p.suffix in (".mrc", ".map")]
SMALL = [p for p in CORPUS_MRC if p.stat().st_size < 2_000_000]


class OneWay(io.RawIOBase):
    """A stream that cannot seek (a pipe as Python sees it), counting how often it is read."""

    def __init__(self, data, block=7000):
        self.data = memoryview(data)
        self.position = 0
        self.block = block
        self.reads = 0

    def readable(self):
        return True

    def seekable(self):
        return False

    def readinto(self, buffer):
        self.reads += 1
        n = min(len(buffer), self.block, len(self.data) - self.position)
        buffer[:n] = self.data[self.position:self.position + n]
        self.position += n
        return n


class Endless(OneWay):
    """A header, then zeros forever."""

    def readinto(self, buffer):
        if self.position < len(self.data):
            return super().readinto(buffer)
        n = min(len(buffer), self.block)
        buffer[:n] = bytes(n)
        return n


def same_file(a, b):
    assert a.header == b.header
    assert a.extended_header_bytes == b.extended_header_bytes
    assert a.extended.kind == b.extended.kind
    if a.data is None:
        assert b.data is None
        return
    assert a.data.shape == b.data.shape and a.data.dtype == b.data.dtype
    assert np.array_equal(a.data, b.data, equal_nan=True)


def targets(path):
    raw = path.read_bytes()
    return {
        "bytes": raw, "bytearray": bytearray(raw), "memoryview": memoryview(raw),
        "BytesIO": io.BytesIO(raw), "stream": OneWay(raw), "buffered stream": io.BufferedReader(OneWay(raw)),
    }


@pytest.mark.parametrize("path", SMALL, ids=corpus_id)
def test_every_small_corpus_file_reads_the_same_from_memory_and_streams(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mrcschema.MrcWarning)
        with mrcschema.open(path) as reference:
            for kind, target in targets(path).items():
                with mrcschema.open(target) as f:
                    same_file(f, reference)
                    assert f.source.mappable_path is None, kind


@pytest.mark.parametrize("path", [CORPUS / "mrcfile" / "EMD-3001.map", CORPUS / "rsciio" / "HAADFscan.mrc"], ids=corpus_id)
def test_gzip_and_bzip2_bytes_from_memory_and_streams(path):
    import bz2

    raw = path.read_bytes()
    with mrcschema.open(path) as reference:
        for packed in (gzip.compress(raw), bz2.compress(raw)):
            for target in (packed, io.BytesIO(packed), OneWay(packed)):
                with mrcschema.open(target) as f:
                    assert f.compression in ("gzip", "bzip2")
                    same_file(f, reference)


def test_an_open_local_file_is_memory_mapped(tmp_path):
    path = CORPUS / "mrcfile" / "EMD-3001.map"
    with open(path, "rb") as handle, mrcschema.open(handle) as f:
        assert f.source.mappable_path == str(path)
        assert isinstance(f.data, np.memmap)


def test_a_stream_is_read_once_in_order():
    raw = (CORPUS / "mrcfile" / "EMD-3001.map").read_bytes()
    stream = OneWay(raw)
    with mrcschema.open(stream) as f:
        with mrcschema.open(raw) as reference:
            same_file(f, reference)
    assert stream.position == len(raw)  # consumed exactly once: seek was never asked for


def test_header_only_entry_points_on_file_objects_and_bytes():
    path = CORPUS / "rsciio" / "HAADFscan.mrc"
    raw = path.read_bytes()
    reference = mrcschema.read_header(path)
    assert mrcschema.read_header(io.BytesIO(raw)) == reference
    assert mrcschema.read_header(raw) == reference
    assert mrcschema.read_header(OneWay(raw)) == reference
    assert repr(mrcschema.acquisition(io.BytesIO(raw))) == repr(mrcschema.acquisition(path))
    local = mrcschema.validate(path)
    for target in (raw, io.BytesIO(raw), OneWay(raw)):
        report = mrcschema.validate(target)
        assert [(f.rule, f.message) for f in report] == [(f.rule, f.message) for f in local]
    skipped = mrcschema.validate((CORPUS / "mrcfile" / "EMD-3001.map").read_bytes(), header_only=True)
    assert "MRC2014-STATS-SKIPPED" in {f.rule for f in skipped}


def test_file_reader_reads_bytes_and_file_objects():
    path = CORPUS / "mrcfile" / "EMD-3001.map"
    raw = path.read_bytes()
    reference = mrcschema.file_reader(path)[0]
    for target in (io.BytesIO(raw), raw):
        signal = mrcschema.file_reader(target)[0]
        assert np.array_equal(signal["data"], reference["data"])
        assert signal["axes"] == reference["axes"]
        lazy = mrcschema.file_reader(target, lazy=True)[0]
        assert np.array_equal(lazy["data"].compute(), reference["data"])


def test_sections_and_to_dask_match_the_data():
    path = CORPUS / "mrcfile" / "EMD-3001.map"
    raw = path.read_bytes()
    for target in (path, raw, io.BytesIO(raw)):
        with mrcschema.open(target) as f:
            data = np.asarray(mrcschema.open(path).data)
            assert len(f.sections) == 25
            assert np.array_equal(f.sections[3:7], data[3:7])
            assert np.array_equal(f.sections[-1], data[-1])
            assert np.array_equal(f.sections[1:20:4], data[1:20:4])
            assert f.sections[5:5].shape == (0, 43, 73)
            with pytest.raises(IndexError, match="section 25 out of range"):
                f.sections[25]
            assert np.array_equal(f.to_dask(chunks=(5, -1, -1)).compute(), data)


def test_sections_of_a_bytes_source_read_only_their_bytes():
    raw = (CORPUS / "mrcfile" / "EMD-3001.map").read_bytes()
    with mrcschema.open(io.BytesIO(raw)) as f:
        calls = []
        read_into = f.source._read_into
        f.source._read_into = lambda offset, out, progress=None: calls.append((offset, len(out))) or read_into(
            offset, out, progress)
        f.sections[2:4]
        assert calls == [(1184 + 2 * 43 * 73 * 4, 2 * 43 * 73 * 4)]


def test_an_endless_stream_is_an_error_not_a_hang():
    raw = (CORPUS / "mrcfile" / "EMD-3001.map").read_bytes()
    with pytest.raises(MrcFormatError, match="file at offset 0: the stream holds more than"):
        mrcschema.open(Endless(raw, block=1 << 20))
    with pytest.warns(mrcschema.MrcWarning) as caught:
        with mrcschema.open(Endless(raw, block=1 << 20), permissive=True) as f:
            assert f.data.shape == (25, 43, 73)
    assert "the stream holds more than" in str(caught[0].message) and "longer than the header" in str(caught[1].message)


def test_wrong_targets_are_refused_with_a_message():
    with pytest.raises(TypeError, match="open it in binary mode"):
        mrcschema.open(io.StringIO("MAP "))
    with pytest.raises(TypeError, match="cannot read an MRC file from a int"):
        mrcschema.open(42)
    raw = (CORPUS / "mrcfile" / "EMD-3001.map").read_bytes()
    with pytest.raises(ValueError, match="mode 'r\\+' needs a local file"):
        mrcschema.open(io.BytesIO(raw), "r+")
    with mrcschema.open(raw, "c") as f:  # copy-on-write of read-only bytes: a private copy
        f.data[0, 0, 0] = 5
        assert f.data[0, 0, 0] == 5
    with pytest.raises(MrcFormatError, match="header at offset 0"):
        mrcschema.open(raw[:500])


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "mrcschema", *args], input=stdin, capture_output=True,
                          cwd=os.getcwd())


@pytest.mark.slow
def test_dump_and_validate_of_a_pipe():
    path = CORPUS / "mrcfile" / "EMD-3001.map"
    expected = run_cli("dump", str(path)).stdout
    for name in ("/dev/stdin", "-"):
        with open(path, "rb") as source:
            cat = subprocess.Popen(["cat"], stdin=source, stdout=subprocess.PIPE)
            result = subprocess.run([sys.executable, "-m", "mrcschema", "dump", name], stdin=cat.stdout,
                                    capture_output=True)
            cat.wait()
        assert result.returncode == 0, result.stderr
        assert result.stdout.replace(name.encode() if name != "-" else b"<stdin>", str(path).encode()) == expected
    gz = gzip.compress(path.read_bytes())
    result = run_cli("dump", "-", stdin=gz)
    assert result.returncode == 0 and b"gzip-compressed" in result.stdout
    result = run_cli("validate", "-", stdin=path.read_bytes())
    assert result.returncode == 0 and result.stdout.startswith(b"<stdin>: OK")
    result = run_cli("validate", "--header-only", "-", stdin=path.read_bytes())
    assert b"MRC2014-STATS-SKIPPED" in result.stdout
    result = run_cli("dump", "-", stdin=b"not an MRC file at all" * 100)
    assert result.returncode == 2 and result.stderr.count(b"\n") == 1


def test_a_named_pipe_is_read_once(tmp_path):
    fifo = tmp_path / "fifo.mrc"
    os.mkfifo(fifo)
    raw = (CORPUS / "mrcfile" / "EMD-3001.map").read_bytes()

    def feed():
        with open(fifo, "wb") as out:
            out.write(raw)

    writer = threading.Thread(target=feed)
    writer.start()
    with mrcschema.open(fifo) as f:
        assert f.header.mode == 2 and f.data.shape == (25, 43, 73)
    writer.join(5)


def test_opening_a_local_file_imports_no_fsspec():
    code = ("import sys, mrcschema; f = mrcschema.open(sys.argv[1]); f.data.sum(); mrcschema.validate(sys.argv[1]);"
            "mrcschema.read_header(sys.argv[1]); print('fsspec' in sys.modules, 'aiohttp' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(CORPUS / "mrcfile" / "EMD-3001.map")],
                            capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_a_url_without_fsspec_says_what_to_install():
    code = ("import sys; sys.modules['fsspec'] = None; import mrcschema\n"
            "try:\n    mrcschema.open('https://example.invalid/x.mrc')\n"
            "except ModuleNotFoundError as e:\n    print(e)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert 'pip install ".[remote]" (from a checkout)' in result.stdout, result.stderr
    code = ("import sys; sys.modules['fsspec'] = None; from mrcschema.cli.main import main;"
            "sys.exit(main(['dump', 'https://example.invalid/x.mrc']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and '.[remote]' in result.stderr


def test_file_urls_are_local_paths():
    path = CORPUS / "mrcfile" / "EMD-3001.map"
    with mrcschema.open(path.as_uri()) as f:
        assert f.source.mappable_path == str(path)
