"""First-call and repeated-call cost of a complex fft against its size: mmfutils, numpy.fft, scipy.fft (a benchmark).

For each size n and each library, in a fresh process (no plans, no wisdom; imports not timed):
(a) the first call `fft(a)` of a complex128 array of n points;
(b) the best time of later calls, after mmfutils' planning policy has reached its measured plan
    (`plans.MEASURE_AFTER` calls; numpy and scipy get as many warm-up calls).
Sizes up to 20000 run three fresh processes each (the best is kept), larger ones one.

Run: `make bench` (or `.venv/bin/python tests/bench_fft_sizes.py`). Writes `nbs/_data/bench_fft_sizes.json`:
`{"provenance": {...}, "sizes": [...], "first": {"mmfutils": [s...], "numpy": [...], "scipy": [...]},
"repeated": {...}}` (seconds), from which the fft page draws its chart. `SIZES=16,64` measures other sizes.
"""
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import benchlib  # noqa: E402

SIZES = [16, 64, 100, 256, 1000, 1024, 4096, 12288, 65536, 65537, 2**20]  # 1000003: planning it at MEASURE takes minutes
CANDIDATES = {"mmfutils": "from mmfutils.performance import fft as f; from mmfutils.performance.fft.plans import MEASURE_AFTER",
              "numpy": "import numpy.fft as f; MEASURE_AFTER = 8", "scipy": "import scipy.fft as f; MEASURE_AFTER = 8"}
CHILD = """
import json, sys, time
import numpy as np
{imp}
a = np.random.default_rng(0).normal(size={n}) + 1j * np.random.default_rng(1).normal(size={n})
t0 = time.perf_counter(); f.fft(a); first = time.perf_counter() - t0
for _ in range(MEASURE_AFTER):  # warm-up: ours reaches its measured plan
    f.fft(a)
times, spent = [], 0.0
while len(times) < 5 or (spent < 0.3 and len(times) < 2000):
    t0 = time.perf_counter(); f.fft(a); t = time.perf_counter() - t0
    times.append(t); spent += t
print(json.dumps([first, min(times)]))
"""


def child(imp, n):
    "[first call, best repeated call] in seconds, from a fresh Python process."
    run = subprocess.run([sys.executable, "-c", CHILD.format(imp=imp, n=n)], capture_output=True, text=True,
                         check=True, cwd="/tmp")
    return json.loads(run.stdout.strip().splitlines()[-1])


def provenance(notes):
    "What `benchlib.record` writes besides the results: date, command, machine and load average, versions."
    return {"benchmark": "fft_sizes", "command": "make bench",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "processor": platform.machine(),
                        "load_average_at_start": benchlib.LOAD_AT_START,
                        "load_average": [round(x, 2) for x in os.getloadavg()]},
            "versions": benchlib._versions(("mmfutils", "numpy", "scipy", "pyFFTW")), "notes": notes}


def main(sizes):
    first = {name: [] for name in CANDIDATES}
    repeated = {name: [] for name in CANDIDATES}
    for n in sizes:
        for name, imp in CANDIDATES.items():
            runs = [child(imp, n) for _ in range(3 if n <= 20_000 else 1)]
            first[name].append(min(r[0] for r in runs))
            repeated[name].append(min(r[1] for r in runs))
        print(f"n = {n:>9,}: first " + ", ".join(f"{k} {v[-1] * 1e3:.3f} ms" for k, v in first.items())
              + "; repeated " + ", ".join(f"{k} {v[-1] * 1e3:.4f} ms" for k, v in repeated.items()), flush=True)
    doc = {"provenance": provenance("each size and library in a fresh process, imports not timed; complex128 input; "
                                    "best of 3 processes for n <= 20000, else 1; repeated: best call after the warm-up"),
           "sizes": sizes, "first": first, "repeated": repeated}
    path = benchlib.DATA / "bench_fft_sizes.json"
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"fft_sizes: results written to {path.relative_to(benchlib.DATA.parents[1])}", file=sys.stderr)


if __name__ == "__main__":
    main([int(n) for n in os.environ["SIZES"].split(",")] if os.environ.get("SIZES") else SIZES)
