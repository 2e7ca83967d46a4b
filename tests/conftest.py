"""pytest options for running the notebooks in `nbs/` as tests."""


def pytest_addoption(parser):
    parser.addoption(
        "--nb-skip-flags", default="", metavar="FLAGS",
        help="nbdev test flags (settings.ini `tst_flags`, e.g. 'slow') whose cells are skipped; "
             "space or comma separated. By default every cell runs.")
