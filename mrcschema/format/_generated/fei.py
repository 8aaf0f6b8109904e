"""Compiled by ``python -m mrcschema.format.generate`` from the construct schemas of
``mrcschema.format.fei``: do not edit (change the schema, then run the generator).

For each schema: the record class (and those of its nested structs), the field table
``_<SCHEMA>_FIELDS`` and the :class:`~mrcschema.format.engine.Compiled` form called as the schema
is (record class, size, one ``struct`` format per byte order, field table, numpy dtype
description, fields little-endian in every file).
"""

from __future__ import annotations

from ..engine import Compiled, field_metadata
from ..records import Record

GENERATOR_VERSION = 2
MODULE = 'mrcschema.format.fei'

_FEI1_RECORD_FIELDS = (
    ('metadata_size', 0, 4, 'int32', 'Size of this metadata record in bytes (768 for FEI1, 888 for FEI2 in observed files) [bytes]', ()),
    ('metadata_version', 4, 4, 'int32', 'Version ID of the metadata format: 0 = initial version (FEI1); 2 in observed FEI2 files', ()),
    ('bitmask_1', 8, 4, 'uint32', 'Individual bits indicate which of the following fields (timestamp .. magnification) are set; little-endian', ()),
    ('timestamp', 12, 8, 'float64', 'Time when the image was taken, as Microsoft OLE Automation DATE (days since 1899-12-30; unix = (value - 25569) * 86400) [days]', ()),
    ('microscope_type', 20, 16, 'char[16]', 'Identifier for microscope type (Krios, Talos, Titan, Metrios, etc.)', ()),
    ('d_number', 36, 16, 'char[16]', 'Microscope identifier', ()),
    ('application', 52, 16, 'char[16]', 'Application name', ()),
    ('application_version', 68, 16, 'char[16]', 'Application version', ()),
    ('ht', 84, 8, 'float64', 'High tension [V]', ()),
    ('dose', 92, 8, 'float64', 'Dose [electrons/m^2]', ()),
    ('alpha_tilt', 100, 8, 'float64', 'Holder alpha tilt along axis [deg]', ()),
    ('beta_tilt', 108, 8, 'float64', 'Holder beta tilt [deg]', ()),
    ('x_stage', 116, 8, 'float64', 'Stage X position [m]', ()),
    ('y_stage', 124, 8, 'float64', 'Stage Y position [m]', ()),
    ('z_stage', 132, 8, 'float64', 'Stage Z position [m]', ()),
    ('tilt_axis_angle', 140, 8, 'float64', 'Angle of tilt axis in image [deg]', ()),
    ('dual_axis_rotation', 148, 8, 'float64', 'Measured rotation angle after b flip (tomography only) [deg]', ()),
    ('pixel_size_x', 156, 8, 'float64', 'Pixel size X [m]', ()),
    ('pixel_size_y', 164, 8, 'float64', 'Pixel size Y [m]', ()),
    ('unused_range', 172, 48, 'bytes[48]', 'Reserved, 48 bytes covered by bits 16-21. EPU 1.2/2.9 files set these bits and store 6 float64 here (undocumented; treat as opaque)', ()),
    ('defocus', 220, 8, 'float64', 'Defocus [m]', ()),
    ('stem_defocus', 228, 8, 'float64', 'STEM defocus [m]', ()),
    ('applied_defocus', 236, 8, 'float64', 'Relative defocus applied by application [m]', ()),
    ('instrument_mode', 244, 4, 'int32', 'Instrument mode: 1 = TEM, 2 = STEM', ()),
    ('projection_mode', 248, 4, 'int32', 'Projection mode enum. CONFLICT: ReciPro (TFS transcription) 1 = Imaging, 2 = Diffraction; ExifTool 1 = Diffraction, 2 = Imaging (real EPU/Velox files support ExifTool)', ()),
    ('objective_lens_mode', 252, 16, 'char[16]', 'Objective lens mode: LM, HM, Lorentz', ()),
    ('high_magnification_mode', 268, 16, 'char[16]', 'High magnification mode: Mi, SA, Mh', ()),
    ('probe_mode', 284, 4, 'int32', 'Probe mode enum. CONFLICT: ReciPro 1 = micro, 2 = nano; ExifTool 1 = nano, 2 = micro (undecided; expose the raw value)', ()),
    ('eftem_on', 288, 1, 'bool', 'TRUE when the magnifications are adapted to the energy filter', ()),
    ('magnification', 289, 8, 'float64', 'Nominal magnification', ()),
    ('bitmask_2', 297, 4, 'uint32', 'Individual bits indicate which of the following fields (camera length .. camera param reserved 3) are set; little-endian', ()),
    ('camera_length', 301, 8, 'float64', 'Nominal camera length [m]', ()),
    ('spot_index', 309, 4, 'int32', 'Spot index', ()),
    ('illuminated_area', 313, 8, 'float64', 'TEM: beam diameter; STEM: not used; undefined on 2-lens condenser systems [m]', ()),
    ('intensity', 321, 8, 'float64', 'Uncalibrated measure of beam diameter on 2-lens condenser systems', ()),
    ('convergence_angle', 329, 8, 'float64', 'Convergence angle; undefined on 2-lens condenser systems (unit deg per spec, but the Velox STEM value 0.01433 looks like rad) [deg]', ()),
    ('illumination_mode', 337, 16, 'char[16]', 'Illumination mode: None, Parallel, Probe, Free; undefined on 2-lens condenser systems', ()),
    ('wide_convergence_angle_range', 353, 1, 'bool', 'Wide convergence angle range; undefined on 2-lens condenser systems', ()),
    ('slit_inserted', 354, 1, 'bool', 'Energy filter slit inserted', ()),
    ('slit_width', 355, 8, 'float64', 'Energy filter slit width [eV]', ()),
    ('acceleration_voltage_offset', 363, 8, 'float64', 'Acceleration voltage offset [V]', ()),
    ('drift_tube_voltage', 371, 8, 'float64', 'Drift tube voltage [V]', ()),
    ('energy_shift', 379, 8, 'float64', 'Energy shift [eV]', ()),
    ('shift_offset_x', 387, 8, 'float64', 'Corrective image or beam shift relative to exposure preset, X. TEM: pure image shift; STEM: image-beam shift [logical units]', ()),
    ('shift_offset_y', 395, 8, 'float64', 'Corrective image or beam shift relative to exposure preset, Y. TEM: pure image shift; STEM: image-beam shift [logical units]', ()),
    ('shift_x', 403, 8, 'float64', 'Applied shift due to optimized position and tracking, X. TEM: image beam shift; STEM: beam shift [logical units]', ()),
    ('shift_y', 411, 8, 'float64', 'Applied shift due to optimized position and tracking, Y. TEM: image beam shift; STEM: beam shift [logical units]', ()),
    ('integration_time', 419, 8, 'float64', 'Camera or dose fraction exposure time (unit assumed) [s]', ()),
    ('binning_width', 427, 4, 'int32', 'Binning width', ()),
    ('binning_height', 431, 4, 'int32', 'Binning height', ()),
    ('camera_name', 435, 16, 'char[16]', 'TEM: name of the camera; STEM imaging: empty', ()),
    ('readout_area_left', 451, 4, 'int32', 'Readout area left [px]', ()),
    ('readout_area_top', 455, 4, 'int32', 'Readout area top [px]', ()),
    ('readout_area_right', 459, 4, 'int32', 'Readout area right [px]', ()),
    ('readout_area_bottom', 463, 4, 'int32', 'Readout area bottom [px]', ()),
    ('ceta_noise_reduction', 467, 1, 'bool', 'Ceta noise reduction', ()),
    ('ceta_frames_summed', 468, 4, 'int32', 'Number of frames summed for dynamic range', ()),
    ('direct_detector_electron_counting', 472, 1, 'bool', 'Direct detector electron counting', ()),
    ('direct_detector_align_frames', 473, 1, 'bool', 'Direct detector align frames', ()),
    ('camera_param_reserved_0', 474, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_1', 478, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_2', 482, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_3', 486, 4, 'int32', 'Reserved camera parameter', ()),
    ('bitmask_3', 490, 4, 'uint32', 'Individual bits indicate which of the following fields (camera param reserved 4 .. input stack filename) are set; little-endian', ()),
    ('camera_param_reserved_4', 494, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_5', 498, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_6', 502, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_7', 506, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_8', 510, 4, 'int32', 'Reserved camera parameter (omitted by ReciPro)', ()),
    ('camera_param_reserved_9', 514, 4, 'int32', 'Reserved camera parameter (omitted by ReciPro)', ()),
    ('phase_plate', 518, 1, 'bool', 'Phase plate', ()),
    ('stem_detector_name', 519, 16, 'char[16]', 'STEM detector name', ()),
    ('gain', 535, 8, 'float64', 'STEM detector gain', ()),
    ('offset', 543, 8, 'float64', 'STEM detector offset', ()),
    ('stem_param_reserved_0', 551, 4, 'int32', 'Reserved STEM parameter', ()),
    ('stem_param_reserved_1', 555, 4, 'int32', 'Reserved STEM parameter', ()),
    ('stem_param_reserved_2', 559, 4, 'int32', 'Reserved STEM parameter', ()),
    ('stem_param_reserved_3', 563, 4, 'int32', 'Reserved STEM parameter', ()),
    ('stem_param_reserved_4', 567, 4, 'int32', 'Reserved STEM parameter', ()),
    ('dwell_time', 571, 8, 'float64', 'Dwell time per pixel (unit s per spec; the Velox value 0.01 with frame time 2.72 s at 256x256 is inconsistent with seconds) [s]', ()),
    ('frame_time', 579, 8, 'float64', 'Frame time (spec: currently it will not be used) [s]', ()),
    ('scan_size_left', 587, 4, 'int32', 'Scan size left [px]', ()),
    ('scan_size_top', 591, 4, 'int32', 'Scan size top [px]', ()),
    ('scan_size_right', 595, 4, 'int32', 'Scan size right [px]', ()),
    ('scan_size_bottom', 599, 4, 'int32', 'Scan size bottom [px]', ()),
    ('full_scan_fov_x', 603, 8, 'float64', 'Full scan field of view X [m]', ()),
    ('full_scan_fov_y', 611, 8, 'float64', 'Full scan field of view Y [m]', ()),
    ('element', 619, 16, 'char[16]', 'Element (EDS element map)', ()),
    ('energy_interval_lower', 635, 8, 'float64', 'Lower bound of the energy interval (EDS; unit not given)', ()),
    ('energy_interval_higher', 643, 8, 'float64', 'Upper bound of the energy interval (EDS; unit not given)', ()),
    ('method', 651, 4, 'int32', 'Method', ()),
    ('is_dose_fraction', 655, 1, 'bool', 'Image is a dose fraction', ()),
    ('fraction_number', 656, 4, 'int32', 'Dose fraction number', ()),
    ('start_frame', 660, 4, 'int32', 'Start frame (dose fraction)', ()),
    ('end_frame', 664, 4, 'int32', 'End frame (dose fraction)', ()),
    ('input_stack_filename', 668, 80, 'char[80]', 'Input stack filename (reconstruction)', ()),
    ('bitmask_4', 748, 4, 'uint32', 'Individual bits indicate which of the following fields (alpha tilt min ..) are set; little-endian', ()),
    ('alpha_tilt_min', 752, 8, 'float64', 'Minimum alpha tilt [deg]', ()),
    ('alpha_tilt_max', 760, 8, 'float64', 'Maximum alpha tilt [deg]', ()),
)

_FEI2_RECORD_FIELDS = (
    ('metadata_size', 0, 4, 'int32', 'Size of this metadata record in bytes (768 for FEI1, 888 for FEI2 in observed files) [bytes]', ()),
    ('metadata_version', 4, 4, 'int32', 'Version ID of the metadata format: 0 = initial version (FEI1); 2 in observed FEI2 files', ()),
    ('bitmask_1', 8, 4, 'uint32', 'Individual bits indicate which of the following fields (timestamp .. magnification) are set; little-endian', ()),
    ('timestamp', 12, 8, 'float64', 'Time when the image was taken, as Microsoft OLE Automation DATE (days since 1899-12-30; unix = (value - 25569) * 86400) [days]', ()),
    ('microscope_type', 20, 16, 'char[16]', 'Identifier for microscope type (Krios, Talos, Titan, Metrios, etc.)', ()),
    ('d_number', 36, 16, 'char[16]', 'Microscope identifier', ()),
    ('application', 52, 16, 'char[16]', 'Application name', ()),
    ('application_version', 68, 16, 'char[16]', 'Application version', ()),
    ('ht', 84, 8, 'float64', 'High tension [V]', ()),
    ('dose', 92, 8, 'float64', 'Dose [electrons/m^2]', ()),
    ('alpha_tilt', 100, 8, 'float64', 'Holder alpha tilt along axis [deg]', ()),
    ('beta_tilt', 108, 8, 'float64', 'Holder beta tilt [deg]', ()),
    ('x_stage', 116, 8, 'float64', 'Stage X position [m]', ()),
    ('y_stage', 124, 8, 'float64', 'Stage Y position [m]', ()),
    ('z_stage', 132, 8, 'float64', 'Stage Z position [m]', ()),
    ('tilt_axis_angle', 140, 8, 'float64', 'Angle of tilt axis in image [deg]', ()),
    ('dual_axis_rotation', 148, 8, 'float64', 'Measured rotation angle after b flip (tomography only) [deg]', ()),
    ('pixel_size_x', 156, 8, 'float64', 'Pixel size X [m]', ()),
    ('pixel_size_y', 164, 8, 'float64', 'Pixel size Y [m]', ()),
    ('unused_range', 172, 48, 'bytes[48]', 'Reserved, 48 bytes covered by bits 16-21. EPU 1.2/2.9 files set these bits and store 6 float64 here (undocumented; treat as opaque)', ()),
    ('defocus', 220, 8, 'float64', 'Defocus [m]', ()),
    ('stem_defocus', 228, 8, 'float64', 'STEM defocus [m]', ()),
    ('applied_defocus', 236, 8, 'float64', 'Relative defocus applied by application [m]', ()),
    ('instrument_mode', 244, 4, 'int32', 'Instrument mode: 1 = TEM, 2 = STEM', ()),
    ('projection_mode', 248, 4, 'int32', 'Projection mode enum. CONFLICT: ReciPro (TFS transcription) 1 = Imaging, 2 = Diffraction; ExifTool 1 = Diffraction, 2 = Imaging (real EPU/Velox files support ExifTool)', ()),
    ('objective_lens_mode', 252, 16, 'char[16]', 'Objective lens mode: LM, HM, Lorentz', ()),
    ('high_magnification_mode', 268, 16, 'char[16]', 'High magnification mode: Mi, SA, Mh', ()),
    ('probe_mode', 284, 4, 'int32', 'Probe mode enum. CONFLICT: ReciPro 1 = micro, 2 = nano; ExifTool 1 = nano, 2 = micro (undecided; expose the raw value)', ()),
    ('eftem_on', 288, 1, 'bool', 'TRUE when the magnifications are adapted to the energy filter', ()),
    ('magnification', 289, 8, 'float64', 'Nominal magnification', ()),
    ('bitmask_2', 297, 4, 'uint32', 'Individual bits indicate which of the following fields (camera length .. camera param reserved 3) are set; little-endian', ()),
    ('camera_length', 301, 8, 'float64', 'Nominal camera length [m]', ()),
    ('spot_index', 309, 4, 'int32', 'Spot index', ()),
    ('illuminated_area', 313, 8, 'float64', 'TEM: beam diameter; STEM: not used; undefined on 2-lens condenser systems [m]', ()),
    ('intensity', 321, 8, 'float64', 'Uncalibrated measure of beam diameter on 2-lens condenser systems', ()),
    ('convergence_angle', 329, 8, 'float64', 'Convergence angle; undefined on 2-lens condenser systems (unit deg per spec, but the Velox STEM value 0.01433 looks like rad) [deg]', ()),
    ('illumination_mode', 337, 16, 'char[16]', 'Illumination mode: None, Parallel, Probe, Free; undefined on 2-lens condenser systems', ()),
    ('wide_convergence_angle_range', 353, 1, 'bool', 'Wide convergence angle range; undefined on 2-lens condenser systems', ()),
    ('slit_inserted', 354, 1, 'bool', 'Energy filter slit inserted', ()),
    ('slit_width', 355, 8, 'float64', 'Energy filter slit width [eV]', ()),
    ('acceleration_voltage_offset', 363, 8, 'float64', 'Acceleration voltage offset [V]', ()),
    ('drift_tube_voltage', 371, 8, 'float64', 'Drift tube voltage [V]', ()),
    ('energy_shift', 379, 8, 'float64', 'Energy shift [eV]', ()),
    ('shift_offset_x', 387, 8, 'float64', 'Corrective image or beam shift relative to exposure preset, X. TEM: pure image shift; STEM: image-beam shift [logical units]', ()),
    ('shift_offset_y', 395, 8, 'float64', 'Corrective image or beam shift relative to exposure preset, Y. TEM: pure image shift; STEM: image-beam shift [logical units]', ()),
    ('shift_x', 403, 8, 'float64', 'Applied shift due to optimized position and tracking, X. TEM: image beam shift; STEM: beam shift [logical units]', ()),
    ('shift_y', 411, 8, 'float64', 'Applied shift due to optimized position and tracking, Y. TEM: image beam shift; STEM: beam shift [logical units]', ()),
    ('integration_time', 419, 8, 'float64', 'Camera or dose fraction exposure time (unit assumed) [s]', ()),
    ('binning_width', 427, 4, 'int32', 'Binning width', ()),
    ('binning_height', 431, 4, 'int32', 'Binning height', ()),
    ('camera_name', 435, 16, 'char[16]', 'TEM: name of the camera; STEM imaging: empty', ()),
    ('readout_area_left', 451, 4, 'int32', 'Readout area left [px]', ()),
    ('readout_area_top', 455, 4, 'int32', 'Readout area top [px]', ()),
    ('readout_area_right', 459, 4, 'int32', 'Readout area right [px]', ()),
    ('readout_area_bottom', 463, 4, 'int32', 'Readout area bottom [px]', ()),
    ('ceta_noise_reduction', 467, 1, 'bool', 'Ceta noise reduction', ()),
    ('ceta_frames_summed', 468, 4, 'int32', 'Number of frames summed for dynamic range', ()),
    ('direct_detector_electron_counting', 472, 1, 'bool', 'Direct detector electron counting', ()),
    ('direct_detector_align_frames', 473, 1, 'bool', 'Direct detector align frames', ()),
    ('camera_param_reserved_0', 474, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_1', 478, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_2', 482, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_3', 486, 4, 'int32', 'Reserved camera parameter', ()),
    ('bitmask_3', 490, 4, 'uint32', 'Individual bits indicate which of the following fields (camera param reserved 4 .. input stack filename) are set; little-endian', ()),
    ('camera_param_reserved_4', 494, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_5', 498, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_6', 502, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_7', 506, 4, 'int32', 'Reserved camera parameter', ()),
    ('camera_param_reserved_8', 510, 4, 'int32', 'Reserved camera parameter (omitted by ReciPro)', ()),
    ('camera_param_reserved_9', 514, 4, 'int32', 'Reserved camera parameter (omitted by ReciPro)', ()),
    ('phase_plate', 518, 1, 'bool', 'Phase plate', ()),
    ('stem_detector_name', 519, 16, 'char[16]', 'STEM detector name', ()),
    ('gain', 535, 8, 'float64', 'STEM detector gain', ()),
    ('offset', 543, 8, 'float64', 'STEM detector offset', ()),
    ('stem_param_reserved_0', 551, 4, 'int32', 'Reserved STEM parameter', ()),
    ('stem_param_reserved_1', 555, 4, 'int32', 'Reserved STEM parameter', ()),
    ('stem_param_reserved_2', 559, 4, 'int32', 'Reserved STEM parameter', ()),
    ('stem_param_reserved_3', 563, 4, 'int32', 'Reserved STEM parameter', ()),
    ('stem_param_reserved_4', 567, 4, 'int32', 'Reserved STEM parameter', ()),
    ('dwell_time', 571, 8, 'float64', 'Dwell time per pixel (unit s per spec; the Velox value 0.01 with frame time 2.72 s at 256x256 is inconsistent with seconds) [s]', ()),
    ('frame_time', 579, 8, 'float64', 'Frame time (spec: currently it will not be used) [s]', ()),
    ('scan_size_left', 587, 4, 'int32', 'Scan size left [px]', ()),
    ('scan_size_top', 591, 4, 'int32', 'Scan size top [px]', ()),
    ('scan_size_right', 595, 4, 'int32', 'Scan size right [px]', ()),
    ('scan_size_bottom', 599, 4, 'int32', 'Scan size bottom [px]', ()),
    ('full_scan_fov_x', 603, 8, 'float64', 'Full scan field of view X [m]', ()),
    ('full_scan_fov_y', 611, 8, 'float64', 'Full scan field of view Y [m]', ()),
    ('element', 619, 16, 'char[16]', 'Element (EDS element map)', ()),
    ('energy_interval_lower', 635, 8, 'float64', 'Lower bound of the energy interval (EDS; unit not given)', ()),
    ('energy_interval_higher', 643, 8, 'float64', 'Upper bound of the energy interval (EDS; unit not given)', ()),
    ('method', 651, 4, 'int32', 'Method', ()),
    ('is_dose_fraction', 655, 1, 'bool', 'Image is a dose fraction', ()),
    ('fraction_number', 656, 4, 'int32', 'Dose fraction number', ()),
    ('start_frame', 660, 4, 'int32', 'Start frame (dose fraction)', ()),
    ('end_frame', 664, 4, 'int32', 'End frame (dose fraction)', ()),
    ('input_stack_filename', 668, 80, 'char[80]', 'Input stack filename (reconstruction)', ()),
    ('bitmask_4', 748, 4, 'uint32', 'Individual bits indicate which of the following fields (alpha tilt min ..) are set; little-endian', ()),
    ('alpha_tilt_min', 752, 8, 'float64', 'Minimum alpha tilt [deg]', ()),
    ('alpha_tilt_max', 760, 8, 'float64', 'Maximum alpha tilt [deg]', ()),
    ('scan_rotation', 768, 8, 'float64', 'Scan rotation (unit per ExifTool) [deg]', ()),
    ('diffraction_pattern_rotation', 776, 8, 'float64', 'Diffraction pattern rotation (unit assumed) [deg]', ()),
    ('image_rotation', 784, 8, 'float64', 'Image rotation (unit assumed) [deg]', ()),
    ('scan_mode_enumeration', 792, 4, 'int32', 'Scan mode: 0 = Other, 1 = Raster, 2 = Serpentine (per ExifTool)', ()),
    ('acquisition_time_stamp', 796, 8, 'int64', 'Acquisition time stamp, microseconds since 1970-01-01 UTC per ExifTool (a Rust crate says ns; unverified) [us]', ()),
    ('detector_commercial_name', 804, 16, 'char[16]', 'Detector commercial name', ()),
    ('start_tilt_angle', 820, 8, 'float64', 'Start tilt angle [deg]', ()),
    ('end_tilt_angle', 828, 8, 'float64', 'End tilt angle [deg]', ()),
    ('tilt_per_image', 836, 8, 'float64', 'Tilt per image [deg]', ()),
    ('tilt_speed', 844, 8, 'float64', 'Tilt speed (unit assumed) [deg/s]', ()),
    ('beam_center_x_pixel', 852, 4, 'int32', 'Beam center X [px]', ()),
    ('beam_center_y_pixel', 856, 4, 'int32', 'Beam center Y [px]', ()),
    ('cfeg_flash_timestamp', 860, 8, 'int64', 'Cold FEG flash time stamp, microseconds since 1970-01-01 UTC per ExifTool [us]', ()),
    ('phase_plate_position_index', 868, 4, 'int32', 'Phase plate position index', ()),
    ('objective_aperture_name', 872, 16, 'char[16]', 'Objective aperture name', ()),
)

_FEI_LEGACY_RECORD_FIELDS = (
    ('a_tilt', 0, 4, 'float32', 'Alpha tilt [deg]', ()),
    ('b_tilt', 4, 4, 'float32', 'Beta tilt [deg]', ()),
    ('x_stage', 8, 4, 'float32', 'Stage x position (unit m, but if value > 1 the unit is um) [m]', ()),
    ('y_stage', 12, 4, 'float32', 'Stage y position (unit m, but if value > 1 the unit is um) [m]', ()),
    ('z_stage', 16, 4, 'float32', 'Stage z position (unit m, but if value > 1 the unit is um) [m]', ()),
    ('x_shift', 20, 4, 'float32', 'Image shift x (unit m, but if value > 1 the unit is um) [m]', ()),
    ('y_shift', 24, 4, 'float32', 'Image shift y (unit m, but if value > 1 the unit is um) [m]', ()),
    ('defocus', 28, 4, 'float32', 'Defocus (unit m, but if value > 1 the unit is um) [m]', ()),
    ('exp_time', 32, 4, 'float32', 'Exposure time [s]', ()),
    ('mean_int', 36, 4, 'float32', 'Mean value of image', ()),
    ('tilt_axis', 40, 4, 'float32', 'Tilt axis [deg]', ()),
    ('pixel_size', 44, 4, 'float32', 'Pixel size of image [m]', ()),
    ('magnification', 48, 4, 'float32', 'Magnification used', ()),
    ('reserved', 52, 76, 'bytes[76]', "Not used (fills the record to 128 bytes). CONFLICT: the TOM comment block lists an extra z_shift after y_shift, but TOM's code reads 13 floats then skips 76 bytes", ()),
)


class Fei1Record(Record):
    """One ``FEI1_RECORD`` record (768 bytes, schema in ``mrcschema.format.fei``); the field docs are the schema's."""

    __slots__ = ('metadata_size', 'metadata_version', 'bitmask_1', 'timestamp', 'microscope_type', 'd_number', 'application', 'application_version', 'ht', 'dose', 'alpha_tilt', 'beta_tilt', 'x_stage', 'y_stage', 'z_stage', 'tilt_axis_angle', 'dual_axis_rotation', 'pixel_size_x', 'pixel_size_y', 'unused_range', 'defocus', 'stem_defocus', 'applied_defocus', 'instrument_mode', 'projection_mode', 'objective_lens_mode', 'high_magnification_mode', 'probe_mode', 'eftem_on', 'magnification', 'bitmask_2', 'camera_length', 'spot_index', 'illuminated_area', 'intensity', 'convergence_angle', 'illumination_mode', 'wide_convergence_angle_range', 'slit_inserted', 'slit_width', 'acceleration_voltage_offset', 'drift_tube_voltage', 'energy_shift', 'shift_offset_x', 'shift_offset_y', 'shift_x', 'shift_y', 'integration_time', 'binning_width', 'binning_height', 'camera_name', 'readout_area_left', 'readout_area_top', 'readout_area_right', 'readout_area_bottom', 'ceta_noise_reduction', 'ceta_frames_summed', 'direct_detector_electron_counting', 'direct_detector_align_frames', 'camera_param_reserved_0', 'camera_param_reserved_1', 'camera_param_reserved_2', 'camera_param_reserved_3', 'bitmask_3', 'camera_param_reserved_4', 'camera_param_reserved_5', 'camera_param_reserved_6', 'camera_param_reserved_7', 'camera_param_reserved_8', 'camera_param_reserved_9', 'phase_plate', 'stem_detector_name', 'gain', 'offset', 'stem_param_reserved_0', 'stem_param_reserved_1', 'stem_param_reserved_2', 'stem_param_reserved_3', 'stem_param_reserved_4', 'dwell_time', 'frame_time', 'scan_size_left', 'scan_size_top', 'scan_size_right', 'scan_size_bottom', 'full_scan_fov_x', 'full_scan_fov_y', 'element', 'energy_interval_lower', 'energy_interval_higher', 'method', 'is_dose_fraction', 'fraction_number', 'start_frame', 'end_frame', 'input_stack_filename', 'bitmask_4', 'alpha_tilt_min', 'alpha_tilt_max')
    _metadata = field_metadata(_FEI1_RECORD_FIELDS)

    metadata_size: int
    """Size of this metadata record in bytes (768 for FEI1, 888 for FEI2 in observed files) [bytes]"""

    metadata_version: int
    """Version ID of the metadata format: 0 = initial version (FEI1); 2 in observed FEI2 files"""

    bitmask_1: int
    """Individual bits indicate which of the following fields (timestamp .. magnification) are set; little-endian"""

    timestamp: float
    """Time when the image was taken, as Microsoft OLE Automation DATE (days since 1899-12-30; unix = (value - 25569) * 86400) [days]"""

    microscope_type: str
    """Identifier for microscope type (Krios, Talos, Titan, Metrios, etc.)"""

    d_number: str
    """Microscope identifier"""

    application: str
    """Application name"""

    application_version: str
    """Application version"""

    ht: float
    """High tension [V]"""

    dose: float
    """Dose [electrons/m^2]"""

    alpha_tilt: float
    """Holder alpha tilt along axis [deg]"""

    beta_tilt: float
    """Holder beta tilt [deg]"""

    x_stage: float
    """Stage X position [m]"""

    y_stage: float
    """Stage Y position [m]"""

    z_stage: float
    """Stage Z position [m]"""

    tilt_axis_angle: float
    """Angle of tilt axis in image [deg]"""

    dual_axis_rotation: float
    """Measured rotation angle after b flip (tomography only) [deg]"""

    pixel_size_x: float
    """Pixel size X [m]"""

    pixel_size_y: float
    """Pixel size Y [m]"""

    unused_range: bytes
    """Reserved, 48 bytes covered by bits 16-21. EPU 1.2/2.9 files set these bits and store 6 float64 here (undocumented; treat as opaque)"""

    defocus: float
    """Defocus [m]"""

    stem_defocus: float
    """STEM defocus [m]"""

    applied_defocus: float
    """Relative defocus applied by application [m]"""

    instrument_mode: int
    """Instrument mode: 1 = TEM, 2 = STEM"""

    projection_mode: int
    """Projection mode enum. CONFLICT: ReciPro (TFS transcription) 1 = Imaging, 2 = Diffraction; ExifTool 1 = Diffraction, 2 = Imaging (real EPU/Velox files support ExifTool)"""

    objective_lens_mode: str
    """Objective lens mode: LM, HM, Lorentz"""

    high_magnification_mode: str
    """High magnification mode: Mi, SA, Mh"""

    probe_mode: int
    """Probe mode enum. CONFLICT: ReciPro 1 = micro, 2 = nano; ExifTool 1 = nano, 2 = micro (undecided; expose the raw value)"""

    eftem_on: bool
    """TRUE when the magnifications are adapted to the energy filter"""

    magnification: float
    """Nominal magnification"""

    bitmask_2: int
    """Individual bits indicate which of the following fields (camera length .. camera param reserved 3) are set; little-endian"""

    camera_length: float
    """Nominal camera length [m]"""

    spot_index: int
    """Spot index"""

    illuminated_area: float
    """TEM: beam diameter; STEM: not used; undefined on 2-lens condenser systems [m]"""

    intensity: float
    """Uncalibrated measure of beam diameter on 2-lens condenser systems"""

    convergence_angle: float
    """Convergence angle; undefined on 2-lens condenser systems (unit deg per spec, but the Velox STEM value 0.01433 looks like rad) [deg]"""

    illumination_mode: str
    """Illumination mode: None, Parallel, Probe, Free; undefined on 2-lens condenser systems"""

    wide_convergence_angle_range: bool
    """Wide convergence angle range; undefined on 2-lens condenser systems"""

    slit_inserted: bool
    """Energy filter slit inserted"""

    slit_width: float
    """Energy filter slit width [eV]"""

    acceleration_voltage_offset: float
    """Acceleration voltage offset [V]"""

    drift_tube_voltage: float
    """Drift tube voltage [V]"""

    energy_shift: float
    """Energy shift [eV]"""

    shift_offset_x: float
    """Corrective image or beam shift relative to exposure preset, X. TEM: pure image shift; STEM: image-beam shift [logical units]"""

    shift_offset_y: float
    """Corrective image or beam shift relative to exposure preset, Y. TEM: pure image shift; STEM: image-beam shift [logical units]"""

    shift_x: float
    """Applied shift due to optimized position and tracking, X. TEM: image beam shift; STEM: beam shift [logical units]"""

    shift_y: float
    """Applied shift due to optimized position and tracking, Y. TEM: image beam shift; STEM: beam shift [logical units]"""

    integration_time: float
    """Camera or dose fraction exposure time (unit assumed) [s]"""

    binning_width: int
    """Binning width"""

    binning_height: int
    """Binning height"""

    camera_name: str
    """TEM: name of the camera; STEM imaging: empty"""

    readout_area_left: int
    """Readout area left [px]"""

    readout_area_top: int
    """Readout area top [px]"""

    readout_area_right: int
    """Readout area right [px]"""

    readout_area_bottom: int
    """Readout area bottom [px]"""

    ceta_noise_reduction: bool
    """Ceta noise reduction"""

    ceta_frames_summed: int
    """Number of frames summed for dynamic range"""

    direct_detector_electron_counting: bool
    """Direct detector electron counting"""

    direct_detector_align_frames: bool
    """Direct detector align frames"""

    camera_param_reserved_0: int
    """Reserved camera parameter"""

    camera_param_reserved_1: int
    """Reserved camera parameter"""

    camera_param_reserved_2: int
    """Reserved camera parameter"""

    camera_param_reserved_3: int
    """Reserved camera parameter"""

    bitmask_3: int
    """Individual bits indicate which of the following fields (camera param reserved 4 .. input stack filename) are set; little-endian"""

    camera_param_reserved_4: int
    """Reserved camera parameter"""

    camera_param_reserved_5: int
    """Reserved camera parameter"""

    camera_param_reserved_6: int
    """Reserved camera parameter"""

    camera_param_reserved_7: int
    """Reserved camera parameter"""

    camera_param_reserved_8: int
    """Reserved camera parameter (omitted by ReciPro)"""

    camera_param_reserved_9: int
    """Reserved camera parameter (omitted by ReciPro)"""

    phase_plate: bool
    """Phase plate"""

    stem_detector_name: str
    """STEM detector name"""

    gain: float
    """STEM detector gain"""

    offset: float
    """STEM detector offset"""

    stem_param_reserved_0: int
    """Reserved STEM parameter"""

    stem_param_reserved_1: int
    """Reserved STEM parameter"""

    stem_param_reserved_2: int
    """Reserved STEM parameter"""

    stem_param_reserved_3: int
    """Reserved STEM parameter"""

    stem_param_reserved_4: int
    """Reserved STEM parameter"""

    dwell_time: float
    """Dwell time per pixel (unit s per spec; the Velox value 0.01 with frame time 2.72 s at 256x256 is inconsistent with seconds) [s]"""

    frame_time: float
    """Frame time (spec: currently it will not be used) [s]"""

    scan_size_left: int
    """Scan size left [px]"""

    scan_size_top: int
    """Scan size top [px]"""

    scan_size_right: int
    """Scan size right [px]"""

    scan_size_bottom: int
    """Scan size bottom [px]"""

    full_scan_fov_x: float
    """Full scan field of view X [m]"""

    full_scan_fov_y: float
    """Full scan field of view Y [m]"""

    element: str
    """Element (EDS element map)"""

    energy_interval_lower: float
    """Lower bound of the energy interval (EDS; unit not given)"""

    energy_interval_higher: float
    """Upper bound of the energy interval (EDS; unit not given)"""

    method: int
    """Method"""

    is_dose_fraction: bool
    """Image is a dose fraction"""

    fraction_number: int
    """Dose fraction number"""

    start_frame: int
    """Start frame (dose fraction)"""

    end_frame: int
    """End frame (dose fraction)"""

    input_stack_filename: str
    """Input stack filename (reconstruction)"""

    bitmask_4: int
    """Individual bits indicate which of the following fields (alpha tilt min ..) are set; little-endian"""

    alpha_tilt_min: float
    """Minimum alpha tilt [deg]"""

    alpha_tilt_max: float
    """Maximum alpha tilt [deg]"""


class Fei2Record(Record):
    """One ``FEI2_RECORD`` record (888 bytes, schema in ``mrcschema.format.fei``); the field docs are the schema's."""

    __slots__ = ('metadata_size', 'metadata_version', 'bitmask_1', 'timestamp', 'microscope_type', 'd_number', 'application', 'application_version', 'ht', 'dose', 'alpha_tilt', 'beta_tilt', 'x_stage', 'y_stage', 'z_stage', 'tilt_axis_angle', 'dual_axis_rotation', 'pixel_size_x', 'pixel_size_y', 'unused_range', 'defocus', 'stem_defocus', 'applied_defocus', 'instrument_mode', 'projection_mode', 'objective_lens_mode', 'high_magnification_mode', 'probe_mode', 'eftem_on', 'magnification', 'bitmask_2', 'camera_length', 'spot_index', 'illuminated_area', 'intensity', 'convergence_angle', 'illumination_mode', 'wide_convergence_angle_range', 'slit_inserted', 'slit_width', 'acceleration_voltage_offset', 'drift_tube_voltage', 'energy_shift', 'shift_offset_x', 'shift_offset_y', 'shift_x', 'shift_y', 'integration_time', 'binning_width', 'binning_height', 'camera_name', 'readout_area_left', 'readout_area_top', 'readout_area_right', 'readout_area_bottom', 'ceta_noise_reduction', 'ceta_frames_summed', 'direct_detector_electron_counting', 'direct_detector_align_frames', 'camera_param_reserved_0', 'camera_param_reserved_1', 'camera_param_reserved_2', 'camera_param_reserved_3', 'bitmask_3', 'camera_param_reserved_4', 'camera_param_reserved_5', 'camera_param_reserved_6', 'camera_param_reserved_7', 'camera_param_reserved_8', 'camera_param_reserved_9', 'phase_plate', 'stem_detector_name', 'gain', 'offset', 'stem_param_reserved_0', 'stem_param_reserved_1', 'stem_param_reserved_2', 'stem_param_reserved_3', 'stem_param_reserved_4', 'dwell_time', 'frame_time', 'scan_size_left', 'scan_size_top', 'scan_size_right', 'scan_size_bottom', 'full_scan_fov_x', 'full_scan_fov_y', 'element', 'energy_interval_lower', 'energy_interval_higher', 'method', 'is_dose_fraction', 'fraction_number', 'start_frame', 'end_frame', 'input_stack_filename', 'bitmask_4', 'alpha_tilt_min', 'alpha_tilt_max', 'scan_rotation', 'diffraction_pattern_rotation', 'image_rotation', 'scan_mode_enumeration', 'acquisition_time_stamp', 'detector_commercial_name', 'start_tilt_angle', 'end_tilt_angle', 'tilt_per_image', 'tilt_speed', 'beam_center_x_pixel', 'beam_center_y_pixel', 'cfeg_flash_timestamp', 'phase_plate_position_index', 'objective_aperture_name')
    _metadata = field_metadata(_FEI2_RECORD_FIELDS)

    metadata_size: int
    """Size of this metadata record in bytes (768 for FEI1, 888 for FEI2 in observed files) [bytes]"""

    metadata_version: int
    """Version ID of the metadata format: 0 = initial version (FEI1); 2 in observed FEI2 files"""

    bitmask_1: int
    """Individual bits indicate which of the following fields (timestamp .. magnification) are set; little-endian"""

    timestamp: float
    """Time when the image was taken, as Microsoft OLE Automation DATE (days since 1899-12-30; unix = (value - 25569) * 86400) [days]"""

    microscope_type: str
    """Identifier for microscope type (Krios, Talos, Titan, Metrios, etc.)"""

    d_number: str
    """Microscope identifier"""

    application: str
    """Application name"""

    application_version: str
    """Application version"""

    ht: float
    """High tension [V]"""

    dose: float
    """Dose [electrons/m^2]"""

    alpha_tilt: float
    """Holder alpha tilt along axis [deg]"""

    beta_tilt: float
    """Holder beta tilt [deg]"""

    x_stage: float
    """Stage X position [m]"""

    y_stage: float
    """Stage Y position [m]"""

    z_stage: float
    """Stage Z position [m]"""

    tilt_axis_angle: float
    """Angle of tilt axis in image [deg]"""

    dual_axis_rotation: float
    """Measured rotation angle after b flip (tomography only) [deg]"""

    pixel_size_x: float
    """Pixel size X [m]"""

    pixel_size_y: float
    """Pixel size Y [m]"""

    unused_range: bytes
    """Reserved, 48 bytes covered by bits 16-21. EPU 1.2/2.9 files set these bits and store 6 float64 here (undocumented; treat as opaque)"""

    defocus: float
    """Defocus [m]"""

    stem_defocus: float
    """STEM defocus [m]"""

    applied_defocus: float
    """Relative defocus applied by application [m]"""

    instrument_mode: int
    """Instrument mode: 1 = TEM, 2 = STEM"""

    projection_mode: int
    """Projection mode enum. CONFLICT: ReciPro (TFS transcription) 1 = Imaging, 2 = Diffraction; ExifTool 1 = Diffraction, 2 = Imaging (real EPU/Velox files support ExifTool)"""

    objective_lens_mode: str
    """Objective lens mode: LM, HM, Lorentz"""

    high_magnification_mode: str
    """High magnification mode: Mi, SA, Mh"""

    probe_mode: int
    """Probe mode enum. CONFLICT: ReciPro 1 = micro, 2 = nano; ExifTool 1 = nano, 2 = micro (undecided; expose the raw value)"""

    eftem_on: bool
    """TRUE when the magnifications are adapted to the energy filter"""

    magnification: float
    """Nominal magnification"""

    bitmask_2: int
    """Individual bits indicate which of the following fields (camera length .. camera param reserved 3) are set; little-endian"""

    camera_length: float
    """Nominal camera length [m]"""

    spot_index: int
    """Spot index"""

    illuminated_area: float
    """TEM: beam diameter; STEM: not used; undefined on 2-lens condenser systems [m]"""

    intensity: float
    """Uncalibrated measure of beam diameter on 2-lens condenser systems"""

    convergence_angle: float
    """Convergence angle; undefined on 2-lens condenser systems (unit deg per spec, but the Velox STEM value 0.01433 looks like rad) [deg]"""

    illumination_mode: str
    """Illumination mode: None, Parallel, Probe, Free; undefined on 2-lens condenser systems"""

    wide_convergence_angle_range: bool
    """Wide convergence angle range; undefined on 2-lens condenser systems"""

    slit_inserted: bool
    """Energy filter slit inserted"""

    slit_width: float
    """Energy filter slit width [eV]"""

    acceleration_voltage_offset: float
    """Acceleration voltage offset [V]"""

    drift_tube_voltage: float
    """Drift tube voltage [V]"""

    energy_shift: float
    """Energy shift [eV]"""

    shift_offset_x: float
    """Corrective image or beam shift relative to exposure preset, X. TEM: pure image shift; STEM: image-beam shift [logical units]"""

    shift_offset_y: float
    """Corrective image or beam shift relative to exposure preset, Y. TEM: pure image shift; STEM: image-beam shift [logical units]"""

    shift_x: float
    """Applied shift due to optimized position and tracking, X. TEM: image beam shift; STEM: beam shift [logical units]"""

    shift_y: float
    """Applied shift due to optimized position and tracking, Y. TEM: image beam shift; STEM: beam shift [logical units]"""

    integration_time: float
    """Camera or dose fraction exposure time (unit assumed) [s]"""

    binning_width: int
    """Binning width"""

    binning_height: int
    """Binning height"""

    camera_name: str
    """TEM: name of the camera; STEM imaging: empty"""

    readout_area_left: int
    """Readout area left [px]"""

    readout_area_top: int
    """Readout area top [px]"""

    readout_area_right: int
    """Readout area right [px]"""

    readout_area_bottom: int
    """Readout area bottom [px]"""

    ceta_noise_reduction: bool
    """Ceta noise reduction"""

    ceta_frames_summed: int
    """Number of frames summed for dynamic range"""

    direct_detector_electron_counting: bool
    """Direct detector electron counting"""

    direct_detector_align_frames: bool
    """Direct detector align frames"""

    camera_param_reserved_0: int
    """Reserved camera parameter"""

    camera_param_reserved_1: int
    """Reserved camera parameter"""

    camera_param_reserved_2: int
    """Reserved camera parameter"""

    camera_param_reserved_3: int
    """Reserved camera parameter"""

    bitmask_3: int
    """Individual bits indicate which of the following fields (camera param reserved 4 .. input stack filename) are set; little-endian"""

    camera_param_reserved_4: int
    """Reserved camera parameter"""

    camera_param_reserved_5: int
    """Reserved camera parameter"""

    camera_param_reserved_6: int
    """Reserved camera parameter"""

    camera_param_reserved_7: int
    """Reserved camera parameter"""

    camera_param_reserved_8: int
    """Reserved camera parameter (omitted by ReciPro)"""

    camera_param_reserved_9: int
    """Reserved camera parameter (omitted by ReciPro)"""

    phase_plate: bool
    """Phase plate"""

    stem_detector_name: str
    """STEM detector name"""

    gain: float
    """STEM detector gain"""

    offset: float
    """STEM detector offset"""

    stem_param_reserved_0: int
    """Reserved STEM parameter"""

    stem_param_reserved_1: int
    """Reserved STEM parameter"""

    stem_param_reserved_2: int
    """Reserved STEM parameter"""

    stem_param_reserved_3: int
    """Reserved STEM parameter"""

    stem_param_reserved_4: int
    """Reserved STEM parameter"""

    dwell_time: float
    """Dwell time per pixel (unit s per spec; the Velox value 0.01 with frame time 2.72 s at 256x256 is inconsistent with seconds) [s]"""

    frame_time: float
    """Frame time (spec: currently it will not be used) [s]"""

    scan_size_left: int
    """Scan size left [px]"""

    scan_size_top: int
    """Scan size top [px]"""

    scan_size_right: int
    """Scan size right [px]"""

    scan_size_bottom: int
    """Scan size bottom [px]"""

    full_scan_fov_x: float
    """Full scan field of view X [m]"""

    full_scan_fov_y: float
    """Full scan field of view Y [m]"""

    element: str
    """Element (EDS element map)"""

    energy_interval_lower: float
    """Lower bound of the energy interval (EDS; unit not given)"""

    energy_interval_higher: float
    """Upper bound of the energy interval (EDS; unit not given)"""

    method: int
    """Method"""

    is_dose_fraction: bool
    """Image is a dose fraction"""

    fraction_number: int
    """Dose fraction number"""

    start_frame: int
    """Start frame (dose fraction)"""

    end_frame: int
    """End frame (dose fraction)"""

    input_stack_filename: str
    """Input stack filename (reconstruction)"""

    bitmask_4: int
    """Individual bits indicate which of the following fields (alpha tilt min ..) are set; little-endian"""

    alpha_tilt_min: float
    """Minimum alpha tilt [deg]"""

    alpha_tilt_max: float
    """Maximum alpha tilt [deg]"""

    scan_rotation: float
    """Scan rotation (unit per ExifTool) [deg]"""

    diffraction_pattern_rotation: float
    """Diffraction pattern rotation (unit assumed) [deg]"""

    image_rotation: float
    """Image rotation (unit assumed) [deg]"""

    scan_mode_enumeration: int
    """Scan mode: 0 = Other, 1 = Raster, 2 = Serpentine (per ExifTool)"""

    acquisition_time_stamp: int
    """Acquisition time stamp, microseconds since 1970-01-01 UTC per ExifTool (a Rust crate says ns; unverified) [us]"""

    detector_commercial_name: str
    """Detector commercial name"""

    start_tilt_angle: float
    """Start tilt angle [deg]"""

    end_tilt_angle: float
    """End tilt angle [deg]"""

    tilt_per_image: float
    """Tilt per image [deg]"""

    tilt_speed: float
    """Tilt speed (unit assumed) [deg/s]"""

    beam_center_x_pixel: int
    """Beam center X [px]"""

    beam_center_y_pixel: int
    """Beam center Y [px]"""

    cfeg_flash_timestamp: int
    """Cold FEG flash time stamp, microseconds since 1970-01-01 UTC per ExifTool [us]"""

    phase_plate_position_index: int
    """Phase plate position index"""

    objective_aperture_name: str
    """Objective aperture name"""


class FeiLegacyRecord(Record):
    """One ``FEI_LEGACY_RECORD`` record (128 bytes, schema in ``mrcschema.format.fei``); the field docs are the schema's."""

    __slots__ = ('a_tilt', 'b_tilt', 'x_stage', 'y_stage', 'z_stage', 'x_shift', 'y_shift', 'defocus', 'exp_time', 'mean_int', 'tilt_axis', 'pixel_size', 'magnification', 'reserved')
    _metadata = field_metadata(_FEI_LEGACY_RECORD_FIELDS)

    a_tilt: float
    """Alpha tilt [deg]"""

    b_tilt: float
    """Beta tilt [deg]"""

    x_stage: float
    """Stage x position (unit m, but if value > 1 the unit is um) [m]"""

    y_stage: float
    """Stage y position (unit m, but if value > 1 the unit is um) [m]"""

    z_stage: float
    """Stage z position (unit m, but if value > 1 the unit is um) [m]"""

    x_shift: float
    """Image shift x (unit m, but if value > 1 the unit is um) [m]"""

    y_shift: float
    """Image shift y (unit m, but if value > 1 the unit is um) [m]"""

    defocus: float
    """Defocus (unit m, but if value > 1 the unit is um) [m]"""

    exp_time: float
    """Exposure time [s]"""

    mean_int: float
    """Mean value of image"""

    tilt_axis: float
    """Tilt axis [deg]"""

    pixel_size: float
    """Pixel size of image [m]"""

    magnification: float
    """Magnification used"""

    reserved: bytes
    """Not used (fills the record to 128 bytes). CONFLICT: the TOM comment block lists an extra z_shift after y_shift, but TOM's code reads 13 floats then skips 76 bytes"""


FEI1_RECORD: Compiled[Fei1Record] = Compiled(
    Fei1Record,
    768,
    {'<': '<iiId16s16s16s16sddddddddddd48sdddii16s16si?dIdiddd16s??dddddddddii16siiii?i??iiiiIiiiiii?16sddiiiiiddiiiidd16sddi?iii80sIdd',
     '>': '>ii4sd16s16s16s16sddddddddddd48sdddii16s16si?d4sdiddd16s??dddddddddii16siiii?i??iiii4siiiiii?16sddiiiiiddiiiidd16sddi?iii80s4sdd'},
    _FEI1_RECORD_FIELDS,
    [
        ('metadata_size', '<i4'),
        ('metadata_version', '<i4'),
        ('bitmask_1', '<u4'),
        ('timestamp', '<f8'),
        ('microscope_type', '|S16'),
        ('d_number', '|S16'),
        ('application', '|S16'),
        ('application_version', '|S16'),
        ('ht', '<f8'),
        ('dose', '<f8'),
        ('alpha_tilt', '<f8'),
        ('beta_tilt', '<f8'),
        ('x_stage', '<f8'),
        ('y_stage', '<f8'),
        ('z_stage', '<f8'),
        ('tilt_axis_angle', '<f8'),
        ('dual_axis_rotation', '<f8'),
        ('pixel_size_x', '<f8'),
        ('pixel_size_y', '<f8'),
        ('unused_range', '|V48'),
        ('defocus', '<f8'),
        ('stem_defocus', '<f8'),
        ('applied_defocus', '<f8'),
        ('instrument_mode', '<i4'),
        ('projection_mode', '<i4'),
        ('objective_lens_mode', '|S16'),
        ('high_magnification_mode', '|S16'),
        ('probe_mode', '<i4'),
        ('eftem_on', '|b1'),
        ('magnification', '<f8'),
        ('bitmask_2', '<u4'),
        ('camera_length', '<f8'),
        ('spot_index', '<i4'),
        ('illuminated_area', '<f8'),
        ('intensity', '<f8'),
        ('convergence_angle', '<f8'),
        ('illumination_mode', '|S16'),
        ('wide_convergence_angle_range', '|b1'),
        ('slit_inserted', '|b1'),
        ('slit_width', '<f8'),
        ('acceleration_voltage_offset', '<f8'),
        ('drift_tube_voltage', '<f8'),
        ('energy_shift', '<f8'),
        ('shift_offset_x', '<f8'),
        ('shift_offset_y', '<f8'),
        ('shift_x', '<f8'),
        ('shift_y', '<f8'),
        ('integration_time', '<f8'),
        ('binning_width', '<i4'),
        ('binning_height', '<i4'),
        ('camera_name', '|S16'),
        ('readout_area_left', '<i4'),
        ('readout_area_top', '<i4'),
        ('readout_area_right', '<i4'),
        ('readout_area_bottom', '<i4'),
        ('ceta_noise_reduction', '|b1'),
        ('ceta_frames_summed', '<i4'),
        ('direct_detector_electron_counting', '|b1'),
        ('direct_detector_align_frames', '|b1'),
        ('camera_param_reserved_0', '<i4'),
        ('camera_param_reserved_1', '<i4'),
        ('camera_param_reserved_2', '<i4'),
        ('camera_param_reserved_3', '<i4'),
        ('bitmask_3', '<u4'),
        ('camera_param_reserved_4', '<i4'),
        ('camera_param_reserved_5', '<i4'),
        ('camera_param_reserved_6', '<i4'),
        ('camera_param_reserved_7', '<i4'),
        ('camera_param_reserved_8', '<i4'),
        ('camera_param_reserved_9', '<i4'),
        ('phase_plate', '|b1'),
        ('stem_detector_name', '|S16'),
        ('gain', '<f8'),
        ('offset', '<f8'),
        ('stem_param_reserved_0', '<i4'),
        ('stem_param_reserved_1', '<i4'),
        ('stem_param_reserved_2', '<i4'),
        ('stem_param_reserved_3', '<i4'),
        ('stem_param_reserved_4', '<i4'),
        ('dwell_time', '<f8'),
        ('frame_time', '<f8'),
        ('scan_size_left', '<i4'),
        ('scan_size_top', '<i4'),
        ('scan_size_right', '<i4'),
        ('scan_size_bottom', '<i4'),
        ('full_scan_fov_x', '<f8'),
        ('full_scan_fov_y', '<f8'),
        ('element', '|S16'),
        ('energy_interval_lower', '<f8'),
        ('energy_interval_higher', '<f8'),
        ('method', '<i4'),
        ('is_dose_fraction', '|b1'),
        ('fraction_number', '<i4'),
        ('start_frame', '<i4'),
        ('end_frame', '<i4'),
        ('input_stack_filename', '|S80'),
        ('bitmask_4', '<u4'),
        ('alpha_tilt_min', '<f8'),
        ('alpha_tilt_max', '<f8'),
    ],
    ('bitmask_1', 'bitmask_2', 'bitmask_3', 'bitmask_4'),
)

FEI2_RECORD: Compiled[Fei2Record] = Compiled(
    Fei2Record,
    888,
    {'<': '<iiId16s16s16s16sddddddddddd48sdddii16s16si?dIdiddd16s??dddddddddii16siiii?i??iiiiIiiiiii?16sddiiiiiddiiiidd16sddi?iii80sIdddddiq16sddddiiqi16s',
     '>': '>ii4sd16s16s16s16sddddddddddd48sdddii16s16si?d4sdiddd16s??dddddddddii16siiii?i??iiii4siiiiii?16sddiiiiiddiiiidd16sddi?iii80s4sdddddiq16sddddiiqi16s'},
    _FEI2_RECORD_FIELDS,
    [
        ('metadata_size', '<i4'),
        ('metadata_version', '<i4'),
        ('bitmask_1', '<u4'),
        ('timestamp', '<f8'),
        ('microscope_type', '|S16'),
        ('d_number', '|S16'),
        ('application', '|S16'),
        ('application_version', '|S16'),
        ('ht', '<f8'),
        ('dose', '<f8'),
        ('alpha_tilt', '<f8'),
        ('beta_tilt', '<f8'),
        ('x_stage', '<f8'),
        ('y_stage', '<f8'),
        ('z_stage', '<f8'),
        ('tilt_axis_angle', '<f8'),
        ('dual_axis_rotation', '<f8'),
        ('pixel_size_x', '<f8'),
        ('pixel_size_y', '<f8'),
        ('unused_range', '|V48'),
        ('defocus', '<f8'),
        ('stem_defocus', '<f8'),
        ('applied_defocus', '<f8'),
        ('instrument_mode', '<i4'),
        ('projection_mode', '<i4'),
        ('objective_lens_mode', '|S16'),
        ('high_magnification_mode', '|S16'),
        ('probe_mode', '<i4'),
        ('eftem_on', '|b1'),
        ('magnification', '<f8'),
        ('bitmask_2', '<u4'),
        ('camera_length', '<f8'),
        ('spot_index', '<i4'),
        ('illuminated_area', '<f8'),
        ('intensity', '<f8'),
        ('convergence_angle', '<f8'),
        ('illumination_mode', '|S16'),
        ('wide_convergence_angle_range', '|b1'),
        ('slit_inserted', '|b1'),
        ('slit_width', '<f8'),
        ('acceleration_voltage_offset', '<f8'),
        ('drift_tube_voltage', '<f8'),
        ('energy_shift', '<f8'),
        ('shift_offset_x', '<f8'),
        ('shift_offset_y', '<f8'),
        ('shift_x', '<f8'),
        ('shift_y', '<f8'),
        ('integration_time', '<f8'),
        ('binning_width', '<i4'),
        ('binning_height', '<i4'),
        ('camera_name', '|S16'),
        ('readout_area_left', '<i4'),
        ('readout_area_top', '<i4'),
        ('readout_area_right', '<i4'),
        ('readout_area_bottom', '<i4'),
        ('ceta_noise_reduction', '|b1'),
        ('ceta_frames_summed', '<i4'),
        ('direct_detector_electron_counting', '|b1'),
        ('direct_detector_align_frames', '|b1'),
        ('camera_param_reserved_0', '<i4'),
        ('camera_param_reserved_1', '<i4'),
        ('camera_param_reserved_2', '<i4'),
        ('camera_param_reserved_3', '<i4'),
        ('bitmask_3', '<u4'),
        ('camera_param_reserved_4', '<i4'),
        ('camera_param_reserved_5', '<i4'),
        ('camera_param_reserved_6', '<i4'),
        ('camera_param_reserved_7', '<i4'),
        ('camera_param_reserved_8', '<i4'),
        ('camera_param_reserved_9', '<i4'),
        ('phase_plate', '|b1'),
        ('stem_detector_name', '|S16'),
        ('gain', '<f8'),
        ('offset', '<f8'),
        ('stem_param_reserved_0', '<i4'),
        ('stem_param_reserved_1', '<i4'),
        ('stem_param_reserved_2', '<i4'),
        ('stem_param_reserved_3', '<i4'),
        ('stem_param_reserved_4', '<i4'),
        ('dwell_time', '<f8'),
        ('frame_time', '<f8'),
        ('scan_size_left', '<i4'),
        ('scan_size_top', '<i4'),
        ('scan_size_right', '<i4'),
        ('scan_size_bottom', '<i4'),
        ('full_scan_fov_x', '<f8'),
        ('full_scan_fov_y', '<f8'),
        ('element', '|S16'),
        ('energy_interval_lower', '<f8'),
        ('energy_interval_higher', '<f8'),
        ('method', '<i4'),
        ('is_dose_fraction', '|b1'),
        ('fraction_number', '<i4'),
        ('start_frame', '<i4'),
        ('end_frame', '<i4'),
        ('input_stack_filename', '|S80'),
        ('bitmask_4', '<u4'),
        ('alpha_tilt_min', '<f8'),
        ('alpha_tilt_max', '<f8'),
        ('scan_rotation', '<f8'),
        ('diffraction_pattern_rotation', '<f8'),
        ('image_rotation', '<f8'),
        ('scan_mode_enumeration', '<i4'),
        ('acquisition_time_stamp', '<i8'),
        ('detector_commercial_name', '|S16'),
        ('start_tilt_angle', '<f8'),
        ('end_tilt_angle', '<f8'),
        ('tilt_per_image', '<f8'),
        ('tilt_speed', '<f8'),
        ('beam_center_x_pixel', '<i4'),
        ('beam_center_y_pixel', '<i4'),
        ('cfeg_flash_timestamp', '<i8'),
        ('phase_plate_position_index', '<i4'),
        ('objective_aperture_name', '|S16'),
    ],
    ('bitmask_1', 'bitmask_2', 'bitmask_3', 'bitmask_4'),
)

FEI_LEGACY_RECORD: Compiled[FeiLegacyRecord] = Compiled(
    FeiLegacyRecord,
    128,
    {'<': '<fffffffffffff76s',
     '>': '>fffffffffffff76s'},
    _FEI_LEGACY_RECORD_FIELDS,
    [
        ('a_tilt', '<f4'),
        ('b_tilt', '<f4'),
        ('x_stage', '<f4'),
        ('y_stage', '<f4'),
        ('z_stage', '<f4'),
        ('x_shift', '<f4'),
        ('y_shift', '<f4'),
        ('defocus', '<f4'),
        ('exp_time', '<f4'),
        ('mean_int', '<f4'),
        ('tilt_axis', '<f4'),
        ('pixel_size', '<f4'),
        ('magnification', '<f4'),
        ('reserved', '|V76'),
    ],
    (),
)

COMPILED = {'FEI1_RECORD': FEI1_RECORD, 'FEI2_RECORD': FEI2_RECORD, 'FEI_LEGACY_RECORD': FEI_LEGACY_RECORD}
