"""Table panels as a user reads them, in a real browser at 1440, 820 and 390 px wide, light and
dark: every column has its header, a number's header ends where its digits end (a text's starts
where its text starts) with its filter button beside it, the rows scroll inside the card and say
so when they may not all fit, and a card narrower than its table scrolls it sideways under its
first column, which stays.

One browser, logged in once as an admin, for every table and width.
"""

from __future__ import annotations

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from tests import test_charts_browser
from tests.test_a11y_browser import in_theme
from tests.test_charts_browser import settled

pytestmark = pytest.mark.browser
browser = test_charts_browser.browser  # an admin logged in once, in one browser, for the module
WIDTHS = (1440, 820, 390)
# A PromQL table with a coloured column, a SQL one with a long text column, and a long one.
TABLES = [
    ("sla-error-budget", "sli-table"),
    ("executive-overview", "incident-revenue"),
    ("application-performance", "endpoints"),
]
# Where a table's parts stand on the screen: each header's label and the text of its column's
# first row (the glyphs' boxes, not their cells'), the grid's and the card's boxes, and how far
# its rows reach beyond what is in sight.
MEASURE_JS = """
const card = document.querySelector(`[data-panel-id="${arguments[0]}"]`);
const grid = card.querySelector('.ag-root-wrapper');
const box = e => { const b = e.getBoundingClientRect();
    return {left: b.left, right: b.right, top: b.top, bottom: b.bottom}; };
const glyphs = e => { const r = document.createRange(); r.selectNodeContents(e); return box(r); };
const body = grid.querySelector('.ag-body-viewport');
const center = grid.querySelector('.ag-center-cols-viewport');
const more = card.querySelector('.table-more');
return {
    card: box(card), grid: box(grid), center: box(center),
    rows: [body.scrollHeight, body.clientHeight],
    sideways: [center.scrollWidth, center.clientWidth],
    more: more ? more.textContent : null,
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    scheme: getComputedStyle(grid).colorScheme, background: getComputedStyle(grid).backgroundColor,
    headers: Array.from(grid.querySelectorAll('.ag-header-cell')).map(h => {
        const id = h.getAttribute('col-id'), label = h.querySelector('.ag-header-cell-text');
        const cell = grid.querySelector(`.ag-row[row-index="0"] .ag-cell[col-id="${id}"]`);
        const filter = h.querySelector('.ag-header-cell-filter-button:not(.ag-hidden)');
        return {id, text: label ? label.textContent.trim() : '', box: box(h),
                filter: filter ? box(filter) : null,
                pinned: !!h.closest('.ag-pinned-left-header'),
                numeric: h.classList.contains('ag-right-aligned-header'),
                label: label && label.textContent.trim() ? glyphs(label) : null,
                cell: cell && cell.textContent.trim() ? glyphs(cell) : null};
    }),
};
"""
# The rows scrolled to their end inside the grid: where the last row and the page then are.
SCROLL_DOWN_JS = """
const grid = document.querySelector(`[data-panel-id="${arguments[0]}"] .ag-root-wrapper`);
const body = grid.querySelector('.ag-body-viewport'), page = window.scrollY;
body.scrollTop = body.scrollHeight;
return [body.scrollTop, page, window.scrollY];
"""
LAST_ROW_JS = """
const grid = document.querySelector(`[data-panel-id="${arguments[0]}"] .ag-root-wrapper`);
const body = grid.querySelector('.ag-body-viewport').getBoundingClientRect();
const last = grid.querySelector(`.ag-center-cols-container .ag-row[row-index="${arguments[1]}"]`);
if (!last) { return null; }
const row = last.getBoundingClientRect();
return row.bottom <= body.bottom + 1 && row.top >= body.top - 1;
"""
RESET_JS = """
const card = arguments[0];
card.scrollIntoView({block: 'center'});
card.querySelectorAll('.ag-body-viewport, .ag-center-cols-viewport, '
                      + '.ag-body-horizontal-scroll-viewport').forEach(e => {
    e.scrollTop = 0; e.scrollLeft = 0; });
"""
# The columns scrolled sideways to their end: where the first column's first cell then is.
SCROLL_SIDEWAYS_JS = """
const grid = document.querySelector(`[data-panel-id="${arguments[0]}"] .ag-root-wrapper`);
const first = () => grid.querySelector('.ag-row[row-index="0"] .ag-cell').getBoundingClientRect();
const before = first().left, center = grid.querySelector('.ag-center-cols-viewport');
center.scrollLeft = center.scrollWidth;
const scroller = grid.querySelector('.ag-body-horizontal-scroll-viewport');
if (scroller) { scroller.scrollLeft = scroller.scrollWidth; }
return [before, center.scrollLeft];
"""


def in_sight(duo, panel: str) -> None:
    """The table's card in the middle of the window, its rows scrolled back to the first, its
    grid drawn (AG Grid draws its cells once it is in sight) and its first row there."""
    card = duo.find_element(f"[data-panel-id='{panel}']")
    duo.driver.execute_script(RESET_JS, card)
    try:
        WebDriverWait(duo.driver, 10).until(
            lambda d: d.execute_script(
                "const c = arguments[0]; return !c.querySelector('.ag-delay-render')"
                " && !!c.querySelector('.ag-row[row-index=\"0\"] .ag-cell');",
                card,
            )
        )
    except TimeoutException:
        state = duo.driver.execute_script(
            "const c = arguments[0]; return [c.querySelectorAll('.ag-delay-render').length,"
            " c.querySelectorAll('.ag-row').length, window.innerWidth];",
            card,
        )
        raise AssertionError(
            f"{panel}: no rows drawn ({state}); the card says {card.text!r}"
        ) from None


def at_width(duo, panel: str, width: int) -> dict:
    """The table at a window `width` px wide, scrolled to its start, once it stands still."""
    duo.driver.set_window_size(width, 1000)
    in_sight(duo, panel)
    return measured_still(duo, panel)


def measured_still(duo, panel: str) -> dict:
    """The table's measures, once they no longer change (columns sized, rows placed)."""
    seen = [None]

    def still(driver) -> bool:
        now = driver.execute_script(MEASURE_JS, panel)
        same = now == seen[0]
        seen[0] = now
        return same

    WebDriverWait(duo.driver, 15, poll_frequency=0.3).until(still)
    return seen[0]


def misreadings(measured: dict) -> list[str]:
    """What a reader would trip over in one table: an empty header, a header away from its
    column's values, a grid spilling out of its card, rows out of reach without a word."""
    problems = []
    grid, card, center = measured["grid"], measured["card"], measured["center"]
    for header in measured["headers"]:
        if not header["text"]:
            problems.append(f"an empty header cell at {header['box']}")
        # Only what is in sight: a column scrolled out sideways is compared once it is back.
        shown = header["pinned"] or (
            header["box"]["left"] >= center["left"] - 1
            and header["box"]["right"] <= center["right"] + 1
        )
        label, cell, icon = header["label"], header["cell"], header["filter"]
        if shown and label and icon:
            # Beside its label, not across the column by the next one's, where a lone icon
            # read as a column with no name.
            apart = max(icon["left"] - label["right"], label["left"] - icon["right"])
            if apart > 8:
                problems.append(f"{header['text']!r}: its filter button {apart:.0f} px from it")
        if not (shown and label and cell):
            continue
        side = "right" if header["numeric"] else "left"
        if abs(label[side] - cell[side]) > 2:
            problems.append(
                f"{header['text']!r}: its header's {side} edge {label[side]:.0f} px, its "
                f"values' {cell[side]:.0f} px"
            )
    if not (
        grid["left"] >= card["left"] - 0.5
        and grid["right"] <= card["right"] + 0.5
        and grid["bottom"] <= card["bottom"] + 0.5
    ):
        problems.append(f"the grid {grid} spills out of its card {card}")
    scroll_height, seen_height = measured["rows"]
    if scroll_height > seen_height + 1 and "rows, scroll for more" not in (measured["more"] or ""):
        problems.append("rows below the card's edge, and nothing says so")
    if measured["page"] > 0:
        problems.append(f"the page scrolls {measured['page']} px sideways")
    return problems


@pytest.mark.parametrize(("slug", "panel"), TABLES)
def test_tbl001_table_headers_sit_over_their_values_and_rows_scroll_inside_the_card(
    browser, slug, panel
):
    browser.driver.set_window_size(WIDTHS[0], 1000)
    browser.driver.get(browser.server_url + f"/d/{slug}")
    browser.wait_for_element("#dash-root")
    settled(browser)
    problems, scrolled_sideways = [], False
    for width in WIDTHS:
        measured = at_width(browser, panel, width)
        problems += [f"{width} px: {p}" for p in misreadings(measured)]
        # Sideways: the others scroll under the first column, which stays where it was.
        wide, room = measured["sideways"]
        if wide > room + 1:
            scrolled_sideways = True
            before, offset = browser.driver.execute_script(SCROLL_SIDEWAYS_JS, panel)
            if offset <= 0:
                problems.append(f"{width} px: the columns do not scroll sideways")
            after = measured_still(browser, panel)
            first = after["headers"][0]
            if not first["pinned"] or abs(first["box"]["left"] - after["grid"]["left"]) > 2:
                problems.append(f"{width} px: the first column's header is not pinned")
            cell_left = browser.driver.execute_script(
                "return arguments[0].querySelector('.ag-row[row-index=\"0\"] .ag-cell')"
                ".getBoundingClientRect().left;",
                browser.find_element(f"[data-panel-id='{panel}']"),
            )
            if abs(cell_left - before) > 1:
                problems.append(f"{width} px: the first column moved {cell_left - before} px")
            problems += [f"{width} px, scrolled sideways: {p}" for p in misreadings(after)]
        # The last row can be brought into sight inside the card, and the page stays put.
        scroll_top, page_before, page_after = browser.driver.execute_script(SCROLL_DOWN_JS, panel)
        if measured["rows"][0] > measured["rows"][1] + 1 and scroll_top <= 0:
            problems.append(f"{width} px: the rows do not scroll inside the card")
        if page_after != page_before:
            problems.append(f"{width} px: scrolling the rows scrolled the page")
        total = browser.driver.execute_script(
            "return arguments[0].querySelector('.ag-root').getAttribute('aria-rowcount');",
            browser.find_element(f"[data-panel-id='{panel}']"),
        )
        last = int(total) - 2  # aria-rowcount counts the header row, row-index from 0
        WebDriverWait(browser.driver, 5).until(
            lambda d, n=last: d.execute_script(LAST_ROW_JS, panel, n)
        )
    assert problems == [], "\n".join(problems)
    assert scrolled_sideways, "a phone's card is narrower than every one of these tables"
    assert browser.get_logs() == []


def test_tbl002_tables_in_the_dark_theme_are_dark_scroll_bars_included(browser):
    browser.driver.set_window_size(WIDTHS[-1], 1000)
    browser.driver.get(browser.server_url + "/d/executive-overview")
    browser.wait_for_element("#dash-root")
    settled(browser)
    try:
        in_theme(browser, "dark")
        measured = at_width(browser, "incident-revenue", WIDTHS[-1])
        red, green, blue = (int(v) for v in measured["background"][4:-1].split(",")[:3])
        assert max(red, green, blue) < 60, measured["background"]
        assert measured["scheme"] == "dark"  # the browser's scroll bars dark too
        assert misreadings(measured) == []
    finally:
        in_theme(browser, "light")
    assert browser.get_logs() == []
