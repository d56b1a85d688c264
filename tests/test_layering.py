"""The library's layering (issue 11; README.md, "Library layers"): imports only point down.

    course tooling       plots, widgets, exercises, progress,       may import anything below
                         claims, live, torch (the optional PyTorch adapter), lab
          |
    chapter experiments  speed (1), gradients (2), dying (3), fixes (4),  the numeric core only
                         today (5)
          |
    numeric core         activations, nn, init, losses, optim, train, data, diagnostics,
                         gradcheck, seeding, stats, blas, bench, redo,  the numeric core only
                         problems

Rules checked on the source (every ``import`` statement, at any depth of the module):

- a numeric-core module imports only numeric-core modules, numpy and the standard library: never
  the tooling, matplotlib, ipywidgets, tqdm, or a chapter module;
- a chapter module imports the same, and no other chapter module (a mechanism two chapters share
  moves down into the core, never sideways);
- every module of the package is placed in exactly one layer (a new module must choose).

And at run time: importing every core and chapter module loads neither matplotlib nor any tooling
module. Names that moved out of a chapter module stay importable from it through a lazy
``__getattr__`` (listed in its ``_MOVED``) until the notebooks import them from their new home.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dying_relu

PKG = Path(dying_relu.__file__).parent
ROOT = Path(__file__).resolve().parents[1]

CORE = {"activations", "nn", "init", "losses", "optim", "train", "data", "diagnostics", "gradcheck",
        "seeding", "stats", "blas", "bench", "redo", "problems"}
EXPERIMENTS = {"speed", "gradients", "dying", "fixes", "today"}
# claims: the course's checks of its own sentences; torch: the optional PyTorch adapter (Chapter 5)
TOOLING = {"plots", "widgets", "exercises", "progress", "claims", "torch", "live", "lab"}
THIRD_PARTY_ALLOWED_BELOW_TOOLING = {"numpy"}


def _modules() -> dict[str, Path]:
    """Top-level modules and packages of dying_relu (``name -> file``), without ``__init__``."""
    out = {}
    for path in PKG.iterdir():
        if path.suffix == ".py" and path.stem != "__init__":
            out[path.stem] = path
        elif path.is_dir() and (path / "__init__.py").exists():
            for sub in path.rglob("*.py"):
                out.setdefault(path.name, sub)  # one entry per package; files checked below
    return out


def _files(name: str) -> list[Path]:
    path = PKG / name
    if path.is_dir():
        return sorted(path.rglob("*.py"))
    return [PKG / f"{name}.py"]


def _imports(file: Path) -> set[str]:
    """Top-level names imported by ``file``: ``dying_relu.X`` as ``X``, others by their package."""
    tree = ast.parse(file.read_text(), str(file))
    rel = file.relative_to(PKG).parts[:-1]  # the subpackage the file is in, e.g. ("exercises",)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                names.add(parts[1] if parts[0] == "dying_relu" and len(parts) > 1 else
                          "dying_relu" if parts[0] == "dying_relu" else parts[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] == "dying_relu":
                    if len(parts) > 1:
                        names.add(parts[1])
                    else:
                        names.update(a.name for a in node.names)
                else:
                    names.add(parts[0])
            else:
                base = list(rel[: len(rel) - (node.level - 1)]) if node.level > 1 else list(rel)
                target = base + (node.module.split(".") if node.module else [])
                if target:
                    names.add(target[0])
                else:  # "from . import x, y" at the package's top level
                    names.update(a.name for a in node.names)
    return names


def test_every_module_has_a_layer():
    modules = set(_modules())
    placed = CORE | EXPERIMENTS | TOOLING
    assert not (CORE & EXPERIMENTS) and not (CORE & TOOLING) and not (EXPERIMENTS & TOOLING)
    assert modules - placed == set(), (
        f"Place the new module(s) {sorted(modules - placed)} in a layer in tests/test_layering.py "
        "(and README.md's picture)."
    )
    assert placed - modules == set(), f"Listed but missing: {sorted(placed - modules)}"


def _violations(name: str, allowed_own: set[str]) -> list[str]:
    own = set(_modules())
    bad = []
    for file in _files(name):
        for imp in sorted(_imports(file)):
            if imp in own or imp == "dying_relu":
                if imp not in allowed_own:
                    bad.append(f"{file.relative_to(PKG)} imports {imp}")
            elif imp not in sys.stdlib_module_names and imp not in THIRD_PARTY_ALLOWED_BELOW_TOOLING \
                    and imp != "__future__":
                bad.append(f"{file.relative_to(PKG)} imports {imp}")
    return bad


@pytest.mark.parametrize("name", sorted(CORE))
def test_numeric_core_imports_only_the_core(name):
    bad = _violations(name, CORE)
    assert not bad, (
        "The numeric core may import only the core, numpy and the standard library (no plots, "
        f"widgets, exercises, progress, matplotlib or chapter modules): {bad}"
    )


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_chapter_modules_import_only_the_core(name):
    bad = _violations(name, CORE)
    assert not bad, (
        "A chapter module may import only the numeric core (a mechanism two chapters share moves "
        f"down into the core; figures belong to plots): {bad}"
    )


def test_the_checker_sees_violations(tmp_path, monkeypatch):
    """The rule above would fail on a core module importing matplotlib or a chapter module."""
    fake = tmp_path / "dying_relu"
    fake.mkdir()
    (fake / "nn.py").write_text("import numpy as np\nfrom .plots import style\n"
                                "def f():\n    import matplotlib.pyplot as plt\n    from . import fixes\n")
    (fake / "plots.py").write_text("")
    (fake / "fixes.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "PKG", fake)
    assert _imports(fake / "nn.py") == {"numpy", "plots", "matplotlib", "fixes"}
    assert len(_violations("nn", CORE)) == 3


def test_importing_core_and_chapters_loads_no_tooling():
    mods = sorted(CORE | EXPERIMENTS)
    code = (
        "import sys\n"
        + "".join(f"import dying_relu.{m}\n" for m in mods)
        + "bad = [m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'ipywidgets', 'tqdm')"
        + " or m in ('dying_relu.plots', 'dying_relu.widgets', 'dying_relu.exercises',"
        + " 'dying_relu.progress')]\n"
        + "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize("module", sorted(EXPERIMENTS))
def test_moved_names_still_resolve(module):
    mod = __import__(f"dying_relu.{module}", fromlist=["_"])
    for name, home in getattr(mod, "_MOVED", {}).items():
        new = __import__(f"dying_relu.{home}", fromlist=["_"])
        assert getattr(mod, name) is getattr(new, name)
    with pytest.raises(AttributeError, match="no attribute"):
        mod.no_such_name  # noqa: B018


_USE = re.compile(r"\b(activations|blas|data|diagnostics|dying|fixes|gradients|init|losses|nn|optim|"
                  r"plots|progress|seeding|speed|stats|train|widgets|G|A)\.([A-Za-z_]\w*)")
_FROM = re.compile(r"from dying_relu(?:\.(\w+))? import (?:\(([\w\s,]+)\)|([\w ,]+))")  # (...) or a line
_ALIASES = {"G": "gradients", "A": "activations"}


def _notebook_sources() -> list[tuple[str, str]]:
    out = []
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        out.append((nb.name, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")))
    return out


def test_every_library_name_the_chapters_use_exists():
    """Renames must keep the notebooks working: every ``module.name`` and every name imported
    ``from dying_relu[.module] import ...`` in chapters/*.ipynb resolves."""
    import importlib

    missing = []
    for nb, src in _notebook_sources():
        for mod, name in set(_USE.findall(src)):
            module = importlib.import_module(f"dying_relu.{_ALIASES.get(mod, mod)}")
            if not hasattr(module, name):
                missing.append(f"{nb}: {mod}.{name}")
        for mod, inner, line in _FROM.findall(src):
            names = inner or line
            module = importlib.import_module("dying_relu" + (f".{mod}" if mod else ""))
            for name in (n.split(" as ")[0].strip() for n in names.replace("\n", " ").split(",")):
                if name and not hasattr(module, name):
                    try:
                        importlib.import_module(f"{module.__name__}.{name}")
                    except ImportError:
                        missing.append(f"{nb}: from {module.__name__} import {name}")
    assert not missing, missing
