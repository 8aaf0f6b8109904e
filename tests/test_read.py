"""``MrcFile.read()``: the whole data block in memory, in this machine's byte order."""

import gzip
import os
import sys
import warnings

import mrcfile
import numpy as np
import pytest
from conftest import CORPUS_MRC, corpus_id
from crafting import valid_header, write_file

import mrcschema
from mrcschema.format.modes import pack_4bit

NATIVE = "<" if sys.byteorder == "little" else ">"


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("dtype", ["i1", "i2", "f4", "c8", "u2", "f2"])
def test_read_equals_data_in_native_order(tmp_path, order, dtype):
    values = (np.arange(5 * 6 * 7) % 97 - 40).astype(dtype).reshape(5, 6, 7)
    path = tmp_path / "v.mrc"
    mrcschema.write(path, values, byteorder=order)
    with mrcschema.open(path) as f:
        out = f.read()
        assert out.dtype == values.dtype and out.dtype.isnative and out.dtype.byteorder in ("=", "|")
        assert out.shape == f.data.shape and np.array_equal(out, f.data)
        assert out.flags.writeable and out.flags.owndata and not isinstance(out, np.memmap)
        out[...] = 0  # the caller's own memory: the file is not touched
        assert np.array_equal(f.data, values)


def test_read_mode_3_complex_int16_big_endian(tmp_path):
    values = np.zeros((2, 3, 4), np.dtype([("real", ">i2"), ("imag", ">i2")]))
    values["real"] = np.arange(24).reshape(2, 3, 4) - 12
    values["imag"] = 300 - np.arange(24).reshape(2, 3, 4)
    header = valid_header(nx=4, ny=3, nz=2, mode=3, machst=b"\x11\x11\0\0")
    path = write_file(tmp_path / "c.mrc", header, values.tobytes(), byteorder=">")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with mrcschema.open(path) as f:
            assert f.byteorder == ">"
            out = f.read()
    assert out.dtype.isnative and out.dtype.names == ("real", "imag")
    assert out["real"].tolist() == values["real"].tolist() and out["imag"].tolist() == values["imag"].tolist()


@pytest.mark.parametrize("path", [p for p in CORPUS_MRC][:12], ids=corpus_id)
def test_read_of_the_corpus_equals_mrcfile(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with mrcfile.open(path, permissive=True) as m:
                expected = None if m.data is None else np.array(m.data)
        except Exception:  # noqa: BLE001 - a file mrcfile cannot read is not compared
            pytest.skip("mrcfile does not read it")
        try:
            f = mrcschema.open(path, permissive=True)
        except mrcschema.MrcFormatError:
            pytest.skip("not readable as MRC")
        with f:
            out = f.read()
    if expected is None or out is None:
        return
    assert out.dtype.isnative or out.dtype.itemsize == 1
    np.testing.assert_array_equal(out, expected)


def test_read_of_a_compressed_file_and_of_mode_101(tmp_path):
    values = (np.arange(60) % 16).astype(np.uint8).reshape(3, 4, 5)
    mrcschema.write(tmp_path / "v.mrc", values.astype(np.int8))
    (tmp_path / "v.mrc.gz").write_bytes(gzip.compress((tmp_path / "v.mrc").read_bytes()))
    with mrcschema.open(tmp_path / "v.mrc.gz") as f:
        assert np.array_equal(f.read(), values)
    with mrcfile.new(tmp_path / "p.mrc") as m:
        m.set_data(values.astype(np.int8))
    raw = bytearray((tmp_path / "p.mrc").read_bytes())
    packed = pack_4bit(values)
    raw[12:16] = (101).to_bytes(4, "little")
    (tmp_path / "p.mrc").write_bytes(bytes(raw[:1024]) + packed.tobytes())
    with mrcschema.open(tmp_path / "p.mrc") as f:
        assert f.read().tolist() == f.data.tolist() == values.tolist()


def test_read_sees_changes_made_through_data(tmp_path):
    path = tmp_path / "v.mrc"
    mrcschema.write(path, np.zeros((2, 3, 4), np.float32))
    for mode in ("c", "r+"):
        with mrcschema.open(path, mode) as f:
            f.data[1, 2, 3] = 7.0
            assert f.read()[1, 2, 3] == 7.0
    with mrcschema.open(path) as f:
        assert f.read()[1, 2, 3] == 7.0  # the "r+" change was written, the "c" one never


def test_read_of_empty_truncated_closed_and_unlocated_data(tmp_path):
    path = tmp_path / "e.mrc"
    with mrcfile.new(path) as m:
        m.set_data(np.zeros((2, 3, 4), np.float32))
    raw = path.read_bytes()
    (tmp_path / "t.mrc").write_bytes(raw[:1024 + 3 * 4 * 4 + 5])  # one whole section and a bit
    with pytest.warns(mrcschema.MrcWarning):
        f = mrcschema.open(tmp_path / "t.mrc", permissive=True)
    with f:
        assert f.read().shape == (1, 3, 4)
    with pytest.raises(ValueError, match="closed"):
        f.read()
    (tmp_path / "x.mrc").write_bytes(raw[:92] + (10 ** 6).to_bytes(4, "little") + raw[96:1024])
    with pytest.warns(mrcschema.MrcWarning):
        g = mrcschema.open(tmp_path / "x.mrc", permissive=True)
    with g:
        assert g.read() is None or g.read().size == 0
    header_only = tmp_path / "h.mrc"
    header_only.write_bytes(raw[:8] + (0).to_bytes(4, "little") + raw[12:1024])
    with mrcschema.open(header_only) as h:
        assert h.read().size == 0


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("threads", [1, 3])
def test_read_of_a_large_block_in_threads_equals_numpy_fromfile(tmp_path, order, threads):
    """A block of 20 MiB (over PARALLEL_READ_BYTES) read in one part or split between threads, in
    either byte order (the other one cast through the small buffer), is numpy's reading of it."""
    from mrcschema.reading.window import PARALLEL_READ_BYTES, read_into

    values = (np.arange(5 * 1024 * 1024, dtype=np.float32) % 1009 - 500).reshape(20, 512, 512)
    assert values.nbytes >= PARALLEL_READ_BYTES
    path = tmp_path / "big.mrc"
    mrcschema.write(path, values, byteorder=order)
    expected = np.fromfile(path, dtype=f"{order}f4", offset=1024).reshape(values.shape)
    out = read_into(str(path), 1024, np.empty(values.shape, np.float32), np.dtype(f"{order}f4"), threads=threads)
    np.testing.assert_array_equal(out, expected)
    with mrcschema.open(path) as f:
        assert np.array_equal(f.read(), expected) and f.read().dtype.isnative


def test_a_file_cut_short_after_opening_fails_its_read_in_every_thread_count(tmp_path):
    from mrcschema.reading.window import read_into

    path = tmp_path / "cut.mrc"
    mrcschema.write(path, np.ones((20, 512, 512), np.float32))
    with mrcschema.open(path) as f:
        os.truncate(path, 1024 + 7 * 512 * 512 * 4)  # another program cuts it to 7 of its 20 sections
        for threads in (1, 3):
            with pytest.raises(mrcschema.MrcFormatError) as info:
                read_into(str(path), 1024, np.empty((20, 512, 512), np.float32), threads=threads)
            end = 1024 + 7 * 512 * 512 * 4
            assert str(info.value) == (f"data at offset {end}: {path} ends at byte {end}, {13 * 512 * 512 * 4} bytes "
                                       "before the data block does (truncated since it was opened?)")
        with pytest.raises(mrcschema.MrcFormatError, match="before the data block does"):
            f.read()
