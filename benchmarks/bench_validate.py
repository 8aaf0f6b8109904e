"""Benchmark ``mrcschema.validate`` against ``mrcfile.validate`` on a small and a large file.

    python benchmarks/bench_validate.py               # small file and a 1 GiB file
    python benchmarks/bench_validate.py --size-mb 64  # quick mode

Both files are written once in a temporary directory with mrcfile and hold zeros, so the
large one can be sparse (nothing written to disk). Their statistics are set, so both
validators read the whole data block. Each case runs in a fresh subprocess per library. The
subprocess reports the time of each repeat and its peak resident memory (``ru_maxrss``) above
what it used after the imports. We run with ``full_data=True``, so the statistics pass is never
skipped. Prints medians, the ratio ours / mrcfile (below 1: we are faster) and the peak
memory. Not run by the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)

#: the code each subprocess runs: time ``repeats`` validations, report times and peak memory
_CHILD = r"""
import io, json, resource, sys, time
library, path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
if library == "mrcschema":
    import mrcschema
    def check():
        return mrcschema.validate(path, full_data=True).ok
else:
    import warnings
    import mrcfile
    warnings.simplefilter("ignore")
    def check():
        return mrcfile.validate(path, print_file=io.StringIO())
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times, verdicts = [], []
for _ in range(repeats):
    start = time.perf_counter()
    verdicts.append(bool(check()))
    times.append(time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"times": times, "peak_kb": peak - base, "verdicts": verdicts}))
"""


def write_cases(directory, size_mb):
    """A small 64 x 64 x 16 float32 volume and a sparse float32 stack of about ``size_mb`` MiB."""
    import mrcfile
    import numpy as np

    small = os.path.join(directory, "small.mrc")
    rng = np.random.default_rng(0)
    with mrcfile.new(small) as mrc:
        mrc.set_data(rng.normal(size=(16, 64, 64)).astype(np.float32))
    large = os.path.join(directory, "large.mrc")
    side = 1024
    nz = max(1, (size_mb << 20) // (side * side * 4))
    with mrcfile.new(large) as mrc:  # a one-section file, then NZ raised and the file extended
        mrc.set_data(np.zeros((1, side, side), np.float32))
        mrc.header.nz = mrc.header.mz = nz
        mrc.header.dmin = mrc.header.dmax = mrc.header.dmean = mrc.header.rms = 0.0
    with open(large, "r+b") as f:
        f.truncate(1024 + nz * side * side * 4)  # zeros, sparse: nothing is written
    return {"small (64x64x16 float32)": small, f"large ({nz * 4} MiB float32, sparse)": large}


def measure(library, path, repeats):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", _CHILD, library, path, str(repeats)],
                            capture_output=True, text=True, env=env, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(size_mb=1024, repeats=5, large_repeats=3, directory=None):
    """Time both validators on both files; return the rows and print the table."""
    rows = []
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        cases = write_cases(tmp, size_mb)
        for name, path in cases.items():
            n = repeats if name.startswith("small") else large_repeats
            ours, peer = measure("mrcschema", path, n), measure("mrcfile", path, n)
            row = {
                "case": name, "file_bytes": os.path.getsize(path),
                "ours_s": statistics.median(ours["times"]), "mrcfile_s": statistics.median(peer["times"]),
                "ours_peak_mb": ours["peak_kb"] / 1024, "mrcfile_peak_mb": peer["peak_kb"] / 1024,
                "ours_valid": all(ours["verdicts"]), "mrcfile_valid": all(peer["verdicts"]),
            }
            row["ratio"] = row["ours_s"] / row["mrcfile_s"]
            rows.append(row)
    header = f"{'case':34} {'ours s':>9} {'mrcfile s':>10} {'ours/peer':>9} {'ours MB':>8} {'mrcfile MB':>10}  valid"
    print(header)
    for r in rows:
        print(f"{r['case']:34} {r['ours_s']:9.4f} {r['mrcfile_s']:10.4f} {r['ratio']:9.2f} "
              f"{r['ours_peak_mb']:8.1f} {r['mrcfile_peak_mb']:10.1f}  {r['ours_valid']}/{r['mrcfile_valid']}")
    print("medians of the repeats; MB = peak resident memory above the imports (ru_maxrss)")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the large file (default 1024)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats on the small file")
    parser.add_argument("--large-repeats", type=int, default=3, help="repeats on the large file")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    rows = run(args.size_mb, args.repeats, args.large_repeats)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
