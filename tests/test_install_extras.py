"""Each README install line, run in a fresh virtual environment from this checkout, then the command
the README promises for it (slow: a venv and a pip install per extra; ``.ci/run`` runs it)."""

import subprocess
import venv

import pytest
from conftest import EXAMPLES, REPO

#: extra -> the Python the README promises works after ``pip install ".[extra]"``
PROMISES = {
    "": "import mrcschema, sys; sys.exit(__import__('mrcschema.cli.main', fromlist=['main']).main("
        "['info', sys.argv[1]]))",
    "preview": "import mrcschema, sys; from mrcschema.cli.main import main; "
               "sys.exit(main(['preview', sys.argv[1], '-o', 'x.png']))",
    "lazy": "import mrcschema, sys; print(mrcschema.open(sys.argv[1]).to_dask().sum().compute())",
    "remote": "import mrcschema.sources.remote as r, fsspec, s3fs, aiohttp; print(r.INSTALL_HINT)",
    "convert": "import mrcschema, sys; from mrcschema.cli.main import main; "
               "sys.exit(main(['convert', sys.argv[1], 'x.ome.zarr']) or main(['refs', sys.argv[1], '-o', 'r.json']))",
    # napari's plugins initialised as the `napari` command does, then the file opened headless (no display
    # here for the Qt window `napari FILE` shows): the layer must come from this package's reader
    "napari": "import sys; from napari.plugins import _initialize_plugins; _initialize_plugins(); "
              "from napari.components import ViewerModel; "
              "(layer,) = ViewerModel().open(sys.argv[1], plugin='mrcschema'); "
              "assert layer.data.shape == (16, 20, 24) and str(layer.units[0]) == 'angstrom', layer; print(layer)",
}
#: packages the README line installs beside the extra
BESIDE = {"napari": ["pyqt5"]}


@pytest.mark.slow
@pytest.mark.parametrize("extra", list(PROMISES))
def test_readme_install_line_works_in_a_fresh_venv(tmp_path, extra):
    readme = (REPO / "README.md").read_text()
    line = f'pip install ".[{extra}]"' if extra else "pip install ."
    line += "".join(f" {package}" for package in BESIDE.get(extra, []))
    assert line in readme
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    target = "." + (f"[{extra}]" if extra else "")
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", target, *BESIDE.get(extra, [])],
                             cwd=REPO, capture_output=True,
                             text=True, timeout=1200)
    assert install.returncode == 0, install.stderr[-2000:]
    run = subprocess.run([str(python), "-c", PROMISES[extra], str(EXAMPLES / "tiny_volume.mrc")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr


def test_every_extra_has_a_readme_line_and_a_promise():
    import tomllib

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    readme = (REPO / "README.md").read_text()
    for extra in extras:
        assert f'pip install ".[{extra}]"' in readme, extra
    assert set(PROMISES) - {""} <= set(extras)
