"""Generated documentation and bundled examples are up to date with the code that makes them."""

import importlib.util
import subprocess
import sys

import pytest
from conftest import EXAMPLES, REPO, file_digest


def load_script(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_format_reference_is_generated_from_the_schemas():
    generator = load_script(REPO / "docs" / "generate_reference.py")
    assert (REPO / "docs" / "format_reference.md").read_text() == generator.render(), \
        "run: python docs/generate_reference.py"


def test_bundled_example_is_what_the_script_writes(tmp_path):
    maker = load_script(EXAMPLES / "make_examples.py")
    for written in maker.write_examples(tmp_path):
        assert file_digest(written) == file_digest(EXAMPLES / written.name)


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_command():
    readme = (REPO / "README.md").read_text().splitlines()
    commands = [line.strip() for line in readme[:20] if line.strip().startswith("pip install")]
    assert commands[0] == 'pip install . && python -m mrcschema info examples/tiny_volume.mrc'
    assert commands[1] == 'pip install ".[test]" && python -m pytest -q'
    assert commands[1] in (REPO / ".ci" / "run").read_text()


@pytest.mark.slow
def test_documentation_site_builds_without_warnings(tmp_path):
    """The pages and the API reference build with Sphinx, warnings as errors (as .ci/run builds them)."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(REPO / "docs"),
                             str(tmp_path / "html")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    api = (tmp_path / "html" / "api.html").read_text()
    assert "mrcschema.writing.writer.write" in api and "mrcschema.validation.validator.validate" in api
