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
