"""Direct Electron ``*_info.txt`` files, declared as a key table.

DE-Server writes one ``key = value`` pair per line next to every acquisition
(``20241021_00405_info.txt``).  DE publishes no grammar; what is known comes from
real files (specs.md §4.2): keys are printable ASCII and may contain spaces,
``-``, ``(``, ``)``, ``#``; the ``=`` is padded to column 64; values are untyped
text; ``-1`` means "not applicable"; line ends are LF or CRLF.

Why a table: the keys a reader relies on (scan size, pixel sizes, frame rate...)
are declared once in :data:`INFO_KEYS` with their type, unit and meaning, and
every other key is kept verbatim.  The docs and the validator are derived from
the same table.

Parsing rules (:func:`parse_info_text`):

* Each line is split at the **first** ``=``; key and value are stripped.  A value
  may therefore contain ``=`` (RosettaSciIO splits at every ``=`` and drops such
  lines).
* Lines that are empty or only whitespace are ignored silently.
* A line without ``=`` or with an empty key is skipped with a warning naming its
  line number.
* A declared key whose value cannot be converted to its type keeps its text in
  :attr:`DeInfo.raw` but is left out of :attr:`DeInfo.values`, with a warning:
  ``values`` never holds a value of the wrong type.  An empty value of a
  declared non-text key is stored as ``None`` (DE writes ``Key =`` for "nothing").
* A repeated key warns; the later value wins (as in RosettaSciIO).
* Nothing in the text raises: the problems are also listed in
  :attr:`DeInfo.problems` so a validator can report them.

Where RosettaSciIO 0.15 differs: it keeps **every** value as a string (so its
metadata carries ``'1000'``, ``'40000'``); it uses the locale encoding; it
computes the frame time as ``1/(fps*sum_count)`` (see :attr:`DeInfo.frame_time`);
it never reads ``Scan - Repeats``; it compares switches with ``== "Enable"``
(here ``enable``, ``1``, ``True``, ``On``, ``Save`` count too, any case); and it
rejects ``Instrument Project TEMorSTEM Mode = 1.0`` (``int()`` of a float text),
which is accepted here.
"""

from __future__ import annotations

import enum
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from ..errors import MrcFormatError, MrcWarning
from ..sources.urls import is_url

#: Largest info file :func:`read_info_file` accepts.  Real files are 18-41 kB
#: (252-552 keys); anything bigger is not an info file.
MAX_INFO_BYTES = 4 * 1024 * 1024

#: Individual warnings emitted per text before a single summary warning,
#: so feeding a binary file by mistake does not print thousands of lines.
MAX_LINE_WARNINGS = 20


class InfoType(enum.Enum):
    """Declared value types.  ``SWITCH`` is DE's two-state enums
    (``Enable/Disable``, ``Save/Discard``, ``On/Off``, ``True/False``), stored as bool."""

    INT = "int"
    FLOAT = "float"
    STR = "str"
    SWITCH = "switch"


_SWITCH_TEXT = {
    "enable": True, "enabled": True, "save": True, "on": True, "true": True, "yes": True, "1": True,
    "disable": False, "disabled": False, "discard": False, "off": False, "false": False,
    "no": False, "0": False,
}


def _to_int(text: str) -> int:
    # "1.0" is accepted (an integral float text); "1.5" is not.
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise
        return int(number)


def _to_switch(text: str) -> bool:
    return _SWITCH_TEXT[text.lower()]


_CONVERTERS: dict[InfoType, Callable[[str], Any]] = {InfoType.INT: _to_int, InfoType.FLOAT: float, InfoType.STR: str,
               InfoType.SWITCH: _to_switch}


@attrs.frozen
class InfoKey:
    """One declared key.  ``{n}`` in :attr:`key` stands for a detector index (``0``, ``1``...).

    :attr:`unset` is the value DE writes for "not applicable" (``-1``), or None
    when the key has no such sentinel; :meth:`DeInfo.get_value` maps it to None.
    """

    key: str
    type: InfoType
    unit: str | None = None
    doc: str = ""
    unset: int | float | None = None

    def convert(self, text: str):
        """Typed value of ``text``; raises ValueError/KeyError when it does not fit."""
        return _CONVERTERS[self.type](text)


I, F, S, B = InfoType.INT, InfoType.FLOAT, InfoType.STR, InfoType.SWITCH

#: The declared keys.  Units are those named in the key text, or the unit
#: RosettaSciIO assumes (diffraction pixel size, nm^-1).  Keys not listed here
#: are kept as text.
INFO_KEYS: tuple[InfoKey, ...] = (
    # identity and timing of the acquisition
    InfoKey("Server Software Version", S, None, "DE-Server version, e.g. '2.7.4.10190 (Debug Build)'"),
    InfoKey("Timestamp (seconds since Epoch)", I, "s",
            "UTC epoch seconds, written when the info file is written (after the acquisition)"),
    InfoKey("Local time", S, None, "human-readable local time (newer servers only)"),
    InfoKey("Dataset Name", S, None, "file-name stem of the acquisition, e.g. '20241021_00405'"),
    InfoKey("Acquisition Counter", I, None, "running acquisition number of the server"),
    InfoKey("Acquisition Status", S, None, "e.g. 'Finished'"),
    InfoKey("Camera Model", S, None, "e.g. 'CeleritasXS', 'DESim' (RosettaSciIO's 'detector')"),
    InfoKey("Camera Name", S),
    InfoKey("Camera SN", S, None, "serial number, may be empty"),
    # detector frames
    InfoKey("Frames Per Second", F, "Hz", "camera frame rate"),
    InfoKey("Frames Per Second (Max)", F, "Hz"),
    InfoKey("Exposure Time (seconds)", F, "s"),
    InfoKey("Frame Count", I, None, "camera frames acquired"),
    InfoKey("Image Size X (pixels)", I, "px", "saved frame width after crop and binning"),
    InfoKey("Image Size Y (pixels)", I, "px", "saved frame height after crop and binning"),
    InfoKey("Sensor Size X (pixels)", I, "px"),
    InfoKey("Sensor Size Y (pixels)", I, "px"),
    InfoKey("Binning X", I), InfoKey("Binning Y", I),
    InfoKey("Crop Offset X", I, "px"), InfoKey("Crop Offset Y", I, "px"),
    InfoKey("Crop Size X", I, "px"), InfoKey("Crop Size Y", I, "px"),
    InfoKey("ADUs Per Electron Bin1x", F, None, "gain; RosettaSciIO's gain_factor is 1/this"),
    InfoKey("ADUs Per Electron", F, None, "gain (newer servers)"),
    # autosave
    InfoKey("Autosave Movie Sum Count", I, None, "camera frames summed into one saved movie frame"),
    InfoKey("Autosave Movie", B, None, "Save/Discard"),
    InfoKey("Autosave File Format", S, None, "MRC, DE5, ..."),
    InfoKey("Autosave Movie File Format", S, None, "MRC, DE5, ..."),
    InfoKey("Autosave 4D File Format", S),
    InfoKey("Autosave Directory", S),
    InfoKey("Autosave Filename Suffix", S, None, "the optional '_suffix' of the file names"),
    InfoKey("Autosave Maximum Images Per File", I, None, "-1: no limit", unset=-1),
    InfoKey("Autosave Movie Frames File Path", S, None, "server-side path of the movie"),
    InfoKey("Autosave Movie Frames Written", I),
    InfoKey("Autosave Final Image", B, None, "Save/Discard"),
    InfoKey("Autosave Final Image File Path", S),
    InfoKey("Autosave Virtual Image {n}", B, None, "Save/Discard"),
    InfoKey("Autosave Virtual Image {n} File Path", S, None, "server-side path, names the real file"),
    InfoKey("Autosave Virtual Image {n} Frames Written", I),
    InfoKey("Autosave External Image {n}", B, None, "Save/Discard"),
    InfoKey("Autosave External Image {n} File Path", S),
    InfoKey("Autosave External Image {n} Frames Written", I),
    # microscope (TEM channel; -1 when the channel did not report)
    InfoKey("Specimen Pixel Size X (nanometers)", F, "nm", "real-space pixel; -1 unset", unset=-1),
    InfoKey("Specimen Pixel Size Y (nanometers)", F, "nm", "real-space pixel; -1 unset", unset=-1),
    InfoKey("Diffraction Pixel Size X", F, "nm^-1",
            "reciprocal pixel; unit not in the key, RosettaSciIO assumes nm^-1; -1 unset", unset=-1),
    InfoKey("Diffraction Pixel Size Y", F, "nm^-1",
            "reciprocal pixel; unit not in the key, RosettaSciIO assumes nm^-1; -1 unset", unset=-1),
    InfoKey("Instrument Project Magnification", F, None, "-1 unset", unset=-1),
    InfoKey("Instrument Project Camera Length (centimeters)", F, "cm", "-1 unset", unset=-1),
    InfoKey("Instrument Project TEMorSTEM Mode", I, None, "-1 not read, 0 TEM, 1 STEM", unset=-1),
    InfoKey("Instrument Project Name", S),
    InfoKey("Instrument Accelerating Voltage (V)", F, "V", "-1 unset", unset=-1),
    # scan (4D-STEM)
    InfoKey("Scan - Enable", B, None, "Enable: frames follow a beam scan"),
    InfoKey("Scan - Type", S, None,
            "Raster, Random or 'XY File'; non-raster scans need *_scan_coordinates.csv"),
    InfoKey("Scan - Size X", I, "px", "scan points per row (full frame)"),
    InfoKey("Scan - Size Y", I, "px", "scan rows (full frame)"),
    InfoKey("Scan - ROI Enable", B, None, "Enable: only the ROI is scanned"),
    InfoKey("Scan - ROI Size X", I, "px"), InfoKey("Scan - ROI Size Y", I, "px"),
    InfoKey("Scan - ROI Offset X", I, "px"), InfoKey("Scan - ROI Offset Y", I, "px"),
    InfoKey("Scan - ROI Type", S, None, "Raster, Random, ..."),
    InfoKey("Scan - Repeats", I, None, "scan repetitions (RosettaSciIO ignores it)"),
    InfoKey("Scan - Points", I, None, "scan points per repetition"),
    InfoKey("Scan - Dwell Time (microseconds)", F, "us"),
    InfoKey("Scan - Time (seconds)", F, "s"),
    InfoKey("Scan - Repeat Delay (seconds)", F, "s"),
    InfoKey("Scan - Camera Frames Per Point", I),
    InfoKey("Scan - Points Per Camera Frame", I),
    InfoKey("Scan - Rotation", F, None, "scan rotation (unit not named in the key)"),
    InfoKey("Scan - Flip Horizontally", B), InfoKey("Scan - Flip Vertically", B),
    InfoKey("Scan - XY File", S, None, "server-side path of the XY pattern for 'XY File' scans"),
    InfoKey("Scan - Virtual Detector {n} Name", S, None, "name used in the virtual image file name"),
    InfoKey("Scan - Virtual Detector {n} Shape", S, None, "Ellipse, Rectangle, Off, ..."),
    InfoKey("Scan - Virtual Detector {n} Calculation", S, None, "Sum, ..."),
    InfoKey("Scan - External Detector {n} Name", S, None, "name used in the external image file name"),
    InfoKey("Scan - External Detector {n} Enable", B),
    InfoKey("Scan - External Detector {n} Gain", F),
    InfoKey("Scan - External Detector {n} Offset", F),
)
del I, F, S, B

_EXACT = {k.key: k for k in INFO_KEYS if "{n}" not in k.key}
_TEMPLATED = [(re.compile(re.escape(k.key).replace(r"\{n\}", r"(\d+)") + r"\Z"), k)
              for k in INFO_KEYS if "{n}" in k.key]


def lookup_key(key: str) -> InfoKey | None:
    """The declaration of ``key`` (templated keys match any index), or None."""
    found = _EXACT.get(key)
    if found is None:
        for pattern, decl in _TEMPLATED:
            if pattern.match(key):
                return decl
    return found


def _indexed(values: dict, template: str) -> dict[int, Any]:
    pattern = re.compile(re.escape(template).replace(r"\{n\}", r"(\d+)") + r"\Z")
    found = {}
    for key, value in values.items():
        m = pattern.match(key)
        if m and value is not None:
            found[int(m.group(1))] = value
    return dict(sorted(found.items()))


@attrs.frozen
class DeInfo:
    """A parsed info file.

    ``raw``: every ``key -> text`` pair in file order; ``values``: the declared
    keys converted to their type (undeclared keys are there as text too);
    ``line_numbers``: 1-based line of each key; ``problems``: the warnings issued.
    ``values`` keeps DE's ``-1``; :meth:`get_value` and the properties treat the
    declared sentinel as unset.
    """

    source: str
    raw: dict[str, str]
    values: dict[str, object]
    line_numbers: dict[str, int] = attrs.field(factory=dict, repr=False)
    problems: tuple[str, ...] = ()

    def get_value(self, key: str, default=None):
        """Typed value of ``key``; ``default`` when absent, empty or equal to the key's unset sentinel."""
        value = self.values.get(key)
        decl = lookup_key(key)
        if value is None or value == "" or (decl is not None and decl.unset is not None and value == decl.unset):
            return default
        return value

    # --- acquisition -----------------------------------------------------------------------
    @property
    def dataset_name(self) -> str | None:
        return self.get_value("Dataset Name")

    @property
    def timestamp(self) -> int | None:
        """Seconds since the epoch (RosettaSciIO keeps the text)."""
        return self.get_value("Timestamp (seconds since Epoch)")

    @property
    def fps(self) -> float | None:
        """Camera frames per second."""
        return self.get_value("Frames Per Second")

    @property
    def sum_count(self) -> int:
        """Camera frames summed into one saved frame; 1 when absent or not positive."""
        count = self.get_value("Autosave Movie Sum Count")
        return count if count is not None and count > 0 else 1

    @property
    def frame_time(self) -> float | None:
        """Seconds between saved frames: ``sum_count / fps`` (None without fps).

        A saved frame sums ``sum_count`` camera frames, each ``1/fps`` long.
        RosettaSciIO uses ``1/(fps*sum_count)``, which is the same only when
        ``sum_count == 1`` (true for every corpus file).
        """
        fps = self.fps
        return self.sum_count / fps if fps else None

    @property
    def frame_shape(self) -> tuple[int, int] | None:
        """Saved frame size ``(x, y)`` from ``Image Size X/Y (pixels)``."""
        x, y = self.get_value("Image Size X (pixels)"), self.get_value("Image Size Y (pixels)")
        return (x, y) if x is not None and y is not None else None

    # --- scan --------------------------------------------------------------------------------
    @property
    def scan_enabled(self) -> bool:
        """``Scan - Enable`` (False when absent, as in RosettaSciIO)."""
        return bool(self.get_value("Scan - Enable", False))

    @property
    def roi_enabled(self) -> bool:
        return bool(self.get_value("Scan - ROI Enable", False))

    @property
    def scan_type(self) -> str | None:
        """``Scan - Type`` text: 'Raster', 'Random', 'XY File' (None when absent)."""
        return self.get_value("Scan - Type")

    @property
    def is_raster(self) -> bool:
        """True unless ``Scan - Type`` names another pattern (absent counts as Raster, as in RosettaSciIO)."""
        return self.scan_type in (None, "Raster")

    @property
    def scan_shape(self) -> tuple[int, int] | None:
        """Scan grid in HyperSpy order ``(x, y)``.

        ``Scan - ROI Size X/Y`` when ``Scan - ROI Enable`` is on, else
        ``Scan - Size X/Y``; None when the pair is missing.  Given whatever
        ``Scan - Enable`` says: whether the data is a scan is :attr:`scan_enabled`.
        Same rule as RosettaSciIO (which returns this tuple as its nav shape).
        """
        prefix = "Scan - ROI Size" if self.roi_enabled else "Scan - Size"
        x, y = self.get_value(prefix + " X"), self.get_value(prefix + " Y")
        return (x, y) if x is not None and y is not None else None

    @property
    def repeats(self) -> int:
        """``Scan - Repeats`` (1 when absent).  RosettaSciIO ignores it and infers
        repeats from repeated positions in the coordinates file instead."""
        value = self.get_value("Scan - Repeats")
        return value if value is not None and value > 0 else 1

    @property
    def virtual_detector_names(self) -> dict[int, str]:
        """``Scan - Virtual Detector i Name`` by index i."""
        return _indexed(self.values, "Scan - Virtual Detector {n} Name")

    @property
    def external_detector_names(self) -> dict[int, str]:
        """``Scan - External Detector n Name`` by index n."""
        return _indexed(self.values, "Scan - External Detector {n} Name")

    # --- optics ---------------------------------------------------------------------------
    def _pair(self, key_x: str, key_y: str) -> tuple[float, float] | None:
        x, y = self.get_value(key_x), self.get_value(key_y)
        if x is None or y is None or x <= 0 or y <= 0:
            return None
        return (x, y)

    @property
    def real_pixel_size(self) -> tuple[float, float] | None:
        """Specimen pixel size ``(x, y)`` in nm; None when either is unset (-1) or not positive.

        RosettaSciIO reads these keys but then sets every 4-D axis scale to 1."""
        return self._pair("Specimen Pixel Size X (nanometers)", "Specimen Pixel Size Y (nanometers)")

    @property
    def diffraction_pixel_size(self) -> tuple[float, float] | None:
        """Reciprocal pixel size ``(x, y)`` in nm^-1 (assumed unit); None when unset."""
        return self._pair("Diffraction Pixel Size X", "Diffraction Pixel Size Y")

    @property
    def camera_length(self) -> float | None:
        """Projector camera length in cm; None when unset (-1)."""
        return self.get_value("Instrument Project Camera Length (centimeters)")

    @property
    def magnification(self) -> float | None:
        return self.get_value("Instrument Project Magnification")

    @property
    def is_stem(self) -> bool:
        """RosettaSciIO's rule: ``TEMorSTEM Mode`` 0 → TEM, other values → STEM,
        -1 or absent (not read from the microscope) → :attr:`scan_enabled`."""
        mode = self.get_value("Instrument Project TEMorSTEM Mode")
        return self.scan_enabled if mode is None else mode != 0

    @property
    def is_diffracting(self) -> bool:
        """Frames are diffraction patterns: a camera length is set, or :attr:`is_stem`."""
        return self.camera_length is not None or self.is_stem


def parse_info_text(text: str, source: str = "info.txt") -> DeInfo:
    """Parse the text of an info file (see the module docstring for the rules).

    Never raises for content; ``source`` names the file in warnings.
    """
    raw: dict[str, str] = {}
    values: dict[str, object] = {}
    line_numbers: dict[str, int] = {}
    problems: list[str] = []

    def problem(number: int, message: str) -> None:
        problems.append(f"{source}, line {number}: {message}")
        if len(problems) <= MAX_LINE_WARNINGS:
            warnings.warn(problems[-1], MrcWarning, stacklevel=3)

    if text.startswith("\ufeff"):
        text = text[1:]
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            problem(number, f"no '=' in {line[:80]!r}; line skipped")
            continue
        if not key:
            problem(number, f"empty key in {line[:80]!r}; line skipped")
            continue
        if key in raw:
            problem(number, f"key {key!r} repeats line {line_numbers[key]}; the later value is used")
            del raw[key]  # re-inserted below: file order follows the value in use
            values.pop(key, None)
        raw[key] = value
        line_numbers[key] = number
        decl = lookup_key(key)
        if decl is None or decl.type is InfoType.STR:
            values[key] = value
        elif value == "":
            values[key] = None
        else:
            try:
                values[key] = decl.convert(value)
            except (ValueError, KeyError):
                problem(number, f"{key!r} = {value!r} is not a {decl.type.value}; kept as text in raw only")
    if len(problems) > MAX_LINE_WARNINGS:
        warnings.warn(f"{source}: {len(problems) - MAX_LINE_WARNINGS} more malformed lines",
                      MrcWarning, stacklevel=2)
    return DeInfo(source=source, raw=raw, values=values, line_numbers=line_numbers,
                  problems=tuple(problems))


def read_bounded(path, limit: int, chunk: int = 1 << 16) -> bytes:
    """At most ``limit + 1`` bytes of ``path``, read in chunks (``read(n)`` would allocate ``n``
    bytes up front), so a caller can tell a file over ``limit`` by the length; works for
    special files whose size ``stat`` does not tell."""
    chunks, total = [], 0
    with open(path, "rb") as handle:
        while total <= limit:
            block = handle.read(min(chunk, limit + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
    return b"".join(chunks)


def read_side_file(path, limit: int, storage_options: dict | None = None) -> tuple[int, bytes]:
    """``(size, at most limit + 1 bytes)`` of a small side file, a local path or a URL; a file over
    ``limit`` is not read (``b""``), so the caller refuses it on its size before reading."""
    if isinstance(path, str) and is_url(path):
        from ..sources.remote import read_small

        return read_small(path, limit, storage_options)
    size = Path(path).stat().st_size
    if size > limit:
        return size, b""
    return size, read_bounded(path, limit)


def read_info_file(path: str | os.PathLike, max_bytes: int = MAX_INFO_BYTES, *,
                   storage_options: dict | None = None) -> DeInfo:
    """Read and parse an info file (a path, or a URL read through fsspec with ``storage_options``).

    Raises :class:`MrcFormatError` for files larger than ``max_bytes`` (checked
    before reading).  Text is decoded as UTF-8 (ASCII in practice), never with
    the locale encoding; undecodable bytes fall back to Latin-1 with a warning,
    because DE writes Windows paths that may hold non-ASCII names.
    """
    if not (isinstance(path, str) and is_url(path)):
        path = Path(path)
    size, data = read_side_file(path, max_bytes, storage_options)
    if size > max_bytes:
        raise MrcFormatError(f"{size} bytes, expected at most {max_bytes} for a DE info file",
                             field=str(path))
    if len(data) > max_bytes:  # grew since stat, or a special file
        raise MrcFormatError(f"more than {max_bytes} bytes, expected a DE info file", field=str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        warnings.warn(f"{path}: not UTF-8 ({err.reason} at byte {err.start}); decoded as Latin-1",
                      MrcWarning, stacklevel=2)
        text = data.decode("latin-1")
    return parse_info_text(text, source=str(path))
