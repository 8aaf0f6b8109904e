"""Editing an open ``"r+"`` file: what the setters of :class:`mrcschema.MrcFile` do to the header.

Every change makes a new header record (``attrs.evolve``); ``MrcFile.flush``/``close`` builds
it through the schema and writes it.  Kept apart from :mod:`mrcschema.file` so that the file
class only delegates.
"""

from __future__ import annotations

import io

import attrs
import numpy as np

from .modes import DTYPE_TO_MODE
from .stats import data_stats
from .write import check_label, origin_tuple, voxel_size_tuple


def read_only_error(mrc, what):
    """The error for a change attempted on a file not open for writing."""
    if mrc.closed:
        return ValueError(f"{what} cannot be changed: {mrc.path} is closed")
    return io.UnsupportedOperation(
        f"{what} cannot be changed: {mrc.path} is open in mode {mrc.mode!r} "
        f"({'read-only' if mrc.mode == 'r' else 'copy-on-write, header read-only'}); open it with mode 'r+'")


def with_voxel_size(header, voxel_size):
    """``header`` with CELLA = voxel size (Å; one number or x, y, z) x (MX, MY, MZ)."""
    size = voxel_size_tuple(voxel_size)
    sampling = (header.mx, header.my, header.mz)
    for axis, m in zip("xyz", sampling):
        if m <= 0:
            raise ValueError(f"cannot set the voxel size: M{axis.upper()} is {m}, so CELLA/M{axis.upper()} "
                             "is undefined; set the sampling first (f.header = attrs.evolve(f.header, ...))")
    cella = attrs.evolve(header.cella, **{axis: v * m for axis, v, m in zip("xyz", size, sampling)})
    return attrs.evolve(header, cella=cella)


def with_origin(header, origin):
    """``header`` with ORIGIN = (x, y, z)."""
    x, y, z = origin_tuple(origin)
    return attrs.evolve(header, origin=attrs.evolve(header.origin, x=x, y=y, z=z))


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
        return [check_label(text) for text in new_items]

    def append(self, text):
        super().append(*self._writable([text], 1))

    def insert(self, index, text):
        super().insert(index, *self._writable([text], 1))

    def extend(self, texts):
        texts = list(texts)
        super().extend(self._writable(texts, len(texts)))

    def __iadd__(self, texts):
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

    def _mutate(name):  # noqa: N805 - helper building methods
        def method(self, *args, **kwargs):
            self._writable()
            return getattr(super(LabelList, self), name)(*args, **kwargs)

        method.__name__ = name
        return method

    pop = _mutate("pop")
    remove = _mutate("remove")
    clear = _mutate("clear")
    sort = _mutate("sort")
    reverse = _mutate("reverse")
    __imul__ = _mutate("__imul__")
    del _mutate


def with_labels(header, labels):
    """``header`` with LABEL and NLABL holding ``labels`` (NUL-padded, used labels first)."""
    labels = list(labels)
    if len(labels) > 10:
        raise ValueError(f"an MRC header holds at most 10 labels, got {len(labels)}")
    fields = []
    for text in labels:
        raw = text.rstrip().encode("latin-1")
        if not raw or len(raw) > 80:
            raise ValueError(f"label {text!r}: expected 1 to 80 characters")
        fields.append(raw.ljust(80, b"\0"))
    nlabl = len(fields)
    fields += [b"\0" * 80] * (10 - nlabl)
    return attrs.evolve(header, label=tuple(fields), nlabl=nlabl)


def has_stats(header):
    """Whether the header's mode is one whose statistics we compute (the numpy-typed modes)."""
    return header.mode in DTYPE_TO_MODE.values()


def with_stats(header, data):
    """``header`` with DMIN, DMAX, DMEAN, RMS of ``data``, computed block by block in float64."""
    if not has_stats(header) or not isinstance(data, np.ndarray):
        return header
    return attrs.evolve(header, **data_stats(data).as_fields())
