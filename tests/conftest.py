"""Shared test fixtures: the corpus beside the repository and files written by mrcfile; test
modules that import a package the environment lacks are skipped as a whole (listed at the end)."""

import ast
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
EXAMPLES = REPO / "examples"


def corpus_files(*patterns):
    """Corpus files matching the glob patterns, sorted, as Paths (must exist: no silent skip)."""
    files = sorted({p for pattern in patterns for p in CORPUS.glob(pattern)})
    assert files, f"no corpus files for {patterns} under {CORPUS}"
    return files


#: every MRC file of the corpus, compressed ones included
CORPUS_MRC = corpus_files("*/*.mrc", "*/*.map", "*/*.map.gz", "*/*.map.bz2")


def corpus_id(path):
    return path.name


@pytest.fixture
def write_with_mrcfile(tmp_path):
    """Write ``data`` with mrcfile (``layout`` "stack" or "volume" for 3D data); returns the path.
    Byte order follows the data's dtype."""
    import mrcfile

    def write(data, name="peer.mrc", layout=None, voxel_size=None, exttyp=None, extended_header=None):
        path = tmp_path / name
        with mrcfile.new(path, overwrite=True) as mrc:
            mrc.set_data(data)
            if layout == "volume":
                mrc.set_volume()
            elif layout == "stack":
                mrc.set_image_stack()
            if voxel_size is not None:
                mrc.voxel_size = voxel_size
            if extended_header is not None:
                mrc.set_extended_header(extended_header)
                mrc.header.exttyp = exttyp
        return path

    return write


def file_digest(path):
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def sample_data(dtype, shape, seed=0):
    """Deterministic test data of any mode's dtype."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)
    if dtype.kind == "f":
        return rng.normal(size=shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


def varied_records(dtype, count, seed=1):
    """``count`` records of a structured ``dtype`` with every field filled with varied values
    (floats, positive int32-range integers, bools, short texts, random bytes)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    records = np.zeros(count, dtype)
    for name in dtype.names:
        kind = dtype[name].kind
        if kind == "f":
            records[name] = rng.normal(size=count) * 1e3
        elif kind in "iu":
            records[name] = rng.integers(1, 2**31 - 1, size=count)
        elif kind == "b":
            records[name] = rng.integers(0, 2, size=count).astype(bool)
        elif kind == "S":
            records[name] = [f"{name[:5]}{i}".encode() for i in range(count)]
        elif kind == "V":
            records[name] = [bytes(rng.integers(1, 256, dtype[name].itemsize, dtype=np.uint8)) for _ in range(count)]
    return records


# -- modules whose imports are missing: skipped, not errors ---------------------------------------------
#: the optional packages test modules import at their top (the test extra installs them all)
OPTIONAL_PACKAGES = frozenset({"hypothesis", "dask", "distributed", "napari", "npe2", "fsspec", "moto", "hyperspy",
                               "rsciio", "mrcfile", "gemmi", "mrcz", "ncempy", "mrc", "PIL", "jsonschema", "s3fs",
                               "aiohttp", "zarr", "matplotlib"})
_SKIPPED_MODULES: dict[str, list[str]] = {}


def _missing_imports(path: Path, seen: frozenset = frozenset()) -> list[str]:
    """The optional packages a test module imports at its top level, itself or through a helper
    module beside it or in ``tests/`` (``fuzzlib``, ``crafting``), that are not installed."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError):
        return []
    roots = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    missing = {r for r in roots & OPTIONAL_PACKAGES if importlib.util.find_spec(r) is None}
    for root in roots - OPTIONAL_PACKAGES - seen:
        for helper in (path.parent / f"{root}.py", REPO / "tests" / f"{root}.py"):
            if helper.exists() and helper != path:
                missing.update(_missing_imports(helper, seen | {root}))
    return sorted(missing)


def pytest_ignore_collect(collection_path, config):
    """A test module importing an optional package that is not installed is not collected (a
    ``pip install .`` + pytest run skips the peers' tests instead of failing to import them)."""
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    missing = _missing_imports(collection_path)
    if missing:
        _SKIPPED_MODULES[str(collection_path.relative_to(REPO))] = missing
        return True
    return None


def pytest_terminal_summary(terminalreporter):
    if _SKIPPED_MODULES:
        terminalreporter.write_line(f"{len(_SKIPPED_MODULES)} test modules not run, their packages missing "
                                    '(pip install ".[test]" installs them):')
        for module, missing in sorted(_SKIPPED_MODULES.items()):
            terminalreporter.write_line(f"  {module}: {', '.join(missing)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that fails only because it imports an optional package that is not installed (inside
    the test or a fixture) is reported as skipped, naming the package."""
    outcome = yield
    report = outcome.get_result()
    error = call.excinfo.value if call.excinfo is not None else None
    if (isinstance(error, ModuleNotFoundError) and not report.passed and error.name
            and error.name.split(".")[0] in OPTIONAL_PACKAGES and importlib.util.find_spec(error.name.split(".")[0]) is None):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"needs {error.name.split('.')[0]}, not installed")


def drain_pty(master: int) -> bytes:
    """Everything written to the pseudo-terminal whose controller side is ``master`` until every
    writer has closed it (Linux then answers EIO), and ``master`` closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return b"".join(chunks)
