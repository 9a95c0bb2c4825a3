"""When a subscription's reports are due: daily, weekly or monthly at a time of day in a time
zone, or a cron expression (minute hour day-of-month month day-of-week, read in that zone).

Every schedule is a cron expression underneath; a slot is one moment it names. Beat's tick asks
for the latest slot up to now (`latest_slot`); the app database records each slot once, so a
slot is never sent twice. A six-field cron with seconds first (`*/5 * * * * *`) is accepted
only when REPORT_SECOND_SCHEDULES is set: tests, which cannot wait minutes for a slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from celery.schedules import ParseException, crontab_parser

FREQUENCIES = ("daily", "weekly", "monthly", "cron")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Day 29-31 does not come every month: monthly reports pick a day every month has.
MONTH_DAYS = range(1, 29)
SEARCH_DAYS = 800  # a cron that names a day (Feb 29, a weekday) finds it within this
_FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_LIMITS = {
    "second": (60, 0),
    "minute": (60, 0),
    "hour": (24, 0),
    "day of month": (31, 1),
    "month": (12, 1),
    "day of week": (7, 0),
}
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


class ScheduleError(ValueError):
    """A schedule that cannot be used; the message says what to write instead."""


@dataclass(frozen=True)
class Schedule:
    frequency: str  # daily, weekly, monthly or cron
    at: str = "08:00"  # HH:MM, local to `timezone` (daily, weekly, monthly)
    weekday: str = "mon"  # weekly
    monthday: int = 1  # monthly
    cron: str = ""  # cron
    timezone: str = "UTC"

    def expression(self) -> str:
        """The schedule as a cron expression."""
        if self.frequency == "cron":
            return self.cron.strip()
        hour, minute = (int(n) for n in self.at.split(":"))
        day = {"daily": "* * *", "weekly": f"* * {self.weekday}", "monthly": f"{self.monthday} * *"}
        return f"{minute} {hour} {day[self.frequency]}"

    def words(self) -> str:
        """ "weekly on mon at 08:00 (Europe/Paris)": as the reports page says it."""
        where = f"({self.timezone})"
        if self.frequency == "daily":
            return f"daily at {self.at} {where}"
        if self.frequency == "weekly":
            return f"weekly on {self.weekday} at {self.at} {where}"
        if self.frequency == "monthly":
            return f"monthly on day {self.monthday} at {self.at} {where}"
        return f"cron {self.cron} {where}"


@dataclass(frozen=True)
class Cron:
    """An expanded cron expression in its time zone."""

    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    monthdays: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday, as cron counts
    any_monthday: bool
    any_weekday: bool
    zone: ZoneInfo

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_month = day.day in self.monthdays
        by_week = (day.isoweekday() % 7) in self.weekdays
        if self.any_monthday or self.any_weekday:
            return by_month and by_week
        return by_month or by_week  # both restricted: either one, as cron has it

    def times(self, day: date, descending: bool, last_hour: int = 23):
        """The day's slots as local datetimes, in order, up to the hour `last_hour`."""
        hours = sorted((h for h in self.hours if h <= last_hour), reverse=descending)
        minutes = sorted(self.minutes, reverse=descending)
        seconds = sorted(self.seconds, reverse=descending)
        for hour in hours:
            for minute in minutes:
                for second in seconds:
                    yield datetime.combine(day, time(hour, minute, second), self.zone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"time zone {name!r} is not known; write one like Europe/Paris or UTC"
        ) from None


def check(schedule: Schedule, allow_seconds: bool = False) -> Schedule:
    """The schedule if it can be used; ScheduleError saying what is wrong otherwise."""
    if schedule.frequency not in FREQUENCIES:
        raise ScheduleError(
            f"frequency {schedule.frequency!r}: pick one of {', '.join(FREQUENCIES)}"
        )
    if schedule.frequency != "cron" and not _TIME.fullmatch(schedule.at or ""):
        raise ScheduleError(f"time {schedule.at!r}: write it as HH:MM, e.g. 08:00")
    if schedule.frequency == "weekly" and schedule.weekday not in WEEKDAYS:
        raise ScheduleError(f"weekday {schedule.weekday!r}: pick one of {', '.join(WEEKDAYS)}")
    if schedule.frequency == "monthly" and schedule.monthday not in MONTH_DAYS:
        raise ScheduleError(
            f"day {schedule.monthday!r} of the month: pick 1 to 28 (every month has those)"
        )
    parse(schedule, allow_seconds)
    return schedule


def parse(schedule: Schedule, allow_seconds: bool = False) -> Cron:
    expression = schedule.expression()
    fields = expression.split()
    names = _FIELDS
    if len(fields) == 6 and allow_seconds:
        names = ("second", *_FIELDS)
    elif len(fields) != 5:
        raise ScheduleError(
            f"cron {expression!r} has {len(fields)} fields; write five: minute hour "
            "day-of-month month day-of-week, e.g. '30 7 * * mon-fri'"
        )
    sets = {}
    for name, text in zip(names, fields, strict=True):
        limit, first = _LIMITS[name]
        try:
            values = crontab_parser(limit, first).parse(text)
        except (ParseException, ValueError) as exc:
            raise ScheduleError(f"cron {expression!r}, {name} {text!r}: {exc}") from None
        if not values:
            raise ScheduleError(f"cron {expression!r}: {name} {text!r} names no {name}")
        sets[name] = values
    return Cron(
        seconds=tuple(sets.get("second", {0})),
        minutes=tuple(sets["minute"]),
        hours=tuple(sets["hour"]),
        monthdays=frozenset(sets["day of month"]),
        months=frozenset(sets["month"]),
        weekdays=frozenset(sets["day of week"]),
        any_monthday=fields[-3] == "*",
        any_weekday=fields[-1] == "*",
        zone=_zone(schedule.timezone),
    )


def latest_slot(schedule: Schedule, now: datetime, allow_seconds: bool = False) -> datetime | None:
    """The last moment the schedule names at or before `now` (UTC), or None within the search
    window."""
    cron = parse(schedule, allow_seconds)
    local = now.astimezone(cron.zone)
    today = local.date()
    for back in range(SEARCH_DAYS):
        day = today - timedelta(days=back)
        if not cron.day_matches(day):
            continue
        # Today's later hours cannot be at or before now (skipped: a seconds cron has 86,400).
        last_hour = min(23, local.hour + 1) if back == 0 else 23
        for moment in cron.times(day, descending=True, last_hour=last_hour):
            if moment <= now:
                return moment.astimezone(UTC)
    return None


def next_slot(schedule: Schedule, now: datetime, allow_seconds: bool = False) -> datetime | None:
    """The first moment the schedule names after `now` (UTC)."""
    cron = parse(schedule, allow_seconds)
    today = now.astimezone(cron.zone).date()
    for ahead in range(SEARCH_DAYS):
        day = today + timedelta(days=ahead)
        if not cron.day_matches(day):
            continue
        for moment in cron.times(day, descending=False):
            if moment > now:
                return moment.astimezone(UTC)
    return None
