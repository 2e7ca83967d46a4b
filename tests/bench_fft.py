"""Speed of mmfutils.performance.fft against the alternatives, measured in one run (a benchmark, not a test).

1. Transforms with 2 threads: mmfutils' cached plans vs a raw prebuilt pyfftw plan (built from the same
   wisdom, so running the same FFTW algorithm), numpy.fft and scipy.fft(workers=2). Each timing is the
   best of many calls, the candidates alternating call by call so that load from other processes hits
   them alike.
2. Planning at FFTW_MEASURE for a 2^20-point fft in a fresh process, without and with wisdom saved by
   `fftw_wisdom(path)` in an earlier process.

Run: `make bench` (or `.venv/bin/python tests/bench_fft.py`).
"""
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyfftw
import pyfftw.builders
import scipy.fft

from mmfutils.performance import fft

THREADS = 2
ROUNDS = 30


def best_times(candidates, rounds=ROUNDS):
    "Best time (s) of each zero-argument callable, alternating the callables round by round."
    for f in candidates.values():  # warm up: plans, caches, page faults
        f()
    best = dict.fromkeys(candidates, np.inf)
    for _ in range(rounds):
        for name, f in candidates.items():
            t0 = time.perf_counter()
            f()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def compare(title, a, ours, numpy_f, scipy_f, builder, goal=None):
    "Print the times and ratios of one transform of `a`."
    np.testing.assert_allclose(ours(a), numpy_f(a), rtol=1e-4, atol=1e-4 * np.abs(a).sum())
    # Planned after ours, from the wisdom ours left: the same FFTW algorithm, so only the wrapping differs.
    raw = builder(pyfftw.empty_aligned(a.shape, a.dtype), planner_effort="FFTW_MEASURE", threads=THREADS)
    times = best_times({
        "mmfutils.performance.fft": lambda: ours(a),
        "raw pyfftw plan(a)": lambda: raw(a),
        "raw pyfftw plan() (execute only)": lambda: raw(),
        "numpy.fft": lambda: numpy_f(a),
        f"scipy.fft(workers={THREADS})": lambda: scipy_f(a),
    }, rounds=ROUNDS if a.size > 10_000 else 20 * ROUNDS)
    mine = times["mmfutils.performance.fft"]
    print(f"\n{title}  ({THREADS} threads, best of the alternated calls)")
    for name, t in times.items():
        print(f"  {name:34s} {t * 1e3:9.3f} ms   {t / mine:6.2f}x mmfutils' time")
    if goal:
        print("  goals: " + ", ".join(
            f"{name} {times[name] / mine:.2f}x (goal {op} {value:.2f}x)" for name, op, value in goal))
    return times


def transforms():
    rng = np.random.default_rng(0)
    shape = (128, 128, 128)
    z = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    compare("fftn, complex128, 128^3", z, lambda a: fft.fftn(a, threads=THREADS), np.fft.fftn,
            lambda a: scipy.fft.fftn(a, workers=THREADS), pyfftw.builders.fftn,
            goal=[("raw pyfftw plan(a)", ">=", 1 / 1.1), ("numpy.fft", ">=", 4),
                  (f"scipy.fft(workers={THREADS})", ">=", 2)])
    compare("fftn, complex64, 128^3", z.astype(np.complex64), lambda a: fft.fftn(a, threads=THREADS),
            np.fft.fftn, lambda a: scipy.fft.fftn(a, workers=THREADS), pyfftw.builders.fftn)
    compare("rfftn, float64, 128^3", z.real.copy(), lambda a: fft.rfftn(a, threads=THREADS), np.fft.rfftn,
            lambda a: scipy.fft.rfftn(a, workers=THREADS), pyfftw.builders.rfftn)
    compare("fft, complex128, 1024 points (call overhead)", z[0, 0, :].copy().repeat(8),
            lambda a: fft.fft(a, threads=THREADS), np.fft.fft, lambda a: scipy.fft.fft(a, workers=THREADS),
            pyfftw.builders.fft)


CHILD = f"""
import sys, time
t0 = time.perf_counter()
import numpy as np
from mmfutils.performance import fft
a = np.ones(2**20, complex)
with fft.fftw_wisdom(sys.argv[1]):
    t1 = time.perf_counter()
    fft.fft(a, threads={THREADS})
    t2 = time.perf_counter()
    fft.fft(a, threads={THREADS})
    t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def child(path):
    "(import and wisdom loading, first call, second call) in seconds, in a fresh process."
    run = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True)
    return [float(t) for t in run.stdout.split()]


def wisdom(repeats=3):
    print(f"\nPlanning a 2^20-point complex fft at FFTW_MEASURE ({THREADS} threads), each run a fresh process")
    without, with_ = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "wisdom.json"
            without.append(child(path))  # no file yet: plans from scratch, then saves the wisdom
            with_.append(child(path))  # loads it
    for name, runs in [("without wisdom", without), ("with saved wisdom", with_)]:
        first = min(r[1] for r in runs)
        second = min(r[2] for r in runs)
        print(f"  {name:18s} first call {first * 1e3:9.1f} ms   second call {second * 1e3:7.1f} ms   "
              f"planning ~ {(first - second) * 1e3:8.1f} ms")
    plan_without = min(r[1] for r in without) - min(r[2] for r in without)
    plan_with = min(r[1] for r in with_) - min(r[2] for r in with_)
    print(f"  wisdom makes planning {plan_without / max(plan_with, 1e-6):.0f}x faster")


if __name__ == "__main__":
    print(f"mmfutils.performance.fft benchmark: numpy {np.__version__}, scipy {scipy.__version__}, "
          f"pyfftw {pyfftw.__version__}, {THREADS} threads")
    transforms()
    wisdom()
