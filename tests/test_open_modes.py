"""Open modes: "r" never writes, "c" writes never reach the file, "r+" writes do; compressed files."""

import bz2
import gzip
import shutil

import attrs
import numpy as np
import pytest
from conftest import CORPUS_MRC, EXAMPLES, file_digest

import mrcschema
from mrcschema import MrcFormatError


@pytest.fixture
def volume(tmp_path):
    path = tmp_path / "v.mrc"
    shutil.copy(EXAMPLES / "tiny_volume.mrc", path)
    return path


def test_read_mode_data_is_read_only_memmap(volume):
    with mrcschema.open(volume) as f:
        assert isinstance(f.data, np.memmap)
        assert f.data.offset == 1024
        with pytest.raises(ValueError):
            f.data[0, 0, 0] = 1


def test_copy_on_write_never_reaches_the_file(volume):
    before = file_digest(volume)
    with mrcschema.open(volume, mode="c") as f:
        f.data[:] = 7
        assert np.all(f.data == 7)
    assert file_digest(volume) == before
    with mrcschema.open(volume) as f:
        assert not np.all(f.data == 7)


def test_read_write_mode_persists_data_and_header(volume):
    with mrcschema.open(volume, mode="r+") as f:
        f.data[1, 2, 3] = 42.5
        f.header = attrs.evolve(f.header, nxstart=-5)
    with mrcschema.open(volume) as f:
        assert f.data[1, 2, 3] == 42.5
        assert f.header.nxstart == -5


def test_read_header_reads_only_the_header(volume):
    header = mrcschema.read_header(volume)
    assert (header.nx, header.ny, header.nz, header.ispg) == (24, 20, 16, 1)


def test_bad_open_mode():
    with pytest.raises(ValueError, match="mode must be 'r', 'r\\+' or 'c'"):
        mrcschema.open(EXAMPLES / "tiny_volume.mrc", mode="w")


@pytest.mark.parametrize("compress,name", [(gzip.compress, "v.mrc.gz"), (bz2.compress, "v.map.bz2")])
def test_compressed_files_open_transparently(tmp_path, compress, name):
    source = EXAMPLES / "tiny_volume.mrc"
    path = tmp_path / name
    path.write_bytes(compress(source.read_bytes()))
    with mrcschema.open(path) as packed, mrcschema.open(source) as plain:
        assert packed.header == plain.header
        np.testing.assert_array_equal(packed.data, plain.data)
        assert not packed.data.flags.writeable
    assert mrcschema.read_header(path) == mrcschema.read_header(source)
    with mrcschema.open(path, mode="c") as f:
        f.data[0, 0, 0] = 9
    with pytest.raises(MrcFormatError, match="compressed files cannot be opened 'r\\+'"):
        mrcschema.open(path, mode="r+")


def test_emdb_gzip_equals_plain_map():
    gz = next(p for p in CORPUS_MRC if p.name == "emd_3001.map.gz")
    plain = next(p for p in CORPUS_MRC if p.name == "EMD-3001.map")
    with mrcschema.open(gz) as a, mrcschema.open(plain) as b:
        assert a.header == b.header
        np.testing.assert_array_equal(a.data, b.data)


def test_open_cost_does_not_depend_on_file_size(tmp_path):
    """A 100 GB sparse file opens without reading its data: only the header is touched."""
    from crafting import valid_header, write_file

    path = write_file(tmp_path / "huge.mrc", valid_header(nx=10000, ny=10000, nz=250), b"")
    with open(path, "r+b") as f:
        f.truncate(1024 + 10000 * 10000 * 250 * 4)
    with mrcschema.open(path) as f:
        assert f.data.shape == (250, 10000, 10000)
        assert f.data[-1, -1, -1] == 0.0
