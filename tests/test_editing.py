"""Changing existing files: ``mrcschema.edit`` (header fields, only the bytes that change),
``mrcschema.fix`` (the repair each rule names, on the real defects of the corpus and the peers'
files), ``append`` (sections after the data) and ``like=`` templates."""

import io
import os
import shutil
import warnings

import mrcfile
import numpy as np
import pytest
from conftest import CORPUS, file_digest, sample_data

import mrcschema
from mrcschema.format.mrc2014 import field_offset
from mrcschema.validation.fixes import FIXES
from mrcschema.validation.rules import RULES
from mrcschema.writing.editing import FileChangedError, update_header


def _stack(tmp_path, name="s.mrc", shape=(3, 4, 5), **kw):
    data = sample_data("f4", shape)
    return mrcschema.write(tmp_path / name, data, **kw), data


def _data_bytes(path):
    with mrcschema.open(path) as f:
        return f.read().tobytes()


def _mrcfile_valid(path):
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mrcfile.validate(str(path), print_file=out), out.getvalue()


def _set_raw(path, field, raw):
    fd = os.open(path, os.O_RDWR)
    try:
        os.pwrite(fd, raw, field_offset(field))
    finally:
        os.close(fd)


# -- edit ------------------------------------------------------------------------------------------------
def test_edit_writes_only_the_bytes_of_the_fields_changed(tmp_path):
    path, _ = _stack(tmp_path, voxel_size=1.0)
    before = open(path, "rb").read()
    result = mrcschema.edit(path, voxel_size=(0.5, 2.0, 3.0))
    after = open(path, "rb").read()
    differ = [i for i in range(len(before)) if before[i] != after[i]]
    assert differ and min(differ) >= field_offset("cella.x") and max(differ) < field_offset("cellb")
    assert [c.field for c in result.changes] == ["cella.x", "cella.y", "cella.z"]
    with mrcfile.open(path) as peer:
        assert peer.voxel_size.tolist() == (0.5, 2.0, 3.0)


def test_edit_every_change_reads_back_in_mrcfile(tmp_path):
    path, data = _stack(tmp_path, shape=(4, 4, 5), voxel_size=1.0)
    mrcschema.edit(path, origin=(1, 2, 3), start=(-2, -2, 0), ispg="volume-stack", mz=2, nversion=20140,
                   add_labels=["edited"])
    with mrcfile.open(path) as peer:
        h = peer.header
        assert (h.origin.x, h.origin.y, h.origin.z) == (1, 2, 3)
        assert (int(h.nxstart), int(h.nystart), int(h.nzstart)) == (-2, -2, 0)
        assert (int(h.ispg), int(h.mz), int(h.nversion)) == (401, 2, 20140)
        assert peer.data.shape == (2, 2, 4, 5)  # mrcfile: a volume stack of 2 volumes
        assert peer.voxel_size.tolist() == (1.0, 1.0, 1.0)  # CELLA.Z follows MZ
        assert h.label[0].rstrip(b"\0 ") == b"edited" and int(h.nlabl) == 1
    assert _mrcfile_valid(path)[0] is True


def test_edit_label_rollover_keeps_the_first_label_and_drops_the_second(tmp_path):
    path, _ = _stack(tmp_path, labels=[f"label {i}" for i in range(10)])
    mrcschema.edit(path, add_labels=["newest"])
    with mrcschema.open(path) as f:
        assert f.labels == ["label 0", *[f"label {i}" for i in range(2, 10)], "newest"]
    mrcschema.edit(path, clear_labels=True)
    with mrcschema.open(path) as f:
        assert f.labels == [] and f.header.nlabl == 0


def test_edit_stats_recomputes_the_statistics_from_the_data(tmp_path):
    path, data = _stack(tmp_path)
    _set_raw(path, "dmax", np.float32(1e6).tobytes())
    assert "MRC2014-STATS" in mrcschema.validate(path).rules
    mrcschema.edit(path, stats=True)
    assert mrcschema.validate(path, full_data=True).ok
    with mrcfile.open(path) as peer:
        assert float(peer.header.dmax) == float(data.max()) and float(peer.header.dmin) == float(data.min())


def test_edit_refuses_a_stamp_for_the_other_byte_order_and_bad_values(tmp_path):
    path, _ = _stack(tmp_path)
    digest = file_digest(path)
    with pytest.raises(ValueError, match="little-endian"):
        mrcschema.edit(path, machine_stamp="big")
    with pytest.raises(ValueError, match="permutation"):
        mrcschema.edit(path, axis_order=(1, 1, 2))
    with pytest.raises(ValueError, match="NVERSION"):
        mrcschema.edit(path, nversion=3)
    assert file_digest(path) == digest


def test_edit_leaves_a_file_that_changed_on_disk_while_it_worked(tmp_path):
    path, _ = _stack(tmp_path)

    def transform(parsed, fd, size):
        with open(path, "ab") as other:  # another process appends meanwhile
            other.write(b"\0" * 16)
        return mrcschema.format.records.evolve(parsed.header, nversion=20140)

    digest_header = open(path, "rb").read(1024)
    with pytest.raises(FileChangedError, match="changed on disk"):
        update_header(path, transform)
    assert open(path, "rb").read(1024) == digest_header


def test_edit_dry_run_writes_nothing(tmp_path):
    path, _ = _stack(tmp_path)
    digest = file_digest(path)
    result = mrcschema.edit(path, voxel_size=2.0, dry_run=True)
    assert result.changes and not result.written and file_digest(path) == digest


# -- fix --------------------------------------------------------------------------------------------------
def test_every_rule_names_a_declared_repair_and_every_repair_is_named():
    named = {rule.fix for rule in RULES if rule.fix is not None}
    assert named == set(FIXES)


def _copy(tmp_path, *names):
    for name in names:
        shutil.copy(CORPUS / name, tmp_path / os.path.basename(name))
    return tmp_path / os.path.basename(names[0])


@pytest.mark.parametrize("name, fixed", [
    ("mrcfile/EMD-3197.map", {"MRC2014-NVERSION-PRE2014"}),  # pre-2014 EMDB maps
    ("mrcfile/EMD-3001.map", {"MRC2014-NVERSION-PRE2014", "MRC2014-EXTTYP-MISSING"}),  # and CCP4 symmetry
    ("rsciio/20241021_00405_0_Virt 0_sum.mrc", {"MRC2014-CELLA"}),  # DE-Server's -10 x N
    ("rsciio/20241021_00405_final.mrc", {"MRC2014-CELLA"}),
])
def test_fix_repairs_the_corpus_defects_and_keeps_the_data(tmp_path, name, fixed):
    path = _copy(tmp_path, name)
    assert not _mrcfile_valid(path)[0]
    data = _data_bytes(path)
    result = mrcschema.fix(path)
    assert set(result.fixed) == fixed and result.written
    after = mrcschema.validate(path, full_data=True)
    assert not set(after.rules) & fixed and after.ok
    assert _data_bytes(path) == data
    assert _mrcfile_valid(path) == (True, f"Checking if {path} is a valid MRC2014 file...\nFile appears to be valid.\n")


def test_fix_reads_the_de_movie_info_file_for_the_cell_and_makes_the_movie_a_stack(tmp_path):
    path = _copy(tmp_path, "rsciio/20241021_00405_movie.mrc", "rsciio/20241021_00405_info.txt")
    data = _data_bytes(path)
    result = mrcschema.fix(path)
    assert set(result.fixed) == {"MRC2014-CELLA", "DE-ISPG"}
    with mrcschema.open(path) as f:  # STEM: the frames are diffraction patterns, so the cell is unknown (0)
        assert (f.header.cella.x, f.header.cella.y, f.header.ispg, f.header.mz) == (0.0, 0.0, 0, 1)
    assert mrcschema.validate(path).ok and not mrcschema.validate(path).findings
    assert _data_bytes(path) == data and _mrcfile_valid(path)[0] is True


def test_fix_sets_mrcz_sampling_keeping_the_voxel_size_readers_take(tmp_path):
    import mrcz

    path = str(tmp_path / "z.mrc")
    data = sample_data("f4", (3, 4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mrcz.writeMRC(data, path, pixelsize=[1.5, 2.0, 2.5], compressor=None)
    assert "MRC2014-SAMPLING" in mrcschema.validate(path).rules
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = tuple(mrcschema.open(path).voxel_size)
    result = mrcschema.fix(path)
    assert "MRC2014-SAMPLING" in result.fixed
    with mrcschema.open(path) as f:
        assert tuple(f.voxel_size) == pytest.approx(before)
        assert (f.header.mx, f.header.my) == (5, 4)
    assert "MRC2014-SAMPLING" not in mrcschema.validate(path).rules


@pytest.mark.parametrize("field, raw, rule, expected", [
    ("map", b"MAP\0", "MRC2014-MAP-PADDING", b"MAP "),  # MotionCor2
    ("machst", b"\x44\0\0\0", "MRC2014-MACHST-VARIANT", b"\x44\x44\0\0"),  # SerialEM before 2018
    ("machst", b"\0\0\0\0", "MRC2014-MACHST-VARIANT", b"\x44\x44\0\0"),  # cryoDRGN before 2023
])
def test_fix_repairs_identifier_and_stamp_variants_for_mrcfile(tmp_path, field, raw, rule, expected):
    path, data = _stack(tmp_path, voxel_size=1.0)
    _set_raw(path, field, raw)
    assert rule in mrcschema.validate(path).rules
    result = mrcschema.fix(path)
    assert result.fixed == (rule,)
    assert open(path, "rb").read()[field_offset(field):field_offset(field) + 4] == expected
    assert _mrcfile_valid(path)[0] is True and mrcschema.validate(path).ok
    assert _data_bytes(path) == data.tobytes()


def test_fix_makes_an_isgp_0_volume_with_mz_nz_a_volume(tmp_path):
    path = str(tmp_path / "relion.mrc")
    with mrcfile.new(path) as m:  # RELION-style: a volume with ISPG 0 and MZ = NZ
        m.set_data(sample_data("f4", (4, 4, 5)))
        m.voxel_size = 1.25
        m.header.ispg = 0
        m.header.mz = 4
        m.header.cella.z = 5.0
    assert "MRC2014-IMAGE-MZ" in mrcschema.validate(path).rules
    mrcschema.fix(path)
    with mrcfile.open(path) as peer:
        assert (int(peer.header.ispg), int(peer.header.mz)) == (1, 4) and peer.voxel_size.z == 1.25
    assert mrcschema.validate(path).ok and not mrcschema.validate(path).findings


def test_fix_leaves_what_it_cannot_repair_with_why_and_every_byte(tmp_path):
    path, _ = _stack(tmp_path)
    with open(path, "ab") as f:
        f.write(b"\0" * 8)  # MRC2014-FILE-SIZE: no repair in the header
    digest = file_digest(path)
    result = mrcschema.fix(path)
    assert not result.fixed and not result.written and file_digest(path) == digest
    assert [(s.rule, s.reason.split(":")[0]) for s in result.skipped] == [("MRC2014-FILE-SIZE", "no safe repair")]


def test_fix_dry_run_says_old_and_new_and_writes_nothing(tmp_path):
    path = _copy(tmp_path, "mrcfile/EMD-3197.map")
    digest = file_digest(path)
    result = mrcschema.fix(path, dry_run=True)
    assert [str(c) for c in result.changes] == ["nversion: 0 -> 20141"] and not result.written
    assert file_digest(path) == digest


# -- append ----------------------------------------------------------------------------------------------
def test_append_adds_sections_after_the_data_and_merges_the_statistics(tmp_path):
    path, data = _stack(tmp_path, voxel_size=1.5)
    more = sample_data("f4", (2, 4, 5), seed=3) * 3
    result = mrcschema.append(path, more)
    assert (result.sections_before, result.sections_after) == (3, 5)
    with mrcfile.open(path) as peer:
        np.testing.assert_array_equal(peer.data, np.concatenate([data, more]))
    assert _mrcfile_valid(path)[0] is True and mrcschema.validate(path, full_data=True).ok


def test_append_to_a_volume_grows_mz_and_keeps_the_voxel_size(tmp_path):
    path, data = _stack(tmp_path, voxel_size=2.0, volume=True)
    with mrcschema.open(path, "r+") as f:
        f.append(data[0])
        assert f.data.shape == (4, 4, 5) and f.header.mz == 4 and tuple(f.voxel_size) == (2.0, 2.0, 2.0)
    assert mrcschema.validate(path, full_data=True).ok


def test_append_refuses_partial_volumes_lossy_values_and_per_section_records_without_room(tmp_path):
    path, data = _stack(tmp_path, shape=(4, 4, 5))
    mrcschema.edit(path, ispg="volume-stack", mz=2)
    digest = file_digest(path)
    with pytest.raises(ValueError, match="whole volumes"):
        mrcschema.append(path, data[:1])
    with pytest.raises(mrcschema.MrcFormatError, match="without changing"):
        mrcschema.append(path, np.full((2, 4, 5), 1e300))
    assert file_digest(path) == digest
    epu = _copy(tmp_path, "rsciio/HAADFscan.mrc")
    with mrcschema.open(epu) as f:
        frame, kind = f.read()[np.newaxis] if f.data.ndim == 2 else f.read()[:1], f.extended.kind
    with pytest.raises(ValueError, match=f"{kind} extended header"):
        mrcschema.append(epu, frame)


# -- templates -------------------------------------------------------------------------------------------
def test_like_copies_geometry_labels_and_symmetry_of_a_volume(tmp_path):
    like = CORPUS / "mrcfile" / "EMD-3001.map"
    data = sample_data("f4", (5, 6, 7))
    path = mrcschema.write(tmp_path / "t.mrc", data, volume=True, like=like)
    with mrcschema.open(like) as old, mrcschema.open(path) as new:
        assert tuple(new.voxel_size) == pytest.approx(tuple(old.voxel_size))
        assert (new.origin, new.labels, new.header.ispg, new.axis_order) == (
            old.origin, old.labels, old.header.ispg, old.axis_order)
        assert new.extended_header_bytes == old.extended_header_bytes and new.extended.kind == "CCP4"
    assert mrcschema.validate(path, full_data=True).ok


def test_like_says_what_it_drops(tmp_path):
    like = CORPUS / "mrcfile" / "EMD-3001.map"
    with pytest.warns(mrcschema.MrcWarning, match="not copied: MAPC, MAPR, MAPS 3, 1, 2.*CCP4 symmetry"):
        with mrcschema.new(tmp_path / "n.mrc", (2, 6, 7), like=like) as f:
            f.data[:] = 1
    assert mrcschema.validate(tmp_path / "n.mrc").ok


# -- the commands ----------------------------------------------------------------------------------------
def test_edit_and_fix_commands_take_batches_with_summary_and_exit_codes(tmp_path, capsys, monkeypatch):
    from mrcschema.cli.main import main

    monkeypatch.setenv("COLUMNS", "300")
    folder = tmp_path / "maps"
    folder.mkdir()
    _copy(folder, "mrcfile/EMD-3197.map")
    _stack(folder, "ok.mrc")
    with open(folder / "long.mrc", "wb") as f:
        f.write(open(_stack(tmp_path, "x.mrc")[0], "rb").read() + b"\0" * 4)
    assert main(["fix", "-r", str(folder)]) == 1  # long.mrc keeps its extra bytes
    out, err = capsys.readouterr()
    assert "EMD-3197.map: fixed MRC2014-NVERSION-PRE2014" in out and "why: no safe repair" in out
    assert "mrcschema fix: 3 files: 1 fixed, 1 unchanged, 1 unfixed" in err
    assert main(["edit", "--voxel-size", "2", "-j", "2", str(folder / "ok.mrc"), str(folder / "none.mrc")]) == 2
    out, err = capsys.readouterr()
    assert "ok.mrc: changed" in out and "cella.x@40" in out and "none.mrc" in err
    assert main(["fix", "--json", "-n", str(folder / "EMD-3197.map")]) == 0
    out, _ = capsys.readouterr()
    assert '"verdict": "unchanged"' in out


def test_fix_names_a_blank_exttyp_from_the_fei_records_it_holds(tmp_path):
    path = _copy(tmp_path, "mrcfile/fei-extended.mrc")
    _set_raw(path, "exttyp", b"\0\0\0\0")  # a pre-2014-style file: the records, no EXTTYP
    assert "MRC2014-EXTTYP-MISSING" in mrcschema.validate(path).rules
    result = mrcschema.fix(path)
    assert "MRC2014-EXTTYP-MISSING" in result.fixed
    with mrcschema.open(path) as f:
        assert f.header.exttyp == b"FEI1" and f.extended.kind == "FEI1"


def test_editing_doc_lists_every_repair_with_its_rule():
    from conftest import REPO

    text = (REPO / "docs" / "editing.md").read_text()
    for rule in RULES:
        if rule.fix is not None:
            assert f"| `{rule.id}` |" in text, rule.id
            assert FIXES[rule.fix].text in text.replace("\n", " "), rule.fix


@pytest.mark.parametrize("writes, rule", [
    ([("machst", 0, b"\x11\x11\0\0")], "MRC2014-BYTEORDER"),  # a stamp contradicting MODE and NX, NY, NZ
    ([("machst", 0, b"AB\0\0")], "MRC2014-MACHST"),  # junk, the order told by the numbers
    ([("label[0]", 0, b"\0" * 80), ("label[3]", 0, b"zz")], "MRC2014-LABEL-ORDER"),
    ([("nlabl", 0, np.int32(3).tobytes())], "MRC2014-NLABL"),
    ([("dmax", 0, np.float32(1e5).tobytes())], "MRC2014-STATS"),
])
def test_fix_clears_the_finding_of_each_header_repair(tmp_path, writes, rule):
    path, data = _stack(tmp_path, labels=["a", "b"])
    for field, offset, raw in writes:
        fd = os.open(path, os.O_RDWR)
        os.pwrite(fd, raw, field_offset(field) + offset)
        os.close(fd)
    assert rule in mrcschema.validate(path).rules
    result = mrcschema.fix(path)
    assert rule in result.fixed and not result.skipped
    assert not mrcschema.validate(path, full_data=True).findings
    assert _data_bytes(path) == data.tobytes() and _mrcfile_valid(path)[0] is True


def test_edit_of_a_big_endian_file_writes_it_big_endian(tmp_path):
    path, data = _stack(tmp_path, byteorder=">")
    mrcschema.edit(path, voxel_size=2.0, add_labels=["x"])
    with mrcfile.open(path) as peer:
        assert peer.voxel_size.tolist() == (2.0, 2.0, 2.0) and peer.header.label[0] == b"x"
        np.testing.assert_array_equal(peer.data, data)


def test_edit_command_without_a_change_says_so(tmp_path, capsys):
    from mrcschema.cli.main import main

    path, _ = _stack(tmp_path)
    assert main(["edit", str(path)]) == 2
    assert "nothing to change" in capsys.readouterr().err


def test_fix_leaves_a_file_rewritten_while_it_was_checked(tmp_path, monkeypatch):
    from mrcschema.validation import fixes

    path = _copy(tmp_path, "mrcfile/EMD-3197.map")
    checked = fixes._context

    def context_then_another_writer(*args):
        ctx = checked(*args)
        with open(path, "ab") as other:  # another process appends meanwhile (the header stays)
            other.write(b"\0" * 64)
        return ctx

    monkeypatch.setattr(fixes, "_context", context_then_another_writer)
    header = open(path, "rb").read(1024)
    with pytest.raises(FileChangedError):
        mrcschema.fix(path)
    assert open(path, "rb").read(1024) == header


def test_edit_and_fix_refuse_a_fifo_without_waiting_on_it(tmp_path):
    from mrcschema.writing.editing import NotRegularFileError

    fifo = tmp_path / "pipe.mrc"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFileError, match="not a regular file"):
        mrcschema.edit(fifo, nversion=20140)
    with pytest.raises(NotRegularFileError, match="not a regular file"):
        mrcschema.fix(fifo)


def test_append_writes_the_new_sections_fei_records_into_the_spare_room(tmp_path):
    path = _copy(tmp_path, "mrcfile/fei-extended.mrc")  # EPU: one FEI1 record used of 1024
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mrcschema.MrcWarning)
        with mrcschema.open(path) as f:
            frame, records, nsymbt = f.read(), f.extended_header.copy(), f.header.nsymbt
        with pytest.raises(ValueError, match="one record per section"):
            mrcschema.append(path, frame)  # records are needed
        records["alpha_tilt"] = 12.5
        mrcschema.append(path, frame[::-1], extended_header=records)
        with mrcschema.open(path) as f:
            assert f.data.shape == (2, 3838, 3710) and f.header.nsymbt == nsymbt
            assert f.extended_header["alpha_tilt"][1] == np.float64(12.5)
            np.testing.assert_array_equal(f.sections[1], frame[::-1])
    assert _mrcfile_valid(path)[0] is True and mrcschema.validate(path).ok


def test_append_merges_statistics_computed_in_parts_as_the_whole_data_gives_them(tmp_path):
    from mrcschema.format.statistics import data_stats
    from mrcschema.writing.appending import PARALLEL_STATS_BYTES

    path, data = _stack(tmp_path, shape=(2, 1024, 1024))
    more = sample_data("f4", (PARALLEL_STATS_BYTES // (4 << 20) + 1, 1024, 1024), seed=9) * 7 - 2  # in parts
    mrcschema.append(path, more)
    whole = data_stats(np.concatenate([data, more]))
    with mrcschema.open(path) as f:
        h = f.header
        assert (h.dmin, h.dmax) == (whole.dmin, whole.dmax)
        assert h.dmean == pytest.approx(whole.dmean, rel=1e-5) and h.rms == pytest.approx(whole.rms, rel=1e-5)
