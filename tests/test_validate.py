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

import mrcschema
import mrcschema.format.statistics as stats_module
from mrcschema.format.statistics import StatsAccumulator
from mrcschema.cli.main import main
from mrcschema.format.modes import pack_4bit
from mrcschema.format.mrc2014 import FIELD_OFFSETS, MRC2014_HEADER
from mrcschema.validation.rules import RULES, RULES_BY_ID, SEVERITIES

from conftest import CORPUS, REPO, file_digest, sample_data
from crafting import valid_header, write_file

import mrcschema.validation.context as VALIDATION_CONTEXT

#: MRC2014 note 5: every statistic marked "not determined"
UNSET = dict(dmin=0.0, dmax=-1.0, dmean=-2.0, rms=-1.0)


def base_header(**changes):
    """A conforming 4 x 3 x 2 float32 image stack (MZ 1), statistics unset, then ``changes``."""
    cella = changes.pop("cella", None)
    header = attrs.evolve(valid_header(), mz=1, **UNSET)
    header = attrs.evolve(header, **changes)
    if cella:
        header = attrs.evolve(header, cella=attrs.evolve(header.cella, **cella))
    return header


def labels(*texts):
    return tuple(t.ljust(80, b" ") if t else b"\0" * 80 for t in texts) + (b"\0" * 80,) * (10 - len(texts))


def data_size(h):
    per = {0: 1, 1: 2, 2: 4, 3: 4, 4: 8, 6: 2, 12: 2, 16: 3}
    if h.mode == 101:
        return h.nz * h.ny * ((h.nx + 1) // 2)
    return h.nx * h.ny * h.nz * per.get(h.mode, 4)


def craft(tmp_path, name="x.mrc", *, data=None, extended=b"", extra=0, byteorder="<", **changes):
    header = base_header(**changes)
    if data is None:
        data = b"\0" * max(0, data_size(header) + extra) if header.nx > 0 and header.ny > 0 and header.nz > 0 \
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

HEADER_CASES = {
    "conforming": ({}, []),
    "map_wrong": (dict(map=b"XYZW"), [(E, "MRC2014-MAP", "map", 208)]),
    "map_nul_motioncor2": (dict(map=b"MAP\0"), [(W, "MRC2014-MAP-PADDING", "map", 208)]),
    "machst_serialem": (dict(machst=b"D\0\0\0"), [(W, "MRC2014-MACHST", "machst", 212)]),
    "machst_zero": (dict(machst=b"\0\0\0\0"), [(W, "MRC2014-MACHST", "machst", 212)]),
    "machst_zero_and_mode_unknown": (dict(machst=b"\0\0\0\0", mode=7),
                                     [(E, "MRC2014-BYTEORDER", "machst", 212), (E, "MRC2014-MODE", "mode", 12)]),
    "mode_unknown": (dict(mode=7), [(E, "MRC2014-MODE", "mode", 12)]),
    "mode_16_rgb": (dict(mode=16), [(W, "IMOD-MODE-16", "mode", 12)]),
    "mode_3_complex_int": (dict(mode=3), []),
    "mode_101_4bit": (dict(mode=101), []),
    "nx_zero": (dict(nx=0, mx=4), [(E, "MRC2014-DIMENSIONS", "nx", 0)]),
    "nx_negative": (dict(nx=-3, mx=4), [(E, "MRC2014-DIMENSIONS", "nx", 0)]),
    "nz_negative": (dict(nz=-2), [(E, "MRC2014-DIMENSIONS", "nz", 8)]),
    "mx_zero": (dict(mx=0), [(E, "MRC2014-SAMPLING", "mx", 28)]),
    "my_negative": (dict(my=-1), [(E, "MRC2014-SAMPLING", "my", 32)]),
    "cella_negative_as_de": (dict(cella=dict(y=-30.0)), [(E, "MRC2014-CELLA", "cella.y", 44)]),
    "cella_nan": (dict(cella=dict(z=float("nan"))), [(E, "MRC2014-CELLA", "cella.z", 48)]),
    "axes_not_a_permutation": (dict(mapc=1, mapr=1, maps=3), [(E, "MRC2014-AXES", "mapc, mapr, maps", 64)]),
    "axes_permuted_in_an_image_stack": (dict(mapc=2, mapr=1, maps=3),
                                        [(W, "MRC2014-AXES-IMAGE", "mapc, mapr, maps", 64)]),
    "axes_permuted_in_a_crystal_map": (dict(ispg=4, mz=2, mapc=3, mapr=1, maps=2), []),
    "ispg_out_of_range": (dict(ispg=300), [(E, "MRC2014-ISPG", "ispg", 88)]),
    "ispg_negative": (dict(ispg=-1), [(E, "MRC2014-ISPG", "ispg", 88)]),
    "ispg_volume": (dict(ispg=1, mz=2), []),
    "volume_stack_indivisible": (dict(ispg=401, nz=3, mz=2), [(E, "MRC2014-VOLUME-STACK", "nz, mz", 8)]),
    "volume_stack_mz_zero": (dict(ispg=401, mz=0), [(E, "MRC2014-SAMPLING", "mz", 36),
                                                     (E, "MRC2014-VOLUME-STACK", "nz, mz", 8)]),
    "volume_stack": (dict(ispg=401, nz=4, mz=2), []),
    "image_stack_mz_not_1": (dict(mz=2), [(W, "MRC2014-IMAGE-MZ", "mz", 36)]),
    "nsymbt_negative": (dict(nsymbt=-8), [(E, "MRC2014-NSYMBT", "nsymbt", 92)]),
    "exttyp_not_ascii": (dict(exttyp=b"\xffAB\0"), [(E, "MRC2014-EXTTYP-TEXT", "exttyp", 104)]),
    "exttyp_unknown": (dict(exttyp=b"ABCD"), [(W, "MRC2014-EXTTYP", "exttyp", 104)]),
    "nversion_zero": (dict(nversion=0), [(W, "MRC2014-NVERSION", "nversion", 108)]),
    "nversion_20140": (dict(nversion=20140), []),
    "nlabl_without_labels": (dict(nlabl=1), [(E, "MRC2014-NLABL", "nlabl", 220)]),
    "nlabl_too_small": (dict(nlabl=1, label=labels(b"one", b"two")), [(E, "MRC2014-NLABL", "nlabl", 220)]),
    "label_after_blank": (dict(nlabl=2, label=labels(b"one", b"", b"three")),
                          [(E, "MRC2014-LABEL-ORDER", "label[1]", 304)]),
    "label_not_ascii": (dict(nlabl=2, label=labels(b"fine", "caf\u00e9".encode("utf-8"))),
                        [(W, "MRC2014-LABEL-TEXT", "label[1]", 304)]),
    "labels_space_padded": (dict(nlabl=2, label=labels(b"one", b"two")), []),
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
    assert summary(mrcschema.validate(craft(tmp_path, "long.mrc", extra=8))) == [(E, "MRC2014-FILE-SIZE", "file", None)]
    short = mrcschema.validate(craft(tmp_path, "short.mrc", extra=-8))
    assert summary(short) == [(E, "MRC2014-FILE-SIZE", "file", None)]
    assert short.errors[0].message.startswith(
        "file is 1112 bytes, 8 bytes shorter than the 1120 the header implies (1024 + NSYMBT 0 + data 96)")
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
    assert report.errors[0].message.startswith("file is 100 bytes long, shorter than the 1024-byte MRC header;")
    broken = tmp_path / "broken.mrc.gz"
    noise = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    compressed = gzip.compress(craft(tmp_path, nx=32, ny=32, nz=1, mx=32, my=32, data=noise).read_bytes())
    broken.write_bytes(compressed[:len(compressed) // 2])  # the header inflates, the data does not
    assert summary(mrcschema.validate(broken)) == [(E, "MRC-STRUCTURE", "file", 0)]


def test_missing_file_and_directory_raise_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        mrcschema.validate(tmp_path / "missing.mrc")
    with pytest.raises(IsADirectoryError):
        mrcschema.validate(tmp_path)


def test_compressed_files_are_validated_decompressed(tmp_path):
    plain = craft(tmp_path, nversion=0)
    for suffix, compress in ((".gz", gzip.compress), (".bz2", bz2.compress)):
        packed = tmp_path / f"x.mrc{suffix}"
        packed.write_bytes(compress(plain.read_bytes()))
        assert summary(mrcschema.validate(packed)) == [(W, "MRC2014-NVERSION", "nversion", 108)]
    packed = tmp_path / "long.mrc.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes() + b"\0" * 4))
    report = mrcschema.validate(packed)
    assert report.rules == ["MRC2014-NVERSION", "MRC2014-FILE-SIZE"]
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
    header = attrs.evolve(base_header(nx=nx, ny=ny, nz=nz, mx=nx, my=ny, mode=mode), **stats)
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
    ok = write_file(tmp_path / "m101.mrc", base_header(nx=5, mx=5, mode=101, **true_stats(values)), packed)
    assert summary(mrcschema.validate(ok)) == []
    bad = write_file(tmp_path / "m101b.mrc", base_header(nx=5, mx=5, mode=101, **dict(true_stats(values), dmax=99.0)),
                     packed)
    assert summary(mrcschema.validate(bad)) == [(E, "MRC2014-STATS", "dmax", 80)]
    rgb = np.random.default_rng(2).integers(0, 256, size=(2, 3, 4, 3), dtype=np.uint8)
    path = write_file(tmp_path / "m16.mrc", base_header(mode=16, **true_stats(rgb)), rgb.tobytes())
    assert summary(mrcschema.validate(path)) == [(W, "IMOD-MODE-16", "mode", 12)]
    pairs = np.random.default_rng(3).integers(-100, 100, size=(2, 3, 4, 2)).astype("<i2")
    rms = float(np.float32((pairs[..., 0] + 1j * pairs[..., 1]).std()))
    path = write_file(tmp_path / "m3.mrc", base_header(mode=3, rms=rms), pairs.tobytes())
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


def test_nan_in_the_data_makes_the_statistics_wrong_as_in_mrcfile(tmp_path, monkeypatch):
    data = sample_data("f4", (2, 4, 5))
    stats = true_stats(data)
    data[1, 2, 3] = np.nan
    monkeypatch.setattr(VALIDATION_CONTEXT, "CHUNK_BYTES", 40)  # the NaN sits in a later slab
    path = stats_file(tmp_path, data, **stats)
    assert [f.field for f in mrcschema.validate(path)] == ["rms", "dmin", "dmax", "dmean"]
    assert not mrcfile.validate(path, print_file=io.StringIO())


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
    assert summary(mrcschema.validate(movie)) == CELLA_DE + [(W, "DE-ISPG", "ispg", 88)]
    assert summary(mrcschema.validate(movie, info_file=False)) == CELLA_DE


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
def test_report_api(tmp_path):
    path = craft(tmp_path, nversion=0, map=b"XYZW")
    report = mrcschema.validate(path)
    assert isinstance(report, mrcschema.Report) and not report.ok
    assert [f.rule for f in report] == report.rules == ["MRC2014-MAP", "MRC2014-NVERSION"]
    assert all(isinstance(f, mrcschema.Finding) for f in report.findings)
    assert str(report).splitlines() == [
        f"{path}: INVALID",
        "  error MRC2014-MAP map@208: MAP is b'XYZW' (58 59 5A 57); expected 'MAP ' identifying the file type "
        "(at least its first three characters)",
        "  warning MRC2014-NVERSION nversion@108: NVERSION is 0; expected 20140 or 20141 (pre-2014 files have 0)",
    ]
    as_dict = json.loads(json.dumps(report.to_dict()))
    assert as_dict == {
        "path": str(path), "ok": False, "errors": 1, "warnings": 1, "infos": 0,
        "findings": [
            {"severity": "error", "rule": "MRC2014-MAP", "field": "map", "offset": 208,
             "message": report.findings[0].message, "spec": "CCP-EM MRC2014, word 53 (MAP)"},
            {"severity": "warning", "rule": "MRC2014-NVERSION", "field": "nversion", "offset": 108,
             "message": report.findings[1].message,
             "spec": "CCP-EM MRC2014, note 9 (NVERSION); CCP-EM MRC2014 update 20141"},
        ],
    }


def test_an_open_file_is_validated_as_it_is_read(tmp_path):
    path = craft(tmp_path, nversion=0, mz=2)
    with mrcschema.open(path) as f:
        assert summary(mrcschema.validate(f)) == summary(mrcschema.validate(path))
    values = np.arange(30, dtype=np.uint8).reshape(2, 3, 5) % 16
    m101 = write_file(tmp_path / "m101.mrc", base_header(nx=5, mx=5, mode=101, **true_stats(values)),
                      pack_4bit(values).tobytes())
    with mrcschema.open(m101) as f:
        assert summary(mrcschema.validate(f)) == []
    gz = CORPUS / "mrcfile" / "emd_3001.map.gz"
    with mrcschema.open(gz) as f:
        assert summary(mrcschema.validate(f)) == summary(mrcschema.validate(gz))


def test_never_raises_on_random_headers(tmp_path):
    """Random words in a valid header, random tails: always a Report, never an exception."""
    rng = np.random.default_rng(20240611)
    good = bytearray(MRC2014_HEADER.build(base_header(rms=0.0)))
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
    assert capsys.readouterr().out.splitlines() == [
        f"{good}: OK", f"{bad}: INVALID",
        "  error MRC2014-SAMPLING mx@28: MX is 0; expected MX, MY, MZ > 0 (the voxel size is CELLA / M)"]
    assert main(["validate", str(good), str(tmp_path / "missing.mrc"), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == f"{good}: OK" and f"{bad}: INVALID" in captured.out
    assert captured.err.startswith(f"mrcschema validate: {tmp_path / 'missing.mrc'}: ")
    assert main(["validate", str(tmp_path)]) == 2
    not_mrc = tmp_path / "notes.txt"
    not_mrc.write_text("not an MRC file")
    assert main(["validate", str(not_mrc)]) == 1
    assert "error MRC-STRUCTURE header@0: file is 15 bytes long" in capsys.readouterr().out


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
