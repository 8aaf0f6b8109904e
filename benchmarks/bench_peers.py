"""Every MRC reader as a peer (issue 15): gemmi, mrcz and ncempy beside mrcfile and numpy, wherever
they do the same work as one of ours.

* header only: ``mrcschema.read_header`` against a bare ``open(p, 'rb').read(1024)`` (goal <= 2x),
  ``gemmi.read_ccp4_header``, ``mrcfile.open(header_only=True)``, ``mrcz.readMRCHeader`` and
  ``ncempy.io.mrc.fileMRC`` (which parses the header when made);
* open + first pixel: ``mrcschema.open`` + ``data[0, 0, 0]`` against ncempy's ``getMemmap`` and
  mrcz's ``readMRC(useMemmap=True)`` (mrcfile's row is in ``cases.py``; gemmi has no lazy read);
* full read into memory, 256 MiB: ``f.read()`` against ``numpy.fromfile`` (goal >= 1.0x
  throughput), ncempy's ``mrcReader``, mrcz's ``readMRC``, gemmi's ``read_ccp4_map`` and
  ``mrcfile.read``; ``numpy.array(f.data)`` (map, then copy) beside them; the same on a
  big-endian file against ``numpy.fromfile`` + in-place ``byteswap``;
* axis-reordered read: ``f.data_xyz`` (a transposed view of the map) summed, against gemmi's
  ``read_ccp4_map`` + ``setup(nan, MapSetup.ReorderOnly)`` with its grid summed, on a file whose
  columns, rows and sections run along Z, X and Y.

One function per group; each returns several rows, ours timed in the same rounds as every peer
(:func:`timing.alternate_many`).  A peer that is not installed gives a skipped row.
"""

from __future__ import annotations

import importlib.util
import os
import warnings

import numpy as np
from timing import Result, alternate, alternate_many, skipped

MiB = 1 << 20


def _installed(name):
    return importlib.util.find_spec(name) is not None


def _quiet(fn):
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()

    return run


def _rows(case_of, ours_label, peers, ours_times, peer_times, number, *, goals=None, notes=None):
    """One Result per peer: ``peers`` = {name: (label, fn)}; ``goals`` = {name: (goal, op, text)}."""
    rows = []
    for name, (label, _fn) in peers.items():
        goal, op, text = (goals or {}).get(name, (None, "<=", "info"))
        rows.append(Result(case_of(name), ours_label, label, goal, op=op, goal_text=text, ours_times=ours_times,
                           peer_times=peer_times[name], number=number, notes=list((notes or {}).get(name, []))))
    return rows


def _missing_peers(case_of, ours_label, wanted):
    return [skipped(case_of(name), ours_label, name, None, f"{name} not installed (pip install '.[bench]')")
            for name in wanted if not _installed(name)]


# --------------------------------------------------------------------------------------------


def header_only(ctx):
    """The main header of a 1 MB file, in process: ours against a bare read and every peer."""
    import mrcfile

    import mrcschema

    path = ctx.file("small")

    def bare():
        with open(path, "rb") as f:
            return f.read(1024)

    peers = {"bare read": ("open(p, 'rb').read(1024)", bare),
             "mrcfile": ("mrcfile.open(p, header_only=True)", lambda: mrcfile.open(path, header_only=True).close())}
    if _installed("gemmi"):
        import gemmi

        peers["gemmi"] = ("gemmi.read_ccp4_header(p)", lambda: gemmi.read_ccp4_header(path))
    if _installed("mrcz"):
        import mrcz

        peers["mrcz"] = ("mrcz.readMRCHeader(p)", _quiet(lambda: mrcz.readMRCHeader(path)))
    if _installed("ncempy"):
        from ncempy.io.mrc import fileMRC

        def ncempy_header():
            with fileMRC(path) as f:
                return f.gridSize

        peers["ncempy"] = ("ncempy fileMRC(p) (parses the header)", ncempy_header)
    ours = lambda: mrcschema.read_header(path)  # noqa: E731
    assert ours().nx == 64 and bare()[:4] == (64).to_bytes(4, "little")
    number = ctx.number(200)
    o, p = alternate_many(ours, {name: fn for name, (_label, fn) in peers.items()}, ctx.repeats, number=number)
    ctx.profile_targets["header only vs bare read, 1 MB"] = ("call", ours, 2000)
    goals = {"bare read": (2.0, "<=", "<= 2 (issue 15)"), "mrcfile": (1.0, "<=", "<= 1")}
    notes = {"gemmi": ["gemmi is C++ (read_ccp4_header returns its header object): reported beside ours"]}
    rows = _rows(lambda n: f"header only vs {n}, 1 MB", "mrcschema.read_header(p)", peers, o, p, number,
                 goals=goals, notes=notes)
    return rows + _missing_peers(lambda n: f"header only vs {n}, 1 MB", "mrcschema.read_header(p)",
                                 ("gemmi", "mrcz", "ncempy"))


def open_first_pixel_peers(ctx):
    """Open a 1 MB file and read its first pixel: ours against ncempy and mrcz (both map the data)."""
    import mrcschema

    path = ctx.file("small")

    def ours():
        with mrcschema.open(path) as f:
            return f.data[0, 0, 0]

    peers = {}
    if _installed("ncempy"):
        from ncempy.io.mrc import fileMRC

        def ncempy_first():
            with fileMRC(path) as f:
                return f.getMemmap()[0, 0, 0]

        peers["ncempy"] = ("ncempy fileMRC(p).getMemmap()[0,0,0]", ncempy_first)
    if _installed("mrcz"):
        import mrcz

        peers["mrcz"] = ("mrcz.readMRC(p, useMemmap=True)[0][0,0,0]",
                         _quiet(lambda: mrcz.readMRC(path, useMemmap=True)[0][0, 0, 0]))
    label = "mrcschema.open + data[0,0,0]"
    case_of = lambda n: f"open + first pixel vs {n}, 1 MB"  # noqa: E731
    rows = _missing_peers(case_of, label, ("ncempy", "mrcz"))
    if not peers:
        return rows
    for name, (_label, fn) in peers.items():
        assert fn() == ours(), name
    number = ctx.number(50)
    o, p = alternate_many(ours, {name: fn for name, (_label, fn) in peers.items()}, ctx.repeats, number=number)
    notes = {"mrcz": ["gemmi has no lazy read (read_ccp4_map reads the whole file): it is in the full-read rows"]}
    return _rows(case_of, label, peers, o, p, number, notes=notes) + rows


def _read_ours(path):
    import mrcschema

    def run():
        with mrcschema.open(path) as f:
            return f.read()

    return run


def full_read(ctx):
    """The whole data block into memory: ours ``f.read()`` against numpy.fromfile and every peer."""
    import mrcfile

    import mrcschema

    path = ctx.file("read")
    shape = ctx.read_shape()
    ours = _read_ours(path)

    def fromfile():
        return np.fromfile(path, dtype="<f4", offset=1024).reshape(shape)

    def through_map():
        with mrcschema.open(path) as f:
            return np.array(f.data)

    peers = {"numpy.fromfile": ("numpy.fromfile(p, '<f4', offset=1024)", fromfile),
             "np.array(f.data)": ("np.array(mrcschema.open(p).data) (map, then copy)", through_map),
             "mrcfile": ("mrcfile.read(p)", _quiet(lambda: mrcfile.read(path)))}
    if _installed("ncempy"):
        from ncempy.io.mrc import mrcReader

        peers["ncempy"] = ("ncempy mrcReader(p)['data']", lambda: mrcReader(path)["data"])
    if _installed("mrcz"):
        import mrcz

        peers["mrcz"] = ("mrcz.readMRC(p, slices=0)[0]", _quiet(lambda: mrcz.readMRC(path, slices=0)[0]))
    if _installed("gemmi"):
        import gemmi

        peers["gemmi"] = ("gemmi.read_ccp4_map(p) (grid in memory)", lambda: gemmi.read_ccp4_map(path))
    expected = fromfile()
    for name, (_label, fn) in peers.items():
        if name != "gemmi":
            assert np.array_equal(np.asarray(fn()).reshape(shape), expected), name
    assert np.array_equal(ours(), expected)
    del expected
    o, p = alternate_many(ours, {name: fn for name, (_label, fn) in peers.items()}, ctx.heavy_repeats)
    ctx.profile_targets[f"full read vs numpy.fromfile, {ctx.read_label}"] = ("call", ours, 3)
    goals = {"numpy.fromfile": (1.0, "<=", "throughput >= 1.0x (ratio <= 1.0)")}
    notes = {"np.array(f.data)": ["the copy through the memory map: a page fault per 4 KiB page of the file, "
                                  "then the copy; f.read() reads into the new array with readinto"],
             "gemmi": ["gemmi reads mode 2 only, into its own grid (no NumPy array is made)"]}
    case_of = lambda n: f"full read vs {n}, {ctx.read_label}"  # noqa: E731
    return (_rows(case_of, "mrcschema.open(p).read()", peers, o, p, 1, goals=goals, notes=notes)
            + _missing_peers(case_of, "mrcschema.open(p).read()", ("ncempy", "mrcz", "gemmi")))


def full_read_big_endian(ctx):
    """The same on a big-endian file: ours returns native byte order, as fromfile + byteswap does."""
    path = ctx.file("read_be")
    shape = ctx.read_shape()
    ours = _read_ours(path)

    def peer():
        data = np.fromfile(path, dtype=">f4", offset=1024).reshape(shape)
        data.byteswap(inplace=True)
        return data.view(data.dtype.newbyteorder("="))

    a = ours()
    assert a.dtype.isnative and np.array_equal(a, peer())
    del a
    o, p = alternate(ours, peer, ctx.heavy_repeats)
    case = f"full read, big-endian, vs numpy.fromfile + byteswap, {ctx.read_label}"
    return Result(case, "mrcschema.open(p).read() (native order)",
                  "numpy.fromfile(p, '>f4') + byteswap(inplace=True)", 1.0,
                  goal_text="throughput >= 1.0x (ratio <= 1.0)", ours_times=o, peer_times=p)


def axis_reordered_read(ctx):
    """Data indexed X, Y, Z whatever MAPC/MAPR/MAPS: ours ``data_xyz`` (a view) summed, against
    gemmi's read_ccp4_map + setup(nan, ReorderOnly) (a reordered copy in memory) summed."""
    case = f"axis-reordered read (MAPC/MAPR/MAPS 3,1,2) + sum vs gemmi, {ctx.read_label}"
    label = "mrcschema.open(p).data_xyz.sum()"
    peer_label = "gemmi.read_ccp4_map(p) + setup(nan, ReorderOnly) + grid sum"
    if not _installed("gemmi"):
        return skipped(case, label, peer_label, None, "gemmi not installed")
    import gemmi

    import mrcschema

    path = ctx.file("axes")

    def ours():
        with mrcschema.open(path) as f:
            return f.data_xyz.sum()

    def peer():
        m = gemmi.read_ccp4_map(path)
        m.setup(float("nan"), gemmi.MapSetup.ReorderOnly)
        return np.asarray(m.grid).sum()

    with mrcschema.open(path) as f:
        m = gemmi.read_ccp4_map(path)
        m.setup(float("nan"), gemmi.MapSetup.ReorderOnly)
        grid = np.asarray(m.grid)
        assert grid.shape == f.data_xyz.shape and np.array_equal(grid, f.data_xyz), "data_xyz != gemmi's grid"
        del m, grid
    assert np.isclose(float(ours()), float(peer()), rtol=1e-4)
    o, p = alternate(ours, peer, ctx.heavy_repeats)
    return Result(case, label, peer_label, None, goal_text="info (a view summed vs a reordered copy summed)",
                  ours_times=o, peer_times=p,
                  notes=["touching = summing every value once; ours sums the memory map through the transposed "
                         "view (numpy reduces in memory order), gemmi reads the file, reorders it into its grid, "
                         "then the grid is summed"])


CASES = [header_only, open_first_pixel_peers, full_read, full_read_big_endian, axis_reordered_read]


def make_read_file(path, sections, *, byteorder="<", axes=(1, 2, 3)):
    """A float32 volume of ``sections`` x 1024 x 1024 in ``byteorder`` with MAPC/MAPR/MAPS ``axes``."""
    from cases import header_bytes, pattern_section, section_stats

    from mrcschema.format.mrc2014 import MRC2014_HEADER

    section = pattern_section(1024, 1024)
    raw = header_bytes(1024, 1024, sections, stats=section_stats(section))
    if byteorder == ">" or axes != (1, 2, 3):
        header = MRC2014_HEADER.parse(raw, "<")
        from mrcschema.format.records import evolve

        header = evolve(header, mapc=axes[0], mapr=axes[1], maps=axes[2],
                        machst=b"\x11\x11\0\0" if byteorder == ">" else header.machst)
        raw = MRC2014_HEADER.build(header, byteorder)
    block = section.astype(section.dtype.newbyteorder(byteorder)).tobytes()
    with open(path, "wb") as f:
        f.write(raw)
        for _ in range(sections):
            f.write(block)
    assert os.path.getsize(path) == 1024 + sections * 1024 * 1024 * 4
    return path
