"""The repairs ``mrcschema fix`` makes: one :class:`Fix` per rule that has a safe, unambiguous one.
Each rule of :data:`mrcschema.validation.rules.RULES` that has a repair names it beside its check
(``Rule.fix``, a key of :data:`FIXES`; a test holds the two together).

A fix is a function of the file as the rules saw it (the validation
:class:`~mrcschema.validation.context.Context`) and the header record being repaired; it returns
the repaired record, or a text saying why this file's finding is left alone (the value the file
should hold cannot be told from the file).  Fixes change header fields only: the data and the
extended header are never rewritten, and a finding whose repair would need them (a short file,
NaN voxels, a bad record) has no fix.

:func:`fix` validates the file, applies the fixes of its findings in the order of the rule table
to one header record, and writes the bytes that differ in one crash-safe in-place change
(:func:`mrcschema.writing.editing.update_header`: the file is checked unchanged since it was read).
``docs/editing.md`` lists every repair with its rule.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from typing import Any

from ..format import header_changes
from ..format.extended import parse_extended_header
from ..format.exttyp import HDF5_SIGNATURE, SYMMETRY_LINE_LENGTH
from ..format.header_edits import with_labels
from ..format.meaning import MACHINE_STAMP, is_volume, is_volume_stack
from ..format.records import evolve, record
from ..format.seri import is_seri_header
from .report import finding_of
from .rules import INFO, RULES, label_text, label_used

__all__ = ["Fix", "FixResult", "fix"]


@record
class Fix:
    """The repair of one rule: ``function(ctx, header)`` -> the repaired header, or a text saying
    why this file is left as it is; ``text`` says what it does (docs/editing.md, docs/validation_rules.md)."""

    text: str
    function: Callable[[Any, Any], Any]


# -- the repairs ---------------------------------------------------------------------------------------
def _map(ctx, h):
    return header_changes.with_map(h)


def _machine_stamp(ctx, h):
    return evolve(h, machst=MACHINE_STAMP[ctx.byteorder])


def _nversion(ctx, h):
    return header_changes.with_nversion(h)


def _recognised_exttyp(ctx, h):
    """EXTTYP for a block whose kind its bytes tell: SerialEM's NINT/NREAL flags, CCP4 symmetry
    text in 80-character lines, the HDF5 signature; None otherwise."""
    if h.nsymbt <= 0:
        return None
    imod = ctx.imod
    if imod.imod_stamp and is_seri_header(imod.nint, imod.nreal) and h.nsymbt >= h.nz * imod.nint > 0:
        return "SERI"
    if ctx.extended_bytes(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
        return "HDF5"
    fei = _fei_kind(ctx, h)
    if fei is not None:
        return fei
    if h.nsymbt % SYMMETRY_LINE_LENGTH == 0 and h.nsymbt <= 1 << 20:
        raw = ctx.extended_bytes(h.nsymbt)
        if parse_extended_header(raw, evolve(h, exttyp=b"\0\0\0\0"), imod, ctx.byteorder).kind == "CCP4" and \
                raw.strip(b"\0 "):
            return "CCP4"
    return None


def _fei_kind(ctx, h):
    """FEI1/FEI2 when the first record says so: metadata_size the kind's record size, its
    metadata_version one the kind has, and room for one record per section."""
    from ..format.extended import fei_record_size
    from ..format.fei import FEI_KINDS

    size, order = fei_record_size(ctx.extended_bytes(min(h.nsymbt, 1 << 12)), ctx.byteorder)
    for kind in FEI_KINDS.values():
        if size == kind.record_size and h.nsymbt >= h.nz * size:
            version = ctx.fei_int(kind.layout.field("metadata_version").offset, order)
            if version in kind.versions:
                return kind.code
    return None


def _exttyp(ctx, h):
    code = _recognised_exttyp(ctx, h)
    if code is None:
        return ("the extended header's bytes do not say what it holds (no SerialEM flags, HDF5 signature, FEI "
                "record or CCP4 symmetry text)")
    return header_changes.with_exttyp(h, code)


def _labels(ctx, h):
    """The labels holding text, in their order, first; NLABL their count."""
    texts = [label_text(raw).decode("latin-1") for raw in h.label if label_used(raw)]
    return with_labels(h, texts)


def _image_mz(ctx, h):
    if h.nz > 1 and h.mz == h.nz:
        return header_changes.with_space_group(h, "volume")
    return (f"ISPG 0 with MZ {h.mz} and NZ {h.nz}: MZ says neither an image stack (MZ 1) nor one volume "
            "(MZ = NZ), so what the file is cannot be told")


def _de_ispg(ctx, h):
    return header_changes.with_space_group(h, "stack")


def _stats(ctx, h):
    acc = ctx.statistics()
    if acc is None:
        return f"the data was not read: {ctx.statistics_skipped()}"
    return evolve(h, **acc.result().as_fields())


def _sampling(ctx, h):
    """mrcz's M = 0: M = N (one volume: MZ = NZ; a stack: MZ 1), CELLA kept as CELLA / N x M so
    the voxel size readers take now (CELLA / N) stays."""
    changes = {}
    cella = h.cella
    for axis in "xyz":
        m, n = getattr(h, f"m{axis}"), getattr(h, f"n{axis}")
        if m > 0:
            continue
        if m < 0 or n <= 0:
            return f"M{axis.upper()} is {m}: the sampling cannot be told from the file"
        new_m = n if axis != "z" or is_volume(h.ispg) else 1
        if axis == "z" and is_volume_stack(h.ispg):
            return "a volume stack with MZ 0: how many sections make a volume cannot be told"
        changes[f"m{axis}"] = new_m
        cella = evolve(cella, **{axis: getattr(cella, axis) / n * new_m})
    return evolve(h, cella=cella, **changes)


def _de_cella(ctx, h):
    """DE-Server's negative CELLA ('pixel size unknown'): from the info file's specimen pixel
    size where the frames are real-space images, else 0 (MRC2014's 'unknown')."""
    info = ctx.de.info if ctx.de is not None else None
    cella = h.cella
    for axis, n in zip("xyz", (h.nx, h.ny, h.nz)):
        value = getattr(cella, axis)
        if value >= 0:
            continue
        if info is None and value != -10.0 * n:
            return (f"CELLA.{axis.upper()} is {value:g}, not DE-Server's -10 x N, and no info file says the pixel "
                    "size")
        size = 0.0
        if info is not None and axis in "xy" and not info.is_diffracting and info.real_pixel_size is not None:
            size = info.real_pixel_size["xy".index(axis)] * 10.0  # nm -> Å
        m = getattr(h, f"m{axis}")
        cella = evolve(cella, **{axis: size * m if m > 0 else 0.0})
    return evolve(h, cella=cella)


MAP = Fix("MAP = 'MAP ' (the file reads as MRC: its MODE and NX, NY, NZ are valid)", _map)
MACHINE_STAMP_FIX = Fix("MACHST = the standard stamp of the byte order the header reads in "
                        "(44 44 00 00 little-endian, 11 11 00 00 big-endian)", _machine_stamp)
NVERSION = Fix(f"NVERSION = {header_changes.CURRENT_NVERSION}", _nversion)
EXTTYP = Fix("EXTTYP = the kind the extended header's bytes show: SERI (SerialEM flags), HDF5 (signature), "
             "FEI1/FEI2 (the first record's metadata_size and metadata_version, one record per section), CCP4 "
             "(symmetry text in 80-character lines); otherwise left", _exttyp)
LABELS = Fix("the labels holding text moved first, in their order, NLABL their count", _labels)
IMAGE_MZ = Fix("ISPG 0 with MZ = NZ > 1 (one volume stored as an image stack): ISPG 1, the Z voxel size kept; "
               "any other MZ left", _image_mz)
DE_ISPG = Fix("ISPG 0, MZ 1 (a movie is a stack of frames), the Z voxel size kept", _de_ispg)
STATS = Fix("DMIN, DMAX, DMEAN, RMS recomputed from the data (NaN voxels left out; complex data: RMS, the "
            "others marked undetermined); not when the data pass was skipped", _stats)
SAMPLING = Fix("MX, MY, MZ = 0 (mrcz): M = N (MZ 1 for a stack), CELLA scaled so the voxel size CELLA / N "
               "readers take now is kept; negative M left", _sampling)
DE_CELLA_FIX = Fix("DE-Server's negative CELLA: the info file's Specimen Pixel Size x M for real-space frames, "
               "else 0 (unknown); without an info file only -10 x N (DE's 'unknown') becomes 0", _de_cella)


#: every repair by the name a rule gives it (``Rule.fix``)
FIXES: dict[str, Fix] = {
    "map": MAP, "machine stamp": MACHINE_STAMP_FIX, "nversion": NVERSION, "exttyp": EXTTYP, "labels": LABELS,
    "image mz": IMAGE_MZ, "de ispg": DE_ISPG, "statistics": STATS, "sampling": SAMPLING, "de cella": DE_CELLA_FIX,
}


# -- applying them ----------------------------------------------------------------------------------------
@record
class Skipped:
    """A finding ``fix`` leaves: its rule, field and message, and why."""

    rule: str
    field: str
    message: str
    reason: str

    def to_dict(self) -> dict:
        return {"rule": self.rule, "field": self.field, "message": self.message, "reason": self.reason}


@record
class FixResult:
    """What ``fix`` did to one file: the rules it repaired, the header fields changed (old -> new),
    whether they were written, and the findings left with why."""

    path: str
    fixed: tuple  #: rule ids repaired
    changes: tuple  #: :class:`mrcschema.writing.editing.Change` records
    written: bool
    skipped: tuple  #: :class:`Skipped` records
    ok_before: bool  #: the file had no error before

    @property
    def complete(self) -> bool:
        """No finding of severity error or warning is left."""
        return not any(s.reason != INFO_REASON for s in self.skipped)

    def to_dict(self) -> dict:
        return {"path": self.path, "fixed": list(self.fixed), "changes": [c.to_dict() for c in self.changes],
                "written": self.written, "left": [s.to_dict() for s in self.skipped]}


INFO_REASON = "information, not a fault"
NO_FIX_REASON = "no safe repair: the value the file should hold cannot be told from the file alone"


@contextlib.contextmanager
def _context(path, full_data, info_file):
    """The file as the rules see it, for as long as the rules read it (its descriptor open)."""
    from ..sources import open_source
    from .context import read_de_files
    from .validator import _context_for_source  # the header read as validate reads it

    with open_source(path) as source:
        if source.compressed is not None or source.mappable_path is None:
            from ..errors import MrcFormatError

            raise MrcFormatError(f"{source.path}: only an uncompressed local file can be repaired in place",
                                 field="file", offset=0)
        ctx = _context_for_source(source, full_data, False)
        ctx.de = read_de_files(ctx.path, info_file)
        yield ctx


def fix(path: str | os.PathLike, *, dry_run: bool = False, full_data: bool = False,
        info_file: str | os.PathLike | bool | None = None, progress: bool | None = None) -> FixResult:
    """Repair in place the findings of :func:`mrcschema.validate` that have a safe, unambiguous
    repair (the rules' ``fix``); return what was changed and what was left, with why.

    The file is validated (``full_data``, ``info_file`` as for ``validate``), the repairs are made
    to one header record, and the bytes that differ are written in one crash-safe change after
    checking the file is still the one that was read (else
    :class:`~mrcschema.writing.editing.FileChangedError`, nothing written).  ``dry_run``: nothing is
    written.  A file with nothing to repair is not opened for writing and keeps every byte."""
    import warnings

    from ..errors import MrcWarning
    from ..writing.editing import update_header

    path = os.fspath(path)
    checked = os.stat(path)  # the file as validated: the write checks it is still that one
    if not stat.S_ISREG(checked.st_mode):  # a FIFO would block the read; a device is no file to repair
        from ..writing.editing import NotRegularFileError

        raise NotRegularFileError(f"{path} is not a regular file (a FIFO, socket or device): not changed")
    with warnings.catch_warnings(), _context(path, full_data, info_file) as ctx:
        warnings.simplefilter("ignore", MrcWarning)
        ctx.progress = progress
        findings = []
        for rule in RULES:
            problems = list(rule.evaluate(ctx))
            findings += [(rule, finding_of(rule, p)) for p in problems]
            if problems and rule.final:
                break
        header, fixed, skipped = ctx.header, [], []
        for rule, finding in findings:
            if rule.id in fixed:
                continue
            reason = INFO_REASON if rule.severity == INFO else NO_FIX_REASON
            if rule.fix is not None:
                try:
                    repaired = FIXES[rule.fix].function(ctx, header)
                except ValueError as exc:  # a value the repair cannot make from this file
                    repaired = f"the repair does not apply here: {exc}"
                if not isinstance(repaired, str):
                    header = repaired
                    fixed.append(rule.id)
                    continue
                reason = repaired
            skipped.append(Skipped(rule.id, finding.field, finding.message.split("; expected ")[0], reason))
        if any(rule.final for rule, _ in findings):  # not MRC at all: nothing to write
            fixed, header = [], ctx.header
    raw = ctx.parsed.raw

    def transform(parsed, fd, file_size):
        now = os.fstat(fd)
        same = (now.st_ino, now.st_dev, now.st_size, now.st_mtime_ns) == (
            checked.st_ino, checked.st_dev, checked.st_size, checked.st_mtime_ns)
        if parsed.raw != raw or not same:
            from ..writing.editing import FileChangedError

            raise FileChangedError(f"{path} changed on disk while it was being checked; nothing written")
        return header

    ok_before = not any(f.severity == "error" for _, f in findings)
    result = update_header(path, transform, dry_run=dry_run or not fixed, byteorder=ctx.byteorder)
    return FixResult(path, tuple(fixed), result.changes, result.written, tuple(skipped), ok_before)
