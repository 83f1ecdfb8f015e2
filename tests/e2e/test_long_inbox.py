"""An approver's inbox longer than one page of `GET /approvals` (50): the first page, then
"Show more requests" for the next, newest first, each request once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import USERS, Shot, assert_accessible, sign_in
from tests.support.pages import ask
from tests.support.served import Served, serve

ENV = {"AUTH_USERS": "ada:ada-token,bob:bob-token:approver", "APPROVER_ROLES": "approver"}
PAGE = 50


@pytest.fixture(scope="module")
def crowd(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("crowd"), ENV) as served:
        yield served


async def _ask(team: Served, count: int) -> dict[str, dict[str, Any]]:
    """`count` of ada's requests, a few at a time, by thread id."""
    asked: list[tuple[str, dict[str, Any]]] = []
    while len(asked) < count:
        asked += await asyncio.gather(*(ask(team, USERS["ada"]) for _ in range(min(8, count - len(asked)))))
    return dict(asked)


@pytest.fixture(scope="module")
def asked(crowd: Served) -> dict[str, dict[str, Any]]:
    """One more of ada's requests than a page holds, by thread id."""
    with ThreadPoolExecutor(1) as aside:  # (Playwright's sync API holds this thread's event loop)
        return aside.submit(asyncio.run, _ask(crowd, PAGE + 1)).result()


@pytest.fixture
def made(asked: dict[str, dict[str, Any]]) -> dict[str, str]:
    """When each of them was made, by thread id."""
    return {thread_id: request["created_at"] for thread_id, request in asked.items()}


def _newest_first(page: Page, made: dict[str, str], count: int) -> list[str]:
    """The `count` threads listed, after checking each is listed once and newer ones come first."""
    listed = page.locator("#inbox button")
    expect(listed).to_have_count(count)
    ids = [str(listed.nth(n).get_attribute("data-thread")) for n in range(count)]
    assert len(set(ids)) == count
    assert [made[i] for i in ids] == sorted((made[i] for i in ids), reverse=True)
    return ids


def test_show_more_lists_the_next_page(browser: Browser, crowd: Served, made: dict[str, str], shot: Shot) -> None:
    bob = sign_in(browser, crowd, "bob")
    first = _newest_first(bob, made, PAGE)
    expect(bob.locator("#inbox-count")).to_have_text(f"({PAGE}+)")
    (held_back,) = set(made) - set(first)
    assert made[held_back] == min(made.values())  # (the oldest waits for the next page)
    shot(bob, "first-page")

    bob.click("#inbox-more")
    every = _newest_first(bob, made, PAGE + 1)
    assert set(every) == set(made)
    expect(bob.locator("#inbox-count")).to_have_text(f"({PAGE + 1})")
    expect(bob.locator("#inbox-more")).to_be_hidden()
    shot(bob, "after-show-more")
    assert_accessible(bob, "a long inbox")


def test_a_notices_link_opens_a_request_past_the_first_page(
    browser: Browser, crowd: Served, asked: dict[str, dict[str, Any]], made: dict[str, str], shot: Shot
) -> None:
    bob = sign_in(browser, crowd, "bob")
    (oldest,) = set(made) - set(_newest_first(bob, made, PAGE))  # (the one the first page leaves out)
    expect(bob.locator("#thread-id")).not_to_have_text(oldest)
    bob.goto(f"{crowd.server.url}/inbox#thread={oldest}")  # (a notice's link, as the notice has it)
    expect(bob.locator("#thread-id")).to_have_text(oldest)
    expect(bob.locator("#request-id")).to_have_text(asked[oldest]["request_id"])
    expect(bob.locator("#thread-title")).to_have_text("ada's request")
    expect(bob.locator("#request")).to_be_visible()
    shot(bob, "opened-from-a-link")
    # Reading the list again (as each live round does) asks for that thread's requests again (it
    # is on no page read), and keeps it on screen.
    with bob.expect_response(lambda r: f"thread_id={oldest}" in r.url and r.ok):
        bob.click("#refresh")
    expect(bob.locator("#request-id")).to_have_text(asked[oldest]["request_id"])
    expect(bob.locator("#request")).to_be_visible()
    expect(bob.locator("#inbox button")).to_have_count(PAGE)  # (the list itself is still the first page)
