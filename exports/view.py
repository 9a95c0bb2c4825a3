"""What an export draws: each panel's data for a resolved view (view/resolve.py: the dashboard
over one time range with its variables resolved as on its page, for the viewer's scope), through
the shared cache, and its display model (panels/display.py): the same the page draws."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

from data.panel_data import PanelData
from data.spec import Panel
from panels.display import panel_data, panel_model
from panels.kind import Model
from view.resolve import View


@dataclass
class PanelExport:
    """One panel's data, and its display model when the data loaded."""

    data: PanelData
    model: Model | None


def fetch(view: View, panel: Panel) -> PanelExport:
    data = panel_data(view, panel)
    return PanelExport(data, panel_model(view, data))


def fetch_all(view: View, pool: Executor) -> list[PanelExport]:
    """Every panel of the dashboard, side by side, in the dashboard's order."""
    futures = [pool.submit(fetch, view, panel) for panel in view.dashboard.panels]
    return [future.result() for future in futures]
