"""``mrcschema.acquisition``: acquisition metadata of a file in SI units, from its extended header
(:mod:`.extended_metadata`, one neutral :class:`Acquisition` whatever the vendor) and, for Direct
Electron movies, from the info file through the physical model (:mod:`.physical`)."""

from __future__ import annotations

import os
import typing

import attrs

from ..format.fei_bits import FEI_FIELD_BITS, fei_field_bits
from .extended_metadata import Acquisition, acquisition_from_extended
from .mrc_file import MrcFile

__all__ = ["Acquisition", "FEI_FIELD_BITS", "acquisition", "acquisition_from_extended", "fei_field_bits"]


def acquisition(target: str | os.PathLike | MrcFile | typing.Any, *,
                storage_options: dict | None = None) -> Acquisition:
    """Acquisition metadata of a file: anything :func:`mrcschema.open` takes (opened read-only for
    the call: the header and extended header are read, never the data) or an open
    :class:`~mrcschema.MrcFile` (see :class:`Acquisition`)."""
    if isinstance(target, MrcFile):
        return _with_physical(acquisition_from_extended(target.extended), target)
    with MrcFile(target, storage_options=storage_options) as mrc:
        return _with_physical(acquisition_from_extended(mrc.extended), mrc)


def _with_physical(acq: Acquisition, mrc: MrcFile) -> Acquisition:
    """What the physical model adds from a Direct Electron info file (voltage, pixel sizes, the
    scan, the frame rate) where the extended header says nothing of it."""
    if mrc.geometry is None:
        return acq
    model = mrc.physical
    if model.kind not in ("movie", "4D-STEM scan"):
        return acq
    changes: dict = {}
    if acq.voltage is None and model.voltage:
        changes["voltage"] = model.voltage
    if model.frame_rate:
        changes["frame_rate"] = model.frame_rate
    if model.scan is not None:
        changes["scan_shape"] = tuple(model.scan.shape)
        step_y, step_x = model.scan.step
        if acq.pixel_size is None and step_x and step_y:
            changes["pixel_size"] = (step_x * 1e-10, step_y * 1e-10)
    plane = model.axes[-2:]
    if all(a.scale is not None for a in plane):
        y, x = plane
        if x.unit == "Å" and acq.pixel_size is None and "pixel_size" not in changes:
            changes["pixel_size"] = (x.scale * 1e-10, y.scale * 1e-10)
        elif x.unit == "1/Å":
            changes["reciprocal_pixel_size"] = (x.scale * 1e10, y.scale * 1e10)
    if changes and acq.source == "none":
        changes["source"] = "DE info"
    return attrs.evolve(acq, **changes)
