"""RosettaSciIO's own MRC test suite, run with our reader in place of its own.

The installed ``rsciio/tests/test_mrc.py`` is executed here as a module of its own (its source
unchanged) and its tests are collected from this file.  Two things are redirected:

* the reader: ``hs.load`` resolves a plugin as ``importlib.import_module(reader["api"]).file_reader``
  with ``api = "rsciio.mrc"``, i.e. ``rsciio.mrc.file_reader``; the suite itself also calls the name
  ``file_reader`` it imported.  Each test runs with ``rsciio.mrc.file_reader``,
  ``rsciio.mrc._api.file_reader`` and the suite's ``file_reader`` set to ``mrcschema.file_reader``
  (pytest's ``monkeypatch``, undone after each test); ``test_hs_load_goes_through_our_reader``
  checks that ``hs.load`` really reaches ours.
* the data: the suite reads ``TEST_DATA_DIR = Path(__file__).parent / "data" / "mrc"``, evaluated at
  import (its parametrize lists hold paths too), so the module is executed with ``__file__`` in a
  temporary folder whose ``data/mrc`` is filled, before the first test, with a copy of
  ``/work/shared/corpus/rsciio`` and the stand-in for ``4DSTEMscan.mrc`` (below).

The suite's private helpers (``MOVIE_RE``, ``VIRTUAL_RE``, ``find_related_de_files``,
``get_data_type``) stay RosettaSciIO's: those tests do not touch our reader.

Expected failures are in ``EXPECTED_FAILURES``, applied as ``xfail(strict=True)`` by the autouse
fixture ``expected_failures`` (``request.node.add_marker`` during setup, which pytest honours): each
documented difference names its row of docs/hyperspy.md, each bug of ours starts with ``BUG:``;
``test_expected_failures_name_real_tests`` keeps the table from going stale.  docs/peers.md has
the results.  (No conftest.py here: a second non-package ``conftest`` module would replace
tests/conftest.py for the ``from conftest import ...`` of the tests above, and a package
``tests/peers/`` would shadow ``tests/peers.py``.)
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
import types
from pathlib import Path

import hyperspy.api  # noqa: F401  (the suite needs it; imported here so a missing one fails loudly)
import numpy as np
import pytest
import rsciio
import rsciio.mrc
import rsciio.mrc._api
from peer_helpers import CORPUS

import mrcschema

SUITE = Path(rsciio.__file__).parent / "tests" / "test_mrc.py"
ROOT = Path(tempfile.mkdtemp(prefix="mrcschema-rsciio-suite-"))
DATA = ROOT / "data" / "mrc"  # the suite's TEST_DATA_DIR
atexit.register(shutil.rmtree, ROOT, ignore_errors=True)

suite = types.ModuleType("rsciio_test_mrc_with_mrcschema")
suite.__file__ = str(ROOT / "test_mrc.py")
sys.modules[suite.__name__] = suite
exec(compile(SUITE.read_text(), str(SUITE), "exec"), suite.__dict__)
assert suite.TEST_DATA_DIR == DATA

for _name, _obj in list(vars(suite).items()):  # collected by pytest from this module
    if _name.startswith("test_") and callable(_obj) or _name.startswith("Test") and isinstance(_obj, type):
        globals()[_name] = _obj


def build_4dstem_standin(path, template):
    """A stand-in for RosettaSciIO's ``4DSTEMscan.mrc`` (a Velox 4D-STEM stack, not in the corpus).

    The suite asserts only: 256 frames of 256 x 256 (``hs.load`` gives data (256, 256, 256), signal
    (256, 256), navigation (256,)), which ``info.txt``'s 8 x 32 scan reshapes to (32, 8, 256, 256).
    Built like a Velox file: the main header and the FEI2 extended header block of the corpus's
    Velox ``HAADFscan.mrc`` (1024 records' room, first record filled), with NX = NY = NZ = 256,
    MX = MY = MZ = 256, CELLA = 256 x its pixel size, uint16 (mode 6, as Velox writes counts), ISPG 0.
    The data block is a hole (zeros): no assertion looks at values.
    """
    raw = bytearray(Path(template).read_bytes())
    header = np.frombuffer(raw, "<i4", count=256).copy()
    cella = np.frombuffer(raw, "<f4", count=256).copy()[10:13]
    nsymbt = int(header[23])
    pixel = cella[0] / header[7]
    header[0:3] = 256  # NX, NY, NZ
    header[3] = 6
    header[7:10] = 256  # MX, MY, MZ
    header.view("<f4")[10:13] = np.float32(pixel * 256)
    header[22] = 0  # ISPG
    with open(path, "wb") as out:
        out.write(header.tobytes())
        out.write(raw[1024:1024 + nsymbt])
        out.truncate(1024 + nsymbt + 256 * 256 * 256 * 2)


@pytest.fixture(scope="module", autouse=True)
def suite_data():
    DATA.mkdir(parents=True, exist_ok=True)
    for source in sorted((CORPUS / "rsciio").iterdir()):
        shutil.copyfile(source, DATA / source.name)
    build_4dstem_standin(DATA / "4DSTEMscan.mrc", CORPUS / "rsciio" / "HAADFscan.mrc")
    yield DATA
    shutil.rmtree(ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def expected_failures(request):
    reason = EXPECTED_FAILURES.get(request.node.nodeid.split("::", 1)[1])
    if reason is not None:
        request.node.add_marker(pytest.mark.xfail(strict=True, reason=reason))


def test_expected_failures_name_real_tests(request):
    """Every EXPECTED_FAILURES id is a test of the suite (a deselected one is fine)."""
    here = Path(__file__)
    collected = {item.nodeid.split("::", 1)[1] for item in request.session.items if item.path == here}
    for test_id in EXPECTED_FAILURES:
        function = test_id.split("[", 1)[0]
        assert function in vars(suite), f"{test_id}: the suite has no {function}"
        if any(c.split("[", 1)[0] == function for c in collected):
            assert test_id in collected, f"{test_id} is not one of the suite's tests"


@pytest.fixture(autouse=True)
def our_reader(monkeypatch):
    """Every way the suite reaches RosettaSciIO's reader leads to ours."""
    monkeypatch.setattr(rsciio.mrc, "file_reader", mrcschema.file_reader)
    monkeypatch.setattr(rsciio.mrc._api, "file_reader", mrcschema.file_reader)
    monkeypatch.setattr(suite, "file_reader", mrcschema.file_reader)


def test_hs_load_goes_through_our_reader(monkeypatch):
    import hyperspy.api as hs

    calls = []

    def spy(*args, **kwargs):
        calls.append(args[0])
        return mrcschema.file_reader(*args, **kwargs)

    monkeypatch.setattr(rsciio.mrc, "file_reader", spy)
    s = hs.load(DATA / "HAADFscan.mrc")
    assert [str(c) for c in calls] == [str(DATA / "HAADFscan.mrc")]
    assert s.data.dtype == np.uint16 and s.metadata.Acquisition_instrument.TEM.beam_energy == 300.0


def test_standin_matches_what_the_suite_asserts():
    with mrcschema.open(DATA / "4DSTEMscan.mrc") as f:
        assert f.data.shape == (256, 256, 256) and f.data.dtype == np.uint16
        assert f.extended.kind == "FEI2" and f.header.exttyp == b"FEI2"


_ROW6 = ("docs/hyperspy.md row 6 (DE values stay strings): TEM.magnification and frames_per_second are "
         "numbers (1000.0, {fps}.0), the suite expects the strings '1000' and '{fps}'")
_ROW12 = ("docs/hyperspy.md rows 12 and 23 (`mmap_mode` honoured): we honour mmap_mode, so no "
          "VisibleDeprecationWarning")
_DISTRIBUTED = ("docs/hyperspy.md row 23 (`distributed=` accepted silently; every lazy graph already runs on "
                "dask.distributed): no VisibleDeprecationWarning as RosettaSciIO 0.15 gives")

#: test id (after "test_rsciio_suite.py::") -> reason; applied as xfail(strict=True) by conftest.py.
#: Passing, for the record: the 4D-STEM shape/navigation_shape/chunks tests, the DE navigator and
#: random-scan tests, the error tests, and every test of the private helpers (MOVIE_RE, VIRTUAL_RE,
#: get_data_type, find_related_de_files: RosettaSciIO's own code, our reader is not involved).
#: TestLoadSave needs zarr < 3 (in the test extra: zarr 3 breaks RosettaSciIO 0.15's zspy writer).
EXPECTED_FAILURES: dict[str, str] = {
    "test_single_image":
        "docs/hyperspy.md row 22 (FEI pixel size, float64, replaces CELLA / MX): HAADFscan axis scale "
        "5.679131290012676 nm where RosettaSciIO gives 5.679131317138672 nm (CELLA.x / MX, float32)",
    "test_distributed_deprecation_warning[True]": _DISTRIBUTED,
    "test_distributed_deprecation_warning[False]": _DISTRIBUTED,
    "test_deprecated_mmap_mode": _ROW12,
    "test_mrc_metadata[None]": _ROW6.format(fps=40000),
    "test_mrc_metadata[navigation_shape1]": _ROW6.format(fps=40000),
    "test_mrc_metadata[navigation_shape2]": _ROW6.format(fps=40000),
    "test_mrc_metadata[navigation_shape3]": _ROW6.format(fps=40000),
    "test_mrc_metadata_auto": _ROW6.format(fps=700),
    "test_mrc_metadata_auto_custom_shape": _ROW6.format(fps=700),
    "test_repeated_mrc_custom":
        "docs/hyperspy.md row 16 (repeated custom-scan positions: repeat axis last): shape (2, 5, 5, 16, 16) "
        "with a leading repeat axis, the suite expects (5, 5, 2, 16, 16); moving our axis 0 to 2 gives "
        "RosettaSciIO's array exactly",
}
