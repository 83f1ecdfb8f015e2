"""An approver's list at 100, 1,000 and 10,000 waiting requests, on aegra (PostgreSQL) and `langgraph dev`.

One server, a team (`ada` asks, `bob` approves, separation of duties on), seeded
through its API with more and more waiting requests of ada's. At each size:

- `approvals_page_ms_by_pending`: the median of bob's first page of `GET /approvals`
  (50), taken alternately with the server's own `threads.search` page of 50
  (`status="interrupted"`, newest first, as ada, whose threads they are); their ratio
  at the largest size is `approvals_page_ratio`;
- the server's memory (RSS of its process group) before seeding and at each size;
- at the largest size, the page's first screen for bob (`bench.first_screen`):
  `page_first_screen_ms_at_<size>`.

At the largest size, `answered` of the requests answered at once through
`POST /approvals/{thread}`, and as many of deepagents' built-in gate's on the same server
(`runs.wait` with a resume), in rounds that alternate which goes first (`bench.answers`):
the ratio of their median rounds is `approvals_per_s_ratio_at_<size>`.

On PostgreSQL the database is settled after each seeding (`bench.machine.settle`), so
that the pages are timed as an approver meets them, not in the minute after thousands
of runs were written.

`approvals_on_aegra` serves the requests with the production server, aegra on a fresh
PostgreSQL database (`make serve`'s, without Redis), graph `agent_interrupt`;
`approvals_at_scale` with `langgraph dev` (in memory), graph `agent`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import GRAPH_ID, INTERRUPT_GRAPH_ID
from bench import first_screen
from bench.answers import answer_rates
from bench.cycles import BUILTIN
from bench.machine import rss_mb, settle
from bench.server import EXTRA_GRAPHS
from client.approvals import connect, user_message
from harness.aegra import AegraServer
from harness.postgres import isolated_database
from harness.scripts import email, script
from harness.server import DevServer

TEAM = {
    "AUTH_USERS": "ada:ada-token,bob:bob-token:approver",
    "APPROVER_ROLES": "approver",
    "REQUESTER_MAY_ANSWER": "false",
}
ADA, BOB = "ada-token", "bob-token"
IN_FLIGHT = 32
"""Runs seeded at once (the server has 2 cores: more only queue)."""
PAGE = 50
TIMEOUTS = (10, 600, 60, 600)
SEED_WAIT_S = 600
POLL_S = 0.2
ANSWER_WAIT_S = 900
"""How long the answers at the largest size may take (on `langgraph dev` at 10,000, 200 took over 600 s)."""


async def _started(client: LangGraphClient, graph_id: str) -> str:
    """A new thread of the client's user, its run started."""
    thread_id = str((await client.threads.create())["thread_id"])
    await client.runs.create(thread_id, graph_id, input=user_message(script(email())))
    return thread_id


async def _waited(client: LangGraphClient, graph_id: str) -> str:
    """A new thread of the client's user, its run waited for."""
    thread_id = str((await client.threads.create())["thread_id"])
    await client.runs.wait(thread_id, graph_id, input=user_message(script(email())))
    return thread_id


async def _seeded(client: LangGraphClient, graph_id: str, count: int, counted: bool = True) -> list[str]:
    """`count` more threads waiting on a request of `graph_id`, `IN_FLIGHT` runs at a time.

    `langgraph dev`'s in-memory runtime scans every thread or run it holds on each
    `threads.get`, `runs.wait` and queued run, so a run waited for on its own slows
    seeding to a run or two a second by 10,000: each batch is waited for by one count.
    aegra has no count route (`counted=False`): each run is waited for.
    """
    if not counted:
        ids: list[str] = []
        while len(ids) < count:
            ids += await asyncio.gather(*(_waited(client, graph_id) for _ in range(min(IN_FLIGHT, count - len(ids)))))
        return ids
    ids = []
    waiting = await client.threads.count(status="interrupted")
    while len(ids) < count:
        batch = min(IN_FLIGHT, count - len(ids))
        ids += await asyncio.gather(*(_started(client, graph_id) for _ in range(batch)))
        waiting += batch
        async with asyncio.timeout(SEED_WAIT_S):
            # Polling is the point: the server's count says when the batch's runs are done.
            while await client.threads.count(status="interrupted") < waiting:  # noqa: ASYNC110
                await asyncio.sleep(POLL_S)
    if failed := await client.threads.count(status="error"):
        raise RuntimeError(f"{failed} seeding run(s) failed: see the server's log")
    return ids


Call = Callable[[], Awaitable[Any]]


async def _median_pair(first: Call, second: Call, rounds: int) -> tuple[float, float]:
    """Median ms of `first` and of `second`, taken alternately."""
    times: tuple[list[float], list[float]] = ([], [])
    for index in range(rounds):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        for which in order:
            started = time.perf_counter()
            await (first, second)[which]()
            times[which].append((time.perf_counter() - started) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


async def _pages(url: str, rounds: int, waiting: int) -> tuple[float, float]:
    """Median ms of bob's first page and of ada's `threads.search` page, `waiting` requests waiting."""
    expected = min(PAGE, waiting)
    async with (
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {BOB}"}, timeout=600) as bob,
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {ADA}"}, timeout=600) as ada,
    ):
        search = {"status": "interrupted", "limit": PAGE, "sort_by": "updated_at", "sort_order": "desc"}

        async def approvals() -> None:
            response = await bob.get("/approvals", params={"limit": PAGE})
            if response.status_code != 200 or len(response.json()) != expected:
                raise RuntimeError(f"GET /approvals: {response.status_code} {response.text[:200]}")

        async def threads() -> None:
            response = await ada.post("/threads/search", json=search)
            if response.status_code != 200 or len(response.json()) != expected:
                raise RuntimeError(f"threads.search: {response.status_code} {response.text[:200]}")

        return await _median_pair(approvals, threads, rounds)


@dataclass(frozen=True)
class Sizes:
    pending: tuple[int, ...]
    """Waiting requests to measure at, growing."""
    rounds: int
    """Pages of each kind per size."""
    answered: int
    """Requests answered at once at the largest size, per round."""
    answer_rounds: int = 2
    """Rounds of them, through the route and the built-in gate alternately."""


@dataclass(frozen=True)
class Served:
    url: str
    pid: int
    graph_id: str
    counted: bool
    """Whether the server counts threads (`threads.count`): aegra does not."""
    database: str | None = None
    """The server's PostgreSQL database, settled after each seeding (`bench.machine.settle`)."""


async def _measure(server: Served, sizes: Sizes, progress: Callable[[str], None], out: dict[str, Any]) -> None:
    """Fill `out` as each figure is taken (a later failure keeps the earlier ones)."""
    url, pid = server.url, server.pid
    pages: dict[str, float] = out.setdefault("approvals_page_ms_by_pending", {})
    searches: dict[str, float] = out.setdefault("search_page_ms_by_pending", {})
    rss: dict[str, float] = out.setdefault("rss_mb_by_pending", {"0": rss_mb(pid)})
    ada = connect(url, ADA, timeout=TIMEOUTS)
    try:
        seeded: list[str] = []
        for size in sizes.pending:
            progress(f"seeding {size - len(seeded)} more waiting requests (to {size})")
            seeded += await _seeded(ada, server.graph_id, size - len(seeded), server.counted)
            if server.database:
                await asyncio.to_thread(settle, server.database)
            pages[str(size)], searches[str(size)] = await _pages(url, sizes.rounds, size)
            rss[str(size)] = rss_mb(pid)
            progress(f"  at {size}: first page {pages[str(size)]:.1f} ms, threads.search {searches[str(size)]:.1f} ms")
        smallest, largest = str(sizes.pending[0]), str(sizes.pending[-1])
        try:  # (in a thread: Playwright's sync API runs an event loop of its own)
            shown = await asyncio.to_thread(first_screen.first_screen_ms, url, BOB, sizes.rounds)
            out[f"page_first_screen_ms_at_{largest}"] = shown
            progress(f"  the page's first screen for bob at {largest}: {shown:.0f} ms")
        except first_screen.NoBrowser as missing:
            out["page_first_screen_skipped"] = str(missing)
        out["approvals_page_ratio"] = pages[largest] / searches[largest]
        out["approvals_page_growth"] = pages[largest] / pages[smallest]
        progress(f"answering {sizes.answered} at once, {sizes.answer_rounds} round(s) each way")
        answered = sizes.answered * sizes.answer_rounds
        builtin = await _seeded(ada, BUILTIN, answered, server.counted)
        bob = connect(url, BOB, timeout=TIMEOUTS)
        try:
            async with asyncio.timeout(ANSWER_WAIT_S):
                template_rate, builtin_rate = await answer_rates(
                    ada, bob, seeded[:answered], builtin, sizes.answer_rounds
                )
        finally:
            await bob.aclose()
    finally:
        await ada.aclose()
    out["approvals_per_s_at_largest"] = {
        "template": template_rate,
        BUILTIN: builtin_rate,
        "answered": sizes.answered,
        "rounds": sizes.answer_rounds,
    }
    out[f"approvals_per_s_ratio_at_{largest}"] = template_rate / builtin_rate


def approvals_at_scale(workdir: Path, sizes: Sizes, progress: Callable[[str], None], out: dict[str, Any]) -> None:
    """Start a team's `langgraph dev`, seed it to each size, measure into `out` (see the module doc), stop it."""
    dev = DevServer(workdir=workdir, env=TEAM, extra_graphs=EXTRA_GRAPHS).start()
    try:
        assert dev.process is not None
        asyncio.run(_measure(Served(dev.url, dev.process.pid, GRAPH_ID, counted=True), sizes, progress, out))
    finally:
        dev.stop()


def approvals_on_aegra(workdir: Path, sizes: Sizes, progress: Callable[[str], None], out: dict[str, Any]) -> None:
    """As `approvals_at_scale`, served by aegra on a fresh PostgreSQL database (dropped afterwards)."""
    with isolated_database() as database:
        aegra = AegraServer(workdir=workdir, database_url=database, env=TEAM, extra_graphs=EXTRA_GRAPHS).start()
        try:
            assert aegra.process is not None
            served = Served(aegra.url, aegra.process.pid, INTERRUPT_GRAPH_ID, counted=False, database=database)
            asyncio.run(_measure(served, sizes, progress, out))
        finally:
            aegra.stop()
