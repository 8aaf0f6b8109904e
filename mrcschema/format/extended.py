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
  NINT bytes per section holding the items the NREAL flags announce (layout: ``seri.seri_layout``).
* ``AGAR`` (EXTTYP, or NINT/NREAL that are not SerialEM's): NINT int32 then NREAL float32
  (layout: ``agard.agard_layout``).
* ``CCP4``: 80-character symmetry lines (EXTTYP CCP4, or untyped printable text).
* ``MRCO``, ``HDF5`` and anything else: raw bytes, with the EXTTYP reported.

Records are never parsed one by one: the whole block goes through one
``numpy.frombuffer`` with the dtype the engine derived from the schema.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, cast

from ..errors import MrcFormatError, MrcWarning
from .exttyp import (
    FEI_EXTTYPS,
    HDF5_SIGNATURE,
    LEGACY_FEI_SIZES,
    MRCZ_JSON_EXTTYP,
    SYMMETRY_LINE_LENGTH,
    exttyp_text,
)
from .mrc2014 import HEADER_SIZE
from .records import evolve, record
from .values import counted as _counted

if TYPE_CHECKING:
    import numpy as np
else:  # a file without records needs no numpy
    from .deferred import numpy as np


@record
class ExtendedHeader:
    """What the extended header holds (see the module doc for the kinds)."""

    kind: str  #: "none", "FEI1", "FEI2", "FEI_LEGACY", "SERI", "AGAR", "CCP4", "MRCO", "HDF5", "JSON", "unknown"
    exttyp: str  #: EXTTYP as stored (blank for pre-2014 files)
    size: int  #: NSYMBT
    records: np.ndarray | None = None  #: one record per section, structured, file byte order
    #: the engine Layout of the records: the kind's own (FEI kinds), or the one the main header's
    #: NINT/NREAL make (SERI, AGAR); None exactly when there are no records
    layout: object = None
    record_size: int = 0  #: bytes between consecutive records
    capacity: int = 0  #: whole records the block could hold (NSYMBT // record_size)
    padding: int = 0  #: bytes after the records read
    text: tuple = ()  #: CCP4 symmetry lines
    json: object = None  #: kind "JSON" (mrcz): the parsed metadata (None when it does not parse)
    notes: tuple = ()  #: departures from the specification, also issued as warnings

    def record(self, index):
        """Record ``index`` (0 <= index < len(records)) as a record of :attr:`layout` (attrs's functions accept it).

        A block without records raises :class:`MrcFormatError` naming the extended header; an
        index out of range raises :class:`IndexError`."""
        if self.records is None:
            raise MrcFormatError(f"the {self.kind} block holds no records", field="extended header",
                                 offset=HEADER_SIZE)
        count = len(self.records)
        if not 0 <= index < count:
            raise IndexError(f"record {index} does not exist: the {self.kind} extended header has {_counted(count, 'record')}")
        return self.layout.to_record(self.records[index])

    @property
    def counted(self) -> RecordCount | None:
        """Records read, capacity and padding as :func:`count_records` counts them (None: no records)."""
        if self.records is None:
            return None
        return RecordCount(len(self.records), self.record_size, self.capacity, self.padding)

    @property
    def layout_from_header(self) -> bool:
        """Whether the record layout is made from the main header's NINT/NREAL (SERI, AGAR) rather
        than fixed by the kind (FEI)."""
        return self.kind in ("SERI", "AGAR") and self.layout is not None


def parse_extended_header(raw: bytes, header, imod, byteorder: str) -> ExtendedHeader:
    """Classify and read NSYMBT bytes of extended header (never raises on content)."""
    exttyp = exttyp_text(header.exttyp)
    size = len(raw)
    if size == 0:
        return ExtendedHeader("none", exttyp, 0)
    from .seri import is_seri_header  # the SERI and AGAR layouts are loaded for files that have extended headers

    if exttyp in FEI_EXTTYPS:
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
        width = SYMMETRY_LINE_LENGTH
        lines = tuple(raw[i:i + width].decode("latin-1").rstrip("\0 ") for i in range(0, size, width))
        return ExtendedHeader("CCP4", exttyp, size, text=tuple(line for line in lines if line))
    if exttyp == "HDF5" or raw.startswith(HDF5_SIGNATURE):
        return ExtendedHeader("HDF5", exttyp, size)
    if exttyp == "MRCO":
        return ExtendedHeader("MRCO", exttyp, size)
    if exttyp == MRCZ_JSON_EXTTYP:
        return _read_json(raw, exttyp)
    return ExtendedHeader("unknown", exttyp, size)


def _read_json(raw, exttyp):
    """mrcz's metadata: a UTF-8 JSON text, NUL-padded to NSYMBT."""
    import json  # only for files that have such a block

    notes = []
    try:
        value = json.loads(raw.rstrip(b"\0 ").decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        _note(notes, f"json extended header: not valid UTF-8 JSON ({exc}); kept as raw bytes")
        value = None
    return ExtendedHeader("JSON", exttyp, len(raw), json=value, notes=tuple(notes))


def _is_text(raw):
    body = np.frombuffer(raw.rstrip(b"\0 "), dtype=np.uint8)
    return bool(body.size) and bool((((body >= 32) & (body < 127)) | (body == 0)).all())


def _note(notes, message):
    warnings.warn(message, MrcWarning, stacklevel=4)
    notes.append(message)


def fei_record_size(raw, byteorder) -> tuple[int, str]:
    """(``metadata_size`` of the first FEI record, the byte order it reads in): the file's order
    when that gives a size that fits the block, else little-endian (every real FEI file is
    little-endian throughout, whatever its main header); (0, the file's order) when neither
    does or the block is too short to say.  The reader decodes the records and the validator
    checks them in that one order."""
    from .fei import FEI_KINDS

    layout = min(FEI_KINDS.values(), key=lambda k: k.record_size).layout
    version = layout.field("metadata_version")
    if len(raw) >= version.offset + version.size:
        for order in (byteorder, "<"):
            dtype, offset = cast(Any, layout.dtype(order).fields)["metadata_size"][:2]
            value = int(np.frombuffer(raw, dtype=dtype, count=1, offset=offset)[0])
            if 0 < value <= len(raw):
                return value, order
    return 0, byteorder


def _read_fei(raw, exttyp, nz, byteorder):
    from .fei import FEI_KINDS  # the FEI layouts are built only for files that have them

    notes = []
    kinds = list(FEI_KINDS.values())
    smallest, largest = min(kinds, key=lambda k: k.record_size), max(kinds, key=lambda k: k.record_size)
    record_size, byteorder = fei_record_size(raw, byteorder)  # records decode in the order the size reads in
    if record_size < smallest.record_size:
        _note(notes, f"{exttyp} extended header: metadata_size {record_size} is smaller than an {smallest.code} "
                     f"record ({smallest.record_size} bytes); records not read")
        return ExtendedHeader(exttyp, exttyp, len(raw), record_size=record_size, notes=tuple(notes))
    layout = {k.record_size: k.layout for k in kinds}.get(record_size)
    if layout is None:
        prefix = largest if record_size > largest.record_size else smallest
        layout = prefix.layout
        sizes = " nor ".join(f"{k.code} ({k.record_size})" for k in kinds)
        _note(notes, f"{exttyp} extended header: metadata_size {record_size} matches neither {sizes}; "
                     f"reading the {prefix.record_size}-byte {prefix.code} prefix of each record")
    extended = _read_records(raw, exttyp, exttyp, layout, nz, byteorder, record_size=record_size, notes=notes)
    if extended.records is not None and len(extended.records):
        version = int(extended.records["metadata_version"][0])
        expected = FEI_KINDS[exttyp].versions
        if version not in expected:
            _note(notes, f"{exttyp} extended header: metadata_version {version}, expected {expected[0]}")
            extended = evolve(extended, notes=tuple(notes))
    return extended


@record
class RecordCount:
    """How a block of ``size`` bytes holds fixed-size records for ``nz`` sections: the one count
    that the reader (``f.extended``), ``dump`` and the validator's FEI rules all use."""

    count: int  #: records read: NZ, or as many whole records as fit
    record_size: int  #: bytes per record
    capacity: int  #: whole records the block could hold (size // record_size)
    padding: int  #: bytes after the records read (size - count * record_size)

    def __str__(self):
        return (f"{_counted(self.count, 'record')} of {self.record_size} bytes read (room for {self.capacity}), "
                f"{_counted(self.padding, 'byte')} of padding")


def count_records(size: int, record_size: int, nz: int) -> RecordCount:
    """NZ records, or as many whole records as ``size`` bytes hold; the rest is padding."""
    capacity = size // record_size if record_size > 0 else 0
    count = max(0, min(nz, capacity))
    return RecordCount(count, record_size, capacity, size - count * record_size)


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
    counted = count_records(len(raw), record_size, nz)
    if counted.count < nz:
        _note(notes, f"{kind} extended header holds {_counted(counted.capacity, 'record')} of {record_size} bytes, "
                     f"fewer than NZ = {nz}; reading {counted.count}")
    records = np.frombuffer(raw, dtype=strided_dtype(layout, byteorder, record_size), count=counted.count)
    return _with_records(kind, exttyp, raw, records, layout, counted, notes)


def _with_records(kind, exttyp, raw, records, layout, counted, notes):
    return ExtendedHeader(kind, exttyp, len(raw), records=records, layout=layout, record_size=counted.record_size,
                          capacity=counted.capacity, padding=counted.padding, notes=tuple(notes))


def _read_seri(raw, exttyp, nz, imod, byteorder):
    from .seri import is_seri_header, seri_layout

    nint, nreal = imod.nint, imod.nreal
    notes = []
    if not is_seri_header(nint, nreal):
        _note(notes, f"SERI extended header: NINT {nint} and NREAL {nreal} do not describe SerialEM items "
                     "(the item sizes of the NREAL flags must add up to NINT); records not read")
        return ExtendedHeader("SERI", exttyp, len(raw), notes=tuple(notes))
    layout = seri_layout(nreal)
    counted = count_records(len(raw), nint, nz)
    if counted.count < nz:
        _note(notes, f"SERI extended header holds {_counted(counted.capacity, 'record')} of {nint} bytes, fewer than NZ = {nz}")
    records = layout.parse_array(raw, byteorder, count=counted.count)
    return _with_records("SERI", exttyp, raw, records, layout, counted, notes)


def seri_values(extended: ExtendedHeader) -> dict:
    """SerialEM items decoded to physical values (one array per item), as IMOD decodes them:
    tilt angle [deg], piece coordinates [px], stage position [µm], magnification, intensity,
    exposure dose [e/Å²]."""
    from .seri import SERI_ITEMS

    out: dict[str, np.ndarray] = {}
    if extended.records is None:
        return out
    for item in SERI_ITEMS:
        if item.name in (extended.records.dtype.names or ()):
            values = item.decode(extended.records[item.name])
            if values is not None:
                out[item.name] = values
    return out


def _read_agard(raw, exttyp, nz, imod, byteorder):
    from .agard import agard_layout

    nint, nreal = max(imod.nint, 0), max(imod.nreal, 0)
    notes = []
    if nint + nreal == 0:
        _note(notes, "AGAR extended header: NINT and NREAL are 0, so the record size is unknown")
        return ExtendedHeader("AGAR", exttyp, len(raw), notes=tuple(notes))
    layout = agard_layout(nint, nreal)
    counted = count_records(len(raw), layout.size, nz)
    records = layout.parse_array(raw, byteorder, count=counted.count)
    return _with_records("AGAR", exttyp, raw, records, layout, counted, notes)
