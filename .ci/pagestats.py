"""Reader-facing figures of the built site `_docs/`, per page: run after `make docs`.

    .venv/bin/python .ci/pagestats.py [--markdown]

Per page of the sidebar (headless Debian Chromium, 1280 x 900 px, fresh profile, file:// URLs):

* `harness %`: the share of the code lines shown (non-blank lines of the input code blocks, `pre.cell-code`,
  of `main`; outputs and API signatures excluded) that belong to a *harness cell*: an input block matching HARNESS below (hypothesis, processes,
  signals, temporary files, symlinks, device probes, threads, environment tweaks, hostile payloads). The rule
  is textual and reproducible; it over-counts a little (an example that imports tempfile counts as harness).
* `screens`: document height / 900 px at 1280 px wide.
* `scroll`: code blocks (`main pre`, inputs and outputs) whose content is wider than the block, of all blocks.
* `params`: API entries (nbdev `show_doc`) with parameters / with a parameter left unexplained / such
  parameters, from the processed notebooks in `_proc/` (see `.ci/apidoc.py` `entries`).
* `example on the first screen`: the rule of FIRST_SCREEN_JS, which tests/test_docs.py checks: the page's body
  starts with prose before code, and a page with API entries has an input code cell with a visible output
  beginning within the first 900 px (its top is given); "no API" for pages without entries (prose first only).
"""
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".ci"))
SITE, PROC = ROOT / "_docs", ROOT / "_proc"
CHROMIUM = "/usr/bin/chromium"
#: A shown code cell is harness if its source matches this (the rule of the before/after tables).
HARNESS = re.compile(r"""hypothesis|@given|\bst\.|subprocess|\bsignal\b|os\.kill|SIG(?:TERM|KILL|INT|USR)|tempfile
    |TemporaryDirectory|symlink|/dev/|threading|ThreadPool|multiprocessing|sys\.executable|os\.environ
    |TOP-SECRET|chmod|os\.fork|Popen|sleep\(""", re.X)

#: The first-screen rule, for `first example` here and tests/test_docs.py: on the page at 1280 x 900 px,
#: `api`: whether it has API entries (nbdev `show_doc` outputs: a rule, then a heading with an id);
#: `example`: the top (px from the top of the document) of the first input code block of a cell with an output
#: a reader sees (text, a picture; stderr alone does not count), or null; `line`: the bottom of that block's
#: first line (it must be on the first screen: the block *begins* there, a reader sees it); `first`: whether, in the page's body
#: (below the title block), a paragraph of prose comes before the first code block (input cells and code in
#: markdown; API signatures are outputs, not code); `code`: the first line of that code block.
FIRST_SCREEN_JS = """() => {
  const main = document.querySelector('main');
  const top = e => e.getBoundingClientRect().top + window.scrollY;
  const outputs = '.cell-output-stdout, .cell-output-display, .cell-output-markdown';
  const api = [...main.querySelectorAll('.cell-output-markdown')].some(o =>
      o.firstElementChild && o.firstElementChild.tagName === 'HR' && o.querySelector('h2[id], h3[id], h4[id]'));
  const example = [...main.querySelectorAll('div.cell')].find(c => c.querySelector('pre.cell-code')
      && [...c.querySelectorAll(outputs)].some(o => o.innerText.trim() || o.querySelector('img, svg, video, canvas')));
  const inBody = e => !e.closest('header, nav, details, .cell-output, .cell-output-markdown, .cell-output-display');
  const code = [...main.querySelectorAll('pre')].find(e => inBody(e) && e.innerText.trim());
  const prose = [...main.querySelectorAll('p')].find(e => inBody(e) && e.innerText.trim());
  const pre = example && example.querySelector('pre.cell-code'), cs = pre && getComputedStyle(pre);
  const line = cs && (parseFloat(cs.paddingTop) + (parseFloat(cs.lineHeight) || 1.2 * parseFloat(cs.fontSize)));
  return {api, example: pre ? top(pre) : null, line: pre ? top(pre) + line : null,
          first: !code || !!(prose && (prose.compareDocumentPosition(code) & Node.DOCUMENT_POSITION_FOLLOWING)),
          code: code ? code.innerText.split('\\n')[0].slice(0, 60) : null};
}"""
#: A screen, in px at 1280 px wide.
SCREEN = 900


def first_screen_problem(r, href):
    "What the first-screen rule finds wrong with a page (`FIRST_SCREEN_JS`'s result `r`), or None."
    if not r["first"]:
        return f"{href}: code before any prose: {r['code']!r}"
    if r["api"] and r["example"] is None:
        return f"{href}: no code cell with an output on the page"
    if r["api"] and r["line"] > SCREEN:
        return f"{href}: the first example begins at {r['example']:.0f} px: its first line is not on the first screen ({SCREEN} px)"
    return None


JS = """() => {
  const main = document.querySelector('main');
  const inputs = [...main.querySelectorAll('div.cell pre.cell-code')];
  const pres = [...main.querySelectorAll('pre')];
  return {inputs: inputs.map(p => p.innerText),
          height: document.documentElement.scrollHeight,
          blocks: pres.length,
          scroll: pres.filter(p => p.scrollWidth > p.clientWidth + 1).length};
}"""


def sidebar():
    text = (SITE / "index.html").read_text(encoding="utf-8")
    nav = text[text.index('id="quarto-sidebar"'):]
    return re.findall(r'<a href="(?:\./)?([^"#:]+\.html)"', nav[:nav.index("</nav>")])


def page_notebooks():
    "Page (output-file) -> processed notebook."
    out = {}
    for path in PROC.rglob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        m = re.search(r"^output-file:\s*(\S+)", "".join(nb["cells"][0]["source"]), re.M)
        if m:
            out[m[1]] = path
    return out


def stats():
    from playwright.sync_api import sync_playwright
    from apidoc import entries as unexplained_entries
    nbs, rows = page_notebooks(), []
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        ctx = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                    args=["--no-sandbox", "--disable-gpu"],
                                                    viewport={"width": 1280, "height": 900})
        for href in sidebar():
            page = ctx.new_page()
            page.goto((SITE / href).as_uri(), wait_until="load")
            r = page.evaluate(JS)
            first = page.evaluate(FIRST_SCREEN_JS)
            page.close()
            lines = [(bool(HARNESS.search(src)), ln) for src in r["inputs"] for ln in src.splitlines() if ln.strip()]
            entries = unexplained_entries(nbs[href]) if href in nbs else []
            with_params = [e for e in entries if e["params"]]
            rows.append(dict(page=href, lines=len(lines), harness=sum(h for h, _ in lines),
                             screens=r["height"] / 900, blocks=r["blocks"], scroll=r["scroll"],
                             entries=len(with_params), unexplained_entries=sum(bool(e["unexplained"]) for e in with_params),
                             unexplained=sum(len(e["unexplained"]) for e in with_params),
                             first_example=first["example"] if first["api"] else None,
                             first_screen=first_screen(first, href)))
        ctx.close()
    return rows


def first_screen(r, href):
    "The `first screen` cell of a page: yes/no by the rule of FIRST_SCREEN_JS, with where its first example begins."
    problem = first_screen_problem(r, href)
    where = f" ({r['example']:.0f} px)" if r["api"] and r["example"] is not None else ""
    if problem is None:
        return f"yes{where}" if r["api"] else "yes (no API)"
    return f"no: code first{where}" if not r["first"] else f"no{where or ' (no example)'}"


def table(rows):
    head = ("| page | code lines | harness % | screens | code blocks scrolling "
            "| entries with params: some unexplained (params) | example on the first screen |")
    out = [head, "|" + "---|" * 7]
    for r in rows + [total(rows)]:
        share = 100 * r["harness"] / r["lines"] if r["lines"] else 0
        out.append(f"| {r['page']} | {r['lines']} | {share:.0f} % | {r['screens']:.1f} | {r['scroll']}/{r['blocks']} "
                   f"| {r['unexplained_entries']}/{r['entries']} ({r['unexplained']}) | {r['first_screen']} |")
    return "\n".join(out)


def total(rows):
    t = {k: sum(r[k] for r in rows) for k in rows[0] if k not in ("page", "first_example", "first_screen")}
    good = sum(r["first_screen"].startswith("yes") for r in rows)
    return dict(t, page="**all**", first_screen=f"{good}/{len(rows)} yes")


if __name__ == "__main__":
    rows = stats()
    print(table(rows))
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "pagestats.json").write_text(json.dumps(rows, indent=1))
