"""Claims: the sentences a chapter makes, checked against the chapter's own measurements.

Outputs may differ between machines (another CPU's kernels sum in another order, and chaotic
training amplifies the last bits); the claims may not. Each sentence of a chapter whose truth rests
on an experiment ("ReLU reaches the target sooner than tanh", "the born-dead rate falls with
width") is backed by a check right after the cell that measures it::

    claims = Claims("ch3", "Dead neurons")
    claims.at_least(
        "high-lr-kills",
        "A learning rate of 1.5 leaves a sizeable share of the units dead.",
        dead_share, 0.10, fmt=".0%",
    )
    ...
    claims.summary()      # last cells: "14 claims checked when this page was built, 14 held."
    claims.table()

A failed check never stops the book from building: it is recorded, shown in the page's summary
and table, and reported. The checks return nothing, so a claim cell (a check is the last line of a code
cell in the chapters) displays nothing, in the book or in JupyterLab; whether a claim held is in
``claims.claims[key].held``, the summary and the table. Under ``DYING_RELU_CLAIMS=strict`` (set
by ``make nbval`` and the numeric-profile matrix) it raises :class:`ClaimFailed` at once, naming
the chapter, the claim, the sentence, what was measured and what the sentence needs, so
``make test`` fails there.

With ``DYING_RELU_CLAIMS_REPORT=DIR`` every chapter also writes ``DIR/<chapter>.json`` with all
its claims (value, bounds, margin), which the matrix uses to report the spread of each claim
across numeric profiles and seeds.

Bounds are not fitted to one run: each is set with room for the spread measured across the
profiles (native, avx2, baseline, threads2) and a shifted seed set (``DYING_RELU_SEED_OFFSET``);
``tests/claims.toml`` lists every chapter's claims with the sentence of the prose that makes them,
and a test fails when a chapter's prose keeps a sentence whose check was removed.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = ["ENV_MODE", "ENV_REPORT", "Claim", "ClaimFailed", "Claims"]

ENV_MODE = "DYING_RELU_CLAIMS"
ENV_REPORT = "DYING_RELU_CLAIMS_REPORT"
# The claims table's caption (web and print) and, in print, the relative widths of its columns:
# claim key, what the text says, measured, needs, result.
CAPTION = "Claims checked on this page, with the values measured when it was built"
PRINT_WIDTHS = (13, 39, 22, 17, 9)


class ClaimFailed(AssertionError):
    """A sentence of the course no longer holds on this machine (strict mode only)."""


@dataclass(frozen=True)
class Claim:
    """One checked sentence.

    Attributes:
        key: short identifier, unique within the chapter (also listed in ``tests/claims.toml``).
        sentence: what the text says, in a form a reader recognises.
        measured: the measurement, formatted.  expected: what the sentence needs, formatted.
        held: whether the measurement supports the sentence.
        value, lo, hi: the raw number and its bounds (None where not numeric or unbounded).
        margin: distance of ``value`` from the nearest bound in units of the bound's scale
            (positive inside, negative outside; None for non-numeric checks).
    """

    key: str
    sentence: str
    measured: str
    expected: str
    held: bool
    value: float | None = None
    lo: float | None = None
    hi: float | None = None
    margin: float | None = None


def _fmt(x: float, fmt: str) -> str:
    return format(x, fmt) if fmt else repr(x)


class Claims:
    """The claims of one chapter (see the module docstring).

    Args:
        chapter: short id, e.g. ``"ch2"`` (names the report file and the messages).
        title: the chapter's title, for messages.
    """

    def __init__(self, chapter: str, title: str = "") -> None:
        if not chapter or not chapter.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"chapter must be a short id such as 'ch2', got {chapter!r}.")
        self.chapter = chapter
        self.title = title
        self.claims: dict[str, Claim] = {}

    # ------------------------------------------------------------------ recording
    @property
    def strict(self) -> bool:
        """True when a failed claim raises (``DYING_RELU_CLAIMS=strict``)."""
        mode = os.environ.get(ENV_MODE, "").strip().lower()
        if mode not in ("", "strict", "record"):
            raise ValueError(f"{ENV_MODE} must be 'strict' or 'record' (the default), got {mode!r}.")
        return mode == "strict"

    def _record(self, claim: Claim) -> None:
        if not claim.key or any(c.isspace() for c in claim.key):
            raise ValueError(f"A claim key is one word such as 'relu-he-trains', got {claim.key!r}.")
        strict = self.strict  # validates the mode on every check, not only on a failure
        self.claims[claim.key] = claim
        self._write_report()
        if not claim.held and strict:
            raise ClaimFailed(self.failure_message(claim))

    def failure_message(self, claim: Claim) -> str:
        """The sentence that no longer holds, and by how much."""
        where = f"{self.chapter}" + (f" ({self.title})" if self.title else "")
        by = ""
        if claim.value is not None and (claim.lo is not None or claim.hi is not None):
            bound = claim.lo if claim.lo is not None and claim.value < claim.lo else claim.hi
            if bound is not None and math.isfinite(claim.value):
                by = f" (off by {abs(claim.value - bound):.3g})"
        return (
            f"Claim {claim.key!r} of {where} no longer holds: \"{claim.sentence}\" "
            f"Measured {claim.measured}; the sentence needs {claim.expected}{by}. "
            "Either the experiment changed (check it under `make matrix`) or the text must change: "
            "update the sentence and its check together."
        )

    def _write_report(self) -> None:
        folder = os.environ.get(ENV_REPORT, "").strip()
        if not folder:
            return
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        report = {
            "chapter": self.chapter,
            "title": self.title,
            "claims": [asdict(c) for c in self.claims.values()],
        }
        (path / f"{self.chapter}.json").write_text(json.dumps(report, indent=1, default=float))

    # ------------------------------------------------------------------ checks
    def check(self, key: str, sentence: str, held: bool, *, measured: str, expected: str) -> None:
        """A yes/no claim: ``held`` says whether the measurement supports ``sentence``."""
        self._record(Claim(key, sentence, measured, expected, bool(held)))

    def between(
        self,
        key: str,
        sentence: str,
        value: float | Sequence[float] | np.ndarray,
        lo: float | None = None,
        hi: float | None = None,
        *,
        fmt: str = ".3g",
    ) -> None:
        """``lo <= value <= hi`` (either bound may be None). NaN never holds.

        ``value`` may be a sequence (one number per seed, layer, ...): then *every* element must
        lie within the bounds, and the claim reports the smallest and largest.
        """
        if lo is None and hi is None:
            raise ValueError(f"Claim {key!r}: give lo, hi or both.")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"Claim {key!r}: lo = {lo} is above hi = {hi}.")
        values = [float(x) for x in np.ravel(np.asarray(value, dtype=float))]
        if not values:
            raise ValueError(f"Claim {key!r}: no values to check.")
        finite = all(math.isfinite(x) for x in values)
        if len(values) > 1:
            if not finite:
                v = float("nan")
            else:
                # the element nearest to (or furthest beyond) a bound decides
                v = min(values) if lo is not None and (hi is None or min(values) - lo < hi - max(values)) \
                    else max(values)
        else:
            v = values[0]
        held = finite and all((lo is None or x >= lo) and (hi is None or x <= hi) for x in values)
        if lo is not None and hi is not None:
            expected = f"between {_fmt(lo, fmt)} and {_fmt(hi, fmt)}"
        elif lo is not None:
            expected = f"at least {_fmt(lo, fmt)}"
        else:
            expected = f"at most {_fmt(hi, fmt)}"
        margins = []
        for bound, sign in ((lo, 1.0), (hi, -1.0)):
            if bound is not None and math.isfinite(v):
                scale = max(abs(bound), 1e-12)
                margins.append(sign * (v - bound) / scale)
        margin = min(margins) if margins else None
        if len(values) > 1:
            measured = (
                f"{_fmt(min(values), fmt)} to {_fmt(max(values), fmt)} ({len(values)} values)"
                if finite else f"non-finite values among {len(values)}"
            )
        else:
            measured = _fmt(v, fmt) if math.isfinite(v) else str(v)
        self._record(Claim(key, sentence, measured, expected, held, v, lo, hi, margin))

    def at_least(self, key: str, sentence: str, value: float, bound: float, *, fmt: str = ".3g") -> None:
        """``value >= bound``."""
        self.between(key, sentence, value, lo=bound, fmt=fmt)

    def at_most(self, key: str, sentence: str, value: float, bound: float, *, fmt: str = ".3g") -> None:
        """``value <= bound``."""
        self.between(key, sentence, value, hi=bound, fmt=fmt)

    def count(self, key: str, sentence: str, k: int, n: int, *, at_least: int) -> None:
        """``k`` of ``n`` cases (seeds, runs) have the property; the sentence needs ``at_least``."""
        if not 0 <= k <= n:
            raise ValueError(f"Claim {key!r}: {k} of {n} is not a count.")
        self._record(
            Claim(key, sentence, f"{k} of {n}", f"at least {at_least} of {n}", k >= at_least,
                  float(k), float(at_least), None, (k - at_least) / max(n, 1))
        )

    # ------------------------------------------------------------------ reporting
    @property
    def n_checked(self) -> int:
        return len(self.claims)

    @property
    def failed(self) -> list[Claim]:
        return [c for c in self.claims.values() if not c.held]

    def summary_line(self) -> str:
        """``"14 claims checked when this page was built, 14 held."`` (and which failed)."""
        n, bad = self.n_checked, self.failed
        line = f"{n} claim{'s' if n != 1 else ''} checked when this page was built, {n - len(bad)} held."
        if bad:
            line += " Not held on this machine: " + "; ".join(f"{c.key}" for c in bad) + "."
        return line

    def summary(self) -> None:
        """Display the summary line in bold Markdown (deterministic while every claim holds; a cell
        ending in this call shows the line once, not also a return value)."""
        from IPython.display import Markdown, display

        display(Markdown(("**" if not self.failed else "**⚠ ") + self.summary_line() + "**"))

    def glue(self, name: str | None = None) -> None:
        """Glue the summary line as inline Markdown (``{glue:md}`NAME```), e.g. for the chapter's top."""
        from IPython.display import Markdown
        from myst_nb import glue

        glue(name or f"{self.chapter}_claims_summary", Markdown(self.summary_line()), display=False)

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(key, sentence, measured, needs, held) per claim, in the order checked."""
        return [
            (c.key, c.sentence, c.measured, c.expected, "held" if c.held else "NOT HELD")
            for c in self.claims.values()
        ]

    def table(self) -> None:
        """Display every claim with its measurement (values differ between machines)."""
        from IPython.display import display

        display(self.table_bundle(), raw=True)

    def table_bundle(self) -> dict[str, str]:
        """The claims table as a mime bundle: HTML (the book, JupyterLab) and Markdown, which the
        print edition (the LaTeX builder cannot show HTML) typesets as a table.

        The Markdown is MyST (``nb_render_markdown_format: myst`` in ``_config.yml``): a pipe
        table inside a ``{table}`` directive with the class ``longtable`` and the column widths
        :data:`PRINT_WIDTHS`, so that LaTeX sets it as a longtable of wrapping ``p`` columns that
        fit the text width and break across pages (a bare pipe table became ``l`` columns that ran
        off the page). The ``{container}`` around it names it ``claims-table`` for the LaTeX
        preamble (small type, cells ragged right; ``latex_elements`` in ``_config.yml``).
        """
        import html

        header = ("claim", "what the text says", "measured", "needs", "result")
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self.rows()
        )
        table_html = (
            f'<table class="claims-table"><caption>{CAPTION}</caption><thead><tr>'
            + "".join(f'<th scope="col">{h}</th>' for h in header)
            + f"</tr></thead><tbody>{body}</tbody></table>"
        )
        lines = [
            "````{container} claims-table",
            f"```{{table}} {CAPTION}",
            ":class: longtable",
            ":widths: " + " ".join(str(w) for w in PRINT_WIDTHS),
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
        ]
        lines += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in self.rows()]
        lines += ["```", "````"]
        return {"text/html": table_html, "text/markdown": "\n".join(lines),
                "text/plain": f"<table of {len(self.claims)} claims>"}

    def __repr__(self) -> str:
        return f"Claims({self.chapter!r}: {self.summary_line()})"


def _md_escape(text: str) -> str:
    """``text`` as literal Markdown table-cell text (MyST): punctuation escaped, one line."""
    out = " ".join(str(text).split())
    for ch in "\\`*_{}[]<>()#+!|$~&":
        out = out.replace(ch, "\\" + ch)
    return out
