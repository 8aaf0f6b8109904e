"""Shared test fixtures: the corpus beside the repository and files written by mrcfile."""

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
EXAMPLES = REPO / "examples"


def corpus_files(*patterns):
    """Corpus files matching the glob patterns, sorted, as Paths (must exist: no silent skip)."""
    files = sorted({p for pattern in patterns for p in CORPUS.glob(pattern)})
    assert files, f"no corpus files for {patterns} under {CORPUS}"
    return files


#: every MRC file of the corpus, compressed ones included
CORPUS_MRC = corpus_files("*/*.mrc", "*/*.map", "*/*.map.gz", "*/*.map.bz2")


def corpus_id(path):
    return path.name


@pytest.fixture
def write_with_mrcfile(tmp_path):
    """Write ``data`` with mrcfile (``layout`` "stack" or "volume" for 3D data); returns the path.
    Byte order follows the data's dtype."""
    import mrcfile

    def write(data, name="peer.mrc", layout=None, voxel_size=None, exttyp=None, extended_header=None):
        path = tmp_path / name
        with mrcfile.new(path, overwrite=True) as mrc:
            mrc.set_data(data)
            if layout == "volume":
                mrc.set_volume()
            elif layout == "stack":
                mrc.set_image_stack()
            if voxel_size is not None:
                mrc.voxel_size = voxel_size
            if extended_header is not None:
                mrc.set_extended_header(extended_header)
                mrc.header.exttyp = exttyp
        return path

    return write


def file_digest(path):
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def sample_data(dtype, shape, seed=0):
    """Deterministic test data of any mode's dtype."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)
    if dtype.kind == "f":
        return rng.normal(size=shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


def varied_records(dtype, count, seed=1):
    """``count`` records of a structured ``dtype`` with every field filled with varied values
    (floats, positive int32-range integers, bools, short texts, random bytes)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    records = np.zeros(count, dtype)
    for name in dtype.names:
        kind = dtype[name].kind
        if kind == "f":
            records[name] = rng.normal(size=count) * 1e3
        elif kind in "iu":
            records[name] = rng.integers(1, 2**31 - 1, size=count)
        elif kind == "b":
            records[name] = rng.integers(0, 2, size=count).astype(bool)
        elif kind == "S":
            records[name] = [f"{name[:5]}{i}".encode() for i in range(count)]
        elif kind == "V":
            records[name] = [bytes(rng.integers(1, 256, dtype[name].itemsize, dtype=np.uint8)) for _ in range(count)]
    return records


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.slow`` tests run only with ``MRCSCHEMA_SLOW=1`` (``.ci/run`` sets it)."""
    if os.environ.get("MRCSCHEMA_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set MRCSCHEMA_SLOW=1 to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
