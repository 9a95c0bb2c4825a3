"""Time ranges and the Grafana step: what a user picks becomes one cacheable window."""

from datetime import UTC, datetime

import pytest

from data.timerange import (
    MAX_POINTS_PER_SERIES,
    TimeRange,
    TimeRangeError,
    duration_words,
    format_duration,
    parse_duration,
    parse_time,
    query_window,
    readable_time,
)

NOW = datetime(2026, 11, 22, 14, 37, 21, tzinfo=UTC).timestamp()


def test_tr001_relative_times_like_grafana():
    assert parse_time("now", NOW) == NOW
    assert parse_time("now-24h", NOW) == NOW - 86_400
    assert parse_time("now-7d", NOW) == NOW - 7 * 86_400
    assert parse_time("now/d", NOW) == datetime(2026, 11, 22, tzinfo=UTC).timestamp()
    assert parse_time("now-1d/d", NOW) == datetime(2026, 11, 21, tzinfo=UTC).timestamp()
    # Weeks start on Monday: 2026-11-22 is a Sunday.
    assert parse_time("now/w", NOW) == datetime(2026, 11, 16, tzinfo=UTC).timestamp()


def test_tr002_absolute_times_epoch_ms_and_iso():
    assert parse_time("1795357758000") == 1_795_357_758
    assert parse_time("2026-11-22T10:00:00Z") == datetime(2026, 11, 22, 10, tzinfo=UTC).timestamp()
    assert parse_time("2026-11-22 10:00") == datetime(2026, 11, 22, 10, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("bad", ["yesterday", "now-5x", "now+1h", "", "now-1h; drop"])
def test_tr003_unreadable_time_is_a_clear_error(bad):
    with pytest.raises(TimeRangeError, match="is not a time"):
        parse_time(bad, NOW)


def test_tr004_empty_range_rejected():
    with pytest.raises(TimeRangeError, match="'from' must be before 'to'"):
        TimeRange.parse("now", "now-1h", NOW)


def test_tr005_step_is_max_of_scrape_interval_and_range_over_points():
    short = query_window(TimeRange.parse("now-5m", "now", NOW), scrape_interval=15)
    assert short.step == 15
    day = query_window(TimeRange.parse("now-24h", "now", NOW), scrape_interval=15)
    # 86400 / 1000 = 86.4 s, rounded up to the next nice step.
    assert day.step == 120
    assert day.points <= 1000
    week = query_window(TimeRange.parse("now-7d", "now", NOW), max_points=200)
    assert week.step == 3600 and week.points <= 201


def test_tr006_start_and_end_aligned_so_viewers_share_a_key():
    a = query_window(TimeRange.parse("now-24h", "now", NOW))
    b = query_window(TimeRange.parse("now-24h", "now", NOW + 30))
    assert a.start % a.step == 0 and a.end % a.step == 0
    assert a.cache_key() == b.cache_key()


def test_tr007_never_more_than_11000_points():
    year = TimeRange.parse("now-365d", "now", NOW)
    window = query_window(year, scrape_interval=1, max_points=1_000_000)
    assert window.points <= MAX_POINTS_PER_SERIES + 1


def test_tr008_rate_interval_like_grafana():
    # max(step + scrape, 4 x scrape)
    assert query_window(TimeRange.parse("now-5m", "now", NOW)).rate_interval == 60
    day = query_window(TimeRange.parse("now-24h", "now", NOW))
    assert day.rate_interval == 135


def test_tr009_durations():
    assert parse_duration("5m") == 300
    assert format_duration(300) == "5m"
    assert format_duration(135) == "135s"
    assert format_duration(86_400) == "1d"
    with pytest.raises(TimeRangeError, match="not a duration"):
        parse_duration("5 minutes")


def test_tr010_spans_and_ends_said_as_people_read_them():
    """Grafana's words for a span ("last 7 days", not "last 1 week"), and a box zoom's epoch
    milliseconds shown in From/To as a date that reads back to the same moment."""
    assert duration_words(7 * 86_400) == "7 days"
    assert duration_words(86_400) == "24 hours"
    assert duration_words(3600) == "1 hour"
    assert duration_words(300) == "5 minutes"
    assert duration_words(90) is None
    assert readable_time("1763906700000") == "2025-11-23 14:05:00"
    assert parse_time(readable_time("1763906700000")) == 1763906700
    assert readable_time("now-6h") == "now-6h"
    assert readable_time("99999999999999999999") == "99999999999999999999"  # no 500 at the toolbar


def test_tr011_calendar_units_and_fiscal_quarters_like_grafana():
    """now/M, now/Q, now/y round to the start of the calendar unit and, as the end of a range, to
    its end; now-1M is a calendar month back; now/fQ and now/fy follow the fiscal year's first
    month (April here). NOW is Sunday 2026-11-22."""

    def day(text: str, **kw) -> str:
        return datetime.fromtimestamp(parse_time(text, NOW, **kw), UTC).strftime("%Y-%m-%d")

    assert (day("now/M"), day("now/M", end=True)) == ("2026-11-01", "2026-12-01")
    assert (day("now/Q"), day("now/Q", end=True)) == ("2026-10-01", "2027-01-01")
    assert (day("now/y"), day("now/y", end=True)) == ("2026-01-01", "2027-01-01")
    assert (day("now-1M/M"), day("now-1M/M", end=True)) == ("2026-10-01", "2026-11-01")
    assert day("now-1M") == "2026-10-22" and day("now-1y/y") == "2025-01-01"
    assert (day("now/d"), day("now/d", end=True)) == ("2026-11-22", "2026-11-23")
    assert day("now/fQ", fiscal_start=4) == "2026-10-01"
    assert day("now/fQ", fiscal_start=2) == "2026-11-01"
    assert day("now/fy", fiscal_start=4) == "2026-04-01"
    assert day("now/fy", end=True, fiscal_start=4) == "2027-04-01"
    today = TimeRange.parse("now/d", "now/d", NOW)
    assert today.seconds == 86_400
    with pytest.raises(TimeRangeError, match="now/M, now/Q"):
        parse_time("now/fd", NOW)
