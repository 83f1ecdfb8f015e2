"""node for the JS tests, or a one-line skip (a failure where CI requires it: `REQUIRE_NODE=1`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REQUIRE_VARIABLE = "REQUIRE_NODE"


def node_for(package: Path, dependency: str) -> str:
    """The node executable, once `package`'s `node_modules` holds `dependency` (`make js` installs it)."""
    node = shutil.which("node")
    if node and (package / "node_modules" / dependency).is_dir():
        return node
    reason = f"no node or no {package.name}/node_modules: install node 20+ and run `make test` (it runs npm ci)"
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {reason}", pytrace=False)
    pytest.skip(reason)
