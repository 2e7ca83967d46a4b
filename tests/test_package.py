"""Properties of the package as a whole, beyond any one notebook."""
import subprocess
import sys
from pathlib import Path

import mmfutils
from nbdev.config import get_config

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"pyfftw", "numexpr", "ipyparallel", "mkl", "scipy", "threadpoolctl", "IPython", "docutils"}


def imported_heavy(statement):
    "Heavy top-level packages in sys.modules after running `statement` in a fresh interpreter."
    code = f"{statement}; import sys; print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_import_mmfutils_is_light():
    assert imported_heavy("import mmfutils") == "[]"


def test_import_containers_needs_only_numpy():
    assert imported_heavy("import mmfutils.containers") == "[]"


def test_version_comes_from_settings():
    assert mmfutils.__version__ == get_config(path=ROOT).version


def test_import_interface_defers_docutils_and_ipython():
    assert imported_heavy("import mmfutils.interface") == "[]"


def test_import_performance_fft_defers_pyfftw_and_scipy():
    assert imported_heavy("import mmfutils.performance.fft") == "[]"


#: A virtualenv over .venv with mkl-service (and the MKL it brings: about 1 GB, 1.5 minutes): `make mkl`.
MKL_PYTHON = ROOT / "build" / "mkl-venv" / "bin" / "python"
MKL_CHECK = """
import json, mkl, threadpoolctl
from mmfutils.performance.threads import set_num_threads, threads
def now():
    pools = {i["internal_api"]: i["num_threads"] for i in threadpoolctl.threadpool_info() if i["internal_api"] == "mkl"}
    return [mkl.get_max_threads(), pools.get("mkl")]
seen = {"before": now()}
with threads(1):
    seen["threads(1)"] = now()
    with threads(2):
        seen["threads(2)"] = now()
    seen["after threads(2)"] = now()
seen["after threads(1)"] = now()
set_num_threads(1)
seen["set_num_threads(1)"] = now()
print(json.dumps(seen))
"""


def test_mkl_service(skip_flags):
    "`threads` sets the MKL's threads through mkl-service and restores them, in a process that has the MKL."
    import json
    if not MKL_PYTHON.exists():
        if "slow" in skip_flags:
            import pytest
            pytest.skip("the MKL test is slow (it needs `make mkl`): asked for with --nb-flags=slow, as `make test` does")
        raise AssertionError(f"{MKL_PYTHON} is missing: `make mkl` builds it")
    run = subprocess.run([str(MKL_PYTHON), "-c", MKL_CHECK], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    before = seen["before"]
    assert before[0] >= 1 and before[1] == before[0], seen  # threadpoolctl sees the MKL mkl-service drives
    assert (seen["threads(1)"], seen["threads(2)"], seen["after threads(2)"]) == ([1, 1], [2, 2], [1, 1]), seen
    assert (seen["after threads(1)"], seen["set_num_threads(1)"]) == (before, [1, 1]), seen
