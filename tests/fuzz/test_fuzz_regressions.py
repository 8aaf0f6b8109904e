"""What the fuzzer found, one explicit test each (files under regressions/, or DE acquisitions
built here from the corpus).  docs/robustness.md lists them."""

import json
import shutil
import tracemalloc
import warnings

import fuzzlib
import numpy as np
import pytest

import mrcschema
from mrcschema import MrcFormatError, MrcWarning
from mrcschema.cli.main import main as cli_main

REGRESSIONS = fuzzlib.REGRESSIONS
RSCIIO = fuzzlib.CORPUS / "rsciio"


def test_mode3_lazy_file_reader_keeps_the_complex_int16_records():
    """file_reader(lazy=True) of a mode-3 file computed to void bytes (lazy.py keeps only
    ``dtype.str``, which drops the (real, imag) fields); sums of it raised ValueError."""
    path = REGRESSIONS / "mode3_lazy_file_reader.mrc"
    lazy = mrcschema.file_reader(path, lazy=True)[0]["data"].compute()
    eager = mrcschema.file_reader(path)[0]["data"]
    assert lazy.dtype.names == ("real", "imag")
    np.testing.assert_array_equal(lazy, eager)


def test_dump_json_of_seri_reserved_items(capsys):
    """``dump --json`` raised TypeError: the SerialEM reserved items are raw bytes (numpy void)."""
    path = REGRESSIONS / "seri_reserved_item_dump_json.mrc"
    assert cli_main(["dump", "--json", str(path)]) == 0
    ext = json.loads(capsys.readouterr().out)["extended_header"]
    assert ext["kind"] == "SERI" and ext["first_records"][0] == {"reserved_64": {"hex": "0001"}}


def test_fei_timestamp_beyond_any_date():
    """file_reader raised OverflowError (datetime.fromtimestamp) for an FEI timestamp of 1e300 days;
    now the date is left out, with a warning."""
    path = REGRESSIONS / "fei2_timestamp_1e300.mrc"
    with pytest.warns(MrcWarning, match="is not a date; General.date not set"):
        signal = mrcschema.file_reader(path)[0]
    assert "date" not in signal["metadata"]["General"]
    assert signal["metadata"]["Acquisition_instrument"]["TEM"]["beam_energy"] == 300.0


# -- DE acquisitions --------------------------------------------------------------------------------
def de_set(tmp_path, name, info_changes=None, csv=None, drop=()):
    """A copy of a corpus DE acquisition with info keys replaced and the coordinates file rewritten."""
    stem, names = fuzzlib.DE_SETS[name]
    for file_name in names:
        if file_name not in drop:
            shutil.copy(RSCIIO / file_name, tmp_path / file_name)
    info = tmp_path / f"{stem}_info.txt"
    lines = info.read_text().splitlines()
    for key, value in (info_changes or {}).items():
        lines = [line for line in lines if line.partition("=")[0].strip() != key] + [f"{key} = {value}"]
    info.write_text("\n".join(lines) + "\n")
    if csv is not None:
        (tmp_path / f"{stem}_scan_coordinates.csv").write_text(csv)
    return tmp_path / f"{stem}_movie.mrc"


def custom_csv(last):
    lines = (RSCIIO / "Custom_scan_coordinates.csv").read_text().splitlines()
    return "\n".join(lines[:-1] + [last]) + "\n"


def test_scan_position_at_int64_max(tmp_path):
    """A position of 2**63 - 1 overflowed ``max + 1`` and passed the bounds check: IndexError."""
    movie = de_set(tmp_path, "custom", csv=custom_csv("9223372036854775807,0"))
    with pytest.raises(MrcFormatError, match=r"^scan coordinates: positions reach \(y, x\) = \(4, "
                                             r"9223372036854775807\), expected inside the 5 x 5 scan$"):
        mrcschema.file_reader(movie)


@pytest.mark.parametrize("sizes", [None, 1000001])
def test_million_by_million_scan_is_refused_before_allocating(tmp_path, sizes):
    """A coordinate of (10^6, 10^6) (with the info file's scan 10^6 x 10^6, or without sizes) made
    file_reader allocate a (2, 10^6, 10^6) frame map: MemoryError for 14.6 TiB."""
    changes = {"Scan - Size X": sizes, "Scan - Size Y": sizes} if sizes else {"Scan - Size X": "", "Scan - Size Y": ""}
    movie = de_set(tmp_path, "custom", changes, csv=custom_csv("1000000,1000000"))
    for lazy in (False, True):
        tracemalloc.start()
        try:
            with pytest.raises(MrcFormatError, match=r"^scan coordinates: a 1000001 x 1000001 scan grid for 30 "
                                                     r"frames has 1000002000001 places, more than the 7680 allowed"):
                mrcschema.file_reader(movie, lazy=lazy)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 8 << 20


def test_sparse_scan_loads_lazily_not_in_memory(tmp_path):
    """A 100 x 5 grid visited twice by 30 frames: 1000 places, 33 per frame.  Not lazy that is more
    than 16 x the data in zeros (refused, naming lazy=True); lazy it is a frame map of 8 kB."""
    movie = de_set(tmp_path, "custom", {"Scan - Size X": 100})
    with pytest.raises(MrcFormatError, match="1000 places for 30 frames: more than 16 x the data .* lazy=True"):
        mrcschema.file_reader(movie)
    data = mrcschema.file_reader(movie, lazy=True)[0]["data"]
    assert data.shape == (2, 5, 100, 16, 16)
    assert np.count_nonzero(data.compute().reshape(1000, -1).any(axis=1)) <= 30


def test_non_raster_scan_without_coordinates_file(tmp_path):
    """Scan - Type 'Random' with no *_scan_coordinates.csv raised a bare ValueError."""
    movie = de_set(tmp_path, "raster", {"Scan - Type": "Random"})
    with pytest.raises(MrcFormatError, match="^Scan - Type: Scan - Type is 'Random': a scan position file"):
        mrcschema.file_reader(movie)


def test_negative_raster_scan_sizes(tmp_path):
    """Scan - Size X/Y = -8 x -4 multiply to the 32 frames: a shape with negative axes (ValueError)."""
    movie = de_set(tmp_path, "raster", {"Scan - Size X": -8, "Scan - Size Y": -4})
    with pytest.raises(MrcFormatError, match=r"^Scan - Size X: .* gives a -8 x -4 raster scan, expected positive"):
        mrcschema.file_reader(movie)


def test_damaged_navigator_is_skipped_with_a_warning(tmp_path):
    """A truncated virtual image no longer stops the acquisition from loading."""
    movie = de_set(tmp_path, "raster")
    virt = tmp_path / "20241021_00405_0_Virt 0_sum.mrc"
    virt.write_bytes(virt.read_bytes()[:1030])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        signal = mrcschema.file_reader(movie)[0]
    assert any(str(w.message).startswith(f"{virt} is not attached as navigator") and "data at offset 1024" in
               str(w.message) for w in caught)
    navigators = signal["metadata"]["_HyperSpy"]["navigators"]
    assert len(navigators) == 2 and signal["data"].shape == (4, 8, 4, 8)


def test_regression_files_are_small():
    files = sorted(REGRESSIONS.glob("*.mrc"))
    assert len(files) >= 3 and all(p.stat().st_size < 16384 for p in files)


@pytest.mark.parametrize("case", ["fei2_timestamp_1e308", "legacy_fei_signalling_nan"])
def test_acquisition_of_extreme_values_warns_only_mrcwarnings(case, tmp_path):
    """``acquisition`` lets numpy issue RuntimeWarnings on damaged values: ``(days - 25569) * 86400``
    overflows for an FEI timestamp of 1e308 days, and ``astype(np.float64)`` of a float32 signalling
    NaN (bits 7f 80 00 01) in an old FEI block is an "invalid value encountered in cast" (both found by
    the long fuzz run).  Fixed with ``np.errstate`` around the conversions: the values become inf/NaN
    without a warning."""
    import struct

    from mrcschema.format.fei import FEI2

    if case == "fei2_timestamp_1e308":
        data = bytearray((REGRESSIONS / "fei2_timestamp_1e300.mrc").read_bytes())
        struct.pack_into("<d", data, 1024 + FEI2.field("timestamp").offset, 1e308)
    else:
        data = bytearray(next(s for s in fuzzlib.seeds() if s.name == "crafted_legacy_fei").data)
        struct.pack_into("<I", data, 1024, 0x7F800001)  # a_tilt of section 0
    path = tmp_path / "t.mrc"
    path.write_bytes(bytes(data))
    fuzzlib.exercise(path, len(data))  # the contract holds
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with mrcschema.open(path) as f:
            mrcschema.acquisition(f)
    others = [f"{w.category.__name__}: {w.message}" for w in caught if not issubclass(w.category, MrcWarning)]
    assert others == []
