"""Benchmark rows of the converters (issue 23): OME-Zarr export of the 1 GiB volume (no pyramid, and 3
levels) against mrc2omezarr 0.3 on the same file in the same run, with each side's peak resident memory;
kerchunk references of a 100 GB sparse file against a header read.

mrc2omezarr runs from its own environment (``MRC2OMEZARR``, default the venv
/work/venvs/convert-peers: it needs pydantic-zarr 0.7, which ome-zarr-models cannot share); its rows are
skipped without it.  ngff-zarr 0.50 reads MRC only through itkwasm-image-io (not installed there; on a
``.map`` name it picks another reader and fails), so it has a skipped row saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from timing import PYTHON, Result, alternate, alternate_commands, skipped

MRC2OMEZARR = os.environ.get("MRC2OMEZARR", "/work/venvs/convert-peers/bin/mrc2omezarr")


def _peak_rss(argv, env):
    """Peak resident bytes of one run of ``argv`` (the child's own ``ru_maxrss`` from ``wait4``)."""
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"{' '.join(argv)} exited {child.returncode}")
    return usage.ru_maxrss * 1024


def _convert_case(ctx, levels):
    size = f"{ctx.big_sections * 4} MiB"
    case = f"convert {size} to OME-Zarr, {levels} level{'s' if levels > 1 else ''}"
    ours_label = f"mrcschema convert --levels {levels}"
    peer_label = f"mrc2omezarr --scale-factors {','.join(str(2 ** i) for i in range(levels))}"
    if not shutil.which(MRC2OMEZARR):
        return skipped(case, ours_label, peer_label, None, f"mrc2omezarr not installed ({MRC2OMEZARR})")
    if ctx.smoke and levels > 1:  # the peer takes 10 s or more to start: one smoke row runs it
        return skipped(case, ours_label, peer_label, None, "smoke run: the 1-level row runs both sides")
    source = ctx.file("big")
    ours_out, peer_out = os.path.join(ctx.workdir, "ours.ome.zarr"), os.path.join(ctx.workdir, "peer.zarr")
    ours = [PYTHON, "-m", "mrcschema", "convert", source, ours_out, "--levels", str(levels), "--overwrite"]
    peer = [MRC2OMEZARR, "--mrc-path", source, "--zarr-path", peer_out, "--overwrite",
            "--scale-factors", ",".join(str(2 ** i) for i in range(levels))]
    peer_env = {k: v for k, v in ctx.env.items() if k != "PYTHONPATH"}
    repeats = 1 if ctx.smoke else 3
    ours_times, _ = alternate_commands(ours, ours, repeats, env=ctx.env, warmup=0)
    peer_times, _ = alternate_commands(peer, peer, repeats, env=peer_env, warmup=0)
    extra = {} if ctx.smoke else {"ours_peak_rss_bytes": _peak_rss(ours, ctx.env),
                                  "peer_peak_rss_bytes": _peak_rss(peer, peer_env)}
    shutil.rmtree(ours_out, ignore_errors=True)
    shutil.rmtree(peer_out, ignore_errors=True)
    return Result(case, ours_label + " (fresh process)", peer_label + " (fresh process)", None,
                  goal_text="measured (no goal)", ours_times=ours_times, peer_times=peer_times, extra=extra,
                  notes=["the peer writes 256^3 chunks with the default compressor of zarr 2 (Blosc lz4), "
                         "ours 64^3 zstd level 3"])


def convert_1gib(ctx):
    return _convert_case(ctx, 1)


def convert_1gib_levels3(ctx):
    return _convert_case(ctx, 3)


def convert_ngff_zarr(ctx):
    return skipped("convert to OME-Zarr vs ngff-zarr", "mrcschema convert", "ngff-zarr 0.50 CLI", None,
                   "ngff-zarr reads MRC only through itkwasm-image-io, not installed beside it")


def references_100gb(ctx):
    """References of a 100 GB sparse file against reading its header (both read only the header)."""
    import mrcschema
    from mrcschema.convert.references import to_references

    huge = ctx.file("huge")
    o, p = alternate(lambda: to_references(huge), lambda: mrcschema.read_header(huge), ctx.repeats,
                     number=1 if ctx.smoke else 5)
    chunks = sum(1 for k in to_references(huge)["refs"] if not k.rpartition("/")[2].startswith("."))
    return Result("references of a 100 GB file vs a header read", "mrcschema.to_references (100 GB sparse)",
                  "mrcschema.read_header (the same file)", None, goal_text="header-read time plus one entry "
                  "per section (no data read)", ours_times=o, peer_times=p, extra={"chunks": chunks})


CASES = [convert_1gib, convert_1gib_levels3, convert_ngff_zarr, references_100gb]
