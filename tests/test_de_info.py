"""Tests of mrcschema.de.info against the real DE info files and RosettaSciIO's parser."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from mrcschema.de.info import (
    INFO_KEYS,
    MAX_INFO_BYTES,
    DeInfo,
    InfoType,
    lookup_key,
    parse_info_text,
    read_info_file,
)
from mrcschema.errors import MrcFormatError, MrcWarning

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
RSCIIO = CORPUS / "rsciio"
INFO_FILES = sorted(RSCIIO.glob("*info.txt")) + sorted((CORPUS / "de-info-history").iterdir())


def read_quietly(path) -> DeInfo:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_info_file(path)


def rsciio_original_metadata(path: Path) -> dict:
    """RosettaSciIO's own parse (all values text)."""
    from rsciio.mrc._api import read_de_metadata_file

    csv = path.with_name(path.name.replace("_info.txt", "_scan_coordinates.csv"))
    original, *_ = read_de_metadata_file(str(path), scan_pos_file=str(csv) if csv.exists() else None)
    return original


def test_corpus_has_all_info_files():
    assert [p.name for p in INFO_FILES] == [
        "20241021_00405_info.txt", "3DSTEM_scan_info.txt", "3DTEMDiffracting_scan_info.txt",
        "3DTEM_scan_info.txt", "Custom_info.txt", "ROI_Random_Scan_info.txt", "info.txt",
        "20241021_00405_info.txt.65c3f379", "20241021_00405_info.txt.pre-edit",
        "4DSTEM_scan_info.txt.4127d059", "4DSTEM_scan_info.txt.a100d489",
    ]


@pytest.mark.parametrize("path", INFO_FILES, ids=lambda p: p.name)
def test_corpus_file_parses_without_warning(path):
    info = read_quietly(path)
    lines = path.read_text().splitlines()
    assert len(info.raw) == len(lines)
    assert info.problems == ()
    assert info.source == str(path)
    # file order, and each key found on its own line
    assert list(info.raw) == [line.split("=", 1)[0].strip() for line in lines]
    assert all(lines[n - 1].startswith(key) for key, n in info.line_numbers.items())


@pytest.mark.parametrize("path", INFO_FILES, ids=lambda p: p.name)
def test_same_text_and_typed_values_as_rsciio(path):
    info = read_quietly(path)
    original = rsciio_original_metadata(path)
    assert info.raw == original
    for key, text in original.items():
        decl = lookup_key(key)
        if decl is None or decl.type is InfoType.STR:
            assert info.values[key] == text
        elif text == "":
            assert info.values[key] is None
        else:
            expected = decl.convert(text)
            assert info.values[key] == expected and type(info.values[key]) is type(expected)
    # the keys RosettaSciIO converts itself give the same numbers
    for key, convert in [("Instrument Project TEMorSTEM Mode", int), ("Scan - Size X", int),
                         ("Scan - Size Y", int), ("Image Size X (pixels)", int),
                         ("Frames Per Second", float), ("Autosave Movie Sum Count", float),
                         ("Instrument Project Camera Length (centimeters)", float),
                         ("ADUs Per Electron Bin1x", float)]:
        if key in original:
            assert info.values[key] == convert(original[key])


def test_20241021_00405_values():
    info = read_quietly(RSCIIO / "20241021_00405_info.txt")
    v = info.values
    assert len(info.raw) == 552
    assert v["Scan - Size X"] == 8 and v["Scan - Size Y"] == 4
    assert info.scan_shape == (8, 4)
    assert v["Server Software Version"] == "2.7.4.10190 (Debug Build)"
    assert info.timestamp == 1729539410
    assert v["Local time"] == "Mon Oct 21 14:36:50 2024"
    assert info.dataset_name == "20241021_00405"
    assert v["Camera Model"] == "DESim" and v["Camera Name"] == "DESim"
    assert v["Camera SN"] == "" and info.get_value("Camera SN") is None
    assert info.fps == 700.0 and info.sum_count == 1
    assert info.frame_time == 1 / 700
    assert v["Exposure Time (seconds)"] == 0.045712
    assert v["Frame Count"] == 32
    assert info.frame_shape == (8, 4)
    assert v["Scan - Dwell Time (microseconds)"] == 1464.212499
    assert v["Scan - Points"] == 32 and info.repeats == 1
    assert v["Scan - Enable"] is True and v["Scan - ROI Enable"] is False
    assert v["Scan - ROI Size X"] == 8 and v["Scan - ROI Offset X"] == 0
    assert info.scan_enabled and not info.roi_enabled
    assert info.scan_type == "Raster" and info.is_raster
    assert info.real_pixel_size == (0.1, 0.2)
    assert info.diffraction_pixel_size == (0.1, 0.1)
    assert info.camera_length == 0.1
    assert info.magnification == 1000.0
    assert v["Instrument Project TEMorSTEM Mode"] == -1
    assert info.get_value("Instrument Project TEMorSTEM Mode") is None
    assert info.is_stem and info.is_diffracting  # -1 falls back to Scan - Enable
    assert v["Instrument Accelerating Voltage (V)"] == 300000.0
    assert v["Autosave External Image 1"] is True and v["Autosave External Image 2"] is False
    assert v["Autosave External Image 1 File Path"] == (
        "D:DEOutput/RSCIIODATA\\20241021_00405_ext1_Ext #1.mrc")
    assert v["Autosave Maximum Images Per File"] == -1
    assert info.get_value("Autosave Maximum Images Per File") is None
    assert info.virtual_detector_names == {i: f"Virt #{i}" for i in range(5)}
    assert info.external_detector_names == {i: f"Ext #{i}" for i in range(1, 5)}
    assert v["Scan - Virtual Detector 0 Shape"] == "Ellipse"
    assert v["Scan - Virtual Detector 3 Shape"] == "Off"
    assert v["Scan - Virtual Detector 1 Calculation"] == "Sum"
    assert v["Scan - External Detector 1 Offset"] == 0.002443
    assert v["Threshold - Method"] == "FIXEDTOZERO"  # undeclared: text
    assert v["Instrument Project Magnification Allowed Values"] == ""  # "key =" with nothing after


def test_pre_edit_file_has_unset_pixel_sizes():
    info = read_quietly(CORPUS / "de-info-history" / "20241021_00405_info.txt.pre-edit")
    assert info.values["Specimen Pixel Size X (nanometers)"] == -1.0
    assert info.values["Diffraction Pixel Size Y"] == -1.0
    assert info.values["Instrument Project Camera Length (centimeters)"] == -1.0
    assert info.real_pixel_size is None and info.diffraction_pixel_size is None
    assert info.camera_length is None
    assert info.is_stem and info.is_diffracting
    edited = read_quietly(RSCIIO / "20241021_00405_info.txt")
    changed = {k for k in edited.raw if edited.raw[k] != info.raw[k]}
    assert changed == {"Diffraction Pixel Size X", "Diffraction Pixel Size Y",
                       "Instrument Project Camera Length (centimeters)",
                       "Specimen Pixel Size X (nanometers)", "Specimen Pixel Size Y (nanometers)"}


def test_crlf_info_txt():
    path = RSCIIO / "info.txt"
    assert b"\r\n" in path.read_bytes()
    info = read_quietly(path)
    assert not any(k.endswith("\r") or v.endswith("\r") for k, v in info.raw.items())
    assert len(info.raw) == 252
    assert info.values["Server Software Version"] == "2.7.2.9048"
    assert info.timestamp == 1695682755
    assert info.scan_shape == (8, 32)
    assert info.values["Scan - ROI Size X"] == 56 and info.values["Scan - ROI Size Y"] == 98
    assert info.values["ADUs Per Electron Bin1x"] == 300.0
    assert info.fps == 40000.0 and info.frame_time == 2.5e-05
    assert info.real_pixel_size == (10.0, 10.0)
    assert info.diffraction_pixel_size is None  # keys absent in 2.7.2
    assert info.magnification == 1000.0
    assert "Instrument Project TEMorSTEM Mode" not in info.raw
    assert info.is_stem  # absent mode: scanning decides
    assert info.frame_shape == (128, 128)
    # same content as the LF history version
    lf = read_quietly(CORPUS / "de-info-history" / "4DSTEM_scan_info.txt.4127d059")
    assert lf.raw == info.raw


@pytest.mark.parametrize("name, stem, diffracting, camera_length", [
    ("3DSTEM_scan_info.txt", True, True, 20.0),
    ("3DTEM_scan_info.txt", False, False, None),
    ("3DTEMDiffracting_scan_info.txt", False, True, 10.0),
])
def test_mode_files(name, stem, diffracting, camera_length):
    info = read_quietly(RSCIIO / name)
    assert not info.scan_enabled
    assert info.is_stem is stem and info.is_diffracting is diffracting
    assert info.camera_length == camera_length
    assert info.values["Instrument Project TEMorSTEM Mode"] == int(stem)


def test_non_raster_files():
    roi = read_quietly(RSCIIO / "ROI_Random_Scan_info.txt")
    assert roi.scan_type == "Random" and not roi.is_raster
    assert roi.roi_enabled
    assert roi.scan_shape == (12, 29)  # ROI size, not Scan - Size 16 x 32
    assert (roi.values["Scan - Size X"], roi.values["Scan - Size Y"]) == (16, 32)
    assert (roi.values["Scan - ROI Offset X"], roi.values["Scan - ROI Offset Y"]) == (3, 3)
    assert roi.values["Scan - Points"] == 348
    assert roi.fps == 217.869674
    assert roi.values["Server Software Version"] == "2.7.5.10756"
    assert roi.values["Autosave Virtual Image 0 File Path"] == (
        "D:\\DEOutput\\DESim\\20250429_06688_0_Virt #0_total_sum.mrc")
    assert roi.real_pixel_size is None and roi.magnification is None
    custom = read_quietly(RSCIIO / "Custom_info.txt")
    assert custom.scan_type == "XY File" and not custom.is_raster
    assert not custom.roi_enabled
    assert custom.scan_shape == (5, 5)
    assert custom.values["Scan - XY File"] == "D:\\XYFiles\\TimeSeriesTest.xy"
    assert custom.repeats == 1 and custom.values["Frame Count"] == 30
    assert custom.fps == 1.0 and custom.frame_time == 1.0


@pytest.mark.parametrize("path", INFO_FILES, ids=lambda p: p.name)
def test_scan_shape_is_rsciio_navigation_shape(path):
    """RosettaSciIO returns (x, y) as nav shape for STEM raster scans, None otherwise."""
    from rsciio.mrc._api import read_de_metadata_file

    info = read_quietly(path)
    if not info.is_raster:
        return  # needs the coordinates file: covered in test_de_files
    nav_shape = read_de_metadata_file(str(path))[3]
    if info.is_stem and info.scan_enabled:
        assert nav_shape == info.scan_shape
    else:
        assert nav_shape is None


def test_garbled_lines_warn_and_are_skipped():
    text = ("Scan - Size X = 8\n"
            "this line has no equals sign\n"
            "   = value without key\n"
            "Scan - Size Y = four\n"
            "\n"
            "Preset - Name = a=b\n"
            "Frames Per Second = 700 = fast\n"
            "Scan - Enable = Maybe\n"
            "Scan - Size X = 9\n"
            "Frames Per Second (Max) =\n")
    with pytest.warns(MrcWarning) as record:
        info = parse_info_text(text, source="garbled.txt")
    messages = [str(w.message) for w in record]
    assert messages == list(info.problems)
    assert len(messages) == 6
    assert messages[0].startswith("garbled.txt, line 2: no '='")
    assert messages[1].startswith("garbled.txt, line 3: empty key")
    assert messages[2].startswith("garbled.txt, line 4: 'Scan - Size Y' = 'four' is not a int")
    assert messages[3].startswith("garbled.txt, line 7: 'Frames Per Second'")
    assert messages[4].startswith("garbled.txt, line 8: 'Scan - Enable' = 'Maybe' is not a switch")
    assert messages[5].startswith("garbled.txt, line 9: key 'Scan - Size X' repeats line 1")
    assert info.raw == {"Scan - Size Y": "four", "Preset - Name": "a=b",
                        "Frames Per Second": "700 = fast", "Scan - Enable": "Maybe",
                        "Scan - Size X": "9", "Frames Per Second (Max)": ""}
    assert info.values == {"Preset - Name": "a=b", "Scan - Size X": 9, "Frames Per Second (Max)": None}
    assert info.line_numbers["Scan - Size X"] == 9
    assert info.scan_shape is None and info.fps is None and not info.scan_enabled


def test_many_bad_lines_are_summarised():
    with pytest.warns(MrcWarning) as record:
        info = parse_info_text("junk\n" * 50)
    assert len(info.problems) == 50
    assert len(record) == 21
    assert str(record[-1].message) == "info.txt: 30 more malformed lines"


def test_lf_and_crlf_give_the_same_result():
    text = (RSCIIO / "20241021_00405_info.txt").read_text()
    lf = parse_info_text(text)
    crlf = parse_info_text(text.replace("\n", "\r\n"))
    assert lf.raw == crlf.raw and lf.values == crlf.values


def test_conversions():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        info = parse_info_text("\ufeffInstrument Project TEMorSTEM Mode = 1.0\n"
                               "Scan - ROI Enable = enable\n"
                               "Scan - ROI Size X = 3\nScan - ROI Size Y = 2\n"
                               "Scan - Size X = 30\nScan - Size Y = 20\n"
                               "Autosave Movie Sum Count = 4\nFrames Per Second = 100\n"
                               "Specimen Pixel Size X (nanometers) = 0.5\n"
                               "Specimen Pixel Size Y (nanometers) = -1\n"
                               "Scan - Virtual Detector 12 Name = BF_inner\n")
    assert info.values["Instrument Project TEMorSTEM Mode"] == 1  # RosettaSciIO's int() refuses "1.0"
    assert info.is_stem and not info.scan_enabled
    assert info.scan_shape == (3, 2)
    assert info.frame_time == 0.04  # 4 frames of 1/100 s; RosettaSciIO gives 1/400
    assert info.real_pixel_size is None  # one axis unset
    assert info.virtual_detector_names == {12: "BF_inner"}
    with pytest.warns(MrcWarning, match="'Scan - Repeats' = '1.5' is not a int"):
        assert parse_info_text("Scan - Repeats = 1.5").repeats == 1


def test_key_table():
    keys = [k.key for k in INFO_KEYS]
    assert len(keys) == len(set(keys))
    for required in ["Scan - Size X", "Scan - Size Y", "Scan - ROI Enable", "Scan - ROI Size X",
                     "Scan - ROI Size Y", "Scan - ROI Offset X", "Scan - ROI Offset Y", "Scan - Type",
                     "Scan - Repeats", "Scan - Points", "Frames Per Second", "Autosave Movie Sum Count",
                     "Specimen Pixel Size X (nanometers)", "Specimen Pixel Size Y (nanometers)",
                     "Diffraction Pixel Size X", "Diffraction Pixel Size Y",
                     "Instrument Project Magnification", "Instrument Project Camera Length (centimeters)",
                     "Instrument Project TEMorSTEM Mode", "Image Size X (pixels)", "Image Size Y (pixels)",
                     "Exposure Time (seconds)", "Frame Count", "Camera Model", "Camera Name",
                     "Dataset Name", "Server Software Version", "Timestamp (seconds since Epoch)",
                     "Scan - Virtual Detector {n} Name", "Scan - Virtual Detector {n} Shape",
                     "Scan - Virtual Detector {n} Calculation", "Scan - External Detector {n} Name",
                     "Scan - Dwell Time (microseconds)", "ADUs Per Electron Bin1x"]:
        assert required in keys
    assert lookup_key("Scan - Virtual Detector 7 Name").type is InfoType.STR
    assert lookup_key("Scan - External Detector 2 Gain").type is InfoType.FLOAT
    assert lookup_key("Scan - Size X").unit == "px"
    assert lookup_key("Specimen Pixel Size X (nanometers)").unit == "nm"
    assert lookup_key("Specimen Pixel Size X (nanometers)").unset == -1
    assert lookup_key("Scan - Virtual Detector X Name") is None
    assert lookup_key("Unknown key") is None


def test_read_info_file_size_limit(tmp_path):
    big = tmp_path / "big_info.txt"
    big.write_bytes(b"Scan - Size X = 8\n" * (MAX_INFO_BYTES // 18 + 1))
    with pytest.raises(MrcFormatError, match="expected at most 4194304"):
        read_info_file(big)
    small = tmp_path / "small_info.txt"
    small.write_bytes(b"Scan - Size X = 8\nNote = " + b"x" * 150 + b"\n")
    with pytest.raises(MrcFormatError, match="176 bytes, expected at most 100"):
        read_info_file(small, max_bytes=100)
    assert read_quietly(small).values == {"Scan - Size X": 8, "Note": "x" * 150}


def test_read_info_file_not_utf8(tmp_path):
    path = tmp_path / "latin_info.txt"
    path.write_bytes("Autosave Directory = D:\\Données\nScan - Size X = 8\n".encode("latin-1"))
    with pytest.warns(MrcWarning, match="not UTF-8"):
        info = read_info_file(str(path))
    assert info.values == {"Autosave Directory": "D:\\Données", "Scan - Size X": 8}
