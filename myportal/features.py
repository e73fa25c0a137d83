"""The feature packages and the optional plug-in modules each may hold (demo.py, cli.py, tiles.py)."""

from collections.abc import Iterator
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

# In dependency order: a feature's demo data may rely on those listed before it.
FEATURES = (
    "operators",
    "auth",
    "registration",
    "admin",
    "support",
    "contracts",
    "invoicing",
    "tickets",
    "content",
    "guarantees",
    "auctions",
    "eic",
    "gstat",
    "connections",
    "privacy",
)


def feature_modules(name: str) -> Iterator[ModuleType]:
    """``myportal.<feature>.<name>`` of every feature that has such a module, in FEATURES order."""
    for feature in FEATURES:
        dotted = f"{__package__}.{feature}.{name}"
        if find_spec(dotted) is not None:
            yield import_module(dotted)
