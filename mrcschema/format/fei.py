"""Thermo Fisher / FEI extended-header records (EXTTYP ``FEI1`` / ``FEI2``) and the
legacy 128-byte FEI tomography record, as ``construct`` schemas.

Where the layouts come from (field tables with sources: ``specs/fei1.csv``,
``specs/fei2.csv``, ``specs/fei_legacy.csv``; tags explained in ``specs/README.md``):

* FEI1 / FEI2: Thermo Fisher "MRC2014 file format used by Thermo Fisher" (doc 306687,
  https://www.fei-software-center.com/tem-apps/MRC-2014-Specifications/). The PDF itself
  was not available; offsets, types, bitmask bits and units are the transcriptions in
  ReciPro ``Crystallography/MRC.cs`` (FEI1 part), ccpem/mrcfile ``dtypes.py`` (FEI1 + FEI2)
  and ExifTool ``Image/ExifTool/MRC.pm`` (FEI1 + FEI2), which agree on every offset and type,
  checked against real EPU 1.2 (FEI1), EPU 2.9 and Velox 3.7 (FEI2) files.
* Legacy record: "FEI extended MRC format" by R. Schoenmakers (FEI), 2011, as published by
  LBEM/EPFL, and the TOM toolbox ``tom_mrcread.m`` (13 float32 values, then 76 unused bytes).

Layout facts the schemas encode:

* One record per section (image / frame), in section order, immediately after the
  1024-byte main header. FEI1 records are 768 bytes, FEI2 records 888 bytes (the FEI1
  fields followed by the FEI2 additions); the record's own ``metadata_size`` says which.
  EPU and Velox preallocate 1024 records; only the first NZ are meaningful.
* No alignment padding (e.g. the 1-byte ``eftem_on`` at 288 is followed by a float64 at 289).
* Everything is little-endian. The FEI documentation only states this for the four bitmasks;
  all real files are fully little-endian (see specs/README.md, conflicts).
* A field is only meaningful if its bit is set in the bitmask that precedes it: bit k of
  ``bitmask_n`` refers to the k-th field after that bitmask, and ``unused_range`` takes
  bits 16-21 of ``bitmask_1`` (column ``bitmask`` of ``specs/fei1.csv``).
* Strings are fixed-width, NUL-padded ASCII. ``unused_range`` (spec type "48 chars") is kept
  as raw bytes because EPU stores binary floats there.
"""

from typing import Any

from ._generated import fei as _compiled
from ._generated.fei import Fei1Record, Fei2Record, FeiLegacyRecord
from .engine import Layout, Schemas, little_endian_always
from .exttyp import FEI_EXTTYPS
from .records import record

#: (the schemas ``FEI1_RECORD``, ``FEI2_RECORD`` and ``FEI_LEGACY_RECORD`` are attributes too, built on first use)
__all__ = ["FEI1", "FEI2", "FEI_KINDS", "FEI_LEGACY", "Fei1Record", "Fei2Record", "FeiKind", "FeiLegacyRecord",
           "fei_kind_of"]


def _define_schemas() -> dict[str, Any]:
    """The schemas of this module, written with ``construct`` (imported here: reading a file uses the
    forms generated from them, ``format/_generated/``; writing records builds them)."""
    from construct import (
        Bytes,
        Flag,
        Float32l,
        Float64l,
        Int32sl,
        Int32ul,
        Int64sl,
        PaddedString,
        Struct,
    )

    #: One FEI1 metadata record (768 bytes, ``metadata_version`` 0). Comments give the offset.
    FEI1_RECORD = Struct(
        "metadata_size" / Int32sl * (  # 0
            "Size of this metadata record in bytes (768 for FEI1, 888 for FEI2 in "
            "observed files) [bytes]"
        ),
        "metadata_version" / Int32sl * (  # 4
            "Version ID of the metadata format: 0 = initial version (FEI1); 2 in "
            "observed FEI2 files"
        ),
        "bitmask_1" / little_endian_always(Int32ul) * (  # 8
            "Individual bits indicate which of the following fields (timestamp .. "
            "magnification) are set; little-endian"
        ),
        "timestamp" / Float64l * (  # 12
            "Time when the image was taken, as Microsoft OLE Automation DATE (days "
            "since 1899-12-30; unix = (value - 25569) * 86400) [days]"
        ),
        "microscope_type" / PaddedString(16, "ascii") * (  # 20
            "Identifier for microscope type (Krios, Talos, Titan, Metrios, etc.)"
        ),
        "d_number" / PaddedString(16, "ascii") * "Microscope identifier",  # 36
        "application" / PaddedString(16, "ascii") * "Application name",  # 52
        "application_version" / PaddedString(16, "ascii") * "Application version",  # 68
        "ht" / Float64l * "High tension [V]",  # 84
        "dose" / Float64l * "Dose [electrons/m^2]",  # 92
        "alpha_tilt" / Float64l * "Holder alpha tilt along axis [deg]",  # 100
        "beta_tilt" / Float64l * "Holder beta tilt [deg]",  # 108
        "x_stage" / Float64l * "Stage X position [m]",  # 116
        "y_stage" / Float64l * "Stage Y position [m]",  # 124
        "z_stage" / Float64l * "Stage Z position [m]",  # 132
        "tilt_axis_angle" / Float64l * "Angle of tilt axis in image [deg]",  # 140
        "dual_axis_rotation" / Float64l * (  # 148
            "Measured rotation angle after b flip (tomography only) [deg]"
        ),
        "pixel_size_x" / Float64l * "Pixel size X [m]",  # 156
        "pixel_size_y" / Float64l * "Pixel size Y [m]",  # 164
        "unused_range" / Bytes(48) * (  # 172
            "Reserved, 48 bytes covered by bits 16-21. EPU 1.2/2.9 files set these bits"
            " and store 6 float64 here (undocumented; treat as opaque)"
        ),
        "defocus" / Float64l * "Defocus [m]",  # 220
        "stem_defocus" / Float64l * "STEM defocus [m]",  # 228
        "applied_defocus" / Float64l * "Relative defocus applied by application [m]",  # 236
        "instrument_mode" / Int32sl * "Instrument mode: 1 = TEM, 2 = STEM",  # 244
        "projection_mode" / Int32sl * (  # 248
            "Projection mode enum. CONFLICT: ReciPro (TFS transcription) 1 = Imaging, 2"
            " = Diffraction; ExifTool 1 = Diffraction, 2 = Imaging (real EPU/Velox "
            "files support ExifTool)"
        ),
        "objective_lens_mode" / PaddedString(16, "ascii") * (  # 252
            "Objective lens mode: LM, HM, Lorentz"
        ),
        "high_magnification_mode" / PaddedString(16, "ascii") * (  # 268
            "High magnification mode: Mi, SA, Mh"
        ),
        "probe_mode" / Int32sl * (  # 284
            "Probe mode enum. CONFLICT: ReciPro 1 = micro, 2 = nano; ExifTool 1 = nano,"
            " 2 = micro (undecided; expose the raw value)"
        ),
        "eftem_on" / Flag * (  # 288
            "TRUE when the magnifications are adapted to the energy filter"
        ),
        "magnification" / Float64l * "Nominal magnification",  # 289
        "bitmask_2" / little_endian_always(Int32ul) * (  # 297
            "Individual bits indicate which of the following fields (camera length .. "
            "camera param reserved 3) are set; little-endian"
        ),
        "camera_length" / Float64l * "Nominal camera length [m]",  # 301
        "spot_index" / Int32sl * "Spot index",  # 309
        "illuminated_area" / Float64l * (  # 313
            "TEM: beam diameter; STEM: not used; undefined on 2-lens condenser systems "
            "[m]"
        ),
        "intensity" / Float64l * (  # 321
            "Uncalibrated measure of beam diameter on 2-lens condenser systems"
        ),
        "convergence_angle" / Float64l * (  # 329
            "Convergence angle; undefined on 2-lens condenser systems (unit deg per "
            "spec, but the Velox STEM value 0.01433 looks like rad) [deg]"
        ),
        "illumination_mode" / PaddedString(16, "ascii") * (  # 337
            "Illumination mode: None, Parallel, Probe, Free; undefined on 2-lens "
            "condenser systems"
        ),
        "wide_convergence_angle_range" / Flag * (  # 353
            "Wide convergence angle range; undefined on 2-lens condenser systems"
        ),
        "slit_inserted" / Flag * "Energy filter slit inserted",  # 354
        "slit_width" / Float64l * "Energy filter slit width [eV]",  # 355
        "acceleration_voltage_offset" / Float64l * "Acceleration voltage offset [V]",  # 363
        "drift_tube_voltage" / Float64l * "Drift tube voltage [V]",  # 371
        "energy_shift" / Float64l * "Energy shift [eV]",  # 379
        "shift_offset_x" / Float64l * (  # 387
            "Corrective image or beam shift relative to exposure preset, X. TEM: pure "
            "image shift; STEM: image-beam shift [logical units]"
        ),
        "shift_offset_y" / Float64l * (  # 395
            "Corrective image or beam shift relative to exposure preset, Y. TEM: pure "
            "image shift; STEM: image-beam shift [logical units]"
        ),
        "shift_x" / Float64l * (  # 403
            "Applied shift due to optimized position and tracking, X. TEM: image beam "
            "shift; STEM: beam shift [logical units]"
        ),
        "shift_y" / Float64l * (  # 411
            "Applied shift due to optimized position and tracking, Y. TEM: image beam "
            "shift; STEM: beam shift [logical units]"
        ),
        "integration_time" / Float64l * (  # 419
            "Camera or dose fraction exposure time (unit assumed) [s]"
        ),
        "binning_width" / Int32sl * "Binning width",  # 427
        "binning_height" / Int32sl * "Binning height",  # 431
        "camera_name" / PaddedString(16, "ascii") * (  # 435
            "TEM: name of the camera; STEM imaging: empty"
        ),
        "readout_area_left" / Int32sl * "Readout area left [px]",  # 451
        "readout_area_top" / Int32sl * "Readout area top [px]",  # 455
        "readout_area_right" / Int32sl * "Readout area right [px]",  # 459
        "readout_area_bottom" / Int32sl * "Readout area bottom [px]",  # 463
        "ceta_noise_reduction" / Flag * "Ceta noise reduction",  # 467
        "ceta_frames_summed" / Int32sl * "Number of frames summed for dynamic range",  # 468
        "direct_detector_electron_counting" / Flag * (  # 472
            "Direct detector electron counting"
        ),
        "direct_detector_align_frames" / Flag * "Direct detector align frames",  # 473
        "camera_param_reserved_0" / Int32sl * "Reserved camera parameter",  # 474
        "camera_param_reserved_1" / Int32sl * "Reserved camera parameter",  # 478
        "camera_param_reserved_2" / Int32sl * "Reserved camera parameter",  # 482
        "camera_param_reserved_3" / Int32sl * "Reserved camera parameter",  # 486
        "bitmask_3" / little_endian_always(Int32ul) * (  # 490
            "Individual bits indicate which of the following fields (camera param "
            "reserved 4 .. input stack filename) are set; little-endian"
        ),
        "camera_param_reserved_4" / Int32sl * "Reserved camera parameter",  # 494
        "camera_param_reserved_5" / Int32sl * "Reserved camera parameter",  # 498
        "camera_param_reserved_6" / Int32sl * "Reserved camera parameter",  # 502
        "camera_param_reserved_7" / Int32sl * "Reserved camera parameter",  # 506
        "camera_param_reserved_8" / Int32sl * (  # 510
            "Reserved camera parameter (omitted by ReciPro)"
        ),
        "camera_param_reserved_9" / Int32sl * (  # 514
            "Reserved camera parameter (omitted by ReciPro)"
        ),
        "phase_plate" / Flag * "Phase plate",  # 518
        "stem_detector_name" / PaddedString(16, "ascii") * "STEM detector name",  # 519
        "gain" / Float64l * "STEM detector gain",  # 535
        "offset" / Float64l * "STEM detector offset",  # 543
        "stem_param_reserved_0" / Int32sl * "Reserved STEM parameter",  # 551
        "stem_param_reserved_1" / Int32sl * "Reserved STEM parameter",  # 555
        "stem_param_reserved_2" / Int32sl * "Reserved STEM parameter",  # 559
        "stem_param_reserved_3" / Int32sl * "Reserved STEM parameter",  # 563
        "stem_param_reserved_4" / Int32sl * "Reserved STEM parameter",  # 567
        "dwell_time" / Float64l * (  # 571
            "Dwell time per pixel (unit s per spec; the Velox value 0.01 with frame "
            "time 2.72 s at 256x256 is inconsistent with seconds) [s]"
        ),
        "frame_time" / Float64l * (  # 579
            "Frame time (spec: currently it will not be used) [s]"
        ),
        "scan_size_left" / Int32sl * "Scan size left [px]",  # 587
        "scan_size_top" / Int32sl * "Scan size top [px]",  # 591
        "scan_size_right" / Int32sl * "Scan size right [px]",  # 595
        "scan_size_bottom" / Int32sl * "Scan size bottom [px]",  # 599
        "full_scan_fov_x" / Float64l * "Full scan field of view X [m]",  # 603
        "full_scan_fov_y" / Float64l * "Full scan field of view Y [m]",  # 611
        "element" / PaddedString(16, "ascii") * "Element (EDS element map)",  # 619
        "energy_interval_lower" / Float64l * (  # 635
            "Lower bound of the energy interval (EDS; unit not given)"
        ),
        "energy_interval_higher" / Float64l * (  # 643
            "Upper bound of the energy interval (EDS; unit not given)"
        ),
        "method" / Int32sl * "Method",  # 651
        "is_dose_fraction" / Flag * "Image is a dose fraction",  # 655
        "fraction_number" / Int32sl * "Dose fraction number",  # 656
        "start_frame" / Int32sl * "Start frame (dose fraction)",  # 660
        "end_frame" / Int32sl * "End frame (dose fraction)",  # 664
        "input_stack_filename" / PaddedString(80, "ascii") * (  # 668
            "Input stack filename (reconstruction)"
        ),
        "bitmask_4" / little_endian_always(Int32ul) * (  # 748
            "Individual bits indicate which of the following fields (alpha tilt min ..)"
            " are set; little-endian"
        ),
        "alpha_tilt_min" / Float64l * "Minimum alpha tilt [deg]",  # 752
        "alpha_tilt_max" / Float64l * "Maximum alpha tilt [deg]",  # 760
    )

    #: One FEI2 metadata record (888 bytes): FEI1 fields, then the FEI2 additions (off 768-887).
    FEI2_RECORD = Struct(
        *FEI1_RECORD.subcons,
        "scan_rotation" / Float64l * "Scan rotation (unit per ExifTool) [deg]",  # 768
        "diffraction_pattern_rotation" / Float64l * (  # 776
            "Diffraction pattern rotation (unit assumed) [deg]"
        ),
        "image_rotation" / Float64l * "Image rotation (unit assumed) [deg]",  # 784
        "scan_mode_enumeration" / Int32sl * (  # 792
            "Scan mode: 0 = Other, 1 = Raster, 2 = Serpentine (per ExifTool)"
        ),
        "acquisition_time_stamp" / Int64sl * (  # 796
            "Acquisition time stamp, microseconds since 1970-01-01 UTC per ExifTool (a "
            "Rust crate says ns; unverified) [us]"
        ),
        "detector_commercial_name" / PaddedString(16, "ascii") * (  # 804
            "Detector commercial name"
        ),
        "start_tilt_angle" / Float64l * "Start tilt angle [deg]",  # 820
        "end_tilt_angle" / Float64l * "End tilt angle [deg]",  # 828
        "tilt_per_image" / Float64l * "Tilt per image [deg]",  # 836
        "tilt_speed" / Float64l * "Tilt speed (unit assumed) [deg/s]",  # 844
        "beam_center_x_pixel" / Int32sl * "Beam center X [px]",  # 852
        "beam_center_y_pixel" / Int32sl * "Beam center Y [px]",  # 856
        "cfeg_flash_timestamp" / Int64sl * (  # 860
            "Cold FEG flash time stamp, microseconds since 1970-01-01 UTC per ExifTool "
            "[us]"
        ),
        "phase_plate_position_index" / Int32sl * "Phase plate position index",  # 868
        "objective_aperture_name" / PaddedString(16, "ascii") * (  # 872
            "Objective aperture name"
        ),
    )

    #: One legacy FEI tomography record (128 bytes; 1024 records, NEXT = 131072, no EXTTYP).
    FEI_LEGACY_RECORD = Struct(
        "a_tilt" / Float32l * "Alpha tilt [deg]",  # 0
        "b_tilt" / Float32l * "Beta tilt [deg]",  # 4
        "x_stage" / Float32l * (  # 8
            "Stage x position (unit m, but if value > 1 the unit is um) [m]"
        ),
        "y_stage" / Float32l * (  # 12
            "Stage y position (unit m, but if value > 1 the unit is um) [m]"
        ),
        "z_stage" / Float32l * (  # 16
            "Stage z position (unit m, but if value > 1 the unit is um) [m]"
        ),
        "x_shift" / Float32l * (  # 20
            "Image shift x (unit m, but if value > 1 the unit is um) [m]"
        ),
        "y_shift" / Float32l * (  # 24
            "Image shift y (unit m, but if value > 1 the unit is um) [m]"
        ),
        "defocus" / Float32l * (  # 28
            "Defocus (unit m, but if value > 1 the unit is um) [m]"
        ),
        "exp_time" / Float32l * "Exposure time [s]",  # 32
        "mean_int" / Float32l * "Mean value of image",  # 36
        "tilt_axis" / Float32l * "Tilt axis [deg]",  # 40
        "pixel_size" / Float32l * "Pixel size of image [m]",  # 44
        "magnification" / Float32l * "Magnification used",  # 48
        "reserved" / Bytes(76) * (  # 52
            "Not used (fills the record to 128 bytes). CONFLICT: the TOM comment block "
            "lists an extra z_shift after y_shift, but TOM's code reads 13 floats then "
            "skips 76 bytes"
        ),
    )

    return {"FEI1_RECORD": FEI1_RECORD, "FEI2_RECORD": FEI2_RECORD, "FEI_LEGACY_RECORD": FEI_LEGACY_RECORD}


#: the schemas above, built when first asked for (``FEI1_RECORD``, ``FEI2_RECORD``, ``FEI_LEGACY_RECORD``)
SCHEMAS = Schemas(_define_schemas)


def __getattr__(name: str) -> Any:
    return SCHEMAS.module_getattr(name)


FEI1 = Layout("fei1", _compiled.FEI1_RECORD, doc="Thermo Fisher FEI1 extended-header record (768 bytes)",
              schema=lambda: SCHEMAS.build()["FEI1_RECORD"])
FEI2 = Layout("fei2", _compiled.FEI2_RECORD, doc="Thermo Fisher FEI2 extended-header record (888 bytes)",
              schema=lambda: SCHEMAS.build()["FEI2_RECORD"])
FEI_LEGACY = Layout("fei_legacy", _compiled.FEI_LEGACY_RECORD, doc="old FEI tomography record (128 bytes)",
                    schema=lambda: SCHEMAS.build()["FEI_LEGACY_RECORD"])


@record
class FeiKind:
    """One EXTTYP-tagged FEI kind: its code, its record layout and its ``metadata_version``."""

    code: str  #: EXTTYP, "FEI1" or "FEI2"
    layout: Layout
    versions: tuple[int, ...]  #: ``metadata_version`` values accepted on reading
    version_written: int  #: ``metadata_version`` written into fresh records

    @property
    def record_size(self) -> int:
        """``metadata_size`` of a record of this kind: the size of its layout."""
        return self.layout.size


#: The FEI kinds by EXTTYP. FEI1: version 0 ("initial version"; 1 is seen and tolerated); FEI2: the
#: version 2 of every EPU / Velox FEI2 file (specs/fei1.csv, specs/fei2.csv, ``metadata_version``).
FEI_KINDS: dict[str, FeiKind] = {
    kind.code: kind for kind in (FeiKind("FEI1", FEI1, (0, 1), 0), FeiKind("FEI2", FEI2, (2,), 2))
}

assert tuple(FEI_KINDS) == FEI_EXTTYPS


def fei_kind_of(dtype):
    """The :class:`FeiKind` whose record dtype has the field names of ``dtype`` (either byte order), or None."""
    for kind in FEI_KINDS.values():
        if dtype.names == kind.layout.dtype("<").names:
            return kind
    return None
