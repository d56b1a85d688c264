"""Local Sphinx extension: alt text and captions for notebook figures, read from output metadata.

MyST-NB 1.4 gives every notebook image the alt text of its file path (``../_images/<sha256>.png``)
and reads only ``width``/``height`` from an output's metadata. The course's figures carry their
text alternative (and optionally a caption) in the output metadata of the image instead, set by
the library when the notebook runs:

    plots.show(fig, alt=f"... {x:.2f} ...", caption="...")   # a static figure
    widgets.frame_explorer(...)                               # prints its default frame

both produce a display output such as::

    {"data": {"image/png": "<base64>", "text/plain": "<Figure size 700x350 with 1 Axes>"},
     "metadata": {"image/png": {"alt": "What the figure shows ...", "caption": "..."}}}

This extension makes MyST-NB's image renderer honour those two keys: ``alt`` becomes the ``<img>``
alt text (HTML; LaTeX ignores it), ``caption`` wraps the image in a figure with that caption
(HTML ``<figure><figcaption>``, LaTeX ``\\begin{figure}...\\caption{}``). Every builder sees the same
nodes: Sphinx keeps one output-format-agnostic doctree per notebook and MyST-NB picks the mime
type per builder afterwards (HTML: the widget view before ``image/png``; LaTeX: ``image/png``), so
an explorer's default frame only shows in print.

Without this extension (JupyterLab, plain nbconvert) the metadata is ignored and the figure shows
as usual. Registered in _config.yml under sphinx: local_extensions.
"""

from __future__ import annotations

import functools
from typing import Any

from docutils import nodes

# The metadata keys read from output["metadata"][<image mime type>].
ALT_KEY = "alt"
CAPTION_KEY = "caption"


def image_text(data: Any) -> tuple[str | None, str | None]:
    """(alt, caption) from a MyST-NB ``MimeData``'s output metadata for its own mime type."""
    meta = getattr(data, "output_metadata", None) or {}
    own = meta.get(getattr(data, "mime_type", ""), {}) if isinstance(meta, dict) else {}
    if not isinstance(own, dict):
        return None, None
    alt, caption = own.get(ALT_KEY), own.get(CAPTION_KEY)
    return (str(alt).strip() or None) if alt else None, (str(caption).strip() or None) if caption else None


def apply_image_text(
    rendered: list[nodes.Element], alt: str | None, caption: str | None
) -> list[nodes.Element]:
    """Set ``alt`` on every image node in ``rendered``; with a caption, wrap each in a figure."""
    out: list[nodes.Element] = []
    for node in rendered:
        if isinstance(node, nodes.image):
            if alt:
                node["alt"] = alt
            if caption:
                figure = nodes.figure("", node, classes=["nb-figure"])
                figure += nodes.caption(caption, caption)
                out.append(figure)
                continue
        out.append(node)
    return out


def _patch_myst_nb() -> None:
    from myst_nb.core.render import NbElementRenderer

    original = NbElementRenderer.render_image
    if getattr(original, "_dying_relu_alt", False):
        return  # already patched (Sphinx re-reads extensions in one process, e.g. in tests)

    @functools.wraps(original)
    def render_image(self, data):  # type: ignore[no-untyped-def]
        rendered = original(self, data)
        alt, caption = image_text(data)
        if not (alt or caption):
            return rendered
        return apply_image_text(rendered, alt, caption)

    render_image._dying_relu_alt = True  # type: ignore[attr-defined]
    NbElementRenderer.render_image = render_image  # type: ignore[method-assign]


def setup(app: Any) -> dict[str, Any]:
    """Sphinx entry point: patch MyST-NB's image renderer (block and inline use the same one)."""
    _patch_myst_nb()
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
