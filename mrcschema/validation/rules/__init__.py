"""The validation rules: each a plain function of the file as the rules see it (the
:class:`~mrcschema.validation.context.Context`), registered with its id, severity, field, offset,
specification, precondition and repair (:mod:`.rule`), one module per subject, in the order they run:

* :mod:`.structure` -- whether the file can be read as MRC at all (``MRC-STRUCTURE`` is final:
  a file that is not MRC gets that one finding and no other rule runs);
* :mod:`.identity` -- MAP, the byte order and MACHST, NVERSION, MODE;
* :mod:`.geometry` -- NX, NY, NZ, the sampling, the cell, the axes, ISPG;
* :mod:`.exttyp` -- what the main header declares about the extended header (NSYMBT, EXTTYP);
* :mod:`.labels` -- NLABL and the labels;
* :mod:`.data` -- the file size and the data statistics;
* :mod:`.extended` -- the extended header as EXTTYP declares it (FEI, SERI, CCP4, HDF5);
* :mod:`.de` -- a Direct Electron movie against its info file.

Every comparison is in these modules; the context only reads (header values, extended-header
bytes, the data statistics, the DE info file).  ``docs/validation_rules.md`` is generated from
:data:`RULES` by ``docs/generate_rules.py``; :func:`mrcschema.validate` evaluates them.  One rule
has one severity: where a value is tolerated but not conforming (``MAP\\0``, mode 16) that is a
separate, weaker rule.  Everything ``mrcfile.validate`` calls invalid is an error here except the
real-world variants listed, with the software that writes them, in ``docs/conformance.md``
(tested by ``tests/test_validate_vs_mrcfile.py``).
"""

from __future__ import annotations

from . import data, de, extended, exttyp, geometry, identity, labels, structure
from .data import AMPLITUDE_ULPS, STATS_RTOL, STATS_ULPS, rms_close
from .labels import label_text, label_used
from .rule import ERROR, INFO, SEVERITIES, WARNING, Condition, Problem, Rule
from .structure import reads_as_mrc_in

__all__ = ["AMPLITUDE_ULPS", "ERROR", "INFO", "RULES", "RULES_BY_ID", "SEVERITIES", "STATS_RTOL", "STATS_ULPS",
           "WARNING", "Condition", "Problem", "Rule", "label_text", "label_used", "reads_as_mrc_in", "rms_close"]

#: every rule, in the order they run (and the docs list them)
RULES: tuple[Rule, ...] = tuple(rule for subject in (structure, identity, geometry, exttyp, labels, data, extended, de)
                                for rule in subject.RULES)

RULES_BY_ID = {rule.id: rule for rule in RULES}
if len(RULES_BY_ID) != len(RULES):
    raise RuntimeError("rule ids must be unique")
