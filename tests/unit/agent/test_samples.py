"""The tests' arguments for any tool (`tests/support/samples.py`): they fit its schema, or say which field does not."""

from __future__ import annotations

from typing import Annotated

import pytest
from langchain.tools import tool
from pydantic import Field

from agent.approval import tool_node_tools
from agent.graph import make_graph
from agent.policy import INTERRUPT_ON
from agent.settings import Settings
from tests.support.samples import NoSampleArgs, sample_args


def test_every_gated_tool_gets_arguments_that_fit_it() -> None:
    tools = {t.name: t for t in tool_node_tools(make_graph(settings=Settings()))}
    for name in INTERRUPT_ON:
        args = sample_args(tools[name])
        tools[name].tool_call_schema.model_validate(args)  # type: ignore[union-attr]  # (a pydantic model: checked there)


def test_a_field_nothing_fits_is_named() -> None:
    @tool
    def charge(iban: Annotated[str, Field(pattern=r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")], cents: int) -> str:
        """Charge an account."""
        return "ok"

    with pytest.raises(NoSampleArgs, match=r"tool 'charge': no argument fits field 'iban'"):
        sample_args(charge)
