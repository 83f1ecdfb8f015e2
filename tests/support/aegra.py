"""aegra for the tests (`harness.aegra`): a skip where it is missing, a failure where CI requires it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness import aegra
from harness.aegra import SHARED_KEY, AegraMissing, find_aegra

__all__ = ["SHARED_KEY", "AegraServer", "aegra_bin"]

REQUIRE_VARIABLE = "REQUIRE_AEGRA"


def aegra_bin() -> Path:
    """The aegra executable, or a skip (a failure when CI requires aegra)."""
    try:
        return find_aegra()
    except AegraMissing as missing:
        if os.environ.get(REQUIRE_VARIABLE) == "1":
            pytest.fail(f"{REQUIRE_VARIABLE}=1 but {missing}", pytrace=False)
        pytest.skip(str(missing))


class AegraServer(aegra.AegraServer):
    """`harness.aegra.AegraServer`, skipped (or failed) as `aegra_bin` says where aegra is missing."""

    def start(self) -> AegraServer:
        aegra_bin()
        super().start()
        return self
