"""Check the print edition: read the PDF back with pdftotext and look for what must be in it.

    python scripts/check_pdf.py _build/dying-relu-course.pdf [LATEX_LOG]

Fails (exit 1, listing what is missing) unless the PDF's text has
- the title of every page of _toc.yml (its first `# ` heading),
- the title of every exercise (``{exercise}`` directives in the chapters),
- every figure caption: the captions in the output metadata of the executed chapters
  (``plots.show(..., caption=)`` and every explorer's printed default frame), and every
  ``{figure}`` caption written in the text,
- no widget text repr (``VBox(``, ``IntSlider(``...: what an explorer prints as without its
  printable frame),
- every chapter's claims table whole on the page: each row (found by its claim key, in the
  order of the executed chapter's table) ends, on its first line, in its result ("held" or
  "NOT HELD"), and no word of that line runs past the right margin. A table wider than the text
  block loses its right-hand columns off the page (pdftotext keeps only what is on the page), so
  this fails when a table overflows;
- and, from the LaTeX log (LATEX_LOG, its .tex beside it; by default the print build's, when the
  PDF is the one that build made), no cell of a claims table wider than its column by more than
  OVERFULL_TOLERANCE ("Overfull \\hbox" at lines of the .tex inside a claims table): a word too
  long for its column runs into the next one.
Text is compared on letters and digits only (lower case, after Unicode NFKC), so line breaks,
hyphenation, ligatures and LaTeX's typographic quotes and dashes do not matter.
"""

from __future__ import annotations

import filecmp
import html
import json
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_pdf import EXECUTED, ROOT, STAGE, source_of, toc_files  # noqa: E402

WIDGET_REPRS = ["VBox(", "HBox(", "IntSlider(", "Stack(", "Layout(", "FloatSlider(", "Dropdown("]
# what an output with no printable form shows instead (an HTML display, a bare object)
OBJECT_REPRS = ["<IPython.core.display", "object at 0x", "<Figure size"]
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}[ \t]*(.*)$", re.M)
FIGURE = re.compile(r"^(`{3,}|:{3,})\{figure\}[^\n]*\n((?:[ \t]*:[^\n]*\n)*)\s*\n?([^\n]+)", re.M)
# The claims table (dying_relu.claims.Claims.table_bundle): its header, as the PDF shows it.
CLAIMS_HEADER = ("claim", "what", "the", "text", "says")
# A word whose right edge is this far (pt) past the right margin counts as running off it.
MARGIN_TOLERANCE = 2.0
# An overfull cell is reported from this much (pt; a column's text is 2 x 6 pt from the next one's).
OVERFULL_TOLERANCE = 3.0
OVERFULL = re.compile(r"^Overfull \\hbox \(([\d.]+)pt too wide\) in (?:paragraph|alignment) at lines (\d+)--",
                      re.M)
TABLE_BEGIN = re.compile(r"\\begin\{(longtable|tabulary|tabular)\}")
# The executed chapters the print build kept (it runs them again: they ask for inline execution).
PRINT_EXECUTED = ROOT / "_build" / "print" / "_build" / "jupyter_execute"


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


class _CellParser(HTMLParser):
    """The rows (lists of cell texts) of an HTML table body."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def claims_tables() -> list[tuple[str, list[list[str]]]]:
    """(page title, rows) of every claims table, in book order, as the executed chapters show them
    (their HTML output; a row is claim key, sentence, measured, needs, result): the print build's
    executed copy, else the HTML build's, else the committed notebook."""
    tables = []
    for name in toc_files():
        src = source_of(name)
        if src.suffix != ".ipynb":
            continue
        copies = [folder / src.relative_to(ROOT) for folder in (PRINT_EXECUTED, EXECUTED)]
        nb = json.loads(next((p for p in copies if p.exists()), src).read_text())
        heading = re.search(r"^# (.+)$", markdown_of(src), re.M)
        title = strip_markup(heading.group(1)) if heading else name
        for cell in nb["cells"]:
            for out in cell.get("outputs", []):
                page = out.get("data", {}).get("text/html", "")
                page = "".join(page) if isinstance(page, list) else page
                if 'class="claims-table"' in page:
                    parser = _CellParser()
                    parser.feed(page)
                    tables.append((title, [r for r in parser.rows if r]))
    return tables


@dataclass(frozen=True)
class Word:
    """A word of the PDF and its box (pt, origin top left), as ``pdftotext -bbox`` gives it."""

    page: int
    x0: float
    y0: float
    x1: float
    text: str


BBOX_PAGE = re.compile(r'<page width="[\d.]+" height="[\d.]+">(.*?)</page>', re.S)
BBOX_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>')


def pdf_words(pdf: Path) -> list[Word]:
    """Every word of the PDF, page by page, top to bottom and left to right.

    pdftotext leaves out what lies off the page, so a column that runs off it has no words here."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                         text=True).stdout
    words = []
    for page, body in enumerate(BBOX_PAGE.findall(out), start=1):
        found = [Word(page, float(x0), float(y0), float(x1), html.unescape(t))
                 for x0, y0, x1, t in BBOX_WORD.findall(body)]
        words += sorted(found, key=lambda w: (round(w.y0, 1), w.x0))
    return words


def _find_header(words: list[Word], start: int) -> int | None:
    """Index of the word "claim" that starts the next claims-table header at or after ``start``."""
    n = len(CLAIMS_HEADER)
    for i in range(start, len(words) - n + 1):
        run = words[i:i + n]
        if (tuple(w.text for w in run) == CLAIMS_HEADER
                and all(w.page == run[0].page and abs(w.y0 - run[0].y0) < 1 for w in run)):
            return i
    return None


def _is_key_start(word: Word, claim_key: str) -> bool:
    """``word`` is the claim key, or its first part where the key breaks at a hyphen."""
    k, whole = key(word.text), key(claim_key)
    return bool(k) and (k == whole or (whole.startswith(k) and word.text[-1] in "-\u2010\u2011"))


def right_margin(words: list[Word]) -> float:
    """The x position (pt) of the text block's right edge: where most pages' widest line ends
    (justified prose ends there; a page with something running past it is the exception)."""
    ends: dict[int, float] = {}
    for w in words:
        ends[w.page] = max(ends.get(w.page, 0.0), w.x1)
    widest = sorted(ends.values())
    return widest[len(widest) // 2] if widest else 0.0


def claims_table_problems(words: list[Word], tables: list[tuple[str, list[list[str]]]]) -> list[str]:
    """What is wrong with the claims tables in the PDF: missing tables or rows, rows whose first
    line does not end in the row's result, words past the right margin (see the module docstring).

    A row's cells are top-aligned, so the first line of every cell sits on the baseline of the
    row's claim key, which starts at the x position of the header's "claim"; the result column is
    the rightmost. Each row is looked for on the page of the row before it or the next page (a
    table set in one block that is taller than the page loses its last rows off the bottom)."""
    margin = right_margin(words) + MARGIN_TOLERANCE
    problems, cursor = [], 0
    for title, rows in tables:
        head = _find_header(words, cursor)
        if head is None:
            problems.append(f"claims table of {title!r} not found (no 'claim | what the text says' header)")
            continue
        left, page = words[head].x0, words[head].page
        cursor = head + len(CLAIMS_HEADER)
        bad: list[str] = []
        pages: set[int] = set()
        for row in rows:
            claim_key, result = row[0], row[-1]
            at = None
            for i in range(cursor, len(words)):
                if words[i].page > page + 1:
                    break
                if abs(words[i].x0 - left) < 3 and _is_key_start(words[i], claim_key):
                    at = i
                    break
            if at is None:
                bad.append(f"row {claim_key!r} not found")
                continue
            first = words[at]
            line = [w for w in words[max(0, at - 80):at + 400]
                    if w.page == first.page and abs(w.y0 - first.y0) < 1]
            last = max(line, key=lambda w: w.x1)
            if key(last.text) != key(result.split()[0]):
                bad.append(f"row {claim_key!r} (page {first.page}) ends in {last.text!r}, "
                           f"not its result {result!r}")
            elif last.x1 > margin:
                bad.append(f"row {claim_key!r} (page {first.page}) runs {last.x1 - margin:.0f} pt "
                           "past the right margin")
            cursor, page = at + 1, first.page
            pages.add(page)
        if bad:
            where = f"pages {min(pages)}-{max(pages)}" if pages else "in the PDF"
            problems.append(
                f"claims table of {title!r} ({where}) does not fit the page: {len(bad)} of "
                f"{len(rows)} rows incomplete, e.g. " + "; ".join(bad[:3]))
    return problems


def claims_table_spans(tex: str) -> list[tuple[int, int]]:
    """(first, last) line numbers of every claims table in the LaTeX source: a table environment
    whose header reads "what the text says"."""
    lines = tex.splitlines()
    spans = []
    for i, line in enumerate(lines):
        begin = TABLE_BEGIN.search(line)
        if not begin:
            continue
        close = f"\\end{{{begin.group(1)}}}"
        end = next((j for j in range(i, len(lines)) if close in lines[j]), len(lines) - 1)
        if "what the text says" in "\n".join(lines[i:min(end, i + 60)]):
            spans.append((i + 1, end + 1))
    return spans


def overfull_problems(tex: str, log: str, titles: list[str]) -> list[str]:
    """The claims tables (named by ``titles``, in book order) with a cell wider than its column."""
    spans = claims_table_spans(tex)
    worst: dict[int, list[float]] = {}
    for m in OVERFULL.finditer(log):
        too_wide, line = float(m.group(1)), int(m.group(2))
        for n, (first, last) in enumerate(spans):
            if first <= line <= last and too_wide > OVERFULL_TOLERANCE:
                worst.setdefault(n, []).append(too_wide)
    return [
        f"claims table of {titles[n] if len(titles) == len(spans) else f'no. {n + 1}'!r} "
        f"(.tex lines {spans[n][0]}-{spans[n][1]}): {len(widths)} overfull lines, up to "
        f"{max(widths):.0f} pt wider than their column"
        for n, widths in sorted(worst.items())
    ]


def print_build_log(pdf: Path) -> Path | None:
    """The print build's LaTeX log, if ``pdf`` is the PDF that build made (or a copy of it)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    target = config["latex"]["latex_documents"]["targetname"]
    made = STAGE / "_build" / "latex" / re.sub(r"\.tex$", ".pdf", target)
    if made.exists() and filecmp.cmp(made, pdf, shallow=True):
        return made.with_suffix(".log")
    return None


def pdf_text(pdf: Path) -> str:
    """The PDF's text (pdftotext, reading order)."""
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def page_count(pdf: Path) -> int:
    """Number of pages (pdfinfo)."""
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def check(pdf: Path, log: Path | None = None) -> list[str]:
    """Every problem found in the PDF and, given its LaTeX log, in that (empty: all good)."""
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
    tables = claims_tables()
    problems += claims_table_problems(pdf_words(pdf), tables)
    if log is not None:
        problems += overfull_problems(log.with_suffix(".tex").read_text(errors="replace"),
                                      log.read_text(errors="replace"), [t for t, _ in tables])
    return problems


def main(argv: list[str]) -> int:
    """Command line: the PDF, and optionally its LaTeX log."""
    if len(argv) not in (1, 2):
        print(__doc__)
        return 2
    pdf = Path(argv[0])
    if not pdf.exists():
        print(f"ERROR: {pdf} not found (make pdf builds it)", file=sys.stderr)
        return 1
    log = Path(argv[1]) if len(argv) == 2 else print_build_log(pdf)
    if log is not None and not (log.exists() and log.with_suffix(".tex").exists()):
        print(f"ERROR: {log} or its .tex not found", file=sys.stderr)
        return 1
    exp = expected()
    problems = check(pdf, log)
    tables = claims_tables()
    summary = ", ".join(f"{len(v)} {k}s" for k, v in exp.items())
    summary += f", {len(tables)} claims tables ({sum(len(rows) for _, rows in tables)} rows) whole"
    summary += f" (LaTeX log: {log})" if log else " (no LaTeX log: overfull cells not checked)"
    if problems:
        print(f">>> PDF check FAILED ({pdf}, {page_count(pdf)} pages; looked for {summary}):")
        for p in problems:
            print(f"  {p}")
        return 1
    print(f">>> PDF check ok: {pdf}, {page_count(pdf)} pages, has all {summary}, no widget or object repr")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
