"""Progress bars for long live computations, kept out of committed outputs and the HTML book.

``progress(iterable)`` shows a tqdm bar when a reader runs a notebook live. The book build, nbval
and the script that refreshes committed outputs set ``DYING_RELU_QUIET=1``, and then it returns
the iterable untouched, so no bar (and no stderr text) ends up in a committed notebook.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["progress", "quiet"]

T = TypeVar("T")


def quiet() -> bool:
    """True when progress bars are switched off (``DYING_RELU_QUIET`` set to anything but 0)."""
    return os.environ.get("DYING_RELU_QUIET", "0") not in ("", "0")


def progress(iterable: Iterable[T], desc: str | None = None, total: int | None = None) -> Iterator[T]:
    """Wrap ``iterable`` in a tqdm progress bar when running live; otherwise return it as is."""
    if quiet():
        return iter(iterable)
    from tqdm.auto import tqdm

    return iter(tqdm(iterable, desc=desc, total=total, leave=False))
