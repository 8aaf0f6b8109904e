"""Stricter than mrcfile, never laxer (issue 12).

Every check ``mrcfile.validate`` (1.5.4) makes is listed here, read from its source
(``MrcObject.validate`` in mrcobject.py, ``MrcFile.validate`` in mrcfile.py, and the exceptions
``mrcfile.validator.validate`` prints as a traceback).  For each, one or more crafted files have
that defect and nothing else; mrcfile must call each invalid, printing that check's message, and
our report must have an error for it, unless the case is a well-known real-world variant: then it
is a warning (or, for what MRC2014 itself allows, no finding), listed in :data:`VARIANTS` with the
software that writes it, and that table is the one in docs/conformance.md.
"""

import inspect
import io
import re
import struct
import warnings
import zlib

import mrcfile
import mrcfile.mrcfile
import mrcfile.mrcobject
import mrcfile.validator
import numpy as np
import pytest
from conftest import REPO
from crafting import stack_header, write_file

import mrcschema
from mrcschema.format.modes import pack_4bit

DOC = REPO / "docs" / "conformance.md"

#: MRC2014 note 5: every statistic marked "not determined"

#: mrcfile's checks: id -> the message it prints (a regex on the printed line)
MRCFILE_CHECKS = {
    "map": r"Map ID string is incorrect",
    "machst": r"Invalid machine stamp",
    "mode": r"Invalid mode",
    **{f"negative {name}": rf"Header field '{name}' is negative"
       for name in ("nx", "ny", "nz", "mx", "my", "mz", "ispg", "nlabl")},
    **{f"negative cella.{axis}": rf"Cell dimension '{axis}' is negative" for axis in "xyz"},
    "axes": r"Invalid axis mapping",
    "volume stack": r"Error in dimensions for volume stack",
    "label order": r"Error in header labels: empty labels appear between",
    "nlabl": r"Error in header labels: nlabl is",
    "nversion": r"File does not declare MRC format version 20140 or 20141",
    "exttyp": r"Extended header type is undefined or unrecognised",
    "rms": r"Data statistics appear to be inaccurate: RMS deviation",
    "dmin": r"Data statistics appear to be inaccurate: minimum",
    "dmax": r"Data statistics appear to be inaccurate: maximum",
    "dmean": r"Data statistics appear to be inaccurate: mean",
    "file size": r"File is larger than expected",
    "data unreadable": r"Data block could not be read",
    "traceback": r"Traceback",
}
#: checks no file can reach: mrcfile cannot open a file with negative NX, NY or NZ (a negative
#: buffer size), so its traceback is what the file gets; those cases are listed under "traceback"
UNREACHABLE = {"negative nx", "negative ny", "negative nz"}


def _labels(*texts):
    return tuple(t.ljust(80, b" ") for t in texts) + (b"\0" * 80,) * (10 - len(texts))


def _stats(data):
    return dict(dmin=float(data.min()), dmax=float(data.max()), dmean=float(data.mean(dtype=np.float64)),
                rms=float(np.float32(data.std(dtype=np.float64))))


DATA = (np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7 + 1).astype(np.float32)


def _with_data(data, mode=2, **stats):
    nz, ny, nx = data.shape[:3]
    return dict(header=dict(nx=nx, ny=ny, nz=nz, mx=nx, my=ny, mode=mode, **stats), data=data.tobytes())


def _png():
    rng = np.random.default_rng(0)
    rows = b"".join(b"\0" + rng.integers(0, 256, 96, dtype=np.uint8).tobytes() for _ in range(32))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _complex_imod():
    data = (np.arange(24).reshape(2, 3, 4) + 1j * np.arange(24)[::-1].reshape(2, 3, 4)).astype("<c8")
    amplitude = np.abs(data.astype(np.complex128))
    return _with_data(data, mode=4, dmin=float(np.float32(amplitude.min())), dmax=float(np.float32(amplitude.max())),
                      dmean=float(amplitude.mean()), rms=float(np.float32(data.astype(np.complex128).std())))


def _nan_gemmi():
    data = DATA.copy()
    data[1, 1, 1] = np.nan
    return _with_data(data, dmin=float(np.nanmin(data)), dmax=float(np.nanmax(data)),
                      dmean=float(np.nanmean(data, dtype=np.float64)),
                      rms=float(np.float32(np.nanstd(data, dtype=np.float64))))


_FOUR_BIT = np.arange(24, dtype=np.uint8).reshape(2, 3, 4) % 16

#: case -> (the mrcfile check it triggers, how to craft it, our rule that reports it).  ``header``:
#: changes to the conforming header; ``data``: the data bytes (default: zeros of the right size);
#: ``extended``, ``extra`` (bytes added to, or with a minus sign cut from, the data), ``raw`` (the
#: whole file), ``byteorder``.
CASES = {
    "map_wrong": ("map", dict(header=dict(map=b"XYZW")), "MRC2014-MAP"),
    "map_fourth_byte": ("map", dict(header=dict(map=b"MAPX")), "MRC2014-MAP"),
    "map_nul": ("map", dict(header=dict(map=b"MAP\0")), "MRC2014-MAP-PADDING"),
    "machst_garbage": ("machst", dict(header=dict(machst=b"\x01\x02\x03\x04")), "MRC2014-MACHST"),
    "machst_zero": ("machst", dict(header=dict(machst=b"\0\0\0\0")), "MRC2014-MACHST-VARIANT"),
    "machst_serialem": ("machst", dict(header=dict(machst=b"\x44\0\0\0")), "MRC2014-MACHST-VARIANT"),
    "machst_emdb": ("machst", dict(header=dict(machst=b"\x44\x11\0\0")), "MRC2014-MACHST-VARIANT"),
    "machst_imod_export": ("machst", dict(header=dict(machst=b"\x44\x20\x20\x20")), "MRC2014-MACHST-VARIANT"),
    "machst_unguessable": ("machst", dict(header=dict(machst=b"\x01\x02\x03\x04", mode=9)), "MRC2014-BYTEORDER"),
    "mode_unknown": ("mode", dict(header=dict(mode=9)), "MRC2014-MODE"),
    "mode_negative": ("mode", dict(header=dict(mode=-1)), "MRC2014-MODE"),
    "mode_7_int32": ("mode", dict(header=dict(mode=7)), "MRC2014-MODE"),
    "mode_8_uint32": ("mode", dict(header=dict(mode=8)), "MRC2014-MODE"),
    "mode_3_complex_int16": ("mode", dict(header=dict(mode=3)), None),
    "mode_101_4bit": ("mode", dict(header=dict(mode=101, **_stats(_FOUR_BIT)),
                                   data=pack_4bit(_FOUR_BIT).tobytes()), None),
    "mode_16_rgb": ("mode", dict(header=dict(mode=16)), "IMOD-MODE-16"),
    "nx_negative": ("traceback", dict(header=dict(nx=-4)), "MRC2014-DIMENSIONS"),
    "ny_negative": ("traceback", dict(header=dict(ny=-3)), "MRC2014-DIMENSIONS"),
    "nz_negative": ("traceback", dict(header=dict(nz=-2)), "MRC2014-DIMENSIONS"),
    "mx_negative": ("negative mx", dict(header=dict(mx=-4)), "MRC2014-SAMPLING"),
    "my_negative": ("negative my", dict(header=dict(my=-3)), "MRC2014-SAMPLING"),
    "mz_negative": ("negative mz", dict(header=dict(mz=-1)), "MRC2014-SAMPLING"),
    "ispg_negative": ("negative ispg", dict(header=dict(ispg=-1)), "MRC2014-ISPG"),
    "nlabl_negative": ("negative nlabl", dict(header=dict(nlabl=-1)), "MRC2014-NLABL"),
    "cella_x_negative": ("negative cella.x", dict(header=dict(cella=dict(x=-4.0))), "MRC2014-CELLA"),
    "cella_y_negative": ("negative cella.y", dict(header=dict(cella=dict(y=-1.0))), "MRC2014-CELLA"),
    "cella_z_negative": ("negative cella.z", dict(header=dict(cella=dict(z=-2.0))), "MRC2014-CELLA"),
    "cella_de_server": ("negative cella.x", dict(header=dict(cella=dict(x=-40.0, y=-30.0))), "MRC2014-CELLA"),
    "axes_repeated": ("axes", dict(header=dict(mapc=1, mapr=1, maps=3)), "MRC2014-AXES"),
    "axes_out_of_range": ("axes", dict(header=dict(mapc=1, mapr=2, maps=4)), "MRC2014-AXES"),
    "volume_stack_indivisible": ("volume stack", dict(header=dict(ispg=401, nz=3, mz=2)), "MRC2014-VOLUME-STACK"),
    "volume_stack_mz_zero": ("traceback", dict(header=dict(ispg=401, mz=0)), "MRC2014-VOLUME-STACK"),
    "label_after_blank": ("label order", dict(header=dict(nlabl=2, label=_labels(b"one", b"", b"three"))),
                          "MRC2014-LABEL-ORDER"),
    "nlabl_too_small": ("nlabl", dict(header=dict(nlabl=1, label=_labels(b"one", b"two"))), "MRC2014-NLABL"),
    "nlabl_without_labels": ("nlabl", dict(header=dict(nlabl=3)), "MRC2014-NLABL"),
    "nlabl_label_nul_then_spaces": ("nlabl", dict(header=dict(nlabl=0, label=(b"\0" + b" " * 79,) + (b"\0" * 80,) * 9)),
                                    "MRC2014-NLABL"),
    "nversion_0": ("nversion", dict(header=dict(nversion=0)), "MRC2014-NVERSION-PRE2014"),
    "nversion_20139": ("nversion", dict(header=dict(nversion=20139)), "MRC2014-NVERSION"),
    "nversion_12345": ("nversion", dict(header=dict(nversion=12345)), "MRC2014-NVERSION"),
    "exttyp_unknown": ("exttyp", dict(header=dict(exttyp=b"ABCD", nsymbt=80), extended=b"\0" * 80), "MRC2014-EXTTYP"),
    "exttyp_short_code": ("exttyp", dict(header=dict(exttyp=b"FEI\0", nsymbt=80), extended=b"\0" * 80),
                          "MRC2014-EXTTYP"),
    "exttyp_blank": ("exttyp", dict(header=dict(nsymbt=80), extended=b"X,  Y,  Z".ljust(80)), "MRC2014-EXTTYP-MISSING"),
    "rms_wrong": ("rms", _with_data(DATA, **dict(_stats(DATA), rms=_stats(DATA)["rms"] * 1.5)), "MRC2014-STATS"),
    "dmin_wrong": ("dmin", _with_data(DATA, **dict(_stats(DATA), dmin=-5.0)), "MRC2014-STATS"),
    "dmax_wrong": ("dmax", _with_data(DATA, **dict(_stats(DATA), dmax=50.0)), "MRC2014-STATS"),
    "dmean_wrong": ("dmean", _with_data(DATA, **dict(_stats(DATA), dmean=_stats(DATA)["dmean"] * 1.05)),
                    "MRC2014-STATS"),
    "constant_exact_rms": ("rms", _with_data(np.full((3, 4, 5), 1.1, np.float32), dmin=1.1, dmax=1.1, dmean=1.1, rms=0.0),
                           None),
    "nan_voxels_left_out": ("rms", _nan_gemmi(), "MRC2014-STATS-NAN"),
    "complex_amplitude_stats": ("dmin", _complex_imod(), "MRC2014-STATS-COMPLEX"),
    "complex_real_part_stats": ("dmin", dict(_complex_imod(), header=dict(_complex_imod()["header"], dmin=0.0, dmax=23.0)),
                                "MRC2014-STATS"),
    "file_longer": ("file size", dict(extra=8), "MRC2014-FILE-SIZE"),
    "file_shorter": ("data unreadable", dict(extra=-8), "MRC2014-FILE-SIZE"),
    "extended_header_past_end": ("data unreadable", dict(header=dict(nsymbt=4096, exttyp=b"MRCO")), "MRC2014-FILE-SIZE"),
    "header_short": ("traceback", dict(raw=b"MAP " * 100), "MRC-STRUCTURE"),
    "nsymbt_negative": ("traceback", dict(header=dict(nsymbt=-8)), "MRC2014-NSYMBT"),
    "exttyp_not_ascii": ("traceback", dict(header=dict(exttyp=b"\xff\0\0\0", nsymbt=80), extended=b" " * 80),
                         "MRC2014-EXTTYP-TEXT"),
    "text_file": ("map", dict(raw=b"hello world\n" * 200), "MRC-STRUCTURE"),
    "png_file": ("traceback", dict(raw=_png()), "MRC-STRUCTURE"),
}

#: the real-world variants mrcfile calls invalid that are warnings here (or, where MRC2014 allows
#: them, nothing): case -> (our severity and rule, who writes such files).  docs/conformance.md has
#: this table; the test below keeps the two equal.
VARIANTS = {
    "map_nul": ("warning MRC2014-MAP-PADDING", "MotionCor2 ('MAP\\0'); mrcfile itself reads it since 1.2"),
    "machst_zero": ("warning MRC2014-MACHST-VARIANT", "cryoDRGN before 2023 (cryoDRGN issue 248)"),
    "machst_serialem": ("warning MRC2014-MACHST-VARIANT", "SerialEM before 2018 (mrcfile issue 4)"),
    "machst_emdb": ("warning MRC2014-MACHST-VARIANT", "EMDB maps (mrcfile issue 7)"),
    "machst_imod_export": ("warning MRC2014-MACHST-VARIANT", "a file exported from IMOD (mrcfile issue 47)"),
    "mode_3_complex_int16": ("-", "MRC2014 mode 3 (mrcfile does not support it)"),
    "mode_101_4bit": ("-", "MRC2014 mode 101 (IMOD, SerialEM; mrcfile does not support it)"),
    "mode_16_rgb": ("warning IMOD-MODE-16", "IMOD (RGB)"),
    "nversion_0": ("warning MRC2014-NVERSION-PRE2014", "pre-2014 files: EMDB maps (corpus EMD-3001, EMD-3197)"),
    "exttyp_blank": ("warning MRC2014-EXTTYP-MISSING",
                     ("pre-2014 files: EMDB maps with CCP4 symmetry records (corpus EMD-3001), SerialEM and FEI "
                      "files from before EXTTYP")),
    "constant_exact_rms": ("-", "mrcschema, gemmi (an exact RMS of 0; mrcfile's float32 std is a few ulps)"),
    "nan_voxels_left_out": ("warning MRC2014-STATS-NAN", "gemmi (statistics without the NaN voxels)"),
    "complex_amplitude_stats": ("warning MRC2014-STATS-COMPLEX", "IMOD (DMIN/DMAX/DMEAN of the amplitudes, sliceMMM)"),
}


def craft(tmp_path, name, spec):
    path = tmp_path / f"{name}.mrc"
    if "raw" in spec:
        path.write_bytes(spec["raw"])
        return path
    changes = dict(spec.get("header", {}))
    header = stack_header(**changes)
    data = spec.get("data")
    if data is None:
        per = {0: 1, 1: 2, 2: 4, 3: 4, 4: 8, 6: 2, 7: 4, 8: 4, 12: 2, 16: 3}.get(header.mode, 4)
        dims = [max(n, 0) for n in (header.nx, header.ny, header.nz)]
        data = b"\0" * (dims[0] * dims[1] * dims[2] * per if min(header.nx, header.ny, header.nz) >= 0 else 96)
    extra = spec.get("extra", 0)
    data = data + b"\0" * extra if extra >= 0 else data[:extra]
    return write_file(path, header, data, extended=spec.get("extended", b""), byteorder=spec.get("byteorder", "<"))


def mrcfile_lines(path):
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        valid = mrcfile.validate(str(path), print_file=out)
    return valid, out.getvalue().splitlines()[1:]


# -- the list of checks is mrcfile's ------------------------------------------------------------------------
def _mrcfile_messages():
    """The messages mrcfile's validate methods print, read from their source: the text before the
    first placeholder, with the field lists of the per-field loops expanded."""
    messages = []
    for method in (mrcfile.mrcobject.MrcObject.validate, mrcfile.mrcfile.MrcFile.validate):
        source = inspect.getsource(method)
        loops = re.findall(r"for field in \[([^\]]*)\]", source)
        for text in re.findall(r"(?:log|print)\(\s*\"([^\"]*)\"", source):
            prefix = text.split("{")[0]
            if prefix.endswith("'"):  # per-field message: one per field of the loop it sits in
                fields = re.findall(r"'(\w+)'", loops.pop(0))
                messages += [text.replace("{0}", f) for f in fields]
            else:
                messages.append(prefix)
    return messages


def test_every_check_of_mrcfiles_validate_is_listed():
    messages = _mrcfile_messages()
    assert len(messages) >= 25
    for message in messages:
        assert any(re.match(pattern, message) for pattern in MRCFILE_CHECKS.values()), f"not listed: {message!r}"
    listed = [pattern for key, pattern in MRCFILE_CHECKS.items() if key != "traceback"]
    for pattern in listed:
        assert any(re.match(pattern, message) for message in messages), f"mrcfile no longer prints {pattern!r}"
    # the traceback: mrcfile.validator.validate prints any exception raised while opening or validating
    assert "traceback.print_exc" in inspect.getsource(mrcfile.validator.validate)


def test_every_reachable_check_has_a_crafted_file():
    covered = {check for check, _, _ in CASES.values()}
    assert covered == set(MRCFILE_CHECKS) - UNREACHABLE


# -- each defect: mrcfile says invalid, we say error (or a listed variant) -------------------------------------
@pytest.mark.parametrize("case", list(CASES))
def test_what_mrcfile_calls_invalid_is_an_error_here_or_a_listed_variant(tmp_path, case):
    check, spec, rule = CASES[case]
    path = craft(tmp_path, case, spec)
    valid, lines = mrcfile_lines(path)
    assert not valid, lines
    assert any(re.match(MRCFILE_CHECKS[check], line) for line in lines), (check, lines)
    report = mrcschema.validate(path)
    if case in VARIANTS:
        severity_rule = VARIANTS[case][0]
        assert report.errors == [], [str(f) for f in report]
        if severity_rule == "-":
            assert list(report) == [], [str(f) for f in report]
        else:
            severity, expected_rule = severity_rule.split()
            assert [(f.severity, f.rule) for f in report] == [(severity, expected_rule)], [str(f) for f in report]
    else:
        assert rule in [f.rule for f in report.errors], [str(f) for f in report]


def _variant_doc_rows():
    """The rows of the table under '## Variants mrcfile rejects' in docs/conformance.md, backticks removed."""
    lines = DOC.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## Variants mrcfile rejects"))
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not set(line) <= set("|-: "):
            rows.append(tuple(cell.strip().replace("`", "") for cell in line.strip().strip("|").split("|")))
    return rows[1:]  # without the column names


def test_the_variant_table_is_the_one_in_conformance_md():
    assert set(VARIANTS) <= set(CASES)
    assert {row[0]: (row[1], row[2]) for row in _variant_doc_rows()} == VARIANTS
