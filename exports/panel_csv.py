"""A panel's CSV: the rows its type says it shows (panels/<type>.py `rows`), the numbers of the
page and the image, unformatted, units in the headers (`time,api (req/s),web (req/s)`), times in
ISO 8601 UTC, decimals without float noise (28692.88, not 28692.879999999986), text that a
spreadsheet would run as a formula quoted. A result cut at the row limit ends with a comment
line saying so, in the page's words. A detail page's rows (`frame_csv`) the same way."""

from __future__ import annotations

import pandas as pd

from data.panel_data import TRUNCATED_NOTE
from panels.kind import Rows

NO_DATA = "# No data in this time range.\n"


def _iso(values: pd.Series) -> pd.Series:
    times = pd.to_datetime(values, utc=True)
    return times.dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(values.notna(), None)


def _plain(values: pd.Series) -> pd.Series:
    """Floats to 12 significant digits, past which a sum's last bits are noise."""
    return values.map(lambda v: float(f"{v:.12g}") if pd.notna(v) else v)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(values: pd.Series) -> pd.Series:
    """Text that a spreadsheet would run as a formula (`=HYPERLINK(...)` typed by a customer
    into a search box) starts with a quote, which spreadsheets show as text (OWASP's CSV
    injection advice); numbers stay numbers."""
    return values.map(lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START)
                      else v)  # fmt: skip


def frame_csv(frame: pd.DataFrame, note: str | None = None) -> str:
    """`frame` as CSV, ending with a comment line `note` (what the rows are short of)."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = _iso(frame[column])
        elif pd.api.types.is_float_dtype(frame[column]):
            frame[column] = _plain(frame[column])
        elif not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = _inert(frame[column])
    text = frame.to_csv(index=False, lineterminator="\n")
    return text + f"# {note}\n" if note else text


def csv_text(rows: Rows, truncated: bool = False) -> str:
    return frame_csv(rows.frame, TRUNCATED_NOTE if truncated else None)
