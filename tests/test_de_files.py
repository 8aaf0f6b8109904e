"""Tests of mrcschema.de.files and mrcschema.de.frames: DE file discovery, scan coordinates, frame
placement and the expected number of frames."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from mrcschema.de.files import (
    DeFileSet,
    DeImage,
    ScanPlacement,
    dedupe_names,
    find_de_files,
    place_frames,
    read_scan_coordinates,
)
from mrcschema.de.frames import FrameCount, expected_frames
from mrcschema.de.info import parse_info_text, read_info_file
from mrcschema.errors import MrcFormatError

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
RSCIIO = CORPUS / "rsciio"
ACQ = "20241021_00405"


def copy_as(directory: Path, renames: dict[str, str]) -> None:
    """Copy corpus files (small ones only) under new names."""
    directory.mkdir(parents=True, exist_ok=True)
    for source, target in renames.items():
        shutil.copyfile(RSCIIO / source, directory / target)


def test_corpus_de_server_acquisition():
    files = find_de_files(RSCIIO / f"{ACQ}_movie.mrc")
    assert files == DeFileSet(
        movie=RSCIIO / f"{ACQ}_movie.mrc",
        stem=ACQ,
        info=RSCIIO / f"{ACQ}_info.txt",
        virtual_images=(DeImage(0, "Virt 0", RSCIIO / f"{ACQ}_0_Virt 0_sum.mrc"),
                        DeImage(1, "Virt 1", RSCIIO / f"{ACQ}_1_Virt 1_sum.mrc")),
        external_images=(DeImage(1, "Ext 1", RSCIIO / f"{ACQ}_ext1_Ext 1.mrc"),),
        scan_coordinates=None,
        final_image=RSCIIO / f"{ACQ}_final.mrc",
        sum_image=None,
    )
    # str input gives the same result; tuples unpack as (index, name, path)
    assert find_de_files(str(RSCIIO / f"{ACQ}_movie.mrc")) == files
    index, name, path = files.virtual_images[1]
    assert (index, name, path.name) == (1, "Virt 1", f"{ACQ}_1_Virt 1_sum.mrc")
    assert files.navigator_names() == [("Virt 0", RSCIIO / f"{ACQ}_0_Virt 0_sum.mrc"),
                                       ("Virt 1", RSCIIO / f"{ACQ}_1_Virt 1_sum.mrc"),
                                       ("Ext 1", RSCIIO / f"{ACQ}_ext1_Ext 1.mrc")]


def test_corpus_same_files_as_rsciio():
    from rsciio.mrc._api import find_related_de_files

    ours = find_de_files(RSCIIO / f"{ACQ}_movie.mrc")
    theirs = find_related_de_files(str(RSCIIO / f"{ACQ}_movie.mrc"))
    assert str(ours.info) == theirs["info_file"]
    assert [str(im.path) for im in ours.virtual_images] == theirs["virtual_images"]
    assert [str(im.path) for im in ours.external_images] == theirs["external_images"]
    assert sorted(im.name for im in ours.virtual_images) == sorted(theirs["virtual_image_names"])
    assert [im.name for im in ours.external_images] == theirs["external_image_names"]
    assert theirs["scan_csv"] is None and ours.scan_coordinates is None


def test_corpus_prefix_movies():
    custom = find_de_files(RSCIIO / "Custom_movie.mrc")
    assert custom == DeFileSet(movie=RSCIIO / "Custom_movie.mrc", stem="Custom",
                               info=RSCIIO / "Custom_info.txt",
                               scan_coordinates=RSCIIO / "Custom_scan_coordinates.csv")
    roi = find_de_files(str(RSCIIO / "ROI_Random_Scan_movie.mrc"))
    assert roi == DeFileSet(movie=RSCIIO / "ROI_Random_Scan_movie.mrc", stem="ROI_Random_Scan",
                            info=RSCIIO / "ROI_Random_Scan_info.txt",
                            scan_coordinates=RSCIIO / "ROI_Random_Scan_scan_coordinates.csv",
                            sum_image=RSCIIO / "ROI_Random_Scan_Sum.mrc")


def test_not_a_movie_name():
    assert find_de_files(RSCIIO / "HAADFscan.mrc") == DeFileSet(movie=RSCIIO / "HAADFscan.mrc")
    assert find_de_files(RSCIIO / f"{ACQ}_final.mrc").info is None


def test_de_server_2_7_5_movie_number(tmp_path):
    """2.7.5 writes ``<acq>_0_movie.mrc`` next to ``<acq>_info.txt`` and '#' in names."""
    acq = "20250429_06699"
    copy_as(tmp_path, {f"{ACQ}_movie.mrc": f"{acq}_0_movie.mrc",
                       f"{ACQ}_info.txt": f"{acq}_info.txt",
                       f"{ACQ}_0_Virt 0_sum.mrc": f"{acq}_0_Virt #0_total_sum.mrc",
                       f"{ACQ}_1_Virt 1_sum.mrc": f"{acq}_1_Virt #1_sum.mrc",
                       f"{ACQ}_ext1_Ext 1.mrc": f"{acq}_ext1_Ext #1.mrc",
                       f"{ACQ}_final.mrc": f"{acq}_final.mrc",
                       "Custom_scan_coordinates.csv": f"{acq}_scan_coordinates.csv"})
    copy_as(tmp_path, {f"{ACQ}_movie.mrc": f"{acq}_1_movie.mrc"})  # a second autosave movie
    files = find_de_files(tmp_path / f"{acq}_0_movie.mrc")
    assert files.stem == acq
    assert files.info == tmp_path / f"{acq}_info.txt"
    assert files.virtual_images == (DeImage(0, "Virt #0", tmp_path / f"{acq}_0_Virt #0_total_sum.mrc"),
                                    DeImage(1, "Virt #1", tmp_path / f"{acq}_1_Virt #1_sum.mrc"))
    assert files.external_images == (DeImage(1, "Ext #1", tmp_path / f"{acq}_ext1_Ext #1.mrc"),)
    assert files.final_image == tmp_path / f"{acq}_final.mrc"
    assert files.scan_coordinates == tmp_path / f"{acq}_scan_coordinates.csv"
    # the names in the files are the names the info file declares
    info = read_info_file(files.info)
    assert {im.number: im.name for im in files.virtual_images} == {
        i: n for i, n in info.virtual_detector_names.items() if i < 2}
    assert {im.number: im.name for im in files.external_images} == {1: info.external_detector_names[1]}


def test_suffix_keeps_sub_acquisitions_apart(tmp_path):
    acq = "20250101_00007"
    copy_as(tmp_path, {f"{ACQ}_movie.mrc": f"{acq}_sfx_1_movie.mrc",
                       f"{ACQ}_info.txt": f"{acq}_sfx_info.txt",
                       f"{ACQ}_0_Virt 0_sum.mrc": f"{acq}_sfx_0_BF_sum.mrc",
                       f"{ACQ}_ext1_Ext 1.mrc": f"{acq}_sfx_ext2.mrc",
                       f"{ACQ}_final.mrc": f"{acq}_sfx_final.mrc"})
    copy_as(tmp_path, {f"{ACQ}_info.txt": f"{acq}_other_info.txt",
                       f"{ACQ}_1_Virt 1_sum.mrc": f"{acq}_other_0_DF_sum.mrc",
                       f"{ACQ}_ext1_Ext 1.mrc": f"{acq}_other_ext1_HAADF.mrc",
                       f"{ACQ}_final.mrc": f"{acq}_final.mrc"})
    files = find_de_files(tmp_path / f"{acq}_sfx_1_movie.mrc")
    assert files == DeFileSet(movie=tmp_path / f"{acq}_sfx_1_movie.mrc", stem=f"{acq}_sfx",
                              info=tmp_path / f"{acq}_sfx_info.txt",
                              virtual_images=(DeImage(0, "BF", tmp_path / f"{acq}_sfx_0_BF_sum.mrc"),),
                              external_images=(DeImage(2, "ext2", tmp_path / f"{acq}_sfx_ext2.mrc"),),
                              final_image=tmp_path / f"{acq}_sfx_final.mrc")
    # the info file may also carry only the acquisition id
    (tmp_path / f"{acq}_sfx_info.txt").rename(tmp_path / f"{acq}_info.txt")
    files = find_de_files(tmp_path / f"{acq}_sfx_1_movie.mrc")
    assert files.stem == acq and files.info == tmp_path / f"{acq}_info.txt"
    assert files.virtual_images == () and files.final_image == tmp_path / f"{acq}_final.mrc"


def test_documented_uniqueid_naming(tmp_path):
    """rsciio's docs: uniqueid_suffix_movie.mrc, _info.txt, _ext1_extName.mrc, _1_virtualName.mrc."""
    stem = "uniqueid_suffix"
    copy_as(tmp_path, {f"{ACQ}_movie.mrc": f"{stem}_movie.mrc",
                       f"{ACQ}_info.txt": f"{stem}_info.txt",
                       f"{ACQ}_ext1_Ext 1.mrc": f"{stem}_ext1_extName.mrc",
                       f"{ACQ}_0_Virt 0_sum.mrc": f"{stem}_1_virtualName.mrc",
                       f"{ACQ}_1_Virt 1_sum.mrc": f"{stem}_10_Ten_sum.mrc",
                       f"{ACQ}_final.mrc": f"{stem}_virt2_Two_total_sum.mrc"})
    copy_as(tmp_path, {f"{ACQ}_final.mrc": "uniqueid_info.txt"})  # shorter stem: not ours
    files = find_de_files(tmp_path / f"{stem}_movie.mrc")
    assert files.stem == stem and files.info == tmp_path / f"{stem}_info.txt"
    assert files.virtual_images == (DeImage(1, "virtualName", tmp_path / f"{stem}_1_virtualName.mrc"),
                                    DeImage(2, "Two", tmp_path / f"{stem}_virt2_Two_total_sum.mrc"),
                                    DeImage(10, "Ten", tmp_path / f"{stem}_10_Ten_sum.mrc"))
    assert files.external_images == (DeImage(1, "extName", tmp_path / f"{stem}_ext1_extName.mrc"),)
    # a trailing movie number on a non-date stem
    (tmp_path / f"{stem}_movie.mrc").rename(tmp_path / f"{stem}_3_movie.mrc")
    assert find_de_files(tmp_path / f"{stem}_3_movie.mrc").info == tmp_path / f"{stem}_info.txt"


def test_odd_directory_and_names_sorted_by_index(tmp_path):
    """Spaces and glob characters in the directory; indices 2 and 10 in numeric order;
    names paired with their own files."""
    directory = tmp_path / "run [1] * copy"
    copy_as(directory, {f"{ACQ}_movie.mrc": f"{ACQ}_movie.mrc",
                        f"{ACQ}_info.txt": f"{ACQ}_info.txt",
                        f"{ACQ}_0_Virt 0_sum.mrc": f"{ACQ}_10_Zeta_sum.mrc",
                        f"{ACQ}_1_Virt 1_sum.mrc": f"{ACQ}_2_Alpha_sum.mrc",
                        f"{ACQ}_ext1_Ext 1.mrc": f"{ACQ}_ext3.mrc",
                        f"{ACQ}_final.mrc": f"{ACQ}_ext1_Beam Current.mrc"})
    files = find_de_files(directory / f"{ACQ}_movie.mrc")
    assert files.info == directory / f"{ACQ}_info.txt"
    assert files.virtual_images == (DeImage(2, "Alpha", directory / f"{ACQ}_2_Alpha_sum.mrc"),
                                    DeImage(10, "Zeta", directory / f"{ACQ}_10_Zeta_sum.mrc"))
    assert files.external_images == (DeImage(1, "Beam Current", directory / f"{ACQ}_ext1_Beam Current.mrc"),
                                     DeImage(3, "ext3", directory / f"{ACQ}_ext3.mrc"))


def test_detector_names_with_underscores(tmp_path):
    copy_as(tmp_path, {f"{ACQ}_movie.mrc": f"{ACQ}_movie.mrc",
                       f"{ACQ}_0_Virt 0_sum.mrc": f"{ACQ}_0_BF_inner_total_sum.mrc",
                       f"{ACQ}_1_Virt 1_sum.mrc": f"{ACQ}_1_DF_sum.mrc"})
    movie = tmp_path / f"{ACQ}_movie.mrc"
    assert [im.name for im in find_de_files(movie).virtual_images] == ["BF", "DF"]
    hinted = find_de_files(movie, detector_names={0: "BF_inner", 1: "Other"})
    assert [im.name for im in hinted.virtual_images] == ["BF_inner", "DF"]
    assert hinted.info is None and hinted.stem == ACQ


def test_dedupe_names():
    assert dedupe_names(["BF", "BF"]) == ["BF", "BF_1"]
    assert dedupe_names(["BF", "BF", "BF_1", "BF"]) == ["BF", "BF_1", "BF_1_1", "BF_2"]
    assert dedupe_names([]) == []


def test_navigator_names_unique_across_kinds(tmp_path):
    copy_as(tmp_path, {f"{ACQ}_movie.mrc": f"{ACQ}_movie.mrc",
                       f"{ACQ}_0_Virt 0_sum.mrc": f"{ACQ}_0_HAADF_sum.mrc",
                       f"{ACQ}_ext1_Ext 1.mrc": f"{ACQ}_ext1_HAADF.mrc"})
    names = [n for n, _ in find_de_files(tmp_path / f"{ACQ}_movie.mrc").navigator_names()]
    assert names == ["HAADF", "HAADF_1"]


# --- scan coordinates ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Custom_scan_coordinates.csv", "ROI_Random_Scan_scan_coordinates.csv"])
def test_read_scan_coordinates_matches_rsciio(name):
    positions = read_scan_coordinates(RSCIIO / name)
    expected = np.loadtxt(RSCIIO / name, delimiter=",", dtype=int)[:, ::-1]
    assert positions.dtype == np.int64
    np.testing.assert_array_equal(positions, expected)


def test_read_scan_coordinates_values():
    positions = read_scan_coordinates(str(RSCIIO / "Custom_scan_coordinates.csv"))
    assert positions.shape == (30, 2)
    assert positions[:6].tolist() == [[0, 0], [1, 0], [2, 0], [3, 0], [4, 0], [0, 2]]
    roi = read_scan_coordinates(RSCIIO / "ROI_Random_Scan_scan_coordinates.csv")
    assert roi.shape == (348, 2)
    assert roi[:2].tolist() == [[12, 7], [18, 11]]  # file: "7,12", "11,18"
    assert roi.min(axis=0).tolist() == [0, 0] and roi.max(axis=0).tolist() == [28, 11]


@pytest.mark.parametrize("content, message", [
    (b"", "no coordinates"),
    (b"\n \n", "no coordinates"),
    (b"0,0\n1;1\n", "line 2 is '1;1', expected 'x,y' integers"),
    (b"0,0\n1,1,1\n", "line 2 is '1,1,1', expected 'x,y' integers"),
    (b"1,1,1\n2,2,2\n", "line 1 is '1,1,1', expected 'x,y' integers"),
    (b"x,y\n0,0\n", "line 1 is 'x,y', expected 'x,y' integers"),
    (b"0,0\n1.5,2\n", "line 2 is '1.5,2', expected 'x,y' integers"),
    (b"0,0\n\n-1,2\n", "line 3 is '-1,2', expected non-negative positions"),
])
def test_read_scan_coordinates_malformed(tmp_path, content, message):
    path = tmp_path / "bad_scan_coordinates.csv"
    path.write_bytes(content)
    with pytest.raises(MrcFormatError, match=message.replace(".", r"\.")) as err:
        read_scan_coordinates(path)
    assert str(path) in str(err.value)


def test_read_scan_coordinates_crlf_and_spaces(tmp_path):
    path = tmp_path / "ok_scan_coordinates.csv"
    path.write_bytes(b"1, 2\r\n 3 ,4\r\n")
    assert read_scan_coordinates(path).tolist() == [[2, 1], [4, 3]]


def test_place_custom_scan_with_repeats():
    placement = place_frames(read_scan_coordinates(RSCIIO / "Custom_scan_coordinates.csv"))
    assert placement == ScanPlacement(repeats=2, grid=(5, 5), frames=placement.frames)
    assert placement.navigation_shape == (2, 5, 5)
    assert placement.frames[:3].tolist() == [[0, 0, 0], [0, 1, 0], [0, 2, 0]]
    assert placement.frames[15:18].tolist() == [[1, 0, 0], [1, 1, 0], [1, 2, 0]]
    frame_map = placement.frame_map()
    assert frame_map.shape == (2, 5, 5)
    assert frame_map[0].tolist() == [[0, -1, 5, -1, 10], [1, -1, 6, -1, 11], [2, -1, 7, -1, 12],
                                     [3, -1, 8, -1, 13], [4, -1, 9, -1, 14]]
    np.testing.assert_array_equal(frame_map[1], np.where(frame_map[0] >= 0, frame_map[0] + 15, -1))
    # with the info file's scan shape (x, y) = (5, 5) the result is the same
    info = read_info_file(RSCIIO / "Custom_info.txt")
    assert place_frames(read_scan_coordinates(RSCIIO / "Custom_scan_coordinates.csv"),
                        info.scan_shape) == placement


def test_place_roi_random_scan():
    positions = read_scan_coordinates(RSCIIO / "ROI_Random_Scan_scan_coordinates.csv")
    info = read_info_file(RSCIIO / "ROI_Random_Scan_info.txt")
    placement = place_frames(positions, info.scan_shape)
    assert placement == place_frames(positions)
    assert placement.repeats == 1 and placement.grid == (29, 12)
    assert placement.navigation_shape == (29, 12)
    frame_map = placement.frame_map()
    assert sorted(frame_map.ravel().tolist()) == list(range(348))  # every place visited once
    assert frame_map[0, 12, 7] == 0 and frame_map[0, 18, 11] == 1


def test_place_frames_options_and_errors():
    positions = np.array([[0, 1], [0, 1], [1, 0], [0, 1]])
    placement = place_frames(positions, scan_shape=(3, 2))  # (x, y): grid (2, 3)
    assert placement.grid == (2, 3) and placement.repeats == 3
    assert placement.frames.tolist() == [[0, 0, 1], [1, 0, 1], [0, 1, 0], [2, 0, 1]]
    assert placement.frame_map().tolist() == [[[-1, 0, -1], [2, -1, -1]],
                                              [[-1, 1, -1], [-1, -1, -1]],
                                              [[-1, 3, -1], [-1, -1, -1]]]
    with pytest.raises(MrcFormatError, match=r"reach \(y, x\) = \(1, 1\), expected inside the 1 x 2 scan"):
        place_frames(np.array([[1, 1]]), scan_shape=(1, 2))
    with pytest.raises(MrcFormatError, match="negative position -1"):
        place_frames(np.array([[0, -1]]))
    with pytest.raises(MrcFormatError, match="no scan positions"):
        place_frames(np.zeros((0, 2), dtype=int))


@pytest.mark.parametrize("stem", ["Custom", "ROI_Random_Scan"])
def test_placement_reproduces_rsciio_data(stem):
    """RosettaSciIO's 4-D/5-D array equals the movie frames put where frame_map says,
    in its own (y, x, repeat) order, with zeros at unvisited places."""
    from rsciio.mrc import file_reader

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        movie = file_reader(str(RSCIIO / f"{stem}_movie.mrc"), metadata_file=None)[0]["data"]
        placed = file_reader(str(RSCIIO / f"{stem}_movie.mrc"),
                             metadata_file=str(RSCIIO / f"{stem}_info.txt"),
                             scan_file=str(RSCIIO / f"{stem}_scan_coordinates.csv"))[0]["data"]
    files = find_de_files(RSCIIO / f"{stem}_movie.mrc")
    info = read_info_file(files.info)
    placement = place_frames(read_scan_coordinates(files.scan_coordinates), info.scan_shape)
    frame_map = placement.frame_map()
    assert len(movie) == len(placement.frames)
    ours = np.where((frame_map >= 0)[..., None, None], movie[np.maximum(frame_map, 0)], 0)
    ours = np.moveaxis(ours, 0, -3) if placement.repeats > 1 else ours[0]
    assert ours.shape == placed.shape == {"Custom": (5, 5, 2, 16, 16),
                                          "ROI_Random_Scan": (29, 12, 16, 16)}[stem]
    np.testing.assert_array_equal(ours, placed)


# --- expected frames -----------------------------------------------------------------------------

def info_of(*lines):
    return parse_info_text("\n".join(("Scan - Enable = Enable",) + lines) + "\n")


RASTER_3X2 = ("Scan - Type = Raster", "Scan - Size X = 3", "Scan - Size Y = 2")


@pytest.mark.parametrize("lines,frames,expected,repeats,inferred,mismatch,says", [
    (RASTER_3X2 + ("Scan - Repeats = 2",), 12, 12, 2, False, False, ""),  # as the info file says
    (RASTER_3X2 + ("Scan - Repeats = 1",), 12, 6, 2, True, False,  # whole scans: repeats inferred
     "NZ is 12, 2 repeats of the 3 x 2 raster scan, but the info file says Scan - Repeats = 1: 6 frames"),
    (RASTER_3X2 + ("Scan - Repeats = 3",), 6, 18, 1, True, False, "1 repeats"),  # fewer whole scans too
    (RASTER_3X2 + ("Scan - Repeats = 1",), 7, 6, None, False, True,  # not whole scans: an error
     "NZ is 7 but the info file implies 6 frames (raster scan 3 x 2 x 1 repeats)"),
    (RASTER_3X2 + ("Scan - Repeats = 1",), 0, 6, None, False, True, "implies 6 frames"),
    (RASTER_3X2 + ("Scan - ROI Enable = Enable", "Scan - ROI Size X = 2", "Scan - ROI Size Y = 2"),
     4, 4, 1, False, False, ""),
    (RASTER_3X2 + ("Scan - Repeats = 2", "Autosave Maximum Images Per File = 5"), 5, None, None, False, False,
     "split over files of at most 5 frames"),  # one file of a split movie: no count
    (RASTER_3X2 + ("Scan - Repeats = 2", "Autosave Maximum Images Per File = 6"), 6, None, 1, False, False,
     "split over files of at most 6 frames"),
    (("Scan - Type = Raster",), 5, None, None, False, False, ""),  # no scan size: no count
])
def test_expected_frames_of_raster_scans(lines, frames, expected, repeats, inferred, mismatch, says):
    count = expected_frames(info_of(*lines), frames)
    assert (count.expected, count.repeats, count.inferred, count.mismatch) == (expected, repeats, inferred, mismatch)
    assert says in count.message and bool(count.message) == bool(says)


def test_expected_frames_of_other_scans_and_movies():
    random = info_of("Scan - Type = Random", "Scan - Size X = 2", "Scan - Size Y = 2")
    assert expected_frames(random, 5) == FrameCount(5)  # no coordinates read: no count
    assert expected_frames(random, 5, coordinate_rows=5, coordinates_name="c.csv") == \
        FrameCount(5, 5, "Random scan, 5 rows in c.csv")
    short = expected_frames(random, 5, coordinate_rows=4, coordinates_name="c.csv")
    assert short.mismatch and short.message == "NZ is 5 but the info file implies 4 frames (Random scan, 4 rows in c.csv)"
    movie = parse_info_text("Scan - Enable = Disable\nScan - Size X = 3\nScan - Size Y = 2\n")
    assert expected_frames(movie, 7) == FrameCount(7)
