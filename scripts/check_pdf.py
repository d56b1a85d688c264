"""Check the print edition: read the PDF back with pdftotext and look for what must be in it.

    python scripts/check_pdf.py _build/dying-relu-course.pdf

Fails (exit 1, listing what is missing) unless the PDF's text has
- the title of every page of _toc.yml (its first `# ` heading),
- the title of every exercise (``{exercise}`` directives in the chapters),
- every figure caption: the captions in the output metadata of the executed chapters
  (``plots.show(..., caption=)`` and every explorer's printed default frame), and every
  ``{figure}`` caption written in the text,
- and no widget text repr (``VBox(``, ``IntSlider(``...: what an explorer prints as without its
  printable frame).
Text is compared on letters and digits only (lower case, after Unicode NFKC), so line breaks,
hyphenation, ligatures and LaTeX's typographic quotes and dashes do not matter.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_pdf import EXECUTED, ROOT, source_of, toc_files  # noqa: E402

WIDGET_REPRS = ["VBox(", "HBox(", "IntSlider(", "Stack(", "Layout(", "FloatSlider(", "Dropdown("]
# what an output with no printable form shows instead (an HTML display, a bare object)
OBJECT_REPRS = ["<IPython.core.display", "object at 0x", "<Figure size"]
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}[ \t]*(.*)$", re.M)
FIGURE = re.compile(r"^(`{3,}|:{3,})\{figure\}[^\n]*\n((?:[ \t]*:[^\n]*\n)*)\s*\n?([^\n]+)", re.M)


def key(text: str) -> str:
    """Letters and digits only, lower case, after NFKC (ligatures and full-width forms unfolded)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def strip_markup(text: str) -> str:
    """A heading or title without MyST markup: roles, code ticks, math dollars, emphasis."""
    text = re.sub(r"\{[a-z:]+\}`([^`]*)`", r"\1", text)
    return re.sub(r"[`*_$]", "", text).strip()


def markdown_of(path: Path) -> str:
    """A page's Markdown: the file itself, or every Markdown cell of a notebook."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text())
        return "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return path.read_text()


def output_captions(path: Path) -> list[str]:
    """Captions stored in the output metadata of an (executed) notebook's images."""
    nb = json.loads(path.read_text())
    found = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            for mime, meta in (out.get("metadata") or {}).items():
                if mime.startswith("image/") and isinstance(meta, dict) and meta.get("caption"):
                    found.append(str(meta["caption"]))
    return found


def expected() -> dict[str, list[str]]:
    """What the PDF must contain, by kind: titles, exercises, captions."""
    titles, exercises, captions = [], [], []
    for name in toc_files():
        src = source_of(name)
        md = markdown_of(src)
        heading = re.search(r"^# (.+)$", md, re.M)
        if heading:
            titles.append(strip_markup(heading.group(1)))
        exercises += [strip_markup(m.group(2)) for m in EXERCISE.finditer(md) if m.group(2).strip()]
        captions += [strip_markup(m.group(3)) for m in FIGURE.finditer(md)]
        if src.suffix == ".ipynb":
            executed = EXECUTED / src.relative_to(ROOT)
            captions += output_captions(executed if executed.exists() else src)
    return {"page title": titles, "exercise": exercises, "figure caption": captions}


def pdf_text(pdf: Path) -> str:
    """The PDF's text (pdftotext, reading order)."""
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def page_count(pdf: Path) -> int:
    """Number of pages (pdfinfo)."""
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def check(pdf: Path) -> list[str]:
    """Every problem found in the PDF (empty: all good)."""
    text = pdf_text(pdf)
    flat = key(text)
    problems = []
    for kind, items in expected().items():
        for item in items:
            if key(item) and key(item) not in flat:
                problems.append(f"{kind} missing: {item[:100]!r}")
    for what, markers in (("widget repr in the PDF", WIDGET_REPRS),
                          ("an output with no printable form", OBJECT_REPRS)):
        for marker in markers:
            if marker in text:
                where = text.index(marker)
                problems.append(f"{what}: {text[max(0, where - 40):where + 60]!r}")
    return problems


def main(argv: list[str]) -> int:
    """Command line: one argument, the PDF."""
    if len(argv) != 1:
        print(__doc__)
        return 2
    pdf = Path(argv[0])
    if not pdf.exists():
        print(f"ERROR: {pdf} not found (make pdf builds it)", file=sys.stderr)
        return 1
    exp = expected()
    problems = check(pdf)
    summary = ", ".join(f"{len(v)} {k}s" for k, v in exp.items())
    if problems:
        print(f">>> PDF check FAILED ({pdf}, {page_count(pdf)} pages; looked for {summary}):")
        for p in problems:
            print(f"  {p}")
        return 1
    print(f">>> PDF check ok: {pdf}, {page_count(pdf)} pages, has all {summary}, no widget or object repr")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
