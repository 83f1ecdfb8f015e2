"""The docs' Python SDK snippets, run as printed against a real `langgraph dev`: each answers
the agent's own request and a subagent's (issue 22, item 3). They are read from the Markdown
itself; the only change is the server's address, printed as the default
(`agent.settings.DEFAULT_PUBLIC_URL`), which becomes the test server's."""

from __future__ import annotations

import textwrap
from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest
from langgraph_sdk.client import LangGraphClient

from agent.settings import DEFAULT_PUBLIC_URL
from harness.scripts import call, email, script
from harness.server import REPO
from tests.support.runs import pause
from tests.support.served import Served

ADA = email(to="ada@example.com")
OWN = script(ADA)
DELEGATED = script(call("task", description=script(ADA), subagent_type="general-purpose"))
SNIPPETS = {
    "README.md": "**From your own code**",  # (with the reader's own `client`)
    "docs/clients.md": "## The Python SDK",
}
"""Where each snippet is: the first python block after these words in that file."""

Snippet = Callable[[LangGraphClient, str], Awaitable[None]]


def snippet(path: str, url: str) -> Snippet:
    """The first python block after `SNIPPETS[path]`, as `async def snippet(client, thread_id)`."""
    text = (REPO / path).read_text().split(SNIPPETS[path], 1)[1]
    code = text.split("```python\n", 1)[1].split("```", 1)[0].replace(DEFAULT_PUBLIC_URL, url)
    namespace: dict[str, Any] = {}
    source = "async def snippet(client, thread_id):\n" + textwrap.indent(code, "    ")
    exec(compile(source, path, "exec"), namespace)  # noqa: S102  # our own docs, as printed
    return cast("Snippet", namespace["snippet"])


@pytest.mark.parametrize("path", SNIPPETS)
@pytest.mark.parametrize("turn", [OWN, DELEGATED], ids=["own", "subagent"])
async def test_the_docs_snippet_approves_as_printed(
    served: Served, client: LangGraphClient, turn: str, path: str
) -> None:
    thread_id = await pause(client, turn)
    assert served.sent(thread_id) == []
    await snippet(path, served.server.url)(client, thread_id)
    assert [sent["to"] for sent in served.sent(thread_id)] == [ADA["args"]["to"]]
    assert (await client.threads.get(thread_id))["status"] == "idle"
