"""pytest options, fixtures and the Hypothesis profiles for running the notebooks in `nbs/` as tests."""
import os
import re
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase


def load_hypothesis_profile():
    """Hypothesis keeps its examples under build/, not in nbs/.hypothesis (the notebooks run in nbs/).
    `ci` (chosen when CI=true) is deterministic: the same examples on every run, nothing saved."""
    database = DirectoryBasedExampleDatabase(Path(__file__).resolve().parents[1] / "build" / "hypothesis")
    settings.register_profile("dev", database=database)
    settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if in_ci else "dev"))


load_hypothesis_profile()


def _flags(text:str) -> frozenset:
    "The flags named in `text`, space or comma separated."
    return frozenset(re.split(r"[\s,]+", text.strip())) - {""}


def pytest_addoption(parser):
    parser.addoption(
        "--nb-flags", default="", metavar="FLAGS",
        help="test flags (settings.ini `tst_flags`, e.g. 'slow') whose cells run, as `nbdev_test --flags`; "
             "space or comma separated. By default cells carrying one are skipped.")
    parser.addoption(
        "--nb-skip-flags", default="", metavar="FLAGS",
        help="flags whose cells are skipped even if --nb-flags names them (cells of every test flag not "
             "named by --nb-flags are skipped anyway).")
    parser.addoption("--nb-jobs", type=int, default=2, metavar="N",
                     help="notebooks run at once, each in a Python process of its own (default 2)")


@pytest.fixture(scope="session")
def skip_flags(request):
    "The test flags whose cells are skipped in this session, as a set."
    from test_notebooks import TEST_FLAGS
    option = request.config.getoption
    return (TEST_FLAGS - _flags(option("--nb-flags"))) | _flags(option("--nb-skip-flags"))


def pytest_collection_modifyitems(items):
    "The site tests come last: they render the notebooks that the notebook tests ran."
    items.sort(key=lambda item: item.path.name == "test_docs.py")
