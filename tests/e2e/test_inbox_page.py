"""The approval inbox in a real browser: reload safety, decisions, two tabs, two users."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from agent.contract import HITL_HISTORY, PENDING_HITL
from tests.e2e.conftest import USERS, Shot, sign_in, start_conversation
from tests.support.served import Served

ALREADY_ANSWERED = "This request was already answered"


def _state(site: Served, thread_id: str, user: str = "ada") -> dict[str, Any]:
    """The thread's state, straight from the API (sync: Playwright owns this thread's event loop)."""
    response = httpx.get(
        f"{site.server.url}/threads/{thread_id}/state", headers={"Authorization": f"Bearer {USERS[user]}"}
    )
    response.raise_for_status()
    return dict(response.json())


def _values(site: Served, thread_id: str) -> dict[str, Any]:
    values = _state(site, thread_id)["values"]
    assert isinstance(values, dict)
    return values


def _final(page: Page) -> None:
    expect(page.locator("#progress .final")).to_contain_text("final answer")


def test_request_survives_a_reload_then_approve(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    thread_id = start_conversation(page, "email ada@example.com about the launch")
    expect(page.locator("#actions")).to_contain_text("Send an email to ada@example.com with the subject 'The launch'.")
    expect(page.locator("#inbox")).to_contain_text("send_email(ada@example.com)")
    shot(page, "waiting")

    page.reload()
    expect(page.locator("#request")).to_be_visible()
    expect(page.locator("#thread-id")).to_have_text(thread_id)
    expect(page.locator("#actions")).to_contain_text("ada@example.com")
    expect(page.locator("#conversation")).to_contain_text("email ada@example.com about the launch")
    shot(page, "after-reload")

    page.click("#submit-decisions")  # Approve is preselected
    _final(page)
    expect(page.locator("#progress")).to_contain_text("Email sent to ada@example.com")
    expect(page.locator("#request")).to_be_hidden()
    expect(page.locator("#inbox-empty")).to_be_visible()
    shot(page, "approved")
    assert [e["to"] for e in site.sent(thread_id)] == ["ada@example.com"]


def test_a_bad_edit_is_stopped_before_sending(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    thread_id = start_conversation(page, "email ada@example.com about the budget")
    page.check("#action-0-edit")
    page.fill("#action-0-arg-to", "not an address")
    page.click("#submit-decisions")
    expect(page.locator("#action-0-arg-to-error")).to_have_text("to does not have the expected format.")
    expect(page.locator("#request-error")).to_contain_text("nothing was sent")
    shot(page, "bad-edit-stopped")
    # Nothing reached the server: no refusal there, nothing decided, nothing sent.
    state = _state(site, thread_id)
    assert not any(i["value"].get("error") for t in state["tasks"] for i in t["interrupts"])
    assert _values(site, thread_id).get(HITL_HISTORY) in (None, [])

    page.fill("#action-0-arg-to", "grace@example.com")
    page.fill("#action-0-arg-subject", "The budget, again")
    page.click("#submit-decisions")
    _final(page)
    expect(page.locator("#progress")).to_contain_text("Email sent to grace@example.com")
    shot(page, "good-edit-sent")
    assert [(e["to"], e["subject"]) for e in site.sent(thread_id)] == [("grace@example.com", "The budget, again")]


def test_reject_with_a_reason(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    thread_id = start_conversation(page, "email ada@example.com about the offsite")
    page.check("#action-0-reject")
    page.fill("#action-0-reject-message", "not before the board meeting")
    shot(page, "rejecting")
    page.click("#submit-decisions")
    _final(page)
    expect(page.locator("#progress")).to_contain_text("not before the board meeting")
    expect(page.locator("#conversation")).to_contain_text("The reviewer rejected the call to `send_email`")
    shot(page, "rejected")
    assert site.sent(thread_id) == []
    assert _values(site, thread_id)[PENDING_HITL] is None


def test_two_tabs_answer_at_once_one_is_told(browser: Browser, site: Served, shot: Shot) -> None:
    first = sign_in(browser, site, "ada")
    thread_id = start_conversation(first, "email ada@example.com about the two tabs")
    second = first.context.new_page()  # same browser, same sign-in
    second.goto(f"{site.server.url}/inbox#thread={thread_id}")
    expect(second.locator("#request")).to_be_visible()

    first.click("#submit-decisions", no_wait_after=True)
    second.click("#submit-decisions", no_wait_after=True)
    for page in (first, second):
        expect(page.locator("#request")).to_be_hidden()
    told = [page for page in (first, second) if ALREADY_ANSWERED in page.locator("#notice").inner_text()]
    assert len(told) == 1, "exactly one tab is told its answer was not applied"
    winner = second if told[0] is first else first
    expect(told[0].locator("#notice")).to_be_visible()
    _final(winner)
    shot(winner, "winner")
    shot(told[0], "told-already-answered")
    assert len(site.sent(thread_id)) == 1
    assert len(_values(site, thread_id)[HITL_HISTORY]) == 1


def test_users_see_only_their_own_requests(browser: Browser, site: Served, shot: Shot) -> None:
    ada = sign_in(browser, site, "ada")
    thread_id = start_conversation(ada, "email ada@example.com about a secret")
    shot(ada, "ada-waiting")

    bob = sign_in(browser, site, "bob")
    expect(bob.locator("#inbox-count")).to_have_text(re.compile(r"\(\d+\)"))
    expect(bob.locator("#inbox")).not_to_contain_text(thread_id[:8])
    shot(bob, "bob-inbox")
    bob.goto(f"{site.server.url}/inbox#thread={thread_id}")
    expect(bob.locator("#notice")).to_have_text("That conversation does not exist, or is not yours.")
    expect(bob.locator("#request")).to_be_hidden()
    shot(bob, "bob-refused")
    statuses = bob.evaluate(
        """async (id) => {
            const headers = { Authorization: "Bearer bob-token", "Content-Type": "application/json" };
            const state = await fetch(`/threads/${id}/state`, { headers });
            const resume = { assistant_id: "agent", command: { resume: { request_id: "x", decisions: [] } } };
            const answer = await fetch(`/threads/${id}/runs/wait`, {
              method: "POST", headers, body: JSON.stringify(resume) });
            return [state.status, answer.status];
        }""",
        thread_id,
    )
    assert statuses == [404, 404]
    assert _values(site, thread_id)[PENDING_HITL] is not None  # untouched, still ada's to answer


def test_usable_on_a_phone_by_keyboard_alone(browser: Browser, site: Served, shot: Shot) -> None:
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{site.server.url}/inbox")

    def tab_to(element_id: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
                return
        raise AssertionError(f"#{element_id} cannot be reached with Tab")

    tab_to("token")
    page.keyboard.type("ada-token")
    page.keyboard.press("Enter")
    expect(page.locator("#who-name")).to_have_text("ada")
    tab_to("new-message")
    page.keyboard.type("email ada@example.com about keyboards")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#request")).to_be_visible()
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the page scrolls sideways on a phone"
    shot(page, "phone-waiting")

    tab_to("action-0-approve")
    page.keyboard.press("ArrowRight")  # Edit
    page.keyboard.press("ArrowRight")  # Reject
    expect(page.locator("#action-0-reject")).to_be_checked()
    tab_to("action-0-reject-message")
    page.keyboard.type("typed on a phone")
    tab_to("submit-decisions")
    page.keyboard.press("Enter")
    _final(page)
    expect(page.locator("#progress")).to_contain_text("typed on a phone")
    shot(page, "phone-answered")


def test_signed_out_the_page_shows_only_sign_in(browser: Browser, site: Served, shot: Shot) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{site.server.url}/inbox")
    expect(page.locator("#sign-in")).to_be_visible()
    shot(page, "signed-out")
    for panel in ("#app", "#new-form", "#who"):
        expect(page.locator(panel)).to_be_hidden()
