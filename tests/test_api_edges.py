"""Issue 14 item 7: clean errors in the API for every case the issue lists, one test each."""

import sys

import numpy as np
import pytest
from conftest import CORPUS

import mrcschema
from mrcschema import MrcFormatError
from mrcschema.format.extended import count_records


def test_record_of_a_block_without_records_names_the_extended_header():
    with mrcschema.open(CORPUS / "mrcfile" / "EMD-3001.map") as f:
        assert f.extended.kind == "CCP4"
        with pytest.raises(MrcFormatError, match=r"^extended header at offset 1024: the CCP4 block holds no records$"):
            f.extended.record(0)


def test_record_out_of_range_is_an_index_error_with_the_count():
    with mrcschema.open(CORPUS / "mrcfile" / "epu2.9_example.mrc") as f:
        assert f.extended.record(0).ht == 300000.0
        for index in (1, -1, 1023):
            with pytest.raises(IndexError, match=rf"^record {index} does not exist: the FEI2 extended header has 1 record$"):
                f.extended.record(index)


@pytest.mark.parametrize("target", ["/missing.mrc", "/", "/proc/self/mem-missing"])
def test_validate_of_a_missing_path_is_a_report_not_an_exception(target):
    report = mrcschema.validate(target)
    assert not report.ok and [f.rule for f in report] == ["MRC-UNREADABLE"]
    assert report.to_dict()["findings"][0]["severity"] == "error"


def test_validate_of_a_non_mrc_file_is_one_finding(tmp_path):
    for name, content in (("notes.txt", b"hello world\n" * 200), ("picture.png", b"\x89PNG\r\n\x1a\n" + bytes(2000)),
                          ("short.mrc", b"MAP ")):
        path = tmp_path / name
        path.write_bytes(content)
        report = mrcschema.validate(path)
        assert [f.rule for f in report] == ["MRC-STRUCTURE"], name


def test_lazy_file_reader_without_dask_names_the_extra(monkeypatch):
    for name in [m for m in sys.modules if m == "dask" or m.startswith("dask.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.array", None)
    with pytest.raises(ModuleNotFoundError, match=r'lazy loading needs dask: pip install "\.\[lazy\]" \(from a checkout\)'):
        mrcschema.file_reader(CORPUS / "mrcfile" / "EMD-3197.map", lazy=True)
    assert mrcschema.file_reader(CORPUS / "mrcfile" / "EMD-3197.map")[0]["data"].shape == (20, 20, 20)


def test_one_count_of_records_and_padding():
    assert (count_records(4096, 888, 3).count, count_records(4096, 888, 3).padding) == (3, 1432)
    assert count_records(4096, 888, 10).count == 4 and count_records(4096, 888, 10).padding == 544
    assert count_records(100, 0, 3).count == 0
    assert str(count_records(909312, 888, 1)) == "1 record of 888 bytes read (room for 1024), 908424 bytes of padding"


def test_preview_of_a_file_without_data_is_a_format_error(tmp_path):
    pytest.importorskip("PIL")
    from crafting import valid_header, write_file

    from mrcschema.preview.render import preview_file

    path = write_file(tmp_path / "empty.mrc", valid_header(ny=0), b"")
    with pytest.raises(MrcFormatError, match="no data to preview: the data block is empty"):
        preview_file(path, tmp_path / "x.png")
    with pytest.raises(MrcFormatError, match="would overwrite the file itself"):
        preview_file(CORPUS / "mrcfile" / "EMD-3197.map", CORPUS / "mrcfile" / "EMD-3197.map")


def test_write_and_validate_take_a_progress_setting(tmp_path, capsys):
    path = mrcschema.write(tmp_path / "a.mrc", np.zeros((2, 3, 4), np.float32), progress=False)
    assert mrcschema.validate(path, progress=False, full_data=True).ok
    assert capsys.readouterr().err == ""
