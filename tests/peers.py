"""Comparisons against the peers (mrcfile, RosettaSciIO) shared by several test modules."""

import numpy as np

from mrcschema.format.mrc2014 import MRC2014_HEADER


def assert_header_equals_mrcfile(ours, theirs):
    """Every field of our header record equals mrcfile's numpy header, field by field."""
    for field in MRC2014_HEADER.fields:
        mine, peer = getattr(ours, field.name), theirs[field.name]
        if field.children:
            for child in field.children:
                assert np.float32(getattr(mine, child.name)) == peer[child.name], f"{field.name}.{child.name}"
        elif field.type.startswith("bytes[80]"):
            assert [m.rstrip(b"\0") for m in mine] == [bytes(p) for p in peer], field.name
        elif field.type.startswith("bytes"):
            # mrcfile holds exttyp/map as NUL-stripped strings, machst as bytes, extra as void
            assert mine.rstrip(b"\0") == np.asarray(peer).tobytes().rstrip(b"\0"), field.name
        else:
            assert mine == peer, field.name
