"""The header record of new data: NX, NY, NZ, MZ and ISPG from the array's shape, every other
field set as ``mrcfile`` sets it for the same data (nothing left from an older file)."""

from __future__ import annotations

import attrs

from ..format.byteorder import MACHINE_STAMP
from ..format.geometry import HEADER_SIZE
from ..format.header_edits import label_fields, origin_tuple, voxel_size_tuple
from ..format.meaning import EM_VOLUME_STACK_ISPG
from ..format.mrc2014 import MRC2014_HEADER
from ..format.statistics import UNDETERMINED

#: the largest value of an int32 header field
INT32_MAX = 2**31 - 1
#: the NVERSION we write (MRC2014, 20141 update)
NVERSION = 20141


@attrs.frozen
class Geometry:
    nx: int
    ny: int
    nz: int
    mz: int
    ispg: int


def geometry_of(shape, volume=False) -> Geometry:
    """NX, NY, NZ, MZ, ISPG for an array shape (2D image, 3D stack or volume, 4D volume stack)."""
    shape = tuple(int(n) for n in shape)
    if len(shape) not in (2, 3, 4):
        raise ValueError(f"MRC data is 2D (ny, nx), 3D (nz, ny, nx) or 4D (volumes, nz, ny, nx); got shape {shape}")
    if any(n <= 0 for n in shape):
        raise ValueError(f"every dimension must be positive, got shape {shape}")
    if len(shape) == 2:
        geo = Geometry(shape[1], shape[0], 1, 1, 0)
    elif len(shape) == 3:
        geo = Geometry(shape[2], shape[1], shape[0], shape[0] if volume else 1, 1 if volume else 0)
    else:
        geo = Geometry(shape[3], shape[2], shape[0] * shape[1], shape[1], EM_VOLUME_STACK_ISPG)
    for name in ("nx", "ny", "nz"):
        if getattr(geo, name) > INT32_MAX:
            raise ValueError(f"{name.upper()} = {getattr(geo, name)} does not fit the header (at most {INT32_MAX})")
    return geo


def make_header(geo: Geometry, mode, byteorder="<", *, voxel_size=None, origin=None, labels=(),
                nsymbt=0, exttyp=b"\0\0\0\0", stats=None):
    """The header record for new data, every field set (nothing left from an older file)."""
    blank = MRC2014_HEADER.parse(bytes(HEADER_SIZE))
    vx, vy, vz = voxel_size_tuple(voxel_size)
    ox, oy, oz = origin_tuple(origin)
    label, nlabl = label_fields(labels)
    stats = dict(UNDETERMINED) if stats is None else stats
    return attrs.evolve(
        blank, nx=geo.nx, ny=geo.ny, nz=geo.nz, mode=mode, nxstart=0, nystart=0, nzstart=0,
        mx=geo.nx, my=geo.ny, mz=geo.mz,
        cella=attrs.evolve(blank.cella, x=vx * geo.nx, y=vy * geo.ny, z=vz * geo.mz),
        cellb=attrs.evolve(blank.cellb, alpha=90.0, beta=90.0, gamma=90.0),
        mapc=1, mapr=2, maps=3, ispg=geo.ispg, nsymbt=nsymbt, exttyp=exttyp, nversion=NVERSION,
        origin=attrs.evolve(blank.origin, x=ox, y=oy, z=oz), map=b"MAP ", machst=MACHINE_STAMP[byteorder],
        nlabl=nlabl, label=label, **stats,
    )
