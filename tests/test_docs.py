"""The documentation site, rendered as `make docs` renders it and read as files and in headless Chromium.

The site is rendered from the notebooks the notebook tests just ran (conftest.py orders these tests last;
a notebook this session did not run is run first). The browser is Debian's `chromium` driven by playwright,
never a downloaded one; without it the browser tests skip, unless CI=true, where they fail.
`--nb-skip-flags=slow` (`make test-quick`) skips this module: its pages would lack the slow cells' outputs.
`MMFUTILS_DOCS_REUSE=1 pytest tests/test_docs.py` renders the notebooks already in `_proc/` (from the last
`make docs` or notebook run) instead of running them again: for work on the site itself.
"""
import functools
import html
import importlib.util
import itertools
import json
import os
import re
import shutil
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_notebooks import PROC, RAN, notebooks, run

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_spec = importlib.util.spec_from_file_location("docs", ROOT / ".ci" / "docs.py")
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)
_spec = importlib.util.spec_from_file_location("pagestats", ROOT / ".ci" / "pagestats.py")
pagestats = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pagestats)
SITE = docs.SITE
apidoc = docs.apidoc
#: What a page must not show a reader: the build machine's paths, memory addresses, docutils' system messages.
LEAKS = re.compile(r"(?<![\w./-])(?:/tmp/|/work/|/home/|/root\b)|site-packages|\b0x[0-9a-fA-F]{6,}\b|\((?:ERROR|WARNING|SEVERE)/\d\)"
                   r"|System Message")
#: A screen of the browser tests, in px: no output may be taller.
SCREEN = pagestats.SCREEN
#: What a signature's code (its docment comments aside) must not show: addresses, reprs of functions, classes,
#: modules and plain objects, numpy scalars' reprs (`np.float64(1e-12)`).
UGLY_DEFAULT = re.compile(r"0x[0-9a-fA-F]{4,}|<(?:function|built-in|bound method|method|class|module)\b|\bobject at\b"
                          r"|\bnp\.\w+\(|\bnumpy\.\w+\(|\bnp\.(?:True|False)_")


@pytest.fixture(scope="session")
def site(skip_flags):
    "Render the site from this session's notebook runs; return the problems the build found."
    if "slow" in skip_flags:
        pytest.skip("the pages would lack the outputs of the slow cells: skipped with --nb-skip-flags=slow")
    reuse = os.environ.get("MMFUTILS_DOCS_REUSE", "").lower() in ("1", "true", "yes")
    for path in set(notebooks()) - RAN:
        if not (reuse and (PROC / path.relative_to(ROOT / "nbs")).is_file()):
            run(path)
    try:
        return docs.build()
    except SystemExit as e:  # the build's own complaint: a notebook that failed, no npm
        pytest.fail(str(e), pytrace=False)


@functools.cache
def sidebar():
    "The sidebar's pages in order, as hrefs from the site's root."
    text = (SITE / "index.html").read_text(encoding="utf-8")
    nav = text[text.index('id="quarto-sidebar"'):]
    return re.findall(r'<a href="(?:\./)?([^"#:]+\.html)"', nav[:nav.index("</nav>")])


def show_docs():
    "Each `show_doc` entry of the site, as (notebook, cell index, source file, source line, heading, signature)."
    for path in sorted(PROC.rglob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            for out in cell.get("outputs", []):
                md = "".join(out.get("data", {}).get("text/markdown", ""))
                m = re.search(r"\[source\]\(([^)#]*)#L(\d+)\).*?^#+ (\S+)\n\n```python\n(.*?)\n```", md, re.M | re.S)
                if m:
                    yield path.name, i, m[1], int(m[2]), m[3].replace("\\_", "_"), m[4]


# ---------------------------------------------------------------- the files

def test_links_resolve_nothing_foreign_only_our_scripts(site):
    "Internal links and anchors resolve, nothing loads from another host, every <script> is the build's."
    assert site == []


def test_the_check_catches_foreign_scripts_and_javascript_urls(tmp_path, monkeypatch):
    (tmp_path / "site_libs").mkdir()
    (tmp_path / "site_libs" / "evil.js").write_text("")
    (tmp_path / "p.html").write_text('<script>alert(1)</script><script src="site_libs/evil.js"></script>'
                                     '<a href=" JavaScript:alert(1)">x</a><img src="p.html" onerror="alert(1)">')
    monkeypatch.setattr(docs, "SITE", tmp_path)
    found = "\n".join(docs.problems())
    for what in ("(inline)", "site_libs/evil.js", "<a href=...>", "<img onerror=...>"):
        assert what in found


def test_every_notebook_has_a_page_in_the_sidebar(site):
    assert sidebar()[0] == "index.html"
    for path in notebooks():
        nb = json.loads((PROC / path.relative_to(ROOT / "nbs")).read_text(encoding="utf-8"))
        page = re.search(r"^output-file:\s*(\S+)", "".join(nb["cells"][0]["source"]), re.M)[1]
        assert page in sidebar(), f"{path.name} ({page}) is missing from nbs/sidebar.yml"


def test_no_anchor_is_defined_twice(site):
    "Each id once per page: a link to a repeated id lands on the first."
    for path in SITE.rglob("*.html"):
        ids = docs.Page(path).ids
        assert not {i for i in ids if ids.count(i) > 1}, path.name


def test_api_entries_read_well(site):
    "Each name is documented once per page; signatures have docments, no `NoneType`, no markdown link (shown raw)."
    entries = list(show_docs())
    assert any("# " in signature for *_, signature in entries), "no parameter has a docment"
    for nb, *_, name, signature in entries:
        assert "NoneType" not in signature and "](" not in signature, f"{nb}: {name}: {signature}"
    names = [(nb, name) for nb, *_, name, _ in entries]
    assert sorted({e for e in names if names.count(e) > 1}) == [], "documented twice"


def ugly_defaults(signature):
    "The lines of `signature` whose code (not their docment) shows an address, an object's repr or a numpy scalar's."
    return [line.strip() for line in signature.splitlines() if UGLY_DEFAULT.search(line.partition(" # ")[0])]


def test_signatures_show_defaults_readably(site):
    "No signature on the site shows `<function f at 0x...>`, `np.float64(1e-12)` or any object repr as a default."
    found = [f"{nb}: {name}: {line}" for nb, *_, name, signature in show_docs() for line in ugly_defaults(signature)]
    assert found == [], "signatures with unreadable defaults:\n  " + "\n  ".join(found)


def test_api_entries_in_a_row_follow_the_source(site):
    "Entries in consecutive cells come in the order of the source (nbdev lists the names of one cell backwards)."
    entries = list(show_docs())
    backwards = [(a[0], a[4], b[4]) for a, b in itertools.pairwise(entries)
                 if a[:1] == b[:1] and b[1] == a[1] + 1 and a[2] == b[2] and b[3] < a[3]]
    assert backwards == [], "(notebook, entry, entry after it but earlier in the source)"


def api_entries():
    "Each `show_doc` output of the site as (notebook, heading, its `show_doc` target or None, markdown)."
    for path in sorted(PROC.rglob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                md = "".join(out.get("data", {}).get("text/markdown", ""))
                head = re.search(r"^#+ (\S+)\n", md, re.M)
                if md.startswith("---") and head:
                    yield path.name, head[1].replace("\\_", "_"), apidoc.target("".join(cell["source"]), path.name), md


def untrue(entries):
    "What is wrong with API entries given as (notebook, heading, show_doc target, markdown), as lines."
    prefix = {"property": "@property\n", "class": "class ", "interface": "interface ", "function": ("def ", "async def ")}
    wrong, seen = [], set()
    for nb, name, found, md in entries:
        code = re.search(r"```python\n(.*?)\n```", md, re.S)
        if apidoc.is_private(name):
            wrong.append(f"{nb}: {name}: a private name")
        if (nb, name) in seen:
            wrong.append(f"{nb}: {name}: shown twice")
        seen.add((nb, name))
        made_up = [d for d in apidoc.DEFAULT_DOCS if f"*{d}*" in md]
        if made_up:
            wrong.append(f"{nb}: {name}: a docstring it did not write: {made_up[0]!r}")
        if found and code and not code[1].startswith(prefix[apidoc.kind(found[2])]):
            wrong.append(f"{nb}: {name}: a {apidoc.kind(found[2])} shown as {code[1].splitlines()[0]!r}")
    return wrong


def test_api_entries_are_true(site):
    """Properties as properties, classes with `class`, interfaces as interfaces, public names only, each once,
    and no docstring that Python or fastcore made up ("Call self as a function.", "Return repr(self).")."""
    wrong = untrue(api_entries())
    assert wrong == [], "API entries that are not true:\n  " + "\n  ".join(wrong)


FIXTURE = '''
import numpy as np
import zope.interface
__all__ = ["Grid", "Base", "IShape", "spread"]
_MISSING = object()

def _max_norm(x): return abs(x).max()

def spread(x:float, # a number
           norm=_max_norm, # how errors are measured
           tol=np.finfo(float).eps * 2, # a tolerance: np.float64
           n=np.int64(3), # a count: np.int64
           reduce=np.max, # what reduces
           marker=_MISSING, # a sentinel
           check=np.True_, # a numpy bool
           pick=lambda x: x, # a lambda
          ):
    "A function with defaults fastcore shows as reprs."

class _Stateful:
    def init(self): "Compute what derives from the state."

class Base(_Stateful):
    "The public face of _Stateful."

class Grid:
    "A grid."
    def __init__(self, n: int):  # points
        self.n = n
    @property
    def Lx(self) -> float: return 1.0

class IShape(zope.interface.Interface):
    "A shape."
'''


@pytest.fixture
def fixture_module(monkeypatch, tmp_path):
    "FIXTURE as the module of the notebook `fixture.ipynb`, for apidoc."
    import sys
    (tmp_path / "mmfutils_docs_fixture.py").write_text(FIXTURE)  # a file: docments read the source
    spec = importlib.util.spec_from_file_location("mmfutils_docs_fixture", tmp_path / "mmfutils_docs_fixture.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setattr(apidoc, "default_module", lambda nb: mod.__name__)
    apidoc.namespace.cache_clear()
    yield mod
    apidoc.namespace.cache_clear()


def test_defaults_are_shown_as_a_reader_writes_them(fixture_module):
    "nbdev's signature shows reprs of defaults; the entry the build makes shows names and numbers."
    from nbdev.showdoc import show_doc
    md = show_doc(fixture_module.spread)._repr_markdown_()
    signature = re.search(r"```python\n(.*?)\n```", md, re.S)[1]
    assert len(ugly_defaults(signature)) >= 4, signature  # the check sees what nbdev shows
    made = docs.show_doc_entry(apidoc.entry(md, "show_doc(spread)", "fixture.ipynb", set()))
    signature = re.search(r"```python\n(.*?)\n```", made, re.S)[1]
    assert ugly_defaults(signature) == [], signature
    for shown in ("norm=_max_norm,", "tol=4.440892098500626e-16,", "n=3,", "marker=object(),", "check=True,",
                  "# a tolerance: np.float64"):  # a docment is left as written
        assert shown in signature, (shown, signature)


def test_nbdevs_entries_are_caught_and_made_true(fixture_module):
    "The check flags what nbdev's show_doc renders for a property, a class, an interface and a private base; `entry` fixes each."
    from nbdev.showdoc import show_doc
    mod = fixture_module
    calls = ["show_doc(Grid.Lx)", "show_doc(Grid)", "show_doc(IShape)", "show_doc(_Stateful.init)", "show_doc(Base.init)"]
    raw = [(c, show_doc(eval(c[9:-1], vars(mod)))._repr_markdown_()) for c in calls]
    before = untrue(("fixture.ipynb", re.search(r"^#+ (\S+)", md, re.M)[1], apidoc.target(c, "fixture.ipynb"), md)
                    for c, md in raw)
    for what in ("Grid.Lx: a property shown as", "Grid: a class shown as 'def", "IShape: a interface shown as",
                 "_Stateful.init: a private name", "a docstring it did not write"):
        assert any(what in w for w in before), (what, before)
    seen, made = set(), []
    for c, md in raw:
        new = apidoc.entry(md, c, "fixture.ipynb", seen)
        if new:
            made.append(("fixture.ipynb", re.search(r"^#+ (\S+)", new, re.M)[1].replace("\\_", "_"), apidoc.target(c, "fixture.ipynb"), new))
    assert untrue(made) == []
    assert [m[1] for m in made] == ["Grid.Lx", "Grid", "IShape", "Base.init"]  # Base.init: the same function, once
    assert "class Grid(\n    n:int, # points" in made[1][3] and "interface IShape(Interface)" in made[2][3]


def test_a_link_around_a_documented_name_is_not_nested():
    "nbdev links a name in backticks also inside an author's link; the build unwraps nbdev's link, keeps the author's."
    from markdown_it import MarkdownIt
    from nbdev.doclinks import NbdevLookup
    md = NbdevLookup().linkify("See [`Container`](00_containers.ipynb), `Container`, [the `Container` class](a.ipynb), "
                               "`a[0]` and [0, 1).")
    assert "[[`Container`](" in md, md  # nested: the page would show `](`
    fixed = docs.unnest_links(md)
    html = MarkdownIt().render(fixed)
    assert "](" not in re.sub(r"<[^>]+>", "", html), html
    assert re.findall(r'<a href="([^"]+)"', html) == ["00_containers.ipynb", docs.DOCLINK.search(md)[0].split("](")[1][:-1],
                                                      "a.ipynb"], html
    assert "[0, 1)." in fixed and "`a[0]`" in fixed


def test_every_parameter_is_explained(site):
    "Each parameter of each public callable shown has a docment (or a numpy-style Parameters entry)."
    missing = [f"{path.name}: {e['name']}({', '.join(e['unexplained'])})"
               for path in sorted(PROC.rglob("*.ipynb")) for e in apidoc.entries(path) if e["unexplained"]]
    assert missing == [], f"{len(missing)} API entries leave parameters unexplained:\n  " + "\n  ".join(missing)


#: mmfutils' version in a list of the versions a run used ("python 3.11.7, mmfutils 0.8.0, numpy 2.4.6"): provenance, not history.
VERSION_LIST = re.compile(r"[\w.-]+ \d+(?:\.\d+)+, mmfutils 0\.\d+\.\d+|mmfutils 0\.\d+\.\d+, [\w.-]+ \d")


def test_version_history_is_in_the_changelog_only(site):
    """No page but the changelog tells what an earlier release of the rewrite did ('0.8.0 gave 5 points'); a run's
    versions may be named, and so may mmfutils 0.7 (the pages compare with it for its users)."""
    found = []
    for path in sorted(SITE.glob("*.html")):
        if path.name == "changelog.html":
            continue
        text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
        found += [f"{path.name}: ...{m[0].strip()}..." for m in re.finditer(r"[^\n]{0,50}\b0\.\d+\.\d+\b[^\n]{0,30}", text)
                  if re.search(r"\b0\.8\.\d+\b", m[0]) and not re.search(VERSION_LIST, m[0])]
    assert found == [], "version history outside the changelog:\n  " + "\n  ".join(found)


def test_a_versions_list_is_not_history():
    for provenance in ("load 1.2; python 3.11.7, mmfutils 0.8.0, ipyparallel 9.2.0", "mmfutils 0.8.0, numpy 2.4.6"):
        assert VERSION_LIST.search(provenance), provenance
    for history in ("0.8.0 gave 5 points", "mmfutils 0.8.1 changed the default", "since mmfutils 0.8.0, fft plans"):
        assert not VERSION_LIST.search(history), history


def test_the_leak_check_catches_paths_addresses_and_system_messages():
    for bad in ("/tmp/pytest-of-root/x", "at /work/wt/docs/nbs", "/root/.cache", "lib/site-packages/numpy",
                "<object at 0x7f3a2b1c0d10>", "(ERROR/3) Unknown directive", "System Message: WARNING"):
        assert LEAKS.search(bad), bad
    for good in ("/var/tmp/mmfutils-slurm", "a/tmp/b", "0x10", "square root"):
        assert not LEAKS.search(good), good


# ---------------------------------------------------------------- in the browser

@pytest.fixture(scope="module")
def server(site):
    "Serve the site on localhost."
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(SITE))  # its log goes to pytest
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    "Headless Chromium from Debian, driven by playwright, 1280 px wide, with a fresh profile."
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"no chromium at {CHROMIUM}; CI must run the browser tests")
        pytest.skip(f"no chromium at {CHROMIUM} (make tools, or apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="mmfutils-chromium-") as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        yield context
        context.close()


class Visit:
    "A page opened in the browser, with what went wrong while it loaded; requests to other hosts are refused."

    def __init__(self, context, url):
        self.page = context.new_page()
        self.errors = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"))
        self.page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/])"), self._foreign)
        self.page.goto(url, wait_until="networkidle")

    def _foreign(self, route):
        self.errors.append(f"foreign request: {route.request.url}")
        route.abort()

    def js(self, code):
        return self.page.evaluate(code)


def test_every_page_in_the_browser(browser, server):
    "Each page loads cleanly, with its favicon, only the build's scripts, links to its neighbours, and room for code."
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = sidebar()
    for i, href in enumerate(pages):
        visit = Visit(browser, server + href)
        assert visit.errors == [], href
        assert visit.js("document.querySelector('main').innerText.trim().length") > 0, f"{href} is empty"
        icon = visit.js("document.querySelector('link[rel=icon]')?.href")
        assert icon and visit.page.request.get(icon).headers["content-type"].startswith("image/"), f"{href}: favicon"
        scripts = visit.js("[...document.scripts].map(s => s.src ? new URL(s.src).pathname.slice(1) : '(inline)')")
        assert set(scripts) <= docs.SCRIPTS, href
        neighbours = visit.js("[...document.querySelectorAll('.page-navigation a')].map(a => a.getAttribute('href'))")
        assert [h.removeprefix("./") for h in neighbours] == pages[max(i - 1, 0):i] + pages[i + 1:i + 2], href
        assert visit.js("document.querySelector('main').getBoundingClientRect().width") >= 800, href
        scrolling = visit.js("""[...document.querySelectorAll('main pre')].filter(p => p.scrollWidth > p.clientWidth + 1
            && Math.max(...p.innerText.split('\\n').map(l => l.length)) <= 100).map(p => p.innerText.slice(0, 60))""")
        assert scrolling == [], f"{href}: blocks of lines up to 100 characters scroll sideways"
        visit.page.screenshot(path=str(SCREENSHOTS / href.replace("/", "_").replace(".html", ".png")))
        visit.page.close()


def test_maths_is_rendered_and_no_raw_markup_shows(browser, server):
    "Maths (contents lists too) is typeset; no `$...$`, TeX command or markdown link `](` shows as text."
    for path in sorted(SITE.rglob("*.html")):
        visit = Visit(browser, server + path.relative_to(SITE).as_posix())
        count = path.read_text(encoding="utf-8").count('class="math ')
        assert visit.js("document.querySelectorAll('span.math .katex').length") == count, path.name
        assert visit.js("document.querySelectorAll('.katex-error').length") == 0, path.name
        text = visit.js("""(() => { const c = document.body.cloneNode(true);
            c.querySelectorAll('pre, code, tt, kbd, samp, .katex, script, style').forEach(e => e.remove()); return c.innerText; })()""")
        raw = re.findall(r"\$[^$\s][^$]*\$|\\[A-Za-z]{2,}|\]\(", text)
        assert raw == [], f"{path.name} shows raw markup: {raw}"
        visit.page.close()


def test_interface_page_shows_the_described_interface(browser, server):
    "What `describe_interface` printed when the notebook ran is on the page."
    nb = json.loads((PROC / "01_interface.ipynb").read_text(encoding="utf-8"))
    shown = [re.findall(r"<code>([A-Za-z_]\w*)", "".join(o["data"]["text/html"])) for c in nb["cells"]
             for o in c.get("outputs", []) if "mmfutils-interface" in "".join(o.get("data", {}).get("text/html", ""))]
    assert shown, "01_interface.ipynb shows no describe_interface output"
    visit = Visit(browser, server + "interface.html")
    text = " ".join(visit.page.locator(".mmfutils-interface").all_inner_texts())
    assert [n for names in shown for n in names if n not in text] == []
    assert visit.errors == []


def test_search_finds_a_page_and_says_when_it_does_not(browser, server):
    "A query lists pages; a query without hits says so, readably (contrast at least 4.5:1)."
    visit = Visit(browser, server)
    box = visit.page.locator(".smalldocs-search input").first
    box.fill("install")
    visit.page.locator(".smalldocs-search-results a.search-result").first.wait_for(timeout=5000)
    box.fill("qqzzxxjj")
    none = visit.page.locator(".smalldocs-search-results .search-none")
    none.wait_for(timeout=5000)
    assert none.is_visible() and "No results" in none.inner_text()
    assert contrast(visit, ".smalldocs-search-results .search-none") >= 4.5
    assert contrast(visit, ".smalldocs-search-results") >= 4.5


def contrast(visit, selector):
    "WCAG contrast ratio of the text of `selector` on the first opaque background behind it."
    fg, bg = visit.js(f"""(() => {{ let e = document.querySelector({json.dumps(selector)}); const fg = getComputedStyle(e).color;
        while (e && getComputedStyle(e).backgroundColor.match(/rgba\\(.*, 0\\)|transparent/)) e = e.parentElement;
        return [fg, e ? getComputedStyle(e).backgroundColor : 'rgb(255, 255, 255)']; }})()""")

    def luminance(rgb):
        c = [int(x) / 255 for x in re.findall(r"\d+", rgb)[:3]]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_doclink_lands_on_its_entry(browser, server):
    "Clicking a name in backticks (an nbdev doclink) opens its `show_doc` entry."
    for href in sidebar():
        visit = Visit(browser, server + href)
        links = visit.page.locator("main a:has(> code)[href*='.html#']")
        if links.count():
            target = links.first.get_attribute("href")
            links.first.click()
            visit.page.wait_for_load_state("networkidle")
            assert visit.page.url.endswith(target.rpartition("/")[2]), (href, target)
            entry = visit.page.locator(f"[id='{target.partition('#')[2]}']")
            assert entry.count() == 1 and entry.is_visible(), (href, target)
            return
    pytest.fail("no page links a documented name")


def test_outputs_a_reader_can_trust(browser, server):
    """No page shows machine paths, addresses or system messages (in its outputs and prose: code may name them,
    e.g. to test they are absent), and no output is taller than a screen."""
    found = []
    for href in sidebar():
        visit = Visit(browser, server + href)
        text = visit.js("""(() => { const m = document.querySelector('main').cloneNode(true);
            m.querySelectorAll('pre.cell-code').forEach(e => e.remove()); document.body.appendChild(m);
            const t = m.innerText; m.remove(); return t; })()""")
        found += [f"{href}: shows {m[0]!r}: ...{text[max(m.start() - 40, 0):m.end() + 20]!r}..." for m in LEAKS.finditer(text)]
        tall = visit.js(f"""[...document.querySelectorAll(
            'main .cell-output, main .cell-output-stdout, main .cell-output-stderr, main .cell-output-display')]
            .map(o => [Math.max(o.getBoundingClientRect().height, ...[...o.querySelectorAll('pre')].map(p => p.scrollHeight)),
                       o.innerText.slice(0, 60)]).filter(([h, t]) => h > {SCREEN})""")  # styles.css caps a pre's box
        found += [f"{href}: an output {round(h)} px tall: {t!r}" for h, t in tall]
        visit.page.close()
    assert found == [], "what pages show that a reader cannot trust:\n  " + "\n  ".join(found)


def test_code_blocks_fit_at_desktop_width(browser, server):
    "At 1280 px at most 5 % of the site's code blocks (inputs and outputs) scroll sideways."
    blocks, scrolling = 0, []
    for href in sidebar():
        visit = Visit(browser, server + href)
        n, wide = visit.js("""(() => { const p = [...document.querySelectorAll('main pre')];
            return [p.length, p.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText.slice(0, 50))]; })()""")
        blocks += n
        scrolling += [f"{href}: {t!r}" for t in wide]
        visit.page.close()
    assert len(scrolling) <= 0.05 * blocks, f"{len(scrolling)} of {blocks} code blocks scroll:\n  " + "\n  ".join(scrolling)


def search_finds(page):
    "Type a query into the page's search box; the first result's href (an error if none comes)."
    box = page.locator(".smalldocs-search input").first
    box.fill("install")
    hit = page.locator(".smalldocs-search-results a.search-result").first
    hit.wait_for(timeout=5000)
    return hit.get_attribute("href")


def test_search_works_from_disk_and_from_a_server(browser, server):
    "The search index loads as a script: results come both over HTTP and from the site opened as files."
    visit = Visit(browser, server + "interface.html")
    assert search_finds(visit.page)
    assert visit.errors == []
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((SITE / "interface.html").as_uri(), wait_until="load")
    href = search_finds(page)
    assert (SITE / href.partition("#")[0]).is_file(), href
    assert errors == []
    page.close()


def test_phones_have_the_contents_of_the_page(browser, server):
    "At 390 px the page starts with a folded 'On this page' menu whose links reach the sections; at 1280 px it is hidden."
    checked = 0
    for href in sidebar():
        visit = Visit(browser, server + href)
        wide = visit.page.locator("details.toc-phone")
        if not visit.js("document.querySelectorAll('#TOC a').length"):
            visit.page.close()
            continue
        assert wide.count() == 1 and not wide.is_visible(), f"{href}: the phone menu shows at 1280 px"
        visit.page.set_viewport_size({"width": 390, "height": 844})
        menu = visit.page.locator("details.toc-phone")
        assert menu.is_visible() and menu.bounding_box()["y"] < 844, f"{href}: no contents on the first screen of a phone"
        menu.locator("summary").click()
        raw = [t for t in menu.locator("a").all_inner_texts() if "$" in t or "\\" in t]
        assert raw == [], f"{href}: the phone menu shows TeX as text: {raw}"
        link = menu.locator("a").last
        target = link.get_attribute("href")
        link.click()
        on_screen = (f"(() => {{ const t = document.getElementById({json.dumps(target[1:])}).getBoundingClientRect().top;"
                     " return t >= 0 && t < 844; })()")
        try:  # the page may scroll smoothly
            visit.page.wait_for_function(on_screen, timeout=3000)
        except Exception:
            pytest.fail(f"{href}: {target} is not on the screen after its link was tapped")
        width = visit.js("document.documentElement.scrollWidth")
        assert width <= 390, f"{href}: the page is {width} px wide on a 390 px phone"
        visit.page.close()
        checked += 1
    assert checked, "no page has a table of contents"


MATHS_PAGE = """---
title: maths
---

Bessel functions and their zeros.

## Zeros of $J_\\nu$

The zeros $j_{\\nu,n}$ of [`j_root`](https://example.org/fixture/bessel.html#j_root).

## The inverse of $K(m)$ and `code`

More prose.
"""


def test_the_phone_menu_typesets_maths_in_headings(browser, tmp_path, monkeypatch):
    """A heading with maths is typeset in the phone's 'On this page' menu (390 px) as on the page: the menu shows
    no `$` or `\\` as text. A page of its own, rendered by the build's own steps (no notebook has such a heading
    everywhere the build runs)."""
    (tmp_path / "_quarto.yml").write_text("project:\n  type: website\nformat:\n  html:\n    theme: cosmo\n"
                                          "    css: styles.css\n    toc: true\n    toc-location: right-body\n"
                                          "website:\n  title: fixture\n  navbar:\n    search: true\n")
    shutil.copy(ROOT / "nbs" / "styles.css", tmp_path)
    (tmp_path / "bessel.md").write_text(MATHS_PAGE)
    monkeypatch.setattr(docs, "PROC", tmp_path)
    monkeypatch.setattr(docs, "SITE", tmp_path / "_site")
    docs.render()
    docs.local_katex()
    docs.local_fonts()
    docs.finish("https://example.org/fixture")
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((tmp_path / "_site" / "bessel.html").as_uri(), wait_until="load")
    menu = page.locator("details.toc-phone")
    assert menu.is_visible()
    menu.locator("summary").click()
    texts = menu.locator("a").all_inner_texts()
    assert len(texts) == 2 and all("$" not in t and "\\" not in t for t in texts), texts
    assert menu.locator(".katex").count() == 2 and menu.locator(".katex-error").count() == 0
    assert menu.locator("a a").count() == 0, "a link inside a link"
    assert errors == []
    page.close()


def test_a_reader_finds_an_example_on_the_first_screen(browser, server):
    """At 1280 x 900 px every page's body starts with prose before code, and every page with API entries shows an
    input code cell with an output whose first line is on the first screen (`.ci/pagestats.py`'s rule)."""
    found = []
    for href in sidebar():
        visit = Visit(browser, server + href)
        problem = pagestats.first_screen_problem(visit.js(pagestats.FIRST_SCREEN_JS), href)
        found += [problem] if problem else []
        visit.page.close()
    assert found == [], f"{len(found)} pages where a reader does not find how to call it on the first screen:\n  " + \
        "\n  ".join(found)
