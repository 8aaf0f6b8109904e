"""ruff and mypy, configured in pyproject.toml, pass on the tree: the test command runs them."""

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(*command):
    return subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True)


def test_ruff_passes():
    pytest.importorskip("ruff")
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_passes_on_the_package():
    pytest.importorskip("mypy")
    # files, python version and options from pyproject.toml; the cache outside the tree, one per checkout
    cache = Path(tempfile.gettempdir()) / f"mrcschema-mypy-{hashlib.sha1(str(REPO).encode()).hexdigest()[:12]}"
    result = run("mypy", "--cache-dir", str(cache))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")


def test_the_package_says_it_is_typed():
    assert (REPO / "mrcschema" / "py.typed").exists()
    import tomllib

    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data["mrcschema"]
