#!/usr/bin/env python3
"""Re-run chapter notebooks in place from a clean kernel, then strip noisy metadata.

This is how committed outputs are refreshed (the notebooks' outputs are committed, and nbval in
`make test` compares them with a fresh run). It is the scripted form of "Restart kernel and run
all, then save": execution counts come out as 1..N, and the state of every widget is stored in the
notebook metadata (`widgets`), so the static explorers render from the saved file too.

Usage (from the repository root; `make notebook NB=01` does the same):

    .venv/bin/python scripts/run_notebook.py chapters/01_relu_fast_and_cheap.ipynb
    .venv/bin/python scripts/run_notebook.py 01 03          # chapters/01*.ipynb, chapters/03*.ipynb
    .venv/bin/python scripts/run_notebook.py --all          # every chapters/*.ipynb
    .venv/bin/python scripts/run_notebook.py --strip-only 01   # clean metadata, do not execute

The kernel runs with the notebook's folder as working directory, like the book build and nbval.

Live notebooks (issue 14): after the last cell, every ``{eval}`EXPR``` of the markdown cells is
evaluated in the same kernel and stored in the cell's ``user_expressions`` metadata, exactly as
jupyterlab-myst stores a learner's own results, so a chapter opened in JupyterLab shows the
numbers of this run until the learner's Run All replaces them. Folding (``jupyter.source_hidden``,
set by scripts/convert_live.py on solutions) is kept; other UI metadata is stripped.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# Progress bars are for live readers only (see dying_relu.progress): keep them out of saved outputs.
os.environ["DYING_RELU_QUIET"] = "1"

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"

# Cell metadata that only records UI state or timing; everything else (tags, mystnb, ...) is kept.
NOISY_CELL_METADATA = {
    "execution",
    "ExecuteTime",
    "collapsed",
    "scrolled",
    "jupyter",
    "heading_collapsed",
    "hidden",
    "pycharm",
    "vscode",
    "colab",
    "id",
    "outputId",
}
# Notebook metadata worth keeping; the rest (editor settings, toc plugins, ...) is dropped.
KEPT_NOTEBOOK_METADATA = {"kernelspec", "language_info", "widgets", "mystnb", "jupytext"}
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def resolve_all(arg: str) -> list[Path]:
    """Like :func:`resolve`, but a chapter number names every part of a chapter told in several
    notebooks ("04": 04_fixes and 04b_fixes_compared, in order)."""
    if arg.isdigit():
        parts = sorted(p for p in CHAPTERS.glob(f"{arg}*.ipynb")
                       if p.name[len(arg):len(arg) + 1] in ("_", "") or p.name[len(arg)].isalpha())
        if len(parts) > 1:
            return parts
    return [resolve(arg)]


# {eval}`EXPR` in a markdown cell (MyST-NB's inline role; jupyterlab-myst reads the same syntax)
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")
USER_EXPRESSIONS = "user_expressions"  # jupyterlab-myst's cell metadata key


class InlineResultsClient(NotebookClient):
    """A NotebookClient that, after the last cell, stores the markdown cells' {eval} results."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if cell_index == len(self.nb.cells) - 1:
            await self.store_inline_results()
        return result

    async def store_inline_results(self) -> None:
        """Evaluate each markdown cell's {eval} expressions as jupyterlab-myst does; fail on errors."""
        failed = []
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type != "markdown":
                continue
            expressions = EVAL_ROLE.findall(cell.source)
            if not expressions:
                cell.metadata.pop(USER_EXPRESSIONS, None)
                continue
            msg_id = self.kc.execute(
                "", silent=False, store_history=False,
                user_expressions={str(k): e for k, e in enumerate(expressions)},
            )
            reply = await self.async_wait_for_reply(msg_id)
            results = reply["content"]["user_expressions"]
            stored = []
            for k, expression in enumerate(expressions):
                res = results[str(k)]
                if res.get("status") != "ok":
                    failed.append(f"cell {i}: {expression}: {res.get('ename')}: {res.get('evalue')}")
                stored.append({"expression": expression, "result": res})
            cell.metadata[USER_EXPRESSIONS] = stored
        if failed:
            raise RuntimeError("inline expressions that failed:\n  " + "\n  ".join(failed))


def resolve(arg: str) -> Path:
    """A path, or a prefix of a file name in chapters/ ("01", "03_dead")."""
    path = Path(arg)
    if path.suffix == ".ipynb":
        if not path.exists():
            sys.exit(f"error: {arg} does not exist")
        return path.resolve()
    matches = sorted(CHAPTERS.glob(f"{arg}*.ipynb"))
    if len(matches) != 1:
        found = ", ".join(m.name for m in matches) or "nothing"
        sys.exit(f"error: '{arg}' must match exactly one chapters/*.ipynb (found {found})")
    return matches[0]


def strip_metadata(nb: nbformat.NotebookNode) -> None:
    """Remove timing and UI metadata in place; keep outputs, tags and widget state."""
    for cell in nb.cells:
        folded = cell.metadata.get("jupyter", {}).get("source_hidden") is True
        for key in NOISY_CELL_METADATA & set(cell.metadata):
            del cell.metadata[key]
        if folded:  # a folded solution (scripts/convert_live.py): content, not UI state
            cell.metadata["jupyter"] = {"source_hidden": True}
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                # jupyter-server adds this; it is not part of the result
                output.get("metadata", {}).pop("execution", None)
    for key in set(nb.metadata) - KEPT_NOTEBOOK_METADATA:
        del nb.metadata[key]
    nb.metadata["kernelspec"] = dict(KERNEL)
    # the Python patch version changes from machine to machine: not worth a diff
    nb.metadata.get("language_info", {}).pop("version", None)


def run(path: Path, *, execute: bool, timeout: int) -> None:
    nb = nbformat.read(path, as_version=4)
    if execute:
        start = time.perf_counter()
        nb.metadata["kernelspec"] = dict(KERNEL)
        client = InlineResultsClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
            record_timing=False,
            store_widget_state=True,
            allow_errors=False,
        )
        client.execute()
        print(f"executed {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")
    strip_metadata(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    print(f"wrote {path.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="paths, or name prefixes in chapters/")
    parser.add_argument("--all", action="store_true", help="every chapters/*.ipynb")
    parser.add_argument("--strip-only", action="store_true", help="do not execute")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (600)")
    args = parser.parse_args(argv)
    if args.all:
        paths = sorted(CHAPTERS.glob("*.ipynb"))
    else:
        paths = [p for a in args.notebooks for p in resolve_all(a)]
    if not paths:
        parser.error("give notebooks, or --all")
    for path in paths:
        run(path, execute=not args.strip_only, timeout=args.timeout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
