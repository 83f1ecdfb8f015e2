"""Answers at once at the largest size: through `POST /approvals` against the built-in gate's `runs.wait`.

`approvals_per_s_ratio_at_<size>` (`bench.approvals`): the same number of requests answered
at once each way, in rounds that alternate which goes first, on the same server; each side's
figure is its median round.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.schema import Command

from agent.approval.contract import resume_for
from bench.cycles import BUILTIN
from client.approvals import get_pending


async def answer_rates(
    ada: LangGraphClient, bob: LangGraphClient, template: list[str], builtin: list[str], rounds: int
) -> tuple[float, float]:
    """Median answers per second, `rounds` rounds each, alternating: `template` threads (ada's)
    answered by `bob` through `POST /approvals`, `builtin` ones by `ada` (`runs.wait` with a resume)."""
    requests = [await get_pending(ada, thread_id) for thread_id in template]
    answers = [(p.thread_id, {"resume": resume_for(p.request, [{"type": "approve"}])}) for p in requests if p]
    approve: Command = {"resume": {"decisions": [{"type": "approve"}]}}
    each = min(len(answers), len(builtin)) // rounds

    async def through_the_route(index: int) -> Any:
        batch = answers[index * each : (index + 1) * each]
        return await asyncio.gather(*(bob.http.post(f"/approvals/{t}", json=b) for t, b in batch))

    async def built_in(index: int) -> Any:
        batch = builtin[index * each : (index + 1) * each]
        return await asyncio.gather(*(ada.runs.wait(t, BUILTIN, command=approve) for t in batch))

    rates: tuple[list[float], list[float]] = ([], [])
    for index in range(rounds):
        for which in (0, 1) if index % 2 == 0 else (1, 0):
            started = time.perf_counter()
            await (through_the_route, built_in)[which](index)
            rates[which].append(each / (time.perf_counter() - started))
    return statistics.median(rates[0]), statistics.median(rates[1])
