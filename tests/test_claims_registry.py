"""Every claim a chapter makes is checked, and every check backs a sentence of its prose.

`tests/claims/<chapter>.toml` lists each claim of a chapter with the words of the prose that make
it (see the comment at the top of each file). This test ties the three together: the registry, the chapter's
checks (`claims.<method>("key", ...)` calls in its code cells), and its markdown. It also checks
that every chapter in `_toc.yml` has an entry, and that the committed notebook was saved with every
listed claim checked and held (its closing summary line).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "tests" / "claims"
CHECK_CALL = re.compile(r"claims\.(?:check|between|at_least|at_most|count)\(\s*[\"']([A-Za-z0-9_.-]+)[\"']")


def fold(text: str) -> str:
    return " ".join(text.split())


def toc_chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [f for f in files if f.startswith("chapters/")]


REG = {p.stem: tomllib.loads(p.read_text()) for p in sorted(REGISTRY.glob("*.toml"))}
CHAPTERS = sorted(REG)


def load(chapter: str):
    nb = nbformat.read(ROOT / REG[chapter]["notebook"], as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    md = fold("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
    return nb, code, md


def test_every_chapter_of_the_book_has_a_registry_entry():
    listed = {Path(REG[ch]["notebook"]).with_suffix("").as_posix() for ch in REG}
    missing = [f for f in toc_chapters() if f not in listed]
    assert not missing, (
        f"chapters in _toc.yml without a claims file in tests/claims/: {missing}. Add "
        "tests/claims/chNN.toml with notebook = ... and the chapter's claims."
    )


def registry_problems(chapter: str, listed: dict[str, str], code: str, md: str) -> list[str]:
    """What is wrong between a chapter's registry entries, its checks (code) and its prose (md)."""
    where = f"tests/claims/{chapter}.toml"
    checked = CHECK_CALL.findall(code)
    problems = []
    dupes = sorted({k for k in checked if checked.count(k) > 1})
    if dupes:
        problems.append(f"{chapter}: claim keys checked more than once: {dupes}")
    removed = [
        f"{key!r} (prose: \"{words}\")"
        for key, words in listed.items()
        if key not in checked and fold(words) in md
    ]
    if removed:
        problems.append(
            f"{chapter}: the prose still makes these claims but the chapter no longer checks them: "
            f"{'; '.join(removed)}. Restore each check, or remove the sentence from the prose and its entry "
            f"from {where}."
        )
    unlisted = [k for k in checked if k not in listed]
    if unlisted:
        problems.append(
            f"{chapter}: checks {unlisted} are not listed in {where}: add each with the words of "
            "the prose it backs."
        )
    stale = [f"{key!r}: \"{words}\"" for key, words in listed.items() if fold(words) not in md]
    if stale:
        problems.append(
            f"{chapter}: these claims' words are no longer in the prose: {stale}. Update the "
            f"entries in {where} (and the checks, if the claims changed)."
        )
    return problems


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_registry_checks_and_prose_agree(chapter):
    _, code, md = load(chapter)
    problems = registry_problems(chapter, REG[chapter].get("claims", {}), code, md)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_guard_catches_a_removed_check(chapter):
    """Delete one check from the chapter's code: the registry test must name it."""
    _, code, md = load(chapter)
    listed = REG[chapter].get("claims", {})
    if not listed:
        pytest.skip(f"{chapter} makes no claims")
    key = next(iter(listed))
    mutated = re.sub(rf"claims\.(\w+)\(\s*[\"']{re.escape(key)}[\"']", "removed(", code)
    problems = registry_problems(chapter, listed, mutated, md)
    assert any("no longer checks" in p and repr(key) in p for p in problems), problems


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_committed_notebook_checked_and_held_every_claim(chapter):
    nb, _, _ = load(chapter)
    n = len(REG[chapter].get("claims", {}))
    want = f"{n} claims checked when this page was built, {n} held."
    texts = [
        "".join(out.get("data", {}).get("text/markdown", ""))
        for cell in nb.cells if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    ]
    assert any(want in t for t in texts), (
        f"{chapter}: the committed notebook does not end with \"{want}\" (found: "
        f"{[t for t in texts if 'claims checked' in t]}). Re-run it with `make notebook NB=...` "
        "on a machine where every claim holds."
    )
