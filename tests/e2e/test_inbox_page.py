"""The approval inbox in a real browser: reload safety, decisions, two tabs, two users."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, Route, expect

from agent.approval.contract import HITL_HISTORY, PENDING_HITL
from agent.approval.pending import pending_requests
from harness.scripts import call, email, script
from tests.e2e.conftest import USERS, Shot, approve, sign_in, start_conversation
from tests.support.served import Served

ALREADY_ANSWERED = "This request was already answered"


REFUSED = "The last answer to this request was refused: Decision 1 (send_email): `send_email` takes no argument 'bcc'"


def _api(site: Served, user: str = "ada") -> httpx.Client:
    """The API as `user`, over plain HTTP (sync: Playwright owns this thread's event loop)."""
    return httpx.Client(base_url=site.server.url, headers={"x-api-key": USERS[user]}, timeout=60)


def _state(site: Served, thread_id: str, user: str = "ada", subgraphs: bool = False) -> dict[str, Any]:
    """The thread's state, straight from the API (sync: Playwright owns this thread's event loop)."""
    response = httpx.get(
        f"{site.server.url}/threads/{thread_id}/state",
        params={"subgraphs": "true"} if subgraphs else None,
        headers={"Authorization": f"Bearer {USERS[user]}"},
    )
    response.raise_for_status()
    return dict(response.json())


def _values(site: Served, thread_id: str) -> dict[str, Any]:
    values = _state(site, thread_id)["values"]
    assert isinstance(values, dict)
    return values


def _pending(site: Served, thread_id: str) -> list[str]:
    """The request ids the thread waits on, its subagents' included."""
    return [request["request_id"] for request in pending_requests(_state(site, thread_id, subgraphs=True))]


def _start(site: Served, graph_id: str, text: str) -> str:
    """A new thread of ada's, run on `graph_id` through the API until it waits; its id."""
    with _api(site) as api:
        thread_id = str(api.post("/threads", json={"metadata": {}}).json()["thread_id"])
        run = {"assistant_id": graph_id, "input": {"messages": [{"role": "user", "content": text}]}}
        api.post(f"/threads/{thread_id}/runs/wait", json=run).raise_for_status()
    return thread_id


def _refused_by_the_graph(site: Served, thread_id: str) -> None:
    """ada answers with an edit whose argument the tool does not take: what only the graph judges,
    so the run succeeds and the thread's request carries the error (`pending_hitl.error`), as `REFUSED`."""
    bcc = {"type": "edit", "edited_action": {"name": "send_email", "args": {"bcc": "eve@example.com"}}}
    run = {"assistant_id": "agent", "command": {"resume": {"decisions": [bcc]}}}
    with _api(site) as api:
        api.post(f"/threads/{thread_id}/runs/wait", json=run).raise_for_status()


def _delegate(*emails: dict[str, Any]) -> str:
    """A scripted turn: one `task` for the general-purpose subagent per email, each asking to send it."""
    tasks = [call("task", description=script(e), subagent_type="general-purpose") for e in emails]
    return script(*tasks)


def _final(page: Page) -> None:
    expect(page.locator("#progress .final")).to_have_text("done: the agent's answer is in the conversation")


def test_request_survives_a_reload_then_approve(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    thread_id = start_conversation(page, "email ada@example.com about the launch")
    expect(page.locator("#actions")).to_contain_text("Send an email to ada@example.com with the subject 'The launch'.")
    expect(page.locator("#inbox")).to_contain_text("send_email(to: ada@example.com, subject: The launch")
    shot(page, "waiting")

    page.reload()
    expect(page.locator("#request")).to_be_visible()
    expect(page.locator("#thread-id")).to_have_text(thread_id)
    expect(page.locator("#actions")).to_contain_text("ada@example.com")
    expect(page.locator("#conversation")).to_contain_text("email ada@example.com about the launch")
    shot(page, "after-reload")

    approve(page)
    _final(page)
    expect(page.locator("#conversation .record")).to_contain_text("Email sent to ada@example.com")
    # What became of the call is told once, in its record, besides the agent's own answer; the
    # progress says what happened in words, with nothing of the model's markdown.
    assert page.locator("#thread").inner_text().count("Email sent to ada@example.com") == 2
    expect(page.locator("#progress li")).to_have_text(
        [
            "decision recorded: approved",
            "send_email finished",
            "agent wrote its answer",
            "done: the agent's answer is in the conversation",
        ]
    )
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
    assert "error" not in _values(site, thread_id)[PENDING_HITL]
    assert _values(site, thread_id).get(HITL_HISTORY) in (None, [])

    changes = page.locator("#action-0-changes")
    expect(changes).to_have_text("Fix the fields above to see your changes.")
    page.fill("#action-0-arg-to", "grace@example.com")
    page.fill("#action-0-arg-subject", "The budget, again")
    # Before sending, the reviewer sees what their edit changes, and only that.
    expect(changes).to_contain_text("to- ada@example.com\n+ grace@example.com\n")
    expect(changes).to_contain_text("subject- The budget\n+ The budget, again\n")
    expect(changes).not_to_contain_text("body")
    shot(page, "edit-changes-shown")
    page.click("#submit-decisions")
    _final(page)
    expect(page.locator("#conversation .record")).to_contain_text("Email sent to grace@example.com")
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
    expect(page.locator("#conversation .record")).to_contain_text("not before the board meeting")
    expect(page.locator("#progress")).to_contain_text("send_email not run (rejected)")  # (not "failed")
    expect(page.locator("#conversation")).to_contain_text("The reviewer rejected the call to `send_email`")
    shot(page, "rejected")
    assert site.sent(thread_id) == []
    assert _values(site, thread_id)[PENDING_HITL] is None


def test_nothing_is_chosen_for_the_reviewer(browser: Browser, site: Served, shot: Shot) -> None:
    """No decision is pre-selected: Send with none chosen sends nothing and says which call needs
    one; approving is a deliberate choice, named for what it does. The status is in words."""
    page = sign_in(browser, site, "ada")
    thread_id = start_conversation(page, "email ada@example.com about choosing")
    expect(page.locator("#thread-status")).to_have_text("waiting for a decision")  # (not LangGraph's "interrupted")
    for kind in ("approve", "edit", "reject", "respond"):
        expect(page.locator(f"#action-0-{kind}")).not_to_be_checked()
    page.click("#submit-decisions")
    expect(page.locator("#request-error")).to_have_text("Choose a decision for each call: nothing was sent.")
    expect(page.locator("#action-0-unchosen")).to_have_text("Choose what to do with send_email.")
    shot(page, "no-choice")
    assert site.attempts(thread_id) == []
    assert _values(site, thread_id)[PENDING_HITL] is not None
    page.get_by_label("Approve and send").check()
    page.click("#submit-decisions")
    _final(page)
    expect(page.locator("#thread-status")).to_have_text("nothing waits")
    assert [e["to"] for e in site.sent(thread_id)] == ["ada@example.com"]


def test_a_batch_lists_each_calls_decision_before_it_is_sent(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    two = script(email(to="ada@example.com", subject="First"), email(to="bob@example.com", subject="Second"))
    thread_id = start_conversation(page, two)
    batch = page.locator("#batch-list li")
    expect(batch).to_have_text(["send_email: not chosen yet", "send_email: not chosen yet"])
    page.check("#action-0-approve")
    page.check("#action-1-reject")
    expect(batch).to_have_text(["send_email: Approve and send", "send_email: Reject"])
    shot(page, "batch-chosen")
    page.click("#submit-decisions")
    _final(page)
    expect(page.locator("#batch")).to_be_hidden()
    assert [e["to"] for e in site.sent(thread_id)] == ["ada@example.com"]


def _edit_waiting(site: Served, content: str, **edit: Any) -> str:
    """A thread whose /notes.md holds `content`, waiting on an approval of `edit_file(**edit)`."""
    thread_id = _start(site, "agent", script(call("write_file", file_path="/notes.md", content=content)))
    approved = {"assistant_id": "agent", "command": {"resume": {"decisions": [{"type": "approve"}]}}}
    change = call("edit_file", file_path="/notes.md", **edit)
    again = {"assistant_id": "agent", "input": {"messages": [{"role": "user", "content": script(change)}]}}
    with _api(site) as api:
        api.post(f"/threads/{thread_id}/runs/wait", json=approved).raise_for_status()
        api.post(f"/threads/{thread_id}/runs/wait", json=again).raise_for_status()
    return thread_id


NOTES = "Monday: plan\nTuesday: build\nWednesday: test\nThursday: ship\nFriday: rest"


def test_a_call_is_shown_as_the_thing_itself(browser: Browser, site: Served, shot: Shot) -> None:
    """An email as an email: who to, the subject, the body with its line breaks (no JSON, and its
    arguments once: the conversation names the call in one line). An edit of a file as its lines:
    the changed line, removed and added, between the lines around it."""
    page = sign_in(browser, site, "ada")
    start_conversation(page, "email ada@example.com about the launch")
    view = page.locator("#action-0-view")
    expect(view.locator(".field")).to_have_count(2)
    expect(view.locator(".body")).to_have_text("Hi Ada,\n\nA quick note about the launch.\n\nBest regards")
    expect(view).to_contain_text("The launch")
    expect(page.locator("#conversation")).not_to_contain_text('"body"')
    expect(page.locator("#conversation .call")).to_contain_text("asks to send_email(to: ada@example.com")
    shot(page, "email")

    thread_id = _edit_waiting(site, NOTES, old_string="Thursday: ship", new_string="Thursday: ship it")
    page.goto(f"{site.server.url}/inbox#thread={thread_id}")
    diff = page.locator("#action-0-view .diff")
    expect(diff).to_have_text(
        "… 1 unchanged line\n  Tuesday: build\n  Wednesday: test\n"
        "- Thursday: ship\n+ Thursday: ship it\n  Friday: rest\n"
    )
    expect(diff.locator(".removed")).to_have_text("- Thursday: ship\n")
    shot(page, "edit")


TODOS = "TODO: plan\nkeep\nTODO: build\nkeep\nkeep\nkeep\nkeep\nkeep\nTODO: ship"


def test_an_edit_shows_every_line_it_changes_or_that_it_will_be_refused(
    browser: Browser, site: Served, shot: Shot
) -> None:
    """An edit with replace_all changes every occurrence, so the diff shows each, apart; an edit the
    tool will refuse (old_string found several times without replace_all) says so, not a diff."""
    page = sign_in(browser, site, "ada")
    every = _edit_waiting(site, TODOS, old_string="TODO", new_string="DONE", replace_all=True)
    page.goto(f"{site.server.url}/inbox#thread={every}")
    view = page.locator("#action-0-view")
    expect(view.locator(".diff .removed")).to_have_text(["- TODO: plan\n", "- TODO: build\n", "- TODO: ship\n"])
    expect(view.locator(".diff .added")).to_have_text(["+ DONE: plan\n", "+ DONE: build\n", "+ DONE: ship\n"])
    expect(view.locator(".diff .gap")).to_have_text(["… 1 unchanged line\n"])
    expect(view).to_contain_text("every occurrence (3 places)")
    shot(page, "edit-replace-all")

    refused = _edit_waiting(site, TODOS, old_string="TODO", new_string="DONE")
    page.goto(f"{site.server.url}/inbox#thread={refused}")
    view = page.locator("#action-0-view")
    expect(view.locator(".warning")).to_have_text(re.compile(r"3 times and replace_all is off: the tool will refuse"))
    shot(page, "edit-refused")


def test_each_answer_is_on_record_in_the_conversation(browser: Browser, site: Served, shot: Shot) -> None:
    """After a reload, each answered request says in the conversation, after the message that asked,
    who decided, what, and what became of the call: sent, or not run with the reviewer's reason."""
    page = sign_in(browser, site, "ada")
    sent = start_conversation(page, "email ada@example.com about the record")
    approve(page)
    _final(page)
    rejected = start_conversation(page, "email bob@example.com about the record")
    page.check("#action-0-reject")
    page.fill("#action-0-reject-message", "not this week")
    page.click("#submit-decisions")
    _final(page)
    for thread_id, said in (
        (sent, r"^Decided by ada, .+: send_email approved: done: Email sent to ada@example\.com"),
        (rejected, r"^Decided by ada, .+: send_email rejected \(not this week\): not run$"),
    ):
        page.goto(f"{site.server.url}/inbox#thread={thread_id}")
        page.reload()
        record = page.locator("#conversation .record")
        expect(record).to_have_text(re.compile(said))
        expect(page.locator("#conversation > li").nth(2)).to_have_class("record")  # (after the agent's message)
        # The model's markdown read as a list; what the model was told about the call, folded.
        expect(page.locator("#conversation > li.ai").last.locator(".md ul > li")).to_have_text(
            [re.compile(r"^send_email \((done|rejected)\): ")]
        )
        told = page.locator("#conversation > li.tool details.told")
        expect(told).to_have_count(1)
        expect(told.locator(".value")).to_be_hidden()
    shot(page, "rejected-on-record")


LIVE_S = 15
"""How long a test waits for the page to show, unasked, what changed elsewhere (it reads every 3 s)."""


def test_the_page_shows_what_changed_elsewhere_unasked(browser: Browser, site: Served, shot: Shot) -> None:
    """No click, no reload: a request made elsewhere (through the API, as the CLI makes one) joins
    the list, and what the reviewer is typing stays; the request on screen answered elsewhere
    leaves the screen, on record."""
    page = sign_in(browser, site, "ada")
    typing = start_conversation(page, "email ada@example.com about typing")
    page.check("#action-0-reject")
    page.fill("#action-0-reject-message", "still thinking")
    made = _start(site, "agent", "email bob@example.com about elsewhere")
    expect(page.locator(f'#inbox button[data-thread="{made}"]')).to_have_count(1, timeout=LIVE_S * 1000)
    expect(page.locator("#action-0-reject-message")).to_have_value("still thinking")
    expect(page.locator("#action-0-reject")).to_be_checked()
    shot(page, "joined")
    answer = {"assistant_id": "agent", "command": {"resume": {"decisions": [{"type": "approve"}]}}}
    with _api(site) as api:
        api.post(f"/threads/{typing}/runs/wait", json=answer).raise_for_status()
    expect(page.locator("#request")).to_be_hidden(timeout=LIVE_S * 1000)
    expect(page.locator("#conversation .record")).to_have_text(re.compile(r"^Decided by ada, .+: send_email approved"))
    expect(page.locator(f'#inbox button[data-thread="{typing}"]')).to_have_count(0)
    shot(page, "answered-elsewhere")


def test_two_tabs_answer_at_once_one_is_told(browser: Browser, site: Served, shot: Shot) -> None:
    first = sign_in(browser, site, "ada")
    thread_id = start_conversation(first, "email ada@example.com about the two tabs")
    second = first.context.new_page()  # same browser, same sign-in
    second.goto(f"{site.server.url}/inbox#thread={thread_id}")
    expect(second.locator("#request")).to_be_visible()

    for page in (first, second):
        page.check("#action-0-approve")
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
    expect(bob.locator("#inbox")).not_to_contain_text(thread_id[-8:])
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
    request, new = (page.locator(selector).bounding_box() for selector in ("#request", "#new-form"))
    assert request is not None
    assert new is not None
    assert request["y"] < new["y"], "on a phone the open request comes first"
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
    expect(page.locator("#conversation .record")).to_contain_text("typed on a phone")
    shot(page, "phone-answered")


def test_signed_out_the_page_shows_only_sign_in(browser: Browser, site: Served, shot: Shot) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{site.server.url}/inbox")
    expect(page.locator("#sign-in")).to_be_visible()
    shot(page, "signed-out")
    for panel in ("#app", "#new-form", "#who"):
        expect(page.locator(panel)).to_be_hidden()


def test_signing_out_leaves_nothing_for_the_next_user(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    thread_id = start_conversation(page, "email ada@example.com about the handover")
    page.click("#sign-out")
    expect(page.locator("#sign-in")).to_be_visible()
    assert thread_id not in page.url, "the address still names ada's conversation"
    page.fill("#token", USERS["bob"])
    page.press("#token", "Enter")
    expect(page.locator("#who-name")).to_have_text("bob")
    expect(page.locator("#inbox-count")).to_have_text(re.compile(r"\(\d+\)"))
    shot(page, "bob-after-ada")
    expect(page.locator("#thread")).to_be_hidden()
    for part in ("#conversation", "#request", "#thread-id"):
        expect(page.locator(part)).not_to_contain_text(re.compile("handover|" + thread_id))
    expect(page.locator("#notice")).to_have_text("")


def test_a_refused_answer_is_shown(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    thread_id = start_conversation(page, "email ada@example.com about the refusal")
    _refused_by_the_graph(site, thread_id)
    page.reload()
    expect(page.locator("#request-error")).to_contain_text(REFUSED)
    shot(page, "refusal-shown")


def test_the_summary_shows_each_tools_own_arguments(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    start_conversation(page, "write /notes/todo.md saying buy milk")
    expect(page.locator("#inbox")).to_contain_text("write_file(file_path: /notes/todo.md, content: buy milk")
    start_conversation(page, script(call("execute", command="ls -la")))
    expect(page.locator("#inbox")).to_contain_text("execute(command: ls -la)")
    shot(page, "summaries")


def test_a_pattern_javascript_cannot_read_leaves_the_form_working(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")

    def python_only_pattern(route: Route) -> None:  # (?P<name>...) is Python's syntax, not JavaScript's
        response = route.fetch()
        state = response.json()
        if state.get("values", {}).get(PENDING_HITL):
            schema = state["values"][PENDING_HITL]["review_configs"][0]["args_schema"]
            schema["properties"]["subject"]["pattern"] = "^(?P<word>\\w+)"
        route.fulfill(response=response, json=state)

    page.route(re.compile(r"/threads/[^/]+/state(\?.*)?$"), python_only_pattern)
    thread_id = start_conversation(page, "email ada@example.com about the patterns")
    page.check("#action-0-edit")
    page.fill("#action-0-arg-subject", "Patterns")
    page.click("#submit-decisions")
    _final(page)
    shot(page, "pattern-ignored")
    assert [e["subject"] for e in site.sent(thread_id)] == ["Patterns"]


def test_controls_have_names_a_screen_reader_reads(browser: Browser, site: Served) -> None:
    page = sign_in(browser, site, "ada")
    start_conversation(page, "email ada@example.com about the names")
    for role, name in [
        ("textbox", "Message"),
        ("button", "Send"),
        ("button", "Refresh"),
        ("button", "Sign out"),
        ("group", "Decision for send_email"),
        ("radio", "Approve and send"),
        ("radio", "Edit"),
        ("radio", "Reject"),
        ("radio", "Answer instead"),
        ("button", "Send decision"),
    ]:
        expect(page.get_by_role(role, name=name, exact=True)).to_have_count(1)  # type: ignore[arg-type]
    page.check("#action-0-edit")
    for field in ("to (required)", "subject (required)", "body (required)"):
        expect(page.get_by_role("textbox", name=field, exact=True)).to_have_count(1)


def test_opening_another_thread_while_one_runs_keeps_the_view(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    first = start_conversation(page, "email ada@example.com about the first")
    second = start_conversation(page, "email ada@example.com about the second")
    page.goto(f"{site.server.url}/inbox#thread={first}")
    expect(page.locator("#thread-id")).to_have_text(first)
    expect(page.locator("#actions")).to_contain_text("about the first")
    approve(page)  # approve the first: its run streams...
    page.evaluate(f"location.hash = 'thread={second}'")  # ...while the user opens the second
    expect(page.locator("#thread-id")).to_have_text(second)
    with _api(site) as api:
        api.get(f"/threads/{first}/runs/{api.get(f'/threads/{first}/runs').json()[0]['run_id']}/join")
    expect(page.locator(f'#inbox button[data-thread="{first}"]')).to_have_count(0)  # its run is over
    expect(page.locator("#thread-id")).to_have_text(second)  # the view stayed where the user went
    expect(page.locator("#progress li")).to_have_count(0)  # (nothing of the first's run)
    expect(page.locator("#actions")).to_contain_text("about the second")
    shot(page, "view-kept")
    assert len(site.sent(first)) == 1


def test_a_subagents_request_survives_a_reload_then_approve(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    thread_id = start_conversation(page, "delegate: email bob@example.com about lunch")
    expect(page.locator("#request-from")).to_have_text(re.compile(r"^general-purpose subagent asks"))
    expect(page.locator("#actions")).to_contain_text("Send an email to bob@example.com with the subject 'Lunch'.")
    entry = page.locator(f'#inbox button[data-thread="{thread_id}"]')
    expect(entry).to_contain_text("general-purpose subagent asks to send_email(to: bob@example.com, subject: Lunch")
    expect(entry).to_have_attribute("aria-current", "true")
    expect(page.locator("#thread-requests")).to_be_hidden()  # one request: nothing to choose between
    shot(page, "waiting")
    # The request is the subagent's: the thread's own is empty meanwhile.
    assert _values(site, thread_id)[PENDING_HITL] is None
    (request_id,) = _pending(site, thread_id)
    expect(page.locator("#request-id")).to_have_text(request_id)

    page.reload()
    expect(page.locator("#request")).to_be_visible()
    expect(page.locator("#request-id")).to_have_text(request_id)
    expect(page.locator("#request-from")).to_contain_text("general-purpose subagent asks")
    expect(page.locator("#actions")).to_contain_text("bob@example.com")
    expect(page.locator(f'#inbox button[data-request="{request_id}"]')).to_contain_text("general-purpose subagent")
    shot(page, "after-reload")

    approve(page)
    _final(page)
    expect(page.locator("#conversation .record")).to_contain_text("Email sent to bob@example.com")
    expect(page.locator("#request")).to_be_hidden()
    expect(page.locator(f'#inbox button[data-thread="{thread_id}"]')).to_have_count(0)
    expect(page.locator("#notice")).to_be_hidden()  # the page's own answer was the one applied
    shot(page, "approved")
    assert [e["to"] for e in site.sent(thread_id)] == ["bob@example.com"]
    page.reload()
    reported = r"^Decided by ada, .+: send_email approved: done \(the subagent reported back: .*bob@example\.com"
    expect(page.locator("#conversation .record")).to_have_text(re.compile(reported))
    assert _pending(site, thread_id) == []
    (entry_recorded,) = _values(site, thread_id)[HITL_HISTORY]
    assert entry_recorded["subagent"] == "general-purpose"
    assert entry_recorded["request_id"] == request_id
    assert entry_recorded["answer_id"]


def test_a_refused_answer_to_a_subagent_is_shown(browser: Browser, site: Served, shot: Shot) -> None:
    thread_id = _start(site, "agent", _delegate(email(subject="Refused")))
    _refused_by_the_graph(site, thread_id)
    page = sign_in(browser, site, "ada")
    page.goto(f"{site.server.url}/inbox#thread={thread_id}")
    expect(page.locator("#request-from")).to_contain_text("general-purpose subagent asks")
    expect(page.locator("#request-error")).to_contain_text(REFUSED)
    shot(page, "refusal-shown")
    assert site.sent(thread_id) == []


def test_parallel_subagent_requests_are_answered_one_by_one(browser: Browser, site: Served, shot: Shot) -> None:
    ada, bob = email(to="ada@example.com", subject="Parallel"), email(to="bob@example.com", subject="Parallel")
    thread_id = _start(site, "agent", _delegate(ada, bob))
    by_recipient = {
        r["action_requests"][0]["args"]["to"]: r["request_id"]
        for r in pending_requests(_state(site, thread_id, subgraphs=True))
    }
    first, second = by_recipient["ada@example.com"], by_recipient["bob@example.com"]
    page = sign_in(browser, site, "ada")
    expect(page.locator(f'#inbox button[data-thread="{thread_id}"]')).to_have_count(2)
    page.click(f'#inbox button[data-request="{second}"]')
    expect(page.locator("#thread-id")).to_have_text(thread_id)
    expect(page.locator("#thread-requests")).to_contain_text("2 requests wait on this conversation")
    expect(page.locator("#request-id")).to_have_text(second)
    expect(page.locator("#actions")).to_contain_text("bob@example.com")
    shot(page, "two-waiting")

    page.reload()  # the URL names the request on screen
    expect(page.locator("#request-id")).to_have_text(second)
    page.locator("#thread-requests-list button", has_text="ada@example.com").click()
    expect(page.locator("#request-id")).to_have_text(first)
    expect(page.locator("#thread-requests-list button[aria-current=true]")).to_contain_text("ada@example.com")
    page.check("#action-0-reject")
    page.fill("#action-0-reject-message", "ada knows already")
    page.click("#submit-decisions")
    # Only that one was answered: the other still waits, and is shown now.
    expect(page.locator("#progress .final")).to_have_text("waiting for your decision")
    expect(page.locator("#request-id")).to_have_text(second)
    expect(page.locator("#thread-requests")).to_be_hidden()
    expect(page.locator(f'#inbox button[data-thread="{thread_id}"]')).to_have_count(1)
    shot(page, "one-answered")
    assert _pending(site, thread_id) == [second]
    assert site.sent(thread_id) == []

    approve(page)  # approve bob's
    _final(page)
    expect(page.locator("#request")).to_be_hidden()
    expect(page.locator("#notice")).to_be_hidden()
    shot(page, "both-answered")
    assert [e["to"] for e in site.sent(thread_id)] == ["bob@example.com"]
    assert _pending(site, thread_id) == []
    history = _values(site, thread_id)[HITL_HISTORY]
    assert [(h["request_id"], h["decisions"][0]["type"]) for h in history] == [(first, "reject"), (second, "approve")]


WATCH_CSP = """window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective));"""
SLIP_IN = """() => {
  const slipped = document.createElement("script");
  slipped.textContent = "window.__ran = true";
  document.body.append(slipped);
}"""


def test_the_page_runs_its_own_files_and_nothing_slipped_in(browser: Browser, site: Served, shot: Shot) -> None:
    page = sign_in(browser, site, "ada")
    page.context.add_init_script(WATCH_CSP)  # (from the next load on)
    loaded = page.reload()
    assert loaded is not None
    assert "script-src 'self'" in loaded.headers["content-security-policy"]
    for path in ("/inbox/static/inbox.html", "/inbox/static/inbox.js"):  # (the page's files, the page too)
        assert (
            httpx.get(f"{site.server.url}{path}").headers["content-security-policy"]
            == loaded.headers["content-security-policy"]
        )
    thread_id = start_conversation(page, "email ada@example.com about the launch")
    approve(page)
    _final(page)
    assert page.evaluate("window.__csp") == []  # its own files, styles and calls break no rule
    # A script slipped into the page (a value shown as markup would be one) does not run.
    page.evaluate(SLIP_IN)
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__ran === undefined")
    shot(page, "after-the-slipped-script")
    assert [e["to"] for e in site.sent(thread_id)] == ["ada@example.com"]
