"""Frozen records that cost nothing to define: the one class system of the package.

attrs makes a class by generating and compiling its methods, and importing attrs takes longer
than everything else a fresh process needs to read a header.  So every record class of the
package -- the compiled layouts' classes (``format/_generated/``), the data geometry, the modes,
the extended-header description, ``Vec3``, the findings -- is a *record*: a slotted, frozen class
whose fields, equality, hash and repr are those attrs gives a frozen class, defined at module
level (so its instances pickle).

attrs's functions accept them (``attrs.evolve``, ``attrs.asdict``, ``attrs.astuple``,
``attrs.fields``, ``attrs.has``, ``attrs.inspect``): a record class's ``__attrs_attrs__`` (and
what ``attrs.inspect`` reads) is made by attrs itself, from the same field names, defaults and
metadata, when one of them first asks for it.  Assigning to a field raises
``attrs.exceptions.FrozenInstanceError``, as on a frozen attrs class.  A field holding a numpy
array compares by dtype, shape and bytes, and hashes by them (a structured array of extended-header
records included), where a tuple of arrays would raise.

* :class:`Record` -- the base class; a subclass lists its fields in ``__slots__`` with an
  annotation each (what the compiler writes);
* :func:`record` -- a class decorator, used like ``@attrs.frozen`` (fields are the annotated
  names, in order; a class-level value is the default);
* :func:`evolve`, :func:`field_names`, :func:`is_record` -- without importing attrs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_kwargs):
        return lambda function: function

__all__ = ["Record", "evolve", "field_names", "is_record", "record"]

_T = TypeVar("_T")
_R = TypeVar("_R", bound="Record")


def _attrs_twin(owner):
    """The frozen attrs class made from a record class's fields, defaults and metadata (kept on
    the record class: its ``__attrs_attrs__`` and ``__attrs_props__`` are the twin's)."""
    twin = owner.__dict__.get("_attrs_twin")
    if twin is None:
        import attrs

        spec = {}
        for name in owner._fields:
            default = owner._defaults.get(name, attrs.NOTHING)
            spec[name] = attrs.field(default=default, metadata=owner._metadata.get(name, {}))
        twin = attrs.make_class(owner.__name__, spec, frozen=True, slots=True)
        type.__setattr__(owner, "_attrs_twin", twin)
    return twin


class _AttrsAttributes:
    """``__attrs_attrs__`` of a record class, made by attrs (from the class's field names, defaults
    and metadata) the first time attrs asks for it, then kept on the class."""

    def __get__(self, instance, owner):
        if not owner._fields:
            return None  # Record itself is not a record class: attrs.has(Record) is False
        value = _attrs_twin(owner).__attrs_attrs__
        type.__setattr__(owner, "__attrs_attrs__", value)
        return value


class _AttrsProps:
    """What ``attrs.inspect`` returns for a record class (it reads ``__attrs_props__`` from the
    class's own ``__dict__``): the build parameters of the attrs twin, made when first read."""

    __slots__ = ("_owner",)

    def __init__(self, owner):
        self._owner = owner

    def __getattr__(self, name):
        return getattr(_attrs_twin(self._owner).__attrs_props__, name)

    def __repr__(self):
        return repr(_attrs_twin(self._owner).__attrs_props__)


def _is_array(value) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "tobytes") and hasattr(value, "shape")


def _comparable(value):
    """A field value as equality and hash see it: a numpy array as (dtype, shape, bytes)."""
    if _is_array(value):
        return ("ndarray", value.dtype, value.shape, value.tobytes())
    return value


def _frozen_error(record, name):
    from attrs.exceptions import FrozenInstanceError

    error = FrozenInstanceError()
    error.args = (f"{type(record).__name__}.{name}: records are frozen; make a changed copy with attrs.evolve",)
    return error


@dataclass_transform(frozen_default=True)
class Record:
    """Base of every record class: fields in ``_fields`` (one slot each), frozen.

    A subclass written out (the compiler's) names its fields in ``__slots__`` and annotates each;
    ``_metadata`` gives attrs's per-field metadata, ``_nested`` the record classes of nested
    structs by field name."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _metadata: ClassVar[dict[str, dict]] = {}
    _nested: ClassVar[dict[str, type]] = {}
    _setters: ClassVar[tuple] = ()
    __attrs_attrs__: ClassVar[Any] = _AttrsAttributes()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_fields" not in cls.__dict__:
            slots = cls.__dict__.get("__slots__", ())
            cls._fields = (slots,) if isinstance(slots, str) else tuple(slots)
            type.__setattr__(cls, "__match_args__", cls._fields)
        cls._setters = tuple(getattr(cls, name).__set__ for name in cls._fields)
        type.__setattr__(cls, "__attrs_props__", _AttrsProps(cls))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, {len(args)} were given")
        values = list(args)
        for name in fields[:len(args)]:
            if name in kwargs:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {name!r}")
        for name in fields[len(args):]:
            if name in kwargs:
                values.append(kwargs.pop(name))
            elif name in self._defaults:
                values.append(self._defaults[name])
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument {name!r}")
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) {', '.join(map(repr, kwargs))}")
        for setter, value in zip(self._setters, values):
            setter(self, value)

    @classmethod
    def _make(cls: type[_R], values) -> _R:
        """A record of ``values``, one per field in order (no checks: the engine's fast path)."""
        new = object.__new__(cls)
        for setter, value in zip(cls._setters, values):
            setter(new, value)
        return new

    def _values(self) -> tuple:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        theirs = other._values()
        return [_comparable(v) for v in self._values()] == [_comparable(v) for v in theirs]

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((self.__class__.__qualname__, *[_comparable(v) for v in self._values()]))

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__qualname__.rsplit('>.', 1)[-1]}({inner})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise _frozen_error(self, name)

    def __delattr__(self, name: str) -> None:
        raise _frozen_error(self, name)

    def __getstate__(self) -> tuple:
        return self._values()

    def __setstate__(self, state: tuple) -> None:
        for setter, value in zip(self._setters, state):
            setter(self, value)


@dataclass_transform(frozen_default=True)
def record(cls: type[_T]) -> type[_T]:
    """Make ``cls`` a frozen record class, as ``@attrs.frozen`` would make it an attrs class: its
    fields are its annotated names (``ClassVar`` ones excepted), in order; a value given in the
    class body is that field's default.  Methods and properties are kept."""
    annotations = cls.__dict__.get("__annotations__", {})
    fields = tuple(name for name, kind in annotations.items() if not str(kind).startswith(("ClassVar", "typing.ClassVar")))
    defaults = {name: cls.__dict__[name] for name in fields if name in cls.__dict__}
    seen_default = False
    for name in fields:
        if name in defaults:
            seen_default = True
        elif seen_default:
            raise TypeError(f"{cls.__name__}.{name}: a field without a default follows one with a default")
    namespace = {key: value for key, value in cls.__dict__.items()
                 if key not in defaults and key not in ("__dict__", "__weakref__")}
    namespace.update(__slots__=fields, _fields=fields, _defaults=defaults, _metadata={}, __match_args__=fields)
    bases = tuple(base for base in cls.__bases__ if base is not object) or ()
    made = type(cls.__name__, (*bases, Record), namespace)
    made.__qualname__ = cls.__qualname__
    return cast(Any, made)


def is_record(value: object) -> bool:
    """Whether ``value`` is a record (or an attrs instance: both have named fields)."""
    if isinstance(value, Record):
        return True
    return getattr(type(value), "__attrs_attrs__", None) is not None


def field_names(value: object) -> tuple[str, ...]:
    """The field names of a record (or of an attrs instance), in order."""
    if isinstance(value, Record):
        return value._fields
    import attrs

    return tuple(a.name for a in attrs.fields(cast(Any, type(value))))


def evolve(value: _T, **changes: Any) -> _T:
    """A copy of the record ``value`` with ``changes`` (what ``attrs.evolve`` does, without attrs)."""
    if not isinstance(value, Record):
        import attrs

        return cast(Any, attrs).evolve(value, **changes)
    unknown = set(changes) - set(value._fields)
    if unknown:
        raise TypeError(f"{type(value).__name__} has no field(s) {', '.join(sorted(unknown))}")
    return type(value)._make([changes[name] if name in changes else getattr(value, name) for name in value._fields])
