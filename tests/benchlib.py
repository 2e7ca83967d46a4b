"""Where `make bench` puts its numbers: one JSON file per benchmark in `nbs/_data/`, which the pages render.

Pages never carry a number typed by hand: a notebook reads `nbs/_data/bench_<name>.json` (committed after a
`make bench` run) and shows it with `mmfutils.utils.bench_table`, which adds the machine, date, load average (at
the start and the end of the run) and versions that produced it.
"""
import datetime
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "nbs" / "_data"
LOAD_AT_START = [round(x, 2) for x in os.getloadavg()]  # when the benchmark script imported this module


def _versions(packages):
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def record(name, results, packages=("numpy",), notes=""):
    """Write `results` (JSON-serialisable) to `nbs/_data/bench_<name>.json` with the machine, date and versions."""
    DATA.mkdir(parents=True, exist_ok=True)
    doc = {"benchmark": name, "command": "make bench",
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "processor": platform.machine(),
                       "load_average_at_start": LOAD_AT_START,
                       "load_average": [round(x, 2) for x in os.getloadavg()]},
           "versions": _versions(("mmfutils",) + tuple(packages)), "notes": notes, "results": results}
    path = DATA / f"bench_{name}.json"
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"{name}: results written to {path.relative_to(DATA.parents[1])}", file=sys.stderr)
    return path
