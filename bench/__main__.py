"""Benchmarks of the approval gate: `make bench` (or `python -m bench --smoke`).

Prints a table, writes `bench/results.json`. Every figure is a ratio of two
things measured side by side in the same run, or a growth curve: these machines
are noisy, absolute times are not comparable between runs. BENCHMARKS.md says
how each is taken and records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langgraph.checkpoint.postgres import PostgresSaver

from bench import approvals, inprocess, server, team
from bench import cycles as cycles_module
from bench.cycles import BUILTIN, GATES, TEMPLATE_GATES
from harness.aegra import AegraMissing
from harness.postgres import PostgresUnavailable, isolated_schema
from harness.server import DevServer

RESULTS = Path(__file__).with_name("results.json")


@contextmanager
def _postgres_saver(uri: str) -> Iterator[PostgresSaver]:
    with PostgresSaver.from_conn_string(uri) as saver:
        saver.setup()
        yield saver


def _postgres_cycle_times(cycles: int, blocks: int) -> dict[str, Any]:
    try:
        with isolated_schema() as uri:
            return inprocess.cycle_times(cycles, blocks, saver=lambda: _postgres_saver(uri))
    except PostgresUnavailable as missing:
        return {"skipped": str(missing)}


def _progress(step: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {step}", file=sys.stderr, flush=True)


STAGES = ("inprocess", "postgres", "server", "approvals", "approvals_dev")


def run(smoke: bool, stages: tuple[str, ...], out: Path) -> dict[str, Any]:
    cycles, blocks = (6, 1) if smoke else (40, 6)
    sizes, rounds, concurrent = ((2, 5), 3, 10) if smoke else ((10, 100, 1000), 15, 200)
    long_thread = 12 if smoke else 200
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "smoke": smoke,
    }

    def save() -> None:  # after every stage, so a failure later loses nothing measured
        out.write_text(json.dumps(results, indent=2) + "\n")

    if "inprocess" in stages:
        _inprocess(results, cycles, blocks, sizes, long_thread)
        save()
    if "postgres" in stages:
        _progress("cycles on PostgreSQL")
        pg = _postgres_cycle_times(max(cycles // 2, 4), max(blocks // 2, 1))
        results["postgres_cycle_ms"] = pg
        for gate in TEMPLATE_GATES:
            if f"ratio[{gate}]" in pg:
                results[f"postgres_gate_time_ratio[{gate}]"] = pg[f"ratio[{gate}]"]
        save()
    if "server" in stages:
        _server(results, rounds, concurrent)
        save()
    for stage, on_dev in (("approvals", False), ("approvals_dev", True)):
        if stage in stages:
            try:
                _approvals(results.setdefault(DEV, {}) if on_dev else results, smoke, on_dev)
            finally:  # (what it measured before a failure is kept)
                save()
    return results


DEV = "langgraph_dev"
"""The approvals stage's figures through `langgraph dev` (in memory) go under this key; the
top-level ones are aegra's, on PostgreSQL: the production server the issue measures."""


def _approvals(results: dict[str, Any], smoke: bool, on_dev: bool) -> None:
    # (langgraph dev answers slowly at 10,000: one round of 100 there)
    answered, answer_rounds = (100, 1) if on_dev else (200, 2)
    sizes = approvals.Sizes((3, 6), 3, 2) if smoke else approvals.Sizes((100, 1000, 10000), 31, answered, answer_rounds)
    served = "langgraph dev" if on_dev else "aegra on PostgreSQL"
    _progress(f"an approver's list at {', '.join(map(str, sizes.pending))} waiting requests, through {served}")
    with tempfile.TemporaryDirectory() as workdir:
        if on_dev:
            approvals.approvals_at_scale(Path(workdir), sizes, _progress, results)
            return
        try:
            approvals.approvals_on_aegra(Path(workdir), sizes, _progress, results)
        except (AegraMissing, PostgresUnavailable) as missing:
            results["approvals_skipped"] = str(missing)
            _progress(f"  skipped: {missing}")


def _inprocess(results: dict[str, Any], cycles: int, blocks: int, sizes: tuple[int, ...], long_thread: int) -> None:
    _progress(f"in-process cycles ({blocks} blocks of {cycles} per gate)")
    times = inprocess.cycle_times(cycles, blocks)
    sizes_bytes = inprocess.cycle_bytes()
    results["cycle_ms"] = times
    results["cycle_bytes"] = sizes_bytes
    results["supersteps_per_cycle"] = {gate: cycles_module.supersteps(gate) for gate in GATES}
    for gate in TEMPLATE_GATES:
        results[f"gate_time_ratio[{gate}]"] = times[f"ratio[{gate}]"]
        results[f"gate_bytes_ratio[{gate}]"] = sizes_bytes[gate] / sizes_bytes[BUILTIN]
    _progress(f"storage per cycle over a {long_thread}-cycle thread")
    # Windows of 50 cycles: delta channels write a full snapshot every 50 updates.
    results["bytes_per_cycle_growth"] = inprocess.storage_growth(long_thread, window=min(50, long_thread // 2))
    _progress(f"reload time at {', '.join(map(str, sizes))} cycles of history (the longest step)")
    results["reload_ms_by_history"] = inprocess.reload_ms_by_history(sizes, progress=_progress)
    _progress(f"team features: {blocks} blocks of {cycles} cycles with and without them, per graph")
    results["team"] = team.team_overhead(cycles, blocks)
    for gate in TEMPLATE_GATES:
        results[f"team_overhead_ratio[{gate}]"] = results["team"][f"team_overhead_ratio[{gate}]"]


def _server(results: dict[str, Any], rounds: int, concurrent: int) -> None:
    _progress(f"through langgraph dev: {rounds} pause/resume rounds, {concurrent} concurrent approvals per gate")
    with tempfile.TemporaryDirectory() as workdir:
        dev = DevServer(workdir=Path(workdir), extra_graphs=server.EXTRA_GRAPHS).start()
        try:
            latency = asyncio.run(server.pause_and_resume(dev.url, rounds))
            rates = {gate: asyncio.run(server.approvals_per_second(dev.url, gate, concurrent)) for gate in GATES}
        finally:
            dev.stop()
    results["server_ms"] = latency
    results["approvals_per_s"] = {**rates, "threads": concurrent}
    for gate in TEMPLATE_GATES:
        results[f"pause_ratio[{gate}]"] = latency[f"pause_ms[{gate}]"] / latency["floor_ms"]
        results[f"resume_ratio[{gate}]"] = latency[f"resume_ms[{gate}]"] / latency["floor_ms"]
        results[f"approvals_per_s_ratio[{gate}]"] = rates[gate] / rates[BUILTIN]


TARGETS = {
    "team_overhead_ratio": "≤ 1.05",
    "approvals_page_ratio": "≤ 1.2",
    "approvals_page_growth": "≤ 1.5",
    "gate_time_ratio": "≤ 1.00",
    "gate_bytes_ratio": "≤ 1.10",
    "postgres_gate_time_ratio": "≤ 1.00",
    "pause_ratio": "≤ 1.5",
    "resume_ratio": "≤ 1.5",
}
MEASURES = (
    "gate_time_ratio",
    "gate_bytes_ratio",
    "postgres_gate_time_ratio",
    "pause_ratio",
    "resume_ratio",
    "approvals_per_s_ratio",
    "team_overhead_ratio",
)


def _approvals_rows(results: dict[str, Any], prefix: str) -> list[tuple[str, str, str]]:
    rows = [
        (prefix + k, f"{results[k]:.3f}", TARGETS[k])
        for k in ("approvals_page_ratio", "approvals_page_growth")
        if k in results
    ]
    for key in [k for k in results if k.startswith("approvals_per_s_ratio_at_")]:
        rows.append((prefix + key, f"{results[key]:.3f}", "≥ 1.0"))
    for key in [k for k in results if k.startswith("page_first_screen_ms_at_")]:
        rows.append((prefix + key, f"{results[key]:.0f}", "(reported)"))
    for key in ("approvals_page_ms_by_pending", "search_page_ms_by_pending", "rss_mb_by_pending"):
        if curve := results.get(key):
            rows.append((prefix + key, ", ".join(f"{n}: {v:.1f}" for n, v in curve.items()), "(curve)"))
    return rows


def table(results: dict[str, Any]) -> str:
    rows = [("measure", "value", "target")]
    for measure in MEASURES:
        for gate in TEMPLATE_GATES:
            if (key := f"{measure}[{gate}]") in results:
                rows.append((key, f"{results[key]:.3f}", TARGETS.get(measure, "(reported)")))
    rows += _approvals_rows(results, "") + _approvals_rows(results.get(DEV) or {}, f"{DEV}.")
    if steps := results.get("supersteps_per_cycle"):
        rows.append(("supersteps_per_cycle", ", ".join(f"{g}: {n}" for g, n in steps.items()), "≤ builtin"))
    for gate, curve in results.get("reload_ms_by_history", {}).items():
        rows.append(
            (f"reload_ms_by_history[{gate}]", ", ".join(f"{n}: {ms:.1f}" for n, ms in curve.items()), "(curve)")
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the benchmarks run, measures nothing")
    parser.add_argument("--only", nargs="+", choices=STAGES, default=list(STAGES), help="run these stages only")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL stage")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    stages = tuple(stage for stage in args.only if not (args.no_postgres and stage == "postgres"))
    results = run(args.smoke, stages, args.out)
    print(table(results))
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
