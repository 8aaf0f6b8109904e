"""benchmarks/timing.py arithmetic on fixed numbers (no timing is measured or asserted here)."""

import importlib.util
import pathlib
import sys

import pytest

_PATH = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "timing.py"
_spec = importlib.util.spec_from_file_location("bench_timing", _PATH)
timing = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = timing  # dataclasses look their module up
_spec.loader.exec_module(timing)


def test_median_odd_and_even():
    assert timing.median([3.0, 1.0, 2.0]) == 2.0
    assert timing.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    with pytest.raises(ValueError):
        timing.median([])


def test_ratio_and_goal():
    assert timing.ratio(1.0, 4.0) == 0.25
    assert timing.ratio(1.0, 0) is None and timing.ratio(None, 1.0) is None
    assert timing.goal_met(1.0, "<=", 1.0) and not timing.goal_met(1.01, "<=", 1.0)
    assert timing.goal_met(0.8, ">=", 0.8) and timing.goal_met(None, "<=", 1.0) is None


def test_result_record():
    r = timing.Result("case", "ours", "peer", 1.0, ours_times=[0.3, 0.1, 0.2], peer_times=[0.4, 0.5, 0.6, 0.3])
    assert r.ours_median == 0.2 and r.peer_median == 0.45
    assert r.ratio == pytest.approx(0.2 / 0.45) and r.met is True
    record = r.to_json()
    assert record["ratio"] == pytest.approx(0.4444444) and record["ours_range"] == (0.1, 0.3)
    slow = timing.Result("case", "ours", "peer", 1.2, ours_times=[1.3], peer_times=[1.0])
    assert slow.ratio == pytest.approx(1.3) and slow.met is False
    assert timing.skipped("c", "o", "p", 1.0, "not available").met is None
    check = timing.Result("c", "o", "p", None, check=False)
    assert check.met is False


@pytest.mark.slow
def test_alternate_runs_both_sides_in_turn():
    calls = []
    ours, peer = timing.alternate(lambda: calls.append("o"), lambda: calls.append("p"), 4, number=1, warmup=1)
    assert len(ours) == len(peer) == 4
    assert calls == ["o", "p", "o", "p", "p", "o", "o", "p", "p", "o"]


def test_fmt_seconds():
    assert timing.fmt_seconds(2.5e-6) == "2.5 µs"
    assert timing.fmt_seconds(0.0123) == "12.3 ms"
    assert timing.fmt_seconds(3.0) == "3 s"


@pytest.mark.slow
def test_alternate_many_runs_every_side_each_round():
    calls = []
    ours, peers = timing.alternate_many(lambda: calls.append("o"), {"a": lambda: calls.append("a"),
                                                                    "b": lambda: calls.append("b")}, 2, warmup=1)
    assert len(ours) == 2 and {k: len(v) for k, v in peers.items()} == {"a": 2, "b": 2}
    assert calls == ["o", "a", "b", "o", "a", "b", "b", "a", "o"]


@pytest.mark.slow
def test_every_case_runs_in_smoke_mode(tmp_path):
    """``benchmarks/run.py --smoke`` (one sample per side, tiny files) runs every case of the table:
    each row is measured or skipped with a reason, none errors.  Speed is not looked at."""
    import json
    import os
    import subprocess

    out = tmp_path / "smoke.json"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(_PATH.parent.parent), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(_PATH.parent / "run.py"), "--smoke", "--tmpdir", str(tmp_path),
                           "--json", str(out)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    record = json.loads(out.read_text())
    rows = {r["case"]: r["status"] for r in record["results"]}
    assert len(rows) >= 30
    errors = {case: status for case, status in rows.items() if not (status == "ok" or status.startswith("skipped: "))}
    assert errors == {}
    assert record["package"]["children"] == record["package"]["in_process"] == str(_PATH.parent.parent / "mrcschema")
