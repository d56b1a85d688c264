"""Local Sphinx extension: a notebook that MyST-NB executes inline starts from empty outputs.

Live chapters (issue 14, scripts/convert_live.py) ask MyST-NB for its inline execution mode
(``mystnb.execution_mode: inline`` in the notebook's metadata), which the prose's ``{eval}``
roles need. Unlike the ``force`` mode, inline mode keeps the outputs stored in the notebook and
reads glue values from them before it runs any cell; every glue of the fresh run is then a
"glue key duplicate" warning (an error with ``-W``), and a ``{glue}`` role could show the stored
value instead of this build's. This extension drops the stored outputs of such notebooks as
Sphinx reads them (the file itself is untouched), so the page shows what this build computed,
as with ``force``. Registered in _config.yml under sphinx: local_extensions.
"""

from __future__ import annotations

import json
from typing import Any


def strip_outputs_if_inline(text: str) -> str:
    """The notebook JSON ``text`` without code outputs if it asks for inline execution."""
    try:
        nb = json.loads(text)
    except ValueError:
        return text
    if not isinstance(nb, dict) or nb.get("metadata", {}).get("mystnb", {}).get("execution_mode") != "inline":
        return text
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return json.dumps(nb, indent=1, ensure_ascii=False)


def _source_read(app: Any, docname: str, source: list[str]) -> None:
    if app.env.doc2path(docname).endswith(".ipynb"):
        source[0] = strip_outputs_if_inline(source[0])


def setup(app: Any) -> dict[str, Any]:
    app.connect("source-read", _source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
