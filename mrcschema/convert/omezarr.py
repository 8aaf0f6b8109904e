"""``mrcschema.to_ome_zarr`` / ``mrcschema convert``: an MRC file written as an OME-NGFF 0.4 image.

What is written (``docs/convert.md``): a Zarr v2 group whose ``multiscales`` attribute (built and
validated by :mod:`.ngff`) names the axes (``t``, ``c``, then ``z, y, x``), one array per pyramid
level (``0``, ``1``, ...), scale and translation in angstrom from :func:`.axes.array_axes`, and the
header, labels and extended header under the ``mrcschema`` attribute.

Memory stays bounded whatever the input's size: level 0 is written in slabs of whole chunks along
the axis the file's sections run along, read with ``f.sections`` (a few sections at a time, never
the whole block); each further level is made from the one before, read back from the store in
blocks two chunks deep along every axis but the last.  ``jobs`` threads read, compress and write
slabs concurrently, at most ``jobs`` slabs in memory at once.

An interrupted run leaves no store that looks complete: the group's ``.zattrs`` and ``.zgroup``
(which make it an image) are written after every chunk.  A local output is also built in a
``OUT.partPID`` folder beside it and renamed into place, so OUT is either absent, the old store, or
the new one complete.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import itertools
import json
import math
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..progress import progress as progress_bar
from ..reading.mrc_file import open as open_mrc
from .axes import Axis, array_axes
from .metadata import file_attributes
from .ngff import multiscales
from .pyramid import downsample, halved_shape

#: the default chunk edge of a volume (z, y, x) and of an image or stack's sections (y, x)
VOLUME_CHUNK = 64
IMAGE_CHUNK = 512
#: a default chunk is made thinner along the section axis when a slab would hold more than this
SLAB_BYTES = 256 << 20
COMPRESSORS = ("zstd", "blosc", "gzip", "none")
_SPACE_ORDER = "zyx"


def _require_extra() -> None:
    """zarr, numcodecs and ome-zarr-models (the ``convert`` extra), or one clear error."""
    for module in ("zarr", "numcodecs", "ome_zarr_models"):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ModuleNotFoundError(f"OME-Zarr export needs {module}: pip install 'mrcschema[convert]' ({exc})",
                                      name=module) from None


def _compressor(name: str):
    import numcodecs

    if name == "zstd":
        return numcodecs.Zstd(level=3)
    if name == "blosc":
        return numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.BITSHUFFLE)
    if name == "gzip":
        return numcodecs.GZip(level=6)
    if name == "none":
        return None
    raise ValueError(f"compressor must be one of {', '.join(COMPRESSORS)}, not {name!r}")


def output_order(axes: list[Axis]) -> list[int]:
    """The stored axes in NGFF order: time, channel, then space as z, y, x."""
    rank = {"time": 0, "channel": 1}
    return sorted(range(len(axes)), key=lambda i: (rank.get(axes[i].type, 2),
                                                   _SPACE_ORDER.index(axes[i].name) if axes[i].type == "space" else 0))


def _is_stack(f, axes: list[Axis]) -> bool:
    """An image stack (ISPG 0 with several sections: a tilt series, movie frames, a 4D-STEM scan's
    patterns): its sections are not slices of one volume, so the pyramid halves only y and x."""
    return f.header.ispg == 0 and sum(a.type == "space" for a in axes) == 3


@dataclass(frozen=True)
class Layout:
    """How a file becomes the image: its axes, their order in the image, the chunks and the levels."""

    axes: list[Axis]  #: the file's array axes, stored order
    order: list[int]  #: the stored axis of each image axis (NGFF order)
    section_axis: int | None  #: the stored axis the sections run along (None for a single image)
    stack: bool  #: an image stack: the pyramid keeps its sections
    halve: tuple[bool, ...]  #: per image axis, whether the pyramid halves it
    chunks: list[int]  #: image order
    shapes: list[tuple[int, ...]]  #: per level, image order
    dtype: np.dtype  #: native byte order (4-bit data unpacked to uint8)

    @property
    def image_axes(self) -> list[Axis]:
        return [self.axes[i] for i in self.order]


def layout_of(f, levels: int, chunks=None) -> Layout:
    """The :class:`Layout` of the open file ``f`` for ``levels`` levels and the spatial ``chunks``
    asked for (None: :func:`default_chunks`)."""
    g = f.geometry
    axes = array_axes(f)
    order = output_order(axes)
    image_axes = [axes[i] for i in order]
    stack = _is_stack(f, axes)
    dtype = np.dtype("u1") if g.mode.packed_4bit else g.dtype.newbyteorder("=")
    spatial = [i for i, a in enumerate(axes) if a.type == "space"]
    section_axis = spatial[0] if len(spatial) == 3 else None
    halve = tuple(axes[i].type == "space" and not (stack and i == section_axis) for i in order)
    section_bytes = math.prod(a.size for a in axes if a.type != "time") * dtype.itemsize
    if section_axis is not None:
        section_bytes //= max(1, axes[section_axis].size)
    if chunks is None:
        sizes = default_chunks(image_axes, stack, order.index(section_axis) if section_axis is not None else None,
                               section_bytes)
    else:
        space = [i for i, a in enumerate(image_axes) if a.type == "space"]
        if len(chunks) != len(space) or any(int(c) < 1 for c in chunks):
            raise ValueError(f"chunks must give {len(space)} positive sizes (one per spatial axis "
                             f"{', '.join(image_axes[i].name for i in space)}), not {list(chunks)}")
        sizes = default_chunks(image_axes, stack, None, section_bytes)
        for i, c in zip(space, chunks):
            sizes[i] = int(c)
    shapes = [tuple(a.size for a in image_axes)]
    for _ in range(1, levels):
        shapes.append(halved_shape(shapes[-1], halve))
    sizes = [max(1, min(c, n)) for c, n in zip(sizes, shapes[0])]
    return Layout(axes, order, section_axis, stack, halve, sizes, shapes, dtype)


def default_chunks(image_axes: list[Axis], stack: bool, section_axis: int | None, section_bytes: int) -> list[int]:
    """64 along z, y, x for a volume; 1 x 512 x 512 for a stack, 512 x 512 for an image; 1 along
    ``t``, all of ``c``; thinner along ``section_axis`` (image order) where a slab of that many
    sections would exceed :data:`SLAB_BYTES`."""
    volume = sum(a.type == "space" for a in image_axes) == 3 and not stack
    chunks = []
    for i, axis in enumerate(image_axes):
        if axis.type == "time":
            chunks.append(1)
        elif axis.type == "channel":
            chunks.append(axis.size)
        elif volume:
            chunks.append(VOLUME_CHUNK)
        elif stack and i == section_axis:
            chunks.append(1)
        else:
            chunks.append(IMAGE_CHUNK)
    if section_axis is not None:
        chunks[section_axis] = max(1, min(chunks[section_axis], SLAB_BYTES // max(1, section_bytes)))
    return chunks


class _Store:
    """Where the image goes: a local folder (built beside it under a temporary name, renamed into
    place) or an fsspec URL (written in place, metadata last)."""

    def __init__(self, output, storage_options: dict | None, overwrite: bool):
        import zarr

        self.output = os.fspath(output)
        self.remote = "://" in self.output or "::" in self.output
        self.overwrite = overwrite
        if self.remote:
            self.store = zarr.storage.FSStore(self.output, key_separator="/", mode="w", dimension_separator="/",
                                              **(storage_options or {}))
            present = any(key in self.store for key in (".zgroup", ".zattrs", ".zarray", "0/.zarray"))
            if present and not overwrite:
                raise FileExistsError(f"{self.output} exists (give overwrite=True / --overwrite to replace it)")
            if present:
                for key in (".zgroup", ".zattrs"):  # first, so it stops looking complete at once
                    if key in self.store:
                        del self.store[key]
                self.store.rmdir("")
            self.staging = self.output
        else:
            if os.path.lexists(self.output) and not overwrite:
                raise FileExistsError(f"{self.output} exists (give overwrite=True / --overwrite to replace it)")
            parent = os.path.dirname(os.path.abspath(self.output))
            if not os.path.isdir(parent):
                raise FileNotFoundError(f"{self.output}: folder {parent} does not exist")
            self.staging = f"{self.output.rstrip(os.sep)}.part{os.getpid()}"
            shutil.rmtree(self.staging, ignore_errors=True)
            self.store = zarr.DirectoryStore(self.staging, dimension_separator="/")

    def finish(self, attributes: dict) -> None:
        """The group's metadata, last; then (locally) the folder renamed into place."""
        self.store[".zattrs"] = json.dumps(attributes, indent=1, allow_nan=False, default=_json_default).encode()
        self.store[".zgroup"] = json.dumps({"zarr_format": 2}).encode()
        if self.remote:
            return
        old = None
        if os.path.lexists(self.output):
            old = f"{self.output.rstrip(os.sep)}.old{os.getpid()}"
            os.replace(self.output, old)
        os.replace(self.staging, self.output)
        if old is not None:
            shutil.rmtree(old) if os.path.isdir(old) and not os.path.islink(old) else os.unlink(old)

    def abandon(self) -> None:
        if not self.remote:
            shutil.rmtree(self.staging, ignore_errors=True)


def _json_default(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _run(tasks: Iterator[Callable[[], int]], jobs: int, bar) -> None:
    """Run ``tasks`` (each returns the bytes it wrote) on ``jobs`` threads, at most ``jobs`` at once."""
    if jobs <= 1:
        for task in tasks:
            bar.update(task())
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        running: set = set()
        for task in tasks:
            if len(running) >= jobs:
                done, running = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    bar.update(future.result())
            running.add(pool.submit(task))
        for future in concurrent.futures.as_completed(running):
            bar.update(future.result())


def to_ome_zarr(source, output, *, levels: int = 1, chunks: list[int] | tuple[int, ...] | None = None,
                compressor: str = "zstd", jobs: int = 1, overwrite: bool = False,
                storage_options: dict | None = None, output_storage_options: dict | None = None,
                name: str | None = None, progress: bool | None = None) -> str:
    """Write the MRC file ``source`` (a path, URL, file object or bytes: whatever :func:`mrcschema.open`
    takes; ``storage_options`` for its fsspec) as an OME-NGFF 0.4 image at ``output`` (a folder or an
    fsspec URL; ``output_storage_options`` for it).  ``levels``: resolution levels (1: no pyramid),
    each the one before area-averaged by 2 along x, y and, for volumes, z.  ``chunks``: chunk edge
    along each spatial axis, slowest first (default 64 along z, y, x for a volume; 1 x 512 x 512 for
    an image stack).  ``compressor``: "zstd" (default, level 3), "blosc", "gzip" or "none".
    ``jobs``: threads writing chunks.  ``progress``: a bar on stderr (None: when stderr is a terminal
    and the data exceeds 256 MiB; True: always; False: never).  Returns ``output``.

    Complex data (modes 3 and 4, Fourier transforms) is refused: NGFF images are real."""
    _require_extra()
    import zarr

    if levels < 1:
        raise ValueError(f"levels must be 1 or more, not {levels}")
    codec = _compressor(compressor)
    with open_mrc(source, storage_options=storage_options) as f:
        g = f.geometry
        if g is None:  # opened strictly, so the data block was located; a guard for the type checker
            raise ValueError(f"{f.path}: the data block cannot be located")
        if g.dtype.kind == "c" or g.dtype.fields:
            raise ValueError(f"{f.path}: mode {g.mode.number} ({g.mode.name}) is a Fourier transform; OME-NGFF "
                             "images are real-valued, so it is not converted")
        layout = layout_of(f, levels, chunks)
        attributes = multiscales(layout.image_axes, layout.halve, levels, name or _stem(f.path))
        attributes.update(file_attributes(f, layout.axes))
        attributes["mrcschema"]["ome_zarr"] = {"levels": levels, "chunks": layout.chunks, "compressor": compressor,
                                               "stack": layout.stack}
        store = _Store(output, output_storage_options, overwrite)
        try:
            arrays = [zarr.create(shape=shape, chunks=[min(c, n) for c, n in zip(layout.chunks, shape)],
                                  dtype=layout.dtype, compressor=codec, fill_value=0, store=store.store,
                                  path=str(level), dimension_separator="/", overwrite=True)
                      for level, shape in enumerate(layout.shapes)]
            if ".zgroup" in store.store:  # zarr 2 makes the parent group with the first array: it comes last
                del store.store[".zgroup"]
            total = sum(math.prod(shape) for shape in layout.shapes) * layout.dtype.itemsize
            with progress_bar(total, "convert", setting=progress) as bar:
                _run(_level0_tasks(f, layout, arrays[0]), jobs, bar)
                for level in range(1, levels):
                    _run(_level_tasks(arrays[level - 1], arrays[level], layout.halve), jobs, bar)
            store.finish(attributes)
        except BaseException:
            store.abandon()
            raise
    return os.fspath(output)


def _stem(path: str) -> str:
    base = os.path.basename(str(path).rstrip("/")) or str(path)
    for suffix in (".gz", ".bz2", ".mrc", ".map", ".mrcs", ".st", ".rec", ".ali"):
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)]
    return base


def _level0_tasks(f, layout: Layout, target) -> Iterator[Callable[[], int]]:
    """Slabs of level 0: a chunk's depth of sections (of each volume of a volume stack), read,
    reordered to the image's axes and written as whole chunks."""
    axes, order, section_axis = layout.axes, layout.order, layout.section_axis
    if section_axis is None:  # one image: one section
        def image() -> int:
            out = np.ascontiguousarray(f.sections[0:1][0].transpose(order))
            target[...] = out
            return out.nbytes
        yield image
        return
    has_volumes = axes[0].type == "time"
    depth = layout.chunks[order.index(section_axis)]
    per_volume = axes[section_axis].size
    for volume in range(axes[0].size if has_volumes else 1):
        for start in range(0, per_volume, depth):
            yield _slab_task(f, layout, target, volume, start, min(per_volume, start + depth))


def _slab_task(f, layout: Layout, target, volume: int, start: int, stop: int) -> Callable[[], int]:
    def task() -> int:
        axes, section_axis = layout.axes, layout.section_axis
        assert section_axis is not None  # a single image is written by _level0_tasks itself
        first = volume * axes[section_axis].size
        block = np.asarray(f.sections[first + start:first + stop])
        if axes[0].type == "time":
            block = block[np.newaxis]
        out = np.ascontiguousarray(block.transpose(layout.order))
        region = []
        for stored in layout.order:
            if axes[stored].type == "time":
                region.append(slice(volume, volume + 1))
            elif stored == section_axis:
                region.append(slice(start, stop))
            else:
                region.append(slice(None))
        target[tuple(region)] = out
        return out.nbytes
    return task


def _level_tasks(previous, current, halve: tuple[bool, ...]) -> Iterator[Callable[[], int]]:
    """Blocks of a pyramid level: one chunk deep along every axis but the last (whole along it), each
    read from the level before (twice as deep along the halved axes, read back from the store) and
    downsampled: a block is a few chunks' worth, whatever the image's size."""
    ranges = []
    for axis in range(current.ndim - 1):
        depth = current.chunks[axis]
        ranges.append([(start, min(current.shape[axis], start + depth)) for start in range(0, current.shape[axis], depth)])
    factors = [2 if h else 1 for h in halve]
    for corner in itertools.product(*ranges):
        def task(corner=corner) -> int:
            source = tuple(slice(a * f, min(n, b * f)) for (a, b), f, n in zip(corner, factors, previous.shape))
            out = downsample(previous[source], halve)
            current[tuple(slice(a, b) for a, b in corner)] = out
            return out.nbytes
        yield task
