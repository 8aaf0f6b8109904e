"""The generic engine: one ``construct`` schema, everything else derived from it.

A layout is written once, as a fixed-size ``construct.Struct`` whose fields carry
a doc string (``"nx" / Int32sl * "number of columns"``).  :class:`Layout` walks
that schema and derives what the rest of the library needs:

* ``fields`` – the field table (name, offset, size, type, doc) used by ``dump``,
  the docs and the conformance tests;
* ``dtype(byteorder)`` – a numpy structured dtype with the same byte layout, so
  thousands of extended-header records are read as one array, never one by one in Python;
* ``parse(buffer)`` – one record through a ``struct`` format made from the field table
  (one ``unpack_from``; the same values as the numpy dtype gives, which a test checks);
* ``record_class`` – a frozen record class (:mod:`.records`: attrs's functions accept it) for one record;
* ``build(record, byteorder)`` – the reverse direction, through the ``construct``
  schema itself, so the bytes written are defined by the same text that parses them.

Schemas are written little-endian; the big-endian twin is derived here.
Supported building blocks: little-endian ``FormatField`` (``Int32sl``, ``Float64l``...),
``Flag``, ``Bytes(n)`` (raw bytes), ``PaddedString(n, "ascii")`` (text),
``Array(n, <FormatField or Bytes>)`` and nested ``Struct``.

**Generated forms.**  What a layout derives from its schema -- the field table and the dtype
description -- is the same in every process, and deriving it means importing ``construct`` and
walking the schema.  A schema module therefore writes its schemas inside one function
(:class:`Schemas`: built when first asked for, e.g. to write a header) and gives each layout a
:class:`SchemaRef`; the derived forms of those layouts are kept as plain literals in
``format/_generated/<module>.py`` (written by ``python -m mrcschema.format.generate``).  A layout
uses them when they are *current* -- the CRC-32 of the schema module's source and of this file are
the ones they were generated from -- and derives them from the schema otherwise.  Tests regenerate
the modules and compare, and check their tables against what :func:`derive_forms` makes of each
schema, so the schema stays the single source.  Reading a file imports neither
``construct`` nor ``attrs``.
"""

from __future__ import annotations

import functools
import importlib
import struct as _struct
import sys
import zlib
from typing import Any, cast

import numpy as np

from ..errors import MrcFormatError
from .records import Record, field_names, is_record, make_record_class, record


@record
class Field:
    """One row of a layout's field table."""

    name: str
    offset: int
    size: int
    type: str  #: "int32", "float64", "char[16]", "bytes[8]", "float32[3]", "struct", ...
    doc: str
    children: tuple = ()  #: the fields of a nested struct, offsets relative to the file record


# --------------------------------------------------------------------------------------------
# the forms: what a schema derives to, as plain data
#
# ``forms`` = {"size": int, "fields": (row, ...), "dtype": numpy descr (little-endian)}, a row being
# (name, offset, size, type, doc, (child row, ...)).  ``derive_forms`` makes them from a construct
# schema; ``format/_generated/`` holds them for the schemas of the schema modules.

#: struct-module format letters (construct's ``fmtstr``) to numpy kinds (sizes are the standard ones).
_FORMAT_TO_NUMPY = {
    "b": "i1", "B": "u1", "h": "i2", "H": "u2", "l": "i4", "L": "u4",
    "i": "i4", "I": "u4", "q": "i8", "Q": "u8", "e": "f2", "f": "f4", "d": "f8",
}
#: the engine's number type names to ``struct`` letters (standard sizes)
_TYPE_TO_STRUCT = {
    "int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i", "uint32": "I",
    "int64": "q", "uint64": "Q", "float16": "e", "float32": "f", "float64": "d", "bool": "?",
}


def _unwrap(subcon):
    """Strip the ``Renamed`` wrappers ``/`` and ``*`` add, returning (name, doc, inner)."""
    import construct

    name, doc = None, ""
    while isinstance(subcon, construct.Renamed):
        name = subcon.name if subcon.name is not None else name
        doc = subcon.docs or doc
        subcon = subcon.subcon
    return name, doc, subcon


def little_endian_always(subcon):
    """Mark a number stored little-endian in every file, whatever the file's byte order (the FEI
    bitmasks, "specified as little-endian"): the big-endian twin of the schema and its dtype leave
    it as it is.  Wrap the little-endian building block: ``little_endian_always(Int32ul)``."""
    import construct

    class LittleEndianAlways(construct.Subconstruct):
        """A number little-endian in every file (see :func:`little_endian_always`)."""

    marked = LittleEndianAlways(subcon)
    marked.little_endian_always = True
    return marked


def _is_fixed_order(subcon) -> bool:
    return getattr(subcon, "little_endian_always", False)


def _describe(subcon):
    """Return (numpy dtype little-endian, type name) for a building block."""
    import construct

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
            raise TypeError("arrays of structs, texts or arrays are not supported by the engine")
        inner_dt, inner_type = _describe(subcon.subcon)
        return np.dtype((inner_dt, (subcon.count,))), f"{inner_type}[{subcon.count}]"
    raise TypeError(f"unsupported construct building block {subcon!r}")


def _walk(struct, base):
    import construct

    rows, dtype_fields = [], []
    offset = base
    for sub in struct.subcons:
        name, doc, inner = _unwrap(sub)
        if isinstance(inner, construct.Struct):
            children, child_dtype = _walk(inner, offset)
            size = inner.sizeof()
            rows.append((name, offset, size, "struct", doc, tuple(children)))
            dtype_fields.append((name, child_dtype))
        else:
            if _is_fixed_order(inner):
                inner = inner.subcon
            dt, type_name = _describe(inner)
            size = dt.itemsize
            rows.append((name, offset, size, type_name, doc, ()))
            dtype_fields.append((name, dt))
        offset += size
    return rows, dtype_fields


def derive_forms(struct) -> dict:
    """The forms of a construct schema: its size, field table and numpy dtype description."""
    rows, dtype_fields = _walk(struct, 0)
    fixed = tuple(_unwrap(sub)[0] for sub in struct.subcons if _is_fixed_order(_unwrap(sub)[2]))
    return {"size": struct.sizeof(), "fields": tuple(rows), "dtype": np.dtype(dtype_fields).descr,
            "little_endian_always": fixed}


def _subset_forms(forms, wanted):
    """The forms of the top-level fields in ``wanted``, in schema order, packed."""
    rows, descr, offset = [], [], 0
    for row, entry in zip(forms["fields"], forms["dtype"]):
        if row[0] not in wanted:
            continue
        rows.append(_moved(row, offset - row[1]))
        descr.append(entry)
        offset += row[2]
    return {"size": offset, "fields": tuple(rows), "dtype": descr}


def _moved(row, shift):
    name, offset, size, type_name, doc, children = row
    return (name, offset + shift, size, type_name, doc, tuple(_moved(c, shift) for c in children))


@functools.cache
def _type_parts(type_name) -> tuple[str, tuple[int, ...]]:
    """``"bytes[80][10]"`` -> ("bytes", (80, 10)); ``"int16[3]"`` -> ("int16", (3,))."""
    base, _, dims = type_name.partition("[")
    return base, tuple(int(d) for d in dims[:-1].split("][")) if dims else ()


@functools.cache
def _array_count(type_name) -> int | None:
    """The element count of an array type (``int16[3]``, ``bytes[80][10]``), None for single values."""
    base, sizes = _type_parts(type_name)
    if base in ("char", "bytes"):
        return sizes[1] if len(sizes) > 1 else None
    return sizes[0] if sizes else None


def _struct_code(row) -> str:
    """The ``struct`` format of one field-table row (no byte-order prefix)."""
    type_name, children = row[3], row[5]
    if type_name == "struct":
        return "".join(_struct_code(child) for child in children)
    base, sizes = _type_parts(type_name)
    count = _array_count(type_name)
    if base in _TYPE_TO_STRUCT:
        return f"{count or ''}{_TYPE_TO_STRUCT[base]}"
    if base in ("char", "bytes"):
        return f"{sizes[0]}s" * (count or 1)
    raise TypeError(f"no struct format for type {type_name!r}")


def _kind(type_name):
    """How a stored value becomes a record value: "value", "text", "array" or "struct"."""
    if type_name == "struct":
        return "struct"
    if type_name.startswith("char["):
        return "text"
    return "value" if _array_count(type_name) is None else "array"


def _width(row) -> int:
    """How many values ``struct`` gives for one field-table row."""
    if row[3] == "struct":
        return sum(_width(child) for child in row[5])
    return _array_count(row[3]) or 1


# --------------------------------------------------------------------------------------------
# schemas written in a function, and the generated forms


def _file_crc(path) -> int | None:
    try:
        with open(path, "rb") as f:
            return zlib.crc32(f.read())
    except OSError:
        return None


def _generated_entry(module: str):
    """The generated module of the schema module ``module`` (``format/_generated/<name>.py``), or
    None when there is none."""
    try:
        return importlib.import_module(f"{__package__}._generated.{module.rsplit('.', 1)[-1]}")
    except ImportError:
        return None


class Schemas:
    """The construct schemas one module writes in one function, ``define`` (which imports construct
    and returns ``{name: schema}``), built the first time one of them is asked for.

    ``module_getattr`` serves them as module attributes (``mrc2014.MRC2014_HEADER_SCHEMA``)."""

    def __init__(self, define) -> None:
        self._define = define
        self._built: dict | None = None
        self.module = define.__module__

    def build(self) -> dict:
        if self._built is None:
            self._built = self._define()
        return self._built

    def ref(self, name: str) -> SchemaRef:
        return SchemaRef(self, name)

    def module_getattr(self, name: str) -> Any:
        """For a schema module's ``__getattr__``: its schemas by name (AttributeError otherwise)."""
        if name.startswith("__"):
            raise AttributeError(name)
        schemas = self.build()
        if name not in schemas:
            raise AttributeError(f"module {self.module!r} has no attribute {name!r}")
        return schemas[name]

    @functools.cached_property
    def generated(self) -> dict | None:
        """The forms generated from this module's schemas (by schema name) when they are current,
        else None."""
        entry = _generated_entry(self.module)
        if entry is None or getattr(entry, "MODULE", None) != self.module:
            return None
        source = getattr(sys.modules.get(self.module), "__file__", None)
        if source is None or _file_crc(source) != entry.SOURCE_CRC or _engine_crc() != entry.ENGINE_CRC:
            return None
        return entry.LAYOUTS


@functools.cache
def _engine_crc():
    return _file_crc(__file__)


class SchemaRef:
    """One schema of a :class:`Schemas` set, by name: a :class:`Layout` built from it reads its
    forms from the generated module (when current) and builds the schema only when asked for it."""

    def __init__(self, schemas: Schemas, name: str):
        self.schemas, self.name = schemas, name

    def build(self):
        return self.schemas.build()[self.name]

    def forms(self) -> dict:
        generated = self.schemas.generated
        if generated is not None and self.name in generated:
            return generated[self.name]
        return derive_forms(self.build())

    def __repr__(self):
        return f"SchemaRef({self.schemas.module}.{self.name})"


# --------------------------------------------------------------------------------------------
# the layout


class Layout:
    """Everything derived from one fixed-size ``construct.Struct`` (see module doc).

    ``struct`` is the schema itself or a :class:`SchemaRef` to it (its forms then come from the
    generated module when current, and the schema is built only for writing)."""

    def __init__(self, name, struct, *, doc="", _forms=None, _schema=None):
        self.name = name
        self.doc = doc
        if isinstance(struct, SchemaRef):
            self._schema = struct.build
            forms = struct.forms() if _forms is None else _forms
        else:
            self._schema = _schema or (lambda: struct)
            forms = derive_forms(struct) if _forms is None else _forms
        self._forms = forms
        self.size = forms["size"]
        self.fields = tuple(_field(row) for row in forms["fields"])
        self._dtype_le = np.dtype(forms["dtype"])
        if self._dtype_le.itemsize != self.size:
            raise TypeError(f"{name}: dtype size {self._dtype_le.itemsize} != schema size {self.size}")

    # The record classes, the struct formats, the big-endian forms and the construct schemas are
    # made when first needed.
    @functools.cached_property
    def _fixed_order(self) -> frozenset:
        """Top-level fields stored little-endian in every file (:func:`little_endian_always`)."""
        return frozenset(self._forms.get("little_endian_always", ()))

    @functools.cached_property
    def _dtype_be(self):
        dtype = self._dtype_le
        if not self._fixed_order:
            return dtype.newbyteorder(">")
        names = list(dtype.names)
        formats = [dtype.fields[n][0] if n in self._fixed_order else dtype.fields[n][0].newbyteorder(">")
                   for n in names]
        return np.dtype({"names": names, "formats": formats, "offsets": [dtype.fields[n][1] for n in names],
                         "itemsize": dtype.itemsize})

    @functools.cached_property
    def struct_le(self):
        """The construct schema (little-endian), built on first use."""
        return self._schema()

    @functools.cached_property
    def struct_be(self):
        """The big-endian twin of the schema."""
        return _swap_struct(self.struct_le)

    @functools.cached_property
    def _plan(self):
        """(record class, converters, groups): how values become a record (see :func:`_plan_of`)."""
        return _plan_of(self.name, self._forms["fields"])

    @functools.cached_property
    def _by_name(self):
        return {f.name: f for f in self.fields}

    @property
    def record_class(self):
        """The record class of one record (nested structs get their own classes)."""
        return self._plan[0]

    @functools.cached_property
    def _unpackers(self):
        code = "".join(_struct_code(row) for row in self._forms["fields"])
        return {order: _struct.Struct(order + code).unpack_from for order in "<>"}

    # -- public API ---------------------------------------------------------
    def dtype(self, byteorder="<"):
        """The numpy structured dtype of this layout in the given byte order."""
        return self._dtype_be if byteorder == ">" else self._dtype_le

    def struct(self, byteorder="<"):
        """The ``construct`` schema for the given byte order."""
        return self.struct_be if byteorder == ">" else self.struct_le

    def subset(self, names, name=None, *, doc=""):
        """A new Layout of the top-level fields called ``names``, in this schema's order, packed
        (each field keeps its building block and doc string; offsets are the packed ones)."""
        wanted = set(names)
        missing = wanted - {f.name for f in self.fields}
        if missing:
            raise KeyError(f"{self.name} has no field(s) {sorted(missing)}")

        def schema():
            import construct

            return construct.Struct(*[sub for sub in self.struct_le.subcons if _unwrap(sub)[0] in wanted])

        return Layout(name or self.name, None, doc=doc or self.doc, _forms=_subset_forms(self._forms, wanted),
                      _schema=schema)

    def field(self, name):
        """The field-table row called ``name`` (top level)."""
        return self._by_name[name]

    def parse_array(self, buffer, byteorder="<", count=-1, offset=0):
        """All records of a bulk block as one numpy structured array (no Python loop)."""
        return np.frombuffer(buffer, dtype=self.dtype(byteorder), count=count, offset=offset)

    def parse(self, buffer, byteorder="<", offset=0):
        """One record from ``buffer`` as a record (one ``struct.unpack_from``)."""
        if len(buffer) - offset < self.size:
            raise MrcFormatError(
                f"{self.name} needs {self.size} bytes, only {len(buffer) - offset} available",
                field=self.name, offset=offset,
            )
        if byteorder == ">" and self._fixed_order:  # mixed byte order: through the numpy dtype
            return self.to_record(np.frombuffer(buffer, dtype=self._dtype_be, count=1, offset=offset)[0])
        cls, _, groups = self._plan
        return _build(cls, groups, self._unpackers[">" if byteorder == ">" else "<"](buffer, offset))

    def to_record(self, item):
        """Turn one numpy record (a ``numpy.void`` of this layout) into the record."""
        cls, converters, _ = self._plan
        return _convert(cls, converters, item.item())

    def to_numpy(self, record, byteorder="<"):
        """The record as a one-element numpy structured array."""
        return np.frombuffer(self.build(record, byteorder), dtype=self.dtype(byteorder), count=1)

    def build(self, record, byteorder="<"):
        """Bytes of ``record`` built by the ``construct`` schema of the given byte order."""
        import construct

        try:
            return self.struct(byteorder).build(_as_construct_value(record))
        except (construct.ConstructError, UnicodeError, TypeError, ValueError) as exc:
            raise MrcFormatError(f"cannot build {self.name}: {exc}", field=self.name) from None


def _field(row) -> Field:
    name, offset, size, type_name, doc, children = row
    return cast(Any, Field)._make((name, offset, size, type_name, doc, tuple(_field(c) for c in children)))


def _class_name(name):
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def _plan_of(name, rows):
    """How values become a record of ``rows``: (record class, converters, groups).

    ``converters`` serve :meth:`Layout.to_record` (numpy's nested tuples): per field (kind, struct
    width, the plan of a nested struct).  ``groups`` serve :meth:`Layout.parse` (the flat tuple of
    ``struct.unpack_from``): the fields that are not one value each -- (start, stop, kind, plan of a
    nested struct) -- last first, so that regrouping one leaves the positions of the others."""
    metadata = {row[0]: {"doc": row[4], "offset": row[1], "type": row[3]} for row in rows}
    cls = make_record_class(_class_name(name), [row[0] for row in rows], metadata,
                            doc=f"One {name} record; fields as in the {name} field table.", module=__name__)
    converters = tuple((_kind(row[3]), _width(row), _plan_of(row[0], row[5]) if row[5] else None) for row in rows)
    groups, start = [], 0
    for kind, width, sub in converters:
        if kind != "value":
            groups.append((start, start + width, kind, sub))
        start += width
    return cls, converters, tuple(reversed(groups))


def _build(cls, groups, values):
    """A record from the flat values of ``struct.unpack_from`` (arrays and nested structs regrouped)."""
    if groups:
        values = list(values)
        for start, stop, kind, sub in groups:
            if kind == "array":
                values[start:stop] = (tuple(values[start:stop]),)
            elif kind == "text":
                values[start] = values[start].rstrip(b"\0").decode("latin-1")  # as numpy's S dtype strips NULs
            else:
                values[start:stop] = (_build(sub[0], sub[2], values[start:stop]),)
    return cls._make(values)


def _convert(cls, converters, values):
    """Build a record from the nested tuple ``numpy.void.item()`` returns."""
    out = []
    for (kind, _, sub), value in zip(converters, values):
        if kind == "struct":
            value = _convert(sub[0], sub[1], value)
        elif kind == "text":
            value = value.decode("latin-1")
        elif kind == "array":
            value = tuple(value.tolist())
        out.append(value)
    return cls._make(out)


def _as_construct_value(value):
    """record -> the dict ``construct`` builds from (text and tuples as construct wants)."""
    if is_record(value) and not isinstance(value, tuple):
        return {name: _as_construct_value(getattr(value, name)) for name in field_names(value)}
    if isinstance(value, tuple):
        return [_as_construct_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _swap_struct(struct):
    """The same schema with every little-endian number turned big-endian."""
    import construct

    return construct.Struct(*[_swap(sub) for sub in struct.subcons])


def _swap(subcon):
    import construct

    if _is_fixed_order(subcon):
        return subcon
    if isinstance(subcon, construct.Renamed):
        return construct.Renamed(_swap(subcon.subcon), newname=subcon.name, newdocs=subcon.docs)
    if isinstance(subcon, construct.FormatField):
        return construct.FormatField(">", subcon.fmtstr[-1])
    if isinstance(subcon, construct.Array):
        return construct.Array(subcon.count, _swap(subcon.subcon))
    if isinstance(subcon, construct.Struct):
        return _swap_struct(subcon)
    return subcon


__all__ = ["Field", "Layout", "Record", "SchemaRef", "Schemas", "derive_forms"]
