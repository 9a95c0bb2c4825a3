"""Analytics as a dashboard's users rely on them: a forecast whose band holds what happened next,
an anomaly band that flags an outage and leaves a normal week alone, a retention triangle that
equals the one worked out by hand (in pandas, and in the panel's own SQL on SQLite and
PostgreSQL, for an admin and for a region-bound user), experiment statistics that match
statsmodels' and scipy's reference values, and results computed once per version of the data."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, text
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

import urls
from analytics.analyse import analyse
from analytics.anomalies import anomalies
from analytics.cohorts import retention_of_events
from analytics.experiment import Variant, compare, observed_power, sample_size, z_test
from analytics.forecast import Z95, _fit, _variance_factors, forecast
from analytics.options import AnalyticsOptions, TransformOptions
from analytics.series import Season, find_season
from analytics.transforms import change, cumulative, resample, rolling, transformed
from analytics.trend import trend
from data.cache import make_cache
from data.datasources import DataLayer, build_sources, source_dialects
from data.errors import DataSourceError
from data.panel_data import PanelData, QueryFrame, render_sql
from data.scopes import Scope, load_rules
from data.spec import Panel
from data.timerange import TimeRange
from demo.series import all_series, sample
from panels import experiment as experiment_panel
from panels.cohort import triangle
from panels.display import panel_data, panel_model
from services import services
from settings import ROOT, Settings
from tests.fixtures.app import demo_app
from view.resolve import resolve_view

HOUR, DAY = 3600, 86_400


def seasonal(days: int, step: int, seed: int, noise: float = 3.0) -> pd.Series:
    """Requests per second with a daily and a weekly wave, a slow rise, and Gaussian noise."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2026-11-02", periods=days * DAY // step, freq=f"{step}s", tz="UTC")
    t = np.arange(len(times)) * step / DAY
    values = 200 + 0.8 * t + 40 * np.sin(2 * np.pi * t) + 12 * np.sin(2 * np.pi * t / 7)
    return pd.Series(values + rng.normal(0, noise, len(t)), index=times, name="api")


def test_ana001_a_forecast_of_a_seasonal_series_holds_the_next_day_in_its_band():
    history = seasonal(15, 900, seed=7)
    train, held_out = history[: 14 * 96], history[14 * 96 :]  # two weeks: a daily season
    predicted = forecast(train, DAY)
    assert predicted.ok, predicted.reason
    assert predicted.season.name == "daily" and predicted.model == "ETS(A,A,A)"
    assert predicted.words == "ETS(A,A,A), daily season, 336 hourly points"
    actual = held_out.resample("1h").mean()
    assert list(actual.index) == list(predicted.times)
    inside95 = (actual >= predicted.lower95) & (actual <= predicted.upper95)
    inside80 = (actual >= predicted.lower80) & (actual <= predicted.upper80)
    assert inside95.mean() >= 0.9 and inside80.mean() >= 0.7, (inside95.mean(), inside80.mean())
    # Not a band so wide that anything fits: narrower than the day's swing.
    assert np.median(predicted.upper95 - predicted.lower95) < 40
    assert np.abs(predicted.mean - actual.to_numpy()).mean() < 5


def test_ana002_the_bands_are_the_models_own_prediction_intervals():
    """The closed form the forecast uses is what statsmodels' get_prediction computes."""
    grid = seasonal(10, HOUR, seed=3).reset_index(drop=True)
    grid.index = pd.date_range("2026-11-02", periods=len(grid), freq="h")
    fitted = ETSModel(grid, error="add", trend="add", seasonal="add", seasonal_periods=24,
                      initialization_method="heuristic").fit(disp=False)  # fmt: skip
    frame = fitted.get_prediction(start=len(grid), end=len(grid) + 47).summary_frame(alpha=0.05)
    factors = _variance_factors(fitted.smoothing_level, fitted.smoothing_trend,
                                fitted.smoothing_seasonal, 24, 48)  # fmt: skip
    spread = Z95 * np.sqrt(fitted.mse * factors)
    np.testing.assert_allclose(frame["mean"] + spread, frame["pi_upper"], rtol=1e-6)
    np.testing.assert_allclose(frame["mean"] - spread, frame["pi_lower"], rtol=1e-6)
    # The forecast's mean, worked out from the fitted model's last states, is statsmodels' own.
    ours = _fit(grid.to_numpy(), Season("daily", 24, 1.0), trend=True)
    theirs = ETSModel(grid.to_numpy(), error="add", trend="add", seasonal="add",
                      seasonal_periods=24, initialization_method="heuristic",
                      ).fit(disp=False, factr=1e10)  # fmt: skip
    np.testing.assert_allclose(ours.continued(48), theirs.forecast(48), rtol=1e-9)
    np.testing.assert_allclose(ours.errors, theirs.resid, rtol=1e-9, atol=1e-9)
    assert (ours.alpha, ours.beta, ours.gamma) == (theirs.smoothing_level,
                                                   theirs.smoothing_trend,
                                                   theirs.smoothing_seasonal)  # fmt: skip


def test_ana003_a_model_that_cannot_be_fitted_says_why_in_words():
    times = pd.date_range("2026-11-02", periods=48, freq="h", tz="UTC")
    flat = forecast(pd.Series(5.0, index=times, name="disk"), DAY)
    assert (
        not flat.ok and flat.words == "disk: the series is constant (5): there is no model to fit"
    )
    short = forecast(pd.Series([1.0, 2.0, 3.0], index=times[:3], name="eta"), DAY)
    assert short.words == "eta: too little data to forecast (3 points; at least 10 needed)"
    weekly = forecast(seasonal(5, HOUR, seed=1), DAY, season="weekly")
    assert weekly.reason == "a weekly season needs two whole seasons of data"
    told = analyse([pd.Series(5.0, index=times, name="disk")],
                   AnalyticsOptions.model_validate({"forecast": {"horizon": "7d"}}))  # fmt: skip
    assert told.notes == ["disk: the series is constant (5): there is no model to fit"]


def demo_week(name: str, end: float) -> pd.Series:
    """A week of one demo series (demo/series.py, what Prometheus serves) at 5-minute steps,
    as a rate: its counter's increase per second."""
    series = next(
        s
        for s in all_series()
        if s.name == "http_requests_total"
        and s.label_dict.get("service") == "api"
        and s.label_dict.get("status_code") == "200"
    )
    t = np.arange(end - 7 * DAY - 300, end + 1, 300, dtype=float)
    rate = np.diff(sample(series, t)) / 300
    return pd.Series(rate, index=pd.to_datetime(t[1:], unit="s", utc=True), name=name)


def test_ana004_the_anomaly_band_flags_an_injected_outage_and_not_a_normal_week():
    end = datetime(2026, 11, 27, tzinfo=None).timestamp()
    week = demo_week("api", end)
    normal = anomalies(week)
    assert normal.ok and normal.season.name == "daily"
    assert normal.count == 0 and normal.words == "0 anomalies in range"
    broken = week.copy()
    outage = slice(1000, 1006)  # half an hour at a third of the usual traffic
    broken.iloc[outage] *= 0.3
    found = anomalies(broken)
    assert found.words == "6 anomalies in range"
    assert list(np.flatnonzero(found.flagged)) == list(range(1000, 1006))
    # The band is what was expected there: the normal week's values, within it.
    inside = (week.iloc[outage] >= found.lower[outage]) & (week.iloc[outage] <= found.upper[outage])
    assert inside.all()
    noisy = seasonal(7, 300, seed=11)
    assert anomalies(noisy).count == 0
    noisy.iloc[500] += 40
    assert np.flatnonzero(anomalies(noisy).flagged).tolist() == [500]
    # Over several series, the card says whose anomalies they are.
    both = analyse([broken.rename("api"), week.rename("web"), noisy.rename("auth")],
                   AnalyticsOptions.model_validate({"anomalies": {}}))  # fmt: skip
    assert both.notes == ["7 anomalies in range (api 6, auth 1)"]


def test_ana005_seasons_are_found_in_the_data_or_refused_when_there_is_too_little():
    assert find_season(seasonal(7, 900, seed=2).to_numpy(), 900).name == "daily"
    assert find_season(seasonal(1, 900, seed=2).to_numpy(), 900).name == "none"
    noise = np.random.default_rng(5).normal(0, 1, 7 * 96)
    assert find_season(noise, 900).name == "none"


def test_ana006_trend_slopes_are_in_the_unit_per_day_and_the_robust_one_ignores_spikes():
    times = pd.date_range("2026-11-02", periods=14 * 24, freq="h", tz="UTC")
    rising = pd.Series(100 + 2.5 * np.arange(len(times)) / 24, index=times, name="disk")
    rising += np.random.default_rng(1).normal(0, 0.5, len(times))
    assert trend(rising).slope_per_day == pytest.approx(2.5, abs=0.05)
    spiked = rising.copy()
    spiked.iloc[-30:] += 400  # a backup filling the disk for a day, then gone
    assert trend(spiked, "robust").slope_per_day == pytest.approx(2.5, abs=0.1)
    assert trend(spiked).slope_per_day > 5
    assert (
        trend(rising.iloc[:2]).reason == "too little data for a trend (2 points; at least 3 needed)"
    )


def test_ana007_transforms_roll_compare_resample_and_accumulate():
    times = pd.date_range("2026-11-01", periods=21, freq="D", tz="UTC")  # a Sunday
    orders = pd.Series(np.arange(1.0, 22.0), index=times, name="orders")
    assert rolling(orders, 3 * DAY).iloc[-1] == pytest.approx((19 + 20 + 21) / 3)
    assert rolling(orders, 3 * DAY, "median").iloc[-1] == 20
    assert change(orders, 7 * DAY).iloc[7] == pytest.approx((8 / 1 - 1) * 100)
    assert np.isnan(change(orders, 7 * DAY).iloc[0])
    weeks = resample(orders, "week")
    # Weeks start on Monday, as $__week does: Sunday the 1st is the week of Monday Oct 26.
    assert weeks.index[0] == pd.Timestamp("2026-10-26", tz="UTC") and weeks.iloc[0] == 1
    assert weeks.iloc[1] == sum(range(2, 9))
    months = resample(orders, "month", "max")
    assert months.to_dict() == {pd.Timestamp("2026-11-01", tz="UTC"): 21.0}
    assert cumulative(orders).iloc[-1] == sum(range(1, 22))
    asked = TransformOptions(resample="week", cumulative=True)
    assert transformed(orders, asked).tolist() == [1, 1 + 35, 36 + 84, 120 + 111]


def test_ana008_a_model_is_computed_once_per_version_of_the_data(tmp_path, monkeypatch):
    from analytics import analyse as module

    calls = []
    real = module.forecast

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "forecast", counted)
    cache = make_cache(Settings(cache_dir=tmp_path))
    asked = AnalyticsOptions.model_validate({"forecast": {"horizon": "1d"}, "anomalies": {}})
    series = [seasonal(7, 900, seed=4), seasonal(7, 900, seed=5).rename("web")]
    first = analyse(series, asked, cache)
    again = analyse(series, asked, cache)
    assert len(calls) == 2  # one model per series, the second view read them back
    np.testing.assert_array_equal(first.forecasts["web"].mean, again.forecasts["web"].mean)
    changed = [series[0], series[1].copy()]
    changed[1].iloc[-1] += 1  # a new point: a new version of that series only
    analyse(changed, asked, cache)
    assert len(calls) == 3


# Sign-ups and activity small enough to work out by hand (see the expected triangle below).
SIGNUPS = [  # user, signed up, region
    (1, "2026-11-02 10:00:00", "EU"),  # Monday: the week of Nov 2
    (2, "2026-11-04 12:00:00", "NA"),
    (3, "2026-11-08 23:00:00", "EU"),  # Sunday: still the week of Nov 2
    (4, "2026-11-09 00:00:00", "EU"),  # Monday midnight: the week of Nov 9
    (5, "2026-11-12 08:00:00", "NA"),
    (6, "2026-10-30 09:00:00", "EU"),  # before the range: in no cohort
]
EVENTS = [  # user, active at
    (1, "2026-11-02 11:00:00"),  # week 0
    (1, "2026-11-09 09:00:00"),  # 6 days 23 hours after signing up: still week 0
    (1, "2026-11-09 10:00:00"),  # exactly 7 days: week 1
    (1, "2026-11-20 10:00:00"),  # week 2
    (2, "2026-11-05 08:00:00"),  # week 0
    (2, "2026-11-25 12:00:00"),  # exactly 21 days: week 3
    (4, "2026-11-09 00:00:00"),  # at signup: week 0
    (4, "2026-11-23 00:00:00"),  # week 2
    (5, "2026-11-11 08:00:00"),  # before signing up: not counted
    (5, "2026-11-19 08:00:00"),  # week 1
    (5, "2026-11-30 00:00:00"),  # at the end of the range: not counted
    (6, "2026-11-03 09:00:00"),  # signed up before the range
]
START, END = pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-30", tz="UTC")
N = np.nan
# Week of Nov 2: users 1, 2, 3. Week 0: 1 and 2; week 1: 1; week 2: 1; week 3: 2; week 4 has not
# begun by Nov 30. Week of Nov 9: users 4, 5. Week 0: 4; week 1: 5; week 2: 4; week 3 (from
# Nov 30) has not begun.
BY_HAND = [[200 / 3, 100 / 3, 100 / 3, 100 / 3, N], [50, 50, 50, N, N]]
# Complete weeks: Nov 2's cohort to week 2, Nov 9's to week 1 (their last member's week ends by
# Nov 30). Week 0: (2 + 1) of (3 + 2); week 1: (1 + 1) of 5; week 2: 1 of 3.
AVERAGE_BY_HAND = [60, 40, 100 / 3, N, N]
# Region EU only: users 1 and 3 (week of Nov 2), user 4 (week of Nov 9).
EU_BY_HAND = [[50, 50, 50, 0, N], [100, 0, 100, N, N]]
COHORT_PANEL = {
    "id": "retention",
    "type": "cohort",
    "title": "Retention",
    "datasource": "warehouse",
    "options": {
        "period": "week",
        "periods": 5,
        "signups": {"table": "customers", "id": "id", "time": "signup_at"},
        "events": {"table": "customer_activity", "user": "customer_id", "time": "active_at"},
    },
}


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    signups = pd.DataFrame(SIGNUPS, columns=["user", "at", "region"])
    events = pd.DataFrame(EVENTS, columns=["user", "at"])
    signups["at"] = pd.to_datetime(signups["at"], utc=True)
    events["at"] = pd.to_datetime(events["at"], utc=True)
    return signups, events


def test_coh001_the_retention_triangle_equals_the_hand_computation():
    signups, events = _frames()
    found = retention_of_events(signups, events, "week", 5, START, END)
    assert [f"{c:%Y-%m-%d}" for c in found.cohorts] == ["2026-11-02", "2026-11-09"]
    assert found.sizes.tolist() == [3, 2]
    np.testing.assert_allclose(found.percent, BY_HAND)
    np.testing.assert_allclose(found.average, AVERAGE_BY_HAND)
    assert found.complete[:, :3].tolist() == [[True, True, True], [True, True, False]]


def _hand_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS customers"))
        conn.execute(text("DROP TABLE IF EXISTS customer_activity"))
        conn.execute(text("CREATE TABLE customers (id INTEGER, signup_at TIMESTAMP, region TEXT)"))
        conn.execute(
            text("CREATE TABLE customer_activity (customer_id INTEGER, active_at TIMESTAMP)")
        )
        for user, at, region in SIGNUPS:
            conn.execute(text("INSERT INTO customers VALUES (:u, :t, :r)"),
                         {"u": user, "t": datetime.fromisoformat(at), "r": region})  # fmt: skip
        for user, at in EVENTS:
            conn.execute(text("INSERT INTO customer_activity VALUES (:u, :t)"),
                         {"u": user, "t": datetime.fromisoformat(at)})  # fmt: skip
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_coh002_the_panels_sql_gives_the_same_triangle_on_sqlite_and_postgresql_scoped_too(
    backend, tmp_path, request
):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'hand.db'}"
    else:
        url = request.getfixturevalue("postgres_server").url("cohorts_by_hand")
    _hand_database(url)
    settings = Settings(database_url=url, cache_dir=tmp_path / "cache", var_dir=tmp_path)
    sources = build_sources(settings)
    rules = load_rules(ROOT / "scopes.yaml", source_dialects(sources))
    layer = DataLayer(sources, make_cache(settings), rules)
    panel = Panel.model_validate(COHORT_PANEL)
    sql = render_sql(panel.queries[0].sql, backend)
    window = TimeRange(START.timestamp(), END.timestamp())
    for reader, expected in (
        (layer, BY_HAND),
        (layer.scoped(Scope.of({"region": "EU"})), EU_BY_HAND),
    ):
        raw = reader.sql("warehouse", sql, window, max_points=20, ttl=0.001).value.frame
        found = triangle(raw, panel.options, END)
        assert [f"{c:%Y-%m-%d}" for c in found.cohorts] == ["2026-11-02", "2026-11-09"], backend
        np.testing.assert_allclose(found.percent, expected, err_msg=backend)
    # A scope the file has no rule for on these tables is refused, not read whole.
    with pytest.raises(DataSourceError, match="has no rule for scope tenant"):
        layer.scoped(Scope.of({"tenant": "acme"})).sql("warehouse", sql, window, ttl=0.001)
    layer.close()


def test_coh003_a_cohort_panel_writes_its_own_query_and_says_what_is_missing():
    panel = Panel.model_validate(COHORT_PANEL)
    assert panel.queries[0].sql.startswith("SELECT cohort, period, count(DISTINCT member)")
    assert Panel.model_validate(
        {**COHORT_PANEL, "queries": [q.model_dump() for q in panel.queries]}
    )
    with pytest.raises(ValidationError, match="writes its own query from its options"):
        Panel.model_validate({**COHORT_PANEL, "queries": [{"sql": "SELECT 1"}]})
    with pytest.raises(ValidationError, match="signups"):
        Panel.model_validate(
            {**COHORT_PANEL, "options": {"events": COHORT_PANEL["options"]["events"]}}
        )
    with pytest.raises(ValidationError, match="table"):
        bad = {**COHORT_PANEL["options"], "signups": {"table": "customers; DROP TABLE x"}}
        Panel.model_validate({**COHORT_PANEL, "options": bad})


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_coh004_a_week_starts_on_monday_on_either_database(backend, tmp_path, request):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'weeks.db'}"
    else:
        url = request.getfixturevalue("postgres_server").url("weeks")
    engine = create_engine(url)
    days = ["2026-11-08 23:00:00", "2026-11-09 00:00:00", "2026-11-15 12:00:00"]
    moment = "CAST(:t AS TIMESTAMP)" if backend == "postgresql" else ":t"  # SQLite keeps text
    query = text(f"SELECT {render_sql('$__week(t)', backend)} FROM (SELECT {moment} AS t) AS d")
    with engine.connect() as conn:
        weeks = [str(conn.execute(query, {"t": day}).scalar())[:10] for day in days]
    engine.dispose()
    assert weeks == ["2026-11-02", "2026-11-09", "2026-11-09"]


def test_exm001_the_z_test_matches_statsmodels_and_scipy():
    a, b = Variant("A", 10_000, 310), Variant("B", 10_000, 365)
    z, p = z_test(a, b)
    reference_z, reference_p = proportions_ztest([365, 310], [10_000, 10_000])
    assert z == pytest.approx(reference_z, rel=1e-9) and p == pytest.approx(reference_p, rel=1e-9)
    found = compare([a, b]).comparisons[0]
    low, high = confint_proportions_2indep(365, 10_000, 310, 10_000, method="wald")
    assert (found.low, found.high) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
    assert sample_size(0.10, 0.12, 0.05, 0.8) == pytest.approx(
        samplesize_proportions_2indep_onetail(0.02, 0.10, 0.8, alpha=0.05), rel=1e-9
    )
    # Power at the sample size planned for 80 % is 80 %, by the same normal approximation.
    planned = round(sample_size(0.10, 0.12, 0.05, 0.8))
    power = observed_power(Variant("A", planned, round(planned * 0.10)),
                           Variant("B", planned, round(planned * 0.12)), 0.05)  # fmt: skip
    assert power == pytest.approx(0.8, abs=0.01)


def test_exm002_the_verdict_says_who_wins_by_how_much_or_how_many_visitors_are_missing():
    won = compare([Variant("A", 40_000, 1_240), Variant("B", 40_000, 1_480)])
    assert won.verdict == "B beats A by 0.6 pp, 95 % CI 0.3-0.9 pp, significant"
    early = compare([Variant("A", 3_000, 93), Variant("B", 3_000, 105)])
    assert early.verdict == "not yet: B vs A needs ~28,000 more visitors per variant"
    assert early.comparisons[0].needed == pytest.approx(
        sample_size(0.031, 0.035, 0.05, 0.8) - 3_000, abs=1
    )
    lost = compare([Variant("A", 40_000, 1_480), Variant("B", 40_000, 1_240)])
    assert lost.verdict.startswith("B trails A by 0.6 pp")
    assert compare([Variant("A", 0, 0), Variant("B", 10, 1)]).verdict == "no visitors yet in A"
    three = compare([Variant("A", 40_000, 1_240), Variant("B", 40_000, 1_480),
                     Variant("C", 40_000, 1_250)])  # fmt: skip
    assert three.confidence == pytest.approx(0.975)  # two comparisons share the 5 %
    assert three.verdict.startswith("B beats A by 0.6 pp, 97.5 % CI")


def test_exm003_the_sequential_test_stays_valid_for_a_dashboard_read_every_day():
    """A/A tests (no real difference) read every day for 30 days, stopped at the first
    "significant": the fixed z-test cries wolf far more than 5 % of the time, the sequential
    test less than 5 %."""
    rng = np.random.default_rng(20261206)
    fixed = sequential = 0
    runs, days, per_day, rate = 300, 30, 400, 0.05
    for _ in range(runs):
        a = rng.binomial(per_day, rate, days).cumsum()
        b = rng.binomial(per_day, rate, days).cumsum()
        looks = [
            [Variant("A", per_day * (d + 1), int(a[d])), Variant("B", per_day * (d + 1), int(b[d]))]
            for d in range(days)
        ]
        fixed += any(compare(v).comparisons[0].significant for v in looks)
        sequential += any(compare(v, method="sequential").comparisons[0].significant for v in looks)
    assert fixed / runs > 0.15
    assert sequential / runs < 0.05


def test_coh005_sales_eu_sees_the_retention_of_eu_customers_only(
    prometheus, warehouse_sqlite, tmp_path
):
    """The demo's cohort panel for a region-bound user: the triangle of EU's customers, as worked
    out in pandas from the warehouse's own rows, and not everyone's; an admin who picks region EU
    sees the same triangle, the cohorts' sizes filtered as their activity is."""
    app = demo_app(prometheus, warehouse_sqlite, tmp_path)
    asked = {"from": ["now-7d"], "to": ["now"]}
    models = {}
    with app.server.app_context():
        dashboard = services().dashboards["product-insights"]
        panel = dashboard.panel("retention-cohorts")
        chosen = asked | {"var-region": ["EU"]}
        for name, user, query in (("sales-eu", "sales-eu", asked), ("admin", "admin", asked),
                                  ("admin-eu", "admin", chosen)):  # fmt: skip
            viewer = services().users.get(user)
            view = resolve_view(viewer, "product-insights", urls.view_state(query))
            data = panel_data(view, panel)
            models[name] = (data, panel_model(view, data))
    data, model = models["sales-eu"]
    assert data.status == "ok", data.error
    engine = create_engine(warehouse_sqlite.url)
    with engine.connect() as conn:
        signups = pd.read_sql(
            text("SELECT id AS user, signup_at AS at FROM customers WHERE region = 'EU'"), conn
        )
        events = pd.read_sql(
            text("SELECT customer_id AS user, active_at AS at FROM customer_activity"), conn
        )
    engine.dispose()
    for frame in (signups, events):
        frame["at"] = pd.to_datetime(frame["at"], utc=True, format="mixed")
    start = pd.Timestamp(data.window.start, unit="s", tz="UTC")
    end = pd.Timestamp(data.window.end, unit="s", tz="UTC")
    expected = retention_of_events(signups, events, "week", 8, start, end)
    found = model.retention
    assert len(found.cohorts) >= 2 and list(found.cohorts) == list(expected.cohorts)
    np.testing.assert_allclose(found.active, expected.active)
    np.testing.assert_allclose(found.sizes, expected.sizes)
    everyone = models["admin"][1].retention
    assert everyone.sizes.sum() > found.sizes.sum() * 1.5
    chosen = models["admin-eu"][1].retention
    np.testing.assert_allclose(chosen.sizes, found.sizes)
    np.testing.assert_allclose(chosen.active, found.active)


def test_exm004_an_experiment_panel_says_what_is_wrong_with_its_query_in_words():
    panel = Panel.model_validate(
        {"id": "ab", "type": "experiment", "title": "Checkout test", "datasource": "warehouse",
         "queries": [{"sql": "SELECT 1"}]}
    )  # fmt: skip

    def verdict(raw: pd.DataFrame) -> str:
        data = PanelData(panel, "shop", [QueryFrame(panel.queries[0], raw, raw)])
        return experiment_panel.build(data, None).experiment.verdict

    assert verdict(pd.DataFrame({"variant": ["A", "B"], "visitors": [None, 100],
                                 "conversions": [None, 3]})) == "no visitors yet in A"  # fmt: skip
    assert verdict(pd.DataFrame({"arm": ["A", "B"]})) == (
        "the query has no column variant, visitors, conversions (it returns arm)"
    )
    assert verdict(pd.DataFrame({"variant": ["A"], "visitors": [10], "conversions": [1]})) == (
        "an experiment needs two variants or more"
    )
