"""Extended headers: which kind a file has, and its records as one numpy structured array.

The kinds, and how each is recognised (``specs.md`` §3, §5):

* ``FEI1`` / ``FEI2`` (EXTTYP): fixed records, one per section, indexed by the
  ``metadata_size`` of the first record.  NSYMBT may be larger than NZ records (EPU
  allocates 1024, Velox pads to a multiple of 512 bytes): NZ records (or as many
  whole records as fit) are read and the rest is padding.  A record size or version
  that matches neither layout: the common prefix is read and a warning says so.
* ``FEI_LEGACY``: no EXTTYP, NSYMBT = 128 x 1024 (as RosettaSciIO detects it) or
  128 x 8192; 128-byte tomography records.
* ``SERI`` (EXTTYP, or a pre-2014 file whose NINT/NREAL follow IMOD's SerialEM rule):
  NINT bytes per section holding the items the NREAL flags announce.
* ``AGAR`` (EXTTYP, or NINT/NREAL that are not SerialEM's): NINT int32 then NREAL float32.
* ``CCP4``: 80-character symmetry lines (EXTTYP CCP4, or untyped printable text).
* ``MRCO``, ``HDF5`` and anything else: raw bytes, with the EXTTYP reported.

Records are never parsed one by one: the whole block goes through one
``numpy.frombuffer`` with the dtype the engine derived from the schema.
"""

from __future__ import annotations

import warnings

import attrs
import numpy as np

from ..errors import MrcWarning
from .seri import SERI_FLAGS, is_seri_header, seri_items

FEI_VERSIONS = {"FEI1": (0, 1), "FEI2": (2,)}
LEGACY_FEI_SIZES = (128 * 1024, 128 * 8192)
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


@attrs.frozen
class ExtendedHeader:
    """What the extended header holds (see the module doc for the kinds)."""

    kind: str  #: "none", "FEI1", "FEI2", "FEI_LEGACY", "SERI", "AGAR", "CCP4", "MRCO", "HDF5", "unknown"
    exttyp: str  #: EXTTYP as stored (blank for pre-2014 files)
    size: int  #: NSYMBT
    records: np.ndarray | None = None  #: one record per section, structured, file byte order
    layout: object = None  #: the engine Layout of the records (FEI kinds)
    record_size: int = 0  #: bytes between consecutive records
    capacity: int = 0  #: whole records the block could hold (NSYMBT // record_size)
    padding: int = 0  #: bytes after the records read
    text: tuple = ()  #: CCP4 symmetry lines
    notes: tuple = ()  #: departures from the specification, also issued as warnings

    def record(self, index):
        """Record ``index`` as an attrs record (FEI kinds), else the numpy record."""
        if self.layout is not None and self.layout.size <= self.record_size:
            return self.layout.to_record(self.records[index][list(self.records.dtype.names)])
        return self.records[index]


def exttyp_text(exttyp: bytes) -> str:
    code = exttyp.rstrip(b"\0 ")
    return code.decode("latin-1")


def parse_extended_header(raw: bytes, header, imod, byteorder: str) -> ExtendedHeader:
    """Classify and read NSYMBT bytes of extended header (never raises on content)."""
    exttyp = exttyp_text(header.exttyp)
    size = len(raw)
    if size == 0:
        return ExtendedHeader("none", exttyp, 0)
    if exttyp in ("FEI1", "FEI2"):
        return _read_fei(raw, exttyp, header.nz, byteorder)
    if exttyp == "SERI" or (not exttyp and is_seri_header(imod.nint, imod.nreal)):
        return _read_seri(raw, exttyp, header.nz, imod, byteorder)
    if not exttyp and size in LEGACY_FEI_SIZES:
        from .fei import (
            FEI_LEGACY,  # the FEI layouts are built only for files that have them
        )

        return _read_records(raw, "FEI_LEGACY", exttyp, FEI_LEGACY, header.nz, byteorder)
    if exttyp == "AGAR" or (not exttyp and (imod.nint > 0 or imod.nreal > 0) and imod.nint >= 0 and imod.nreal >= 0):
        return _read_agard(raw, exttyp, header.nz, imod, byteorder)
    if exttyp == "CCP4" or (not exttyp and _is_text(raw)):
        lines = tuple(raw[i:i + 80].decode("latin-1").rstrip("\0 ") for i in range(0, size, 80))
        return ExtendedHeader("CCP4", exttyp, size, text=tuple(line for line in lines if line))
    if exttyp == "HDF5" or raw.startswith(HDF5_SIGNATURE):
        return ExtendedHeader("HDF5", exttyp, size)
    if exttyp == "MRCO":
        return ExtendedHeader("MRCO", exttyp, size)
    return ExtendedHeader("unknown", exttyp, size)


def _is_text(raw):
    body = np.frombuffer(raw.rstrip(b"\0 "), dtype=np.uint8)
    return bool(body.size) and bool((((body >= 32) & (body < 127)) | (body == 0)).all())


def _note(notes, message):
    warnings.warn(message, MrcWarning, stacklevel=4)
    notes.append(message)


def _fei_record_size(raw, byteorder):
    """``metadata_size`` of the first record: in the file's order, else little-endian (all real
    FEI files are little-endian throughout)."""
    for order in (byteorder, "<"):
        value = int(np.frombuffer(raw, dtype=order + "i4", count=1)[0])
        if 0 < value <= len(raw):
            return value
    return 0


fei_record_size = _fei_record_size  # public: validate decides an FEI record's size by the same rule


def _read_fei(raw, exttyp, nz, byteorder):
    from .fei import (  # the FEI layouts are built only for files that have them
        FEI1,
        FEI2,
    )

    notes = []
    record_size = _fei_record_size(raw, byteorder) if len(raw) >= 8 else 0
    if record_size < FEI1.size:
        _note(notes, f"{exttyp} extended header: metadata_size {record_size} is smaller than an FEI1 record "
                     f"({FEI1.size} bytes); records not read")
        return ExtendedHeader(exttyp, exttyp, len(raw), record_size=record_size, notes=tuple(notes))
    layout = {FEI1.size: FEI1, FEI2.size: FEI2}.get(record_size)
    if layout is None:
        layout = FEI2 if record_size > FEI2.size else FEI1
        _note(notes, f"{exttyp} extended header: metadata_size {record_size} matches neither FEI1 (768) nor "
                     f"FEI2 (888); reading the {layout.size}-byte {layout.name.upper()} prefix of each record")
    extended = _read_records(raw, exttyp, exttyp, layout, nz, byteorder, record_size=record_size, notes=notes)
    if extended.records is not None and len(extended.records):
        version = int(extended.records["metadata_version"][0])
        expected = FEI_VERSIONS[exttyp]
        if version not in expected:
            _note(notes, f"{exttyp} extended header: metadata_version {version}, expected {expected[0]}")
            extended = attrs.evolve(extended, notes=tuple(notes))
    return extended


def strided_dtype(layout, byteorder, record_size):
    """The layout's dtype stretched to ``record_size`` bytes (extra bytes ignored)."""
    base = layout.dtype(byteorder)
    if record_size == base.itemsize:
        return base
    return np.dtype({"names": list(base.names), "formats": [base.fields[n][0] for n in base.names],
                     "offsets": [base.fields[n][1] for n in base.names], "itemsize": record_size})


def _read_records(raw, kind, exttyp, layout, nz, byteorder, *, record_size=None, notes=None):
    """NZ records (or as many whole ones as fit) in one ``frombuffer``; the rest is padding."""
    notes = [] if notes is None else notes
    record_size = record_size or layout.size
    capacity = len(raw) // record_size
    count = min(nz, capacity)
    if count < nz:
        _note(notes, f"{kind} extended header holds {capacity} records of {record_size} bytes, "
                     f"fewer than NZ = {nz}; reading {count}")
    records = np.frombuffer(raw, dtype=strided_dtype(layout, byteorder, record_size), count=count)
    return ExtendedHeader(kind, exttyp, len(raw), records=records, layout=layout, record_size=record_size,
                          capacity=capacity, padding=len(raw) - count * record_size, notes=tuple(notes))


def seri_dtype(nreal, byteorder):
    """Record dtype for the SerialEM items the flags in ``nreal`` announce, in storage order."""
    fields = []
    for item in seri_items(nreal):
        dt = np.dtype(item.dtype)
        if dt.kind != "V":
            dt = dt.newbyteorder(byteorder)
        fields.append((item.name, dt, (item.count,)) if item.count > 1 else (item.name, dt))
    return np.dtype(fields)


def _read_seri(raw, exttyp, nz, imod, byteorder):
    nint, nreal = imod.nint, imod.nreal
    notes = []
    if not is_seri_header(nint, nreal):
        _note(notes, f"SERI extended header: NINT {nint} and NREAL {nreal} do not describe SerialEM items "
                     "(the item sizes of the NREAL flags must add up to NINT); records not read")
        return ExtendedHeader("SERI", exttyp, len(raw), notes=tuple(notes))
    dtype = seri_dtype(nreal, byteorder)
    capacity = len(raw) // nint
    count = min(nz, capacity)
    if count < nz:
        _note(notes, f"SERI extended header holds {capacity} records of {nint} bytes, fewer than NZ = {nz}")
    records = np.frombuffer(raw, dtype=dtype, count=count)
    return ExtendedHeader("SERI", exttyp, len(raw), records=records, record_size=nint, capacity=capacity,
                          padding=len(raw) - count * nint, notes=tuple(notes))


def seri_values(extended: ExtendedHeader) -> dict:
    """SerialEM items decoded to physical values (one array per item), as IMOD decodes them:
    tilt angle [deg], piece coordinates [px], stage position [µm], magnification, intensity,
    exposure dose [e/Å²]."""
    out = {}
    for item in SERI_FLAGS:
        if extended.records is None or item.name not in extended.records.dtype.names or item.scale is None:
            continue
        stored = extended.records[item.name]
        if item.scale == "sem_shorts_to_float":
            out[item.name] = _sem_shorts_to_float(stored)
        else:
            out[item.name] = stored.astype(np.float64) * item.scale
    return out


def _sem_shorts_to_float(pairs):
    """:func:`~mrcschema.format.seri.sem_shorts_to_float` over an ``(n, 2)`` int16 array, vectorised
    (a Python loop would take seconds for a large damaged block): same values, exactly."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    low, high = pairs[:, 0], pairs[:, 1]
    value = np.abs(low) * 256 + np.abs(high) % 256
    exponent = (np.abs(high) // 256) * np.where(high < 0, -1, 1)
    return np.ldexp(np.where(low < 0, -value, value).astype(np.float64), exponent)


def _read_agard(raw, exttyp, nz, imod, byteorder):
    nint, nreal = max(imod.nint, 0), max(imod.nreal, 0)
    notes = []
    record_size = 4 * (nint + nreal)
    if record_size == 0:
        _note(notes, "AGAR extended header: NINT and NREAL are 0, so the record size is unknown")
        return ExtendedHeader("AGAR", exttyp, len(raw), notes=tuple(notes))
    fields = [("ints", byteorder + "i4", (nint,))] if nint else []
    fields += [("reals", byteorder + "f4", (nreal,))] if nreal else []
    capacity = len(raw) // record_size
    count = min(nz, capacity)
    records = np.frombuffer(raw, dtype=np.dtype(fields), count=count)
    return ExtendedHeader("AGAR", exttyp, len(raw), records=records, record_size=record_size,
                          capacity=capacity, padding=len(raw) - count * record_size, notes=tuple(notes))
