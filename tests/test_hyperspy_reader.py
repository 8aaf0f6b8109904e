"""file_reader against RosettaSciIO: same structure, same answers where RosettaSciIO is right, and the
documented differences (docs/hyperspy.md) where it is not."""

import os
import pathlib
import warnings

import numpy as np
import pytest
from conftest import CORPUS, CORPUS_MRC, corpus_id, sample_data
from rsciio.mrc import file_reader as rsciio_reader

import mrcschema
from mrcschema import MrcFormatError, file_reader

#: corpus files RosettaSciIO reads right apart from the documented axis differences
PLAIN_FILES = [p for p in CORPUS_MRC if p.suffix in (".mrc", ".map") and "movie" not in p.name]
DE_MOVIE = CORPUS / "rsciio" / "20241021_00405_movie.mrc"


def rsciio(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its unclosed-file ResourceWarning
        return rsciio_reader(os.fspath(path), **kwargs)[0]


def leaf_paths(tree, prefix=()):
    for key, value in tree.items():
        if isinstance(value, dict) and value and not key.startswith("_sig_"):
            yield from leaf_paths(value, prefix + (key,))
        else:
            yield prefix + (key,), value


def get(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def assert_axes_match(ours, theirs, *, unknown_scale_ok=True):
    """Same names, sizes, navigate flags, index; scales/offsets/units equal except where the header
    gives no scale (CELLA <= 0: RosettaSciIO 0 or negative nm, ours 1 with no units) or the z units
    RosettaSciIO leaves None."""
    assert [a["name"] for a in ours] == [a["name"] for a in theirs]
    for mine, peer in zip(ours, theirs):
        assert list(mine) == list(peer)  # the same keys, in the same order
        assert (mine["size"], mine["navigate"], mine["index_in_array"]) == \
            (peer["size"], peer["navigate"], peer["index_in_array"])
        if unknown_scale_ok and peer["scale"] <= 0:
            assert (mine["scale"], mine["units"]) == (1.0, None)
            continue
        assert np.isclose(mine["scale"], peer["scale"], rtol=1e-6)
        assert mine["offset"] == peer["offset"]
        assert mine["units"] == peer["units"] or (peer["units"] is None and mine["name"] == "z")


def places_axes_differently(path):
    """RosettaSciIO names the axes z, y, x whatever MAPC/MAPR/MAPS say and places them at ORIGIN only;
    we follow the physical model (docs/hyperspy.md): those files are held by the tests below."""
    h = mrcschema.read_header(path)
    return (h.mapc, h.mapr, h.maps) != (1, 2, 3) or any((h.nxstart, h.nystart, h.nzstart))


def test_axes_follow_mapc_mapr_maps_where_rosettasciio_names_them_z_y_x():
    """EMD-3001 (MAPC/MAPR/MAPS 3, 1, 2): the 25 sections run along Y (0.3925 Å), the 43 rows along X
    (0.44825 Å), the 73 columns along Z (0.45875 Å); each starts at N*START x voxel."""
    axes = file_reader(CORPUS / "mrcfile" / "EMD-3001.map")[0]["axes"]
    assert [(a["name"], a["size"], a["units"], a["navigate"]) for a in axes] == [
        ("y", 25, "nm", True), ("x", 43, "nm", False), ("z", 73, "nm", False)]
    assert [a["scale"] for a in axes] == pytest.approx([0.03925, 0.044825, 0.045875])
    h = mrcschema.read_header(CORPUS / "mrcfile" / "EMD-3001.map")
    assert [a["offset"] for a in axes] == pytest.approx(
        [h.nzstart * 0.03925, h.nystart * 0.044825, h.nxstart * 0.045875])


@pytest.mark.parametrize("path", PLAIN_FILES, ids=corpus_id)
def test_corpus_file_matches_rosettasciio(path):
    ours, theirs = file_reader(path)[0], rsciio(path)
    assert set(ours) == set(theirs) == {"data", "axes", "metadata", "original_metadata", "mapping"}
    np.testing.assert_array_equal(ours["data"], theirs["data"])
    assert ours["data"].dtype == theirs["data"].dtype
    if not places_axes_differently(path):
        assert_axes_match(ours["axes"], theirs["axes"])
    for key, value in leaf_paths(theirs["metadata"]):
        assert get(ours["metadata"], key) == value, key
    std = ours["original_metadata"]["std_header"]
    for key, value in theirs["original_metadata"]["std_header"].items():
        if key in ("ISPG", "NSYMBT"):  # RosettaSciIO splits the int32 ISPG into two 16-bit words
            assert std["ISPG"] == mrcschema.read_header(path).ispg
            continue
        peer = np.asarray(value)
        mine = np.asarray(std[key])
        if peer.dtype.kind == "u":  # RosettaSciIO reads signed fields (NYSTART -21) as unsigned
            mine = mine.astype(peer.dtype)
        np.testing.assert_array_equal(mine, peer, err_msg=key)


@pytest.mark.parametrize("lazy", [False, True])
def test_de_movie_matches_rosettasciio_data_and_navigators(lazy):
    ours, theirs = file_reader(DE_MOVIE, lazy=lazy)[0], rsciio(DE_MOVIE, lazy=lazy)
    np.testing.assert_array_equal(np.asarray(ours["data"]), np.asarray(theirs["data"]))
    assert [(a["name"], a["size"], a["navigate"]) for a in ours["axes"]] == \
        [(a["name"], a["size"], a["navigate"]) for a in theirs["axes"]]
    # documented difference: the scales come from the info file (RosettaSciIO forces 1)
    assert [a["scale"] for a in ours["axes"]] == [0.2, 0.1, 0.1, 0.1]
    assert [a["units"] for a in ours["axes"]] == ["nm", "nm", "nm^-1", "nm^-1"]
    nav = ours["metadata"]["_HyperSpy"]["navigators"]
    assert sorted(nav) == sorted(theirs["metadata"]["_HyperSpy"]["navigators"]) == \
        ["_sig_Ext 1", "_sig_Virt 0", "_sig_Virt 1"]
    # each navigator comes from its own file (RosettaSciIO can swap them)
    assert nav["_sig_Virt 0"]["metadata"]["General"]["original_filename"] == "20241021_00405_0_Virt 0_sum.mrc"
    assert nav["_sig_Virt 1"]["metadata"]["General"]["original_filename"] == "20241021_00405_1_Virt 1_sum.mrc"
    navigator = ours["metadata"]["_HyperSpy"]["_sig_navigator"]
    assert navigator["metadata"]["General"]["original_filename"] == "20241021_00405_0_Virt 0_sum.mrc"
    assert navigator["data"].shape == (4, 8)
    assert [a["scale"] for a in navigator["axes"]] == [0.2, 0.1]
    # typed DE values (RosettaSciIO: '1000', 'DESim', '700' as text)
    tem = ours["metadata"]["Acquisition_instrument"]["TEM"]
    peer_tem = theirs["metadata"]["Acquisition_instrument"]["TEM"]
    assert (tem["magnification"], tem["detector"], tem["frames_per_second"]) == (1000.0, "DESim", 700.0)
    assert (float(peer_tem["magnification"]), peer_tem["detector"], float(peer_tem["frames_per_second"])) == \
        (1000.0, "DESim", 700.0)
    assert ours["original_metadata"]["de_metadata"] == theirs["original_metadata"]["de_metadata"]
    assert ours["metadata"]["General"]["timestamp"] == int(theirs["metadata"]["General"]["timestamp"])


def test_documented_api_places_virtual_and_external_images():
    ours = file_reader(DE_MOVIE)[0]
    general = ours["metadata"]["General"]
    assert [v["_sig_"]["metadata"]["General"]["original_filename"] for v in general["virtual_images"]] == \
        ["20241021_00405_0_Virt 0_sum.mrc", "20241021_00405_1_Virt 1_sum.mrc"]
    assert general["external_detectors"][0]["_sig_"]["metadata"]["General"]["original_filename"] == \
        "20241021_00405_ext1_Ext 1.mrc"
    with mrcschema.open(CORPUS / "rsciio" / "20241021_00405_ext1_Ext 1.mrc") as f:
        assert f.data.shape == (1, 4, 8)  # one section of a volume (ISPG 1): mrcfile's (1, ny, nx)
        np.testing.assert_array_equal(general["external_detectors"][0]["_sig_"]["data"], f.data[0])


def test_pathlib_path_and_explicit_files_are_never_overwritten(tmp_path):
    ours = file_reader(pathlib.Path(DE_MOVIE), virtual_images=[CORPUS / "rsciio" / "20241021_00405_final.mrc"])[0]
    nav = ours["metadata"]["_HyperSpy"]["navigators"]
    assert sorted(nav) == ["_sig_Ext 1", "_sig_virtual_image_0"]
    assert nav["_sig_virtual_image_0"]["metadata"]["General"]["original_filename"] == "20241021_00405_final.mrc"


@pytest.mark.parametrize("info,shape,names", [
    ("3DSTEM_scan_info.txt", (32, 4, 8), ["time", "ky", "kx"]),
    ("3DTEM_scan_info.txt", (32, 4, 8), ["time", "y", "x"]),
    ("3DTEMDiffracting_scan_info.txt", (32, 4, 8), ["time", "ky", "kx"]),
])
def test_de_movie_with_explicit_info_files(info, shape, names):
    info_path = CORPUS / "rsciio" / info
    ours, theirs = file_reader(DE_MOVIE, metadata_file=info_path)[0], rsciio(DE_MOVIE, metadata_file=str(info_path))
    assert ours["data"].shape == theirs["data"].shape == shape
    assert [a["name"] for a in ours["axes"]] == [a["name"] for a in theirs["axes"]] == names
    assert ours["axes"][0]["scale"] == float(theirs["axes"][0]["scale"]) == 2.5e-05  # 1 / 40000 fps
    assert ours["axes"][0]["units"] == "s" and isinstance(ours["axes"][1]["scale"], float)
    assert ours["metadata"]["Signal"]["Noise_properties"]["gain_factor"] == \
        theirs["metadata"]["Signal"]["Noise_properties"]["gain_factor"]


def test_random_scan_placed_by_coordinates_matches_rosettasciio():
    movie = CORPUS / "rsciio" / "ROI_Random_Scan_movie.mrc"
    kwargs = dict(metadata_file=CORPUS / "rsciio" / "ROI_Random_Scan_info.txt",
                  scan_file=CORPUS / "rsciio" / "ROI_Random_Scan_scan_coordinates.csv")
    ours = file_reader(movie, **kwargs)[0]
    theirs = rsciio(movie, **{k: str(v) for k, v in kwargs.items()})
    assert ours["data"].shape == (29, 12, 16, 16)
    np.testing.assert_array_equal(ours["data"], theirs["data"])
    lazy = file_reader(movie, lazy=True, chunks=(10, 5, -1, -1), **kwargs)[0]["data"]
    np.testing.assert_array_equal(lazy.compute(), theirs["data"])
    with mrcschema.open(CORPUS / "rsciio" / "ROI_Random_Scan_Sum.mrc") as total:
        # RosettaSciIO checks the same with assert_almost_equal(decimal=-1): |difference| < 15
        assert total.data.shape == (1, 29, 12)  # ISPG 1, NZ 1
        np.testing.assert_allclose(ours["data"].sum(axis=(2, 3)), total.data[0], rtol=0, atol=15)


def test_custom_scan_repeats_become_a_leading_axis():
    movie = CORPUS / "rsciio" / "Custom_movie.mrc"
    ours = file_reader(movie)[0]  # discovers Custom_info.txt and Custom_scan_coordinates.csv
    theirs = rsciio(movie, metadata_file=str(CORPUS / "rsciio" / "Custom_info.txt"),
                    scan_file=str(CORPUS / "rsciio" / "Custom_scan_coordinates.csv"))
    assert ours["data"].shape == (2, 5, 5, 16, 16) and theirs["data"].shape == (5, 5, 2, 16, 16)
    np.testing.assert_array_equal(ours["data"], np.moveaxis(theirs["data"], 2, 0))
    assert [a["name"] for a in ours["axes"]] == ["repeat", "y", "x", "ky", "kx"]
    assert np.all(ours["data"][:, :, 1] == 0) and np.all(ours["data"][:, :, 3] == 0)


def test_non_raster_scan_without_coordinates_is_a_clear_error():
    with pytest.raises(ValueError, match="Scan - Type is 'XY File': a scan position file"):
        file_reader(CORPUS / "rsciio" / "Custom_movie.mrc", metadata_file=CORPUS / "rsciio" / "Custom_info.txt")


def stand_in_4dstem(tmp_path, write_with_mrcfile, frames=256, order="<"):
    """Velox-like 4D-STEM stand-in: frame i filled with i (RosettaSciIO's 4DSTEMscan.mrc is not shipped)."""
    data = np.broadcast_to(np.arange(frames, dtype=order + "u2")[:, None, None], (frames, 16, 16)).copy()
    return write_with_mrcfile(data, name="4DSTEMscan.mrc", layout="stack")


@pytest.mark.parametrize("nav", [(16, 16), (8, 32), (8, 16, 2)])
def test_navigation_shape_reshapes_frames_like_rosettasciio(tmp_path, write_with_mrcfile, nav):
    path = stand_in_4dstem(tmp_path, write_with_mrcfile)
    ours, theirs = file_reader(path, navigation_shape=nav)[0], rsciio(path, navigation_shape=nav)
    assert ours["data"].shape == theirs["data"].shape == nav[::-1] + (16, 16)
    np.testing.assert_array_equal(ours["data"], theirs["data"])
    assert [a["name"] for a in ours["axes"]] == ["z", "y", "x", "ky", "kx"][-len(ours["axes"]):] \
        if len(nav) == 3 else ["y", "x", "ky", "kx"]
    assert [a["navigate"] for a in ours["axes"]] == [True] * len(nav) + [False, False]


def test_navigation_shape_mismatch_names_both_numbers(tmp_path, write_with_mrcfile):
    path = stand_in_4dstem(tmp_path, write_with_mrcfile)
    with pytest.raises(MrcFormatError, match=r"navigation_shape \(10, 10\) holds 100 frames, the file has 256"):
        file_reader(path, navigation_shape=(10, 10))


def test_chunks_auto_keeps_signal_axes_whole_and_tuple_dict_work(tmp_path, write_with_mrcfile):
    path = stand_in_4dstem(tmp_path, write_with_mrcfile)
    auto = file_reader(path, lazy=True, navigation_shape=(8, 32))[0]["data"]
    assert auto.chunks[-2:] == ((16,), (16,))
    given = file_reader(path, lazy=True, navigation_shape=(8, 32), chunks=(16, 4, 16, 16))[0]["data"]
    assert given.chunks == ((16, 16), (4, 4), (16,), (16,))
    as_dict = file_reader(path, lazy=True, navigation_shape=(8, 32), chunks={0: 8})[0]["data"]
    assert as_dict.chunks[0] == (8, 8, 8, 8)
    expected = np.arange(256).reshape(32, 8)
    for array in (auto, given, as_dict):
        np.testing.assert_array_equal(array[..., 0, 0].compute(), expected)


def test_lazy_graph_holds_no_data_and_pickles_small(tmp_path, write_with_mrcfile):
    import pickle

    path = stand_in_4dstem(tmp_path, write_with_mrcfile)
    lazy = file_reader(path, lazy=True, chunks=(64, -1, -1))[0]["data"]
    graph = dict(lazy.__dask_graph__())
    assert len(graph) == 4
    assert len(pickle.dumps(graph)) < 4000  # filename, offsets and slices only (the data is 128 KiB)


@pytest.mark.parametrize("mode,writable", [(None, True), ("c", True), ("r", False)])
def test_not_lazy_maps_instead_of_reading(tmp_path, write_with_mrcfile, mode, writable):
    path = stand_in_4dstem(tmp_path, write_with_mrcfile)
    data = file_reader(path, mmap_mode=mode)[0]["data"]
    assert isinstance(data, np.memmap) and data._mmap is not None
    assert data.flags.writeable is writable


def test_mmap_mode_r_plus_writes_and_lazy_r_plus_refused(tmp_path, write_with_mrcfile):
    path = stand_in_4dstem(tmp_path, write_with_mrcfile)
    data = file_reader(path, mmap_mode="r+")[0]["data"]
    data[3, 0, 0] = 999
    data.flush()
    del data
    with mrcschema.open(path) as f:
        assert f.data[3, 0, 0] == 999
    with pytest.raises(ValueError, match="mmap_mode='r\\+' cannot be used with lazy=True"):
        file_reader(path, lazy=True, mmap_mode="r+")


@pytest.mark.parametrize("dtype", ["<f4", ">f4", ">i2", "i1"])
def test_byte_order_detected_and_mode_0_signed(write_with_mrcfile, dtype):
    data = sample_data(dtype, (3, 4, 5))
    path = write_with_mrcfile(data, layout="stack")
    ours = file_reader(path)[0]
    np.testing.assert_array_equal(ours["data"], data)
    assert ours["data"].dtype == np.dtype(dtype)
    if dtype == ">f4":
        with pytest.raises(ValueError, match="Unrecognised mode"):
            rsciio(path)  # RosettaSciIO needs endianness=">" and still returns swapped data
    if dtype == "i1":
        assert rsciio(path)["data"].dtype == np.uint8  # RosettaSciIO reads mode 0 unsigned


def test_endianness_arguments_override(write_with_mrcfile):
    path = write_with_mrcfile(sample_data("<f4", (2, 3, 4)), layout="stack")
    with pytest.raises(MrcFormatError, match="unknown mode"):
        file_reader(path, endianness=">")
    with pytest.raises(MrcFormatError, match="unknown mode"):
        file_reader(path, endianess=">")
    assert file_reader(path, endianness="<")[0]["data"].dtype == np.dtype("<f4")


def test_volume_stack_keeps_4d_shape(write_with_mrcfile):
    data = sample_data("<f4", (2, 3, 4, 5))
    ours = file_reader(write_with_mrcfile(data, voxel_size=2.0))[0]
    assert ours["data"].shape == (2, 3, 4, 5)
    assert [(a["name"], a["navigate"]) for a in ours["axes"]] == \
        [("volume", True), ("z", True), ("y", False), ("x", False)]
    assert [a["scale"] for a in ours["axes"]] == [1.0, 0.2, 0.2, 0.2]


def test_fei2_metadata_reaches_hyperspy_metadata():
    ours = file_reader(CORPUS / "rsciio" / "HAADFscan.mrc")[0]
    tem = ours["metadata"]["Acquisition_instrument"]["TEM"]
    assert tem["beam_energy"] == 300.0 and tem["microscope"] == "Spectra"
    assert tem["acquisition_mode"] == "STEM" and tem["camera_length"] == pytest.approx(91.1)
    assert tem["Detector"]["STEM"]["name"] == "HAADF"
    assert ours["original_metadata"]["extended_header"]["type"] == "FEI2"
    assert ours["metadata"]["General"]["date"] == "2022-12-05"


def test_old_fei_block_keys_match_rosettasciio_mapping(tmp_path):
    from test_extended import legacy_fei_file

    path = legacy_fei_file(tmp_path / "tomo.mrc")
    ours, theirs = file_reader(path)[0], rsciio(path)
    for source, (target, _) in theirs["mapping"].items():
        field = source.split(".")[1]
        value = get(ours["metadata"], target.split("."))
        expected = theirs["original_metadata"]["fei_header"][field][0]
        if target.endswith(("Stage.x", "Stage.y", "Stage.z")):
            assert value == pytest.approx(float(expected) * 1e3, rel=1e-6)  # m -> mm, HyperSpy's unit
        else:
            assert value == pytest.approx(float(expected)), target
    assert ours["axes"][1]["scale"] == pytest.approx(float(theirs["axes"][1]["scale"]), rel=1e-6)


def synthetic_de(tmp_path, write_with_mrcfile, info_lines, frames, name="20250101_00001"):
    data = np.arange(frames * 4 * 6, dtype="<u2").reshape(frames, 4, 6)
    movie = write_with_mrcfile(data, name=f"{name}_movie.mrc", layout="stack")
    (tmp_path / f"{name}_info.txt").write_text("\n".join(info_lines) + "\n")
    return movie, data


RASTER = ["Scan - Enable = Enable", "Scan - Type = Raster", "Scan - Size X = 3", "Scan - Size Y = 2",
          "Specimen Pixel Size X (nanometers) = 0.5", "Specimen Pixel Size Y (nanometers) = 0.25",
          "Diffraction Pixel Size X = 0.01", "Diffraction Pixel Size Y = 0.02", "Frames Per Second = 100"]


def test_synthetic_raster_with_repeats(tmp_path, write_with_mrcfile):
    lines = RASTER + ["Scan - Repeats = 2", "Scan - Time (seconds) = 2"]
    movie, data = synthetic_de(tmp_path, write_with_mrcfile, lines, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the info file and the movie agree: nothing to warn about
        ours = file_reader(movie)[0]
    assert ours["data"].shape == (2, 2, 3, 4, 6)
    np.testing.assert_array_equal(ours["data"].reshape(12, 4, 6), data)
    assert [(a["name"], a["scale"], a["units"]) for a in ours["axes"]] == [
        ("repeat", 2.0, "s"), ("y", 0.25, "nm"), ("x", 0.5, "nm"), ("ky", 0.02, "nm^-1"), ("kx", 0.01, "nm^-1")]


@pytest.mark.parametrize("repeats_line", ["Scan - Repeats = 1", None])
def test_whole_scans_other_than_the_info_repeats_are_read_as_repeats_with_a_warning(
        tmp_path, write_with_mrcfile, repeats_line):
    """A 2 x 2 raster scan whose info file gives 1 repeat (or none) and a movie of 8 frames: read as 2
    repeats, with a warning that says so; the validator reports the same, as a DE-REPEATS warning."""
    lines = ["Scan - Enable = Enable", "Scan - Type = Raster", "Scan - Size X = 2", "Scan - Size Y = 2"]
    data = np.arange(8 * 3 * 3, dtype="<u2").reshape(8, 3, 3)
    movie = write_with_mrcfile(data, name="20250101_00001_movie.mrc", layout="stack")
    (tmp_path / "20250101_00001_info.txt").write_text("\n".join(lines + ([repeats_line] if repeats_line else [])))
    with pytest.warns(mrcschema.MrcWarning, match="NZ is 8, 2 repeats of the 2 x 2 raster scan") as caught:
        ours = file_reader(movie)[0]
    assert ours["data"].shape == (2, 2, 2, 3, 3)
    np.testing.assert_array_equal(ours["data"].reshape(8, 3, 3), data)
    assert [a["name"] for a in ours["axes"]] == ["repeat", "y", "x", "ky", "kx"]
    (finding,) = [f for f in mrcschema.validate(movie) if f.rule.startswith("DE-")]
    assert (finding.severity, finding.rule) == ("warning", "DE-REPEATS")
    assert finding.message.startswith(str(caught[0].message).split(": ", 1)[1])


def test_synthetic_roi_overrides_scan_size(tmp_path, write_with_mrcfile):
    lines = RASTER + ["Scan - ROI Enable = Enable", "Scan - ROI Size X = 2", "Scan - ROI Size Y = 2"]
    movie, _ = synthetic_de(tmp_path, write_with_mrcfile, lines, 4)
    assert file_reader(movie)[0]["data"].shape == (2, 2, 4, 6)


def test_synthetic_frames_not_matching_scan_is_an_error(tmp_path, write_with_mrcfile):
    movie, _ = synthetic_de(tmp_path, write_with_mrcfile, RASTER, 7)
    with pytest.raises(MrcFormatError, match="the 3 x 2 scan of .*_info.txt holds 6 frames, the file has 7"):
        file_reader(movie)


def test_synthetic_non_raster_with_repeats(tmp_path, write_with_mrcfile):
    lines = RASTER[:1] + ["Scan - Type = Random", "Scan - Size X = 2", "Scan - Size Y = 2"]
    movie, data = synthetic_de(tmp_path, write_with_mrcfile, lines, 5)
    (tmp_path / "20250101_00001_scan_coordinates.csv").write_text("1,0\n0,1\n1,0\n0,0\n1,1\n")
    ours = file_reader(movie)[0]["data"]
    assert ours.shape == (2, 2, 2, 4, 6)
    np.testing.assert_array_equal(ours[0, 0, 1], data[0])  # x=1, y=0 first visit
    np.testing.assert_array_equal(ours[1, 0, 1], data[2])  # second visit
    np.testing.assert_array_equal(ours[1, 1, 1], 0)  # never visited twice


def test_synthetic_missing_and_garbled_keys_warn_and_fall_back(tmp_path, write_with_mrcfile):
    lines = ["Scan - Enable = Enable", "this line has no equals sign", "Scan - Size X = three",
             "Scan - Size Y = 2", "Frames Per Second = 50"]
    movie, _ = synthetic_de(tmp_path, write_with_mrcfile, lines, 6)
    with pytest.warns(mrcschema.MrcWarning) as caught:
        with pytest.raises(MrcFormatError, match="gives no 'Scan - Size X/Y'"):
            file_reader(movie)
    messages = [str(w.message).split(", ", 1)[1] for w in caught]
    assert messages[0].startswith("line 2: ") and messages[1].startswith("line 3: 'Scan - Size X' = 'three'")
    lines = ["Frames Per Second = 50", "Specimen Pixel Size X (nanometers) = -1"]
    movie, _ = synthetic_de(tmp_path, write_with_mrcfile, lines, 6, name="20250101_00002")
    ours = file_reader(movie)[0]
    assert [(a["name"], a["scale"], a["units"]) for a in ours["axes"]] == [
        ("time", 0.02, "s"), ("y", 1.0, None), ("x", 1.0, None)]


def test_compressed_file_through_file_reader():
    path = next(p for p in CORPUS_MRC if p.name == "emd_3001.map.gz")
    plain = next(p for p in CORPUS_MRC if p.name == "EMD-3001.map")
    np.testing.assert_array_equal(file_reader(path)[0]["data"], file_reader(plain)[0]["data"])
    np.testing.assert_array_equal(file_reader(path, lazy=True)[0]["data"].compute(), file_reader(plain)[0]["data"])


@pytest.mark.slow
def test_distributed_sum_on_two_process_workers(tmp_path, write_with_mrcfile):
    from dask.distributed import Client, LocalCluster

    path = stand_in_4dstem(tmp_path, write_with_mrcfile)
    data = file_reader(path, lazy=True, distributed=True, navigation_shape=(16, 16), chunks=(4, 16, -1, -1))[0]["data"]
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                      host="127.0.0.1") as cluster, \
            Client(cluster) as client:
        total = client.compute(data.sum(dtype=np.int64)).result()
    assert total == sum(range(256)) * 256
