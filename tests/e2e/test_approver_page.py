"""The inbox page with roles: a requester who may not answer their own request, an approver
who answers it from their own inbox without reading the conversation, and time left on each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Response, Route, expect

from agent.approval.contract import HITL_HISTORY, PENDING_HITL, resume_for
from tests.e2e.conftest import USERS, Shot, approve, assert_accessible, sign_in, start_conversation
from tests.support.served import Served, serve

ENV = {
    "AUTH_USERS": "ada:ada-token,bob:bob-token:approver",
    "APPROVER_ROLES": "approver",
    "REQUESTER_MAY_ANSWER": "false",
}
RECORD = r"^ada's request: Decided by bob, .+: send_email approved: done: Email sent to {to}"
"""Bob's record of his answer, in "Your recent answers"."""
LIVE_ROUND_MS = 15_000
"""Long enough for a live round of the page (every 3 s) and its reads."""
SEPARATION = re.compile(r"^Separation of duties: ada asked for this `send_email` call .* another approver must\.$")


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("team"), ENV) as served:
        yield served


def _values(team: Served, thread_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{team.server.url}/threads/{thread_id}/state", headers={"Authorization": f"Bearer {USERS['ada']}"}
    )
    response.raise_for_status()
    values = response.json()["values"]
    assert isinstance(values, dict)
    return values


def _responses(page: Page) -> list[str]:
    """Every response the page gets from now on, as "status method path"."""
    seen: list[str] = []

    def record(response: Response) -> None:
        seen.append(f"{response.status} {response.request.method} {urlsplit(response.url).path}")

    page.on("response", record)
    return seen


def test_the_requester_is_refused_and_an_approver_answers(browser: Browser, team: Served, shot: Shot) -> None:
    ada = sign_in(browser, team, "ada")
    thread_id = start_conversation(ada, "email grace@example.com about the audit")
    entry = ada.locator(f'#inbox button[data-thread="{thread_id}"]')
    expect(entry).to_contain_text("send_email(to: grace@example.com, subject: The audit")
    expect(entry).to_contain_text(re.compile(r"expires in 23 h 59 min$"))
    expect(ada.locator("#request-expires")).to_have_text("expires in 23 h 59 min")

    approve(ada)  # her own request: separation of duties
    expect(ada.locator("#request-error")).to_have_text(SEPARATION)
    expect(ada.locator("#request")).to_be_visible()
    expect(ada.locator("#submit-decisions")).to_be_enabled()
    expect(entry).to_have_count(1)  # still listed: another approver must answer
    shot(ada, "ada-refused")
    assert team.sent(thread_id) == []
    assert _values(team, thread_id)[PENDING_HITL] is not None

    bob = sign_in(browser, team, "bob")
    responses = _responses(bob)
    theirs = bob.locator(f'#inbox button[data-thread="{thread_id}"]')
    expect(theirs).to_contain_text(
        re.compile(r"ada asks to send_email\(to: grace@example\.com, subject: The audit.*expires in")
    )
    expect(theirs).to_have_attribute("data-owner", "ada")
    theirs.click()
    expect(bob.locator("#thread-title")).to_have_text("ada's request")
    expect(bob.locator("#request-from")).to_have_text("ada asks to run this.")
    expect(bob.locator("#actions")).to_contain_text("Send an email to grace@example.com with the subject 'The audit'.")
    expect(bob.locator("#request-expires")).to_contain_text("expires in")
    expect(bob.locator("#conversation")).to_be_hidden()
    shot(bob, "bob-sees-adas-request")

    bob.reload()  # the link names ada's request: shown again from /approvals alone
    expect(bob.locator("#thread-title")).to_have_text("ada's request")
    expect(bob.locator("#request-id")).to_have_text(ada.locator("#request-id").inner_text())
    approve(bob)
    expect(bob.locator("#progress .final")).to_have_text(re.compile(r"^answered: ada's conversation is \w+ now$"))
    expect(bob.locator("#progress li").first).to_have_text("decision recorded: approved")
    expect(bob.locator("#thread-title")).to_have_text("ada's request")
    expect(bob.locator("#approval-note")).to_contain_text("Nothing on this conversation waits for your decision")
    expect(bob.locator("#request")).to_be_hidden()
    expect(theirs).to_have_count(0)
    expect(bob.locator("#notice")).to_be_hidden()
    shot(bob, "bob-approved")
    # Bob never asked for ada's conversation (no 404s, nor any other error); the answer went to /approvals.
    assert [r for r in responses if int(r.split()[0]) >= 400] == []
    assert not [r for r in responses if f"/threads/{thread_id}" in r]
    assert f"200 POST /approvals/{thread_id}" in responses

    assert [e["to"] for e in team.sent(thread_id)] == ["grace@example.com"]
    (entry_recorded,) = _values(team, thread_id)[HITL_HISTORY]
    assert entry_recorded["decided_by"] == "bob"
    ada.reload()
    expect(ada.locator("#thread-id")).to_have_text(thread_id)
    expect(ada.locator("#conversation")).to_contain_text("Email sent to grace@example.com")
    expect(ada.locator("#request")).to_be_hidden()
    expect(entry).to_have_count(0)
    shot(ada, "ada-sees-it-sent")


def test_an_approvers_record_of_an_answer_stays_after_a_reload(browser: Browser, team: Served, shot: Shot) -> None:
    ada = sign_in(browser, team, "ada")
    thread_id = start_conversation(ada, "email grace@example.com about the reload")
    bob = sign_in(browser, team, "bob")
    bob.locator(f'#inbox button[data-thread="{thread_id}"]').click()
    approve(bob)
    record = bob.locator("#answered li").first
    expect(record).to_have_text(re.compile(RECORD.format(to=r"grace@example\.com")))
    bob.reload()  # ada's thread is not bob's to read: his record comes from GET /approvals/answered
    expect(record).to_have_text(re.compile(RECORD.format(to=r"grace@example\.com")))
    expect(bob.locator(f'#inbox button[data-thread="{thread_id}"]')).to_have_count(0)
    shot(bob, "bob-reloaded-after-answering")
    assert [e["to"] for e in team.sent(thread_id)] == ["grace@example.com"]


def test_an_answer_from_another_client_reaches_the_approvers_record(browser: Browser, team: Served, shot: Shot) -> None:
    """bob answers from elsewhere (the CLI, another tab): his open page's record shows it, with no reload."""
    ada = sign_in(browser, team, "ada")
    thread_id = start_conversation(ada, "email hal@example.com about the other tab")  # (a record of its own)
    bob = sign_in(browser, team, "bob")
    entry = bob.locator(f'#inbox button[data-thread="{thread_id}"]')
    expect(entry).to_have_count(1)
    as_bob = {"Authorization": f"Bearer {USERS['bob']}"}
    item = httpx.get(f"{team.server.url}/approvals", params={"thread_id": thread_id}, headers=as_bob).json()[0]
    answer = {"resume": resume_for(item["request"], [{"type": "approve"}])}
    answered = httpx.post(f"{team.server.url}/approvals/{thread_id}", json=answer, headers=as_bob, timeout=60)
    assert answered.status_code == 200, answered.text
    expect(entry).to_have_count(0, timeout=LIVE_ROUND_MS)  # (the page reads the list again every few seconds)
    record = bob.locator("#answered li").first
    expect(record).to_have_text(re.compile(RECORD.format(to=r"hal@example\.com")), timeout=LIVE_ROUND_MS)
    shot(bob, "bob-answered-elsewhere")


def test_a_refusal_to_the_approver_keeps_the_form(browser: Browser, team: Served, shot: Shot) -> None:
    ada = sign_in(browser, team, "ada")
    thread_id = start_conversation(ada, "email grace@example.com about the refusal")
    bob = sign_in(browser, team, "bob")
    detail = "Only users with the role 'approver' may answer requests to run `send_email`; bob has not."

    def refuse(route: Route) -> None:  # what the server says to a user who lost the role meanwhile
        route.fulfill(status=403, json={"detail": detail})

    bob.locator(f'#inbox button[data-thread="{thread_id}"]').click()
    bob.route(f"**/approvals/{thread_id}", refuse)
    approve(bob)
    expect(bob.locator("#request-error")).to_have_text(detail)
    expect(bob.locator("#request")).to_be_visible()
    expect(bob.locator("#submit-decisions")).to_be_enabled()
    shot(bob, "bob-refused")
    assert team.sent(thread_id) == []


def test_an_expired_request_cannot_be_answered(browser: Browser, team: Served, shot: Shot) -> None:
    context = browser.new_context()
    context.clock.install()  # the page's clock, moved on below; the server's stays put
    page = context.new_page()
    page.goto(f"{team.server.url}/inbox")
    page.fill("#token", USERS["ada"])
    page.press("#token", "Enter")
    thread_id = start_conversation(page, "email grace@example.com about the deadline")
    expect(page.locator("#request-expires")).to_have_text("expires in 23 h 59 min")

    page.clock.fast_forward("23:55:00")  # the minute's refresh shows the new time left, no reload
    expect(page.locator("#request-expires")).to_have_text(re.compile(r"^expires in [45] min$"))
    expect(page.locator("#submit-decisions")).to_be_enabled()

    page.clock.fast_forward("00:06:00")
    expect(page.locator("#request-expires")).to_have_text("expired")
    expect(page.locator(f'#inbox button[data-thread="{thread_id}"] .expires')).to_have_text("expired")
    expect(page.locator("#request-expired")).to_have_text(re.compile(r"^This request expired at .+: it can no longer"))
    expect(page.locator("#submit-decisions")).to_be_disabled()
    expect(page.locator("#action-0-approve")).to_be_disabled()
    shot(page, "expired")
    assert team.sent(thread_id) == []
    context.close()


def test_a_notices_link_opens_the_request_for_an_approver(browser: Browser, team: Served, shot: Shot) -> None:
    """The notice links to `#thread=...&request=...`: for an approver that is another user's request."""
    ada = sign_in(browser, team, "ada")
    thread_id = start_conversation(ada, "email grace@example.com about the link")
    request_id = ada.locator("#request-id").inner_text()
    bob = browser.new_context().new_page()
    bob.goto(f"{team.server.url}/inbox#thread={thread_id}&request={request_id}")
    bob.fill("#token", USERS["bob"])
    bob.press("#token", "Enter")
    expect(bob.locator("#thread-title")).to_have_text("ada's request")
    expect(bob.locator("#request-id")).to_have_text(request_id)
    expect(bob.locator("#notice")).to_be_hidden()
    assert bob.url.endswith(f"#approval={thread_id}&request={request_id}")
    shot(bob, "bob-follows-the-notice")
    assert_accessible(bob, "an approver's view of another user's request")
