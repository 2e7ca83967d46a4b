"""Every notebook in `nbs/` is one test; its executed, processed copy in `_proc/` is what `make docs` renders.

Each notebook is executed once (`run`), for tests and docs alike. Unlike `nbdev_test`, deliberately:

* cells flagged from settings.ini's `tst_flags` (`#| slow`) run unless `--nb-skip-flags` names the flag;
* exported cells are not re-executed: the notebook gets the names of the exported module instead, so the
  tests exercise the package users import, and `--cov=mmfutils` measures it;
* the executed notebook then goes through nbdev's doc processors (`FilterDefaults`, as `nbdev_docs` does),
  which run its import, export and `show_doc` cells again on their own, in a fresh shell, to make the API
  entries. A notebook that would break `nbdev_docs` for users who have Quarto (e.g. a cell mixing imports
  with other code, which nbdev warns about) fails here.
"""
import importlib
import os
import warnings
from pathlib import Path

import pytest
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.process import extract_directives
from nbdev.processors import FilterDefaults

ROOT = Path(__file__).resolve().parents[1]
CONFIG = get_config(path=ROOT)
PROC = ROOT / "_proc"
EXPORTS = {"export", "exporti", "exports"}
#: Minimum line coverage (%) of exported modules, checked after the notebooks ran under `--cov`.
COVERAGE_MINIMUM = {"containers": 95, "interface": 95, "parallel": 90, "performance.fft": 90,
                    "performance.threads": 90, "performance.blas": 95, "performance.numexpr": 90, "utils": 90,
                    "math.bases": 95}
#: The notebooks run in this session (into `_proc/`, unless they failed); tests/test_docs.py renders them.
RAN = set()


def notebooks():
    "The notebooks nbdev documents and tests, in order."
    return sorted(nbglob(CONFIG.nbs_path, as_path=True))


def execute(nb, path, skip_flags=frozenset()):
    "Run the notebook `nb` read from `path` top to bottom; the first error fails the test with its traceback."
    shell, loaded = CaptureShell(path), set()
    default_module = next((extract_directives(c, remove=False)["default_exp"][0] for c in nb.cells
                           if c.cell_type == "code" and "#| default_exp" in c.source), None)

    def skip(cell):
        "True for the cells not run; an exported cell's module is imported into the notebook instead."
        if shell.exc or cell.cell_type != "code" or "nbdev_export" + "(" in cell.source:
            return True
        directives = extract_directives(cell, remove=False)
        if directives.get("eval:", [""])[0].lower() == "false" or skip_flags & directives.keys():
            return True
        exported = [directives[d][:1] or [default_module] for d in EXPORTS & directives.keys()]
        for module in {m for ms in exported for m in ms} - loaded:
            loaded.add(module)
            names = vars(importlib.import_module(f"{CONFIG.lib_name}.{module}"))
            shell.user_ns.update({k: v for k, v in names.items() if not k.startswith("__")})
        return bool(exported)

    with working_directory(path.parent):
        shell.run_all(nb, preproc=skip)
    if shell.exc:
        pytest.fail(shell.prettytb(fname=path.relative_to(ROOT)), pytrace=False)


def process(nb, path, dest):
    "nbdev's doc processing of the executed notebook, as `nbdev_docs` does it, into `dest`; its warning is an error."
    with working_directory(path.parent), warnings.catch_warnings():
        warnings.filterwarnings("error", "Found cells containing imports and other code")
        try:
            FilterDefaults()(nb)
        except Exception as e:
            pytest.fail(f"{path.name}: nbdev_docs would fail on it: {e}", pytrace=False)
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_nb(nb, dest)


def run(path, skip_flags=frozenset()):
    "Execute the notebook at `path`, then process it into `_proc/` (emptied first: a failure leaves no stale page)."
    os.environ["IN_TEST"] = "1"  # nbdev's convention: no exporting while notebooks run as tests
    RAN.add(path)
    dest = PROC / path.relative_to(CONFIG.nbs_path)
    dest.unlink(missing_ok=True)
    nb = read_nb(path)
    execute(nb, path, skip_flags)
    process(nb, path, dest)


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: str(p.relative_to(CONFIG.nbs_path)))
def test_notebook(path, skip_flags):
    run(path, skip_flags)


def test_coverage_minimum():
    "Exported modules named in COVERAGE_MINIMUM are covered at least that much by the notebooks."
    coverage = pytest.importorskip("coverage")
    cov = coverage.Coverage.current()
    if cov is None:
        pytest.skip("coverage is not measuring this run (`make test` runs with --cov)")
    cov.get_data()  # flush what was measured so far
    low = {}
    for module, minimum in COVERAGE_MINIMUM.items():
        _, statements, _, missing, _ = cov.analysis2(str(CONFIG.lib_path / (module.replace(".", "/") + ".py")))
        percent = 100.0 * (len(statements) - len(missing)) / max(len(statements), 1)
        if percent < minimum:
            low[module] = f"{percent:.1f}% < {minimum}% (missing lines {missing})"
    assert not low, f"coverage below the minimum: {low}"
