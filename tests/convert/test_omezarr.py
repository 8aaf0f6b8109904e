"""OME-Zarr export: every corpus file written as OME-NGFF 0.4 and read back (zarr, ome-zarr-py) equal to
mrcschema's data in z, y, x; scale and translation in angstrom from the header; the pyramid area-averaged;
bounded memory; an interrupted run leaves nothing that looks like an image."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import mrcschema
from mrcschema.convert import omezarr
from mrcschema.convert.axes import array_axes
from tests.conftest import CORPUS_MRC
from tests.convert.conftest import EMD_3001, crafted

zarr = pytest.importorskip("zarr")
pytest.importorskip("ome_zarr_models")


def image_zyx(path):
    """mrcschema's data in NGFF order: (z, y, x) physical axes, whatever MAPC/MAPR/MAPS say."""
    with mrcschema.open(path) as f:
        if f.geometry.mode.samples_per_pixel > 1 or len(f.geometry.shape) != 3:
            return f.read()
        return np.array(f.data_xyz).transpose(2, 1, 0)


def read_back(store):
    from ome_zarr_models.v04.image import ImageAttrs

    group = zarr.open_group(str(store), mode="r")
    attrs = group.attrs.asdict()
    ImageAttrs.model_validate({k: attrs[k] for k in ("multiscales",)})  # NGFF 0.4, as ome-zarr-models reads it
    return group, attrs["multiscales"][0]


@pytest.mark.parametrize("path", CORPUS_MRC, ids=lambda p: p.name)
def test_corpus_files_convert_and_read_back_equal(path, tmp_path):
    out = tmp_path / "out.ome.zarr"
    omezarr.to_ome_zarr(path, out, levels=2)
    group, ms = read_back(out)
    expected = image_zyx(path)
    assert np.array_equal(group["0"][...], expected)
    with mrcschema.open(path) as f:
        axes = array_axes(f)
    spatial = sorted((a for a in axes if a.type == "space"), key=lambda a: "zyx".index(a.name))
    assert [a["name"] for a in ms["axes"]] == [a.name for a in spatial]
    level0 = ms["datasets"][0]["coordinateTransformations"]
    assert level0[0]["scale"] == [a.scale for a in spatial]
    translation = level0[1]["translation"] if len(level0) > 1 else [0.0] * len(spatial)
    assert translation == [a.translation for a in spatial]
    assert group.attrs["mrcschema"]["header"]["nx"] == f.header.nx
    assert json.loads((out / "0" / ".zarray").read_text())["dimension_separator"] == "/"  # NGFF 0.4 chunk keys


def test_ome_zarr_py_reads_the_pyramid_and_its_transforms(volume, tmp_path):
    pytest.importorskip("ome_zarr")
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader

    path, data = volume
    out = omezarr.to_ome_zarr(path, tmp_path / "v.ome.zarr", levels=3)
    _, ms = read_back(out)
    node = next(iter(Reader(parse_url(str(out)))()))
    assert [tuple(level.shape) for level in node.data] == [(7, 6, 5), (4, 3, 3), (2, 2, 2)]
    assert np.array_equal(np.asarray(node.data[0]), data)
    assert node.metadata["coordinateTransformations"] == [d["coordinateTransformations"] for d in ms["datasets"]]
    assert node.metadata["axes"] == ms["axes"]


def test_emd_3001_comes_out_in_x_y_z(tmp_path):
    """MAPC, MAPR, MAPS = 3, 1, 2 and NXSTART, NYSTART, NZSTART (along columns, rows, sections) 0, -21, -12:
    columns run along Z, rows along X, sections along Y; X starts at -21, Y at -12, Z at 0 voxels."""
    out = omezarr.to_ome_zarr(EMD_3001, tmp_path / "e.ome.zarr")
    group, ms = read_back(out)
    with mrcschema.open(EMD_3001) as f:
        h = f.header
        data = f.read()
    assert (h.mapc, h.mapr, h.maps, h.nxstart, h.nystart, h.nzstart) == (3, 1, 2, 0, -21, -12)
    assert group["0"].shape == (73, 25, 43)  # z (columns), y (sections), x (rows)
    assert np.array_equal(group["0"][...], data.transpose(2, 0, 1))
    # CELLA / (MX, MY, MZ) of EMD-3001: 17.93 / 40, 4.71 / 12, 33.03 / 72 (float32 CELLA)
    vx, vy, vz = (float(np.float32(c)) / m for c, m in ((17.93, 40), (4.71, 12), (33.03, 72)))
    scale, translation = (t[k] for t, k in zip(ms["datasets"][0]["coordinateTransformations"], ("scale", "translation")))
    assert scale == pytest.approx([vz, vy, vx], rel=1e-6)
    assert translation == pytest.approx([0.0, -12 * vy, -21 * vx], rel=1e-6)
    gemmi = pytest.importorskip("gemmi")  # gemmi reorders the box to X, Y, Z as well: the same voxels
    ccp4 = gemmi.read_ccp4_map(str(EMD_3001))
    ccp4.setup(float("nan"), gemmi.MapSetup.ReorderOnly)
    assert np.array_equal(group["0"][...], np.array(ccp4.grid, copy=False).transpose(2, 1, 0))


@pytest.mark.parametrize("dtype, layout", [("float32", "volume"), ("int8", "volume"), ("uint16", "stack"),
                                           ("float16", None), ("int16", "stack")])
def test_files_mrcfile_writes_convert_with_their_voxel_size(write_with_mrcfile, tmp_path, dtype, layout):
    data = (np.arange(5 * 6 * 7) % 100).astype(dtype).reshape(5, 6, 7)
    if layout is None:
        data = data[0]
    path = write_with_mrcfile(data, layout=layout, voxel_size=(1.5, 2.5, 3.5))
    group, ms = read_back(omezarr.to_ome_zarr(path, tmp_path / "p.ome.zarr", levels=2))
    assert group["0"].dtype == np.dtype(dtype) and np.array_equal(group["0"][...], data)
    scale = ms["datasets"][0]["coordinateTransformations"][0]["scale"]
    # a stack from mrcfile has MZ 1: its Z spacing is CELLA.Z / 1 = 3.5; the pyramid keeps its sections
    assert scale == [3.5, 2.5, 1.5][-data.ndim:]
    assert group["1"].shape == ((5 if layout == "stack" else 3, 3, 4) if data.ndim == 3 else (3, 4))


def test_origin_and_nxstart_place_the_first_voxel(volume, tmp_path):
    path, data = volume
    group, ms = read_back(omezarr.to_ome_zarr(path, tmp_path / "v.ome.zarr", levels=2))
    scale, translation = (t[k] for t, k in zip(ms["datasets"][0]["coordinateTransformations"], ("scale", "translation")))
    assert scale == [4.0, 3.0, 2.0]  # z, y, x: CELLA 28/7, 18/6, 10/5
    assert translation == [30.0, 20.0, 10.0]  # ORIGIN (z, y, x) wins over NXSTART x voxel where it is set
    assert np.array_equal(group["0"][...], data)
    # level 1: twice the voxel, its first voxel centred on the 2 x 2 x 2 block it averages
    level1 = ms["datasets"][1]["coordinateTransformations"]
    assert level1[0]["scale"] == [8.0, 6.0, 4.0]
    assert level1[1]["translation"] == [30.0 + 2.0, 20.0 + 1.5, 10.0 + 1.0]
    padded = np.pad(data, [(0, 1), (0, 0), (0, 1)], mode="edge")  # 7 -> 8, 6, 5 -> 6
    expected = padded.reshape(4, 2, 3, 2, 3, 2).mean(axis=(1, 3, 5))
    assert group["1"].shape == (4, 3, 3)
    assert np.allclose(group["1"][...], expected, rtol=0, atol=1e-6)


def test_pyramid_of_an_image_stack_keeps_its_sections_and_rounds_integers(tmp_path):
    data = np.arange(3 * 4 * 6, dtype=np.uint16).reshape(3, 4, 6) * 3
    path = crafted(tmp_path / "stack.mrc", data, 6, mz=1, ispg=0)
    group, ms = read_back(omezarr.to_ome_zarr(path, tmp_path / "s.ome.zarr", levels=2))
    assert group["1"].shape == (3, 2, 3) and group["1"].dtype == np.uint16
    assert np.array_equal(group["1"][...], np.rint(data.reshape(3, 2, 2, 3, 2).mean(axis=(2, 4))).astype(np.uint16))
    assert ms["datasets"][1]["coordinateTransformations"][0]["scale"][0] == ms["datasets"][0][
        "coordinateTransformations"][0]["scale"][0]


def test_volume_stacks_rgb_and_4bit_data_take_t_and_c_axes_and_unpacked_bytes(tmp_path):
    volumes = np.arange(2 * 2 * 3 * 5, dtype=np.float32).reshape(2, 2, 3, 5)  # 2 volumes of 2 sections (MZ 2)
    path = crafted(tmp_path / "vs.mrc", volumes.reshape(4, 3, 5), 2, mz=2, ispg=401)
    group, ms = read_back(omezarr.to_ome_zarr(path, tmp_path / "vs.ome.zarr", levels=2))
    assert [(a["name"], a["type"]) for a in ms["axes"]] == [("t", "time"), ("z", "space"), ("y", "space"),
                                                            ("x", "space")]
    assert np.array_equal(group["0"][...], volumes) and group["0"].chunks[0] == 1
    assert group["1"].shape == (2, 1, 2, 3)  # the volume axis is not averaged
    assert ms["datasets"][1]["coordinateTransformations"][0]["scale"][0] == 1.0

    rgb = np.arange(2 * 3 * 4 * 3, dtype=np.uint8).reshape(2, 3, 4, 3)
    path = crafted(tmp_path / "rgb.mrc", rgb, 16, ispg=1)
    group, ms = read_back(omezarr.to_ome_zarr(path, tmp_path / "rgb.ome.zarr"))
    assert [a["name"] for a in ms["axes"]] == ["c", "z", "y", "x"]
    assert np.array_equal(group["0"][...], rgb.transpose(3, 0, 1, 2))

    packed = np.array([[[0x21, 0x43], [0x65, 0x87]]], dtype=np.uint8)  # 4-bit values, low nibble first
    path = crafted(tmp_path / "4bit.mrc", packed, 101, nx=4)
    group, _ = read_back(omezarr.to_ome_zarr(path, tmp_path / "4bit.ome.zarr"))
    assert group["0"].dtype == np.uint8
    with mrcschema.open(path) as f:
        assert np.array_equal(group["0"][...], f.read()) and f.read().max() == 8


def test_progress_bar_counts_every_level(volume, tmp_path, capsys):
    path, _ = volume
    omezarr.to_ome_zarr(path, tmp_path / "v.ome.zarr", levels=2, progress=True)
    bar = capsys.readouterr().err
    total = (7 * 6 * 5 + 4 * 3 * 3) * 4  # levels 0 and 1, float32
    assert "convert" in bar and f"{total} B/{total} B" in bar and "100%" in bar


def test_complex_data_is_refused(tmp_path):
    path = crafted(tmp_path / "c.mrc", np.zeros((1, 2, 2), np.complex64), 4)
    with pytest.raises(ValueError, match="mode 4 .*Fourier transform"):
        omezarr.to_ome_zarr(path, tmp_path / "c.ome.zarr")
    assert not (tmp_path / "c.ome.zarr").exists()


def test_jobs_and_chunk_options_give_the_same_image(volume, tmp_path):
    path, data = volume
    one = omezarr.to_ome_zarr(path, tmp_path / "1.ome.zarr", levels=3, chunks=[2, 3, 2])
    two = omezarr.to_ome_zarr(path, tmp_path / "2.ome.zarr", levels=3, chunks=[2, 3, 2], jobs=2, compressor="blosc")
    a, b = zarr.open_group(one, mode="r"), zarr.open_group(two, mode="r")
    assert a["0"].chunks == (2, 3, 2) and b["0"].compressor.cname == "zstd"
    for level in "012":
        assert np.array_equal(a[level][...], b[level][...])
    with pytest.raises(ValueError, match="chunks must give 3 positive sizes"):
        omezarr.to_ome_zarr(path, tmp_path / "3.ome.zarr", chunks=[2, 3])


def test_level_0_is_written_a_slab_at_a_time(tmp_path):
    """64 MiB of data, chunks 4 sections deep: the conversion never holds more than a few slabs."""
    shape = (64, 512, 512)
    f = mrcschema.new(tmp_path / "big.mrc", shape, np.float32, volume=True)
    f.data[...] = np.arange(512, dtype=np.float32)
    f.close()
    tracemalloc.start()
    try:
        omezarr.to_ome_zarr(tmp_path / "big.mrc", tmp_path / "b.ome.zarr", chunks=[4, 256, 256], levels=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 24 << 20, peak  # the data is 64 MiB; a slab 4 MiB (twice that for level 1, as float32)
    assert np.array_equal(zarr.open_group(str(tmp_path / "b.ome.zarr"), mode="r")["0"][63, 5], np.arange(512))


def test_an_interrupted_conversion_leaves_no_image(volume, tmp_path, monkeypatch):
    path, _ = volume
    out = tmp_path / "v.ome.zarr"
    omezarr.to_ome_zarr(path, out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(omezarr, "downsample", interrupted)
    with pytest.raises(KeyboardInterrupt):
        omezarr.to_ome_zarr(path, out, levels=2, overwrite=True)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before  # the old image, untouched
    assert sorted(os.listdir(tmp_path)) == ["v.ome.zarr", "volume.mrc"]  # no staging folder left
    with pytest.raises(KeyboardInterrupt):
        omezarr.to_ome_zarr(path, tmp_path / "new.ome.zarr", levels=2)
    assert not (tmp_path / "new.ome.zarr").exists()
    with pytest.raises(FileExistsError, match="exists"):
        omezarr.to_ome_zarr(path, out)


@pytest.mark.slow
def test_convert_command_reads_standard_input_and_reports_errors(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = tmp_path / "e.ome.zarr"
    with open(EMD_3001, "rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "mrcschema", "convert", "-", str(out), "--levels", "2"],
                              stdin=stdin, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}\n"
    assert np.array_equal(zarr.open_group(str(out), mode="r")["0"][...], image_zyx(EMD_3001))
    done = subprocess.run([sys.executable, "-m", "mrcschema", "convert", str(EMD_3001), str(out)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 2 and done.stderr == f"mrcschema convert: {out} exists (give overwrite=True / --overwrite " \
                                                   "to replace it)\n"
    done = subprocess.run([sys.executable, "-m", "mrcschema", "convert", str(EMD_3001), str(tmp_path / "l.ome.zarr"),
                           "--levels", "0"], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and done.stderr == f"mrcschema convert: {EMD_3001}: levels must be 1 or more, not 0\n"
    assert json.loads((out / ".zattrs").read_text())["mrcschema"]["source"] == "<stdin>"


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0])
def test_a_killed_conversion_leaves_the_image_complete_or_absent(tmp_path, delay):
    """SIGKILL at any moment: OUT is absent or a complete image equal to the data (never a partial one)."""
    import signal
    import time

    f = mrcschema.new(tmp_path / "in.mrc", (32, 512, 512), np.float32, volume=True)
    f.data[...] = np.arange(512, dtype=np.float32)
    f.close()
    out = tmp_path / "out.ome.zarr"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen([sys.executable, "-m", "mrcschema", "convert", str(tmp_path / "in.mrc"), str(out),
                              "--levels", "3", "--chunks", "4", "64", "64"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait()
    staging = [p for p in tmp_path.iterdir() if p.name.startswith("out.ome.zarr.part")]
    for store in [out] * out.exists() + staging:  # the staging folder: killed before its rename or not yet done
        if (store / ".zgroup").exists():  # what zarr opens as a group: complete (its .zgroup is written last)
            group, ms = read_back(store)
            assert len(ms["datasets"]) == 3 and np.array_equal(group["2"][...][0, 0], np.arange(1.5, 512, 4))
        else:
            assert store != out
            with pytest.raises(zarr.errors.GroupNotFoundError):
                zarr.open_group(str(store), mode="r")
