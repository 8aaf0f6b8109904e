"""One vocabulary across the public API (issue 11): what every entry point accepts, the one
return type of each accessor, and that a closed or read-only file cannot be written through."""

import importlib
import types

import attrs
import numpy as np
import pytest
from conftest import CORPUS, EXAMPLES, file_digest, sample_data
from crafting import valid_header, write_file

import mrcschema
from mrcschema import MrcFormatError
from mrcschema.format.modes import pack_4bit

EPU = CORPUS / "mrcfile" / "fei-extended.mrc"


def test_every_export_is_what_the_package_says_it_is():
    for name in mrcschema.__all__:
        assert getattr(mrcschema, name) is not None
    for module in ("validation.validator", "writing.writer", "reading.metadata", "hyperspy.reader"):
        importlib.import_module(f"mrcschema.{module}")
    # no module shares a name with an exported function, so importing every module changes nothing
    for name in ("validate", "write", "acquisition", "open", "new", "read_header"):
        assert isinstance(getattr(mrcschema, name), types.FunctionType), name
    assert isinstance(importlib.import_module("mrcschema.validation.validator"), types.ModuleType)


def test_read_header_refuses_what_open_refuses(tmp_path):
    text = tmp_path / "notes.mrc"
    text.write_text("hello, this is a text file and not an MRC file at all " * 30)
    for call in (mrcschema.read_header, mrcschema.open):
        with pytest.raises(MrcFormatError) as err:
            call(text)
        assert (err.value.field, err.value.offset) == ("map", 208)


def test_acquisition_takes_a_path_or_an_open_file():
    from_path = mrcschema.acquisition(EPU)
    with mrcschema.open(EPU) as f:
        from_file = mrcschema.acquisition(f)
        assert f.closed is False
    np.testing.assert_equal(attrs.asdict(from_path), attrs.asdict(from_file))
    assert from_path.source == "FEI1" and from_path.sections == 1


SPELLINGS = [("<", "<"), ("little", "<"), (">", ">"), ("big", ">"), ("=", "<"), ("native", "<")]


@pytest.mark.parametrize("given,order", SPELLINGS)
def test_byteorder_is_spelled_the_same_in_open_read_header_write_and_new(tmp_path, given, order):
    data = sample_data("i2", (3, 4, 5))
    written = mrcschema.write(tmp_path / "w.mrc", data, byteorder=given)
    with mrcschema.new(tmp_path / "n.mrc", (3, 4, 5), "int16", byteorder=given) as f:
        f.data[...] = data
    for path in (written, tmp_path / "n.mrc"):
        with mrcschema.open(path) as f:
            assert f.byteorder == order
            np.testing.assert_array_equal(f.data, data)
        with mrcschema.open(path, byteorder=given) as f:
            assert (f.byteorder, f.byteorder_source) == (order, "given")
        assert mrcschema.read_header(path, byteorder=given).nx == 5


def test_a_bad_byteorder_is_refused_with_one_message_everywhere(tmp_path):
    path = EXAMPLES / "tiny_volume.mrc"
    calls = [lambda: mrcschema.open(path, byteorder="middle"),
             lambda: mrcschema.read_header(path, byteorder="middle"),
             lambda: mrcschema.write(tmp_path / "a.mrc", np.zeros((2, 2), "f4"), byteorder="middle"),
             lambda: mrcschema.new(tmp_path / "b.mrc", (2, 2), byteorder="middle")]
    messages = set()
    for call in calls:
        with pytest.raises(ValueError) as err:
            call()
        messages.add(str(err.value))
    assert messages == {"byteorder must be one of '<', 'little', '>', 'big', '=', 'native', '|' or None, "
                        "not 'middle'"}
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_extended_header_is_always_an_array():
    with mrcschema.open(EPU) as f:
        assert f.extended_header.dtype.names[:2] == ("metadata_size", "metadata_version")
    with mrcschema.open(EXAMPLES / "tiny_volume.mrc") as f:
        assert f.extended_header.dtype == np.uint8 and f.extended_header.size == f.header.nsymbt == 0


# -- mode 101 in "r+" ------------------------------------------------------------------------------
def packed_file(tmp_path, values):
    nz, ny, nx = values.shape
    header = valid_header(nx=nx, ny=ny, nz=nz, mode=101)
    return write_file(tmp_path / "packed.mrc", header, pack_4bit(values).tobytes())


def test_mode_101_edits_are_written_back(tmp_path):
    values = (np.arange(2 * 3 * 5) % 16).astype(np.uint8).reshape(2, 3, 5)
    path = packed_file(tmp_path, values)
    with mrcschema.open(path, "r+") as f:
        f.data[0, 0, 0] = 9
        f.data[1, 2, 4] = 15
    expected = values.copy()
    expected[0, 0, 0], expected[1, 2, 4] = 9, 15
    with mrcschema.open(path) as f:
        np.testing.assert_array_equal(f.data, expected)
        assert not f.data.flags.writeable  # "r": read-only, as every mapped array is
        with pytest.raises(ValueError):
            f.data[0, 0, 0] = 1


def test_mode_101_refuses_values_that_do_not_fit_four_bits(tmp_path):
    values = np.zeros((2, 2, 3), np.uint8)
    path = packed_file(tmp_path, values)
    before = file_digest(path)
    f = mrcschema.open(path, "r+")
    f.data[0, 1, 2] = 16
    with pytest.raises(ValueError, match="mode 101 stores 4-bit values .0-15.; the data holds 16"):
        f.flush()
    assert file_digest(path) == before
    f.data[0, 1, 2] = 7
    f.close()
    with mrcschema.open(path) as g:
        assert g.data[0, 1, 2] == 7


# -- closed means closed -----------------------------------------------------------------------------
def test_a_closed_file_has_no_data_and_kept_arrays_no_longer_write(tmp_path):
    path = mrcschema.write(tmp_path / "c.mrc", np.zeros((2, 3, 4), np.float32))
    f = mrcschema.open(path, "r+")
    kept = f.data
    kept[0, 0, 0] = 1.0
    f.close()
    with pytest.raises(ValueError, match="is closed"):
        f.data
    with pytest.raises(ValueError, match="read-only"):
        kept[0, 0, 1] = 2.0
    with mrcschema.open(path) as g:
        assert g.data[0, 0, 0] == 1.0 and g.data[0, 0, 1] == 0.0
