"""hs.load(path, file_format=mrcschema) gives what hs.load(path) gives through RosettaSciIO."""

import warnings

import hyperspy.api as hs
import numpy as np
import pytest
from conftest import CORPUS, CORPUS_MRC, corpus_id

import mrcschema

#: corpus files where RosettaSciIO's axes are right (positive CELLA; no DE sidecars)
RIGHT_FILES = [p for p in CORPUS_MRC if p.name in ("HAADFscan.mrc", "fei-extended.mrc", "epu2.9_example.mrc",
                                                      "EMD-3197.map")]


def peer_load(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hs.load(str(path), file_format="mrc", **kwargs)


def axes_summary(signal):
    return [(a.name, a.size, a.navigate) for a in signal.axes_manager._axes]


def assert_same_scales(ours, theirs):
    """Equal to float32 precision: ours may come from the FEI record's float64 pixel size,
    RosettaSciIO's from the header's float32 CELLA."""
    np.testing.assert_allclose([a.scale for a in ours.axes_manager._axes],
                               [a.scale for a in theirs.axes_manager._axes], rtol=1e-6)


@pytest.mark.parametrize("path", RIGHT_FILES, ids=corpus_id)
@pytest.mark.parametrize("lazy", [False, True])
def test_hs_load_matches_rosettasciio(path, lazy):
    ours, theirs = hs.load(path, file_format=mrcschema, lazy=lazy), peer_load(path, lazy=lazy)
    assert type(ours) is type(theirs)
    assert ours.data.shape == theirs.data.shape
    assert axes_summary(ours) == axes_summary(theirs)
    assert_same_scales(ours, theirs)
    np.testing.assert_array_equal(np.asarray(ours.data if not lazy else ours.data.compute()),
                                  np.asarray(theirs.data if not lazy else theirs.data.compute()))
    assert ours.metadata.General.FileIO["0"].io_plugin == "mrcschema"


def test_hs_load_de_movie_navigators_and_documented_virtual_images():
    movie = CORPUS / "rsciio" / "20241021_00405_movie.mrc"
    s = hs.load(movie, file_format=mrcschema)
    assert s.data.shape == (4, 8, 4, 8) and s.axes_manager.navigation_shape == (8, 4)
    virtual = s.metadata["General"]["virtual_images"][0]
    external = s.metadata["General"]["external_detectors"][0]
    assert isinstance(virtual, hs.signals.BaseSignal) and isinstance(external, hs.signals.BaseSignal)
    assert virtual.metadata.General.original_filename == "20241021_00405_0_Virt 0_sum.mrc"
    assert virtual.data.shape == (4, 8)
    assert isinstance(s.metadata._HyperSpy.navigators["Virt 1"], hs.signals.BaseSignal)
    assert s.metadata.Acquisition_instrument.TEM.frames_per_second == 700.0


def test_hs_load_lazy_4d_computes_same_values():
    movie = CORPUS / "rsciio" / "20241021_00405_movie.mrc"
    lazy = hs.load(movie, file_format=mrcschema, lazy=True)
    eager = hs.load(movie, file_format=mrcschema)
    assert lazy._lazy and not eager._lazy
    np.testing.assert_array_equal(lazy.sum(axis=(2, 3)).data.compute(), eager.sum(axis=(2, 3)).data)
