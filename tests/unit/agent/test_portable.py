"""Importing the agent needs nothing POSIX-only (a fork may run it on Windows)."""

from __future__ import annotations

import subprocess
import sys


def test_the_agent_imports_without_fcntl() -> None:
    program = "import sys; sys.modules['fcntl'] = None\nimport agent.graph, agent.email, client.cli\nprint('ok')"
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "ok"
