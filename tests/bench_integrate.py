"""mquad and quad beside scipy.integrate.quad and mmfutils 0.7.8's mquad and quad: calls and time to one tolerance.

    .venv/bin/python tests/bench_integrate.py      (or: make bench)

Each integrator meets the same absolute tolerance on a smooth, a peaked and an oscillatory integrand over [-1, 2];
the error is measured against a closed form. mmfutils 0.7.8's module is pure Python (its Cython ssum is optional), so
it is loaded from the unpacked sdist in build/compat/ (`make compat` puts it there); without it, those rows are left out.
Times are medians over rounds in which the integrators take turns, so a loaded machine slows them alike.
"""
import importlib.util
import itertools
import math
import statistics
import time
import warnings
import logging
from pathlib import Path

from scipy import integrate as si
from scipy.special import erf

from benchlib import record
from mmfutils.math.integrate import mquad, quad

ROOT = Path(__file__).resolve().parents[1]
OLD = ROOT / "build" / "compat" / "mmfutils-0.7.8" / "src" / "mmfutils" / "math" / "integrate" / "__init__.py"
TOLS, ROUNDS = (1e-6, 1e-10), 25
S = 0.01
INTEGRANDS = {
    "smooth: exp(-x^2/2)": (lambda x: math.exp(-x * x / 2),
                            math.sqrt(math.pi / 2) * (erf(2 / math.sqrt(2)) + erf(1 / math.sqrt(2)))),
    "peaked: Lorentzian, width 0.01": (lambda x: S / ((x - 0.3)**2 + S * S), math.atan(1.7 / S) + math.atan(1.3 / S)),
    "oscillatory: cos(50x)": (lambda x: math.cos(50 * x), (math.sin(100) + math.sin(50)) / 50),
}


def old_module():
    "mmfutils 0.7.8's integrate module, loaded by path, or None."
    if not OLD.exists():
        return None
    spec = importlib.util.spec_from_file_location("mmfutils078_integrate", OLD)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def counted(f):
    calls = [0]
    def g(x):
        calls[0] += 1
        return f(x)
    return g, calls


def integrators(old, tol):
    out = {"mquad": lambda f: mquad(f, -1, 2, abs_tol=tol),
           "quad": lambda f: quad(f, -1, 2, epsabs=tol, epsrel=0)[0],
           "scipy.integrate.quad": lambda f: si.quad(f, -1, 2, epsabs=tol, epsrel=0, limit=1000)[0]}
    if old is not None:
        out["0.7.8 mquad"] = lambda f: old.mquad(f, -1, 2, abs_tol=tol)
        out["0.7.8 quad"] = lambda f: old.quad(f, -1, 2, epsabs=tol, epsrel=0)[0]
    return out


def main():
    logging.disable(logging.WARNING)  # 0.7.8's mquad logs its warnings
    old = old_module()
    results = []
    for tol, (name, (f, exact)) in itertools.product(TOLS, INTEGRANDS.items()):
        methods = integrators(old, tol)
        times = {m: [] for m in methods}
        calls, errors = {}, {}
        for _ in range(ROUNDS):
            for m, integrate in methods.items():
                g, c = counted(f)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t = time.perf_counter()
                    value = integrate(g)
                    times[m].append(time.perf_counter() - t)
                calls[m], errors[m] = c[0], abs(float(value) - exact)
        ms = {m: 1e3 * statistics.median(ts) for m, ts in times.items()}
        for m in methods:
            base = {"mquad": "0.7.8 mquad", "quad": "0.7.8 quad"}.get(m)
            ratio = ms[m] / ms[base] if base in ms else None
            results.append({"tolerance": tol, "integrand": name, "integrator": m, "calls": calls[m], "ms": ms[m],
                            "error": errors[m], "ratio_078": ratio})
            print(f"{tol:g} {name:32s} {m:22s} calls={calls[m]:6d} {ms[m]:8.3f} ms err={errors[m]:.1e}"
                  + (f" x{ratio:.2f} of 0.7.8" if ratio else ""))
    notes = (f"Absolute tolerances {', '.join(f'{t:g}' for t in TOLS)} on [-1, 2]; time is the median of {ROUNDS} rounds. "
             + ("0.7.8's module loaded from its sdist source." if old else "0.7.8's source was not found: no 0.7.8 rows."))
    record("integrate", results, packages=("numpy", "scipy"), notes=notes)


if __name__ == "__main__":
    main()
