"""One benchmark run of mrcschema against mrcfile, RosettaSciIO, gemmi, mrcz, ncempy and numpy
(issues #8 and #15).

    python benchmarks/run.py [--quick] [--json out.json] [--png out.png] [--profile]

Needs the ``[bench]`` extra (``pip install ".[bench]"``: mrcfile, rosettasciio, dask, gemmi, mrcz,
ncempy; matplotlib only for ``--png``); installs nothing itself.  Prints a table (case, ours median,
peer median, ratio ours/peer, goal, met?).  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
# this checkout's package, whatever else is installed (an editable install of another checkout or
# git worktree would otherwise be the one timed)
sys.path.insert(1, REPO_ROOT)
import cases  # noqa: E402
from timing import PYTHON, fmt_seconds  # noqa: E402

import mrcschema  # noqa: E402

# --------------------------------------------------------------------------------------------
# machine and versions


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / (1 << 20), 1)
    except OSError:
        pass
    return None


def _version(module):
    try:
        mod = __import__(module)
    except ImportError:
        return None
    version = getattr(mod, "__version__", None)
    if version is None:  # ncempy has no __version__: its distribution's
        from importlib import metadata

        try:
            version = metadata.version(module)
        except metadata.PackageNotFoundError:
            version = "unknown"
    return version


def _git(*args):
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_info():
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _cpu_model(),
        "ram_gib": _mem_total_gib(),
        "platform": platform.platform(),
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def versions():
    return {
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "mrcschema": _version("mrcschema"),
        "mrcschema_git": _git("describe", "--always", "--dirty"),
        "mrcfile": _version("mrcfile"),
        "rsciio": _version("rsciio"),
        "gemmi": _version("gemmi"),
        "mrcz": _version("mrcz"),
        "ncempy": _version("ncempy"),
        "dask": _version("dask"),
        "construct": _version("construct"),
        "attrs": _version("attrs"),
        "matplotlib": _version("matplotlib"),
    }


# --------------------------------------------------------------------------------------------
# output


def _ratio_text(r):
    if r.check is not None:  # a row measured in its own terms (remote: requests, bytes, seconds)
        ratio = r.extra.get("ratio")
        return "-" if ratio is None else f"{ratio:.3g}"
    return "-" if r.ratio is None else f"{r.ratio:.3g}"


def _side_text(r, side):
    """A side's median, or what a row measured in its own terms says of it (``extra``)."""
    times = r.ours_times if side == "ours" else r.peer_times
    if times:
        return fmt_seconds(r.ours_median if side == "ours" else r.peer_median)
    return str(r.extra.get(side) or "-")


def _goal_text(r):
    if r.goal_text:
        return r.goal_text
    return "-" if r.goal is None else f"{r.op} {r.goal:g}"


def _met_text(r):
    if r.status != "ok":
        return r.status
    return {True: "yes", False: "NO", None: "-"}[r.met]


def table_rows(results):
    head = ["case", "ours median", "peer median", "ratio ours/peer", "goal", "met?"]
    rows = []
    for r in results:
        rows.append([r.case, _side_text(r, "ours"), _side_text(r, "peer"), _ratio_text(r), _goal_text(r), _met_text(r)])
    return head, rows


def format_table(results):
    head, rows = table_rows(results)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(head), line("-" * w for w in widths)]
    out += [line(row) for row in rows]
    return "\n".join(out)


def markdown_table(results):
    head, rows = table_rows(results)
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def write_png(results, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no PNG written", file=sys.stderr)
        return False
    shown = [r for r in results if r.status == "ok" and r.ratio is not None and r.check is None]
    if not shown:
        return False
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(shown) + 1.5))
    ys = range(len(shown))
    colours = ["tab:green" if r.met else ("tab:red" if r.met is False else "tab:gray") for r in shown]
    ax.barh(list(ys), [r.ratio for r in shown], color=colours)
    for y, r in zip(ys, shown):
        if r.goal is not None:
            ax.plot([r.goal, r.goal], [y - 0.4, y + 0.4], color="black", linewidth=2)
        ax.text(r.ratio, y, f" {r.ratio:.3g}", va="center", fontsize=8)
    ax.set_yticks(list(ys))
    ax.set_yticklabels([r.case for r in shown], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("time ratio ours / peer (log; black tick = goal; green met, red missed)")
    ax.set_title("mrcschema vs mrcfile, RosettaSciIO, gemmi, mrcz, ncempy, numpy")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --------------------------------------------------------------------------------------------
# profiling of missed goals


def profile_target(target, env=None, top=20):
    kind, what = target[:2]
    if kind == "call":
        calls = target[2] if len(target) > 2 else 5
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(calls):
            what()
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
        buf2 = io.StringIO()
        pstats.Stats(prof, stream=buf2).sort_stats("tottime").print_stats(top)
        heading = f"{calls} call(s), main thread only (dask workers show as lock waits), sorted by cumulative time\n"
        return heading + buf.getvalue() + "\nsorted by own time\n" + buf2.getvalue()
    if kind == "argv":
        out = subprocess.run(what, capture_output=True, text=True, env=env)
        text = out.stdout
        start = text.find("   Ordered by")
        return text[start:start + 6000] if start >= 0 else text[-6000:]
    if kind == "importtime":
        out = subprocess.run([PYTHON, "-X", "importtime", "-c", f"import {what}"], capture_output=True, text=True,
                             env=env)
        rows = []  # (self us, cumulative us, indented name)
        for line in out.stderr.splitlines():
            parts = line.split("|")
            if len(parts) != 3 or "self [us]" in line:
                continue
            rows.append((int(parts[0].split(":")[1]), int(parts[1]), parts[2].rstrip()))
        by_self = sorted(rows, key=lambda r: -r[0])[:top]
        packages = [r for r in rows if r[2].strip() in ("numpy", "attrs", "attr", "construct")
                    or r[2].strip().startswith(what)]
        text = ["python -X importtime -c 'import %s' (microseconds; bytecode cached)" % what, "largest self times:"]
        text += [f"  self {s:>7}  cumulative {c:>7}  {n.strip()}" for s, c, n in by_self]
        text.append("the package's modules and its dependencies (cumulative, each counted where first imported):")
        text += [f"  self {s:>7}  cumulative {c:>7}  {n.strip()}" for s, c, n in sorted(packages, key=lambda r: -r[1])]
        return "\n".join(text)
    raise ValueError(kind)


# --------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; 1 GiB cases shrink to 64 MiB")
    parser.add_argument("--json", metavar="OUT", help="write machine, versions, date and every timing as JSON")
    parser.add_argument("--png", metavar="OUT", help="bar chart of the ratios against the goals (needs matplotlib)")
    parser.add_argument("--profile", action="store_true", help="cProfile / -X importtime the cases that miss")
    parser.add_argument("-k", dest="select", default=None, help="run only cases whose function name contains this")
    parser.add_argument("--tmpdir", default=None, help="where the data files go (default: the system temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the data files")
    parser.add_argument("--smoke", action="store_true",
                        help="one sample per side and tiny files: checks that every case runs (the tests use it)")
    args = parser.parse_args(argv)

    missing = [m for m in ("mrcfile", "rsciio", "dask") if _version(m) is None]
    if missing:
        print(f"missing {', '.join(missing)}: pip install '.[bench]'", file=sys.stderr)
        return 2

    started = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="mrcschema-bench-", dir=args.tmpdir)
    info = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(["python", "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]),
            "quick": args.quick, "machine": machine_info(), "versions": versions()}
    ctx = cases.Context(workdir, quick=args.quick, smoke=args.smoke)
    info["repeats"] = {"light": ctx.repeats, "heavy": ctx.heavy_repeats, "subprocess": ctx.cmd_repeats,
                       "batch": ctx.batch_repeats}
    kind = "smoke" if args.smoke else "quick" if args.quick else "full"
    print(f"mrcschema benchmark ({kind}) in {workdir}")
    m, v = info["machine"], info["versions"]
    print(f"machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM, load {m['loadavg']}")
    print("versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val))
    from timing import child_package

    info["package"] = {"in_process": os.path.dirname(os.path.realpath(mrcschema.__file__)),
                       "children": child_package(ctx.env)}
    info["environment"] = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    print(f"mrcschema imported from {info['package']['in_process']} (children: {info['package']['children']})")
    if info["environment"]:
        print(f"environment: {info['environment']} (left as set: they change BLAS calls only, which no case makes)")

    results = []
    try:
        for fn in cases.CASES:
            if args.select and args.select not in fn.__name__:
                continue
            t0 = time.perf_counter()
            rows = cases.run_case(fn, ctx)
            results.extend(rows)
            for r in rows:
                print(f"  {r.case}: {_met_text(r)} ({time.perf_counter() - t0:.1f} s)", flush=True)
        profiles = {}
        if args.profile:
            for r in results:
                if r.met is False and r.case in ctx.profile_targets:
                    print(f"\n=== profile: {r.case} ===")
                    profiles[r.case] = profile_target(ctx.profile_targets[r.case], env=ctx.env)
                    print(profiles[r.case])
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    info["machine"]["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    info["elapsed_s"] = round(time.perf_counter() - started, 1)
    print()
    print(format_table(results))
    for r in results:
        for note in r.notes:
            print(f"  note [{r.case}]: {note}")
        for key, value in r.extra.items():
            if key.endswith("_bytes") and isinstance(value, int):
                value = f"{value / (1 << 20):.1f} MiB"
            elif key.endswith("_median"):
                value = fmt_seconds(value)
            print(f"  [{r.case}] {key}: {value}")
    print(f"\ntotal {info['elapsed_s']} s")

    for out in (args.json, args.png):
        if out and os.path.dirname(out):
            os.makedirs(os.path.dirname(out), exist_ok=True)
    if args.json:
        info["results"] = [r.to_json() for r in results]
        info["profiles"] = profiles
        info["markdown_table"] = markdown_table(results)
        with open(args.json, "w") as f:
            json.dump(info, f, indent=1, default=str)
        print(f"wrote {args.json}")
    if args.png and write_png(results, args.png):
        print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
