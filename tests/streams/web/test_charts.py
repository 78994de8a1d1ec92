"""The burn chart's geometry, worked out by hand.

Plot area: x from 44 to 352 (308 px), y from 118 (zero) up to 8 (110 px). March 2026 has
31 days (743 h in Amsterdam: summer time begins on the 29th); the budget is 13,392 s
(3 h 43 min), so the y axis tops out at 1.15 × the budget = 15,400.8 s.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from streams.web.charts import burn_chart, duration_words

AMS = ZoneInfo("Europe/Amsterdam")
BUDGET = 13_392.0


def service(**kw: object) -> dict:
    base = {
        "service": "portal",
        "target": "services",
        "period": "2026-03",
        "budget_seconds": BUDGET,
        "downtime_seconds": 1500.0,
        "budget_used": 1500 / BUDGET,
        "month_gone": 0.05,
        "month_start": datetime(2026, 3, 1, tzinfo=AMS).isoformat(),
        "month_end": datetime(2026, 4, 1, tzinfo=AMS).isoformat(),
        "burn": [
            [datetime(2026, 3, 1, tzinfo=AMS).isoformat(), 0.0],
            [datetime(2026, 3, 2, 10, tzinfo=AMS).isoformat(), 1500.0],
        ],
    }
    return {**base, **kw}


def line(svg: str, cls: str) -> tuple[str, ...]:
    m = re.search(
        rf'<line class="{cls}" x1="([^"]+)" y1="([^"]+)" x2="([^"]+)" y2="([^"]+)"/>', svg
    )
    assert m, svg
    return m.groups()


def test_early_in_the_month_the_chart_shows_its_first_week() -> None:
    svg = burn_chart(service(), datetime(2026, 3, 2, 10, tzinfo=AMS), "c")
    # budget at y = 118 − 110 × 13392 / 15400.8 = 22.35 → 22.3 (rounded half to even: 22.3)
    assert line(svg, "budget") == ("44", "22.3", "352", "22.3")
    # even pace over the first 168 of 743 h: 13392 × 168/743 = 3028 s → y = 96.4
    assert line(svg, "pace") == ("44.0", "118.0", "352.0", "96.4")
    # the downtime: 0 on 1 Mar, 1500 s on 2 Mar 10:00 (x = 44 + 308 × 34/168 = 106.3,
    # y = 118 − 110 × 1500/15400.8 = 107.3)
    assert '<polyline class="downtime" points="44.0,118.0 106.3,107.3"/>' in svg
    assert ">01 Mar</text>" in svg and ">08 Mar</text>" in svg
    assert '<desc id="c-d">25 min of downtime counted against a budget of 3 h 43 min ' in svg
    assert 'role="img" aria-labelledby="c-t c-d"' in svg


def test_late_in_the_month_the_chart_shows_the_whole_month() -> None:
    # a day after 31 Mar 12:00 is past the month's end: the whole month, the whole budget
    svg = burn_chart(service(), datetime(2026, 3, 31, 12, tzinfo=AMS), "c")
    assert line(svg, "pace") == ("44.0", "118.0", "352.0", "22.3")
    assert ">01 Apr</text>" in svg


def test_an_outage_going_on_is_projected_to_the_budget() -> None:
    svg = burn_chart(
        service(down_since="2026-03-02T09:55:00+01:00", exhausts_at="2026-03-02T13:12:00+01:00"),
        datetime(2026, 3, 2, 10, tzinfo=AMS),
        "c",
    )
    # 2 Mar 13:12 is 37.2 h into the week shown: x = 44 + 308 × 37.2/168 = 112.2
    assert line(svg, "projection")[2:] == ("112.2", "22.3")
    assert "projection" not in burn_chart(service(), datetime(2026, 3, 2, 10, tzinfo=AMS), "c")


def test_durations_in_words() -> None:
    assert duration_words(0) == "0 s"
    assert duration_words(40) == "40 s"
    assert duration_words(1500) == "25 min"
    assert duration_words(13_392) == "3 h 43 min"
    assert duration_words(90_000) == "1 d 1 h"
    assert duration_words(-600) == "−10 min"
