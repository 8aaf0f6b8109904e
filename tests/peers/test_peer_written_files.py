"""Files written by the peers - gemmi, mrcz, ncempy and the PyPI ``mrc`` package (DeltaVision) - read
back with ``mrcschema.open``: data, dtype, voxel size and origin must be what the writer meant,
checked against what the peer reads back itself and against mrcfile where mrcfile can read the file.

Where our reader is wrong today the test is ``xfail(strict=True)`` with the item of issue 12 it
waits for (6, 11, 13); it fails loudly once the item is done, so the marker goes with the fix.  The
tests of items 1, 2, 4, 5 and 12, done on main, pass.  docs/peers.md lists every gap with the
observed and the expected values.

Assumed API for item 13 (not there yet): ``f.data_xyz``, the data indexed ``[x, y, z]`` whatever
MAPC/MAPR/MAPS say (as gemmi's grid after ``setup``), next to ``f.voxel_size`` and ``f.origin``,
which are already along x, y, z.  Assumed API for item 11: ``f.extended.kind == "JSON"`` and
``f.extended.json``, the parsed object.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import warnings

import gemmi
import mrc as dv
import mrcfile
import mrcz
import ncempy.io.mrc as ncem
import numpy as np
import pytest
from peers import assert_header_equals_mrcfile  # tests/peers.py

import mrcschema
import mrcschema.cli.main
from mrcschema import MrcFormatError, MrcWarning


@contextlib.contextmanager
def reading(path, **kwargs):
    """``mrcschema.open`` recording every warning given while the file is open (opening, the data
    and the voxel size are all looked at inside the block)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with mrcschema.open(path, **kwargs) as f:
            yield f, caught


def mrc_warnings(caught):
    return [str(w.message) for w in caught if issubclass(w.category, MrcWarning)]


def ramp(shape, dtype=np.float32):
    return np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)


# -- gemmi: CCP4 maps ------------------------------------------------------------------------------
#: name, unit cell (a, b, c, alpha, beta, gamma), all exactly representable as float32
SPACE_GROUPS = [
    ("P 1", (10, 11, 12, 70, 80, 95)),
    ("P 1 21 1", (10, 11, 12, 90, 100, 90)),
    ("C 1 2 1", (10, 11, 12, 90, 100, 90)),
    ("P 21 21 21", (10, 11, 12, 90, 90, 90)),
    ("P 43 21 2", (10, 10, 12, 90, 90, 90)),
    ("P 63 2 2", (10, 10, 12, 90, 90, 120)),
    ("I 2 3", (12, 12, 12, 90, 90, 90)),
    ("F 4 3 2", (12, 12, 12, 90, 90, 90)),
]


def gemmi_map(path, xyz, cell=(8, 15, 24, 90, 90, 90), spacegroup="P 1", order=(1, 2, 3), box=None,
              origin=None, mask=False):
    """Write ``xyz`` (indexed [x, y, z], as a gemmi grid) with gemmi.  ``order`` is (MAPC, MAPR, MAPS);
    ``box`` (fractional min, max) cuts a sub-box with ``set_extent``.  Returns what gemmi meant: the
    stored box [x, y, z] and its start along x, y, z."""
    grid_type, map_type, mode = (gemmi.Int8Grid, gemmi.Ccp4Mask, 0) if mask else (gemmi.FloatGrid, gemmi.Ccp4Map, 2)
    m = map_type()
    m.grid = grid_type(xyz, gemmi.UnitCell(*cell), gemmi.SpaceGroup(spacegroup))
    m.update_ccp4_header(mode)
    if box is not None:
        extent = gemmi.FractionalBox()
        extent.minimum, extent.maximum = gemmi.Fractional(*box[0]), gemmi.Fractional(*box[1])
        m.set_extent(extent)  # crops the grid, NX.. and NXSTART.. follow
    start_xyz = tuple(m.header_i32(w) for w in (5, 6, 7))
    box_xyz = np.array(m.grid.array)
    if order != (1, 2, 3):  # gemmi keeps whatever axis order its header and grid say
        stored = np.ascontiguousarray(np.transpose(box_xyz, [a - 1 for a in order]))  # [column, row, section]
        m = map_type()  # update_ccp4_header keeps an existing header's NX, NY, NZ: start afresh
        m.grid = grid_type(stored, gemmi.UnitCell(*cell), gemmi.SpaceGroup(spacegroup))
        m.update_ccp4_header(mode)
        for word, axis in zip((17, 18, 19), order):
            m.set_header_i32(word, axis)
        for word, axis in zip((5, 6, 7), order):
            m.set_header_i32(word, start_xyz[axis - 1])
    for word, n in zip((8, 9, 10), xyz.shape):  # MX, MY, MZ: the whole cell's sampling along x, y, z
        m.set_header_i32(word, n)
    if origin is not None:
        for word, value in zip((50, 51, 52), origin):
            m.set_header_float(word, value)
    m.write_ccp4_map(str(path))
    return box_xyz, start_xyz


@pytest.mark.parametrize("spacegroup,cell", SPACE_GROUPS, ids=[s for s, _ in SPACE_GROUPS])
def test_gemmi_map_in_each_space_group(tmp_path, spacegroup, cell):
    xyz = ramp((4, 6, 8))
    path = tmp_path / "sg.map"
    gemmi_map(path, xyz, cell, spacegroup)
    sg = gemmi.SpaceGroup(spacegroup)
    back = gemmi.read_ccp4_map(str(path))  # no setup: the grid as stored
    with reading(path) as (f, warned), mrcfile.open(path) as peer:
        assert mrc_warnings(warned) == []
        assert_header_equals_mrcfile(f.header, peer.header)
        assert f.data.dtype == np.float32 and f.data.shape == (8, 6, 4)
        np.testing.assert_array_equal(f.data, xyz.T)
        np.testing.assert_array_equal(f.data, back.grid.array.T)
        uc, g = back.grid.unit_cell, back.grid  # (gemmi's grid.spacing is between lattice planes)
        assert tuple(f.voxel_size) == (cell[0] / 4, cell[1] / 6, cell[2] / 8) == (uc.a / g.nu, uc.b / g.nv, uc.c / g.nw)
        assert tuple(f.origin) == (0.0, 0.0, 0.0)
        assert f.header.ispg == sg.ccp4
        assert (f.header.cellb.alpha, f.header.cellb.beta, f.header.cellb.gamma) == cell[3:]
        assert f.extended.kind == "CCP4" and f.header.nsymbt == 80 * len(sg.operations())
        assert list(f.extended.text) == [op.triplet() for op in sg.operations()]
        assert f.labels == ["written by GEMMI"]
        assert f.byteorder == "<"


ORDERS = list(itertools.permutations((1, 2, 3)))
ORDER_IDS = ["".join(map(str, o)) for o in ORDERS]
BOX = ((0.25, 0.1, 0.5), (0.6, 0.5, 0.9))  # fractional min, max: starts (2, 2, 12), sizes (3, 5, 10)


@pytest.mark.parametrize("box", [None, BOX], ids=["whole", "subbox"])
@pytest.mark.parametrize("order", ORDERS, ids=ORDER_IDS)
def test_gemmi_axis_orders_and_subboxes_read_in_file_order(tmp_path, order, box):
    """All six MAPC/MAPR/MAPS orders, whole and cut by set_extent: ``data`` is the file's order
    (sections, rows, columns) and the header's starts; voxel size along x, y, z from MX/MY/MZ."""
    xyz = ramp((8, 10, 24))
    path = tmp_path / "order.map"
    box_xyz, start_xyz = gemmi_map(path, xyz, order=order, box=box)
    stored = gemmi.read_ccp4_map(str(path))  # without setup: columns, rows, sections as in the file
    with reading(path) as (f, warned), mrcfile.open(path) as peer:
        assert mrc_warnings(warned) == []
        assert (f.header.mapc, f.header.mapr, f.header.maps) == order
        np.testing.assert_array_equal(f.data, stored.grid.array.T)
        np.testing.assert_array_equal(f.data, peer.data)
        assert f.data.shape == tuple(box_xyz.shape[a - 1] for a in order)[::-1]
        np.testing.assert_array_equal(f.data, np.transpose(box_xyz, [a - 1 for a in order]).T)
        starts = (f.header.nxstart, f.header.nystart, f.header.nzstart)  # along columns, rows, sections
        assert starts == tuple(start_xyz[a - 1] for a in order)
        assert tuple(f.voxel_size) == (1.0, 1.5, 1.0)  # CELLA (8, 15, 24) / MX, MY, MZ (8, 10, 24)
    if box is not None:
        assert start_xyz == (2, 1, 12) and box_xyz.shape == (3, 5, 10)
        np.testing.assert_array_equal(box_xyz, xyz[2:5, 1:6, 12:22])


@pytest.mark.parametrize("box", [None, BOX], ids=["whole", "subbox"])
@pytest.mark.parametrize("order", ORDERS, ids=ORDER_IDS)
def test_gemmi_xyz_view_matches_gemmis_reordered_grid(tmp_path, order, box):
    xyz = ramp((8, 10, 24))
    path = tmp_path / "order.map"
    box_xyz, start_xyz = gemmi_map(path, xyz, order=order, box=box)
    reordered = gemmi.read_ccp4_map(str(path))
    reordered.setup(float("nan"), gemmi.MapSetup.ReorderOnly)  # gemmi's named step to X, Y, Z
    full = gemmi.read_ccp4_map(str(path))
    full.setup(float("nan"))  # the whole cell, NaN where the file has no data
    # gemmi marks a reordered whole cell XYZ; a reordered sub-box keeps AxisOrder.Unknown (gemmi 0.7)
    assert reordered.grid.axis_order == (gemmi.AxisOrder.XYZ if box is None else gemmi.AxisOrder.Unknown)
    np.testing.assert_array_equal(reordered.grid.array, box_xyz)  # gemmi agrees with what it wrote
    with mrcschema.open(path) as f:
        view = f.data_xyz
        assert view.shape == reordered.grid.array.shape
        np.testing.assert_array_equal(view, reordered.grid.array)
        assert f.start_xyz == start_xyz
        assert np.shares_memory(view, f.data)  # a transposed view, no copy
        sx, sy, sz = f.start_xyz
        nx, ny, nz = view.shape
        np.testing.assert_array_equal(view, full.grid.array[sx:sx + nx, sy:sy + ny, sz:sz + nz])
        assert tuple(f.voxel_size) == tuple(full.grid.spacing) == (1.0, 1.5, 1.0)
        assert tuple(f.origin) == (0.0, 0.0, 0.0)


def test_gemmi_subbox_sits_where_gemmi_puts_it_in_the_cell(tmp_path):
    """The header's starts place our data exactly where gemmi's full-cell setup puts the box."""
    xyz = ramp((8, 10, 24))
    path = tmp_path / "box.map"
    gemmi_map(path, xyz, box=BOX)
    full = gemmi.read_ccp4_map(str(path))
    full.setup(float("nan"))
    with mrcschema.open(path) as f:
        sx, sy, sz = f.header.nxstart, f.header.nystart, f.header.nzstart
        nz, ny, nx = f.data.shape
        assert (sx, sy, sz, nx, ny, nz) == (2, 1, 12, 3, 5, 10)
        np.testing.assert_array_equal(f.data.T, full.grid.array[sx:sx + nx, sy:sy + ny, sz:sz + nz])
        assert np.isnan(full.grid.array).sum() == xyz.size - f.data.size


def test_gemmi_mask_is_signed_int8(tmp_path):
    xyz = np.random.default_rng(3).integers(-1, 2, (4, 6, 8)).astype(np.int8)
    path = tmp_path / "mask.map"
    gemmi_map(path, xyz, cell=(8, 12, 16, 90, 90, 90), mask=True)
    back = gemmi.read_ccp4_mask(str(path))
    with mrcschema.open(path) as f, mrcfile.open(path) as peer:
        assert f.header.mode == 0 and f.data.dtype == np.int8 == back.grid.array.dtype
        np.testing.assert_array_equal(f.data, xyz.T)
        np.testing.assert_array_equal(f.data, peer.data)
        assert (f.data == -1).any() and tuple(f.voxel_size) == (2.0, 2.0, 2.0)


def test_gemmi_origin(tmp_path):
    path = tmp_path / "origin.map"
    gemmi_map(path, ramp((4, 6, 8)), origin=(-12.5, 3.25, 100.0))
    with mrcschema.open(path) as f, mrcfile.open(path) as peer:
        assert tuple(f.origin) == (-12.5, 3.25, 100.0) == tuple(peer.header.origin.item())
        assert gemmi.read_ccp4_map(str(path)).header_float(50) == -12.5


def test_gemmi_labels(tmp_path):
    path = tmp_path / "labels.map"
    gemmi_map(path, ramp((4, 6, 8)))
    m = gemmi.read_ccp4_map(str(path))
    m.set_header_i32(56, 2)
    m.set_header_str(57 + 20, "second label, set with gemmi")  # label 2 starts 80 bytes (20 words) later
    m.write_ccp4_map(str(path))
    with mrcschema.open(path) as f, mrcfile.open(path) as peer:
        assert f.labels == ["written by GEMMI", "second label, set with gemmi"]
        assert [label.rstrip() for label in peer.get_labels()] == f.labels


def test_gemmi_label_written_as_a_c_string_ends_at_its_nul(tmp_path):
    """A label set as a C string (text + NUL) over gemmi's 'written by GEMMI' keeps the old tail
    after the NUL; the label is the text before it."""
    path = tmp_path / "nul.map"
    gemmi_map(path, ramp((4, 6, 8)))
    m = gemmi.read_ccp4_map(str(path))
    m.set_header_str(57, "Edited\0")
    m.write_ccp4_map(str(path))
    assert path.read_bytes()[224:240] == b"Edited\0 by GEMMI"
    with mrcschema.open(path) as f:
        assert f.labels == ["Edited"]


def test_gemmi_single_section_volume_keeps_its_z_axis(tmp_path):
    xyz = ramp((4, 6, 1))
    path = tmp_path / "slab.map"
    gemmi_map(path, xyz, cell=(8, 12, 2, 90, 90, 90))
    with mrcschema.open(path) as f, mrcfile.open(path) as peer:
        assert f.header.ispg == 1 and peer.data.shape == (1, 6, 4)
        assert f.data.shape == (1, 6, 4)
        np.testing.assert_array_equal(f.data, xyz.T)


# -- mrcz --------------------------------------------------------------------------------------------
#: every dtype mrcz writes (it refuses float16 and uint8: "Unsupported dtype cast for MRC")
MRCZ_DTYPES = {"i1": 0, "i2": 1, "f4": 2, "c8": 4, "u2": 6, "i4": 7, "u4": 8}
PIXEL_ZYX = [1.5, 2.0, 2.5]  # mrcz's pixelsize is [z, y, x]; CELLA = pixelsize x N, exact in float32
MX_WARNING = "{path}: {axes} are 0 while CELLA is set; voxel size taken as CELLA / N along {along} (MRC2014: CELLA / M)"


def mrcz_data(dtype, shape=(3, 4, 5)):
    data = ramp(shape, np.float64) - 20
    if np.dtype(dtype).kind == "c":
        return (data + 1j * data[::-1]).astype(dtype)
    if np.dtype(dtype).kind == "u":
        data += 20
    return data.astype(dtype)


@pytest.mark.parametrize("endian", ["le", "be"])
@pytest.mark.parametrize("dtype", list(MRCZ_DTYPES))
def test_mrcz_every_dtype_both_byte_orders(tmp_path, dtype, endian):
    data = mrcz_data(dtype)
    path = tmp_path / "z.mrc"
    mrcz.writeMRC(data, str(path), pixelsize=PIXEL_ZYX, endian=endian)
    back, meta = mrcz.readMRC(str(path), endian=endian)
    with reading(path) as (f, warned):
        order = "<" if endian == "le" else ">"
        assert f.header.mode == MRCZ_DTYPES[dtype]
        assert f.byteorder == order
        assert f.data.dtype == np.dtype(dtype).newbyteorder(order) if np.dtype(dtype).itemsize > 1 else np.dtype(dtype)
        np.testing.assert_array_equal(f.data, data)
        np.testing.assert_array_equal(f.data, back)
        assert (f.header.mx, f.header.my, f.header.mz) == (0, 0, 0)  # mrcz writes no sampling
        assert tuple(f.voxel_size) == (2.5, 2.0, 1.5) == tuple(meta["pixelsize"][::-1])  # item 5
        assert tuple(f.origin) == (0.0, 0.0, 0.0)
        assert f.labels == [f"MRCZ{mrcz.__version__}"]
        expected = [MX_WARNING.format(path=path, axes="MX, MY, MZ", along="x, y, z")]
        if MRCZ_DTYPES[dtype] in (7, 8):  # item 4: read, with a warning
            kind = "signed" if dtype == "i4" else "unsigned"
            expected.insert(0, f"mode at offset 12: MODE {MRCZ_DTYPES[dtype]} (32-bit {kind} integer (not MRC2014: "
                               "Priism/DeltaVision, mrcz)) is not an MRC2014 mode; reading it anyway")
        assert mrc_warnings(warned) == expected
    if MRCZ_DTYPES[dtype] not in (7, 8):  # mrcfile reads the data; its voxel size is CELLA / 0 = inf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with mrcfile.open(path) as peer:
                np.testing.assert_array_equal(peer.data, data)
                assert np.isinf(peer.voxel_size.x)


def test_mrcz_image_is_2d_with_mrcz_default_z_pixel(tmp_path):
    data = ramp((4, 5), np.int16)
    path = tmp_path / "image.mrc"
    mrcz.writeMRC(data, str(path), pixelsize=[2.0, 2.5])  # [y, x]; mrcz puts 10 Å on z
    back, meta = mrcz.readMRC(str(path))
    with reading(path) as (f, warned):
        assert f.data.shape == (4, 5) == back.shape
        np.testing.assert_array_equal(f.data, back)
        assert tuple(f.voxel_size) == (2.5, 2.0, 10.0) == tuple(meta["pixelsize"][::-1])
        assert mrc_warnings(warned) == [MX_WARNING.format(path=path, axes="MX, MY, MZ", along="x, y, z")]


def test_mrcz_list_of_frames_sets_mz_1(tmp_path):
    """A list of frames makes mrcz write MZ = 1 (MX = MY = 0) with CELLA.z = pixel z x NZ.  Along z we
    follow MRC2014 (CELLA.z / MZ = 4.5) where mrcz itself reads 1.5: not in issue 12's list, reported
    in docs/peers.md."""
    frames = [np.full((4, 5), i, np.float32) for i in range(3)]
    path = tmp_path / "frames.mrc"
    mrcz.writeMRC(frames, str(path), pixelsize=PIXEL_ZYX)
    back, meta = mrcz.readMRC(str(path))
    with reading(path) as (f, warned):
        np.testing.assert_array_equal(f.data, np.stack(frames))
        np.testing.assert_array_equal(f.data, np.stack(back))
        assert (f.header.mx, f.header.my, f.header.mz) == (0, 0, 1)
        assert tuple(meta["pixelsize"][::-1]) == (2.5, 2.0, 1.5)
        assert tuple(f.voxel_size) == (2.5, 2.0, 4.5)
        assert mrc_warnings(warned) == [MX_WARNING.format(path=path, axes="MX, MY", along="x, y")]


META = {"voltage_kV": 300, "detector": "K3", "frames": [1, 2, 3], "nested": {"a": 1.5}}


def test_mrcz_json_extended_header_is_skipped_to_the_data(tmp_path):
    data = mrcz_data("f4")
    path = tmp_path / "meta.mrc"
    mrcz.writeMRC(data, str(path), meta=META, pixelsize=PIXEL_ZYX)
    _, meta = mrcz.readMRC(str(path))
    with reading(path) as (f, warned):
        assert f.header.exttyp == b"json" and f.header.nsymbt == meta["extendedBytes"] > 0
        np.testing.assert_array_equal(f.data, data)
        assert tuple(f.voxel_size) == (2.5, 2.0, 1.5)
        assert {k: meta[k] for k in META} == META
        assert mrc_warnings(warned) == [MX_WARNING.format(path=path, axes="MX, MY, MZ", along="x, y, z")]


def test_mrcz_json_extended_header_is_parsed(tmp_path, capsys):
    """mrcz's metadata reaches ``f.extended.json``, ``acquisition``, ``dump`` and HyperSpy's
    original_metadata, as mrcz reads it back itself."""
    path = tmp_path / "meta.mrc"
    mrcz.writeMRC(mrcz_data("f4"), str(path), meta=META, pixelsize=PIXEL_ZYX)
    _, theirs = mrcz.readMRC(str(path))
    with pytest.warns(MrcWarning, match="MX, MY, MZ are 0 while CELLA is set"), mrcschema.open(path) as f:
        f.voxel_size
        assert f.extended.kind == "JSON" and f.extended.exttyp == "json"
        assert f.extended.json == META == {k: theirs[k] for k in META}
        assert mrcschema.acquisition(f).metadata == META
    assert mrcschema.cli.main.main(["dump", "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["extended_header"]["json"] == META
    signal = mrcschema.file_reader(path)[0]
    assert signal["original_metadata"]["extended_header"] == {"type": "JSON", "json": META}


# -- ncempy ------------------------------------------------------------------------------------------
NCEM_DTYPES = {"i1": 0, "i2": 1, "u2": 6, "f4": 2}  # all ncempy's mrcWriter writes


@pytest.mark.parametrize("shape", [(3, 4, 5), (1, 4, 5)], ids=["stack", "single"])
@pytest.mark.parametrize("dtype", list(NCEM_DTYPES))
def test_ncempy_files_lack_map_and_read_permissively(tmp_path, dtype, shape):
    """ncempy writes no 'MAP ' at 208 (and no labels, NVERSION 0): refused as mrcfile refuses it,
    read exactly with permissive=True.  Its pixelSize is (z, y, x) in Å, CELLA = pixelSize x N."""
    data = mrcz_data(dtype, shape)
    path = tmp_path / "n.mrc"
    ncem.mrcWriter(str(path), data, (3.0, 2.0, 0.5))
    assert path.read_bytes()[208:212] == b"\0\0\0\0"
    missing_map = ("map at offset 208: not an MRC file: MAP is hex 00 00 00 00, expected 'MAP ' "
                   f"(and NX 5, NY 4, NZ {shape[0]}, MODE {NCEM_DTYPES[dtype]})")
    with pytest.raises(MrcFormatError) as info:
        mrcschema.open(path)
    assert str(info.value) == missing_map
    with pytest.raises(ValueError, match="Map ID string not found"):
        mrcfile.open(path)
    back = ncem.mrcReader(str(path))
    with reading(path, permissive=True) as (f, warned):
        assert mrc_warnings(warned) == [missing_map + "; reading the file anyway"]
        assert f.header.mode == NCEM_DTYPES[dtype] and f.data.dtype == np.dtype(dtype)
        assert f.data.shape == (shape if shape[0] > 1 else shape[1:])  # one section: (ny, nx)
        np.testing.assert_array_equal(f.data.reshape(shape), data)
        np.testing.assert_array_equal(f.data.reshape(shape), back["data"])
        assert tuple(f.voxel_size) == (0.5, 2.0, 3.0) == tuple(back["pixelSize"][::-1])
        assert tuple(f.origin) == (0.0, 0.0, 0.0) and f.labels == []
        assert f.byteorder == "<"


# -- the PyPI `mrc` package: DeltaVision / Priism files ---------------------------------------------
DV_CASES = {"uint8 image": ((6, 7), np.uint8), "int16 stack": ((3, 6, 7), np.int16),
            "float32 stack": ((3, 6, 7), np.float32), "uint16 time-z": ((2, 3, 6, 7), np.uint16)}


def test_mrc_package_writes_deltavision(tmp_path):
    """What makes these files DeltaVision: the 16-bit magic -16224 at byte 96, no 'MAP '."""
    path = tmp_path / "x.dv"
    dv.imwrite(str(path), np.zeros((2, 3), np.float32))
    raw = path.read_bytes()[:1024]
    assert np.frombuffer(raw[96:98], "<i2")[0] == -16224 and raw[208:212] == b"\0\0\0\0"


@pytest.mark.parametrize("case", list(DV_CASES))
def test_deltavision_files_are_refused_clearly(tmp_path, case):
    shape, dtype = DV_CASES[case]
    data = ramp(shape, dtype)
    path = tmp_path / "image.dv"
    dv.imwrite(str(path), data, resolution=(0.1, 0.2, 0.3)[:max(2, min(len(shape), 3))])
    np.testing.assert_array_equal(dv.imread(str(path)), data)  # the package reads its own file
    for permissive in (False, True):  # item 12: refused, naming DeltaVision and its magic, even permissively
        with pytest.raises(MrcFormatError) as info:
            mrcschema.open(path, permissive=permissive)
        assert str(info.value).startswith("creatid at offset 96: a Priism/DeltaVision file (magic -16224), not MRC")


# -- an empty data block (mrcfile.new without data) --------------------------------------------------
def test_empty_data_block_opens(tmp_path):
    """None of gemmi (refuses a size-0 grid), mrcz or ncempy writes one; mrcfile does, for a file
    made without data."""
    path = tmp_path / "empty.mrc"
    with mrcfile.new(path):
        pass
    with mrcfile.open(path) as peer:
        assert peer.data.shape == (0, 0, 0) and peer.data.dtype == np.int8 and peer.header.ispg == 1
    with reading(path) as (f, warned):  # item 2
        assert f.data.shape == (0, 0, 0) and f.data.dtype == np.int8
        assert tuple(f.voxel_size) == (0.0, 0.0, 0.0)  # mrcfile: 0 / 0 = nan
        assert mrc_warnings(warned) == []
