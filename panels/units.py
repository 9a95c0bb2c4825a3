"""Values formatted the way Grafana users read them: 1.2K, 340 ms, 1.5 GiB, 12.3%, $1.2M."""

from __future__ import annotations

import math
from datetime import datetime

from data.spec import Threshold, ValueMapping

_SHORT = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")]
_BYTES = [(2**50, "PiB"), (2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")]


MAX_PLACES = 6  # past a millionth, a value below 1 is float noise and reads 0


def _places(value: float, places: int, asked: bool) -> int:
    """`places`, or more for a value below 1: two significant digits (an error rate of 0.03 %
    is not "0 %"); with decimals asked for, enough for one when those would round it to 0."""
    magnitude = abs(value)
    if not 10**-MAX_PLACES <= magnitude < 1 or (asked and round(magnitude, places)):
        return places
    first = -math.floor(math.log10(magnitude))  # the place of its first significant digit
    return max(places, min(first + (0 if asked else 1), MAX_PLACES))


def _num(value: float, decimals: int | None, default: int = 1) -> str:
    asked = decimals is not None
    places = _places(value, decimals if asked else default, asked)
    text = f"{value:,.{places}f}"
    if not asked and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _scaled(value: float, scales, decimals, suffix_space: str = "") -> str:
    for size, suffix in scales:
        if abs(value) >= size:
            return f"{_num(value / size, decimals)}{suffix_space}{suffix}"
    return _num(value, decimals, 0 if float(value).is_integer() else 2)


def _duration(seconds: float, decimals: int | None) -> str:
    magnitude = abs(seconds)
    if magnitude == 0:
        return "0 s"
    if magnitude < 1e-3:
        return f"{_num(seconds * 1e6, decimals)} µs"
    if magnitude < 1:
        return f"{_num(seconds * 1e3, decimals)} ms"
    if magnitude < 60:
        return f"{_num(seconds, decimals, 2)} s"
    if magnitude < 3600:
        return f"{_num(seconds / 60, decimals)} min"
    if magnitude < 86_400:
        return f"{_num(seconds / 3600, decimals)} h"
    return f"{_num(seconds / 86_400, decimals)} d"


def _short_of_whole(percent: float, decimals: int | None) -> int | None:
    """Enough decimals that a share short of 100 % does not read 100 % (99.97 % of requests
    answered is not all of them); as asked otherwise."""
    if decimals is not None or percent >= 100 or percent < 99.95:
        return decimals
    places = 1
    while places < 4 and round(percent, places) >= 100:
        places += 1
    return places


def format_value(value: float | None, unit: str = "short", decimals: int | None = None) -> str:
    """One value in a unit: short, none, percent (0-100), percentunit (0-1), s, ms, bytes, Bps,
    reqps, ops, currency:USD/EUR, days, or any other text used as a suffix."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = float(value)
    if unit == "none":
        return _num(value, decimals, 2)
    if unit == "short":
        return _scaled(value, _SHORT, decimals)
    if unit == "percent":
        return f"{_num(value, _short_of_whole(value, decimals))}%"
    if unit == "percentunit":
        return f"{_num(value * 100, _short_of_whole(value * 100, decimals))}%"
    if unit == "s":
        return _duration(value, decimals)
    if unit == "ms":
        return _duration(value / 1000, decimals)
    if unit == "bytes":
        return _scaled(value, _BYTES, decimals, " ") + ("" if abs(value) >= 1024 else " B")
    if unit == "Bps":
        return (_scaled(value, _BYTES, decimals, " ") + ("" if abs(value) >= 1024 else " B")) + "/s"
    if unit == "reqps":
        return f"{_scaled(value, _SHORT, decimals)} req/s"
    if unit == "ops":
        return f"{_scaled(value, _SHORT, decimals)} ops/s"
    if unit.startswith("currency:"):
        symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(unit.split(":", 1)[1], unit[9:] + " ")
        sign = "-" if value < 0 else ""
        return f"{sign}{symbol}{_scaled(abs(value), _SHORT, 2 if decimals is None else decimals)}"
    if unit == "days":
        return f"{_num(value, decimals)} d"
    return f"{_scaled(value, _SHORT, decimals)} {unit}"


def threshold_color(value: float | None, thresholds: list[Threshold], default: str) -> str:
    """The colour of the highest step at or below `value`."""
    color = default
    if value is None or not thresholds:
        return color
    for step in thresholds:
        if step.value is None or value >= step.value:
            color = step.color
    return color


def apply_mapping(value, mappings: list[ValueMapping]) -> ValueMapping | None:
    for mapping in mappings:
        if mapping.range is not None:
            low, high = mapping.range
            if value is not None and low <= float(value) <= high:
                return mapping
        elif mapping.value is not None and (
            value == mapping.value
            or str(value) == str(mapping.value)
            or _close(value, mapping.value)
        ):
            return mapping
    return None


def _close(a, b) -> bool:
    try:
        return math.isclose(float(a), float(b))
    except (TypeError, ValueError):
        return False


def duration_scale(unit: str, top: float) -> tuple[float, str]:
    """(divisor, unit) to draw durations up to `top` in: an SI axis would label 4,000 s "4ks", so
    past two minutes a chart counts in minutes, past two hours in hours, past two days in days.
    Other units are drawn as they are: (1, unit)."""
    if unit not in ("s", "ms"):
        return 1.0, unit
    per_second = 1000.0 if unit == "ms" else 1.0
    seconds = abs(top) / per_second
    if unit == "ms" and seconds < 1:  # 1,030 ms reads 1.03 s, not "1k ms"
        return 1.0, "ms"
    for below, size, name in ((120, 1, "s"), (7200, 60, "min"), (172_800, 3600, "h")):
        if seconds < below:
            return size * per_second, name
    return 86_400 * per_second, "days"


def axis_format(unit: str, decimals: int | None = None) -> tuple[dict, str]:
    """Plotly axis settings and a hover template for a unit, so the browser formats values itself
    (sending a formatted label per point would double what a panel update weighs)."""
    places = 2 if decimals is None else decimals
    if unit == "percent":
        return {"ticksuffix": "%"}, f"%{{y:.{places}f}}%"
    if unit == "percentunit":
        # Ticks keep the decimals they need: 0.5 %, 1 %, 1.5 % (".0%" read 2 %, 2 %, 1 %, 1 %).
        return {"tickformat": "~%"}, f"%{{y:.{places}%}}"
    if unit.startswith("currency:"):
        symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(unit.split(":", 1)[1], "")
        return {"tickprefix": symbol, "tickformat": ".3~s"}, f"{symbol}%{{y:,.2f}}"
    suffix = {
        "s": "s",
        "ms": " ms",
        "bytes": "B",
        "Bps": "B/s",
        "reqps": " req/s",
        "ops": " ops/s",
        "days": " d",
    }.get(unit, "" if unit in ("short", "none") else f" {unit}")
    if unit == "none":
        return {}, f"%{{y:.{places}f}}"
    # Three significant digits: 289k, not 289.011k.
    return {"tickformat": ".3~s", "ticksuffix": suffix}, f"%{{y:.3~s}}{suffix}"


def unit_label(unit: str) -> str:
    """The unit as a column header says it (`req/s`, `%`, `USD`); empty for plain numbers."""
    if unit in ("short", "none"):
        return ""
    if unit.startswith("currency:"):
        return unit.split(":", 1)[1]
    labels = {
        "reqps": "req/s",
        "ops": "ops/s",
        "percent": "%",
        "percentunit": "0-1",
        "Bps": "B/s",
        "days": "d",
    }
    return labels.get(unit, unit)


TIME_FORMAT = "%Y-%m-%d %H:%M"


def headed(name: str, unit: str | None) -> str:
    """A column's name with its unit, as the CSV and the table view head it: `revenue (USD)`."""
    label = unit_label(unit) if unit else ""
    return f"{name} ({label})" if label else name


def cell_text(value, unit: str | None = None) -> str:
    """A cell as the table view and the PDF show it: numbers in their unit, times to the minute,
    blanks for missing values; without a unit, whole numbers as they are (an id, a year) and
    others to two decimals, or two significant digits below 1."""
    if value is None or (not isinstance(value, str) and value != value):  # NaN, NaT
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if unit is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return format_value(value, unit)
    if isinstance(value, float) and not value.is_integer():
        return format_value(value, "none")  # 28,692.88: not 2.869e+04, nor its float noise
    if isinstance(value, float):
        return str(int(value))
    return str(value)
