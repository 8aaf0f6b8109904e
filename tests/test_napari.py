"""Issue 14 item 5: the napari reader, tested without a display through npe2 (the manifest, reader
discovery by extension, the layer data and metadata) and, where napari is installed, headless napari."""

import importlib.resources
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import CORPUS, REPO

import mrcschema
from mrcschema.napari import reader as napari_reader

npe2 = pytest.importorskip("npe2")
MANIFEST = REPO / "mrcschema" / "napari" / "napari.yaml"


@pytest.fixture
def plugin():
    """Our manifest registered with npe2's plugin manager (as the entry point registers it when
    installed), removed afterwards."""
    manager = npe2.PluginManager.instance()
    manifest = npe2.PluginManifest.from_file(MANIFEST)
    if manifest.name not in {m.name for m in manager.iter_manifests()}:
        manager.register(manifest)
        yield manager
        manager.unregister(manifest.name)
    else:
        yield manager


def test_manifest_is_valid_and_its_commands_import():
    import tomllib

    manifest = npe2.PluginManifest.from_file(MANIFEST)
    manifest.validate_imports()
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert manifest.name == project["project"]["name"]
    assert project["project"]["entry-points"]["napari.manifest"] == {"mrcschema": "mrcschema.napari:napari.yaml"}
    assert importlib.resources.files("mrcschema.napari").joinpath("napari.yaml").is_file()
    assert "napari/napari.yaml" in project["tool"]["setuptools"]["package-data"]["mrcschema"]
    extras = project["project"]["optional-dependencies"]
    assert any(d.startswith("napari") for d in extras["napari"]) and any(d.startswith("Pillow") for d in extras["preview"])


def test_npe2_validate_command_accepts_the_manifest():
    npe2_command = [sys.executable, "-c", "import sys; from npe2.cli import main; sys.exit(main())"]
    result = subprocess.run([*npe2_command, "validate", str(MANIFEST), "--imports"], capture_output=True,
                            text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


@pytest.mark.parametrize("name", ["a.mrc", "a.mrcs", "a.map", "a.st", "a.ali", "a.rec", "a.map.gz", "a.MRC",
                                  "a.mrc.bz2", "dir/b_movie.mrc"])
def test_readers_are_found_by_extension(name):
    manager = npe2.PluginManager()
    manager.register(npe2.PluginManifest.from_file(MANIFEST))
    readers = [r.command for r in manager.iter_compatible_readers([name])]
    assert readers == ["mrcschema.get_reader"]
    assert napari_reader.napari_get_reader(name) is napari_reader.read_mrc


@pytest.mark.parametrize("name", ["a.tif", "a.mrc.txt", "map"])
def test_other_files_are_not_ours(name):
    manager = npe2.PluginManager()
    manager.register(npe2.PluginManifest.from_file(MANIFEST))
    assert [r.command for r in manager.iter_compatible_readers([name])] == []
    assert napari_reader.napari_get_reader(name) is None


def read(path, plugin_manager):
    """Read through npe2 as napari does: the reader command found for the path, then its layer data."""
    layers, contribution = npe2.read_get_reader([str(path)], plugin_name="mrcschema")
    assert contribution.command == "mrcschema.get_reader"
    return layers


def test_volume_layer_data_scale_translate_and_axes(tmp_path, plugin):
    data = np.random.default_rng(1).normal(size=(6, 7, 8)).astype(np.float32)
    path = tmp_path / "vol.mrc"
    mrcschema.write(path, data, voxel_size=(1.5, 2.0, 2.5), origin=(10.0, 20.0, 30.0), volume=True)
    ((layer, kwargs, kind),) = read(path, plugin)
    assert kind == "image" and isinstance(layer, np.ndarray)
    np.testing.assert_array_equal(layer, data)
    assert kwargs["scale"] == (2.5, 2.0, 1.5) and kwargs["translate"] == (30.0, 20.0, 10.0)
    assert kwargs["axis_labels"] == ("z", "y", "x") and kwargs["units"] == ("angstrom",) * 3
    assert kwargs["name"] == "vol" and kwargs["metadata"]["header"]["nx"] == 8
    assert kwargs["metadata"]["path"] == str(path)


def test_axis_order_follows_mapc_mapr_maps(plugin):
    ((layer, kwargs, _),) = read(CORPUS / "mrcfile" / "EMD-3001.map", plugin)  # MAPC, MAPR, MAPS = 3, 1, 2
    with mrcschema.open(CORPUS / "mrcfile" / "EMD-3001.map") as f:
        np.testing.assert_array_equal(layer, f.data)
        v = f.voxel_size
    assert kwargs["axis_labels"] == ("y", "x", "z") and kwargs["scale"] == (v.y, v.x, v.z)


def test_stacks_and_compressed_files(tmp_path, plugin):
    stack = np.arange(3 * 4 * 5, dtype=np.int16).reshape(3, 4, 5)
    mrcschema.write(tmp_path / "frames.mrcs", stack, voxel_size=3.0)
    ((layer, kwargs, _),) = read(tmp_path / "frames.mrcs", plugin)
    np.testing.assert_array_equal(layer, stack)
    assert kwargs["axis_labels"] == ("frame", "y", "x") and kwargs["scale"] == (3.0, 3.0, 3.0)  # CELLA.z / MZ
    ((layer, kwargs, _),) = read(CORPUS / "mrcfile" / "emd_3001.map.gz", plugin)
    assert layer.shape == (25, 43, 73) and kwargs["name"] == "emd_3001"


@pytest.mark.slow
def test_large_files_open_lazily(tmp_path, plugin):
    dask_array = pytest.importorskip("dask.array")
    big = mrcschema.new(tmp_path / "tomo.rec", (80, 1024, 1024), "float32", volume=True, voxel_size=4.0)
    big.data[40, 5, 7] = 3.0
    big.close()
    ((layer, kwargs, _),) = read(tmp_path / "tomo.rec", plugin)
    assert isinstance(layer, dask_array.Array) and layer.shape == (80, 1024, 1024)
    assert all(len(c) == 1 for c in layer.chunks[1:])  # whole sections per chunk
    assert float(layer[40, 5, 7].compute()) == 3.0 and kwargs["scale"] == (4.0, 4.0, 4.0)


def test_4dstem_scans_have_named_axes(plugin):
    ((layer, kwargs, _),) = read(CORPUS / "rsciio" / "20241021_00405_movie.mrc", plugin)
    signal = mrcschema.file_reader(CORPUS / "rsciio" / "20241021_00405_movie.mrc")[0]
    np.testing.assert_array_equal(np.asarray(layer), signal["data"])
    assert kwargs["axis_labels"] == ("y", "x", "ky", "kx") and layer.shape == (4, 8, 4, 8)
    assert kwargs["scale"] == tuple(a["scale"] for a in signal["axes"]) and kwargs["units"][0] == "nm"
    ((layer, kwargs, _),) = read(CORPUS / "rsciio" / "Custom_movie.mrc", plugin)  # repeated positions
    assert kwargs["axis_labels"] == ("repeat", "y", "x", "ky", "kx") and layer.shape == (2, 5, 5, 16, 16)


def test_headless_napari_opens_files_as_image_layers(tmp_path, plugin):
    components = pytest.importorskip("napari.components")
    viewer = components.ViewerModel()
    layers = viewer.open(str(CORPUS / "mrcfile" / "EMD-3197.map"), plugin="mrcschema")
    (layer,) = layers
    with mrcschema.open(CORPUS / "mrcfile" / "EMD-3197.map") as f:
        np.testing.assert_array_equal(np.asarray(layer.data), f.data)
        voxel = f.voxel_size.z
    assert layer.name == "EMD-3197" and tuple(layer.axis_labels) == ("z", "y", "x")
    assert layer.scale[0] == pytest.approx(voxel) and str(layer.units[0]) == "angstrom"
    layers = viewer.open(str(CORPUS / "rsciio" / "ROI_Random_Scan_movie.mrc"), plugin="mrcschema")
    assert tuple(layers[0].axis_labels) == ("y", "x", "ky", "kx")
