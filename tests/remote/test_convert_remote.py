"""The converters on real servers (moto S3, our HTTP server on 127.0.0.1): references to an S3 object read
through fsspec's reference filesystem equal mrcschema's data; OME-Zarr from HTTP written to S3."""

from __future__ import annotations

import numpy as np
import pytest

import mrcschema
from tests.conftest import CORPUS
from tests.remote.conftest import BUCKET, big_data

zarr = pytest.importorskip("zarr")
fsspec = pytest.importorskip("fsspec")
pytest.importorskip("ome_zarr_models")


@pytest.mark.slow
def test_references_to_s3_objects_read_equal(s3):
    from mrcschema.convert.references import to_references

    _, options, log = s3
    refs = to_references(f"s3://{BUCKET}/big/big.mrc", storage_options=options)
    assert refs["refs"]["data/63.0.0"] == [f"s3://{BUCKET}/big/big.mrc", 1024 + 4096 + 63 * (4 << 20), 4 << 20]
    fs = fsspec.filesystem("reference", fo=refs, remote_protocol="s3", remote_options=options)
    array = zarr.open_group(fs.get_mapper(), mode="r")["data"]
    assert np.array_equal(array[60:64], big_data()[60:64])
    emd = to_references(f"s3://{BUCKET}/mrcfile/EMD-3001.map", storage_options=options)
    fs = fsspec.filesystem("reference", fo=emd, remote_protocol="s3", remote_options=options)
    with mrcschema.open(CORPUS / "mrcfile" / "EMD-3001.map") as f:
        assert np.array_equal(zarr.open_group(fs.get_mapper(), mode="r")["data"][...], f.read())


@pytest.mark.slow
def test_ome_zarr_from_http_to_s3(http, s3):
    from mrcschema.convert.omezarr import to_ome_zarr

    _, options, _ = s3
    url = f"s3://{BUCKET}/out/emd.ome.zarr"
    to_ome_zarr(http.url("files", "EMD-3001.map"), url, levels=2, chunks=[16, 8, 16], jobs=2,
                output_storage_options=options)
    store = zarr.storage.FSStore(url, **options)
    group = zarr.open_group(store, mode="r")
    with mrcschema.open(CORPUS / "mrcfile" / "EMD-3001.map") as f:
        assert np.array_equal(group["0"][...], np.array(f.data_xyz).transpose(2, 1, 0))
    assert group.attrs["multiscales"][0]["datasets"][1]["path"] == "1"
    with pytest.raises(FileExistsError):
        to_ome_zarr(CORPUS / "mrcfile" / "EMD-3001.map", url, output_storage_options=options)
    to_ome_zarr(CORPUS / "mrcfile" / "EMD-3197.map", url, overwrite=True, output_storage_options=options)
    group = zarr.open_group(zarr.storage.FSStore(url, **options), mode="r")
    assert group["0"].shape == (20, 20, 20) and "1" not in group


def test_an_interrupted_export_to_s3_leaves_no_group_metadata(s3, monkeypatch):
    from mrcschema.convert import omezarr

    _, options, _ = s3

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(omezarr, "downsample", interrupted)
    url = f"s3://{BUCKET}/out/interrupted.ome.zarr"
    with pytest.raises(KeyboardInterrupt):
        omezarr.to_ome_zarr(CORPUS / "mrcfile" / "EMD-3001.map", url, levels=2, output_storage_options=options)
    store = zarr.storage.FSStore(url, **options)
    assert "0/.zarray" in store  # level 0 was written ...
    assert ".zattrs" not in store and ".zgroup" not in store  # ... but nothing makes it a group or an image
