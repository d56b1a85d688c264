"""nbval's output comparison over notebooks that the book build already executed (no kernel).

`make book` executes every chapter once and keeps the executed copies in
``_build/jupyter_execute/chapters/``. In `make test` this plugin compares those outputs with the
committed ones using nbval's own comparison (its sanitize rules, skipped MIME types, stream
coalescing and per-cell tags such as ``nbval-ignore-output``), so the chapters are executed once,
not twice. ``make nbval`` and ``make matrix`` still run real nbval with a live kernel.

    pytest -p tests.nbreplay --nbreplay=_build/jupyter_execute \\
        --nbval-sanitize-with tests/nbval_sanitize.cfg chapters/

(``--nbval-sanitize-with`` is nbval's own option; nbval is loaded, but without ``--nbval`` it
collects nothing, and this plugin collects the notebooks instead.)

MyST-NB moves every ``glue`` output out of the executed copy into ``<name>.glue.json``; each
committed glue output is compared with the value glued under the same name in that build. (A glue
name that a cell adds but the committed notebook lacks is noticed by ``make nbval``, not here.)
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import IPyNbCell, IPyNbFile, NbCellError, coalesce_streams

ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    parser.addoption(
        "--nbreplay",
        metavar="DIR",
        default=None,
        help="compare committed notebook outputs with the executed copies under DIR (write "
        "--nbreplay=DIR: pytest reads a separate value as a path before this plugin loads) "
        "(the book build's _build/jupyter_execute), with nbval's rules",
    )


def pytest_collect_file(file_path, parent):
    folder = parent.config.getoption("--nbreplay")
    if folder and file_path.suffix == ".ipynb" and not parent.config.option.nbval:
        return ReplayFile.from_parent(parent, path=file_path)
    return None


class ReplayFile(IPyNbFile):
    """A notebook whose fresh outputs come from an executed copy instead of a kernel."""

    def setup(self):
        self.setup_sanitize_files()
        folder = Path(self.config.getoption("--nbreplay"))
        rel = Path(self.fspath).resolve().relative_to(ROOT)
        executed = folder / rel
        if not executed.exists():
            raise FileNotFoundError(
                f"{executed} does not exist: build the book first (make book), which executes "
                f"{rel} and keeps the executed copy there."
            )
        self.executed = [c for c in nbformat.read(executed, as_version=4).cells if c.cell_type == "code"]
        glued = executed.with_suffix(".glue.json")
        self.glued = json.loads(glued.read_text()) if glued.exists() else {}

    def collect(self):
        for item in super().collect():
            yield ReplayCell.from_parent(
                self, name=item.name, cell_num=item.cell_num, cell=item.cell, options=item.options
            )

    def teardown(self):
        pass


class ReplayCell(IPyNbCell):
    def _glued_outputs(self) -> list:
        """The build's glue outputs for the names this cell glued in the committed notebook."""
        outs = []
        for ref in self.cell.get("outputs", []):
            book = ref.get("metadata", {}).get("scrapbook")
            if not book:
                continue
            found = self.parent.glued.get(book["name"])
            if found is None:
                continue  # reported as a missing output field
            prefix = book.get("mime_prefix", "application/papermill.record/")
            out = dict(found)
            out["data"] = {prefix + k: v for k, v in found.get("data", {}).items()}
            outs.append(nbformat.from_dict(out))
        return outs

    def runtest(self):
        if self.options["skip"]:
            pytest.skip()
        executed = self.parent.executed
        if self.cell_num >= len(executed) or executed[self.cell_num].source != self.cell.source:
            raise NbCellError(
                self.cell_num,
                "the executed copy does not match this notebook (rebuild the book: make book)",
                self.cell.source,
            )
        outs = [nbformat.from_dict(o) for o in executed[self.cell_num].get("outputs", [])]
        outs = coalesce_streams(outs + self._glued_outputs())
        errors = [o for o in outs if o.get("output_type") == "error"]
        if errors and not self.options["check_exception"]:
            traceback = "\n".join(errors[0].get("traceback", []))
            self.raise_cell_error("Cell execution caused an exception", traceback)
        if self.options["check"] and self.cell.execution_count is not None:
            if not self.compare_outputs(outs, coalesce_streams(self.cell.outputs)):
                self.raise_cell_error("Cell outputs differ", "\n".join(self.comparison_traceback))
