"""Files for the converters' tests, crafted through the header schema (tests/crafting.py)."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

from tests.conftest import CORPUS, CORPUS_MRC
from tests.crafting import valid_header, write_file

pytest.importorskip("zarr")
pytest.importorskip("numcodecs")

#: corpus files whose bytes are the data (references need byte ranges of a file)
UNCOMPRESSED = [p for p in CORPUS_MRC if p.suffix not in (".gz", ".bz2")]
EMD_3001 = CORPUS / "mrcfile" / "EMD-3001.map"


def crafted(path, data, mode, *, byteorder="<", **changes):
    """An MRC file of ``data`` (stored order: sections, rows, columns[, samples]) with MODE ``mode``."""
    nz, ny, nx = data.shape[:3]
    header = valid_header(nx=nx, ny=ny, nz=nz, mode=mode)
    cella = changes.pop("cella", None)
    origin = changes.pop("origin", None)
    header = attrs.evolve(header, **changes)
    if cella is not None:
        header = attrs.evolve(header, cella=attrs.evolve(header.cella, x=cella[0], y=cella[1], z=cella[2]))
    if origin is not None:
        header = attrs.evolve(header, origin=attrs.evolve(header.origin, x=origin[0], y=origin[1], z=origin[2]))
    if byteorder == ">":
        header = attrs.evolve(header, machst=b"\x11\x11\0\0")
    return write_file(path, header, np.ascontiguousarray(data).tobytes(), byteorder=byteorder)


@pytest.fixture
def volume(tmp_path):
    """A 7 x 6 x 5 float32 volume (odd sizes), voxel 2 x 3 x 4 Å (x, y, z), ORIGIN (10, 20, 30) Å and
    NXSTART, NYSTART, NZSTART 1, 2, 3 (ORIGIN places it: it is set)."""
    data = np.arange(7 * 6 * 5, dtype=np.float32).reshape(7, 6, 5) * 0.5
    path = crafted(tmp_path / "volume.mrc", data, 2, cella=(10.0, 18.0, 28.0), origin=(10.0, 20.0, 30.0),
                   nxstart=1, nystart=2, nzstart=3, ispg=1)
    return path, data
