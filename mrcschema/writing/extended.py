"""The extended header of a file being written: FEI1/FEI2 record arrays or raw bytes with EXTTYP."""

from __future__ import annotations

import numpy as np

from ..format.fei import fei_kind_of
from .new_header import INT32_MAX


def _exttyp_bytes(exttyp):
    if isinstance(exttyp, str):
        exttyp = exttyp.encode("ascii")
    exttyp = bytes(exttyp)
    if len(exttyp) != 4:
        raise ValueError(f"exttyp must be 4 ASCII characters (e.g. 'FEI2', 'SERI'), got {exttyp!r}")
    return exttyp


def extended_bytes(extended_header, exttyp, byteorder, sections):
    """The extended header as (bytes, EXTTYP bytes).

    FEI1/FEI2 record arrays (our record dtype, either byte order) set EXTTYP themselves and
    are written little-endian, as every Thermo Fisher file is; a zero ``metadata_size`` is
    filled in with the record size (and ``metadata_version`` with 0 for FEI1, 2 for FEI2),
    and there must be a record for every section.  Anything
    else (bytes, any numpy array) is written as its raw bytes and needs ``exttyp``.
    """
    if extended_header is None:
        if exttyp is not None:
            raise ValueError("exttyp given without an extended_header")
        return b"", b"\0\0\0\0"
    if isinstance(extended_header, np.ndarray) and extended_header.dtype.names:
        fei = fei_kind_of(extended_header.dtype)
        if fei is not None:
            kind = fei.code.encode("ascii")
            if exttyp is not None and _exttyp_bytes(exttyp) != kind:
                raise ValueError(f"exttyp {exttyp!r} does not match the {kind.decode()} records given")
            if byteorder != "<":
                raise ValueError(
                    f"{kind.decode()} extended headers are little-endian (Thermo Fisher); readers disagree on "
                    "big-endian ones: write the file with byteorder='<'")
            layout = fei.layout
            records = np.ascontiguousarray(extended_header.reshape(-1).astype(layout.dtype("<")))
            if len(records) < sections:
                raise ValueError(f"{kind.decode()} extended header: {len(records)} records for {sections} "
                                 "sections; FEI headers hold one record per section")
            unset = records["metadata_size"] == 0  # fresh np.zeros records: say what they are
            records["metadata_size"][unset] = fei.record_size
            records["metadata_version"][unset] = fei.version_written
            raw = records.tobytes()
            exttyp = kind
        else:
            raw = np.ascontiguousarray(extended_header).tobytes()
    elif isinstance(extended_header, np.ndarray):
        raw = np.ascontiguousarray(extended_header).tobytes()
    else:
        raw = bytes(extended_header)
    if exttyp is None:
        raise ValueError("a raw extended header needs exttyp (e.g. 'SERI', 'CCP4', 'FEI2')")
    exttyp = _exttyp_bytes(exttyp)
    if len(raw) > INT32_MAX:
        raise ValueError(f"extended header of {len(raw)} bytes does not fit NSYMBT (at most {INT32_MAX})")
    return raw, exttyp
