"""A picture of a file's data: what to show, read with nothing else; contrast; layout; PNG.

What is shown (``choose_panels``):

* an image: the image;
* a volume (ISPG 1-230): its central section, or with ``montage`` ``frames`` (9) sections evenly
  across it; a volume stack (ISPG 401-630): the same for its first volume;
* an image stack: its first ``frames`` (4) frames, or with ``montage`` frames evenly across it;
* a Direct Electron 4D-STEM movie (a ``*_movie.mrc`` whose ``*_info.txt`` enables a scan): a
  virtual image, the sum of each frame placed on the scan grid (raster scans row by row,
  Random/XY scans by their ``*_scan_coordinates.csv``), beside the mean frame;
* ``section=N``: section (frame) N alone.

Only the sections shown are read (a section of a memory-mapped file is a view), so a 100 GB file
previews in the time of a small one; large sections are reduced by averaging ``step`` x ``step``
blocks, read in bands (decimation would show a noisy micrograph as shot noise); a virtual image
reads every frame once, with a progress bar when long.

Contrast: the ``percentiles`` (0.5, 99.5) of the pixels shown, over all panels together, are black
and white (``grey``); complex data shows its amplitude, RGB data (mode 16) is shown as it is.
Below the panels: a scale bar where the physical model (``MrcFile.physical``) knows the pixel size
(a scan's non-square pixels drawn to scale) and a caption saying what the data is.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import attrs
import numpy as np

from ..errors import MrcFormatError
from ..format.meaning import data_kind, is_volume_stack, space_group
from ..format.spacegroups import space_group_symbol
from ..progress import progress
from ..reading import mrc_file

__all__ = ["Panel", "Picture", "choose_panels", "grey", "preview_file", "render", "contrast_limits"]

DEFAULT_PERCENTILES = (0.5, 99.5)
#: the longest side of the whole grid of panels, in pixels
DEFAULT_SIZE = 768
#: panels smaller than this are enlarged by a whole factor (nearest neighbour)
MIN_PANEL = 256
GAP = 4
MARGIN = 6
BACKGROUND = 24
TEXT = 235
#: frames summed at a time for a virtual image
CHUNK_BYTES = 64 << 20


@attrs.frozen
class Panel:
    """One picture of part of the data, before contrast: values (2D) or RGB bytes (h, w, 3)."""

    title: str
    image: np.ndarray = attrs.field(eq=False, repr=False)
    step: int = 1  #: ``step`` x ``step`` data pixels averaged into one
    pixel_size: float | None = None  #: Å per data pixel (before ``step``), None when unknown
    group: int = 0  #: panels of one group share their contrast (sections of one volume do)
    aspect: float = 1.0  #: height / width of one data pixel (a scan with 0.2 x 0.1 nm steps: 2)


@attrs.frozen
class Picture:
    """The composed picture: its pixels, where each panel is, the contrast and the caption."""

    pixels: np.ndarray = attrs.field(eq=False, repr=False)  #: (H, W) or (H, W, 3) uint8
    panels: tuple
    boxes: tuple  #: per panel: (top, left, height, width, zoom) in ``pixels``
    limits: tuple  #: per panel: the values shown black and white (lo, hi)
    caption: tuple  #: the lines under the panels
    scale_bar: tuple | None  #: (length in Å, label, length in pixels) or None


class PreviewError(MrcFormatError):
    """The data cannot be shown (none located, empty, a section that does not exist)."""


def _require_pillow():
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(f'preview needs Pillow: pip install ".[preview]" (from a checkout) ({exc})',
                                  name=exc.name) from None
    return Image, ImageDraw, ImageFont


# -- what to show ---------------------------------------------------------------------------------
#: bytes of float64 values averaged at a time when a section is reduced
BIN_BYTES = 16 << 20


def _values(section, step):
    """A section reduced ``step`` times by averaging ``step`` x ``step`` blocks (area averaging: a
    decimated picture of a noisy micrograph is shot noise), as float64 values (complex: amplitude)
    or RGB bytes.  The edge rows and columns that do not fill a block are left out; a section
    smaller than one block along an axis is sampled instead.  Read in bands, so memory stays bounded."""
    rows, columns = section.shape[0] // step, section.shape[1] // step
    if step == 1 or rows == 0 or columns == 0:
        return _converted(section[::step, ::step])
    rgb = section.ndim == 3
    out = np.empty((rows, columns) + section.shape[2:], dtype=np.float64)
    band = max(1, BIN_BYTES // max(1, columns * step * step * 8 * (3 if rgb else 1)))
    for start in range(0, rows, band):
        stop = min(rows, start + band)
        block = _converted(section[start * step:stop * step, :columns * step]).astype(np.float64, copy=False)
        out[start:stop] = block.reshape((stop - start, step, columns, step) + section.shape[2:]).mean(axis=(1, 3))
    return np.clip(np.round(out), 0, 255).astype(np.uint8) if rgb else out


def _binning(step):
    return f", {step} x {step} pixels averaged" if step > 1 else ""


def _converted(sampled):
    """float64 values (complex: amplitude) or RGB bytes."""
    if sampled.dtype.names:  # mode 3: (real, imag) int16 pairs
        return np.hypot(sampled["real"].astype(np.float64), sampled["imag"].astype(np.float64))
    if sampled.ndim == 3:  # RGB
        return np.array(sampled, dtype=np.uint8, copy=True)
    if sampled.dtype.kind == "c":
        return np.abs(sampled).astype(np.float64)
    return np.asarray(sampled, dtype=np.float64)


class _SectionStack:
    """The stored sections of an open file as a (sections, ny, nx[, 3]) stack that reads only the
    sections indexed (``f.sections``: ``pread`` into memory, so a file truncated meanwhile is a
    clear error, never a ``SIGBUS``)."""

    def __init__(self, mrc, shape):
        self._sections = mrc.sections
        self.shape = shape
        self.ndim = len(shape)
        self.dtype = mrc.geometry.dtype
        self.nbytes = math.prod(shape) * (mrc.geometry.dtype.itemsize if not mrc.geometry.mode.packed_4bit else 1)

    def __getitem__(self, index):
        return self._sections[index]


def _sections(mrc):
    """The data as (sections, ny, nx[, 3]) without reading it, and how many sections a volume has."""
    g = mrc.geometry
    if g is None:
        raise PreviewError("no data to preview: the data block cannot be located (see mrcschema dump)",
                           field="data", offset=None)
    h = mrc.header
    rgb = g.mode.samples_per_pixel > 1
    tail = tuple(g.shape[-3:] if rgb else g.shape[-2:])
    if math.prod(g.shape) == 0 and h.nx > 0 and h.ny > 0 and h.nz > 0:  # the header declares data the file lacks
        raise PreviewError(f"no data to preview: none of the NZ {h.nz} sections is in the {mrc.file_size}-byte file "
                           f"(the data block would start at offset {g.offset}: 1024 + NSYMBT {h.nsymbt})",
                           field="data", offset=None)
    if math.prod(g.shape) == 0:
        raise PreviewError(f"no data to preview: the data block is empty (NX {h.nx}, NY {h.ny}, NZ {h.nz})",
                           field="data", offset=None)
    stack = _SectionStack(mrc, (math.prod(g.shape) // math.prod(tail),) + tail)
    per_volume = h.mz if is_volume_stack(h.ispg) and h.mz > 0 else stack.shape[0]
    return stack, per_volume


def _step(shape, size):
    return max(1, math.ceil(max(shape[0], shape[1]) / max(size, 1)))


def _voxel(mrc):
    """Å per pixel along the columns, from the physical model; None when not known (no scale bar)."""
    axis = mrc.physical.axes[-1]
    return float(axis.scale) if axis.unit == "Å" and axis.scale and math.isfinite(axis.scale) else None


def _grid_size(count):
    columns = math.ceil(math.sqrt(count))
    return columns, math.ceil(count / columns)


def choose_panels(mrc, *, section=None, montage=False, frames=None, size=DEFAULT_SIZE):
    """The panels to show for an open file, and a line saying what they are."""
    stack, per_volume = _sections(mrc)
    count = stack.shape[0]
    h = mrc.header
    kind = data_kind(h.ispg, h.nz)
    voxel = _voxel(mrc)
    if section is not None:
        if not 0 <= section < count:
            raise PreviewError(f"section {section} does not exist: the data has {count} sections (0 to {count - 1})",
                               field="section", offset=None)
        step = _step(stack.shape[1:], size)
        return [Panel(f"section {section}", _values(stack[section], step), step, voxel)], \
            f"section {section} of {count}" + _binning(step)
    if section is None and not montage:
        scan = _de_scan(mrc, stack, size)
        if scan is not None:
            return scan
    if kind in ("volume", "volume stack") and per_volume > 1:
        first = f" of volume 0 of {count // per_volume}" if kind == "volume stack" else ""
        if montage:
            chosen = sorted(set(np.linspace(0, per_volume - 1, min(frames or 9, per_volume)).round().astype(int)))
            what = f"{len(chosen)} sections across the {per_volume}{first}"
        else:
            chosen = [per_volume // 2]
            what = f"central section {chosen[0]} of {per_volume}{first}"
    elif count == 1:
        chosen, what = [0], "the image"
    else:
        wanted = min(frames or 4, count)
        if montage:
            chosen = sorted(set(np.linspace(0, count - 1, wanted).round().astype(int)))
            what = f"{len(chosen)} frames across the {count}"
        else:
            chosen = list(range(wanted))
            what = f"frames 0-{wanted - 1} of {count}" if wanted > 1 else f"frame 0 of {count}"
    columns, _ = _grid_size(len(chosen))
    step = _step(stack.shape[1:], max(64, size // columns))
    word = "section" if kind in ("volume", "volume stack") else "frame"
    panels = [Panel(f"{word} {i}", _values(stack[i], step), step, voxel) for i in chosen]
    return panels, what + _binning(step)


def _de_scan(mrc, stack, size):
    """A DE 4D-STEM movie: (virtual image, mean frame) panels; None for anything else."""
    from ..de.files import find_de_files, place_frames, read_scan_coordinates
    from ..de.info import read_info_file

    if not mrc.path or not str(mrc.path).lower().endswith("_movie.mrc") or stack.ndim != 3:
        return None
    found = find_de_files(mrc.path)
    if found.info is None:
        return None
    info = read_info_file(found.info)
    if not info.scan_enabled:
        return None
    frames = stack.shape[0]
    try:
        if info.is_raster:
            if info.scan_shape is None:
                return None
            nx, ny = info.scan_shape
            if nx <= 0 or ny <= 0 or frames % (nx * ny):
                return None
            frame_map = np.arange(frames).reshape(frames // (nx * ny), ny, nx)
        else:
            if found.scan_coordinates is None:
                return None
            positions = read_scan_coordinates(found.scan_coordinates, frames=frames)
            if len(positions) != frames:
                return None
            frame_map = place_frames(positions, info.scan_shape).frame_map()
    except MrcFormatError:
        return None
    sums, mean = frame_sums(stack, f"preview {os.path.basename(mrc.path)}")
    virtual = np.where(frame_map >= 0, sums[np.maximum(frame_map, 0)], 0.0).sum(axis=0)
    scan = mrc.physical.scan
    step_y, step_x = scan.step if scan is not None else (None, None)
    pixel = step_x  # Å, from the physical model
    aspect = step_y / step_x if step_x and step_y else 1.0
    ny, nx = virtual.shape
    step = _step(mean.shape, max(64, size // 2))
    repeats = f", {frame_map.shape[0]} repeats summed" if frame_map.shape[0] > 1 else ""
    panels = [Panel("virtual image (sum of each frame)", virtual, 1, pixel, group=0, aspect=aspect),
              Panel("mean frame", _values(mean, step), step, None, group=1)]
    return panels, f"virtual image of the {nx} x {ny} scan ({info.scan_type or 'raster'}{repeats}) and the mean frame"


def frame_sums(stack, label=""):
    """The sum of each frame (float64) and the mean frame, reading the frames once, in slabs."""
    frames = stack.shape[0]
    sums = np.zeros(frames, dtype=np.float64)
    total = np.zeros(stack[0].shape, dtype=np.float64)
    per = max(1, CHUNK_BYTES // max(1, stack[0].nbytes))
    with progress(stack.nbytes, label) as bar:
        for start in range(0, frames, per):
            chunk = _magnitudes(stack[start:start + per])
            sums[start:start + len(chunk)] = chunk.reshape(len(chunk), -1).sum(axis=1, dtype=np.float64)
            total += chunk.sum(axis=0, dtype=np.float64)
            bar.update(chunk.nbytes)
    return sums, total / frames


def _magnitudes(chunk):
    """What the preview draws of each voxel: complex data (mode 3 int16 pairs, mode 4) as amplitudes
    |z|, real data as it is."""
    if chunk.dtype.names:
        return np.hypot(chunk["real"].astype(np.float64), chunk["imag"].astype(np.float64))
    if chunk.dtype.kind == "c":
        return np.abs(chunk)
    return chunk


# -- contrast -------------------------------------------------------------------------------------
def contrast_limits(panels, percentiles=DEFAULT_PERCENTILES):
    """The values at the two percentiles of every finite pixel of the (non-RGB) panels."""
    values = [p.image[np.isfinite(p.image)] for p in panels if p.image.ndim == 2]
    values = [v for v in values if v.size]
    if not values:
        return 0.0, 0.0
    lo, hi = np.percentile(np.concatenate(values), percentiles)
    return float(lo), float(hi)


def grey(image, lo, hi):
    """Values as 0-255: ``lo`` and below black, ``hi`` and above white, linear between, NaN black."""
    image = np.asarray(image, dtype=np.float64)
    scaled = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
    scaled = np.nan_to_num(np.clip(scaled, 0.0, 1.0), nan=0.0)
    return np.rint(scaled * 255.0).astype(np.uint8)


# -- layout ---------------------------------------------------------------------------------------
def _nice_length(length):
    """The largest 1, 2 or 5 x 10^k not above ``length``."""
    power = 10.0 ** math.floor(math.log10(length))
    for factor in (5, 2, 1):
        if factor * power <= length:
            return factor * power
    return power


def _length_label(angstrom):
    if angstrom >= 1e4:
        return f"{angstrom / 1e4:g} µm"
    if angstrom >= 10:
        return f"{angstrom / 10:g} nm"
    return f"{angstrom:g} Å"


def _font(ImageFont, size=13):
    """(font, text translation): DejaVu Sans where installed, else Pillow's own font, whose glyphs
    stop at ASCII (Å written A, µ written u)."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size), {}
    except OSError:
        pass
    ascii_only = str.maketrans({"Å": "A", "µ": "u"})
    try:
        return ImageFont.load_default(size=size), ascii_only
    except TypeError:  # Pillow < 10.1: the bitmap font only
        return ImageFont.load_default(), ascii_only


def compose(panels, caption, percentiles=DEFAULT_PERCENTILES, size=None):
    """The panels in a grid (each enlarged to at least :data:`MIN_PANEL` pixels, or by the whole
    factor that brings it nearest ``size`` without passing it when a size is asked for), a scale
    bar from the first panel with a pixel size, the caption lines under them."""
    Image, ImageDraw, ImageFont = _require_pillow()
    groups = {g: contrast_limits([p for p in panels if p.group == g], percentiles) for g in {p.group for p in panels}}
    limits = tuple(groups[p.group] for p in panels)
    rgb = any(p.image.ndim == 3 for p in panels)
    tiles = []
    for p, (lo, hi) in zip(panels, limits):
        zoom = max(1, (size or MIN_PANEL) // max(p.image.shape[0], p.image.shape[1]))
        tile = p.image if p.image.ndim == 3 else grey(p.image, lo, hi)
        if zoom > 1:
            tile = np.repeat(np.repeat(tile, zoom, axis=0), zoom, axis=1)
        if p.aspect != 1.0:  # non-square pixels drawn to scale: rows stretched (nearest neighbour)
            height = max(1, int(round(tile.shape[0] * p.aspect)))
            tile = tile[np.minimum((np.arange(height) / p.aspect).astype(int), tile.shape[0] - 1)]
        if rgb and tile.ndim == 2:
            tile = np.repeat(tile[:, :, None], 3, axis=2)
        tiles.append((tile, zoom))
    columns, rows = _grid_size(len(tiles))
    cell_h = max(t.shape[0] for t, _ in tiles)
    cell_w = max(t.shape[1] for t, _ in tiles)
    grid_w = columns * cell_w + (columns - 1) * GAP
    grid_h = rows * cell_h + (rows - 1) * GAP

    font, glyphs = _font(ImageFont)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    line_h = max(measure.textbbox((0, 0), "Ag", font=font)[3], 10) + 4
    bar = _scale_bar(panels, tiles, cell_w)
    lines = list(caption) + ([] if bar is not None or not panels else ["pixel size unknown: no scale bar"])
    lines = [line.translate(glyphs) for line in lines]
    text_w = max([measure.textbbox((0, 0), line, font=font)[2] for line in lines] + [0])
    width = max(grid_w, text_w) + 2 * MARGIN
    caption_top = MARGIN + grid_h + MARGIN
    height = caption_top + (line_h + 8 if bar is not None else 0) + len(lines) * line_h + MARGIN
    canvas = np.full((height, width, 3) if rgb else (height, width), BACKGROUND, dtype=np.uint8)
    boxes = []
    for i, (tile, zoom) in enumerate(tiles):
        top = MARGIN + (i // columns) * (cell_h + GAP)
        left = MARGIN + (i % columns) * (cell_w + GAP)
        canvas[top:top + tile.shape[0], left:left + tile.shape[1]] = tile
        boxes.append((top, left, tile.shape[0], tile.shape[1], zoom))
    image = Image.fromarray(canvas, "RGB" if rgb else "L")
    draw = ImageDraw.Draw(image)
    fill = (TEXT,) * 3 if rgb else TEXT
    y = caption_top
    if bar is not None:
        _, label, length = bar
        draw.rectangle([MARGIN, y + 2, MARGIN + length - 1, y + 6], fill=fill)
        draw.text((MARGIN + length + 8, y - 3), label.translate(glyphs), fill=fill, font=font)
        y += line_h + 8
    for line in lines:
        draw.text((MARGIN, y), line, fill=fill, font=font)
        y += line_h
    return Picture(np.asarray(image), tuple(panels), tuple(boxes), limits, tuple(lines), bar)


def _scale_bar(panels, tiles, cell_w):
    for panel, (tile, zoom) in zip(panels, tiles):
        if panel.pixel_size:
            per_pixel = panel.pixel_size * panel.step / zoom  # Å per canvas pixel
            length = _nice_length(per_pixel * tile.shape[1] / 4)
            pixels = max(1, int(round(length / per_pixel)))
            label = _length_label(length) + ("" if panel is panels[0] else f" ({panel.title})")
            return (length, label, pixels)
    return None


def _caption(mrc, what, percentiles, limits):
    h = mrc.header
    g = mrc.geometry
    model = mrc.physical
    number = space_group(h.ispg) or h.ispg
    volume = model.kind in ("volume", "volume stack")
    group = f", space group {space_group_symbol(number)}" if volume and space_group_symbol(number) else ""
    return [os.path.basename(str(mrc.path)),
            f"{model.description}{group}: {h.nx} x {h.ny} x {h.nz} {g.mode.name} (mode {h.mode}), {_sizes(model)}",
            f"shown: {what}",
            "contrast: " + "; ".join(f"{lo:.5g} to {hi:.5g}" for lo, hi in limits)
            + f" (percentiles {percentiles[0]:g} and {percentiles[1]:g})"]


def _sizes(model):
    """The pixel or voxel size in words, from the physical model: what is known and why not."""
    spatial = [a for a in model.axes if a.name in ("x", "y", "z", "ky", "kx")]
    if model.scan is not None and model.scan.step[0]:
        scan = f"scan step {model.scan.step[1]:.4g} x {model.scan.step[0]:.4g} Å"
    else:
        scan = ""
    known = [a for a in spatial if a.scale is not None]
    if not known:
        reason = spatial[-1].reason if spatial else "no spatial axes"
        return ", ".join(t for t in (scan, f"size unknown ({reason})") if t)
    if len(spatial) == 3:  # along X, Y, Z whatever order the file stores them in
        by_name = sorted(spatial, key=lambda a: a.name)
        sizes = ", ".join(f"{a.name.upper()} {a.scale:.4g}" if a.scale is not None else f"{a.name.upper()} unknown"
                          for a in by_name)
        return f"voxel {sizes} {known[-1].unit}"
    sizes = " x ".join(f"{a.scale:.4g}" if a.scale is not None else "unknown" for a in reversed(spatial))
    return ", ".join(t for t in (scan, f"pixel {sizes} {known[-1].unit}") if t)


def render(mrc, *, section=None, montage=False, frames=None, percentiles=None, size=None) -> Picture:
    """The picture of an open :class:`~mrcschema.MrcFile` (see the module doc)."""
    percentiles = tuple(percentiles) if percentiles is not None else DEFAULT_PERCENTILES
    if not 0 <= percentiles[0] < percentiles[1] <= 100:
        raise ValueError(f"percentiles must be 0 <= LO < HI <= 100, not {percentiles}")
    panels, what = choose_panels(mrc, section=section, montage=montage, frames=frames, size=size or DEFAULT_SIZE)
    limits = [contrast_limits([p for p in panels if p.group == g], percentiles)
              for g in sorted({p.group for p in panels})]
    return compose(panels, _caption(mrc, what, percentiles, limits), percentiles, size)


def default_output(path) -> str:
    """``map.png`` in the current directory for ``.../map.mrc`` (and ``map.map.gz``: ``map.png``)."""
    name = Path(os.fspath(path)).name
    for suffix in (".gz", ".bz2"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return str(Path(name).with_suffix(".png"))


def write_png(picture: Picture, output) -> str:
    """Write the picture as a PNG at ``output`` (complete or not at all: a temporary file, then a rename)."""
    Image, _, _ = _require_pillow()
    output = os.fspath(output)
    folder = os.path.dirname(os.path.abspath(output))
    handle, temporary = tempfile.mkstemp(prefix=".preview-", suffix=".png", dir=folder)
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600: the PNG gets what open() would give it
        with os.fdopen(handle, "wb") as out:
            Image.fromarray(picture.pixels).save(out, format="PNG")
        os.replace(temporary, output)
    except BaseException:
        os.unlink(temporary)
        raise
    return output


def _umask() -> int:
    """The process's umask (read by setting it and setting it back: there is no call that only reads it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def preview_file(path, output=None, **options) -> str:
    """Write the preview PNG of the MRC file ``path`` (see :func:`render`); return where."""
    _require_pillow()
    output = os.fspath(output) if output is not None else default_output(path)
    if isinstance(path, (str, os.PathLike)) and os.path.exists(output) and os.path.exists(path) \
            and os.path.samefile(output, path):
        raise PreviewError(f"the preview would overwrite the file itself ({output})", field="file", offset=None)
    with mrc_file.open(path, permissive=True) as mrc:
        picture = render(mrc, **options)
    return write_png(picture, output)
