"""Arguments for any tool, made from its schema: what lets a test drive a fork's new tool unchanged."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError

PLAIN: dict[str, Any] = {"string": "sample", "integer": 1, "number": 1.0, "boolean": True, "array": [], "object": {}}
"""A value of each JSON type, for a field with no default."""
PATTERNED = ("sample", "ada@example.com", "/notes/sample.md", "https://example.com/", "2026-01-01", "1")
"""Strings tried, in order, for a field with a `pattern`: the first that matches it."""


class NoSampleArgs(ValueError):
    """The tool's schema gives no arguments that fit it; the message names the tool and the fix."""


def sample_args(tool: BaseTool) -> dict[str, Any]:
    """Arguments that fit `tool`'s schema: each required field's default, else a plain value of
    its type (for a string with a `pattern`, the first of `PATTERNED` it matches).

    Raises:
        NoSampleArgs: they do not fit; the message names the tool and the field.
    """
    schema = tool.tool_call_schema
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise NoSampleArgs(f"tool {tool.name!r} has no pydantic argument schema to make arguments from.")
    full = schema.model_json_schema()
    args = {name: _sample(full["properties"][name]) for name in full.get("required", [])}
    try:
        schema.model_validate(args)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise NoSampleArgs(
            f"tool {tool.name!r}: no argument fits field {field!r} ({first['msg']}); "
            f"add a value that fits to tests/support/samples.py's PATTERNED."
        ) from None
    return args


def _sample(field: dict[str, Any]) -> Any:
    if pattern := field.get("pattern"):
        return next((text for text in PATTERNED if re.search(pattern, text)), PLAIN["string"])
    if "default" in field:
        return field["default"]
    kinds = [field.get("type")] + [option.get("type") for option in field.get("anyOf", [])]
    return next((PLAIN[kind] for kind in kinds if kind in PLAIN), "sample")
