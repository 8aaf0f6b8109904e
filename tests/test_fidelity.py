"""Files as their writers meant them (issue 12, reading side): non-MRC2014 modes, files that are
not MRC at all, mrcz's zero sampling, the X/Y/Z view, data written with infinities, ``chunks``
checked whether or not the load is lazy, and lazy loading without dask."""

import subprocess
import sys
import warnings

import attrs
import gemmi
import numpy as np
import pytest
from conftest import CORPUS, REPO
from crafting import valid_header, write_file

import mrcschema
from mrcschema import MrcFormatError, MrcWarning
from mrcschema.cli.main import main as cli_main

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d4944415478da63f8cfc0f01f0005000201a0f3d6a70000000049454e44ae426082")


@pytest.mark.parametrize("mode,dtype", [(7, "<i4"), (8, "<u4")])
def test_modes_7_and_8_read_as_32_bit_integers_with_a_warning(tmp_path, mode, dtype):
    values = np.arange(24, dtype=dtype).reshape(2, 3, 4) * 1000003
    path = write_file(tmp_path / "m.mrc", valid_header(mode=mode), values.tobytes())
    with pytest.warns(MrcWarning, match=f"mode at offset 12: MODE {mode} .* is not an MRC2014 mode"):
        with mrcschema.open(path) as f:
            assert f.data.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(f.data, values)


@pytest.mark.parametrize("content", [PNG, b"plain text, " * 100], ids=["png", "text"])
def test_a_file_that_is_not_mrc_is_refused_on_its_identity(tmp_path, content, capsys):
    path = tmp_path / "picture.mrc"
    path.write_bytes(content.ljust(1100, b"\0"))
    for call in (lambda: mrcschema.open(path), lambda: mrcschema.open(path, permissive=True),
                 lambda: mrcschema.read_header(path)):
        with pytest.raises(MrcFormatError, match="^map at offset 208: not an MRC file: MAP is "):
            call()
    assert cli_main(["dump", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an MRC file" in err[0]


def test_a_priism_deltavision_file_is_refused(tmp_path):
    """DeltaVision/Priism headers carry -16224 where MRC has EXTRA (byte 96) and no 'MAP '."""
    header = valid_header(map=b"\0\0\0\0")
    raw = bytearray(mrcschema.format.mrc2014.MRC2014_HEADER.build(header))
    raw[96:98] = (-16224).to_bytes(2, "little", signed=True)
    path = tmp_path / "dv.dv"
    path.write_bytes(bytes(raw) + bytes(96))
    for permissive in (False, True):
        with pytest.raises(MrcFormatError, match="^creatid at offset 96: a Priism/DeltaVision file"):
            mrcschema.open(path, permissive=permissive)


def test_zero_sampling_with_a_cell_gives_cella_over_n(tmp_path):
    """mrcz writes CELLA = pixel size x N with MX = MY = MZ = 0."""
    header = valid_header(nx=4, ny=3, nz=2, mx=0, my=0, mz=0)
    header = attrs.evolve(
        header, cella=attrs.evolve(header.cella, x=8.0, y=9.0, z=5.0))
    path = write_file(tmp_path / "z.mrc", header, bytes(96))
    with pytest.warns(MrcWarning, match="MX, MY, MZ are 0 while CELLA is set; voxel size taken as CELLA / N"):
        with mrcschema.open(path) as f:
            assert tuple(f.voxel_size) == (2.0, 3.0, 2.5)
    with pytest.warns(MrcWarning, match="CELLA / N"):
        axes = mrcschema.file_reader(path)[0]["axes"]
    assert [(a["name"], a["scale"], a["units"]) for a in axes] == [("z", 0.25, "nm"), ("y", 0.3, "nm"),
                                                                   ("x", 0.2, "nm")]


def test_data_xyz_equals_gemmis_reordered_grid_on_emd_3001():
    path = CORPUS / "mrcfile" / "EMD-3001.map"
    m = gemmi.read_ccp4_map(str(path), setup=False)
    m.setup(float("nan"), gemmi.MapSetup.ReorderOnly)
    with mrcschema.open(path) as f:
        assert f.axis_order == (3, 1, 2)
        assert f.data_xyz.shape == (43, 25, 73) and np.shares_memory(f.data_xyz, f.data)  # a view
        np.testing.assert_array_equal(f.data_xyz, np.asarray(m.grid.array))
        assert f.start_xyz == (-21, -12, 0)


def test_data_xyz_refuses_axes_that_are_not_a_permutation(tmp_path):
    path = write_file(tmp_path / "a.mrc", valid_header(mapc=1, mapr=1, maps=3), bytes(96))
    with mrcschema.open(path) as f:
        with pytest.raises(MrcFormatError, match=r"^mapc at offset 64: MAPC, MAPR, MAPS are \(1, 1, 3\)"):
            f.data_xyz


@pytest.mark.parametrize("dtype", ["f4", "f8", "c8"])
def test_writing_infinities_warns_nothing(tmp_path, dtype):
    data = np.array([[1.0, np.inf], [-np.inf, 2.0]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mrcschema.write(tmp_path / "inf.mrc", data)
    with mrcschema.open(tmp_path / "inf.mrc") as f:
        np.testing.assert_array_equal(f.data, data.astype(f.data.dtype))
        if dtype != "c8":
            assert (f.header.dmin, f.header.dmax) == (-np.inf, np.inf)


def test_chunks_are_checked_when_not_lazy_too():
    movie = CORPUS / "rsciio" / "ROI_Random_Scan_movie.mrc"
    for lazy in (True, False):
        with pytest.raises(ValueError, match="^Last two dimensions of chunks must be -1"):
            mrcschema.file_reader(movie, lazy=lazy, chunks=(10, 5, 8, -1))
        with pytest.raises(ValueError, match="do not fit the data shape"):
            mrcschema.file_reader(movie, lazy=lazy, chunks=(10, 5))


def test_lazy_loading_without_dask_says_which_extra_to_install():
    code = ("import sys; sys.modules['dask'] = None; sys.modules['dask.array'] = None\n"
            "import mrcschema\n"
            "try:\n"
            "    mrcschema.file_reader(sys.argv[1], lazy=True)\n"
            "except ModuleNotFoundError as exc:\n"
            "    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code, str(CORPUS / "mrcfile" / "EMD-3001.map")],
                         capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.startswith('lazy loading needs dask: pip install ".[lazy]" (from a checkout)')


def test_a_truncated_volume_stack_warns_with_the_headers_nz(tmp_path):
    header = valid_header(nx=4, ny=3, nz=4, mz=2, ispg=401)
    path = write_file(tmp_path / "vs.mrc", header, bytes(48 * 3))  # 3 of 4 sections
    with pytest.warns(MrcWarning) as caught:
        with mrcschema.open(path, permissive=True) as f:
            assert f.data.shape == (3, 3, 4)
    assert any("ISPG 401 marks a volume stack but NZ 4 (3 sections present) is not a multiple of MZ 2"
               in str(w.message) for w in caught)


def test_a_file_longer_than_declared_opens_with_a_warning(tmp_path):
    path = write_file(tmp_path / "long.mrc", valid_header(), bytes(96 + 10))
    with pytest.warns(MrcWarning, match=r"^data at offset 1120: the file is 10 bytes longer than the header"):
        with mrcschema.open(path) as f:
            assert f.data.shape == (2, 3, 4)


def test_a_big_endian_fei2_file_written_by_mrcfile_reads_in_one_byte_order(tmp_path):
    """mrcfile writes the FEI2 records of a big-endian file big-endian: size and fields are read in
    the one order the size reads in (bitmask_1 3, not 50331648), by open and validate alike."""
    import mrcfile
    import mrcfile.dtypes

    records = np.zeros(2, mrcfile.dtypes.get_ext_header_dtype(b"FEI2", ">"))
    records["Metadata size"] = 888
    records["Metadata version"] = 2
    records["Bitmask 1"] = 3
    records["HT"] = 300e3
    path = tmp_path / "be.mrc"
    with mrcfile.new(path) as mrc:
        mrc.set_data(np.zeros((2, 3, 4), ">f4"))
        mrc.set_extended_header(records)
        mrc.header.exttyp = b"FEI2"
    with mrcschema.open(path) as f:
        assert f.byteorder == ">" and f.extended.record_size == 888
        assert list(f.extended_header["bitmask_1"]) == [3, 3]
        assert list(f.extended_header["ht"]) == [300e3, 300e3]
    assert mrcschema.validate(path).ok


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_a_single_image_with_no_whole_section_is_empty_when_permissive(tmp_path, compress):
    """Found by the fuzzer: NZ 1 (ISPG 0) cut short reads as an empty (0, ny, nx) array, not as a
    (ny, nx) image read past the end of the data."""
    import gzip

    raw = mrcschema.format.mrc2014.MRC2014_HEADER.build(valid_header(nz=1)) + bytes(40)  # 48 bytes promised
    path = tmp_path / ("cut.mrc.gz" if compress else "cut.mrc")
    path.write_bytes(gzip.compress(raw) if compress else raw)
    with pytest.warns(MrcWarning, match="reading the 0 whole sections present"):
        with mrcschema.open(path, permissive=True) as f:
            assert f.data.shape == (0, 3, 4) and f.data.size == 0
