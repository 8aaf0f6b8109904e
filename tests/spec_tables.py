"""Reading the transcribed specification tables in specs/."""

import csv

from conftest import REPO

SPECS = REPO / "specs"


def spec_rows(name):
    """Rows of ``specs/<name>`` as dicts."""
    with open(SPECS / name, newline="") as f:
        return list(csv.DictReader(f))
