"""Text panels: Markdown from the spec, rendered without raw HTML."""

from __future__ import annotations

from dash import dcc

from data.panel_data import PanelData


def text(data: PanelData):
    return dcc.Markdown(data.panel.content, dangerously_allow_html=False, className="text-panel")
