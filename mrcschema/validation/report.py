"""What validation returns: a :class:`Report` of :class:`Finding` records for one file."""

from __future__ import annotations

from ..format.records import field_names, record
from .rules import ERROR, INFO, WARNING, Problem, Rule


@record
class Finding:
    """One departure from a rule: how bad, which rule, where, what was found and expected."""

    severity: str  #: "error", "warning" or "info"
    rule: str  #: the rule id, e.g. ``MRC2014-MAP``
    field: str  #: the field, as ``dump`` names it ("map", "cella.x", "label[2]", "file", "data")
    offset: int | None  #: byte offset of the field in the file (None: no single place)
    message: str  #: what was found, then what was expected
    spec: str  #: the specification and section the rule comes from

    def __str__(self):
        where = self.field if self.offset is None else f"{self.field}@{self.offset}"
        return f"{self.severity} {self.rule} {where}: {self.message}"

    def to_dict(self):
        return {name: getattr(self, name) for name in field_names(self)}


@record
class Report:
    """The findings for one file; ``ok`` when none is an error.  Iterate it for the findings."""

    path: str
    findings: tuple = ()

    @property
    def ok(self):
        return not self.errors

    @property
    def errors(self):
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self):
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def infos(self):
        return [f for f in self.findings if f.severity == INFO]

    @property
    def rules(self):
        """The ids of the rules with findings, in order."""
        return list(dict.fromkeys(f.rule for f in self.findings))

    def __iter__(self):
        return iter(self.findings)

    def __str__(self):
        lines = [f"{self.path}: {'OK' if self.ok else 'INVALID'}"]
        lines += [f"  {finding}" for finding in self.findings]
        return "\n".join(lines)

    def to_dict(self):
        """Plain values for JSON: path, ok, counts and the findings."""
        return {
            "path": self.path, "ok": self.ok,
            "errors": len(self.errors), "warnings": len(self.warnings), "infos": len(self.infos),
            "findings": [f.to_dict() for f in self.findings],
        }


def finding_of(rule: Rule, problem: Problem) -> Finding:
    """The finding of ``rule`` for one ``problem`` it found."""
    return Finding(rule.severity, rule.id, problem.field, problem.offset,
                   f"{problem.found}; expected {problem.expected or rule.expected}", rule.spec)
