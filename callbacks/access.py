"""Who may call each server callback, declared where the callback is registered and looked up by
the guard under the key Dash dispatches on (the request's `output`): renaming ids in a payload
cannot make one callback pass for another. `Bound` reads a request's arguments the way Dash
binds them, by the position of the callback's declared dependencies, so the guard checks the
very values the callback will receive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dash import Dash
from flask import Flask, jsonify

from auth.access import current_viewer
from auth.users import User
from data.spec import Dashboard

REGISTRY = "teamdash-callbacks"
STORE = ("dash-state", "data")  # the dashboard page's state: its slug, and an embed page's token
PAGE_URL = ("url", "href")  # the page's address: an embed page's has its token


class Bound:
    """A callback request's arguments by the position of the declared dependencies, as Dash's
    dispatch passes them to the function."""

    def __init__(self, spec: dict, body: dict) -> None:
        declared = list(spec.get("inputs", [])) + list(spec.get("state", []))
        self.declared = [(d.get("id"), d.get("property")) for d in declared]
        inputs, state = body.get("inputs"), body.get("state")
        self.items = (inputs if isinstance(inputs, list) else []) + (
            state if isinstance(state, list) else []
        )
        self.outputs = body.get("outputs")

    def value(self, dependency: tuple[str, str]):
        """What the callback receives for a declared dependency (None when it has none)."""
        try:
            position = self.declared.index(dependency)
        except ValueError:
            return None
        item = self.items[position] if position < len(self.items) else None
        if isinstance(item, dict):
            return item.get("value")
        if isinstance(item, list):
            return [i.get("value") for i in item if isinstance(i, dict)]
        return None

    def at(self, position: int) -> list | dict | None:
        """The raw item at a position (a pattern-matching dependency's list of ids)."""
        return self.items[position] if position < len(self.items) else None


# A check of a request's shape, before any work: the problem in words, or None.
Check = Callable[[Bound, Dashboard | None], str | None]


@dataclass(frozen=True)
class Access:
    level: str = "viewer"  # users of at least this level
    embed: bool = False  # embed links too: the panel callbacks of their own dashboard
    check: Check | None = None


VIEWERS = Access()
OPERATORS = Access("operator")
ADMINS = Access("admin")


def caller(level: str = "viewer") -> User:
    """The logged-in user a callback acts for, of at least `level`; PermissionError otherwise
    (the guard has refused everyone else: this is the callback's own check)."""
    viewer = current_viewer()
    if not (isinstance(viewer, User) and viewer.at_least(level)):
        raise PermissionError(f"users of the {level} level or above only")
    return viewer


def answer_refusals(server: Flask) -> None:
    """A callback's own refusal (PermissionError: another user's subscription, a level below
    the action's) answers 403 with the reason, not a 500."""

    def refused(exc: PermissionError):
        return jsonify(error=f"You may not do that: {exc}. Reload the page and use it."), 403

    server.register_error_handler(PermissionError, refused)


def registry(app: Dash) -> dict[str, Access]:
    return app.server.extensions.setdefault(REGISTRY, {})


def callback(app: Dash, *dependencies, access: Access, **kwargs):
    """`app.callback(*dependencies, **kwargs)`, with who may call it."""

    def register(func):
        before = set(app.callback_map)
        app.callback(*dependencies, **kwargs)(func)
        for key in set(app.callback_map) - before:
            registry(app)[key] = access
        return func

    return register
