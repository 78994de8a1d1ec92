"""The links of the documentation pages lead somewhere: files exist, anchors are headings."""

from __future__ import annotations

import re

import pytest

from tests.docs.markdown import DOCS, REPO, read, sections, slug

PAGES = ("policy-language.md", "contracts.md", "reports.md")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(name: str) -> set[str]:
    return {slug(s.heading) for s in sections(read(name))}


def test_slug_follows_github():
    assert slug("`calendars.<name>.overrides[]` — special days") == (
        "calendarsnameoverrides--special-days"
    )
    assert slug("`service_credits[]` — `ServiceCredit`") == "service_credits--servicecredit"
    assert slug("6. Check it and try it") == "6-check-it-and-try-it"


@pytest.mark.parametrize("page", PAGES)
def test_every_link_resolves(page: str):
    for target in LINK.findall(read(page)):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        file = (DOCS / path).resolve() if path else DOCS / page
        assert file.exists(), f"{page}: {target}: no such file"
        assert file.is_relative_to(REPO), f"{page}: {target} leaves the repository"
        if anchor:
            assert file.suffix == ".md", f"{page}: {target}"
            assert anchor in anchors(file.name), f"{page}: {target}: no such heading"
