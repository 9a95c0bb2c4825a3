"""Which of a list's buttons fired a callback. A pattern-matching input (`{"type": "x-delete",
"sub": ALL}`) fires also when its list is drawn anew, with no click: only a click counts."""

from __future__ import annotations

from dash import ctx


def pressed() -> dict | None:
    """The id of the row button whose click fired this callback; None when no click did."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
        return None
    return trigger
