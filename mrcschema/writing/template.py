"""``like=``: a new file made with another file's header as its template (``write(..., like=)``,
``new(..., like=)``).

What is copied, as far as it stays valid for the new data: the voxel size (CELLA is then the voxel
size x the new MX, MY, MZ), CELLB, ORIGIN, NXSTART/NYSTART/NZSTART, the labels, and for a new volume
its space group and MAPC/MAPR/MAPS; the extended header when its records still describe the new
sections (FEI1/FEI2: the first NZ records, when the template has that many) or when it does not
depend on them (CCP4 symmetry for the same space group, HDF5, MRCO and other blocks with an
EXTTYP).  Everything else is made for the new data as :func:`mrcschema.write` makes it (NX, NY,
NZ, MODE, MX/MY/MZ, ISPG of a stack, statistics, MACHST, NVERSION).  What cannot be kept is named
in one :class:`~mrcschema.MrcWarning`; arguments given explicitly win over the template.
"""

from __future__ import annotations

import warnings

from ..errors import MrcWarning
from ..format.meaning import is_volume
from ..format.mrc2014 import LABEL_COUNT
from ..format.records import record

__all__ = ["Template", "template_from"]


@record
class Template:
    """The settings a new file takes from its template, and what was dropped (with why)."""

    voxel_size: object
    origin: object
    labels: tuple
    extended_header: object
    exttyp: object
    fields: dict  #: other header fields to set once the header is made (start, CELLB, ISPG, axes)
    dropped: tuple


def _read(like):
    from ..reading.mrc_file import MrcFile, labels_of, voxel_size_of
    from ..reading.mrc_file import open as open_mrc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MrcWarning)
        if isinstance(like, MrcFile):
            mrc, close = like, False
        else:
            mrc, close = open_mrc(like), True
        try:
            h = mrc.header
            ext = mrc.extended if h.nsymbt > 0 else None
            raw = mrc.extended_header_bytes if h.nsymbt > 0 else b""
            return h, ext, raw, labels_of(h), voxel_size_of(h)[0], mrc.path
        finally:
            if close:
                mrc.close()


def template_from(like, geo, byteorder, *, voxel_size=None, origin=None, labels=(), extended_header=None,
                  exttyp=None) -> Template:
    """The :class:`Template` for new data of geometry ``geo`` (``new_header.Geometry``) taken from
    ``like`` (a path or an open :class:`~mrcschema.MrcFile`); explicit arguments win."""
    h, ext, raw, like_labels, voxel, name = _read(like)
    dropped: list[str] = []
    if voxel_size is None:
        voxel_size = tuple(voxel)  # 0 where the template does not know it (a 2D image's Z)
    if origin is None:
        origin = (h.origin.x, h.origin.y, h.origin.z)
    given = [labels] if isinstance(labels, str) else list(labels)
    all_labels = [t for t in like_labels if t.strip()] + given
    while len(all_labels) > LABEL_COUNT:  # IMOD's rollover: the first stays, the oldest after it goes
        dropped.append(f"label {all_labels[1]!r} (ten labels at most)")
        all_labels = all_labels[:1] + all_labels[2:]
    fields = {"nxstart": h.nxstart, "nystart": h.nystart, "nzstart": h.nzstart}
    angles = (h.cellb.alpha, h.cellb.beta, h.cellb.gamma)
    if all(0 < a < 180 for a in angles):
        fields["cellb"] = angles
    if is_volume(geo.ispg):  # one volume: its space group and axes
        if is_volume(h.ispg):
            fields["ispg"] = h.ispg
        if sorted((h.mapc, h.mapr, h.maps)) == [1, 2, 3]:
            fields.update(mapc=h.mapc, mapr=h.mapr, maps=h.maps)
    elif (h.mapc, h.mapr, h.maps) != (1, 2, 3):
        dropped.append(f"MAPC, MAPR, MAPS {h.mapc}, {h.mapr}, {h.maps} (images and stacks are 1, 2, 3)")
    if extended_header is None and exttyp is None and ext is not None:
        extended_header, exttyp = _extended(h, ext, raw, geo, byteorder, fields, dropped)
    return Template(voxel_size, origin, tuple(all_labels), extended_header, exttyp, fields, tuple(dropped))


def _extended(h, ext, raw, geo, byteorder, fields, dropped):
    kind = ext.kind
    if kind in ("FEI1", "FEI2"):
        if ext.records is None or len(ext.records) < geo.nz:
            count = 0 if ext.records is None else len(ext.records)
            dropped.append(f"the {kind} extended header ({count} records for {geo.nz} new sections)")
        elif byteorder != "<":
            dropped.append(f"the {kind} extended header (FEI records are little-endian; the new file is big-endian)")
        else:
            return ext.records[:geo.nz], None
        return None, None
    if kind == "CCP4":
        if fields.get("ispg") == h.ispg:
            return raw, "CCP4"
        dropped.append("the CCP4 symmetry records (the new data is not a volume in the same space group)")
        return None, None
    if kind in ("SERI", "AGAR", "FEI_LEGACY"):
        dropped.append(f"the {kind} extended header (its records describe the template's sections, "
                       f"{'laid out by NINT/NREAL, which are not copied' if kind != 'FEI_LEGACY' else 'without an EXTTYP'})")
        return None, None
    if ext.exttyp:
        return raw, ext.exttyp
    dropped.append(f"the extended header ({h.nsymbt} bytes of unknown kind, no EXTTYP)")
    return None, None


def warn_dropped(template: Template, like_name: str, stacklevel: int = 3) -> None:
    """One :class:`~mrcschema.MrcWarning` naming what the template could not pass on."""
    if template.dropped:
        warnings.warn(f"like={like_name}: not copied: {'; '.join(template.dropped)}", MrcWarning,
                      stacklevel=stacklevel)


def apply_fields(header, fields: dict):
    """``header`` with the template's other fields."""
    from ..format.records import evolve

    fields = dict(fields)
    cellb = fields.pop("cellb", None)
    if cellb is not None:
        fields["cellb"] = evolve(header.cellb, alpha=cellb[0], beta=cellb[1], gamma=cellb[2])
    return evolve(header, **fields)
