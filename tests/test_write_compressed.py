"""``write`` compresses by the name's suffix (``.gz`` gzip, ``.bz2`` bzip2), as mrcfile's
``compression=`` does; ``new`` (filled in place) refuses such a name."""

import bz2
import gzip

import mrcfile
import numpy as np
import pytest

import mrcschema

DATA = np.arange(60, dtype=np.float32).reshape(3, 4, 5)


@pytest.mark.parametrize(("suffix", "decompress", "magic"), [(".gz", gzip.decompress, b"\x1f\x8b"),
                                                             (".bz2", bz2.decompress, b"BZh")])
def test_write_compresses_by_suffix_and_mrcfile_reads_it(tmp_path, suffix, decompress, magic):
    packed, plain = tmp_path / f"out.mrc{suffix}", tmp_path / "out.mrc"
    mrcschema.write(packed, DATA, voxel_size=1.5)
    mrcschema.write(plain, DATA, voxel_size=1.5)
    raw = packed.read_bytes()
    assert raw.startswith(magic) and decompress(raw) == plain.read_bytes()
    with mrcfile.open(packed) as m:
        assert np.array_equal(m.data, DATA) and m.voxel_size.x == 1.5
    assert mrcfile.validate(str(packed))
    with mrcschema.open(packed) as f:
        assert f.compression == {".gz": "gzip", ".bz2": "bzip2"}[suffix]


def test_gzip_output_does_not_depend_on_the_clock(tmp_path):
    mrcschema.write(tmp_path / "a.mrc.gz", DATA)
    mrcschema.write(tmp_path / "b.mrc.gz", DATA)
    assert (tmp_path / "a.mrc.gz").read_bytes() == (tmp_path / "b.mrc.gz").read_bytes()


def test_new_refuses_a_compressed_name(tmp_path):
    with pytest.raises(ValueError, match=r"new\(\) makes a file whose data is filled in place"):
        mrcschema.new(tmp_path / "x.mrc.gz", (2, 3, 4))
    assert list(tmp_path.iterdir()) == []
