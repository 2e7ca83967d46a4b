"""numpy's own fft test suite (from the installed numpy) run against another module put in numpy.fft's place.

`run("mmfutils.performance.fft")` copies numpy/fft/tests/*.py into a temporary directory beside a conftest.py
that makes `numpy.fft` that module, runs pytest there in a fresh process, and returns
`{"passed", "failed", "seconds", "failures"}`; `run("numpy.fft")` is the reference run. Used by the fft
notebooks (as a test) and by tests/bench_fft_first.py (as a timing).
"""
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFTEST = """
import importlib, numpy
numpy.fft = importlib.import_module({module!r})  # `np.fft.x` and `from numpy import fft` now reach it
"""


def numpy_tests() -> list:
    "The test files of the installed numpy's fft package."
    import numpy
    return sorted((Path(numpy.__file__).parent / "fft" / "tests").glob("test_*.py"))


def run(module:str="mmfutils.performance.fft", *pytest_args) -> dict:
    "numpy's fft tests against `module` in a fresh process: counts, wall time and the ids that failed."
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for f in numpy_tests():
            shutil.copy(f, tmp / f.name)
        (tmp / "conftest.py").write_text(CONFTEST.format(module=module))
        report = tmp / "report.json"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                               "--rootdir", str(tmp), "-o", "addopts=", f"--junitxml={report.with_suffix('.xml')}",
                               *pytest_args, str(tmp)], capture_output=True, text=True, cwd=tmp)
        seconds = time.perf_counter() - t0
        return _summary(report.with_suffix(".xml"), proc, seconds)


def _summary(xml:Path, proc, seconds:float) -> dict:
    "Counts and failed ids from pytest's junit xml."
    import xml.etree.ElementTree as ET
    if not xml.exists():
        raise RuntimeError(f"pytest did not run: {proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    passed, failures = 0, {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        bad = case.find("failure") if case.find("failure") is not None else case.find("error")
        if case.find("skipped") is not None:
            continue
        name = f"{case.get('classname').split('.')[-1]}::{case.get('name')}"
        if bad is None:
            passed += 1
        else:
            failures[name] = (bad.get("message") or "")[:300]
    slowest = [line for line in proc.stdout.splitlines() if line.split("s ", 1)[0].replace(".", "").isdigit()][:12]
    return {"passed": passed, "failed": len(failures), "seconds": round(seconds, 2), "failures": failures,
            "slowest": slowest}


if __name__ == "__main__":
    print(json.dumps(run(*(sys.argv[1:] or ["mmfutils.performance.fft"])), indent=1))
