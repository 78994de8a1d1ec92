"""The links of the README and of every documentation page lead somewhere: files exist,
anchors are headings, nothing points outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.markdown import DOCS, REPO, read, sections, slug

PAGES = ("../README.md", *sorted(p.name for p in DOCS.glob("*.md")))
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(file: Path) -> set[str]:
    return {slug(s.heading) for s in sections(file.read_text(encoding="utf-8"))}


def test_slug_follows_github():
    assert slug("`calendars.<name>.overrides[]` — special days") == (
        "calendarsnameoverrides--special-days"
    )
    assert slug("`service_credits[]` — `ServiceCredit`") == "service_credits--servicecredit"
    assert slug("6. Check it and try it") == "6-check-it-and-try-it"


@pytest.mark.parametrize("page", PAGES)
def test_every_link_resolves(page: str):
    here = (DOCS / page).resolve().parent
    for target in LINK.findall(read(page)):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        file = (here / path).resolve() if path else (DOCS / page).resolve()
        assert file.exists(), f"{page}: {target}: no such file"
        assert file.is_relative_to(REPO), f"{page}: {target} leaves the repository"
        if anchor:
            assert file.suffix == ".md", f"{page}: {target}"
            assert anchor in anchors(file), f"{page}: {target}: no such heading"


@pytest.mark.parametrize("page", PAGES)
def test_no_page_cites_a_file_outside_the_repository(page: str):
    text = read(page)
    assert "../shared" not in text and "CONTRACTS.md" not in text, page


def test_the_product_cites_only_its_own_docs():
    """No code, policy or example cites the contracts' original texts or their reading
    outside the repository: the product points to docs/contracts.md."""
    import re

    outside = re.compile(r"\.\./shared|shared/seeds|CONTRACTS\.md|\bCONTRACTS R\d")
    found = []
    for top in ("calendars", "models", "streams", "policies", "examples", "docker"):
        for path in (REPO / top).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".yaml", ".yml", ".md", ".json"):
                for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                    if outside.search(line):
                        found.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)
