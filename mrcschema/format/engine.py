"""The generic engine: one ``construct`` schema, everything else derived from it.

A layout is written once, as a fixed-size ``construct.Struct`` whose fields carry
a doc string (``"nx" / Int32sl * "number of columns"``).  :class:`Layout` walks
that schema and derives what the rest of the library needs:

* ``fields`` – the field table (name, offset, size, type, doc) used by ``dump``,
  the docs and the conformance tests;
* ``dtype(byteorder)`` – a numpy structured dtype with the same byte layout, so a
  single header is parsed with one ``numpy.frombuffer`` call and thousands of
  extended-header records are read as one array, never one by one in Python;
* ``record_class`` – an attrs class (frozen, typed, readable repr) for one record;
* ``build(record, byteorder)`` – the reverse direction, through the ``construct``
  schema itself, so the bytes written are defined by the same text that parses them.

Schemas are written little-endian; the big-endian twin is derived here.
Supported building blocks: little-endian ``FormatField`` (``Int32sl``, ``Float64l``...),
``Flag``, ``Bytes(n)`` (raw bytes), ``PaddedString(n, "ascii")`` (text),
``Array(n, <FormatField or Bytes>)`` and nested ``Struct``.
"""

from __future__ import annotations

import functools

import attrs
import construct
import numpy as np

from ..errors import MrcFormatError

#: struct-module format letters to numpy kinds (sizes are the standard ones).
_FORMAT_TO_NUMPY = {
    "b": "i1", "B": "u1", "h": "i2", "H": "u2", "l": "i4", "L": "u4",
    "i": "i4", "I": "u4", "q": "i8", "Q": "u8", "e": "f2", "f": "f4", "d": "f8",
}


@attrs.frozen
class Field:
    """One row of a layout's field table."""

    name: str
    offset: int
    size: int
    type: str  #: "int32", "float64", "char[16]", "bytes[8]", "float32[3]", "struct", ...
    doc: str
    children: tuple = ()  #: the fields of a nested struct, offsets relative to the file record


def _unwrap(subcon):
    """Strip the ``Renamed`` wrappers ``/`` and ``*`` add, returning (name, doc, inner)."""
    name, doc = None, ""
    while isinstance(subcon, construct.Renamed):
        name = subcon.name if subcon.name is not None else name
        doc = subcon.docs or doc
        subcon = subcon.subcon
    return name, doc, subcon


class LittleEndianAlways(construct.Subconstruct):
    """A number stored little-endian in every file, whatever the file's byte order (the FEI
    bitmasks, "specified as little-endian"): the big-endian twin of a schema, and its dtype,
    leave it as it is.  Wrap the little-endian building block: ``LittleEndianAlways(Int32ul)``."""


def _describe(subcon):
    """Return (numpy dtype little-endian, type name, python converter kind) for a building block."""
    if isinstance(subcon, construct.FormatField):
        kind = _FORMAT_TO_NUMPY[subcon.fmtstr[-1]]
        dt = np.dtype("<" + kind) if kind[1] != "1" else np.dtype(kind)
        names = {"i": "int", "u": "uint", "f": "float"}
        return dt, f"{names[kind[0]]}{dt.itemsize * 8}", "number"
    if isinstance(subcon, construct.Flag.__class__):
        return np.dtype("?"), "bool", "bool"
    if isinstance(subcon, construct.StringEncoded):
        length = subcon.subcon.length
        return np.dtype(f"S{length}"), f"char[{length}]", "text"
    if isinstance(subcon, construct.Bytes):
        return np.dtype(f"V{subcon.length}"), f"bytes[{subcon.length}]", "bytes"
    if isinstance(subcon, construct.Array):
        inner_dt, inner_type, inner_kind = _describe(subcon.subcon)
        if inner_kind == "struct":
            raise TypeError("arrays of structs are not supported by the engine")
        return np.dtype((inner_dt, (subcon.count,))), f"{inner_type}[{subcon.count}]", "array"
    raise TypeError(f"unsupported construct building block {subcon!r}")


class Layout:
    """Everything derived from one fixed-size ``construct.Struct`` (see module doc)."""

    def __init__(self, name, struct, *, doc=""):
        self.name = name
        self.doc = doc
        self.struct_le = struct
        self.size = struct.sizeof()
        self._fixed_order = set()  #: names of the top-level fields stored little-endian in every file
        self.fields, dtype_fields, self._converters = self._walk(struct, 0)
        self._dtype_le = np.dtype(dtype_fields)
        if self._dtype_le.itemsize != self.size:
            raise TypeError(f"{name}: dtype size {self._dtype_le.itemsize} != schema size {self.size}")
        self._dtype_be = _big_endian(self._dtype_le, self._fixed_order)

    # The record classes and the big-endian schema are made when first needed: building
    # attrs classes is the costly part of defining a layout, and it is paid at import.
    @functools.cached_property
    def record_class(self):
        """The attrs class of one record (nested structs get their own classes)."""
        return self._make_record_class(self.name, self.fields, self._converters)

    @functools.cached_property
    def struct_be(self):
        """The big-endian twin of the schema."""
        return _swap_struct(self.struct_le)

    # -- derivation ---------------------------------------------------------
    def _walk(self, struct, base):
        fields, dtype_fields, converters = [], [], []
        offset = base
        for sub in struct.subcons:
            name, doc, inner = _unwrap(sub)
            if isinstance(inner, construct.Struct):
                children, child_dtype, child_conv = self._walk(inner, offset)
                size = inner.sizeof()
                fields.append(Field(name, offset, size, "struct", doc, tuple(children)))
                dtype_fields.append((name, child_dtype))
                sub_class = _LazyClass(self._make_record_class, name, tuple(children), child_conv)
                converters.append((name, "struct", sub_class, child_conv))
            else:
                if isinstance(inner, LittleEndianAlways):
                    if base == 0:
                        self._fixed_order.add(name)
                    inner = inner.subcon
                dt, type_name, kind = _describe(inner)
                size = dt.itemsize
                fields.append(Field(name, offset, size, type_name, doc))
                dtype_fields.append((name, dt))
                converters.append((name, kind, None, None))
            offset += size
        return fields, dtype_fields, converters

    @staticmethod
    def _make_record_class(name, fields, converters):
        attributes = {
            f.name: attrs.field(metadata={"doc": f.doc, "offset": f.offset, "type": f.type})
            for f in fields
        }
        class_name = "".join(part.capitalize() for part in name.replace("-", "_").split("_"))
        cls = attrs.make_class(class_name, attributes, frozen=True, slots=True)
        cls.__doc__ = f"One {name} record; fields as in the {name} field table."
        return cls

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
        subcons = [sub for sub in self.struct_le.subcons if _unwrap(sub)[0] in wanted]
        if len(subcons) != len(wanted):
            raise KeyError(f"{self.name} has no field(s) {sorted(wanted - {f.name for f in self.fields})}")
        return Layout(name or self.name, construct.Struct(*subcons), doc=doc or self.doc)

    def field(self, name):
        """The field-table row called ``name`` (top level)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def parse_array(self, buffer, byteorder="<", count=-1, offset=0):
        """All records of a bulk block as one numpy structured array (no Python loop)."""
        return np.frombuffer(buffer, dtype=self.dtype(byteorder), count=count, offset=offset)

    def parse(self, buffer, byteorder="<", offset=0):
        """One record from ``buffer`` as an attrs record (parsed through the numpy dtype)."""
        if len(buffer) - offset < self.size:
            raise MrcFormatError(
                f"{self.name} needs {self.size} bytes, only {len(buffer) - offset} available",
                field=self.name, offset=offset,
            )
        item = np.frombuffer(buffer, dtype=self.dtype(byteorder), count=1, offset=offset)[0]
        return self.to_record(item)

    def to_record(self, item):
        """Turn one numpy record (a ``numpy.void`` of this layout) into the attrs record."""
        return _convert(self.record_class, self._converters, item.item())

    def to_numpy(self, record, byteorder="<"):
        """The attrs record as a one-element numpy structured array."""
        return np.frombuffer(self.build(record, byteorder), dtype=self.dtype(byteorder), count=1)

    def build(self, record, byteorder="<"):
        """Bytes of ``record`` built by the ``construct`` schema of the given byte order."""
        try:
            return self.struct(byteorder).build(_as_construct_value(record))
        except (construct.ConstructError, UnicodeError, TypeError, ValueError) as exc:
            raise MrcFormatError(f"cannot build {self.name}: {exc}", field=self.name) from None


class _LazyClass:
    """A nested record class, made on first use (see ``Layout.record_class``)."""

    def __init__(self, factory, *args):
        self._factory, self._args, self._cls = factory, args, None

    def get(self):
        if self._cls is None:
            self._cls = self._factory(*self._args)
        return self._cls


def _convert(cls, converters, values):
    """Build an attrs record from the nested tuple ``numpy.void.item()`` returns."""
    out = []
    for (_name, kind, sub_class, sub_conv), value in zip(converters, values):
        if kind == "struct":
            value = _convert(sub_class.get(), sub_conv, value)
        elif kind == "text":
            value = value.decode("latin-1")
        elif kind == "array":
            value = tuple(value.tolist())
        out.append(value)
    return cls(*out)


def _as_construct_value(record):
    """attrs record -> the dict ``construct`` builds from (text and tuples as construct wants)."""
    if attrs.has(type(record)):
        return {name: _as_construct_value(getattr(record, name)) for name in attrs.fields_dict(type(record))}
    if isinstance(record, tuple):
        return [_as_construct_value(v) for v in record]
    if isinstance(record, np.generic):
        return record.item()
    return record


def _big_endian(dtype, fixed):
    """``dtype`` with every number big-endian except the top-level fields named in ``fixed``."""
    if not fixed:
        return dtype.newbyteorder(">")
    names = list(dtype.names)
    formats = [dtype.fields[n][0] if n in fixed else dtype.fields[n][0].newbyteorder(">") for n in names]
    return np.dtype({"names": names, "formats": formats, "offsets": [dtype.fields[n][1] for n in names],
                     "itemsize": dtype.itemsize})


def _swap_struct(struct):
    """The same schema with every little-endian number turned big-endian."""
    return construct.Struct(*[_swap(sub) for sub in struct.subcons])


def _swap(subcon):
    if isinstance(subcon, LittleEndianAlways):
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
