"""The learner's workspace/ for `make lab` and `make reset` (issue 14).

    python scripts/workspace.py prepare          # copy missing chapters, trust every copy, settings
    python scripts/workspace.py reset CHAPTER    # fresh copy of one chapter (3, 03 or a name start)

``reset`` refuses while a running JupyterLab has the notebook open (its sessions are read from
``/api/sessions`` of every server ``jupyter server list --json`` reports), because the open tab would
keep the old content and offer to overwrite the fresh copy at the next save.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
WORKSPACE = ROOT / "workspace"
BIN = Path(sys.executable).parent
# JupyterLab settings for the course: no "news" prompt and no update check (both want the
# internet), so a learner sees no notification to decode.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def match_chapter(spec: str, chapters: Path = CHAPTERS) -> Path:
    """The one chapter notebook ``spec`` names: ``3``, ``03``, ``03_dead`` or ``dead_neurons``."""
    spec = spec.strip()
    notebooks = sorted(chapters.glob("*.ipynb"))
    if spec.isdigit():
        found = [nb for nb in notebooks if nb.name.split("_", 1)[0].isdigit()
                 and int(nb.name.split("_", 1)[0]) == int(spec)]
    else:
        found = [nb for nb in notebooks if nb.name.startswith(spec)]
        if not found:  # a start of the name after the number: "dead" for 03_dead_neurons
            found = [nb for nb in notebooks if nb.name.split("_", 1)[-1].startswith(spec)]
    if len(found) != 1:
        names = ", ".join(nb.stem for nb in notebooks)
        raise SystemExit(
            f"CHAPTER={spec} must name exactly one chapter (found: "
            f"{', '.join(nb.stem for nb in found) or 'none'}); the chapters are: {names}"
        )
    return found[0]


def open_sessions() -> list[tuple[str, Path]]:
    """(server url, notebook path) for every notebook open in a running Jupyter server."""
    try:
        out = subprocess.run(
            [str(BIN / "jupyter"), "server", "list", "--json"],
            capture_output=True, text=True, timeout=30, check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    found = []
    for line in out.splitlines():
        try:
            server = json.loads(line)
        except json.JSONDecodeError:
            continue
        url = server.get("url", "")
        token = server.get("token", "")
        root = Path(server.get("root_dir") or server.get("notebook_dir") or ".")
        try:
            with urllib.request.urlopen(f"{url.rstrip('/')}/api/sessions?token={token}", timeout=20) as r:
                sessions = json.loads(r.read())
        except (OSError, ValueError):
            continue
        for s in sessions:
            path = s.get("path") or s.get("notebook", {}).get("path")
            if path:
                found.append((url, (root / path).resolve()))
    return found


# A Sphinx ``{only}`` block (backtick or colon fence): the book keeps the html one, the PDF the
# latex one; jupyterlab-myst knows no such directive and would show both under "Unknown Directive".
ONLY_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{only\}[ \t]+(?P<expr>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$\n?",
    re.M | re.S,
)


# The closing marker of a gated solution: the book needs it, jupyterlab-myst draws it as an empty box.
SOLUTION_END = re.compile(r"^(`{3,}|:{3,})\{solution-end\}[^\n]*\n\1[ \t]*$\n?", re.M)


def live_markdown(text: str) -> str:
    """Markdown as a live reader should get it: ``{only} html`` blocks unwrapped (JupyterLab is a
    screen, like the HTML book), every other ``{only}`` block (``latex``: the print edition) dropped,
    and no ``{solution-end}`` marker (each cell renders on its own there; it would be an empty box)."""

    def keep(m: re.Match) -> str:
        return m.group("body") if m.group("expr").strip() == "html" else ""

    out = SOLUTION_END.sub("", ONLY_BLOCK.sub(keep, text))
    return re.sub(r"\n{3,}", "\n\n", out)


def fold_like_the_book(cell: dict) -> None:
    """Fold in JupyterLab what the book hides: the code of ``remove-input``/``hide-input``/
    ``remove-cell`` cells (glue and claim bookkeeping, plotting code) and the outputs of
    ``remove-output``/``remove-cell`` cells. A click on the fold shows them."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    jupyter = cell.setdefault("metadata", {}).setdefault("jupyter", {})
    if tags & {"remove-input", "hide-input", "remove-cell"}:
        jupyter["source_hidden"] = True
    if tags & {"remove-output", "remove-cell"}:
        jupyter["outputs_hidden"] = True
    if not jupyter:
        del cell["metadata"]["jupyter"]


# The first line of a gated solution's code cell: ``%%solution LABEL``, perhaps already numbered.
SOLUTION_LINE = re.compile(r"^%%solution[ \t]+(?P<label>\S+)(?:[ \t]+\(part \d+ of \d+\))?[ \t]*$", re.M)


def number_solution_parts(cells: list[dict]) -> int:
    """Number the cells of each solution that spans several: ``%%solution LABEL (part 2 of 3)``.

    The live kernel then knows, whatever order the cells run in, that part 2 needs part 1 and
    how many parts there are (dying_relu.live: each part's button runs the earlier parts first).
    A solution in one cell keeps its line. Returns how many cells were numbered."""
    parts: dict[str, list[tuple[dict, str, re.Match]]] = {}
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell.get("source"), list) else cell.get("source", "")
        m = SOLUTION_LINE.match(source.lstrip())
        if m:
            parts.setdefault(m.group("label"), []).append((cell, source.lstrip(), m))
    numbered = 0
    for label, found in parts.items():
        if len(found) < 2:
            continue
        for k, (cell, source, m) in enumerate(found, 1):
            cell["source"] = f"%%solution {label} (part {k} of {len(found)})" + source[m.end():]
            numbered += 1
    return numbered


def learner_copy(src: Path, dest: Path) -> None:
    """Copy a chapter for a learner: as it is, except that solutions keep their results to
    themselves and the prose is the screen edition's.

    The committed notebook holds the outputs of its ``%%solution`` cells (the book shows them and
    nbval compares them), but a learner opening the copy would read them before trying the
    exercise: they are left out of the copy (the cell shows its button once run; see
    dying_relu.live). Markdown cells keep the HTML book's ``{only}`` text and lose the print
    edition's (:func:`live_markdown`); code the book hides is folded (:func:`fold_like_the_book`).
    The parts of a solution that spans several cells are numbered (:func:`number_solution_parts`).
    """
    nb = json.loads(src.read_text(encoding="utf-8"))
    number_solution_parts(nb.get("cells", []))
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if cell.get("cell_type") == "code" and source.lstrip().startswith("%%solution"):
            cell["outputs"] = []
            cell["execution_count"] = None
        if cell.get("cell_type") == "code":
            fold_like_the_book(cell)
        elif cell.get("cell_type") == "markdown" and ("{only}" in source or "{solution-end}" in source):
            cell["source"] = live_markdown(source)
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def trust(notebook: Path) -> None:
    """`jupyter trust` one notebook (so its saved widget views render when opened)."""
    subprocess.run([str(BIN / "jupyter"), "trust", str(notebook)], check=True, capture_output=True)


def prepare(workspace: Path = WORKSPACE) -> None:
    """Copy the chapters that have no copy yet, trust every copy, write the course's lab settings."""
    workspace.mkdir(exist_ok=True)
    for nb in sorted(CHAPTERS.glob("*.ipynb")):
        dest = workspace / nb.name
        if dest.exists():
            print(f"keeping your copy {dest.relative_to(ROOT)}")
        else:
            learner_copy(nb, dest)
            print(f"copied {nb.relative_to(ROOT)} -> {dest.relative_to(ROOT)}")
        trust(dest)
    settings = workspace / ".jupyterlab-settings"
    for rel, content in SETTINGS.items():
        path = settings / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(content, indent=2) + "\n")


def reset(spec: str, workspace: Path = WORKSPACE) -> int:
    """A fresh, trusted copy of one chapter; the old copy is kept, renamed. 1 if it is open."""
    src = match_chapter(spec)
    dest = workspace / src.name
    open_here = [url for url, path in open_sessions() if path == dest.resolve()]
    if open_here:
        print(
            f"{dest.relative_to(ROOT)} is open in JupyterLab ({open_here[0]}).\n"
            "Close its tab first (File > Close Tab, and shut down its kernel), then run make reset "
            "again: an open tab keeps the old content and would overwrite the fresh copy when saved.",
            file=sys.stderr,
        )
        return 1
    workspace.mkdir(exist_ok=True)
    if dest.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = workspace / f"{src.stem}.bak-{stamp}.ipynb"
        n = 1
        while backup.exists():
            backup = workspace / f"{src.stem}.bak-{stamp}-{n}.ipynb"
            n += 1
        dest.rename(backup)
        print(f"your old copy is kept as {backup.relative_to(ROOT)}")
    learner_copy(src, dest)
    trust(dest)
    print(f"fresh copy: {dest.relative_to(ROOT)} (reload it in JupyterLab if its tab was open)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: prepare | reset CHAPTER."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("prepare")
    r = sub.add_parser("reset")
    r.add_argument("chapter")
    args = parser.parse_args(argv)
    if args.cmd == "prepare":
        prepare()
        return 0
    return reset(args.chapter)


if __name__ == "__main__":
    sys.exit(main())
