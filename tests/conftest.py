"""pytest options, fixtures and the Hypothesis profiles for running the notebooks in `nbs/` as tests."""
import os
import re
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

# Hypothesis keeps its examples under build/, not in nbs/.hypothesis (the notebooks run in nbs/).
# `ci` (chosen when CI=true) is deterministic: the same examples on every run, nothing saved.
HYPOTHESIS_DB = DirectoryBasedExampleDatabase(Path(__file__).resolve().parents[1] / "build" / "hypothesis")
settings.register_profile("dev", database=HYPOTHESIS_DB)
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))


def pytest_addoption(parser):
    parser.addoption(
        "--nb-skip-flags", default="", metavar="FLAGS",
        help="nbdev test flags (settings.ini `tst_flags`, e.g. 'slow') whose cells are skipped; "
             "space or comma separated. By default every cell runs.")


@pytest.fixture(scope="session")
def skip_flags(request):
    "The flags of --nb-skip-flags, as a set."
    return frozenset(re.split(r"[\s,]+", request.config.getoption("--nb-skip-flags").strip())) - {""}


def pytest_collection_modifyitems(items):
    "The site tests come last: they render the notebooks that the notebook tests ran."
    items.sort(key=lambda item: item.path.name == "test_docs.py")
