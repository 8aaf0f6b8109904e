"""Writing from HyperSpy: ``s.save(..., file_format=mrcschema)`` is not possible (HyperSpy looks the
format up by name in its own plugin list), so docs/hyperspy.md gives the route that is: the
signal's dictionary, which HyperSpy hands every writer, given to ``mrcschema.file_writer``."""

import numpy as np
import pytest

import mrcschema

hs = pytest.importorskip("hyperspy.api")


def _signal():
    s = hs.signals.Signal2D(np.arange(60, dtype=np.float32).reshape(3, 4, 5))
    for axis in s.axes_manager.signal_axes:
        axis.scale, axis.units = 0.2, "nm"
    return s


def test_hyperspy_save_takes_format_names_only(tmp_path):
    with pytest.raises(AttributeError, match="has no attribute 'lower'"):
        _signal().save(tmp_path / "x.mrc", file_format=mrcschema, overwrite=True)


def test_the_documented_route_writes_what_hyperspy_reads_back(tmp_path):
    path = tmp_path / "out.mrc"
    s = _signal()
    mrcschema.file_writer(str(path), s._to_dictionary())
    with mrcschema.open(path) as f:
        assert np.array_equal(f.data, s.data) and f.voxel_size.x == pytest.approx(2.0)
    back = hs.load(path, file_format=mrcschema)
    assert np.array_equal(back.data, s.data)
    assert back.axes_manager.signal_axes[0].scale == pytest.approx(0.2)
