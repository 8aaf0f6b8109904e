"""Issue 13 with file systems fsspec reads without a network: ``zip://...::file://...`` chains (sync
file systems, read through ``cat_file``) and ``memory://``; the DE side files found by listing."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

import mrcschema
from tests.conftest import CORPUS
from tests.remote.test_http import same_file

pytest.importorskip("fsspec")


@pytest.fixture(scope="module")
def corpus_zip(tmp_path_factory):
    path = tmp_path_factory.mktemp("zip") / "corpus.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for folder in ("mrcfile", "rsciio"):
            for member in sorted((CORPUS / folder).iterdir()):
                archive.write(member, f"{folder}/{member.name}")
    return path


def test_files_inside_a_zip_chain(corpus_zip):
    for name in ("mrcfile/EMD-3001.map", "mrcfile/emd_3001.map.gz", "rsciio/HAADFscan.mrc"):
        url = f"zip://{name}::{corpus_zip.as_uri()}"
        with mrcschema.open(url) as remote, mrcschema.open(CORPUS / name) as local:
            same_file(remote, local)
            assert np.array_equal(remote.to_dask().compute(), local.data)


def test_de_files_found_by_listing_the_zip(corpus_zip):
    movie = CORPUS / "rsciio" / "20241021_00405_movie.mrc"
    url = f"zip://rsciio/{movie.name}::{corpus_zip.as_uri()}"
    remote = mrcschema.file_reader(url)[0]
    local = mrcschema.file_reader(movie)[0]
    assert remote["axes"] == local["axes"]
    assert len(remote["metadata"]["General"]["virtual_images"]) == len(local["metadata"]["General"]["virtual_images"])
    report = mrcschema.validate(url)
    assert [f.rule for f in report] == [f.rule for f in mrcschema.validate(movie)]


def test_memory_file_system():
    import fsspec

    raw = (CORPUS / "mrcfile" / "EMD-3001.map").read_bytes()
    with fsspec.open("memory://issue13/EMD-3001.map", "wb") as out:
        out.write(raw)
    with mrcschema.open("memory://issue13/EMD-3001.map") as f, mrcschema.open(raw) as local:
        same_file(f, local)
    data = np.ones((2, 3, 4), np.int16)
    mrcschema.write("memory://issue13/written.mrc", data)
    assert np.array_equal(mrcschema.open("memory://issue13/written.mrc").data, data)


def test_the_remote_benchmark_exposes_its_cases():
    import importlib.util
    import inspect
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_remote.py"
    spec = importlib.util.spec_from_file_location("bench_remote", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert list(inspect.signature(module.remote_cases).parameters) == ["quick"]
    row = module._row("case", "ours", "peer", 0.5, "<= 1", True, "notes")
    assert list(row) == ["case", "ours", "peer", "ratio", "goal", "met", "notes"]
