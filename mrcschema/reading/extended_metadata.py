"""Acquisition metadata from whatever extended header a file has, in SI units.

One neutral record, :class:`Acquisition`, whatever the source (FEI1/FEI2 records, the
old 128-byte FEI block, SerialEM items), so that readers such as the HyperSpy plug-in
need one mapping, not one per vendor.  Per-section quantities are arrays with one value
per section (NaN where the file does not set it); scalar quantities come from the first
section.  FEI fields count only when their bitmask bit is set: "Individual bits indicate
which metadata fields are set" (Thermo Fisher spec); bit k of ``bitmask_n`` belongs to the
k-th field after it, the 48-byte ``unused_range`` taking bits 16-21 of ``bitmask_1``.
"""

from __future__ import annotations

import attrs
import numpy as np

from ..format.extended import ExtendedHeader, seri_values
from ..format.fei_bits import FEI_FIELD_BITS, fei_field_bits

__all__ = ["Acquisition", "FEI_FIELD_BITS", "acquisition_from_extended", "fei_field_bits"]


@attrs.frozen
class Acquisition:
    """Acquisition parameters in SI units (None / NaN where the file does not say)."""

    source: str  #: extended-header kind the values come from ("none" if no metadata)
    sections: int = 0  #: number of sections described
    tilt_angles: np.ndarray | None = None  #: alpha tilt per section [deg]
    tilt_beta: np.ndarray | None = None  #: beta tilt per section [deg]
    pixel_size: tuple | None = None  #: (x, y) [m]
    voltage: float | None = None  #: accelerating voltage [V]
    magnification: float | None = None  #: nominal magnification
    camera_length: float | None = None  #: [m]
    defocus: np.ndarray | None = None  #: per section [m]
    exposure_time: float | None = None  #: per image / dose fraction [s]
    dwell_time: float | None = None  #: STEM dwell time per pixel [s]
    dose: np.ndarray | None = None  #: per section [electrons / m²]
    stage_position: np.ndarray | None = None  #: (sections, 3) x, y, z [m]
    timestamps: np.ndarray | None = None  #: per section, seconds since 1970-01-01 UTC
    camera_name: str | None = None
    detector_name: str | None = None  #: STEM detector
    microscope: str | None = None
    application: str | None = None  #: acquisition software and version
    instrument_mode: str | None = None  #: "TEM" or "STEM"
    #: free-form metadata the file carries as it is (mrcz's JSON extended header)
    metadata: object = None
    frame_rate: float | None = None  #: saved frames per second (Direct Electron info file)
    scan_shape: tuple | None = None  #: 4D-STEM scan positions (y, x) (Direct Electron info file)
    reciprocal_pixel_size: tuple | None = None  #: (x, y) of diffraction frames [1/m]


def _fei_column(records, name):
    """Field ``name`` of every record, NaN where its bitmask bit is clear."""
    values = records[name].astype(np.float64)
    mask_name, bit = FEI_FIELD_BITS[name]
    is_set = (records[mask_name].astype(np.uint64) >> np.uint64(bit)) & np.uint64(1)
    return np.where(is_set.astype(bool), values, np.nan)


def _first(column):
    value = column[0] if len(column) else np.nan
    return None if np.isnan(value) else float(value)


def _fei_text(records, name):
    mask_name, bit = FEI_FIELD_BITS[name]
    if not len(records) or not (int(records[mask_name][0]) >> bit) & 1:
        return None
    return records[name][0].decode("latin-1").strip() or None


def _from_fei(ext):
    r = ext.records
    stage = np.stack([_fei_column(r, n) for n in ("x_stage", "y_stage", "z_stage")], axis=-1)
    ole_days = _fei_column(r, "timestamp")
    px, py = _first(_fei_column(r, "pixel_size_x")), _first(_fei_column(r, "pixel_size_y"))
    mode = _first(_fei_column(r, "instrument_mode"))
    application = _fei_text(r, "application")
    version = _fei_text(r, "application_version")
    return Acquisition(
        source=ext.kind, sections=len(r),
        tilt_angles=_fei_column(r, "alpha_tilt"), tilt_beta=_fei_column(r, "beta_tilt"),
        pixel_size=None if px is None else (px, py if py is not None else px),
        voltage=_first(_fei_column(r, "ht")), magnification=_first(_fei_column(r, "magnification")),
        camera_length=_first(_fei_column(r, "camera_length")), defocus=_fei_column(r, "defocus"),
        exposure_time=_first(_fei_column(r, "integration_time")), dwell_time=_first(_fei_column(r, "dwell_time")),
        dose=_fei_column(r, "dose"), stage_position=stage,
        timestamps=(ole_days - 25569.0) * 86400.0,  # OLE Automation date: days since 1899-12-30
        camera_name=_fei_text(r, "camera_name"), detector_name=_fei_text(r, "stem_detector_name"),
        microscope=_fei_text(r, "microscope_type"),
        application=" ".join(t for t in (application, version) if t) or None,
        instrument_mode={1.0: "TEM", 2.0: "STEM"}.get(mode),
    )


def _legacy_metres(values):
    """Old FEI lengths: "Unit = m. But if value > 1, unit = µm" (lbem-FEI note)."""
    values = values.astype(np.float64)
    return np.where(np.abs(values) > 1, values * 1e-6, values)


def _from_legacy_fei(ext):
    r = ext.records
    stage = np.stack([_legacy_metres(r[n]) for n in ("x_stage", "y_stage", "z_stage")], axis=-1)
    pixel = float(_legacy_metres(r["pixel_size"][:1])[0]) if len(r) else None
    return Acquisition(
        source=ext.kind, sections=len(r), tilt_angles=r["a_tilt"].astype(np.float64),
        tilt_beta=r["b_tilt"].astype(np.float64), pixel_size=None if not pixel else (pixel, pixel),
        magnification=float(r["magnification"][0]) if len(r) else None,
        defocus=_legacy_metres(r["defocus"]), exposure_time=float(r["exp_time"][0]) if len(r) else None,
        stage_position=stage,
    )


def _from_seri(ext):
    values = seri_values(ext)
    stage = values.get("stage_position")
    n = 0 if ext.records is None else len(ext.records)
    magnification = values.get("magnification")
    dose = values.get("exposure_dose")
    return Acquisition(
        source="SERI", sections=n, tilt_angles=values.get("tilt_angle"),
        magnification=float(magnification[0]) if magnification is not None and n else None,
        dose=None if dose is None else dose * 1e20,  # e/Å² -> e/m²
        stage_position=None if stage is None else np.column_stack([stage * 1e-6, np.full(n, np.nan)]),
    )


def acquisition_from_extended(ext: ExtendedHeader) -> Acquisition:
    """The neutral acquisition record for an :class:`~mrcschema.format.extended.ExtendedHeader`."""
    if ext.kind == "JSON":
        return Acquisition(source="JSON", metadata=ext.json)
    if ext.records is None:
        return Acquisition(source=ext.kind if ext.kind != "none" else "none")
    # Stored values are whatever the file holds (1e308 timestamps, signalling NaNs): converting
    # them may overflow to inf or give NaN, which is the honest answer, not a warning.
    with np.errstate(all="ignore"):
        if ext.kind in ("FEI1", "FEI2"):
            return _from_fei(ext)
        if ext.kind == "FEI_LEGACY":
            return _from_legacy_fei(ext)
        if ext.kind == "SERI":
            return _from_seri(ext)
    return Acquisition(source=ext.kind, sections=len(ext.records))
