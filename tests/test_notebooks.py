"""Every notebook in `nbs/` is one test; its executed, processed copy in `_proc/` is what `make docs` renders.

Flags mean what they mean to `nbdev_test`: a cell flagged with one of settings.ini's `tst_flags` (`#| slow`)
is skipped unless that flag is asked for (`--nb-flags=slow`, as `nbdev_test --flags slow`). Beyond nbdev_test:

* the notebooks run in parallel, each in a fresh Python process of its own (`--nb-jobs`, default 2); under
  `--cov` each process measures itself, and `test_coverage_minimum` and pytest-cov's report add them up;
* exported cells are not re-executed: the notebook gets the names of the exported module instead, so the
  tests exercise the package users import, and `--cov=mmfutils` measures it;
* the executed notebook then goes through nbdev's doc processors (`FilterDefaults`, as `nbdev_docs` does),
  which run its import, export and `show_doc` cells again on their own, in a fresh shell, to make the API
  entries. A notebook that would break `nbdev_docs` for users who have Quarto (e.g. a cell mixing imports
  with other code, which nbdev warns about) fails here;
* `test_lint` reads every notebook for a directive repeated in one cell and for version history in prose or
  comments (`make lint` runs it too: `python tests/test_notebooks.py --lint`).

Only nbdev's public API is used (`get_config`, `nbglob`, `FilterDefaults`); directives are parsed here.
"""
import argparse
import importlib
import json
import os
import re
import subprocess
import sys
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.processors import FilterDefaults

ROOT = Path(__file__).resolve().parents[1]
CONFIG = get_config(path=ROOT)
PROC = ROOT / "_proc"
EXPORTS = {"export", "exporti", "exports"}
#: The flags of settings.ini's `tst_flags`: cells carrying one are skipped unless it is asked for.
TEST_FLAGS = frozenset(CONFIG.get("tst_flags", "").split())
#: Minimum line coverage (%) of exported modules, checked after the notebooks ran under `--cov`.
COVERAGE_MINIMUM = {
    "containers": 95, "interface": 95, "utils": 90, "contexts": 90, "debugging": 85, "runmd": 80, "testing": 90,
    "optimize": 95, "solve.broyden": 95,
    "parallel.__init__": 90, "parallel.guard": 90, "parallel.processes": 90, "parallel.slurm": 85,
    "performance.__init__": 95, "performance.threads": 90, "performance.blas": 95, "performance.numexpr": 90,
    "performance.fft.__init__": 90, "performance.fft.checks": 90, "performance.fft.plans": 90,
    "performance.fft.wisdom": 90,
    "math.bases.periodic": 95, "math.bases.cartesian": 90, "math.bases.cylindrical": 95,
    "math.bases.spherical": 95, "math.bases.interfaces": 95, "math.bases.utils": 90,
    "math.integrate": 90, "math.differentiate": 95, "math.linalg": 95, "math.wigner": 95, "math.bessel": 95,
    "math.special": 95,
    "plot.colors": 95, "plot.contour": 95, "plot.errors": 95, "plot.cmaps": 95, "plot.publish": 90,
    "plot.rasterize": 85, "plot.animation": 75}
#: The notebooks run in this session (into `_proc/`, unless they failed); tests/test_docs.py renders them.
RAN = set()
#: Seconds a notebook may run before its process is killed and its test fails.
TIMEOUT = 3600


def notebooks():
    "The notebooks nbdev documents and tests, in order."
    return sorted(nbglob(CONFIG.nbs_path, as_path=True))


_DIRECTIVE = re.compile(r"\s*#\s*\|\s*([\w-]+)\s*:?(.*)$")


def directives(source:str) -> list:
    "The `#| name args` lines opening a code cell, as `[(name, [args])]` in order, repeats kept."
    found = []
    for line in source.splitlines():
        if not line.strip() or line.lstrip().startswith("%%"):
            continue
        if not (match := _DIRECTIVE.match(line)):
            break
        found.append((match[1], match[2].split()))
    return found


def test_directives():
    test_source = "%%time\n#| export  performance.fft\n#|hide\n#| eval: false\n\nx = 1  #| not a directive\n#| hide"
    assert directives(test_source) == [("export", ["performance.fft"]), ("hide", []), ("eval", ["false"])]
    assert directives("x = 1") == directives("") == []


def execute(nb, path, skip_flags=TEST_FLAGS):
    "Run the notebook `nb` read from `path` top to bottom, but cells flagged with `skip_flags`; fail on the first error."
    shell, loaded = CaptureShell(path), set()
    default_module = next((args[0] for c in nb.cells if c.cell_type == "code"
                           for name, args in directives(c.source) if name == "default_exp"), None)

    def skip(cell):
        "True for the cells not run; an exported cell's module is imported into the notebook instead."
        if shell.exc or cell.cell_type != "code" or "nbdev_export" + "(" in cell.source:
            return True
        found = dict(directives(cell.source))
        if found.get("eval", [""])[:1] == ["false"] or skip_flags & found.keys():
            return True
        exported = {(found[d][:1] or [default_module])[0] for d in EXPORTS & found.keys()}
        for module in exported - loaded:
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
    "Execute the notebook at `path` in this process, then process it into `_proc/` (emptied first: no stale page)."
    os.environ["IN_TEST"] = "1"  # nbdev's convention: no exporting while notebooks run as tests
    RAN.add(path)
    dest = PROC / path.relative_to(CONFIG.nbs_path)
    dest.unlink(missing_ok=True)
    nb = read_nb(path)
    execute(nb, path, frozenset(skip_flags))
    process(nb, path, dest)


def _coverage_args() -> list:
    "Arguments making a notebook's process measure coverage as this one does (none when it does not)."
    try:
        import coverage
    except ImportError:
        return []
    if (cov := coverage.Coverage.current()) is None:
        return []
    return ["--cov-data", os.path.abspath(cov.config.data_file), *(["--cov-branch"] if cov.config.branch else []),
            *(f"--cov-source={s}" for s in cov.config.source or [])]


def run_in_process(path, skip_flags, coverage_args) -> str|None:
    "Run the notebook at `path` in a fresh Python process (`run`); its failure message, or None."
    command = [sys.executable, __file__, "--run", str(path), f"--skip-flags={','.join(sorted(skip_flags))}",
               *coverage_args]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"{path.name}: still running after {TIMEOUT} s; its process was killed"
    if done.returncode == 0:
        return None
    return done.stderr.strip() or f"{path.name}: its process ended with code {done.returncode}\n{done.stdout}"


@pytest.fixture(scope="session")
def notebook_runs(request, skip_flags):
    "The selected notebooks, started at once on `--nb-jobs` processes, largest first: path -> future message."
    selected = {item.callspec.params["path"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_notebook"}
    jobs = request.config.getoption("--nb-jobs")
    pool = ThreadPoolExecutor(max(jobs, 1), thread_name_prefix="notebook")
    request.addfinalizer(lambda: pool.shutdown(cancel_futures=True))
    args = _coverage_args()
    return {path: pool.submit(run_in_process, path, skip_flags, args)
            for path in sorted(selected, key=lambda p: -p.stat().st_size)}


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: str(p.relative_to(CONFIG.nbs_path)))
def test_notebook(path, notebook_runs):
    RAN.add(path)
    if (message := notebook_runs[path].result()) is not None:
        pytest.fail(message, pytrace=False)


def _measured(cov):
    "`cov`'s data together with that of the notebooks' processes so far, in a Coverage object of its own."
    import coverage
    cov.get_data()  # flush what this process measured so far
    data_file = Path(cov.config.data_file).resolve()
    combined = coverage.Coverage(data_file=None, config_file=False)  # in memory
    combined.get_data().update(cov.get_data())
    files = [str(p) for p in data_file.parent.glob(data_file.name + ".*") if not p.name.endswith(".combine")]
    if files:
        combined.combine(files, keep=True)  # pytest-cov combines and removes them at the end
    return combined


def test_coverage_minimum():
    "Exported modules named in COVERAGE_MINIMUM are covered at least that much by the notebooks."
    coverage = pytest.importorskip("coverage")
    cov = coverage.Coverage.current()
    if cov is None:
        pytest.skip("coverage is not measuring this run (`make test` runs with --cov)")
    measured, low = _measured(cov), {}
    for module, minimum in COVERAGE_MINIMUM.items():
        path = str(CONFIG.lib_path / (module.replace(".", "/") + ".py"))
        _, statements, _, missing, _ = measured.analysis2(path)
        percent = 100.0 * (len(statements) - len(missing)) / max(len(statements), 1)
        if percent < minimum:
            low[module] = f"{percent:.1f}% < {minimum}% (missing lines {missing})"
    assert not low, f"coverage below the minimum: {low}"


def _version() -> tuple:
    "The (major, minor) of this package's version, from settings.ini."
    return tuple(int(x) for x in CONFIG.version.split(".")[:2])


#: A version number: the word before it, and its major and minor numbers.
_RELEASE = re.compile(r"([\w.-]*)[\s(]*\b(\d+)\.(\d+)(\.\d+)?\b")
_HISTORY = re.compile(r"[#(;]\s*was\b|\bused to\b|\bpreviously\b|\bformerly\b|\bbefore (?:this|the) fix\b",
                      re.I)


def _history(line:str) -> bool:
    "Whether `line` tells this package's history: a version of it from this one on, or a history phrase."
    for word, major, minor, patch in _RELEASE.findall(line):
        if (int(major), int(minor)) >= _version() and (word.lower() == "mmfutils" or patch and not word):
            return True
    return bool(_HISTORY.search(line))


def _prose(cell) -> list:
    "The lines of `cell` that are words: all of a markdown cell, the comments of a code cell."
    lines = cell.source.splitlines()
    if cell.cell_type == "markdown":
        return lines
    return [line[line.index("#"):] for line in lines if "#" in line and not line.lstrip().startswith("#|")]


#: The notebook whose subject is version history.
CHANGELOG = "changelog.ipynb"


def lint(path) -> list:
    "The problems of the notebook at `path`: a directive repeated in a cell, version history in prose or comments."
    problems, history = [], Path(path).name != CHANGELOG
    for i, cell in enumerate(read_nb(path).cells):
        where = f"{Path(path).name} cell {i}"
        if cell.cell_type == "code":
            counts = Counter(name for name, _ in directives(cell.source))
            problems += [f"{where}: `#| {name}` {n} times" for name, n in counts.items() if n > 1]
        for line in _prose(cell):
            if history and _history(line):
                problems.append(f"{where}: version history (belongs in the changelog): {line.strip()[:120]}")
    return problems


def test_lint_rules():
    nb = {"cells": [{"cell_type": "code", "source": "#| hide\n#| hide\nx = 1  # 0.8.0 gave 5", "metadata": {}},
                    {"cell_type": "markdown", "source": "As in mmfutils 0.7, and 1.5 s (was 2 s).", "metadata": {}},
                    {"cell_type": "code", "source": "#| export\nv = '0.8.0'  # as mmfutils 0.7.8", "metadata": {}}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = ROOT / "build" / "lint-rules.ipynb"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(nb))
    found = lint(path)
    assert [p.split(":")[0] for p in found] == ["lint-rules.ipynb cell 0"] * 2 + ["lint-rules.ipynb cell 1"], found
    assert "`#| hide` 2 times" in found[0] and "0.8.0 gave 5" in found[1] and "(was 2 s)" in found[2]


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: str(p.relative_to(CONFIG.nbs_path)))
def test_lint(path):
    assert not (problems := lint(path)), "\n".join(problems)


def main(argv=None):
    "`--run NOTEBOOK`: one notebook, in this process (what `run_in_process` starts); `--lint`: every notebook's lint."
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--run", type=Path)
    parser.add_argument("--lint", action="store_true")
    parser.add_argument("--skip-flags", default=",".join(sorted(TEST_FLAGS)))
    parser.add_argument("--cov-data")
    parser.add_argument("--cov-source", action="append", default=[])
    parser.add_argument("--cov-branch", action="store_true")
    args = parser.parse_args(argv)
    if args.lint:
        problems = [p for path in notebooks() for p in lint(path)]
        print("\n".join(problems) or "notebooks: no repeated directive, no version history")
        return 1 if problems else 0
    sys.path.insert(0, str(Path(__file__).parent))
    import conftest  # the Hypothesis profiles, as in the pytest process
    conftest.load_hypothesis_profile()
    cov = None
    if args.cov_data:
        import coverage
        cov = coverage.Coverage(data_file=args.cov_data, data_suffix=True, source=args.cov_source or None,
                                branch=args.cov_branch)
        cov.start()
    started = time.monotonic()
    try:
        run(args.run.resolve(), {f for f in args.skip_flags.split(",") if f})
    except pytest.fail.Exception as e:
        print(e.msg, file=sys.stderr)
        return 1
    finally:
        if cov is not None:
            cov.stop()
            cov.save()
    print(f"{args.run.name}: {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
