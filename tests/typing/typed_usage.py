"""What a type checker and an IDE see of the public API (checked by mypy with the package:
``files`` in pyproject.toml; ``tests/test_typed_api.py`` runs it on a real file).

Every ``assert_type`` fails mypy when the expression's type is another one -- ``Any`` included --
so the header fields, the data and the records stay typed for the people who use them.
"""

from __future__ import annotations

import numpy as np
from typing_extensions import assert_type

import mrcschema
from mrcschema.format.extended import ExtendedHeader
from mrcschema.format.geometry import DataGeometry
from mrcschema.format.mrc2014 import Cella, ImodExtra, Mrc2014Header
from mrcschema.format.records import evolve
from mrcschema.reading.labels import LabelList


def typed_reading(path: str) -> None:
    header = mrcschema.read_header(path)
    assert_type(header, Mrc2014Header)
    assert_type(header.nx, int)
    assert_type(header.dmean, float)
    assert_type(header.cella, Cella)
    assert_type(header.cella.x, float)
    assert_type(header.exttyp, bytes)
    assert_type(header.label, tuple[bytes, ...])
    assert_type(evolve(header, nx=3), Mrc2014Header)
    with mrcschema.open(path) as f:
        assert_type(f, mrcschema.MrcFile)
        assert_type(f.header, Mrc2014Header)
        assert_type(f.header.nz, int)
        assert_type(f.imod, ImodExtra)
        assert_type(f.imod.tiltangles, tuple[float, ...])
        assert_type(f.data, np.ndarray | None)
        assert_type(f.voxel_size, mrcschema.Vec3)
        assert_type(f.voxel_size.x, float)
        assert_type(f.origin, mrcschema.Vec3)
        assert_type(f.labels, LabelList)
        assert_type(f.byteorder, str)
        assert_type(f.extended, ExtendedHeader)
        assert_type(f.extended_header, np.ndarray)
        assert_type(f.sections[0], np.ndarray)
        assert_type(f.read(), np.ndarray | None)
        assert_type(f.geometry, DataGeometry | None)
        assert_type(f.file_size, int)
        assert_type(mrcschema.acquisition(f), mrcschema.Acquisition)


def typed_validation(path: str) -> None:
    report = mrcschema.validate(path)
    assert_type(report, mrcschema.Report)


def typed_writing(path: str, data: np.ndarray) -> None:
    assert_type(mrcschema.write(path, data, overwrite=True), str)
    with mrcschema.new(path, (2, 3, 4), overwrite=True) as f:
        assert_type(f, mrcschema.MrcFile)
