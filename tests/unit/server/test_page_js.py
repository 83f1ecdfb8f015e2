"""The page's contract readers (server/static/js) under `node --test`: tests/js/page/*.test.mjs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.support.node import node

PAGE_TESTS = Path(__file__).parents[2] / "js" / "page"


def test_the_pages_readers_pass_their_node_tests() -> None:
    files = sorted(PAGE_TESTS.glob("*.test.mjs"))
    assert files, f"no *.test.mjs in {PAGE_TESTS}"
    written = sum(len(re.findall(r"^test\(", path.read_text(), re.MULTILINE)) for path in files)
    command = [node(), "--test", *map(str, files)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    passed = re.search(r"^# pass (\d+)$", report, re.MULTILINE)
    assert passed, report
    assert int(passed.group(1)) == written, report  # (every test written ran)
