"""The one duration grammar (models/durations.py): policy targets, intervals and every
duration flag of the command line read the same text the same way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.durations import (
    Duration,
    DurationError,
    format_amount,
    format_wall,
    parse_duration,
    parse_wall,
)

H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("30m", 30, "m"),
        ("30 minutes", 30, "m"),
        ("2h", 2, "h"),
        ("24h", 24, "h"),  # the seed policies' spelling
        ("2 hours", 2, "h"),
        ("1.5h", 1.5, "h"),
        ("1h30m", 90, "m"),
        ("1h 30m", 90, "m"),
        ("1H30M", 90, "m"),
        ("90s", 1.5, "m"),
        ("1h 3600s", 2, "h"),  # a sum of time in whole hours stays in hours
        ("2wd", 2, "workdays"),
        ("2 workdays", 2, "workdays"),  # the seed policies' spelling
        ("1 workday", 1, "workdays"),
        ("0.5wd", 0.5, "workdays"),
        ("3weeks", 3, "weeks"),
        ("1 week", 1, "weeks"),
        ("1month", 1, "months"),
        ("3 months", 3, "months"),
    ],
)
def test_accepted(text: str, amount: float, unit: str) -> None:
    assert parse_duration(text) == (amount, unit)
    # a policy file reads the same text to the same value
    assert Duration.model_validate(text) == Duration(amount=amount, unit=unit)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1d", "'1d': 'd' is ambiguous (a workday or 24 hours?): write 1wd for workdays, or 24h"),
        (
            "2 days",
            "'2 days': 'days' is ambiguous (a workday or 24 hours?): write 2wd for "
            "workdays, or 48h",
        ),
        ("1.5day", "write 1.5wd for workdays, or 36h"),
        ("", "empty duration: write e.g. 30m, 1h30m, 2wd, 3weeks or 1month"),
        ("2", "'2' has no unit: write e.g. 30m, 1h30m, 2wd, 3weeks or 1month"),
        ("2x", "unknown unit 'x' in '2x'; units: s, m, h, wd (workdays), weeks, months"),
        ("2 dagen", "unknown unit 'dagen' in '2 dagen'"),
        ("h", "cannot read duration 'h': write e.g. 30m"),
        ("2h junk", "cannot read duration '2h junk'"),
        ("1h30", "cannot read duration '1h30'"),
        ("1h1h", "'1h1h' names h twice"),
        ("1wd2h", "'1wd2h': only s, m and h combine (1h30m); write workdays, weeks or months"),
        ("1week2h", "only s, m and h combine"),
        ("1.5 weeks", "'1.5 weeks': weeks are whole numbers"),
        ("0.5month", "months are whole numbers"),
        ("0m", "duration '0m' must be positive"),
        ("-1h", "cannot read duration '-1h'"),
    ],
)
def test_rejected_with_what_to_write(text: str, message: str) -> None:
    with pytest.raises(DurationError) as exc:
        parse_duration(text)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("30m", 0.5 * H),
        ("2h", 2 * H),
        ("1h30m", 1.5 * H),
        ("90s", timedelta(seconds=90)),
        ("1week", 168 * H),
        ("2 weeks", 336 * H),
    ],
)
def test_wall_spans(text: str, span: timedelta) -> None:
    assert parse_wall(text) == span


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2wd",
            "'2wd': workdays need a business calendar; this is wall-clock time, write e.g. 48h",
        ),
        ("1month", "'1month': a month has no fixed length here; write weeks or hours"),
        ("1d", "'d' is ambiguous"),
    ],
)
def test_wall_spans_refuse_calendar_units(text: str, message: str) -> None:
    with pytest.raises(DurationError) as exc:
        parse_wall(text)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("amount", "unit", "text"),
    [
        (30, "m", "30m"),
        (1.5, "h", "1.5h"),
        (1, "workdays", "1 workday"),
        (5, "workdays", "5 workdays"),
        (1, "weeks", "1 week"),
        (3, "months", "3 months"),
    ],
)
def test_a_written_duration_reads_back(amount: float, unit: str, text: str) -> None:
    assert format_amount(amount, unit) == text
    assert parse_duration(text) == (amount, unit)


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (24 * H, "24h"),
        (0.5 * H, "30m"),
        (1.5 * H, "1h30m"),
        (timedelta(seconds=90), "1m30s"),
        (168 * H, "1 week"),
        (timedelta(0), "0s"),
    ],
)
def test_a_written_wall_span_reads_back(span: timedelta, text: str) -> None:
    assert format_wall(span) == text
    if span:
        assert parse_wall(text) == span


def test_the_object_form_keeps_weeks_and_months_whole() -> None:
    assert Duration.model_validate({"amount": 2, "unit": "weeks"}) == Duration(
        amount=2, unit="weeks"
    )
    with pytest.raises(ValueError, match="weeks are whole numbers"):
        Duration.model_validate({"amount": 1.5, "unit": "weeks"})
