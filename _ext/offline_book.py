"""Local Sphinx extension: keep the built book free of scripts it cannot use offline.

Jupyter Book 1.x always loads sphinx-thebe (live code via Binder). This book has no launch buttons
(they need the internet; readers run the notebooks with `make lab`), and sphinx-thebe 0.3.1 adds its
configuration script twice to every page, which makes the browser log
"Identifier 'THEBE_JS_URL' has already been declared" as an error. This extension removes the thebe
scripts and stylesheet from every page. Registered in _config.yml under sphinx: local_extensions.
"""

from __future__ import annotations

from typing import Any


def _is_thebe(asset: Any) -> bool:
    filename = str(getattr(asset, "filename", "") or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        assets = context.get(key)
        if assets:
            # in place: Sphinx restores the page-independent list after each page
            assets[:] = [asset for asset in assets if not _is_thebe(asset)]


def setup(app) -> dict[str, Any]:
    # after myst-nb (priority 500) has added the per-page widget scripts
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
