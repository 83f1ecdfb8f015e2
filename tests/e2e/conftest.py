"""Browser tests: the inbox page in a real headless Chromium, against a real server.

Chromium comes from Debian's `chromium` package (`/usr/bin/chromium`, or
`CHROMIUM_PATH`), driven by Playwright for Python with `executable_path`: no
browser download. Without Chromium these tests skip with a one-line reason,
unless `REQUIRE_BROWSER=1` (set by `.ci/run`, which installs Chromium).
Every state a test checks is saved as a screenshot in `tests/e2e/screenshots/`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from harness.browser import CHROMIUM_ARGS, MISSING, find_chromium
from tests.support.node import missing
from tests.support.served import Served, serve

USERS = {"ada": "ada-token", "bob": "bob-token"}
SCREENSHOTS = Path(__file__).with_name("screenshots")
REQUIRE_VARIABLE = "REQUIRE_BROWSER"


def chromium_path() -> str:
    if found := find_chromium():
        return found
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {MISSING}", pytrace=False)
    pytest.skip(MISSING)


# Module scope, not session: Playwright's sync API owns an event loop while it runs,
# which the async tests that follow in the same session must not find there.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[Served]:
    users = {"AUTH_USERS": ",".join(f"{name}:{token}" for name, token in USERS.items())}
    with serve(tmp_path_factory.mktemp("site"), users) as served:
        yield served


Shot = Callable[[Page, str], None]


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """Save a screenshot of the state a test is about to check."""
    SCREENSHOTS.mkdir(exist_ok=True)
    test = re.sub(r"[^\w-]+", "_", request.node.name)
    count = iter(range(1, 100))

    def save(page: Page, state: str) -> None:
        page.screenshot(path=SCREENSHOTS / f"{test}-{next(count):02d}-{state}.png", full_page=True)

    return save


AXE = Path(__file__).with_name("axe") / "node_modules" / "axe-core" / "axe.min.js"
PHONE: ViewportSize = {"width": 390, "height": 844}
# axe-core's report, kept to what a reviewer must act on: each serious or critical violation, where.
AXE_RUN = """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" "))}`)"""


def assert_accessible(page: Page, screen: str) -> None:
    """axe-core (pinned in tests/e2e/axe, `make js` installs it) finds no serious or critical
    violation on the page as it is, at its width and at a phone's."""
    if not AXE.is_file():
        missing("no axe-core: run `make js` (npm ci in tests/e2e/axe)")
    if not page.evaluate("typeof axe !== 'undefined'"):
        # Evaluated by the browser's tooling, not as a <script> tag: the page's CSP runs its own files only.
        page.evaluate(AXE.read_text())
    width = page.viewport_size
    for size in (width, PHONE):
        if size:
            page.set_viewport_size(size)
        found = page.evaluate(AXE_RUN)
        assert found == [], f"{screen} at {size}: " + "; ".join(found)
    if width:
        page.set_viewport_size(width)


def sign_in(browser: Browser, site: Served, user: str, **context: object) -> Page:
    """A fresh browser context (its own storage), signed in as `user` through the form."""
    page = browser.new_context(**context).new_page()  # type: ignore[arg-type]
    page.goto(f"{site.server.url}/inbox")
    page.fill("#token", USERS[user])
    page.press("#token", "Enter")
    expect(page.locator("#who-name")).to_have_text(user)
    return page


def approve(page: Page) -> None:
    """Choose to approve the request's one call (nothing is chosen for the reviewer), and send it."""
    page.check("#action-0-approve")
    page.click("#submit-decisions")


def start_conversation(page: Page, text: str) -> str:
    """Send a first message from the page; return the new thread's id once it waits."""
    page.fill("#new-message", text)
    page.click("#new-form button[type=submit]")
    # This conversation's own request: the one on screen before may still show for a moment.
    expect(page.locator("#conversation")).to_contain_text(text)
    expect(page.locator("#request")).to_be_visible()
    return page.locator("#thread-id").inner_text()
