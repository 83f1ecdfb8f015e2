"""The deployment config, checked the way `langgraph` checks it, without Docker."""

from __future__ import annotations

import json
from pathlib import Path

from harness.server import REPO, run_in_repo


def test_langgraph_dockerfile_accepts_the_config(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    made = run_in_repo("langgraph", "dockerfile", str(dockerfile), "-c", "langgraph.json")
    assert made.returncode == 0, made.stdout + made.stderr
    text = dockerfile.read_text()
    graphs = json.loads(text.split("ENV LANGSERVE_GRAPHS='", 1)[1].split("'", 1)[0])
    # The CLI names the package directory after the checkout's folder.
    module = f"/deps/{REPO.name}/agent/graph.py"
    assert graphs == {"agent": f"{module}:graph", "agent_interrupt": f"{module}:graph_interrupt"}
    assert "pip install" in text
    assert f"ADD . /deps/{REPO.name}" in text
