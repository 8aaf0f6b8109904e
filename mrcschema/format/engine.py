"""The runtime half of a layout: what :mod:`.generate` compiled from a ``construct`` schema, used.

A layout is written once, as a fixed-size ``construct.Struct`` whose fields carry a doc string
(``"nx" / Int32sl * "number of columns"``), in a schema module (``mrc2014.py``, ``fei.py``,
``seri.py``, ``agard.py``).  ``python -m mrcschema.format.generate`` compiles each schema, as
Kaitai Struct's compiler compiles a ``.ksy`` file, into a committed plain module in
``format/_generated/``: a typed record class at module level, one ``struct`` format per byte
order, the numpy dtype description and the field table, gathered in one :class:`Compiled`.  A
:class:`Layout` is made from that and gives the rest of the library:

* ``fields`` -- the field table (name, offset, size, type, doc): ``dump``, the docs, the offsets
  of error messages and the conformance tests;
* ``parse(buffer, byteorder)`` / ``build(record, byteorder)`` -- one record through the one
  ``struct`` format of that byte order, in both directions (``unpack_from`` and ``pack`` of the
  same ``struct.Struct``: symmetric by construction);
* ``dtype(byteorder)`` / ``parse_array`` -- the numpy structured dtype of the same bytes, so
  thousands of extended-header records are one ``numpy.frombuffer`` (numpy is imported then, not
  before: the header path needs none);
* ``record_class`` -- the compiled record class (:mod:`.records`).

Layouts whose shape depends on header values are made from a compiled one by the same table:
:meth:`Layout.subset` (a SerialEM file's items, chosen by its NREAL flags) and
:meth:`Layout.resized` (the Agard record of NINT ints and NREAL reals).

Nothing here imports ``construct``: the schemas are built only by the compiler, by the tests
that hold the compiled modules to them, and for the docs (:meth:`Layout.schema`).
"""

from __future__ import annotations

import functools
import importlib
import struct as _struct
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from ..errors import MrcFormatError
from .records import Record, record

if TYPE_CHECKING:
    import numpy as np

R = TypeVar("R", bound=Record)

#: a field-table row: (name, offset, size, type, doc, child rows)
Row = tuple[str, int, int, str, str, tuple]


@record
class Field:
    """One row of a layout's field table."""

    name: str
    offset: int
    size: int
    type: str  #: "int32", "float64", "char[16]", "bytes[8]", "float32[3]", "struct", ...
    doc: str
    children: tuple[Field, ...] = ()  #: the fields of a nested struct, offsets relative to the file record


# --------------------------------------------------------------------------------------------
# the table: type names, struct codes and how flat struct values become record values

#: the engine's number type names to ``struct`` letters (standard sizes)
TYPE_TO_STRUCT = {
    "int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i", "uint32": "I",
    "int64": "q", "uint64": "Q", "float16": "e", "float32": "f", "float64": "d", "bool": "?",
}


@functools.cache
def type_parts(type_name: str) -> tuple[str, tuple[int, ...]]:
    """``"bytes[80][10]"`` -> ("bytes", (80, 10)); ``"int16[3]"`` -> ("int16", (3,))."""
    base, _, dims = type_name.partition("[")
    return base, tuple(int(d) for d in dims[:-1].split("][")) if dims else ()


@functools.cache
def array_count(type_name: str) -> int | None:
    """The element count of an array type (``int16[3]``, ``bytes[80][10]``), None for single values."""
    base, sizes = type_parts(type_name)
    if base in ("char", "bytes"):
        return sizes[1] if len(sizes) > 1 else None
    return sizes[0] if sizes else None


def _struct_code(row: Row, fixed: bool = False) -> str:
    """The ``struct`` format of one field-table row (no byte-order prefix).  ``fixed``: the field is
    stored little-endian whatever the file's order and this is the big-endian format: its bytes
    are taken whole and turned into the number here."""
    type_name, children = row[3], row[5]
    if type_name == "struct":
        return "".join(_struct_code(child) for child in children)
    base, sizes = type_parts(type_name)
    count = array_count(type_name)
    if fixed:
        return f"{row[2]}s"
    if base in TYPE_TO_STRUCT:
        return f"{count or ''}{TYPE_TO_STRUCT[base]}"
    if base in ("char", "bytes"):
        return f"{sizes[0]}s" * (count or 1)
    raise TypeError(f"no struct format for type {type_name!r}")


def struct_formats(rows: Sequence[Row], little_endian_always: Sequence[str] = ()) -> dict[str, str]:
    """The ``struct`` format of a field table in each byte order (what the compiler emits, and
    what :meth:`Layout.subset` and :meth:`Layout.resized` make for their tables)."""
    fixed = set(little_endian_always)
    return {order: order + "".join(_struct_code(row, order == ">" and row[0] in fixed) for row in rows)
            for order in "<>"}


def _width(row: Row) -> int:
    """How many values ``struct`` gives for one field-table row."""
    if row[3] == "struct":
        return sum(_width(child) for child in row[5])
    return array_count(row[3]) or 1


def _kind(row: Row) -> str:
    """How stored values become a record value: "value", "text", "bytes", "array" or "struct"."""
    if row[3] == "struct":
        return "struct"
    if row[3].startswith("char["):
        return "text"
    if array_count(row[3]) is not None:
        return "array"
    return "bytes" if row[3].startswith("bytes[") else "value"


@record
class _Step:
    """How one field's flat ``struct`` values become its record value, and back."""

    name: str
    kind: str  #: see :func:`_kind`
    width: int  #: values ``struct`` gives for the field
    size: int  #: bytes of one element (text, bytes) or of the field (a little-endian-always number)
    record_class: Any = None  #: the nested record class (kind "struct")
    steps: tuple = ()  #: the nested steps (kind "struct")
    fixed: str = ""  #: a little-endian-always number read whole in the big-endian format: its type


def _steps(rows: Sequence[Row], record_class: type, fixed: frozenset = frozenset()) -> tuple[_Step, ...]:
    out = []
    for row in rows:
        kind = _kind(row)
        sub_class = _nested_class(record_class, row[0]) if kind == "struct" else None
        base, sizes = type_parts(row[3])
        element = sizes[0] if base in ("char", "bytes") else 0
        out.append(_Step(row[0], kind, _width(row), row[2] if row[0] in fixed else element, sub_class,
                         _steps(row[5], sub_class) if sub_class is not None else (),
                         row[3] if row[0] in fixed else ""))
    return tuple(out)


def _nested_class(record_class: type, name: str) -> type:
    """The record class of the nested struct field ``name`` (named in ``_nested``, written by the compiler)."""
    return record_class._nested[name]  # type: ignore[attr-defined]


def _unflatten(steps: tuple[_Step, ...], values: Sequence, start: int = 0) -> tuple[list, int]:
    out = []
    i = start
    for step in steps:
        kind = step.kind
        if kind == "value" or kind == "bytes":
            value = values[i]
            if step.fixed:
                value = int.from_bytes(value, "little", signed=step.fixed.startswith("int"))
            out.append(value)
        elif kind == "text":
            out.append(values[i].rstrip(b"\0").decode("latin-1"))  # as numpy's S dtype strips NULs
        elif kind == "array":
            out.append(tuple(values[i:i + step.width]))
        else:
            inner, _ = _unflatten(step.steps, values, i)
            out.append(step.record_class._make(inner))
        i += step.width
    return out, i


def _flatten(steps: tuple[_Step, ...], value: Any, out: list, path: str) -> None:
    for step in steps:
        name = f"{path}.{step.name}" if path else step.name
        item = value[step.name] if isinstance(value, dict) else getattr(value, step.name)
        kind = step.kind
        if kind == "value":
            if step.fixed:
                try:
                    item = int(item).to_bytes(step.size, "little", signed=step.fixed.startswith("int"))
                except OverflowError:
                    raise ValueError(f"{name} = {item!r} does not fit {step.fixed}") from None
            out.append(item)
        elif kind == "text":
            encoded = item.encode("ascii")
            if len(encoded) > step.size:
                raise ValueError(f"{name} is {len(encoded)} characters, at most {step.size} fit")
            out.append(encoded)
        elif kind == "bytes":
            if len(item) != step.size:
                raise ValueError(f"{name} is {len(item)} bytes, expected {step.size}")
            out.append(bytes(item))
        elif kind == "array":
            items = list(item)
            if len(items) != step.width:
                raise ValueError(f"{name} has {len(items)} values, expected {step.width}")
            if step.size and isinstance(items[0] if items else None, (bytes, bytearray)):
                for element in items:
                    if len(element) != step.size:
                        raise ValueError(f"{name} holds {len(element)} bytes, expected {step.size}")
            out.extend(items)
        else:
            _flatten(step.steps, item, out, name)


def field_metadata(rows: Sequence[Row]) -> dict[str, dict]:
    """What ``attrs.fields(cls).<name>.metadata`` gives for the fields of a compiled record class:
    the field's doc, offset and type, from the field table."""
    return {row[0]: {"doc": row[4], "offset": row[1], "type": row[3]} for row in rows}


# --------------------------------------------------------------------------------------------
# the compiled form and the layout


class Compiled(Generic[R]):
    """What the compiler emits for one schema (``format/_generated/<module>.py``): the record
    class, the size, one ``struct`` format per byte order, the field table, the numpy dtype
    description (little-endian) and the fields stored little-endian in every file."""

    __slots__ = ("record_class", "size", "formats", "fields", "dtype", "little_endian_always")

    def __init__(self, record_class: type[R], size: int, formats: dict[str, str], fields: tuple[Row, ...],
                 dtype: list, little_endian_always: tuple[str, ...] = ()) -> None:
        self.record_class = record_class
        self.size = size
        self.formats = formats
        self.fields = fields
        self.dtype = dtype
        self.little_endian_always = little_endian_always


def little_endian_always(subcon):
    """Mark a number stored little-endian in every file, whatever the file's byte order (the FEI
    bitmasks, "specified as little-endian"): the compiler keeps it little-endian in the big-endian
    format and dtype.  Wrap the little-endian building block: ``little_endian_always(Int32ul)``."""
    import construct

    class LittleEndianAlways(construct.Subconstruct):
        """A number little-endian in every file (see :func:`little_endian_always`)."""

    marked = LittleEndianAlways(subcon)
    marked.little_endian_always = True
    return marked


def unwrap(subcon: Any) -> tuple[str | None, str, Any]:
    """Strip the ``Renamed`` wrappers ``/`` and ``*`` add to a construct field, returning (name,
    doc, inner building block)."""
    import construct

    name, doc = None, ""
    while isinstance(subcon, construct.Renamed):
        name = subcon.name if subcon.name is not None else name
        doc = subcon.docs or doc
        subcon = subcon.subcon
    return name, doc, subcon


class Schemas:
    """The construct schemas one module writes in one function, ``define`` (which imports
    construct and returns ``{name: schema}``), built the first time one of them is asked for:
    by the compiler, the tests and the docs, never to read or write a file.

    ``module_getattr`` serves them as module attributes (``mrc2014.MRC2014_HEADER_SCHEMA``)."""

    def __init__(self, define: Callable[[], dict]) -> None:
        self._define = define
        self._built: dict | None = None
        self.module = define.__module__

    def build(self) -> dict:
        if self._built is None:
            self._built = self._define()
        return self._built

    def module_getattr(self, name: str) -> Any:
        """For a schema module's ``__getattr__``: its schemas by name (AttributeError otherwise)."""
        if name.startswith("__"):
            raise AttributeError(name)
        schemas = self.build()
        if name not in schemas:
            raise AttributeError(f"module {self.module!r} has no attribute {name!r}")
        return schemas[name]


class Layout(Generic[R]):
    """One layout: its compiled form (see the module doc), used to parse and build records.

    ``schema``: a function returning the construct schema the layout was compiled from (for the
    docs and the tests; never called to read or write).  ``recipe``: for a layout made at run
    time (a subset, a resized layout), ``(module, function, args)`` that makes it again, so its
    records pickle."""

    def __init__(self, name: str, compiled: Compiled[R], *, doc: str = "",
                 schema: Callable[[], Any] | None = None, recipe: tuple | None = None) -> None:
        self.name = name
        self.doc = doc
        self.compiled = compiled
        self.size = compiled.size
        self.record_class: type[R] = compiled.record_class
        self._schema = schema
        self.recipe = recipe
        self._formats = {order: _struct.Struct(compiled.formats[order]) for order in "<>"}
        if self._formats["<"].size != self.size:
            raise TypeError(f"{name}: struct format of {self._formats['<'].size} bytes, layout of {self.size}")

    @functools.cached_property
    def fields(self) -> tuple[Field, ...]:
        """The field table (top level; nested structs hold their children)."""
        return tuple(_field(row) for row in self.compiled.fields)

    @functools.cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @functools.cached_property
    def _steps(self) -> dict[str, tuple[_Step, ...]]:
        fixed = frozenset(self.compiled.little_endian_always)
        return {"<": _steps(self.compiled.fields, self.record_class),
                ">": _steps(self.compiled.fields, self.record_class, fixed)}

    @functools.cached_property
    def _dtypes(self) -> dict[str, np.dtype]:
        import numpy as np

        little = np.dtype(self.compiled.dtype)
        fixed = set(self.compiled.little_endian_always)
        if not fixed:
            big = little.newbyteorder(">")
        else:
            names = list(little.names or ())
            fields = cast(Any, little.fields)
            big = np.dtype({"names": names, "itemsize": little.itemsize,
                            "formats": [fields[n][0] if n in fixed else fields[n][0].newbyteorder(">") for n in names],
                            "offsets": [fields[n][1] for n in names]})
        return {"<": little, ">": big}

    # -- public API ---------------------------------------------------------
    def field(self, name: str) -> Field:
        """The field-table row called ``name`` (top level)."""
        return self._by_name[name]

    def format(self, byteorder: str = "<") -> str:
        """The ``struct`` format of one record in the given byte order (parse and build)."""
        return self._formats[">" if byteorder == ">" else "<"].format

    def dtype(self, byteorder: str = "<") -> np.dtype:
        """The numpy structured dtype of this layout in the given byte order."""
        return self._dtypes[">" if byteorder == ">" else "<"]

    def parse(self, buffer: bytes | bytearray | memoryview, byteorder: str = "<", offset: int = 0) -> R:
        """One record from ``buffer`` at ``offset`` (one ``struct.unpack_from``)."""
        if len(buffer) - offset < self.size:
            raise MrcFormatError(
                f"{self.name} needs {self.size} bytes, only {len(buffer) - offset} available",
                field=self.name, offset=offset,
            )
        order = ">" if byteorder == ">" else "<"
        values, _ = _unflatten(self._steps[order], self._formats[order].unpack_from(buffer, offset))
        return self.record_class._make(values)

    def build(self, record: Any, byteorder: str = "<") -> bytes:
        """The bytes of ``record`` (a record of this layout, or any object with its field names as
        attributes) through the same ``struct`` format :meth:`parse` reads."""
        order = ">" if byteorder == ">" else "<"
        flat: list = []
        try:
            _flatten(self._steps[order], record, flat, "")
            return self._formats[order].pack(*flat)
        except (_struct.error, OverflowError, UnicodeError, TypeError, ValueError, AttributeError, KeyError) as exc:
            raise MrcFormatError(f"cannot build {self.name}: {exc}", field=self.name) from None

    def parse_array(self, buffer: Any, byteorder: str = "<", count: int = -1, offset: int = 0) -> np.ndarray:
        """All records of a bulk block as one numpy structured array (no Python loop)."""
        import numpy as np

        return np.frombuffer(buffer, dtype=self.dtype(byteorder), count=count, offset=offset)

    def to_record(self, item: Any) -> R:
        """One numpy record (a ``numpy.void`` of this layout's dtype in either byte order, maybe
        stretched to a longer record) as the record: its bytes through :meth:`parse`."""
        return self.parse(item.tobytes(), self._order_of(item.dtype))

    def _order_of(self, dtype: np.dtype) -> str:
        """The byte order of a dtype of this layout: "<" or ">"."""
        little = self.dtype("<")
        mine, theirs = cast(Any, little.fields), cast(Any, dtype.fields)
        for name in little.names or ():
            field = theirs[name][0]
            while field.subdtype is not None:
                field = field.subdtype[0]
            if field.byteorder in "<>" and field.itemsize > 1:
                expected = mine[name][0]
                while expected.subdtype is not None:
                    expected = expected.subdtype[0]
                return "<" if field == expected else ">"
        return "<"

    def to_numpy(self, record: Any, byteorder: str = "<") -> np.ndarray:
        """The record as a one-element numpy structured array."""
        import numpy as np

        return np.frombuffer(self.build(record, byteorder), dtype=self.dtype(byteorder), count=1)

    def schema(self) -> Any:
        """The ``construct`` schema this layout was compiled from (built now: for docs and tests)."""
        if self._schema is None:
            raise LookupError(f"{self.name} has no construct schema")
        return self._schema()

    def subset(self, names: Sequence[str], name: str | None = None, *, doc: str = "",
               recipe: tuple | None = None) -> Layout:
        """A new Layout of the top-level fields called ``names``, in this layout's order, packed
        (each field keeps its type and doc string; offsets are the packed ones).  Its records are
        of this layout's class when every field is kept, else of a class made for the subset
        (``recipe`` makes the layout again, for pickling)."""
        wanted = set(names)
        missing = wanted - {f.name for f in self.fields}
        if missing:
            raise KeyError(f"{self.name} has no field(s) {sorted(missing)}")
        rows, descr = [], []
        offset = 0
        for row, entry in zip(self.compiled.fields, self.compiled.dtype):
            if row[0] in wanted:
                rows.append(_moved(row, offset - row[1]))
                descr.append(entry)
                offset += row[2]
        return self._derived(name or self.name, rows, descr, doc=doc, recipe=recipe)

    def resized(self, counts: dict[str, int], name: str, *, doc: str = "", recipe: tuple | None = None) -> Layout:
        """A new Layout whose number-array fields named in ``counts`` hold that many elements
        (0: the field is left out), the others as they are: a record whose shape the main header
        gives (Agard's NINT ints and NREAL reals)."""
        rows, descr = [], []
        offset = 0
        for row, entry in zip(self.compiled.fields, self.compiled.dtype):
            if row[0] in counts:
                count = counts[row[0]]
                if count == 0:
                    continue
                base = type_parts(row[3])[0]
                element = row[2] // (array_count(row[3]) or 1)
                row = (row[0], offset, element * count, f"{base}[{count}]", row[4], ())
                entry = (entry[0], entry[1], (count,))
            else:
                row = _moved(row, offset - row[1])
            rows.append(row)
            descr.append(entry)
            offset += row[2]
        derived = self._derived(name, rows, descr, doc=doc, recipe=recipe)
        if self._schema is not None:
            derived._schema = functools.partial(_resized_schema, self._schema, dict(counts))
        return derived

    def _derived(self, name: str, rows: list, descr: list, *, doc: str, recipe: tuple | None) -> Layout:
        fixed = tuple(n for n in self.compiled.little_endian_always if any(r[0] == n for r in rows))
        names = tuple(row[0] for row in rows)
        cls: type = (self.record_class if names == self.record_class._fields
                     else _subset_class(self.record_class, names, name, recipe))
        size = sum(row[2] for row in rows)
        compiled: Compiled[Any] = Compiled(cls, size, struct_formats(rows, fixed), tuple(rows), descr, fixed)
        schema = self._schema
        return Layout(name, compiled, doc=doc or self.doc, recipe=recipe,
                      schema=None if schema is None else functools.partial(_subset_schema, schema, names))

    def __repr__(self) -> str:
        return f"Layout({self.name!r}, {self.size} bytes)"


def _field(row: Row) -> Field:
    name, offset, size, type_name, doc, children = row
    return Field(name, offset, size, type_name, doc, tuple(_field(c) for c in children))


def _moved(row: Row, shift: int) -> Row:
    name, offset, size, type_name, doc, children = row
    return (name, offset + shift, size, type_name, doc, tuple(_moved(c, shift) for c in children))


def _subset_schema(schema: Callable[[], Any], names: tuple[str, ...]) -> Any:
    import construct

    return construct.Struct(*[sub for sub in schema().subcons if unwrap(sub)[0] in names])


def _resized_schema(schema: Callable[[], Any], counts: dict[str, int]) -> Any:
    import construct

    subcons = []
    for sub in schema().subcons:
        name, doc, inner = unwrap(sub)
        if name in counts:
            if not counts[name]:
                continue
            sub = construct.Renamed(construct.Array(counts[name], inner.subcon), newname=name, newdocs=doc)
        subcons.append(sub)
    return construct.Struct(*subcons)


def _subset_class(template: type[Record], names: tuple[str, ...], layout_name: str, recipe: tuple | None) -> type:
    """A record class of some fields of the compiled class ``template`` (same annotations, same
    field metadata), whose records pickle through ``recipe``."""
    annotations = {n: template.__annotations__[n] for n in names}
    namespace: dict[str, Any] = {
        "__slots__": names, "__annotations__": annotations, "__module__": template.__module__,
        "__doc__": f"One {layout_name} record: the fields {', '.join(names)} of {template.__name__}.",
        "_nested": {n: c for n, c in getattr(template, "_nested", {}).items() if n in names},
        "_metadata": {n: m for n, m in template._metadata.items() if n in names},
    }
    if recipe is not None:
        namespace["__reduce__"] = lambda self: (remake_record, (recipe, self._values()))
    return type("".join(part.capitalize() for part in layout_name.split("_")), (Record,), namespace)


def remake_record(recipe: tuple, values: tuple) -> Record:
    """A record of the layout that ``recipe`` (module, function, args) makes, from its values: how
    the records of a subset or resized layout unpickle."""
    module, function, args = recipe
    layout = getattr(importlib.import_module(module), function)(*args)
    return layout.record_class._make(values)


__all__ = ["Compiled", "Field", "Layout", "Schemas", "field_metadata", "little_endian_always", "struct_formats"]
