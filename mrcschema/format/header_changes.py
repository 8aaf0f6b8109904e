"""Header records changed the ways ``mrcschema edit`` and ``fix`` change them (start, axis order,
space group, labels with IMOD's rollover, machine stamp, NVERSION, EXTTYP), and what changed
between two header records, field by field and byte by byte.

Like :mod:`.header_edits` (voxel size, origin, labels, statistics), nothing here touches a file:
each function returns a new record (``records.evolve``) or raises ``ValueError`` for a value the
header cannot hold, so a change is checked in full before any byte is written.
"""

from __future__ import annotations

import math

import numpy as np

from .header_edits import check_label, with_labels
from .meaning import (
    EM_VOLUME_ISPG,
    EM_VOLUME_STACK_ISPG,
    IMAGE_ISPG,
    MACHINE_STAMP,
    MRC2014_NVERSIONS,
    STANDARD_STAMPS,
    is_image_ispg,
    is_volume,
    is_volume_stack,
)
from .mrc2014 import LABEL_COUNT, LABEL_LENGTH, MRC2014_HEADER, field_offset
from .records import evolve
from .values import show

#: the NVERSION MRC2014 files carry today (the 2014 update, the last of MRC2014_NVERSIONS)
CURRENT_NVERSION = MRC2014_NVERSIONS[-1]
#: the space-group kinds ``edit --ispg`` takes by name
SPACE_GROUP_KINDS = ("image", "stack", "volume", "volume-stack")
INT32_MAX = 2**31 - 1


def _int32(value, what):
    number = int(value)
    if number != value or not -INT32_MAX - 1 <= number <= INT32_MAX:
        raise ValueError(f"{what} must be a 32-bit integer, got {value!r}")
    return number


def with_start(header, start):
    """``header`` with NXSTART, NYSTART, NZSTART = ``start`` (three integers, along columns, rows,
    sections as the fields are stored)."""
    values = tuple(start)
    if len(values) != 3:
        raise ValueError(f"start must be three integers (NXSTART, NYSTART, NZSTART), got {len(values)}")
    x, y, z = (_int32(v, "start") for v in values)
    return evolve(header, nxstart=x, nystart=y, nzstart=z)


def with_axis_order(header, order):
    """``header`` with MAPC, MAPR, MAPS = ``order`` (a permutation of 1, 2, 3; or text like "yxz")."""
    if isinstance(order, str):
        text = order.replace(",", "").replace(" ", "").lower()
        order = ["xyz".index(c) + 1 for c in text] if set(text) <= set("xyz") and len(text) == 3 else order
        if isinstance(order, str):
            order = [int(c) for c in text] if text.isdigit() else []
    values = tuple(int(v) for v in order)
    if sorted(values) != [1, 2, 3]:
        raise ValueError(f"axis order must be a permutation of 1, 2, 3 (or of x, y, z), got {order!r}")
    return evolve(header, mapc=values[0], mapr=values[1], maps=values[2])


def _voxel_z(header):
    """The Z voxel size the cell says now (CELLA.Z / MZ, else CELLA.Z / NZ), kept when MZ changes."""
    if header.mz > 0:
        return header.cella.z / header.mz
    return header.cella.z / header.nz if header.nz > 0 and header.cella.z > 0 else 0.0


def with_space_group(header, ispg, mz=None):
    """``header`` as an image stack, a volume or a volume stack, keeping the Z voxel size.

    ``ispg``: "image"/"stack" (ISPG 0, MZ 1), "volume" (ISPG 1, MZ = NZ), "volume-stack" (ISPG 401
    and ``mz`` sections per volume), or a number: 0 (as "stack"), 1-230 (a volume in that space
    group, MZ = NZ), 401-630 (a volume stack; ``mz`` required unless MZ already divides NZ)."""
    if isinstance(ispg, str):
        if ispg not in SPACE_GROUP_KINDS and not ispg.isdigit():
            raise ValueError(f"ispg must be a number or one of {', '.join(SPACE_GROUP_KINDS)}, got {ispg!r}")
        ispg = {"image": IMAGE_ISPG, "stack": IMAGE_ISPG, "volume": EM_VOLUME_ISPG,
                "volume-stack": EM_VOLUME_STACK_ISPG}.get(ispg, ispg)
    ispg = _int32(int(ispg), "ispg")
    nz = header.nz
    if is_image_ispg(ispg):
        new_mz = 1
    elif is_volume(ispg):
        new_mz = nz
    elif is_volume_stack(ispg):
        new_mz = header.mz if mz is None else _int32(mz, "mz")
        if new_mz <= 0 or nz % new_mz:
            raise ValueError(f"a volume stack needs MZ (sections per volume) dividing NZ {nz}, got MZ {new_mz}")
    else:
        raise ValueError(f"ISPG must be 0 (images), 1-230 (volumes) or 401-630 (volume stacks), got {ispg}")
    if mz is not None and not is_volume_stack(ispg) and _int32(mz, "mz") != new_mz:
        raise ValueError(f"MZ is {new_mz} for ISPG {ispg}; mz={mz} is for volume stacks (ISPG 401-630)")
    voxel_z = _voxel_z(header)
    cella = evolve(header.cella, z=voxel_z * new_mz) if voxel_z > 0 else header.cella
    return evolve(header, ispg=ispg, mz=new_mz, cella=cella)


def with_label_added(header, text):
    """``header`` with ``text`` in the label after the NLABL in use, the other labels' bytes kept.
    With all ten used, IMOD's rollover (``mrc_head_label``): the first label (the one that made the
    file) stays, the second, the oldest after it, goes, and the others move up one."""
    raw = check_label(text).encode("ascii").ljust(LABEL_LENGTH, b"\0")
    used = max(0, min(header.nlabl, LABEL_COUNT))
    labels = list(header.label)
    if used < LABEL_COUNT:
        labels[used] = raw
    else:
        labels = labels[:1] + labels[2:] + [raw]
    return evolve(header, label=tuple(labels), nlabl=min(used + 1, LABEL_COUNT))


def with_labels_replaced(header, labels):
    """``header`` holding exactly ``labels`` (up to ten; none clears them)."""
    return with_labels(header, [check_label(t) for t in labels])


def with_machine_stamp(header, byteorder_or_stamp):
    """``header`` with MACHST the standard stamp for "<"/">" ("little"/"big"), or 4 given bytes
    that are one of MRC2014's stamps.  The stamp must say the order the header is written in: the
    caller builds the header in that order."""
    value = byteorder_or_stamp
    names = {"little": "<", "big": ">", "<": "<", ">": ">"}
    if isinstance(value, str) and value in names:
        stamp = MACHINE_STAMP[names[value]]
    else:
        stamp = bytes.fromhex(value) if isinstance(value, str) else bytes(value)
        if stamp not in STANDARD_STAMPS:
            raise ValueError(f"machine stamp must be '<'/'little', '>'/'big' or one of MRC2014's "
                             f"({', '.join(s.hex(' ') for s in STANDARD_STAMPS)}), got {value!r}")
    return evolve(header, machst=stamp)


def with_nversion(header, nversion=CURRENT_NVERSION):
    """``header`` with NVERSION (20140 or 20141)."""
    if int(nversion) not in MRC2014_NVERSIONS:
        raise ValueError(f"NVERSION must be one of {', '.join(map(str, MRC2014_NVERSIONS))}, got {nversion!r}")
    return evolve(header, nversion=int(nversion))


def with_exttyp(header, exttyp):
    """``header`` with EXTTYP: 4 printable ASCII characters (shorter codes are padded with spaces)."""
    raw = exttyp.encode("ascii") if isinstance(exttyp, str) else bytes(exttyp)
    if not raw or len(raw) > 4 or not all(32 <= b < 127 for b in raw):
        raise ValueError(f"EXTTYP must be 1-4 printable ASCII characters, got {exttyp!r}")
    return evolve(header, exttyp=raw.ljust(4, b" "))


def with_map(header):
    """``header`` with MAP = 'MAP ' (MRC2014's identifier, with its space)."""
    return evolve(header, map=b"MAP ")


# -- what changed ----------------------------------------------------------------------------------
def field_values(header) -> dict[str, object]:
    """Every field of a header record by its dump name (``cella.x``, ``label[3]``), in file order."""
    values: dict[str, object] = {}
    for field in MRC2014_HEADER.fields:
        value = getattr(header, field.name)
        if field.children:
            for child in field.children:
                values[f"{field.name}.{child.name}"] = getattr(value, child.name)
        elif field.name == "label":
            for index, label in enumerate(value):
                values[f"label[{index}]"] = label
        else:
            values[field.name] = value
    return values


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b)) or np.float32(a).tobytes() == np.float32(b).tobytes()
    return a == b


def changed_fields(old, new) -> list[tuple[str, int | None, object, object]]:
    """(field, offset, old value, new value) for every field that differs, in file order."""
    before, after = field_values(old), field_values(new)
    return [(name, field_offset(name), before[name], after[name]) for name in before
            if not _same(before[name], after[name])]


def describe_value(value) -> str:
    """A value as a change list shows it (bytes and labels as text where they are text)."""
    if isinstance(value, bytes) and len(value) == 80:  # a label
        text = value.rstrip(b"\0").rstrip()
        return repr(text.decode("latin-1")) if text else "''"
    return show(value)


def changed_ranges(old_raw: bytes, new_raw: bytes, base: int = 0) -> list[tuple[int, bytes]]:
    """The (offset, bytes) runs where ``new_raw`` differs from ``old_raw`` (equal lengths; runs
    closer than 16 bytes merged): what must be written to turn one into the other."""
    if len(old_raw) != len(new_raw):
        raise ValueError("changed_ranges compares blocks of equal length")
    a = np.frombuffer(old_raw, np.uint8)
    b = np.frombuffer(new_raw, np.uint8)
    differ = np.flatnonzero(a != b)
    runs: list[tuple[int, int]] = []
    for index in differ.tolist():
        if runs and index - runs[-1][1] <= 16:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return [(base + start, bytes(new_raw[start:stop])) for start, stop in runs]

