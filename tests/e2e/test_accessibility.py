"""Every screen of the inbox page through axe-core, at a desktop's width and a phone's: no serious
or critical violation. The approver's screen is checked in test_approver_page.py."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from harness.scripts import email, script
from tests.e2e.conftest import Shot, assert_accessible, sign_in, start_conversation
from tests.support.served import Served


def test_each_screen_has_no_serious_accessibility_violation(browser: Browser, site: Served, shot: Shot) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{site.server.url}/inbox")
    expect(page.locator("#sign-in")).to_be_visible()
    assert_accessible(page, "signed out")

    page = sign_in(browser, site, "ada")
    expect(page.locator("#inbox-empty")).to_be_visible()
    assert_accessible(page, "an empty inbox")

    start_conversation(page, "email ada@example.com about access")
    assert_accessible(page, "a request waiting")
    page.check("#action-0-edit")
    page.fill("#action-0-arg-subject", "Access, for everyone")
    expect(page.locator("#action-0-changes .diff")).to_be_visible()
    assert_accessible(page, "an edit and its changes")
    page.click("#submit-decisions")
    expect(page.locator("#progress .final")).to_have_text("done: the agent's answer is in the conversation")
    expect(page.locator("#conversation .record")).to_be_visible()
    assert_accessible(page, "the record and the model's answer")

    start_conversation(page, script(email(subject="One"), email(subject="Two")))
    page.check("#action-0-approve")
    page.check("#action-1-reject")
    expect(page.locator("#batch")).to_be_visible()
    assert_accessible(page, "a batch")
    page.click("#submit-decisions")
    expect(page.locator("#progress .final")).to_have_text("done: the agent's answer is in the conversation")

    start_conversation(page, "email ada@example.com about choosing")
    page.click("#submit-decisions")  # nothing chosen: the form says so
    expect(page.locator("#action-0-unchosen")).to_be_visible()
    assert_accessible(page, "a decision not chosen")
    shot(page, "not-chosen")
