"""Demo users for `make run`: an admin and one user per team (plus a sales manager bound to the
EU region), with random passwords kept in var/demo-users.txt and printed at every start.
Demo only: real deployments add users with `flask --app app users add`."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import Engine

from auth.users import UserError, UserStore
from data.spec import TEAMS

OPERATORS = {"sre", "dba", "security", "migration"}


def demo_accounts() -> list[tuple[str, str, list[str], dict[str, str]]]:
    """(name, level, teams, attributes) of every demo user."""
    accounts = [("admin", "admin", list(TEAMS), {})]
    accounts += [(t, "operator" if t in OPERATORS else "viewer", [t], {}) for t in TEAMS]
    accounts.append(("sales-eu", "viewer", ["sales"], {"region": "EU"}))
    return accounts


def ensure_demo_users(engine: Engine, path: Path) -> list[tuple[str, str]]:
    """Every demo user exists with the password listed in `path`; (name, password) pairs."""
    known = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, _, password = line.partition(" ")
            known[name] = password
    store = UserStore(engine)
    listed = []
    for name, level, teams, attributes in demo_accounts():
        password = known.get(name) or secrets.token_urlsafe(9)
        try:
            store.add(name, password, level, teams, attributes)
        except UserError:
            store.reset_password(name, password)  # the file is the truth for demo users
        listed.append((name, password))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text("".join(f"{n} {p}\n" for n, p in listed))
    return listed
