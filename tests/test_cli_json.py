"""Issue 14 item 2: ``dump --json`` and ``validate --json`` are machine-readable.

Every document printed here is validated against the JSON Schemas shipped in the package
(``mrcschema/cli/schema/*.schema.json``, documented in docs/json.md), with jsonschema."""

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import jsonschema
import numpy as np
import pytest
from conftest import CORPUS, CORPUS_MRC, EXAMPLES, REPO, corpus_id
from crafting import valid_header, write_file

import mrcschema
from mrcschema.cli.main import main
from mrcschema.format.mrc2014 import IMOD_EXTRA, MRC2014_HEADER

SCHEMAS = REPO / "mrcschema" / "cli" / "schema"
DUMP_SCHEMA = json.loads((SCHEMAS / "dump.schema.json").read_text())
VALIDATE_SCHEMA = json.loads((SCHEMAS / "validate.schema.json").read_text())
REGRESSIONS = sorted((REPO / "tests" / "fuzz" / "regressions").glob("*.mrc"))


def check(document, schema):
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    return document


def run_json(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_the_schemas_are_valid_json_schemas_and_packaged():
    jsonschema.Draft202012Validator.check_schema(DUMP_SCHEMA)
    jsonschema.Draft202012Validator.check_schema(VALIDATE_SCHEMA)
    import tomllib

    data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["mrcschema"]
    assert "cli/schema/*.schema.json" in data


def test_the_header_schema_lists_every_field_of_the_layouts():
    """The schema's header and IMOD objects name exactly the layouts' fields, so a field added to a
    schema cannot be missing from the JSON Schema."""
    assert list(DUMP_SCHEMA["$defs"]["header"]["properties"]) == [f.name for f in MRC2014_HEADER.fields]
    assert list(DUMP_SCHEMA["$defs"]["imod"]["properties"]) == [f.name for f in IMOD_EXTRA.fields]


@pytest.mark.parametrize("path", CORPUS_MRC + REGRESSIONS, ids=corpus_id)
def test_dump_json_of_every_corpus_file_matches_the_schema(path, capsys):
    code, doc = run_json(capsys, "dump", "--json", str(path))
    assert code == 0
    check(doc, DUMP_SCHEMA)
    with mrcschema.open(path, permissive=True) as f:
        h = f.header
        assert doc["header"]["nx"] == h.nx and doc["header"]["mode"] == h.mode
        assert doc["header"]["cella"]["x"] == h.cella.x or math.isnan(h.cella.x)
        assert doc["header"]["machst"] == {"hex": h.machst.hex()}
        assert doc["header"]["extra2"] == {"hex": h.extra2.hex()}
        assert doc["labels"] == f.labels
        assert doc["header"]["label"][: len(f.labels)] == f.labels
        ext = doc["extended_header"]
        assert (ext["kind"], ext["records"], ext["padding"]) == (
            f.extended.kind, 0 if f.extended.records is None else len(f.extended.records), f.extended.padding)
    assert "summary" not in ext  # no rendered text inside JSON


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_no_display_strings_inside_json_values(capsys):
    """Values are typed: no "84 zero bytes", no "4d 41 50 20 'MAP '", no padded labels."""
    _, doc = run_json(capsys, "dump", "--json", *map(str, CORPUS_MRC))
    for one in doc:
        for key in ("header", "extended_header", "data"):
            for text in _strings(one[key]):
                assert "zero bytes" not in text and not text.endswith("'") and text == text.rstrip("\0"), text
        for label in one["header"]["label"]:
            assert label == label.rstrip(), label
        assert one["header"]["map"] == "MAP "


def test_script_can_read_header_fields_directly(capsys):
    _, doc = run_json(capsys, "dump", "--json", str(CORPUS / "mrcfile" / "EMD-3001.map"))
    assert doc["header"]["nx"] == 73 and doc["header"]["ispg"] == 4 and doc["header"]["exttyp"] == ""
    assert (doc["header"]["mapc"], doc["header"]["mapr"], doc["header"]["maps"]) == (3, 1, 2)
    assert doc["data"]["space_group"] == {"number": 4, "symbol": "P 1 21 1"} and doc["data"]["kind"] == "volume"
    assert doc["data"]["axis_order"] == ["Z", "X", "Y"]
    assert doc["fields"]["header"]["ispg"] == {"offset": 88, "size": 4, "type": "int32",
                                               "doc": MRC2014_HEADER.field("ispg").doc}
    assert doc["extended_header"]["kind"] == "CCP4" and doc["extended_header"]["text"][0].startswith("X,")


def test_fei_records_are_objects_with_typed_values(capsys):
    _, doc = run_json(capsys, "dump", "--json", str(CORPUS / "mrcfile" / "epu2.9_example.mrc"))
    ext = doc["extended_header"]
    record = ext["first_records"][0]
    assert record["ht"] == 300000.0 and record["camera_name"] == "BM-Falcon" and record["eftem_on"] is False
    assert isinstance(record["timestamp"], float) and set(record["unused_range"]) == {"hex"}
    assert ext["fields"]["ht"]["offset"] == 84 and ext["layout"] == "fei2"
    code, one = run_json(capsys, "dump", "--json", "--record", "0", str(CORPUS / "mrcfile" / "epu2.9_example.mrc"))
    assert code == 0 and check(one, DUMP_SCHEMA)["record"] == record
    assert one["fields"]["ht"]["offset"] == 1024 + 84 and one["offset"] == 1024


def test_non_finite_floats_are_strings_and_the_json_is_strict(tmp_path, capsys):
    header = valid_header(dmin=float("nan"), dmax=float("inf"), dmean=float("-inf"))
    path = write_file(tmp_path / "nan.mrc", header, np.zeros((2, 3, 4), "<f4").tobytes())
    code = main(["dump", "--json", str(path)])
    out = capsys.readouterr().out
    assert code == 0 and "NaN" not in out and "Infinity" not in out
    doc = check(json.loads(out), DUMP_SCHEMA)
    assert (doc["header"]["dmin"], doc["header"]["dmax"], doc["header"]["dmean"]) == ("nan", "inf", "-inf")


def test_big_endian_file_and_binary_labels(tmp_path, capsys):
    label = b"ok".ljust(80)
    junk = b"\x01\x02text".ljust(80, b"\0")
    header = valid_header(nlabl=2, label=(label, junk) + (b"\0" * 80,) * 8, machst=b"\x11\x11\0\0")
    path = write_file(tmp_path / "big.mrc", header, np.zeros((2, 3, 4), ">f4").tobytes(), byteorder=">")
    _, doc = run_json(capsys, "dump", "--json", str(path))
    check(doc, DUMP_SCHEMA)
    assert doc["byteorder"] == "big-endian" and doc["header"]["label"][0] == "ok"
    assert doc["header"]["label"][1] == {"hex": junk.hex()}


def velox_like(tmp_path, nz=3, nsymbt=4096):
    """A Velox-like FEI2 file: the corpus HAADFscan's header and first record, NZ sections, the
    block padded to ``nsymbt`` bytes (Velox pads to a multiple of 512: 3 records + 1432 bytes)."""
    raw = (CORPUS / "rsciio" / "HAADFscan.mrc").read_bytes()
    header = MRC2014_HEADER.parse(raw[:1024])
    record = raw[1024:1024 + 888]
    header = attrs.evolve(header, nz=nz, mz=nz, nsymbt=nsymbt)
    block = (record * nz).ljust(nsymbt, b"\0")
    return write_file(tmp_path / "velox.mrc", header, np.zeros((nz, 16, 16), "<u2").tobytes(), extended=block)


def test_dump_and_validate_count_records_and_padding_the_same_way(tmp_path, capsys):
    """Issue 14: validate said 4 records + 544 bytes of padding where dump said 3 records + 1432 bytes
    (NSYMBT 4096 for NZ 3: the validator counted NSYMBT // 888 records).  Both now count with
    mrcschema.format.extended.count_records: NZ records, or as many as fit."""
    path = velox_like(tmp_path)
    _, doc = run_json(capsys, "dump", "--json", str(path))
    ext = check(doc, DUMP_SCHEMA)["extended_header"]
    assert (ext["records"], ext["capacity"], ext["padding"]) == (3, 4, 1432)
    _, (report,) = run_json(capsys, "validate", "--json", str(path))
    check(report, VALIDATE_SCHEMA)
    padding = [f for f in report["findings"] if f["rule"] == "FEI-PADDING"]
    assert len(padding) == 1
    assert "3 records of 888 bytes read (room for 4), 1432 bytes of padding" in padding[0]["message"]
    assert main(["dump", str(path)]) == 0
    assert "  3 records of 888 bytes read (room for 4), 1432 bytes of padding" in capsys.readouterr().out.splitlines()
    with mrcschema.open(path) as f:
        assert str(f.extended.counted) == "3 records of 888 bytes read (room for 4), 1432 bytes of padding"


def test_validate_json_of_every_corpus_file_and_unreadable_ones(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("hello " * 400)
    files = [*map(str, CORPUS_MRC), str(text), str(tmp_path / "missing.mrc")]
    code, reports = run_json(capsys, "validate", "--json", *files)
    check(reports, VALIDATE_SCHEMA)
    assert code == 2 and [r["path"] for r in reports] == files
    by_path = {r["path"]: r for r in reports}
    assert by_path[str(text)]["verdict"] == "invalid" and len(by_path[str(text)]["findings"]) == 1
    assert by_path[str(tmp_path / "missing.mrc")]["verdict"] == "unreadable"
    for report in reports:
        for finding in report["findings"]:
            assert set(finding) == {"severity", "rule", "field", "offset", "message", "spec"}


def test_jsonl_streams_one_document_per_file(tmp_path, capsys):
    files = [str(p) for p in CORPUS_MRC[:4]] + [str(tmp_path / "missing.mrc")]
    for command, schema in (("dump", DUMP_SCHEMA), ("validate", VALIDATE_SCHEMA)):
        main([command, "--jsonl", *files])
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == len(files)
        docs = [check(json.loads(line), schema) for line in lines]
        assert [d.get("file", d.get("path")) for d in docs] == files
        assert docs[-1]["readable"] is False


def test_json_in_a_subprocess_is_one_document_and_stderr_has_the_rest(tmp_path):
    copy = tmp_path / "a.mrc"
    shutil.copy(EXAMPLES / "tiny_volume.mrc", copy)
    result = subprocess.run([sys.executable, "-m", "mrcschema", "dump", "--json", str(copy)],
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "MRCSCHEMA_PROGRESS": "1"},
                            cwd=REPO)
    assert result.returncode == 0 and result.stderr == ""
    check(json.loads(result.stdout), DUMP_SCHEMA)


def test_hyperspy_original_metadata_uses_the_same_values_as_dump_json(capsys):
    """One renderer: the header in original_metadata is the header of dump --json."""
    path = CORPUS / "mrcfile" / "epu2.9_example.mrc"
    _, doc = run_json(capsys, "dump", "--json", str(path))
    signal = mrcschema.file_reader(path)[0]
    assert signal["original_metadata"]["mrc_header"] == doc["header"]


def test_docs_json_names_every_top_level_key():
    text = (REPO / "docs" / "json.md").read_text()
    for key in DUMP_SCHEMA["$defs"]["file"]["properties"]:
        assert f"`{key}`" in text, key
    for key in VALIDATE_SCHEMA["$defs"]["report"]["properties"]:
        assert f"`{key}`" in text, key
    assert "mrcschema/cli/schema/dump.schema.json" in text and "mrcschema/cli/schema/validate.schema.json" in text


def test_schema_files_exist_where_docs_say():
    assert Path(SCHEMAS / "dump.schema.json").is_file() and Path(SCHEMAS / "validate.schema.json").is_file()
