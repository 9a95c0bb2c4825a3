"""Lint rules on what a panel draws, as flags (rule, message): the ones the lint runs on every
type (lint/drawn.py) and the ones a type declares for itself (`PanelType.lint`) share these."""

from __future__ import annotations

from collections.abc import Mapping

from panels.kind import Flag


def same_colour(colors: Mapping[str, str]) -> list[Flag]:
    """Names a reader tells apart by colour (legend entries, slices) drawn in one colour."""
    by_color: dict[str, list[str]] = {}
    for name, tint in colors.items():
        by_color.setdefault(tint.lower(), []).append(name)
    return [
        (
            "same-colour",
            f"{' and '.join(repr(n) for n in names)} are drawn in one colour ({tint}): give the "
            "series fewer than twelve values, or split the panel",
        )
        for tint, names in by_color.items()
        if len(names) > 1
    ]
