"""Editing in "r+" mode: voxel size, origin, labels, header records and data persist, statistics
follow the data, and the file still passes mrcfile.validate; "r" and "c" refuse every change."""

import io
import shutil
import warnings

import attrs
import mrcfile
import numpy as np
import pytest
from conftest import EXAMPLES, file_digest, sample_data
from test_write import assert_fei_equal, assert_valid, fei_records

import mrcschema
import mrcschema.format.header_edits
from mrcschema.format.fei import FEI2


@pytest.fixture
def stack(tmp_path):
    data = sample_data("f4", (3, 4, 5))
    return mrcschema.write(tmp_path / "e.mrc", data, voxel_size=1.0, labels=["original"]), data


def test_voxel_size_scalar_and_tuple_persist(stack):
    path, data = stack
    with mrcschema.open(path, "r+") as f:
        f.voxel_size = 1.5
        assert tuple(f.voxel_size) == (1.5, 1.5, 1.5)
    assert_valid(path)
    with mrcfile.open(path) as peer:
        assert peer.voxel_size.tolist() == (1.5, 1.5, 1.5)
    with mrcschema.open(path, "r+") as f:
        f.voxel_size = (0.5, 2.0, 3.25)
    with mrcfile.open(path) as peer:
        assert peer.voxel_size.tolist() == (0.5, 2.0, 3.25)
        assert peer.header.cella.tolist() == (0.5 * 5, 2.0 * 4, 3.25 * 1)  # stack: MZ 1
        np.testing.assert_array_equal(peer.data, data)
    assert_valid(path)


def test_voxel_size_of_a_volume_uses_mz(tmp_path):
    path = mrcschema.write(tmp_path / "v.mrc", np.zeros((6, 4, 5), np.int16), volume=True)
    with mrcschema.open(path, "r+") as f:
        f.voxel_size = 2.0
    assert mrcschema.read_header(path).cella.z == 12.0
    with mrcfile.open(path) as peer:
        assert peer.voxel_size.tolist() == (2.0, 2.0, 2.0)


def test_origin_persists(stack):
    path, _ = stack
    with mrcschema.open(path, "r+") as f:
        f.origin = (10.5, -3.0, 7.25)
    assert_valid(path)
    with mrcfile.open(path) as peer, mrcschema.open(path) as ours:
        assert peer.header.origin.tolist() == (10.5, -3.0, 7.25) == tuple(ours.origin)


def test_labels_append_persists(stack):
    path, _ = stack
    with mrcschema.open(path, "r+") as f:
        f.labels.append("second label")
        f.labels.extend(["third", "fourth   "])
        f.labels[0] = "replaced"
        assert f.labels == ["replaced", "second label", "third", "fourth"]
    assert_valid(path)
    with mrcfile.open(path) as peer:
        assert peer.get_labels() == ["replaced", "second label", "third", "fourth"]
        assert peer.header.nlabl == 4
    with mrcschema.open(path, "r+") as f:
        del f.labels[1]
        f.labels.remove("third")
        assert f.header.nlabl == 2  # pending label changes show in the header record
    with mrcfile.open(path) as peer:
        assert peer.get_labels() == ["replaced", "fourth"] and peer.header.nlabl == 2
    assert_valid(path)


def test_label_changes_are_checked(stack):
    path, _ = stack
    before = file_digest(path)
    with mrcschema.open(path, "r+") as f:
        with pytest.raises(ValueError, match="at most 10 labels"):
            f.labels.extend(["x"] * 10)
        with pytest.raises(ValueError, match="not printable ASCII"):
            f.labels.append("\u00e5ngstr\u00f6m")
        with pytest.raises(ValueError, match="at most 80"):
            f.labels.append("y" * 81)
        with pytest.raises(ValueError, match="must not be empty"):
            f.labels.insert(0, "   ")
        with pytest.raises(TypeError, match="labels are text"):
            f.labels.append(5)
        assert f.labels == ["original"]
    assert file_digest(path) == before  # nothing changed: nothing written


def test_header_record_and_label_edits_combine(stack):
    path, _ = stack
    with mrcschema.open(path, "r+") as f:
        labels = f.labels
        labels.append("added")
        f.header = attrs.evolve(f.header, nxstart=-5, nystart=7)
        f.voxel_size = 3.0
        labels.append("still the same list")
        assert f.labels is labels
    with mrcschema.open(path) as f:
        assert (f.header.nxstart, f.header.nystart) == (-5, 7)
        assert f.labels == ["original", "added", "still the same list"]
        assert tuple(f.voxel_size) == (3.0, 3.0, 3.0)
    assert_valid(path)


def test_header_assignment_with_new_labels_replaces_the_list(stack):
    path, _ = stack
    with mrcschema.open(path, "r+") as f:
        f.labels  # noqa: B018 - read the labels once
        label = (b"from the record".ljust(80, b"\0"),) + (b"\0" * 80,) * 9
        f.header = attrs.evolve(f.header, label=label, nlabl=1)
        assert f.labels == ["from the record"]
    assert mrcfile.open(path).get_labels() == ["from the record"]


def test_data_writes_update_statistics_on_close(stack):
    path, data = stack
    with mrcschema.open(path, "r+") as f:
        f.data[0, 0, 0] = 1000.0
        f.data[2, 3, 4] = -1000.0
    expected = data.copy()
    expected[0, 0, 0], expected[2, 3, 4] = 1000.0, -1000.0
    h = mrcschema.read_header(path)
    values = expected.astype(np.float64)
    assert (h.dmin, h.dmax) == (-1000.0, 1000.0)
    assert h.dmean == float(np.float32(values.mean()))
    assert h.rms == float(np.float32(values.std()))
    assert_valid(path)
    with mrcfile.open(path) as peer:
        np.testing.assert_array_equal(peer.data, expected)


def test_statistics_follow_writes_after_a_flush(stack):
    path, _ = stack
    with mrcschema.open(path, "r+") as f:
        data = f.data
        data[:] = 1.0
        f.flush()
        assert mrcschema.read_header(path).dmax == 1.0
        data[1, 1, 1] = 9.0  # through the reference kept from before the flush
    assert mrcschema.read_header(path).dmax == 9.0
    assert_valid(path)


def test_close_without_statistics_keeps_the_header_values(stack):
    path, _ = stack
    old = mrcschema.read_header(path)
    with mrcschema.open(path, "r+") as f:
        f.data[:] = 5.0
        f.close(update_stats=False)
    h = mrcschema.read_header(path)
    assert (h.dmin, h.dmax, h.dmean, h.rms) == (old.dmin, old.dmax, old.dmean, old.rms)
    np.testing.assert_array_equal(mrcschema.open(path).data, 5.0)


def test_header_edits_do_not_read_the_data(stack, monkeypatch):
    path, _ = stack
    monkeypatch.setattr(mrcschema.format.header_edits, "data_stats", lambda *a: pytest.fail("statistics computed"))
    with mrcschema.open(path, "r+") as f:
        f.voxel_size = 2.0
        f.labels.append("no data touched")


@pytest.mark.parametrize("mode", ["r", "c"])
def test_read_only_modes_refuse_every_change(stack, mode):
    path, _ = stack
    before = file_digest(path)
    with mrcschema.open(path, mode) as f:
        for attribute, value in (("voxel_size", 2.0), ("origin", (1, 2, 3)), ("header", f.header)):
            with pytest.raises(io.UnsupportedOperation, match=f"{attribute} cannot be changed: .* open in mode '{mode}'"):
                setattr(f, attribute, value)
        with pytest.raises(io.UnsupportedOperation, match="labels cannot be changed"):
            f.labels.append("x")
        with pytest.raises(io.UnsupportedOperation):
            f.labels.clear()
        with pytest.raises(io.UnsupportedOperation):
            f.labels[0] = "y"
        assert f.labels == ["original"]
        if mode == "c":
            f.data[:] = 0  # copy-on-write: allowed, never reaches the file
    assert file_digest(path) == before


def test_closed_file_refuses_changes(stack):
    path, _ = stack
    f = mrcschema.open(path, "r+")
    f.close()
    with pytest.raises(ValueError, match="is closed"):
        f.voxel_size = 2.0


def test_bad_values_are_refused(stack):
    path, _ = stack
    before = file_digest(path)
    with mrcschema.open(path, "r+") as f:
        with pytest.raises(ValueError, match="voxel_size must not be negative"):
            f.voxel_size = -1.0
        with pytest.raises(ValueError, match="origin must be three numbers"):
            f.origin = 5.0
        with pytest.raises(TypeError, match="header must be a Mrc2014Header record"):
            f.header = {"nx": 3}
    assert file_digest(path) == before


def test_voxel_size_needs_positive_sampling(tmp_path):
    from crafting import valid_header, write_file

    path = write_file(tmp_path / "m0.mrc", valid_header(mx=0), b"\0" * 96)
    with mrcschema.open(path, "r+") as f:
        with pytest.raises(ValueError, match="MX is 0"):
            f.voxel_size = 1.0


def test_big_endian_file_stays_big_endian(tmp_path):
    data = sample_data("i2", (2, 3, 4))
    path = mrcschema.write(tmp_path / "be.mrc", data, byteorder=">")
    with mrcschema.open(path, "r+") as f:
        f.voxel_size = (1.0, 2.0, 4.0)
        f.data[0, 0, 0] = 1234
        f.labels.append("big")
    data[0, 0, 0] = 1234
    assert_valid(path)
    with mrcfile.open(path) as peer:
        assert peer.header.mode.dtype.byteorder == ">" and peer.data.dtype == np.dtype(">i2")
        np.testing.assert_array_equal(peer.data, data)
        assert peer.voxel_size.tolist() == (1.0, 2.0, 4.0) and peer.get_labels() == ["big"]
        assert peer.header.dmax == data.max()


def test_editing_a_file_written_by_mrcfile(write_with_mrcfile):
    records = fei_records(FEI2, 3)
    data = sample_data("u2", (3, 4, 5))
    path = write_with_mrcfile(data, layout="stack", voxel_size=2.0, exttyp=b"FEI2", extended_header=records)
    with mrcschema.open(path, "r+") as f:
        assert f.labels == [f.labels[0]] and f.labels[0].startswith("Created by mrcfile.py")
        f.labels.append("edited by mrcschema")
        f.origin = (1.0, 2.0, 3.0)
        f.data[2] = 7
    data[2] = 7
    assert_valid(path)
    assert_fei_equal(path, records, b"FEI2")
    with mrcfile.open(path) as peer:
        assert peer.get_labels()[1] == "edited by mrcschema" and peer.header.nlabl == 2
        assert peer.header.origin.tolist() == (1.0, 2.0, 3.0) and peer.voxel_size.tolist() == (2.0, 2.0, 2.0)
        np.testing.assert_array_equal(peer.data, data)
        assert (peer.header.dmin, peer.header.dmax) == (data.min(), data.max())


def test_edit_the_bundled_example_copy(tmp_path):
    path = tmp_path / "v.mrc"
    shutil.copy(EXAMPLES / "tiny_volume.mrc", path)
    with mrcschema.open(path, "r+") as f:
        f.voxel_size = 0.75
        original = np.array(f.data)
        f.data[...] = original[::-1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_valid(path)
    with mrcschema.open(path) as f:
        np.testing.assert_array_equal(f.data, original[::-1])
        assert tuple(f.voxel_size) == (0.75, 0.75, 0.75)


def test_a_blank_label_in_use_survives_an_edit(tmp_path):
    """NLABL counts a blank label (labels are the NLABL in use): appending keeps it, as mrcfile's
    get_labels would still count it, instead of refusing to write the header."""
    from crafting import valid_header, write_file

    label = (b"first".ljust(80, b"\0"), b"\0" * 80) + (b"\0" * 80,) * 8
    path = write_file(tmp_path / "blank.mrc", valid_header(nlabl=2, label=label), bytes(96))
    with mrcschema.open(path, "r+") as f:
        assert f.labels == ["first", ""]
        f.labels.append("third")
    with mrcschema.open(path) as f, mrcfile.open(path, permissive=True) as peer:
        assert f.labels == ["first", "", "third"] == peer.get_labels()
        assert f.header.nlabl == 3
    with mrcschema.open(path, "r+") as f:
        with pytest.raises(ValueError, match="must not be empty or blank"):
            f.labels.append("   ")  # a new blank label is still refused
