"""`make bench` runs end to end (tiny sizes; the figures themselves are in BENCHMARKS.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from agent.approval.contract import GRAPH_IDS
from harness.server import run_in_repo


def test_bench_smoke_run_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = run_in_repo(
        *("python", "-m", "bench", "--smoke", "--only", "inprocess", "server", "approvals", "approvals_dev"),
        *("--out", str(out)),
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(out.read_text())
    per_graph = ("gate_time_ratio", "gate_bytes_ratio", "pause_ratio", "resume_ratio", "approvals_per_s_ratio")
    for measure in (*per_graph, "team_overhead_ratio"):
        for graph in GRAPH_IDS:  # each served graph, measured against the built-in gate
            assert results[f"{measure}[{graph}]"] > 0, (measure, graph)
            assert f"{measure}[{graph}]" in run.stdout
    assert set(results["supersteps_per_cycle"]) == {*GRAPH_IDS, "builtin"}
    assert set(results["reload_ms_by_history"]) == {*GRAPH_IDS, "builtin"}
    assert set(results["reload_ms_by_history"]["agent"]) == {"2", "5"}
    # The approvals stage on aegra (PostgreSQL: the top-level figures) and on langgraph dev.
    assert "approvals_skipped" not in results or os.environ.get("REQUIRE_AEGRA") != "1", results["approvals_skipped"]
    for figures, prefix in ((results, ""), (results["langgraph_dev"], "langgraph_dev.")):
        if figures is results and "approvals_skipped" in results:
            continue
        for measure in ("approvals_page_ratio", "approvals_page_growth", "approvals_per_s_ratio_at_6"):
            assert figures[measure] > 0, measure
            assert prefix + measure in run.stdout
        assert set(figures["approvals_page_ms_by_pending"]) == {"3", "6"}
        if "page_first_screen_skipped" not in figures or os.environ.get("REQUIRE_BROWSER") == "1":
            assert figures["page_first_screen_ms_at_6"] > 0
            assert prefix + "page_first_screen_ms_at_6" in run.stdout
        assert set(figures["rss_mb_by_pending"]) == {"0", "3", "6"}
    assert results["team"]["notices_received"] > 0  # the team side's notices reached the receiver
