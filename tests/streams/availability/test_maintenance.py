"""Maintenance rules of the seed policies, hand-worked (docs/contracts.md): which announced
maintenance is excluded from downtime, which part, and which rule a counted one broke."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from calendars.timeline import US, us_of
from models.contracts import load_policies
from streams.availability.downtime import month_bounds_us
from streams.availability.maintenance import Announcement, evaluate, window_occurrences
from tests.streams.availability.test_downtime import counted_downtime_us

AMS = ZoneInfo("Europe/Amsterdam")
H = 3600 * US
POLICIES = load_policies()
FMS = POLICIES["smart-fms"]
FMS_RULES = FMS.availability[0].maintenance
ALWAYS = FMS.calendar("always")
BOKUMO = POLICIES["bokumo-ict"]


def t(*args: int) -> int:
    return us_of(datetime(*args, tzinfo=AMS))


def ann(mid: str, kind: str, start: int, end: int, announced: int) -> Announcement:
    return Announcement(mid, kind, start, end, announced)


def test_smart_fms_outage_inside_minor_maintenance_from_1630_counts_zero() -> None:
    # Tuesday 3 March 2026: minor maintenance 16:30–23:00 announced that morning; the
    # webservice is down 18:00–22:00 (4 h): excluded, the month counts nothing
    (v,) = evaluate(
        [ann("m1", "minor", t(2026, 3, 3, 16, 30), t(2026, 3, 3, 23), t(2026, 3, 3, 9))],
        FMS_RULES,
        AMS,
        FMS.calendar,
    )
    assert v.broken == [] and v.excluded == [(t(2026, 3, 3, 16, 30), t(2026, 3, 3, 23))]
    lo, hi = month_bounds_us(ALWAYS, 2026, 3)
    outage = (t(2026, 3, 3, 18), t(2026, 3, 3, 22))
    assert counted_downtime_us(ALWAYS, [outage], v.excluded, lo, hi) == 0


def test_smart_fms_third_maintenance_of_the_month_counts_fully() -> None:
    # major and minor share "at most twice a month" (limit group regular)
    verdicts = evaluate(
        [
            ann("m1", "minor", t(2026, 3, 3, 17), t(2026, 3, 3, 19), t(2026, 3, 2, 9)),
            ann("g1", "major", t(2026, 3, 6, 18), t(2026, 3, 7, 2), t(2026, 3, 2, 9)),
            ann("m3", "minor", t(2026, 3, 10, 17), t(2026, 3, 10, 21), t(2026, 3, 9, 9)),
            ann("a1", "minor", t(2026, 4, 7, 17), t(2026, 4, 7, 18), t(2026, 4, 6, 9)),
        ],
        FMS_RULES,
        AMS,
        FMS.calendar,
    )
    by = {v.maintenance_id: v for v in verdicts}
    assert by["m1"].broken == [] and by["g1"].broken == []
    assert by["m3"].broken == ["max_per_month"] and by["m3"].excluded == []
    assert "number 3 of March 2026" in by["m3"].explanation
    assert by["a1"].broken == []  # April counts again from one
    lo, hi = month_bounds_us(ALWAYS, 2026, 3)
    outage = (t(2026, 3, 10, 17), t(2026, 3, 10, 21))
    excluded = [iv for v in verdicts for iv in v.excluded]
    assert counted_downtime_us(ALWAYS, [outage], excluded, lo, hi) == 4 * H


def test_smart_fms_rules_broken_are_named() -> None:
    verdicts = evaluate(
        [
            # starts at 15:00: "niet voor 16:00"
            ann("early", "minor", t(2026, 3, 3, 15), t(2026, 3, 3, 18), t(2026, 3, 2, 9)),
            # announced after it started
            ann("late", "minor", t(2026, 3, 4, 17), t(2026, 3, 4, 18), t(2026, 3, 4, 17, 30)),
            # urgent maintenance is never excluded
            ann("urg", "urgent", t(2026, 3, 5, 17), t(2026, 3, 5, 18), t(2026, 3, 1, 9)),
            ann("odd", "painting", t(2026, 3, 5, 17), t(2026, 3, 5, 18), t(2026, 3, 1, 9)),
        ],
        FMS_RULES,
        AMS,
        FMS.calendar,
    )
    by = {v.maintenance_id: v for v in verdicts}
    assert by["early"].broken == ["starts_not_before"]
    assert "starts at 15:00, before 16:00" in by["early"].explanation
    assert by["late"].broken == ["in_advance"]
    assert by["urg"].broken == ["excluded"]
    assert by["odd"].broken == ["kind"]
    assert all(v.excluded == [] for v in verdicts)


def test_smart_fms_the_part_outside_the_window_counts() -> None:
    # minor windows end at 07:00 the next morning: 16:30 Tue → 09:00 Wed is excluded until
    # 07:00; an outage over the whole stretch counts 07:00–09:00 (2 h)
    (v,) = evaluate(
        [ann("m1", "minor", t(2026, 3, 3, 16, 30), t(2026, 3, 4, 9), t(2026, 3, 2, 9))],
        FMS_RULES,
        AMS,
        FMS.calendar,
    )
    assert v.broken == ["window"]
    assert v.excluded == [(t(2026, 3, 3, 16, 30), t(2026, 3, 4, 7))]
    lo, hi = month_bounds_us(ALWAYS, 2026, 3)
    outage = (t(2026, 3, 3, 16, 30), t(2026, 3, 4, 9))
    assert counted_downtime_us(ALWAYS, [outage], v.excluded, lo, hi) == 2 * H


def test_smart_fms_minor_window_runs_to_the_next_workday_over_easter() -> None:
    # minor maintenance "werkdag 16:00 – volgende werkdag 07:00": Thu 2 Apr 2026 16:30 to
    # Tue 7 Apr 06:00. Good Friday (3 Apr), the weekend and Easter Monday (6 Apr) are not
    # workdays of the service window, so Thursday's window runs to Tuesday 07:00: all of
    # it is excluded, and a 61.5 h outage over it counts nothing
    start, end = t(2026, 4, 2, 16, 30), t(2026, 4, 7, 6)
    (v,) = evaluate(
        [ann("m1", "minor", start, end, t(2026, 4, 1, 9))], FMS_RULES, AMS, FMS.calendar
    )
    assert v.broken == [] and v.excluded == [(start, end)]
    lo, hi = month_bounds_us(ALWAYS, 2026, 4)
    assert counted_downtime_us(ALWAYS, [(start, end)], v.excluded, lo, hi) == 0


def test_smart_fms_minor_window_in_an_ordinary_week_leaves_the_working_days_out() -> None:
    # the same span a month earlier, Thu 5 Mar 16:30 to Tue 10 Mar 06:00: the windows are
    # Thu 16:00–Fri 07:00, Fri 16:00–Mon 07:00 and Mon 16:00–Tue 07:00; Friday and Monday
    # 07:00–16:00 count: 2 × 9 h = 18 h
    start, end = t(2026, 3, 5, 16, 30), t(2026, 3, 10, 6)
    (v,) = evaluate(
        [ann("m1", "minor", start, end, t(2026, 3, 4, 9))], FMS_RULES, AMS, FMS.calendar
    )
    assert v.broken == ["window"]
    assert v.excluded == [
        (start, t(2026, 3, 6, 7)),
        (t(2026, 3, 6, 16), t(2026, 3, 9, 7)),
        (t(2026, 3, 9, 16), end),
    ]
    lo, hi = month_bounds_us(ALWAYS, 2026, 3)
    assert counted_downtime_us(ALWAYS, [(start, end)], v.excluded, lo, hi) == 18 * H


def test_smart_fms_minor_maintenance_on_a_sunday_is_inside_fridays_window() -> None:
    # Sunday 1 March 2026 17:00–19:00: no minor window starts on a Sunday, but Friday 27
    # February's runs from 16:00 to Monday 07:00, so all of it is excluded (found by the
    # minute oracle of test_engine_properties: the windows were looked for from the day
    # before the maintenance only, which misses Friday's over a weekend)
    start, end = t(2026, 3, 1, 17), t(2026, 3, 1, 19)
    (v,) = evaluate(
        [ann("m1", "minor", start, end, t(2026, 2, 27, 9))], FMS_RULES, AMS, FMS.calendar
    )
    assert v.broken == [] and v.excluded == [(start, end)]
    # and on the Monday after Easter 2026 (a holiday of the service window) the window is
    # still Thursday's: Thu 2 Apr 16:00 → Tue 7 Apr 07:00
    start, end = t(2026, 4, 6, 17), t(2026, 4, 6, 19)
    (v,) = evaluate(
        [ann("m2", "minor", start, end, t(2026, 4, 1, 9))], FMS_RULES, AMS, FMS.calendar
    )
    assert v.broken == [] and v.excluded == [(start, end)]


def test_weekend_window_over_the_fall_back_night_is_an_hour_longer() -> None:
    # Smart FMS major window fri 16:00 → mon 07:00, 23–26 October 2026 (DST ends on the 25th)
    (win,) = FMS_RULES[0].windows
    (occ,) = window_occurrences(win, AMS, t(2026, 10, 24, 12), t(2026, 10, 24, 13))
    assert occ == (t(2026, 10, 23, 16), t(2026, 10, 26, 7))
    assert occ[1] - occ[0] == 64 * H  # 63 h of wall time + the repeated hour


def test_bokumo_planned_maintenance_needs_two_workdays_notice() -> None:
    rules = BOKUMO.availability[0].maintenance
    office = BOKUMO.calendar  # name → calendar
    # maintenance Thursday 5 March 2026 20:00; "2 workdays" = 16 h of office time (Mon–Fri
    # 09:00–17:00). Announced Tue 09:00: Tue + Wed + Thu = 24 h ahead, enough. Announced
    # Wed 10:00: Wed 10:00–17:00 (7 h) + Thu (8 h) = 15 h, one hour short.
    ok = ann("ok", "planned", t(2026, 3, 5, 20), t(2026, 3, 5, 22), t(2026, 3, 3, 9))
    short = ann("short", "planned", t(2026, 3, 5, 20), t(2026, 3, 5, 22), t(2026, 3, 4, 10))
    by = {v.maintenance_id: v for v in evaluate([ok, short], rules, AMS, office)}
    assert by["ok"].broken == []
    assert by["short"].broken == ["min_notice"]
