"""``mrcschema info``: one line per file, for ``ls``-style use over many files (as IMOD's
``header -brief``): size per axis, mode and dtype, physical size, extended header, size on disk,
and the verdict of a header check (``validate --header-only``: valid, or the worst finding).

    examples/tiny_volume.mrc: 24 x 20 x 16, mode 2 float32, 36 x 30 x 24 Å, no extended header, 31.0 KiB, valid
"""

from __future__ import annotations

import os
import warnings

from ..errors import MrcFormatError, MrcWarning
from .batch import Outcome
from .commands import Options, os_error_text, refuse_what_is_not_mrc, sorted_findings, source_of
from .text import escape, escape_all, redact_urls

INFO_SCHEMA = "mrcschema-info/1"
INFO_VERDICTS = ("valid", "invalid", "unreadable")


def info_imports() -> None:
    """The modules ``info_one`` imports (for ``--jobs``: imported once, before the workers fork)."""
    from ..reading import mrc_file  # noqa: F401
    from ..validation import validator  # noqa: F401


def physical_size(mrc) -> dict[str, float | None]:
    """The physical extent of the data along x, y, z in Å (count x scale of that axis in the file's
    physical model, ``f.physical``), None where the model does not know the scale (no cell, DE's
    negative CELLA) or the file has no such axis (the frames of an image stack are not z)."""
    sizes: dict[str, float | None] = {"x": None, "y": None, "z": None}
    for axis in mrc.physical.axes:
        if axis.name in sizes and axis.scale is not None and axis.unit == "Å":
            sizes[axis.name] = axis.size * axis.scale
    return sizes


def _size_text(sizes: dict[str, float | None], ispg: int, nz: int) -> str:
    def number(v):
        return f"{v:.4g}"

    axes = ("x", "y") if ispg == 0 and nz >= 1 else ("x", "y", "z")
    values = [sizes[a] for a in axes]
    if all(v is None for v in values):
        return "physical size unknown"
    text = " x ".join("unknown" if v is None else number(v) for v in values) + " Å"
    return text + (" per frame" if len(axes) == 2 and nz > 1 else "")


def human_bytes(n: int) -> str:
    """``31.0 KiB``: bytes in the largest binary unit that keeps the number at or above 1."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _disk_size(name: str, mrc) -> int:
    """The file's size on disk (a compressed file's compressed size), else what the reader saw."""
    if name != "-" and "://" not in name:
        try:
            return os.stat(name).st_size
        except OSError:
            pass
    return int(mrc.file_size)


def _extended_text(ext) -> str:
    if ext.kind == "none":
        return "no extended header"
    if ext.records is not None:
        count = len(ext.records)
        return f"{ext.kind} extended header, {count} record{'' if count == 1 else 's'}"
    return f"{ext.kind} extended header, {human_bytes(ext.size)}"


def info_one(name: str, options: Options) -> Outcome:
    """``info`` of one file: its one line (or JSON document) and its verdict."""
    from ..reading import mrc_file as mrcfile_module
    from ..validation.validator import validate

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", MrcWarning)
            with mrcfile_module.open(source_of(name), permissive=True) as mrc:
                h = mrc.header
                refuse_what_is_not_mrc(caught, h)
                report = validate(mrc, header_only=True, info_file=False)
                sizes = physical_size(mrc)
                ext = mrc.extended
                disk_size = _disk_size(name, mrc)
                doc = {
                    "schema": INFO_SCHEMA, "path": name, "readable": True,
                    "shape": {"nx": h.nx, "ny": h.ny, "nz": h.nz}, "mode": h.mode,
                    "dtype": None if mrc.geometry is None else mrc.geometry.mode.name,
                    "physical_size": sizes,
                    "extended_header": {"kind": ext.kind, "records": None if ext.records is None else len(ext.records),
                                        "size": ext.size},
                    "disk_size": disk_size,
                }
                line_facts = [f"{h.nx} x {h.ny} x {h.nz}",
                              f"mode {h.mode}" + (f" {doc['dtype']}" if doc["dtype"] else ""),
                              _size_text(sizes, h.ispg, h.nz), _extended_text(ext), human_bytes(disk_size)]
    except (MrcFormatError, OSError) as exc:
        error = os_error_text(exc, name) if isinstance(exc, OSError) else str(exc)
        doc = escape_all({"schema": INFO_SCHEMA, "path": name, "readable": False, "verdict": "unreadable",
                          "error": error}, redact_urls)
        return Outcome(name, "unreadable", 2, doc=doc if options.output != "text" else None, messages=(error,))
    findings = sorted_findings(report.findings)
    verdict = "valid" if report.ok else "invalid"
    worst = next((f for f in findings if f.severity != "info"), None)
    doc.update(verdict=verdict, worst=None if worst is None else worst.to_dict())
    if options.output != "text":
        return Outcome(name, verdict, 0 if report.ok else 1, doc=escape_all(doc, redact_urls))
    shown = verdict
    if worst is not None:
        found = worst.message.split("; expected ")[0].split(": ")[0]  # the fact, without the reasons after it
        shown += f" ({worst.severity} {worst.rule}: {found})"
    text = escape(f"{name}: " + ", ".join(line_facts + [shown]))
    return Outcome(name, verdict, 0 if report.ok else 1, text=text)
