"""Experiments: conversion rates of variants against a control, and whether the difference is
real.

`fixed`: the two-proportion z-test (pooled standard error for the p-value, unpooled for the
difference's confidence interval), valid when the sample size was fixed in advance and the
result read once. Looking every day and stopping at the first p < 0.05 inflates false positives
several times over: for that use

`sequential`: a mixture sequential probability ratio test (mSPRT; Johari, Pekelis and Walsh,
"Always valid inference", 2017; what Optimizely's stats engine uses) on the same normal
approximation: its p-value and confidence interval stay valid however often they are read, so
the panel can be on a dashboard that refreshes. It needs a guess of the effect size (its mixing
distribution's spread: `minimum_effect`, by default 10 % of the control's rate) and is wider
than the fixed test at the same data: that is the price of peeking. Each look's own value is
shown (the running minimum over looks would be valid too; this is the conservative reading).

Both assume visitors are independent and assigned at random, counts large enough for the normal
approximation (a handful of conversions per variant at least), and one conversion per visitor.
With more than one variant against the control, the significance level is split between the
comparisons (Bonferroni). Observed power is the z-test's power at the observed difference; the
visitors still needed are those for the observed difference to reach significance with the
asked power (fixed), or to cross the sequential boundary (sequential).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from scipy.stats import norm

Method = Literal["fixed", "sequential"]
MAX_VISITORS = 10**9  # beyond this a sample size is "more than a billion"


@dataclass(frozen=True)
class Variant:
    name: str
    visitors: int
    conversions: int

    @property
    def rate(self) -> float:
        return self.conversions / self.visitors if self.visitors else float("nan")


@dataclass(frozen=True)
class Comparison:
    control: Variant
    variant: Variant
    difference: float  # variant's rate minus the control's
    low: float  # confidence interval of the difference
    high: float
    p_value: float
    power: float  # the z-test's at the observed difference
    needed: int | None  # more visitors per variant to settle it (None: settled)
    significant: bool
    verdict: str


@dataclass(frozen=True)
class Experiment:
    variants: list[Variant]
    comparisons: list[Comparison]
    method: str
    confidence: float  # per comparison, after the split between comparisons
    reason: str | None = None

    @property
    def verdict(self) -> str:
        return self.reason or "; ".join(c.verdict for c in self.comparisons)


def z_test(a: Variant, b: Variant) -> tuple[float, float]:
    """(z, two-sided p) of the pooled two-proportion z-test of b's rate against a's."""
    pooled = (a.conversions + b.conversions) / (a.visitors + b.visitors)
    se = math.sqrt(pooled * (1 - pooled) * (1 / a.visitors + 1 / b.visitors))
    if se == 0:
        return 0.0, 1.0
    z = (b.rate - a.rate) / se
    return z, float(2 * norm.sf(abs(z)))


def _variance(a: Variant, b: Variant) -> float:
    """The unpooled variance of the difference of rates."""
    return a.rate * (1 - a.rate) / a.visitors + b.rate * (1 - b.rate) / b.visitors


def observed_power(a: Variant, b: Variant, alpha: float) -> float:
    se = math.sqrt(_variance(a, b))
    if se == 0:
        return float("nan")
    shift, z = abs(b.rate - a.rate) / se, norm.ppf(1 - alpha / 2)
    return float(norm.cdf(shift - z) + norm.cdf(-shift - z))


def sample_size(p1: float, p2: float, alpha: float, power: float) -> float:
    """Visitors per variant for a two-sided z-test at `alpha` to find p2 against p1 with `power`
    (Fleiss's formula, no continuity correction)."""
    if p1 == p2:
        return math.inf
    mean = (p1 + p2) / 2
    need = (
        norm.ppf(1 - alpha / 2) * math.sqrt(2 * mean * (1 - mean))
        + norm.ppf(power) * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    ) ** 2 / (p1 - p2) ** 2
    return need


def msprt(difference: float, variance: float, tau2: float, alpha: float):
    """(always-valid p, half-width of the always-valid interval) of the normal mSPRT with a
    normal mixture of variance `tau2` around no difference."""
    log_ratio = 0.5 * math.log(variance / (variance + tau2)) + tau2 * difference**2 / (
        2 * variance * (variance + tau2)
    )
    half = math.sqrt(
        variance
        * (variance + tau2)
        / tau2
        * (2 * math.log(1 / alpha) + math.log((variance + tau2) / variance))
    )
    return math.exp(-max(0.0, log_ratio)), half


def _sequential_needed(
    a: Variant, b: Variant, difference: float, tau2: float, alpha: float
) -> float:
    """Visitors per variant at which the observed difference crosses the mSPRT's boundary."""
    spread = a.rate * (1 - a.rate) + b.rate * (1 - b.rate)
    if difference == 0 or spread == 0:
        return math.inf
    low, high = 1.0, float(MAX_VISITORS)
    if msprt(difference, spread / high, tau2, alpha)[0] > alpha:
        return math.inf
    while high - low > 1:
        middle = (low + high) / 2
        if msprt(difference, spread / middle, tau2, alpha)[0] <= alpha:
            high = middle
        else:
            low = middle
    return high


def _pp(value: float) -> str:
    points = value * 100
    return f"{points:.2f}" if 0 < abs(points) < 0.1 else f"{points:.1f}"


def _about(count: float) -> str:
    """12,345 -> ~12,000: a sample size is an estimate; two significant figures say so."""
    if count >= MAX_VISITORS:
        return "over a billion"
    rounded = float(f"{count:.2g}") if count >= 100 else math.ceil(count)
    return f"~{int(rounded):,}"


def _interval(low: float, high: float) -> str:
    return f"{_pp(low)}-{_pp(high)}" if low >= 0 else f"{_pp(low)} to {_pp(high)}"


def _verdict(comparison: Comparison, level: float) -> str:
    a, b, difference = comparison.control, comparison.variant, comparison.difference
    if comparison.significant:
        word, low, high = ("beats", comparison.low, comparison.high) if difference > 0 else (
            "trails", -comparison.high, -comparison.low)  # fmt: skip
        return (
            f"{b.name} {word} {a.name} by {_pp(abs(difference))} pp, {level * 100:g} % CI "
            f"{_interval(low, high)} pp, significant"
        )
    if comparison.needed:
        more = _about(comparison.needed)
        return f"not yet: {b.name} vs {a.name} needs {more} more visitors per variant"
    return f"{b.name} vs {a.name}: no significant difference (p = {comparison.p_value:.2f})"


def compare(
    variants: list[Variant],
    control: str | None = None,
    *,
    confidence: float = 0.95,
    power: float = 0.8,
    method: Method = "fixed",
    minimum_effect: float | None = None,
) -> Experiment:
    """Each variant against the control (by name, or the first variant)."""
    level = confidence
    if len(variants) < 2:
        return Experiment(variants, [], method, level, "an experiment needs two variants or more")
    base = next((v for v in variants if v.name == control), None) if control else variants[0]
    if base is None:
        names = ", ".join(v.name for v in variants)
        return Experiment(
            variants, [], method, level, f"no variant {control!r} (variants: {names})"
        )
    others = [v for v in variants if v is not base]
    alpha = (1 - confidence) / len(others)
    level = 1 - alpha
    empty = [v.name for v in variants if v.visitors <= 0]
    if empty:
        return Experiment(variants, [], method, level, f"no visitors yet in {', '.join(empty)}")
    return Experiment(
        variants,
        [_compare(base, v, alpha, power, method, minimum_effect) for v in others],
        method,
        level,
    )


def _compare(a: Variant, b: Variant, alpha: float, power: float, method: Method,
             minimum_effect: float | None) -> Comparison:  # fmt: skip
    difference = b.rate - a.rate
    variance = _variance(a, b)
    effect = minimum_effect or 0.1 * a.rate or 0.01
    if method == "sequential" and variance > 0:
        p_value, half = msprt(difference, variance, effect**2, alpha)
        needed = _sequential_needed(a, b, difference, effect**2, alpha)
    else:
        _z, p_value = z_test(a, b)
        half = norm.ppf(1 - alpha / 2) * math.sqrt(variance)
        target = b.rate if difference else a.rate + effect
        needed = sample_size(a.rate, min(target, 1.0), alpha, power)
    significant = p_value < alpha
    more = None
    if not significant:
        more = (
            MAX_VISITORS
            if math.isinf(needed)
            else max(0, math.ceil(needed - min(a.visitors, b.visitors)))
        )
        more = min(MAX_VISITORS, more)
    found = Comparison(a, b, difference, difference - half, difference + half, p_value,
                       observed_power(a, b, alpha), more, significant, "")  # fmt: skip
    return replace(found, verdict=_verdict(found, 1 - alpha))
