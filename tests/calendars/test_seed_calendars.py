"""Hand-pinned cases for the business calendars of the five seed contracts (docs/contracts.md).

The specs are written inline (independently of policies/*.yaml). Every expected instant is
worked out by hand in the comment next to it; weekdays are checked against the stdlib in
``test_weekdays_used_in_comments`` so a slip in a comment cannot hide.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from calendars import BusinessCalendar

NL = {"country": "NL", "categories": ["public"]}

BOKUMO_OFFICE = {
    "timezone": "Europe/Amsterdam",
    "hours": {"mon-fri": ["09:00-17:00"]},
    "holidays": NL,
    "workday_hours": 8,
}
ONE_DO_SUPPORTCENTER = {
    "timezone": "Europe/Amsterdam",
    "hours": {"mon-fri": ["08:00-17:00"]},
    "holidays": NL,
    "overrides": [
        {"on": "easter-2", "hours": ["08:00-16:00"]},  # Good Friday: open, until 16:00
        {"on": "12-05", "hours": ["08:00-16:00"], "only_if_workday": True},
        {"on": "12-24", "hours": ["08:00-16:00"], "only_if_workday": True},
        {"on": "12-31", "hours": ["08:00-16:00"], "only_if_workday": True},
    ],
    "workday_hours": 9,
}
INLENERSBELONING_SUPPORT = {
    "timezone": "Europe/Amsterdam",
    "hours": {"mon-fri": ["08:30-17:00"]},
    "holidays": NL,
}
COVIDE_INCIDENTS = {
    "timezone": "Europe/Amsterdam",
    "hours": {"mon-fri": ["08:00-17:00"]},
    "holidays": NL,
    "workday_hours": 9,
}
SMART_FMS_SERVICE_WINDOW = {
    "timezone": "Europe/Amsterdam",
    "hours": {"mon-thu": ["09:00-12:30", "13:00-17:00"], "fri": ["09:00-12:00"]},
    "holidays": NL,
}

bokumo = BusinessCalendar.from_spec(BOKUMO_OFFICE)
one_do = BusinessCalendar.from_spec(ONE_DO_SUPPORTCENTER)
inlener = BusinessCalendar.from_spec(INLENERSBELONING_SUPPORT)
covide = BusinessCalendar.from_spec(COVIDE_INCIDENTS)
smart = BusinessCalendar.from_spec(SMART_FMS_SERVICE_WINDOW)
always = BusinessCalendar.from_spec({"timezone": "Europe/Amsterdam", "hours": "24x7"})

H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(text: str) -> datetime:
    """An ISO 8601 instant with its offset, as events carry them."""
    return datetime.fromisoformat(text)


def same_instant(got: datetime, expected: str) -> None:
    want = at(expected)
    assert got.astimezone(UTC) == want.astimezone(UTC), f"{got.isoformat()} != {expected}"
    assert got.utcoffset() == want.utcoffset(), f"{got.isoformat()}: wrong local offset"


def test_weekdays_used_in_comments() -> None:
    names = {
        date(2025, 4, 26): "Sat",
        date(2025, 5, 2): "Fri",
        date(2025, 5, 5): "Mon",
        date(2025, 12, 5): "Fri",
        date(2026, 3, 2): "Mon",
        date(2026, 3, 6): "Fri",
        date(2026, 4, 2): "Thu",
        date(2026, 4, 3): "Fri",
        date(2026, 4, 24): "Fri",
        date(2026, 4, 27): "Mon",
        date(2026, 5, 5): "Tue",
        date(2026, 5, 13): "Wed",
        date(2026, 10, 23): "Fri",
        date(2026, 12, 5): "Sat",
        date(2026, 12, 23): "Wed",
        date(2026, 12, 24): "Thu",
        date(2026, 12, 31): "Thu",
        date(2027, 1, 1): "Fri",
        date(2027, 12, 24): "Fri",
        date(2028, 12, 24): "Sun",
        date(2030, 5, 3): "Fri",
        date(2030, 5, 5): "Sun",
    }
    assert {d: d.strftime("%a") for d in names} == names


# -- Bokumo ICT: office, Mon–Fri 09:00–17:00, NL public holidays, workday 8 h ------------------
@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # R2: 8 business hours from Monday 09:00 end at Monday 17:00, not Tuesday 09:00
        ("2026-03-02T09:00+01:00", 8 * H, "2026-03-02T17:00+01:00"),
        # Mon 09–17 (8 h) + Tue 09–17 (8 h) → Tue 17:00
        ("2026-03-02T09:00+01:00", 16 * H, "2026-03-03T17:00+01:00"),
        # Mon 09–17 8 h, + 1 min → Tue 09:01
        ("2026-03-02T09:00+01:00", 8 * H + M, "2026-03-03T09:01+01:00"),
        # created Saturday: counts from Monday 09:00 → Mon 10:00
        ("2026-03-07T10:00+01:00", H, "2026-03-09T10:00+01:00"),
        # created Monday 07:00 (before opening) → 09:00 + 30 min
        ("2026-03-09T07:00+01:00", 30 * M, "2026-03-09T09:30+01:00"),
        # Thu 2 Apr 16–17 (1 h); Good Friday 3 Apr closed; weekend; Easter Monday 6 Apr closed;
        # Tue 7 Apr 09–10 (1 h) → Tue 10:00 CEST
        ("2026-04-02T16:00+02:00", 2 * H, "2026-04-07T10:00+02:00"),
        # Fri 24 Apr 16–17 (1 h); King's Day Mon 27 Apr closed; Tue 28 Apr 09–10 → Tue 10:00
        ("2026-04-24T16:00+02:00", 2 * H, "2026-04-28T10:00+02:00"),
        # Liberation Day 2025 (lustrum year) Mon 5 May closed: Fri 2 May 16–17; Tue 6 May 09–10
        ("2025-05-02T16:00+02:00", 2 * H, "2025-05-06T10:00+02:00"),
        # Liberation Day 2026 (not a lustrum year) Tue 5 May is an ordinary workday
        ("2026-05-05T09:00+02:00", 8 * H, "2026-05-05T17:00+02:00"),
        # Thu 24 Dec 16–17 (1 h); Christmas Fri 25 Dec closed; weekend → Mon 28 Dec 10:00
        ("2026-12-24T16:00+01:00", 2 * H, "2026-12-28T10:00+01:00"),
        # 2 workdays = 16 h from Wed 23 Dec 11:00: Wed 11–17 (6 h), Thu 24 Dec 09–17 (8 h),
        # Fri 25 Dec closed, Mon 28 Dec 09–11 (2 h) → Mon 11:00
        ("2026-12-23T11:00+01:00", 16 * H, "2026-12-28T11:00+01:00"),
    ],
)
def test_bokumo_office_deadlines(start: str, duration: timedelta, expected: str) -> None:
    same_instant(bokumo.add(at(start), duration), expected)


def test_bokumo_office_workdays_and_holidays() -> None:
    # 2 workdays (2 × 8 h) from Mon 2 Mar 09:00: Mon + Tue → Tue 17:00
    same_instant(bokumo.add_workdays(at("2026-03-02T09:00+01:00"), 2), "2026-03-03T17:00+01:00")
    assert not bokumo.is_open(at("2026-04-03T10:00+02:00"))  # Good Friday closed
    assert not bokumo.is_open(at("2026-04-27T10:00+02:00"))  # King's Day closed
    assert not bokumo.is_open(at("2025-05-05T10:00+02:00"))  # Liberation Day 2025 closed
    assert bokumo.is_open(at("2026-05-05T10:00+02:00"))  # 2026: open
    assert "Liberation Day" in bokumo.day(date(2030, 5, 5)).reason  # 2030: a holiday (a Sunday)
    assert bokumo.day(date(2030, 5, 5)).windows == ()
    assert bokumo.day(date(2026, 5, 5)).windows == ((9 * 3600, 17 * 3600),)
    # King's Day 2025 falls on Saturday 26 April (27 April is a Sunday)
    assert "King" in bokumo.day(date(2025, 4, 26)).reason
    # Fri 3 May 2030 (8 h) + Mon 6 May (8 h): Liberation Day 2030 is a Sunday, no extra day off
    assert bokumo.elapsed(at("2030-05-03T09:00+02:00"), at("2030-05-07T09:00+02:00")) == 16 * H
    # Mon 4 .. Fri 8 May 2026: 5 × 8 h, Liberation Day included
    assert bokumo.elapsed(at("2026-05-04T00:00+02:00"), at("2026-05-09T00:00+02:00")) == 40 * H
    # the same week in 2025 loses Monday 5 May: 4 × 8 h
    assert bokumo.elapsed(at("2025-05-05T00:00+02:00"), at("2025-05-10T00:00+02:00")) == 32 * H


def test_bokumo_24h_targets_run_on_24x7() -> None:
    # "binnen 24 uur" on a 24x7 clock across the spring-forward night: Sat 28 Mar 12:00 CET
    # + 24 real hours = Sun 29 Mar 12:00 CET = 13:00 CEST (the local clock skipped an hour)
    same_instant(always.add(at("2026-03-28T12:00+01:00"), 24 * H), "2026-03-29T13:00+02:00")


# -- 1do: supportcenter, Mon–Fri 08:00–17:00; Good Friday 08–16; 5/24/31 Dec 08–16 if a workday ---
@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # Thu 2 Apr 16–17 (1 h), Good Friday is open 08:00–16:00: + 1 h → Fri 3 Apr 09:00
        ("2026-04-02T16:00+02:00", 2 * H, "2026-04-03T09:00+02:00"),
        # 1 workday (9 h) from Good Friday 08:00: Fri 08–16 (8 h); weekend; Easter Monday closed;
        # Tue 7 Apr 08–09 (1 h) → Tue 09:00
        ("2026-04-03T08:00+02:00", 9 * H, "2026-04-07T09:00+02:00"),
        # Good Friday 15:30 + 30 min: closes 16:00, so exactly at the closing time → 16:00
        ("2026-04-03T15:30+02:00", 30 * M, "2026-04-03T16:00+02:00"),
        # Thu 24 Dec 2026 (a workday) closes 16:00: 15–16 (1 h); Christmas Fri 25 Dec closed;
        # weekend; Mon 28 Dec 08–09 → 09:00
        ("2026-12-24T15:00+01:00", 2 * H, "2026-12-28T09:00+01:00"),
        # Thu 31 Dec 2026 closes 16:00: 15–16 (1 h); New Year Fri 1 Jan closed; weekend;
        # Mon 4 Jan 2027 08–09 → 09:00
        ("2026-12-31T15:00+01:00", 2 * H, "2027-01-04T09:00+01:00"),
        # Fri 5 Dec 2025 (a workday) closes 16:00: 15–16 (1 h) then Mon 8 Dec 08–09 → 09:00
        ("2025-12-05T15:00+01:00", 2 * H, "2025-12-08T09:00+01:00"),
        # Fri 24 Dec 2027 closes 16:00: 15:00 + 1 h lands on the closing time → 16:00
        ("2027-12-24T15:00+01:00", H, "2027-12-24T16:00+01:00"),
    ],
)
def test_one_do_supportcenter_deadlines(start: str, duration: timedelta, expected: str) -> None:
    same_instant(one_do.add(at(start), duration), expected)


def test_one_do_special_days() -> None:
    same_instant(one_do.closing_time(date(2026, 4, 3)), "2026-04-03T16:00+02:00")  # Good Friday
    same_instant(one_do.closing_time(date(2026, 12, 24)), "2026-12-24T16:00+01:00")  # Thursday
    same_instant(one_do.closing_time(date(2027, 12, 24)), "2027-12-24T16:00+01:00")  # Friday
    same_instant(one_do.closing_time(date(2026, 12, 23)), "2026-12-23T17:00+01:00")  # ordinary
    assert one_do.closing_time(date(2028, 12, 24)) is None  # Sunday: the override does not open it
    assert one_do.closing_time(date(2026, 12, 5)) is None  # Saturday
    assert not one_do.is_open(at("2026-12-05T10:00+01:00"))
    assert one_do.is_open(at("2026-04-03T15:59+02:00"))
    assert not one_do.is_open(at("2026-04-03T16:00+02:00"))
    assert not one_do.is_open(at("2026-04-06T10:00+02:00"))  # Easter Monday stays closed
    # Thu 24 Dec 2026 counts 8 h, Wed 23 Dec 9 h
    assert one_do.elapsed(at("2026-12-24T00:00+01:00"), at("2026-12-25T00:00+01:00")) == 8 * H
    assert one_do.elapsed(at("2026-12-23T00:00+01:00"), at("2026-12-24T00:00+01:00")) == 9 * H
    assert one_do.day(date(2028, 12, 24)).windows == ()
    assert one_do.day(date(2026, 4, 3)).windows == ((8 * 3600, 16 * 3600),)
    assert "easter-2" in one_do.day(date(2026, 4, 3)).reason


# -- Inlenersbeloning: support, Mon–Fri 08:30–17:00 --------------------------------------------
@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # a whole day is 8 h 30 min: Mon 08:30 + 8.5 h → Mon 17:00
        ("2026-03-02T08:30+01:00", 8 * H + 30 * M, "2026-03-02T17:00+01:00"),
        # Fri 16:00 + 1 h lands on the closing time → Fri 17:00
        ("2026-03-06T16:00+01:00", H, "2026-03-06T17:00+01:00"),
        # Fri 16:00 + 61 min → Fri 16–17 (60 min), Mon 08:30–08:31 → Mon 08:31
        ("2026-03-06T16:00+01:00", 61 * M, "2026-03-09T08:31+01:00"),
        # Mon 07:00 (before opening) + 30 min → 09:00
        ("2026-03-09T07:00+01:00", 30 * M, "2026-03-09T09:00+01:00"),
        # Wed 13 May 16:30–17:00 (30 min); Ascension Thu 14 May closed; Fri 08:30–09:00 → 09:00
        ("2026-05-13T16:30+02:00", H, "2026-05-15T09:00+02:00"),
    ],
)
def test_inlenersbeloning_support_deadlines(start: str, duration: timedelta, expected: str) -> None:
    same_instant(inlener.add(at(start), duration), expected)


# -- Covide: incidents, Mon–Fri 08:00–17:00, workday 9 h ---------------------------------------
@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # 1 workday (9 h) across the fall-back weekend: Fri 23 Oct 12–17 (5 h, CEST),
        # Mon 26 Oct 08–12 (4 h, CET) → Mon 12:00+01:00
        ("2026-10-23T12:00+02:00", 9 * H, "2026-10-26T12:00+01:00"),
        # 2 workdays (18 h) from Fri 24 Apr 10:00: Fri 10–17 (7 h); King's Day Mon 27 closed;
        # Tue 28 08–17 (9 h, 16 h); Wed 29 08–10 (2 h) → Wed 10:00
        ("2026-04-24T10:00+02:00", 18 * H, "2026-04-29T10:00+02:00"),
        # reported Sunday evening: starts at Mon 08:00 → urgent soft 4 h → Mon 12:00
        ("2026-03-01T20:00+01:00", 4 * H, "2026-03-02T12:00+01:00"),
    ],
)
def test_covide_incidents_deadlines(start: str, duration: timedelta, expected: str) -> None:
    same_instant(covide.add(at(start), duration), expected)


def test_covide_workdays_and_wall_clock_targets() -> None:
    # hoog hard: 2 workdays = 18 h (same case as above, through add_workdays)
    same_instant(covide.add_workdays(at("2026-04-24T10:00+02:00"), 2), "2026-04-29T10:00+02:00")
    # medium soft 1 week from Wed 25 Mar 10:00 CET → Wed 1 Apr 10:00 CEST (same wall time)
    same_instant(covide.shift_wall(at("2026-03-25T10:00+01:00"), weeks=1), "2026-04-01T10:00+02:00")
    # laag hard 3 months from Mon 30 Nov 14:00 → 30 Feb does not exist: clamps to Sun 28 Feb
    same_instant(
        covide.shift_wall(at("2026-11-30T14:00+01:00"), months=3), "2027-02-28T14:00+01:00"
    )
    # the business-aligned start: a ticket from Saturday starts at Monday 08:00
    start = covide.next_open(at("2026-03-07T11:00+01:00"))
    same_instant(start, "2026-03-09T08:00+01:00")
    same_instant(covide.shift_wall(start, weeks=2), "2026-03-23T08:00+01:00")


# -- Smart FMS: service_window, Mon–Thu 09:00–12:30 + 13:00–17:00, Fri 09:00–12:00 -------------
@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # A 2 h from Mon 11:30: 11:30–12:30 (1 h), lunch, 13:00–14:00 (1 h) → 14:00
        ("2026-03-02T11:30+01:00", 2 * H, "2026-03-02T14:00+01:00"),
        # created during lunch (12:45): counts from 13:00 → 13:30
        ("2026-03-02T12:45+01:00", 30 * M, "2026-03-02T13:30+01:00"),
        # landing on the lunch closing: Mon 12:00 + 30 min → 12:30, not 13:00
        ("2026-03-02T12:00+01:00", 30 * M, "2026-03-02T12:30+01:00"),
        # short Friday: Fri 11–12 (1 h), Mon 09–10 (1 h) → Mon 10:00
        ("2026-03-06T11:00+01:00", 2 * H, "2026-03-09T10:00+01:00"),
        # B 8 h from Thu 09:00: Thu 09–12:30 (3.5 h) + 13–17 (4 h) = 7.5 h; Fri 09–09:30 → 09:30
        ("2026-03-05T09:00+01:00", 8 * H, "2026-03-06T09:30+01:00"),
        # C 16 h from Mon 09:00: Mon 7.5 h, Tue 7.5 h (15 h), Wed 09–10 (1 h) → Wed 10:00
        ("2026-03-02T09:00+01:00", 16 * H, "2026-03-04T10:00+01:00"),
        # D 56 h from Mon 2 Mar 09:00: a week is 4 × 7.5 + 3 = 33 h; then Mon 9 (40.5),
        # Tue 10 (48), Wed 11 (55.5), Thu 12 09:00–09:30 (56) → Thu 12 Mar 09:30
        ("2026-03-02T09:00+01:00", 56 * H, "2026-03-12T09:30+01:00"),
        # Thu 2 Apr 16–17 (1 h); Good Friday and Easter Monday closed; Tue 7 Apr 09–10 → 10:00
        ("2026-04-02T16:00+02:00", 2 * H, "2026-04-07T10:00+02:00"),
    ],
)
def test_smart_fms_service_window_deadlines(start: str, duration: timedelta, expected: str) -> None:
    same_instant(smart.add(at(start), duration), expected)


def test_smart_fms_lunch_and_short_friday() -> None:
    assert not smart.is_open(at("2026-03-02T12:45+01:00"))
    assert smart.is_open(at("2026-03-02T12:29+01:00"))
    assert not smart.is_open(at("2026-03-06T12:00+01:00"))  # Friday closes at 12:00
    same_instant(smart.next_open(at("2026-03-02T12:30+01:00")), "2026-03-02T13:00+01:00")
    # same-day escalation fires at the day's closing time
    same_instant(smart.closing_time(date(2026, 3, 2)), "2026-03-02T17:00+01:00")
    same_instant(smart.closing_time(date(2026, 3, 6)), "2026-03-06T12:00+01:00")
    assert smart.elapsed(at("2026-03-02T00:00+01:00"), at("2026-03-03T00:00+01:00")) == 7.5 * H
    assert smart.elapsed(at("2026-03-02T00:00+01:00"), at("2026-03-09T00:00+01:00")) == 33 * H
    segments = smart.explain(at("2026-03-02T12:00+01:00"), at("2026-03-02T14:00+01:00"))
    assert [(s.start.astimezone(UTC), s.end.astimezone(UTC)) for s in segments] == [
        (at("2026-03-02T11:00Z"), at("2026-03-02T11:30Z")),  # 12:00–12:30 local
        (at("2026-03-02T12:00Z"), at("2026-03-02T13:00Z")),  # 13:00–14:00 local
    ]
