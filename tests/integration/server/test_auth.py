"""Per-user access through the SDK: tokens, ownership, 404 for other users' threads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import GRAPH_ID, HITL_HISTORY
from client.approvals import get_pending, inbox, user_message
from harness.scripts import email, script
from tests.integration.conftest import USERS
from tests.support.runs import pause, resume_command
from tests.support.served import Served


def _status(error: BaseException) -> int | None:
    return error.response.status_code if isinstance(error, httpx.HTTPStatusError) else None


STUDIO = {"x-auth-scheme": "langsmith"}
"""What LangGraph Studio (and deep-agents-ui) send: langgraph dev let it past the server's auth
as a user of its own, with no token at all, unless `disable_studio_auth` (langgraph.json)."""


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic ada-token"}, STUDIO],
    ids=["none", "unknown", "not-bearer", "studio"],
)
def test_no_or_bad_token_gets_401(users_server: Served, headers: dict[str, str]) -> None:
    for method, path in (("POST", "/threads/search"), ("POST", "/threads"), ("GET", "/inbox/api/me")):
        response = httpx.request(method, users_server.server.url + path, headers=headers, json={})
        assert response.status_code == 401, (method, path)
    me = httpx.get(users_server.server.url + "/inbox/api/me", headers={"Authorization": "Bearer ada-token"})
    assert me.json() == {"user": "ada"}


async def test_another_user_cannot_see_or_touch_a_thread(
    users_server: Served, ada: LangGraphClient, bob: LangGraphClient
) -> None:
    thread_id = await pause(ada)
    pending = await get_pending(ada, thread_id)
    assert pending is not None
    assert ((await ada.threads.get(thread_id))["metadata"] or {})["owner"] == "ada"

    assert thread_id not in [t.thread_id async for t in inbox(bob)]
    assert thread_id not in [t["thread_id"] for t in await bob.threads.search(limit=100)]
    resume = resume_command(pending.request)
    attempts: dict[str, Callable[[], Awaitable[object]]] = {
        "read": lambda: bob.threads.get(thread_id),
        "read state": lambda: bob.threads.get_state(thread_id),
        "delete": lambda: bob.threads.delete(thread_id),
        "answer": lambda: bob.runs.wait(thread_id, GRAPH_ID, command=resume),
        "list runs": lambda: bob.runs.list(thread_id),
    }
    for action, attempt in attempts.items():
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await attempt()
        assert _status(refused.value) == 404, action
    with pytest.raises(httpx.HTTPStatusError) as refused:  # refused for everyone, owner or not
        await bob.threads.update_state(thread_id, {"messages": []})
    assert _status(refused.value) == 403
    with pytest.raises(httpx.HTTPStatusError) as refused:
        async for _ in bob.runs.stream(thread_id, GRAPH_ID, input=user_message("hello")):
            pass
    assert _status(refused.value) == 404
    # Her thread's id for a thread of his: taken (409 saying only that), and nothing of hers is
    # handed over, not with `if_exists="do_nothing"` (her own would get her thread back) either.
    for if_exists in ("raise", "do_nothing"):
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await bob.threads.create(thread_id=thread_id, if_exists=if_exists)
        assert (_status(refused.value), refused.value.response.json()) == (
            409,
            {"detail": f"Thread with ID {thread_id} already exists"},
        )
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await bob.runs.wait(thread_id, GRAPH_ID, input=user_message("hello"), if_not_exists="create")
    assert _status(refused.value) == 404

    # Nothing bob tried changed anything: ada still finds her request, answers it, and is recorded.
    assert (await get_pending(ada, thread_id)) == pending
    await ada.runs.wait(thread_id, GRAPH_ID, command=resume)
    history = (await ada.threads.get_state(thread_id))["values"][HITL_HISTORY]  # type: ignore[call-overload]
    assert history[-1]["decided_by"] == "ada"
    assert len(users_server.sent(thread_id)) == 1


def test_the_command_line_client_sends_the_token(users_server: Served) -> None:
    thread_id = users_server.cli_start(script(email()), token=USERS["ada"])
    assert thread_id in users_server.cli("inbox", token=USERS["ada"]).stdout
    assert thread_id not in users_server.cli("inbox", token=USERS["bob"]).stdout
    shown = users_server.cli("show", thread_id, token=USERS["bob"])
    assert shown.returncode == 1
    assert shown.stderr.startswith("error: not found on the server (404)")
    refused = users_server.cli("inbox", token="wrong")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: not signed in: set LANGGRAPH_TOKEN (401)")


async def test_the_approvals_list_holds_other_users_requests_only(users_server: Served, ada: LangGraphClient) -> None:
    """ada may answer her own request, and finds it in her inbox (`threads.search`); `GET /approvals`,
    the approver's list, is other users' requests, as the CLI that prints it says."""
    thread_id = await pause(ada, script(email()))
    assert thread_id in [t.thread_id async for t in inbox(ada)]
    listed = await ada.http.get("/approvals")
    assert thread_id not in [item["thread_id"] for item in listed]
    printed = users_server.cli("approvals", token=USERS["ada"])
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.splitlines()[-1] == f"{len(listed)} request(s) on other users' threads wait for you."
