"""The labels of an open file as a checked list, and the error for changing a read-only file."""

from __future__ import annotations

import io
from collections.abc import Iterable


def read_only_error(mrc, what):
    """The error for a change attempted on a file not open for writing."""
    if mrc.closed:
        return ValueError(f"{what} cannot be changed: {mrc.path} is closed")
    return io.UnsupportedOperation(
        f"{what} cannot be changed: {mrc.path} is open in mode {mrc.mode!r} "
        f"({'read-only' if mrc.mode == 'r' else 'copy-on-write, header read-only'}); open it with mode 'r+'")


def _checked(name: str):
    """A ``list`` method of :class:`LabelList` that first checks the file may be written."""

    def method(self, *args, **kwargs):
        self._writable()
        return getattr(list, name)(self, *args, **kwargs)

    method.__name__ = name
    return method


class LabelList(list):
    """The labels of an open file: a list whose changes are checked (at most 10 printable
    ASCII texts of at most 80 characters) and, in ``"r+"`` mode, written on flush/close.
    In ``"r"`` and ``"c"`` mode every change raises :class:`io.UnsupportedOperation`."""

    def __init__(self, texts, owner):
        super().__init__(texts)
        self._owner = owner

    def _writable(self, new_items=(), grow=0):
        owner = self._owner
        if owner.mode != "r+" or owner.closed:
            raise read_only_error(owner, "labels")
        if len(self) + grow > 10:
            raise ValueError(f"an MRC header holds at most 10 labels; this would make {len(self) + grow}")
        from ..format.header_edits import check_label  # labels being changed: not for reading them

        return [check_label(text) for text in new_items]

    def append(self, text):
        super().append(*self._writable([text], 1))

    def insert(self, index, text):
        super().insert(index, *self._writable([text], 1))

    def extend(self, texts):
        texts = list(texts)
        super().extend(self._writable(texts, len(texts)))

    def __iadd__(self, texts: Iterable[str]) -> LabelList:  # type: ignore[override,misc]
        self.extend(texts)
        return self

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            value = list(value)
            grow = len(value) - len(range(*index.indices(len(self))))
            super().__setitem__(index, self._writable(value, max(grow, 0)))
        else:
            super().__setitem__(index, self._writable([value])[0])

    def __delitem__(self, index):
        self._writable()
        super().__delitem__(index)

    pop = _checked("pop")
    remove = _checked("remove")
    clear = _checked("clear")
    sort = _checked("sort")
    reverse = _checked("reverse")
    __imul__ = _checked("__imul__")
