"""Every corpus file through ``mrcschema.validate`` and ``mrcfile.validate``; every disagreement
is listed, with its reason, in docs/conformance.md, and this test pins that document's tables.

A disagreement is a check on which the two differ: mrcfile flags it (mrcfile has one severity,
"invalid") and we report a warning or nothing, or we report an error or a warning and mrcfile
does not flag it.  Info findings are facts, not problems, and are not compared.  mrcfile's
printed messages are mapped to our rules by ``MRCFILE_MESSAGES``.
"""

import io
import re
import warnings

import mrcfile
import pytest
from conftest import CORPUS, CORPUS_MRC, REPO, file_digest

import mrcschema

DOC = REPO / "docs" / "conformance.md"

#: mrcfile.validate's messages (mrcobject.py / mrcfile.py, 1.5.4) and the rules of ours that check the same thing
MRCFILE_MESSAGES = [
    (r"Map ID string is incorrect", ("MRC2014-MAP", "MRC2014-MAP-PADDING")),
    (r"Invalid machine stamp", ("MRC2014-BYTEORDER", "MRC2014-MACHST", "MRC2014-MACHST-VARIANT")),
    (r"Invalid mode", ("MRC2014-MODE", "IMOD-MODE-16")),
    (r"Header field '(nx|ny|nz)' is negative", ("MRC2014-DIMENSIONS",)),
    (r"Header field '(mx|my|mz)' is negative", ("MRC2014-SAMPLING",)),
    (r"Header field 'ispg' is negative", ("MRC2014-ISPG",)),
    (r"Header field 'nlabl' is negative", ("MRC2014-NLABL",)),
    (r"Cell dimension '[xyz]' is negative", ("MRC2014-CELLA",)),
    (r"Invalid axis mapping", ("MRC2014-AXES",)),
    (r"Error in dimensions for volume stack", ("MRC2014-VOLUME-STACK",)),
    (r"Error in header labels: empty labels", ("MRC2014-LABEL-ORDER",)),
    (r"Error in header labels: nlabl", ("MRC2014-NLABL",)),
    (r"File does not declare MRC format version", ("MRC2014-NVERSION", "MRC2014-NVERSION-PRE2014")),
    (r"Extended header type is undefined or unrecognised",
     ("MRC2014-EXTTYP", "MRC2014-EXTTYP-MISSING", "MRC2014-EXTTYP-TEXT")),
    (r"Data statistics appear to be inaccurate", ("MRC2014-STATS", "MRC2014-STATS-NAN", "MRC2014-STATS-COMPLEX")),
    (r"File is larger than expected|Data block could not be read", ("MRC2014-FILE-SIZE",)),
    (r"Traceback", ("MRC-STRUCTURE",)),
]
_RANK = {"-": 0, "warning": 1, "error": 2}


def corpus_name(path):
    return path.relative_to(CORPUS).as_posix()


def mrcfile_verdict(path):
    """(valid, indexes into MRCFILE_MESSAGES of what it flagged)."""
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        valid = mrcfile.validate(str(path), print_file=out)
    flagged = set()
    for line in out.getvalue().splitlines()[1:]:
        if line == "File appears to be valid.":
            continue
        matches = [i for i, (pattern, _) in enumerate(MRCFILE_MESSAGES) if re.match(pattern, line)]
        assert matches, f"unmapped mrcfile message: {line!r}"
        flagged.update(matches)
        if line.startswith("Traceback"):
            break
    return valid, flagged


def compare(path):
    """Our verdict, mrcfile's, and the disagreements: (rules, ours, mrcfile) per check."""
    report = mrcschema.validate(path)
    valid, flagged = mrcfile_verdict(path)
    ours = {}
    for finding in report:
        if finding.severity in ("error", "warning"):
            current = ours.get(finding.rule, "-")
            ours[finding.rule] = max(current, finding.severity, key=_RANK.get)
    rows, covered = [], set()
    for index, (_, family) in enumerate(MRCFILE_MESSAGES):
        found = [rule for rule in family if rule in ours and rule not in covered]
        covered.update(family)
        mine = max((ours[rule] for rule in found), key=_RANK.get, default="-")
        theirs = "error" if index in flagged else "-"
        if mine != theirs:
            rows.append((", ".join(found) or family[0], mine, theirs))
    rows += [(rule, severity, "-") for rule, severity in ours.items() if rule not in covered]
    verdict = ("OK" if report.ok else "INVALID", "valid" if valid else "invalid")
    return verdict, sorted(rows)


def doc_table(heading):
    """The rows of the first table after ``heading`` in docs/conformance.md, as tuples of cells."""
    lines = DOC.read_text().splitlines()
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not set(line) <= set("|-: "):
            rows.append(tuple(cell.strip().strip("`") for cell in line.strip("|").split("|")))
    return rows[1:]  # without the column names


@pytest.fixture(scope="module")
def comparisons():
    return {corpus_name(path): compare(path) for path in CORPUS_MRC}


def test_verdicts_are_those_in_the_doc(comparisons):
    table = {row[0]: row[1:3] for row in doc_table("## Verdicts")}
    assert table == {name: verdict for name, (verdict, _) in comparisons.items()}


def test_every_disagreement_is_in_the_doc_with_a_reason(comparisons):
    documented = doc_table("## Disagreements")
    assert all(row[4] for row in documented), "every disagreement needs a reason"
    computed = sorted((name, *row) for name, (_, rows) in comparisons.items() for row in rows)
    assert sorted(row[:4] for row in documented) == computed


@pytest.mark.parametrize("path", CORPUS_MRC, ids=corpus_name)
def test_validation_never_changes_a_corpus_file(path):
    before = file_digest(path)
    mrcschema.validate(path, full_data=True)
    assert file_digest(path) == before


if __name__ == "__main__":  # print the computed tables, to update docs/conformance.md
    for path in CORPUS_MRC:
        (ours, theirs), rows = compare(path)
        print(f"| {corpus_name(path)} | {ours} | {theirs} |")
    for path in CORPUS_MRC:
        for rule, mine, peer in compare(path)[1]:
            print(f"| {corpus_name(path)} | {rule} | {mine} | {peer} | |")
