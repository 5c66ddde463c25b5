"""Parsing of durations, rates and money-free quantities used by the scenario format.

Durations are minutes inside the engine. YAML accepts ``90s``, ``15m``, ``2h``,
``3d``, combinations such as ``1h30m``, or a bare number of minutes.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

_UNIT_MINUTES = {"s": 1 / 60, "m": 1.0, "h": 60.0, "d": 1440.0}
UNIT_MINUTES = _UNIT_MINUTES
"""Minutes per duration unit (``s``, ``m``, ``h``, ``d``)."""
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
DURATION_PATTERN = r"^\s*(\d+(\.\d+)?\s*[smhd]\s*)+$"


def parse_duration(value: Any) -> float:
    """Return ``value`` as minutes; raise ``ValueError`` with the expected form."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 15m, 2h, 3d or minutes, got a boolean")
    if isinstance(value, (int, float)):
        minutes = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        try:
            minutes = float(text)
        except ValueError:
            pos = 0
            minutes = 0.0
            matched = False
            for m in _PART.finditer(text):
                if text[pos : m.start()].strip():
                    break
                minutes += float(m.group(1)) * _UNIT_MINUTES[m.group(2)]
                pos = m.end()
                matched = True
            if not matched or text[pos:].strip():
                raise ValueError(
                    f"expected a duration such as 90s, 15m, 2h, 3d or minutes, got {value!r}"
                ) from None
    else:
        raise ValueError(
            f"expected a duration such as 90s, 15m, 2h, 3d or minutes, got {type(value).__name__}"
        )
    if not math.isfinite(minutes):
        raise ValueError(f"expected a finite duration, got {value!r}")
    if minutes < 0:
        raise ValueError(f"expected a duration >= 0, got {value!r}")
    return minutes


def format_duration(minutes: float) -> str:
    """Render minutes compactly, e.g. ``2h30m`` or ``45s``."""
    if minutes < 1 and minutes > 0:
        return f"{minutes * 60:g}s"
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{int(hours)}h{mins:g}m"
    if hours:
        return f"{int(hours)}h"
    return f"{mins:g}m"


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "description": "minutes"},
                {"type": "string", "pattern": DURATION_PATTERN, "description": "e.g. 90s, 15m, 2h, 3d, 1h30m"},
            ]
        }
    ),
]
"""A non-negative time span in minutes (YAML: ``90s``, ``15m``, ``2h``, ``3d`` or minutes)."""


PER_MINUTES = {"minute": 1.0, "hour": 60.0, "day": 1440.0}
