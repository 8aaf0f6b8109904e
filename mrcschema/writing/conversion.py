"""Which MRC mode an array is written in, and the lossless conversion of its values.

int8, int16, uint16, float16, float32 and complex64 are written as they are (modes 0, 1, 12, 6,
2, 4); uint8 is widened to uint16 (mode 6) and bool to int8 (mode 0), both lossless; wider
integers are narrowed to int16, else uint16, when every value fits; float64 / complex128 become
float32 / complex64 only when every value is exactly representable.  Anything else raises
:class:`~mrcschema.MrcFormatError`: we never round.
"""

from __future__ import annotations

import attrs
import numpy as np

from ..format.modes import DTYPE_TO_MODE, mode_info
from ..format.mrc2014 import header_error
from ..format.statistics import iter_blocks


@attrs.frozen
class Conversion:
    """How an input dtype is written: the MRC mode, the native target dtype, and the check."""

    mode: int
    dtype: np.dtype  #: native byte order
    check: str  #: "none", "range" (integers, checked up front) or "exact" (floats, per block)


def target_mode(dtype) -> Conversion:
    """The mode an array of ``dtype`` is written in (before looking at any value).

    Integers wider than 16 bits return mode 1 with check "range"; :func:`write` then picks
    int16 or uint16 from the data's range.
    """
    dtype = np.dtype(dtype)
    native = dtype.newbyteorder("=") if dtype.byteorder not in ("=", "|") else dtype
    for candidate, mode in DTYPE_TO_MODE.items():
        if native.kind == candidate.kind and native.itemsize == candidate.itemsize:
            return Conversion(mode, np.dtype(candidate.str[1:] if candidate.itemsize > 1 else candidate), "none")
    if native.kind == "b":
        return Conversion(0, np.dtype("i1"), "none")
    if native == np.dtype("u1"):
        return Conversion(6, np.dtype("u2"), "none")
    if native.kind in "iu":
        return Conversion(1, np.dtype("i2"), "range")
    if native.kind == "f":
        return Conversion(2, np.dtype("f4"), "exact")
    if native.kind == "c":
        return Conversion(4, np.dtype("c8"), "exact")
    raise header_error("mode",
        f"cannot write {dtype} data: MRC holds int8, int16, uint16, float16, float32 and complex64 "
        "(uint8, bool, wider integers and exactly representable float64 are converted)")


def integer_target(source, dtype):
    """int16, else uint16, for integers wider than 16 bits, from a min/max pass over the data."""
    low = high = None
    for block in iter_blocks(source):
        if block.size:
            lo, hi = int(block.min()), int(block.max())
            low = lo if low is None else min(low, lo)
            high = hi if high is None else max(high, hi)
    if low is None or (low >= -32768 and high <= 32767):
        return Conversion(1, np.dtype("i2"), "none")
    if low >= 0 and high <= 65535:
        return Conversion(6, np.dtype("u2"), "none")
    raise header_error("mode",
        f"cannot write {dtype} data losslessly: values span {low} .. {high}, beyond int16 and uint16; "
        "convert it yourself (e.g. data.astype(numpy.float32)) if rounding is acceptable")


def convert_block(block, conv, source_dtype):
    """One block in the target dtype (native order), refusing any value that would change."""
    if block.dtype == conv.dtype:
        return block
    with np.errstate(over="ignore", invalid="ignore"):
        out = block.astype(conv.dtype)
    if conv.check == "exact":
        with np.errstate(over="ignore", invalid="ignore"):
            back = out.astype(block.dtype)
        if not np.array_equal(back, block, equal_nan=True):
            bad = np.flatnonzero(~((back == block) | (np.isnan(back) & np.isnan(block))))[0]
            raise header_error("mode",
                f"cannot write {source_dtype} data losslessly as {conv.dtype}: value {block[bad].item()!r} "
                f"would become {out[bad].item()!r}; convert it yourself (data.astype(numpy.{conv.dtype.name})) "
                "if rounding is acceptable")
    return out


def new_conversion(dtype):
    if isinstance(dtype, (int, np.integer)) and not isinstance(dtype, bool):
        info = mode_info(int(dtype))
        if info.number not in DTYPE_TO_MODE.values():
            raise header_error("mode", f"new() cannot make mode {info.number} files")
        return Conversion(info.number, info.dtype.newbyteorder("="), "none")
    dt = np.dtype(dtype)
    conv = target_mode(dt)
    if conv.check != "none" or conv.dtype.itemsize != dt.itemsize or conv.dtype.kind != dt.kind:
        raise header_error("mode",
            f"new() maps the file's data directly, so dtype must be one MRC stores: int8, int16, uint16, "
            f"float16, float32 or complex64 (got {dt})")
    return conv
