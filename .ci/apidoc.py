"""API entries that tell the truth: nbdev's `show_doc` markdown, rewritten from the object it documents.

nbdev 2.4.14's `show_doc` (fastcore's `MarkdownRenderer` behind `nbdev.showdoc.BasicMarkdownRenderer`) renders
everything as a function: it unwraps a property to its getter (`def Lx()`, and a getter without a docstring
gets "Call self as a function." from `fastcore.docments`), prints a class or a zope interface with `def`, heads
a method patched onto a private base with the base's name (`_Stateful.init`), and takes the docstring a dunder
inherits from `object` ("Return repr(self).") as the entry's own. `.ci/docs.py` calls `entry` on every
`show_doc` output of the processed notebooks: it finds the object again from the cell's `show_doc(...)` call,
in the namespace of the notebook's module, and rewrites the heading and the signature block:

* a property: `@property` + `def name(self) -> type`, with the getter's docstring (none if it has none);
* a class: `class Name(...)` with the constructor's parameters and their docments;
* a zope interface: `interface IName(IBase)`;
* a function or a class: no annotation its author did not write (docments infer `norm:function=...`);
* a name with a private part (`_Stateful.init`): the public class of the module that inherits it
  (`Object.init`); an entry with no public name is dropped, and so is a second entry for the same name.

`params` lists the parameters of a documented callable with whether each is explained (a docment, or the
numpy-style `Parameters` section fastcore's `docments` also reads): one check for the whole site.
"""
import functools
import importlib
import inspect
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
#: Docstrings a documented name gets from Python or fastcore rather than from its author.
DEFAULT_DOCS = ({"Call self as a function."} | {(getattr(getattr(t, n, None), "__doc__", None) or "").strip()
                                                 for t in (object, type) for n in dir(t)}) - {""}
SHOW_DOC = re.compile(r"show_doc\(\s*([A-Za-z_][\w.]*)(?:.*?\bname\s*=\s*['\"]([^'\"]+)['\"])?", re.S)


def is_private(name):
    "True if a part of the dotted `name` starts with one underscore (`_Stateful.init`; not `__init__`)."
    return any(p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in name.split("."))


@functools.cache
def default_module(nb_name):
    "The module (`mmfutils.containers`) that the notebook `nbs/<nb_name>` exports to by default, or None."
    path = NBS / nb_name
    if not path.is_file():
        return None
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        m = re.search(r"^#\|\s*default_exp\s+(\S+)", "".join(cell["source"]), re.M)
        if cell["cell_type"] == "code" and m:
            return "mmfutils." + m[1]
    return None


@functools.cache
def namespace(module):
    "Public names of every mmfutils module, then every name of `module` (the notebook's own)."
    from mmfutils._modidx import d
    ns = {}
    for mod in sorted(d["syms"]):
        try:
            ns.update({k: v for k, v in vars(importlib.import_module(mod)).items() if not k.startswith("_")})
        except Exception:  # a module whose optional dependency is missing documents nothing here
            pass
    if module:
        ns.update(vars(importlib.import_module(module)))
    return ns


def target(source, nb_name):
    "`(expression, name, object)` of the `show_doc(...)` call in a cell's `source`; None if it cannot be found."
    m = SHOW_DOC.search(source)
    if not m:
        return None
    module = default_module(nb_name)
    try:
        obj = eval(m[1], dict(namespace(module)))  # a dotted name, read from our own notebooks
    except Exception:
        return None
    return m[1], m[2] or m[1], obj, module


def heir(base, module):
    """The public class of `module` that stands for its private `base`: its one public direct subclass, or the
    first public class inheriting all of them (where the family joins: `_Stateful` -> `Object`); else None."""
    mod = importlib.import_module(module) if module else None
    public = [c for c in (getattr(mod, n, None) for n in getattr(mod, "__all__", [])) if inspect.isclass(c)]
    direct = [c for c in public if base in c.__bases__]
    if len(direct) == 1:
        return direct[0].__name__
    return next((c.__name__ for c in public if direct and all(d in c.__mro__ for d in direct)), None)


def public_name(name, module):
    "`name` with a private class replaced by its public heir in `module` (`_Stateful.init` -> `Object.init`); None if none."
    if not is_private(name):
        return name
    parts = name.split(".")
    ns = namespace(module)
    for i, part in enumerate(parts[:-1]):
        if is_private(part) and inspect.isclass(ns.get(part)):
            parts[i] = heir(ns[part], module) or part
    new = ".".join(parts)
    return None if is_private(new) else new


def kind(obj):
    "property, interface, class or function."
    if isinstance(obj, (property, functools.cached_property)):
        return "property"
    try:
        from zope.interface.interface import InterfaceClass
        if isinstance(obj, InterfaceClass):
            return "interface"
    except ImportError:
        pass
    return "class" if inspect.isclass(obj) else "function"


def params(obj):
    "`[(parameter, explained)]` of the callable `obj` (none for a property or an interface); self and cls left out."
    from fastcore.docments import docments
    if kind(obj) in ("property", "interface"):
        return []
    if kind(obj) == "class" and not any(c.__module__ != "builtins" and {"__init__", "__new__"} & vars(c).keys()
                                        for c in obj.__mro__):
        return []  # the constructor of a builtin (an exception, a str): nothing of ours to explain
    try:
        dm = docments(obj, full=True, args_kwargs=True)  # `*args`/`**kw` carry docments too
        shown = inspect.signature(obj).parameters
    except Exception:  # no source or no signature (a builtin): nothing fastcore can read, nothing nbdev can show
        return []
    return [(k, bool((v or {}).get("docment"))) for k, v in dm.items()
            if k not in ("self", "cls", "return") and k in shown]


def escape(name):
    "Underscores of a heading escaped for markdown (`__exit__`, not a bold `exit`)."
    return re.sub(r"(?<!\\)_", r"\\_", name)


def property_signature(obj, name):
    fget = obj.fget if isinstance(obj, property) else obj.func
    try:
        ret = inspect.signature(fget).return_annotation
    except (TypeError, ValueError):
        ret = inspect.Signature.empty
    ret = "" if ret is inspect.Signature.empty else " -> " + (ret if isinstance(ret, str) else getattr(ret, "__name__", repr(ret)))
    setter = "  # settable" if getattr(obj, "fset", None) else ""
    return f"@property\ndef {name.rpartition('.')[2]}(self){ret}:{setter}"


def own_doc(obj):
    "The docstring its author gave `obj` (a property: its getter's), or ''."
    fn = obj.fget if isinstance(obj, property) else getattr(obj, "func", obj) if kind(obj) == "property" else obj
    doc = inspect.cleandoc(fn.__doc__ or "") if kind(obj) != "class" else inspect.getdoc(obj) or ""
    return "" if doc in DEFAULT_DOCS else doc


def own_annotations(sig, obj):
    """The signature text `sig` of `obj` without the annotations fastcore's docments infer from a default
    (`norm:function=_max_norm`, `tol:float64=...`, `marker:object=...`): a parameter its author left
    unannotated is shown unannotated."""
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return sig
    lines = sig.split("\n")
    for p in parameters:
        if p.annotation is inspect.Parameter.empty and p.default is not inspect.Parameter.empty:
            pattern = re.compile(rf"(^|[\s(,]){re.escape(p.name)}:[^=,#\n]+=")
            for i, line in enumerate(lines):
                code, sep, comment = line.partition(" # ")
                new = pattern.sub(lambda m, n=p.name: f"{m[1]}{n}=", code, count=1)
                if new != code:
                    lines[i] = new + sep + comment
                    break
    return "\n".join(lines)


def entry(md, source, nb_name, seen):
    """The `show_doc` markdown `md` made true to its object (see the module's docstring); None to drop it.

    `source` is the cell's source, `seen` the set of names this page already documents (updated)."""
    found = target(source, nb_name)
    head = re.search(r"^(#+) (\S+)\n", md, re.M)
    if not found or not head:
        return md
    expr, name, obj, module = found
    name, key = public_name(name, module), id(getattr(obj, "__func__", obj))
    if name is None or name in seen or key in seen:
        return None
    seen |= {name, key}
    md = md[:head.start()] + f"{head[1]} {escape(name)}\n" + md[head.end():]
    k = kind(obj)
    code = re.search(r"```python\n(.*?)\n```", md, re.S)
    if code:
        sig = code[1]
        if k == "property":
            sig = property_signature(obj, name)
        elif k == "class":
            sig = re.sub(r"^def ", "class ", own_annotations(sig, obj))
            sig = re.sub(r"\)\s*->\s*None:", "):", sig)
        elif k == "function":
            sig = own_annotations(sig, obj)
        elif k == "interface":
            bases = ", ".join(b.__name__ for b in obj.__bases__)
            sig = f"interface {obj.__name__}({bases})"
        md = md[:code.start(1)] + sig + md[code.end(1):]
        rest = md[md.index("```", code.start(1)) + 3:]
        doc = own_doc(obj)
        body = f"\n\n*{doc.splitlines()[0]}*" + ("\n\n" + "\n".join(doc.splitlines()[1:]).strip() if "\n" in doc else "") if doc else ""
        if k in ("property", "interface") or not doc or rest.strip().strip("*") in DEFAULT_DOCS:
            md = md[:md.index("```", code.start(1)) + 3] + body.rstrip() + "\n"
    return md


def entries(nb_path):
    """The public API entries of a processed notebook: `[{name, params, unexplained}]`, one per name.

    Reads the `show_doc` outputs as `.ci/docs.py` leaves them (after `entry`), or as nbdev made them."""
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    out, seen = [], set()
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            md = "".join(o.get("data", {}).get("text/markdown", ""))
            head = re.search(r"^#+ (\S+)\n", md, re.M)
            if not (md.startswith("---") and head):
                continue
            found = target("".join(cell["source"]), Path(nb_path).name)
            if not found:
                continue
            name, key = public_name(found[1], found[3]), id(getattr(found[2], "__func__", found[2]))
            if name is None or name in seen or key in seen:
                continue
            seen |= {name, key}
            ps = params(found[2])
            out.append(dict(name=name, params=[p for p, _ in ps], unexplained=[p for p, ok in ps if not ok]))
    return out
