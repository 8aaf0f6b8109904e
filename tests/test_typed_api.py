"""The typed-usage file (tests/typing/typed_usage.py) says what mypy sees of the public API; mypy
checks it with the package (tests/structure/test_lint.py).  Here it runs, so the types it asserts
are those of the real values too."""

import importlib.util

import numpy as np
from conftest import REPO

TINY = REPO / "examples" / "tiny_volume.mrc"


def _usage():
    spec = importlib.util.spec_from_file_location("typed_usage", REPO / "tests" / "typing" / "typed_usage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_typed_usage_runs_on_a_real_file(tmp_path):
    usage = _usage()
    usage.typed_reading(str(TINY))
    usage.typed_validation(str(TINY))
    usage.typed_writing(str(tmp_path / "new.mrc"), np.zeros((2, 3, 4), np.float32))


def test_the_header_is_the_compiled_class_at_run_time_as_mypy_sees_it():
    import mrcschema
    from mrcschema.format.mrc2014 import Cella, Mrc2014Header

    header = mrcschema.read_header(TINY)
    assert type(header) is Mrc2014Header and type(header.cella) is Cella
    assert (type(header.nx), type(header.dmean), type(header.exttyp), type(header.label)) == (int, float, bytes, tuple)
    assert Mrc2014Header.__annotations__["nx"] == "int" and Mrc2014Header.__module__ == "mrcschema.format._generated.mrc2014"
