"""The examples of the seed's documentation (issue 12 item 21), run through ``hs.load`` on the
corpus DE acquisition: auto-discovery, ``metadata_file=``, ``external_images=``,
``virtual_images=``, and ``metadata["General"]["external_detectors"][0]`` being a Signal2D.
Every signal gets the file's stem as its title."""

import hyperspy.api as hs
import numpy as np
import pytest
from conftest import CORPUS

import mrcschema
from mrcschema.hyperspy.reader import title_of

DE = CORPUS / "rsciio"
MOVIE = DE / "20241021_00405_movie.mrc"


def test_auto_discovery_gives_the_titled_4d_signal():
    s = hs.load(MOVIE, file_format=mrcschema)
    assert repr(s) == "<Signal2D, title: 20241021_00405_movie, dimensions: (8, 4|8, 4)>"
    external = s.metadata["General"]["external_detectors"][0]
    assert isinstance(external, hs.signals.Signal2D)
    assert external.metadata.General.title == "20241021_00405_ext1_Ext 1"
    assert [v.metadata.General.title for v in s.metadata["General"]["virtual_images"]] == [
        "20241021_00405_0_Virt 0_sum", "20241021_00405_1_Virt 1_sum"]


def test_explicit_metadata_file_virtual_and_external_images():
    virtual = [DE / "20241021_00405_0_Virt 0_sum.mrc", DE / "20241021_00405_1_Virt 1_sum.mrc"]
    external = [DE / "20241021_00405_ext1_Ext 1.mrc"]
    s = hs.load(MOVIE, file_format=mrcschema, metadata_file=DE / "20241021_00405_info.txt",
                virtual_images=[str(p) for p in virtual], external_images=[str(p) for p in external])
    assert s.data.shape == (4, 8, 4, 8)
    assert s.metadata.Acquisition_instrument.TEM.frames_per_second == 700.0
    general = s.metadata["General"]
    assert [v.metadata.General.original_filename for v in general["virtual_images"]] == [p.name for p in virtual]
    assert isinstance(general["external_detectors"][0], hs.signals.Signal2D)
    with mrcschema.open(external[0]) as f:
        np.testing.assert_array_equal(general["external_detectors"][0].data, f.data[0])


def test_without_metadata_the_movie_is_a_stack_of_frames():
    s = hs.load(MOVIE, file_format=mrcschema, metadata_file=None)
    assert repr(s) == "<Signal2D, title: 20241021_00405_movie, dimensions: (32|8, 4)>"


@pytest.mark.parametrize("name,title", [("20220101_0001_movie.mrc", "20220101_0001_movie"),
                                        ("emd_3001.map.gz", "emd_3001"), ("EMD-3197.map.bz2", "EMD-3197"),
                                        ("/data/run 1/stack.mrcs", "stack")])
def test_title_is_the_stem(name, title):
    assert title_of(name) == title


def test_every_corpus_file_gets_its_title():
    for path in sorted(DE.glob("*.mrc")) + sorted((CORPUS / "mrcfile").glob("*.map*")):
        signal = mrcschema.file_reader(path, metadata_file=None)[0]
        assert signal["metadata"]["General"]["title"] == title_of(path.name), path
