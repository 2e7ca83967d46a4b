"""Speed of the Laplacians of `mmfutils.math.bases`, measured in one run (a benchmark, not a test).

One Laplacian of a complex128 128^3 field is one forward FFT, one multiplication and one inverse FFT. With
2 threads, in the same run, the candidates take turns call by call for many rounds:

* ours: `PeriodicBasis.laplacian` (and `exp=True`, the kinetic step of a split-operator method);
* the floor: two raw pyFFTW plans prebuilt from the same wisdom, and numpy multiplying in place by a stored
  multiplier with the 1/n of the inverse folded in, called on the same field (pyFFTW copies a field that is not
  SIMD-aligned, as ours does), and the same executing on preloaded aligned arrays (no copy at all);
* mmfutils 0.7.8's `PeriodicBasis.laplacian`, installed with pip into the scratch virtualenv
  build/bench-upstream (created on first use) and run in a child process that times each call itself.

Then, with 1 thread (their transforms and matrix products are small: BLAS runs 1 thread in both processes), `CylindricalBasis.laplacian` (and `exp=True`) of a complex128
(Nx, Nr) = (256, 64) field against its floor (a raw pyFFTW plan pair along x, a numpy multiplication, and one
numpy matrix product with the stored dense radial matrix), and `SphericalBasis.laplacian` of a complex128 field
of 4096 radii against its floor (SciPy's sine-transform pair and one multiplication), each beside 0.7.8's.

Printed and recorded (nbs/_data/bench_bases.json, rendered by nbs/07_bases.ipynb): the best times, their
ratios to ours, and the median over rounds of the ratio within a round (robust when other processes load the
machine). Run: `make bench` (or `.venv/bin/python tests/bench_bases.py`).
"""
import functools
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyfftw
import scipy.fft
import threadpoolctl

from mmfutils.math.bases import CylindricalBasis, PeriodicBasis, SphericalBasis
from mmfutils.performance import fft

sys.path.insert(0, str(Path(__file__).parent))
from benchlib import record  # noqa: E402

THREADS = 2
ROUNDS = 40
N, L = 128, 10.0
NXR, LXR = (256, 64), (40.0, 10.0)  # CylindricalBasis
NS, RS = 4096, 30.0  # SphericalBasis
ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "build" / "bench-upstream"
UPSTREAM = "mmfutils==0.7.8"


def field():
    "The complex128 N^3 field every candidate transforms (a plain numpy array, as a user's would be)."
    rng = np.random.default_rng(42)
    return rng.normal(size=(N,) * 3) + 1j * rng.normal(size=(N,) * 3)


CHILD = f"""
import sys, time
import numpy as np
import mmfutils.performance.fft
from mmfutils.math.bases import PeriodicBasis, CylindricalBasis, SphericalBasis
mmfutils.performance.fft.set_num_threads({THREADS})
rng = np.random.default_rng(42)
y = rng.normal(size=({N},) * 3) + 1j * rng.normal(size=({N},) * 3)
basis = PeriodicBasis(Nxyz=({N},) * 3, Lxyz=({L},) * 3)
cyl, sph = CylindricalBasis(Nxr={NXR}, Lxr={LXR}), SphericalBasis(N={NS}, R={RS})
rng = np.random.default_rng(7)
yc = rng.normal(size={NXR}) + 1j * rng.normal(size={NXR})
ys = rng.normal(size={NS}) + 1j * rng.normal(size={NS})
calls = {{"laplacian": lambda: basis.laplacian(y), "exp": lambda: basis.laplacian(y, factor=0.001, exp=True),
         "cyl": lambda: cyl.laplacian(yc), "cyl_exp": lambda: cyl.laplacian(yc, factor=0.001, exp=True),
         "sph": lambda: sph.laplacian(ys)}}
for line in sys.stdin:
    name = line.strip()
    if name.startswith("threads "):
        mmfutils.performance.fft.set_num_threads(int(name[8:]))
        print("ok", flush=True)
        continue
    if name.startswith("check "):
        r = calls[name[6:]]()
        print(repr(complex(r[(1, 2, 3)[:r.ndim]])), repr(float(abs(r).sum())), flush=True)
        continue
    t0 = time.perf_counter()
    calls[name]()
    print(time.perf_counter() - t0, flush=True)
"""


def upstream_python():
    "The python of the scratch virtualenv with mmfutils 0.7.8, created on first use."
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        # 0.7.8's bases also import scipy, pyfftw and packaging, which it does not declare
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", UPSTREAM, "pyfftw", "numpy", "scipy",
                        "packaging"], check=True)
    return python


class Upstream:
    "mmfutils 0.7.8 in a child process: `call(name)` runs one call there and returns the time it measured."
    def __init__(self):
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")  # as BLAS_THREADS in this process
        self.proc = subprocess.Popen([str(upstream_python()), "-I", "-W", "ignore", "-c", CHILD], cwd="/", env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.version = subprocess.run([str(upstream_python()), "-I", "-c", "import mmfutils; print(mmfutils.__version__)"],
                                      capture_output=True, text=True, check=True).stdout.strip()

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline()

    def call(self, name):
        return float(self.ask(name))

    def check(self, name):
        value, total = self.ask("check " + name).split()
        return complex(value), float(total)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def raw_floor(y, multiplier):
    "Two raw FFTW plans and one numpy multiplication: (call on `y`, execute on preloaded aligned arrays)."
    a = pyfftw.empty_aligned(y.shape, complex)
    A = pyfftw.empty_aligned(y.shape, complex)
    b = pyfftw.empty_aligned(y.shape, complex)
    flags = ("FFTW_MEASURE",)
    fwd = pyfftw.FFTW(a, A, axes=(0, 1, 2), direction="FFTW_FORWARD", flags=flags, threads=THREADS)
    bwd = pyfftw.FFTW(A, b, axes=(0, 1, 2), direction="FFTW_BACKWARD", flags=flags, threads=THREADS)
    a[...] = y

    def on_y():
        Y = fwd(y)  # pyfftw copies y into `a` if y is not SIMD-aligned, as it does for ours
        np.multiply(Y, multiplier, out=Y)
        return bwd(Y, normalise_idft=False)  # the inverse unscaled: 1/n is in `multiplier`

    def execute_only():
        fwd.execute()
        np.multiply(A, multiplier, out=A)
        bwd.execute()
        return b

    return on_y, execute_only


def timings(candidates, upstream, rounds):
    "Times (s) per round of each candidate; the local callables and the child's call alternate within a round."
    for f in candidates.values():  # warm up: plans, caches, page faults
        f()
    times = {name: [] for name in candidates}
    times[upstream[0]] = []
    for _ in range(rounds):
        for name, f in candidates.items():
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
        times[upstream[0]].append(upstream[1]())
    return {name: np.array(t) for name, t in times.items()}


def compare(title, ours, floor_multiplier, upstream, upstream_name, expected):
    "Time one case; print and return {candidate: best_ms, best_ratio, median_ratio} (ratios: their time / ours)."
    y = field()
    exact = expected(y)
    np.testing.assert_allclose(ours(y), exact, rtol=1e-10, atol=1e-10 * abs(exact).max())
    on_y, execute_only = raw_floor(y, floor_multiplier)
    np.testing.assert_allclose(on_y(), exact, rtol=1e-10, atol=1e-10 * abs(exact).max())
    names = {"ours": "mmfutils.math.bases PeriodicBasis.laplacian",
             "floor": "floor: 2 raw FFTW plans + numpy multiply, on the field",
             "exec": "floor: the same on preloaded aligned arrays (no copy)",
             "up": f"mmfutils {upstream.version} PeriodicBasis.laplacian (child process)"}
    times = timings({names["ours"]: lambda: ours(y), names["floor"]: on_y, names["exec"]: execute_only},
                    (names["up"], lambda: upstream.call(upstream_name)), ROUNDS)
    mine = times[names["ours"]]
    results = {name: {"best_ms": round(t.min() * 1e3, 2), "best_ratio": round(t.min() / mine.min(), 3),
                      "median_ratio": round(float(np.median(t / mine)), 3)} for name, t in times.items()}
    print(f"\n{title}  ({THREADS} threads, {ROUNDS} rounds; ratio = their time / ours)")
    print(f"  {'':62s} {'best':>9s}   {'ratio of bests':>14s}  {'median in-round ratio':>21s}")
    for name, r in results.items():
        print(f"  {name:62s} {r['best_ms']:9.2f} ms {r['best_ratio']:10.2f}x {r['median_ratio']:16.2f}x")
    floor, up = results[names["floor"]], results[names["up"]]
    print(f"  goal ours <= 1.15 x floor: ours / floor = {1 / floor['best_ratio']:.3f} (bests), "
          f"{1 / floor['median_ratio']:.3f} (median in round); "
          f"goal ahead of {upstream.version}: {up['best_ratio']:.2f}x (bests), {up['median_ratio']:.2f}x (median)")
    return {"title": title, "candidates": results}


def other_fields():
    "The complex128 fields of the cylindrical and spherical cases (the same the child builds)."
    rng = np.random.default_rng(7)
    return rng.normal(size=NXR) + 1j * rng.normal(size=NXR), rng.normal(size=NS) + 1j * rng.normal(size=NS)


def time_case(title, ours, floor, upstream, upstream_name, reference, ours_name, floor_name):
    "Time `ours` beside `floor` and 0.7.8's call `upstream_name` (each checked against `reference` first)."
    for f in (ours, floor):
        got = f()
        np.testing.assert_allclose(got, reference, rtol=1e-9, atol=1e-9 * abs(reference).max())
    names = {"ours": ours_name, "floor": floor_name, "up": f"mmfutils {upstream.version} (child process)"}
    times = timings({names["ours"]: ours, names["floor"]: floor}, (names["up"], lambda: upstream.call(upstream_name)),
                    ROUNDS)
    mine = times[names["ours"]]
    results = {name: {"best_ms": round(t.min() * 1e3, 3), "best_ratio": round(t.min() / mine.min(), 3),
                      "median_ratio": round(float(np.median(t / mine)), 3)} for name, t in times.items()}
    print(f"\n{title}  (1 thread, {ROUNDS} rounds; ratio = their time / ours)")
    for name, r in results.items():
        print(f"  {name:62s} {r['best_ms']:9.3f} ms {r['best_ratio']:10.2f}x {r['median_ratio']:16.2f}x")
    return {"title": title, "candidates": results, "threads": 1}


def cylindrical_cases(upstream):
    "CylindricalBasis.laplacian and exp=True beside an FFT pair + a dense matrix product, and 0.7.8."
    basis, (yc, _) = CylindricalBasis(Nxr=NXR, Lxr=LXR), other_fields()
    kx2 = (basis.kx.ravel() ** 2)[:, None]
    Kr = np.array(basis._Kr)
    a = pyfftw.empty_aligned(NXR, complex)
    A = pyfftw.empty_aligned(NXR, complex)
    flags = ("FFTW_MEASURE",)
    fwd = pyfftw.FFTW(a, A, axes=(0,), direction="FFTW_FORWARD", flags=flags, threads=1)
    bwd = pyfftw.FFTW(A, pyfftw.empty_aligned(NXR, complex), axes=(0,), direction="FFTW_BACKWARD", flags=flags, threads=1)
    def floor(y=yc, multiplier=-kx2 / NXR[0], M=-Kr.T):
        Y = fwd(y)
        np.multiply(Y, multiplier, out=Y)
        return bwd(Y, normalise_idft=False) + y @ M
    exp_r = np.array(basis._exp_Kr(-0.001))
    exp_x = np.exp(-0.001 * kx2) / NXR[0]
    def floor_exp(y=yc, multiplier=exp_x, M=exp_r.T):
        Y = fwd(y)
        np.multiply(Y, multiplier, out=Y)
        return bwd(Y, normalise_idft=False) @ M
    reference = np.fft.ifft(-kx2 * np.fft.fft(yc, axis=0), axis=0) - yc @ Kr.T
    reference_exp = np.fft.ifft(np.exp(-0.001 * kx2) * np.fft.fft(yc, axis=0), axis=0) @ exp_r.T
    up = [upstream.check(n) for n in ("cyl", "cyl_exp")]
    for (value, total), mine in zip(up, (basis.laplacian(yc), basis.laplacian(yc, factor=0.001, exp=True)), strict=True):
        assert np.isclose(mine[1, 2], value, rtol=1e-8, atol=1e-8 * abs(mine).max()), (mine[1, 2], value)
        assert np.isclose(abs(mine).sum(), total, rtol=1e-8), (abs(mine).sum(), total)
    title = f"CylindricalBasis.laplacian of a complex128 {NXR} field"
    return [time_case(title, lambda: basis.laplacian(yc), floor, upstream, "cyl", reference,
                      "mmfutils.math.bases CylindricalBasis.laplacian", "floor: raw FFTW pair along x + numpy matmul"),
            time_case(title.replace("laplacian", "laplacian(exp=True)"), lambda: basis.laplacian(yc, factor=0.001, exp=True),
                      floor_exp, upstream, "cyl_exp", reference_exp,
                      "mmfutils.math.bases CylindricalBasis.laplacian(exp=True)", "floor: raw FFTW pair along x + numpy matmul")]


def spherical_case(upstream):
    "SphericalBasis.laplacian beside SciPy's sine-transform pair and 0.7.8."
    basis, (_, ys) = SphericalBasis(N=NS, R=RS), other_fields()
    r, k = basis.xyz[0], np.pi * (np.arange(NS) + 0.5) / RS
    def floor(y=ys, K=-k**2):
        return scipy.fft.idst(K * scipy.fft.dst(r * y, type=3), type=3) / r
    reference = floor()
    value, total = upstream.check("sph")
    mine = basis.laplacian(ys)
    assert np.isclose(mine[1], value, rtol=1e-8, atol=1e-8 * abs(mine).max()), (mine[1], value)
    assert np.isclose(abs(mine).sum(), total, rtol=1e-8), (abs(mine).sum(), total)
    return time_case(f"SphericalBasis.laplacian of a complex128 field of {NS} radii", lambda: basis.laplacian(ys), floor,
                     upstream, "sph", reference, "mmfutils.math.bases SphericalBasis.laplacian",
                     "floor: scipy.fft dst + idst, one multiplication")


def exact(y, multiplier):
    "ifftn(multiplier * fftn(y)) by numpy.fft: the reference every candidate is checked against."
    return np.fft.ifftn(np.fft.fftn(y) * multiplier)


def main():
    fft.set_num_threads(THREADS)
    threadpoolctl.threadpool_limits(1, user_api="blas")  # the radial matrix products are small: one BLAS thread
    basis = PeriodicBasis(Nxyz=(N,) * 3, Lxyz=(L,) * 3)
    k2 = sum(k**2 for k in basis.kxyz)  # the full N^3 array the floor multiplies by
    upstream = Upstream()
    try:
        cases = []
        for name, factor, exp in [("laplacian", 1.0, False), ("exp", 0.001, True)]:
            multiplier = (np.exp(-factor * k2) if exp else -factor * k2) / N**3
            ours = functools.partial(basis.laplacian, factor=factor, exp=exp)
            mine, (up_value, up_total) = ours(field()), upstream.check(name)  # the same result as 0.7.8's
            assert np.isclose(mine[1, 2, 3], up_value, rtol=1e-9, atol=1e-9 * abs(mine).max()), (mine[1, 2, 3], up_value)
            assert np.isclose(abs(mine).sum(), up_total, rtol=1e-9), (abs(mine).sum(), up_total)
            title = f"laplacian{'(exp=True)' if exp else ''} of a complex128 {N}^3 field"
            expected = functools.partial(exact, multiplier=multiplier * N**3)
            cases.append(compare(title, ours, multiplier, upstream, name, expected))
        fft.set_num_threads(1)
        upstream.ask("threads 1")
        cases += cylindrical_cases(upstream)
        cases.append(spherical_case(upstream))
    finally:
        upstream.close()
    record("bases", {"cases": cases, "threads": THREADS, "rounds": ROUNDS, "upstream": upstream.version},
           packages=("numpy", "pyFFTW", "scipy"),
           notes="ratios are their time / ours; the median is over rounds of the ratio within a round")


if __name__ == "__main__":
    main()
