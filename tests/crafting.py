"""Crafting damaged files: a valid header, then fields changed through the schema."""

import attrs

from mrcschema.format.mrc2014 import MRC2014_HEADER


def valid_header(nx=4, ny=3, nz=2, mode=2, **changes):
    """A conforming little-endian MRC2014 header record for a small float32 stack."""
    blank = MRC2014_HEADER.parse(bytes(1024))
    header = attrs.evolve(
        blank, nx=nx, ny=ny, nz=nz, mode=mode, mx=nx, my=ny, mz=nz, mapc=1, mapr=2, maps=3,
        cella=attrs.evolve(blank.cella, x=float(nx), y=float(ny), z=float(nz)),
        cellb=attrs.evolve(blank.cellb, alpha=90.0, beta=90.0, gamma=90.0),
        dmin=0.0, dmax=0.0, dmean=0.0, rms=0.0, nversion=20141, map=b"MAP ", machst=b"DD\0\0",
        exttyp=b"\0\0\0\0", label=(b"\0" * 80,) * 10,
    )
    return attrs.evolve(header, **changes)


#: DMIN > DMAX, DMEAN < both, RMS < 0: every statistic marked undetermined (MRC2014 note 5)
UNSET = dict(dmin=0.0, dmax=-1.0, dmean=-2.0, rms=-1.0)


def stack_header(**changes):
    """A conforming 4 x 3 x 2 float32 image stack (MZ 1), statistics unset, then ``changes``
    (``cella`` as a dict of the axes to change)."""
    cella = changes.pop("cella", None)
    header = attrs.evolve(valid_header(), mz=1, **UNSET)
    header = attrs.evolve(header, **changes)
    if cella:
        header = attrs.evolve(header, cella=attrs.evolve(header.cella, **cella))
    return header


def write_file(path, header, data_bytes, *, byteorder="<", extended=b"", raw_header=None):
    """Write header (record, or ``raw_header`` bytes), extended header and data bytes."""
    raw = raw_header if raw_header is not None else MRC2014_HEADER.build(header, byteorder)
    path.write_bytes(raw + extended + data_bytes)
    return path
