"""Extended headers: what kind a file has and its records (filled in by the FEI/SERI schemas)."""

from __future__ import annotations


def extended_type(mrc):
    """EXTTYP as text ("FEI2", "CCP4", ...), or "none" when there is no extended header."""
    if mrc.header.nsymbt == 0:
        return "none"
    code = mrc.header.exttyp.rstrip(b"\0 ")
    return code.decode("latin-1") if code else "untyped"


def describe_extended(mrc):
    """The extended header as plain data for ``dump``."""
    return {"type": extended_type(mrc), "size": mrc.header.nsymbt}
