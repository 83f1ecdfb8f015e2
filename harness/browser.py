"""Headless Chromium for the page's e2e tests and its benchmark: where it is, and how it is started."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Final

CHROMIUM_ARGS: Final = [
    # Flags for a sandboxed, offline machine: no background traffic to Google's hosts.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING: Final = "no Chromium: install Debian's `chromium` package (or set CHROMIUM_PATH)"


def find_chromium() -> str | None:
    """Chromium's executable (`CHROMIUM_PATH`, else `chromium` on the PATH), or `None`."""
    candidate = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).is_file() else None
