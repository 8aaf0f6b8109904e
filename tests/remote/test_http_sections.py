"""``f.sections[i:j]`` over HTTP is one range request for exactly those sections (docs/remote.md)."""

import numpy as np
import pytest

import mrcschema
from tests.remote.conftest import BIG_EXTENDED, BIG_SHAPE, big_data


@pytest.mark.slow
def test_the_first_section_is_one_request_of_its_bytes(http, big_file):
    url = http.url("files", big_file.name)
    section = BIG_SHAPE[1] * BIG_SHAPE[2] * 4
    offset = 1024 + BIG_EXTENDED
    with mrcschema.open(url) as f:
        http.log.take()
        first = f.sections[0:1]
        requests = [(r.range, r.sent) for r in http.log.take()]
    assert np.array_equal(first, big_data()[0:1])
    assert requests == [(f"bytes={offset}-{offset + section - 1}", section)]

