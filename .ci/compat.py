"""Run mmfutils 0.7.8's own tests against this package: does code written for 0.7 still run?

    .venv/bin/python .ci/compat.py        (or: make compat)

Downloads upstream's sdist into build/compat/ (once; nothing is vendored into the repository), copies the
selected test files and upstream's tests/conftest.py (it provides the `threads` fixture) into a scratch
directory, and runs each file with pytest as upstream configures it (`--doctest-modules`, ELLIPSIS and
NORMALIZE_WHITESPACE, `-m "not bench"`), importing `mmfutils` from the installed package, never from the
sdist. The docstring examples of upstream's src/mmfutils/containers.py run too, with our
`mmfutils.containers` namespace as their globals. Prints pass/fail counts per file.

Failures listed in DELIBERATE test behaviour this package changed on purpose; each says why. The exit
status is 1 if anything else fails.
"""
import ast
import doctest
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

VERSION = "0.7.8"
ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "compat"
TEST_FILES = ["test_mmfutils.py", "test_containers.py", "test_interface.py", "test_performance_fft.py",
              "test_performance_blas.py", "test_performance_threads.py", "test_bases.py",
              "test_integrate.py", "test_differentiate.py", "test_wigner.py", "test_testing.py",
              "test_bessel.py", "test_special.py", "test_broyden.py", "test_optimize.py",
              "test_debugging.py", "test_runmd.py", "test_plot.py", "test_animation.py"]
DOCTEST_MODULES = ["containers"]  # upstream modules whose docstring examples run against ours
DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

NO_PYFFTW = ("expects 0.7's import-time warning 'Could not import pyfftw... falling back to numpy': pyfftw is now "
             "imported at first use, and the fallback (scipy.fft, else numpy.fft) is announced once, naming what is used")
HOOKS = ("checks that setter functions are in the thread-hook registry, now a dict of hooks by name; "
         "set_num_threads still reaches numexpr and the FFTs (tested in 03_threads)")
#: Upstream tests of behaviour changed on purpose (test id -> why). They are run and reported, not hidden.
DELIBERATE = {
    "test_performance_fft.py::Test_FFT_pyfftw::test_performance1":
        "a timed test that a 16-point fftn beats numpy.fft: numpy's full argument contract costs ours a few "
        "microseconds a call on tiny arrays (make bench measures the sizes that matter: 128^3 is several times faster)",
    "test_performance_fft.py::Test_FFT_no_pyfftw::test_get_fft[1]": NO_PYFFTW,
    "test_performance_fft.py::Test_FFT_no_pyfftw::test_get_fft[2]": NO_PYFFTW,
    "test_performance_fft.py::Test_FFT_no_pyfftw::test_get_fftn[1]": NO_PYFFTW,
    "test_performance_fft.py::Test_FFT_no_pyfftw::test_get_fftn[2]": NO_PYFFTW,
    "test_performance_fft.py::Test_FFT_no_pyfftw::test_fft[1]": NO_PYFFTW,
    "test_performance_fft.py::Test_FFT_no_pyfftw::test_fft[2]": NO_PYFFTW,
    "test_performance_fft.py::Test_FFT_no_pyfftw::test_fftn[1]": NO_PYFFTW,
    "test_performance_fft.py::Test_FFT_no_pyfftw::test_fftn[2]": NO_PYFFTW,
    "test_performance_blas.py::Test_BLAS::test_zdotc": "probes the private _zdotc and _*_no_blas helpers of 0.7; the public zdotc is tested against numpy in 05_blas",
    "test_performance_blas.py::Test_BLAS::test_ddot": "probes the private _ddot and _*_no_blas helpers of 0.7; the public ddot is tested against numpy in 05_blas",
    "test_performance_blas.py::Test_BLAS::test_zaxpy": "probes the private _zaxpy and _*_no_blas helpers of 0.7; the public zaxpy is tested against numpy in 05_blas",
    "test_performance_blas.py::Test_BLAS::test_daxpy": "probes the private _daxpy and _*_no_blas helpers of 0.7; the public daxpy is tested against numpy in 05_blas",
    "test_performance_blas.py::Test_BLAS::test_znorm": "probes the private _znorm and _*_no_blas helpers of 0.7; the public znorm is tested against numpy in 05_blas",
    "test_performance_blas.py::Test_BLAS::test_dnorm": "probes the private _dnorm and _*_no_blas helpers of 0.7; the public dnorm is tested against numpy in 05_blas",
    "test_performance_threads.py::TestThreads::test_hooks_numexpr": HOOKS,
    "test_performance_threads.py::TestThreads::test_hooks_fft": HOOKS,
    "test_performance_threads.py::TestThreads::test_set_threads_fft":
        "reads the private fft._THREADS; the public fft.get_num_threads() follows set_num_threads (03_threads)",
    "test_bases.py::TestCoverage::test_raise_twist_err":
        "expects 0.7's own messages for the arguments 0.7.2 removed (twist, boost_px) and for unknown ones; the bases "
        "take no **kwargs, so Python's TypeError names the unexpected argument (07_bases)",
}
DELIBERATE["test_integrate.py::TestSSum::test_broken_import"] = (
    "swaps out the private _ssum_cython extension of 0.7; ssum is now pure Python (math.fsum, correctly rounded) "
    "with no compiled part to lose, and ssum_cython is an alias of it (tested against exact rational sums in 08_integrate)")


def sdist() -> Path:
    "Upstream's unpacked source tree under build/compat/, downloaded with pip on first use."
    tree = BUILD / f"mmfutils-{VERSION}"
    if not tree.is_dir():
        BUILD.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        f"mmfutils=={VERSION}", "-d", str(BUILD)], check=True)
        with tarfile.open(BUILD / f"mmfutils-{VERSION}.tar.gz") as tar:
            try:
                tar.extractall(BUILD, filter="data")
            except TypeError:  # a Python without extraction filters
                tar.extractall(BUILD)
    return tree


def scratch(tree: Path) -> Path:
    "A directory holding only the selected test files, upstream's conftest.py and a pytest.ini of our own."
    run = BUILD / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    for name in TEST_FILES + ["conftest.py"]:
        shutil.copy(tree / "tests" / name, run / name)
    (run / "pytest.ini").write_text("[pytest]\nmarkers =\n    bench\n    slow\n"
                                    "doctest_optionflags = ELLIPSIS NORMALIZE_WHITESPACE\n")
    return run


def run_pytest(run: Path, name: str) -> dict:
    "Run one upstream test file; {test id: 'passed' | 'failed' | 'skipped'}."
    xml = run / f"{name}.xml"
    subprocess.run([sys.executable, "-m", "pytest", name, "-q", "--no-header", "-p", "no:cacheprovider",
                    "--rootdir", str(run), "-c", str(run / "pytest.ini"), "--doctest-modules",
                    "-m", "not bench", f"--junitxml={xml}"], cwd=run, stdout=subprocess.DEVNULL)
    if not xml.exists():  # pytest could not even start (e.g. conftest.py failed to import)
        return {f"{name}::<pytest did not run>": "failed"}
    results = {}
    for case in ET.parse(xml).iter("testcase"):
        cls = case.get("classname", "").split(".")
        test = "::".join([name] + cls[1:] + [case.get("name")])
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped" and outcome == "passed":
                outcome = "skipped"
        results[test] = outcome
    return results


def docstrings(path: Path):
    "(qualified name, line, docstring) of the module, its classes and their functions."
    tree = ast.parse(path.read_text())
    def walk(node, prefix):
        doc = ast.get_docstring(node, clean=False)
        if doc:
            yield prefix, (node.body[0].lineno if hasattr(node, "body") else 0), doc
        for child in getattr(node, "body", []):
            if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from walk(child, f"{prefix}.{child.name}")
    yield from walk(tree, path.stem)


def run_doctests(tree: Path, module: str) -> dict:
    "Upstream's docstring examples of `module`, run with our module's namespace: {name: outcome}."
    import importlib
    ours = importlib.import_module(f"mmfutils.{module}")
    path = tree / "src" / "mmfutils" / f"{module}.py"
    parser, results = doctest.DocTestParser(), {}
    for name, line, doc in docstrings(path):
        test = parser.get_doctest(doc, dict(vars(ours)), name, str(path), line)
        if not test.examples:
            continue
        runner = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS, verbose=False)
        runner.run(test, out=lambda s: None)
        results[f"doctests:{module}.py::{name}"] = "failed" if runner.failures else "passed"
    return results


def main(argv):
    tree = sdist()
    run = scratch(tree)
    import mmfutils
    print(f"upstream mmfutils {VERSION} tests against mmfutils {mmfutils.__version__} "
          f"from {Path(mmfutils.__file__).parent}\n")
    print(f"{'file':36s} {'passed':>7s} {'failed':>7s} {'skipped':>8s} {'deliberate':>11s}")
    unexpected = []
    groups = [(name, lambda n=name: run_pytest(run, n)) for name in TEST_FILES]
    groups += [(f"doctests:{m}.py", lambda m=m: run_doctests(tree, m)) for m in DOCTEST_MODULES]
    for label, runner in groups:
        results = runner()
        count = {k: sum(v == k for v in results.values()) for k in ("passed", "failed", "skipped")}
        failed = [t for t, v in results.items() if v == "failed"]
        deliberate = [t for t in failed if t in DELIBERATE]
        print(f"{label:36s} {count['passed']:7d} {count['failed'] - len(deliberate):7d} {count['skipped']:8d} "
              f"{len(deliberate):11d}")
        unexpected += [t for t in failed if t not in DELIBERATE]
    if unexpected:
        print("\nunexpected failures:\n  " + "\n  ".join(unexpected))
    print("\ndeliberate changes (run, expected to fail):" + ("" if DELIBERATE else " none"))
    for test, why in DELIBERATE.items():
        print(f"  {test}: {why}")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
