"""The extended header as its EXTTYP declares it: FEI1/FEI2 records (Thermo Fisher), SerialEM's
SERI records, CCP4 symmetry text and an HDF5 block."""

from __future__ import annotations

from ...format.extended import count_records
from ...format.exttyp import HDF5_SIGNATURE
from ...format.fei import FEI1, FEI_KINDS
from ...format.mrc2014 import HEADER_SIZE, field_offset
from ...format.seri import is_seri_header, seri_record_nbytes
from ...format.values import counted as plural
from ...format.values import show
from .rule import (
    CCPEM,
    CCPEM_20141,
    ERROR,
    IMOD_DOC,
    INFO,
    ORDER_NAMES,
    TFS,
    WARNING,
    Condition,
    Problem,
    RuleList,
    exttyp_code,
    exttyp_is,
    is_text_or_nul,
)

RULES = RuleList()


def _is_fei(ctx):
    """EXTTYP FEI1 or FEI2."""
    return exttyp_code(ctx) in FEI_KINDS


def _fei_field(ctx, name):
    """A field of the first FEI record (FEI2 records begin with the FEI1 fields)."""
    return ctx.fei_int(FEI1.field(name).offset)


def _fei_record_size_valid(ctx):
    size = _fei_field(ctx, "metadata_size")
    return size is not None and size > 0


#: preconditions shared by the FEI rules
_IS_FEI = Condition(_is_fei, "EXTTYP is FEI1 or FEI2")
_FEI_WITH_RECORD_SIZE = Condition(lambda ctx: _is_fei(ctx) and _fei_record_size_valid(ctx),
                                  "EXTTYP is FEI1 or FEI2 and metadata_size > 0")


def _fei_versions_text(kind):
    """``0 for FEI1 (1 tolerated)``: the version written, and any other accepted."""
    others = [str(v) for v in kind.versions if v != kind.version_written]
    return f"{kind.version_written} for {kind.code}" + (f" ({', '.join(others)} tolerated)" if others else "")


def _fei_location(name):
    """File offset of a field of the first FEI record."""
    return HEADER_SIZE + FEI1.field(name).offset


@RULES.rule("FEI-METADATA-SIZE", ERROR, "metadata_size",
            expected=f"the first record's metadata_size (int32, extended header offset "
                     f"{FEI1.field('metadata_size').offset}): "
                     + ", ".join(f"{k.record_size} for {k.code}" for k in FEI_KINDS.values()),
            spec=f"{TFS}, Metadata size", offset=_fei_location("metadata_size"), when=_IS_FEI,
            scope="extended header")
def fei_metadata_size(ctx):
    kind, size = exttyp_code(ctx), _fei_field(ctx, "metadata_size")
    if size is None:
        yield Problem("extended header", HEADER_SIZE,
                      f"EXTTYP {kind} but NSYMBT is {ctx.header.nsymbt}: no room for metadata_size")
    elif size != FEI_KINDS[kind].record_size:
        found = f"{kind} metadata_size is {size}"
        order = ctx.fei_record()[1]
        other = ">" if order == "<" else "<"
        if ctx.byteorder == ">" or order != ctx.byteorder:  # say which order, and what the other gives
            found += (f" read {ORDER_NAMES[order]} ({ORDER_NAMES[other]}: {ctx.fei_int(0, other)}; the file is "
                      f"{ORDER_NAMES[ctx.byteorder]})")
        yield Problem("metadata_size", _fei_location("metadata_size"), found)


@RULES.rule("FEI-METADATA-VERSION", WARNING, "metadata_version",
            expected=f"metadata_version (int32, extended header offset {FEI1.field('metadata_version').offset}): "
                     + ", ".join(_fei_versions_text(k) for k in FEI_KINDS.values()),
            spec=f"{TFS}, Metadata version", offset=_fei_location("metadata_version"), when=_IS_FEI,
            scope="extended header")
def fei_metadata_version(ctx):
    kind, version = exttyp_code(ctx), _fei_field(ctx, "metadata_version")
    if version is not None and version not in FEI_KINDS[kind].versions:
        yield Problem("metadata_version", _fei_location("metadata_version"), f"{kind} metadata_version is {version}")


def _fei_count(ctx):
    """The FEI records as the reader counts them (:func:`mrcschema.format.extended.count_records`)."""
    h = ctx.header
    return count_records(h.nsymbt, _fei_field(ctx, "metadata_size"), h.nz)


@RULES.rule("FEI-RECORDS", ERROR, "nsymbt",
            expected="NSYMBT // metadata_size >= NZ: one record per section (EPU allocates 1024)",
            spec=f"{TFS}; specs/README.md conflict 11", when=_FEI_WITH_RECORD_SIZE, scope="extended header")
def fei_records(ctx):
    h, counted = ctx.header, _fei_count(ctx)
    if counted.capacity < h.nz:
        yield Problem("nsymbt", field_offset("nsymbt"),
                      f"NSYMBT {h.nsymbt} holds {plural(counted.capacity, 'record')} of {counted.record_size} bytes "
                      f"for NZ {h.nz} sections")


@RULES.rule("FEI-PADDING", INFO, "nsymbt",
            expected="NSYMBT a whole number of records (Velox pads the block to a multiple of 512 bytes)",
            spec=f"{TFS}; observed Velox files", when=_FEI_WITH_RECORD_SIZE, scope="extended header")
def fei_padding(ctx):
    h, counted = ctx.header, _fei_count(ctx)
    if h.nsymbt % counted.record_size:
        yield Problem("nsymbt", field_offset("nsymbt"),
                      f"NSYMBT {h.nsymbt} is not a whole number of records: {counted}")


_IS_SERI = exttyp_is("SERI")


@RULES.rule("SERI-FLAGS", ERROR, "nint, nreal",
            expected="NINT = the bytes of the items the NREAL flags announce (IMOD's SerialEM rule)",
            spec=f"{IMOD_DOC}, SERI extended header; IMOD extraIsNbytesAndFlags", when=_IS_SERI,
            scope="extended header")
def seri_flags(ctx):
    nint, nreal = ctx.imod.nint, ctx.imod.nreal
    if not is_seri_header(nint, nreal):
        yield Problem("nint, nreal", field_offset("nint"),
                      f"NINT {nint}, NREAL {nreal}: the items the NREAL flags announce take "
                      f"{seri_record_nbytes(nreal) if nreal >= 0 else '?'} bytes")


@RULES.rule("SERI-RECORDS", ERROR, "nsymbt", expected="NSYMBT >= NZ x NINT: one record per section",
            spec=f"{IMOD_DOC}, SERI extended header",
            when=Condition(lambda ctx: _IS_SERI(ctx) and is_seri_header(ctx.imod.nint, ctx.imod.nreal),
                           "exttyp is SERI and SERI-FLAGS holds"),
            scope="extended header")
def seri_records(ctx):
    h, nint = ctx.header, ctx.imod.nint
    if h.nsymbt < h.nz * nint:
        yield Problem("nsymbt", field_offset("nsymbt"),
                      f"NSYMBT {h.nsymbt} is less than NZ {h.nz} x NINT {nint} = {h.nz * nint}")


@RULES.rule("CCP4-SYMMETRY", WARNING, "nsymbt",
            expected="symmetry records: printable text in whole 80-character lines",
            spec=f"{CCPEM}, extended header; CCP4 maplib", when=exttyp_is("CCP4"), scope="extended header")
def ccp4_symmetry(ctx):
    h = ctx.header
    if h.nsymbt % 80:
        yield Problem("nsymbt", field_offset("nsymbt"), f"NSYMBT {h.nsymbt} is not a multiple of 80")
    raw = ctx.extended_bytes(min(h.nsymbt, 1 << 20))  # symmetry records are short; never read more than 1 MiB
    if not is_text_or_nul(raw):
        yield Problem("extended header", HEADER_SIZE, "the symmetry records hold bytes that are not printable ASCII")


@RULES.rule("HDF5-SIGNATURE", WARNING, "extended header",
            expected=f"an extended header starting with the HDF5 signature {HDF5_SIGNATURE.hex(' ').upper()}",
            spec=f"{CCPEM_20141} (EXTTYP HDF5); HDF5 file format specification, superblock", offset=HEADER_SIZE,
            when=exttyp_is("HDF5"), scope="extended header")
def hdf5_signature(ctx):
    start = ctx.extended_bytes(len(HDF5_SIGNATURE))
    if start != HDF5_SIGNATURE:
        yield Problem("extended header", HEADER_SIZE, f"extended header starts with {show(start)}")
