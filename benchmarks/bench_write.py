"""Writing benchmarks: mrcschema against mrcfile.

    python benchmarks/bench_write.py                 # 1 GB float32 stack, 45 x 4000 x 4000 FEI2 case
    python benchmarks/bench_write.py --size-mb 64    # quick mode (FEI2 case 45 x 1000 x 1000)

Cases (each prints the median of the timed runs and the time ratio ours / peer; below 1 = we are faster):

* ``write``: ``mrcschema.write(path, stack)`` against ``mrcfile.new(path)`` + ``set_data(stack)`` +
  close, for a float32 stack of ``size_mb`` MB already in memory.  Both compute the header
  statistics.  The destination is removed before every run (no file replaced, so no fsync).
* ``new + fill``: ``mrcschema.new`` + filling ``f.data`` section by section + close (statistics
  computed on close, block by block) against ``mrcfile.new_mmap`` + the same filling +
  ``update_header_stats()`` + close.
* ``add FEI2``: adding a 45-record FEI2 extended header to a sparse 45 x N x N float32 file
  (N = 4000 for the full run: 2.9 GB) with ``mrcschema.set_extended_header`` (inserts file-system
  blocks in front of the data; no data byte is read or written) against ``mrcfile.mmap(path, "r+")``
  + ``set_extended_header`` (copies the data block to memory and back), and against our own
  ``method="rewrite"`` (copies the data block into a new file).  The bytes allocated on disk
  afterwards show what was written: a sparse file stays sparse only when nothing was rewritten.

Importable: ``run(size_mb=1024, repeats=None, folder=None, fei_side=None)`` returns the rows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
if os.path.dirname(HERE) not in sys.path:
    sys.path.insert(1, os.path.dirname(HERE))  # the working tree, when mrcschema is not installed

import numpy as np  # noqa: E402
import timing  # noqa: E402


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _alternate(ours, peer, repeats, setup=None):
    """Time ours() and peer() in alternating order (AB BA ...); ``setup(side)`` runs untimed before each."""
    ours_times, peer_times = [], []
    for i in range(repeats):
        order = (("ours", ours, ours_times), ("peer", peer, peer_times))
        for side, fn, times in (order if i % 2 == 0 else order[::-1]):
            if setup is not None:
                setup(side)
            times.append(_timed(fn))
    return ours_times, peer_times


def _row(case, ours_times, peer_times, ours, peer, **extra):
    ours_median, peer_median = timing.median(ours_times), timing.median(peer_times)
    return {"case": case, "ours": ours, "peer": peer, "ours_median": ours_median, "peer_median": peer_median,
            "ratio": timing.ratio(ours_median, peer_median), **extra}


def bench_write(folder, data, repeats):
    import mrcfile

    import mrcschema

    ours_path, peer_path = os.path.join(folder, "ours.mrc"), os.path.join(folder, "peer.mrc")

    def setup(side):
        _remove(ours_path)
        _remove(peer_path)

    def ours():
        mrcschema.write(ours_path, data)

    def peer():
        with mrcfile.new(peer_path) as mrc:
            mrc.set_data(data)

    ours_times, peer_times = _alternate(ours, peer, repeats, setup)
    setup(None)
    return _row(f"write {data.nbytes / 2**20:.0f} MB float32", ours_times, peer_times,
                "mrcschema.write", "mrcfile.new + set_data")


def bench_new_fill(folder, data, repeats):
    import mrcfile

    import mrcschema

    ours_path, peer_path = os.path.join(folder, "ours.mrc"), os.path.join(folder, "peer.mrc")

    def setup(side):
        _remove(ours_path)
        _remove(peer_path)

    def ours():
        with mrcschema.new(ours_path, data.shape, np.float32) as f:
            for i, section in enumerate(data):
                f.data[i] = section

    def peer():
        with mrcfile.new_mmap(peer_path, data.shape, mrc_mode=2) as mrc:
            for i, section in enumerate(data):
                mrc.data[i] = section
            mrc.update_header_stats()

    ours_times, peer_times = _alternate(ours, peer, repeats, setup)
    setup(None)
    return _row(f"new + fill {data.nbytes / 2**20:.0f} MB", ours_times, peer_times,
                "mrcschema.new + fill + close", "mrcfile.new_mmap + fill + update_header_stats")


def _sparse_file(path, side):
    import mrcschema

    _remove(path)
    mrcschema.new(path, (45, side, side), np.float32, voxel_size=1.0, reserve=False).close(update_stats=False)


def bench_add_fei2(folder, side, repeats):
    import mrcfile

    import mrcschema
    from mrcschema.format.fei import FEI2

    records = np.zeros(45, FEI2.dtype("<"))
    records["metadata_size"], records["metadata_version"] = FEI2.size, 2
    records["ht"], records["alpha_tilt"] = 300e3, np.linspace(-60, 60, 45)
    path = os.path.join(folder, "fei.mrc")
    allocated = {}

    def setup(side_name):
        _sparse_file(path, side)

    def ours():
        allocated["method"] = mrcschema.set_extended_header(path, records)
        allocated["ours"] = os.stat(path).st_blocks * 512

    def ours_rewrite():
        mrcschema.set_extended_header(path, records, method="rewrite")
        allocated["rewrite"] = os.stat(path).st_blocks * 512

    def peer():
        with mrcfile.mmap(path, "r+") as mrc:
            mrc.set_extended_header(records)
            mrc.header.exttyp = b"FEI2"
        allocated["peer"] = os.stat(path).st_blocks * 512

    nbytes = 45 * side * side * 4
    ours_times, peer_times = _alternate(ours, peer, repeats, setup)
    rewrite_times = []
    for _ in range(repeats):
        setup(None)
        rewrite_times.append(_timed(ours_rewrite))
    setup(None)  # check the result of our insert once more: header, records, data position
    ours()
    with mrcschema.open(path) as f:
        assert f.header.exttyp == b"FEI2" and f.extended_header["ht"][44] == 300e3
        assert f.data.shape == (45, side, side) and f.data.offset == 1024 + f.header.nsymbt
    _remove(path)
    size = f"45 x {side} x {side} ({nbytes / 1e9:.2f} GB)"
    return [
        _row(f"add FEI2 to {size}", ours_times, peer_times, f"set_extended_header ({allocated['method']})",
             "mrcfile.mmap r+ set_extended_header",
             disk_after={"ours": allocated["ours"], "peer": allocated["peer"]}),
        _row(f"add FEI2, insert vs rewrite, {size}", ours_times, rewrite_times,
             f"set_extended_header ({allocated['method']})", "set_extended_header(method='rewrite')",
             disk_after={"ours": allocated["ours"], "peer": allocated["rewrite"]}),
    ]


def run(size_mb=1024, repeats=None, folder=None, fei_side=None):
    """Run every case; ``size_mb`` of float32 data for write/new; returns the result rows."""
    repeats = repeats or (3 if size_mb >= 512 else 5)
    fei_side = fei_side or (4000 if size_mb >= 1024 else 1000)
    folder = tempfile.mkdtemp(prefix="bench_write_", dir=folder)
    try:
        ny = nx = 1024
        nz = max(2, int(size_mb * 2**20) // (ny * nx * 4))  # 2 at least: one section would be 2D
        data = np.random.default_rng(0).normal(size=(nz, ny, nx)).astype(np.float32)
        rows = [bench_write(folder, data, repeats), bench_new_fill(folder, data, repeats)]
        del data
        rows += bench_add_fei2(folder, fei_side, repeats)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def report(rows, out=sys.stdout):
    print(f"{'case':<44} {'ours':>10} {'peer':>10} {'ratio':>7}  ours / peer", file=out)
    for row in rows:
        print(f"{row['case']:<44} {timing.fmt_seconds(row['ours_median']):>10} "
              f"{timing.fmt_seconds(row['peer_median']):>10} {row['ratio']:>7.3f}  {row['ours']} / {row['peer']}",
              file=out)
        if "disk_after" in row:
            disk = row["disk_after"]
            print(f"{'':<44} bytes on disk afterwards: ours {disk['ours']:,}, peer {disk['peer']:,}", file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="float32 stack size for write / new (default 1024)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per side (default 3, or 5 below 512 MB)")
    parser.add_argument("--fei-side", type=int, default=None,
                        help="N of the 45 x N x N FEI2 case (default 4000, or 1000 below 1024 MB)")
    parser.add_argument("--dir", default=None, help="folder for the files (default: the system temp folder)")
    args = parser.parse_args(argv)
    report(run(args.size_mb, args.repeats, args.dir, args.fei_side))
    return 0


if __name__ == "__main__":
    sys.exit(main())
