"""Header records changed field by field: what the setters of :class:`mrcschema.MrcFile` and the
writer do to a header (voxel size, origin, labels, statistics), with the checks on the values.

Every change makes a new header record (``records.evolve``: what ``attrs.evolve`` does, without
importing attrs); nothing here touches a file, so the
reading layer (``"r+"`` edits) and the writing layer share these functions.
"""

from __future__ import annotations

import numpy as np

from .modes import DTYPE_TO_MODE
from .mrc2014 import LABEL_COUNT, LABEL_LENGTH
from .records import evolve


def with_voxel_size(header, voxel_size):
    """``header`` with CELLA = voxel size (Å; one number or x, y, z) x (MX, MY, MZ)."""
    size = voxel_size_tuple(voxel_size)
    sampling = (header.mx, header.my, header.mz)
    for axis, m in zip("xyz", sampling):
        if m <= 0:
            raise ValueError(f"cannot set the voxel size: M{axis.upper()} is {m}, so CELLA/M{axis.upper()} "
                             "is undefined; set the sampling first (f.header = attrs.evolve(f.header, ...))")
    cella = evolve(header.cella, **{axis: v * m for axis, v, m in zip("xyz", size, sampling)})
    return evolve(header, cella=cella)


def with_origin(header, origin):
    """``header`` with ORIGIN = (x, y, z)."""
    x, y, z = origin_tuple(origin)
    return evolve(header, origin=evolve(header.origin, x=x, y=y, z=z))


def with_labels(header, labels):
    """``header`` with LABEL and NLABL holding ``labels`` (NUL-padded, used labels first).  A blank
    text is a blank label the file already counted in NLABL (new labels are checked by
    :func:`check_label` before they reach here): it is kept, as 80 NUL bytes."""
    encoded = []
    for text in labels:
        raw = text.rstrip().encode("latin-1")
        if len(raw) > LABEL_LENGTH:
            raise ValueError(f"label {text!r}: expected at most {LABEL_LENGTH} characters")
        encoded.append(raw)
    label, nlabl = _label_block(encoded)
    return evolve(header, label=label, nlabl=nlabl)


def _label_block(encoded: list[bytes]) -> tuple[tuple[bytes, ...], int]:
    """(LABEL: 10 x 80 bytes, NUL-padded as mrcfile pads them; NLABL) for the encoded labels."""
    if len(encoded) > LABEL_COUNT:
        raise ValueError(f"an MRC header holds at most {LABEL_COUNT} labels, got {len(encoded)}")
    block = [raw.ljust(LABEL_LENGTH, b"\0") for raw in encoded]
    return tuple(block + [b"\0" * LABEL_LENGTH] * (LABEL_COUNT - len(block))), len(block)


def data_stats(data):
    """:func:`.statistics.data_stats` (that module is loaded when statistics are first computed)."""
    from .statistics import data_stats as compute

    return compute(data)


def has_stats(header):
    """Whether the header's mode is one whose statistics we compute (the numpy-typed modes)."""
    return header.mode in DTYPE_TO_MODE.values()


def with_stats(header, data):
    """``header`` with DMIN, DMAX, DMEAN, RMS of ``data``, computed block by block in float64."""
    if not has_stats(header) or not isinstance(data, np.ndarray):
        return header
    return evolve(header, **data_stats(data).as_fields())


def _three(value, what, *, allow_negative):
    """A number or three numbers (x, y, z) -> a tuple of three finite floats."""
    if value is None:
        return (0.0, 0.0, 0.0)
    if np.ndim(value) == 0:
        values = (float(value),) * 3
    else:
        values = tuple(float(v) for v in value)
        if len(values) != 3:
            raise ValueError(f"{what} must be one number or three (x, y, z), got {len(values)}")
    for v in values:
        if not np.isfinite(v) or abs(v) > np.finfo(np.float32).max:
            raise ValueError(f"{what} must be finite float32 numbers, got {values}")
        if not allow_negative and v < 0:
            raise ValueError(f"{what} must not be negative, got {values}")
    return values


def voxel_size_tuple(voxel_size):
    """``voxel_size`` (one number, three numbers or None) as (x, y, z) in Å."""
    return _three(voxel_size, "voxel_size", allow_negative=False)


def origin_tuple(origin):
    """``origin`` (three numbers or None) as (x, y, z)."""
    if origin is not None and np.ndim(origin) == 0:
        raise ValueError("origin must be three numbers (x, y, z)")
    return _three(origin, "origin", allow_negative=True)


def check_label(text):
    """A label that may be stored: text, not blank, printable ASCII, at most LABEL_LENGTH (80) characters.
    Trailing blanks are dropped (readers strip them)."""
    if isinstance(text, bytes):
        text = text.decode("ascii", errors="replace")
    if not isinstance(text, str):
        raise TypeError(f"labels are text, got {type(text).__name__}")
    text = text.rstrip()
    if not text:
        raise ValueError("labels must not be empty or blank (a blank label ends the list)")
    if not (text.isascii() and text.isprintable()):
        raise ValueError(f"label {text!r} is not printable ASCII")
    if len(text) > LABEL_LENGTH:
        raise ValueError(f"label {text[:20]!r}... has {len(text)} characters, at most {LABEL_LENGTH} fit")
    return text


def label_fields(labels):
    """``labels`` (up to 10 texts, see :func:`check_label`) -> (LABEL: 10 x 80 bytes,
    NUL-padded as mrcfile pads them; NLABL)."""
    if isinstance(labels, (str, bytes)):
        labels = [labels]
    labels = list(labels)
    if len(labels) > LABEL_COUNT:
        raise ValueError(f"an MRC header holds at most {LABEL_COUNT} labels, got {len(labels)}")
    return _label_block([check_label(text).encode("ascii") for text in labels])


#: header edits are merged in units of this many bytes: every MRC2014 header field is a whole
#: number of 4-byte words, aligned on one (ints, floats, EXTTYP, MAP, MACHST, each 80-byte label)
EDIT_WORD = 4


def merge_edits(base: bytes, edited: bytes, current: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """What an editor changes in a header and nothing else: the runs of 4-byte words in which
    ``edited`` differs from ``base`` (the header as the editor read it), as ``(offset, bytes)``
    writes, and ``current`` (the header on disk now, maybe changed by another process meanwhile,
    e.g. an appender raising NZ) with those runs applied."""
    writes: list[tuple[int, bytes]] = []
    start = None
    for at in range(0, len(edited) + EDIT_WORD, EDIT_WORD):
        differs = at < len(edited) and edited[at:at + EDIT_WORD] != base[at:at + EDIT_WORD]
        if differs and start is None:
            start = at
        elif not differs and start is not None:
            writes.append((start, edited[start:at]))
            start = None
    merged = bytearray(current)
    for offset, data in writes:
        merged[offset:offset + len(data)] = data
    return writes, bytes(merged)
