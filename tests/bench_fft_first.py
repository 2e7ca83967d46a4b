"""The cost of a first call of mmfutils.performance.fft, each in a fresh process (a benchmark, not a test).

1. First call of one size (smooth 12288, prime 65537, huge prime 1000003), complex128, each in a fresh
   process with no plans and no wisdom: mmfutils.performance.fft.fft vs numpy.fft.fft and scipy.fft.fft
   (imports not timed). Goal: ours at most 2x numpy's.
2. Every size 1..512 once, in one fresh process: total time. Goal: at most 3x numpy's.
3. numpy's own fft test suite (numpy/fft/tests) against this module and against numpy.fft
   (tests/numpy_fft_suite.py). Goal: at most 3x.
Repeated calls against a raw pyfftw plan are tests/bench_fft.py's job.

Run: `make bench` (or `.venv/bin/python tests/bench_fft_first.py`); results in `nbs/_data/bench_fft_first.json`.
`BEFORE=path/to/an/older/checkout` runs the same on another mmfutils (its path put first on PYTHONPATH).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import record  # noqa: E402
import numpy_fft_suite  # noqa: E402

CANDIDATES = {"mmfutils.performance.fft": "from mmfutils.performance import fft as f",
              "numpy.fft": "import numpy.fft as f", "scipy.fft": "import scipy.fft as f"}
SIZES = {"smooth": 12288, "prime": 65537, "huge prime": 1_000_003}
CHILD = """
import sys, time, json
import numpy as np
{imp}
def timed(g):
    t0 = time.perf_counter(); g(); return time.perf_counter() - t0
{body}
"""
FIRST = """a = np.random.default_rng(0).normal(size={n}) + 1j
print(json.dumps([timed(lambda: f.fft(a)), timed(lambda: f.fft(a))]))"""
EVERY = """arrays = [np.random.default_rng(n).normal(size=n) + 1j for n in range(1, 513)]
print(json.dumps([timed(lambda: [f.fft(x) for x in arrays])]))"""


def child(imp, body, env=None):
    "The JSON a fresh Python process prints running `body` after `imp` (imports are not timed)."
    run = subprocess.run([sys.executable, "-c", CHILD.format(imp=imp, body=body)], capture_output=True, text=True,
                         check=True, env=env, cwd="/tmp")
    return json.loads(run.stdout.strip().splitlines()[-1])


def environment():
    "os.environ, with BEFORE's checkout first on the path if given."
    env = dict(os.environ)
    if os.environ.get("BEFORE"):
        env["PYTHONPATH"] = os.environ["BEFORE"] + os.pathsep + env.get("PYTHONPATH", "")
    return env


def first_calls(repeats=3):
    rows = []
    for label, n in SIZES.items():
        row = {"size": n, "kind": label}
        for name, imp in CANDIDATES.items():
            runs = [child(imp, FIRST.format(n=n), environment()) for _ in range(repeats if n < 10**6 else 1)]
            row[name] = {"first_ms": round(min(r[0] for r in runs) * 1e3, 3),
                         "second_ms": round(min(r[1] for r in runs) * 1e3, 3)}
        row["ratio_to_numpy"] = round(row["mmfutils.performance.fft"]["first_ms"] / row["numpy.fft"]["first_ms"], 3)
        print(f"first call, n = {n:>9,} ({label}): " + ", ".join(f"{k} {v['first_ms']:.3f} ms" for k, v in row.items()
              if isinstance(v, dict)) + f"; ours / numpy {row['ratio_to_numpy']:.2f} (goal <= 2)")
        rows.append(row)
    return rows


def every_size(repeats=3):
    totals = {name: round(min(child(imp, EVERY, environment())[0] for _ in range(repeats)) * 1e3, 3)
              for name, imp in CANDIDATES.items()}
    ratio = round(totals["mmfutils.performance.fft"] / totals["numpy.fft"], 3)
    print("every size 1..512 once: " + ", ".join(f"{k} {v:.1f} ms" for k, v in totals.items())
          + f"; ours / numpy {ratio:.2f} (goal <= 3)")
    return {"total_ms": totals, "ratio_to_numpy": ratio}


def numpy_suite():
    ours, theirs = numpy_fft_suite.run("mmfutils.performance.fft"), numpy_fft_suite.run("numpy.fft")
    ratio = round(ours["seconds"] / theirs["seconds"], 3)
    print(f"numpy's fft tests: against us {ours['seconds']:.1f} s ({ours['passed']} passed, {ours['failed']} failed), "
          f"against numpy {theirs['seconds']:.1f} s; ratio {ratio:.2f} (goal <= 3)")
    return {"ours": {k: ours[k] for k in ("seconds", "passed", "failed")},
            "numpy": {k: theirs[k] for k in ("seconds", "passed", "failed")}, "ratio": ratio,
            "failed_here": sorted(ours["failures"])}


if __name__ == "__main__":
    results = {"first_call": first_calls(), "every_size_1_512": every_size(), "numpy_suite": numpy_suite()}
    if os.environ.get("BEFORE"):
        print(json.dumps(results, indent=1))
    else:
        record("fft_first", results, packages=("numpy", "scipy", "pyFFTW"),
               notes="each first call in a fresh process, imports not timed; best of 3 runs (1 for the huge size)")
