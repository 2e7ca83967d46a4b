"""Render the documentation site `_docs/` from the processed notebooks in `_proc/`, offline, without Quarto.

`make docs` first runs tests/test_notebooks.py: it executes each notebook once and processes it with
nbdev's own doc processors (what `nbdev_docs` applies) into `_proc/`. This script then

1. copies the rest of `nbs/` (configuration, styles, favicon, `_data/`) beside them, with `nbdev.yml`
   refreshed from settings.ini, adapts nbdev's `show_doc` entries (`show_doc_entry`: defaults readable), and
   unwraps the doclinks nbdev put inside an author's link (`unnest_links`);
2. renders `_proc/` with smalldocs, naming each page by nbdev's `output-file` (`00_containers.ipynb` ->
   `containers.html`), as Quarto does and nbdev's doclinks expect;
3. serves KaTeX and the theme's web fonts from the site itself (npm packages, installed into build/ once);
4. finishes the pages: maths in the tables of contents (the phone menu's too); nbdev's doclinks to the
   published site become links to the entry on this one (or its class, or no link: nbdev indexes names no
   `show_doc` shows);
5. checks them: internal links and anchors resolve, nothing loads from another host, every `<script>` is one
   the build emits, and no `javascript:` URL or inline event handler is anywhere.

Step 1 also makes each API entry true to its object (`.ci/apidoc.py`: properties, classes, interfaces, public
names, each once); step 4 also ships the search index as a script (`search.js`, which a page opened from
disk can load where it cannot fetch `search.json`) and gives phones the contents of the page at its top.
"""
import functools
import itertools
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".ci"))
import apidoc  # noqa: E402  (beside this script)

NBS, PROC, SITE, NPM = ROOT / "nbs", ROOT / "_proc", ROOT / "_docs", ROOT / "build" / "npm"
#: npm packages the site serves itself, pinned: KaTeX, and the fonts of the theme (cosmo) and styles.css.
NPM_PACKAGES = {"katex": "0.16.11", "@fontsource/source-sans-pro": "5.2.5", "@fontsource/source-code-pro": "5.3.1"}
#: The only scripts a page may load (from the site's root), all put there by smalldocs, step 3 and step 4 (search.js).
SCRIPTS = {"site_libs/bootstrap/bootstrap.bundle.min.js", "site_libs/fuse/fuse.min.js", "site_libs/smalldocs.js",
           "site_libs/katex/katex.min.js", "site_libs/katex/contrib/auto-render.min.js", "search.js"}
#: smalldocs' warnings about settings of nbdev's `_quarto.yml` that only Quarto reads.
QUARTO_ONLY = re.compile(r"keep-md|commonmark|twitter-card|repo-actions|output-file")


def say(msg):
    print(f"docs: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- 1. _proc/

def prepare():
    "Put beside the processed notebooks what else the site needs; adapt their `show_doc` entries."
    from nbdev.doclinks import nbglob
    from nbdev.quarto import refresh_quarto_yml
    refresh_quarto_yml()
    sources = {p.relative_to(NBS) for p in nbglob(NBS, as_path=True)}
    missing = sorted(str(s) for s in sources if not (PROC / s).is_file())
    if missing:
        raise SystemExit(f"docs: not in _proc/: {missing}; run the notebooks first (make docs does)")
    for stale in set(PROC.rglob("*.ipynb")) - {PROC / s for s in sources}:
        stale.unlink()
    shutil.copytree(NBS, PROC, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.ipynb", ".*", "__pycache__"))
    for path in PROC.rglob("*.ipynb"):
        nb, seen = json.loads(path.read_text(encoding="utf-8")), set()
        nb["cells"] = in_source_order(nb["cells"])
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                cell["source"] = unnest_links("".join(cell["source"]))
            for out in cell.get("outputs", []):
                md = "".join(out.get("data", {}).get("text/markdown", ""))
                if md.startswith("---"):  # show_doc's entry: a rule, the source link, the heading, the signature
                    md = apidoc.entry(md, "".join(cell["source"]), path.name, seen)
                    out["data"]["text/markdown"] = show_doc_entry(md) if md else ""
                elif md:
                    out["data"]["text/markdown"] = unnest_links(md)
            cell["outputs"] = [o for o in cell.get("outputs", []) if o.get("data", {}).get("text/markdown", True)]
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


#: A doclink nbdev made of a name in backticks: [`name`](url).
DOCLINK = re.compile(r"\[(`[^`\n]+`)\]\([^()\s]*\)")


def unnest_links(md):
    """`md` with no link inside a link. nbdev links every documented name in backticks, also inside the text of
    a link the author wrote (`[`Cluster`](parallel.ipynb)` becomes `[[`Cluster`](https://...)](parallel.ipynb)`),
    and markdown cannot nest links: the page would show `](`. The author's link is kept, nbdev's inner one
    unwrapped. Brackets in code spans and escaped ones are not counted."""
    out, i, depth = [], 0, 0
    while i < len(md):
        m = DOCLINK.match(md, i) if depth else None
        if m:
            out.append(m[1])
            i = m.end()
            continue
        c = md[i]
        if c == "\\":
            out.append(md[i:i + 2])
            i += 2
            continue
        if c == "`":  # a code span: to the next run of as many backticks
            run = re.match(r"`+", md[i:])[0]
            end = re.compile(rf"(?<!`){run}(?!`)").search(md, i + len(run))
            j = end.end() if end else i + len(run)
            out.append(md[i:j])
            i = j
            continue
        if c == "[":
            depth += link_opens(md, i)
        elif c == "]" and depth:
            depth -= 1
        out.append(c)
        i += 1
    return "".join(out)


def link_opens(md, i):
    "1 if the `[` at `md[i]` opens a link's text (its `]` is followed by `(`), else 0; code spans skipped."
    level, j = 0, i
    while j < len(md):
        if md[j] == "\\":
            j += 2
            continue
        if md[j] == "`":
            run = re.match(r"`+", md[j:])[0]
            end = md.find(run, j + len(run))
            j = end + len(run) if end >= 0 else j + len(run)
            continue
        level += {"[": 1, "]": -1}.get(md[j], 0)
        if level == 0:
            return int(md[j + 1:j + 2] == "(")
        j += 1
    return 0


def in_source_order(cells):
    """`cells` with each run of the entries nbdev adds after an exported cell (one cell a name, in an order of
    its own) sorted by their line in the source file they link to."""
    def origin(cell):  # (file, line) of an entry nbdev added, else None
        if not "".join(cell["source"]).startswith("#| echo: false\n#| output: asis\nshow_doc("):
            return None
        md = "".join("".join(o.get("data", {}).get("text/markdown", "")) for o in cell.get("outputs", []))
        m = re.search(r"\[source\]\(([^)#]*)#L(\d+)\)", md)
        return (m[1], int(m[2])) if m else None

    out = []
    for _, run in itertools.groupby(cells, key=lambda c: (origin(c) or (id(c), 0))[0]):
        run = list(run)
        out += sorted(run, key=lambda c: origin(c)[1]) if origin(run[0]) else run
    return out


def show_doc_entry(md):
    """A `show_doc` entry made for smalldocs: underscores in its heading escaped (`__exit__`, not a bold `exit`);
    in its signature, no doclinks (nbdev links names in comments; a code block shows the links raw), no
    `:NoneType` (what nbdev infers for an unannotated `=None`), and defaults as a reader writes them
    (`readable_defaults`)."""
    md = re.sub(r"^(#+ )(\S+)$", lambda h: h[1] + re.sub(r"(?<!\\)_", r"\\_", h[2]), md, count=1, flags=re.M)

    def signature(code):
        sig = re.sub(r"\[(`[^`]*`)\]\([^)]*\)", r"\1", code[0]).replace(":NoneType=None", "=None")
        return readable_defaults(sig)

    return re.sub(r"```python\n.*?```", signature, md, flags=re.S)


#: Reprs fastcore writes for a default value, and what a reader would write instead: a function, method, class
#: or module by its name, a numpy scalar as its number, an object with no repr of its own by its type.
READABLE = [
    (re.compile(r"<([\w.]+) object at 0x[0-9a-fA-F]+>"), lambda m: m[1].rpartition(".")[2] + "()"),
    (re.compile(r"<method '(\w+)' of '([\w.]+)' objects>"), lambda m: f"{m[2]}.{m[1]}"),
    (re.compile(r"<(?:function|built-in function|bound method|built-in method) ((?:[\w.]|<\w+>)+)(?: of [^<>]*| at 0x[0-9a-fA-F]+)?>"),
     lambda m: m[1]),
    (re.compile(r"<(?:class|module) '([\w.]+)'[^>]*>"), lambda m: m[1].rpartition(".")[2]),
    (re.compile(r"\bnp\.(?:float|int|uint|complex|bool|str|bytes|longdouble|clongdouble)\w*\(([^()]*)\)"), lambda m: m[1]),
    (re.compile(r"\bnp\.(True|False)_"), lambda m: m[1]),
    (re.compile(r"<([\w.]+)(?: [^<>]*)? at 0x[0-9a-fA-F]+>"), lambda m: m[1].rpartition(".")[2]),
]


def readable_defaults(signature):
    """`signature` (fastcore's, of a `show_doc` entry) with each default a reader can read: `norm=_max_norm`, not
    `norm=<function _max_norm at 0x7f...>`; `rel_tol=4.44e-16`, not `rel_tol=np.float64(4.44e-16)`; a sentinel
    `<object object at 0x7f...>` as `object()`. Docment comments are left as written."""
    def code(line):
        head, sep, comment = line.partition(" # ")
        for pattern, readable in READABLE:
            head = pattern.sub(readable, head)
        return head + sep + comment

    return "\n".join(code(line) for line in signature.split("\n"))


# ---------------------------------------------------------------- 2. render

def render():
    "Render `_proc/` into `_docs/` with smalldocs; return the number of pages."
    from smalldocs.config import load
    from smalldocs.site import Site

    class NbdevSite(Site):
        "A smalldocs site that honours `output-file`, which nbdev sets to name pages as Quarto does."

        def read(self, src):
            page = super().read(src)
            if page.front.get("output-file"):
                page.out = src.parent / str(page.front["output-file"])
            return page

        def find_page(self, target):
            return super().find_page(target) or next((p for p in self.pages.values() if p.out == target), None)

    project = load(PROC)
    project.config.setdefault("project", {})["output-dir"] = str(SITE)
    site = NbdevSite(project, quiet=True)
    site.build()
    for warning in site.warnings:
        if not QUARTO_ONLY.search(warning):
            say(f"smalldocs: {warning}")
    return len(site.pages)


# ---------------------------------------------------------------- 3. KaTeX and fonts from npm

def npm_package(name):
    "The folder of the npm package `name` (pinned in NPM_PACKAGES), installed into build/npm/ if need be."
    folder = NPM / "node_modules" / name
    pkg = folder / "package.json"
    if not (pkg.exists() and json.loads(pkg.read_text())["version"] == NPM_PACKAGES[name]):
        if not shutil.which("npm"):
            raise SystemExit("docs: the site's KaTeX and fonts come from npm: install it (Debian: apt-get install npm)")
        subprocess.run(["npm", "install", "--prefix", str(NPM), "--no-audit", "--no-fund", "--silent",
                        *(f"{n}@{v}" for n, v in NPM_PACKAGES.items())], check=True)
    return folder


def local_katex():
    "Copy KaTeX into the site and point the pages with maths at it instead of smalldocs' CDN."
    from smalldocs.layout import KATEX
    dist, dest = npm_package("katex") / "dist", SITE / "site_libs" / "katex"
    shutil.copytree(dist / "fonts", dest / "fonts", dirs_exist_ok=True)
    for name in ("katex.min.css", "katex.min.js", "contrib/auto-render.min.js"):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(dist / name, dest / name)
    shutil.copy(dist.parent / "LICENSE", dest)
    for page in SITE.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if KATEX in text:
            page.write_text(text.replace(KATEX, posixpath.relpath(dest, page.parent)), encoding="utf-8")


def local_fonts():
    "Replace each `@import` of Google Fonts in the site's CSS by the same fonts from fontsource, in the site."
    google = re.compile(r"@import url\(https://fonts\.googleapis\.com/css2\?family=([^:&)]+)(?::wght@([\d;]+))?[^)]*\);?")
    for css in SITE.rglob("*.css"):

        def local(m, css=css):
            slug = unquote(m[1]).replace("+", " ").lower().replace(" ", "-")
            src, dest, weights = npm_package(f"@fontsource/{slug}"), SITE / "site_libs" / "fonts" / slug, (m[2] or "400").split(";")
            (dest / "files").mkdir(parents=True, exist_ok=True)
            for name in ["LICENSE"] + [f"{w}.css" for w in weights]:
                shutil.copy(src / name, dest / name)
                for file in re.findall(r"url\(\./(files/[^)]+)\)", (src / name).read_text(encoding="utf-8")):
                    shutil.copy(src / file, dest / file)
            return "".join(f"@import url({posixpath.relpath(dest, css.parent)}/{w}.css);" for w in weights)

        text = css.read_text(encoding="utf-8")
        css.write_text(google.sub(local, text), encoding="utf-8")


# ---------------------------------------------------------------- 4. finish the pages

class Page(HTMLParser):
    "What a page of the site defines and uses: ids, links, loaded files, scripts, and code in attributes."

    def __init__(self, path):
        super().__init__()
        self.path, self.ids, self.links, self.loads, self.scripts, self.unsafe = path, [], [], [], [], []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.ids += [a["id"]] if a.get("id") else []
        self.unsafe += [f"<{tag} {k}=...>" for k, v in attrs
                        if k.startswith("on") or re.match(r"\s*javascript:", v or "", re.I)]
        if tag == "script":
            self.scripts.append(a.get("src") or "(inline)")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag in ("script", "img", "iframe", "source", "embed", "object") and (a.get("src") or a.get("data")):
            self.loads.append(a.get("src") or a.get("data"))
        elif tag == "link" and a.get("href") and a.get("rel") != "canonical":
            self.loads.append(a["href"])

    def site_path(self, url):
        "The file under the site's root that `url`, relative to this page, names."
        path = (self.path.parent / unquote(urlsplit(url).path)).resolve() if urlsplit(url).path else self.path
        return path / "index.html" if path.is_dir() else path


@functools.cache
def anchors(path):
    "The ids of the page at `path` (none if there is no such page); finishing the pages leaves them alone."
    return set(Page(path).ids) if path.is_file() else set()


def toc_maths(text):
    """Give every table of contents (beside the text, and the phone menu in it) a heading's maths as the heading
    has it, for KaTeX to typeset: smalldocs lists the bare TeX (`Zeros of J_\\nu`). Links inside the heading
    (doclinks) are unwrapped, so that the contents hold no link inside a link."""
    headings = dict(re.findall(r'<h\d[^>]* data-anchor-id="([^"]+)"[^>]*>(.*?)</h\d>', text, re.S))

    def maths(m):
        heading = headings.get(m[2], "")
        return m[1] + re.sub(r"</?a\b[^>]*>", "", heading) + m[3] if 'class="math' in heading else m[0]

    def toc(nav):
        return re.sub(r'(<a href="#([^"]+)"[^>]*>)[^<]*(</a>)', maths, nav[0])

    return re.sub(r'<nav id="TOC(?:-body)?" role="doc-toc".*?</nav>', toc, text, flags=re.S)


def doclinks(text, page, site_url):
    """Links to the published site become links in this one; a doclink goes to its entry, its class, or nowhere.

    nbdev links a name in backticks to its entry in the module's index, which holds private names and methods
    too, but a page has an anchor only for what it shows with `show_doc`."""
    def local(m):
        target = SITE / (unquote(m[1]) or "index.html")
        anchor, ids = unquote(m[2] or ""), anchors(target)
        while anchor and anchor not in ids:
            anchor = anchor.rpartition(".")[0]
        if m[2] and not anchor:
            return m[3]
        return f'<a href="{posixpath.relpath(target, page.parent)}{"#" + anchor if anchor else ""}">{m[3]}</a>'

    return re.sub(rf'<a href="{re.escape(site_url)}/([^"#]*)(?:#([^"]*))?"[^>]*>(.*?)</a>', local, text, flags=re.S)


def phone_toc(text):
    """The contents in the body (smalldocs' `toc-location: right-body`) folded into a `<details>`: CSS shows it
    only where the contents beside the text are hidden (phones, narrow windows)."""
    return re.sub(r'<nav id="TOC-body" role="doc-toc"><h2>([^<]*)</h2>(.*?)</nav>',
                  r'<details class="toc-phone"><summary>\1</summary><nav id="TOC-body" role="doc-toc">\2</nav></details>',
                  text, count=1, flags=re.S)


#: What smalldocs.js does to load the index, and what it does instead: a script works from file:// too.
FETCH_INDEX = 'const r = await fetch(offset + "search.json");\n      index = await r.json();'
SCRIPT_INDEX = """index = window.mmfutilsSearch || await new Promise((ok, fail) => {
        const s = document.createElement("script");
        s.src = offset + "search.js";
        s.addEventListener("load", () => ok(window.mmfutilsSearch || []));
        s.addEventListener("error", fail);
        document.head.appendChild(s);
      });"""


def search_script():
    "`search.js`: the index of `search.json` as a script, and smalldocs.js loading it instead of fetching."
    index = (SITE / "search.json").read_text(encoding="utf-8")
    (SITE / "search.js").write_text(f"window.mmfutilsSearch = {index};\n", encoding="utf-8")
    js = SITE / "site_libs" / "smalldocs.js"
    text = js.read_text(encoding="utf-8")
    if FETCH_INDEX not in text:
        raise SystemExit("docs: smalldocs.js no longer fetches search.json as .ci/docs.py expects: update FETCH_INDEX")
    js.write_text(text.replace(FETCH_INDEX, SCRIPT_INDEX), encoding="utf-8")


def finish(site_url):
    "Maths in the tables of contents, doclinks within the site, the contents for phones, search from disk."
    for page in SITE.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(phone_toc(doclinks(toc_maths(text), page, site_url)), encoding="utf-8")
    search_script()


# ---------------------------------------------------------------- 5. check

def problems():
    "What is wrong with the site, as 'page: problem' lines."
    out = [f"{css.relative_to(SITE)}: loads {url} from another host" for css in SITE.rglob("*.css")
           for url in re.findall(r"""(?:@import\s+|url\()\s*['"]?((?:https?:)?//[^'")\s;]+)""", css.read_text(encoding="utf-8"))]
    for path in sorted(SITE.rglob("*.html")):
        page, name = Page(path), path.relative_to(SITE)
        out += [f"{name}: code in an attribute: {u}" for u in page.unsafe]
        out += [f"{name}: a script the build did not put there: {s}" for s in page.scripts
                if Path(os.path.relpath(page.site_path(s), SITE.resolve())).as_posix() not in SCRIPTS]
        for url in page.links + page.loads:
            if urlsplit(url).scheme == "data":  # a picture smalldocs embedded from a notebook's output: loads nothing
                continue
            if urlsplit(url).scheme or url.startswith("//"):
                out += [f"{name}: loads {url} from another host"] if url in page.loads else []
                continue
            target, anchor = page.site_path(url), unquote(urlsplit(url).fragment)
            if not target.is_file():
                out.append(f"{name}: broken link {url}")
            elif anchor and target.suffix == ".html" and anchor not in anchors(target):
                out.append(f"{name}: broken anchor {url}")
    return out


def build():
    "Render the site from `_proc/`; return its problems."
    from nbdev.config import get_config
    cfg = get_config(path=ROOT)
    anchors.cache_clear()
    prepare()
    pages = render()
    local_katex()
    local_fonts()
    finish(cfg.doc_host.rstrip("/") + cfg.doc_baseurl.rstrip("/"))
    say(f"{pages} pages in {SITE.relative_to(ROOT)}/")
    return problems()


if __name__ == "__main__":
    found = build()
    if found:
        raise SystemExit("docs: problems:\n  " + "\n  ".join(found))
