"""Read YAML safely and fast: ``yaml.safe_load``'s loader, in C when PyYAML was built with libyaml."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same safe subset as yaml.safe_load, ~8x faster


def safe_load(text: str) -> Any:
    """Parse YAML text with the safe loader (no Python objects are ever built).

    Raises:
        yaml.YAMLError: the text is not valid YAML.
    """
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - the loader is SafeLoader or its C twin
