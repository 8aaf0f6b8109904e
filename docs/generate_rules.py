"""Generate docs/validation_rules.md from the rule table (run: ``python docs/generate_rules.py``).

The tests check that the committed file equals what this script writes, so the list of
rules cannot drift from the rules in ``mrcschema/validation/rules/``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the rules of this checkout, not an installed copy
from mrcschema.validation.rules import AMPLITUDE_ULPS, RULES, SEVERITIES, STATS_RTOL, STATS_ULPS  # noqa: E402

OUTPUT = Path(__file__).resolve().parent / "validation_rules.md"

SCOPES = ("file", "main header", "data", "extended header", "DE file set")


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _offset(rule):
    return "" if rule.offset is None else str(rule.offset)


def _when(rule):
    return "always" if rule.when is None else rule.when.text


def render():
    counts = {s: sum(r.severity == s for r in RULES) for s in SEVERITIES}
    lines = [
        "# Validation rules",
        "",
        "Generated from the rules in `mrcschema/validation/rules/` by `docs/generate_rules.py`; do not edit.",
        "",
        "`mrcschema.validate(path)` and `python -m mrcschema validate FILE...` evaluate these rules in",
        "this order. A finding carries the rule id, the severity, the field and its byte offset, what was",
        "found and what was expected, and the specification. A file is valid (`report.ok`) when no",
        "finding is an error. Severities: **error** breaks the specification or stops the file from being",
        "read as declared; **warning** departs from it in a way readers tolerate; **info** is not a fault.",
        "",
        f"{len(RULES)} rules: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} info.",
        "The last column says what `mrcfile.validate` (1.5.4) does about the same thing; the corpus",
        "comparison is in `docs/conformance.md`.",
        "",
        "A file that is not MRC at all (no `MAP`, and no byte order giving a known MODE with positive",
        "NX, NY, NZ: a PNG, a text file) is one `MRC-STRUCTURE` error and no other rule runs; a missing",
        "file or a directory is one `MRC-UNREADABLE` error. Everything `mrcfile.validate` calls invalid",
        "is an error, except the real-world variants `docs/conformance.md` lists with their writers.",
        "",
        "Statistics (`MRC2014-STATS`): DMIN and DMAX exact, DMEAN within "
        f"{STATS_RTOL:.0%}, and RMS within",
        f"`|std - RMS| <= {STATS_RTOL} * |RMS| + {STATS_ULPS} * ulp32(max(|min|, |max|, |mean|))`, where `ulp32(x)`",
        "is the spacing of float32 numbers at x: a constant float32 fill has an exact RMS of 0, and mrcfile's",
        "float32 `data.std()` a few ulps; both pass. NaN voxels are left out of the statistics (as gemmi",
        "computes them) and counted by the warning `MRC2014-STATS-NAN`. For complex data DMIN, DMAX,",
        f"DMEAN are compared with the amplitudes |z| (DMIN/DMAX within {AMPLITUDE_ULPS} float32 ulps): equal,",
        "they are IMOD's convention (`MRC2014-STATS-COMPLEX`, a warning).",
        "",
    ]
    for scope in SCOPES:
        rules = [r for r in RULES if r.scope == scope]
        lines += [f"## {scope[0].upper() + scope[1:]}", "",
                  "| rule | severity | field | offset | applies when | expected | specification | mrcfile |",
                  "|---|---|---|---:|---|---|---|---|"]
        lines += [f"| `{r.id}` | {r.severity} | `{_cell(r.field)}` | {_offset(r)} | {_cell(_when(r))} | "
                  f"{_cell(r.expected)} | {_cell(r.spec)} | {_cell(r.mrcfile)} |" for r in rules]
        lines.append("")
    return "\n".join(lines + _repairs())


def _repairs():
    """The repairs ``mrcschema fix`` makes, by the rule that names them (``Rule.fix``)."""
    from mrcschema.validation.fixes import FIXES

    lines = ["## Repairs (`mrcschema fix`)", "",
             "The rules whose findings `mrcschema fix` repairs, and how (`Rule.fix` names the repair in",
             "`mrcschema/validation/fixes.py`; `docs/editing.md` has the details). Every other finding is left,",
             "with the reason.", "",
             "| rule | repair |", "|---|---|"]
    lines += [f"| `{r.id}` | {_cell(FIXES[r.fix].text)} |" for r in RULES if r.fix is not None]
    return lines + [""]


if __name__ == "__main__":
    OUTPUT.write_text(render())
    print(OUTPUT)
