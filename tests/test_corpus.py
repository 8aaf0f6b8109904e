"""Every corpus file opens, and its data and header equal what mrcfile reads."""

import mrcfile
import numpy as np
import pytest
from conftest import CORPUS_MRC, corpus_id, file_digest
from peers import assert_header_equals_mrcfile

import mrcschema
from mrcschema.cli.main import main as cli_main


@pytest.mark.parametrize("path", CORPUS_MRC, ids=corpus_id)
def test_corpus_file_matches_mrcfile(path):
    with mrcschema.open(path) as ours, mrcfile.open(path, permissive=True) as theirs:
        assert_header_equals_mrcfile(ours.header, theirs.header)
        # mrcfile's shape rule: (ny, nx) only for ISPG 0 with NZ 1; a volume with NZ 1 is (1, ny, nx)
        assert ours.data.shape == theirs.data.shape
        assert ours.data.dtype == theirs.data.dtype
        np.testing.assert_array_equal(np.asarray(ours.data), theirs.data)
        assert tuple(np.float32(v) for v in ours.voxel_size) == theirs.voxel_size.item()
        assert tuple(np.float32(v) for v in ours.origin) == theirs.header.origin.item()
        expected_labels = [bytes(l).decode().rstrip() for l in theirs.header.label if bytes(l).strip()]
        assert ours.labels == expected_labels


@pytest.mark.parametrize("path", CORPUS_MRC, ids=corpus_id)
def test_corpus_file_reading_never_changes_it(path, capsys):
    before = file_digest(path)
    with mrcschema.open(path) as f:
        np.asarray(f.data).sum()
        f.extended_header
    assert cli_main(["dump", str(path)]) == 0
    assert cli_main(["dump", "--json", str(path)]) == 0
    capsys.readouterr()
    assert file_digest(path) == before


def test_known_values_of_emd_3001():
    path = next(p for p in CORPUS_MRC if p.name == "EMD-3001.map")
    with mrcschema.open(path) as f:
        h = f.header
        assert (h.nx, h.ny, h.nz, h.mode, h.ispg, h.nsymbt) == (73, 43, 25, 2, 4, 160)
        assert (h.mapc, h.mapr, h.maps) == (3, 1, 2)
        assert (h.nxstart, h.nystart, h.nzstart) == (0, -21, -12)
        assert h.machst == b"\x44\x41\x00\x00" and f.byteorder == "<"
        assert np.float32(h.cellb.beta) == np.float32(94.326)
        assert f.geometry.offset == 1024 + 160
