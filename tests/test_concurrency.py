"""Several threads and several processes reading one file at once (memory maps through
``mrcschema.open``, lazy per-chunk maps through ``file_reader``) see the same data; a writer in
``"r+"`` mode in one process does not disturb readers in others (docs/robustness.md)."""

import concurrent.futures as cf
import hashlib
import multiprocessing
import shutil
import time

import numpy as np
import pytest
from conftest import CORPUS
from crafting import valid_header, write_file

import mrcschema

FILES = [CORPUS / "mrcfile" / "EMD-3001.map", CORPUS / "mrcfile" / "emd_3001.map.gz",
         CORPUS / "mrcfile" / "EMD-3197.map.bz2", CORPUS / "rsciio" / "HAADFscan.mrc",
         CORPUS / "rsciio" / "ROI_Random_Scan_movie.mrc"]
DE_MOVIE = CORPUS / "rsciio" / "20241021_00405_movie.mrc"
SPAWN = multiprocessing.get_context("spawn")  # no fork of a process that runs dask threads


def _digest(array):
    array = np.ascontiguousarray(array)
    return hashlib.sha256(array.tobytes()).hexdigest() + str(array.shape) + array.dtype.str


def read_open(path):
    with mrcschema.open(path) as f:
        return _digest(f.data), f.header.nx, f.extended.kind


def read_lazy(path):
    import dask

    signal = mrcschema.file_reader(path, lazy=True)[0]
    with dask.config.set(scheduler="threads"):
        data = signal["data"].compute()
    return _digest(data), sorted(signal["metadata"]["_HyperSpy"]["navigators"])


def read_all(paths):
    return [read_open(p) for p in paths] + [read_lazy(p) for p in paths + [DE_MOVIE]]


@pytest.fixture(scope="module")
def expected():
    return read_all(FILES)


def test_threads_read_the_same_data(expected):
    with cf.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(read_all, [FILES] * 16))
    assert all(result == expected for result in results)


@pytest.mark.slow
def test_processes_read_the_same_data(expected):
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=SPAWN) as pool:
        results = list(pool.map(read_all, [FILES] * 4))
    assert all(result == expected for result in results)


# -- one writer, several readers ----------------------------------------------------------------------
NX, NY, NZ, SECTION = 64, 48, 6, 2


def original_data():
    return np.arange(NX * NY * NZ, dtype="<f4").reshape(NZ, NY, NX)


def writer(path, barrier, seconds, results):
    """Rewrites section SECTION and the header (NXSTART = round) over and over, flushing each time."""
    import attrs

    import mrcschema.reading.mrc_file  # noqa: F401

    barrier.wait()
    rounds, end = 0, time.monotonic() + seconds
    with mrcschema.open(path, "r+") as f:
        while time.monotonic() < end:
            rounds += 1
            f.data[SECTION] = rounds
            f.header = attrs.evolve(f.header, nxstart=rounds)
            f.flush()
    results.put(("writer", rounds))


def reader(path, barrier, seconds, results, lazy):
    """Opens the file strictly over and over: the header parses, the sections not being written are
    the original ones, the section being written holds one round's value (or the original)."""
    import dask.array  # noqa: F401 - imports before the barrier: the readers race the writer, not the importer

    import mrcschema.hyperspy.reader  # noqa: F401

    original = original_data()
    barrier.wait()
    others = [z for z in range(NZ) if z != SECTION]
    reads, end = 0, time.monotonic() + seconds
    problems = []
    while time.monotonic() < end:
        reads += 1
        if lazy:
            data = mrcschema.file_reader(path, lazy=True)[0]["data"].compute(scheduler="synchronous")
        else:
            with mrcschema.open(path) as f:
                assert (f.header.nx, f.header.ny, f.header.nz, f.header.mode) == (NX, NY, NZ, 2)
                data = np.array(f.data)
        if not np.array_equal(data[others], original[others]):
            problems.append(f"read {reads}: sections other than {SECTION} changed")
        section = data[SECTION]
        written = (section >= 1).all() and (section == np.round(section)).all()  # rounds (maybe two, mid-write)
        if not (np.array_equal(section, original[SECTION]) or written):
            problems.append(f"read {reads}: section {SECTION} holds neither the original nor written values")
    results.put(("reader", reads, problems))


@pytest.mark.slow
def test_writer_and_readers_in_separate_processes(tmp_path):
    path = write_file(tmp_path / "shared.mrc", valid_header(nx=NX, ny=NY, nz=NZ), original_data().tobytes())
    seconds = 1.5
    barrier, results = SPAWN.Barrier(4), SPAWN.Queue()
    processes = [SPAWN.Process(target=writer, args=(path, barrier, seconds, results))]
    processes += [SPAWN.Process(target=reader, args=(path, barrier, seconds, results, lazy)) for lazy in
                  (False, False, True)]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    rounds = next(o[1] for o in outcomes if o[0] == "writer")
    readers = [o for o in outcomes if o[0] == "reader"]
    assert rounds > 0 and all(o[1] > 0 for o in readers)
    assert [problem for o in readers for problem in o[2]] == []
    with mrcschema.open(path) as f:
        assert f.header.nxstart == rounds
        assert np.all(f.data[SECTION] == rounds)
        others = [z for z in range(NZ) if z != SECTION]
        np.testing.assert_array_equal(f.data[others], original_data()[others])


def test_copy_on_write_readers_do_not_see_each_other(tmp_path):
    path = shutil.copy(CORPUS / "mrcfile" / "EMD-3001.map", tmp_path / "map.mrc")
    with mrcschema.open(path, "c") as a, mrcschema.open(path, "c") as b:
        before = np.array(b.data)
        a.data[...] = 1
        np.testing.assert_array_equal(b.data, before)
