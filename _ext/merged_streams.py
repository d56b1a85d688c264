"""Local Sphinx extension: ``nb_merge_streams`` without corrupting the executed notebook.

With ``nb_merge_streams: true`` (_config.yml) MyST-NB shows a cell's printed output as one block:
``myst_nb.core.render`` passes the cell's outputs through ``myst_nb.core.utils.coalesce_streams``
before rendering them. That function (MyST-NB 1.4) appends the text of every later stream output to
the *first* one, in place, and returns a new list without the later ones; the cell itself keeps
them. The page is right, but the executed notebook MyST-NB writes to ``_build/jupyter_execute``
(which `make outputs` compares with the committed one, tests/nbreplay.py) then holds the first
stream output with all the text, followed by the later outputs again: everything after the
kernel's first stream message appears twice.

It happens to a cell whose printed text reaches the kernel's client in more than one message:
one that prints, computes for longer than ipykernel's flush interval (0.2 s), then prints again,
such as Chapter 3's weight-decay solution (its last line came out twice). Whether the first part
is sent on its own depends on the machine's speed, so the duplicate came and went.

This extension makes the merge work on copies of the outputs: the page is unchanged, the executed
copy keeps what the kernel sent. Registered in _config.yml under sphinx: local_extensions.
"""

from __future__ import annotations

import copy
from typing import Any

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def merge_copies(outputs: list, merge: Any) -> list:
    """``merge(outputs)`` applied to deep copies, so the cell's own outputs stay as they were."""
    return merge([copy.deepcopy(o) for o in outputs])


def install() -> bool:
    """Wrap the ``coalesce_streams`` that MyST-NB's renderer calls; False if it is not there."""
    try:
        from myst_nb.core import render
    except ImportError:  # pragma: no cover - the book always has MyST-NB
        return False
    original = getattr(render, "coalesce_streams", None)
    if original is None:
        return False
    if getattr(original, "merges_copies", False):
        return True

    def coalesce_streams(outputs: list) -> list:
        return merge_copies(outputs, original)

    coalesce_streams.merges_copies = True  # type: ignore[attr-defined]
    coalesce_streams.__doc__ = original.__doc__
    render.coalesce_streams = coalesce_streams
    return True


def setup(app: Any) -> dict[str, Any]:
    if not install():
        LOGGER.warning(
            "merged_streams: myst_nb.core.render.coalesce_streams not found; MyST-NB changed: "
            "check whether nb_merge_streams still duplicates stream outputs in the executed "
            "notebooks (_ext/merged_streams.py)"
        )
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
