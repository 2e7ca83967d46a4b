"""Write README.md from nbs/index.ipynb without Quarto (`nbdev_readme` needs it).

Markdown cells are copied (links to notebooks made relative to the top folder); code cells become fenced Python followed by their text outputs.
nbdev's directives are honoured: `#| hide` and `#| include: false` drop a cell,
`#| echo: false` drops its code, `#| output: false` its outputs.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIRECTIVE = re.compile(r"^\s*#\s*\|\s*([\w-]+:?)\s*(.*?)\s*$")
FALSE = {"false", "no", "0"}
NOTEBOOK_LINK = re.compile(r"\]\((?!\w+:|/)([^)\s]+\.ipynb)")  # relative links to notebooks in nbs/


def split_directives(source):
    "Return ({directive: value}, code) for a code cell's source."
    directives, lines = {}, source.splitlines()
    while lines and DIRECTIVE.match(lines[0]):
        name, value = DIRECTIVE.match(lines.pop(0)).groups()
        directives[name.rstrip(":")] = value.lower()
    return directives, "\n".join(lines).strip("\n")


def render_output(output):
    "Markdown for one output, or '' for outputs a README cannot show (images, widgets)."
    if output["output_type"] == "stream":
        text = "".join(output["text"])
    elif output["output_type"] in ("execute_result", "display_data"):
        data = output.get("data", {})
        if "text/markdown" in data:
            return "".join(data["text/markdown"]).strip() + "\n"
        text = "".join(data.get("text/plain", ""))
    elif output["output_type"] == "error":
        text = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", line) for line in output["traceback"])
    else:
        return ""
    return f"```\n{text.rstrip()}\n```\n" if text.strip() else ""


def render(nb):
    parts = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            parts.append(NOTEBOOK_LINK.sub(r"](nbs/\1", source.strip()) + "\n")
            continue
        if cell["cell_type"] != "code":
            continue
        directives, code = split_directives(source)
        if "hide" in directives or directives.get("include") in FALSE:
            continue
        if code and directives.get("echo") not in FALSE:
            parts.append(f"```python\n{code}\n```\n")
        if directives.get("output") not in FALSE:
            parts.extend(filter(None, map(render_output, cell.get("outputs", []))))
    return "\n".join(parts)


def main(src=ROOT / "nbs" / "index.ipynb", dest=ROOT / "README.md"):
    text = ("<!-- Generated from nbs/index.ipynb by `make readme`: edit the notebook, not this file. -->\n\n"
            + render(json.loads(Path(src).read_text(encoding="utf-8"))))
    Path(dest).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
