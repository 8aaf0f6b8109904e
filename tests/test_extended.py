"""Extended headers: FEI1/FEI2 (against mrcfile), Velox padding, old FEI (against RosettaSciIO),
SerialEM, CCP4, and every corpus file."""

import re
import warnings

import attrs
import mrcfile
import mrcfile.dtypes
import numpy as np
import pytest
from conftest import CORPUS_MRC, corpus_id, varied_records
from crafting import valid_header, write_file
from spec_tables import spec_rows

import mrcschema
from mrcschema.cli.main import main as cli_main
from mrcschema.errors import MrcWarning
from mrcschema.format.fei import FEI1, FEI2, FEI_LEGACY
from mrcschema.reading.metadata import FEI_FIELD_BITS, acquisition


def snake(name):
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def random_fei_records(exttyp, count, seed=1):
    """``count`` FEI records in mrcfile's own dtype, every field filled with varied values."""
    dtype = mrcfile.dtypes.get_ext_header_dtype(exttyp, "<")
    records = varied_records(dtype, count, seed)
    records["Metadata size"] = dtype.itemsize
    records["Metadata version"] = 2 if exttyp == b"FEI2" else 0
    return records


@pytest.mark.parametrize("exttyp,layout", [(b"FEI1", FEI1), (b"FEI2", FEI2)])
def test_mrcfile_written_fei_records_equal_field_by_field(write_with_mrcfile, exttyp, layout):
    records = random_fei_records(exttyp, 4)
    path = write_with_mrcfile(np.zeros((4, 3, 5), np.float32), layout="stack",
                              exttyp=exttyp, extended_header=records)
    with mrcschema.open(path) as ours, mrcfile.open(path) as theirs:
        ext = ours.extended
        assert (ext.kind, ext.record_size, len(ext.records), ext.padding) == (exttyp.decode(), layout.size, 4, 0)
        peer = theirs.indexed_extended_header
        assert ours.extended_header.dtype.names == tuple(snake(n) for n in peer.dtype.names)
        for name in peer.dtype.names:
            mine = ours.extended_header[snake(name)]
            if mine.dtype.kind == "V":  # raw bytes here; mrcfile holds them as NUL-stripped text
                assert [m.tobytes() for m in mine] == [p.ljust(mine.dtype.itemsize, b"\0") for p in peer[name]]
            else:
                np.testing.assert_array_equal(mine, peer[name], err_msg=name)
        record = ext.record(2)
        assert isinstance(record, layout.record_class)
        assert record.ht == peer["HT"][2] and record.camera_name == peer["Camera name"][2].decode()


def fei2_velox_file(path, nz=3, pad_to=512):
    """A Velox-style file: NZ FEI2 records, NSYMBT padded to a multiple of 512 bytes."""
    rec = np.zeros(nz, FEI2.dtype("<"))
    rec["metadata_size"], rec["metadata_version"] = 888, 2
    rec["bitmask_1"] = (1 << 5) | (1 << 7) | (1 << 14) | (1 << 15)
    rec["ht"], rec["alpha_tilt"] = 200e3, np.linspace(-30.0, 30.0, nz)
    rec["pixel_size_x"] = rec["pixel_size_y"] = 1.25e-10
    raw = rec.tobytes()
    raw += b"\0" * (-len(raw) % pad_to)
    header = valid_header(nz=nz, nsymbt=len(raw), exttyp=b"FEI2")
    return write_file(path, header, b"\0" * (4 * 3 * nz * 4), extended=raw)


def test_velox_padded_fei2(tmp_path):
    path = fei2_velox_file(tmp_path / "velox.mrc")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with mrcschema.open(path) as f:
            ext = f.extended
            assert f.header.nsymbt == 3072
            assert (ext.kind, len(ext.records), ext.record_size, ext.capacity, ext.padding) == ("FEI2", 3, 888, 3, 408)
            assert list(f.extended_header["alpha_tilt"]) == [-30.0, 0.0, 30.0]
            acq = acquisition(f)
    assert acq.voltage == 200e3 and acq.pixel_size == (1.25e-10, 1.25e-10)
    assert list(acq.tilt_angles) == [-30.0, 0.0, 30.0]
    assert np.isnan(acq.defocus).all()  # bit 22 clear: not set, whatever the bytes say


def test_mrcfile_rejects_velox_padding_we_read_it(tmp_path):
    path = fei2_velox_file(tmp_path / "velox.mrc", nz=5)
    with mrcschema.open(path) as f:
        assert len(f.extended_header) == 5
    with mrcfile.open(path) as m:  # mrcfile reads NSYMBT // 888 records, ignoring padding
        assert len(m.indexed_extended_header) == 5


def test_unknown_fei_record_size_reads_common_prefix_with_warning(tmp_path):
    rec = np.zeros(2, dtype=[("head", FEI2.dtype("<")), ("more", "V24")])
    rec["head"]["metadata_size"], rec["head"]["metadata_version"] = 912, 3
    rec["head"]["ht"] = 300e3
    header = valid_header(nz=2, nsymbt=rec.nbytes, exttyp=b"FEI2")
    path = write_file(tmp_path / "x.mrc", header, b"\0" * 96, extended=rec.tobytes())
    with mrcschema.open(path) as f:
        with pytest.warns(MrcWarning) as caught:
            ext = f.extended
        assert [str(w.message) for w in caught] == list(ext.notes) == [
            "FEI2 extended header: metadata_size 912 matches neither FEI1 (768) nor FEI2 (888); "
            "reading the 888-byte FEI2 prefix of each record",
            "FEI2 extended header: metadata_version 3, expected 2",
        ]
        assert ext.record_size == 912 and list(ext.records["ht"]) == [300e3, 300e3]


def test_fewer_fei_records_than_sections_reads_whole_ones(tmp_path):
    rec = np.zeros(2, FEI1.dtype("<"))
    rec["metadata_size"] = 768
    header = valid_header(nz=4, ny=1, nx=1, nsymbt=rec.nbytes + 100, exttyp=b"FEI1")
    path = write_file(tmp_path / "x.mrc", header, b"\0" * 16, extended=rec.tobytes() + b"\0" * 100)
    with mrcschema.open(path) as f:
        with pytest.warns(MrcWarning, match="holds 2 records of 768 bytes, fewer than NZ = 4"):
            assert len(f.extended_header) == 2


def legacy_fei_file(path, nz=3):
    rec = np.zeros(1024, FEI_LEGACY.dtype("<"))
    rec["a_tilt"][:nz] = [-60.0, 0.0, 60.0][:nz]
    rec["x_stage"][:nz] = [1.5e-5, 2e-5, 3e-5][:nz]
    rec["exp_time"][:nz] = 0.5
    rec["pixel_size"][:nz] = 3.4e-10
    rec["magnification"][:nz] = 29000
    header = valid_header(nz=nz, nsymbt=rec.nbytes, machst=b"DA\0\0", nversion=0)
    return write_file(path, header, np.zeros((nz, 3, 4), "<f4").tobytes(), extended=rec.tobytes())


def test_old_fei_block_equals_rosettasciio_fei_header(tmp_path):
    from rsciio.mrc import file_reader

    path = legacy_fei_file(tmp_path / "tomo.mrc")
    peer = file_reader(str(path))[0]["original_metadata"]["fei_header"]
    with mrcschema.open(path) as f:
        ext = f.extended
        assert (ext.kind, len(ext.records), ext.capacity) == ("FEI_LEGACY", 3, 1024)
        for name in peer:
            np.testing.assert_array_equal(f.extended_header[name], peer[name][:3], err_msg=name)
        acq = acquisition(f)
    assert list(acq.tilt_angles) == [-60.0, 0.0, 60.0]
    assert acq.pixel_size == (np.float32(3.4e-10), np.float32(3.4e-10))
    assert acq.magnification == 29000 and acq.exposure_time == 0.5


def test_old_fei_block_of_8192_records(tmp_path):
    rec = np.zeros(8192, FEI_LEGACY.dtype("<"))
    rec["a_tilt"] = np.arange(8192) / 100
    header = valid_header(nx=1, ny=1, nz=1100, nsymbt=rec.nbytes)
    path = write_file(tmp_path / "big.mrc", header, b"\0" * 4400, extended=rec.tobytes())
    with mrcschema.open(path) as f:
        assert f.extended.kind == "FEI_LEGACY" and len(f.extended_header) == 1100
        assert f.extended_header["a_tilt"][1099] == np.float32(10.99)


def seri_file(path, tilts, order="<"):
    """A SerialEM file with tilt angles and magnifications (NINT 4 bytes, NREAL flags 1 | 8)."""
    items = np.zeros(len(tilts), dtype=[("tilt", order + "i2"), ("mag", order + "i2")])
    items["tilt"] = np.round(np.asarray(tilts) * 100)
    items["mag"] = 190  # x 100
    raw = items.tobytes() + b"\0" * (4 * 10)  # SerialEM preallocates
    imod_bytes = bytearray(100)
    imod_bytes[32:34] = (4).to_bytes(2, "little" if order == "<" else "big")
    imod_bytes[34:36] = (1 | 8).to_bytes(2, "little" if order == "<" else "big")
    header = valid_header(nz=len(tilts), nx=2, ny=2, nsymbt=len(raw), exttyp=b"SERI",
                          machst=b"DD\0\0" if order == "<" else b"\x11\x11\0\0",
                          extra1=bytes(imod_bytes[:8]), extra2=bytes(imod_bytes[16:]))
    return write_file(path, header, np.zeros((len(tilts), 2, 2), order + "f4").tobytes(), extended=raw,
                      byteorder=order)


@pytest.mark.parametrize("order", ["<", ">"])
def test_serialem_tilt_angles_as_imod_gives_them(tmp_path, order):
    tilts = [-60.0, -1.5, 0.0, 42.37]
    path = seri_file(tmp_path / "tilt.mrc", tilts, order)
    with mrcschema.open(path) as f:
        assert (f.imod.nint, f.imod.nreal) == (4, 9)
        assert f.extended.kind == "SERI" and f.extended.record_size == 4
        assert f.extended_header.dtype.names == ("tilt_angle", "magnification")
        acq = acquisition(f)
    np.testing.assert_array_equal(acq.tilt_angles, np.array([-6000, -150, 0, 4237]) * 0.01)
    assert acq.magnification == 19000.0


def test_ccp4_symmetry_lines_of_emd_3001():
    path = next(p for p in CORPUS_MRC if p.name == "EMD-3001.map")
    with mrcschema.open(path) as f:
        assert f.extended.kind == "CCP4"
        assert f.extended.text == ("X,  Y,  Z", "-X,  Y+1/2,  -Z")
        assert f.extended_header_bytes == path.read_bytes()[1024:1184]
        assert f.extended_header.dtype == np.uint8 and f.extended_header.tobytes() == f.extended_header_bytes


@pytest.mark.parametrize("exttyp,kind", [(b"MRCO", "MRCO"), (b"HDF5", "HDF5"), (b"XYZW", "unknown")])
def test_opaque_kinds_keep_raw_bytes(tmp_path, exttyp, kind):
    raw = bytes(range(7, 71))
    path = write_file(tmp_path / "x.mrc", valid_header(nsymbt=64, exttyp=exttyp), b"\0" * 96, extended=raw)
    with mrcschema.open(path) as f:
        assert (f.extended.kind, f.extended.exttyp) == (kind, exttyp.decode())
        assert f.extended_header_bytes == raw
        assert f.extended_header.dtype == np.uint8 and f.extended_header.tobytes() == raw


CORPUS_EXTENDED = {
    "EMD-3001.map": ("CCP4", 0), "emd_3001.map.gz": ("CCP4", 0),
    "fei-extended.mrc": ("FEI1", 1), "epu2.9_example.mrc": ("FEI2", 1), "HAADFscan.mrc": ("FEI2", 1),
}


@pytest.mark.parametrize("path", CORPUS_MRC, ids=corpus_id)
def test_every_corpus_extended_header_parses(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with mrcschema.open(path) as f:
            ext = f.extended
            kind, records = CORPUS_EXTENDED.get(path.name, ("none", 0))
            assert ext.kind == kind
            assert (0 if ext.records is None else len(ext.records)) == records


@pytest.mark.parametrize("name,expected", [
    ("fei-extended.mrc", dict(voltage=300000.0, camera_name="EF-CCD", microscope="TITAN52336320",
                              application="Fei EPU 1.2.0.16", instrument_mode="TEM", exposure_time=10.0)),
    ("epu2.9_example.mrc", dict(voltage=300000.0, camera_name="BM-Falcon", microscope="TITAN52337720",
                                application="EPU 2.9.0.1519", instrument_mode="TEM", magnification=120000.0)),
    ("HAADFscan.mrc", dict(voltage=300000.0, camera_name="BM-Ceta", microscope="Spectra", detector_name="HAADF",
                           application="Velox 3.7.0.872-b0a7ba", instrument_mode="STEM", camera_length=0.0911,
                           dwell_time=0.01, magnification=None)),
])
def test_corpus_acquisition_values(name, expected):
    path = next(p for p in CORPUS_MRC if p.name == name)
    with mrcschema.open(path) as f:
        acq = acquisition(f)
        assert {k: getattr(acq, k) for k in expected} == expected
        assert acq.pixel_size[0] == f.extended_header["pixel_size_x"][0]
        # the header's CELLA agrees with the FEI pixel size (m -> Å)
        assert np.isclose(acq.pixel_size[0] * 1e10, f.voxel_size.x, rtol=1e-6)


def test_fei_bits_follow_the_spec_table():
    rows = {r["name"]: r["bitmask"] for r in spec_rows("fei2.csv") if r["bitmask"]}
    derived = {name: f"{mask}#{bit}" for name, (mask, bit) in FEI_FIELD_BITS.items()}
    derived["unused_range"] = "bitmask_1#16-21"
    assert derived == rows


def test_dump_shows_extended_header_and_one_record(capsys):
    path = next(p for p in CORPUS_MRC if p.name == "HAADFscan.mrc")
    assert cli_main(["dump", str(path)]) == 0
    out = capsys.readouterr().out
    assert "extended header: FEI2, 909312 bytes" in out
    assert "1 record of 888 bytes read (room for 1024), 908424 bytes of padding" in out
    assert cli_main(["dump", "--record", "0", str(path)]) == 0
    out = capsys.readouterr().out
    ht = next(l for l in out.splitlines() if " ht " in l)
    assert ht.split()[:4] == ["1108", "float64", "ht", "300000"] and "High tension [V]" in ht
    assert cli_main(["dump", "--record", "5", str(path)]) == 2
    assert "record 5 does not exist: the FEI2 extended header has 1 record" in capsys.readouterr().err


def test_dump_json_has_records(capsys):
    import json

    path = next(p for p in CORPUS_MRC if p.name == "fei-extended.mrc")
    assert cli_main(["dump", "--json", str(path)]) == 0
    ext = json.loads(capsys.readouterr().out)["extended_header"]
    assert (ext["kind"], ext["records"], ext["record_size"], ext["capacity"]) == ("FEI1", 1, 768, 1024)
    assert ext["first_records"][0]["camera_name"] == "EF-CCD" and ext["fields"]["camera_name"]["offset"] == 435


def test_serialem_records_come_from_the_engine_layout(tmp_path):
    """The record layout of a SERI file is the subset of the SerialEM schema its NREAL announces:
    packed, in the file's byte order, with attrs records and a field table."""
    from mrcschema.format.seri import SERI, seri_layout

    for order in "<>":
        path = seri_file(tmp_path / f"tilt{order == '<'}.mrc", [-60.0, 0.0, 42.37], order)
        with mrcschema.open(path) as f:
            ext = f.extended
            assert ext.layout is seri_layout(9) and ext.layout.size == ext.record_size == 4
            assert ext.records.dtype == seri_layout(9).dtype(order)
            assert [(r.name, r.offset, r.type) for r in ext.layout.fields] == [
                ("tilt_angle", 0, "int16"), ("magnification", 2, "int16")]
            assert ext.layout.fields[0].doc == SERI.field("tilt_angle").doc == "Tilt angle in degrees * 100"
            record = ext.record(2)
            assert isinstance(record, ext.layout.record_class) and attrs.has(type(record))
            assert (record.tilt_angle, record.magnification) == (4237, 190)


def test_record_of_a_block_without_records_or_out_of_range(tmp_path):
    path = next(p for p in CORPUS_MRC if p.name == "EMD-3001.map")
    with mrcschema.open(path) as f:
        with pytest.raises(mrcschema.MrcFormatError) as err:
            f.extended.record(0)
    assert str(err.value) == "extended header at offset 1024: the CCP4 block holds no records"
    path = seri_file(tmp_path / "tilt.mrc", [1.0, 2.0])
    with mrcschema.open(path) as f:
        for index in (2, -1):
            with pytest.raises(IndexError, match=rf"^record {index} does not exist: the SERI extended header "
                                                 r"has 2 records$"):
                f.extended.record(index)


def test_agard_records_have_a_layout_too(tmp_path):
    values = np.zeros(2, dtype=[("ints", "<i4", (2,)), ("reals", "<f4", (3,))])
    values["ints"], values["reals"] = [[1, 2], [3, 4]], [[0.5, 1.5, 2.5], [3.5, 4.5, 5.5]]
    imod_bytes = bytearray(100)
    imod_bytes[32:36] = (2).to_bytes(2, "little") + (3).to_bytes(2, "little")
    header = valid_header(nz=2, nsymbt=values.nbytes, exttyp=b"AGAR", extra1=bytes(imod_bytes[:8]),
                          extra2=bytes(imod_bytes[16:]))
    path = write_file(tmp_path / "agar.mrc", header, b"\0" * 96, extended=values.tobytes())
    with mrcschema.open(path) as f:
        ext = f.extended
        assert (ext.kind, ext.record_size, [r.type for r in ext.layout.fields]) == ("AGAR", 20, ["int32[2]", "float32[3]"])
        record = ext.record(1)
        assert (record.ints, record.reals) == ((3, 4), (3.5, 4.5, 5.5))


def test_dump_shows_serialem_records_as_field_tables(tmp_path, capsys):
    import json

    path = seri_file(tmp_path / "tilt.mrc", [-60.0, 42.37])
    assert cli_main(["dump", str(path)]) == 0
    out = capsys.readouterr().out
    lines = out[out.index("extended header: SERI"):].splitlines()
    assert lines[2] == "  record 0:"
    assert lines[3].split()[:4] == ["0", "int16", "tilt_angle", "-6000"] and "Tilt angle in degrees * 100" in lines[3]
    assert lines[4].split()[:4] == ["2", "int16", "magnification", "190"]
    assert cli_main(["dump", "--record", "1", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"file: {path}"
    assert out[1] == "SERI record 1 (file offset, type, field, value, meaning):"
    assert out[2].split()[:4] == ["1028", "int16", "tilt_angle", "4237"]
    assert cli_main(["dump", "--json", str(path)]) == 0
    ext = json.loads(capsys.readouterr().out)["extended_header"]
    assert ext["fields"] == {
        "tilt_angle": {"offset": 0, "size": 2, "type": "int16", "doc": "Tilt angle in degrees * 100"},
        "magnification": {"offset": 2, "size": 2, "type": "int16", "doc": "Magnification / 100"}}
    assert ext["first_records"] == [{"tilt_angle": -6000, "magnification": 190},
                                    {"tilt_angle": 4237, "magnification": 190}]
