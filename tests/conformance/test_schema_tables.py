"""The construct schemas hold to the transcribed specification tables in specs/, field by field."""

import re

import pytest
from conftest import REPO
from spec_tables import spec_rows

from mrcschema.format.exttyp import (
    AGREED_EXTTYPS,
    EXTTYPS,
    FEI_EXTTYPS,
    LEGACY_FEI_SIZES,
    exttyp_text,
)
from mrcschema.format.fei import FEI1, FEI2, FEI_KINDS, FEI_LEGACY
from mrcschema.format.mrc2014 import IMOD_EXTRA, IMOD_EXTRA_OFFSET, MRC2014_HEADER
from mrcschema.format.seri import (
    SERI,
    SERI_ITEMS,
    is_seri_header,
    sem_shorts_to_float,
    sem_shorts_to_float_array,
    seri_layout,
    seri_record_nbytes,
)


def leaf_type(field):
    """Our engine's type name in the specs' vocabulary: a struct of N same-typed numbers is an
    array (cella: float32[3]); raw bytes holding text compare equal to char[N]."""
    if field.children:
        types = {c.type for c in field.children}
        assert len(types) == 1
        return f"{types.pop()}[{len(field.children)}]"
    return field.type


def same_type(ours, spec):
    return ours == spec or ours == re.sub(r"^char", "bytes", spec)


@pytest.mark.parametrize("layout,table,base", [
    (MRC2014_HEADER, "mrc2014_header.csv", 0),
    (FEI1, "fei1.csv", 0),
    (FEI2, "fei2.csv", 0),
    (FEI_LEGACY, "fei_legacy.csv", 0),
])
def test_schema_matches_spec_table(layout, table, base):
    rows = spec_rows(table)
    assert [f.name for f in layout.fields] == [r["name"] for r in rows]
    for field, row in zip(layout.fields, rows):
        assert field.offset == int(row["offset"]) - base, field.name
        assert field.size == int(row["size"]), field.name
        assert same_type(leaf_type(field), row["type"]), (field.name, field.type, row["type"])
        assert row["source"].strip(), f"{table}: row {field.name} has no source"
    assert sum(int(r["size"]) for r in rows) == layout.size


def test_imod_fields_at_spec_offsets():
    """The IMOD view names the IMOD fields; the unnamed gaps between them are raw bytes."""
    ours = {f.name: f for f in IMOD_EXTRA.fields}
    for row in spec_rows("imod_extra.csv"):
        name = {"imodstamp": "imod_stamp", "imodflags": "imod_flags"}.get(row["name"], row["name"])
        field = ours[name]
        assert IMOD_EXTRA_OFFSET + field.offset == int(row["offset"]), name
        assert field.size == int(row["size"]) and same_type(field.type, row["type"]), name


def test_every_main_header_field_has_a_doc_string():
    for layout in (MRC2014_HEADER, IMOD_EXTRA, FEI1, FEI2, FEI_LEGACY, SERI):
        for field in layout.fields:
            assert field.doc.strip(), f"{layout.name}.{field.name} has no doc string"


def test_exttyp_codes_and_legacy_fei_sizes():
    """The agreed codes are MRC2014 note 8's five plus the two of the 20141 update; the legacy FEI
    block sizes are whole numbers of legacy records (1024 and 8192 of them)."""
    assert AGREED_EXTTYPS == ("CCP4", "MRCO", "SERI", "AGAR", "FEI1", "FEI2", "HDF5")
    assert [e.code for e in EXTTYPS if e.source.endswith("20141")] == ["FEI2", "HDF5"]
    assert LEGACY_FEI_SIZES == (1024 * FEI_LEGACY.size, 8192 * FEI_LEGACY.size)
    assert exttyp_text(b"FEI2") == "FEI2" and exttyp_text(b"SER\0") == "SER" and exttyp_text(b"\0\0\0\0") == ""


def test_fei_kinds_table():
    """One row per FEI EXTTYP: its layout (whose size is the spec table's record size) and versions."""
    assert tuple(FEI_KINDS) == FEI_EXTTYPS == ("FEI1", "FEI2")
    for kind, table in ((FEI_KINDS["FEI1"], "fei1.csv"), (FEI_KINDS["FEI2"], "fei2.csv")):
        assert kind.record_size == kind.layout.size == sum(int(r["size"]) for r in spec_rows(table))
        assert kind.version_written in kind.versions
    assert (FEI_KINDS["FEI1"].layout, FEI_KINDS["FEI2"].layout) == (FEI1, FEI2)
    assert [(k.versions, k.version_written) for k in FEI_KINDS.values()] == [((0, 1), 0), ((2,), 2)]


#: a schema line of format/fei.py: ``"frame_time" / Float64l * (  # 579``
_SCHEMA_LINE = re.compile(r'^\s*"(?P<name>\w+)" / .*?(?:#\s*(?P<offset>\d+))?\s*$')
_STRUCT_START = re.compile(r"^(?P<indent>\s*)(?P<struct>\w+) = Struct\($")


def test_offset_comments_in_fei_schemas_are_the_engines_offsets():
    """Every field line of the FEI schemas carries its offset as a comment (``# 579``), and each
    comment is the offset the engine derives, so a reader of fei.py can trust them."""
    layouts = {"FEI1_RECORD": FEI1, "FEI2_RECORD": FEI2, "FEI_LEGACY_RECORD": FEI_LEGACY}
    source = (REPO / "mrcschema" / "format" / "fei.py").read_text().splitlines()
    struct, seen = None, {name: [] for name in layouts}
    for number, line in enumerate(source, 1):
        start = _STRUCT_START.match(line)
        if start:
            struct, end = start["struct"], start["indent"] + ")"  # the schemas are written inside a function
            continue
        if struct and line.startswith(end) and not line.startswith(end + " "):
            struct = None
        field = _SCHEMA_LINE.match(line) if struct else None
        if field is None:
            continue
        assert field["offset"] is not None, f"fei.py line {number}: {field['name']} has no offset comment"
        layout = layouts[struct]
        assert int(field["offset"]) == layout.field(field["name"]).offset, f"fei.py line {number}"
        seen[struct].append(field["name"])
    fei1_names = [f.name for f in FEI1.fields]
    assert seen["FEI1_RECORD"] == fei1_names
    assert seen["FEI2_RECORD"] == [f.name for f in FEI2.fields][len(fei1_names):]  # FEI2 adds to FEI1's
    assert seen["FEI_LEGACY_RECORD"] == [f.name for f in FEI_LEGACY.fields]
    assert sum(map(len, seen.values())) == 128


def _seri_type(decode, nbytes):
    """specs/seri_flags.csv states the stored type in its ``decode`` column ("2 x int16 / 25 -> um",
    "raw 2 bytes"): in the engine's vocabulary."""
    raw = re.match(r"raw (\d+) bytes", decode)
    if raw:
        return f"bytes[{raw[1]}]"
    count, kind = re.match(r"(?:(\d+) x )?(u?int16)\b", decode).groups()
    return f"{kind}[{count}]" if count else kind


def _seri_decoding(decode):
    """The ``decode`` column as (how, unit): ("x 0.01", "deg") for "int16 / 100 -> deg"."""
    unit = decode.rpartition(" -> ")[2] if " -> " in decode else ""
    if decode.startswith("raw"):
        return "reserved (raw bytes)", ""
    if "SEMshortsToFloat" in decode:
        return "SEMshortsToFloat", unit
    op = re.search(r" ([/*]) (\d+)", decode)
    scale = 1.0 if op is None else (1 / int(op[2]) if op[1] == "/" else float(op[2]))
    return f"x {scale:g}", unit


def test_serialem_items_match_the_spec_table():
    rows = spec_rows("seri_flags.csv")
    assert [item.name for item in SERI_ITEMS] == [f.name for f in SERI.fields] == [r["name"] for r in rows]
    for item, row in zip(SERI_ITEMS, rows):
        assert item.flag == int(row["flag"]) == 1 << int(row["bit"]), item.name
        assert item.nbytes == item.field.size == int(row["bytes"]), item.name
        assert item.field.type == _seri_type(row["decode"], item.nbytes), (item.name, row["decode"])
        assert item.field.doc.startswith(row["content"]), (item.name, "doc quotes IMOD")
        assert _seri_decoding(row["decode"]) == (item.decoding_text.split(" -> ")[0], item.unit), item.name
        assert row["source"].strip()
    assert SERI.size == sum(int(r["bytes"]) for r in rows) == 34


def test_serialem_decoding_and_record_layouts():
    """Scales as IMOD applies them; the per-file layouts are the announced items, packed."""
    scales = {item.name: item.decoding for item in SERI_ITEMS}
    assert (scales["tilt_angle"], scales["stage_position"], scales["magnification"]) == (0.01, 0.04, 100.0)
    assert scales["exposure_dose"] is sem_shorts_to_float_array and scales["reserved_64"] is None
    pairs = [(1, 2), (-300, 770), (32767, -32768), (0, 0)]
    assert list(sem_shorts_to_float_array(pairs)) == [sem_shorts_to_float(a, b) for a, b in pairs]
    layout = seri_layout(1 | 4 | 32 | 128)
    assert [(f.name, f.offset, f.size) for f in layout.fields] == [
        ("tilt_angle", 0, 2), ("stage_position", 2, 4), ("exposure_dose", 6, 4), ("reserved_128", 10, 4)]
    assert layout.size == seri_record_nbytes(1 | 4 | 32 | 128) == 14 and is_seri_header(14, 1 | 4 | 32 | 128)
