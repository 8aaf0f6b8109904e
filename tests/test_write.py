"""Writing: mrcschema.write / new / set_extended_header / file_writer.

Every file written here passes ``mrcfile.validate`` and reads back in mrcfile (and in our own
``open``) with the same data, voxel size, origin, labels and FEI records.
"""

import errno
import io
import os
import re
import stat
import warnings

import mrcfile
import numpy as np
import pytest
from conftest import file_digest, sample_data, varied_records
from hypothesis import given, settings
from hypothesis import strategies as st

import mrcschema
import mrcschema.writing.writer as W
from mrcschema import MrcFormatError, MrcWarning
from mrcschema.format.fei import FEI1, FEI2
from mrcschema.format.statistics import data_stats
from mrcschema.sources.journal import shift_range

MODE_DTYPES = {0: "i1", 1: "i2", 2: "f4", 4: "c8", 6: "u2", 12: "f2"}
SHAPES = {"image": ((5, 7), False, 0, 1), "stack": ((3, 5, 7), False, 0, 1),
          "volume": ((3, 5, 7), True, 1, 3), "volume_stack": ((2, 3, 5, 7), False, 401, 3)}


def assert_valid(path):
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # mrcfile warns about seriously invalid files
        valid = mrcfile.validate(str(path), print_file=out)
    assert valid is True, out.getvalue()
    assert out.getvalue().endswith("File appears to be valid.\n")
    report = mrcschema.validate(path, full_data=True)  # and our own validator agrees
    assert report.ok, [str(finding) for finding in report]


def snake(name):
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def folder_listing(path):
    return sorted(os.listdir(path))


# -- every mode, every layout, both byte orders --------------------------------------------------
@pytest.mark.parametrize("layout", list(SHAPES))
@pytest.mark.parametrize("byteorder", ["<", ">"])
@pytest.mark.parametrize("mode", list(MODE_DTYPES))
def test_write_reads_back_in_mrcfile_and_ours(tmp_path, mode, byteorder, layout):
    shape, volume, ispg, mz = SHAPES[layout]
    data = sample_data(MODE_DTYPES[mode], shape, seed=mode)
    path = tmp_path / "w.mrc"
    assert mrcschema.write(path, data, voxel_size=(1.5, 2.25, 3.0), origin=(-4.5, 0.0, 12.25),
                           labels=["first label", "second"], byteorder=byteorder, volume=volume) == str(path)
    assert_valid(path)
    nz = int(np.prod(shape[:-2]))
    with mrcfile.open(path) as peer:
        np.testing.assert_array_equal(peer.data, data)  # mrcfile keeps volume stacks 4D too
        assert peer.data.dtype == np.dtype(MODE_DTYPES[mode]).newbyteorder(byteorder)
        assert peer.voxel_size.tolist() == (1.5, 2.25, 3.0)
        assert peer.header.origin.tolist() == (-4.5, 0.0, 12.25)
        assert peer.get_labels() == ["first label", "second"]
        h = peer.header
        assert (int(h.mode), int(h.nx), int(h.ny), int(h.nz)) == (mode, shape[-1], shape[-2], nz)
        assert (int(h.mx), int(h.my), int(h.mz), int(h.ispg)) == (shape[-1], shape[-2], mz, ispg)
        assert (int(h.nversion), bytes(h.map), int(h.nsymbt), int(h.nlabl)) == (20141, b"MAP ", 0, 2)
        assert bytes(h.machst) == (b"DD\0\0" if byteorder == "<" else b"\x11\x11\0\0")
        assert h.cellb.tolist() == (90.0, 90.0, 90.0) and (h.mapc, h.mapr, h.maps) == (1, 2, 3)
    with mrcschema.open(path) as ours:
        assert ours.geometry.shape == shape
        np.testing.assert_array_equal(ours.data, data)
        assert ours.byteorder == byteorder and ours.data.dtype == np.dtype(MODE_DTYPES[mode]).newbyteorder(byteorder)
        assert tuple(ours.voxel_size) == (1.5, 2.25, 3.0) and tuple(ours.origin) == (-4.5, 0.0, 12.25)
        assert ours.labels == ["first label", "second"]


def test_header_statistics_are_exact(tmp_path, write_with_mrcfile):
    data = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    path = mrcschema.write(tmp_path / "s.mrc", data)
    h = mrcschema.read_header(path)
    assert (h.dmin, h.dmax, h.dmean) == (0.0, 23.0, 11.5)
    assert h.rms == float(np.float32(np.sqrt((24**2 - 1) / 12)))
    with mrcfile.open(write_with_mrcfile(data)) as peer:  # mrcfile's statistics (float32 sums) agree
        assert (peer.header.dmin, peer.header.dmax, peer.header.dmean) == (0.0, 23.0, 11.5)
        assert abs(peer.header.rms - np.float32(h.rms)) <= np.spacing(np.float32(h.rms))


def test_complex_statistics_follow_mrcfile(tmp_path):
    data = sample_data("c8", (2, 3, 4))
    path = mrcschema.write(tmp_path / "c.mrc", data)
    h = mrcschema.read_header(path)
    assert (h.dmin, h.dmax, h.dmean) == (0.0, -1.0, -2.0)  # MRC2014 "not determined", as mrcfile writes
    assert h.rms == float(np.float32(np.std(data.astype(np.complex128))))
    assert_valid(path)


def test_statistics_in_blocks_equal_one_pass_float64(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    data = (rng.normal(size=(7, 33, 29)) * 1000 + 5e4).astype(np.float32)  # large mean: float32 sums would drift
    monkeypatch.setattr(W, "BLOCK_BYTES", 1000)  # ~70 blocks, none aligned with sections
    path = mrcschema.write(tmp_path / "b.mrc", data)
    h = mrcschema.read_header(path)
    exact = data.astype(np.float64)
    assert (h.dmin, h.dmax) == (float(data.min()), float(data.max()))
    assert h.dmean == float(np.float32(exact.mean()))
    assert h.rms == pytest.approx(float(np.float32(exact.std())), rel=1e-6)
    whole = data_stats(data, 1 << 30)  # one block
    for block_bytes in (1, 4, 1000, 1 << 20):  # one element per block .. 1 MB blocks
        stats = data_stats(data, block_bytes)
        assert (stats.dmin, stats.dmax, stats.dmean) == (whole.dmin, whole.dmax, whole.dmean)
        assert stats.rms == pytest.approx(whole.rms, rel=1e-6)
    with mrcfile.open(path) as peer:
        np.testing.assert_array_equal(peer.data, data)


def test_non_contiguous_and_lazy_inputs(tmp_path, monkeypatch):
    import dask.array as da

    monkeypatch.setattr(W, "BLOCK_BYTES", 64)
    base = sample_data("i2", (6, 10, 8))
    strided = base[::2, :, ::-1].transpose(0, 2, 1)  # (3, 8, 10), no contiguous layout
    lazy = da.from_array(base, chunks=(2, 5, 4))
    for name, data, expected in (("strided.mrc", strided, np.ascontiguousarray(strided)),
                                 ("lazy.mrc", lazy, base), ("list.mrc", base.tolist(), base)):
        path = mrcschema.write(tmp_path / name, data)
        assert_valid(path)
        with mrcfile.open(path) as peer:
            np.testing.assert_array_equal(peer.data, expected)
        assert mrcschema.read_header(path).dmin == expected.min()


# -- dtype conversions -------------------------------------------------------------------------
@pytest.mark.parametrize("values,dtype,mode", [
    ([0, 255, 17], "u1", 6),  # widened losslessly, as mrcfile does
    ([True, False, True], "?", 0),
    ([-32768, 32767, 0], "i4", 1),
    ([0, 65535, 40000], "i8", 6),
    ([0, 70, 3], "u4", 1),
    ([0.5, -1.25, 2.0**40 + 2.0**20], "f8", 2),  # every value exactly representable in float32
    ([1.5 + 2j, -0.25j, 7], "c16", 4),
    ([0.1, 2.0, -7.3], "f2", 12),
    ([3, -128, 127], ">i2", 1),
])
def test_lossless_conversions(tmp_path, values, dtype, mode):
    data = np.array([values, values], dtype=dtype)
    path = mrcschema.write(tmp_path / "c.mrc", data)
    assert_valid(path)
    with mrcschema.open(path) as ours, mrcfile.open(path) as peer:
        assert ours.header.mode == mode
        assert ours.data.dtype == np.dtype(MODE_DTYPES[mode]).newbyteorder("<")
        np.testing.assert_array_equal(ours.data, data.astype(ours.data.dtype))
        np.testing.assert_array_equal(peer.data.astype(data.dtype), data)


@pytest.mark.parametrize("data,message", [
    (np.array([[0, 70000]], dtype="i4"), "values span 0 .. 70000, beyond int16 and uint16"),
    (np.array([[-1, 40000]], dtype="i8"), "values span -1 .. 40000"),
    (np.array([[0.1, 0.5]], dtype="f8"), r"value 0.1 would become 0.10000000149"),
    (np.array([[1e39, 0.0]], dtype="f8"), r"value 1e\+39 would become inf"),
    (np.array([[0.1j, 1]], dtype="c16"), "losslessly as complex64"),
    (np.array([["a", "b"]]), "cannot write <U1 data"),
    (np.array([[1, 2]], dtype="M8[s]"), "cannot write datetime64"),
])
def test_lossy_or_unknown_dtypes_are_refused_and_leave_nothing(tmp_path, data, message):
    with pytest.raises(MrcFormatError, match=message) as info:
        mrcschema.write(tmp_path / "x.mrc", data)
    assert str(info.value).startswith("mode at offset 12: ")
    assert folder_listing(tmp_path) == []


@pytest.mark.parametrize("shape", [(5,), (1, 2, 3, 4, 5), (0, 4), (3, 0, 2)])
def test_bad_shapes_are_refused(tmp_path, shape):
    with pytest.raises(ValueError, match="2D|positive"):
        mrcschema.write(tmp_path / "x.mrc", np.zeros(shape, np.float32))
    assert folder_listing(tmp_path) == []


@pytest.mark.parametrize("kwargs,message", [
    ({"voxel_size": -1.0}, "voxel_size must not be negative"),
    ({"voxel_size": (1.0, 2.0)}, "one number or three"),
    ({"voxel_size": float("nan")}, "finite"),
    ({"origin": 3.0}, "origin must be three numbers"),
    ({"labels": ["x"] * 11}, "at most 10 labels"),
    ({"labels": ["x" * 81]}, "81 characters, at most 80"),
    ({"labels": ["caf\u00e9"]}, "not printable ASCII"),
    ({"labels": ["a", "  "]}, "must not be empty"),
    ({"byteorder": "middle"}, "byteorder must be"),
    ({"exttyp": "FEI2"}, "exttyp given without an extended_header"),
    ({"extended_header": b"\0" * 80}, "needs exttyp"),
    ({"extended_header": b"\0" * 80, "exttyp": "TOOLONG"}, "4 ASCII characters"),
])
def test_bad_arguments_are_refused_before_anything_is_made(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        mrcschema.write(tmp_path / "x.mrc", np.zeros((2, 3), np.float32), **kwargs)
    assert folder_listing(tmp_path) == []


def test_labels_keep_text_and_drop_trailing_blanks(tmp_path):
    path = mrcschema.write(tmp_path / "l.mrc", np.zeros((2, 3), np.int8), labels=["  indented", "trailing   ", "x" * 80])
    assert_valid(path)
    with mrcfile.open(path) as peer, mrcschema.open(path) as ours:
        assert peer.get_labels() == ["  indented", "trailing", "x" * 80] == ours.labels
        assert peer.header.nlabl == 3
    assert mrcschema.write(tmp_path / "one.mrc", np.zeros((2, 3), np.int8), labels="single")
    assert mrcschema.open(tmp_path / "one.mrc").labels == ["single"]


def test_default_header_has_no_voxel_size_origin_or_labels(tmp_path):
    path = mrcschema.write(tmp_path / "d.mrc", np.ones((4, 3), np.float32))
    assert_valid(path)
    h = mrcschema.read_header(path)
    assert (h.cella.x, h.cella.y, h.cella.z, h.origin.x, h.nlabl, h.exttyp) == (0.0, 0.0, 0.0, 0.0, 0, b"\0\0\0\0")
    assert (h.dmin, h.dmax, h.dmean, h.rms) == (1.0, 1.0, 1.0, 0.0)


# -- no data loss ------------------------------------------------------------------------------
def test_refused_overwrite_leaves_the_file_unchanged(tmp_path):
    path = mrcschema.write(tmp_path / "keep.mrc", sample_data("f4", (3, 4, 5)))
    before = file_digest(path)
    with pytest.raises(FileExistsError):
        mrcschema.write(path, np.zeros((2, 2), np.int8))
    with pytest.raises(FileExistsError):
        mrcschema.new(path, (2, 2), np.int8).close()
    assert file_digest(path) == before
    assert folder_listing(tmp_path) == ["keep.mrc"]
    with pytest.raises(IsADirectoryError):
        mrcschema.write(tmp_path, np.zeros((2, 2), np.int8), overwrite=True)


def test_overwrite_replaces_and_keeps_permissions(tmp_path):
    path = mrcschema.write(tmp_path / "o.mrc", np.zeros((2, 2), np.int8))
    os.chmod(path, 0o640)
    mrcschema.write(path, np.ones((3, 3), np.int16), overwrite=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    with mrcfile.open(path) as peer:
        np.testing.assert_array_equal(peer.data, np.ones((3, 3), np.int16))
    assert folder_listing(tmp_path) == ["o.mrc"]


def test_new_file_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = mrcschema.write(tmp_path / "u.mrc", np.zeros((2, 2), np.int8))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


@pytest.mark.parametrize("existing", [False, True])
def test_failure_halfway_leaves_no_file_and_the_old_one_intact(tmp_path, monkeypatch, existing):
    path = tmp_path / "half.mrc"
    if existing:
        mrcschema.write(path, sample_data("i2", (2, 3, 4)))
        before = file_digest(path)
    calls = []
    real = W.convert_block

    def failing(block, conv, source_dtype):
        calls.append(block.size)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device (simulated)")
        return real(block, conv, source_dtype)

    monkeypatch.setattr(W, "BLOCK_BYTES", 256)
    monkeypatch.setattr(W, "convert_block", failing)
    with pytest.raises(OSError, match="simulated"):
        mrcschema.write(path, sample_data("f4", (4, 16, 16)), overwrite=True)
    assert len(calls) == 3  # two blocks were written before the failure
    if existing:
        assert folder_listing(tmp_path) == ["half.mrc"] and file_digest(path) == before
    else:
        assert folder_listing(tmp_path) == []


def test_conversion_failing_in_a_late_block_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "BLOCK_BYTES", 512)
    data = np.zeros((8, 16, 16), np.float64)
    data[7, 15, 15] = 0.1  # the very last value is not a float32
    with pytest.raises(MrcFormatError, match="value 0.1 would become"):
        mrcschema.write(tmp_path / "late.mrc", data)
    assert folder_listing(tmp_path) == []


def test_interrupt_leaves_nothing(tmp_path, monkeypatch):
    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(W.StatsAccumulator, "result", interrupt)
    with pytest.raises(KeyboardInterrupt):
        mrcschema.write(tmp_path / "k.mrc", np.zeros((3, 3), np.float32))
    assert folder_listing(tmp_path) == []


def test_name_appearing_during_the_write_is_not_clobbered(tmp_path, monkeypatch):
    path = tmp_path / "race.mrc"
    real = W._write_data

    def racing(out, source, conv, file_dtype, **progress):
        path.write_bytes(b"someone else's file")
        return real(out, source, conv, file_dtype, **progress)

    monkeypatch.setattr(W, "_write_data", racing)
    with pytest.raises(FileExistsError):
        mrcschema.write(path, np.zeros((3, 3), np.float32))
    assert path.read_bytes() == b"someone else's file"
    assert folder_listing(tmp_path) == ["race.mrc"]


# -- FEI extended headers ---------------------------------------------------------------------
def fei_records(layout, count, seed=3):
    """``count`` records of our FEI dtype, every field filled with varied values."""
    records = varied_records(layout.dtype("<"), count, seed)
    records["metadata_size"] = layout.size
    records["metadata_version"] = 2 if layout is FEI2 else 0
    return records


def assert_fei_equal(path, records, exttyp):
    with mrcfile.open(path) as peer:
        assert bytes(peer.header.exttyp) == exttyp and peer.header.nsymbt >= records.nbytes
        indexed = peer.indexed_extended_header
        assert len(indexed) == len(records)
        for name in indexed.dtype.names:
            mine = records[snake(name)]
            if mine.dtype.kind == "V":  # raw bytes here; mrcfile holds them as NUL-stripped text
                assert [m.tobytes() for m in mine] == [p.ljust(mine.dtype.itemsize, b"\0") for p in indexed[name]]
            else:
                np.testing.assert_array_equal(indexed[name], mine, err_msg=name)


@pytest.mark.parametrize("layout,exttyp", [(FEI1, b"FEI1"), (FEI2, b"FEI2")])
def test_fei_records_read_back_field_by_field(tmp_path, layout, exttyp):
    records = fei_records(layout, 4)
    path = mrcschema.write(tmp_path / "fei.mrc", sample_data("f4", (4, 6, 5)), extended_header=records)
    assert_valid(path)
    assert_fei_equal(path, records, exttyp)
    with mrcschema.open(path) as ours:
        assert ours.header.nsymbt == 4 * layout.size and ours.header.exttyp == exttyp
        assert ours.extended_header.tobytes() == records.tobytes()
        assert ours.data.offset == 1024 + 4 * layout.size


def test_fei_records_in_big_endian_dtype_and_blank_records(tmp_path):
    records = fei_records(FEI2, 3).astype(FEI2.dtype(">"))
    path = mrcschema.write(tmp_path / "be.mrc", np.zeros((3, 2, 2), np.int16), extended_header=records)
    assert_fei_equal(path, records.astype(FEI2.dtype("<")), b"FEI2")
    blank = np.zeros(2, FEI1.dtype())  # metadata_size / version filled in
    path = mrcschema.write(tmp_path / "blank.mrc", np.zeros((2, 2, 2), np.int16), extended_header=blank)
    assert_valid(path)
    with mrcfile.open(path) as peer:
        assert peer.indexed_extended_header["Metadata size"].tolist() == [768, 768]
        assert peer.indexed_extended_header["Metadata version"].tolist() == [0, 0]


@pytest.mark.parametrize("kwargs,message", [
    ({"byteorder": ">"}, "little-endian"),
    ({"exttyp": "FEI1"}, "does not match the FEI2 records"),
    ({"count": 2}, "2 records for 3 sections"),
])
def test_fei_problems_are_refused(tmp_path, kwargs, message):
    count = kwargs.pop("count", 3)
    with pytest.raises(ValueError, match=message):
        mrcschema.write(tmp_path / "x.mrc", np.zeros((3, 2, 2), np.int16),
                        extended_header=fei_records(FEI2, count), **kwargs)
    assert folder_listing(tmp_path) == []


def test_raw_extended_header_with_exttyp(tmp_path):
    symmetry = b"X,Y,Z".ljust(80)
    path = mrcschema.write(tmp_path / "ccp4.mrc", np.zeros((2, 3, 4), np.float32), volume=True,
                           extended_header=symmetry, exttyp="CCP4", byteorder=">")
    assert_valid(path)
    with mrcfile.open(path) as peer:
        assert peer.extended_header.tobytes() == symmetry and bytes(peer.header.exttyp) == b"CCP4"
        assert peer.header.nsymbt == 80 and peer.header.ispg == 1


# -- new ---------------------------------------------------------------------------------------
def test_new_fill_close_gives_right_stats(tmp_path):
    path = tmp_path / "n.mrc"
    with mrcschema.new(path, (4, 5, 6), np.int16, voxel_size=2.5, labels=["made by new"]) as f:
        assert f.mode == "r+" and isinstance(f.data, np.memmap) and f.data.shape == (4, 5, 6)
        assert not f.data.any()  # a sparse file reads as zeros
        f.data[:] = np.arange(120).reshape(4, 5, 6) - 60
    assert_valid(path)
    expected = np.arange(120) - 60
    h = mrcschema.read_header(path)
    assert (h.dmin, h.dmax, h.dmean) == (-60.0, 59.0, -0.5)
    assert h.rms == float(np.float32(expected.std()))
    with mrcfile.open(path) as peer:
        np.testing.assert_array_equal(peer.data, expected.reshape(4, 5, 6))
        assert peer.voxel_size.tolist() == (2.5, 2.5, 2.5) and peer.get_labels() == ["made by new"]
        assert peer.header.ispg == 0 and peer.header.mz == 1


@pytest.mark.parametrize("shape,dtype,byteorder,volume", [
    ((6, 7), np.float32, "<", False), ((3, 4, 5), np.complex64, ">", True),
    ((2, 3, 4, 5), np.uint16, ">", False), ((3, 4, 5), np.float16, "<", False), ((3, 4, 5), 0, "<", False),
])
def test_new_every_layout(tmp_path, shape, dtype, byteorder, volume):
    path = tmp_path / "n.mrc"
    f = mrcschema.new(path, shape, dtype, byteorder=byteorder, volume=volume)
    dt = np.dtype("i1") if dtype == 0 else np.dtype(dtype)
    data = sample_data(dt, shape)
    f.data[...] = data
    f.close()
    assert_valid(path)
    with mrcschema.open(path) as ours:
        np.testing.assert_array_equal(ours.data, data)
        assert ours.byteorder == byteorder and ours.data.dtype == dt.newbyteorder(byteorder)
    assert os.path.getsize(path) == 1024 + data.nbytes


def test_new_with_reserve_false_is_sparse_and_holds_no_data(tmp_path):
    path = tmp_path / "big.mrc"
    f = mrcschema.new(path, (16, 1024, 1024), np.float32, reserve=False)  # 64 MB
    assert os.path.getsize(path) == 1024 + 64 * 2**20
    assert os.stat(path).st_blocks * 512 < 2**20  # nothing written yet
    f.close(update_stats=False)
    h = mrcschema.read_header(path)
    assert (h.dmin, h.dmax, h.dmean, h.rms) == (0.0, -1.0, -2.0, -1.0)  # "not determined" (MRC2014 note 5)
    assert_valid(path)


def test_new_with_fei_header(tmp_path):
    records = fei_records(FEI2, 2)
    path = tmp_path / "f.mrc"
    with mrcschema.new(path, (2, 3, 4), np.float32, extended_header=records) as f:
        f.data[:] = 1.5
    assert_valid(path)
    assert_fei_equal(path, records, b"FEI2")


@pytest.mark.parametrize("dtype", [np.uint8, np.float64, np.int32, 3, 101])
def test_new_refuses_dtypes_it_cannot_map(tmp_path, dtype):
    with pytest.raises(MrcFormatError, match="dtype must be one MRC stores|cannot make mode"):
        mrcschema.new(tmp_path / "x.mrc", (2, 2), dtype)
    assert folder_listing(tmp_path) == []


def test_new_failing_creation_leaves_nothing(tmp_path):
    with pytest.raises(OSError):  # 4 PiB: beyond any ext4/XFS/tmpfs file
        mrcschema.new(tmp_path / "huge.mrc", (2**20, 2**15, 2**15), np.float32)
    assert folder_listing(tmp_path) == []


# -- adding an extended header to an existing file ------------------------------------------
def insert_supported(folder):
    probe = folder / "probe"
    probe.write_bytes(b"\0" * 3 * 4096)
    fd = os.open(probe, os.O_RDWR)
    try:
        return shift_range(fd, "insert", os.stat(probe).st_blksize, str(probe))
    finally:
        os.close(fd)
        probe.unlink()


def test_set_extended_header_inserts_without_touching_the_data(tmp_path):
    data = sample_data("f4", (5, 64, 48))
    path = mrcschema.write(tmp_path / "e.mrc", data, voxel_size=1.25, labels=["kept"])
    records = fei_records(FEI2, 5)
    expected = "insert" if insert_supported(tmp_path) else "rewrite"
    blksize = os.stat(path).st_blksize
    assert mrcschema.set_extended_header(path, records) == expected
    assert_valid(path)
    assert_fei_equal(path, records, b"FEI2")
    with mrcfile.open(path) as peer:
        np.testing.assert_array_equal(peer.data, data)
        assert peer.voxel_size.tolist() == (1.25, 1.25, 1.25) and peer.get_labels() == ["kept"]
        nsymbt = int(peer.header.nsymbt)
    assert nsymbt == (-(-5 * 888 // blksize) * blksize if expected == "insert" else 5 * 888)
    assert os.path.getsize(path) == 1024 + nsymbt + data.nbytes
    assert folder_listing(tmp_path) == ["e.mrc"]
    # a smaller header fits in place; removing it gives NSYMBT 0 again
    assert mrcschema.set_extended_header(path, fei_records(FEI2, 5, seed=9)[:5]) == "in place"
    assert_fei_equal(path, fei_records(FEI2, 5, seed=9), b"FEI2")
    assert mrcschema.set_extended_header(path, None) in (("collapse",) if expected == "insert" else ("rewrite",))
    assert_valid(path)
    with mrcfile.open(path) as peer:
        assert peer.header.nsymbt == 0 and peer.header.exttyp == b""
        np.testing.assert_array_equal(peer.data, data)
    assert os.path.getsize(path) == 1024 + data.nbytes


def test_set_extended_header_by_rewriting(tmp_path):
    data = sample_data("i2", (3, 8, 8))
    path = mrcschema.write(tmp_path / "r.mrc", data)
    records = fei_records(FEI1, 3)
    assert mrcschema.set_extended_header(path, records, method="rewrite") == "rewrite"
    assert_valid(path)
    assert_fei_equal(path, records, b"FEI1")
    with mrcfile.open(path) as peer:
        assert peer.header.nsymbt == 3 * 768
        np.testing.assert_array_equal(peer.data, data)
    assert folder_listing(tmp_path) == ["r.mrc"]


def test_set_extended_header_refusal_leaves_the_file_unchanged(tmp_path):
    path = mrcschema.write(tmp_path / "be.mrc", np.zeros((3, 4, 4), np.float32), byteorder=">")
    before = file_digest(path)
    with pytest.raises(ValueError, match="little-endian"):
        mrcschema.set_extended_header(path, fei_records(FEI2, 3))
    with pytest.raises(ValueError, match="method must be"):
        mrcschema.set_extended_header(path, b"x", exttyp="CCP4", method="fast")
    assert file_digest(path) == before


# -- property-based round trip ------------------------------------------------------------------
def _values(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        part = st.integers(-4000, 4000).map(lambda k: k / 4)
        return st.builds(complex, part, part)
    if dtype.kind == "f":  # quarter integers: float32 sums stay exact
        # mrcfile.validate sums float16 squares in float16: beyond 65504 it reports RMS inf (its own
        # files fail the same way), so float16 values stay within +-8
        bound = 32 if dtype.itemsize == 2 else 40000
        return st.integers(-bound, bound).map(lambda k: k / 4)
    info = np.iinfo(dtype)
    return st.integers(int(info.min), int(info.max))


@st.composite
def arrays(draw):
    from hypothesis.extra.numpy import arrays as np_arrays

    dtype = draw(st.sampled_from(["i1", "i2", "u2", "f2", "f4", "c8", "u1", "?"]))
    ndim = draw(st.integers(2, 4))
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=ndim, max_size=ndim)))
    elements = st.booleans() if dtype == "?" else _values(dtype)
    return draw(np_arrays(dtype, shape, elements=elements))


voxel = st.integers(0, 4000).map(lambda k: k / 16)  # exact in float32 and after x M


@settings(max_examples=40, deadline=None)
@given(data=arrays(), byteorder=st.sampled_from("<>"), volume=st.booleans(),
       size=st.tuples(voxel, voxel, voxel), origin=st.tuples(voxel, voxel, voxel),
       labels=st.lists(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1,
                               max_size=80).filter(lambda t: t.strip() == t and t), max_size=10))
@pytest.mark.slow
def test_round_trip_property(tmp_path_factory, data, byteorder, volume, size, origin, labels):
    folder = tmp_path_factory.mktemp("prop")
    path = mrcschema.write(folder / "p.mrc", data, voxel_size=size, origin=origin, labels=labels,
                           byteorder=byteorder, volume=volume)
    assert_valid(path)
    stored = {"u1": "u2", "b1": "i1"}.get(data.dtype.str[1:], data.dtype.str[1:])
    expected = data.astype(stored)
    # a single section: 2D in both readers, except mrcfile keeps (1, ny, nx) for a volume
    squeezed = expected.shape[1:] if data.ndim == 3 and data.shape[0] == 1 else expected.shape
    with mrcfile.open(path) as peer:
        assert peer.data.dtype == np.dtype(stored).newbyteorder(byteorder)
        assert peer.data.shape == (expected.shape if volume and data.ndim == 3 else squeezed)
        np.testing.assert_array_equal(peer.data, expected.reshape(peer.data.shape))
        assert peer.voxel_size.tolist() == size
        assert peer.header.origin.tolist() == origin
        assert peer.get_labels() == labels
    with mrcschema.open(path) as ours, mrcfile.open(path) as peer:
        assert ours.geometry.shape == peer.data.shape  # mrcfile's shape rule, single sections included
        np.testing.assert_array_equal(ours.data, expected.reshape(peer.data.shape))
        assert tuple(ours.voxel_size) == size and tuple(ours.origin) == origin and ours.labels == labels
        h = ours.header
        assert h.ispg == (401 if data.ndim == 4 else 1 if volume and data.ndim == 3 else 0)
        assert h.mz == (data.shape[1] if data.ndim == 4 else data.shape[0] if volume and data.ndim == 3 else 1)
        if data.dtype.kind != "c":
            values = data.astype(np.float64)
            assert (h.dmin, h.dmax) == (values.min(), values.max())
            assert h.dmean == float(np.float32(values.mean()))
            assert h.rms == pytest.approx(float(np.float32(values.std())), rel=1e-6, abs=1e-6)


# -- HyperSpy / RosettaSciIO signal dictionaries ----------------------------------------------------
def signal_dict(data, axes):
    keys = ("name", "units", "scale", "offset", "navigate")
    return {"data": data, "metadata": {"General": {"title": "t"}}, "original_metadata": {},
            "axes": [dict(zip(keys, axis), size=n, index_in_array=i) for i, (axis, n) in enumerate(zip(axes, data.shape))]}


@pytest.mark.parametrize("units,factor", [("nm", 10.0), ("Å", 1.0), ("A", 1.0), ("µm", 1e4), ("um", 1e4)])
def test_file_writer_scales_round_trip(tmp_path, units, factor):
    data = sample_data("f4", (3, 4, 5))
    axes = [("z", units, 0.5, 1.0, True), ("y", units, 0.25, -2.0, False), ("x", units, 0.125, 3.0, False)]
    path = tmp_path / "s.mrc"
    mrcschema.file_writer(str(path), signal_dict(data, axes))
    assert_valid(path)
    with mrcfile.open(path) as peer:
        assert peer.voxel_size.tolist() == (0.125 * factor, 0.25 * factor, 0.5 * factor)
        assert peer.header.origin.tolist() == (3.0 * factor, -2.0 * factor, 1.0 * factor)
        np.testing.assert_array_equal(peer.data, data)
    nm = factor / 10  # what the readers give back, in nm
    for reader in (mrcschema.file_reader, __import__("rsciio.mrc", fromlist=["file_reader"]).file_reader):
        back = reader(str(path))[0]
        np.testing.assert_array_equal(back["data"], data)
        assert [a["scale"] for a in back["axes"]] == pytest.approx([0.5 * nm, 0.25 * nm, 0.125 * nm], rel=1e-7)
        assert [a["offset"] for a in back["axes"]] == pytest.approx([1.0 * nm, -2.0 * nm, 3.0 * nm], rel=1e-7)
        assert [a["navigate"] for a in back["axes"]] == [True, False, False]


def test_file_writer_with_a_hyperspy_signal(tmp_path):
    import hyperspy.api as hs

    s = hs.signals.Signal2D(sample_data("u2", (2, 6, 7)))
    for axis, scale in zip(s.axes_manager._axes, (1.0, 0.2, 0.2)):
        axis.units, axis.scale = "nm", scale
    path = tmp_path / "hs.mrc"
    mrcschema.file_writer(str(path), s._to_dictionary())
    assert_valid(path)
    loaded = hs.load(path)  # RosettaSciIO's reader
    np.testing.assert_array_equal(loaded.data, s.data)
    assert [a.scale for a in loaded.axes_manager._axes] == pytest.approx([1.0, 0.2, 0.2], rel=1e-7)
    mrcschema.file_writer(str(path), s._to_dictionary())  # HyperSpy asked already: overwrite by default
    with pytest.raises(FileExistsError):
        mrcschema.file_writer(str(path), s._to_dictionary(), overwrite=False)


def test_file_writer_unknown_units_give_scale_one(tmp_path):
    data = sample_data("i2", (4, 3, 5))
    path = tmp_path / "u.mrc"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scale 1, offset 0: nothing lost, no warning
        mrcschema.file_writer(str(path), signal_dict(data, [("frame", None, 1.0, 0.0, True),
                                                            ("y", "nm", 0.5, 0.0, False), ("x", "px", 1.0, 0.0, False)]))
    assert_valid(path)
    assert tuple(mrcschema.open(path).voxel_size) == (0.0, 5.0, 0.0)
    back = mrcschema.file_reader(str(path))[0]
    assert [(a["scale"], a["units"]) for a in back["axes"]] == [(1.0, None), (0.5, "nm"), (1.0, None)]
    with pytest.warns(MrcWarning, match="'s', not a length: its scale 0.04"):
        mrcschema.file_writer(str(path), signal_dict(data, [("time", "s", 0.04, 0.0, True),
                                                            ("y", "nm", 0.5, 0.0, False), ("x", "nm", 0.5, 0.0, False)]))
    assert tuple(mrcschema.open(path).voxel_size) == (5.0, 5.0, 0.0)


def test_file_writer_flattens_navigation_axes_into_the_stack(tmp_path):
    data = sample_data("f4", (2, 3, 4, 5))  # 4D-STEM: (scan y, scan x, ky, kx)
    axes = [("sy", "nm", 2.0, 0, True), ("sx", "nm", 2.0, 0, True), ("ky", "nm", 0.1, 0, False),
            ("kx", "nm", 0.1, 0, False)]
    path = tmp_path / "4d.mrc"
    mrcschema.file_writer(str(path), signal_dict(data, axes))
    assert_valid(path)
    with mrcschema.open(path) as ours:
        assert ours.geometry.shape == (6, 4, 5) and ours.header.ispg == 0
        assert tuple(ours.voxel_size) == (1.0, 1.0, 0.0)
    back = mrcschema.file_reader(str(path), navigation_shape=(3, 2))[0]
    np.testing.assert_array_equal(back["data"], data)


def test_file_writer_refuses_what_mrc_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match="at least 2 axes"):
        mrcschema.file_writer(str(tmp_path / "x.mrc"), signal_dict(np.zeros(5, np.float32), [("e", "eV", 1, 0, False)]))
    with pytest.raises(TypeError, match="unexpected keywords"):
        mrcschema.file_writer(str(tmp_path / "x.mrc"), signal_dict(np.zeros((2, 2), np.float32), [(), ()]), compress=True)
    assert folder_listing(tmp_path) == []


def test_writing_guide_examples_run(tmp_path, monkeypatch):
    from conftest import REPO

    text = (REPO / "docs" / "writing.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 6
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "docs/writing.md", "exec"), {})
    for name in ("stack.mrc", "volume.mrc", "big.mrc", "fei.mrc", "plain.mrc", "signal.mrc"):
        assert_valid(tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["stack.mrc", "volume.mrc", "big.mrc", "fei.mrc", "plain.mrc", "signal.mrc"])


def test_write_benchmark_runs_in_miniature(tmp_path):
    """benchmarks/bench_write.py stays importable and runnable (tiny sizes; no timing asserted)."""
    import importlib.util
    import sys

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("bench_write", REPO / "benchmarks" / "bench_write.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    rows = bench.run(size_mb=1, repeats=1, folder=str(tmp_path), fei_side=64)
    assert [row["case"].split()[0] for row in rows] == ["write", "new", "add", "add"]
    assert all(row["ours_median"] > 0 and row["peer_median"] > 0 for row in rows)
    assert rows[2]["ours"] in ("set_extended_header (insert)", "set_extended_header (rewrite)")
    out = io.StringIO()
    bench.report(rows, out)
    assert "ours / peer" in out.getvalue()
    assert folder_listing(tmp_path) == []
