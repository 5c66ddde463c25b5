"""JSON Schema of the scenario format, for editors (VS Code's YAML extension) and tools.

The bundled copy lives at ``scenarios/crisissim.schema.json``; scenario files point to it
with a first line ``# yaml-language-server: $schema=./crisissim.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from crisissim.scenario.schema import Scenario

SCHEMA_FILE = "crisissim.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (aliases as written in YAML)."""
    body = Scenario.model_json_schema(by_alias=True)
    body.pop("title", None)
    return {"$schema": DIALECT, "title": "crisissim scenario", **body}


def schema_text() -> str:
    """The schema as the text written to ``crisissim.schema.json``."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
