"""Issue 13 over S3: moto in server mode on the loopback interface (a bucket holding the corpus and a
256 MiB generated file), s3fs pointed at it with ``endpoint_url``; the lazy sum on a
dask.distributed cluster of two worker processes, fetched by the workers."""

from __future__ import annotations

import contextlib
import io
import os
import warnings

import numpy as np
import pytest

import mrcschema
from mrcschema import MrcWarning
from mrcschema.cli.main import main
from tests.conftest import CORPUS, CORPUS_MRC, corpus_id
from tests.remote.conftest import BIG_EXTENDED, BIG_SHAPE, BUCKET, big_data
from tests.remote.test_http import covered, same_file


def key_of(path):
    return f"s3://{BUCKET}/{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", CORPUS_MRC, ids=corpus_id)
def test_every_corpus_file_from_s3_equals_the_local_file(s3, path):
    _, options, log = s3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MrcWarning)
        with mrcschema.open(key_of(path), storage_options=options) as remote, mrcschema.open(path) as local:
            same_file(remote, local)
    log.take()


def test_header_only_work_on_s3(s3, big_file):
    _, options, log = s3
    url = f"s3://{BUCKET}/big/big.mrc"
    log.take()
    assert mrcschema.read_header(url, storage_options=options) == mrcschema.read_header(big_file)
    assert [(r.method, r.range, r.sent) for r in log.take()] == [("GET", "bytes=0-1023", 1024)]
    with mrcschema.open(url, storage_options=options) as f:
        assert f.file_size == big_file.stat().st_size  # from Content-Range: no HEAD
        assert f.extended_header_bytes == mrcschema.open(big_file).extended_header_bytes
    requests = log.take()
    assert [r.range for r in requests] == ["bytes=0-1023", f"bytes=1024-{1023 + BIG_EXTENDED}"]
    assert sum(r.sent for r in requests) == 1024 + BIG_EXTENDED


def test_compressed_files_from_s3_give_their_header_after_the_first_kilobytes(s3):
    _, options, log = s3
    for path, most in ((CORPUS / "mrcfile" / "emd_3001.map.gz", 17 << 10),
                       (CORPUS / "mrcfile" / "EMD-3197.map.bz2", 900 << 10)):  # bzip2: its first block
        log.take()
        assert mrcschema.read_header(key_of(path), storage_options=options) == mrcschema.read_header(path)
        requests = log.take()
        assert requests[0].range == "bytes=0-1023" and sum(r.sent for r in requests) <= most


def test_missing_objects_and_buckets_name_the_url(s3, monkeypatch):
    endpoint, options, log = s3
    for url in (f"s3://{BUCKET}/no/such.mrc", "s3://no-such-bucket/x.mrc"):
        with pytest.raises(FileNotFoundError, match=url):
            mrcschema.open(url, storage_options=options)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)  # the command line: endpoint and credentials from the environment
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        assert main(["validate", f"s3://{BUCKET}/no/such.mrc"]) == 2
        assert main(["dump", key_of(CORPUS / "mrcfile" / "EMD-3001.map")]) == 0
    assert err.getvalue().count("\n") == 1 and f"s3://{BUCKET}/no/such.mrc" in err.getvalue()
    assert "shape (25, 43, 73)" in out.getvalue()
    log.take()


@pytest.mark.slow
def test_de_acquisition_by_url_finds_its_side_files(s3):
    _, options, log = s3
    movie = CORPUS / "rsciio" / "20241021_00405_movie.mrc"
    remote = mrcschema.file_reader(key_of(movie), storage_options=options)[0]
    local = mrcschema.file_reader(movie)[0]
    assert np.array_equal(remote["data"], local["data"])
    assert remote["axes"] == local["axes"]
    for key in ("virtual_images", "external_detectors", "timestamp"):
        assert key in remote["metadata"]["General"]
    assert [v["_sig_"]["metadata"]["General"]["title"] for v in remote["metadata"]["General"]["virtual_images"]] == \
        [v["_sig_"]["metadata"]["General"]["title"] for v in local["metadata"]["General"]["virtual_images"]]
    assert remote["original_metadata"].keys() == local["original_metadata"].keys()
    lazy = mrcschema.file_reader(key_of(movie), lazy=True, storage_options=options)[0]
    assert np.array_equal(lazy["data"].compute(), local["data"])
    random_scan = CORPUS / "rsciio" / "ROI_Random_Scan_movie.mrc"  # non-raster: frames gathered by index
    remote = mrcschema.file_reader(key_of(random_scan), lazy=True, storage_options=options)[0]
    assert np.array_equal(remote["data"].compute(), mrcschema.file_reader(random_scan)[0]["data"])
    report = mrcschema.validate(key_of(movie), storage_options=options)
    assert [(f.rule, f.message) for f in report] == [(f.rule, f.message) for f in mrcschema.validate(movie)]
    log.take()


def test_write_to_s3_and_to_a_file_object(s3, tmp_path):
    _, options, log = s3
    data = np.arange(3 * 40 * 50, dtype=np.float32).reshape(3, 40, 50)
    url = f"s3://{BUCKET}/written/volume.mrc"
    assert mrcschema.write(url, data, voxel_size=2.0, labels=["to S3"], storage_options=options) == url
    mrcschema.write(tmp_path / "local.mrc", data, voxel_size=2.0, labels=["to S3"])
    with mrcschema.open(url, storage_options=options) as f:
        assert np.array_equal(f.data, data) and f.labels == ["to S3"]
    import s3fs

    fs = s3fs.S3FileSystem(**options)
    assert fs.cat_file(url) == (tmp_path / "local.mrc").read_bytes()  # byte for byte what a local write makes
    buffer = io.BytesIO()
    mrcschema.write(buffer, data, voxel_size=2.0, labels=["to S3"])
    assert buffer.getvalue() == (tmp_path / "local.mrc").read_bytes()
    with pytest.raises(mrcschema.MrcFormatError):  # refused before anything is written
        mrcschema.write(f"s3://{BUCKET}/written/lossy.mrc", np.array([[0.1, 1e300]]), storage_options=options)
    assert not fs.exists(f"{BUCKET}/written/lossy.mrc")
    log.take()


@pytest.mark.slow
def test_the_lazy_sum_on_a_distributed_cluster_is_fetched_by_the_workers(s3, cluster, big_file):
    from mrcschema.sources import remote

    _, options, log = s3
    url = f"s3://{BUCKET}/big/big.mrc"
    log.take()
    with mrcschema.open(url, storage_options=options) as f:
        lazy = f.to_dask(chunks=(8, -1, -1))
    assert [r.range for r in log.take()] == ["bytes=0-1023"]  # the client read the header, nothing else

    log.resolve_pids = True  # the server looks up which process holds each client socket
    try:
        total = cluster.compute(lazy.sum(dtype=np.float64)).result()
    finally:
        log.resolve_pids = False
    assert total == big_data().sum(dtype=np.float64)
    with mrcschema.open(big_file) as local:
        assert total == local.data.sum(dtype=np.float64)

    requests = [r for r in log.take() if r.method == "GET"]
    offset = 1024 + BIG_EXTENDED
    assert covered(requests) == [(offset, offset + int(np.prod(BIG_SHAPE)) * 4)]
    assert not any(r.own for r in requests)  # no data request came from the client process

    def fetched():  # on each worker: its pid and the fetches its sources made
        return os.getpid(), sum(s.requests for s in remote._OPEN.values())

    workers = cluster.run(fetched)
    pids = {pid for pid, _ in workers.values()}
    assert os.getpid() not in pids and len(pids) == 2
    assert {r.pid for r in requests} <= pids  # the server saw every data request on a worker's socket
    assert sum(n for _, n in workers.values()) == len(requests)  # and the workers counted them all
