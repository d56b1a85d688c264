"""BLAS thread control in one place (issue 11): dying_relu.blas."""

from __future__ import annotations

import pytest

from dying_relu import blas, fixes


def test_context_manager_restores_and_pin_sets():
    before = blas.thread_count()
    with blas.blas_threads(1) as ok:
        if before is None:
            assert ok is False
        else:
            assert ok is True and blas.thread_count() == 1
    assert blas.thread_count() == before
    if before is not None:
        assert blas.pin_threads(1) and blas.thread_count() == 1
        blas.pin_threads(before)
        assert blas.thread_count() == before


def test_restored_after_an_exception():
    before = blas.thread_count()
    with pytest.raises(KeyError), blas.blas_threads(1):
        raise KeyError("x")
    assert blas.thread_count() == before


def test_without_openblas_nothing_happens(monkeypatch):
    monkeypatch.setattr(blas, "_openblas", lambda: (None, None, None))
    assert blas.thread_count() is None and blas.pin_threads(1) is False
    with blas.blas_threads(1) as ok:
        assert ok is False


def test_old_names_are_the_new_ones():
    assert fixes.blas_threads is blas.blas_threads and fixes._openblas is blas._openblas
