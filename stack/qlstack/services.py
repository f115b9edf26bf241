"""The four services, in the order they start."""

from __future__ import annotations

import importlib
from types import ModuleType

SERVICE_NAMES = ("identity", "hazards", "reports", "notify")


def service_module(name: str) -> ModuleType:
    """``<name>.main``: exposes ``service`` (the declaration) and ``create_app``."""
    return importlib.import_module(f"{name}.main")
