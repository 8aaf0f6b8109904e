"""The one progress bar of the package, on stderr for long work, dependency-free.

Long work is a full validation of more than :data:`LONG_WORK_BYTES` of data, a write of more
than that, a preview that reads a whole 4D-STEM scan, a batch of files on the command line, and
a read of more than 64 MiB from a URL or a file object (the sources' threshold).
The bar is drawn only where a person watches: when the stream (stderr) is a terminal.  Nothing
is drawn in a pipe, a file or a log, so JSON and piped output never see it.

``MRCSCHEMA_PROGRESS=0`` turns every bar off, ``MRCSCHEMA_PROGRESS=1`` draws them even when stderr
is not a terminal (for tests and for logs that want them).  Code that runs many small pieces of
long work under one bar of its own (the command line's batches) silences the inner bars with
:func:`suppressed`.

This module imports nothing from the package: every layer may use it.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
import sys
import time
from collections.abc import Iterator
from typing import TextIO

__all__ = ["LONG_WORK_BYTES", "Progress", "progress", "suppressed"]

#: work on more bytes than this shows a bar (when stderr is a terminal)
LONG_WORK_BYTES = 256 << 20
#: the bar is redrawn at most this often [s]
REDRAW_INTERVAL = 0.1

_SILENCED: contextvars.ContextVar[bool] = contextvars.ContextVar("mrcschema_progress_silenced", default=False)


def _environment_setting() -> bool | None:
    value = os.environ.get("MRCSCHEMA_PROGRESS", "").strip().lower()
    if value in ("0", "no", "off", "false", "never"):
        return False
    if value in ("1", "yes", "on", "true", "always"):
        return True
    return None


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _size(n: float, unit: str) -> str:
    if unit != "bytes":
        return f"{n:.0f}"
    for prefix in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or prefix == "TiB":
            return f"{n:.0f} {prefix}" if prefix == "B" else f"{n:.1f} {prefix}"
        n /= 1024
    return f"{n:.1f} TiB"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """A bar for ``total`` units of work (``unit`` "bytes" or a word such as "files").

    ``enabled``: True draws, False does not, None decides (``MRCSCHEMA_PROGRESS``, else whether
    ``stream`` is a terminal, and never inside :func:`suppressed`).  Use it as a context manager
    (the line is erased at the end) and call :meth:`update` with the work done since the last call.
    A disabled bar costs one comparison per call."""

    def __init__(self, total: int, label: str = "", *, unit: str = "bytes", stream: TextIO | None = None,
                 enabled: bool | None = None):
        self.total = max(int(total), 0)
        # the label may hold a file name: its control characters are drawn as escapes (\x1b), never sent raw
        self.label = "".join(c if c.isprintable() else repr(c)[1:-1] for c in label)
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            setting = _environment_setting()
            enabled = (not _SILENCED.get()) and (setting if setting is not None else _is_terminal(self.stream))
        self.enabled = bool(enabled)
        self.done = 0
        self.start = time.monotonic()
        self._drawn_at = 0.0
        self._visible = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        """``n`` more units done; redraws at most every :data:`REDRAW_INTERVAL`."""
        self.done += n
        if self.enabled:
            now = time.monotonic()
            if now - self._drawn_at >= REDRAW_INTERVAL or self.done >= self.total:
                self._drawn_at = now
                self._draw(now)

    def line(self, now: float | None = None) -> str:
        """The bar as text: ``label [#####.....]  45%  1.2 GiB/2.6 GiB  ETA 0:05  300.0 MiB/s`` (on a short
        line without the rate, then without the counts)."""
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        fraction = min(self.done / self.total, 1.0) if self.total else 1.0
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 and self.total > self.done else 0.0
        unit = "" if self.unit == "bytes" else " " + self.unit
        parts = [f"{fraction * 100:3.0f}%", f"{_size(self.done, self.unit)}/{_size(self.total, self.unit)}{unit}",
                 f"ETA {_duration(eta)}", f"{_size(rate, self.unit)}{unit}/s"]
        width = max(self._columns() - 1, 20)
        while True:  # the rate, then the counts, go first when the line is short
            facts = "  ".join(parts)
            room = width - len(self.label) - len(facts) - 4
            if room >= 10 or len(parts) == 2:
                break
            parts.pop(1 if len(parts) == 3 else -1)
        bar = ""
        if room >= 5:
            filled = int(round(fraction * room))
            bar = "[" + "#" * filled + "." * (room - filled) + "] "
        text = f"{self.label} {bar}{facts}".strip()
        return text[:width]

    def _columns(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            return shutil.get_terminal_size((80, 24)).columns

    def _draw(self, now: float) -> None:
        if self._columns() <= 0:  # a terminal of no size (0 x 0: a bare pty, some CI runners) shows no bar
            self.enabled = False
            return
        try:
            self.stream.write("\r" + self.line(now) + "\x1b[K")
            self.stream.flush()
            self._visible = True
        except (OSError, ValueError):
            self.enabled = False

    def clear(self) -> None:
        """Erase the bar (before other text is written to the terminal); it is redrawn on update."""
        if self._visible:
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                self.enabled = False
            self._visible = False
            self._drawn_at = 0.0

    def close(self) -> None:
        """Erase the bar for good."""
        self.clear()
        self.enabled = False


def progress(total: int, label: str = "", *, setting: bool | None = None, threshold: int | None = None,
             unit: str = "bytes", stream: TextIO | None = None) -> Progress:
    """A :class:`Progress` for ``total`` units, enabled only when the work is long (``total`` above
    ``threshold``, default :data:`LONG_WORK_BYTES`) and ``setting`` allows it (None: decide; False:
    never; True: always, however short)."""
    threshold = LONG_WORK_BYTES if threshold is None else threshold
    if setting is False:
        return Progress(total, label, unit=unit, stream=stream, enabled=False)
    if setting is True:
        return Progress(total, label, unit=unit, stream=stream, enabled=True)
    if total <= threshold:
        return Progress(total, label, unit=unit, stream=stream, enabled=False)
    return Progress(total, label, unit=unit, stream=stream)


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """No bar decided automatically inside this block (one bar for the whole batch instead)."""
    token = _SILENCED.set(True)
    try:
        yield
    finally:
        _SILENCED.reset(token)
