"""node for the JS tests, or a one-line skip (a failure where CI requires it: `REQUIRE_NODE=1`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_VARIABLE = "REQUIRE_NODE"


def missing(reason: str) -> NoReturn:
    """Skip for want of `reason`, or fail where CI requires node and its packages (`REQUIRE_NODE=1`)."""
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def node() -> str:
    """The node executable (for tests that need nothing from npm)."""
    found = shutil.which("node")
    if not found:
        missing("no node: install node 20+")
    return found


def node_for(package: Path, dependency: str) -> str:
    """The node executable, once `package`'s `node_modules` holds `dependency` (`make js` installs it)."""
    found = shutil.which("node")
    if not (found and (package / "node_modules" / dependency).is_dir()):
        missing(f"no node or no {package.name}/node_modules: install node 20+ and run `make test` (it runs npm ci)")
    return found
