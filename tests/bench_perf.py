"""Benchmark mmfutils.performance.blas, .numexpr and .threads against plain numpy, measured in one run.

Writes `nbs/_data/bench_perf.json` (via `benchlib.record`), which the blas, numexpr and threads pages render,
and prints the same rows. Timings are the best of 5 alternating repeats; ratios, not absolute times, are
what carries over between machines. Run with `make bench` or `python tests/bench_perf.py`.
"""
import os
import timeit

import numpy as np
from benchlib import record

from mmfutils.performance import blas
from mmfutils.performance.numexpr import evaluate
from mmfutils.performance.threads import threads

N = 10**6
REPEATS = 5
THREAD_COUNTS = (1, os.cpu_count())


def best(*stmts, repeat=REPEATS, min_time=0.1):
    "Best time per call of each `stmt()` in seconds; the repeats alternate between them, so load hits all alike."
    timers = [timeit.Timer(stmt) for stmt in stmts]
    numbers = [max(1, int(timer.autorange()[0] * min_time / 0.2)) for timer in timers]
    times = [[] for _ in stmts]
    for _ in range(repeat):
        for timer, number, t in zip(timers, numbers, times, strict=True):
            t.append(timer.timeit(number) / number)
    return [min(t) for t in times]


def rows(what, numpy_stmt, ours_stmt):
    "Time both statements with each number of threads: one result per number of threads."
    out = []
    for n in THREAD_COUNTS:
        with threads(n):
            t_numpy, t_ours = best(numpy_stmt, ours_stmt)
        out.append({"what": what, "threads": n, "numpy_ms": 1e3 * t_numpy, "ours_ms": 1e3 * t_ours})
        print(f"| {what} | {n} | {1e3 * t_numpy:.3g} ms | {1e3 * t_ours:.3g} ms | {t_numpy / t_ours:.2g}x |",
              flush=True)
    return out


def bench_blas():
    rng = np.random.default_rng(0)
    x, y = (rng.standard_normal(N) + 1j * rng.standard_normal(N) for _ in range(2))
    xr, yr = x.real.copy(), y.real.copy()
    a = 1e-3 - 2e-3j

    def numpy_zaxpy():
        y.__iadd__(a * x)

    def numpy_daxpy():
        yr.__iadd__(1e-3 * xr)

    print(f"\nperformance.blas, {N:.0e} elements (threads | numpy | BLAS | numpy/BLAS)")
    return (rows("`zaxpy(y, x, a)` vs `y += a*x`", numpy_zaxpy, lambda: blas.zaxpy(y, x, a))
            + rows("`daxpy(y, x, a)` vs `y += a*x`", numpy_daxpy, lambda: blas.daxpy(yr, xr, 1e-3))
            + rows("`zdotc(x, y)` vs `np.vdot(x, y)`", lambda: np.vdot(x, y), lambda: blas.zdotc(x, y))
            + rows("`ddot(x, y)` vs `np.vdot(x, y)`", lambda: np.vdot(xr, yr), lambda: blas.ddot(xr, yr))
            + rows("`znorm(x)` vs `np.linalg.norm(x)`", lambda: np.linalg.norm(x), lambda: blas.znorm(x))
            + rows("`dnorm(x)` vs `np.linalg.norm(x)`", lambda: np.linalg.norm(xr), lambda: blas.dnorm(xr)))


def bench_numexpr():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(N), rng.standard_normal(N)
    arrays = {"a": a, "b": b}
    print(f"\nperformance.numexpr, {N:.0e} float64 elements (threads | numpy | numexpr | numpy/numexpr)")
    out = []
    for expression, numpy_stmt in [("a + b", lambda: a + b),
                                   ("2*a + 3*b**2 - a*b", lambda: 2 * a + 3 * b**2 - a * b),
                                   ("exp(-a**2) * sin(3*b)", lambda: np.exp(-a**2) * np.sin(3 * b)),
                                   ("exp(1j*a)", lambda: np.exp(1j * a))]:
        out += rows(f"`{expression}`", numpy_stmt,
                    lambda expression=expression: evaluate(expression, local_dict=arrays))
    return out


def enter_and_leave():
    with threads(1):
        pass


def bench_threads():
    n = os.cpu_count()
    rng = np.random.default_rng(2)
    m = rng.standard_normal((1000, 1000))
    a = rng.standard_normal(N)
    print(f"\nperformance.threads: threads(1) vs threads({n}) (1 thread | {n} threads | ratio)")
    out = []
    for what, stmt in [("`m @ m`, 1000x1000 (numpy's BLAS)", lambda: m @ m),
                       ("`evaluate('exp(-a**2)')`, 1e6 (numexpr)",
                        lambda: evaluate("exp(-a**2)", local_dict={"a": a}))]:
        with threads(1):
            (t1,) = best(stmt)
        with threads(n):
            (tn,) = best(stmt)
        out.append({"what": what, "threads": n, "one_thread_ms": 1e3 * t1, "all_threads_ms": 1e3 * tn})
        print(f"| {what} | {1e3 * t1:.3g} ms | {1e3 * tn:.3g} ms | {t1 / tn:.2g}x |", flush=True)
    (t_block,) = best(enter_and_leave)
    print(f"entering and leaving `threads(1)`: {1e3 * t_block:.3g} ms", flush=True)
    return out, 1e3 * t_block


if __name__ == "__main__":
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f} on {} cores".format(*load_at_start, os.cpu_count()))
    results = {"elements": N, "repeats": REPEATS, "load_average_at_start": load_at_start,
               "blas": bench_blas(), "numexpr": bench_numexpr()}
    results["threads"], results["threads_block_ms"] = bench_threads()
    record("perf", results, packages=("numpy", "scipy", "numexpr", "threadpoolctl"),
           notes="best of REPEATS alternating repeats per row; numpy_ms / ours_ms > 1 means ours is faster")
