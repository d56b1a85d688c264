"""Inline-executed chapters (issue 14): each glue key comes from the run that builds the page.

MyST-NB's inline mode (notebook metadata ``mystnb.execution_mode: inline``, set by
``scripts/convert_live.py`` so that ``{eval}`` roles can ask the kernel) first reads every glue key
from the notebook's *stored* outputs, then executes each cell and glues its keys again, logging
"glue key ... duplicate" for every key: under ``-W`` (``make book``) each converted chapter fails.
The chapters keep their outputs in git (nbval compares them), and inline mode executes every cell
anyway, so this extension empties the stored code outputs of an inline notebook just before the
executor reads them. Keys are then glued once; a key really glued twice in one run still warns.
"""

from __future__ import annotations

from typing import Any

from myst_nb.core.execute.inline import NotebookClientInline

_ORIGINAL_START = NotebookClientInline.start_client


def _start_client(self: NotebookClientInline) -> None:
    for cell in self.notebook.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
    _ORIGINAL_START(self)


def setup(app: Any) -> dict:
    """Sphinx entry point: patch MyST-NB's inline client (idempotent)."""
    if NotebookClientInline.start_client is not _start_client:
        NotebookClientInline.start_client = _start_client
    return {"parallel_read_safe": True, "parallel_write_safe": True}
