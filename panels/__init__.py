"""The panel types, one module each (panels/<type>.py; what a module declares: panels/kind.py).

Every module of this package that ends with `KIND = PanelType(...)` is a type: adding one is
that module, a test and the README's list. Everything else (the spec's validation, the page,
the exports, the table view, clicks, the lint) finds it here.
"""

from __future__ import annotations

import hashlib
import pkgutil
from importlib import import_module
from pathlib import Path

from data.spec import PANEL_TYPES
from panels.kind import PanelType

KINDS: dict[str, PanelType] = {}  # by name, filled below


def panel_type(name: str) -> PanelType:
    return KINDS[name]


def _types() -> list[PanelType]:
    # Modules that are no type (what the types share) import this package: panel_type is here.
    modules = (import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))
    found = [getattr(module, "KIND", None) for module in modules]
    return sorted((k for k in found if isinstance(k, PanelType)), key=lambda kind: kind.name)


KINDS.update((kind.name, kind) for kind in _types())
TYPES = tuple(KINDS)
PANEL_TYPES.update(KINDS)  # what the spec accepts


def _code_digest() -> str:
    """A digest of the code that draws panels: a cache of drawn panels shared across restarts
    serves nothing an older version drew."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted([*root.glob("*.py"), *(root.parent / "components").rglob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


DRAWING_VERSION = _code_digest()
