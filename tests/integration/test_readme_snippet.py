"""The README's "From your own code" snippet, run as printed against a real `langgraph dev`:
it answers the agent's own request and a subagent's (issue 22, item 3)."""

from __future__ import annotations

import textwrap
from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest
from langgraph_sdk.client import LangGraphClient

from harness.scripts import call, email, script
from harness.server import REPO
from tests.support.runs import pause
from tests.support.served import Served

ADA = email(to="ada@example.com")
OWN = script(ADA)
DELEGATED = script(call("task", description=script(ADA), subagent_type="general-purpose"))


def readme_snippet() -> Callable[[LangGraphClient, str], Awaitable[None]]:
    """The first python block after "From your own code", as `async def snippet(client, thread_id)`."""
    text = (REPO / "README.md").read_text().split("**From your own code**", 1)[1]
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    source = "async def snippet(client, thread_id):\n" + textwrap.indent(code, "    ")
    exec(compile(source, "README.md", "exec"), namespace)  # noqa: S102  # our own README, as printed
    return cast("Callable[[LangGraphClient, str], Awaitable[None]]", namespace["snippet"])


@pytest.mark.parametrize("turn", [OWN, DELEGATED], ids=["own", "subagent"])
async def test_the_readme_snippet_approves_as_printed(served: Served, client: LangGraphClient, turn: str) -> None:
    thread_id = await pause(client, turn)
    assert served.sent(thread_id) == []
    await readme_snippet()(client, thread_id)
    assert [sent["to"] for sent in served.sent(thread_id)] == [ADA["args"]["to"]]
    assert (await client.threads.get(thread_id))["status"] == "idle"
