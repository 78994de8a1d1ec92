"""The HTML report in a real browser (Debian's chromium, headless): it loads with no console
error and no request for anything but itself, its charts render, and printing gives an A4
PDF. The report is Covide's May 2026 of test_covide_months (14th noncompliant month, 50 %)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from streams.reports.html import render
from tests.streams.reports.helpers import AMS
from tests.streams.reports.test_covide_months import month

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(month("2026-05"), AMS), encoding="utf-8")
    return path


def test_the_page_is_self_contained_and_loads_without_errors(browser, page_file: Path) -> None:
    text = page_file.read_text()
    assert not re.search(r"""(src|href)=["'](https?:)?//""", text)  # no external asset
    assert "<script" not in text
    loaded = browser.open(page_file)
    assert loaded.problems == []
    assert loaded.requests == [page_file.resolve().as_uri()]  # the page itself, nothing else


def test_the_charts_render(browser, page_file: Path) -> None:
    loaded = browser.open(page_file)
    page = loaded.page
    sizes = page.eval_on_selector_all(
        "svg.chart",
        "els => els.map(e => [e.dataset.chart, e.getBoundingClientRect().width,"
        " e.getBoundingClientRect().height])",
    )
    kinds = [k for k, _, _ in sizes]
    # one trend per aggregate row with clocks in the window (resolution urgent soft and hard),
    # the credit per month, availability per service (none here), breaches per week
    assert kinds.count("trend") == 2 and "credit" in kinds and "breaches" in kinds
    assert all(w > 100 and h > 40 for _, w, h in sizes)
    # the soft trend: a point per month with clocks (Jun 2025 … May 2026: 12), each 0 %,
    # below the 90 % aggregate line, drawn in the miss colour
    points = page.eval_on_selector_all(
        'figure[data-row="resolution/incident/urgent/soft"] circle.point',
        "els => els.map(e => [e.getAttribute('fill'), e.getBBox().width])",
    )
    assert len(points) == 12 and all(f == "#b42318" and w > 0 for f, w in points)
    hard = page.eval_on_selector_all(
        'figure[data-row="resolution/incident/urgent/hard"] circle.point',
        "els => els.map(e => e.getAttribute('fill'))",
    )
    assert hard == ["#2459a8"] * 12  # 100 % each month, above the 99.9 % line
    assert page.locator("svg.trend line.target").count() == 2
    # the credit card: 14 consecutive noncompliant months, capped at 50 %
    credit = page.inner_text("#credit")
    assert "50 %" in credit and "14 consecutive" in credit
    assert page.locator("#rows tbody tr").count() == 3  # soft, hard, response


def test_printing_gives_an_a4_pdf(browser, page_file: Path) -> None:
    loaded = browser.open(page_file)
    pdf = browser.pdf(loaded)
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 6
    # A4 is 595.28 × 841.89 pt: every MediaBox is that size
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert boxes and all(
        abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes
    )
    assert loaded.problems == []
