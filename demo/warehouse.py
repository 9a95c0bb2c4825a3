"""The demo warehouse: 90 days of a shop, a rental business, an audio-enhancement product and a
platform migration, as SQL tables the dashboards query (SQLite by default, PostgreSQL by URL).

Every table comes from one seeded generator, vectorised with numpy. Orders follow the same daily
and weekly rhythm as the Prometheus series, grow slowly, and dip while an incident of the checkout
or payments service lasts, when payment failures rise: the `incidents` table holds exactly
`demo.incidents.incidents_between(start, end)`, so SQL and PromQL tell one story.

    python -m demo.warehouse [--url URL] [--days 90] [--force]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine, make_url

from demo.catalog import (
    AUDIO_JOBS_PER_HOUR,
    AUDIO_MODELS,
    AUDIO_SECONDS,
    FEATURES,
    FISCAL_YEAR_START,
    MIGRATION_COMPONENTS,
    REGION_WEIGHTS,
    REGIONS,
    SEED,
    SERVICE_TEAMS,
    SERVICES,
)
from demo.incidents import incidents_between

# 5: migration history, service owners; 6: customer activity, an A/B test; 7: revenue targets
# planned to the end of next month.
SCHEMA_VERSION = 7
HOUR = 3600
ORDERS_PER_HOUR = 52.0  # at the 90-day window's start; ~110k orders over 90 days with growth

meta = MetaData()


def _table(name: str, *columns, indexes: tuple[tuple[str, ...], ...] = ()) -> Table:
    table = Table(name, meta, *columns)
    for cols in indexes:
        Index(f"ix_{name}_{'_'.join(cols)}", *(table.c[c] for c in cols))
    return table


def _id() -> Column:
    return Column("id", Integer, primary_key=True)


TABLES = [
    _table("warehouse_meta", Column("key", String(40), primary_key=True), Column("value", String)),
    _table("regions", Column("code", String(8), primary_key=True), Column("name", String)),
    _table("countries", Column("iso3", String(3), primary_key=True), Column("name", String),
           Column("region", String(8))),
    _table("categories", _id(), Column("name", String)),
    _table("products", _id(), Column("name", String), Column("category_id", Integer),
           Column("price", Float)),
    _table("marketing_channels", _id(), Column("name", String)),
    _table("campaigns", _id(), Column("name", String), Column("channel_id", Integer),
           Column("started_at", DateTime), Column("ended_at", DateTime)),
    # Money is spent per region: a region-bound viewer's acquisition cost is that region's.
    _table("campaign_spend", Column("campaign_id", Integer), Column("region", String(8)),
           Column("budget", Float), Column("spend", Float)),
    _table("customers", _id(), Column("signup_at", DateTime), Column("country", String(3)),
           Column("region", String(8)), Column("segment", String), Column("channel_id", Integer),
           indexes=(("signup_at",),)),
    _table("orders", _id(), Column("customer_id", Integer), Column("created_at", DateTime),
           Column("status", String), Column("total", Float), Column("country", String(3)),
           Column("region", String(8)), Column("channel_id", Integer),
           Column("campaign_id", Integer),
           indexes=(("created_at",), ("created_at", "region"), ("customer_id",))),
    _table("order_items", _id(), Column("order_id", Integer), Column("product_id", Integer),
           Column("quantity", Integer), Column("unit_price", Float),
           indexes=(("order_id",), ("product_id",))),
    _table("payments", _id(), Column("order_id", Integer), Column("created_at", DateTime),
           Column("method", String), Column("status", String), Column("failure_reason", String),
           Column("amount", Float), indexes=(("created_at",), ("created_at", "status"))),
    _table("chargebacks", _id(), Column("payment_id", Integer), Column("created_at", DateTime),
           Column("reason", String), Column("amount", Float), indexes=(("created_at",),)),
    _table("funnel_hourly", Column("hour", DateTime), Column("channel", String),
           Column("region", String(8)), Column("visits", Integer), Column("cart_adds", Integer),
           Column("checkout_starts", Integer), Column("orders", Integer),
           indexes=(("hour",),)),
    _table("signup_funnel", Column("cohort_day", DateTime), Column("registered", Integer),
           Column("first_login", Integer), Column("first_upload", Integer),
           Column("feature_use", Integer), Column("retained_7d", Integer),
           indexes=(("cohort_day",),)),
    _table("retention_cohorts", Column("cohort_week", DateTime), Column("week_offset", Integer),
           Column("cohort_size", Integer), Column("active", Integer),
           indexes=(("cohort_week",),)),
    _table("fiscal_quarters", Column("starts", DateTime, primary_key=True),
           Column("ends", DateTime), Column("label", String)),
    _table("revenue_targets", Column("day", DateTime), Column("region", String),
           Column("target", Float), indexes=(("day",),)),
    _table("daily_active_users", Column("day", DateTime, primary_key=True),
           Column("users", Integer), Column("target", Integer)),
    _table("feature_usage", Column("day", DateTime), Column("hour", Integer),
           Column("feature", String), Column("uses", Integer), indexes=(("day",),)),
    _table("support_tickets", _id(), Column("created_at", DateTime),
           Column("resolved_at", DateTime), Column("priority", String), Column("category", String),
           Column("status", String), Column("customer_id", Integer), indexes=(("created_at",),)),
    _table("rental_contracts", _id(), Column("customer_id", Integer),
           Column("started_at", DateTime), Column("ends_at", DateTime),
           Column("monthly_rent", Float), Column("status", String), Column("region", String(8))),
    _table("rental_payments", _id(), Column("contract_id", Integer), Column("due_date", DateTime),
           Column("paid_at", DateTime), Column("amount", Float), Column("days_late", Integer),
           indexes=(("due_date",),)),
    _table("deployments", _id(), Column("service", String), Column("version", String),
           Column("deployed_at", DateTime), Column("status", String), Column("author", String),
           indexes=(("deployed_at",), ("service", "deployed_at"))),
    _table("incidents", _id(), Column("service", String), Column("severity", String),
           Column("title", String), Column("started_at", DateTime), Column("ended_at", DateTime),
           Column("revenue_impact", Float),
           indexes=(("started_at",), ("service", "started_at"))),
    _table("migration_phases", _id(), Column("name", String), Column("started_at", DateTime),
           Column("ends_at", DateTime), Column("status", String), Column("progress", Float)),
    _table("migration_milestones", _id(), Column("phase_id", Integer), Column("name", String),
           Column("due_at", DateTime), Column("done_at", DateTime), Column("status", String)),
    _table("migration_components", _id(), Column("name", String), Column("status", String),
           Column("progress", Float), Column("owner", String), Column("records_total", Integer),
           Column("records_migrated", Integer)),
    # Each component's records migrated at the start of each day (its pace, for the ETA), the
    # datasets (tables) it moves, and the batches rolled back.
    _table("migration_progress", Column("day", DateTime), Column("component", String),
           Column("records_migrated", Integer), indexes=(("day",),)),
    _table("migration_datasets", _id(), Column("component", String), Column("name", String),
           Column("records", Integer), Column("status", String), Column("done_at", DateTime)),
    _table("migration_rollbacks", _id(), Column("component", String), Column("dataset", String),
           Column("rolled_back_at", DateTime), Column("reason", String),
           Column("records", Integer), indexes=(("rolled_back_at",),)),
    _table("service_owners", Column("service", String, primary_key=True),
           Column("team", String)),
    _table("migration_benchmarks", Column("operation", String), Column("system", String),
           Column("p50_ms", Float), Column("p95_ms", Float), Column("p99_ms", Float)),
    _table("shipments", _id(), Column("order_id", Integer), Column("partner", String),
           Column("created_at", DateTime), Column("shipped_at", DateTime),
           Column("processing_seconds", Float), Column("status", String),
           indexes=(("created_at",),)),
    _table("inventory", Column("product_id", Integer, primary_key=True), Column("stock", Integer),
           Column("reorder_level", Integer), Column("warehouse", String)),
    _table("search_terms", Column("day", DateTime), Column("term", String),
           Column("searches", Integer), Column("clicks", Integer), indexes=(("day",),)),
    _table("security_events", _id(), Column("created_at", DateTime), Column("severity", String),
           Column("kind", String), Column("source_ip", String), Column("user_name", String),
           Column("detail", String), indexes=(("created_at",),)),
    _table("migration_test_runs", _id(), Column("suite", String), Column("component", String),
           Column("ran_at", DateTime), Column("passed", Integer), Column("failed", Integer),
           Column("duration_seconds", Float), indexes=(("ran_at",),)),
    _table("migration_issues", _id(), Column("component", String), Column("severity", String),
           Column("status", String), Column("title", String), Column("opened_at", DateTime),
           Column("closed_at", DateTime), indexes=(("opened_at",),)),
    _table("audio_jobs", _id(), Column("created_at", DateTime), Column("model", String),
           Column("audio_seconds", Float), Column("processing_seconds", Float),
           Column("quality_score", Float), Column("cost", Float), Column("status", String),
           Column("country", String(3)), indexes=(("created_at",),)),
]  # fmt: skip

# What the analytics panels read: what new customers do after signing up (cohort retention), and
# an A/B test of the checkout (experiment).
TABLES += [
    _table("customer_activity", Column("customer_id", Integer), Column("active_at", DateTime),
           indexes=(("customer_id",), ("active_at",))),
    _table("experiment_assignments", Column("experiment", String), Column("visitor_id", Integer),
           Column("variant", String), Column("assigned_at", DateTime), Column("region", String(8)),
           indexes=(("experiment", "assigned_at"),)),
    _table("experiment_conversions", Column("experiment", String), Column("visitor_id", Integer),
           Column("converted_at", DateTime), Column("region", String(8)),
           indexes=(("experiment", "visitor_id"),)),
]  # fmt: skip
EXPERIMENT = "checkout-redesign"
EXPERIMENT_DAYS = 21  # it started this long before the warehouse's end (or at its start)
EXPERIMENT_RATES = {"A": 0.031, "B": 0.035}  # the true conversion rates: B is better

COUNTRY_NAMES = {
    "DEU": "Germany", "FRA": "France", "GBR": "United Kingdom", "ESP": "Spain", "ITA": "Italy",
    "NLD": "Netherlands", "POL": "Poland", "SWE": "Sweden", "USA": "United States",
    "CAN": "Canada", "MEX": "Mexico", "JPN": "Japan", "AUS": "Australia", "IND": "India",
    "SGP": "Singapore", "KOR": "South Korea", "BRA": "Brazil", "ARG": "Argentina",
    "CHL": "Chile", "COL": "Colombia",
}  # fmt: skip
REGION_NAMES = {"EU": "Europe", "NA": "North America", "APAC": "Asia Pacific",
                "LATAM": "Latin America"}  # fmt: skip
CHANNELS = ["organic", "paid_search", "social", "email", "affiliate", "direct"]
CHANNEL_WEIGHTS = [0.3, 0.22, 0.16, 0.12, 0.08, 0.12]
CATEGORIES = ["Electronics", "Home", "Books", "Garden", "Toys", "Sports", "Fashion", "Beauty"]
PAYMENT_METHODS = ["card", "paypal", "bank_transfer", "apple_pay"]
FAILURE_REASONS = ["insufficient_funds", "card_declined", "expired_card", "fraud_suspected",
                   "gateway_timeout"]  # fmt: skip
AUTHORS = ["alice", "bob", "chen", "dana", "emeka", "farah"]


@dataclass
class WarehouseInfo:
    url: str
    days: int
    start: datetime
    end: datetime
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    reused: bool = False


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)


def _hours(start: datetime, end: datetime) -> pd.DatetimeIndex:
    return pd.date_range(_naive(start), _naive(end), freq="h", inclusive="left")


def _rhythm(hours: pd.DatetimeIndex) -> np.ndarray:
    """Relative activity per hour: a daily wave peaking mid-afternoon UTC, quieter weekends."""
    hour = hours.hour.to_numpy() + hours.minute.to_numpy() / 60
    daily = 1 + 0.55 * np.sin(2 * np.pi * (hour - 9) / 24)
    weekday = hours.day_of_week.to_numpy()
    weekly = np.where(weekday >= 5, 0.72, 1.0) * np.where(weekday == 1, 1.08, 1.0)
    return daily * weekly


# When each component's migration began and finished (days before the warehouse's end; None:
# still running), the datasets it moves, and why batches get rolled back.
MIGRATION_PACE: dict[str, tuple[float, float | None]] = {
    "users": (84, 52), "orders": (78, 20), "payments": (55, None), "inventory": (40, None),
    "search-index": (16, None), "media": (8, None),
}  # fmt: skip
MIGRATION_DATASETS: dict[str, list[str]] = {
    "users": ["accounts", "profiles", "preferences", "sessions"],
    "orders": ["orders", "order_items", "returns", "invoices"],
    "payments": ["payments", "refunds", "payouts", "disputes"],
    "inventory": ["stock_levels", "warehouses", "reorders"],
    "search-index": ["products_index", "suggestions", "synonyms"],
    "media": ["images", "audio_files", "thumbnails", "transcripts", "waveforms"],
}
ROLLBACK_REASONS = ["checksum mismatch", "row count drift", "lock timeout", "schema drift",
                    "parity test failed"]  # fmt: skip


@dataclass(frozen=True)
class _Pace:
    """Records migrated over time: none before `began`, `total` from `finished` on, a pace that
    varies by day in between."""

    began: pd.Timestamp
    finished: pd.Timestamp
    total: float
    weights: np.ndarray  # one a day from `began`

    def _cumulative(self, days_in: np.ndarray) -> np.ndarray:
        steps = np.concatenate([[0.0], np.cumsum(self.weights)])
        grid = np.arange(len(steps), dtype=float)
        span = (self.finished - self.began) / pd.Timedelta(days=1)
        reached = np.interp(np.clip(days_in, 0, span), grid, steps)
        return self.total * reached / np.interp(span, grid, steps)

    def __call__(self, times: pd.DatetimeIndex) -> np.ndarray:
        return self._cumulative(((times - self.began) / pd.Timedelta(days=1)).to_numpy())

    def when(self, records: float) -> pd.Timestamp:
        """When the count passed `records`."""
        span = (self.finished - self.began) / pd.Timedelta(days=1)
        hours = np.arange(0, span * 24 + 1) / 24
        passed = np.searchsorted(self._cumulative(hours), records)
        return self.began + pd.Timedelta(days=float(hours[min(passed, len(hours) - 1)]))


def _pace_curve(rng, began: pd.Timestamp, finished: pd.Timestamp, total: float) -> _Pace:
    days = int(np.ceil((finished - began) / pd.Timedelta(days=1))) + 1
    return _Pace(began, finished, total, np.clip(rng.normal(1.0, 0.3, days), 0.3, 1.7))


def _monthly_targets(days: pd.DatetimeIndex, trend: np.ndarray) -> np.ndarray:
    """Each month's target for daily active users: the trend at the month's first day, 6 % higher,
    rounded to 100 (the plan is set ahead, by month)."""
    per_day = (trend[-1] - trend[0]) / max(len(days) - 1, 1)
    month_start = days.to_period("M").to_timestamp()
    days_in = ((month_start - days[0]) / pd.Timedelta(days=1)).to_numpy()
    return (np.round((trend[0] + per_day * days_in) * 1.06 / 100) * 100).astype(int)


class _Builder:
    def __init__(self, start: datetime, end: datetime) -> None:
        self.rng = np.random.default_rng(SEED)
        self.start, self.end = start, end
        self.hours = _hours(start, end)
        self.incidents = incidents_between(start, end)
        self.frames: dict[str, pd.DataFrame] = {}

    def _incident_hours(self, services: set[str]) -> np.ndarray:
        """Per hour, the strongest error factor of an incident of `services` active in it."""
        factor = np.ones(len(self.hours))
        starts = self.hours.to_numpy()
        for incident in self.incidents:
            if incident.service not in services:
                continue
            begin = np.datetime64(_naive(incident.started_at))
            stop = np.datetime64(_naive(incident.ended_at))
            hit = (starts + np.timedelta64(1, "h") > begin) & (starts < stop)
            factor[hit] = np.maximum(factor[hit], incident.error_factor)
        return factor

    def _times_in_hours(self, counts: np.ndarray) -> np.ndarray:
        base = np.repeat(self.hours.to_numpy(), counts)
        offsets = self.rng.integers(0, HOUR, size=len(base)).astype("timedelta64[s]")
        return np.sort(base + offsets)

    def build(self) -> dict[str, pd.DataFrame]:
        self._reference()
        self._customers()
        self._orders()
        self._funnels()
        self._engagement()
        self._support_and_rentals()
        self._operations()
        self._migration()
        self._audio()
        self._fulfilment()
        self._search_and_security()
        self._targets()
        self._fiscal_calendar()
        self._activity_and_experiment()
        self._migration_history()
        self.frames["service_owners"] = pd.DataFrame(
            list(SERVICE_TEAMS.items()), columns=["service", "team"]
        )
        return self.frames

    def _fiscal_calendar(self) -> None:
        """Fiscal quarters from a year before the span to a year after it: start, end, label.
        A fiscal year is named by the calendar year it ends in (FY2027 runs April 2026 to March
        2027)."""
        rows = []
        first = pd.Timestamp(year=self.start.year - 1, month=FISCAL_YEAR_START, day=1)
        for n in range(12):
            begins = first + pd.DateOffset(months=3 * n)
            ends = begins + pd.DateOffset(months=3)
            year = (begins + pd.DateOffset(months=12 - 3 * (n % 4) - 1)).year
            rows.append((begins, ends, f"Q{n % 4 + 1} FY{year}"))
        self.frames["fiscal_quarters"] = pd.DataFrame(rows, columns=["starts", "ends", "label"])

    def _targets(self) -> None:
        """The plan: each region's revenue target per day, set 4 % above the trend of its
        completed orders and rounded to $500 (a business sets targets by the past, a little
        higher), planned to the end of next month (a month's forecast is held against its
        whole target). No randomness: the tables before keep their data."""
        orders = self.frames["orders"]
        done = orders[orders["status"] == "completed"]
        first, last = pd.Timestamp(_naive(self.start)).floor("D"), pd.Timestamp(_naive(self.end))
        days = pd.date_range(first, last, freq="D")
        planned = pd.date_range(first, last.to_period("M").end_time + pd.offsets.MonthEnd(1),
                                freq="D")  # fmt: skip
        rows = []
        for region in sorted(done["region"].unique()):
            mine = done[done["region"] == region]
            per_day = mine.groupby(mine["created_at"].dt.floor("D"))["total"].sum()
            per_day = per_day.reindex(days, fill_value=0.0)
            x = np.arange(len(days))
            # Whole days only: the first and last day of the span are partial.
            slope, level = np.polyfit(x[1:-1], per_day.to_numpy()[1:-1], 1)
            ahead = np.arange(len(planned))
            target = np.round((level + slope * ahead) * 1.04 / 500) * 500
            rows.append(pd.DataFrame({"day": planned, "region": region, "target": target}))
        self.frames["revenue_targets"] = pd.concat(rows, ignore_index=True)

    def _reference(self) -> None:
        rng = self.rng
        self.frames["regions"] = pd.DataFrame(
            {"code": list(REGION_NAMES), "name": list(REGION_NAMES.values())}
        )
        countries = [(iso, COUNTRY_NAMES[iso], region) for region, isos in REGIONS.items()
                     for iso in isos]  # fmt: skip
        self.frames["countries"] = pd.DataFrame(countries, columns=["iso3", "name", "region"])
        self.frames["categories"] = pd.DataFrame(
            {"id": range(1, len(CATEGORIES) + 1), "name": CATEGORIES}
        )
        n_products = 240
        category = rng.integers(1, len(CATEGORIES) + 1, n_products)
        self.frames["products"] = pd.DataFrame(
            {
                "id": np.arange(1, n_products + 1),
                "name": [f"{CATEGORIES[c - 1]} item {i + 1}" for i, c in enumerate(category)],
                "category_id": category,
                "price": np.round(rng.lognormal(3.3, 0.8, n_products), 2),
            }
        )
        self.frames["marketing_channels"] = pd.DataFrame(
            {"id": range(1, len(CHANNELS) + 1), "name": CHANNELS}
        )
        rows = []
        campaign_start = _naive(self.start)
        # Campaigns start all through the span, to its last days (none after it): the same
        # draws as ever, spread over the span, so the tables after keep their rows.
        spread = ((self.end - self.start).days - 2) / 80
        for i in range(24):
            channel = 2 + i % 4  # paid search, social, email, affiliate run campaigns
            begins = campaign_start + timedelta(days=int(rng.integers(0, 80)) * spread)
            budget = float(np.round(rng.uniform(5_000, 60_000), 2))
            rows.append((i + 1, f"{CHANNELS[channel - 1]} campaign {i + 1}", channel, begins,
                         begins + timedelta(days=int(rng.integers(7, 30))), budget,
                         round(budget * float(rng.uniform(0.5, 1.05)), 2)))  # fmt: skip
        campaigns = pd.DataFrame(
            rows, columns=["id", "name", "channel_id", "started_at", "ended_at", "budget", "spend"]
        )
        self.frames["campaigns"] = campaigns.drop(columns=["budget", "spend"])
        self.frames["campaign_spend"] = self._spend_by_region(campaigns)

    def _spend_by_region(self, campaigns: pd.DataFrame) -> pd.DataFrame:
        """Each campaign's budget and spend split over the regions, about as orders are (its own
        generator: the tables after it keep their numbers)."""
        rng = np.random.default_rng(SEED + 1)
        regions = list(REGION_WEIGHTS)
        weights = np.array(list(REGION_WEIGHTS.values()))
        parts = []
        for campaign in campaigns.itertuples():
            share = weights * rng.uniform(0.8, 1.2, len(regions))
            share /= share.sum()
            parts.append(
                pd.DataFrame(
                    {
                        "campaign_id": campaign.id,
                        "region": regions,
                        "budget": np.round(campaign.budget * share, 2),
                        "spend": np.round(campaign.spend * share, 2),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)

    def _pick_countries(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        regions = np.array(list(REGION_WEIGHTS))
        region = self.rng.choice(regions, size=n, p=list(REGION_WEIGHTS.values()))
        country = np.empty(n, dtype=object)
        for code in regions:
            mask = region == code
            country[mask] = self.rng.choice(REGIONS[code], size=mask.sum())
        return region, country

    def _customers(self) -> None:
        rng = self.rng
        existing = 30_000
        per_hour = rng.poisson(3.2 * _rhythm(self.hours))
        signup_new = self._times_in_hours(per_hour)
        signup_old = np.datetime64(_naive(self.start)) - rng.integers(
            1, 720 * HOUR, existing
        ).astype("timedelta64[s]")
        signup = np.concatenate([np.sort(signup_old), signup_new])
        n = len(signup)
        region, country = self._pick_countries(n)
        self.frames["customers"] = pd.DataFrame(
            {
                "id": np.arange(1, n + 1),
                "signup_at": signup.astype("datetime64[us]"),
                "country": country,
                "region": region,
                "segment": rng.choice(["consumer", "smb", "enterprise"], n, p=[0.8, 0.16, 0.04]),
                "channel_id": rng.choice(np.arange(1, 7), n, p=CHANNEL_WEIGHTS),
            }
        )

    def _orders(self) -> None:
        rng = self.rng
        days_in = (self.hours - self.hours[0]).total_seconds().to_numpy() / 86_400
        growth = 1 + 0.35 * days_in / 90
        shop_incident = self._incident_hours({"checkout", "payments"})
        # An incident of checkout or payments loses orders in proportion to its strength.
        loss = 1 / (1 + 0.08 * (shop_incident - 1))
        per_hour = rng.poisson(ORDERS_PER_HOUR * _rhythm(self.hours) * growth * loss)
        self.orders_per_hour = per_hour
        created = self._times_in_hours(per_hour)
        n = len(created)
        customers = self.frames["customers"]
        signup = customers["signup_at"].to_numpy()
        # A customer orders only after signing up: pick among those signed up by then.
        eligible = np.searchsorted(signup, created, side="right")
        customer_idx = np.minimum((eligible * rng.power(0.6, n)).astype(int), eligible - 1)
        customer_id = customers["id"].to_numpy()[customer_idx]
        items_per_order = rng.choice([1, 2, 3, 4], n, p=[0.45, 0.3, 0.17, 0.08])
        order_of_item = np.repeat(np.arange(1, n + 1), items_per_order)
        products = self.frames["products"]
        product = rng.integers(1, len(products) + 1, len(order_of_item))
        price = products["price"].to_numpy()[product - 1]
        quantity = rng.choice([1, 1, 1, 2, 3], len(order_of_item))
        self.frames["order_items"] = pd.DataFrame(
            {
                "id": np.arange(1, len(order_of_item) + 1),
                "order_id": order_of_item,
                "product_id": product,
                "quantity": quantity,
                "unit_price": price,
            }
        )
        totals = np.bincount(order_of_item, weights=price * quantity, minlength=n + 1)[1:]
        hour_index = ((created - self.hours.to_numpy()[0]) // np.timedelta64(1, "h")).astype(int)
        fail_p = np.clip(0.03 * shop_incident[hour_index], 0, 0.6)
        failed = rng.random(n) < fail_p
        refunded = ~failed & (rng.random(n) < 0.02)
        status = np.where(failed, "failed", np.where(refunded, "refunded", "completed"))
        campaigns = self.frames["campaigns"]
        campaign = np.where(rng.random(n) < 0.25, rng.integers(1, len(campaigns) + 1, n), 0)
        created_us = created.astype("datetime64[us]")
        self.frames["orders"] = pd.DataFrame(
            {
                "id": np.arange(1, n + 1),
                "customer_id": customer_id,
                "created_at": created_us,
                "status": status,
                "total": np.round(totals, 2),
                "country": customers["country"].to_numpy()[customer_idx],
                "region": customers["region"].to_numpy()[customer_idx],
                "channel_id": customers["channel_id"].to_numpy()[customer_idx],
                "campaign_id": pd.array(np.where(campaign > 0, campaign, 0)).astype("Int64"),
            }
        )
        self.frames["orders"].loc[campaign == 0, "campaign_id"] = pd.NA
        method = rng.choice(PAYMENT_METHODS, n, p=[0.58, 0.24, 0.08, 0.10])
        reason = np.where(failed, rng.choice(FAILURE_REASONS, n, p=[0.3, 0.3, 0.1, 0.1, 0.2]),
                          None)  # fmt: skip
        pay_status = np.where(failed, "failed", np.where(refunded, "refunded", "succeeded"))
        self.frames["payments"] = pd.DataFrame(
            {
                "id": np.arange(1, n + 1),
                "order_id": np.arange(1, n + 1),
                "created_at": created_us + rng.integers(1, 30, n).astype("timedelta64[s]"),
                "method": method,
                "status": pay_status,
                "failure_reason": reason,
                "amount": np.round(totals, 2),
            }
        )
        charged = np.flatnonzero((pay_status == "succeeded") & (rng.random(n) < 0.004))
        self.frames["chargebacks"] = pd.DataFrame(
            {
                "id": np.arange(1, len(charged) + 1),
                "payment_id": charged + 1,
                "created_at": created_us[charged]
                + rng.integers(2, 40, len(charged)).astype("timedelta64[D]"),
                "reason": rng.choice(
                    ["fraud", "not_received", "not_as_described", "duplicate"], len(charged)
                ),  # fmt: skip
                "amount": np.round(totals[charged], 2),
            }
        )

    def _funnels(self) -> None:
        rng = self.rng
        rows = []
        share = np.array(CHANNEL_WEIGHTS)
        region_share = np.array(list(REGION_WEIGHTS.values()))
        orders = self.orders_per_hour
        for c, channel in enumerate(CHANNELS):
            for r, region in enumerate(REGION_WEIGHTS):
                part = orders * share[c] * region_share[r]
                ordered = rng.poisson(part)
                checkout = ordered + rng.poisson(part * 0.9)
                carts = checkout + rng.poisson(part * 2.4)
                visits = carts + rng.poisson(part * 22 + 1)
                rows.append(pd.DataFrame({"hour": self.hours, "channel": channel,
                                          "region": region, "visits": visits,
                                          "cart_adds": carts, "checkout_starts": checkout,
                                          "orders": ordered}))  # fmt: skip
        self.frames["funnel_hourly"] = pd.concat(rows, ignore_index=True)

    def _engagement(self) -> None:
        rng = self.rng
        days = pd.date_range(_naive(self.start), _naive(self.end), freq="D", inclusive="left")
        n = len(days)
        registered = rng.poisson(75 * np.where(days.day_of_week >= 5, 0.8, 1.0))
        login = rng.binomial(registered, 0.82)
        upload = rng.binomial(login, 0.61)
        feature = rng.binomial(upload, 0.74)
        retained = rng.binomial(feature, 0.58)
        self.frames["signup_funnel"] = pd.DataFrame(
            {"cohort_day": days, "registered": registered, "first_login": login,
             "first_upload": upload, "feature_use": feature, "retained_7d": retained}
        )  # fmt: skip
        trend = 5200 * (1 + 0.3 * np.arange(n) / 90)
        weekly = np.where(days.day_of_week >= 5, 0.78, 1.0)
        users = rng.normal(trend * weekly, 160).round().astype(int)
        self.frames["daily_active_users"] = pd.DataFrame(
            {"day": days, "users": users, "target": _monthly_targets(days, trend)}
        )
        hours = np.arange(24)
        hourly = 1 + 0.6 * np.sin(2 * np.pi * (hours - 9) / 24)
        usage = []
        for f, name in enumerate(FEATURES):
            popularity = 900 / (1 + f * 0.6)
            lam = popularity * np.outer(weekly, hourly) / 24
            uses = rng.poisson(lam)
            usage.append(pd.DataFrame({"day": np.repeat(days, 24), "hour": np.tile(hours, n),
                                       "feature": name, "uses": uses.ravel()}))  # fmt: skip
        self.frames["feature_usage"] = pd.concat(usage, ignore_index=True)
        weeks = pd.date_range(_naive(self.start), _naive(self.end), freq="W-MON")
        cohorts = []
        for w, week in enumerate(weeks):
            size = int(rng.poisson(520))
            for offset in range(len(weeks) - w):
                keep = 1.0 if offset == 0 else 0.42 * offset**-0.35
                cohorts.append((week, offset, size, int(rng.binomial(size, keep))))
        self.frames["retention_cohorts"] = pd.DataFrame(
            cohorts, columns=["cohort_week", "week_offset", "cohort_size", "active"]
        )

    def _support_and_rentals(self) -> None:
        rng = self.rng
        per_hour = rng.poisson(1.6 * _rhythm(self.hours))
        created = self._times_in_hours(per_hour)
        n = len(created)
        hours_open = rng.gamma(1.4, 14, n)
        resolved = created + (hours_open * 3600).astype("timedelta64[s]")
        open_now = resolved > np.datetime64(_naive(self.end))
        self.frames["support_tickets"] = pd.DataFrame(
            {
                "id": np.arange(1, n + 1),
                "created_at": created.astype("datetime64[us]"),
                "resolved_at": pd.Series(resolved.astype("datetime64[us]")).where(~open_now),
                "priority": rng.choice(["low", "normal", "high", "urgent"], n,
                                       p=[0.3, 0.48, 0.17, 0.05]),
                "category": rng.choice(["billing", "delivery", "account", "bug", "other"], n),
                "status": np.where(open_now, "open", "resolved"),
                "customer_id": rng.integers(1, len(self.frames["customers"]) + 1, n),
            }
        )  # fmt: skip
        contracts = 1_400
        start = np.datetime64(_naive(self.start)) - rng.integers(0, 400, contracts).astype(
            "timedelta64[D]"
        )
        months = rng.choice([6, 12, 24], contracts)
        ends = start + (months * 30).astype("timedelta64[D]")
        region, _ = self._pick_countries(contracts)
        rent = np.round(rng.uniform(450, 2400, contracts), 2)
        window_end = np.datetime64(_naive(self.end))
        self.frames["rental_contracts"] = pd.DataFrame(
            {
                "id": np.arange(1, contracts + 1),
                "customer_id": rng.integers(1, 30_001, contracts),
                "started_at": start.astype("datetime64[us]"),
                "ends_at": ends.astype("datetime64[us]"),
                "monthly_rent": rent,
                "status": np.where(ends < window_end, "ended", "active"),
                "region": region,
            }
        )
        due_rows = []
        window_start = np.datetime64(_naive(self.start))
        for cid in range(contracts):
            due = start[cid] + np.arange(0, months[cid]) * np.timedelta64(30, "D")
            due = due[(due >= window_start) & (due < window_end)]
            if len(due):
                due_rows.append(pd.DataFrame({"contract_id": cid + 1, "due_date": due,
                                              "amount": rent[cid]}))  # fmt: skip
        pay = pd.concat(due_rows, ignore_index=True)
        late = np.where(rng.random(len(pay)) < 0.14, rng.integers(1, 45, len(pay)), 0)
        paid = pay["due_date"].to_numpy() + late.astype("timedelta64[D]")
        unpaid = paid > window_end
        pay.insert(0, "id", np.arange(1, len(pay) + 1))
        pay["due_date"] = pay["due_date"].astype("datetime64[us]")
        pay["paid_at"] = pd.Series(paid.astype("datetime64[us]")).where(~unpaid)
        pay["days_late"] = late
        self.frames["rental_payments"] = pay

    def _operations(self) -> None:
        rng = self.rng
        rows = []
        versions = dict.fromkeys(SERVICES, 0)
        for day in pd.date_range(_naive(self.start), _naive(self.end), freq="D",
                                 inclusive="left"):  # fmt: skip
            if day.day_of_week >= 5:
                continue
            for service in rng.choice(list(SERVICES), int(rng.integers(1, 5)), replace=False):
                versions[service] += 1
                at = day + timedelta(hours=int(rng.integers(8, 18)), minutes=int(rng.integers(60)))
                ok = rng.random() > 0.07
                rows.append((service, f"1.{versions[service] // 10}.{versions[service] % 10}",
                             at, "succeeded" if ok else "rolled_back",
                             str(rng.choice(AUTHORS))))  # fmt: skip
        # Some incidents are bad deploys: a deployment of that service shortly before.
        for incident in self.incidents:
            if "bad deploy" in incident.title:
                versions[incident.service] += 1
                rows.append((incident.service, f"1.{versions[incident.service] // 10}."
                             f"{versions[incident.service] % 10}",
                             _naive(incident.started_at) - timedelta(minutes=4), "rolled_back",
                             str(rng.choice(AUTHORS))))  # fmt: skip
        deployments = pd.DataFrame(
            rows, columns=["service", "version", "deployed_at", "status", "author"]
        ).sort_values("deployed_at", ignore_index=True)
        deployments.insert(0, "id", np.arange(1, len(deployments) + 1))
        self.frames["deployments"] = deployments
        self.frames["incidents"] = pd.DataFrame(
            [(i.id, i.service, i.severity, i.title, _naive(i.started_at), _naive(i.ended_at),
              i.revenue_impact) for i in self.incidents],
            columns=["id", "service", "severity", "title", "started_at", "ended_at",
                     "revenue_impact"],
        )  # fmt: skip

    def _migration(self) -> None:
        rng = self.rng
        begin = _naive(self.start)
        now = _naive(self.end)
        phases = [
            ("Discovery", 0, 14),
            ("Schema design", 10, 30),
            ("Data copy", 25, 70),
            ("Dual writes", 55, 95),
            ("Cutover", 90, 110),
            ("Decommission", 105, 130),
        ]
        rows, milestones = [], []
        for i, (name, a, b) in enumerate(phases, start=1):
            started, ends = begin + timedelta(days=a), begin + timedelta(days=b)
            progress = float(np.clip((now - started) / (ends - started), 0, 1))
            status = "done" if progress >= 1 else ("in_progress" if progress > 0 else "planned")
            rows.append((i, name, started, ends, status, round(progress * 100, 1)))
            for m in range(2):
                due = started + (ends - started) * (m + 1) / 2
                done = due + timedelta(days=int(rng.integers(-3, 6)))
                milestones.append((len(milestones) + 1, i, f"{name}: milestone {m + 1}", due,
                                   done if done <= now else None,
                                   "done" if done <= now else "open"))  # fmt: skip
        self.frames["migration_phases"] = pd.DataFrame(
            rows, columns=["id", "name", "started_at", "ends_at", "status", "progress"]
        )
        self.frames["migration_milestones"] = pd.DataFrame(
            milestones, columns=["id", "phase_id", "name", "due_at", "done_at", "status"]
        )
        progress = [100.0, 100.0, 82.5, 64.0, 35.0, 12.0]
        totals = [2_400_000, 9_800_000, 7_100_000, 1_200_000, 3_300_000, 5_600_000]
        self.frames["migration_components"] = pd.DataFrame(
            {
                "id": range(1, len(MIGRATION_COMPONENTS) + 1),
                "name": MIGRATION_COMPONENTS,
                "status": ["done" if p >= 100 else "in_progress" for p in progress],
                "progress": progress,
                "owner": [AUTHORS[i % len(AUTHORS)] for i in range(len(MIGRATION_COMPONENTS))],
                "records_total": totals,
                "records_migrated": [
                    int(t * p / 100) for t, p in zip(totals, progress, strict=True)
                ],
            }
        )
        bench = []
        for operation, base in (
            ("read order", 12.0),
            ("write order", 28.0),
            ("search", 45.0),
            ("report", 380.0),
        ):
            for system, factor in (("old", 1.0), ("new", 0.62)):
                p50 = round(base * factor * float(rng.uniform(0.95, 1.05)), 1)
                bench.append((operation, system, p50, round(p50 * 2.6, 1), round(p50 * 4.8, 1)))
        self.frames["migration_benchmarks"] = pd.DataFrame(
            bench, columns=["operation", "system", "p50_ms", "p95_ms", "p99_ms"]
        )
        runs = []
        for day in pd.date_range(begin, now, freq="D", inclusive="left"):
            for component in MIGRATION_COMPONENTS:
                for suite in ("unit", "integration", "parity"):
                    total = {"unit": 400, "integration": 120, "parity": 60}[suite]
                    days_in = (day - begin).days
                    fail_rate = max(0.005, 0.12 * np.exp(-days_in / 30))
                    failed = int(rng.binomial(total, fail_rate))
                    runs.append((suite, component, day + timedelta(hours=2), total - failed,
                                 failed, round(float(rng.gamma(4, total / 20)), 1)))  # fmt: skip
        test_runs = pd.DataFrame(
            runs, columns=["suite", "component", "ran_at", "passed", "failed", "duration_seconds"]
        )
        test_runs.insert(0, "id", np.arange(1, len(test_runs) + 1))
        self.frames["migration_test_runs"] = test_runs
        n = 160
        opened = np.datetime64(begin) + rng.integers(0, int((now - begin).total_seconds()),
                                                     n).astype("timedelta64[s]")  # fmt: skip
        closed = opened + rng.gamma(1.5, 4, n).astype("timedelta64[D]")
        still_open = closed > np.datetime64(now)
        self.frames["migration_issues"] = pd.DataFrame(
            {
                "id": np.arange(1, n + 1),
                "component": rng.choice(MIGRATION_COMPONENTS, n),
                "severity": rng.choice(["blocker", "major", "minor"], n, p=[0.1, 0.35, 0.55]),
                "status": np.where(still_open, "open", "closed"),
                "title": [f"Migration issue {i + 1}" for i in range(n)],
                "opened_at": opened.astype("datetime64[us]"),
                "closed_at": pd.Series(closed.astype("datetime64[us]")).where(~still_open),
            }
        )

    def _migration_history(self) -> None:
        """How each component got where migration_components says it is: its records at the
        start of every day of the span, at a pace that varies from day to day; its datasets
        (done in turn as the records pass them); the batches rolled back on the way. Its own
        generator: the tables before keep their data."""
        rng = np.random.default_rng(SEED + 2)
        now = pd.Timestamp(_naive(self.end))
        days = pd.date_range(pd.Timestamp(_naive(self.start)).ceil("D"), now, freq="D")
        progress, datasets, rollbacks = [], [], []
        components = self.frames["migration_components"].itertuples()
        for component in components:
            began, finished = (now - pd.Timedelta(days=d) if d is not None else None
                               for d in MIGRATION_PACE[component.name])  # fmt: skip
            curve = _pace_curve(rng, began, finished or now, component.records_migrated)
            counts = curve(days)
            progress.append(pd.DataFrame({"day": days, "component": component.name,
                                          "records_migrated": counts.astype(int)}))  # fmt: skip
            names = MIGRATION_DATASETS[component.name]
            shares = rng.dirichlet(np.full(len(names), 4.0))
            ends = np.cumsum(shares) * component.records_total
            for name, size, end in zip(names, shares, ends, strict=True):
                status = "done" if end <= component.records_migrated else (
                    "in_progress" if end - size * component.records_total
                    < component.records_migrated else "planned")  # fmt: skip
                done_at = curve.when(end) if status == "done" else None
                datasets.append((component.name, name, int(size * component.records_total),
                                 status, done_at))  # fmt: skip
            # A batch is rolled back about once every ten days the component is migrating.
            active_days = ((finished or now) - began) / pd.Timedelta(days=1)
            for _ in range(int(rng.poisson(active_days / 10))):
                at = began + pd.Timedelta(seconds=float(rng.uniform(0, active_days * 86_400)))
                rollbacks.append((component.name, str(rng.choice(names)), at,
                                  str(rng.choice(ROLLBACK_REASONS)),
                                  int(rng.integers(5, 80)) * 1000))  # fmt: skip
        self.frames["migration_progress"] = pd.concat(progress, ignore_index=True)
        frame = pd.DataFrame(datasets, columns=["component", "name", "records", "status",
                                                "done_at"])  # fmt: skip
        frame.insert(0, "id", np.arange(1, len(frame) + 1))
        self.frames["migration_datasets"] = frame
        window = [r for r in rollbacks if pd.Timestamp(_naive(self.start)) <= r[2] < now]
        frame = pd.DataFrame(sorted(window, key=lambda r: r[2]),
                             columns=["component", "dataset", "rolled_back_at", "reason",
                                      "records"])  # fmt: skip
        frame.insert(0, "id", np.arange(1, len(frame) + 1))
        self.frames["migration_rollbacks"] = frame

    def _audio(self) -> None:
        rng = self.rng
        audio_incident = self._incident_hours({"audio-enhancer"})
        per_hour = rng.poisson(AUDIO_JOBS_PER_HOUR * _rhythm(self.hours))
        created = self._times_in_hours(per_hour)
        n = len(created)
        hour_index = ((created - self.hours.to_numpy()[0]) // np.timedelta64(1, "h")).astype(int)
        models = np.array(list(AUDIO_MODELS))
        share, quality, dollars = (list(c) for c in zip(*AUDIO_MODELS.values(), strict=True))
        model = rng.choice(models, n, p=share)
        quality_base = np.select([model == m for m in models], quality)
        audio = rng.lognormal(*AUDIO_SECONDS, n)
        speed = np.select([model == m for m in models], [0.08, 0.12, 0.35])
        slowdown = audio_incident[hour_index]
        cost_rate = np.select([model == m for m in models], dollars)
        failed = rng.random(n) < 0.01 * slowdown
        self.frames["audio_jobs"] = pd.DataFrame(
            {
                "id": np.arange(1, n + 1),
                "created_at": created.astype("datetime64[us]"),
                "model": model,
                "audio_seconds": np.round(audio, 1),
                "processing_seconds": np.round(audio * speed * slowdown, 2),
                "quality_score": np.round(
                    np.clip(rng.normal(quality_base, 3.5) - 4 * (slowdown - 1), 0, 100), 1
                ),
                "cost": np.round(audio / 60 * cost_rate * 60 * (1 + 0.1 * (slowdown - 1)), 4),
                "status": np.where(failed, "failed", "done"),
                "country": self._pick_countries(n)[1],
            }
        )

    def _fulfilment(self) -> None:
        """Shipments of completed orders (processing time, partner, lateness) and stock levels."""
        rng = self.rng
        orders = self.frames["orders"]
        done = orders[orders["status"] == "completed"]
        n = len(done)
        partners = np.array(["DHL", "UPS", "FedEx", "PostNL", "Royal Mail"])
        partner = rng.choice(partners, n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
        slow = np.select([partner == "Royal Mail", partner == "PostNL"], [1.6, 1.2], 1.0)
        hours = rng.gamma(2.2, 5.5, n) * slow
        created = done["created_at"].to_numpy()
        self.frames["shipments"] = pd.DataFrame(
            {
                "id": np.arange(1, n + 1),
                "order_id": done["id"].to_numpy(),
                "partner": partner,
                "created_at": created,
                "shipped_at": created + (hours * 3600).astype("timedelta64[s]"),
                "processing_seconds": np.round(hours * 3600, 0),
                "status": np.where(hours > 24, "late", "on_time"),
            }
        )
        products = self.frames["products"]["id"].to_numpy()
        reorder = rng.integers(20, 120, len(products))
        self.frames["inventory"] = pd.DataFrame(
            {
                "product_id": products,
                "stock": (reorder * rng.gamma(2.0, 1.2, len(products))).astype(int),
                "reorder_level": reorder,
                "warehouse": rng.choice(
                    ["Rotterdam", "Leipzig", "Dallas", "Singapore"], len(products)
                ),
            }
        )

    def _search_and_security(self) -> None:
        rng = self.rng
        days = pd.date_range(_naive(self.start), _naive(self.end), freq="D", inclusive="left")
        terms = [
            "headphones",
            "standing desk",
            "garden hose",
            "yoga mat",
            "lego",
            "kettle",
            "running shoes",
            "face cream",
            "novel",
            "usb-c cable",
            "air fryer",
            "tent",
        ]
        rows = []
        for rank, term in enumerate(terms):
            searches = rng.poisson(900 / (1 + rank * 0.45), len(days))
            clicks = rng.binomial(searches, 0.2 + 0.03 * (rank % 5))
            rows.append(
                pd.DataFrame({"day": days, "term": term, "searches": searches, "clicks": clicks})
            )
        self.frames["search_terms"] = pd.concat(rows, ignore_index=True)
        per_hour = rng.poisson(0.7 * np.ones(len(self.hours)))
        created = self._times_in_hours(per_hour)
        n = len(created)
        kinds = np.array(
            [
                "brute_force",
                "impossible_travel",
                "privilege_change",
                "malware_blocked",
                "waf_block",
                "api_key_leak",
            ]
        )
        kind = rng.choice(kinds, n, p=[0.35, 0.1, 0.08, 0.12, 0.32, 0.03])
        severity = np.select(
            [kind == "api_key_leak", kind == "privilege_change", kind == "impossible_travel"],
            ["critical", "high", "high"],
            "medium",
        )
        ips = np.array(["203.0.113.42", "198.51.100.7", "192.0.2.10", "10.0.2.33", "10.0.1.15"])
        self.frames["security_events"] = pd.DataFrame(
            {
                "id": np.arange(1, n + 1),
                "created_at": created.astype("datetime64[us]"),
                "severity": severity,
                "kind": kind,
                "source_ip": rng.choice(ips, n, p=[0.5, 0.2, 0.1, 0.1, 0.1]),
                "user_name": rng.choice(AUTHORS + ["admin", "svc-backup"], n),
                "detail": [f"{k.replace('_', ' ')} detected" for k in kind],
            }
        )

    def _activity_and_experiment(self) -> None:
        """Customers who signed up in the span come back less and less (each day after signup
        about 0.25 (d + 1)^-0.6 of them, fewer on weekends), so cohorts retain as products do;
        and visitors of the last EXPERIMENT_DAYS days are split between the checkout's variants
        A and B, converting at EXPERIMENT_RATES within three days. Its own generator: the tables
        before it keep their data."""
        rng = np.random.default_rng(SEED + 2)
        customers = self.frames["customers"]
        start, end = np.datetime64(_naive(self.start)), np.datetime64(_naive(self.end))
        new = customers[customers["signup_at"].to_numpy() >= start]
        signup = new["signup_at"].to_numpy().astype("datetime64[s]")
        keen = rng.lognormal(0, 0.5, len(new))  # some customers are keener than others
        days_left = ((end - signup) // np.timedelta64(1, "D")).astype(int) + 1
        who = np.repeat(np.arange(len(new)), days_left)
        day = np.arange(len(who)) - np.repeat(np.cumsum(days_left) - days_left, days_left)
        at = signup[who] + (day * 86_400 + rng.integers(0, 86_400, len(who))).astype(
            "timedelta64[s]"
        )
        weekend = pd.DatetimeIndex(at).day_of_week.to_numpy() >= 5
        chance = np.minimum(0.95, 0.25 * (day + 1.0) ** -0.6 * keen[who]) * np.where(
            weekend, 0.7, 1
        )
        kept = (rng.random(len(who)) < chance) & (at < end)
        order = np.argsort(at[kept], kind="stable")
        self.frames["customer_activity"] = pd.DataFrame(
            {"customer_id": new["id"].to_numpy()[who[kept]][order],
             "active_at": at[kept][order].astype("datetime64[us]")}
        )  # fmt: skip
        first = max(start, end - np.timedelta64(EXPERIMENT_DAYS, "D"))
        hours = self.hours[self.hours >= pd.Timestamp(first)]
        visitors = rng.poisson(110 * _rhythm(hours))
        assigned = np.repeat(hours.to_numpy(), visitors) + rng.integers(
            0, HOUR, visitors.sum()
        ).astype("timedelta64[s]")
        n = len(assigned)
        variant = rng.choice(list(EXPERIMENT_RATES), n)
        region = rng.choice(list(REGION_WEIGHTS), n, p=list(REGION_WEIGHTS.values()))
        self.frames["experiment_assignments"] = pd.DataFrame(
            {"experiment": EXPERIMENT, "visitor_id": np.arange(1, n + 1), "variant": variant,
             "assigned_at": np.sort(assigned).astype("datetime64[us]"), "region": region}
        )  # fmt: skip
        rate = np.vectorize(EXPERIMENT_RATES.get)(variant)
        converted_at = np.sort(assigned) + rng.integers(60, 3 * 86_400, n).astype("timedelta64[s]")
        won = (rng.random(n) < rate) & (converted_at < end)
        self.frames["experiment_conversions"] = pd.DataFrame(
            {"experiment": EXPERIMENT, "visitor_id": np.flatnonzero(won) + 1,
             "converted_at": converted_at[won].astype("datetime64[us]"), "region": region[won]}
        )  # fmt: skip


def _meta_of(engine: Engine) -> dict[str, str]:
    if not inspect(engine).has_table("warehouse_meta"):
        return {}
    with engine.connect() as conn:
        table = meta.tables["warehouse_meta"]
        return {k: v for k, v in conn.execute(select(table.c.key, table.c.value))}


def _writable_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(parsed)


def build_warehouse(
    url: str,
    *,
    days: int = 90,
    end: datetime | None = None,
    force: bool = False,
    reuse_within: float = 86_400,
) -> WarehouseInfo:
    """Build (or reuse) the demo warehouse at `url`; covers [end - days, end). One built for an
    end within `reuse_within` seconds of this one is reused."""
    started = time.perf_counter()
    end = end or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    engine = _writable_engine(url)
    try:
        current = _meta_of(engine)
        if not force and current.get("seed") == str(SEED) and current.get("days") == str(days) \
                and current.get("schema") == str(SCHEMA_VERSION):  # fmt: skip
            built_end = datetime.fromisoformat(current["end"])
            if abs((end - built_end).total_seconds()) < reuse_within:
                rows = {k.removeprefix("rows."): int(v) for k, v in current.items()
                        if k.startswith("rows.")}  # fmt: skip
                built_start = datetime.fromisoformat(current["start"])
                took = time.perf_counter() - started
                return WarehouseInfo(url, days, built_start, built_end, rows, took, reused=True)
        frames = _Builder(start, end).build()
        meta.drop_all(engine)
        meta.create_all(engine)
        rows = {}
        with engine.begin() as conn:
            for name, frame in frames.items():
                types = {c.name: c.type for c in meta.tables[name].columns}
                frame.to_sql(name, conn, if_exists="append", index=False, chunksize=50_000,
                             dtype=types)  # fmt: skip
                rows[name] = len(frame)
            info = {"seed": SEED, "days": days, "schema": SCHEMA_VERSION,
                    "start": start.isoformat(), "end": end.isoformat(),
                    **{f"rows.{k}": v for k, v in rows.items()}}  # fmt: skip
            conn.execute(
                meta.tables["warehouse_meta"].insert(),
                [{"key": k, "value": str(v)} for k, v in info.items()],
            )
            if engine.dialect.name == "postgresql":
                conn.execute(text("ANALYZE"))
        return WarehouseInfo(url, days, start, end, rows, time.perf_counter() - started)
    finally:
        engine.dispose()


def main() -> None:
    from settings import Settings

    parser = argparse.ArgumentParser(description="Build the demo warehouse.")
    parser.add_argument("--url", default=None, help="SQLAlchemy URL (default: DATABASE_URL)")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--force", action="store_true", help="rebuild even if it is current")
    args = parser.parse_args()
    url = args.url or Settings.from_env().database_url
    info = build_warehouse(url, days=args.days, force=args.force)
    verb = "reused" if info.reused else "built"
    total = sum(info.rows.values())
    print(f"{verb} {url}: {len(info.rows)} tables, {total:,} rows, "
          f"{info.rows.get('orders', 0):,} orders, {info.seconds:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
