"""The generated forms (format/_generated/) are the schemas' own, and the read path needs no more.

No timing here: what is checked is that the generated module is what the generator writes now,
that each of its tables is what the engine derives from the construct schema, that a stale entry
is not used, and which modules a fresh process imports to read a file.
"""

import ast
import copy
import importlib
import os
import pickle
import subprocess
import sys

import attrs
import numpy as np
import pytest
from conftest import REPO

from mrcschema.format import engine, generate
from mrcschema.format.records import evolve, field_names, is_record, make_record_class, record

LAYOUT_MODULES = list(generate.SCHEMA_MODULES)


def _generated(module):
    return importlib.import_module(f"mrcschema.format._generated.{module.rsplit('.', 1)[-1]}")


def test_generated_modules_are_current():
    """What ``python -m mrcschema.format.generate`` would write is what is committed."""
    assert generate.stale() == [], "run: python -m mrcschema.format.generate"
    assert sorted(p.name for p in generate.OUTPUT.glob("*.py")) == sorted(generate.render())


@pytest.mark.parametrize("module", LAYOUT_MODULES)
def test_generated_tables_are_what_the_engine_derives_from_the_schemas(module):
    generated = _generated(module)
    schemas = importlib.import_module(module).SCHEMAS
    built = schemas.build()
    assert generated.MODULE == module and set(generated.LAYOUTS) == set(built)
    for name, schema in built.items():
        assert generated.LAYOUTS[name] == engine.derive_forms(schema), name
    assert schemas.generated is generated.LAYOUTS  # current: the layouts use it


def _layouts():
    from mrcschema.format import fei, mrc2014, seri

    return [mrc2014.MRC2014_HEADER, mrc2014.IMOD_EXTRA, fei.FEI1, fei.FEI2, fei.FEI_LEGACY, seri.SERI]


@pytest.mark.parametrize("layout", _layouts(), ids=lambda layout: layout.name)
def test_layouts_use_the_generated_forms_and_agree_with_construct(layout):
    """Each layout of a schema module took its forms from the generated module, and they describe
    the construct schema exactly: sizes, dtype, parse through struct = numpy = construct."""
    assert layout._forms is not None and layout.struct_le.sizeof() == layout.size == layout.dtype().itemsize
    derived = engine.derive_forms(layout.struct_le)
    assert layout._forms == derived
    rng = np.random.default_rng(len(layout.name))
    for order in "<>":
        for _ in range(5):
            raw = rng.integers(0, 256, layout.size, dtype=np.uint8).tobytes()
            via_struct = layout.parse(raw, order)
            via_numpy = layout.to_record(layout.parse_array(raw, order)[0])
            assert repr(via_struct) == repr(via_numpy)  # repr: NaN payloads compare unequal
            if not _has_text_or_flag(layout):
                assert layout.build(via_struct, order) == raw


def _has_text_or_flag(layout):
    """Text fields hold ASCII (random bytes do not rebuild), flags store 1 for any non-zero byte."""
    return any(f.type.startswith("char[") or f.type == "bool" for f in layout.fields)


@pytest.mark.parametrize("crc", ["SOURCE_CRC", "ENGINE_CRC"])
def test_a_stale_generated_module_is_not_used(monkeypatch, crc):
    """Generated forms whose source or engine CRC is not the file's are ignored: the forms then
    come from the schema."""
    from mrcschema.format import mrc2014

    generated = _generated("mrcschema.format.mrc2014")
    monkeypatch.setattr(generated, crc, getattr(generated, crc) ^ 1)
    schemas = engine.Schemas(mrc2014._define_schemas)
    assert schemas.generated is None
    layout = engine.Layout("mrc2014_header", schemas.ref("MRC2014_HEADER_SCHEMA"))
    assert layout._forms == engine.derive_forms(mrc2014.MRC2014_HEADER_SCHEMA)
    monkeypatch.undo()
    assert engine.Schemas(mrc2014._define_schemas).generated is generated.LAYOUTS


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
    cls = make_record_class("Pair", ["a", "b"], {"a": {"doc": "first"}})
    pair = cls(1, b=2)
    assert attrs.fields(cls).a.metadata == {"doc": "first"} and attrs.evolve(pair, a=5).a == 5
    match pair:
        case cls(a, b):  # type: ignore[misc]
            assert (a, b) == (1, 2)


def test_header_records_pickle_by_value():
    """Records of a module-level class pickle (the geometry, Vec3); layout records copy."""
    import mrcschema
    from mrcschema.reading.mrc_file import Vec3

    assert pickle.loads(pickle.dumps(Vec3(1.0, 2.0, 3.0))) == Vec3(1.0, 2.0, 3.0)
    with mrcschema.open(REPO / "examples" / "tiny_volume.mrc") as f:
        assert copy.deepcopy(f.header) == f.header and pickle.loads(pickle.dumps(f.geometry)) == f.geometry


_DUMP_PROBE = r"""
import contextlib, io, sys
from mrcschema.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["dump", sys.argv[1]])
print(sorted(sys.modules))
"""


def test_dump_of_a_file_imports_neither_construct_nor_attrs_nor_the_writer(tmp_path):
    """``mrcschema dump FILE`` (issue 15: a fresh dump within mrcfile-header's time) loads what it
    shows and no more: no construct, attrs, json (unless --json), writer, validator or dask, and no
    argparse (a command line of file names only needs no parser)."""
    example = REPO / "examples" / "tiny_volume.mrc"
    modules = _fresh_modules(["-c", _DUMP_PROBE, str(example)], tmp_path)
    loaded = [m for m in modules if m.split(".")[0] in ("construct", "attr", "attrs", "dask", "json", "argparse")
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
