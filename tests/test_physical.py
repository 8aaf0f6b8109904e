"""The physical model (``MrcFile.physical``, ``reading/physical.py``): one test per writer's convention
runs every consumer (the model, the HyperSpy reader, the napari layer, ``dump --json``'s interpreted
block, ``info``'s physical sizes, the OME-Zarr export's axes, the preview) on the same file and checks
that they agree; the origin is checked against the
files gemmi and mrcfile write."""

from __future__ import annotations

import warnings

import gemmi
import mrcfile
import mrcz
import numpy as np
import pytest
from conftest import CORPUS

import mrcschema
from mrcschema.napari.reader import read_mrc
from mrcschema.preview import render as preview
from mrcschema.reading.describe import describe

#: HyperSpy units -> (the model's unit, factor)
HYPERSPY_UNITS = {"nm": ("Å", 10.0), "nm^-1": ("1/Å", 0.1), "s": ("s", 1.0)}
NAPARI_UNITS = {"angstrom": "Å", "1/angstrom": "1/Å", "second": "s", "pixel": None}


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def model_of(path):
    with quiet(mrcschema.open, path) as f:
        return f.physical


def hyperspy_axes(path):
    """(name, size, scale, unit, offset) in the model's units; scale None where HyperSpy has no units."""
    out = []
    for a in quiet(mrcschema.file_reader, path)[0]["axes"]:
        if a["units"] is None:
            out.append((a["name"], a["size"], None, None, 0.0))
        else:
            unit, factor = HYPERSPY_UNITS[a["units"]]
            out.append((a["name"], a["size"], a["scale"] * factor, unit, a["offset"] * factor))
    return out


def napari_axes(path):
    data, kwargs, _ = quiet(read_mrc, str(path))[0]
    return [(name, size, scale if NAPARI_UNITS[unit] else None, NAPARI_UNITS[unit], offset)
            for name, size, scale, unit, offset in zip(kwargs["axis_labels"], np.shape(data), kwargs["scale"],
                                                       kwargs["units"], kwargs["translate"])]


def dump_axes(path):
    with quiet(mrcschema.open, path) as f:
        block = describe(f)["interpreted"]
    return [(a["name"], a["size"], a["scale"], a["unit"], a["offset"]) for a in block["axes"]]


def model_axes(model):
    return [(a.name, a.size, a.scale, a.unit, a.offset) for a in model.axes]


def info_sizes(path):
    """``mrcschema info``'s physical size per axis (x, y, z in Å, None where unknown)."""
    from mrcschema.cli.info import physical_size

    with quiet(mrcschema.open, path) as f:
        return physical_size(f)


def ome_zarr_axes(path):
    """The OME-Zarr export's spatial axes that carry a scale: name -> (scale, translation)."""
    from mrcschema.convert.axes import array_axes

    with quiet(mrcschema.open, path) as f:
        return {a.name: (a.scale, a.translation) for a in array_axes(f) if a.type == "space" and a.unit}


def picture_of(path):
    with quiet(mrcschema.open, path) as f:
        return quiet(preview.render, f)


def assert_same(left, right):
    assert [(n, s, u) for n, s, _, u, _ in left] == [(n, s, u) for n, s, _, u, _ in right]
    for (_, _, a, _, p), (_, _, b, _, q) in zip(left, right):
        assert (a is None) == (b is None)
        if a is not None:
            assert a == pytest.approx(b, rel=1e-6) and p == pytest.approx(q, rel=1e-6, abs=1e-9)


def assert_consumers_agree(path):
    """The model, HyperSpy, napari and dump give the same axes; the preview draws a scale bar exactly
    when the columns' scale is known in Å and names what the data is."""
    model = model_of(path)
    axes = model_axes(model)
    assert_same(dump_axes(path), axes)
    assert_same(hyperspy_axes(path), [a for a in axes if a[1] != 1])  # HyperSpy squeezes length-1 axes
    assert_same(napari_axes(path), axes)
    spatial = {name: (size, scale, offset) for name, size, scale, unit, offset in axes
               if name in ("x", "y", "z") and unit == "Å" and scale is not None}
    assert info_sizes(path) == {name: (spatial[name][0] * spatial[name][1] if name in spatial else None)
                                for name in ("x", "y", "z")}
    exported = ome_zarr_axes(path)
    for name, (_, scale, offset) in spatial.items():
        assert exported[name] == pytest.approx((scale, offset))
    picture = picture_of(path)
    assert (picture.scale_bar is not None) == (model.axes[-1].unit == "Å")
    assert model.description in picture.caption[1]
    return model


# -- one test per convention -------------------------------------------------------------------------------------
def test_mapc_mapr_maps_name_the_axes_for_every_consumer():
    """EMD-3001 (MAPC/MAPR/MAPS 3, 1, 2): sections along Y, rows along X, columns along Z."""
    model = assert_consumers_agree(CORPUS / "mrcfile" / "EMD-3001.map")
    assert [(a.name, a.size) for a in model.axes] == [("y", 25), ("x", 43), ("z", 73)]
    assert [a.scale for a in model.axes] == pytest.approx([0.3925, 0.44825, 0.45875])
    assert model.description == "volume, sections along Y"


def test_gemmi_reorders_the_grid_to_the_axes_the_model_names():
    """gemmi reorders the grid to X, Y, Z on setup: its spacing is our scale of the axis so named."""
    path = CORPUS / "mrcfile" / "EMD-3001.map"
    m = gemmi.read_ccp4_map(str(path))
    m.setup(float("nan"), gemmi.MapSetup.ReorderOnly)
    model = model_of(path)
    by_name = {a.name: a for a in model.axes}
    assert [by_name[n].size for n in "xyz"] == [m.grid.nu, m.grid.nv, m.grid.nw]
    # the cell edge over gemmi's sampling (MX, MY, MZ, words 8-10); gemmi's ``spacing`` is the
    # perpendicular spacing, which differs in this monoclinic cell
    cell = m.grid.unit_cell
    assert [by_name[n].scale for n in "xyz"] == pytest.approx(
        [cell.a / m.header_i32(8), cell.b / m.header_i32(9), cell.c / m.header_i32(10)], rel=1e-6)


def test_mrcz_sizes_are_cella_over_n_for_every_consumer(tmp_path):
    """mrcz writes MX = MY = 0 (MZ 1 for a list of frames) and CELLA = pixel size x N: the model takes
    all three sizes from CELLA / N, as mrcz reads them back (z 1.5 Å, where CELLA.z / MZ gives 4.5)."""
    path = tmp_path / "frames.mrc"
    mrcz.writeMRC([np.full((4, 5), i, np.float32) for i in range(3)], str(path), pixelsize=[1.5, 2.0, 2.5])
    model = assert_consumers_agree(path)
    pixelsize = mrcz.readMRC(str(path))[1]["pixelsize"]
    assert [a.scale for a in model.axes] == pytest.approx(list(pixelsize)) == [1.5, 2.0, 2.5]
    assert model.fallbacks == ("MX = MY = 0 (mrcz): voxel sizes are CELLA / N along X, Y and Z",)


def test_direct_electron_negative_cella_is_unknown_not_minus_ten():
    path = CORPUS / "rsciio" / "20241021_00405_final.mrc"
    model = assert_consumers_agree(path)
    assert [a.scale for a in model.axes] == [None, None, None]
    assert "negative, Direct Electron's 'unknown'" in model.axes[-1].reason
    assert "size unknown" in picture_of(path).caption[1]
    with quiet(mrcschema.open, path) as f:
        assert tuple(f.voxel_size)[:2] == (-10.0, -10.0)  # voxel_size keeps its documented meaning


def test_direct_electron_scan_takes_its_sizes_from_the_info_file():
    """The info file: 0.1 x 0.2 nm scan steps, 0.1 nm^-1 diffraction pixels, 300 kV, 700 frames/s."""
    path = CORPUS / "rsciio" / "20241021_00405_movie.mrc"
    model = model_of(path)
    assert model.kind == "4D-STEM scan" and model.scan.shape == (4, 8) and model.scan.raster
    assert model.scan.step == pytest.approx((2.0, 1.0))
    assert [(a.name, a.unit) for a in model.axes] == [("scan", None), ("ky", "1/Å"), ("kx", "1/Å")]
    assert [a.scale for a in model.axes[1:]] == pytest.approx([0.01, 0.01])
    hyperspy = hyperspy_axes(path)
    assert [a[0] for a in hyperspy] == ["y", "x", "ky", "kx"]
    assert [a[2] for a in hyperspy[:2]] == pytest.approx(model.scan.step)
    assert_same(hyperspy[2:], model_axes(model)[1:])
    _, kwargs, _ = quiet(read_mrc, str(path))[0]  # napari shows the scan through the HyperSpy plan
    signal = quiet(mrcschema.file_reader, path)[0]
    assert kwargs["scale"] == tuple(a["scale"] for a in signal["axes"])
    assert kwargs["axis_labels"] == ("y", "x", "ky", "kx")
    acq = mrcschema.acquisition(path)
    assert (acq.voltage, acq.frame_rate, acq.scan_shape) == (300000.0, 700.0, (4, 8))
    assert acq.pixel_size == pytest.approx((1e-10, 2e-10))
    picture = picture_of(path)
    assert picture.panels[0].aspect == 2.0 and picture.scale_bar is not None  # 0.2 x 0.1 nm pixels drawn tall
    assert "4D-STEM scan" in picture.caption[1]
    with quiet(mrcschema.open, path) as f:
        assert describe(f)["interpreted"]["scan"] == {"shape": [4, 8], "step": pytest.approx([2.0, 1.0]),
                                                      "raster": True, "repeats": 1}


def test_non_raster_scan_is_placed_from_its_coordinates():
    path = CORPUS / "rsciio" / "ROI_Random_Scan_movie.mrc"
    model = model_of(path)
    assert model.kind == "4D-STEM scan" and not model.scan.raster and model.scan.shape == (29, 12)
    assert [a.scale for a in model.axes] == [None, None, None]  # the info file sets no pixel sizes
    picture = picture_of(path)
    assert picture.scale_bar is None and "size unknown" in picture.caption[1]


def test_cella_zero_is_unknown_and_shown_in_pixels(tmp_path):
    path = tmp_path / "plain.mrc"
    with mrcfile.new(str(path)) as m:
        m.set_data(np.arange(6 * 7, dtype=np.float32).reshape(6, 7))
        m.voxel_size = 0.0
    model = assert_consumers_agree(path)
    assert [(a.name, a.scale, a.reason) for a in model.axes] == [
        ("y", None, "CELLA Y is 0: no size written"), ("x", None, "CELLA X is 0: no size written")]
    assert napari_axes(path)[0][3] is None and picture_of(path).scale_bar is None


def test_image_stack_sections_are_frames_with_the_spacing_the_writer_gave(tmp_path):
    """ISPG 0: the sections are frames; CELLA.z / MZ is their spacing where the writer set one (mrcfile's
    voxel_size, HyperSpy's stack axis), and unknown where CELLA.z is 0."""
    path = tmp_path / "stack.mrc"
    with mrcfile.new(str(path)) as m:
        m.set_data(np.zeros((3, 4, 5), np.float32))
        m.set_image_stack()
        m.voxel_size = 2.0
    model = assert_consumers_agree(path)
    assert [(a.name, a.scale) for a in model.axes] == [("frame", 2.0), ("y", 2.0), ("x", 2.0)]
    assert model.kind == "image stack" and model.description == "stack of 3 images"
    with mrcfile.open(str(path), mode="r+") as m:
        m.voxel_size = (2.0, 2.0, 0.0)
    model = assert_consumers_agree(path)
    assert [(a.name, a.scale) for a in model.axes] == [("frame", None), ("y", 2.0), ("x", 2.0)]
    assert model.axes[0].reason == "ISPG 0: sections are separate images; CELLA Z is 0: no size written"


def test_volume_stack_has_a_volume_axis(tmp_path):
    path = tmp_path / "volumes.mrc"
    mrcschema.write(path, np.zeros((2, 3, 4, 5), np.float32), voxel_size=1.5)
    model = assert_consumers_agree(path)
    assert [(a.name, a.size, a.scale) for a in model.axes] == [
        ("volume", 2, None), ("z", 3, 1.5), ("y", 4, 1.5), ("x", 5, 1.5)]
    assert model.description == "stack of 2 volumes, sections along Z"


# -- origin ---------------------------------------------------------------------------------------------------
def test_origin_of_a_map_gemmi_cut_from_its_cell_is_nstart_times_the_voxel(tmp_path):
    """gemmi writes a cut map with N*START set and ORIGIN 0; its first voxel is at N*START x spacing."""
    m = gemmi.read_ccp4_map(str(CORPUS / "mrcfile" / "EMD-3197.map"))
    m.setup(float("nan"))
    box = gemmi.FractionalBox()
    box.extend(gemmi.Fractional(0.1, 0.2, 0.3))
    box.extend(gemmi.Fractional(0.5, 0.6, 0.7))
    m.set_extent(box)
    path = tmp_path / "cut.map"
    m.write_ccp4_map(str(path))
    start = [m.header_i32(w) for w in (5, 6, 7)]  # NCSTART, NRSTART, NSSTART
    model = assert_consumers_agree(path)
    assert model.origin_source == "NXSTART x voxel"
    assert model.origin == pytest.approx(tuple(s * 11.4 for s in start))
    extent = gemmi.read_ccp4_map(str(path)).get_extent().minimum  # gemmi's placement, fractional
    assert model.origin == pytest.approx((extent.x * 228.0, extent.y * 228.0, extent.z * 228.0))
    assert [a.offset for a in model.axes] == pytest.approx([start[2] * 11.4, start[1] * 11.4, start[0] * 11.4])


def test_origin_field_written_by_mrcfile_takes_precedence_over_nstart(tmp_path):
    """ChimeraX's and Mol*'s rule: a non-zero ORIGIN places the map; N*START is then not added."""
    path = tmp_path / "placed.mrc"
    with mrcfile.new(str(path)) as m:
        m.set_data(np.zeros((3, 4, 5), np.float32))
        m.voxel_size = 2.0
        m.header.origin = (10.0, 20.0, 30.0)
        m.header.nxstart, m.header.nystart, m.header.nzstart = 1, 2, 3
    model = assert_consumers_agree(path)
    assert model.origin == (10.0, 20.0, 30.0) and model.origin_source == "ORIGIN"
    with mrcfile.open(str(path)) as peer:
        assert tuple(peer.header.origin.item()) == model.origin


def test_gemmi_places_by_nstart_alone_where_origin_is_also_set(tmp_path):
    """gemmi ignores ORIGIN (words 50-52): its extent stays N*START / M; the model (ChimeraX's rule)
    takes the non-zero ORIGIN.  The difference is documented (user guide, Physical coordinates)."""
    m = gemmi.read_ccp4_map(str(CORPUS / "mrcfile" / "EMD-3197.map"))
    for word, value in zip((50, 51, 52), (100.0, 200.0, 300.0)):
        m.set_header_float(word, value)
    path = tmp_path / "both.map"
    m.write_ccp4_map(str(path))
    extent = gemmi.read_ccp4_map(str(path)).get_extent().minimum
    model = model_of(path)
    assert model.origin == (100.0, 200.0, 300.0) and model.origin_source == "ORIGIN"
    assert (extent.x, extent.y, extent.z) == pytest.approx((-2 / 20, 0.0, 0.0), abs=1e-8)  # NXSTART -2 of MX 20


def test_origin_that_is_not_finite_falls_back_to_nstart(tmp_path):
    path = tmp_path / "nan.mrc"
    with mrcfile.new(str(path)) as m:
        m.set_data(np.zeros((2, 3, 4), np.float32))
        m.voxel_size = 2.0
        m.header.origin = (float("nan"), 0.0, 0.0)
        m.header.nxstart = 5
    model = model_of(path)
    assert model.origin == (10.0, 0.0, 0.0) and model.origin_source == "NXSTART x voxel"


def test_origin_is_zero_when_neither_is_set():
    model = model_of(CORPUS / "mrcfile" / "epu2.9_example.mrc")
    assert model.origin == (0.0, 0.0, 0.0) and model.origin_source.startswith("none")


def test_imod_shifted_signed_bytes_read_back_as_unsigned(tmp_path):
    """mrcfile issue 69: a 0/1 mask IMOD stores as -128/-127; the explicit option gives 0/1 back."""
    from mrcschema.format.modes import imod_shifted_to_unsigned

    path = tmp_path / "mask.mrc"
    mrcschema.write(path, np.array([[-128, -127], [127, 0]], np.int8))
    with mrcschema.open(path) as f:
        restored = imod_shifted_to_unsigned(f.data)
    assert restored.dtype == np.uint8 and restored.tolist() == [[0, 1], [255, 128]]
    with pytest.raises(ValueError, match="not int16"):
        imod_shifted_to_unsigned(np.zeros(2, np.int16))
