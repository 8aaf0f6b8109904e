"""Fuzzing every entry point with damaged files (docs/robustness.md).

Each example is a seed file (a small corpus file, the header and extended header of a large FEI
file with its dimensions patched small, a file written by mrcfile, or a crafted file for what
mrcfile does not write) damaged by one to four mutations: byte flips, header and IMOD fields set
to extreme values through the schema, FEI record fields and extended-header words set to extreme
values, random splices, truncations and extensions, and for some gzip/bzip2 compression (and
damage to the compressed stream).  On each, :func:`fuzzlib.exercise` calls ``read_header``,
``open`` (strict and permissive, touching all data, the extended header and the acquisition
metadata), ``validate``, ``file_reader`` (lazy and not, data computed) and ``dump`` (text,
JSON, ``--record 0``) and checks the contract of docs/robustness.md on every call.

The tests are marked slow: ``python -m pytest -m slow`` (and CI, ``.ci/run``) runs a fixed,
derandomized set of examples per test; ``MRCSCHEMA_FUZZ=long`` runs many more, randomly (see fuzzlib).
"""

import tempfile
from pathlib import Path

import fuzzlib
import hypothesis.strategies as st
import pytest
from fuzzlib import fuzz_settings
from hypothesis import given


def _exercise_bytes(case):
    _name, data, compression = case
    with tempfile.TemporaryDirectory(prefix="mrcschema-fuzz-") as tmp:
        path = Path(tmp) / ("fuzzed.mrc" + {None: "", "gzip": ".gz", "bzip2": ".bz2"}[compression])
        path.write_bytes(data)
        fuzzlib.exercise(path, fuzzlib.decompressed_size(data))


@pytest.mark.slow
@fuzz_settings(200)
@given(case=fuzzlib.mutated_mrc())
def test_fuzz_damaged_files(case):
    """Any mutation of any seed: every entry point keeps the contract."""
    _exercise_bytes(case)


@pytest.mark.slow
@fuzz_settings(100)
@given(case=fuzzlib.mutated_mrc(kinds=fuzzlib.EXTENDED_KINDS, seed_names=fuzzlib.EXTENDED_SEEDS))
def test_fuzz_extended_headers(case):
    """FEI metadata_size, versions, bitmasks and values, SERI/AGAR NINT/NREAL, EXTTYP."""
    _exercise_bytes(case)


@pytest.mark.slow
@fuzz_settings(60)
@given(case=fuzzlib.mutated_mrc(max_mutations=2, kinds=fuzzlib.LENGTH_KINDS))
def test_fuzz_lengths(case):
    """Truncated and extended files (at the header, extended-header and data boundaries)."""
    _exercise_bytes(case)


@pytest.mark.slow
@fuzz_settings(40)
@given(case=fuzzlib.mutated_mrc(max_mutations=2, compression="always", kinds=fuzzlib.ALL_KINDS + ("bomb",)))
def test_fuzz_compressed(case):
    """gzip and bzip2 files, with damaged content and damaged streams, and streams longer than the
    header declares by more than the decompression margin."""
    _exercise_bytes(case)


@pytest.mark.slow
@fuzz_settings(100)
@given(case=fuzzlib.mutated_de_set())
def test_fuzz_de_acquisitions(case):
    """DE acquisitions (raster with navigators, random ROI, XY-file with repeats) whose info file
    (garbage lines, huge values, missing and repeated keys, junk), scan coordinates (huge,
    negative, garbage, missing and extra lines), movie or navigator images are damaged."""
    _name, files = case
    with tempfile.TemporaryDirectory(prefix="mrcschema-fuzz-de-") as tmp:
        fuzzlib.write_tree(tmp, files)
        movie = next(Path(tmp).glob("*_movie.mrc"))
        fuzzlib.exercise(movie, sum(len(v) for v in files.values()), about_mrc=False)


@fuzz_settings(300)
@given(text=st.one_of(st.just((fuzzlib.CORPUS / "rsciio" / "20241021_00405_info.txt").read_text()),
                      st.text(max_size=3000)).flatmap(fuzzlib.info_mutation),
       encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]))
@pytest.mark.slow
def test_fuzz_info_files(text, encoding):
    """read_info_file on damaged text never raises and types every declared value right."""
    from mrcschema.de.info import InfoType, lookup_key, read_info_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x_info.txt"
        path.write_bytes(text.encode(encoding, errors="replace"))
        info = fuzzlib.guarded("read_info_file", read_info_file, path, reference_bytes=path.stat().st_size,
                               about_mrc=False).value
    types = {InfoType.INT: int, InfoType.FLOAT: float, InfoType.SWITCH: bool, InfoType.STR: str}
    for key, value in info.values.items():
        decl = lookup_key(key)
        if decl is not None and value is not None:
            assert isinstance(value, types[decl.type]), (key, value)
    for name in ("scan_shape", "frame_shape", "frame_time", "repeats", "sum_count", "real_pixel_size",
                 "diffraction_pixel_size", "is_stem", "is_diffracting", "virtual_detector_names"):
        getattr(info, name)


@fuzz_settings(200)
@given(text=st.sampled_from(["Custom_scan_coordinates.csv", "ROI_Random_Scan_scan_coordinates.csv"]).map(
           lambda n: (fuzzlib.CORPUS / "rsciio" / n).read_text()).flatmap(fuzzlib.csv_mutation),
       scan_shape=st.one_of(st.none(), st.tuples(st.integers(-2, 10**6), st.integers(-2, 10**6))))
@pytest.mark.slow
def test_fuzz_scan_coordinates(text, scan_shape):
    """read_scan_coordinates and place_frames: MrcFormatError or a placement, never a grid
    allocated beyond the bound (a 10^6 x 10^6 scan is refused before anything is allocated)."""
    from mrcschema.de.files import place_frames, read_scan_coordinates

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x_scan_coordinates.csv"
        path.write_text(text)
        ref = path.stat().st_size
        positions = fuzzlib.guarded("read_scan_coordinates", read_scan_coordinates, path, reference_bytes=ref,
                                    about_mrc=False)
    if positions.ok:
        placement = fuzzlib.guarded("place_frames", place_frames, positions.value, scan_shape,
                                    reference_bytes=ref, about_mrc=False)
        if placement.ok:
            fuzzlib.guarded("frame_map", placement.value.frame_map, reference_bytes=ref * 256, about_mrc=False)


def test_regression_files():
    """Every file under regressions/ (minimised fuzz finds) keeps the contract."""
    files = sorted(fuzzlib.REGRESSIONS.glob("*.mrc*"))
    assert files
    for path in files:
        fuzzlib.exercise(path, fuzzlib.decompressed_size(path.read_bytes()))
