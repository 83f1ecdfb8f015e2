"""`make bench` runs end to end (tiny sizes; the figures themselves are in BENCHMARKS.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.server import REPO, server_env


def test_bench_smoke_run_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", "inprocess", "server", "--out", str(out)],
        cwd=REPO,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(out.read_text())
    for ratio in ("gate_time_ratio", "gate_bytes_ratio", "pause_ratio", "resume_ratio", "approvals_per_s_ratio"):
        assert results[ratio] > 0, ratio
        assert ratio in run.stdout
    assert set(results["reload_ms_by_history"]) == {"template", "builtin"}
    assert set(results["reload_ms_by_history"]["template"]) == {"2", "5"}
