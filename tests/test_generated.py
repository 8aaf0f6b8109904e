"""The compiled modules (format/_generated/) are the schemas' own, and the read path needs no more.

No timing here: what is checked is that the generated modules are what the compiler writes now,
that each compiled form is what the construct schema says, that parse and build agree with
construct and numpy, that records pickle, compare and hash, and which modules a fresh process
imports to read a file.
"""

import ast
import copy
import importlib
import multiprocessing
import os
import pickle
import subprocess
import sys

import attrs
import numpy as np
import pytest
from conftest import REPO

import mrcschema
from mrcschema.format import generate
from mrcschema.format.records import evolve, field_names, is_record, record

LAYOUT_MODULES = list(generate.SCHEMA_MODULES)
TINY = REPO / "examples" / "tiny_volume.mrc"


def _generated(module):
    return importlib.import_module(f"mrcschema.format._generated.{module.rsplit('.', 1)[-1]}")


def test_generated_modules_are_current():
    """What ``python -m mrcschema.format.generate`` would write is what is committed."""
    assert generate.stale() == [], "run: python -m mrcschema.format.generate"
    assert sorted(p.name for p in generate.OUTPUT.glob("*.py")) == sorted(generate.render())


@pytest.mark.parametrize("module", LAYOUT_MODULES)
def test_compiled_forms_are_what_the_construct_schemas_say(module):
    """Size, field table, dtype, formats and record class of every compiled schema: what the
    compiler derives from the construct schema, under the generator version that wrote them."""
    generated = _generated(module)
    built = importlib.import_module(module).SCHEMAS.build()
    assert generated.MODULE == module and generated.GENERATOR_VERSION == generate.GENERATOR_VERSION
    assert set(generated.COMPILED) == set(built)
    for name, schema in built.items():
        compiled, forms = generated.COMPILED[name], generate.derive_forms(schema)
        assert (compiled.size, compiled.fields, compiled.dtype, compiled.formats, compiled.little_endian_always) == (
            forms["size"], forms["fields"], forms["dtype"], forms["formats"], forms["little_endian_always"]), name
        assert compiled.record_class.__name__ == generate.class_name(name)
        assert compiled.record_class.__module__ == generated.__name__  # module level: records pickle
        assert compiled.record_class._fields == tuple(row[0] for row in forms["fields"])


def _layouts():
    from mrcschema.format import agard, fei, mrc2014, seri

    return [mrc2014.MRC2014_HEADER, mrc2014.IMOD_EXTRA, fei.FEI1, fei.FEI2, fei.FEI_LEGACY, seri.SERI,
            seri.seri_layout(1 | 4 | 32), agard.agard_layout(3, 2), agard.agard_layout(0, 4)]


@pytest.mark.parametrize("layout", _layouts(), ids=lambda layout: layout.name)
def test_parse_and_build_through_one_struct_format_agree_with_numpy_and_construct(layout):
    """One record through the layout's struct format (parse and build), through its numpy dtype,
    and through the construct schema it was compiled from: the same values, the same bytes."""
    schema = layout.schema()
    assert schema.sizeof() == layout.size == layout.dtype("<").itemsize == layout.dtype(">").itemsize
    rng = np.random.default_rng(len(layout.name))
    for order in "<>":
        for _ in range(5):
            raw = _random_record(layout, rng)
            via_struct = layout.parse(raw, order)
            via_numpy = layout.to_record(layout.parse_array(raw, order)[0])
            assert repr(via_struct) == repr(via_numpy)  # repr: NaN payloads compare unequal
            if order == "<":
                assert repr(_from_construct(schema.parse(raw))) == repr(_as_construct(via_struct))
            assert layout.build(via_struct, order) == raw


def _from_construct(value):
    """construct's Container / ListContainer as plain dicts and lists."""
    if isinstance(value, dict):
        return {key: _from_construct(item) for key, item in value.items() if not key.startswith("_")}
    return [_from_construct(item) for item in value] if isinstance(value, list) else value


def _as_construct(value):
    if is_record(value):
        return {name: _as_construct(getattr(value, name)) for name in field_names(value)}
    return list(value) if isinstance(value, tuple) else value


def _random_record(layout, rng):
    """Random bytes, but ASCII letters in text fields (construct decodes them as ASCII) and 0 or 1
    in flags (any other byte reads True and is written back as 1)."""
    raw = bytearray(rng.integers(0, 256, layout.size, dtype=np.uint8).tobytes())
    for field in layout.fields:
        if field.type.startswith("char["):
            raw[field.offset:field.offset + field.size] = rng.integers(33, 127, field.size, dtype=np.uint8).tobytes()
        elif field.type == "bool":
            raw[field.offset] = int(rng.integers(0, 2))
    return bytes(raw)


def test_layouts_read_nothing_but_their_compiled_module():
    """No checksum, no fallback: a layout is its compiled form, and the engine derives nothing
    from a schema at run time (it does not import construct, zlib or the compiler)."""
    from mrcschema.format import fei, mrc2014

    assert mrc2014.MRC2014_HEADER.compiled is _generated("mrcschema.format.mrc2014").MRC2014_HEADER_SCHEMA
    assert fei.FEI2.compiled is _generated("mrcschema.format.fei").FEI2_RECORD
    source = (REPO / "mrcschema" / "format" / "engine.py").read_text()
    imported = {node.names[0].name if isinstance(node, ast.Import) else node.module
                for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))}
    assert "zlib" not in imported and "crc" not in source.lower() and "derive_forms" not in source


def test_generator_check_mode(tmp_path, monkeypatch):
    monkeypatch.setattr(generate, "OUTPUT", tmp_path / "_generated")
    assert generate.main(["--check"]) == 1
    assert generate.main([]) == 0 and generate.main(["--check"]) == 0
    (tmp_path / "_generated" / "fei.py").write_text("# edited\n")
    assert generate.stale(tmp_path / "_generated") == ["fei.py"] and generate.main(["--check"]) == 1


_PROBE = r"""
import re, sys, warnings
warnings.simplefilter("ignore")
import numpy
compiled = len(re._cache)
import mrcschema
path = sys.argv[1]
with mrcschema.open(path) as f:
    f.data.flat[0]; f.header.nx; f.voxel_size; f.labels; f.extended_header
mrcschema.read_header(path)
f = mrcschema.open(path); f.read(); f.close()
print((sorted(sys.modules), len(re._cache) - compiled))
"""

#: what reading a file must not import (issue 15): the schema library, attrs, the writer, the validator
NOT_ON_THE_READ_PATH = ("construct", "attr", "attrs", "mrcschema.writing", "mrcschema.validation", "mrcschema.hyperspy",
                        "mrcschema.cli", "dask", "json", "mrcschema.sources.compressed", "mrcschema.format.header_edits")


def _fresh_modules(code_args, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, *code_args], capture_output=True, text=True, cwd=cwd, check=True, env=env)
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def test_reading_a_file_imports_neither_construct_nor_attrs_nor_the_writer(tmp_path):
    """Open, header, labels, voxel size, extended header, first pixel, read(), read_header: no
    construct, attrs, json, dask, writer, validator, HyperSpy or CLI module, no decompressor
    (gzip, sources.compressed) and no header editing, no regex compiled."""
    example = REPO / "examples" / "tiny_volume.mrc"
    modules, regexes = _fresh_modules(["-c", _PROBE, str(example)], tmp_path)
    assert regexes == 0  # no regular expression compiled to read a file
    loaded = [m for m in modules if m.split(".")[0] in ("construct", "attr", "attrs", "dask", "json", "gzip")
              or m.startswith(NOT_ON_THE_READ_PATH)]
    assert loaded == []


def test_records_work_with_attrs_functions():
    @record
    class Point:
        """A point."""

        x: float
        y: float = 0.0

        @property
        def norm(self):
            return (self.x ** 2 + self.y ** 2) ** 0.5

    p = Point(3.0, y=4.0)
    assert p.norm == 5.0 and repr(p) == "Point(x=3.0, y=4.0)" and Point(1.0) == Point(1.0, 0.0)
    assert p != Point(3.0, 4.5) and hash(p) == hash(Point(3.0, 4.0)) and Point.__doc__ == "A point."
    assert attrs.has(Point) and [a.name for a in attrs.fields(Point)] == ["x", "y"]
    assert attrs.evolve(p, y=0.0) == Point(3.0) == evolve(p, y=0.0)
    assert attrs.asdict(p) == {"x": 3.0, "y": 4.0} and attrs.astuple(p) == (3.0, 4.0)
    assert is_record(p) and not is_record((3.0, 4.0)) and field_names(p) == ("x", "y")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        p.x = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing required argument 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword"):
        Point(1.0, z=2)  # type: ignore[call-arg]
    assert copy.copy(p) == p and copy.deepcopy(p) == p
    assert attrs.inspect(Point).is_frozen and attrs.inspect(Point).is_slotted


def test_compiled_records_work_with_attrs_functions():
    """The compiled classes: attrs's functions, field metadata from the field table, frozen, match."""
    from mrcschema.format.mrc2014 import Cella, Mrc2014Header

    header = mrcschema.read_header(TINY)
    assert attrs.has(Mrc2014Header) and attrs.fields(Mrc2014Header).nsymbt.metadata == {
        "doc": "size of extended header (which follows main header) in bytes", "offset": 92, "type": "int32"}
    assert attrs.evolve(header, nx=5).nx == 5 and attrs.asdict(header)["cella"] == {"x": 36.0, "y": 30.0, "z": 24.0}
    assert attrs.inspect(Mrc2014Header).is_frozen and attrs.inspect(Cella).is_slotted
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        header.nx = 3  # type: ignore[misc]
    match header.cella:
        case Cella(x, y, z):
            assert (x, y, z) == (36.0, 30.0, 24.0)


def test_header_records_pickle_by_value():
    """The header record (its class is compiled at module level) pickles, so a process pool can
    return it, as mrcfile's header does; so do the geometry, Vec3 and the records of layouts made
    from the header's values (SerialEM subsets, Agard records)."""
    from mrcschema.format.agard import agard_layout
    from mrcschema.format.seri import seri_layout
    from mrcschema.reading.mrc_file import Vec3

    header = mrcschema.read_header(TINY)
    assert pickle.loads(pickle.dumps(header)) == header and type(pickle.loads(pickle.dumps(header))) is type(header)
    assert pickle.loads(pickle.dumps(Vec3(1.0, 2.0, 3.0))) == Vec3(1.0, 2.0, 3.0)
    with mrcschema.open(TINY) as f:
        assert pickle.loads(pickle.dumps(f.geometry)) == f.geometry
    for layout in (seri_layout(1 | 32), agard_layout(2, 1), agard_layout(0, 3)):
        one = layout.parse(bytes(range(layout.size)), ">")
        again = pickle.loads(pickle.dumps(one))
        assert again == one and type(again) is type(one) and field_names(again) == tuple(f.name for f in layout.fields)
    context = multiprocessing.get_context("spawn" if sys.platform == "win32" else "fork")
    with context.Pool(2) as pool:
        assert pool.map(mrcschema.read_header, [TINY, TINY]) == [header, header]


def test_records_holding_arrays_compare_and_hash_by_their_bytes(tmp_path):
    """Two extended headers read from the same bytes are equal and hash alike (their records are
    numpy arrays: compared by dtype, shape and bytes); one record changed makes them differ."""
    from mrcschema.format.extended import parse_extended_header
    from mrcschema.format.fei import FEI2

    header = mrcschema.read_header(TINY)
    header = evolve(header, nz=2, exttyp=b"FEI2")
    imod = mrcschema.format.mrc2014.IMOD_EXTRA.parse(bytes(100))
    record = attrs.evolve(FEI2.parse(bytes(FEI2.size)), metadata_size=888, metadata_version=2)
    raw = FEI2.build(record) * 2
    one, two = (parse_extended_header(raw, header, imod, "<") for _ in range(2))
    assert one == two and hash(one) == hash(two) and one.records is not two.records
    changed = parse_extended_header(raw[:-8] + b"\1" * 8, header, imod, "<")
    assert changed != one and one != changed


_DUMP_PROBE = r"""
import contextlib, io, sys
from mrcschema.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["dump", sys.argv[1]])
print(sorted(sys.modules))
"""


def test_dump_of_a_file_imports_neither_construct_nor_attrs_nor_the_writer(tmp_path):
    """``mrcschema dump FILE`` (issue 15: a fresh dump within mrcfile-header's time) loads what it
    shows and no more: no construct, attrs, json (unless --json), writer, validator or dask."""
    example = REPO / "examples" / "tiny_volume.mrc"
    modules = _fresh_modules(["-c", _DUMP_PROBE, str(example)], tmp_path)
    loaded = [m for m in modules if m.split(".")[0] in ("construct", "attr", "attrs", "dask", "json")
              or m.startswith(("mrcschema.writing", "mrcschema.validation", "mrcschema.hyperspy"))]
    assert loaded == []


_VALIDATE_PROBE = r"""
import contextlib, io, sys
from mrcschema.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["validate", "--jsonl", sys.argv[1]])
print((code, sorted(sys.modules)))
"""


def test_validate_of_a_file_imports_neither_construct_nor_attrs_nor_the_de_modules(tmp_path):
    """``mrcschema validate FILE`` of a file with no DE files beside it (issue 15: a batch's
    start-up is its serial part, which ``--jobs`` cannot share out): the rules and the report are
    records, the DE modules are imported only for a DE movie or a given info file."""
    example = REPO / "examples" / "tiny_volume.mrc"
    code, modules = _fresh_modules(["-c", _VALIDATE_PROBE, str(example)], tmp_path)
    loaded = [m for m in modules if m.split(".")[0] in ("construct", "attr", "attrs", "dask")
              or m.startswith(("mrcschema.writing", "mrcschema.de", "mrcschema.hyperspy"))]
    assert code == 0 and loaded == [] and "mrcschema.validation.rules" in modules


_HEADER_PROBE = r"""
import contextlib, io, sys
import mrcschema
from mrcschema.cli.main import main
header = mrcschema.read_header(sys.argv[1])
after_read_header = "numpy" in sys.modules
with contextlib.redirect_stdout(io.StringIO()):
    main(["dump", sys.argv[1]])
after_dump = "numpy" in sys.modules
with contextlib.redirect_stdout(io.StringIO()):
    main(["validate", "--header-only", sys.argv[1]])
print((header.nx, after_read_header, after_dump, "numpy" in sys.modules))
"""


def test_the_header_path_imports_no_numpy(tmp_path):
    """read_header, then dump and validate --header-only of a file with no extended header, in a
    fresh process: numpy is never imported (the records are struct-based, the data summary comes
    from the mode table)."""
    nx, *numpy_loaded = _fresh_modules(["-c", _HEADER_PROBE, str(TINY)], tmp_path)
    assert nx == 24 and numpy_loaded == [False, False, False]


def test_data_dtype_text_is_what_numpy_writes_for_every_mode():
    """dump's data dtype comes from the mode table without numpy: the same text as str(dtype)."""
    from mrcschema.format.modes import READABLE_MODES, dtype_text, stored_dtype

    for mode in READABLE_MODES:
        assert READABLE_MODES[mode].itemsize == READABLE_MODES[mode].dtype.itemsize
        for order in "<>":
            for unsigned in (False, True):
                assert dtype_text(mode, order, unsigned_bytes=unsigned) == str(
                    stored_dtype(mode, order, unsigned_bytes=unsigned)), (mode, order, unsigned)


def test_open_checks_the_header_structure_once_and_parses_the_imod_view_once(monkeypatch):
    """Opening a file runs the structure checks once (not again to locate the data), and the IMOD
    view of EXTRA is parsed once per header, not on every access."""
    from mrcschema.format import geometry
    from mrcschema.reading import mrc_file

    calls = []

    def counted(header):
        calls.append(header.nx)
        return real(header)

    real = geometry.check_structure
    monkeypatch.setattr(geometry, "check_structure", counted)
    monkeypatch.setattr(mrc_file, "check_structure", counted)
    with mrcschema.open(TINY) as f:
        assert calls == [24]
        assert f.imod is f.imod and f.imod.nint == 0
