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
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

__all__ = [
    "V",
    "SolutionError",
    "Text",
    "Values",
    "fmt",
    "glue",
    "is_live",
    "load_ipython_extension",
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
    value shown by the display hook), not as a second cell nested in it: a nested ``run_cell``
    sometimes delivered the end of the solution's printed output twice."""
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
        sys.stdout.flush()  # the solution's prints belong to this cell's output, complete
        sys.stderr.flush()
    if value is not None:
        shell.displayhook(value)
    return value


def solution(line: str, cell: str, shell: Any = None) -> None:
    """The ``%%solution LABEL`` cell magic: run ``cell`` now, or offer a button when live."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    label = line.strip() or "this exercise"
    if not is_live() or _REVEALED["all"]:
        run_solution(cell, shell)
        return
    import ipywidgets as widgets
    from IPython.display import display

    button = widgets.Button(
        description="Show the solution's output",
        tooltip=f"Run the solution of {label} (try the exercise first)",
        icon="eye",
        layout=widgets.Layout(width="auto"),
    )
    note = widgets.HTML(
        f"<i>The solution of <b>{label}</b> did not run, so that you can try first. "
        "Press the button to run it here, or run <code>%reveal_solutions</code> once to let "
        "every solution run.</i>"
    )
    out = widgets.Output()

    def on_click(_: Any) -> None:
        button.disabled = True
        button.description = "running..."
        with out:
            run_solution(cell, shell)
        button.description = "solution run"

    button.on_click(on_click)
    box = widgets.VBox([note, button, out])
    box.add_class("dying-relu-solution")
    display(box)


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
