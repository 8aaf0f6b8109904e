"""Record values rendered in one place: typed values for JSON and HyperSpy, words for people.

The records the engine makes hold Python numbers, ``str`` (text fields), ``bytes`` (raw fields),
tuples (arrays) and nested records.  Everything that shows them goes through this module:
``dump --json`` and ``dump`` (:mod:`mrcschema.reading.describe`, :mod:`mrcschema.cli.dump`),
HyperSpy's ``original_metadata`` (:mod:`mrcschema.hyperspy.reader`) and the validator's findings.

Typed values (``docs/json.md``):

* :func:`typed` – any value as JSON-ready data: numbers as numbers (``"nan"``, ``"inf"``,
  ``"-inf"`` for the floats JSON cannot hold), text as text, raw bytes as ``{"hex": "4d415020"}``,
  arrays as lists, records as objects in field order;
* :func:`text_or_bytes` – a byte field that holds text (EXTTYP, MAP, a label): its text when it is
  printable ASCII, else the raw bytes as ``{"hex": ...}``;
* :func:`header_values` – a header record with its text fields (:data:`mrc2014.TEXT_FIELDS`) as text;
* :func:`record_columns` – a numpy record array as one column per field.

Words for people (``dump``'s value column):

* :func:`display` – a value (typed with ``raw_bytes``: ``dump`` renders its text from the values,
  never from their JSON encoding) in a few characters: floats to 7 significant digits, text as
  itself, raw bytes as hex (zero bytes counted);
* :func:`interpret` – what a field's value means where a number says little: MODE as its type, ISPG
  as image stack / volume / space group / volume stack, MAPC/MAPR/MAPS as axis letters, MACHST as a
  byte order, FEI timestamps as ISO dates;
* :func:`show` – a value as a validation finding quotes it.
"""

from __future__ import annotations

import datetime
import math
import sys
from typing import TYPE_CHECKING

from .meaning import EM_VOLUME_ISPG, is_image_ispg, is_volume, is_volume_stack, space_group, stamp_name
from .modes import READABLE_MODES
from .mrc2014 import TEXT_FIELDS
from .records import field_names, is_record
from .spacegroups import space_group_symbol

if TYPE_CHECKING:
    import numpy as np
else:  # showing header values needs no numpy; record arrays do
    from .deferred import numpy as np

__all__ = ["display", "header_values", "hex_text", "interpret", "is_printable", "iso_date", "ole_date",
           "plain", "record_columns", "show", "text_or_bytes", "typed"]



def _is_record(value) -> bool:
    """A record (:mod:`.records`) or an attrs instance, told apart without importing attrs."""
    return is_record(value) or hasattr(type(value), "__attrs_attrs__")


def _field_names(value) -> tuple[str, ...]:
    if is_record(value):
        return field_names(value)
    return tuple(a.name for a in type(value).__attrs_attrs__)


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``1 record``, ``2 records``: a count and its noun, singular or plural as the count needs."""
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def hex_text(raw: bytes, sep: str = " ") -> str:
    """Bytes as hex digits, the pairs separated by ``sep`` (``""``: none)."""
    return raw.hex(sep) if sep else raw.hex()


def is_printable(raw: bytes) -> bool:
    """Printable ASCII (0x20-0x7E) throughout."""
    return all(32 <= b < 127 for b in raw)


# -- typed values -----------------------------------------------------------------------------------
def _number(value, json):
    if isinstance(value, float) and json and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def typed(value, *, json: bool = True, raw_bytes: bool = False):
    """``value`` as plain data: records as dicts in field order, arrays as lists, raw bytes as
    ``{"hex": "..."}`` (``raw_bytes``: as ``bytes``, for text made from the values), numpy scalars as
    Python numbers.  ``json``: floats JSON cannot hold (NaN, infinities) as the strings ``"nan"``,
    ``"inf"``, ``"-inf"``; without it they stay floats."""
    numpy = sys.modules.get("numpy")  # without numpy imported, no value is a numpy one
    if numpy is not None and isinstance(value, numpy.void):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value if raw_bytes else {"hex": value.hex()}
    if _is_record(value):
        return {name: typed(getattr(value, name), json=json, raw_bytes=raw_bytes) for name in _field_names(value)}
    if isinstance(value, (tuple, list)) or (numpy is not None and isinstance(value, numpy.ndarray)):
        return [typed(v, json=json, raw_bytes=raw_bytes) for v in value]
    if numpy is not None and isinstance(value, numpy.generic):
        value = value.item()
    return _number(value, json)


def text_or_bytes(raw: bytes, *, strip_blanks: bool = False, raw_bytes: bool = False):
    """A byte field holding text: the bytes before the first NUL as text when they are printable
    ASCII (``strip_blanks``: without trailing blanks, as labels are read), else ``{"hex": ...}``
    (``raw_bytes``: the bytes themselves)."""
    text = raw.split(b"\0", 1)[0]
    if strip_blanks:
        text = text.rstrip(b" ")
    if not is_printable(text) or any(raw[len(text):].strip(b"\0 " if strip_blanks else b"\0")):
        return raw if raw_bytes else {"hex": raw.hex()}
    return text.decode("ascii")


def header_values(record, *, json: bool = True, raw_bytes: bool = False) -> dict:
    """A main-header (or IMOD EXTRA) record as ``{name: typed value}`` (:func:`typed`), the byte
    fields that hold text (EXTTYP, MAP, the labels) as text."""
    out = typed(record, json=json, raw_bytes=raw_bytes)
    for name in TEXT_FIELDS:
        if name in out:
            raw = getattr(record, name)
            out[name] = ([text_or_bytes(r, strip_blanks=True, raw_bytes=raw_bytes) for r in raw]
                         if isinstance(raw, tuple) else text_or_bytes(raw, raw_bytes=raw_bytes))
    return out


def plain(value, sep: str = " "):
    """A record (or any value in one) as nested dicts and lists, raw bytes as hex text (pairs
    separated by ``sep``); for JSON use :func:`typed`."""
    if isinstance(value, bytes):
        return hex_text(value, sep)
    if _is_record(value):
        return {name: plain(getattr(value, name), sep) for name in _field_names(value)}
    if isinstance(value, (tuple, list)):
        return [plain(v, sep) for v in value]
    return value


def record_columns(records: np.ndarray) -> dict:
    """A numpy record array as ``{field: column}``: text (``S``) columns decoded (latin-1), raw
    (``V``) columns as hex text, numbers as they are."""
    out = {}
    for name in records.dtype.names or ():
        column = records[name]
        if column.dtype.kind == "S":
            column = np.array([v.decode("latin-1") for v in column])
        elif column.dtype.kind == "V":
            column = np.array([hex_text(v.tobytes(), "") for v in column])
        out[name] = column
    return out


# -- words for people -------------------------------------------------------------------------------
def display(value) -> str:
    """A value made by :func:`typed` with ``raw_bytes`` (``json=False``) in a few characters, as
    ``dump`` shows it: floats to 7 significant digits, bytes as spaced hex (counted when all
    zero), text as itself (quoted when blank or padded)."""
    if isinstance(value, bytes):
        return f"{len(value)} zero bytes" if len(value) > 4 and not any(value) else hex_text(value)
    if isinstance(value, float):
        return f"{value:.7g}"
    if isinstance(value, str):
        return repr(value) if value != value.strip() or not value else value
    if isinstance(value, list):
        return ", ".join(display(v) for v in value)
    return str(value)


def ole_date(days: float) -> datetime.datetime | None:
    """An OLE Automation date (days since 1899-12-30, as FEI timestamps are) as a UTC datetime;
    None when it is no date (NaN, 0, out of range)."""
    try:
        if not math.isfinite(days) or days <= 0:
            return None
        return datetime.datetime(1899, 12, 30, tzinfo=datetime.timezone.utc) + datetime.timedelta(days=days)
    except (OverflowError, ValueError, TypeError):
        return None


def _unix_microseconds(value) -> datetime.datetime | None:
    try:
        if not value or value <= 0:
            return None
        return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=value)
    except (OverflowError, ValueError, TypeError):
        return None


def iso_date(moment: datetime.datetime | None) -> str | None:
    """``2020-11-04T17:36:05Z`` (to the second), or None."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _mode(value):
    mode = READABLE_MODES.get(value)
    return mode.name if mode is not None else "unknown mode"


def _ispg(value):
    if is_image_ispg(value):
        return "image or image stack"
    if value == EM_VOLUME_ISPG:
        return "volume (P 1)"
    if is_volume(value):
        return f"volume, space group {space_group_symbol(value)}"
    if is_volume_stack(value):
        return f"volume stack, space group {space_group_symbol(space_group(value))}"
    return "not an MRC2014 space group"


def _axis(value):
    return {1: "X", 2: "Y", 3: "Z"}.get(value, "not an axis")


def _machst(value):
    return stamp_name(value) if isinstance(value, bytes) else None


_FEI_LAYOUTS = ("fei1", "fei2")

#: (layouts, field) -> what the value means in words
_INTERPRETERS = {
    (("mrc2014_header",), "mode"): _mode,
    (("mrc2014_header",), "ispg"): _ispg,
    (("mrc2014_header",), "mapc"): _axis,
    (("mrc2014_header",), "mapr"): _axis,
    (("mrc2014_header",), "maps"): _axis,
    (("mrc2014_header",), "machst"): _machst,
    (_FEI_LAYOUTS, "timestamp"): lambda v: iso_date(ole_date(v)),
    (_FEI_LAYOUTS, "cfeg_flash_timestamp"): lambda v: iso_date(_unix_microseconds(v)),
}
_BY_FIELD = {(layout, field): f for (layouts, field), f in _INTERPRETERS.items() for layout in layouts}


def interpret(layout: str, field: str, value) -> str | None:
    """What ``value`` of ``field`` in the layout named ``layout`` means, in words, where the number
    alone says little (None elsewhere): ``interpret("mrc2014_header", "mode", 2) == "float32"``."""
    function = _BY_FIELD.get((layout, field))
    if function is None:
        return None
    try:
        return function(value)
    except (TypeError, ValueError):
        return None


def show(value) -> str:
    """A value as a validation finding quotes it: bytes as quoted text when printable (trailing NUL
    padding counted: ``'MAP' and 1 NUL byte``), else as upper-case hex (``hex 00 00 00 00``; never a
    Python repr), floats short, anything else as its repr."""
    if isinstance(value, bytes):
        text = value.rstrip(b"\0")
        if text and is_printable(text):
            pad = len(value) - len(text)
            return f"'{text.decode('ascii')}'" + (f" and {pad} NUL byte{'s' if pad != 1 else ''}" if pad else "")
        return f"hex {hex_text(value).upper()}"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)
