"""Sphinx configuration: the Markdown pages of docs/ (MyST) and an API reference from the docstrings.

Build: ``pip install ".[docs]" && python -m sphinx -W -b html docs docs/_build/html`` (warnings are errors).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mrcschema.version import __version__  # noqa: E402

project = "mrcschema"
release = version = __version__
extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# the pages link to source files and folders of the repository, which are no pages of this site
suppress_warnings = ["myst.xref_missing"]
html_theme = "alabaster"
