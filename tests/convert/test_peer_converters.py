"""mrc2omezarr 0.3 (PyPI) on the same file, compared with ours (docs/convert.md explains each difference).
It needs pydantic-zarr 0.7, which ome-zarr-models 0.1.10 cannot share an environment with, so it runs
from the venv /work/venvs/convert-peers (``MRC2OMEZARR`` names another executable); skipped without it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import mrcschema
from mrcschema.convert.omezarr import to_ome_zarr
from tests.conftest import CORPUS
from tests.convert.conftest import EMD_3001, crafted

zarr = pytest.importorskip("zarr")
MRC2OMEZARR = os.environ.get("MRC2OMEZARR", "/work/venvs/convert-peers/bin/mrc2omezarr")
#: the official OME-NGFF 0.4 JSON schemas, as ngff-zarr bundles them (installed in the same venv)
NGFF_SCHEMAS = Path(os.environ.get(
    "NGFF_SCHEMAS", "/work/venvs/convert-peers/lib/python3.11/site-packages/ngff_zarr/spec/0.4/schemas"))


@pytest.fixture
def mrc2omezarr():
    if not shutil.which(MRC2OMEZARR):
        pytest.skip(f"mrc2omezarr not installed ({MRC2OMEZARR})")
    return MRC2OMEZARR


@pytest.mark.slow
def test_mrc2omezarr_ignores_mapc_mapr_maps_and_nxstart_where_we_do_not(mrc2omezarr, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # its own environment's packages
    done = subprocess.run([mrc2omezarr, "--mrc-path", str(EMD_3001), "--zarr-path", str(tmp_path / "peer.zarr")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    peer = zarr.open_group(str(tmp_path / "peer.zarr"), mode="r")
    ours = zarr.open_group(to_ome_zarr(EMD_3001, tmp_path / "ours.ome.zarr", levels=3), mode="r")
    with mrcschema.open(EMD_3001) as f:
        stored = f.read()
        vx, vy, vz = f.voxel_size
    # the peer writes the stored (sections, rows, columns) array and calls it z, y, x ...
    assert np.array_equal(peer["0"][...], stored)
    assert [a["name"] for a in peer.attrs["multiscales"][0]["axes"]] == ["z", "y", "x"]
    # ... with the scales in x, y, z order and no translation (NYSTART -21, NZSTART -12 dropped)
    peer0 = peer.attrs["multiscales"][0]["datasets"][0]["coordinateTransformations"]
    assert peer0 == [{"type": "scale", "scale": [vx, vy, vz]}]
    # ours: the array reordered to physical z, y, x (MAPC, MAPR, MAPS = 3, 1, 2), scales and start to match
    assert np.array_equal(ours["0"][...], stored.transpose(2, 0, 1))
    ours0 = ours.attrs["multiscales"][0]["datasets"][0]["coordinateTransformations"]
    assert ours0[0]["scale"] == [vz, vy, vx]
    assert ours0[1]["translation"] == pytest.approx([0.0, -12 * vy, -21 * vx])
    # both pyramids halve every axis of a volume (the peer's local_mean equals our mean on even blocks)
    assert peer["1"].shape == (13, 22, 37) and ours["1"].shape == (37, 13, 22)
    assert np.allclose(peer["1"][:12, :21, :36], ours["1"][:36, :12, :21].transpose(1, 2, 0), atol=1e-6)


@pytest.mark.parametrize("name", ["EMD-3001", "image", "volume stack", "rgb"])
def test_metadata_passes_the_official_ngff_0_4_strict_image_schema(name, tmp_path):
    """The JSON schemas of the NGFF specification (strict: version, name, type and metadata required)."""
    if not (NGFF_SCHEMAS / "strict_image.schema").exists():
        pytest.skip(f"no NGFF 0.4 schemas at {NGFF_SCHEMAS}")
    import jsonschema
    import referencing

    schemas = {p.name: json.loads(p.read_text()) for p in NGFF_SCHEMAS.glob("*image.schema")}
    registry = referencing.Registry().with_resources(
        (schema["$id"], referencing.Resource.from_contents(schema, default_specification=referencing.jsonschema.DRAFT202012))
        for schema in schemas.values())
    source = {"EMD-3001": EMD_3001, "image": CORPUS / "rsciio" / "HAADFscan.mrc",
              "volume stack": crafted(tmp_path / "vs.mrc", np.zeros((4, 3, 5), np.float32), 2, mz=2, ispg=401),
              "rgb": crafted(tmp_path / "rgb.mrc", np.zeros((2, 3, 4, 3), np.uint8), 16, ispg=1)}[name]
    out = to_ome_zarr(source, tmp_path / "out.ome.zarr", levels=2)
    attributes = json.loads((Path(out) / ".zattrs").read_text())
    validator = jsonschema.Draft202012Validator(schemas["strict_image.schema"], registry=registry)
    assert list(validator.iter_errors(attributes)) == []
    broken = dict(attributes, multiscales=[dict(attributes["multiscales"][0], axes=attributes["multiscales"][0]["axes"][:1])])
    assert list(validator.iter_errors(broken))  # the schema does look at the axes
