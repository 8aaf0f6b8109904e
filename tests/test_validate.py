"""``mrcschema.validate``: files mrcfile writes pass; one crafted corruption per rule is reported
as that rule, at that field and offset; the statistics pass; the CLI's exit codes and JSON."""

import bz2
import gzip
import importlib
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import warnings

import attrs
import mrcfile
import numpy as np
import pytest
from conftest import CORPUS, REPO, file_digest, sample_data
from crafting import UNSET, stack_header, write_file

import mrcschema
import mrcschema.format.statistics as stats_module
import mrcschema.validation.context as VALIDATION_CONTEXT
from mrcschema.cli.main import main
from mrcschema.format.modes import pack_4bit
from mrcschema.format.mrc2014 import FIELD_OFFSETS, MRC2014_HEADER
from mrcschema.format.statistics import StatsAccumulator
from mrcschema.validation.rules import RULES, RULES_BY_ID, SEVERITIES

#: MRC2014 note 5: every statistic marked "not determined"


def labels(*texts):
    return tuple(t.ljust(80, b" ") if t else b"\0" * 80 for t in texts) + (b"\0" * 80,) * (10 - len(texts))


def data_size(h):
    per = {0: 1, 1: 2, 2: 4, 3: 4, 4: 8, 6: 2, 12: 2, 16: 3}
    if h.mode == 101:
        return h.nz * h.ny * ((h.nx + 1) // 2)
    return h.nx * h.ny * h.nz * per.get(h.mode, 4)


def craft(tmp_path, name="x.mrc", *, data=None, extended=b"", extra=0, byteorder="<", **changes):
    """A conforming file with ``changes``; zero dimensions give an empty data block (as mrcfile.new()
    writes), negative ones 96 bytes of data that cannot be located."""
    header = stack_header(**changes)
    if data is None:
        data = b"\0" * max(0, data_size(header) + extra) if header.nx >= 0 and header.ny >= 0 and header.nz >= 0 \
            else b"\0" * 96
    return write_file(tmp_path / name, header, data, extended=extended, byteorder=byteorder)


def summary(report):
    return [(f.severity, f.rule, f.field, f.offset) for f in report]


# -- files mrcfile writes ---------------------------------------------------------------------------
SHAPES = {"image": ((5, 7), None), "stack": ((3, 5, 7), "stack"), "volume": ((4, 5, 7), "volume"),
          "volume_stack": ((2, 3, 5, 7), None)}


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("dtype", ["i1", "i2", "f4", "c8", "u2", "f2"])
@pytest.mark.parametrize("kind", list(SHAPES))
def test_files_mrcfile_writes_have_no_findings(write_with_mrcfile, order, dtype, kind):
    shape, layout = SHAPES[kind]
    data = sample_data(np.dtype(dtype).newbyteorder(order), shape)
    path = write_with_mrcfile(data, layout=layout, voxel_size=(1.25, 2.5, 3.75))
    report = mrcschema.validate(path)
    assert report.ok and summary(report) == []
    assert mrcfile.validate(path, print_file=io.StringIO())


def test_mrcfile_file_with_labels_and_fei_extended_header_has_no_findings(tmp_path):
    path = tmp_path / "fei.mrc"
    records = np.zeros(2, dtype=mrcfile.dtypes.get_ext_header_dtype(b"FEI1"))
    records["Metadata size"] = 768
    with mrcfile.new(path) as mrc:
        mrc.set_data(sample_data("f4", (2, 6, 5)))
        mrc.set_extended_header(records)
        mrc.header.exttyp = b"FEI1"
        mrc.add_label("first label")
        mrc.add_label("second label")
    assert summary(mrcschema.validate(path)) == []
    assert mrcfile.validate(path, print_file=io.StringIO())


# -- one corruption per rule ------------------------------------------------------------------------
E, W, I = "error", "warning", "info"
#: the physical model's fallback, reported where it takes CELLA / N or the axes as 1, 2, 3
FALLBACK = (I, "PHYSICAL-FALLBACK", "cella", 40)

HEADER_CASES = {
    "conforming": ({}, []),
    "map_wrong": (dict(map=b"XYZW"), [(E, "MRC2014-MAP", "map", 208)]),
    "map_nul_motioncor2": (dict(map=b"MAP\0"), [(W, "MRC2014-MAP-PADDING", "map", 208)]),
    "map_other_fourth_byte": (dict(map=b"MAPX"), [(E, "MRC2014-MAP", "map", 208)]),
    "machst_serialem": (dict(machst=b"D\0\0\0"), [(W, "MRC2014-MACHST-VARIANT", "machst", 212)]),
    "machst_zero": (dict(machst=b"\0\0\0\0"), [(W, "MRC2014-MACHST-VARIANT", "machst", 212)]),
    "machst_emdb": (dict(machst=b"\x44\x11\0\0"), [(W, "MRC2014-MACHST-VARIANT", "machst", 212)]),
    "machst_garbage": (dict(machst=b"\x01\x02\x03\x04"), [(E, "MRC2014-MACHST", "machst", 212)]),
    "machst_zero_and_mode_unknown": (dict(machst=b"\0\0\0\0", mode=9),
                                     [(E, "MRC2014-BYTEORDER", "machst", 212), (E, "MRC2014-MODE", "mode", 12)]),
    # a little-endian stamp on big-endian numbers: checked big-endian, one error
    "machst_contradicted": (dict(machst=b"DD\0\0", byteorder=">"), [(E, "MRC2014-BYTEORDER", "machst", 212)]),
    "mode_unknown": (dict(mode=9), [(E, "MRC2014-MODE", "mode", 12)]),
    "mode_7_int32": (dict(mode=7), [(E, "MRC2014-MODE", "mode", 12)]),
    "mode_8_uint32": (dict(mode=8), [(E, "MRC2014-MODE", "mode", 12)]),
    "mode_16_rgb": (dict(mode=16), [(W, "IMOD-MODE-16", "mode", 12)]),
    "mode_3_complex_int": (dict(mode=3), []),
    "mode_101_4bit": (dict(mode=101), []),
    "nx_zero": (dict(nx=0, mx=4), [(E, "MRC2014-DIMENSIONS", "nx", 0)]),
    "ny_nz_zero": (dict(ny=0, nz=0, my=3, mz=1), [(E, "MRC2014-DIMENSIONS", "ny", 4), (E, "MRC2014-DIMENSIONS", "nz", 8)]),
    "nx_negative": (dict(nx=-3, mx=4), [(E, "MRC2014-DIMENSIONS", "nx", 0)]),
    "nz_negative": (dict(nz=-2), [(E, "MRC2014-DIMENSIONS", "nz", 8)]),
    "mx_zero": (dict(mx=0), [(E, "MRC2014-SAMPLING", "mx", 28), FALLBACK]),
    "m_zero_mrcz": (dict(mx=0, my=0, mz=0), [(E, "MRC2014-SAMPLING", "mx", 28), (E, "MRC2014-SAMPLING", "my", 32),
                                             (E, "MRC2014-SAMPLING", "mz", 36), FALLBACK]),
    "my_negative": (dict(my=-1), [(E, "MRC2014-SAMPLING", "my", 32), FALLBACK]),
    "cella_negative_as_de": (dict(cella=dict(y=-30.0)), [(E, "MRC2014-CELLA", "cella.y", 44)]),
    "cella_nan": (dict(cella=dict(z=float("nan"))), [(E, "MRC2014-CELLA", "cella.z", 48)]),
    "axes_not_a_permutation": (dict(mapc=1, mapr=1, maps=3), [FALLBACK, (E, "MRC2014-AXES", "mapc, mapr, maps", 64)]),
    "axes_permuted_in_an_image_stack": (dict(mapc=2, mapr=1, maps=3),
                                        [(W, "MRC2014-AXES-IMAGE", "mapc, mapr, maps", 64)]),
    "axes_permuted_in_a_crystal_map": (dict(ispg=4, mz=2, mapc=3, mapr=1, maps=2), []),
    "ispg_out_of_range": (dict(ispg=300), [(E, "MRC2014-ISPG", "ispg", 88)]),
    "ispg_negative": (dict(ispg=-1), [(E, "MRC2014-ISPG", "ispg", 88)]),
    "ispg_volume": (dict(ispg=1, mz=2), []),
    "volume_stack_indivisible": (dict(ispg=401, nz=3, mz=2), [(E, "MRC2014-VOLUME-STACK", "nz, mz", 8)]),
    "volume_stack_mz_zero": (dict(ispg=401, mz=0), [(E, "MRC2014-SAMPLING", "mz", 36), FALLBACK,
                                                     (E, "MRC2014-VOLUME-STACK", "nz, mz", 8)]),
    "volume_stack": (dict(ispg=401, nz=4, mz=2), []),
    "image_stack_mz_not_1": (dict(mz=2), [(W, "MRC2014-IMAGE-MZ", "mz", 36)]),
    "nsymbt_negative": (dict(nsymbt=-8), [(E, "MRC2014-NSYMBT", "nsymbt", 92)]),
    "exttyp_not_ascii": (dict(exttyp=b"\xffAB\0"), [(E, "MRC2014-EXTTYP-TEXT", "exttyp", 104)]),
    "exttyp_unknown": (dict(exttyp=b"ABCD"), [(W, "MRC2014-EXTTYP-UNUSED", "exttyp", 104)]),
    "exttyp_unknown_with_extended_header": (dict(exttyp=b"ABCD", nsymbt=80, extended=b"\0" * 80),
                                            [(E, "MRC2014-EXTTYP", "exttyp", 104)]),
    "nversion_zero": (dict(nversion=0), [(W, "MRC2014-NVERSION-PRE2014", "nversion", 108)]),
    "nversion_20139": (dict(nversion=20139), [(E, "MRC2014-NVERSION", "nversion", 108)]),
    "nversion_12345": (dict(nversion=12345), [(E, "MRC2014-NVERSION", "nversion", 108)]),
    "nversion_20140": (dict(nversion=20140), []),
    "nlabl_without_labels": (dict(nlabl=1), [(E, "MRC2014-NLABL", "nlabl", 220)]),
    "nlabl_too_small": (dict(nlabl=1, label=labels(b"one", b"two")), [(E, "MRC2014-NLABL", "nlabl", 220)]),
    "label_after_blank": (dict(nlabl=2, label=labels(b"one", b"", b"three")),
                          [(E, "MRC2014-LABEL-ORDER", "label[1]", 304)]),
    "label_not_ascii": (dict(nlabl=2, label=labels(b"fine", "caf\u00e9".encode("utf-8"))),
                        [(W, "MRC2014-LABEL-TEXT", "label[1]", 304)]),
    "labels_space_padded": (dict(nlabl=2, label=labels(b"one", b"two")), []),
    "labels_space_then_nul_padded": (dict(nlabl=1, label=(b"one   ".ljust(80, b"\0"),) + (b"\0" * 80,) * 9), []),
    "label_nul_inside": (dict(nlabl=2, label=labels(b"one", b"two\0three")), [(W, "MRC2014-LABEL-TEXT", "label[1]", 304)]),
    "label_control_byte_inside": (dict(nlabl=1, label=labels(b"tab\there")), [(W, "MRC2014-LABEL-TEXT", "label[0]", 224)]),
    # mrcfile counts a label of a NUL then spaces as text (numpy strips only trailing NULs): so do we
    "label_nul_then_spaces": (dict(nlabl=1, label=(b"\0" + b" " * 79,) + (b"\0" * 80,) * 9),
                              [(W, "MRC2014-LABEL-TEXT", "label[0]", 224)]),
}


@pytest.mark.parametrize("case", list(HEADER_CASES))
def test_header_corruption_is_reported_as_its_rule(tmp_path, case):
    changes, expected = HEADER_CASES[case]
    path = craft(tmp_path, **changes)
    before = file_digest(path)
    report = mrcschema.validate(path)
    assert summary(report) == expected
    assert report.ok == all(severity != E for severity, *_ in expected)
    assert file_digest(path) == before


def test_what_mrcfile_misses_or_crashes_on(tmp_path):
    """ISPG out of range, MX = 0 and a non-ASCII EXTTYP pass mrcfile; a negative NX and a
    non-ASCII EXTTYP with an extended header make it print a traceback.  All are errors here."""
    cases = {
        "ispg": (dict(ispg=300), b"", "MRC2014-ISPG", True),
        "mx": (dict(mx=0), b"", "MRC2014-SAMPLING", True),
        "exttyp": (dict(exttyp=b"\xff\0\0\0"), b"", "MRC2014-EXTTYP-TEXT", True),
        "nx": (dict(nx=-3, mx=4), b"", "MRC2014-DIMENSIONS", "Traceback"),
        "exttyp_ext": (dict(exttyp=b"\xff\0\0\0", nsymbt=80), b" " * 80, "MRC2014-EXTTYP-TEXT", "Traceback"),
    }
    for name, (changes, extended, rule, peer) in cases.items():
        path = craft(tmp_path, f"{name}.mrc", extended=extended, nversion=20141, **changes)
        out = io.StringIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verdict = mrcfile.validate(path, print_file=out)
        if peer == "Traceback":
            assert not verdict and "Traceback" in out.getvalue(), name
        else:
            assert verdict, (name, out.getvalue())
        report = mrcschema.validate(path)
        assert not report.ok and report.errors[0].rule == rule, name


def test_file_longer_or_shorter_than_the_header_says(tmp_path):
    long = mrcschema.validate(craft(tmp_path, "long.mrc", extra=8))
    assert summary(long) == [(E, "MRC2014-FILE-SIZE", "file", None)]
    assert long.errors[0].message.startswith(
        "file is 1128 bytes, 8 bytes more than the 1120 the header implies (1024 + NSYMBT 0 + data 96)")
    short = mrcschema.validate(craft(tmp_path, "short.mrc", extra=-8))
    assert summary(short) == [(E, "MRC2014-FILE-SIZE", "file", None)]
    assert short.errors[0].message.startswith(
        "file is 1112 bytes, 8 bytes less than the 1120 the header implies (1024 + NSYMBT 0 + data 96)")
    # mrcfile agrees on both
    for report in (long, short):
        assert not mrcfile_says(report.path)[0]
    past_end = mrcschema.validate(craft(tmp_path, "past.mrc", nsymbt=5000))
    assert summary(past_end) == [(W, "MRC2014-EXTTYP-MISSING", "exttyp", 104), (E, "MRC2014-FILE-SIZE", "file", None)]
    # a short file whose header claims statistics: they cannot be compared, and the report says so
    claimed = mrcschema.validate(craft(tmp_path, "claimed.mrc", extra=-8, rms=0.0))
    assert summary(claimed) == [(E, "MRC2014-FILE-SIZE", "file", None), (I, "MRC2014-STATS-SKIPPED", "data", 1024)]


def test_not_mrc_at_all_is_one_structure_error(tmp_path):
    tiny = tmp_path / "tiny.mrc"
    tiny.write_bytes(b"\0" * 100)
    report = mrcschema.validate(tiny)
    assert summary(report) == [(E, "MRC-STRUCTURE", "header", 0)]
    assert report.errors[0].message.startswith("not an MRC file: 100 bytes long, shorter than the 1024-byte MRC header;")
    broken = tmp_path / "broken.mrc.gz"
    noise = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    compressed = gzip.compress(craft(tmp_path, nx=32, ny=32, nz=1, mx=32, my=32, data=noise).read_bytes())
    broken.write_bytes(compressed[:len(compressed) // 2])  # the header inflates, the data does not
    assert summary(mrcschema.validate(broken)) == [(E, "MRC-STRUCTURE", "file", 0)]


def png_bytes(width, height, seed=0):
    """A real PNG of random RGB noise (incompressible, so well over 1024 bytes)."""
    import struct
    import zlib
    rng = np.random.default_rng(seed)
    rows = b"".join(b"\0" + rng.integers(0, 256, width * 3, dtype=np.uint8).tobytes() for _ in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_a_png_or_a_text_file_is_one_not_an_mrc_file_error(tmp_path):
    """No 'MAP' and no byte order giving a known MODE with positive NX, NY, NZ: one finding, and
    no other rule runs (not 16 to 25 findings about garbage header values)."""
    png = tmp_path / "image.png"
    png.write_bytes(png_bytes(32, 32))
    assert png.stat().st_size > 1024
    text = tmp_path / "notes.txt"
    text.write_text("hello world\n" * 200)
    zeros = tmp_path / "zeros.mrc"
    zeros.write_bytes(bytes(2048))
    for path, shown in ((png, "MAP is hex "), (text, "MAP is 'o wo', NX is 1819043176"),
                        (zeros, "MAP is hex 00 00 00 00, NX is 0")):
        report = mrcschema.validate(path)
        assert summary(report) == [(E, "MRC-STRUCTURE", "map", 208)], path.name
        assert report.errors[0].message.startswith("not an MRC file: " + shown), report.errors[0].message
    try:
        from PIL import Image
    except ImportError:
        return
    pil = tmp_path / "pil.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(pil)
    assert summary(mrcschema.validate(pil)) == [(E, "MRC-STRUCTURE", "map", 208)]
    # an MRC file with only MAP damaged is still checked field by field
    assert summary(mrcschema.validate(craft(tmp_path, map=b"\0\0\0\0"))) == [(E, "MRC2014-MAP", "map", 208)]


def test_missing_file_and_directory_are_one_unreadable_error(tmp_path):
    """A batch gets a report per path: a missing file or a directory is one MRC-UNREADABLE error."""
    missing = mrcschema.validate(tmp_path / "missing.mrc")
    assert summary(missing) == [(E, "MRC-UNREADABLE", "file", None)] and not missing.ok
    assert missing.errors[0].message.startswith("No such file or directory; expected ")
    assert missing.path == str(tmp_path / "missing.mrc")
    directory = mrcschema.validate(tmp_path)
    assert summary(directory) == [(E, "MRC-UNREADABLE", "file", None)]
    assert directory.errors[0].message.startswith("is a directory, not an MRC file; expected ")


def test_compressed_files_are_validated_decompressed(tmp_path):
    plain = craft(tmp_path, nversion=0)
    for suffix, compress in ((".gz", gzip.compress), (".bz2", bz2.compress)):
        packed = tmp_path / f"x.mrc{suffix}"
        packed.write_bytes(compress(plain.read_bytes()))
        assert summary(mrcschema.validate(packed)) == [(W, "MRC2014-NVERSION-PRE2014", "nversion", 108)]
    packed = tmp_path / "long.mrc.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes() + b"\0" * 4))
    report = mrcschema.validate(packed)
    assert report.rules == ["MRC2014-NVERSION-PRE2014", "MRC2014-FILE-SIZE"]
    assert "file (decompressed) is 1124 bytes" in report.errors[0].message


# -- extended headers ------------------------------------------------------------------------------------
def fei_block(size, version, records, *, pad=0):
    record = np.zeros(size, np.uint8)
    record[:8] = np.frombuffer(np.array([size, version], "<i4").tobytes(), np.uint8)
    return record.tobytes() * records + b"\0" * pad


EXT_CASES = {
    "fei1": ("FEI1", fei_block(768, 0, 2), []),
    "fei1_preallocated_1024": ("FEI1", fei_block(768, 0, 1024), []),
    "fei2": ("FEI2", fei_block(888, 2, 2), []),
    "fei1_wrong_size": ("FEI1", fei_block(700, 0, 3), [(E, "FEI-METADATA-SIZE", "metadata_size", 1024)]),
    "fei2_with_fei1_records": ("FEI2", fei_block(768, 0, 2), [(E, "FEI-METADATA-SIZE", "metadata_size", 1024),
                                                              (W, "FEI-METADATA-VERSION", "metadata_version", 1028)]),
    "fei1_wrong_version": ("FEI1", fei_block(768, 7, 2), [(W, "FEI-METADATA-VERSION", "metadata_version", 1028)]),
    "fei1_too_few_records": ("FEI1", fei_block(768, 0, 1), [(E, "FEI-RECORDS", "nsymbt", 92)]),
    "fei2_velox_padding": ("FEI2", fei_block(888, 2, 2, pad=1024 - 888 * 2 % 512),
                           [(I, "FEI-PADDING", "nsymbt", 92)]),
    "fei1_no_room": ("FEI1", b"\0\0", [(E, "FEI-METADATA-SIZE", "extended header", 1024)]),
    "ccp4": ("CCP4", b"X,  Y,  Z".ljust(80) + b"-X,  Y+1/2,  -Z".ljust(80), []),
    "ccp4_not_whole_lines": ("CCP4", b"X,  Y,  Z".ljust(90), [(W, "CCP4-SYMMETRY", "nsymbt", 92)]),
    "ccp4_binary": ("CCP4", b"\x01" * 80, [(W, "CCP4-SYMMETRY", "extended header", 1024)]),
    "hdf5": ("HDF5", b"\x89HDF\r\n\x1a\n" + b"\0" * 56, []),
    "hdf5_without_signature": ("HDF5", b"\0" * 64, [(W, "HDF5-SIGNATURE", "extended header", 1024)]),
    "mrco_opaque": ("MRCO", b"\x07" * 40, []),
}


@pytest.mark.parametrize("case", list(EXT_CASES))
def test_extended_header_rules(tmp_path, case):
    exttyp, block, expected = EXT_CASES[case]
    path = craft(tmp_path, exttyp=exttyp.encode(), nsymbt=len(block), extended=block)
    assert summary(mrcschema.validate(path)) == expected


def test_big_endian_fei_records_are_read_in_one_byte_order(tmp_path):
    """mrcfile writes FEI records in the file's byte order: the size is decided as the reader does
    (the file's order, else little-endian) and the other fields are read in that same order."""
    records = np.zeros(2, dtype=mrcfile.dtypes.get_ext_header_dtype(b"FEI2", ">"))
    records["Metadata size"], records["Metadata version"] = 888, 2
    path = tmp_path / "be_fei2.mrc"
    with mrcfile.new(path) as mrc:
        mrc.set_data(sample_data(">f4", (2, 3, 4)))
        mrc.set_extended_header(records)
        mrc.header.exttyp = b"FEI2"
    assert summary(mrcschema.validate(path)) == []
    with mrcschema.open(path) as f:
        assert f.header.nsymbt == 2 * 888
    # little-endian records in a big-endian file (how EPU-style records would look): read little-endian
    little = tmp_path / "be_le_records.mrc"
    header = attrs.evolve(stack_header(exttyp=b"FEI1", nsymbt=2 * 768), machst=b"\x11\x11\0\0")
    write_file(little, header, b"\0" * 96, extended=fei_block(768, 0, 2), byteorder=">")
    assert summary(mrcschema.validate(little)) == []
    # a wrong size says which order it was read in, and what the other gives
    wrong = tmp_path / "be_wrong.mrc"
    block = np.zeros(2 * 888, np.uint8)
    block[:8] = np.frombuffer(np.array([700, 2], ">i4").tobytes(), np.uint8)
    header = attrs.evolve(stack_header(exttyp=b"FEI2", nsymbt=2 * 888), machst=b"\x11\x11\0\0")
    write_file(wrong, header, b"\0" * 96, extended=block.tobytes(), byteorder=">")
    report = mrcschema.validate(wrong)
    assert report.rules[0] == "FEI-METADATA-SIZE" and "FEI-METADATA-VERSION" not in report.rules
    assert report.errors[0].message.startswith(
        "FEI2 metadata_size is 700 read big-endian (little-endian: -1140719616; the file is big-endian)")


def seri_file(tmp_path, nint, nreal, nsymbt):
    """A SerialEM file: NINT/NREAL are int16 at 128/130, inside ``extra2`` (offset 112)."""
    extra2 = bytearray(84)
    extra2[16:20] = np.array([nint, nreal], "<i2").tobytes()
    return craft(tmp_path, f"seri{nint}_{nreal}_{nsymbt}.mrc", exttyp=b"SERI", nsymbt=nsymbt,
                 extra2=bytes(extra2), extended=b"\0" * nsymbt)


def test_seri_flags_and_record_count(tmp_path):
    # flags 1 (tilt, 2 bytes) + 8 (magnification, 2 bytes) = 4 bytes per section, 2 sections
    assert summary(mrcschema.validate(seri_file(tmp_path, 4, 9, 8))) == []
    assert summary(mrcschema.validate(seri_file(tmp_path, 4, 9, 1024))) == []  # SerialEM preallocates
    assert summary(mrcschema.validate(seri_file(tmp_path, 6, 9, 12))) == [(E, "SERI-FLAGS", "nint, nreal", 128)]
    assert summary(mrcschema.validate(seri_file(tmp_path, 4, 9, 6))) == [(E, "SERI-RECORDS", "nsymbt", 92)]


def test_nsymbt_without_exttyp_is_a_warning_mrcfile_makes_an_error(tmp_path):
    path = craft(tmp_path, nsymbt=80, extended=b" " * 80, nversion=20141)
    assert summary(mrcschema.validate(path)) == [(W, "MRC2014-EXTTYP-MISSING", "exttyp", 104)]
    out = io.StringIO()
    assert not mrcfile.validate(path, print_file=out)
    assert "Extended header type is undefined or unrecognised" in out.getvalue()


# -- data statistics ---------------------------------------------------------------------------------------
def stats_file(tmp_path, data, name="s.mrc", **stats):
    """A float32 (or other) stack holding ``data`` with the given header statistics."""
    data = np.ascontiguousarray(data)
    mode = {"f4": 2, "i2": 1, "u2": 6, "i1": 0, "f2": 12, "c8": 4}[data.dtype.str[1:]]
    nz, ny, nx = data.shape
    order = ">" if data.dtype.byteorder == ">" else "<"
    header = attrs.evolve(stack_header(nx=nx, ny=ny, nz=nz, mx=nx, my=ny, mode=mode), **stats)
    if order == ">":
        header = attrs.evolve(header, machst=b"\x11\x11\0\0")
    return write_file(tmp_path / name, header, data.tobytes(), byteorder=order)


def true_stats(data):
    return dict(dmin=float(data.min()), dmax=float(data.max()), dmean=float(data.mean(dtype=np.float64)),
                rms=float(np.float32(data.std(dtype=np.float64))))


STATS_CASES = {
    "exact": ({}, []),
    "dmin_off": (dict(dmin=-10.0), [(E, "MRC2014-STATS", "dmin", 76)]),
    "dmax_off": (dict(dmax=10.0), [(E, "MRC2014-STATS", "dmax", 80)]),
    "dmean_off_2pc": (dict(dmean_scale=1.02), [(E, "MRC2014-STATS", "dmean", 84)]),
    "dmean_within_1pc": (dict(dmean_scale=1.009), []),
    "rms_off_2pc": (dict(rms_scale=1.02), [(E, "MRC2014-STATS", "rms", 216)]),
    "rms_within_1pc": (dict(rms_scale=0.991), []),
    "all_off": (dict(dmin=-10.0, dmax=10.0, dmean_scale=2.0, rms_scale=2.0),
                [(E, "MRC2014-STATS", "rms", 216), (E, "MRC2014-STATS", "dmin", 76),
                 (E, "MRC2014-STATS", "dmax", 80), (E, "MRC2014-STATS", "dmean", 84)]),
    "all_undetermined": (dict(UNSET), []),
    "dmin_equals_dmax_not_checked": (dict(dmin=5.0, dmax=5.0, dmean=5.0), []),
}


@pytest.mark.parametrize("case", list(STATS_CASES))
def test_statistics_follow_mrcfile_tolerances(tmp_path, case):
    changes, expected = STATS_CASES[case]
    data = (sample_data("f4", (3, 6, 5)) + 3.0).astype("f4")
    stats = true_stats(data)
    changes = dict(changes)
    stats["dmean"] *= changes.pop("dmean_scale", 1.0)
    stats["rms"] *= changes.pop("rms_scale", 1.0)
    stats.update(changes)
    path = stats_file(tmp_path, data, **stats)
    assert summary(mrcschema.validate(path)) == expected
    # mrcfile agrees on every one of these (the crafted file is otherwise valid for it)
    assert mrcfile.validate(path, print_file=io.StringIO()) == (expected == [])


@pytest.mark.parametrize("dtype", ["i1", "<i2", ">i2", "<u2", ">f4", "<f2", "<c8"])
def test_statistics_in_every_mode_and_byte_order(tmp_path, dtype):
    data = sample_data(dtype, (3, 4, 5))
    stats = dict(UNSET, rms=float(np.float32(np.std(data.astype(np.complex128 if data.dtype.kind == "c"
                                                                        else np.float64)))))
    if data.dtype.kind != "c":
        stats = true_stats(data)
    path = stats_file(tmp_path, data, **stats)
    assert summary(mrcschema.validate(path)) == []
    wrong = stats_file(tmp_path, data, "wrong.mrc", **dict(stats, rms=stats["rms"] * 1.5))
    assert summary(mrcschema.validate(wrong)) == [(E, "MRC2014-STATS", "rms", 216)]


def test_statistics_of_modes_mrcfile_cannot_read(tmp_path):
    values = np.random.default_rng(1).integers(0, 16, size=(2, 3, 5), dtype=np.uint8)
    packed = pack_4bit(values).tobytes()  # mode 101: rows of ceil(5 / 2) bytes
    ok = write_file(tmp_path / "m101.mrc", stack_header(nx=5, mx=5, mode=101, **true_stats(values)), packed)
    assert summary(mrcschema.validate(ok)) == []
    bad = write_file(tmp_path / "m101b.mrc", stack_header(nx=5, mx=5, mode=101, **dict(true_stats(values), dmax=99.0)),
                     packed)
    assert summary(mrcschema.validate(bad)) == [(E, "MRC2014-STATS", "dmax", 80)]
    rgb = np.random.default_rng(2).integers(0, 256, size=(2, 3, 4, 3), dtype=np.uint8)
    path = write_file(tmp_path / "m16.mrc", stack_header(mode=16, **true_stats(rgb)), rgb.tobytes())
    assert summary(mrcschema.validate(path)) == [(W, "IMOD-MODE-16", "mode", 12)]
    pairs = np.random.default_rng(3).integers(-100, 100, size=(2, 3, 4, 2)).astype("<i2")
    rms = float(np.float32((pairs[..., 0] + 1j * pairs[..., 1]).std()))
    path = write_file(tmp_path / "m3.mrc", stack_header(mode=3, rms=rms), pairs.tobytes())
    assert summary(mrcschema.validate(path)) == []


def test_statistics_are_computed_in_chunks(tmp_path, monkeypatch):
    data = (sample_data("f4", (7, 11, 13)) * 1e3 + 1e5).astype("f4")  # large mean: variance merging matters
    path = stats_file(tmp_path, data, **true_stats(data))
    chunks = []
    original = StatsAccumulator.add
    monkeypatch.setattr(VALIDATION_CONTEXT, "CHUNK_BYTES", 400)  # slabs of 100 float32 values
    monkeypatch.setattr(stats_module, "BLOCK_BYTES", 28)  # float32 blocks of 7 values
    monkeypatch.setattr(StatsAccumulator, "add", lambda self, v: (chunks.append(v.size), original(self, v)))
    assert summary(mrcschema.validate(path)) == []
    assert len(chunks) == 11 and sum(chunks) == data.size and max(chunks) == 100
    acc = StatsAccumulator()
    original(acc, data.reshape(-1))
    assert acc.std == pytest.approx(data.std(dtype=np.float64), rel=1e-12)
    assert acc.mean == pytest.approx(data.mean(dtype=np.float64), rel=1e-12)
    assert (acc.minimum, acc.maximum) == (data.min(), data.max())


def mrcfile_says(path):
    """mrcfile.validate's verdict and printed messages (its warnings silenced)."""
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        verdict = mrcfile.validate(str(path), print_file=out)
    return verdict, out.getvalue()


def nan_stats(data):
    return dict(dmin=float(np.nanmin(data)), dmax=float(np.nanmax(data)),
                dmean=float(np.nanmean(data, dtype=np.float64)), rms=float(np.float32(np.nanstd(data, dtype=np.float64))))


def test_nan_voxels_are_left_out_of_the_statistics_with_a_warning(tmp_path, monkeypatch):
    """NaN voxels: the statistics are those of the other voxels (gemmi's and numpy's nan* rule), and a
    warning counts the NaN; mrcfile compares the header with NaN statistics and calls the file invalid."""
    data = sample_data("f4", (2, 4, 5))
    data[1, 2, 3] = data[0, 0, 0] = np.nan
    monkeypatch.setattr(VALIDATION_CONTEXT, "CHUNK_BYTES", 40)  # the NaN sit in different slabs
    path = stats_file(tmp_path, data, **nan_stats(data))
    report = mrcschema.validate(path)
    assert summary(report) == [(W, "MRC2014-STATS-NAN", "data", 1024)] and report.ok
    assert report.warnings[0].message.startswith("the data holds 2 NaN voxels of 40: ")
    assert not mrcfile_says(path)[0]
    wrong = stats_file(tmp_path, data, "wrong.mrc", **dict(nan_stats(data), dmax=99.0))
    assert summary(mrcschema.validate(wrong)) == [(E, "MRC2014-STATS", "dmax", 80), (W, "MRC2014-STATS-NAN", "data", 1024)]
    # statistics computed with the NaN are NaN, i.e. not determined (MRC2014 note 5): no data pass, no finding
    with np.errstate(invalid="ignore"):
        undetermined = stats_file(tmp_path, data, "nan.mrc", **true_stats(data))
    assert summary(mrcschema.validate(undetermined)) == []
    everything = stats_file(tmp_path, np.full((2, 3, 4), np.nan, "f4"), "all.mrc", **dict(UNSET, rms=1.0))
    report = mrcschema.validate(everything)
    assert summary(report) == [(E, "MRC2014-STATS", "rms", 216), (W, "MRC2014-STATS-NAN", "data", 1024)]
    assert report.errors[0].message.startswith("RMS is 1 but all 24 voxels are NaN")


def test_a_gemmi_map_with_nan_passes_with_a_warning(tmp_path):
    gemmi = pytest.importorskip("gemmi")
    grid = (np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6) / 7).astype(np.float32)
    grid[1, 2, 3] = grid[3, 4, 5] = grid[0, 0, 0] = np.nan
    ccp4 = gemmi.Ccp4Map()
    ccp4.grid = gemmi.FloatGrid(grid, gemmi.UnitCell(6, 5, 4, 90, 90, 90), gemmi.SpaceGroup("P1"))
    ccp4.update_ccp4_header()
    path = tmp_path / "gemmi_nan.map"
    ccp4.write_ccp4_map(str(path))
    report = mrcschema.validate(path)
    assert summary(report) == [(W, "MRC2014-STATS-NAN", "data", 1104)] and report.ok
    assert "3 NaN voxels of 120" in report.warnings[0].message
    verdict, said = mrcfile_says(path)
    assert not verdict and "RMS deviation is nan" in said


#: constant fills: float32 arithmetic (mrcfile's data.std()) gives up to a few ulps of RMS, we give 0
CONSTANT_FILLS = [1.1, 12345.678, 0.1, 3.3]
CONSTANT_SHAPES = [(3, 4, 5), (4, 5, 6), (7, 64, 64)]


@pytest.mark.parametrize("shape", CONSTANT_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("fill", CONSTANT_FILLS)
def test_constant_data_written_by_either_passes_both_validators(tmp_path, fill, shape):
    """The RMS comparison has an absolute term of STATS_ULPS float32 ulps of the data's magnitude, so
    an RMS of a constant fill of 0 (gemmi) or of float32 rounding (mrcfile: up to ~4 ulps) passes ours;
    our writer stores the float32 value, so mrcfile's validator passes our files too."""
    data = np.full(shape, fill, np.float32)
    ours = tmp_path / "ours.mrc"
    mrcschema.write(ours, data)
    theirs = tmp_path / "theirs.mrc"
    with mrcfile.new(theirs) as mrc:
        mrc.set_data(data)
    for path in (ours, theirs):
        assert summary(mrcschema.validate(path)) == [], path.name
    assert mrcfile_says(theirs)[0]
    with mrcfile.open(ours) as mrc, mrcfile.open(theirs) as peer:
        # a constant float32 fill: we store the RMS float32 arithmetic gives (mrcfile's, since its
        # validator's absolute tolerance is numpy.isclose's 1e-8), so both validators pass both files
        assert float(mrc.header.rms) == float(peer.header.rms) == float(mrc.data.std())
    assert mrcfile_says(ours)[0]


def test_rms_tolerance_scales_with_the_data_not_beyond(tmp_path):
    from mrcschema.validation.rules import STATS_ULPS, rms_close
    ulp = float(np.spacing(np.float32(12345.678)))
    assert rms_close(0.0, STATS_ULPS * ulp, 12345.678) and not rms_close(0.0, (STATS_ULPS + 1) * ulp, 12345.678)
    assert rms_close(2.0, 2.0199, 1.0) and not rms_close(2.0, 2.03, 1.0)
    # a constant fill whose header claims a visibly wrong RMS is still an error
    data = np.full((3, 4, 5), 1.1, np.float32)
    path = stats_file(tmp_path, data, **dict(true_stats(data), rms=1e-3))
    assert summary(mrcschema.validate(path)) == [(E, "MRC2014-STATS", "rms", 216)]


def test_modes_7_and_8_are_one_mode_error_and_their_data_is_checked(tmp_path):
    """32-bit integers (Priism/DeltaVision, mrcz): MRC2014 does not define the modes, so one error;
    the data block is still located (4 bytes a voxel) and its statistics compared."""
    for mode, dtype in ((7, "<i4"), (8, "<u4"), (7, ">i4")):
        values = (np.arange(2 * 3 * 4).reshape(2, 3, 4) * 1000 + 7).astype(dtype)
        order = ">" if dtype[0] == ">" else "<"
        header = stack_header(mode=mode, **true_stats(values), **({"machst": b"\x11\x11\0\0"} if order == ">" else {}))
        good = write_file(tmp_path / f"m{mode}{order}.mrc", header, values.tobytes(), byteorder=order)
        report = mrcschema.validate(good)
        assert summary(report) == [(E, "MRC2014-MODE", "mode", 12)], (mode, dtype)
        assert report.errors[0].message.startswith(f"MODE is {mode} (")
        bad = write_file(tmp_path / "bad.mrc", attrs.evolve(header, dmax=header.dmax + 1000), values.tobytes(), byteorder=order)
        assert summary(mrcschema.validate(bad)) == [(E, "MRC2014-MODE", "mode", 12), (E, "MRC2014-STATS", "dmax", 80)]
        short = write_file(tmp_path / "short.mrc", header, values.tobytes()[:-4], byteorder=order)
        assert [f.rule for f in mrcschema.validate(short)] == ["MRC2014-MODE", "MRC2014-FILE-SIZE", "MRC2014-STATS-SKIPPED"]


def test_mrcz_files_report_the_sampling_once_per_axis(tmp_path):
    mrcz = pytest.importorskip("mrcz")
    path = tmp_path / "z.mrc"
    mrcz.writeMRC(np.arange(60, dtype=np.float32).reshape(3, 4, 5), str(path), pixelsize=[1.5, 1.5, 1.5])
    report = mrcschema.validate(path)
    sampling = [f for f in report if f.rule == "MRC2014-SAMPLING"]
    assert [(f.field, f.offset) for f in sampling] == [("mx", 28), ("my", 32), ("mz", 36)]
    assert "MX is 0 with CELLA.X 7.5: the voxel size CELLA / MX is undefined" in sampling[0].message
    assert "MRC2014-IMAGE-MZ" not in report.rules  # MZ 0 is the sampling error, not also "MZ is not 1"


def test_an_empty_mrcfile_new_is_one_finding_per_zero_field(tmp_path):
    path = tmp_path / "empty.mrc"
    with mrcfile.new(path):
        pass  # NX = NY = NZ = MX = MY = MZ = 0: what mrcfile writes before data is set
    report = mrcschema.validate(path)
    assert summary(report) == [(E, "MRC2014-DIMENSIONS", name, offset) for name, offset in (("nx", 0), ("ny", 4), ("nz", 8))] + \
        [(E, "MRC2014-SAMPLING", name, offset) for name, offset in (("mx", 28), ("my", 32), ("mz", 36))]
    assert report.errors[0].message.startswith("NX is 0: an empty data block")
    # statistics claimed over an empty block: nothing to compare, no cascade
    claimed = craft(tmp_path, "claimed.mrc", nz=0, rms=0.0, dmin=-1.0, dmax=1.0)
    assert summary(mrcschema.validate(claimed)) == [(E, "MRC2014-DIMENSIONS", "nz", 8)]
    # data after an empty block is a file-size error, as in mrcfile ('File is larger than expected')
    longer = craft(tmp_path, "longer.mrc", nx=0, data=b"\0" * 16)
    assert summary(mrcschema.validate(longer)) == [(E, "MRC2014-DIMENSIONS", "nx", 0), (E, "MRC2014-FILE-SIZE", "file", None)]


def test_complex_statistics_of_the_amplitudes_are_imods_convention(tmp_path):
    data = sample_data("<c8", (2, 3, 4))
    amplitude = np.abs(data.astype(np.complex128))
    rms = float(np.float32(data.astype(np.complex128).std()))
    imod = dict(dmin=float(np.float32(amplitude.min())), dmax=float(np.float32(amplitude.max())),
                dmean=float(amplitude.mean()), rms=rms)
    path = stats_file(tmp_path, data, **imod)
    assert summary(mrcschema.validate(path)) == [(W, "MRC2014-STATS-COMPLEX", "dmin, dmax, dmean", 76)]
    assert not mrcfile_says(path)[0]
    real_part = stats_file(tmp_path, data, "real.mrc", **dict(imod, dmin=float(data.real.min()), dmax=float(data.real.max())))
    assert summary(mrcschema.validate(real_part)) == [(E, "MRC2014-STATS", "dmin", 76), (E, "MRC2014-STATS", "dmax", 80)]
    undetermined = stats_file(tmp_path, data, "unset.mrc", **dict(UNSET, rms=rms))
    assert summary(mrcschema.validate(undetermined)) == []


def test_large_files_skip_the_data_pass_unless_full_data(tmp_path, monkeypatch):
    data = sample_data("f4", (3, 4, 5))
    path = stats_file(tmp_path, data, **dict(true_stats(data), dmax=99.0))
    monkeypatch.setattr(VALIDATION_CONTEXT, "STATS_SIZE_LIMIT", 100)
    report = mrcschema.validate(path)
    assert summary(report) == [(I, "MRC2014-STATS-SKIPPED", "data", 1024)]
    assert report.ok and "over the 100-byte limit" in report.infos[0].message
    assert summary(mrcschema.validate(path, full_data=True)) == [(E, "MRC2014-STATS", "dmax", 80)]
    # statistics marked undetermined need no data pass at all, so nothing is skipped
    unset = stats_file(tmp_path, data, "unset.mrc", **UNSET)
    assert summary(mrcschema.validate(unset)) == []


# -- Direct Electron ----------------------------------------------------------------------------------------
def de_copy(tmp_path, stem, edit=None, coordinates_edit=None):
    for src in (CORPUS / "rsciio").glob(f"{stem}_*"):
        shutil.copy(src, tmp_path / src.name)
    info = tmp_path / f"{stem}_info.txt"
    if edit:
        info.write_text(edit(info.read_text()))
    if coordinates_edit:
        coords = tmp_path / f"{stem}_scan_coordinates.csv"
        coords.write_text(coordinates_edit(coords.read_text()))
    return tmp_path / f"{stem}_movie.mrc"


CELLA_DE = [(E, "MRC2014-CELLA", "cella.x", 40), (E, "MRC2014-CELLA", "cella.y", 44)]


def set_key(key, value):
    def edit(text):
        lines = [line if not line.startswith(key + " ") else f"{key.ljust(64)}= {value}"
                 for line in text.splitlines()]
        assert lines != text.splitlines(), key
        return "\n".join(lines) + "\n"
    return edit


def test_de_movie_checked_against_its_info_file(tmp_path):
    movie = de_copy(tmp_path, "20241021_00405")
    report = mrcschema.validate(movie)
    assert summary(report) == CELLA_DE + [(W, "DE-ISPG", "ispg", 88)]
    assert summary(mrcschema.validate(movie, info_file=False)) == CELLA_DE
    # the CELLA error names DE-Server's convention, so a DE user is not told only "INVALID"
    assert report.errors[0].message.startswith(
        "CELLA.X is -80: DE-Server's convention for 'pixel size unknown' (a negative cell, -10 Å x the size, "
        "here NX 8)")


def test_negative_cella_names_de_servers_convention_only_where_it_applies(tmp_path):
    plain = mrcschema.validate(craft(tmp_path, cella=dict(y=-25.0)))
    assert plain.errors[0].message.startswith("CELLA.Y is -25; expected")
    pattern = mrcschema.validate(craft(tmp_path, "pattern.mrc", cella=dict(x=-40.0)))  # -10 Å x NX 4
    assert "DE-Server's convention" in pattern.errors[0].message
    de = synthetic_de(tmp_path, RASTER_2X2 + ["Scan - Repeats = 1"], nz=4)
    with open(de, "r+b") as f:  # a DE file with a negative cell that is not -10 x N
        f.seek(40)
        f.write(np.array([-7.0], "<f4").tobytes())
    report = mrcschema.validate(de)
    assert report.errors[0].rule == "MRC2014-CELLA" and "DE-Server's convention" in report.errors[0].message


def test_de_frames_disagreeing_with_the_scan(tmp_path):
    movie = de_copy(tmp_path, "20241021_00405", set_key("Scan - Size X", 7))
    report = mrcschema.validate(movie)
    assert summary(report) == CELLA_DE + [(E, "DE-FRAMES", "nz", 8), (W, "DE-ISPG", "ispg", 88)]
    assert report.errors[-1].message.startswith("NZ is 32 but the info file implies 28 frames (raster scan 7 x 4 x 1")


def test_de_frame_size_disagreeing_with_the_info_file(tmp_path):
    movie = de_copy(tmp_path, "20241021_00405", set_key("Image Size X (pixels)", 9))
    assert summary(mrcschema.validate(movie)) == CELLA_DE + [(E, "DE-FRAME-SIZE", "nx, ny", 0),
                                                             (W, "DE-ISPG", "ispg", 88)]


def test_de_custom_scan_frames_come_from_the_coordinates_file(tmp_path):
    movie = de_copy(tmp_path, "Custom")
    assert summary(mrcschema.validate(movie)) == [(E, "MRC2014-CELLA", "cella.x", 40),
                                                  (E, "MRC2014-CELLA", "cella.y", 44), (W, "DE-ISPG", "ispg", 88)]
    movie = de_copy(tmp_path, "Custom", coordinates_edit=lambda text: "\n".join(text.splitlines()[:-1]) + "\n")
    report = mrcschema.validate(movie)
    assert report.rules[-2:] == ["DE-FRAMES", "DE-ISPG"]
    assert "implies 29 frames (XY File scan, 29 rows in Custom_scan_coordinates.csv)" in report.errors[-1].message


def test_de_info_file_given_explicitly_or_unreadable(tmp_path):
    movie = de_copy(tmp_path, "20241021_00405")
    renamed = tmp_path / "renamed.mrc"
    shutil.copy(movie, renamed)
    assert summary(mrcschema.validate(renamed)) == CELLA_DE  # no *_movie.mrc name: nothing to discover
    assert summary(mrcschema.validate(renamed, info_file=tmp_path / "20241021_00405_info.txt")) == \
        CELLA_DE + [(W, "DE-ISPG", "ispg", 88)]
    assert summary(mrcschema.validate(renamed, info_file=tmp_path / "nowhere_info.txt")) == \
        CELLA_DE + [(W, "DE-INFO", "info file", None)]
    broken = de_copy(tmp_path, "20241021_00405", lambda text: text + "a line without an equals sign\n")
    report = mrcschema.validate(broken)
    assert summary(report) == CELLA_DE + [(W, "DE-INFO", "info file", None), (W, "DE-ISPG", "ispg", 88)]
    assert "1 malformed lines" in report.warnings[0].message


def synthetic_de(tmp_path, info_lines, nz, name="20250101_00001"):
    """A DE-style movie of ``nz`` 3 x 3 frames (otherwise conforming) and its info file."""
    movie = craft(tmp_path, f"{name}_movie.mrc", nx=3, ny=3, nz=nz)
    (tmp_path / f"{name}_info.txt").write_text("\n".join(info_lines) + "\n")
    return movie


RASTER_2X2 = ["Scan - Enable = Enable", "Scan - Type = Raster", "Scan - Size X = 2", "Scan - Size Y = 2",
              "Image Size X (pixels) = 3", "Image Size Y (pixels) = 3"]


@pytest.mark.parametrize("repeats_line,said", [
    ("Scan - Repeats = 1", "says Scan - Repeats = 1"), (None, "gives no Scan - Repeats (1 assumed)")])
def test_de_whole_scans_other_than_the_repeats_are_read_as_repeats(tmp_path, repeats_line, said):
    """NZ 8 with a 2 x 2 raster scan is 2 repeats: a warning naming them (the HyperSpy reader
    loads the same file as 2 repeats, with the same message), not a DE-FRAMES error."""
    movie = synthetic_de(tmp_path, RASTER_2X2 + ([repeats_line] if repeats_line else []), nz=8)
    report = mrcschema.validate(movie)
    assert summary(report) == [(W, "DE-REPEATS", "nz", 8)] and report.ok
    assert report.warnings[0].message.startswith(
        f"NZ is 8, 2 repeats of the 2 x 2 raster scan, but the info file {said}: 4 frames; "
        "the frames are read as 2 repeats")


def test_de_frames_a_whole_number_of_scans_or_an_error(tmp_path):
    agreeing = synthetic_de(tmp_path, RASTER_2X2 + ["Scan - Repeats = 2"], nz=8)
    assert summary(mrcschema.validate(agreeing)) == []
    partial = synthetic_de(tmp_path, RASTER_2X2 + ["Scan - Repeats = 1"], nz=6, name="20250101_00002")
    report = mrcschema.validate(partial)
    assert summary(report) == [(E, "DE-FRAMES", "nz", 8)]
    assert report.errors[0].message.startswith(
        "NZ is 6 but the info file implies 4 frames (raster scan 2 x 2 x 1 repeats)")
    # a movie split over autosave files: one file's frames are not known, so not checked
    split = synthetic_de(tmp_path, RASTER_2X2 + ["Scan - Repeats = 2", "Autosave Maximum Images Per File = 3"],
                         nz=3, name="20250101_00003")
    assert summary(mrcschema.validate(split)) == []


# -- API ------------------------------------------------------------------------------------------------------
def test_label_findings_name_the_label_and_the_byte(tmp_path):
    report = mrcschema.validate(craft(tmp_path, nlabl=2, label=labels(b"one", b"two\0three")))
    (finding,) = report.findings
    assert (finding.field, finding.offset) == ("label[1]", 304)
    assert finding.message.startswith("LABEL[1] holds a NUL at offset 307 (its byte 3) before the end of its text")
    report = mrcschema.validate(craft(tmp_path, "c.mrc", nlabl=1, label=labels(b"\x01\x02 bell")))
    assert report.findings[0].message.startswith(
        "LABEL[0] holds byte 0x01, not printable ASCII, at offset 224 (its byte 0; 2 such bytes)")


def test_report_api(tmp_path):
    path = craft(tmp_path, nversion=0, map=b"XYZW")
    report = mrcschema.validate(path)
    assert isinstance(report, mrcschema.Report) and not report.ok
    assert [f.rule for f in report] == report.rules == ["MRC2014-MAP", "MRC2014-NVERSION-PRE2014"]
    assert all(isinstance(f, mrcschema.Finding) for f in report.findings)
    assert str(report).splitlines() == [
        f"{path}: INVALID",
        ("  error MRC2014-MAP map@208: MAP is 'XYZW'; expected 'MAP ' identifying the file type "
         "('MAP\\0' is MRC2014-MAP-PADDING)"),
        ("  warning MRC2014-NVERSION-PRE2014 nversion@108: NVERSION is 0; expected 20140 or 20141, not 0 "
         "(0: a file older than MRC2014, as EMDB's pre-2014 maps)"),
    ]
    as_dict = json.loads(json.dumps(report.to_dict()))
    assert as_dict == {
        "path": str(path), "ok": False, "errors": 1, "warnings": 1, "infos": 0,
        "findings": [
            {"severity": "error", "rule": "MRC2014-MAP", "field": "map", "offset": 208,
             "message": report.findings[0].message, "spec": "CCP-EM MRC2014, word 53 (MAP)"},
            {"severity": "warning", "rule": "MRC2014-NVERSION-PRE2014", "field": "nversion", "offset": 108,
             "message": report.findings[1].message,
             "spec": "CCP-EM MRC2014, note 9 (NVERSION); IMOD mrc_format.txt ('otherwise 0')"},
        ],
    }


def test_an_open_file_is_validated_as_it_is_read(tmp_path):
    path = craft(tmp_path, nversion=0, mz=2)
    with mrcschema.open(path) as f:
        assert summary(mrcschema.validate(f)) == summary(mrcschema.validate(path))
    values = np.arange(30, dtype=np.uint8).reshape(2, 3, 5) % 16
    m101 = write_file(tmp_path / "m101.mrc", stack_header(nx=5, mx=5, mode=101, **true_stats(values)),
                      pack_4bit(values).tobytes())
    with mrcschema.open(m101) as f:
        assert summary(mrcschema.validate(f)) == []
    gz = CORPUS / "mrcfile" / "emd_3001.map.gz"
    with mrcschema.open(gz) as f:
        assert summary(mrcschema.validate(f)) == summary(mrcschema.validate(gz))


def test_never_raises_on_random_headers(tmp_path):
    """Random words in a valid header, random tails: always a Report, never an exception."""
    rng = np.random.default_rng(20240611)
    good = bytearray(MRC2014_HEADER.build(stack_header(rms=0.0)))
    path = tmp_path / "fuzz.mrc"
    for trial in range(300):
        raw = bytearray(good)
        for _ in range(int(rng.integers(1, 8))):
            word = int(rng.integers(0, 56))
            raw[4 * word:4 * word + 4] = rng.integers(0, 256, 4, dtype=np.uint8).tobytes()
        if trial % 3 == 0:  # interesting values rather than noise
            word = int(rng.integers(0, 56))
            raw[4 * word:4 * word + 4] = np.array([rng.choice([0, -1, 1, 2, 3, 401, 20140, 1 << 30])],
                                                  "<i4").tobytes()
        tail = rng.integers(0, 256, int(rng.integers(0, 300)), dtype=np.uint8).tobytes()
        path.write_bytes(bytes(raw) + tail)
        report = mrcschema.validate(path)
        assert isinstance(report, mrcschema.Report)
        for finding in report:
            assert finding.severity in SEVERITIES and finding.rule in RULES_BY_ID


#: what rules read besides main-header fields, and the offsets such a rule may give
NOT_HEADER_FIELDS = {"file": {0, None}, "data": {None}, "extended header": {1024}, "info file": {None},
                     "metadata_size": {1024}, "metadata_version": {1028}}  # FEI record: offsets 0 and 4


# -- the rule table ---------------------------------------------------------------------------------------------
def test_rule_table_is_complete_and_consistent():
    assert len(RULES) == len(RULES_BY_ID) >= 30
    for rule in RULES:
        assert rule.severity in SEVERITIES and rule.spec and rule.expected, rule.id
        first = rule.field.split(",")[0].strip()
        if first in FIELD_OFFSETS:
            assert rule.offset == FIELD_OFFSETS[first], rule.id
        else:
            assert first in NOT_HEADER_FIELDS, f"{rule.id}: unknown field {first!r}"
            assert rule.offset in NOT_HEADER_FIELDS[first], rule.id
    assert FIELD_OFFSETS["map"] == 208 and FIELD_OFFSETS["label[9]"] == 944 and FIELD_OFFSETS["nint"] == 128
    wanted = {"MRC2014-MAP", "MRC2014-MACHST", "MRC2014-MODE", "MRC2014-DIMENSIONS", "MRC2014-SAMPLING",
              "MRC2014-CELLA", "MRC2014-AXES", "MRC2014-ISPG", "MRC2014-VOLUME-STACK", "MRC2014-NVERSION",
              "MRC2014-NLABL", "MRC2014-LABEL-TEXT", "MRC2014-EXTTYP", "MRC2014-FILE-SIZE", "MRC2014-STATS",
              "FEI-METADATA-SIZE", "FEI-RECORDS", "SERI-FLAGS", "SERI-RECORDS", "DE-FRAMES", "MRC-STRUCTURE"}
    assert wanted <= set(RULES_BY_ID)


def test_each_rule_is_a_function_of_its_subject_module_and_runs_in_its_order():
    """A rule is a plain function registered in one subject module; the table is the subjects' rules
    in the order of rules/__init__.py, the final structure rule first."""
    import inspect

    subjects = ["structure", "identity", "geometry", "exttyp", "labels", "data", "extended", "de"]
    modules = [rule.check.__module__.rsplit(".", 1)[-1] for rule in RULES]
    assert all(inspect.isfunction(rule.check) for rule in RULES)
    assert sorted(set(modules), key=subjects.index) == subjects and modules == sorted(modules, key=subjects.index)
    assert RULES[1].id == "MRC-STRUCTURE" and [rule.id for rule in RULES if rule.final] == ["MRC-STRUCTURE"]
    assert RULES_BY_ID["MRC2014-MAP-PADDING"].when.text == "map 'MAP' and 1 NUL byte"
    with pytest.raises(ValueError, match="severity"):
        from mrcschema.validation.rules.rule import RuleList

        RuleList().rule("X-Y", "fatal", "map", expected="", spec="")

def test_validation_rules_doc_is_generated_from_the_rules():
    spec = importlib.util.spec_from_file_location("generate_rules", REPO / "docs" / "generate_rules.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert (REPO / "docs" / "validation_rules.md").read_text() == generator.render(), \
        "run: python docs/generate_rules.py"


# -- command line -----------------------------------------------------------------------------------------------
def test_cli_exit_codes_and_text(tmp_path, capsys):
    good, bad = craft(tmp_path, "good.mrc"), craft(tmp_path, "bad.mrc", mx=0)
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out == f"{good}: OK\n"
    assert main(["validate", str(good), str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [f"{good}: OK", f"{bad}: INVALID (1 error, 1 info)"]
    assert lines[2].startswith("  error MRC2014-SAMPLING mx@28: MX is 0 with CELLA.X 4: ")
    assert " ".join(l.strip() for l in lines[2:]) == (
        "error MRC2014-SAMPLING mx@28: MX is 0 with CELLA.X 4: the voxel size CELLA / MX is undefined (mrcz writes "
        "0 in every file; its readers take CELLA / N) expected MX, MY, MZ > 0 (the voxel size is CELLA / M) "
        "info PHYSICAL-FALLBACK cella@40: physical model: MX is 0: the voxel size along X is CELLA / NX "
        "expected voxel sizes the physical model takes from the header as it stands (CELLA / M along each axis)")
    assert max(len(l) for l in lines) <= 100
    assert main(["validate", str(good), str(tmp_path / "missing.mrc"), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == f"{good}: OK" and f"{bad}: INVALID (1 error, 1 info)" in captured.out
    assert captured.err.splitlines()[0] == f"mrcschema validate: {tmp_path / 'missing.mrc'}: No such file or directory"
    assert captured.err.splitlines()[1].startswith("mrcschema validate: 3 files: 1 valid, 1 invalid, 1 unreadable; ")
    assert main(["validate", str(tmp_path)]) == 2
    not_mrc = tmp_path / "notes.txt"
    not_mrc.write_text("not an MRC file")
    capsys.readouterr()
    assert main(["validate", str(not_mrc)]) == 1
    assert capsys.readouterr().out == (f"{not_mrc}: INVALID: not an MRC file: 15 bytes long, shorter than the 1024-byte "
                                       "MRC header\n")


def test_cli_json_and_full_data(tmp_path, capsys, monkeypatch):
    data = sample_data("f4", (3, 4, 5))
    path = stats_file(tmp_path, data, **dict(true_stats(data), dmax=99.0))
    monkeypatch.setattr(VALIDATION_CONTEXT, "STATS_SIZE_LIMIT", 100)
    assert main(["validate", "--json", str(path), str(tmp_path / "missing.mrc")]) == 2
    reports = json.loads(capsys.readouterr().out)
    assert [r["readable"] for r in reports] == [True, False]
    assert reports[0]["ok"] and [f["rule"] for f in reports[0]["findings"]] == ["MRC2014-STATS-SKIPPED"]
    assert reports[1]["ok"] is False and "No such file" in reports[1]["error"]
    assert main(["validate", "--json", "--full-data", str(path)]) == 1
    (report,) = json.loads(capsys.readouterr().out)
    assert report["findings"][0]["rule"] == "MRC2014-STATS" and report["findings"][0]["field"] == "dmax"


def test_cli_in_a_subprocess_never_prints_a_traceback(tmp_path):
    tiny = tmp_path / "tiny.mrc"
    tiny.write_bytes(b"MAP " * 10)
    for args, code in (([str(tiny)], 1), ([str(tmp_path / "missing.mrc")], 2), ([str(tmp_path)], 2)):
        result = subprocess.run([sys.executable, "-m", "mrcschema", "validate", *args],
                                capture_output=True, text=True)
        assert result.returncode == code and "Traceback" not in result.stderr + result.stdout
