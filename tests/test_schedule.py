"""When reports are due: daily, weekly and monthly slots at a local time in a time zone (through
daylight saving time), cron expressions read as cron reads them, clear words for what is wrong,
and beat's tick recording a slot once however often it ticks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from appdb.reports import Subscription
from reports import runs
from reports.schedule import Schedule, ScheduleError, check, latest_slot, next_slot
from services import services
from tests.fixtures.app import add_user, demo_app


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_sch001_a_daily_report_at_eight_in_paris_follows_daylight_saving_time():
    daily = Schedule("daily", "08:00", timezone="Europe/Paris")
    # Paris moves its clocks on 2026-03-29: 08:00 is 07:00 UTC before and 06:00 UTC after.
    assert latest_slot(daily, utc(2026, 3, 29, 5, 0)) == utc(2026, 3, 28, 7, 0)
    assert next_slot(daily, utc(2026, 3, 29, 5, 0)) == utc(2026, 3, 29, 6, 0)
    assert latest_slot(daily, utc(2026, 3, 29, 6, 0)) == utc(2026, 3, 29, 6, 0)


def test_sch002_weekly_monthly_and_cron_slots():
    weekly = Schedule("weekly", "07:30", weekday="fri", timezone="America/New_York")
    assert latest_slot(weekly, utc(2026, 12, 6, 12)) == utc(2026, 12, 4, 12, 30)  # EST: UTC-5
    monthly = Schedule("monthly", "06:00", monthday=1)
    assert next_slot(monthly, utc(2026, 12, 6)) == utc(2027, 1, 1, 6)
    workdays = Schedule("cron", cron="*/15 9-17 * * mon-fri")
    assert latest_slot(workdays, utc(2026, 12, 6, 12)) == utc(2026, 12, 4, 17, 45)  # a Sunday
    # Day of month and day of week both given: either one matches, as cron has it.
    either = Schedule("cron", cron="0 8 13 * fri")
    assert next_slot(either, utc(2026, 12, 6)) == utc(2026, 12, 11, 8)
    assert next_slot(either, utc(2026, 12, 12)) == utc(2026, 12, 13, 8)


@pytest.mark.parametrize(
    ("schedule", "said"),
    [
        (Schedule("cron", cron="61 * * * *"), "minute '61': Invalid end range: 61 > 59"),
        (Schedule("cron", cron="* * *"), "has 3 fields; write five"),
        (Schedule("cron", cron="*/5 * * * * *"), "has 6 fields; write five"),
        (Schedule("daily", "8am"), "time '8am': write it as HH:MM"),
        (Schedule("weekly", weekday="funday"), "weekday 'funday': pick one of mon, tue"),
        (Schedule("monthly", monthday=31), "pick 1 to 28 (every month has those)"),
        (Schedule("daily", timezone="Mars/Olympus"), "time zone 'Mars/Olympus' is not known"),
        (Schedule("hourly"), "frequency 'hourly': pick one of daily, weekly, monthly, cron"),
    ],
)
def test_sch003_what_is_wrong_with_a_schedule_is_said(schedule, said):
    with pytest.raises(ScheduleError) as raised:
        check(schedule)
    assert said in str(raised.value)
    # Seconds are for tests only (REPORT_SECOND_SCHEDULES).
    assert check(Schedule("cron", cron="*/5 * * * * *"), allow_seconds=True)


def test_sch004_a_tick_records_each_slot_once_and_only_slots_after_the_subscription(
    prometheus, warehouse_sqlite, tmp_path
):
    app = demo_app(prometheus, warehouse_sqlite, tmp_path)
    add_user(app, "ops", "operator", ("sre",))
    queued: list[int] = []
    with app.server.app_context():
        store = services().reports
        sub_id = store.add(Subscription(owner="ops", name="hourly", dashboard="system-health",
                                        format="pdf", schedule=Schedule("cron", cron="0 * * * *"),
                                        recipients=("ops@example.com",)))  # fmt: skip
        made = store.get(sub_id).schedule_since
        hour = made.replace(minute=0, second=0, microsecond=0)
        # The hour it was made in had its slot before it existed: nothing fires.
        assert runs.tick(services(), lambda r, _d: queued.append(r), made) == []
        for _ in range(3):  # the next hour's slot, asked for by three ticks (or beats)
            runs.tick(
                services(), lambda r, _d: queued.append(r), hour + timedelta(hours=1, seconds=5)
            )
        assert len(queued) == 1
        [run] = store.runs([sub_id])
        assert (run.slot, run.state, run.trigger) == (
            hour + timedelta(hours=1),
            "queued",
            "schedule",
        )
        # A paused subscription fires nothing; the slot table still holds one run per slot.
        store.save(replace(store.get(sub_id), enabled=False))
        runs.tick(services(), lambda r, _d: queued.append(r), hour + timedelta(hours=2, seconds=5))
        assert len(queued) == 1
        assert store.record_slot(sub_id, run.slot, 3) is None


def test_sch005_a_render_that_stops_its_worker_every_time_fails_after_its_attempts(
    prometheus, warehouse_sqlite, tmp_path
):
    """A run whose worker died under it is taken again (a lapsed lease), but not forever: after
    its last attempt the sweep marks it failed, in words, and nothing takes it again."""
    app = demo_app(prometheus, warehouse_sqlite, tmp_path)
    add_user(app, "ops", "operator", ("sre",))
    with app.server.app_context():
        store = services().reports
        sub_id = store.add(Subscription(owner="ops", name="dies", dashboard="system-health",
                                        format="pdf", schedule=Schedule("daily", at="08:00"),
                                        recipients=("ops@example.com",)))  # fmt: skip
        run_id = store.send_now(sub_id, "ops", 3)
        for attempt in (1, 2, 3):  # each worker dies at once: its lease has lapsed
            taken = store.claim(run_id, f"worker-{attempt}", lease=-1)
            assert taken is not None and taken.attempt == attempt
            assert store.overdue() == ([run_id] if attempt < 3 else [])
        assert store.claim(run_id, "worker-4", lease=60) is None
        run = store.run(run_id)
        assert run.state == "failed" and run.reason.startswith("the render stopped before it")
