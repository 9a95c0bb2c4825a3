"""Finding dashboards by words: their titles, descriptions, panel titles and tags. Every word
typed must be found (as the start of a word, case-insensitive) in one of them; a title match
ranks above a tag, a panel title, then the description. The caller passes only the dashboards
the viewer may open."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from data.spec import Dashboard

MAX_WORDS = 8
MAX_TEXT = 100
SHOWN_PANELS = 3
# Where a word was found, and what that weighs.
WEIGHTS = {"title": 8, "tag": 5, "panel": 3, "description": 1}


@dataclass(frozen=True)
class Hit:
    dashboard: Dashboard
    score: int
    tags: list[str]  # the tags a word matched
    panels: list[str]  # the panel titles a word matched (a few)


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower()[:MAX_TEXT])[:MAX_WORDS]


def _starts_a_word(word: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(word), text.lower()) is not None


def _hit(dashboard: Dashboard, words: list[str]) -> Hit | None:
    score, tags, panels = 0, [], []
    for word in words:
        found = 0
        if _starts_a_word(word, dashboard.title):
            found += WEIGHTS["title"]
        matched_tags = [t for t in dashboard.tags if _starts_a_word(word, t)]
        found += WEIGHTS["tag"] if matched_tags else 0
        matched_panels = [p.title for p in dashboard.panels if _starts_a_word(word, p.title)]
        found += WEIGHTS["panel"] if matched_panels else 0
        if _starts_a_word(word, dashboard.description):
            found += WEIGHTS["description"]
        if not found:
            return None
        score += found
        tags += [t for t in matched_tags if t not in tags]
        panels += [p for p in matched_panels if p not in panels]
    return Hit(dashboard, score, tags, panels[:SHOWN_PANELS])


def search(dashboards: Iterable[Dashboard], text: str) -> list[Hit]:
    """The dashboards every word of `text` is found in, best first; none for no words."""
    words = words_of(text)
    if not words:
        return []
    hits = [hit for d in dashboards if (hit := _hit(d, words)) is not None]
    return sorted(hits, key=lambda h: (-h.score, h.dashboard.title))
