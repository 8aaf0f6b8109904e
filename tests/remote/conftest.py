"""Fixtures of the remote tests: the servers (loopback only, started here), the corpus served by both,
a 256 MiB file generated once per session, and a dask.distributed cluster of two worker processes."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest

from tests.conftest import CORPUS
from tests.remote.servers import HttpServer, start_moto

pytest.importorskip("fsspec")
pytest.importorskip("aiohttp")
pytest.importorskip("s3fs")
pytest.importorskip("moto")

BUCKET = "corpus"
#: the generated file: 64 sections of 1024 x 1024 float32 (256 MiB) and a 4 KiB extended header
BIG_SHAPE = (64, 1024, 1024)
BIG_EXTENDED = 4096
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing"}


def big_data():
    """The generated data, reproducible without the file (values 0..999, exact in float32 sums)."""
    return (np.arange(np.prod(BIG_SHAPE), dtype=np.int64) % 1000).astype(np.float32).reshape(BIG_SHAPE)


@pytest.fixture(scope="session")
def big_file(tmp_path_factory):
    import mrcschema

    folder = tmp_path_factory.mktemp("big")
    path = folder / "big.mrc"
    mrcschema.write(path, big_data(), voxel_size=1.5, labels=["issue 13: 256 MiB generated"],
                    extended_header=bytes(range(256)) * (BIG_EXTENDED // 256), exttyp="MRCO")
    return path


@pytest.fixture(scope="session")
def http(big_file):
    server = HttpServer([CORPUS / "mrcfile", CORPUS / "rsciio", big_file.parent]).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def aws_environment():
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def s3(aws_environment, big_file):
    """``(endpoint, storage_options, log)`` of a moto S3 server whose bucket ``corpus`` holds the corpus
    (keys ``mrcfile/...``, ``rsciio/...``) and ``big/big.mrc``."""
    import boto3

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server, endpoint, log = start_moto()
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    for folder in ("mrcfile", "rsciio"):
        for path in sorted((CORPUS / folder).iterdir()):
            client.put_object(Bucket=BUCKET, Key=f"{folder}/{path.name}", Body=path.read_bytes())
    with open(big_file, "rb") as body:
        client.put_object(Bucket=BUCKET, Key="big/big.mrc", Body=body)
    client.put_object(Bucket="corpus", Key="private/secret.mrc", Body=b"x" * 2048)
    options = {"key": "testing", "secret": "testing", "endpoint_url": endpoint}
    log.clear()
    yield endpoint, options, log
    server.stop()


@pytest.fixture(scope="session")
def cluster(aws_environment):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  host="127.0.0.1", protocol="tcp", silence_logs=logging.ERROR) as local, \
            distributed.Client(local) as client:
        yield client
