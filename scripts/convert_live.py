"""Convert a chapter notebook to the live mechanisms of issue 14 (see lib/dying_relu/live.py).

    python scripts/convert_live.py chapters/03_dead_neurons.ipynb [...]   # in place
    python scripts/convert_live.py --check chapters/*.ipynb                # exit 1 if any would change
    python scripts/convert_live.py --out DIR NB.ipynb                      # write converted copies

What it does, mechanically (nothing else in the notebook changes; outputs are kept):

1. Code cells: ``from myst_nb import glue`` becomes ``from dying_relu.live import V, glue``
   (``V`` is read by the prose's ``{eval}`` roles; glue still stores every value for the book).
2. Markdown: ``{glue:text}`KEY:FMT``` and ``{glue}`KEY:FMT``` become ``{eval}`V["KEY:FMT"]```.
   Kept as they are, and reported: pastes from another notebook (``{glue:text}`NB.ipynb::KEY```),
   which the kernel of this notebook cannot evaluate and jupyterlab-myst shows raw (compute the
   number in this notebook with the library function the other chapter uses, glue it and read it
   with ``{eval}``; tests/test_notebooks_clean.py fails on such a role), and
   ``{glue:md}``/``{glue:figure}`` (not plain text).
3. Gated solutions (every cell between a ``{solution-start}`` and its ``{solution-end}``):
   code cells get the first line ``%%solution LABEL`` (run in the book and nbval, wait for the
   learner live), and every cell inside, markdown too, is folded in JupyterLab
   (``metadata.jupyter.source_hidden``). Code outputs stay visible: live they hold the button.
   A folded markdown cell starts with an empty line: JupyterLab shows a folded cell's first
   line in its placeholder, which would give the solution's prose away (an empty first line
   changes nothing in the book). Running a markdown cell unfolds it, though (Run All does), so
   its prose also goes into a folded ``{admonition} Discussion`` (``:class: dropdown``), which
   jupyterlab-myst and the book both fold; a ``{solution-end}`` stays outside it.

3b. A ``remove-cell`` code cell between the last shown code cell and a markdown cell whose
   ``{eval}`` reads it becomes ``remove-input`` + ``remove-output``: MyST-NB's inline mode leaves
   removed cells out of the page and runs them only when it reaches the next code cell it
   shows, so the markdown cell's numbers would be evaluated before their glue ran (and come out
   empty). A cell without input and output shows nothing either.

4. Notebook metadata ``mystnb.execution_mode: inline``: MyST-NB runs this notebook cell by cell
   while it renders it, which is what ``{eval}`` needs; the other chapters keep the book's
   ``execute_notebooks: force``. (``nb_eval_name_regex`` in _config.yml lets ``V["..."]`` through.)

5. Written notebooks get ``ruff check --fix --select I`` (the import moves among the library's
   own imports, where isort wants it). Imports used only inside solutions then look unused to
   ruff (it does not read cells under a cell magic): ``ruff check`` names them; give them a
   ``# noqa: F401`` by hand.

The conversion is idempotent: a converted notebook converts to itself.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

IMPORT_OLD = re.compile(r"^from myst_nb import glue[ \t]*$", re.MULTILINE)
IMPORT_NEW = "from dying_relu.live import V, glue  # noqa: F401 (V: read by the prose's eval roles)"
# {glue:text}`KEY:FMT`, {glue}`KEY` (the key may not contain a backtick)
GLUE_TEXT = re.compile(r"\{glue(?::text)?\}`([^`]+)`")
GLUE_OTHER = re.compile(r"\{glue:(md|figure|math|any)\}`([^`]+)`")
SOLUTION_START = re.compile(r"^(`{3,}|:{3,})\{solution-start\}\s+(\S+)", re.MULTILINE)
SOLUTION_END = re.compile(r"^(`{3,}|:{3,})\{solution-end\}", re.MULTILINE)
MAGIC = "%%solution"
EVAL_ROLE = re.compile(r"\{eval\}`")


@dataclass
class Report:
    """What a conversion changed and what it left for a person to decide."""

    glue_roles: int = 0
    imports: int = 0
    solution_cells: int = 0
    folded_cells: int = 0
    unhidden: int = 0
    kept: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line per kind of change, then the roles kept."""
        lines = [
            f"{self.glue_roles} glue roles -> {{eval}}, {self.imports} import(s), "
            f"{self.solution_cells} solution code cell(s) under %%solution, "
            f"{self.folded_cells} cell(s) folded, {self.unhidden} remove-cell -> remove-input/output"
        ]
        lines += [f"  kept: {k}" for k in self.kept]
        return "\n".join(lines)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def convert_markdown(text: str, report: Report) -> str:
    """The markdown rules (2) on one cell's text."""

    def repl(m: re.Match) -> str:
        key = m.group(1)
        if "::" in key:
            report.kept.append(f"{m.group(0)} (pasted from another notebook: raw in JupyterLab; "
                               "compute the number here with the other chapter's library function)")
            return m.group(0)
        report.glue_roles += 1
        return '{eval}`V["' + key.replace("\\", "\\\\").replace('"', '\\"') + '"]`'

    for m in GLUE_OTHER.finditer(text):
        report.kept.append(f"{m.group(0)} (not plain text)")
    return GLUE_TEXT.sub(repl, text)


DISCUSSION = ":::{admonition} Discussion\n:class: dropdown\n"


def fold_prose(text: str) -> str:
    """The prose of a markdown cell inside a gated solution, in a folded Discussion admonition.

    Whatever precedes the cell's ``{solution-end}`` (all of it if there is none) goes into the
    admonition; an empty or already wrapped cell is left as it is.
    """
    end = SOLUTION_END.search(text)
    body, tail = (text[: end.start()], text[end.start():]) if end else (text, "")
    if not body.strip() or body.lstrip().startswith(DISCUSSION.split("\n")[0]):
        return text
    return f"{DISCUSSION}\n{body.strip()}\n:::\n" + (f"\n{tail}" if tail else "")


def convert_notebook(nb: dict) -> tuple[dict, Report]:
    """Apply rules 1-3 to a notebook (a dict as read from JSON); returns it and a report."""
    report = Report()
    mystnb = nb.setdefault("metadata", {}).setdefault("mystnb", {})
    mystnb["execution_mode"] = "inline"
    label: str | None = None  # inside a gated solution: its exercise's label
    for cell in nb.get("cells", []):
        text = _source(cell)
        new = text
        if cell.get("cell_type") == "markdown":
            new = convert_markdown(text, report)
            start, end = SOLUTION_START.search(text), SOLUTION_END.search(text)
            if label is not None and not start:
                _fold(cell, report)
                new = fold_prose(new)
                if not new.startswith("\n"):  # the folded placeholder shows the first line
                    new = "\n" + new
            if start:
                label = start.group(2)
            if end and (not start or end.start() > start.start()):
                label = None
        elif cell.get("cell_type") == "code":
            if IMPORT_OLD.search(new):
                new = IMPORT_OLD.sub(IMPORT_NEW, new)
                report.imports += 1
            if label is not None:
                if not new.lstrip().startswith(MAGIC):
                    new = f"{MAGIC} {label}\n{new}"
                report.solution_cells += 1
                _fold(cell, report)
        if new != text:
            cell["source"] = new
    unhide_before_evals(nb, report)
    return nb, report


def unhide_before_evals(nb: dict, report: Report) -> None:
    """Rule 3b: removed code cells that an {eval} right after them needs are shown (empty) instead."""
    pending: list[dict] = []  # removed code cells since the last code cell the book shows
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "code":
            if "remove-cell" in tags:
                pending.append(cell)
            else:
                pending = []
        elif cell.get("cell_type") == "markdown" and EVAL_ROLE.search(_source(cell)):
            for removed in pending:
                t = removed["metadata"]["tags"]
                t[t.index("remove-cell")] = "remove-input"
                if "remove-output" not in t:
                    t.insert(t.index("remove-input") + 1, "remove-output")
                report.unhidden += 1
            pending = []


def _fold(cell: dict, report: Report) -> None:
    jup = cell.setdefault("metadata", {}).setdefault("jupyter", {})
    jup["source_hidden"] = True
    report.folded_cells += 1


def write_notebook(nb: dict, path: Path) -> None:
    """Write as Jupyter does (indent 1, a final newline), so diffs stay small."""
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def sort_imports(path: Path) -> None:
    """``ruff check --fix --select I PATH`` with the project's settings, if ruff is installed."""
    import shutil
    import subprocess

    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff:
        subprocess.run([ruff, "check", "--quiet", "--fix", "--select", "I", str(path)],
                       cwd=Path(__file__).resolve().parents[1], check=False, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: convert in place, into --out, or --check."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if one would change"
    )
    parser.add_argument("--out", type=Path, help="write converted copies into this folder")
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        original = json.loads(path.read_text(encoding="utf-8"))
        nb, report = convert_notebook(json.loads(json.dumps(original)))
        changed = nb != original
        state = ("would change" if args.check else "converted") if changed else "unchanged"
        print(f"{path}: {state}")
        print("  " + report.summary().replace("\n", "\n  "))
        if args.check:
            status |= int(changed)
        elif args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            write_notebook(nb, args.out / path.name)
            sort_imports(args.out / path.name)
        elif changed:
            write_notebook(nb, path)
            sort_imports(path)
    return status


if __name__ == "__main__":
    sys.exit(main())
