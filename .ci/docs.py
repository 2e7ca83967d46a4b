"""Build the documentation site into `_docs/` from the notebooks, offline and without Quarto (`make docs`).

1. nbdev's configuration: `nbs/nbdev.yml` from settings.ini, the doclinks index `mmfutils/_modidx.py`, and
   `nbdev_sidebar` (which leaves the hand-written `nbs/sidebar.yml` alone while `custom_sidebar = True`).
2. Execute: every notebook runs top to bottom, each in a fresh process, one at a time (benchmarks print
   their ratios on the pages), into `build/docs/executed/`; the committed notebooks are only read, so the
   site's outputs come from the code as it is now.
3. Process: nbdev's doc processors (`FilterDefaults`, what `nbdev_proc_nbs` applies) turn the executed
   notebooks into `_proc/`: `show_doc` entries, `#|` directives, hidden and exported cells, doclinks.
4. Adapt `_proc/` for a local site: doclinks to the published site become links inside this one,
   underscores in `show_doc` headings are escaped (`__exit__`), and the sidebar lists only notebooks that exist
   (links to the planned ones are left as text).
5. Render `_proc/` with smalldocs (pure Python, reads `_quarto.yml`); pages are named by the `output-file`
   nbdev gives them, as Quarto names them (`00_containers.ipynb` -> `containers.html`): nbdev's doclinks point there.
6. KaTeX and the theme's web font, installed from npm at build time, are copied into `_docs/site_libs`;
   pages load them from there, never from a CDN.
7. Doclinks to a name without a `show_doc` go to its class, or are dropped. Check: every internal link and
   anchor resolves, and no page loads anything from another host.

    python .ci/docs.py [--workers N]
"""
import argparse
import html
import json
import multiprocessing
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "docs"
EXECUTED = BUILD / "executed"
NPM = BUILD / "npm"
#: What the site serves itself, from npm, pinned: KaTeX for the maths, and the web fonts that the theme
#: (cosmo: Source Sans Pro) and nbs/styles.css (Source Code Pro) import from Google Fonts, from fontsource.
NPM_PACKAGES = {"katex": "0.16.11", "@fontsource/source-sans-pro": "5.2.5", "@fontsource/source-code-pro": "5.3.1"}
#: KaTeX files the pages load (the CSS loads the fonts beside it).
KATEX_FILES = ("katex.min.css", "katex.min.js", "contrib/auto-render.min.js", "fonts")
GOOGLE_FONTS = re.compile(r"@import url\((https://fonts\.googleapis\.com/css2\?[^)]*)\);?")


def say(msg):
    print(f"docs: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- 1. nbdev's configuration

def nbdev_config():
    "Refresh what nbdev_docs refreshes before rendering, without its Quarto download."
    import nbdev.doclinks
    from nbdev.quarto import nbdev_sidebar, refresh_quarto_yml
    refresh_quarto_yml()
    nbdev.doclinks._build_modidx()
    nbdev_sidebar.__wrapped__()


def quarto_hazards(nb_paths):
    """Cells `nbdev_docs` (with Quarto) would run on their own: code mixing imports with other statements.

    To make `show_doc` output, nbdev runs a notebook's import, export and `show_doc` cells in a fresh shell,
    without the cells between them (nbdev's FAQ: keep imports in cells of their own). This build runs whole
    notebooks, so it is not affected; the notes are for users of `nbdev_docs` and `nbdev_preview`."""
    import ast

    from nbdev.process import NBProcessor

    notes = []
    for path in nb_paths:
        cells = NBProcessor(path).nb.cells
        if not any({"export", "exports", "exporti"} & set(c.directives_) or "show_doc(" in c.source for c in cells):
            continue
        for cell in cells:
            if (cell.cell_type != "code" or {"export", "exports", "exporti"} & set(cell.directives_)
                    or "nbdev_export(" in cell.source or cell.directives_.get("eval:") == ["false"]):
                continue
            trees = cell.parsed_() or []
            nodes = [n for tree in trees for n in ast.walk(tree)]
            if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes) and \
                    any(isinstance(n, (ast.Expr, ast.Assign)) for n in nodes):
                first = cell.source.strip().splitlines()[0]
                notes.append(f"{path.name}, cell {cell.idx_ + 1} ({first}): imports and other code in one cell; "
                             "nbdev_docs runs it without the cells before it (give the imports a cell of their own)")
    return notes


# ---------------------------------------------------------------- 2. execute, 3. process

def notebooks(nbs):
    "The notebooks nbdev documents: below `nbs`, skipping names starting with `_` or `.`."
    return sorted(p for p in nbs.rglob("*.ipynb")
                  if not any(part.startswith(("_", ".")) for part in p.relative_to(nbs).parts))


def build_notebook(src, executed, proc):
    """Execute the notebook `src` into `executed`, then process it for the docs into `proc`; return the seconds.

    Every code cell runs in order, in the notebook's folder, from empty outputs (except `nbdev_export()` and
    `#| eval: false` cells, as in `nbdev_test`); a notebook with `skip_exec: true` keeps its committed outputs.
    Then nbdev's doc processors (`FilterDefaults`) run, with one change: the `show_doc` cells nbdev adds for
    exported names run in the shell that just ran the notebook, instead of a new shell re-running imports."""
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    from fastcore.basics import str2bool
    from fastcore.xtras import working_directory
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.process import NBProcessor, extract_directives, nb_lang
    from nbdev.processors import FilterDefaults, exec_show_docs

    start = time.perf_counter()
    src, executed, proc = Path(src), Path(executed), Path(proc)
    nb = read_nb(src)
    fm = getattr(NBProcessor(src, procs=FrontmatterProc, process=True).nb, "frontmatter_", {}) or {}
    procs = FilterDefaults()
    if not (str2bool(fm.get("skip_exec", False)) or nb_lang(nb) != "python"):
        shell = CaptureShell(src)

        def skip(cell):
            "True for cells that are not run: all after an error, markdown, `nbdev_export()`, `#| eval: false`."
            if shell.exc or cell.cell_type != "code":
                return True
            cell.outputs, cell.execution_count = [], None
            directives = extract_directives(cell, remove=False)
            return ("nbdev_export" + "(" in cell.source
                    or directives.get("eval:", [""])[0].lower() == "false")

        with working_directory(src.parent):
            shell.run_all(nb, preproc=skip)
        if shell.exc:
            raise RuntimeError(shell.prettytb(fname=src))

        class show_docs_in_shell(exec_show_docs):
            "nbdev's `exec_show_docs`, where only the `show_doc` cells nbdev added are left to run."

            def begin(self):
                self.k = shell
                self.k.run_cell("from nbdev.showdoc import show_doc")

            def __call__(self, cell):
                if getattr(cell, "has_sd", False):
                    super().__call__(cell)

        class DocProcs(FilterDefaults):
            def base_procs(self):
                return [show_docs_in_shell if p is exec_show_docs else p for p in super().base_procs()]

        procs = DocProcs()
    executed.parent.mkdir(parents=True, exist_ok=True)
    write_nb(nb, executed)
    with working_directory(src.parent):
        procs(nb)
    proc.parent.mkdir(parents=True, exist_ok=True)
    write_nb(nb, proc)
    return time.perf_counter() - start


def build_notebooks(nbs, executed, proc, workers):
    "Execute and process every notebook, `workers` at a time, each in a fresh process; copy the other files."
    for folder in (executed, proc):
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(nbs, folder, ignore=shutil.ignore_patterns("*.ipynb", ".*", "__pycache__", "_proc", "_docs"))
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx, max_tasks_per_child=1) as pool:
        futures = {nb: pool.submit(build_notebook, nb, executed / nb.relative_to(nbs), proc / nb.relative_to(nbs))
                   for nb in notebooks(nbs)}
        for nb, future in futures.items():
            say(f"executed and processed {nb.relative_to(nbs)} in {future.result():.1f}s")


# ---------------------------------------------------------------- 4. adapt

def adapt_markdown(proc, site_url):
    """Prepare nbdev's markdown for a local site: doclinks and `show_doc` headings.

    Doclinks nbdev wrote to the published site (`site_url/page.html#sym`) point at this site's root, and
    underscores in `show_doc` headings are escaped, so `### Cluster.__exit__` shows `__exit__`, not a bold
    `exit`, and gets the anchor `cluster.__exit__` that the doclinks use."""
    base = re.compile(r"\]\(" + re.escape(site_url.rstrip("/")) + r"/")
    heading = re.compile(r"^(#+ )(\S+)$", re.M)
    for path in proc.rglob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                cell["source"] = base.sub("](/", "".join(cell["source"]))
            for out in cell.get("outputs", []):
                md = "".join(out.get("data", {}).get("text/markdown", ""))
                if md:
                    if md.startswith("---"):  # show_doc's entry: a rule, the source link, a heading, the signature
                        md = heading.sub(lambda m: m.group(1) + m.group(2).replace("_", "\\_"), md, count=1)
                    out["data"]["text/markdown"] = base.sub("](/", md)
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


def prune_sidebar(proc):
    "Leave out of `_proc/sidebar.yml` the notebooks that do not exist (yet); return their names."
    import yaml
    path = proc / "sidebar.yml"
    if not path.exists():
        return []
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = []

    def keep(entries):
        out = []
        for entry in entries:
            if isinstance(entry, dict) and "contents" in entry:
                entry = {**entry, "contents": keep(entry["contents"])}
                if entry["contents"]:
                    out.append(entry)
                continue
            href = entry.get("href") if isinstance(entry, dict) else entry
            if isinstance(href, str) and not re.match(r"\w+:", href) and not (proc / href).exists():
                missing.append(href)
                continue
            out.append(entry)
        return out

    sidebar = doc["website"]["sidebar"]
    sidebar["contents"] = keep(sidebar["contents"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return missing


def unlink_planned(proc, planned):
    "Links to notebooks the sidebar plans but that do not exist yet become their text; return notes."
    if not planned:
        return []
    link = re.compile(r"\[([^\]]*)\]\((?:\./)?(" + "|".join(map(re.escape, planned)) + r")(?:#[^)]*)?\)")
    notes = []
    for path in proc.rglob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                source = "".join(cell["source"])
                notes += [f"{path.name}: link to {m.group(2)}, which does not exist yet, left as text"
                          for m in link.finditer(source)]
                cell["source"] = link.sub(r"\1", source)
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return notes


# ---------------------------------------------------------------- 5. render

#: smalldocs warnings about Quarto-only settings of nbdev's default `_quarto.yml`, which Quarto users keep.
QUARTO_ONLY = re.compile(r"keep-md|commonmark|twitter-card|repo-actions|output-file")


def render(proc, out):
    "Render `_proc/` with smalldocs into `out`; return the site and its warnings worth reading."
    from smalldocs.config import load
    from smalldocs.site import Site

    class NbdevSite(Site):
        "A smalldocs site that honours `output-file`, which nbdev sets to name pages `containers.html`."

        def read(self, src):
            page = super().read(src)
            if page.front.get("output-file"):
                page.out = src.parent / str(page.front["output-file"])
            return page

        def find_page(self, target):
            return super().find_page(target) or next((p for p in self.pages.values() if p.out == target), None)

    project = load(proc)
    project.config.setdefault("project", {})["output-dir"] = str(out)
    site = NbdevSite(project, quiet=True)
    site.build()
    return site, [w for w in site.warnings if not QUARTO_ONLY.search(w)]


# ---------------------------------------------------------------- 6. KaTeX and fonts from npm

def npm_package(name):
    "The folder of an npm package of NPM_PACKAGES, installed into the build folder when it is not there yet."
    if name not in NPM_PACKAGES:
        raise SystemExit(f"docs: the site needs the npm package {name}: pin a version in NPM_PACKAGES of {__file__}")
    folder = NPM / "node_modules" / name
    pkg = folder / "package.json"
    if not (pkg.exists() and json.loads(pkg.read_text())["version"] == NPM_PACKAGES[name]):
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(f"docs: npm is needed to install {name} (Debian: apt-get install npm)")
        NPM.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(NPM), "--no-audit", "--no-fund", "--silent",
                        *(f"{n}@{v}" for n, v in NPM_PACKAGES.items())], check=True)
    return folder


def local_fonts(site_dir):
    "Replace each `@import` of Google Fonts (the theme's, styles.css's) by the same fonts from fontsource, served by the site."
    fonts = site_dir / "site_libs" / "fonts"
    for css in site_dir.rglob("*.css"):
        text = css.read_text(encoding="utf-8")

        def local(m, css=css):
            query = dict(p.split("=", 1) for p in unquote(m.group(1)).split("?", 1)[1].split("&") if "=" in p)
            family, _, weights = query["family"].replace("+", " ").partition(":wght@")
            slug = family.lower().replace(" ", "-")
            src, dest = npm_package(f"@fontsource/{slug}"), fonts / slug
            imports = []
            for weight in (weights or "400").split(";"):
                face = (src / f"{weight}.css").read_text(encoding="utf-8")
                for file in re.findall(r"url\(\./(files/[^)]+)\)", face):
                    (dest / file).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(src / file, dest / file)
                (dest / f"{weight}.css").write_text(face, encoding="utf-8")
                imports.append(f"@import url({posixpath.relpath((dest / f'{weight}.css').as_posix(), css.parent.as_posix())});")
            shutil.copy(src / "LICENSE", dest / "LICENSE")
            return "".join(imports)

        new = GOOGLE_FONTS.sub(local, text)
        if new != text:
            css.write_text(new, encoding="utf-8")


def local_katex(site_dir):
    "Copy KaTeX into the site and point every page that has maths at it instead of the CDN."
    from smalldocs.layout import KATEX
    dist, dest = npm_package("katex") / "dist", site_dir / "site_libs" / "katex"
    for name in KATEX_FILES:
        src = dist / name
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dest / name) if src.is_dir() else shutil.copy(src, dest / name)
    shutil.copy(dist.parent / "LICENSE", dest / "LICENSE")
    pages = 0
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if KATEX in text:
            here = posixpath.relpath(dest.as_posix(), page.parent.as_posix())
            page.write_text(text.replace(KATEX, here), encoding="utf-8")
            pages += 1
    return pages


# ---------------------------------------------------------------- 7. check

class _Refs(HTMLParser):
    "The ids a page defines and the links and resources it uses."

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.loads = set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag in ("script", "img", "iframe", "source") and a.get("src"):
            self.loads.append(a["src"])
        elif tag == "link" and a.get("href") and a.get("rel") not in ("canonical",):
            self.loads.append(a["href"])


def _parse(path, cache):
    if path not in cache:
        refs = _Refs()
        refs.feed(path.read_text(encoding="utf-8"))
        cache[path] = refs
    return cache[path]


def fix_doclinks(site_dir):
    """Doclinks whose anchor is not on the page: a member goes to its class, a name with no `show_doc` is not linked.

    nbdev's index names every function, class and method, private ones too, but a page has an anchor only
    for what it shows with `show_doc`. A doclink is a link on a name in backticks whose anchor is that name."""
    site_dir, cache, notes = Path(site_dir), {}, []
    doclink = re.compile(r'<a href="([^"#:]*\.html)#([^"]+)"[^>]*>(<code>([^<]*)</code>)</a>')
    for page in sorted(site_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")

        def fix(m, page=page):
            target = (page.parent / unquote(m.group(1))).resolve()
            anchor, name = unquote(m.group(2)), html.unescape(m.group(4)).removesuffix("()")
            if name.lower() != anchor or not target.is_file() or anchor in _parse(target, cache).ids:
                return m.group(0)
            owner = anchor.rpartition(".")[0]
            while owner and owner not in _parse(target, cache).ids:
                owner = owner.rpartition(".")[0]
            where = f"{page.relative_to(site_dir)}: `{name}`"
            if not owner:
                notes.append(f"{where} has no show_doc on {m.group(1)}: not linked")
                return m.group(3)
            notes.append(f"{where} has no show_doc: linked to #{owner}")
            return m.group(0).replace(f"#{m.group(2)}", f"#{owner}", 1)

        new = doclink.sub(fix, text)
        if new != text:
            page.write_text(new, encoding="utf-8")
    return notes


def link_problems(site_dir):
    "Broken internal links and anchors, and resources loaded from other hosts, as 'page: problem' lines."
    site_dir, cache, problems = Path(site_dir), {}, []
    for css in sorted(site_dir.rglob("*.css")):
        for url in re.findall(r"""(?:@import\s+|url\()\s*['"]?((?:https?:)?//[^'")\s;]+)""", css.read_text(encoding="utf-8")):
            problems.append(f"{css.relative_to(site_dir)}: loads {url} from another host")
    for page in sorted(site_dir.rglob("*.html")):
        refs, name = _parse(page, cache), page.relative_to(site_dir)
        for url in refs.loads:
            if urlsplit(url).scheme or url.startswith("//"):
                problems.append(f"{name}: loads {url} from another host")
        for url in refs.links + refs.loads:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{name}: broken link {url}")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _parse(target, cache).ids:
                problems.append(f"{name}: broken anchor {url}")
    return problems


# ---------------------------------------------------------------- the build

def build(workers=1):
    "Build the site; return the seconds spent executing and rendering."
    os.chdir(ROOT)
    from nbdev.config import get_config
    cfg = get_config()
    timings = {}
    start = time.perf_counter()
    nbdev_config()
    for note in quarto_hazards(notebooks(cfg.nbs_path)):
        say(note)
    proc = cfg.config_path / "_proc"
    build_notebooks(cfg.nbs_path, EXECUTED, proc, workers)
    timings["execute and process"] = time.perf_counter() - start
    start = time.perf_counter()
    adapt_markdown(proc, cfg.doc_host.rstrip("/") + cfg.doc_baseurl)
    planned = prune_sidebar(proc)
    for name in planned:
        say(f"sidebar: {name} does not exist yet; left out")
    for note in unlink_planned(proc, planned):
        say(note)
    site, warnings = render(proc, cfg.doc_path)
    for w in warnings:
        say(f"smalldocs: {w}")
    math_pages = local_katex(cfg.doc_path)
    local_fonts(cfg.doc_path)
    for note in dict.fromkeys(fix_doclinks(cfg.doc_path)):
        say(note)
    timings["render"] = time.perf_counter() - start
    problems = link_problems(cfg.doc_path)
    say(f"{len(site.pages)} pages ({math_pages} with maths) in {os.path.relpath(cfg.doc_path)}/; "
        + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    if problems:
        raise SystemExit("docs: link problems:\n  " + "\n  ".join(problems))
    return timings


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=1,
                   help="notebooks executed at once (default 1: the timings the performance pages print stay honest)")
    args = p.parse_args(argv)
    build(workers=args.workers)


if __name__ == "__main__":
    main()
