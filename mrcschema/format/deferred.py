"""numpy, imported when a module first uses it rather than when the module is imported.

Reading a header, ``dump`` and ``validate --header-only`` of a file whose extended header needs
no bulk decoding use no numpy (its import is about half of a fresh process that reads a header).
A module whose functions need numpy only for data or bulk records writes::

    if TYPE_CHECKING:
        import numpy as np
    else:
        from ..format.deferred import numpy as np

and ``np.frombuffer(...)`` imports numpy on its first call.  Type checkers see numpy itself.
(The standard library's ``importlib.util.LazyLoader`` is not used: it puts a half-made numpy
into ``sys.modules`` at once, which code that asks "is numpy loaded?" -- ``values.typed``, the
tests -- would take for the real one, and numpy's import is not written to be deferred so.)
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["numpy"]


class _Deferred:
    """A module imported on first attribute access (then its attributes, directly)."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<{self._name}, imported on first use>"


numpy: Any = _Deferred("numpy")
