"""``read_header``: the main header of a file, and nothing else."""

from __future__ import annotations

from ..format.geometry import parse_header
from ..sources import open_source


def read_header(path):
    """Read only the main header of ``path`` (plain or compressed) and return the record."""
    with open_source(path) as source:
        return parse_header(source.read_header()).header
