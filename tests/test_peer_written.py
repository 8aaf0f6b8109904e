"""Files written by mrcfile in every mode, both byte orders, every layout, read back identically."""

import mrcfile
import numpy as np
import pytest
from conftest import sample_data
from peers import assert_header_equals_mrcfile

import mrcschema

DTYPES = ["i1", "i2", "f4", "c8", "u2", "f2"]  # modes 0, 1, 2, 4, 6, 12 (all mrcfile writes)
SHAPES = {"image": ((5, 7), None), "stack": ((3, 5, 7), "stack"), "volume": ((4, 5, 7), "volume"),
          "volume_stack": ((2, 3, 5, 7), None)}


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", list(SHAPES))
def test_mrcfile_written_file_reads_identically(write_with_mrcfile, order, dtype, kind):
    shape, layout = SHAPES[kind]
    data = sample_data(np.dtype(dtype).newbyteorder(order), shape)
    path = write_with_mrcfile(data, layout=layout, voxel_size=(1.25, 2.5, 3.75))
    with mrcschema.open(path) as ours, mrcfile.open(path) as theirs:
        assert ours.byteorder == (order if data.dtype.itemsize > 1 else "<")  # bytes have no order
        assert_header_equals_mrcfile(ours.header, theirs.header)
        assert ours.data.shape == shape
        assert ours.data.dtype == theirs.data.dtype == data.dtype
        np.testing.assert_array_equal(ours.data, data)
        assert tuple(ours.voxel_size) == (1.25, 2.5, 3.75)
        expected_ispg = {"image": 0, "stack": 0, "volume": 1, "volume_stack": 401}[kind]
        assert ours.header.ispg == expected_ispg
        if kind == "volume_stack":
            assert ours.header.mz == 3
