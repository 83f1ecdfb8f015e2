"""How long the page takes to show an approver's first screen: signed in, to the first inbox entry drawn.

Headless Chromium (`harness.browser`), a fresh browser context each round (nothing cached
but the page's own files, which the first round fetches), the median of `rounds`. Run by
`bench.approvals` at the largest size, so the list's first page is of 10,000 waiting.
"""

from __future__ import annotations

import statistics
import time

from harness.browser import CHROMIUM_ARGS, MISSING, find_chromium

FIRST_ENTRY = "#inbox li"


class NoBrowser(RuntimeError):
    """No Chromium to measure with."""


def first_screen_ms(url: str, token: str, rounds: int) -> float:
    """Median ms from submitting the sign-in form to the first entry of the inbox on screen."""
    executable = find_chromium()
    if executable is None:
        raise NoBrowser(MISSING)
    from playwright.sync_api import Error, sync_playwright  # noqa: PLC0415 (a dev extra: only this stage needs it)

    samples: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for _ in range(rounds):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(f"{url}/inbox")
                page.fill("#token", token)
                started = time.perf_counter()
                page.press("#token", "Enter")
                try:
                    page.locator(FIRST_ENTRY).first.wait_for(state="visible", timeout=120_000)
                except Error as failed:
                    raise NoBrowser(f"the page's first screen did not show: {failed}") from None
                samples.append((time.perf_counter() - started) * 1000)
                context.close()
        finally:
            browser.close()
    return statistics.median(samples)
