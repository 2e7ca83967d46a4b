"""The documentation site, built as `make docs` builds it and read in a real browser (headless Chromium).

The site is built once per test session (the notebooks are executed once more for it), served on
localhost, and opened with playwright driving Debian's `chromium`, never a downloaded browser. Without
chromium the browser tests skip, unless CI=true, where they fail. `--nb-skip-flags=slow` (`make test-quick`)
skips the whole module: building the site executes every notebook.
"""
import functools
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_docs"
EXECUTED = ROOT / "build" / "docs" / "executed"
SCREENSHOTS = ROOT / "build" / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _load_builder():
    spec = importlib.util.spec_from_file_location("mmfutils_docs_build", ROOT / ".ci" / "docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


docs = _load_builder()


@pytest.fixture(scope="module", autouse=True)
def not_quick(request):
    if "slow" in request.config.getoption("--nb-skip-flags"):
        pytest.skip("building the docs executes every notebook: skipped with --nb-skip-flags=slow")


@pytest.fixture(scope="session")
def site():
    "Build the site once, with `make docs`' own script; return the build's stderr."
    run = subprocess.run([sys.executable, str(ROOT / ".ci" / "docs.py")], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, f"the docs build failed:\n{run.stdout}\n{run.stderr}"
    return run.stderr


@functools.cache
def _sidebar_pages():
    "The pages of the sidebar, in order, as (title, href) from the home page's sidebar."
    text = (SITE / "index.html").read_text(encoding="utf-8")
    nav = text[text.index('id="quarto-sidebar"'):]
    nav = nav[:nav.index("</nav>")]
    return [(html.unescape(re.sub(r"<[^>]+>", "", t)).strip(), href)
            for href, t in re.findall(r'<a href="([^"#:]+\.html)"[^>]*>(.*?)</a>', nav, re.S)]


def _notebook_pages():
    "Every notebook of nbs/ that nbdev documents (its path from nbs/), with the page it becomes."
    out = {}
    for nb in docs.notebooks(ROOT / "nbs"):
        rel = nb.relative_to(ROOT / "nbs")
        first = json.loads((ROOT / "_proc" / rel).read_text(encoding="utf-8"))["cells"][0]
        m = re.search(r"^output-file:\s*(\S+)", "".join(first["source"]), re.M)
        out[rel.as_posix()] = (rel.parent / (m.group(1) if m else rel.with_suffix(".html").name)).as_posix()
    return out


# ---------------------------------------------------------------- the static site

def test_every_notebook_has_a_page_in_the_sidebar(site):
    pages = _notebook_pages()
    assert pages, "no notebooks in nbs/"
    for nb, page in pages.items():
        assert (SITE / page).is_file(), f"{nb} has no page {page}"
    hrefs = [href for _, href in _sidebar_pages()]
    assert hrefs[0] == "index.html", "the home page comes first in the sidebar"
    unlisted = sorted(nb for nb, page in pages.items() if page not in hrefs)
    assert not unlisted, f"notebooks missing from nbs/sidebar.yml: {unlisted}"


def test_no_broken_links_and_nothing_from_other_hosts(site):
    assert docs.link_problems(SITE) == []


def _show_docs():
    "For each page, what nbdev's `show_doc` wrote on it: [(heading, signature with its docments)]."
    out = {}
    for nb, page in _notebook_pages().items():
        for cell in json.loads((ROOT / "_proc" / nb).read_text(encoding="utf-8"))["cells"]:
            for o in cell.get("outputs", []):
                md = "".join(o.get("data", {}).get("text/markdown", ""))
                m = re.search(r"^#+ (\S+)\n\n```python\n(.*?)\n```", md, re.M | re.S)
                if m:
                    out.setdefault(page, []).append((m.group(1).replace("\\_", "_"), m.group(2)))
    return out


def test_api_reference_has_signatures_and_parameter_docs(site):
    "Each `show_doc` is a heading with the symbol's anchor, then its signature with each parameter's docment."
    shown = _show_docs()
    if not shown:
        pytest.skip("no notebook uses show_doc yet")
    for page, entries in shown.items():
        text = (SITE / page).read_text(encoding="utf-8")
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        for name, signature in entries:
            assert re.search(rf'<h\d id="{re.escape(name.lower())}(-\d+)?"[^>]*>{re.escape(name)}</h\d>', text), \
                f"{page}: no heading for {name}"
            for line in signature.splitlines():
                assert line.strip() in plain, f"{page}: {name}: signature line {line!r} is not shown"
    assert any("# " in sig for entries in shown.values() for _, sig in entries), "no parameter has a docment"


def test_maths_uses_the_sites_own_katex(site):
    math_pages = [p for p in SITE.rglob("*.html") if 'class="math' in p.read_text(encoding="utf-8")]
    assert math_pages, "no page has maths (the developer page shows some)"
    for page in math_pages:
        text = page.read_text(encoding="utf-8")
        assert "site_libs/katex/katex.min.js" in text and "cdn" not in text.lower(), page.name
    assert (SITE / "site_libs" / "katex" / "fonts").is_dir()


def test_search_index(site):
    entries = json.loads((SITE / "search.json").read_text(encoding="utf-8"))
    assert {e["href"].partition("#")[0] for e in entries} >= {"index.html"}


# ---------------------------------------------------------------- in the browser

# The server and the browser end with this module: playwright's event loop must not outlive it, or the
# notebooks that run after it (ipyparallel's asyncio) find it.
@pytest.fixture(scope="module")
def server(site):
    "Serve the site on localhost for the browser."
    handler = functools.partial(QuietHandler, directory=str(SITE))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    "Headless Chromium from Debian, driven by playwright, with a fresh profile."
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"no chromium at {CHROMIUM} (Debian: apt-get install chromium)"
        if IN_CI:
            pytest.fail(message + "; CI must run the browser tests")
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="mmfutils-chromium-") as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        yield context
        context.close()


class Visit:
    "A page opened in the browser, with what went wrong while it loaded."

    def __init__(self, context, url):
        self.page = context.new_page()
        self.errors, self.foreign = [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"))
        self.page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/])"), self._foreign)
        self.page.goto(url, wait_until="networkidle")

    def _foreign(self, route):
        self.foreign.append(route.request.url)
        route.abort()


def test_home_page(browser, server):
    visit = Visit(browser, server)
    page = visit.page
    assert "mmfutils" in page.title()
    assert page.locator("main h1, header h1, #title-block-header h1").first.is_visible()
    assert page.locator("#quarto-sidebar").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=False)
    assert (visit.errors, visit.foreign) == ([], [])
    page.close()


def test_every_page_loads_cleanly(browser, server):
    for title, href in _sidebar_pages():
        visit = Visit(browser, server + href)
        assert (href, visit.errors, visit.foreign) == (href, [], []), title
        assert visit.page.locator("main").inner_text().strip(), f"{href} is empty"
        visit.page.close()


def test_maths_is_rendered(browser, server):
    for page in sorted(SITE.rglob("*.html")):
        count = page.read_text(encoding="utf-8").count('class="math ')
        if not count:
            continue
        visit = Visit(browser, server + page.relative_to(SITE).as_posix())
        assert visit.page.locator("span.math .katex").count() == count, page.name
        assert visit.page.locator(".katex-error").count() == 0, page.name
        assert (visit.errors, visit.foreign) == ([], []), page.name
        visit.page.close()


def test_interface_page_shows_the_described_interface(browser, server):
    nb = ROOT / "nbs" / "01_interface.ipynb"
    if not nb.exists():
        pytest.skip("nbs/01_interface.ipynb does not exist yet")
    href = _notebook_pages()[nb.name]
    shown = _interface_outputs(EXECUTED / nb.name)
    assert shown, "01_interface.ipynb shows no describe_interface output"
    visit = Visit(browser, server + href)
    blocks = visit.page.locator(".mmfutils-interface")
    assert blocks.count() >= len(shown)
    text = " ".join(blocks.all_inner_texts())
    for names in shown:
        missing = [n for n in names if n not in text]
        assert not missing, f"method names missing from {href}: {missing}"
    assert visit.errors == []
    visit.page.close()


def _interface_outputs(nb_path):
    "For each `describe_interface` output of the executed notebook, the identifiers in its `<code>` elements."
    out = []
    for cell in json.loads(nb_path.read_text(encoding="utf-8"))["cells"]:
        for o in cell.get("outputs", []):
            markup = "".join(o.get("data", {}).get("text/html", ""))
            if "mmfutils-interface" in markup:
                codes = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<code>(.*?)</code>", markup, re.S)]
                out.append({m.group(0) for c in codes for m in [re.match(r"[A-Za-z_]\w*", c)] if m})
    return out


def test_search_finds_a_page(browser, server):
    visit = Visit(browser, server)
    page = visit.page
    box = page.locator(".smalldocs-search input").first
    box.fill("install")
    results = page.locator(".smalldocs-search-results a.search-result")
    results.first.wait_for(timeout=5000)
    assert results.count() > 0
    assert visit.errors == []
    page.close()


def test_a_doclink_lands_on_its_entry(browser, server):
    "Clicking a name in backticks (an nbdev doclink) opens the page of its `show_doc` entry at that entry."
    for title, href in _sidebar_pages():
        visit = Visit(browser, server + href)
        links = visit.page.locator("main a:has(> code)[href*='.html#']")
        if not links.count():
            visit.page.close()
            continue
        link = links.first
        target = link.get_attribute("href")
        link.click()
        visit.page.wait_for_load_state("networkidle")
        anchor = target.partition("#")[2]
        assert visit.page.url.endswith(target.rpartition("/")[2]), (title, target, visit.page.url)
        entry = visit.page.locator(f"[id='{anchor}']")
        assert entry.count() == 1 and entry.is_visible(), (title, target)
        assert visit.errors == []
        visit.page.close()
        return
    pytest.skip("no page links a documented name yet")
