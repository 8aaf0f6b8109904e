"""The shape and size of the data and of the cell: NX, NY, NZ, the sampling MX, MY, MZ, the cell
CELLA, the axis order MAPC, MAPR, MAPS and the space group ISPG (images, volumes, volume stacks)."""

from __future__ import annotations

import math

from ...format.meaning import IMAGE_ISPG, ISPG_RANGES, VOLUME_STACK_ISPGS
from ...format.mrc2014 import field_offset
from ...format.values import show
from .rule import CCPEM, ERROR, INFO, WARNING, Condition, Problem, RuleList, value_problem

RULES = RuleList()


@RULES.rule("MRC2014-DIMENSIONS", ERROR, "nx, ny, nz",
            expected="NX, NY, NZ > 0 (MRC2014 has no empty data block)", spec=f"{CCPEM}, words 1-3 and note 1",
            mrcfile="error for negative values (a traceback: the data cannot be shaped); 0 passes")
def dimensions(ctx):
    for name in ("nx", "ny", "nz"):
        value = ctx.value(name)
        if value == 0:
            yield Problem(name, field_offset(name),
                          f"{name.upper()} is 0: an empty data block (mrcfile.new() writes 0 until data is set)")
        elif value < 0:
            yield Problem(name, field_offset(name), f"{name.upper()} is {value}")


@RULES.rule("MRC2014-SAMPLING", ERROR, "mx, my, mz",
            expected="MX, MY, MZ > 0 (the voxel size is CELLA / M)", spec=f"{CCPEM}, words 8-10 and note 3",
            mrcfile="error for negative values only ('Header field ... is negative'); 0 passes", fix="sampling")
def sampling(ctx):
    for axis in "xyz":
        name, cell = f"m{axis}", ctx.value(f"cella.{axis}")
        value = ctx.value(name)
        if value > 0:
            continue
        found = f"{name.upper()} is {value}"
        if value == 0 and cell:
            found += (f" with CELLA.{axis.upper()} {show(float(cell))}: the voxel size CELLA / {name.upper()} is "
                      "undefined (mrcz writes 0 in every file; its readers take CELLA / N)")
        yield Problem(name, field_offset(name), found)


@RULES.rule("PHYSICAL-FALLBACK", INFO, "cella",
            expected="voxel sizes the physical model takes from the header as it stands (CELLA / M along each axis)",
            spec="docs/user_guide.md, Physical coordinates", offset=field_offset("cella.x"), mrcfile="not checked")
def physical_fallbacks(ctx):
    """Where the physical model (``MrcFile.physical``) could not take the header as it stands: each
    fallback it took (M <= 0, mrcz's MX = MY = 0, MAPC/MAPR/MAPS not a permutation).  Unknown sizes
    (CELLA 0 or negative) are not fallbacks: MRC2014-CELLA and the model's reasons say them."""
    model = ctx.physical
    if model is None:
        return
    for text in model.fallbacks:
        yield Problem("cella", field_offset("cella.x"), f"physical model: {text}")


def _is_de(ctx):
    """A Direct Electron file: its info file was read (DE-Server's file set)."""
    return ctx.de is not None and ctx.de.info is not None


@RULES.rule("MRC2014-CELLA", ERROR, "cella",
            expected="CELLA >= 0 Å, finite (DE-Server writes -10 Å x the size for 'pixel size unknown'; the finding "
                     "says so for a DE file)",
            spec=f"{CCPEM}, words 11-13 (CELLA)", offset=field_offset("cella.x"),
            mrcfile="error ('Cell dimension ... is negative'); NaN passes", fix="de cella")
def cell(ctx):
    h = ctx.header
    for axis, size in zip("xyz", (h.nx, h.ny, h.nz)):
        name = f"cella.{axis}"
        value = float(ctx.value(name))
        if value >= 0 and math.isfinite(value):
            continue
        found = f"{name.upper()} is {show(value)}"
        de_convention = value < 0 and size > 0 and value == -10.0 * size
        if value < 0 and (_is_de(ctx) or de_convention):
            found += (f": DE-Server's convention for 'pixel size unknown' (a negative cell, -10 Å x the size"
                      f"{', here N' + axis.upper() + ' ' + str(size) if de_convention else ''}); "
                      "DE-Server records the pixel size in the info file (Specimen Pixel Size X, Y)")
        yield Problem(name, field_offset(name), found)


def _axes_are_permutation(ctx):
    h = ctx.header
    return sorted((h.mapc, h.mapr, h.maps)) == [1, 2, 3]


@RULES.rule("MRC2014-AXES", ERROR, "mapc, mapr, maps", expected="MAPC, MAPR, MAPS a permutation of 1, 2, 3",
            spec=f"{CCPEM}, words 17-19 and note 4", mrcfile="error ('Invalid axis mapping')")
def axes(ctx):
    if not _axes_are_permutation(ctx):
        h = ctx.header
        yield Problem("mapc, mapr, maps", field_offset("mapc"), f"MAPC, MAPR, MAPS are {(h.mapc, h.mapr, h.maps)}")


@RULES.rule("MRC2014-AXES-IMAGE", WARNING, "mapc, mapr, maps",
            expected="MAPC, MAPR, MAPS = 1, 2, 3 for images and image stacks", spec=f"{CCPEM}, note 4",
            when=Condition(lambda ctx: ctx.header.ispg == IMAGE_ISPG and _axes_are_permutation(ctx),
                           "ispg 0 and MAPC, MAPR, MAPS a permutation"),
            mrcfile="not checked")
def image_axes(ctx):
    h = ctx.header
    if (h.mapc, h.mapr, h.maps) != (1, 2, 3):
        yield Problem("mapc, mapr, maps", field_offset("mapc"),
                      f"MAPC, MAPR, MAPS are {show(h.mapc)}, {show(h.mapr)}, {show(h.maps)}")


@RULES.rule("MRC2014-ISPG", ERROR, "ispg",
            expected="0 (images), 1-230 (space groups, 1 for EM volumes) or 401-630 (volume stacks)",
            spec=f"{CCPEM}, note 6 (ISPG)", mrcfile="error for negative values only; 231-400 and > 630 pass")
def space_group(ctx):
    ispg = ctx.header.ispg
    if not any(low <= ispg <= high for low, high in ISPG_RANGES):
        yield value_problem(ctx, "ispg")


@RULES.rule("MRC2014-VOLUME-STACK", ERROR, "nz, mz",
            expected="NZ a multiple of MZ (NZ / MZ volumes of MZ sections)", spec=f"{CCPEM}, notes 3 and 6",
            when=Condition(lambda ctx: VOLUME_STACK_ISPGS[0] <= ctx.header.ispg <= VOLUME_STACK_ISPGS[-1],
                           f"ispg in {VOLUME_STACK_ISPGS[0]}-{VOLUME_STACK_ISPGS[-1]}"),
            mrcfile="error ('Error in dimensions for volume stack'); MZ 0 is a division by zero")
def volume_stack(ctx):
    h = ctx.header
    if h.mz <= 0 or h.nz % h.mz:
        yield Problem("nz, mz", field_offset("nz"),
                      f"ISPG {h.ispg} (volume stack) with NZ {h.nz} and MZ {h.mz}: NZ is not a multiple of MZ")


@RULES.rule("MRC2014-IMAGE-MZ", WARNING, "mz",
            expected="MZ = 1 for images and image stacks (ISPG 0), as mrcfile writes",
            spec=f"{CCPEM}, note 3 ('For images, MZ = 1')",
            when=Condition(lambda ctx: ctx.header.ispg == IMAGE_ISPG and ctx.header.mz > 0, "ispg 0 and mz > 0"),
            mrcfile="not checked", fix="image mz")
def image_sampling(ctx):
    if ctx.header.mz != 1:
        yield value_problem(ctx, "mz")
