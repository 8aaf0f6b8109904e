"""Remote reading (issue 13): header-only reads, the lazy sum of an S3 object, dump of a remote file.

    python benchmarks/bench_remote.py [--quick] [--json OUT]

``remote_cases(quick)`` returns the rows ``{case, ours, peer, ratio, goal, met, notes}`` for
``run.py`` to show.  The servers are the tests' own (``tests/remote/servers.py``) on 127.0.0.1: a
threaded HTTP server that honours Range and counts requests and bytes, and moto's S3 server behind
a counting middleware.  The file is 256 MiB of float32 (64 MiB with ``--quick``) with a 4 KiB
extended header, made once in a temp dir.

* header-only read: requests and bytes the server counted for ``read_header`` and for ``dump``
  (goal: 1-2 requests, < 64 KiB, whatever the size).
* lazy sum: ``to_dask(chunks=(8 sections)).sum()`` on dask's threaded scheduler, against fsspec
  fetching the same byte ranges itself (``cat_ranges``, concurrent) and summing each chunk;
  throughput ratio = peer time / our time (goal >= 0.8).  Loopback network, moto's server in
  this process: both sides pay the same server.
* dump: ``python -m mrcschema dump URL`` in a fresh process against downloading the file
  (``fsspec.get``, fresh process) and running ``mrcfile-header`` on it; ratio ours / peer (goal <= 0.1).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from timing import alternate, median, python_env, run_command  # noqa: E402

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
EXTENDED = 4096


def _row(case, ours, peer, ratio, goal, met, notes):
    return {"case": case, "ours": ours, "peer": peer, "ratio": ratio, "goal": goal, "met": met, "notes": notes}


def _make_file(folder, sections):
    import mrcschema

    data = (np.arange(sections * 1024 * 1024, dtype=np.int64) % 1000).astype(np.float32).reshape(sections, 1024, 1024)
    path = folder / "big.mrc"
    mrcschema.write(path, data, extended_header=bytes(range(256)) * (EXTENDED // 256), exttyp="MRCO")
    return path, float(data.sum(dtype=np.float64))


def remote_cases(quick: bool) -> list[dict]:
    """The remote rows (see the module doc)."""
    try:
        import fsspec  # noqa: F401
        import moto  # noqa: F401
        import s3fs  # noqa: F401
    except ModuleNotFoundError as exc:
        return [_row("remote (issue 13)", "-", "-", None, None, None, f"skipped: {exc}")]
    import boto3

    import mrcschema
    from tests.remote.servers import HttpServer, start_moto

    os.environ.update(CREDENTIALS)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    sections = 16 if quick else 64
    repeats = 3 if quick else 5
    folder = Path(tempfile.mkdtemp(prefix="mrcschema-remote-bench-"))
    rows = []
    try:
        path, expected_sum = _make_file(folder, sections)
        size = path.stat().st_size
        http = HttpServer([folder]).start()
        moto_server, endpoint, s3_log = start_moto()
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        client.create_bucket(Bucket="bench")
        with open(path, "rb") as body:
            client.put_object(Bucket="bench", Key="big.mrc", Body=body)
        options = {"key": "testing", "secret": "testing", "endpoint_url": endpoint}
        s3_url, http_url = "s3://bench/big.mrc", http.url("files", "big.mrc")
        label = f"{size / (1 << 20):.0f} MiB"

        # -- header-only reads: requests and bytes on the server -----------------------------------------
        for name, url, log, opts in (("HTTP", http_url, http.log, None), ("S3", s3_url, s3_log, options)):
            log.take()
            mrcschema.read_header(url, storage_options=opts)
            got = log.take()
            n, sent = len(got), sum(r.sent for r in got)
            rows.append(_row(f"read_header, remote {label} ({name}): requests, bytes", f"{n} requests, {sent} B", "-",
                             None, "1-2 requests, < 64 KiB", n <= 2 and sent < 64 << 10,
                             "; ".join(f"{r.method} {r.range}" for r in got)))
            with mrcschema.open(url, storage_options=opts) as f:
                from mrcschema.reading.describe import describe

                describe(f)
            got = log.take()
            n, sent = len(got), sum(r.sent for r in got)
            rows.append(_row(f"dump (open + describe), remote {label} ({name}): requests, bytes",
                             f"{n} requests, {sent} B", "-", None, "1-2 requests, < 64 KiB",
                             n <= 2 and sent < 64 << 10, f"1024-byte header + {EXTENDED}-byte extended header"))

        # -- lazy sum of the S3 object vs fsspec reading the same ranges ---------------------------------
        chunk_sections = 8
        section = 1024 * 1024 * 4
        offset = 1024 + EXTENDED
        ranges = [(offset + i * section, offset + min(i + chunk_sections, sections) * section)
                  for i in range(0, sections, chunk_sections)]
        fs = s3fs.S3FileSystem(**options)

        with mrcschema.open(s3_url, storage_options=options) as f:  # the graph is built once, as a user would
            lazy_sum = f.to_dask(chunks=(chunk_sections, -1, -1)).sum(dtype=np.float64)

        def ours():
            total = float(lazy_sum.compute(scheduler="threads"))
            assert total == expected_sum

        def peer():
            blocks = fs.cat_ranges(["bench/big.mrc"] * len(ranges), [a for a, _ in ranges], [b for _, b in ranges])
            total = sum(float(np.frombuffer(b, np.float32).sum(dtype=np.float64)) for b in blocks)
            assert total == expected_sum

        ours_t, peer_t = alternate(ours, peer, repeats)
        throughput = median(peer_t) / median(ours_t)
        mib = size / (1 << 20)
        rows.append(_row(f"lazy sum, S3 {label}: throughput ours / fsspec raw", f"{median(ours_t):.3f} s "
                         f"({mib / median(ours_t):.0f} MiB/s)", f"{median(peer_t):.3f} s ({mib / median(peer_t):.0f} MiB/s)",
                         round(throughput, 3), ">= 0.8", throughput >= 0.8,
                         f"{len(ranges)} chunks of {chunk_sections} sections; dask threads vs fs.cat_ranges; "
                         "moto in this process (it reads the whole object for every range)"))

        # -- dump of a remote file vs download + mrcfile-header -------------------------------------------
        header_tool = shutil.which("mrcfile-header")
        if header_tool is None:
            rows.append(_row("dump remote vs download + mrcfile-header", "-", "-", None, "<= 0.1", None,
                             "skipped: mrcfile-header not installed"))
        else:
            env = python_env(REPO, folder / "pycache")
            target = folder / "downloaded.mrc"
            download = ("import sys, fsspec; fs = fsspec.filesystem('http'); fs.get(sys.argv[1], sys.argv[2])")

            for prefix, link in (("files", "loopback"), ("gbit", "1 Gbit/s")):
                url = http.url(prefix, "big.mrc")

                def peer_once(url=url):
                    start = time.perf_counter()
                    subprocess.run([sys.executable, "-c", download, url, str(target)], check=True, env=env)
                    subprocess.run([header_tool, str(target)], check=True, stdout=subprocess.DEVNULL, env=env)
                    elapsed = time.perf_counter() - start
                    target.unlink()
                    return elapsed

                ours_cmd = [sys.executable, "-m", "mrcschema", "dump", url]
                ours_t, peer_t = alternate(lambda cmd=ours_cmd: run_command(cmd, env=env), peer_once, repeats)
                value = median(ours_t) / median(peer_t)
                rows.append(_row(f"dump remote {label} (HTTP, {link}) vs download + mrcfile-header",
                                 f"{median(ours_t):.3f} s", f"{median(peer_t):.3f} s", round(value, 3), "<= 0.1",
                                 value <= 0.1, "fresh processes; " + (
                                     "loopback: the download is as fast as a download can be" if prefix == "files"
                                     else "the server sends at most 125 MB/s, as a 1 Gbit/s link would")))
        http.stop()
        moto_server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = remote_cases(args.quick)
    for row in rows:
        met = {True: "yes", False: "NO", None: "-"}[row["met"]]
        print(f"| {row['case']} | {row['ours']} | {row['peer']} | {row['ratio']} | {row['goal']} | {met} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
