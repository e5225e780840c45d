"""Pure parsers for official document formats, discovered with pkgutil.

Each module here with a ``FORMAT`` attribute and ``sniff``/``parse`` functions is an importer
(see ``kb.importers.base``). Adding a format means adding a module; nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from types import ModuleType

from kb.errors import ImportFailed


@lru_cache(maxsize=1)
def importers() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        fmt = getattr(module, "FORMAT", None)
        if fmt and hasattr(module, "parse") and hasattr(module, "sniff"):
            found[fmt] = module
    return dict(sorted(found.items()))


def detect(data: bytes, filename: str) -> ModuleType:
    """The importer most confident it can read these bytes."""
    scored = sorted(
        ((module.sniff(data, filename), fmt) for fmt, module in importers().items()),
        reverse=True,
    )
    if not scored or scored[0][0] <= 0:
        raise ImportFailed(
            f"{filename}: unknown format (known: {', '.join(importers())}); use --format"
        )
    return importers()[scored[0][1]]


def get(fmt: str) -> ModuleType:
    try:
        return importers()[fmt]
    except KeyError:
        raise ImportFailed(f"unknown format {fmt!r} (known: {', '.join(importers())})") from None
