"""Live learners (issue 14): computed numbers in the prose, and solutions that wait to be asked for.

Tooling layer: nothing here computes course results. Two mechanisms, the same in the Jupyter Book
build (MyST-NB, ``nb_execution_mode: inline``) and in JupyterLab (jupyterlab-myst):

**Numbers in prose.** :func:`glue` is ``myst_nb.glue`` that also keeps the value in :data:`V`, and
the prose asks the kernel for it with MyST's ``{eval}`` role, in the same ``KEY:FORMAT`` syntax as
``{glue:text}``::

    glue("ch1_relu_share", share, display=False)         # code cell (as before)
    ReLU took {eval}`V["ch1_relu_share:.1%"]` of the step.  # markdown cell (was {glue:text})

``V["KEY:FORMAT"]`` returns a :class:`Text` whose ``text/plain`` is the formatted number without
quotes, so both renderers show ``4.2%``. The book evaluates it while it executes the notebook; in
JupyterLab jupyterlab-myst evaluates it in the learner's kernel when the markdown cell is run
(Run All runs it after the code above it), so the number is the learner's own. Live, a value not
glued yet in the kernel (a markdown cell run before the code above it, or a number that a waiting
solution computes) reads :data:`PLACEHOLDER` instead of raising; in the book and nbval a missing
value is an error.

**Solutions.** A solution's code cell starts with the cell magic ``%%solution LABEL``. Where the
notebook is executed to be checked or published (the book build, nbval, ``make notebook``) the cell
runs as if the magic were not there, so its outputs are stored, shown and compared as before. In a
live session (a kernel started by a Jupyter server, or ``DYING_RELU_LIVE=1``) it does not run:
it shows a button, and the code runs (outputs below the button) when the learner presses it, or
at once after :func:`reveal_solutions` (``%reveal_solutions``). ``DYING_RELU_LIVE=0`` forces the
first behaviour anywhere.

A solution may span several cells, each starting ``%%solution LABEL`` with the same label (a
learner's copy numbers them, ``%%solution LABEL (part 2 of 3)``: scripts/workspace.py). A later
part uses what the earlier ones compute, so every part's button says which part it is and first
runs the earlier parts that have not run yet, in order and once, each with its output under its
own cell (:func:`press`); a part whose earlier cells never ran in this kernel says so instead of
failing on a missing name.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "V",
    "SolutionError",
    "SolutionPart",
    "Text",
    "Values",
    "fmt",
    "glue",
    "is_live",
    "load_ipython_extension",
    "press",
    "register",
    "reveal_solutions",
    "run_solution",
    "solution",
]

#: The value of the environment variable that decides, when set, whether solutions wait.
LIVE_ENV = "DYING_RELU_LIVE"
#: What ``V["KEY..."]`` shows live for a value not computed yet in this kernel.
PLACEHOLDER = "[not computed yet: run the code above]"


class SolutionError(RuntimeError):
    """A ``%%solution`` cell's code failed (its own traceback is shown above this error)."""


class Text:
    """A formatted value whose only representation is its text, without quotes.

    ``repr("0.25")`` is ``'0.25'`` with quotes, which is what a renderer of ``text/plain`` would
    show for a ``str``; a :class:`Text` shows ``0.25``.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Text):
            return self.text == other.text
        return self.text == other

    def __hash__(self) -> int:
        return hash(self.text)


def fmt(value: Any, spec: str = "") -> Text:
    """``format(value, spec)`` as a :class:`Text`; an empty spec gives ``str(value)`` like glue."""
    return Text(format(value, spec) if spec else str(value))


class Values(MutableMapping):
    """The values glued so far in this kernel, readable as ``V["KEY"]`` or ``V["KEY:FORMAT"]``.

    Assigning stores the raw value; reading ``"KEY:FORMAT"`` formats it exactly as MyST-NB's
    ``{glue:text}`KEY:FORMAT``` would (``format(value, FORMAT)``), reading ``"KEY"`` alone
    gives ``str(value)`` for a plain number (glue shows the ``text/plain`` repr, the same for
    floats and ints). ``V.raw("KEY")`` returns the value itself.
    """

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    @staticmethod
    def _split(key: str) -> tuple[str, str]:
        name, _, spec = key.partition(":")
        return name, spec

    def __getitem__(self, key: str) -> Text:
        name, spec = self._split(key)
        if name not in self._data and is_live():
            # A learner's markdown cell rendered before the code that computes its number (or
            # inside a solution not asked for yet): a placeholder that reads as part of the text,
            # not a KeyError. Where the notebook is executed to be published, a missing value
            # is a mistake and fails (below).
            return Text(PLACEHOLDER)
        if name not in self._data:
            known = ", ".join(sorted(self._data)) or "none yet"
            raise KeyError(
                f"no value glued as {name!r} in this kernel: run the code cells above first "
                f"(glued so far: {known})"
            )
        value = self._data[name]
        return fmt(value, spec) if spec else Text(_plain(value))

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def raw(self, key: str) -> Any:
        """The glued value itself (not formatted)."""
        return self._data[key]

    def __repr__(self) -> str:
        return f"Values({len(self._data)} glued: {', '.join(sorted(self._data))})"


def _plain(value: Any) -> str:
    """What ``{glue:text}`KEY``` shows without a format: the text/plain repr of the value."""
    try:
        from IPython.lib.pretty import pretty
    except ImportError:  # pragma: no cover - IPython is always there with a kernel
        return repr(value)
    return pretty(value)


#: Every value glued through :func:`glue` in this kernel.
V = Values()


def glue(name: str, variable: Any, display: bool = True) -> None:
    """``myst_nb.glue(name, variable, display)``, also keeping ``variable`` in :data:`V`.

    The book's ``{glue:...}`` roles keep working (including from other chapters), and the
    prose's ``{eval}`V["NAME:FORMAT"]``` reads the same value from the running kernel.
    """
    from myst_nb import glue as myst_glue

    V[name] = variable
    myst_glue(name, variable, display=display)


# ----------------------------------------------------------------------------- solutions
_REVEALED: dict[str, bool] = {"all": False}


def is_live() -> bool:
    """True in a kernel a learner drives: started by a Jupyter server, or ``DYING_RELU_LIVE=1``.

    ``DYING_RELU_LIVE=0`` (or empty) says no. Without the variable the kernel is live when the
    Jupyter server that started it named its session (``JPY_SESSION_NAME``, set by
    jupyter_server for every kernel it starts); nbclient (book build, nbval, ``make notebook``)
    does not set it.
    """
    flag = os.environ.get(LIVE_ENV)
    if flag is not None:
        return flag.strip() not in ("", "0", "false", "no")
    return bool(os.environ.get("JPY_SESSION_NAME"))


def reveal_solutions(on: bool = True) -> None:
    """From now on, run every ``%%solution`` cell when it is run (``on=False`` waits again)."""
    _REVEALED["all"] = bool(on)


def run_solution(code: str, shell: Any = None) -> Any:
    """Run a solution's code in the notebook's namespace, as if it were the cell (result shown).

    The code runs in the cell that holds it (``exec`` in the user namespace, the last expression's
    value shown by the display hook), not as a second cell nested in it (no second round of the
    shell's pre/post-run hooks). (A solution's last printed line that the book's executed copy of
    Chapter 3 once held twice came from MyST-NB's stream merge, not from here:
    _ext/merged_streams.py.)"""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:  # plain Python: still works, in this module's globals
        exec(compile(code, "<solution>", "exec"), {})
        return None
    import ast

    try:
        tree = ast.parse(shell.transform_cell(code))
    except SyntaxError:
        shell.showsyntaxerror()
        raise SolutionError("the solution's code has a syntax error (shown above)") from None
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    try:
        exec(compile(tree, "<solution>", "exec"), shell.user_ns)
        value = eval(compile(last, "<solution>", "eval"), shell.user_ns) if last is not None else None
    except Exception:  # the traceback is shown; fail the cell too (book, nbval)
        shell.showtraceback()
        raise SolutionError("the solution's code raised an error (traceback above)") from None
    finally:
        sys.stdout.flush()  # all of its prints sent now, while a button's output area captures
        sys.stderr.flush()
    if value is not None:
        shell.displayhook(value)
    return value


# A solution split over several cells (``%%solution LABEL`` in consecutive cells): its parts, in
# the notebook's order. A learner's copy (scripts/workspace.py) numbers them on the magic's line,
# ``%%solution LABEL (part 2 of 3)``; without numbers, the order in which their cells ran.
PART_LINE = re.compile(r"^(?P<label>\S+)(?:\s+\(part (?P<index>\d+) of (?P<total>\d+)\))?\s*$")


@dataclass(eq=False)
class SolutionPart:
    """One ``%%solution`` cell seen by a live kernel, and what became of it.

    ``state`` is ``"waiting"`` (its button not pressed yet), ``"running"``, ``"ran"`` or
    ``"failed"``; ``note``, ``button`` and ``out`` are its widgets (None for a part that ran at once,
    under ``%reveal_solutions``).
    """

    label: str
    code: str
    key: object  # what identifies its cell: the part number, the cell's id, or its code
    index: int | None = None  # 1-based, from the magic's line
    total: int | None = None
    state: str = "waiting"
    note: Any = None
    button: Any = None
    out: Any = None
    ran_with: int | None = None  # the part whose button ran this one, if another
    message: str | None = None  # why the last press did not run it (shown in its note)

    @property
    def parts(self) -> list[SolutionPart]:
        return _PARTS.get(self.label, [])

    @property
    def number(self) -> int:
        """1-based position in the solution."""
        return self.index if self.index is not None else self.parts.index(self) + 1

    @property
    def count(self) -> int:
        """How many parts the solution has (as far as this kernel knows)."""
        return max([self.total or 0, len(self.parts), *(p.total or 0 for p in self.parts)])

    def earlier(self) -> list[SolutionPart]:
        """The parts before this one that this kernel has seen, in order."""
        return sorted((p for p in self.parts if p.number < self.number), key=lambda p: p.number)

    def missing(self) -> list[int]:
        """Numbers of earlier parts whose cells have not run in this kernel (known only when the
        parts are numbered)."""
        seen = {p.number for p in self.parts}
        return [k for k in range(1, self.number) if k not in seen]


_PARTS: dict[str, list[SolutionPart]] = {}


def _parse_line(line: str) -> tuple[str, int | None, int | None]:
    m = PART_LINE.match(line.strip())
    if not m:
        return line.strip() or "this exercise", None, None
    index, total = m.group("index"), m.group("total")
    return m.group("label"), (int(index) if index else None), (int(total) if total else None)


def _cell_id(shell: Any) -> str | None:
    """The id JupyterLab sends with the cell it runs (execute_request metadata), if any."""
    kernel = getattr(shell, "kernel", None)
    try:
        parent = kernel.get_parent() if kernel is not None else None
    except Exception:  # pragma: no cover - another kind of kernel
        parent = None
    return ((parent or {}).get("metadata") or {}).get("cellId") if isinstance(parent, dict) else None


def _enlist(label: str, code: str, index: int | None, total: int | None, shell: Any) -> SolutionPart:
    """The part this cell holds: a new one, or the same cell run again (it starts afresh)."""
    key: object = index if index is not None else (_cell_id(shell) or code)
    part = SolutionPart(label, code, key, index, total)
    parts = _PARTS.setdefault(label, [])
    for old in parts:
        old.message = None  # what a last press said may no longer hold
    for i, old in enumerate(parts):
        if old.key == key:
            parts[i] = part
            break
    else:
        parts.append(part)
    return part


def _span(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"part {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"parts {numbers[0]}-{numbers[-1]}"
    return "parts " + ", ".join(map(str, numbers))


def button_text(part: SolutionPart) -> str:
    """What the part's button says: which part it is, and which earlier parts it runs first."""
    if part.count <= 1:
        return {"ran": "solution run", "failed": "the solution failed: see the error below"}.get(
            part.state, "Show the solution's output")
    which = f"part {part.number} of {part.count}"
    if part.state == "ran":
        return f"{which} run" + (f" (with part {part.ran_with})" if part.ran_with else "")
    if part.state == "failed":
        return f"{which} failed: see the error below"
    first = [p.number for p in part.earlier() if p.state != "ran"] + part.missing()
    return f"Show the solution's output ({which}" + (
        f"; runs {_span(sorted(first))} first)" if first else ")")


def _note_html(part: SolutionPart) -> str:
    if part.state in ("ran", "failed"):
        which = f", part {part.number} of {part.count}," if part.count > 1 else ""
        how = f" (with part {part.ran_with})" if part.ran_with else ""
        done = "has run" + how + ": its output is below" if part.state == "ran" else \
            "failed: its error is below (press the button to run it again)"
        return f"<i>The solution of <b>{part.label}</b>{which} {done}.</i>"
    text = (f"The solution of <b>{part.label}</b> did not run, so that you can try first. "
            "Press the button to run it here, or run <code>%reveal_solutions</code> once to let "
            "every solution run.")
    if part.count > 1:
        text += (f" It is in {part.count} cells: pressing the button of any of them first runs "
                 "the earlier ones that have not run yet, in order, each under its own cell.")
    return f"<i>{text}</i>"


def _refresh(label: str) -> None:
    """Bring every button and note of a solution up to date (a part ran, or a part appeared)."""
    for p in _PARTS.get(label, []):
        if p.button is not None:
            p.button.description = button_text(p)
            p.button.disabled = p.state == "ran"
            p.note.value = p.message or _note_html(p)


def _run_part(part: SolutionPart, shell: Any, ran_with: int | None = None) -> None:
    """Run one part, its output under its own cell when it has a button (SolutionError if it fails)."""
    if part.button is not None:
        part.button.disabled, part.button.description = True, f"running part {part.number}..."
    part.message, part.state = None, "running"
    try:
        if part.out is not None:
            with part.out:
                try:
                    run_solution(part.code, shell)
                except SolutionError:
                    part.state = "failed"  # its traceback is shown above, in its output area
        else:
            run_solution(part.code, shell)
    except SolutionError:
        part.state = "failed"
        raise
    if part.state == "failed":
        raise SolutionError(f"part {part.number} of the solution of {part.label} failed")
    part.state, part.ran_with = "ran", ran_with


def press(part: SolutionPart, shell: Any) -> None:
    """Run ``part`` as its button does: first the earlier parts that have not run, in order and
    once, then this one. Raises :class:`SolutionError` when an earlier part is missing (its cell
    never ran in this kernel) or a part fails; the part's note says which. A part that has run
    (or is running) does not run again."""
    if part.state in ("ran", "running"):
        return
    for p in part.parts:
        p.message = None
    try:
        missing = part.missing()
        if missing:
            part.message = (
                f"<i><b>{_span(missing).capitalize()}</b> of the solution of <b>{part.label}</b> "
                f"{'has' if len(missing) == 1 else 'have'} not run in this kernel: run "
                f"{'its cell' if len(missing) == 1 else 'their cells'} above (or Run All), then "
                "press this button again.</i>")
            raise SolutionError(re.sub("<[^>]+>", "", part.message))
        for p in part.earlier():
            if p.state != "ran":
                try:
                    _run_part(p, shell, ran_with=part.number)
                except SolutionError:
                    part.message = (f"<i>Part {p.number} of the solution failed (its error is "
                                    "under its cell), so this part did not run.</i>")
                    raise
        _run_part(part, shell)
    finally:
        _refresh(part.label)


def _on_click(part: SolutionPart, shell: Any) -> None:
    try:
        press(part, shell)
    except SolutionError:
        pass  # shown: the traceback under the failed part, the reason in the note


def solution(line: str, cell: str, shell: Any = None) -> None:
    """The ``%%solution LABEL`` cell magic: run ``cell`` now, or offer a button when live.

    ``LABEL (part K of N)`` (a learner's copy numbers a solution split over several cells) or
    several cells with the same label: each part's button first runs the earlier parts that
    have not run yet (in order, once), since a part uses what the earlier ones compute.
    """
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    label, index, total = _parse_line(line)
    if not is_live():
        run_solution(cell, shell)
        return
    part = _enlist(label, cell, index, total, shell)
    if _REVEALED["all"]:
        try:
            press(part, shell)  # runs at once, after any earlier part still waiting
        except SolutionError as err:
            if part.message:  # an earlier part missing or failed: say so, and fail the cell
                print(re.sub("<[^>]+>", "", part.message), file=sys.stderr)
            raise err from None
        return
    import ipywidgets as widgets
    from IPython.display import display

    part.note = widgets.HTML(_note_html(part))
    part.button = widgets.Button(
        description=button_text(part),
        tooltip=f"Run the solution of {label} (try the exercise first)",
        icon="eye",
        layout=widgets.Layout(width="auto"),
    )
    part.out = widgets.Output()
    part.button.on_click(lambda _: _on_click(part, shell))
    box = widgets.VBox([part.note, part.button, part.out])
    box.add_class("dying-relu-solution")
    display(box)
    _refresh(label)  # the earlier parts' buttons now know how many parts there are


def register(shell: Any = None) -> None:
    """Register ``%%solution`` and ``%reveal_solutions`` with the running IPython, if any."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover
            return
        shell = get_ipython()
    if shell is None:
        return

    def _solution(line: str, cell: str) -> None:
        solution(line, cell, shell)

    def _reveal(line: str) -> None:
        reveal_solutions(line.strip() not in ("off", "0", "false", "no"))
        print("solutions run when their cell runs" if _REVEALED["all"] else "solutions wait again")

    shell.register_magic_function(_solution, "cell", "solution")
    shell.register_magic_function(_reveal, "line", "reveal_solutions")


def _register_on_import() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    register(get_ipython())


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext dying_relu.live``: registers the magics."""
    register(shell)


# Importing this module in a notebook (``from dying_relu.live import V, glue``) registers the magics.
_register_on_import()
