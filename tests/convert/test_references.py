"""Kerchunk references: zarr, fsspec's reference filesystem and xarray read an MRC file's data in place,
equal to mrcschema's; whole sections are the chunks; what has no Zarr dtype is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import mrcschema
from mrcschema.convert.references import to_references, write_references
from tests.conftest import CORPUS
from tests.convert.conftest import EMD_3001, UNCOMPRESSED, crafted

fsspec = pytest.importorskip("fsspec")
zarr = pytest.importorskip("zarr")


def open_refs(refs, **remote):
    fs = fsspec.filesystem("reference", fo=refs, **remote)
    return zarr.open_group(fs.get_mapper(), mode="r")


@pytest.mark.parametrize("path", UNCOMPRESSED, ids=lambda p: p.name)
def test_references_read_the_corpus_data_as_mrcschema_does(path):
    refs = to_references(path)
    array = open_refs(refs)["data"]
    with mrcschema.open(path) as f:
        expected = f.read()
        g = f.geometry
    assert array.shape == expected.shape and array.dtype == g.dtype
    assert np.array_equal(array[...], expected)
    assert array.chunks == ((1,) * (expected.ndim - 2) + expected.shape[-2:])  # whole sections
    first = refs["refs"]["data/" + ".".join("0" * expected.ndim)]
    assert first == [os.path.abspath(path), g.offset, int(np.prod(array.chunks)) * g.dtype.itemsize]


def test_references_name_axes_by_mapc_mapr_maps_and_keep_the_header():
    group = open_refs(to_references(EMD_3001))
    # EMD-3001: MAPC, MAPR, MAPS = 3, 1, 2: columns along Z, rows along X, sections along Y
    assert group["data"].attrs["_ARRAY_DIMENSIONS"] == ["y", "x", "z"]
    kept = group.attrs["mrcschema"]
    assert kept["header"]["mapc"] == 3 and kept["header"]["ispg"] == 4 and kept["header"]["nsymbt"] == 160
    assert [a["name"] for a in kept["axes"]] == ["y", "x", "z"]
    assert kept["extended_header"]["size"] == 160


def test_references_keep_big_endian_complex_int16_and_rgb(tmp_path):
    values = np.arange(3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    big = crafted(tmp_path / "big.mrc", values.astype(">f4"), 2, byteorder=">")
    array = open_refs(to_references(big))["data"]
    assert array.dtype == np.dtype(">f4") and np.array_equal(array[...], values)

    complex16 = np.zeros((2, 3, 4), dtype=[("real", "<i2"), ("imag", "<i2")])
    complex16["real"], complex16["imag"] = np.arange(24).reshape(2, 3, 4), -np.arange(24).reshape(2, 3, 4)
    path = crafted(tmp_path / "c16.mrc", complex16, 3)
    array = open_refs(to_references(path))["data"]
    assert array.dtype.names == ("real", "imag")
    with mrcschema.open(path) as f:
        assert np.array_equal(array[...], f.read())

    rgb = np.arange(2 * 3 * 4 * 3, dtype=np.uint8).reshape(2, 3, 4, 3)
    path = crafted(tmp_path / "rgb.mrc", rgb, 16)
    group = open_refs(to_references(path))
    assert group["data"].chunks == (1, 3, 4, 3)
    assert group["data"].attrs["_ARRAY_DIMENSIONS"] == ["z", "y", "x", "c"]
    assert np.array_equal(group["data"][...], rgb)


def test_references_refuse_4bit_data_and_compressed_files(tmp_path):
    path = crafted(tmp_path / "4bit.mrc", np.zeros((1, 2, 2), np.uint8), 101, nx=4)
    with pytest.raises(mrcschema.MrcFormatError, match="mode 101.*no Zarr data type"):
        to_references(path)
    with pytest.raises(ValueError, match="gzip-compressed.*cannot be referenced in place"):
        to_references(CORPUS / "mrcfile" / "emd_3001.map.gz")


def test_references_of_a_sparse_100_gb_file_read_only_the_header(tmp_path):
    """100 GB of sections that were never written: the references come from the header alone."""
    path = crafted(tmp_path / "sparse.mrc", np.zeros((1, 4096, 4096), np.float32), 2)
    sections = (100 << 30) // (4096 * 4096 * 4)
    with open(path, "r+b") as f:
        f.seek(8)
        f.write(np.int32(sections).tobytes())
        f.truncate(1024 + sections * 4096 * 4096 * 4)
    refs = to_references(path)["refs"]
    assert sum(not k.rpartition("/")[2].startswith(".") for k in refs) == sections
    last = refs[f"data/{sections - 1}.0.0"]
    assert last[1:] == [1024 + (sections - 1) * 4096 * 4096 * 4, 4096 * 4096 * 4]
    assert os.stat(path).st_blocks * 512 < 1 << 30  # still sparse: nothing was read or written


def test_xarray_kerchunk_engine_reads_named_dimensions():
    xarray = pytest.importorskip("xarray")
    pytest.importorskip("kerchunk")
    dataset = xarray.open_dataset(to_references(EMD_3001), engine="kerchunk")
    with mrcschema.open(EMD_3001) as f:
        assert dataset["data"].dims == ("y", "x", "z")
        assert np.array_equal(dataset["data"].values, f.read())


def test_refs_command_writes_json_whole_or_not_at_all(tmp_path):
    out = tmp_path / "refs.json"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-m", "mrcschema", "refs", str(EMD_3001), "-o", str(out)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"{out}: 25 chunks"
    assert json.loads(out.read_text()) == to_references(EMD_3001)
    assert sorted(os.listdir(tmp_path)) == ["refs.json"]  # the temporary file is gone
    done = subprocess.run([sys.executable, "-m", "mrcschema", "refs", str(EMD_3001)], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0 and json.loads(done.stdout) == to_references(EMD_3001)
    done = subprocess.run([sys.executable, "-m", "mrcschema", "refs", str(CORPUS / "mrcfile" / "emd_3001.map.gz")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "gzip-compressed" in done.stderr


def test_write_references_url_option_points_the_chunks_elsewhere(tmp_path):
    count = write_references(EMD_3001, tmp_path / "r.json", url="s3://bucket/EMD-3001.map")
    refs = json.loads((tmp_path / "r.json").read_text())["refs"]
    assert count == 25 and refs["data/24.0.0"][0] == "s3://bucket/EMD-3001.map"
