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
  parameters, from the processed notebooks in `_proc/` (see `.ci/docs.py` `unexplained`).
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
            page.close()
            lines = [(bool(HARNESS.search(src)), ln) for src in r["inputs"] for ln in src.splitlines() if ln.strip()]
            entries = unexplained_entries(nbs[href]) if href in nbs else []
            with_params = [e for e in entries if e["params"]]
            rows.append(dict(page=href, lines=len(lines), harness=sum(h for h, _ in lines),
                             screens=r["height"] / 900, blocks=r["blocks"], scroll=r["scroll"],
                             entries=len(with_params), unexplained_entries=sum(bool(e["unexplained"]) for e in with_params),
                             unexplained=sum(len(e["unexplained"]) for e in with_params)))
        ctx.close()
    return rows


def table(rows):
    head = "| page | code lines | harness % | screens | code blocks scrolling | entries with params: some unexplained (params) |"
    out = [head, "|" + "---|" * 6]
    for r in rows + [total(rows)]:
        share = 100 * r["harness"] / r["lines"] if r["lines"] else 0
        out.append(f"| {r['page']} | {r['lines']} | {share:.0f} % | {r['screens']:.1f} | {r['scroll']}/{r['blocks']} "
                   f"| {r['unexplained_entries']}/{r['entries']} ({r['unexplained']}) |")
    return "\n".join(out)


def total(rows):
    t = {k: sum(r[k] for r in rows) for k in rows[0] if k != "page"}
    return dict(t, page="**all**")


if __name__ == "__main__":
    rows = stats()
    print(table(rows))
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "pagestats.json").write_text(json.dumps(rows, indent=1))
