"""In-process measures: the template's two graphs against deepagents' built-in `interrupt_on`.

Every figure is taken side by side in one run: the gates' cycles alternate (in an
order reversed every round) so that machine noise falls on all alike, and each is
a median.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from agent.approval.contract import HITL_HISTORY, PENDING_HITL
from bench.cycles import BUILTIN, GATES, TEMPLATE_GATES, Gate, Graph, approve, build, cycle, pause, read_request
from harness.storage import bytes_by_channel

SaverFactory = Callable[[], AbstractContextManager[BaseCheckpointSaver[Any]]]


def _alternating(rounds: int) -> Iterator[Gate]:
    for index in range(rounds):
        yield from GATES if index % 2 == 0 else reversed(GATES)


def cycle_times(
    cycles: int, blocks: int = 1, saver: SaverFactory = lambda: nullcontext(InMemorySaver())
) -> dict[str, Any]:
    """Median ms of a pause-and-approve cycle on a new thread, per gate, in `blocks` blocks.

    Each block builds every graph afresh and alternates their cycles; each template
    graph's ratio to the built-in is taken per block, and the median of those is
    reported with its range, which says more about this machine's noise than one
    long run would.
    """
    per_block: list[dict[Gate, float]] = []
    for _ in range(blocks):
        times: dict[Gate, list[float]] = {gate: [] for gate in GATES}
        with saver() as first, saver() as second, saver() as third:
            graphs = {gate: build(gate, store) for gate, store in zip(GATES, (first, second, third), strict=True)}
            for gate in GATES:  # warm up: imports, caches, first checkpoints
                cycle(gate, graphs[gate])
            for gate in _alternating(cycles):
                started = time.perf_counter()
                cycle(gate, graphs[gate])
                times[gate].append((time.perf_counter() - started) * 1000)
        per_block.append({gate: statistics.median(values) for gate, values in times.items()})
    result: dict[str, Any] = {gate: statistics.median(block[gate] for block in per_block) for gate in GATES}
    for gate in TEMPLATE_GATES:
        ratios = sorted(block[gate] / block[BUILTIN] for block in per_block)
        result[f"ratio[{gate}]"] = statistics.median(ratios)
        result[f"ratio_range[{gate}]"] = [ratios[0], ratios[-1]]
    return result


def cycle_bytes() -> dict[str, int]:
    """Checkpoint bytes one cycle writes on a new thread (after a warm-up cycle), per gate."""
    result: dict[str, int] = {}
    for gate in GATES:
        saver = InMemorySaver()
        graph = build(gate, saver)
        cycle(gate, graph)
        thread_id = cycle(gate, graph)
        result[gate] = sum(bytes_by_channel(saver, thread_id).values())
    return result


def reload_ms_by_history(
    sizes: tuple[int, ...], reads: int = 20, progress: Callable[[str], None] = lambda _: None
) -> dict[str, dict[str, float]]:
    """Median ms to read the pending request back, on a thread with N answered cycles."""
    result: dict[str, dict[str, float]] = {gate: {} for gate in GATES}
    for gate in GATES:
        graph: Graph = build(gate, InMemorySaver())
        thread_id, done = uuid.uuid4().hex, 0
        for size in sorted(sizes):
            while done < size:
                cycle(gate, graph, thread_id)
                done += 1
            pause(graph, thread_id)
            samples = []
            for _ in range(reads):
                started = time.perf_counter()
                read_request(gate, graph, thread_id)
                samples.append((time.perf_counter() - started) * 1000)
            result[gate][str(size)] = statistics.median(samples)
            progress(f"  {gate}: {size} cycles of history, {result[gate][str(size)]:.1f} ms")
            approve(gate, graph, thread_id)
            done += 1
    return result


GATE_KEYS = (PENDING_HITL, HITL_HISTORY, "__interrupt__", "__resume__", "hitl_edited_tool_calls")
"""Channels the gates themselves write (the rest is the agent's own: messages, files, ...)."""


def storage_growth(cycles: int, window: int = 10) -> dict[str, dict[str, dict[str, int]]]:
    """Bytes per cycle on one long thread, at its start and its end: all channels, and the gate's."""
    result: dict[str, dict[str, dict[str, int]]] = {}
    for gate in GATES:
        saver = InMemorySaver()
        graph = build(gate, saver)
        thread_id, per_cycle, before = uuid.uuid4().hex, [], bytes_by_channel(saver, "")
        for _ in range(cycles):
            cycle(gate, graph, thread_id)
            after = bytes_by_channel(saver, thread_id)
            per_cycle.append(after - before)
            before = after
        result[gate] = {}
        for label, chunk in (
            (f"cycles 1-{window}", per_cycle[:window]),
            (f"cycles {cycles - window + 1}-{cycles}", per_cycle[-window:]),
        ):
            result[gate][label] = {
                "total": sum(sum(c.values()) for c in chunk) // len(chunk),
                "gate": sum(c[k] for c in chunk for k in GATE_KEYS) // len(chunk),
            }
    return result
