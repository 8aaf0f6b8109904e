"""In-place changes of an existing file, crash-safe: the public face of
:mod:`mrcschema.sources.journal` (which lives in the sources layer so that the ``"r+"`` file of
the reading layer writes through it too).

* :func:`apply_in_place` - writes and a size change, journaled (undo bytes beside the file);
* :func:`apply_shift` - ``fallocate`` insert/collapse at the start plus the new header block;
* :func:`recover` - finish or roll back what a killed process left ("rolled back", "completed", None).

See docs/writing.md, "In-place changes", for the argument.
"""

from __future__ import annotations

from ..sources.journal import (
    COLLAPSE,
    INSERT,
    apply_in_place,
    apply_shift,
    journal_path,
    pending_overlay,
    recover,
    sigint_deferred,
)

__all__ = ["COLLAPSE", "INSERT", "apply_in_place", "apply_shift", "journal_path", "pending_overlay", "recover",
           "sigint_deferred"]
