"""Every notebook in `nbs/` is one test: its cells run in order, as `nbdev_test` runs them.

Differences from `nbdev_test`, both deliberate:

* Cells flagged with a `tst_flags` flag (e.g. `#| slow`) run unless `--nb-skip-flags` names the flag,
  so `pytest` runs everything by default and `--nb-skip-flags=slow` gives the quick variant.
* Exported cells (`#| export`, `exporti`, `exports`) are not re-executed: the notebook gets the
  definitions of the exported module instead (`mmfutils.containers` ...). The tests therefore exercise
  the package users import, and coverage of `mmfutils/` is measured while the notebooks run.
  (`nbdev_export` keeps the two identical; CI checks that it leaves no diff.)
"""
import importlib
import os
import re
import warnings
from pathlib import Path

import pytest
from execnb.nbio import read_nb
from execnb.shell import CaptureShell
from fastcore.basics import str2bool
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.frontmatter import FrontmatterProc
from nbdev.process import NBProcessor, nb_lang
from nbdev.processors import FilterDefaults

ROOT = Path(__file__).resolve().parents[1]
CONFIG = get_config(path=ROOT)
EXPORT_DIRECTIVES = {"export", "exporti", "exports"}
#: Minimum line coverage (%) of exported modules, checked after the notebooks ran under `--cov`.
COVERAGE_MINIMUM = {"containers": 95, "interface": 95, "parallel": 90, "performance.fft": 90,
                    "performance.threads": 90, "performance.blas": 95, "performance.numexpr": 90}


def notebooks():
    "The notebooks nbdev would test: below `nbs_path`, skipping names starting with `_` or `.`."
    nbs = CONFIG.nbs_path
    return sorted(p for p in nbs.rglob("*.ipynb")
                  if not any(part.startswith(("_", ".")) for part in p.relative_to(nbs).parts))


def _skip_flags(config):
    return set(re.split(r"[\s,]+", config.getoption("--nb-skip-flags").strip())) - {""}


def _module_names(cell, default_module):
    "The exported module(s) a cell's export directive targets, or None if it is not exported."
    directives = getattr(cell, "directives_", None) or {}
    for name in EXPORT_DIRECTIVES & directives.keys():
        return directives[name][:1] or [default_module]
    return None


@pytest.mark.parametrize("nb_path", notebooks(), ids=lambda p: str(p.relative_to(CONFIG.nbs_path)))
def test_notebook(nb_path, request):
    os.environ["IN_TEST"] = "1"
    nb = NBProcessor(nb_path, procs=FrontmatterProc, process=True).nb
    if str2bool(getattr(nb, "frontmatter_", {}).get("skip_exec", False)) or nb_lang(nb) != "python":
        pytest.skip(f"{nb_path.name} is marked skip_exec")
    skip = _skip_flags(request.config)
    default_module = next((c.directives_["default_exp"][0] for c in nb.cells
                           if "default_exp" in (getattr(c, "directives_", None) or {})), None)
    shell = CaptureShell(nb_path)
    loaded = set()

    def preproc(cell):
        "True means: do not run this cell."
        if cell.cell_type != "code" or "nbdev_export" + "(" in cell.source:
            return True
        directives = getattr(cell, "directives_", None) or {}
        if directives.get("eval:", [""])[0].lower() == "false" or skip & directives.keys():
            return True
        modules = _module_names(cell, default_module)
        for module in set(modules or ()) - loaded:
            loaded.add(module)
            namespace = vars(importlib.import_module(f"{CONFIG.lib_name}.{module}"))
            shell.user_ns.update({k: v for k, v in namespace.items() if not k.startswith("__")})
        return modules is not None

    try:
        with working_directory(nb_path.parent):
            shell.run_all(nb, exc_stop=True, preproc=preproc)
    except Exception:
        pytest.fail(shell.prettytb(fname=nb_path.relative_to(ROOT)), pytrace=False)


@pytest.mark.parametrize("nb_path", notebooks(), ids=lambda p: str(p.relative_to(CONFIG.nbs_path)))
def test_nbdev_docs_processing(nb_path):
    "nbdev_docs (with Quarto) processes the notebook: its import, export and show_doc cells run on their own."
    nb = read_nb(nb_path)
    with working_directory(nb_path.parent), warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # nbdev warns about cells mixing imports with other code
        try:
            FilterDefaults()(nb)
        except Exception as e:
            pytest.fail(f"nbdev's docs processing of {nb_path.name} failed: {e}\n{getattr(e, '__cause__', '')}",
                        pytrace=False)


def test_coverage_minimum():
    "Exported modules named in COVERAGE_MINIMUM are covered at least that much by the notebooks."
    coverage = pytest.importorskip("coverage")
    cov = coverage.Coverage.current()
    if cov is None:
        pytest.skip("coverage is not measuring this run (`make test` runs with --cov)")
    cov.get_data()  # flush what was measured so far
    low = {}
    for module, minimum in COVERAGE_MINIMUM.items():
        path = CONFIG.lib_path / (module.replace(".", "/") + ".py")
        _, statements, _, missing, _ = cov.analysis2(str(path))
        percent = 100.0 * (len(statements) - len(missing)) / max(len(statements), 1)
        if percent < minimum:
            low[module] = f"{percent:.1f}% < {minimum}% (missing lines {missing})"
    assert not low, f"coverage below the minimum: {low}"
