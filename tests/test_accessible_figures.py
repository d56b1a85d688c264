"""Issue 15: figures with alt text and captions, explorers that describe their frames and print.

Unit tests of the library side (``plots.show`` / ``plots.figure_bundle``, ``widgets.frame_explorer``)
and of the Sphinx extension ``_ext/accessible_figures.py``, then one end-to-end check: a mini-book
with one notebook (a figure shown with ``plots.show`` and an explorer) is built with Jupyter Book
into HTML and into LaTeX source (no TeX needed), and the outputs are inspected.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from docutils import nodes  # noqa: E402

from dying_relu import plots, widgets  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import accessible_figures  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _line_figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, 1, 4])
    return fig


# ----------------------------------------------------------------------------- plots.show
def test_figure_bundle_has_png_plain_text_and_alt_metadata():
    fig = _line_figure()
    data, meta = plots.figure_bundle(fig, "A parabola  rising\n from 0 to 4.", caption="Squares.")
    assert base64.b64decode(data["image/png"]).startswith(PNG_MAGIC)
    assert data["text/plain"].startswith("<Figure size 300x200 with 1 Axes>")
    assert meta == {"image/png": {"alt": "A parabola rising from 0 to 4.", "caption": "Squares."}}
    plt.close(fig)


def test_figure_bundle_without_caption_has_no_caption_key():
    fig = _line_figure()
    _, meta = plots.figure_bundle(fig, "A parabola from 0 to 4.")
    assert meta == {"image/png": {"alt": "A parabola from 0 to 4."}}
    plt.close(fig)


@pytest.mark.parametrize("alt", ["", "   ", None])
def test_figure_bundle_refuses_empty_alt(alt):
    fig = _line_figure()
    with pytest.raises(ValueError, match="alt"):
        plots.figure_bundle(fig, alt)
    plt.close(fig)


def test_show_displays_the_bundle_raw_and_closes_the_figure():
    fig = _line_figure()
    with mock.patch("IPython.display.display") as display:
        plots.show(fig, alt=f"Peak value {4.0:.2f} at x = 2.")
    (data,), kwargs = display.call_args
    assert kwargs["raw"] is True
    assert kwargs["metadata"] == {"image/png": {"alt": "Peak value 4.00 at x = 2."}}
    assert set(data) == {"image/png", "text/plain"}
    assert not plt.fignum_exists(fig.number)


def test_show_uses_the_current_figure_by_default():
    fig = _line_figure()
    with mock.patch("IPython.display.display") as display:
        plots.show(alt="The current figure, a parabola.")
    assert display.called and not plt.fignum_exists(fig.number)


# ----------------------------------------------------------------------------- frame_explorer
def _draw(a, b=0):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [b, a])
    return fig


def _frames(explorer) -> list[str]:
    """The HTML of every frame, in slider order (nested Stacks flattened)."""
    def walk(w):
        if isinstance(w, widgets.W.HTML):
            return [w.value]
        return [v for c in getattr(w, "children", ()) for v in walk(c)]
    return walk(explorer.children[-1])


def test_explorer_frames_carry_their_own_alt_text():
    ex = widgets.frame_explorer(
        _draw, {"a": [1, 2, 3]}, labels={"a": "slope"},
        describe=lambda a: f"A line rising to {a} (slope {a}).",
    )
    frames = _frames(ex)
    assert len(frames) == 3
    for a, frame in zip([1, 2, 3], frames, strict=True):
        assert f'alt="A line rising to {a} (slope {a})."' in frame
        assert 'src="data:image/png;base64,' in frame
        assert widgets.GENERIC_CLASS not in frame
    assert widgets.FRAMES_CLASS in ex.children[-1]._dom_classes
    assert widgets.EXPLORER_CLASS in ex._dom_classes


def test_explorer_without_describe_marks_its_generic_alt_text():
    ex = widgets.frame_explorer(_draw, {"a": [1, 2]}, labels={"a": "slope"})
    frames = _frames(ex)
    assert all(widgets.GENERIC_CLASS in f and 'alt="Explorer frame for slope ' in f for f in frames)


def test_two_control_explorer_describes_every_combination():
    ex = widgets.frame_explorer(
        _draw, {"a": [1, 2], "b": [0, 5, 9]}, start={"a": 2, "b": 5},
        describe=lambda a, b: f"From {b} to {a}.",
    )
    alts = [re.search(r'alt="([^"]*)"', f).group(1) for f in _frames(ex)]
    assert alts == [f"From {b} to {a}." for a in (1, 2) for b in (0, 5, 9)]
    assert ex.print_alt == "From 5 to 2."


def test_explorer_plain_text_is_still_a_vbox_repr():
    """The committed notebooks' outputs (compared by nbval) show the VBox's text repr."""
    ex = widgets.frame_explorer(_draw, {"a": [1, 2]}, labels={"a": "slope"})
    data, _ = ex._repr_mimebundle_()
    assert data["text/plain"].startswith(
        "VBox(children=(HBox(children=(IntSlider(value=0, description='slope'"
    )


def test_explorer_prints_its_default_frame_with_a_caption():
    ex = widgets.frame_explorer(
        lambda lr, bias: _draw(lr, bias), {"lr": [0.1, 0.5, 1.0], "bias": [-1.0, 0.0]},
        labels={"lr": "learning rate", "bias": "initial bias"},
        start={"lr": 0.5}, describe=lambda lr, bias: f"Line to {lr} from {bias}.",
        caption="Dead units against the learning rate.",
    )
    data, meta = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    png = base64.b64decode(data["image/png"])
    assert png.startswith(PNG_MAGIC)
    assert meta["image/png"]["alt"] == "Line to 0.5 from -1.0."
    cap = meta["image/png"]["caption"]
    assert cap.startswith(
        "Dead units against the learning rate. Explorer shown at learning rate 0.5, initial bias -1."
    )
    assert "JupyterLab, sliders change learning rate (0.1, 0.5, 1) and initial bias (-1, 0)." in cap


# ----------------------------------------------------------------------------- _ext/accessible_figures
def test_apply_image_text_sets_alt_and_wraps_in_a_captioned_figure():
    image = nodes.image(uri="x.png", alt="x.png")
    (fig,) = accessible_figures.apply_image_text([image], "What it shows.", "The caption.")
    assert isinstance(fig, nodes.figure)
    assert fig[0] is image and image["alt"] == "What it shows."
    assert isinstance(fig[1], nodes.caption) and fig[1].astext() == "The caption."
    other = nodes.paragraph(text="not an image")
    assert accessible_figures.apply_image_text([other], "a b", None) == [other]


def test_image_text_reads_only_the_own_mime_type():
    class Data:
        mime_type = "image/png"
        output_metadata = {"image/png": {"alt": " Seen. ", "caption": ""}, "image/jpeg": {"alt": "no"}}

    assert accessible_figures.image_text(Data()) == ("Seen.", None)
    Data.output_metadata = {}
    assert accessible_figures.image_text(Data()) == (None, None)


# ----------------------------------------------------------------------------- a mini-book, built
NOTEBOOK_CELLS = [
    ("markdown", "# Mini chapter\n\nA figure and an explorer."),
    ("code", textwrap.dedent("""\
        import matplotlib.pyplot as plt
        from dying_relu import plots, widgets
        peak = 4.0
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1, 2], [0, 1, peak])
        plots.show(fig, alt=f"A parabola rising to {peak:.2f} at x = 2.", caption="Squares of 0, 1, 2.")""")),
    ("code", textwrap.dedent("""\
        def draw(a):
            fig, ax = plt.subplots(figsize=(2, 1.5))
            ax.plot([0, 1], [0, a])
            return fig
        widgets.frame_explorer(draw, {"a": [1, 2, 3]}, labels={"a": "slope"}, start={"a": 2},
                               describe=lambda a: f"A line of slope {a}.",
                               caption="Lines of three slopes.")""")),
]


def _write_mini_book(book: Path) -> None:
    book.mkdir()
    cells = []
    for kind, src in NOTEBOOK_CELLS:
        cell = {"cell_type": kind, "metadata": {}, "source": src}
        if kind == "code":
            cell.update(outputs=[], execution_count=None)
        cells.append(cell)
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                     "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (book / "mini.ipynb").write_text(json.dumps(nb))
    (book / "_toc.yml").write_text("format: jb-book\nroot: mini\n")
    (book / "_config.yml").write_text(textwrap.dedent(f"""\
        title: Mini
        execute:
          execute_notebooks: force
        latex:
          latex_documents:
            targetname: mini.tex
        sphinx:
          local_extensions:
            accessible_figures: {ROOT / "_ext"}
          config:
            nb_execution_raise_on_error: true
        """))


@pytest.fixture(scope="module")
def mini_book(tmp_path_factory) -> Path:
    """A one-notebook book, built to HTML and to LaTeX source (about 15 s)."""
    book = tmp_path_factory.mktemp("minibook") / "book"
    _write_mini_book(book)
    jb = Path(sys.executable).with_name("jupyter-book")
    if not jb.exists():
        pytest.skip("jupyter-book is not installed next to this Python")
    for builder in ("html", "latex"):
        run = subprocess.run([str(jb), "build", str(book), "--builder", builder, "-W", "-n"],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, f"{builder} build failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return book / "_build"


def test_mini_book_html_gives_the_figure_its_alt_text_and_caption(mini_book):
    html = (mini_book / "html" / "mini.html").read_text()
    imgs = re.findall(r"<img [^>]*>", html)
    figure = [i for i in imgs if "_images/" in i]
    assert len(figure) == 1, imgs
    assert 'alt="A parabola rising to 4.00 at x = 2."' in figure[0]
    captions = re.findall(r'<span class="caption-text">([^<]*)</span>', html)
    # the explorer is the widget in HTML (its printed frame and caption are not shown)
    assert captions == ["Squares of 0, 1, 2."]
    assert "application/vnd.jupyter.widget-view+json" in html
    state = html[html.index("application/vnd.jupyter.widget-state+json"):]
    assert "alt=\\\"A line of slope 2.\\\"" in state


def test_mini_book_latex_prints_the_explorer_as_a_captioned_figure(mini_book):
    tex = (mini_book / "latex" / "mini.tex").read_text()
    assert "VBox(" not in tex and "IntSlider(" not in tex
    captions = re.findall(r"\\caption\{(.*?)\}\\label", tex, re.S)
    assert any("Squares of 0, 1, 2." in c for c in captions), captions
    assert any(c.startswith("Lines of three slopes. Explorer shown at slope 2.") for c in captions), captions
    assert tex.count("\\sphinxincludegraphics") == 2
