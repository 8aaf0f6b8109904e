"""Reads over HTTP stay true to one object and bounded in time and memory, against a real server on
127.0.0.1 that lies (tests/remote/servers.py ``HostileServer``): an object replaced after it was opened,
ranges answered at another offset, a body that drips, never ends, comes gzip-encoded or announces
2 GiB.  Each is refused with an error naming the URL, never data of two versions or shifted data."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

import mrcschema
from mrcschema.sources.base import FetchError
from mrcschema.sources.remote import (
    MIN_RATE,
    REQUEST_DEADLINE,
    BadAnswer,
    ObjectChanged,
    RemoteSource,
    with_defaults,
)
from tests.remote.servers import HostileServer

SHAPE = (4, 64, 64)


def values(seed):
    return np.random.default_rng(seed).random(SHAPE, dtype=np.float32)


@pytest.fixture
def server(tmp_path):
    mrcschema.write(tmp_path / "a.mrc", values(1))
    hostile = HostileServer(tmp_path)
    yield hostile
    hostile.stop()


def replace_same_size(folder):
    """Another file of the same size put at the same name (a new inode), as an atomic save does."""
    mrcschema.write(folder / "new.mrc", values(2))
    os.replace(folder / "new.mrc", folder / "a.mrc")


@pytest.mark.parametrize("prefix", ["etag", "etag-ignored"])
def test_an_object_replaced_after_open_is_refused_naming_the_url(server, tmp_path, prefix):
    url = server.url(prefix, "a.mrc")
    with mrcschema.open(url) as f:
        replace_same_size(tmp_path)
        with pytest.raises(ObjectChanged, match=f"{url} changed since it was opened"):
            f.data  # noqa: B018 - the read is the test


def test_an_unchanged_object_reads_whole_with_its_etag_pinned(server):
    with mrcschema.open(server.url("etag", "a.mrc")) as f:
        assert np.array_equal(f.data, values(1))
        assert f.source.pin[0].startswith('"')
        assert pickle.loads(pickle.dumps(f.source.locator)).pin == f.source.pin  # dask workers read that version


def test_a_range_answered_at_another_offset_is_refused(server):
    url = server.url("shift", "a.mrc")
    with mrcschema.open(url) as f:  # the header range is honest
        with pytest.raises(BadAnswer, match="asked for bytes 1024-66559, the server sent bytes 1028-66559"):
            f.data  # noqa: B018


@pytest.mark.slow
def test_a_dripping_server_meets_the_request_deadline(server):
    url = server.url("drip", "a.mrc")
    with pytest.raises(FetchError, match=f"{url}: reading at offset 0 timed out"):
        mrcschema.open(url, storage_options={"request_deadline": 0.3, "min_rate": 1 << 20})


def test_deadline_and_minimum_rate_are_on_by_default_and_kept_from_fsspec(server):
    source = RemoteSource(server.url("etag", "a.mrc"))
    assert (source.request_deadline, source.min_rate) == (REQUEST_DEADLINE, MIN_RATE) == (30.0, 65536)
    assert source._deadline(1 << 20) == 30.0 + 16.0
    assert "request_deadline" not in with_defaults("https", {"request_deadline": 1, "min_rate": 2})


def test_an_endless_body_is_cut_at_the_range_and_refused(server):
    url = server.url("endless", "a.mrc")
    with pytest.raises(BadAnswer, match=f"{url}: the server sent more than the 1024 bytes asked for at offset 0"):
        mrcschema.open(url)


def test_an_encoded_answer_is_refused(server):
    url = server.url("gzip", "a.mrc")
    with pytest.raises(BadAnswer, match=f"{url}: the server sent a gzip-encoded answer"):
        mrcschema.open(url)


def test_a_content_length_over_the_range_is_refused_before_allocating(server):
    url = server.url("huge", "a.mrc")
    with pytest.raises(BadAnswer, match="announces 2147483648 bytes for the 1024 bytes asked for at offset 0"):
        mrcschema.open(url)
    assert server.requests == 1  # refused, not retried


def test_an_s3_object_replaced_after_open_is_refused_naming_the_url(s3, tmp_path):
    import boto3

    endpoint, options, _ = s3
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    mrcschema.write(tmp_path / "one.mrc", values(1))
    mrcschema.write(tmp_path / "two.mrc", values(2))
    client.put_object(Bucket="corpus", Key="changing/a.mrc", Body=(tmp_path / "one.mrc").read_bytes())
    url = "s3://corpus/changing/a.mrc"
    with mrcschema.open(url, storage_options=options) as f:
        client.put_object(Bucket="corpus", Key="changing/a.mrc", Body=(tmp_path / "two.mrc").read_bytes())
        with pytest.raises(ObjectChanged, match=f"{url} changed since it was opened"):
            f.data  # noqa: B018
    with mrcschema.open(url, storage_options=options) as f:  # opened anew: the new object, whole
        assert np.array_equal(f.data, values(2))
