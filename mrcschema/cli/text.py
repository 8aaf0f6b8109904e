"""Text for a terminal: the width to fit, colour when wanted, tables whose rows fit that width.

* width: ``COLUMNS`` when set, else the terminal's width when the output is a terminal, else
  :data:`DEFAULT_WIDTH` (100) — so piped output does not depend on the window it ran in;
* colour (``--color auto|always|never``): ``auto`` colours only a terminal, and never when
  ``NO_COLOR`` is set to anything (https://no-color.org) or ``TERM`` is ``dumb``;
* tables: the last column (the meaning) is wrapped, long values too; nothing is ever cut.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence

#: the width of output that is not a terminal (a pipe, a file)
DEFAULT_WIDTH = 100
#: narrower than this, columns no longer make sense: lines are laid out for this width
MIN_WIDTH = 40
#: the widest the value column grows before its values wrap (a third of the free width, if more)
VALUE_WIDTH = 22
#: below this, the meaning column moves under the row, over the whole width
MIN_MEANING = 24

COLOURS = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "cyan": "36"}


def output_width(stream) -> int:
    """The width to fit: ``COLUMNS``, else the terminal's, else :data:`DEFAULT_WIDTH`."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    try:
        if stream.isatty():  # the size of the terminal this stream writes to
            return max(MIN_WIDTH, os.get_terminal_size(stream.fileno()).columns or DEFAULT_WIDTH)
    except (AttributeError, ValueError, OSError):
        pass
    return DEFAULT_WIDTH


def colour_wanted(stream, choice: str = "auto") -> bool:
    """Whether to colour ``stream``: ``always``, ``never``, or ``auto`` (a terminal, no NO_COLOR)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Style:
    """Colours text when enabled, else returns it unchanged: ``Style(True).red("error")``."""

    def __init__(self, enabled: bool = False):
        self.enabled = enabled

    def __call__(self, text: str, *names: str) -> str:
        if not self.enabled or not text or not names:
            return text
        codes = ";".join(COLOURS[n] for n in names)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def __getattr__(self, name: str):
        if name not in COLOURS:
            raise AttributeError(name)
        return lambda text: self(text, name)


def wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    """``text`` wrapped to ``width`` (words longer than a line are broken, never cut)."""
    subsequent = indent if subsequent is None else subsequent
    lines = textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=subsequent,
                          break_long_words=True, break_on_hyphens=False) if text else []
    return lines or [indent.rstrip()]


def _cell(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, max(1, width), break_long_words=True, break_on_hyphens=False) or [""]


def table(rows: Sequence[Sequence[str]], width: int, style: Style | None = None, *,
          right: Sequence[int] = (0,), name_column: int = 2, indent: int = 2) -> list[str]:
    """Rows of cells laid out in columns that fit ``width``.

    The columns before the last two are as wide as their widest cell; the value column (the one
    before last) at most :data:`VALUE_WIDTH`, its longer values wrapped; the last column (the
    meaning) takes the rest of the line and is wrapped in it, or, when less than
    :data:`MIN_MEANING` is left, goes under the row over the whole width.  Columns in ``right`` are
    right-aligned; ``name_column`` is coloured cyan."""
    style = style or Style(False)
    width = max(width, MIN_WIDTH)
    if not rows:
        return []
    ncols = len(rows[0])
    fixed = [max(len(r[c]) for r in rows) for c in range(ncols - 2)]
    used = indent + sum(w + 1 for w in fixed)
    value_width = max(1, min(max(VALUE_WIDTH, (width - used) // 3), max(len(r[-2]) for r in rows)))
    if used + 12 > width:  # too narrow for columns: each row stacked, its value and meaning under it
        return _stacked(rows, width, style, fixed, right, name_column, indent)
    if width - used - value_width - 1 < MIN_MEANING:  # long values wrap to leave the meaning room
        value_width = max(12, width - used - 1 - MIN_MEANING)
    if used + value_width + 1 > width:  # a narrow terminal: the value wraps in what is left
        value_width = width - used - 1
    meaning_width = width - used - value_width - 1
    below = meaning_width < MIN_MEANING
    lines = []
    for row in rows:
        cells = []
        for c in range(ncols - 2):
            text = row[c].rjust(fixed[c]) if c in right else row[c].ljust(fixed[c])
            cells.append(style.cyan(text) if c == name_column else text)
        head = " " * indent + " ".join(cells) + " "
        values = _cell(row[-2], value_width)
        meanings = [] if below else _cell(row[-1], meaning_width)
        pad = " " * (indent + sum(w + 1 for w in fixed))
        for i in range(max(len(values), len(meanings))):
            value = values[i] if i < len(values) else ""
            meaning = meanings[i] if i < len(meanings) else ""
            start = head if i == 0 else pad
            lines.append((start + (value.ljust(value_width) + " " + meaning if meaning else value)).rstrip())
        if below and row[-1]:
            lines += wrap(row[-1], width, " " * (indent + 4))
    return lines


def _stacked(rows, width, style, fixed, right, name_column, indent):
    lines = []
    for row in rows:
        cells = [row[c].rjust(fixed[c]) if c in right else row[c] for c in range(len(fixed))]
        head = wrap(" ".join(cells), width, " " * indent, " " * (indent + 4))
        lines += [style.cyan(line) if i == 0 and name_column < len(fixed) else line for i, line in enumerate(head)]
        lines += wrap(row[-2], width, " " * (indent + 4))
        if row[-1]:
            lines += wrap(row[-1], width, " " * (indent + 4))
    return lines


# -- what comes from a file never reaches the terminal raw ---------------------------------------------
#: control characters (C0, DEL, C1) -> a visible escape: ``\x1b[31m`` in a label prints as ``\x1b[31m``,
#: not as a colour change (nor a title, nor OSC 52 clipboard writes); a newline in a file name as ``\n``
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))} | {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
#: query parameters that carry a credential or a signature (presigned S3, Google Cloud, Azure SAS URLs)
SECRET_PARAMETERS = ("x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
                     "x-goog-credential", "signature", "sig", "token", "access_token")


def redact_urls(text: str) -> str:
    """``text`` with every URL's ``user:password@`` removed and the values of its signature and
    credential query parameters (:data:`SECRET_PARAMETERS`) replaced by ``REDACTED``."""
    if "://" not in text:
        return text
    import re

    text = re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]*@", r"\1", text)
    names = "|".join(re.escape(n) for n in SECRET_PARAMETERS)
    return re.sub(rf"([?&](?:{names})=)[^&#\s'\"]*", r"\1REDACTED", text, flags=re.IGNORECASE)


def escape(text: str) -> str:
    """``text`` safe for a terminal: control characters shown as escapes, URLs without credentials
    or signatures (:func:`redact_urls`).  For every piece of text that comes from a file's content
    or name; the output's own layout (newlines, colours) is added after."""
    return redact_urls(text.translate(_ESCAPES))


def escape_all(value, function=escape):
    """``function`` (:func:`escape`; :func:`redact_urls` for JSON, which escapes control characters
    itself) applied to every string inside ``value`` (dicts, lists, tuples)."""
    if isinstance(value, str):
        return function(value)
    if isinstance(value, dict):
        return {k: escape_all(v, function) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(escape_all(v, function) for v in value)
    return value
