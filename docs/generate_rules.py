"""Generate docs/validation_rules.md from the rule table (run: ``python docs/generate_rules.py``).

The tests check that the committed file equals what this script writes, so the list of
rules cannot drift from ``mrcschema/validation/rules.py``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the rules of this checkout, not an installed copy
from mrcschema.validation.rules import RULES, SEVERITIES  # noqa: E402

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
        "Generated from `mrcschema/validation/rules.py` by `docs/generate_rules.py`; do not edit.",
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
    ]
    for scope in SCOPES:
        rules = [r for r in RULES if r.scope == scope]
        lines += [f"## {scope[0].upper() + scope[1:]}", "",
                  "| rule | severity | field | offset | applies when | expected | specification | mrcfile |",
                  "|---|---|---|---:|---|---|---|---|"]
        lines += [f"| `{r.id}` | {r.severity} | `{_cell(r.field)}` | {_offset(r)} | {_cell(_when(r))} | "
                  f"{_cell(r.expected)} | {_cell(r.spec)} | {_cell(r.mrcfile)} |" for r in rules]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    OUTPUT.write_text(render())
    print(OUTPUT)
