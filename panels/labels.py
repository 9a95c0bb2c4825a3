"""Names as people read them. Data names things the way code does (`paid_search`,
`bank_transfer`, `in_progress`); every panel type shows them through `display_name`, in legends,
category labels, axes, hovers and the CSV, while clicks, filters and colours keep the raw value.
"""

from __future__ import annotations

import re

_SNAKE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")


def display_name(value: object) -> str:
    """`paid_search` -> `paid search`; anything that is not snake_case (`api`, `P95`,
    `audio-enhancer`, `127.0.0.1:9100`, `Fashion`) as it is."""
    text = str(value)
    return text.replace("_", " ") if _SNAKE.match(text) else text


def display_names(values) -> list[str]:
    return [display_name(v) for v in values]
