"""The engine: a schema compiled by the generator gives field tables, dtypes and records that agree
with construct's reading of the same schema, and parses and builds through one struct format."""

import attrs
import construct
import numpy as np
import pytest
from conftest import CORPUS_MRC, corpus_id

from mrcschema.errors import MrcFormatError
from mrcschema.format.engine import Layout
from mrcschema.format.generate import compile_schema
from mrcschema.format.mrc2014 import IMOD_EXTRA, MRC2014_HEADER

SMALL = construct.Struct(
    "count" / construct.Int32sl * "a count",
    "scale" / construct.Float64l * "a scale [m]",
    "flag" / construct.Flag * "a flag",
    "name" / construct.PaddedString(6, "ascii") * "a name",
    "raw" / construct.Bytes(3) * "raw bytes",
    "vec" / construct.Array(2, construct.Int16sl) * "two shorts",
    "pos" / construct.Struct("x" / construct.Float32l * "x", "y" / construct.Float32l * "y") * "position",
)


def small_layout():
    """SMALL compiled in this process by the generator's own code."""
    return Layout("small", compile_schema("SMALL_RECORD", SMALL), schema=lambda: SMALL)


def test_field_table_offsets_sizes_types_docs():
    layout = small_layout()
    table = [(f.name, f.offset, f.size, f.type, f.doc) for f in layout.fields]
    assert table == [
        ("count", 0, 4, "int32", "a count"),
        ("scale", 4, 8, "float64", "a scale [m]"),
        ("flag", 12, 1, "bool", "a flag"),
        ("name", 13, 6, "char[6]", "a name"),
        ("raw", 19, 3, "bytes[3]", "raw bytes"),
        ("vec", 22, 4, "int16[2]", "two shorts"),
        ("pos", 26, 8, "struct", "position"),
    ]
    assert [(c.name, c.offset) for c in layout.field("pos").children] == [("x", 26), ("y", 30)]
    assert layout.size == 34 == layout.dtype("<").itemsize == layout.dtype(">").itemsize


@pytest.mark.parametrize("order", ["<", ">"])
def test_struct_parse_equals_construct_parse_and_numpy_and_build_round_trips(order):
    layout = small_layout()
    pos_class = type(layout.parse(bytes(34)).pos)  # the nested record class the engine made
    record = layout.record_class(count=-7, scale=2.5e-9, flag=True, name="Krios", raw=b"\x01\x02\x03",
                                 vec=(300, -2), pos=pos_class(x=1.5, y=-2.0))
    raw = layout.build(record, order)
    assert len(raw) == 34
    assert raw[:4] == (-7).to_bytes(4, {"<": "little", ">": "big"}[order], signed=True)
    if order == "<":  # the schema is written little-endian
        parsed_construct = SMALL.parse(raw)
        assert parsed_construct.count == -7 and parsed_construct.name == "Krios" and SMALL.build(parsed_construct) == raw
    assert layout.parse(raw, order) == record
    array = layout.parse_array(raw * 3, order)
    assert array.shape == (3,) and list(array["vec"][2]) == [300, -2]
    assert np.all(array["scale"] == 2.5e-9) and np.all(array["pos"]["y"] == -2.0)


def test_big_endian_dtype_reads_big_endian_bytes():
    layout = small_layout()
    raw = bytearray(34)
    raw[0:4] = (258).to_bytes(4, "big")
    assert layout.parse(bytes(raw), ">").count == 258
    assert layout.parse(bytes(raw), "<").count == 0x02010000


def test_parse_short_buffer_is_format_error():
    with pytest.raises(MrcFormatError, match="small.*34 bytes"):
        small_layout().parse(b"\0" * 10)


def test_build_of_unencodable_text_is_format_error():
    layout = small_layout()
    record = layout.parse(bytes(34))
    with pytest.raises(MrcFormatError, match="cannot build small"):
        layout.build(attrs.evolve(record, name="Å" * 3))


@pytest.mark.parametrize(("change", "message"), [
    ({"name": "Krios-G4"}, "name is 8 characters, at most 6 fit"),
    ({"raw": b"ab"}, "raw is 2 bytes, expected 3"),
    ({"vec": (1, 2, 3)}, "vec has 3 values, expected 2"),
    ({"count": 2 ** 31}, "cannot build small"),
    ({"scale": "x"}, "cannot build small"),
])
def test_build_refuses_what_the_field_cannot_hold_as_construct_does(change, message):
    """A value the schema's field cannot hold is an MrcFormatError, as construct's build raises (struct
    alone would pad or cut text and bytes silently)."""
    layout = small_layout()
    record = attrs.evolve(layout.parse(bytes(34)), **change)
    with pytest.raises(MrcFormatError, match=message):
        layout.build(record)
    with pytest.raises(construct.ConstructError):
        SMALL.build(attrs.asdict(record, recurse=True))


def test_header_layout_is_1024_bytes_and_imod_view_100():
    assert MRC2014_HEADER.size == 1024
    assert MRC2014_HEADER.dtype().itemsize == 1024
    assert IMOD_EXTRA.size == 100


def test_record_is_frozen_attrs_with_doc_metadata():
    path = next(p for p in CORPUS_MRC if p.name == "EMD-3001.map")
    header = MRC2014_HEADER.parse(path.read_bytes()[:1024])
    cls = MRC2014_HEADER.record_class
    assert attrs.has(cls) and isinstance(header, cls)
    assert attrs.fields(cls).nx.metadata["doc"] == "number of columns in 3D data array (fast axis)"
    assert attrs.fields(cls).nsymbt.metadata["offset"] == 92
    assert header.nx == 73
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        header.nx = 3


@pytest.mark.parametrize("path", [p for p in CORPUS_MRC if p.suffix in (".mrc", ".map")], ids=corpus_id)
def test_header_bytes_rebuild_exactly(path):
    raw = path.read_bytes()[:1024]
    header = MRC2014_HEADER.parse(raw, "<")
    assert MRC2014_HEADER.build(header, "<") == raw
    assert MRC2014_HEADER.to_numpy(header).tobytes() == raw


def test_value_renderers():
    """format.values: what dump, dump --json, the HyperSpy metadata and the findings show for each kind of value."""
    from mrcschema.format.values import display, hex_text, interpret, plain, record_columns, show, text_or_bytes, typed

    assert typed(b"DD\0\0") == {"hex": "44440000"} and typed((1.5, b"AB")) == [1.5, {"hex": "4142"}]
    assert typed(float("nan")) == "nan" and typed(float("-inf")) == "-inf" and typed(float("inf"), json=False) == float("inf")
    assert text_or_bytes(b"MAP ") == "MAP " and text_or_bytes(b"FEI2") == "FEI2" and text_or_bytes(b"\0" * 4) == ""
    assert text_or_bytes(b"label".ljust(80), strip_blanks=True) == "label"
    assert text_or_bytes(b"MA\x01 ") == {"hex": "4d410120"} and text_or_bytes(b"A\0B\0") == {"hex": "41004200"}
    assert typed(b"DD\0\0", raw_bytes=True) == b"DD\0\0" and text_or_bytes(b"MA\x01 ", raw_bytes=True) == b"MA\x01 "
    assert display(b"\0" * 84) == "84 zero bytes" and display(b"DD\0\0") == "44 44 00 00"  # raw bytes: hex, never text
    assert display(float("nan")) == "nan" and display([1.5, b"AB"]) == "1.5, 41 42"
    assert display(1 / 3) == "0.3333333" and display("MAP ") == "'MAP '" and display("FEI2") == "FEI2" and display(7) == "7"
    assert interpret("mrc2014_header", "mode", 2) == "float32" and interpret("mrc2014_header", "mapc", 3) == "Z"
    assert interpret("mrc2014_header", "ispg", 4) == "volume, space group P 1 21 1"
    assert interpret("mrc2014_header", "ispg", 401) == "volume stack, space group P 1"
    assert interpret("mrc2014_header", "ispg", 0) == "image or image stack"
    assert interpret("fei2", "timestamp", 44138.73339) == "2020-11-03T17:36:04Z"
    assert interpret("fei2", "timestamp", 1e300) is None and interpret("fei2", "ht", 3e5) is None
    assert show(b"MAP\0") == "'MAP' and 1 NUL byte" and show(b"\0\0\x1b\0") == "hex 00 00 1B 00"
    assert show(0.1) == "0.1" and show(3) == "3"
    assert hex_text(b"\x01\x02") == "01 02" and hex_text(b"\x01\x02", "") == "0102"
    layout = small_layout()
    record = layout.parse(bytes(range(34)))
    assert plain(record) == {
        "count": record.count, "scale": record.scale, "flag": True, "name": record.name, "raw": "13 14 15",
        "vec": list(record.vec), "pos": {"x": record.pos.x, "y": record.pos.y}}
    assert plain(record, "")["raw"] == "131415"
    assert typed(record)["raw"] == {"hex": "131415"} and typed(record)["pos"] == {"x": record.pos.x, "y": record.pos.y}
    columns = record_columns(layout.parse_array(bytes(range(34)) * 2))
    assert list(columns["raw"]) == ["131415"] * 2 and columns["name"].dtype.kind == "U"


def test_subset_is_a_packed_layout_of_the_chosen_fields():
    layout = small_layout()
    part = layout.subset(["vec", "count", "raw"], "part")
    assert [(f.name, f.offset, f.size, f.type, f.doc) for f in part.fields] == [
        ("count", 0, 4, "int32", "a count"), ("raw", 4, 3, "bytes[3]", "raw bytes"), ("vec", 7, 4, "int16[2]", "two shorts")]
    assert part.size == 11 == part.dtype(">").itemsize and part.dtype(">")["count"].byteorder == ">"
    record = part.parse(part.build(part.record_class(count=5, raw=b"abc", vec=(1, -1)), ">"), ">")
    assert (record.count, record.raw, record.vec) == (5, b"abc", (1, -1))
    with pytest.raises(KeyError, match="no field"):
        layout.subset(["count", "nothing"])


def test_little_endian_always_fields_keep_their_order_in_the_big_endian_twin():
    """The FEI bitmasks are specified little-endian whatever the file's order (mrcfile reads them so)."""
    import mrcfile.dtypes

    from mrcschema.format.fei import FEI2

    be = FEI2.dtype(">")
    assert be["bitmask_1"] == np.dtype("<u4") and be["metadata_size"] == np.dtype(">i4")
    assert be["ht"] == np.dtype(">f8") and FEI2.dtype("<")["bitmask_1"] == np.dtype("<u4")
    theirs = mrcfile.dtypes.get_ext_header_dtype(b"FEI2", ">")
    assert [be.fields[n][0].str[0] for n in be.names[:4]] == [theirs[i].str[0] for i in range(4)] == \
        [">", ">", "<", ">"]
    record = FEI2.record_class(**{f.name: getattr(FEI2.parse(bytes(FEI2.size)), f.name) for f in FEI2.fields})
    raw = FEI2.build(attrs.evolve(record, bitmask_1=3, metadata_size=888), ">")
    assert raw[:4] == (888).to_bytes(4, "big") and raw[8:12] == (3).to_bytes(4, "little")


def test_dump_text_is_made_from_the_values_and_json_from_their_encoding(tmp_path):
    """``describe(encoded=False)`` keeps raw bytes as bytes and floats as floats (the text of ``dump``
    is made from them); the default is the JSON encoding, ``{"hex": ...}`` and ``"nan"``."""
    import mrcschema
    from mrcschema.cli.dump import render_text
    from mrcschema.reading.describe import describe

    path = tmp_path / "v.mrc"
    mrcschema.write(path, np.zeros((2, 3, 4), np.float32))
    with mrcschema.open(path, "r+") as f:
        f.header = attrs.evolve(f.header, dmean=float("nan"))
    with mrcschema.open(path) as f:
        values, encoded = describe(f, encoded=False), describe(f)
    assert values["header"]["machst"] == b"DD\0\0" and encoded["header"]["machst"] == {"hex": "44440000"}
    assert np.isnan(values["header"]["dmean"]) and encoded["header"]["dmean"] == "nan"
    assert values["header"]["map"] == encoded["header"]["map"] == "MAP "
    text = render_text(values, 200).splitlines()
    machst, dmean = (next(line.split() for line in text if f" {name} " in line) for name in ("machst", "dmean"))
    assert machst[3:8] == ["44", "44", "00", "00", "(little-endian)"] and dmean[3] == "nan"
