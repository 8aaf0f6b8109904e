"""The compiler: each construct schema of the schema modules to a plain Python module.

    python -m mrcschema.format.generate            # (re)write format/_generated/
    python -m mrcschema.format.generate --check    # exit 1 when they are not what this would write

As Kaitai Struct's compiler turns a ``.ksy`` description into code, this turns each layout --
written once, as a ``construct.Struct`` with a doc string per field, in ``mrc2014.py``,
``fei.py``, ``seri.py`` or ``agard.py`` -- into ``format/_generated/<module>.py``, committed:

* a typed record class per layout (and per nested struct), defined at module level: one
  annotated slot per field with the field's doc under it, so ``header.nx`` is an ``int`` to mypy
  and an IDE, and records pickle (:mod:`.records`);
* the field table (name, offset, size, type, doc, children);
* one ``struct`` format per byte order, which :class:`.engine.Layout` uses both to parse
  (``unpack_from``) and to build (``pack``);
* the numpy dtype description (little-endian) for bulk records;

gathered in one :class:`.engine.Compiled` per schema.  The output carries
:data:`GENERATOR_VERSION`; a test regenerates and compares, so a schema edited without running
the generator fails the tests (nothing is checked or derived at run time).  Layouts whose shape
depends on header values are compiled as templates: the SerialEM record of every item (a file's
is the subset its NREAL flags name) and the Agard record (``resized`` to NINT ints and NREAL
reals).

The schema modules import their generated module; after deleting one, restore it
(``git checkout``) before running this.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from .engine import Compiled, Row, array_count, struct_formats, type_parts, unwrap

#: bumped when what the compiler writes changes in form (the modules carry it)
GENERATOR_VERSION = 2

#: the modules whose ``SCHEMAS`` (an :class:`engine.Schemas`) are compiled, one file each
SCHEMA_MODULES = ("mrcschema.format.mrc2014", "mrcschema.format.fei", "mrcschema.format.seri",
                  "mrcschema.format.agard")

OUTPUT = Path(__file__).resolve().parent / "_generated"

#: struct-module format letters (construct's ``fmtstr``) to numpy kinds (standard sizes)
_FORMAT_TO_NUMPY = {
    "b": "i1", "B": "u1", "h": "i2", "H": "u2", "l": "i4", "L": "u4",
    "i": "i4", "I": "u4", "q": "i8", "Q": "u8", "e": "f2", "f": "f4", "d": "f8",
}


# --------------------------------------------------------------------------------------------
# reading a construct schema


def _fixed_order(subcon) -> bool:
    return getattr(subcon, "little_endian_always", False)


def _describe(subcon) -> tuple[Any, str]:
    """(numpy dtype little-endian, type name) of a building block."""
    import construct
    import numpy as np

    if isinstance(subcon, construct.FormatField):
        kind = _FORMAT_TO_NUMPY[subcon.fmtstr[-1]]
        dt = np.dtype("<" + kind) if kind[1] != "1" else np.dtype(kind)
        names = {"i": "int", "u": "uint", "f": "float"}
        return dt, f"{names[kind[0]]}{dt.itemsize * 8}"
    if isinstance(subcon, construct.Flag.__class__):
        return np.dtype("?"), "bool"
    if isinstance(subcon, construct.StringEncoded):
        length = subcon.subcon.length
        return np.dtype(f"S{length}"), f"char[{length}]"
    if isinstance(subcon, construct.Bytes):
        return np.dtype(f"V{subcon.length}"), f"bytes[{subcon.length}]"
    if isinstance(subcon, construct.Array):
        if isinstance(subcon.subcon, (construct.Struct, construct.StringEncoded, construct.Array)):
            raise TypeError("arrays of structs, texts or arrays are not supported by the compiler")
        inner_dt, inner_type = _describe(subcon.subcon)
        return np.dtype((inner_dt, (subcon.count,))), f"{inner_type}[{subcon.count}]"
    raise TypeError(f"unsupported construct building block {subcon!r}")


def _walk(struct, base: int) -> tuple[list[Row], list]:
    import construct

    rows: list[Row] = []
    dtype_fields: list = []
    offset = base
    for sub in struct.subcons:
        name, doc, inner = unwrap(sub)
        if name is None:
            raise TypeError(f"every field of a schema needs a name: {sub!r}")
        if isinstance(inner, construct.Struct):
            children, child_dtype = _walk(inner, offset)
            size = inner.sizeof()
            rows.append((name, offset, size, "struct", doc, tuple(children)))
            dtype_fields.append((name, child_dtype))
        else:
            if _fixed_order(inner):
                inner = inner.subcon
            dt, type_name = _describe(inner)
            size = dt.itemsize
            rows.append((name, offset, size, type_name, doc, ()))
            dtype_fields.append((name, dt))
        offset += size
    return rows, dtype_fields


def derive_forms(struct) -> dict:
    """What a construct schema compiles to, as plain data: size, field table, numpy dtype
    description (little-endian), the fields stored little-endian in every file and the ``struct``
    format of each byte order."""
    import numpy as np

    rows, dtype_fields = _walk(struct, 0)
    fixed = tuple(str(unwrap(sub)[0]) for sub in struct.subcons if _fixed_order(unwrap(sub)[2]))
    forms = {"size": struct.sizeof(), "fields": tuple(rows), "dtype": np.dtype(dtype_fields).descr,
             "little_endian_always": fixed}
    forms["formats"] = struct_formats(forms["fields"], fixed)
    return forms


# --------------------------------------------------------------------------------------------
# writing the module


def class_name(name: str) -> str:
    """``"MRC2014_HEADER_SCHEMA"`` -> ``"Mrc2014Header"``, ``"SERI_RECORD"`` -> ``"SeriRecord"``,
    ``"cella"`` -> ``"Cella"``: the record class of a schema or of a nested struct field."""
    if name.endswith("_SCHEMA"):
        name = name[: -len("_SCHEMA")]
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def _annotation(row: Row, nested: dict[str, str]) -> str:
    if row[3] == "struct":
        return nested[row[0]]
    base = type_parts(row[3])[0]
    scalar = {"char": "str", "bytes": "bytes", "bool": "bool"}.get(base, "float" if base.startswith("float") else "int")
    return f"tuple[{scalar}, ...]" if array_count(row[3]) is not None else scalar


def _doc_literal(text: str) -> str:
    """A docstring literal of ``text`` (its repr when it cannot be a plain triple-quoted string)."""
    if '"""' in text or "\\" in text or text.endswith('"'):
        return repr(text)
    return f'"""{text}"""'


def _render_classes(top: str, rows: tuple[Row, ...], table: str, doc: str, seen: dict[str, str]) -> list[str]:
    """The class of ``rows`` (named ``top``) after the classes of its nested structs."""
    lines: list[str] = []
    nested: dict[str, str] = {}
    for index, row in enumerate(rows):
        if row[3] == "struct":
            name = class_name(row[0])
            if name in seen:
                raise ValueError(f"two record classes called {name} ({seen[name]}, {top}.{row[0]})")
            seen[name] = f"{top}.{row[0]}"
            nested[row[0]] = name
            lines += _render_classes(name, row[5], f"{table}[{index}][5]",
                                     f"{row[4]} (field ``{row[0]}`` of :class:`{top}`).", seen)
    lines += [f"class {top}(Record):", f"    {_doc_literal(doc)}", ""]
    slots = ", ".join(repr(row[0]) for row in rows) + ("," if len(rows) == 1 else "")
    lines += [f"    __slots__ = ({slots})", f"    _metadata = field_metadata({table})"]
    if nested:
        lines.append("    _nested = {" + ", ".join(f"{k!r}: {v}" for k, v in nested.items()) + "}")
    for row in rows:
        lines += ["", f"    {row[0]}: {_annotation(row, nested)}", f"    {_doc_literal(row[4])}"]
    return lines + ["", ""]


def _rows(rows, indent: str) -> list[str]:
    lines = []
    for name, offset, size, type_name, doc, children in rows:
        head = f"{indent}({name!r}, {offset}, {size}, {type_name!r}, {doc!r}, "
        if not children:
            lines.append(head + "()),")
        else:
            lines += [head + "(", *_rows(children, indent + "    "), f"{indent})),"]
    return lines


def _descr(descr, indent: str) -> list[str]:
    lines = []
    for entry in descr:
        if isinstance(entry[1], list):
            lines += [f"{indent}({entry[0]!r}, [", *_descr(entry[1], indent + "    "), f"{indent}]),"]
        else:
            lines.append(f"{indent}{entry!r},")
    return lines


_HEAD = '''"""Compiled by ``python -m mrcschema.format.generate`` from the construct schemas of
``{module}``: do not edit (change the schema, then run the generator).

For each schema: the record class (and those of its nested structs), the field table
``_<SCHEMA>_FIELDS`` and the :class:`~mrcschema.format.engine.Compiled` form called as the schema
is (record class, size, one ``struct`` format per byte order, field table, numpy dtype
description, fields little-endian in every file).
"""

from __future__ import annotations

from ..engine import Compiled, field_metadata
from ..records import Record

GENERATOR_VERSION = {version}
MODULE = {module!r}

'''


def render_module(module: str, schemas: dict[str, Any]) -> str:
    """The text of the compiled module of the schema module ``module`` (``schemas``: its
    ``{name: construct schema}``)."""
    tables: list[str] = []
    classes: list[str] = []
    compiled: list[str] = []
    seen: dict[str, str] = {}
    for schema_name, schema in schemas.items():
        forms = derive_forms(schema)
        top = class_name(schema_name)
        if top in seen:
            raise ValueError(f"two record classes called {top}")
        seen[top] = schema_name
        table = f"_{schema_name}_FIELDS"
        tables += [f"{table} = (", *_rows(forms["fields"], "    "), ")", ""]
        doc = (f"One ``{schema_name}`` record ({forms['size']} bytes, schema in ``{module}``); "
               "the field docs are the schema's.")
        classes += _render_classes(top, forms["fields"], table, doc, seen)
        compiled += [
            f"{schema_name}: Compiled[{top}] = Compiled(",
            f"    {top},",
            f"    {forms['size']},",
            f"    {{'<': {forms['formats']['<']!r},",
            f"     '>': {forms['formats']['>']!r}}},",
            f"    {table},",
            "    [",
            *_descr(forms["dtype"], " " * 8),
            "    ],",
            f"    {tuple(forms['little_endian_always'])!r},",
            ")",
            "",
        ]
    names = ", ".join(f"{name!r}: {name}" for name in schemas)
    body = [*tables, "", *classes, *compiled, f"COMPILED = {{{names}}}", ""]
    return _HEAD.format(module=module, version=GENERATOR_VERSION) + "\n".join(body)


_PACKAGE_DOC = '''"""Compiled by ``python -m mrcschema.format.generate``: do not edit.

One module per schema module ({modules}): record classes, field tables, ``struct`` formats and
numpy dtype descriptions compiled from their construct schemas (``mrcschema.format.generate``).
"""
'''


def render() -> dict[str, str]:
    """{file name: text} of the generated package."""
    files = {"__init__.py": _PACKAGE_DOC.format(modules=", ".join(SCHEMA_MODULES))}
    for module in SCHEMA_MODULES:
        schemas = importlib.import_module(module).SCHEMAS.build()
        files[module.rsplit(".", 1)[-1] + ".py"] = render_module(module, schemas)
    return files


def compile_schema(name: str, schema) -> Compiled:
    """Compile one construct schema in this process (the same text the generator writes, run):
    for a layout tried out before it has a schema module, and for the tests."""
    source = render_module("__compiled__", {name: schema}).replace("from ..", "from mrcschema.format.")
    namespace: dict[str, Any] = {"__name__": "mrcschema.format._generated.__compiled__"}
    exec(compile(source, f"<compiled {name}>", "exec"), namespace)
    return namespace[name]


def stale(output: Path | None = None) -> list[str]:
    """The generated files (in ``output``, default :data:`OUTPUT`) that are missing or differ from
    what :func:`render` writes."""
    output = OUTPUT if output is None else output
    return [name for name, text in render().items()
            if not (output / name).exists() or (output / name).read_text() != text]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mrcschema.format.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the generated modules are not current")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        print(f"{OUTPUT}: " + (f"NOT current ({', '.join(names)}): run python -m mrcschema.format.generate"
                               if names else "current"))
        return 1 if names else 0
    OUTPUT.mkdir(exist_ok=True)
    for name, text in render().items():
        (OUTPUT / name).write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
