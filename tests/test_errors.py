"""Each structural error is a clear MrcFormatError naming the field, the offset and the expectation."""

import re

import numpy as np
import pytest
from crafting import valid_header, write_file

import mrcschema
from mrcschema import MrcFormatError


def open_error(path):
    with pytest.raises(MrcFormatError) as info:
        with mrcschema.open(path) as f:
            f.data
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_file_shorter_than_header(tmp_path):
    path = tmp_path / "short.mrc"
    path.write_bytes(b"\0" * 100)
    assert open_error(path) == ("header at offset 0: not an MRC file: 100 bytes long, "
                                "shorter than the 1024-byte MRC header")
    with pytest.raises(MrcFormatError, match="shorter than the 1024-byte"):
        mrcschema.read_header(path)


def test_nsymbt_past_end_of_file(tmp_path):
    path = write_file(tmp_path / "x.mrc", valid_header(nsymbt=5000), b"\0" * 96)
    assert open_error(path) == ("nsymbt at offset 92: extended header of 5000 bytes runs past "
                                "the end of the 1120-byte file")


def test_negative_nsymbt(tmp_path):
    path = write_file(tmp_path / "x.mrc", valid_header(nsymbt=-8), b"\0" * 96)
    assert open_error(path) == "nsymbt at offset 92: NSYMBT is -8, expected >= 0"


def test_data_block_shorter_than_promised(tmp_path):
    path = write_file(tmp_path / "x.mrc", valid_header(), b"\0" * 50)
    assert open_error(path) == ("data at offset 1024: data block is 50 bytes, the header promises 96 "
                                "(NX 4 x NY 3 x NZ 2, mode 2)")


@pytest.mark.parametrize("field,offset", [("nx", 0), ("ny", 4), ("nz", 8)])
def test_negative_dimension(tmp_path, field, offset):
    path = write_file(tmp_path / "x.mrc", valid_header(**{field: -3}), b"\0" * 96)
    message = open_error(path)
    assert message == f"{field} at offset {offset}: {field.upper()} is -3, expected a positive number (or 0: no data)"


@pytest.mark.parametrize("field,shape", [("nx", (2, 3, 0)), ("ny", (2, 0, 4)), ("nz", (0, 3, 4))])
def test_zero_dimension_is_an_empty_data_block(tmp_path, field, shape):
    """What mrcfile.new() writes before data is set: an empty array of the right dtype and shape."""
    path = write_file(tmp_path / "x.mrc", valid_header(**{field: 0}), b"")
    with mrcschema.open(path) as f:
        assert f.data.shape == shape and f.data.dtype == np.dtype("<f4") and f.data.size == 0


def test_unknown_mode(tmp_path):
    path = write_file(tmp_path / "x.mrc", valid_header(mode=9), b"\0" * 96)
    assert open_error(path) == ("mode at offset 12: unknown mode 9, expected one of "
                                "0, 1, 2, 3, 4, 6, 7, 8, 12, 16, 101")


def test_dimensions_whose_product_overflows(tmp_path):
    header = valid_header(nx=2**31 - 1, ny=2**31 - 1, nz=2**31 - 1)
    path = write_file(tmp_path / "x.mrc", header, b"\0" * 96)
    message = open_error(path)
    assert message.startswith("nx at offset 0: NX * NY * NZ = 2147483647 * 2147483647 * 2147483647")
    assert message.endswith("more than any file can hold")


def test_huge_dimensions_within_range_are_checked_against_file_size(tmp_path):
    path = write_file(tmp_path / "x.mrc", valid_header(nx=100000, ny=100000, nz=1000), b"\0" * 96)
    assert re.fullmatch(r"data at offset 1024: data block is 96 bytes, the header promises 40000000000000 .*",
                        open_error(path))


def test_non_mrc_file_is_a_format_error(tmp_path):
    path = tmp_path / "notes.mrc"
    path.write_text("hello " * 400)
    # the identity check comes first: a text file is "not MRC", not "an MRC file of unknown mode"
    assert open_error(path) == ("map at offset 208: not an MRC file: MAP is 'o he', expected 'MAP ' "
                                "(and NX 1819043176, NY 1701322863, NZ 544173164, MODE 1819043176)")


def test_truncated_compressed_file(tmp_path):
    import gzip

    plain = write_file(tmp_path / "x.mrc", valid_header(nx=100, ny=100, nz=10), bytes(range(256)) * 1600)
    path = tmp_path / "x.mrc.gz"
    compressed = gzip.compress(plain.read_bytes())
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(MrcFormatError, match="file at offset 0: cannot decompress gzip stream"):
        mrcschema.open(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        mrcschema.open(tmp_path / "absent.mrc")
