"""Record values rendered for people, in one place: plain JSON-ready values and short display text.

The records the engine makes hold Python numbers, ``str`` (text fields), ``bytes`` (raw fields),
tuples (arrays) and nested records.  ``dump`` (:mod:`mrcschema.reading.describe`,
:mod:`mrcschema.cli.dump`), the HyperSpy metadata and the validator's findings show them through
the functions here:

* :func:`json_value` – a field's value as ``dump`` gives it (byte fields as hex and text);
* :func:`plain` – a whole record as nested dicts and lists, raw bytes as hex;
* :func:`record_columns` – a numpy record array as one column per field, text decoded, raw bytes as hex;
* :func:`short_text` – a value in at most ``width`` characters, for tables;
* :func:`show` – a value as a validation finding quotes it.
"""

from __future__ import annotations

import numpy as np

from .records import field_names, is_record

__all__ = ["hex_text", "json_value", "plain", "record_columns", "short_text", "show"]

#: byte fields this short are stamps or codes: shown as hex, with their text when printable
_SHORT_BYTES = 8


def hex_text(raw: bytes, sep: str = " ") -> str:
    """Bytes as hex digits, the pairs separated by ``sep`` (``""``: none)."""
    return raw.hex(sep) if sep else raw.hex()


def _printable(raw: bytes) -> bool:
    return all(32 <= b < 127 for b in raw)


def json_value(value):
    """A field value as ``dump`` shows it: short byte fields (stamps, codes) as hex with their text;
    long ones as text, or hex when they hold anything but printable ASCII; arrays as lists.  Nested
    records are flattened by the caller (one row per leaf field)."""
    if isinstance(value, bytes):
        stripped = value.rstrip(b"\0")
        printable = _printable(stripped)
        if len(value) <= _SHORT_BYTES:
            return hex_text(value) + (f" {stripped.decode('ascii')!r}" if printable and stripped else "")
        if not stripped:
            return f"{len(value)} zero bytes"
        return stripped.decode("ascii") if printable else hex_text(value)
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    return value


def plain(value, sep: str = " "):
    """A record (or any value in one) as JSON-ready data: records as dicts in field order, arrays as
    lists, raw bytes as hex (pairs separated by ``sep``), everything else as it is."""
    if isinstance(value, bytes):
        return hex_text(value, sep)
    if is_record(value):
        return {name: plain(getattr(value, name), sep) for name in field_names(value)}
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


def short_text(value, width: int = 24) -> str:
    """``value`` in at most ``width`` characters: floats to 7 significant digits, anything longer
    cut with an ellipsis."""
    text = f"{value:.7g}" if isinstance(value, float) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def show(value) -> str:
    """A value as a validation finding quotes it: bytes as their repr and upper-case hex, floats
    short, anything else as its repr."""
    if isinstance(value, bytes):
        return f"{value!r} ({hex_text(value).upper()})"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)
