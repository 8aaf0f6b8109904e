"""Issue 13 over HTTP: a real threaded server on the loopback interface (tests/remote/servers.py)
counts every request and the bytes it sent; variants ignore Range, drop the connection, deny
access, claim more bytes than they send, or never answer."""

from __future__ import annotations

import contextlib
import io
import pickle
import shutil
import time
import warnings

import numpy as np
import pytest

import mrcschema
from mrcschema import MrcFormatError, MrcWarning
from mrcschema.cli.main import main
from tests.conftest import CORPUS, CORPUS_MRC, corpus_id
from tests.remote.conftest import BIG_EXTENDED, BIG_SHAPE, big_data


def covered(requests):
    """The byte ranges the requests fetched, adjacent ones merged."""
    spans = sorted((int(a), int(b) + 1) for a, b in (r.range.split("=")[1].split("-") for r in requests))
    merged = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def same_file(remote, local):
    assert remote.header == local.header
    assert remote.file_size == local.file_size
    assert remote.extended_header_bytes == local.extended_header_bytes
    assert remote.extended.kind == local.extended.kind
    assert np.array_equal(remote.data, local.data, equal_nan=True)
    assert remote.data.dtype == local.data.dtype


@pytest.mark.parametrize("path", CORPUS_MRC, ids=corpus_id)
def test_every_corpus_file_over_http_equals_the_local_file(http, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MrcWarning)
        with mrcschema.open(http.url("files", path.name)) as remote, mrcschema.open(path) as local:
            same_file(remote, local)
            assert remote.source.mappable_path is None
    http.log.take()


def test_header_only_work_is_one_or_two_small_requests(http, big_file):
    url = http.url("files", big_file.name)
    http.log.take()
    header = mrcschema.read_header(url)
    assert header == mrcschema.read_header(big_file)
    requests = http.log.take()
    assert [(r.method, r.range, r.sent) for r in requests] == [("GET", "bytes=0-1023", 1024)]

    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["dump", url]) == 0
    with contextlib.redirect_stdout(io.StringIO()) as expected:
        main(["dump", str(big_file)])
    assert out.getvalue().replace(url, str(big_file)) == expected.getvalue()
    requests = http.log.take()  # the size comes with the first answer (Content-Range): no HEAD
    assert [(r.range, r.sent) for r in requests] == [("bytes=0-1023", 1024), (f"bytes=1024-{1023 + BIG_EXTENDED}",
                                                                              BIG_EXTENDED)]

    report = mrcschema.validate(url, header_only=True)
    assert {f.rule for f in report} == {f.rule for f in mrcschema.validate(big_file, header_only=True)}
    requests = http.log.take()  # the extended header only when a rule needs it
    assert len(requests) <= 2 and sum(r.sent for r in requests) <= 1024 + BIG_EXTENDED
    mrcschema.acquisition(url)
    assert len(http.log.take()) == 2


@pytest.mark.slow
def test_data_sections_and_lazy_chunks_fetch_their_own_ranges(http, big_file):
    url = http.url("files", big_file.name)
    section = BIG_SHAPE[1] * BIG_SHAPE[2] * 4
    offset = 1024 + BIG_EXTENDED
    expected = big_data()
    with mrcschema.open(url) as f:
        http.log.take()
        part = f.sections[10:12]
        assert np.array_equal(part, expected[10:12])
        assert [(r.range, r.sent) for r in http.log.take()] == [
            (f"bytes={offset + 10 * section}-{offset + 12 * section - 1}", 2 * section)]
        lazy = f.to_dask(chunks=(8, -1, -1))
        assert len(pickle.dumps(lazy)) < 20_000  # URLs and ranges, no bytes
        assert http.log.take() == []  # nothing fetched while the graph is built
        assert float(lazy.sum(dtype=np.float64).compute()) == float(expected.sum(dtype=np.float64))
        # each 32 MiB chunk fetched its own range, in 16 MiB pieces: together exactly the data block
        assert covered(http.log.take()) == [(offset, offset + expected.nbytes)]
        assert np.array_equal(f.data, expected)  # the whole block: 16 MiB pieces, fetched concurrently
        requests = http.log.take()
        assert sum(r.sent for r in requests) == expected.nbytes and len(requests) == 16


@pytest.mark.slow
def test_file_reader_lazy_over_http(http, big_file):
    url = http.url("files", big_file.name)
    signal = mrcschema.file_reader(url, lazy=True, chunks=(16, -1, -1))[0]
    assert http.log.take()[-1].range == f"bytes=1024-{1023 + BIG_EXTENDED}"  # header and extended header only
    assert signal["data"].shape == BIG_SHAPE
    assert np.array_equal(signal["data"][5:7].compute(), big_data()[5:7])
    section = BIG_SHAPE[1] * BIG_SHAPE[2] * 4
    offset = 1024 + BIG_EXTENDED
    assert covered(http.log.take()) == [(offset, offset + 16 * section)]  # the one chunk holding them
    local = mrcschema.file_reader(big_file, lazy=True)[0]
    assert signal["axes"] == local["axes"]


def test_a_large_remote_read_draws_the_package_progress_bar(http, big_file, capsys, monkeypatch):
    """A read of more than PROGRESS_BYTES shows the one bar of the package (mrcschema.progress),
    which MRCSCHEMA_PROGRESS turns on where stderr is not a terminal, and off."""
    from mrcschema.sources import open_source
    from mrcschema.sources.base import PROGRESS_BYTES

    url = http.url("files", big_file.name)
    monkeypatch.setenv("MRCSCHEMA_PROGRESS", "1")
    with open_source(url) as source:
        assert len(source.window(0, PROGRESS_BYTES + 1)) == PROGRESS_BYTES + 1
        drawn = capsys.readouterr().err
        assert url in drawn and "] 100%" in drawn and drawn.endswith("\r\x1b[K")  # drawn, then erased
        monkeypatch.setenv("MRCSCHEMA_PROGRESS", "0")
        source.window(0, PROGRESS_BYTES + 1)
        assert capsys.readouterr().err == ""


# -- failures -------------------------------------------------------------------------------------
def test_missing_and_denied(http):
    url = http.url("files", "no-such-file.mrc")
    with pytest.raises(FileNotFoundError, match=url):
        mrcschema.open(url)
    denied = http.url("deny", "EMD-3001.map")
    with pytest.raises(PermissionError, match=f"{denied}: access denied"):
        mrcschema.read_header(denied)
    report = mrcschema.validate(url)
    assert [f.rule for f in report] == ["MRC-UNREADABLE"] and url in report.errors[0].message
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["dump", denied]) == 2
    assert err.getvalue().count("\n") == 1 and denied in err.getvalue()
    http.log.take()


def test_a_server_that_ignores_range_is_read_as_one_stream(http, big_file):
    path = CORPUS / "mrcfile" / "EMD-3001.map"
    url = http.url("norange", path.name)
    assert mrcschema.read_header(url) == mrcschema.read_header(path)
    (only,) = http.log.take()
    assert only.status == 200 and only.sent < 1 << 20  # the start of the answer, then the connection closed
    with pytest.warns(MrcWarning, match=f"{url}: the server ignores Range requests; the file is read as one stream"):
        with mrcschema.open(url) as remote, mrcschema.open(path) as local:
            same_file(remote, local)
    with pytest.warns(MrcWarning, match="ignores Range"):
        with mrcschema.open(http.url("norange", "emd_3001.map.gz")) as remote, mrcschema.open(path) as local:
            same_file(remote, local)
    http.log.take()


def test_a_dropped_connection_is_an_error_naming_url_and_offset(http):
    url = http.url("drop", "EMD-3001.map")  # the server closes every connection after 4096 bytes
    started = time.monotonic()
    with mrcschema.open(url) as f:
        with pytest.raises(OSError, match=f"{url}: reading at offset 1184 failed"):
            f.data
    packed = http.url("drop", "emd_3001.map.gz")
    with pytest.raises(OSError, match=f"{packed}: reading at offset 1024 failed"):
        mrcschema.open(packed).data
    assert time.monotonic() - started < 10
    http.log.take()


def test_a_server_that_sends_less_than_it_promised(http, tmp_path_factory):
    path = CORPUS / "mrcfile" / "EMD-3001.map"
    url = http.url("short", path.name)  # Content-Range claims 1 MiB more than the file holds
    real = path.stat().st_size
    with pytest.warns(MrcWarning, match="1048576 bytes longer than the header declares"), mrcschema.open(url) as f:
        assert f.file_size == real + (1 << 20)
        with pytest.raises(OSError, match=f"{url}: reading at offset {real - 10} failed"):
            f.source.read(real - 10, 100)  # 10 bytes come, then the connection closes
    http.log.take()


def test_an_object_shorter_than_its_header_says(http, big_file):
    truncated = big_file.parent / "truncated.mrc"
    shutil.copyfile(CORPUS / "mrcfile" / "EMD-3001.map", truncated)
    with open(truncated, "r+b") as f:
        f.truncate(200_000)
    url = http.url("files", truncated.name)
    with pytest.raises(MrcFormatError, match=r"^data at offset 1184: data block is 198816 bytes, the header promises "
                                             f"313900 .*\\({url}\\)$"):
        mrcschema.open(url)
    with pytest.warns(MrcWarning, match="reading the 15 whole sections present"):
        with mrcschema.open(url, permissive=True) as f:
            assert f.data.shape == (15, 43, 73)
    http.log.take()


def test_a_remote_gzip_bomb_stops_at_the_declared_size(http, big_file):
    import gzip

    from mrcschema.sources.compressed import DECOMPRESSION_MARGIN

    header = bytearray((CORPUS / "mrcfile" / "EMD-3197.map").read_bytes()[:1024])
    bomb = big_file.parent / "bomb.map.gz"
    bomb.write_bytes(gzip.compress(bytes(header) + bytes(64 << 20), compresslevel=1))
    url = http.url("files", bomb.name)
    assert mrcschema.read_header(url) == mrcschema.read_header(CORPUS / "mrcfile" / "EMD-3197.map")
    assert sum(r.sent for r in http.log.take()) <= 17 << 10  # the header: the first kilobytes
    with pytest.raises(MrcFormatError, match="the gzip stream decompresses to more than"):
        mrcschema.open(url)
    requests = http.log.take()
    assert sum(r.sent for r in requests) < bomb.stat().st_size  # stopped early, not fetched to the end
    assert DECOMPRESSION_MARGIN == 1 << 20


@pytest.mark.slow
def test_a_server_that_never_answers_times_out(http):
    import aiohttp

    url = http.url("hang", "EMD-3001.map")
    options = {"client_kwargs": {"timeout": aiohttp.ClientTimeout(total=None, sock_connect=1, sock_read=0.5)}}
    started = time.monotonic()
    with pytest.raises(OSError, match=f"{url}: reading at offset 0 timed out"):
        mrcschema.read_header(url, storage_options=options)
    assert time.monotonic() - started < 10
    http.log.take()


def test_the_default_timeouts_are_set():
    from mrcschema.sources.remote import READ_TIMEOUT, with_defaults

    options = with_defaults("https", {})
    assert options["client_kwargs"]["timeout"].sock_read == READ_TIMEOUT
    mine = with_defaults("https", {"client_kwargs": {"timeout": 5}})
    assert mine["client_kwargs"]["timeout"] == 5
    assert with_defaults("s3", {})["config_kwargs"]["read_timeout"] == READ_TIMEOUT


# -- Direct Electron files by URL ---------------------------------------------------------------------
def test_de_movie_over_plain_http_cannot_list_its_folder(http):
    movie = CORPUS / "rsciio" / "20241021_00405_movie.mrc"
    url = http.url("files", movie.name)
    with pytest.warns(MrcWarning, match="the folder cannot be listed"):
        signal = mrcschema.file_reader(url)[0]
    assert np.array_equal(signal["data"], mrcschema.file_reader(movie, metadata_file=None)[0]["data"])
    explicit = mrcschema.file_reader(url, metadata_file=http.url("files", "20241021_00405_info.txt"),
                                     virtual_images=[http.url("files", "20241021_00405_0_Virt 0_sum.mrc")])[0]
    local = mrcschema.file_reader(movie, metadata_file=movie.parent / "20241021_00405_info.txt",
                                  virtual_images=[movie.parent / "20241021_00405_0_Virt 0_sum.mrc"])[0]
    assert explicit["axes"] == local["axes"]
    assert explicit["data"].shape == local["data"].shape
    assert explicit["metadata"]["General"]["title"] == local["metadata"]["General"]["title"]
    http.log.take()
