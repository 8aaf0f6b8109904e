"""Damaged input (docs/robustness.md): what strict opening rejects, what permissive opening reads
with warnings, and the resource bounds (dimensions, extended headers, side files, gzip bombs)."""

import bz2
import gzip
import json
import time
import tracemalloc
import warnings

import numpy as np
import pytest
from conftest import CORPUS_MRC, corpus_id, file_digest
from crafting import valid_header, write_file

import mrcschema
from mrcschema import MrcFormatError, MrcWarning
from mrcschema.cli.main import main as cli_main
from mrcschema.format.mrc2014 import MRC2014_HEADER
from mrcschema.format.values import show
from mrcschema.sources.compressed import DECOMPRESSION_MARGIN

DATA = np.arange(24, dtype="<f4").tobytes() * 4  # 4 x 3 x 2 float32 = 96 bytes, four times


def crafted(tmp_path, name="x.mrc", data=DATA[:96], **changes):
    return write_file(tmp_path / name, valid_header(**changes), data)


def open_all(path, **kwargs):
    """Open and touch what a reader touches; return (header, data copy, warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with mrcschema.open(path, **kwargs) as f:
            header, data = f.header, np.array(f.data)
            f.extended_header
    return header, data, [w for w in caught if issubclass(w.category, MrcWarning)]


@pytest.fixture
def peak_memory():
    """Peak bytes allocated (tracemalloc) by a call: ``peak_memory(fn, *args)`` -> (result, peak)."""
    def measure(fn, *args, **kwargs):
        tracemalloc.start()
        try:
            result = fn(*args, **kwargs)
            return result, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return measure


# -- strict and permissive --------------------------------------------------------------------------
@pytest.mark.parametrize("path", CORPUS_MRC, ids=corpus_id)
def test_every_corpus_file_opens_strictly_without_warnings(path):
    header, data, caught = open_all(path)
    assert not caught, [str(w.message) for w in caught]
    assert data.size


@pytest.mark.parametrize("map_id", [b"MAP ", b"MAP\0", b"MAPX"])
def test_map_starting_with_map_opens(tmp_path, map_id):
    """MRC2014 says 'MAP '; MotionCor2 writes 'MAP\\0'; like mrcfile only the first three bytes count
    (validate flags anything but the space)."""
    header, data, caught = open_all(crafted(tmp_path, map=map_id))
    assert header.map == map_id and not caught


@pytest.mark.parametrize("map_id", [b"\0\0\0\0", b"PAM ", b"map ", b" MAP"])
def test_bad_map_is_an_error_strict_and_a_warning_permissive(tmp_path, map_id):
    path = crafted(tmp_path, map=map_id)
    with pytest.raises(MrcFormatError) as err:
        mrcschema.open(path)
    assert str(err.value).startswith(f"map at offset 208: not an MRC file: MAP is {show(map_id)}, expected 'MAP '")
    assert (err.value.field, err.value.offset) == ("map", 208)
    header, data, caught = open_all(path, permissive=True)
    assert [str(w.message).split(";")[0] for w in caught] == [
        f"map at offset 208: not an MRC file: MAP is {show(map_id)}, expected 'MAP ' (and NX 4, NY 3, NZ 2, MODE 2)"]
    np.testing.assert_array_equal(data.ravel(), np.frombuffer(DATA[:96], "<f4"))
    with pytest.raises(MrcFormatError, match="map at offset 208: not an MRC file: MAP is"):
        mrcschema.read_header(path)  # the same identity check as open
    with pytest.warns(mrcschema.MrcWarning, match="map at offset 208: not an MRC file: MAP is"):
        assert mrcschema.read_header(path, permissive=True).map == map_id
    assert cli_main(["dump", str(path)]) == 0  # dump opens permissively


@pytest.mark.parametrize("stamp", [b"\0\0\0\0", b"D\0\0\0", b"\xff\xff\xff\xff"])
@pytest.mark.parametrize("order", ["<", ">"])
def test_unknown_stamp_guesses_the_order_and_warns_in_both_modes(tmp_path, stamp, order):
    data = np.arange(24, dtype=order + "f4").tobytes()
    path = write_file(tmp_path / "x.mrc", valid_header(machst=stamp), data, byteorder=order)
    for permissive in (False, True):
        header, read, caught = open_all(path, permissive=permissive)
        assert header.nx == 4 and read.dtype == np.dtype(order + "f4")
        np.testing.assert_array_equal(read.ravel(), np.arange(24))
        (w,) = caught
        assert str(w.message).startswith(f"machst at offset 212: machine stamp {stamp.hex(' ')} is neither")
        assert str(w.message).endswith({"<": "little-endian", ">": "big-endian"}[order])


def test_wrong_stamp_strict_error_permissive_reads_the_other_order(tmp_path):
    """A little-endian stamp on a big-endian file (seen in the wild): strict reads what the stamp says
    (MODE is then unknown); permissive takes the order in which MODE is known, as mrcfile does."""
    data = np.arange(24, dtype=">f4").tobytes()
    path = write_file(tmp_path / "x.mrc", valid_header(machst=b"DD\0\0"), data, byteorder=">")
    with pytest.raises(MrcFormatError, match="^mode at offset 12: unknown mode 33554432"):
        mrcschema.open(path)
    header, read, caught = open_all(path, permissive=True)
    assert header.mode == 2 and read.dtype == np.dtype(">f4")
    np.testing.assert_array_equal(read.ravel(), np.arange(24))
    assert [str(w.message) for w in caught] == [
        "machst at offset 212: the stamp 44 44 00 00 says little-endian, but MODE is a known mode (2) only "
        "read big-endian; reading the file big-endian"]


@pytest.mark.parametrize("nlabl", [-1, 0, 7, 11, 2**31 - 1])
def test_wrong_nlabl_never_stops_reading(tmp_path, nlabl):
    """NLABL is not needed to read a file: both modes open it silently (validate reports it).
    ``labels`` are the NLABL labels in use, as mrcfile's ``get_labels`` counts them (clamped to 0-10)."""
    labels = (b"first".ljust(80),) + (b"\0" * 80,) * 9
    used = max(0, min(nlabl, 10))
    for permissive in (False, True):
        with mrcschema.open(crafted(tmp_path, nlabl=nlabl, label=labels), permissive=permissive) as f:
            assert f.labels == (["first"] + [""] * 9)[:used]
            assert f.header.label == labels  # the raw ten


def test_labels_are_cut_at_their_first_nul(tmp_path):
    labels = (b"kept\0junk after the NUL".ljust(80, b"\0"), b"second   ".ljust(80, b"\0")) + (b"\0" * 80,) * 8
    with mrcschema.open(crafted(tmp_path, nlabl=2, label=labels)) as f:
        assert f.labels == ["kept", "second"]


def test_truncated_data_permissive_reads_whole_sections(tmp_path):
    path = write_file(tmp_path / "x.mrc", valid_header(nz=4), DATA[:48 * 3 + 10])
    with pytest.raises(MrcFormatError, match=r"^data at offset 1024: data block is 154 bytes, the header "
                                             r"promises 192 \(NX 4 x NY 3 x NZ 4, mode 2\)$"):
        mrcschema.open(path)
    header, data, caught = open_all(path, permissive=True)
    assert data.shape == (3, 3, 4)
    assert [str(w.message) for w in caught] == [
        "data at offset 1024: data block is 154 bytes, the header promises 192 (NX 4 x NY 3 x NZ 4, mode 2); "
        "reading the 3 whole sections present"]


def test_less_than_one_section_permissive_opens_with_no_data(tmp_path):
    path = crafted(tmp_path, data=DATA[:40])
    with pytest.raises(MrcFormatError, match="^data at offset 1024"):
        mrcschema.open(path)
    header, data, caught = open_all(path, permissive=True)
    assert data.shape == (0, 3, 4) and header.nz == 2
    assert "reading the 0 whole sections present" in str(caught[0].message)
    assert cli_main(["dump", str(path)]) == 0


def test_extended_header_past_the_end_permissive_reads_what_is_there(tmp_path, capsys):
    path = write_file(tmp_path / "x.mrc", valid_header(nsymbt=2**31 - 1, exttyp=b"CCP4"), b"P 1".ljust(80))
    with pytest.raises(MrcFormatError, match="^nsymbt at offset 92: extended header of 2147483647 bytes runs past"):
        mrcschema.open(path)
    with pytest.warns(MrcWarning, match="^nsymbt at offset 92: .*; no data$"):
        with mrcschema.open(path, permissive=True) as f:
            assert f.data.shape == (0, 3, 4)
            assert f.extended_header_bytes == b"P 1".ljust(80)  # not 2 GB: what the file holds
            assert f.extended.text == ("P 1",)
    assert cli_main(["dump", "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["extended_header"]["text"] == ["P 1"]


@pytest.mark.parametrize("changes,field", [({"mode": 9}, "mode"), ({"nsymbt": -4}, "nsymbt"),
                                           ({"ny": 2**31 - 1, "nz": 2**31 - 1, "nx": 2**31 - 1}, "nx")])
def test_permissive_keeps_the_header_of_data_it_cannot_locate(tmp_path, changes, field, capsys):
    """Data that cannot be located or typed: an error strict; permissive (as mrcfile) the header and
    extended header are read, data is None, with a warning; dump always shows the header."""
    path = crafted(tmp_path, **changes)
    with pytest.raises(MrcFormatError) as err:
        mrcschema.open(path)
    assert err.value.field == field
    with pytest.warns(MrcWarning) as caught:
        with mrcschema.open(path, permissive=True) as f:
            assert f.data is None and f.geometry is None
            assert [getattr(f.header, name) for name in changes] == list(changes.values())
            assert f.extended_header_bytes == b""
    assert [str(w.message) for w in caught] == [f"{err.value}; the header is read, data is None"]
    assert cli_main(["dump", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{changes[field]}" in next(line for line in out.splitlines() if f" {field} " in line)


def test_strict_and_permissive_agree_on_sound_files(tmp_path):
    path = crafted(tmp_path)
    strict, permissive = open_all(path), open_all(path, permissive=True)
    assert strict[0] == permissive[0] and not strict[2] and not permissive[2]
    np.testing.assert_array_equal(strict[1], permissive[1])


@pytest.mark.filterwarnings("ignore::mrcschema.MrcWarning")
def test_reading_damaged_files_never_changes_them(tmp_path):
    paths = [crafted(tmp_path, "a.mrc", map=b"XXXX"), crafted(tmp_path, "b.mrc", data=DATA[:50]),
             crafted(tmp_path, "c.mrc", machst=b"\0\0\0\0")]
    before = [file_digest(p) for p in paths]
    for path in paths:
        open_all(path, permissive=True)
        mrcschema.validate(path)
        cli_main(["dump", str(path)])
        with mrcschema.open(path, mode="c", permissive=True) as f:
            f.data[...] = 0
    assert [file_digest(p) for p in paths] == before


# -- resource bounds --------------------------------------------------------------------------------
@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress], ids=["gzip", "bzip2"])
def test_gzip_bomb_stops_at_the_declared_size(tmp_path, compress, peak_memory):
    """A small header followed by 64 MiB of zeros: decompression stops 1 MiB past what the header
    declares, allocating about that, never the 64 MiB."""
    raw = MRC2014_HEADER.build(valid_header()) + DATA[:96] + bytes(64 << 20)
    path = tmp_path / "bomb.mrc.gz"
    path.write_bytes(compress(raw))
    assert path.stat().st_size < 1 << 20
    limit = 1024 + 96 + DECOMPRESSION_MARGIN
    with pytest.raises(MrcFormatError) as err:
        peak_memory(mrcschema.open, path)
    assert str(err.value) == (f"file at offset 0: the {'gzip' if compress is gzip.compress else 'bzip2'} stream "
                              f"decompresses to more than {limit} bytes, {DECOMPRESSION_MARGIN} more than the "
                              "1120 bytes the header declares (1024 + NSYMBT + data); decompression stopped")
    (header, data, caught), peak = peak_memory(open_all, path, permissive=True)
    assert [str(w.message).split("; ")[-1] for w in caught] == [f"reading the first {limit} bytes",
                                                                "the rest is ignored"]
    np.testing.assert_array_equal(data.ravel(), np.frombuffer(DATA[:96], "<f4"))
    assert peak < 4 * limit
    assert not mrcschema.validate(path).ok  # a structure error, not 64 MiB in memory
    assert mrcschema.read_header(path) == header  # the header alone: 1024 bytes inflated


def test_compressed_file_with_trailing_bytes_within_the_margin_opens(tmp_path):
    path = tmp_path / "x.mrc.gz"
    path.write_bytes(gzip.compress(MRC2014_HEADER.build(valid_header()) + DATA[:96] + bytes(1000)))
    header, data, caught = open_all(path)
    assert data.shape == (2, 3, 4)
    assert [str(w.message) for w in caught] == ["data at offset 1120: the file is 1000 bytes longer than the header "
                                                "declares (1024 + NSYMBT 0 + 96 bytes of data); the rest is ignored"]


def test_compressed_header_claiming_impossible_dimensions_is_refused_before_inflating(tmp_path, peak_memory):
    raw = MRC2014_HEADER.build(valid_header(nx=2**31 - 1, ny=2**31 - 1, nz=2**31 - 1)) + bytes(32 << 20)
    path = tmp_path / "x.mrc.gz"
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(MrcFormatError, match="^nx at offset 0: NX \\* NY \\* NZ"):
        peak_memory(mrcschema.open, path)
    _, peak = peak_memory(mrcschema.validate, path)
    assert peak < 8 << 20


@pytest.mark.parametrize("mode", [2, 101])
def test_huge_dimensions_are_checked_before_allocating(tmp_path, mode, peak_memory):
    """NX x NY x NZ far beyond the file: refused on the header, before any array exists (also for
    mode 101, whose data is unpacked in memory, and for the HyperSpy reader)."""
    path = write_file(tmp_path / "x.mrc", valid_header(nx=100000, ny=100000, nz=100, mode=mode), b"\0" * 4096)
    for call in (mrcschema.open, mrcschema.file_reader):
        with pytest.raises(MrcFormatError, match="^data at offset 1024: data block is 4096 bytes"):
            peak_memory(call, path)
    (report, peak) = peak_memory(mrcschema.validate, path)
    assert not report.ok and peak < 8 << 20


def test_extended_header_is_bounded_by_nsymbt_and_the_file(tmp_path, peak_memory):
    """FEI records are read from NSYMBT bytes at most, whatever NZ and metadata_size claim."""
    ext = (768).to_bytes(4, "little") + bytes(768 * 2 - 4)
    path = write_file(tmp_path / "x.mrc", valid_header(nz=2**31 - 1, nsymbt=len(ext), exttyp=b"FEI1"), b"",
                      extended=ext + DATA[:48])
    with pytest.warns(MrcWarning):
        with mrcschema.open(path, permissive=True) as f:
            (ext_header, peak) = peak_memory(lambda: f.extended)
            assert len(ext_header.records) == 2 and ext_header.capacity == 2
            assert peak < 1 << 20


@pytest.mark.parametrize("kind", ["SERI", "text"])
def test_large_extended_headers_are_read_in_linear_vectorised_time(tmp_path, kind):
    """A 16 MiB SerialEM block (4 M records) or untyped text block: seconds before, now well under
    a second or two (regression: SerialEM doses were decoded one record at a time in Python)."""
    n = 16 << 20
    if kind == "SERI":
        ext = np.full(n // 4, 0x0102, dtype="<i2").tobytes() * 2
        header = valid_header(nx=1, ny=1, nz=n // 4, mode=0, nsymbt=n, exttyp=b"SERI")
        raw = bytearray(MRC2014_HEADER.build(header))
        raw[128:132] = (4).to_bytes(2, "little") + (32).to_bytes(2, "little")  # NINT 4, NREAL 32: dose
    else:
        ext = b"A" * n
        raw = MRC2014_HEADER.build(valid_header(nx=1, ny=1, nz=4, mode=0, nsymbt=n))
    path = tmp_path / "big.mrc"
    path.write_bytes(bytes(raw) + ext + bytes(n // 4 if kind == "SERI" else 4))
    start = time.perf_counter()
    with mrcschema.open(path) as f:
        from mrcschema.reading.metadata import acquisition

        acq = acquisition(f)
        assert f.extended.kind == ("SERI" if kind == "SERI" else "CCP4")
    assert time.perf_counter() - start < 5
    if kind == "SERI":
        from mrcschema.format.seri import sem_shorts_to_float

        assert acq.dose[0] == sem_shorts_to_float(0x0102, 0x0102) * 1e20


def test_package_acquisition_is_the_function():
    """``mrcschema.acquisition(f)`` (the documented call) stays the function once the submodule
    ``mrcschema.acquisition`` has been imported, e.g. by ``mrcschema.file_reader`` (found by the
    fuzzer: it was the module, so the call raised TypeError)."""
    import subprocess
    import sys

    code = ("import mrcschema, types; mrcschema.file_reader; "
            "assert not isinstance(mrcschema.acquisition, types.ModuleType), 'module'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- DE side files ----------------------------------------------------------------------------------
def test_info_and_coordinate_files_are_read_without_preallocating_the_limit(tmp_path, peak_memory):
    """Regression: ``read(limit + 1)`` allocated the whole limit (4 MiB per info file, 256 MiB per
    coordinates file) before reading a few bytes."""
    from mrcschema.de.files import read_scan_coordinates
    from mrcschema.de.info import read_info_file

    info = tmp_path / "a_info.txt"
    info.write_text("Scan - Size X = 2\n")
    coordinates = tmp_path / "a_scan_coordinates.csv"
    coordinates.write_text("0,0\n1,0\n")
    assert peak_memory(read_info_file, info)[1] < 1 << 20
    positions, peak = peak_memory(read_scan_coordinates, coordinates)
    assert positions.tolist() == [[0, 0], [0, 1]] and peak < 1 << 20


def test_oversized_side_files_are_refused_before_reading(tmp_path):
    from mrcschema.de.files import read_scan_coordinates
    from mrcschema.de.info import MAX_INFO_BYTES, read_info_file

    info = tmp_path / "a_info.txt"
    with open(info, "wb") as f:
        f.truncate(MAX_INFO_BYTES + 1)
    with pytest.raises(MrcFormatError, match=f"{MAX_INFO_BYTES + 1} bytes, expected at most {MAX_INFO_BYTES}"):
        read_info_file(info)
    coordinates = tmp_path / "a_scan_coordinates.csv"
    coordinates.write_text("0,0\n" * 2000)
    with pytest.raises(MrcFormatError, match=f"^{coordinates}: 8000 bytes, more than the 4736 bytes 10 lines"):
        read_scan_coordinates(coordinates, frames=10)
    assert len(read_scan_coordinates(coordinates, frames=2000)) == 2000


# -- dump ---------------------------------------------------------------------------------------------
def test_dump_reports_what_permissive_reading_departs_from_as_warning_lines(tmp_path, capsys):
    path = crafted(tmp_path, map=b"XXXX", machst=b"\0\0\0\0", data=DATA[:50])
    assert cli_main(["dump", str(path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": warning: ")[1].split(" ")[0] for line in err] == ["map", "machst", "data"]
    assert all(line.startswith(f"mrcschema dump: {path}: warning: ") for line in err)


def test_dump_into_a_closed_pipe_is_not_an_error(tmp_path):
    """`dump FILE | head -1` printed 'Broken pipe' and exited 2 (BrokenPipeError is an OSError)."""
    import subprocess
    import sys

    symmetry = b"X,  Y,  Z".ljust(80) * 5000  # a dump of 5000 symmetry lines: more than a pipe buffer
    path = write_file(tmp_path / "x.mrc", valid_header(nsymbt=len(symmetry), exttyp=b"CCP4"), DATA[:96],
                      extended=symmetry)
    result = subprocess.run(f"{sys.executable} -m mrcschema dump {path} | head -1; exit ${{PIPESTATUS[0]}}",
                            shell=True, executable="/bin/bash", capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""
